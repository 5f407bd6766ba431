-- Dates a rep asked to remember for a person (the anniversary of a favour, a
-- child's exam, a promise): once or yearly, Gregorian or lunar, as written
-- by keqing-core's CustomDate::display ("once:2026-12-20", "yearly:农历10-23").
CREATE TABLE custom_occasion (
    custom_occasion_id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id          INTEGER NOT NULL REFERENCES person (person_id) ON DELETE CASCADE,
    label              TEXT    NOT NULL,
    on_date            TEXT    NOT NULL,
    lead_days          INTEGER NOT NULL CHECK (lead_days BETWEEN 0 AND 60),
    created_at         TEXT    NOT NULL
);
CREATE INDEX custom_occasion_person_idx ON custom_occasion (person_id);
