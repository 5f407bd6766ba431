-- Imports: an uploaded file, its preview and, once committed, what it did.
-- The file is kept only until the import is done (or a day old): it holds
-- personal data.
CREATE TABLE import_batch (
    import_batch_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name       TEXT    NOT NULL,
    content         BLOB,
    encoding        TEXT,
    mapping         TEXT    NOT NULL DEFAULT '[]',   -- JSON: column id (or null) per header
    status          TEXT    NOT NULL CHECK (status IN ('previewed', 'running', 'done', 'failed')),
    on_duplicate    TEXT    CHECK (on_duplicate IN ('skip', 'merge', 'create')),
    preview         TEXT,                            -- JSON
    result          TEXT,                            -- JSON
    error           TEXT,
    rows_total      INTEGER NOT NULL DEFAULT 0,
    rows_done       INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER REFERENCES app_user (user_id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX import_batch_user_idx ON import_batch (created_by, created_at);

-- Which import created a person (the import's audit entry names the batch).
ALTER TABLE person ADD COLUMN import_batch_id INTEGER REFERENCES import_batch (import_batch_id);

-- Organisations an import created (the import's audit entry counts them).
ALTER TABLE organisation ADD COLUMN import_batch_id INTEGER REFERENCES import_batch (import_batch_id);
