-- The customer archive (客户档案): regions and territories, the full
-- organisation and person records, families, relations, settings.

-- China's administrative divisions (GB/T 2260), seeded from data/regions/cn.csv.
-- level: 1 province, 2 city, 3 county/district. A region's descendants share
-- its code prefix (530000 → 53…, 530100 → 5301…).
CREATE TABLE region (
    code        TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    parent_code TEXT    REFERENCES region (code),
    level       INTEGER NOT NULL CHECK (level IN (1, 2, 3))
);
CREATE INDEX region_parent_idx ON region (parent_code);

-- Sales territories group regions and are assigned to a manager and reps.
CREATE TABLE territory (
    territory_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    manager_user_id INTEGER REFERENCES app_user (user_id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE TABLE territory_region (
    territory_id INTEGER NOT NULL REFERENCES territory (territory_id) ON DELETE CASCADE,
    region_code  TEXT    NOT NULL REFERENCES region (code),
    PRIMARY KEY (territory_id, region_code)
);
CREATE TABLE territory_member (
    territory_id INTEGER NOT NULL REFERENCES territory (territory_id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES app_user (user_id),
    PRIMARY KEY (territory_id, user_id)
);

-- Organisations: region, dates, the classification factors, stage, status.
-- `class` is the class in force (by hand when class_manual is set, else by
-- class_score); name_pinyin sorts lists; search_text is what the search box
-- matches (keqing-core/src/search.rs).
ALTER TABLE organisation ADD COLUMN region_code TEXT REFERENCES region (code);
ALTER TABLE organisation ADD COLUMN opened_on TEXT;
ALTER TABLE organisation ADD COLUMN anniversary TEXT;              -- MM-DD (店庆)
ALTER TABLE organisation ADD COLUMN turnover_fen INTEGER CHECK (turnover_fen >= 0);
ALTER TABLE organisation ADD COLUMN consumer_reach INTEGER CHECK (consumer_reach BETWEEN 1 AND 5);
ALTER TABLE organisation ADD COLUMN financial_strength INTEGER CHECK (financial_strength BETWEEN 1 AND 5);
ALTER TABLE organisation ADD COLUMN management_level INTEGER CHECK (management_level BETWEEN 1 AND 5);
ALTER TABLE organisation ADD COLUMN stage TEXT CHECK (stage IN ('acquaintance', 'adjustment', 'acceptance', 'recognition', 'growth', 'co_creation'));
ALTER TABLE organisation ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dormant', 'lost', 'closed'));
ALTER TABLE organisation ADD COLUMN class_score INTEGER CHECK (class_score BETWEEN 0 AND 100);
ALTER TABLE organisation ADD COLUMN class TEXT NOT NULL DEFAULT 'normal' CHECK (class IN ('key', 'secondary', 'normal'));
ALTER TABLE organisation ADD COLUMN class_manual TEXT CHECK (class_manual IN ('key', 'secondary', 'normal'));
ALTER TABLE organisation ADD COLUMN class_reason TEXT;
ALTER TABLE organisation ADD COLUMN name_pinyin TEXT NOT NULL DEFAULT '';
ALTER TABLE organisation ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX organisation_region_idx ON organisation (region_code);
CREATE INDEX organisation_class_idx ON organisation (class);
CREATE INDEX organisation_pinyin_idx ON organisation (name_pinyin);

CREATE TABLE organisation_tag (
    organisation_id INTEGER NOT NULL REFERENCES organisation (organisation_id) ON DELETE CASCADE,
    tag             TEXT    NOT NULL,
    PRIMARY KEY (organisation_id, tag)
);
CREATE INDEX organisation_tag_tag_idx ON organisation_tag (tag);

-- Co-owners reach the organisation like its owner.
CREATE TABLE organisation_co_owner (
    organisation_id INTEGER NOT NULL REFERENCES organisation (organisation_id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES app_user (user_id),
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_co_owner_user_idx ON organisation_co_owner (user_id);

-- People: contacts, birthday (Gregorian or lunar, as written by
-- keqing-core's Birthday::display), tastes, and the PIPL record: the legal
-- basis and source of the data, and when it was erased.
ALTER TABLE person ADD COLUMN other_phones TEXT NOT NULL DEFAULT '[]';   -- JSON array
ALTER TABLE person ADD COLUMN qq TEXT;
ALTER TABLE person ADD COLUMN email TEXT;
ALTER TABLE person ADD COLUMN address TEXT;
ALTER TABLE person ADD COLUMN birthday TEXT;
ALTER TABLE person ADD COLUMN interests TEXT;
ALTER TABLE person ADD COLUMN tastes TEXT;
ALTER TABLE person ADD COLUMN gift_preferences TEXT;
ALTER TABLE person ADD COLUMN taboos TEXT;
ALTER TABLE person ADD COLUMN how_we_met TEXT;
ALTER TABLE person ADD COLUMN info_source TEXT;
ALTER TABLE person ADD COLUMN legal_basis TEXT CHECK (legal_basis IN ('consent', 'contract', 'public', 'other'));
ALTER TABLE person ADD COLUMN erased_at TEXT;
ALTER TABLE person ADD COLUMN name_pinyin TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX person_pinyin_idx ON person (name_pinyin);

-- Further organisations a person works for (the main one is person.organisation_id).
CREATE TABLE person_affiliation (
    person_id       INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisation (organisation_id) ON DELETE CASCADE,
    position        TEXT,
    PRIMARY KEY (person_id, organisation_id)
);
CREATE INDEX person_affiliation_org_idx ON person_affiliation (organisation_id);

-- Family members are records of their own (a child's gaokao is worth a call).
CREATE TABLE family_member (
    family_member_id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id        INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    relation         TEXT    NOT NULL CHECK (relation IN ('spouse', 'child', 'parent', 'sibling', 'other')),
    name             TEXT    NOT NULL,
    gender           TEXT    NOT NULL DEFAULT 'unknown' CHECK (gender IN ('male', 'female', 'unknown')),
    birthday         TEXT,
    notes            TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX family_member_person_idx ON family_member (person_id);

CREATE TABLE family_milestone (
    family_milestone_id INTEGER PRIMARY KEY AUTOINCREMENT,
    family_member_id    INTEGER NOT NULL REFERENCES family_member (family_member_id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('school_entrance', 'gaokao', 'graduation', 'wedding', 'newborn', 'illness', 'other')),
    on_date             TEXT    NOT NULL,
    notes               TEXT,
    created_at          TEXT    NOT NULL
);
CREATE INDEX family_milestone_member_idx ON family_milestone (family_member_id);

-- A relation between two people, stored once: "from is <kind> to"
-- (parent_of: from is the parent; referred_by: from was referred by to).
-- Symmetric kinds are stored with the smaller id first.
CREATE TABLE person_relation (
    person_relation_id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_person_id     INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    to_person_id       INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL CHECK (kind IN ('spouse', 'parent_of', 'colleague', 'friend', 'referred_by')),
    notes              TEXT,
    created_at         TEXT    NOT NULL,
    UNIQUE (from_person_id, to_person_id, kind),
    CHECK (from_person_id <> to_person_id)
);
CREATE INDEX person_relation_to_idx ON person_relation (to_person_id);

-- Company settings that admins change in the UI (classification rules …),
-- JSON per key, versioned and audited.
CREATE TABLE setting (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL
);
