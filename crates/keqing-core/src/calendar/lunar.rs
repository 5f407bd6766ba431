//! Lunar dates (农历), with leap months (闰月).
//!
//! Conversions use a table of every lunar month from lunar year 1900 to
//! 2100 — its first Gregorian day, its length, its number, whether it is a
//! leap month — built once from tyme4rs on first use (about 2,500 months,
//! a few milliseconds). After that a conversion is a binary search and an
//! addition, so agendas for millions of people never wait on astronomy.
//! tyme4rs constructors that panic on invalid input are never called with
//! unchecked values.
//!
//! # Birthdays on days a year does not have
//!
//! Many people keep their lunar birthday. Three cases need a rule, and each
//! resolution says which rule it applied ([`Adjustment`]) so the user sees it:
//!
//! - **Day 30 in a short month.** A lunar month has 29 or 30 days, changing
//!   year by year. Default [`MissingDay30::LastDayOfMonth`]: celebrate on
//!   the 29th, the month's last day (as 除夕 falls on 腊月二十九 when 腊月 is
//!   short). Alternative: the first day of the next month.
//! - **A leap-month birthday in a year without that leap month.** Default
//!   [`AbsentLeapMonth::RegularMonth`]: celebrate in the regular month of the
//!   same number, as most families do. Alternative: skip the year.
//!   (A birthday in a regular month is always in the regular month, even in
//!   a year that also has the leap month.)
//! - **29 February in a common year** (Gregorian birthdays). Default
//!   [`Feb29::Feb28`]: the last day of February. Alternative: 1 March.

use super::CalendarError;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// First supported lunar year.
pub const FIRST_YEAR: i32 = 1900;
/// Last supported lunar year.
pub const LAST_YEAR: i32 = 2100;

#[derive(Debug, Clone, Copy)]
struct Month {
    /// Days since 1970-01-01 of the month's first day.
    first: i32,
    len: u8,
    number: u8,
    leap: bool,
}

struct Table {
    /// Months of each lunar year, in order (index: year - FIRST_YEAR).
    years: Vec<Vec<Month>>,
    /// Every month, in order, as (first day, year index, month index).
    starts: Vec<(i32, u16, u8)>,
}

fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

fn from_epoch_days(n: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    if n >= 0 { epoch + Days::new(n as u64) } else { epoch - Days::new(n.unsigned_abs() as u64) }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        use tyme4rs::tyme::lunar::LunarYear;
        let mut years = Vec::new();
        let mut starts = Vec::new();
        for (yi, year) in (FIRST_YEAR..=LAST_YEAR).enumerate() {
            // In range by construction: tyme4rs supports lunar years -1..=9999.
            let months: Vec<Month> = LunarYear::from_year(year as isize)
                .get_months()
                .into_iter()
                .map(|m| {
                    let first = m.get_first_julian_day().get_solar_day();
                    let d = NaiveDate::from_ymd_opt(
                        first.get_year() as i32,
                        first.get_month() as u32,
                        first.get_day() as u32,
                    )
                    .unwrap_or_default();
                    Month {
                        first: epoch_days(d),
                        len: m.get_day_count() as u8,
                        number: m.get_month() as u8,
                        leap: m.is_leap(),
                    }
                })
                .collect();
            for (mi, m) in months.iter().enumerate() {
                starts.push((m.first, yi as u16, mi as u8));
            }
            years.push(months);
        }
        Table { years, starts }
    })
}

fn year_months(year: i32) -> Result<&'static [Month], CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::OutOfRange {
            what: format!("lunar year {year}"),
            first: FIRST_YEAR,
            last: LAST_YEAR,
        });
    }
    Ok(&table().years[(year - FIRST_YEAR) as usize])
}

fn find_month(year: i32, number: u8, leap: bool) -> Result<Option<Month>, CalendarError> {
    Ok(year_months(year)?.iter().copied().find(|m| m.number == number && m.leap == leap))
}

/// The leap month of a lunar year, if it has one.
pub fn leap_month(year: i32) -> Result<Option<u8>, CalendarError> {
    Ok(year_months(year)?.iter().find(|m| m.leap).map(|m| m.number))
}

/// How many days a lunar month has (29 or 30).
pub fn month_len(year: i32, month: u8, leap: bool) -> Result<u8, CalendarError> {
    match find_month(year, month, leap)? {
        Some(m) => Ok(m.len),
        None if leap => Err(CalendarError::NoSuchLeapMonth { year, month }),
        None => Err(CalendarError::InvalidLunar(format!("month {month}"))),
    }
}

/// A day of the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// Lunar year (the year whose 正月初一 began it).
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// A leap month (闰月) repeating `month`.
    pub leap: bool,
    /// Day 1–30.
    pub day: u8,
}

const MONTH_NAMES: [&str; 12] =
    ["正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月"];
const DAY_NAMES: [&str; 30] = [
    "初一", "初二", "初三", "初四", "初五", "初六", "初七", "初八", "初九", "初十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八", "十九", "二十", "廿一", "廿二", "廿三", "廿四", "廿五", "廿六", "廿七", "廿八",
    "廿九", "三十",
];
const STEMS: [&str; 10] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
const BRANCHES: [&str; 12] = ["子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥"];
const ZODIAC: [&str; 12] = ["鼠", "牛", "虎", "兔", "龙", "蛇", "马", "羊", "猴", "鸡", "狗", "猪"];

/// "八月" or "闰六月".
pub fn month_name(month: u8, leap: bool) -> String {
    let name = MONTH_NAMES.get(usize::from(month.max(1)) - 1).copied().unwrap_or("?月");
    if leap { format!("闰{name}") } else { name.to_owned() }
}

/// "初一" … "三十".
pub fn day_name(day: u8) -> &'static str {
    DAY_NAMES.get(usize::from(day.max(1)) - 1).copied().unwrap_or("?")
}

/// The sexagenary name of a lunar year ("丙午") and its zodiac animal ("马").
pub fn year_name(year: i32) -> (String, &'static str) {
    let i = (year - 4).rem_euclid(60) as usize;
    (format!("{}{}", STEMS[i % 10], BRANCHES[i % 12]), ZODIAC[i % 12])
}

impl LunarDate {
    /// A lunar date that exists, or the reason it does not.
    pub fn new(year: i32, month: u8, leap: bool, day: u8) -> Result<LunarDate, CalendarError> {
        if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
            return Err(CalendarError::InvalidLunar(format!("{month}-{day}")));
        }
        let m = find_month(year, month, leap)?.ok_or(CalendarError::NoSuchLeapMonth { year, month })?;
        if day > m.len {
            return Err(CalendarError::NoSuchLunarDay { year, month_name: month_name(month, leap), len: m.len, day });
        }
        Ok(LunarDate { year, month, leap, day })
    }

    /// The lunar date of a Gregorian day.
    pub fn from_solar(date: NaiveDate) -> Result<LunarDate, CalendarError> {
        let n = epoch_days(date);
        let t = table();
        let i = t.starts.partition_point(|(first, _, _)| *first <= n);
        let out_of_range = || CalendarError::OutOfRange { what: date.to_string(), first: FIRST_YEAR, last: LAST_YEAR };
        if i == 0 {
            return Err(out_of_range());
        }
        let (first, yi, mi) = t.starts[i - 1];
        let m = t.years[yi as usize][mi as usize];
        let day = n - first + 1;
        if day > i32::from(m.len) {
            return Err(out_of_range()); // after the last month of the table
        }
        Ok(LunarDate { year: FIRST_YEAR + i32::from(yi), month: m.number, leap: m.leap, day: day as u8 })
    }

    /// The Gregorian day of this lunar date.
    pub fn to_solar(self) -> NaiveDate {
        // A LunarDate exists only if valid, so the month is in the table.
        match find_month(self.year, self.month, self.leap) {
            Ok(Some(m)) => from_epoch_days(m.first + i32::from(self.day) - 1),
            _ => NaiveDate::MIN,
        }
    }

    /// In Chinese: "丙午年八月十五".
    pub fn chinese(&self) -> String {
        format!("{}年{}{}", year_name(self.year).0, month_name(self.month, self.leap), day_name(self.day))
    }
}

impl fmt::Display for LunarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}{:02}-{:02}", self.year, if self.leap { "闰" } else { "" }, self.month, self.day)
    }
}

/// What to do with lunar day 30 in a month of 29 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingDay30 {
    /// The 29th, the month's last day (default).
    #[default]
    LastDayOfMonth,
    /// The first day of the next month.
    FirstDayOfNextMonth,
}

/// What to do with a leap-month birthday in a year without that leap month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsentLeapMonth {
    /// The regular month of the same number (default).
    #[default]
    RegularMonth,
    /// No occurrence that year.
    Skip,
}

/// What to do with 29 February in a common year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feb29 {
    /// 28 February (default).
    #[default]
    Feb28,
    /// 1 March.
    Mar1,
}

/// The company's rules for dates a year does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Policy {
    /// Lunar day 30 in a short month.
    pub missing_day_30: MissingDay30,
    /// A leap-month birthday in a year without that leap month.
    pub absent_leap_month: AbsentLeapMonth,
    /// 29 February in a common year.
    pub feb29: Feb29,
}

/// Which rule moved a date, so the user can see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Adjustment {
    /// The month has no day 30.
    MissingDay30 {
        /// The rule applied.
        policy: MissingDay30,
    },
    /// The year has no such leap month: the regular month was used.
    LeapMonthAbsent,
    /// 29 February in a common year.
    Feb29InCommonYear {
        /// The rule applied.
        policy: Feb29,
    },
}

impl Adjustment {
    /// An explanation for people.
    pub fn explain(&self, zh: bool) -> &'static str {
        match (self, zh) {
            (Adjustment::MissingDay30 { policy: MissingDay30::LastDayOfMonth }, true) => {
                "该月只有二十九天，按二十九日计"
            }
            (Adjustment::MissingDay30 { policy: MissingDay30::LastDayOfMonth }, false) => {
                "this month has 29 days: the 29th is used"
            }
            (Adjustment::MissingDay30 { policy: MissingDay30::FirstDayOfNextMonth }, true) => {
                "该月只有二十九天，按下月初一计"
            }
            (Adjustment::MissingDay30 { policy: MissingDay30::FirstDayOfNextMonth }, false) => {
                "this month has 29 days: the 1st of the next month is used"
            }
            (Adjustment::LeapMonthAbsent, true) => "本年无此闰月，按正常月份计",
            (Adjustment::LeapMonthAbsent, false) => "no such leap month this year: the regular month is used",
            (Adjustment::Feb29InCommonYear { policy: Feb29::Feb28 }, true) => "本年无2月29日，按2月28日计",
            (Adjustment::Feb29InCommonYear { policy: Feb29::Feb28 }, false) => {
                "no 29 February this year: 28 February is used"
            }
            (Adjustment::Feb29InCommonYear { policy: Feb29::Mar1 }, true) => "本年无2月29日，按3月1日计",
            (Adjustment::Feb29InCommonYear { policy: Feb29::Mar1 }, false) => {
                "no 29 February this year: 1 March is used"
            }
        }
    }
}

/// A yearly date resolved to a Gregorian day, with the rule that moved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The Gregorian day.
    pub date: NaiveDate,
    /// Why it is not the literal date, if it is not.
    pub adjustment: Option<Adjustment>,
}

/// A lunar month and day without a year (a lunar birthday, a festival).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LunarMonthDay {
    /// Month 1–12.
    pub month: u8,
    /// In a leap month.
    pub leap: bool,
    /// Day 1–30.
    pub day: u8,
}

impl LunarMonthDay {
    /// A month 1–12 and a day 1–30.
    pub fn new(month: u8, leap: bool, day: u8) -> Result<LunarMonthDay, CalendarError> {
        if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
            return Err(CalendarError::InvalidLunar(format!("{}{month}-{day}", if leap { "闰" } else { "" })));
        }
        Ok(LunarMonthDay { month, leap, day })
    }

    /// Parses "8-15", "08-15" or "闰6-1" / "L6-1".
    pub fn parse(text: &str) -> Result<LunarMonthDay, CalendarError> {
        let t = text.trim();
        let (leap, rest) = match t.strip_prefix('闰').or_else(|| t.strip_prefix('L')).or_else(|| t.strip_prefix('l')) {
            Some(r) => (true, r),
            None => (false, t),
        };
        let bad = || CalendarError::InvalidLunar(text.to_owned());
        let (m, d) = rest.split_once('-').ok_or_else(bad)?;
        let m: u8 = m.trim().parse().map_err(|_| bad())?;
        let d: u8 = d.trim().parse().map_err(|_| bad())?;
        LunarMonthDay::new(m, leap, d)
    }

    /// Its day in lunar year `year` under `policy`; `None` when the policy
    /// skips the year.
    pub fn in_lunar_year(&self, year: i32, policy: &Policy) -> Result<Option<Resolved>, CalendarError> {
        let mut adjustment = None;
        let month = match find_month(year, self.month, self.leap)? {
            Some(m) => m,
            None => {
                // Only a leap month can be missing.
                if policy.absent_leap_month == AbsentLeapMonth::Skip {
                    return Ok(None);
                }
                adjustment = Some(Adjustment::LeapMonthAbsent);
                find_month(year, self.month, false)?.ok_or_else(|| CalendarError::InvalidLunar(format!("{self:?}")))?
            }
        };
        let date = if self.day <= month.len {
            from_epoch_days(month.first + i32::from(self.day) - 1)
        } else {
            adjustment = Some(Adjustment::MissingDay30 { policy: policy.missing_day_30 });
            match policy.missing_day_30 {
                MissingDay30::LastDayOfMonth => from_epoch_days(month.first + i32::from(month.len) - 1),
                MissingDay30::FirstDayOfNextMonth => from_epoch_days(month.first + i32::from(month.len)),
            }
        };
        Ok(Some(Resolved { date, adjustment }))
    }

    /// Every occurrence between `from` and `to`, inclusive, in order.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate, policy: &Policy) -> Result<Vec<Resolved>, CalendarError> {
        let mut out = Vec::new();
        // A lunar year starts in late January or February, so the lunar
        // years touching [from, to] are from.year-1 ..= to.year.
        for year in (from.year() - 1)..=to.year() {
            if let Some(r) = self.in_lunar_year(year, policy)?
                && r.date >= from
                && r.date <= to
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The first occurrence on or after `from`.
    pub fn next_on_or_after(&self, from: NaiveDate, policy: &Policy) -> Result<Resolved, CalendarError> {
        for year in (from.year() - 1)..=(from.year() + 2) {
            if let Some(r) = self.in_lunar_year(year, policy)?
                && r.date >= from
            {
                return Ok(r);
            }
        }
        Err(CalendarError::OutOfRange { what: format!("{self:?} after {from}"), first: FIRST_YEAR, last: LAST_YEAR })
    }

    /// In Chinese: "八月十五", "闰六月初一".
    pub fn chinese(&self) -> String {
        format!("{}{}", month_name(self.month, self.leap), day_name(self.day))
    }
}

/// A Gregorian month and day without a year (a birthday, a store anniversary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MonthDay {
    /// Month 1–12.
    pub month: u8,
    /// Day of the month.
    pub day: u8,
}

impl MonthDay {
    /// A month and day that exists in some year (29 February included).
    pub fn new(month: u8, day: u8) -> Result<MonthDay, CalendarError> {
        NaiveDate::from_ymd_opt(2000, u32::from(month), u32::from(day))
            .map(|_| MonthDay { month, day })
            .ok_or_else(|| CalendarError::InvalidDate(format!("{month:02}-{day:02}")))
    }

    /// Its day in Gregorian year `year` under `policy`.
    pub fn in_year(&self, year: i32, policy: &Policy) -> Resolved {
        match NaiveDate::from_ymd_opt(year, u32::from(self.month), u32::from(self.day)) {
            Some(date) => Resolved { date, adjustment: None },
            None => {
                // Only 29 February can be missing.
                let date = match policy.feb29 {
                    Feb29::Feb28 => NaiveDate::from_ymd_opt(year, 2, 28),
                    Feb29::Mar1 => NaiveDate::from_ymd_opt(year, 3, 1),
                }
                .unwrap_or_default();
                Resolved { date, adjustment: Some(Adjustment::Feb29InCommonYear { policy: policy.feb29 }) }
            }
        }
    }

    /// The first occurrence on or after `from`.
    pub fn next_on_or_after(&self, from: NaiveDate, policy: &Policy) -> Resolved {
        let this = self.in_year(from.year(), policy);
        if this.date >= from { this } else { self.in_year(from.year() + 1, policy) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn mid_autumn_falls_where_the_almanac_says() {
        let mid_autumn = LunarMonthDay::new(8, false, 15).unwrap();
        let p = Policy::default();
        assert_eq!(mid_autumn.in_lunar_year(2026, &p).unwrap().unwrap().date, d(2026, 9, 25));
        assert_eq!(mid_autumn.in_lunar_year(2027, &p).unwrap().unwrap().date, d(2027, 9, 15));
        assert_eq!(LunarDate::from_solar(d(2026, 9, 25)).unwrap(), LunarDate::new(2026, 8, false, 15).unwrap());
    }

    #[test]
    fn known_new_years_and_leap_months() {
        assert_eq!(LunarDate::new(2026, 1, false, 1).unwrap().to_solar(), d(2026, 2, 17));
        assert_eq!(LunarDate::new(2025, 1, false, 1).unwrap().to_solar(), d(2025, 1, 29));
        assert_eq!(LunarDate::new(2024, 1, false, 1).unwrap().to_solar(), d(2024, 2, 10));
        assert_eq!(leap_month(2025).unwrap(), Some(6), "2025 has 闰六月");
        assert_eq!(leap_month(2023).unwrap(), Some(2), "2023 has 闰二月");
        assert_eq!(leap_month(2026).unwrap(), None);
        assert_eq!(LunarDate::new(2025, 6, true, 1).unwrap().to_solar(), d(2025, 7, 25));
        let lunar = LunarDate::from_solar(d(2025, 8, 1)).unwrap();
        assert!(lunar.leap && lunar.month == 6 && lunar.day == 8, "{lunar:?}");
    }

    #[test]
    fn invalid_lunar_dates_are_errors_not_panics() {
        assert!(matches!(LunarDate::new(2026, 3, true, 1), Err(CalendarError::NoSuchLeapMonth { .. })));
        assert!(matches!(LunarDate::new(2026, 13, false, 1), Err(CalendarError::InvalidLunar(_))));
        assert!(matches!(LunarDate::new(2026, 1, false, 0), Err(CalendarError::InvalidLunar(_))));
        assert!(matches!(LunarDate::new(1800, 1, false, 1), Err(CalendarError::OutOfRange { .. })));
        assert!(matches!(LunarDate::from_solar(d(1850, 1, 1)), Err(CalendarError::OutOfRange { .. })));
        let short = (1..=12).find(|m| month_len(2026, *m, false).unwrap() == 29).unwrap();
        assert!(matches!(LunarDate::new(2026, short, false, 30), Err(CalendarError::NoSuchLunarDay { .. })));
    }

    #[test]
    fn day_30_in_a_short_month_follows_the_policy() {
        // 腊月 of lunar 2025 has 29 days: 除夕 2026 is 腊月二十九 (16 Feb).
        assert_eq!(month_len(2025, 12, false).unwrap(), 29);
        let thirtieth = LunarMonthDay::new(12, false, 30).unwrap();
        let last = thirtieth.in_lunar_year(2025, &Policy::default()).unwrap().unwrap();
        assert_eq!(last.date, d(2026, 2, 16));
        assert_eq!(last.adjustment, Some(Adjustment::MissingDay30 { policy: MissingDay30::LastDayOfMonth }));
        let next = Policy { missing_day_30: MissingDay30::FirstDayOfNextMonth, ..Policy::default() };
        assert_eq!(thirtieth.in_lunar_year(2025, &next).unwrap().unwrap().date, d(2026, 2, 17));
    }

    #[test]
    fn a_leap_month_birthday_in_a_year_without_it_follows_the_policy() {
        let born = LunarMonthDay::new(6, true, 10).unwrap(); // born in 闰六月 (e.g. 2025)
        let in_2025 = born.in_lunar_year(2025, &Policy::default()).unwrap().unwrap();
        assert_eq!((in_2025.date, in_2025.adjustment), (d(2025, 8, 3), None));
        let in_2026 = born.in_lunar_year(2026, &Policy::default()).unwrap().unwrap();
        assert_eq!(in_2026.adjustment, Some(Adjustment::LeapMonthAbsent));
        assert_eq!(LunarDate::from_solar(in_2026.date).unwrap(), LunarDate::new(2026, 6, false, 10).unwrap());
        let skip = Policy { absent_leap_month: AbsentLeapMonth::Skip, ..Policy::default() };
        assert_eq!(born.in_lunar_year(2026, &skip).unwrap(), None);
        // A regular-month birthday stays in the regular month in a leap year.
        let regular =
            LunarMonthDay::new(6, false, 10).unwrap().in_lunar_year(2025, &Policy::default()).unwrap().unwrap();
        assert_eq!(regular.date, d(2025, 7, 4));
    }

    #[test]
    fn february_29_follows_the_policy() {
        let leap_day = MonthDay::new(2, 29).unwrap();
        assert_eq!(leap_day.in_year(2028, &Policy::default()).date, d(2028, 2, 29));
        let r = leap_day.in_year(2027, &Policy::default());
        assert_eq!((r.date, r.adjustment.is_some()), (d(2027, 2, 28), true));
        let mar = Policy { feb29: Feb29::Mar1, ..Policy::default() };
        assert_eq!(leap_day.in_year(2027, &mar).date, d(2027, 3, 1));
        assert!(MonthDay::new(2, 30).is_err());
    }

    #[test]
    fn a_year_can_hold_two_occurrences_of_a_late_lunar_date() {
        // 腊月初八 (Laba): 10 Jan 2022 (lunar 2021) and 30 Dec 2022 (lunar 2022).
        let laba = LunarMonthDay::new(12, false, 8).unwrap();
        let dates: Vec<NaiveDate> = laba
            .occurrences(d(2022, 1, 1), d(2022, 12, 31), &Policy::default())
            .unwrap()
            .iter()
            .map(|r| r.date)
            .collect();
        assert_eq!(dates, [d(2022, 1, 10), d(2022, 12, 30)]);
        assert_eq!(laba.next_on_or_after(d(2022, 1, 11), &Policy::default()).unwrap().date, d(2022, 12, 30));
    }

    #[test]
    fn chinese_names() {
        let l = LunarDate::new(2026, 8, false, 15).unwrap();
        assert_eq!(l.chinese(), "丙午年八月十五");
        assert_eq!(year_name(2026), ("丙午".to_owned(), "马"));
        assert_eq!(LunarMonthDay::parse("闰6-1").unwrap().chinese(), "闰六月初一");
        assert_eq!(LunarMonthDay::parse("12-30").unwrap().chinese(), "腊月三十");
        assert!(LunarMonthDay::parse("13-1").is_err() && LunarMonthDay::parse("x").is_err());
    }

    #[test]
    fn the_table_agrees_with_tyme4rs_day_by_day() {
        use tyme4rs::tyme::solar::SolarDay;
        let mut date = d(1901, 3, 1);
        while date < d(2099, 12, 31) {
            let ours = LunarDate::from_solar(date).unwrap();
            let theirs =
                SolarDay::from_ymd(date.year() as isize, date.month() as usize, date.day() as usize).get_lunar_day();
            let month = theirs.get_lunar_month();
            assert_eq!(
                (ours.year, ours.month, ours.leap, ours.day),
                (theirs.get_year() as i32, month.get_month() as u8, month.is_leap(), theirs.get_day() as u8),
                "{date}"
            );
            date = date + Days::new(97); // a prime stride visits every day-of-month and month
        }
    }

    proptest! {
        #[test]
        fn solar_to_lunar_to_solar_round_trips(days in 0i64..72_000) {
            let date = d(1901, 2, 19) + Days::new(days as u64);
            let lunar = LunarDate::from_solar(date).unwrap();
            prop_assert_eq!(lunar.to_solar(), date);
            prop_assert_eq!(LunarDate::new(lunar.year, lunar.month, lunar.leap, lunar.day).unwrap(), lunar);
        }

        #[test]
        fn lunar_to_solar_to_lunar_round_trips(year in 1901i32..=2099, month in 1u8..=12, day in 1u8..=30, leap: bool) {
            if let Ok(l) = LunarDate::new(year, month, leap, day) {
                prop_assert_eq!(LunarDate::from_solar(l.to_solar()).unwrap(), l);
            }
        }

        #[test]
        fn a_birthday_always_resolves_within_a_year_of_the_new_year(year in 1901i32..=2099, month in 1u8..=12, day in 1u8..=30, leap: bool) {
            let md = LunarMonthDay::new(month, leap, day).unwrap();
            let r = md.in_lunar_year(year, &Policy::default()).unwrap().unwrap();
            let new_year = LunarDate::new(year, 1, false, 1).unwrap().to_solar();
            prop_assert!(r.date >= new_year && (r.date - new_year).num_days() < 385);
        }
    }
}
