-- Yunnan's administrative divisions (统计用区划代码), province down to village.
CREATE TABLE regions (
    code            VARCHAR(12) PRIMARY KEY CHECK (code ~ '^[0-9]+$' AND length(code) IN (2, 4, 6, 9, 12)),
    name            TEXT        NOT NULL CHECK (name <> ''),
    level           TEXT        NOT NULL CHECK (level IN ('province', 'prefecture', 'county', 'township', 'village')),
    parent_code     VARCHAR(12) REFERENCES regions (code),
    full_name       TEXT        NOT NULL,
    children_count  INTEGER     NOT NULL DEFAULT 0 CHECK (children_count >= 0),
    townships_count INTEGER     NOT NULL DEFAULT 0 CHECK (townships_count >= 0),
    villages_count  INTEGER     NOT NULL DEFAULT 0 CHECK (villages_count >= 0),
    key_county      TEXT        CHECK (key_county IS NULL OR (key_county IN ('national', 'provincial') AND level = 'county')),
    border_county   BOOLEAN     NOT NULL DEFAULT FALSE CHECK (NOT border_county OR level = 'county'),
    -- A JSON array of village tag code names, sorted; '[]' when none.
    tags            TEXT        NOT NULL DEFAULT '[]' CHECK (tags = '[]' OR level = 'village'),
    version         INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX regions_parent_code_idx ON regions (parent_code, code);
CREATE INDEX regions_level_idx ON regions (level, code);
CREATE INDEX regions_key_county_idx ON regions (key_county) WHERE key_county IS NOT NULL;
