-- A private calendar feed per user (.ics), revocable: only the SHA-256 of
-- the secret in its URL is kept (keqing-store/src/secrets.rs). One per user;
-- a new one replaces the old.
CREATE TABLE ical_feed (
    user_id     INTEGER PRIMARY KEY REFERENCES app_user (user_id),
    secret_hash TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);
