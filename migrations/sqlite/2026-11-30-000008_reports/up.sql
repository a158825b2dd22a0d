-- Reports: prefectures' half-year reports and province-level organizations' annual
-- reports. `sections` is a JSON object.
CREATE TABLE reports (
    id           TEXT        PRIMARY KEY NOT NULL,
    kind         TEXT        NOT NULL CHECK (kind IN ('semiannual', 'annual')),
    subject      TEXT        NOT NULL,
    period       TEXT        NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('draft', 'submitted')),
    sections     TEXT        NOT NULL DEFAULT '{}',
    submitted_at TEXT       ,
    due_on       DATE        NOT NULL,
    version      INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   TEXT        NOT NULL,
    updated_at   TEXT        NOT NULL,
    CONSTRAINT reports_subject_period_key UNIQUE (kind, subject, period),
    CHECK (status <> 'submitted' OR submitted_at IS NOT NULL)
);
