-- Idempotent creates: the first answer to (user, Idempotency-Key) is kept for 24
-- hours and given again to a retry of the same request. In the database, so that a
-- retry reaching another replica finds it.
CREATE TABLE idempotency_keys (
    user_id          TEXT        NOT NULL,
    key              TEXT        NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    fingerprint      TEXT        NOT NULL,
    -- NULL while the first request is still being handled.
    status           INTEGER,
    response_headers TEXT,
    response_body    TEXT,
    created_at       TEXT        NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
