-- Foundation: users, roles, teams, sessions, API tokens, login throttling,
-- the audit log, background jobs, and the first customer records.
-- Conventions: see ../README.md.

-- Keqing's own users. Never deleted (the audit log points at them): disabled.
CREATE TABLE app_user (
    user_id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL UNIQUE,          -- case-folded login name
    display_name         TEXT    NOT NULL,
    email                TEXT,
    password_hash        TEXT    NOT NULL,                 -- Argon2id PHC string
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    locale               TEXT    CHECK (locale IN ('zh-CN', 'en')),  -- NULL: follow the browser
    team_id              INTEGER REFERENCES team (team_id) ON DELETE SET NULL,
    disabled_at          TEXT,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
);

-- A user may hold several roles.
CREATE TABLE user_role (
    user_id INTEGER NOT NULL REFERENCES app_user (user_id) ON DELETE CASCADE,
    role    TEXT    NOT NULL CHECK (role IN ('rep', 'clerk', 'manager', 'finance', 'admin')),
    PRIMARY KEY (user_id, role)
);

-- Teams form a tree (a regional team above city teams). The manager of a
-- team reaches the records of its members and of every team below it.
CREATE TABLE team (
    team_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    parent_team_id  INTEGER REFERENCES team (team_id) ON DELETE SET NULL,
    manager_user_id INTEGER REFERENCES app_user (user_id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX team_parent_idx ON team (parent_team_id);
CREATE INDEX app_user_team_idx ON app_user (team_id);

-- Browser sessions live in the database so that any Keqing server behind a
-- load balancer accepts any session. Only a SHA-256 of the cookie is stored.
CREATE TABLE session (
    session_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES app_user (user_id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,                        -- synchroniser token for forms
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,                        -- sliding idle expiry
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX session_user_idx ON session (user_id);
CREATE INDEX session_expires_idx ON session (expires_at);

-- Bearer tokens for the JSON API; shown once, stored hashed, revocable.
CREATE TABLE api_token (
    api_token_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES app_user (user_id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    token_prefix TEXT    NOT NULL,                        -- first characters, to recognise it
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

-- Failed logins, counted per account and per address to throttle guessing.
-- Rows older than the throttle window are purged by a background job.
CREATE TABLE login_failure (
    login_failure_id INTEGER PRIMARY KEY AUTOINCREMENT,
    username         TEXT NOT NULL,
    ip               TEXT NOT NULL,
    at               TEXT NOT NULL
);
CREATE INDEX login_failure_username_idx ON login_failure (username, at);
CREATE INDEX login_failure_ip_idx ON login_failure (ip, at);

-- Who changed what, when: written in the same transaction as the change.
-- `owner_user_id` is the owner of the record changed, so a manager sees the
-- entries about their team's customers; `changes` maps each changed field to
-- {"before": …, "after": …}.
CREATE TABLE audit_log (
    audit_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT    NOT NULL,
    actor_user_id INTEGER REFERENCES app_user (user_id),  -- NULL: the system or the CLI
    actor_name    TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    entity        TEXT    NOT NULL,
    entity_id     TEXT    NOT NULL,
    owner_user_id INTEGER,
    summary       TEXT    NOT NULL,                       -- human label of the record
    changes       TEXT    NOT NULL,                       -- JSON object
    ip            TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at);
CREATE INDEX audit_log_owner_idx ON audit_log (owner_user_id, at);

-- Background jobs as rows: any server may claim a due job; a lease
-- (`locked_until`) hands it to another server if the first one dies.
-- `dedupe_key` makes "enqueue the 04:00 purge" idempotent across servers.
CREATE TABLE job (
    job_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    dedupe_key   TEXT    UNIQUE,
    payload      TEXT    NOT NULL,
    run_at       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    locked_by    TEXT,
    locked_until TEXT,
    finished_at  TEXT,
    failed       INTEGER NOT NULL DEFAULT 0 CHECK (failed IN (0, 1)),
    last_error   TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX job_due_idx ON job (finished_at, run_at);

-- Customer organisations. The archive issue widens this table.
CREATE TABLE organisation (
    organisation_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('distributor', 'special_distributor', 'wholesaler',
                        'ka_store', 'supermarket', 'retail_store', 'pharmacy', 'internal_department', 'other')),
    phone           TEXT,
    address         TEXT,
    notes           TEXT,
    owner_user_id   INTEGER NOT NULL REFERENCES app_user (user_id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX organisation_owner_idx ON organisation (owner_user_id);

-- People at customer organisations. The archive issue widens this table.
CREATE TABLE person (
    person_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    gender          TEXT    NOT NULL DEFAULT 'unknown' CHECK (gender IN ('male', 'female', 'unknown')),
    phone           TEXT,
    wechat          TEXT,
    organisation_id INTEGER REFERENCES organisation (organisation_id) ON DELETE SET NULL,
    position        TEXT,
    notes           TEXT,
    owner_user_id   INTEGER NOT NULL REFERENCES app_user (user_id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX person_owner_idx ON person (owner_user_id);
CREATE INDEX person_organisation_idx ON person (organisation_id);
