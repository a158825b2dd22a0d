-- 百会助千村: assistance projects, and organizations (or their member enterprises)
-- paired with villages.
CREATE TABLE projects (
    id                     TEXT        PRIMARY KEY NOT NULL,
    organization_id        TEXT        NOT NULL REFERENCES organizations (id),
    county_code            TEXT        NOT NULL REFERENCES regions (code),
    village_code           TEXT        REFERENCES regions (code),
    title                  TEXT        NOT NULL CHECK (title <> ''),
    description            TEXT,
    category               TEXT        NOT NULL CHECK (category IN ('industry', 'employment', 'education', 'health', 'elderly_care', 'consumption', 'diversified')),
    dimension              TEXT        NOT NULL CHECK (dimension IN ('industry', 'talent', 'culture', 'ecology', 'organization')),
    status                 TEXT        NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled')),
    start_on               DATE        NOT NULL,
    end_on                 DATE        CHECK (end_on IS NULL OR end_on >= start_on),
    committed_fen          INTEGER     NOT NULL CHECK (committed_fen >= 0),
    disbursed_fen          INTEGER     NOT NULL CHECK (disbursed_fen >= 0 AND disbursed_fen <= committed_fen),
    beneficiaries          INTEGER     NOT NULL CHECK (beneficiaries >= 0),
    enterprise_name        TEXT,
    enterprise_credit_code TEXT       ,
    in_county_library      BOOLEAN     NOT NULL DEFAULT FALSE,
    brand                  BOOLEAN     NOT NULL DEFAULT FALSE,
    cancel_reason          TEXT,
    version                INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at             TEXT        NOT NULL,
    updated_at             TEXT        NOT NULL,
    CHECK ((enterprise_name IS NULL) = (enterprise_credit_code IS NULL)),
    CHECK (status <> 'completed' OR end_on IS NOT NULL)
);
CREATE INDEX projects_organization_idx ON projects (organization_id, created_at);
CREATE INDEX projects_county_idx ON projects (county_code, created_at);
CREATE INDEX projects_village_idx ON projects (village_code) WHERE village_code IS NOT NULL;
CREATE INDEX projects_created_idx ON projects (created_at, id);
CREATE INDEX projects_status_idx ON projects (status, created_at);

CREATE TABLE village_pairings (
    id                     TEXT        PRIMARY KEY NOT NULL,
    organization_id        TEXT        NOT NULL REFERENCES organizations (id),
    village_code           TEXT        NOT NULL REFERENCES regions (code),
    county_code            TEXT        NOT NULL REFERENCES regions (code),
    enterprise_name        TEXT,
    enterprise_credit_code TEXT       ,
    -- A JSON array of project categories, sorted.
    focus                  TEXT        NOT NULL DEFAULT '[]',
    started_on             DATE        NOT NULL,
    ended_on               DATE        CHECK (ended_on IS NULL OR ended_on >= started_on),
    status                 TEXT        NOT NULL CHECK (status IN ('active', 'ended')),
    note                   TEXT,
    end_reason             TEXT,
    version                INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at             TEXT        NOT NULL,
    updated_at             TEXT        NOT NULL,
    CHECK ((enterprise_name IS NULL) = (enterprise_credit_code IS NULL)),
    CHECK (status <> 'ended' OR ended_on IS NOT NULL)
);
-- One active pairing per organization, village and enterprise ('' for none).
CREATE UNIQUE INDEX village_pairings_active_key
    ON village_pairings (organization_id, village_code, COALESCE(enterprise_credit_code, ''))
    WHERE status = 'active';
CREATE INDEX village_pairings_county_idx ON village_pairings (county_code, status);
CREATE INDEX village_pairings_village_idx ON village_pairings (village_code, status);
