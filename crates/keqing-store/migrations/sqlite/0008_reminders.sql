-- Reminders: each user's channel, digest time and quiet hours, and the
-- outbox every reminder goes through.

-- channel NULL: no reminders. target: an e-mail address or a webhook URL.
-- secret: a DingTalk robot's signing secret. Times are "HH:MM", company time.
CREATE TABLE notification_pref (
    user_id     INTEGER PRIMARY KEY REFERENCES app_user (user_id),
    channel     TEXT    CHECK (channel IN ('email', 'wecom', 'dingtalk', 'webhook')),
    target      TEXT    NOT NULL DEFAULT '',
    secret      TEXT,
    digest_at   TEXT    NOT NULL,
    quiet_from  TEXT    NOT NULL,
    quiet_until TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT    NOT NULL
);

-- One message to send. dedupe_key names it ("digest:12:2026-11-30"): every
-- server may try to enqueue it and one row exists. A server claims a due row
-- (claimed_by, claimed_until: a lease) under the write lock / FOR UPDATE SKIP
-- LOCKED, so no two servers send the same message; a failure is retried at
-- next_attempt_at with backoff until max_attempts, then the row is 'failed'.
CREATE TABLE outbox_message (
    outbox_message_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES app_user (user_id),
    dedupe_key        TEXT    NOT NULL UNIQUE,
    channel           TEXT    NOT NULL CHECK (channel IN ('email', 'wecom', 'dingtalk', 'webhook')),
    target            TEXT    NOT NULL,
    secret            TEXT,
    subject           TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    payload           TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL DEFAULT 6,
    next_attempt_at   TEXT    NOT NULL,
    claimed_by        TEXT,
    claimed_until     TEXT,
    last_error        TEXT,
    created_at        TEXT    NOT NULL,
    sent_at           TEXT
);
CREATE INDEX outbox_due_idx ON outbox_message (status, next_attempt_at);
CREATE INDEX outbox_user_idx ON outbox_message (user_id, created_at);
