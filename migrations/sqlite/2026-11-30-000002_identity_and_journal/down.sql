DROP TABLE event_sequence;
DROP TABLE events;
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE revoked_tokens;
DROP TABLE users;
