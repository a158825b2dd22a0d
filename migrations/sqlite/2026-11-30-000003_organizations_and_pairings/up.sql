-- 百会结百县: social organizations, their county pairings, and add/adjust requests.
CREATE TABLE organizations (
    id                       TEXT        PRIMARY KEY NOT NULL,
    name                     TEXT        NOT NULL CHECK (name <> ''),
    credit_code              TEXT        NOT NULL,
    org_type                 TEXT        NOT NULL CHECK (org_type IN ('social_group', 'foundation', 'social_service_agency')),
    level                    TEXT        NOT NULL CHECK (level IN ('provincial', 'prefectural', 'county')),
    -- Unknown for organizations created by an import until the province sets it.
    sector                   TEXT        CHECK (sector IS NULL OR sector IN ('industry_association', 'charity', 'community', 'science_academic', 'social_science', 'culture_sports', 'other')),
    registration_region_code TEXT        NOT NULL REFERENCES regions (code),
    supervising_unit         TEXT,
    contact_name             TEXT,
    contact_phone            TEXT,
    address                  TEXT,
    has_party_organization   BOOLEAN     NOT NULL DEFAULT FALSE,
    evaluation_grade         TEXT        CHECK (evaluation_grade IS NULL OR evaluation_grade IN ('1A', '2A', '3A', '4A', '5A')),
    status                   TEXT        NOT NULL CHECK (status IN ('active', 'suspended', 'deregistered')),
    version                  INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at               TEXT        NOT NULL,
    updated_at               TEXT        NOT NULL,
    CONSTRAINT organizations_credit_code_key UNIQUE (credit_code)
);
-- A name is unique among active organizations (a deregistered one frees its name).
CREATE UNIQUE INDEX organizations_active_name_key ON organizations (name) WHERE status = 'active';
CREATE INDEX organizations_status_idx ON organizations (status);

-- SQLite cannot add a foreign key to an existing table: users is rebuilt with it.
CREATE TABLE users_new (
    id                  TEXT        PRIMARY KEY NOT NULL,
    username            TEXT        NOT NULL,
    display_name        TEXT        NOT NULL CHECK (display_name <> ''),
    role                TEXT        NOT NULL CHECK (role IN ('province_admin', 'prefecture_officer', 'county_officer', 'org_user', 'viewer', 'integration')),
    region_code         TEXT        REFERENCES regions (code),
    organization_id     TEXT        REFERENCES organizations (id),
    department          TEXT        CHECK (department IS NULL OR department IN ('civil_affairs', 'rural_revitalization')),
    password_hash       TEXT        NOT NULL,
    active              BOOLEAN     NOT NULL DEFAULT TRUE,
    session_epoch       INTEGER     NOT NULL DEFAULT 1,
    version             INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TEXT        NOT NULL,
    updated_at          TEXT        NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
INSERT INTO users_new SELECT id, username, display_name, role, region_code, organization_id, department,
    password_hash, active, session_epoch, version, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_region_code_idx ON users (region_code);

CREATE TABLE pairings (
    id                  TEXT        PRIMARY KEY NOT NULL,
    organization_id     TEXT        NOT NULL REFERENCES organizations (id),
    county_code         TEXT        NOT NULL REFERENCES regions (code),
    batch               INTEGER     NOT NULL CHECK (batch >= 1),
    status              TEXT        NOT NULL CHECK (status IN ('pending_agreement', 'signed', 'terminated')),
    established_on      DATE        NOT NULL,
    agreement_deadline  DATE        NOT NULL CHECK (agreement_deadline >= established_on),
    agreement_no        TEXT,
    agreement_signed_on DATE,
    terminated_on       DATE,
    termination_reason  TEXT,
    version             INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TEXT        NOT NULL,
    updated_at          TEXT        NOT NULL,
    CHECK (agreement_signed_on IS NULL OR agreement_no IS NOT NULL),
    CHECK (status <> 'signed' OR agreement_signed_on IS NOT NULL),
    CHECK (status <> 'terminated' OR terminated_on IS NOT NULL)
);
-- At most one pairing that is not terminated per organization and county.
CREATE UNIQUE INDEX pairings_open_key ON pairings (organization_id, county_code) WHERE status <> 'terminated';
CREATE INDEX pairings_county_idx ON pairings (county_code, status);
CREATE INDEX pairings_status_idx ON pairings (status, agreement_deadline);

CREATE TABLE pairing_requests (
    id               TEXT        PRIMARY KEY NOT NULL,
    organization_id  TEXT        NOT NULL REFERENCES organizations (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('add', 'adjust')),
    county_code      TEXT        NOT NULL REFERENCES regions (code),
    from_pairing_id  TEXT        REFERENCES pairings (id),
    document_no      TEXT        NOT NULL CHECK (document_no <> ''),
    reason           TEXT,
    status           TEXT        NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    decided_by       TEXT        REFERENCES users (id),
    decided_at       TEXT       ,
    decision_note    TEXT,
    -- The pairing an approval created.
    pairing_id       TEXT        REFERENCES pairings (id),
    version          INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       TEXT        NOT NULL,
    updated_at       TEXT        NOT NULL,
    CHECK ((kind = 'adjust') = (from_pairing_id IS NOT NULL))
);
CREATE INDEX pairing_requests_organization_idx ON pairing_requests (organization_id, created_at);
CREATE INDEX pairing_requests_status_idx ON pairing_requests (status, created_at);

