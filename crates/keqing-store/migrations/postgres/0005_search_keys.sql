-- Search by key prefix instead of a substring scan: every key a record is
-- found by (keqing_core::search::keys) is a row here, looked up by range
-- (byte order: COLLATE "C", as SQLite compares).
-- People are also found by their organisations' keys.
-- No foreign keys: the keys are derived data, written and deleted by the
-- store with their record (a per-row reference check would double the cost
-- of an import), and ids are never reused, so a leftover key finds nothing.
CREATE TABLE person_search_key (
    search_key TEXT    COLLATE "C" NOT NULL,
    person_id  BIGINT  NOT NULL,
    PRIMARY KEY (search_key, person_id)
);
CREATE INDEX person_search_key_person_idx ON person_search_key (person_id);

CREATE TABLE organisation_search_key (
    search_key      TEXT    COLLATE "C" NOT NULL,
    organisation_id BIGINT  NOT NULL,
    PRIMARY KEY (search_key, organisation_id)
);
CREATE INDEX organisation_search_key_org_idx ON organisation_search_key (organisation_id);

-- A finer histogram of the keys: with the default, a narrow key range
-- ("zw") is estimated at hundreds of organisations, and the planner
-- hash-joins every person instead of looking the few hits up.
ALTER TABLE person_search_key ALTER COLUMN search_key SET STATISTICS 2000;
ALTER TABLE organisation_search_key ALTER COLUMN search_key SET STATISTICS 2000;

-- The keys are computed in Rust (pinyin): the server fills them for the
-- existing records once, then deletes this row.
CREATE TABLE search_key_rebuild (pending INTEGER NOT NULL);
INSERT INTO search_key_rebuild (pending) VALUES (1);

ALTER TABLE person DROP COLUMN search_text;
ALTER TABLE organisation DROP COLUMN search_text;

CREATE INDEX person_import_batch_idx ON person (import_batch_id);
CREATE INDEX organisation_import_batch_idx ON organisation (import_batch_id);
