-- The statutory holiday table (see keqing-core/src/calendar/holidays.rs).
-- A year is "known" when its State Council notice is loaded: a row in
-- holiday_year. Days not listed follow the Monday–Friday week; years not
-- listed make every deadline in them provisional.

CREATE TABLE holiday_year (
    year       BIGINT      PRIMARY KEY,
    source     TEXT        NOT NULL,            -- "bundled", an imported file's name, "entered by hand"
    version    BIGINT      NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per day off (放假) or make-up working day (调休上班). `year` is the
-- notice's year: 元旦 may start on 31 December of the year before.
CREATE TABLE holiday_day (
    day        DATE        PRIMARY KEY,
    year       BIGINT      NOT NULL REFERENCES holiday_year (year) ON DELETE CASCADE,
    kind       TEXT        NOT NULL CHECK (kind IN ('off', 'work')),
    name       TEXT        NOT NULL,
    version    BIGINT      NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX holiday_day_year_idx ON holiday_day (year);
