-- 双百结对共建: organizations' party organizations, their pairings with village party
-- branches, and the joint activities of each pair.
CREATE TABLE party_organizations (
    id              UUID        PRIMARY KEY,
    organization_id UUID        NOT NULL REFERENCES organizations (id),
    name            TEXT        NOT NULL CHECK (name <> ''),
    kind            TEXT        NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch')),
    members         INTEGER     NOT NULL CHECK (members >= 3),
    secretary_name  TEXT        NOT NULL,
    established_on  DATE        NOT NULL,
    version         INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX party_organizations_organization_idx ON party_organizations (organization_id);

CREATE TABLE party_pairings (
    id                    UUID        PRIMARY KEY,
    party_organization_id UUID        NOT NULL REFERENCES party_organizations (id),
    organization_id       UUID        NOT NULL REFERENCES organizations (id),
    village_code          VARCHAR(12) NOT NULL REFERENCES regions (code),
    county_code           VARCHAR(12) NOT NULL REFERENCES regions (code),
    branch_name           TEXT        NOT NULL CHECK (branch_name <> ''),
    signed_on             DATE        NOT NULL,
    status                TEXT        NOT NULL CHECK (status IN ('active', 'ended')),
    ended_on              DATE        CHECK (ended_on IS NULL OR ended_on >= signed_on),
    goals                 TEXT,
    version               INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    CHECK (status <> 'ended' OR ended_on IS NOT NULL)
);
-- One active pairing per party organization and village.
CREATE UNIQUE INDEX party_pairings_active_key ON party_pairings (party_organization_id, village_code) WHERE status = 'active';
CREATE INDEX party_pairings_county_idx ON party_pairings (county_code, status);

CREATE TABLE party_activities (
    id               UUID        PRIMARY KEY,
    party_pairing_id UUID        NOT NULL REFERENCES party_pairings (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('organization_building', 'education', 'experience_sharing', 'position_building')),
    held_on          DATE        NOT NULL,
    title            TEXT        NOT NULL CHECK (title <> ''),
    participants     INTEGER     NOT NULL CHECK (participants >= 1),
    summary          TEXT,
    created_by       UUID        REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX party_activities_pairing_idx ON party_activities (party_pairing_id, held_on);
