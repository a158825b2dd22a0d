-- POST /api/v1/projects: the writers' lock, the checks, the insert, the audit entry
-- and the change-feed event, in one transaction.
BEGIN;
UPDATE event_sequence SET last_seq = last_seq WHERE id = 1;
SELECT * FROM organizations WHERE id = :organization;
SELECT EXISTS (SELECT 1 FROM pairings WHERE organization_id = :organization AND county_code = :county AND status <> 'terminated');
INSERT INTO projects (id, organization_id, county_code, title, category, dimension, status, start_on,
  committed_fen, disbursed_fen, beneficiaries, in_county_library, brand, version, created_at, updated_at)
  VALUES (gen_random_uuid(), :organization, :county, 'pgbench ' || random(), 'education', 'talent', 'planned',
  CURRENT_DATE, 100000, 0, 10, false, false, 1, now(), now());
INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, changes)
  VALUES (gen_random_uuid(), now(), NULL, 'province_admin', 'create', 'project', 'x', '{}');
UPDATE event_sequence SET last_seq = last_seq + 1 WHERE id = 1;
INSERT INTO events (seq, at, entity, entity_id, action)
  VALUES ((SELECT last_seq FROM event_sequence WHERE id = 1), now(), 'project', 'x', 'create');
COMMIT;
