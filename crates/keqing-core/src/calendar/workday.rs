//! Working days: China's week with statutory holidays and make-up days.
//!
//! A [`WorkCalendar`] is built once from the holiday table (it keeps a bit
//! per day for every year it has data for) and answers in nanoseconds. Any
//! answer that depends on a year whose State Council notice is not in the
//! table is computed Monday–Friday **and marked provisional** ([`Dated`]),
//! never silently: the expense deadlines built on it say so, and admins are
//! warned from 1 November to import the next year.
//!
//! Late December can also change with the *next* year's notice (元旦 may
//! start on the 30th or 31st, and a make-up day may fall on the last
//! weekend of the year), so 25–31 December count as confirmed only when
//! both years are known.

use super::CalendarError;
use super::holidays::{DayKind, HolidayDay};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A value and whether it rests on a year without holiday data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dated<T> {
    /// The answer.
    pub value: T,
    /// True when a year the answer depends on has no holiday data yet
    /// (computed Monday–Friday; may change when the notice is imported).
    pub provisional: bool,
}

/// Everything about one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    /// The day.
    pub date: NaiveDate,
    /// Whether people work.
    pub working: bool,
    /// Listed in the holiday table as off or work.
    pub kind: Option<DayKind>,
    /// The holiday's name, when listed.
    pub name: Option<String>,
    /// The day's year has no holiday data.
    pub provisional: bool,
}

/// China's working calendar for the years in the holiday table.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    entries: BTreeMap<NaiveDate, (DayKind, String)>,
    known_years: BTreeSet<i32>,
    base_year: i32,
    /// One bit per day of the year (ordinal0), per year from `base_year`.
    bits: Vec<[u64; 6]>,
    zone: chrono_tz::Tz,
    closing: NaiveTime,
}

fn weekday_working(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkCalendar {
    /// A calendar over the notices of `known_years` and their `days`, in the
    /// company's time zone, with working days ending at `closing` (for
    /// "by the end of the 3rd working day" deadlines).
    pub fn new(
        known_years: impl IntoIterator<Item = i32>,
        days: impl IntoIterator<Item = HolidayDay>,
        zone: chrono_tz::Tz,
        closing: NaiveTime,
    ) -> WorkCalendar {
        let known_years: BTreeSet<i32> = known_years.into_iter().collect();
        let entries: BTreeMap<NaiveDate, (DayKind, String)> =
            days.into_iter().map(|d| (d.date, (d.kind, d.name))).collect();
        let years: BTreeSet<i32> = known_years.iter().copied().chain(entries.keys().map(|d| d.year())).collect();
        let (base_year, last_year) = match (years.first(), years.last()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => (0, -1),
        };
        let mut bits = Vec::new();
        for year in base_year..=last_year {
            let mut b = [0u64; 6];
            let mut date = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
            while date.year() == year {
                let working = match entries.get(&date) {
                    Some((DayKind::Off, _)) => false,
                    Some((DayKind::Work, _)) => true,
                    None => weekday_working(date),
                };
                if working {
                    let i = date.ordinal0() as usize;
                    b[i / 64] |= 1 << (i % 64);
                }
                date = date + Days::new(1);
            }
            bits.push(b);
        }
        WorkCalendar { entries, known_years, base_year, bits, zone, closing }
    }

    /// The years whose notices are in the table.
    pub fn known_years(&self) -> &BTreeSet<i32> {
        &self.known_years
    }

    /// Whether the notice for `year` is in the table.
    pub fn knows_year(&self, year: i32) -> bool {
        self.known_years.contains(&year)
    }

    /// Whether the answer for `d` rests on a missing notice.
    pub fn is_provisional(&self, d: NaiveDate) -> bool {
        let late_december = d.month() == 12 && d.day() >= 25;
        !self.knows_year(d.year()) || (late_december && !self.knows_year(d.year() + 1))
    }

    fn working(&self, d: NaiveDate) -> bool {
        let idx = d.year() - self.base_year;
        match usize::try_from(idx).ok().and_then(|i| self.bits.get(i)) {
            Some(b) => {
                let i = d.ordinal0() as usize;
                b[i / 64] & (1 << (i % 64)) != 0
            }
            None => weekday_working(d),
        }
    }

    /// Whether people work on `d`.
    pub fn is_working_day(&self, d: NaiveDate) -> Dated<bool> {
        Dated { value: self.working(d), provisional: self.is_provisional(d) }
    }

    /// Everything about `d`.
    pub fn day(&self, d: NaiveDate) -> DayInfo {
        let entry = self.entries.get(&d);
        DayInfo {
            date: d,
            working: self.working(d),
            kind: entry.map(|e| e.0),
            name: entry.map(|e| e.1.clone()),
            provisional: self.is_provisional(d),
        }
    }

    /// The listed days of a Gregorian year (including days of the next
    /// year's notice that fall in it).
    pub fn listed_in(&self, year: i32) -> Vec<DayInfo> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        self.entries.range(from..=to).map(|(d, _)| self.day(*d)).collect()
    }

    /// The `n`-th working day (1-based) of a month.
    pub fn nth_working_day(&self, year: i32, month: u32, n: u32) -> Result<Dated<NaiveDate>, CalendarError> {
        let (first, last) =
            super::month_bounds(year, month).ok_or_else(|| CalendarError::InvalidDate(format!("{year}-{month:02}")))?;
        if n == 0 {
            return Err(CalendarError::NotEnoughWorkingDays { year, month, available: 0, n });
        }
        let mut count = 0;
        let mut provisional = false;
        let mut d = first;
        while d <= last {
            provisional |= self.is_provisional(d);
            if self.working(d) {
                count += 1;
                if count == n {
                    return Ok(Dated { value: d, provisional });
                }
            }
            d = d + Days::new(1);
        }
        Err(CalendarError::NotEnoughWorkingDays { year, month, available: count, n })
    }

    /// The working day `n` working days after `d` (before, for negative
    /// `n`). `d` itself does not count: one working day after a Friday is
    /// the next Monday (or make-up Saturday). Zero gives `d`.
    pub fn add_working_days(&self, d: NaiveDate, n: i64) -> Dated<NaiveDate> {
        let mut left = n.unsigned_abs();
        let mut provisional = self.is_provisional(d);
        let mut cur = d;
        while left > 0 {
            cur = if n > 0 { cur + Days::new(1) } else { cur - Days::new(1) };
            provisional |= self.is_provisional(cur);
            if self.working(cur) {
                left -= 1;
            }
        }
        Dated { value: cur, provisional }
    }

    /// Working days from `from` to `to`, counted the way
    /// [`add_working_days`](Self::add_working_days) steps: forwards the days
    /// after `from` up to and including `to`; backwards (negative) the days
    /// from `to` up to but excluding `from`. So
    /// `working_days_between(d, add_working_days(d, n))` is `n`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Dated<i64> {
        // Forwards: (from, to]. Backwards: [to, from).
        let (first, last, sign) = if from <= to { (from + Days::new(1), to, 1) } else { (to, from - Days::new(1), -1) };
        let mut count = 0i64;
        let mut provisional = false;
        let mut d = first;
        while d <= last {
            provisional |= self.is_provisional(d);
            if self.working(d) {
                count += 1;
            }
            d = d + Days::new(1);
        }
        Dated { value: sign * count, provisional }
    }

    /// The instant a working day ends ("下班前", e.g. 18:00 China time).
    pub fn end_of_day(&self, d: NaiveDate) -> DateTime<Utc> {
        let local = d.and_time(self.closing);
        self.zone
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc())
    }

    /// The end of the `n`-th working day of a month: "by the end of the
    /// 3rd working day".
    pub fn end_of_nth_working_day(&self, year: i32, month: u32, n: u32) -> Result<Dated<DateTime<Utc>>, CalendarError> {
        let day = self.nth_working_day(year, month, n)?;
        Ok(Dated { value: self.end_of_day(day.value), provisional: day.provisional })
    }

    /// The company's time zone.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.zone
    }

    /// Today's date in the company's time zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.zone).date_naive()
    }

    /// A year an admin should import now: the current year if missing, or
    /// from 1 November the next year if missing (the State Council
    /// publishes it each November).
    pub fn year_to_import(&self, today: NaiveDate) -> Option<i32> {
        if !self.knows_year(today.year()) {
            Some(today.year())
        } else if today.month() >= 11 && !self.knows_year(today.year() + 1) {
            Some(today.year() + 1)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::holidays::{BUNDLED_CSV, parse_csv};
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static CAL: LazyLock<WorkCalendar> = LazyLock::new(|| {
        let days = parse_csv(BUNDLED_CSV, None).unwrap();
        let years: Vec<i32> = days.iter().map(|d| d.year).collect();
        WorkCalendar::new(years, days, chrono_tz::Asia::Shanghai, NaiveTime::from_hms_opt(18, 0, 0).unwrap())
    });

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_issue_s_table_of_known_dates() {
        let third_feb = CAL.nth_working_day(2026, 2, 3).unwrap();
        assert_eq!(third_feb, Dated { value: d(2026, 2, 4), provisional: false });
        let eighth_oct = CAL.nth_working_day(2026, 10, 8).unwrap();
        assert_eq!(eighth_oct.value, d(2026, 10, 16), "the 10th, a Saturday, is a make-up working day");
        assert!(CAL.is_working_day(d(2026, 10, 10)).value);
        assert_eq!(CAL.nth_working_day(2026, 1, 1).unwrap().value, d(2026, 1, 4), "Sunday 4 January");
    }

    #[test]
    fn january_s_statement_deadlines_move_with_the_spring_festival() {
        // Filed by the end of the 3rd and checked by the 8th working day of
        // February 2026; advances from the 9th. The holiday is 15–23 Feb,
        // with make-up days on 14 and 28 Feb.
        assert_eq!(CAL.nth_working_day(2026, 2, 3).unwrap().value, d(2026, 2, 4));
        assert_eq!(CAL.nth_working_day(2026, 2, 8).unwrap().value, d(2026, 2, 11));
        assert_eq!(CAL.nth_working_day(2026, 2, 9).unwrap().value, d(2026, 2, 12));
        assert_eq!(CAL.nth_working_day(2026, 2, 11).unwrap().value, d(2026, 2, 14), "make-up Saturday");
        assert_eq!(CAL.nth_working_day(2026, 2, 12).unwrap().value, d(2026, 2, 24), "first day back");
        let end = CAL.end_of_nth_working_day(2026, 2, 3).unwrap();
        assert_eq!(end.value.to_rfc3339(), "2026-02-04T10:00:00+00:00", "18:00 in Beijing");
    }

    #[test]
    fn a_year_without_data_is_provisional_never_silent() {
        let n = CAL.nth_working_day(2027, 2, 3).unwrap();
        assert!(n.provisional);
        assert_eq!(n.value, d(2027, 2, 3), "Monday–Friday until the 2027 notice is imported");
        assert!(CAL.is_working_day(d(2026, 12, 28)).provisional, "late December waits for next year's notice");
        assert!(!CAL.is_working_day(d(2026, 12, 24)).provisional);
        assert!(CAL.add_working_days(d(2026, 12, 20), 10).provisional);
        assert!(!CAL.add_working_days(d(2026, 11, 2), 10).provisional);
    }

    #[test]
    fn admins_are_asked_for_next_year_from_november() {
        assert_eq!(CAL.year_to_import(d(2026, 10, 31)), None);
        assert_eq!(CAL.year_to_import(d(2026, 11, 1)), Some(2027));
        assert_eq!(CAL.year_to_import(d(2027, 3, 1)), Some(2027));
    }

    #[test]
    fn adding_working_days_skips_the_national_day_week() {
        assert_eq!(CAL.add_working_days(d(2026, 9, 30), 1).value, d(2026, 10, 8));
        assert_eq!(CAL.add_working_days(d(2026, 10, 8), -1).value, d(2026, 9, 30));
        assert_eq!(CAL.add_working_days(d(2026, 10, 3), 0).value, d(2026, 10, 3));
        assert_eq!(CAL.working_days_between(d(2026, 9, 30), d(2026, 10, 12)).value, 4, "8, 9, 10 (Sat), 12");
    }

    #[test]
    fn a_month_with_too_few_working_days_is_an_error() {
        assert!(matches!(CAL.nth_working_day(2026, 10, 25), Err(CalendarError::NotEnoughWorkingDays { .. })));
        assert!(CAL.nth_working_day(2026, 13, 1).is_err());
        assert!(CAL.nth_working_day(2026, 10, 0).is_err());
    }

    #[test]
    fn days_carry_their_names() {
        let day = CAL.day(d(2026, 2, 14));
        assert!(day.working && day.kind == Some(DayKind::Work));
        assert_eq!(day.name.as_deref(), Some("春节（调休上班）"));
        assert_eq!(CAL.listed_in(2026).len(), 39);
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0u64..(365 * 9)).prop_map(|n| d(2019, 6, 1) + Days::new(n))
    }

    proptest! {
        #[test]
        fn adding_then_counting_back_gives_n(start in any_day(), n in -400i64..400) {
            let end = CAL.add_working_days(start, n).value;
            prop_assert_eq!(CAL.working_days_between(start, end).value, n);
            if n != 0 {
                prop_assert!(CAL.is_working_day(end).value);
            }
        }

        #[test]
        fn the_nth_working_day_is_one_with_n_minus_1_before_it(year in 2019i32..2028, month in 1u32..=12, n in 1u32..=23) {
            let nth = match CAL.nth_working_day(year, month, n) {
                Ok(d) => d.value,
                Err(CalendarError::NotEnoughWorkingDays { available, .. }) => {
                    // Only when the month really has fewer.
                    prop_assert!(available < n);
                    let (first, last) = super::super::month_bounds(year, month).unwrap();
                    let all = CAL.working_days_between(first, last).value + i64::from(CAL.is_working_day(first).value);
                    prop_assert_eq!(all, i64::from(available));
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            };
            prop_assert!(CAL.is_working_day(nth).value);
            let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
            let before = CAL.working_days_between(first, nth).value + i64::from(CAL.is_working_day(first).value);
            prop_assert_eq!(before, i64::from(n));
            prop_assert_eq!(nth.month(), month);
        }
    }
}
