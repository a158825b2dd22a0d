-- Accounts, tokens, login throttling, the audit log and the change feed.
CREATE TABLE users (
    id                  UUID        PRIMARY KEY,
    username            VARCHAR(32) NOT NULL,
    display_name        TEXT        NOT NULL CHECK (display_name <> ''),
    role                TEXT        NOT NULL CHECK (role IN ('province_admin', 'prefecture_officer', 'county_officer', 'org_user', 'viewer', 'integration')),
    region_code         VARCHAR(12) REFERENCES regions (code),
    -- The foreign key to organizations arrives with the organizations table.
    organization_id     UUID,
    department          TEXT        CHECK (department IS NULL OR department IN ('civil_affairs', 'rural_revitalization')),
    password_hash       TEXT        NOT NULL,
    active              BOOLEAN     NOT NULL DEFAULT TRUE,
    -- Tokens carry the epoch they were issued in; raising it ends them all
    -- (deactivation, a new password).
    session_epoch       INTEGER     NOT NULL DEFAULT 1,
    version             INTEGER     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_region_code_idx ON users (region_code);

-- Logged-out tokens, kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti         UUID        PRIMARY KEY,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at);

-- Failed logins within the throttle window (older rows are purged).
CREATE TABLE login_failures (
    id          UUID        PRIMARY KEY,
    username    TEXT        NOT NULL,
    client_ip   TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_username_idx ON login_failures (username, at);
CREATE INDEX login_failures_client_ip_idx ON login_failures (client_ip, at);

-- Who changed what, when. `changes` is a JSON object {field: {before, after}}.
CREATE TABLE audit_log (
    id          UUID        PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID,
    actor_role  TEXT,
    action      TEXT        NOT NULL,
    entity      TEXT        NOT NULL,
    entity_id   TEXT        NOT NULL,
    changes     TEXT        NOT NULL DEFAULT '{}',
    request_id  TEXT,
    client_ip   TEXT
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The change feed. `seq` is handed out under a row lock on event_sequence that is
-- held until commit, so events become visible in `seq` order with no gaps.
CREATE TABLE events (
    seq         BIGINT      PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    entity      TEXT        NOT NULL,
    entity_id   TEXT        NOT NULL,
    action      TEXT        NOT NULL
);

CREATE TABLE event_sequence (
    id          INTEGER     PRIMARY KEY CHECK (id = 1),
    last_seq    BIGINT      NOT NULL
);
INSERT INTO event_sequence (id, last_seq) VALUES (1, 0);
