-- 百会结百县: social organizations, their county pairings, and add/adjust requests.
CREATE TABLE organizations (
    id                       UUID        PRIMARY KEY,
    name                     TEXT        NOT NULL CHECK (name <> ''),
    credit_code              VARCHAR(18) NOT NULL,
    org_type                 TEXT        NOT NULL CHECK (org_type IN ('social_group', 'foundation', 'social_service_agency')),
    level                    TEXT        NOT NULL CHECK (level IN ('provincial', 'prefectural', 'county')),
    -- Unknown for organizations created by an import until the province sets it.
    sector                   TEXT        CHECK (sector IS NULL OR sector IN ('industry_association', 'charity', 'community', 'science_academic', 'social_science', 'culture_sports', 'other')),
    registration_region_code VARCHAR(12) NOT NULL REFERENCES regions (code),
    supervising_unit         TEXT,
    contact_name             TEXT,
    contact_phone            TEXT,
    address                  TEXT,
    has_party_organization   BOOLEAN     NOT NULL DEFAULT FALSE,
    evaluation_grade         TEXT        CHECK (evaluation_grade IS NULL OR evaluation_grade IN ('1A', '2A', '3A', '4A', '5A')),
    status                   TEXT        NOT NULL CHECK (status IN ('active', 'suspended', 'deregistered')),
    version                  INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    CONSTRAINT organizations_credit_code_key UNIQUE (credit_code)
);
-- A name is unique among active organizations (a deregistered one frees its name).
CREATE UNIQUE INDEX organizations_active_name_key ON organizations (name) WHERE status = 'active';
CREATE INDEX organizations_status_idx ON organizations (status);

CREATE TABLE pairings (
    id                  UUID        PRIMARY KEY,
    organization_id     UUID        NOT NULL REFERENCES organizations (id),
    county_code         VARCHAR(12) NOT NULL REFERENCES regions (code),
    batch               INTEGER     NOT NULL CHECK (batch >= 1),
    status              TEXT        NOT NULL CHECK (status IN ('pending_agreement', 'signed', 'terminated')),
    established_on      DATE        NOT NULL,
    agreement_deadline  DATE        NOT NULL CHECK (agreement_deadline >= established_on),
    agreement_no        TEXT,
    agreement_signed_on DATE,
    terminated_on       DATE,
    termination_reason  TEXT,
    version             INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK (agreement_signed_on IS NULL OR agreement_no IS NOT NULL),
    CHECK (status <> 'signed' OR agreement_signed_on IS NOT NULL),
    CHECK (status <> 'terminated' OR terminated_on IS NOT NULL)
);
-- At most one pairing that is not terminated per organization and county.
CREATE UNIQUE INDEX pairings_open_key ON pairings (organization_id, county_code) WHERE status <> 'terminated';
CREATE INDEX pairings_county_idx ON pairings (county_code, status);
CREATE INDEX pairings_status_idx ON pairings (status, agreement_deadline);

CREATE TABLE pairing_requests (
    id               UUID        PRIMARY KEY,
    organization_id  UUID        NOT NULL REFERENCES organizations (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('add', 'adjust')),
    county_code      VARCHAR(12) NOT NULL REFERENCES regions (code),
    from_pairing_id  UUID        REFERENCES pairings (id),
    document_no      TEXT        NOT NULL CHECK (document_no <> ''),
    reason           TEXT,
    status           TEXT        NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    decided_by       UUID        REFERENCES users (id),
    decided_at       TIMESTAMPTZ,
    decision_note    TEXT,
    -- The pairing an approval created.
    pairing_id       UUID        REFERENCES pairings (id),
    version          INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'adjust') = (from_pairing_id IS NOT NULL))
);
CREATE INDEX pairing_requests_organization_idx ON pairing_requests (organization_id, created_at);
CREATE INDEX pairing_requests_status_idx ON pairing_requests (status, created_at);

ALTER TABLE users
    ADD CONSTRAINT users_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id);
