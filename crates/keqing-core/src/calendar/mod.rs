//! The Chinese business calendar: lunar dates, festivals, statutory
//! holidays with make-up working days (调休), and working-day arithmetic.
//!
//! - [`lunar`]: Gregorian ↔ lunar conversion for lunar years 1900–2100,
//!   wrapping the tyme4rs crate (astronomy is not re-derived here), and the
//!   documented policies for lunar birthdays that fall on days a year does
//!   not have.
//! - [`festival`]: the festivals Keqing knows and their dates in a year.
//! - [`holidays`]: the statutory holiday table as data (the CSV format of
//!   `data/holidays/cn.csv` and of yearly imports), with row-level errors.
//! - [`workday`]: is-working-day, the n-th working day of a month, adding
//!   and counting working days, the end of a working day. A year without
//!   holiday data is never silently treated as Monday–Friday: every answer
//!   that depends on it is marked provisional.

pub mod festival;
pub mod holidays;
pub mod lunar;
pub mod workday;

use chrono::NaiveDate;

/// A calendar question that has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Outside the supported lunar years (1900–2100).
    #[error("{what} is outside the supported range (lunar years {first}–{last})")]
    OutOfRange {
        /// What was asked.
        what: String,
        /// First supported year.
        first: i32,
        /// Last supported year.
        last: i32,
    },
    /// A lunar month number outside 1–12 or a day outside 1–30.
    #[error("{0} is not a lunar month and day (months 1–12, days 1–30)")]
    InvalidLunar(String),
    /// The lunar year has no such leap month.
    #[error("lunar year {year} has no leap month {month}")]
    NoSuchLeapMonth {
        /// Lunar year.
        year: i32,
        /// Month number asked for.
        month: u8,
    },
    /// The lunar month has 29 days and day 30 was asked for.
    #[error("{month_name} of lunar year {year} has {len} days, not {day}")]
    NoSuchLunarDay {
        /// Lunar year.
        year: i32,
        /// "八月" or "闰六月".
        month_name: String,
        /// Days in that month.
        len: u8,
        /// Day asked for.
        day: u8,
    },
    /// A month has fewer working days than asked for.
    #[error("{year}-{month:02} has only {available} working days, not {n}")]
    NotEnoughWorkingDays {
        /// Year.
        year: i32,
        /// Month.
        month: u32,
        /// Working days in the month.
        available: u32,
        /// Asked for.
        n: u32,
    },
    /// A Gregorian date that does not exist or a malformed one.
    #[error("{0} is not a valid date")]
    InvalidDate(String),
}

/// The first and last Gregorian day of a month, if the month exists.
pub fn month_bounds(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}
