-- Typical cases (典型案例) and supervision records (表扬通报、查处).
CREATE TABLE cases (
    id              TEXT        PRIMARY KEY NOT NULL,
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    title           TEXT        NOT NULL CHECK (title <> ''),
    summary         TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    county_code     TEXT        NOT NULL REFERENCES regions (code),
    project_id      TEXT        REFERENCES projects (id),
    status          TEXT        NOT NULL CHECK (status IN ('submitted', 'published')),
    published_on    DATE,
    channel         TEXT,
    version         INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      TEXT        NOT NULL,
    updated_at      TEXT        NOT NULL,
    CHECK (status <> 'published' OR published_on IS NOT NULL)
);
CREATE INDEX cases_organization_idx ON cases (organization_id, created_at);
CREATE INDEX cases_status_idx ON cases (status, published_on);

CREATE TABLE supervision_records (
    id              TEXT        PRIMARY KEY NOT NULL,
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    kind            TEXT        NOT NULL CHECK (kind IN ('commendation', 'violation')),
    document_no     TEXT        NOT NULL CHECK (document_no <> ''),
    decided_on      DATE        NOT NULL,
    description     TEXT        NOT NULL,
    suspend         BOOLEAN     NOT NULL DEFAULT FALSE CHECK (NOT suspend OR kind = 'violation'),
    created_at      TEXT        NOT NULL
);
CREATE INDEX supervision_records_organization_idx ON supervision_records (organization_id, decided_on);
