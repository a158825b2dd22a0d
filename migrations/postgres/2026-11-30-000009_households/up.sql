-- 百会兴万户: monitored households (personal data sealed: AES-256-GCM text, a masked
-- copy for display, and a keyed blind index of the ID number), small wishes, and the
-- assistance given to each household.
CREATE TABLE households (
    id                 UUID        PRIMARY KEY,
    village_code       VARCHAR(12) NOT NULL REFERENCES regions (code),
    county_code        VARCHAR(12) NOT NULL REFERENCES regions (code),
    head_name_sealed   TEXT        NOT NULL,
    head_name_masked   TEXT        NOT NULL,
    id_number_sealed   TEXT        NOT NULL,
    id_number_masked   TEXT        NOT NULL,
    id_number_index    TEXT        NOT NULL,
    phone_sealed       TEXT,
    phone_masked       TEXT,
    members            INTEGER     NOT NULL CHECK (members >= 1),
    category           TEXT        NOT NULL CHECK (category IN ('unstable_out_of_poverty', 'marginal_at_risk', 'sudden_hardship')),
    special_groups     TEXT        NOT NULL DEFAULT '[]',
    risk_eliminated    BOOLEAN     NOT NULL DEFAULT FALSE,
    note               TEXT,
    version            INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    CHECK ((phone_sealed IS NULL) = (phone_masked IS NULL))
);
-- A duplicate ID number is found through its blind index, never by decrypting.
CREATE UNIQUE INDEX households_id_number_key ON households (id_number_index);
CREATE INDEX households_county_idx ON households (county_code, created_at, id);
CREATE INDEX households_village_idx ON households (village_code);
CREATE INDEX households_created_idx ON households (created_at, id);

CREATE TABLE wishes (
    id               UUID        PRIMARY KEY,
    household_id     UUID        NOT NULL REFERENCES households (id),
    county_code      VARCHAR(12) NOT NULL REFERENCES regions (code),
    village_code     VARCHAR(12) NOT NULL REFERENCES regions (code),
    description      TEXT        NOT NULL CHECK (description <> ''),
    estimated_fen    BIGINT      NOT NULL CHECK (estimated_fen >= 0),
    status           TEXT        NOT NULL CHECK (status IN ('open', 'claimed', 'fulfilled', 'cancelled')),
    claimed_by       UUID        REFERENCES organizations (id),
    claimed_at       TIMESTAMPTZ,
    fulfilled_on     DATE,
    fulfilment_note  TEXT,
    cancel_reason    TEXT,
    version          INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    -- A claim is held exactly while the wish is claimed or fulfilled.
    CHECK ((status IN ('claimed', 'fulfilled')) = (claimed_by IS NOT NULL AND claimed_at IS NOT NULL)),
    CHECK ((status = 'fulfilled') = (fulfilled_on IS NOT NULL))
);
CREATE INDEX wishes_household_idx ON wishes (household_id, status);
CREATE INDEX wishes_county_idx ON wishes (county_code, status, created_at);
CREATE INDEX wishes_claimed_by_idx ON wishes (claimed_by, status);

CREATE TABLE assistance_records (
    id               UUID        PRIMARY KEY,
    household_id     UUID        NOT NULL REFERENCES households (id),
    organization_id  UUID        NOT NULL REFERENCES organizations (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('visit', 'goods', 'cash', 'service', 'employment', 'other')),
    given_on         DATE        NOT NULL,
    value_fen        BIGINT      NOT NULL CHECK (value_fen >= 0),
    description      TEXT        NOT NULL CHECK (description <> ''),
    wish_id          UUID        REFERENCES wishes (id),
    created_by       UUID        REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX assistance_records_household_idx ON assistance_records (household_id, given_on);
CREATE INDEX assistance_records_organization_idx ON assistance_records (organization_id, household_id);
