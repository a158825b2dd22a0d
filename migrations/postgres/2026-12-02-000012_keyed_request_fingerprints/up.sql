-- Request fingerprints are now keyed hashes (HMAC under a subkey of PII_KEY): the
-- unkeyed SHA-256 digests stored before could confirm a guessed ID number or phone
-- in a request body. They are kept for 24 hours only, so dropping them loses at most
-- the replay of a retry that straddles this upgrade.
DELETE FROM idempotency_keys;
