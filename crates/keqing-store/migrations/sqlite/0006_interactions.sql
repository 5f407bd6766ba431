-- The rep's day: the interaction log every cadence and occasion rule reads,
-- per-customer cadence overrides, and snoozed agenda items.

-- One contact with a customer. The rep is whoever logged it (user_id).
-- Kind-specific fields are NULL for other kinds (keqing-core's
-- InteractionDraft::parse decides which are required). Money is fen.
-- agenda_key names the Today item this contact completed ("bday:p12:2026-12-03");
-- next_step_done is set when the promised next step is logged done.
CREATE TABLE interaction (
    interaction_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL CHECK (kind IN ('visit', 'deep_visit', 'work_call', 'care_call', 'message', 'gift',
                         'meal', 'training', 'leader_greeting', 'help')),
    occurred_on      TEXT    NOT NULL,
    organisation_id  INTEGER REFERENCES organisation (organisation_id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES app_user (user_id),
    purpose          TEXT    CHECK (purpose IN ('work', 'care')),
    duration_minutes INTEGER CHECK (duration_minutes > 0),
    channel          TEXT    CHECK (channel IN ('sms', 'wechat', 'wecom', 'card')),
    gift_item        TEXT,
    gift_value_fen   INTEGER CHECK (gift_value_fen >= 0),
    occasion         TEXT,
    cost_fen         INTEGER CHECK (cost_fen >= 0),
    notes            TEXT,
    next_step        TEXT,
    next_step_on     TEXT,
    next_step_done   INTEGER NOT NULL DEFAULT 0 CHECK (next_step_done IN (0, 1)),
    agenda_key       TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX interaction_org_idx ON interaction (organisation_id, kind, occurred_on);
CREATE INDEX interaction_user_idx ON interaction (user_id, occurred_on);
CREATE INDEX interaction_next_step_idx ON interaction (user_id, next_step_on) WHERE next_step_on IS NOT NULL AND next_step_done = 0;
CREATE INDEX interaction_agenda_key_idx ON interaction (agenda_key) WHERE agenda_key IS NOT NULL;

-- The people an interaction was with. Kind, day and whether it was a care
-- contact are copied from the interaction (they never change apart from it)
-- so each person's last contact of a kind is one index range.
CREATE TABLE interaction_person (
    interaction_id INTEGER NOT NULL REFERENCES interaction (interaction_id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL,
    occurred_on    TEXT    NOT NULL,
    care           INTEGER NOT NULL DEFAULT 0 CHECK (care IN (0, 1)),
    PRIMARY KEY (interaction_id, person_id)
);
CREATE INDEX interaction_person_idx ON interaction_person (person_id, occurred_on);

-- A customer's own rhythm, overriding its class's (NULL: the class's).
-- visit_max_days = 0 switches visits off; work_call_days = 0 work calls.
ALTER TABLE organisation ADD COLUMN visit_min_days INTEGER CHECK (visit_min_days BETWEEN 0 AND 366);
ALTER TABLE organisation ADD COLUMN visit_max_days INTEGER CHECK (visit_max_days BETWEEN 0 AND 366);
ALTER TABLE organisation ADD COLUMN work_call_days INTEGER CHECK (work_call_days BETWEEN 0 AND 366);

-- An agenda item put off until a day, with the reason (required).
CREATE TABLE agenda_snooze (
    agenda_snooze_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES app_user (user_id),
    item_key         TEXT    NOT NULL,
    snoozed_until    TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    created_at       TEXT    NOT NULL
);
CREATE INDEX agenda_snooze_user_idx ON agenda_snooze (user_id, snoozed_until);
