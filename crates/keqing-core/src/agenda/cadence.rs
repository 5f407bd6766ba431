//! Cadence rules (拜访频率): how often each class of customer is visited and
//! called, and when each person's next care call falls.
//!
//! Every clock counts from the **last matching interaction**: a visit logged
//! yesterday resets the visit clock, so Keqing never nags about a customer
//! seen yesterday. Nothing is suggested sooner than the window's start or
//! the minimum gap between contacts of the same kind — visits must not feel
//! forced.

use crate::PersonId;
use crate::model::CustomerClass;
use crate::rng::SplitMix64;
use crate::validate::Problem;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// A window in days after the last contact: due from `min_days`, overdue
/// after `max_days`. `max_days == 0` switches the rhythm off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Due from this many days after the last contact.
    pub min_days: u16,
    /// Overdue after this many days.
    pub max_days: u16,
}

impl Window {
    /// A window from `min_days` to `max_days`.
    pub const fn new(min_days: u16, max_days: u16) -> Window {
        Window { min_days, max_days }
    }

    /// The rhythm is off.
    pub const OFF: Window = Window { min_days: 0, max_days: 0 };

    /// Whether the rhythm is on.
    pub fn is_on(self) -> bool {
        self.max_days > 0
    }
}

/// The rhythm for one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCadence {
    /// Visits.
    pub visit: Window,
    /// Work calls: every this many days after the last work contact (a call
    /// or a visit); 0 is off.
    pub work_call_days: u16,
    /// Care calls to each person: a random day inside this window after
    /// the last care contact.
    pub care_call: Window,
}

/// The company's cadence rules (a setting admins change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceRules {
    /// 重点: visits every 3–5 days (the sources), a weekly work call, a care
    /// call every two to four weeks.
    pub key: ClassCadence,
    /// 次重点: visits every 7–10 days.
    pub secondary: ClassCadence,
    /// 非重点: about monthly.
    pub normal: ClassCadence,
    /// No contact of the same kind is suggested sooner than this after the
    /// last one, whatever a customer's override says.
    pub min_gap_days: u16,
    /// A care call never falls within this many days of a work call to the
    /// same person, before or after: it must not feel like business.
    pub care_clear_of_work_call_days: u16,
}

impl Default for CadenceRules {
    fn default() -> Self {
        CadenceRules {
            key: ClassCadence { visit: Window::new(3, 5), work_call_days: 7, care_call: Window::new(14, 28) },
            secondary: ClassCadence { visit: Window::new(7, 10), work_call_days: 14, care_call: Window::new(30, 60) },
            normal: ClassCadence { visit: Window::new(25, 35), work_call_days: 0, care_call: Window::OFF },
            min_gap_days: 2,
            care_clear_of_work_call_days: 3,
        }
    }
}

/// The longest window a rule may name: a year.
pub const MAX_DAYS: u16 = 366;

impl CadenceRules {
    /// The rhythm for a class.
    pub fn of(&self, class: CustomerClass) -> &ClassCadence {
        match class {
            CustomerClass::Key => &self.key,
            CustomerClass::Secondary => &self.secondary,
            CustomerClass::Normal => &self.normal,
        }
    }

    /// Checks that every window is ordered and at most a year long; names
    /// the first field at fault.
    pub fn check(&self) -> Result<(), (String, Problem)> {
        for (class, c) in [("key", &self.key), ("secondary", &self.secondary), ("normal", &self.normal)] {
            check_window(&format!("{class}.visit"), c.visit)?;
            check_window(&format!("{class}.care_call"), c.care_call)?;
            if c.work_call_days > MAX_DAYS {
                return Err((
                    format!("{class}.work_call_days"),
                    Problem::OutOfRange { min: 0, max: i64::from(MAX_DAYS) },
                ));
            }
        }
        if self.min_gap_days > 30 {
            return Err(("min_gap_days".into(), Problem::OutOfRange { min: 0, max: 30 }));
        }
        if self.care_clear_of_work_call_days > 14 {
            return Err(("care_clear_of_work_call_days".into(), Problem::OutOfRange { min: 0, max: 14 }));
        }
        Ok(())
    }
}

/// Checks one window: `min <= max <= a year`, and a window that is on
/// starts at least a day after the contact.
pub fn check_window(field: &str, w: Window) -> Result<(), (String, Problem)> {
    if w.max_days > MAX_DAYS {
        return Err((format!("{field}.max_days"), Problem::OutOfRange { min: 0, max: i64::from(MAX_DAYS) }));
    }
    if w.is_on() && (w.min_days == 0 || w.min_days > w.max_days) {
        return Err((format!("{field}.min_days"), Problem::OutOfRange { min: 1, max: i64::from(w.max_days) }));
    }
    Ok(())
}

pub(crate) fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d.checked_add_days(Days::new(days as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs())).unwrap_or(d)
    }
}

/// The day of a person's next care call, `anchor` being their last care
/// contact (or the day they were added).
///
/// The day is random inside `window` but **deterministic** for the person
/// and the cycle (seeded by the person's id and the anchor), so the agenda
/// is the same on every reload and every server, and it moves only when a
/// care contact is logged. Days within `clear_days` of a work call to the
/// person (`work_calls`: the last one and the next one due) are skipped;
/// when the whole window is blocked, the call moves to the first clear day
/// after it.
pub fn next_care_call(
    person: PersonId,
    anchor: NaiveDate,
    window: Window,
    work_calls: &[NaiveDate],
    clear_days: u16,
) -> NaiveDate {
    let clear = |d: NaiveDate| work_calls.iter().all(|w| (d - *w).num_days().abs() > i64::from(clear_days));
    let mut rng = SplitMix64::from_parts(&[person.0 as u64, anchor.to_epoch_days() as u64]);
    let (lo, hi) = (i64::from(window.min_days.max(1)), i64::from(window.max_days.max(window.min_days.max(1))));
    let candidates: Vec<NaiveDate> = (lo..=hi).map(|o| plus(anchor, o)).filter(|d| clear(*d)).collect();
    if !candidates.is_empty() {
        return *rng.pick(&candidates);
    }
    // Every day of the window is near a work call: the first clear day after.
    let mut d = plus(anchor, hi + 1);
    while !clear(d) {
        d = plus(d, 1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use std::collections::BTreeMap;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_defaults_follow_the_sources_and_pass_their_own_check() {
        let r = CadenceRules::default();
        assert_eq!(r.of(CustomerClass::Key).visit, Window::new(3, 5));
        assert_eq!(r.of(CustomerClass::Secondary).visit, Window::new(7, 10));
        assert!(r.of(CustomerClass::Normal).visit.min_days >= 25);
        r.check().unwrap();
    }

    #[test]
    fn a_backwards_window_is_refused_by_name() {
        let mut r = CadenceRules::default();
        r.secondary.visit = Window::new(10, 7);
        assert_eq!(r.check().unwrap_err().0, "secondary.visit.min_days");
        r.secondary.visit = Window::new(7, 400);
        assert_eq!(r.check().unwrap_err().0, "secondary.visit.max_days");
    }

    #[test]
    fn a_care_call_is_stable_for_a_person_and_cycle() {
        let w = Window::new(14, 28);
        let a = next_care_call(PersonId(7), d(2026, 11, 1), w, &[], 3);
        for _ in 0..5 {
            assert_eq!(next_care_call(PersonId(7), d(2026, 11, 1), w, &[], 3), a);
        }
        assert!((14..=28).contains(&(a - d(2026, 11, 1)).num_days()));
    }

    #[test]
    fn care_calls_spread_irregularly_over_the_window_and_the_week() {
        let w = Window::new(14, 28);
        let anchor = d(2026, 11, 2);
        let mut offsets = BTreeMap::new();
        let mut weekdays = BTreeMap::new();
        for p in 1..=2000 {
            let day = next_care_call(PersonId(p), anchor, w, &[], 3);
            *offsets.entry((day - anchor).num_days()).or_insert(0) += 1;
            *weekdays.entry(day.weekday().num_days_from_monday()).or_insert(0) += 1;
        }
        // Every day of the window is used, none by much more than its share.
        assert_eq!(offsets.len(), 15);
        assert!(offsets.values().all(|n| (80..=190).contains(n)), "{offsets:?}");
        assert_eq!(weekdays.len(), 7);
        assert!(weekdays.values().all(|n| (180..=400).contains(n)), "{weekdays:?}");
        // One person's successive calls are not a fixed interval either.
        let mut anchor = anchor;
        let mut gaps = std::collections::BTreeSet::new();
        for _ in 0..12 {
            let next = next_care_call(PersonId(42), anchor, w, &[], 3);
            gaps.insert((next - anchor).num_days());
            anchor = next;
        }
        assert!(gaps.len() >= 5, "{gaps:?}");
    }

    #[test]
    fn a_care_call_never_falls_near_a_work_call() {
        let w = Window::new(14, 28);
        let anchor = d(2026, 11, 1);
        for p in 1..=500 {
            let work = [plus(anchor, 10 + p % 20), plus(anchor, 20 + p % 7)];
            let day = next_care_call(PersonId(p), anchor, w, &work, 3);
            for wc in work {
                assert!((day - wc).num_days().abs() > 3, "person {p}: care {day}, work {wc}");
            }
        }
    }

    #[test]
    fn a_window_blocked_by_work_calls_moves_the_care_call_past_them() {
        let anchor = d(2026, 11, 1);
        let w = Window::new(5, 6);
        let day = next_care_call(PersonId(1), anchor, w, &[plus(anchor, 6)], 3);
        assert_eq!(day, plus(anchor, 10));
    }
}
