-- GET /api/v1/stats/overview: the queries persistence::stats and the route run.
SELECT * FROM regions WHERE level IN ('province', 'prefecture', 'county') ORDER BY code;
SELECT county_code, status, COUNT(*) FROM pairings GROUP BY county_code, status;
SELECT county_code, COUNT(*),
  CAST(COALESCE(SUM(CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on <= agreement_deadline THEN 1 ELSE 0 END), 0) AS BIGINT),
  CAST(COALESCE(SUM(CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on > agreement_deadline THEN 1 ELSE 0 END), 0) AS BIGINT),
  CAST(COALESCE(SUM(CASE WHEN status = 'pending_agreement' AND agreement_deadline < CURRENT_DATE THEN 1 ELSE 0 END), 0) AS BIGINT)
  FROM pairings WHERE agreement_deadline BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY county_code;
SELECT county_code, category, COUNT(*), CAST(COALESCE(SUM(committed_fen), 0) AS BIGINT),
  CAST(COALESCE(SUM(disbursed_fen), 0) AS BIGINT), CAST(COALESCE(SUM(beneficiaries), 0) AS BIGINT)
  FROM projects WHERE status <> 'cancelled' AND start_on <= '2025-12-31'
   AND (end_on IS NULL OR end_on >= '2025-01-01') GROUP BY county_code, category;
SELECT county_code, COUNT(DISTINCT village_code) FROM village_pairings WHERE status = 'active' GROUP BY county_code;
SELECT h.county_code, COUNT(DISTINCT a.household_id) FROM assistance_records a
  JOIN households h ON h.id = a.household_id WHERE a.given_on <= '2025-12-31' GROUP BY h.county_code;
SELECT county_code, COUNT(*) FROM party_pairings WHERE status = 'active' GROUP BY county_code;
SELECT county_code, status, COUNT(*) FROM wishes GROUP BY county_code, status;
SELECT organization_id, county_code FROM pairings WHERE status <> 'terminated';
SELECT region_code, department FROM liaisons WHERE active;
SELECT kind, subject, period, submitted_at, due_on FROM reports
 WHERE status = 'submitted' AND period IN ('2025', '2025S1', '2025S2');
SELECT id, name, level, status FROM organizations ORDER BY name;
