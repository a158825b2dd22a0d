ALTER TABLE users DROP CONSTRAINT users_organization_id_fkey;
DROP TABLE pairing_requests;
DROP TABLE pairings;
DROP TABLE organizations;
