-- The weights of the participation indicator, set by province admins (a missing
-- indicator takes its documented default).
CREATE TABLE evaluation_weights (
    indicator  TEXT        PRIMARY KEY,
    weight     INTEGER     NOT NULL CHECK (weight BETWEEN 0 AND 100),
    updated_at TIMESTAMPTZ NOT NULL
);
