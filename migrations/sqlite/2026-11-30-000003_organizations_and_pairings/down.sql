-- Rebuild users without the foreign key to organizations.
CREATE TABLE users_old (
    id                  TEXT        PRIMARY KEY NOT NULL,
    username            TEXT        NOT NULL,
    display_name        TEXT        NOT NULL CHECK (display_name <> ''),
    role                TEXT        NOT NULL CHECK (role IN ('province_admin', 'prefecture_officer', 'county_officer', 'org_user', 'viewer', 'integration')),
    region_code         TEXT        REFERENCES regions (code),
    organization_id     TEXT,
    department          TEXT        CHECK (department IS NULL OR department IN ('civil_affairs', 'rural_revitalization')),
    password_hash       TEXT        NOT NULL,
    active              BOOLEAN     NOT NULL DEFAULT TRUE,
    session_epoch       INTEGER     NOT NULL DEFAULT 1,
    version             INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TEXT        NOT NULL,
    updated_at          TEXT        NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
INSERT INTO users_old SELECT id, username, display_name, role, region_code, organization_id, department,
    password_hash, active, session_epoch, version, created_at, updated_at FROM users;
DROP TABLE pairing_requests;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_region_code_idx ON users (region_code);
DROP TABLE pairings;
DROP TABLE organizations;
