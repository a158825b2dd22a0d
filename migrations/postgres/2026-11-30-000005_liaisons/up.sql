-- 联络员: the liaison officers every prefecture and county names, one per department.
CREATE TABLE liaisons (
    id          UUID        PRIMARY KEY,
    region_code VARCHAR(12) NOT NULL REFERENCES regions (code),
    department  TEXT        NOT NULL CHECK (department IN ('civil_affairs', 'rural_revitalization')),
    name        TEXT        NOT NULL CHECK (name <> ''),
    position    TEXT,
    phone       TEXT        NOT NULL,
    email       TEXT,
    active      BOOLEAN     NOT NULL DEFAULT TRUE,
    version     INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
-- One active liaison per region and department.
CREATE UNIQUE INDEX liaisons_active_key ON liaisons (region_code, department) WHERE active;
CREATE INDEX liaisons_region_idx ON liaisons (region_code, department, created_at);
