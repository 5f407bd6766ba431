-- The relationship-maintenance expense regime (客情费管理制度). Money is
-- integer fen; a month is 'YYYY-MM' text. Nothing here is ever updated
-- after finance has signed: corrections are new rows.

-- The day the customer's contract was signed: a new-customer special
-- expense (附表3) must be applied for before it.
ALTER TABLE organisation ADD COLUMN contract_signed_on TEXT;

-- A product line with its own ledger (客户关系维护费——xx品种) and standard:
-- `rate` is fen per unit (per_unit) or basis points of net sales (percent).
-- `uses` is the comma list of allowed uses (keqing-core's expense::Use).
CREATE TABLE product_line (
    product_line_id INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    standard_kind   TEXT    NOT NULL CHECK (standard_kind IN ('per_unit', 'percent')),
    rate            INTEGER  NOT NULL CHECK (rate >= 0),
    uses            TEXT    NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    version         INTEGER  NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Sales and collections per customer, month and product line (finance).
CREATE TABLE ledger_line (
    ledger_line_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisation (organisation_id),
    product_line_id INTEGER NOT NULL REFERENCES product_line (product_line_id),
    month           TEXT   NOT NULL,
    shipped_units   INTEGER NOT NULL,
    net_units       INTEGER NOT NULL,
    net_sales_fen   INTEGER NOT NULL,
    collected_fen   INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (organisation_id, month, product_line_id)
);
CREATE INDEX ledger_line_month_idx ON ledger_line (month, organisation_id);

-- Evidence: receipt photos and files, kept in the database so every server
-- behind a load balancer sees them.
CREATE TABLE attachment (
    attachment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name     TEXT   NOT NULL,
    content_type  TEXT   NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT   NOT NULL,
    content       BLOB   NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES app_user (user_id),
    created_at    TEXT NOT NULL
);

-- A rep's monthly statement (附表1 with 附表2). `round` grows with each
-- rejection; signatures count within the current round. The totals and
-- statement_line rows are frozen when it is filed.
CREATE TABLE statement (
    statement_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER  NOT NULL REFERENCES app_user (user_id),
    month            TEXT    NOT NULL,
    filed            INTEGER NOT NULL DEFAULT 0,
    round            INTEGER  NOT NULL DEFAULT 1,
    filed_at         TEXT,
    filed_late       INTEGER NOT NULL DEFAULT 0,
    rejected_reason  TEXT,
    rejected_by_name TEXT,
    rejected_at      TEXT,
    accrued_fen      INTEGER  NOT NULL DEFAULT 0,
    payable_fen      INTEGER  NOT NULL DEFAULT 0,
    withheld_fen     INTEGER  NOT NULL DEFAULT 0,
    allocated_fen    INTEGER  NOT NULL DEFAULT 0,
    version          INTEGER  NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (user_id, month)
);

-- 附表1's rows as filed: one per customer and product line.
CREATE TABLE statement_line (
    statement_line_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id       INTEGER NOT NULL REFERENCES statement (statement_id) ON DELETE CASCADE,
    organisation_id    INTEGER NOT NULL,
    organisation_name  TEXT   NOT NULL,
    product_line_id    INTEGER NOT NULL,
    product_code       TEXT   NOT NULL,
    product_name       TEXT   NOT NULL,
    standard           TEXT   NOT NULL,
    shipped_units      INTEGER NOT NULL,
    net_units          INTEGER NOT NULL,
    net_sales_fen      INTEGER NOT NULL,
    collected_fen      INTEGER NOT NULL,
    collection_rate_bp INTEGER,
    accrued_fen        INTEGER NOT NULL,
    payable_fen        INTEGER NOT NULL,
    withheld_fen       INTEGER NOT NULL,
    withheld_reason    TEXT
);
CREATE INDEX statement_line_statement_idx ON statement_line (statement_id);

-- A new customer's special-expense application (附表3).
CREATE TABLE application (
    application_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER  NOT NULL REFERENCES app_user (user_id),
    organisation_id    INTEGER  NOT NULL REFERENCES organisation (organisation_id),
    product_line_id    INTEGER  NOT NULL REFERENCES product_line (product_line_id),
    applied_on         TEXT    NOT NULL,
    month              TEXT    NOT NULL,
    amount_fen         INTEGER  NOT NULL CHECK (amount_fen > 0),
    purpose            TEXT    NOT NULL,
    filed              INTEGER NOT NULL DEFAULT 1,
    round              INTEGER  NOT NULL DEFAULT 1,
    rejected_reason    TEXT,
    rejected_by_name   TEXT,
    rejected_at        TEXT,
    paid_on            TEXT,
    paid_attachment_id INTEGER REFERENCES attachment (attachment_id),
    version            INTEGER  NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX application_user_month_idx ON application (user_id, month);

-- One signature per document, round and step: the unique key is what makes
-- two managers signing at once produce one signature.
CREATE TABLE signature (
    signature_id INTEGER PRIMARY KEY AUTOINCREMENT,
    document     TEXT    NOT NULL CHECK (document IN ('statement', 'application')),
    document_id  INTEGER  NOT NULL,
    round        INTEGER  NOT NULL,
    step         TEXT    NOT NULL CHECK (step IN ('clerk', 'manager', 'finance')),
    user_id      INTEGER  NOT NULL REFERENCES app_user (user_id),
    user_name    TEXT    NOT NULL,
    signed_at    TEXT NOT NULL,
    late         INTEGER NOT NULL,
    UNIQUE (document, document_id, round, step)
);

-- A transfer of value to a customer: who receives it (organisation and, for
-- one person, which), for what, how, and the evidence. `flagged` marks cash
-- to an individual, payable only after finance's override with a reason.
CREATE TABLE expense (
    expense_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER  NOT NULL REFERENCES app_user (user_id),
    month               TEXT    NOT NULL,
    organisation_id     INTEGER  NOT NULL REFERENCES organisation (organisation_id),
    person_id           INTEGER  REFERENCES person (person_id) ON DELETE SET NULL,
    person_name         TEXT,
    product_line_id     INTEGER  NOT NULL REFERENCES product_line (product_line_id),
    use_kind            TEXT    NOT NULL CHECK (use_kind IN ('buyer', 'purchasing_leader', 'executive', 'new_customer', 'event')),
    form                TEXT    NOT NULL CHECK (form IN ('cash', 'gift', 'meal', 'transfer', 'event', 'other')),
    purpose             TEXT    NOT NULL,
    occasion            TEXT    NOT NULL,
    amount_fen          INTEGER  NOT NULL CHECK (amount_fen <> 0),
    corrects_expense_id INTEGER  REFERENCES expense (expense_id),
    flagged             INTEGER NOT NULL DEFAULT 0,
    override_reason     TEXT,
    override_by_name    TEXT,
    override_at         TEXT,
    attachment_id       INTEGER  REFERENCES attachment (attachment_id),
    paid_on             TEXT,
    version             INTEGER  NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX expense_user_month_idx ON expense (user_id, month);
CREATE INDEX expense_person_idx ON expense (person_id, month);
CREATE INDEX expense_organisation_idx ON expense (organisation_id, month);

-- Cash drawn by a rep against an approved statement (借支). Outstanding =
-- advances − payouts (expense and application amounts paid out).
CREATE TABLE advance (
    advance_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES app_user (user_id),
    statement_id INTEGER NOT NULL REFERENCES statement (statement_id),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    drawn_on     TEXT   NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX advance_user_idx ON advance (user_id);

-- The manager's confirmation with customers after payout (抽查3家).
CREATE TABLE spot_check (
    spot_check_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id      INTEGER NOT NULL REFERENCES statement (statement_id),
    organisation_id   INTEGER NOT NULL REFERENCES organisation (organisation_id),
    organisation_name TEXT   NOT NULL,
    picked_at         TEXT NOT NULL,
    picked_by_name    TEXT   NOT NULL,
    result            TEXT   CHECK (result IN ('confirmed', 'discrepancy')),
    note              TEXT,
    confirmed_by_name TEXT,
    confirmed_at      TEXT,
    UNIQUE (statement_id, organisation_id)
);
