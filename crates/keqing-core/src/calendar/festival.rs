//! The festivals Keqing knows, and their Gregorian dates.
//!
//! Gregorian festivals are fixed; lunar ones move every year; 清明 is a
//! solar term (from tyme4rs). 除夕 is the last day of the lunar year — the
//! day before 正月初一 — so it is 腊月二十九 in a year whose 腊月 is short.
//! Most festivals fall once in a Gregorian year, but a late lunar date can
//! fall twice (腊八 on 10 January and 30 December 2022), so dates come as
//! lists.

use super::CalendarError;
use super::lunar::{LunarDate, LunarMonthDay, Policy};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A festival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Festival {
    /// 元旦, 1 January.
    NewYear,
    /// 除夕, the eve of the Spring Festival.
    SpringFestivalEve,
    /// 春节, 正月初一.
    SpringFestival,
    /// 元宵节, 正月十五.
    Lantern,
    /// 妇女节, 8 March.
    WomensDay,
    /// 清明节, a solar term (4 or 5 April).
    Qingming,
    /// 劳动节, 1 May.
    LabourDay,
    /// 端午节, 五月初五.
    DragonBoat,
    /// 七夕, 七月初七.
    Qixi,
    /// 教师节, 10 September.
    TeachersDay,
    /// 中秋节, 八月十五.
    MidAutumn,
    /// 国庆节, 1 October.
    NationalDay,
    /// 重阳节, 九月初九.
    DoubleNinth,
    /// 腊八节, 腊月初八.
    Laba,
}

/// How a festival's date is found.
enum Rule {
    Solar(u32, u32),
    Lunar(u8, u8),
    SpringEve,
    Qingming,
}

impl Festival {
    /// Every festival, in calendar order.
    pub const ALL: [Festival; 14] = [
        Festival::NewYear,
        Festival::SpringFestivalEve,
        Festival::SpringFestival,
        Festival::Lantern,
        Festival::WomensDay,
        Festival::Qingming,
        Festival::LabourDay,
        Festival::DragonBoat,
        Festival::Qixi,
        Festival::TeachersDay,
        Festival::MidAutumn,
        Festival::NationalDay,
        Festival::DoubleNinth,
        Festival::Laba,
    ];

    /// The identifier used in settings and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Festival::NewYear => "new_year",
            Festival::SpringFestivalEve => "spring_festival_eve",
            Festival::SpringFestival => "spring_festival",
            Festival::Lantern => "lantern",
            Festival::WomensDay => "womens_day",
            Festival::Qingming => "qingming",
            Festival::LabourDay => "labour_day",
            Festival::DragonBoat => "dragon_boat",
            Festival::Qixi => "qixi",
            Festival::TeachersDay => "teachers_day",
            Festival::MidAutumn => "mid_autumn",
            Festival::NationalDay => "national_day",
            Festival::DoubleNinth => "double_ninth",
            Festival::Laba => "laba",
        }
    }

    /// The name people use.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Festival::NewYear, true) => "元旦",
            (Festival::NewYear, false) => "New Year's Day",
            (Festival::SpringFestivalEve, true) => "除夕",
            (Festival::SpringFestivalEve, false) => "Spring Festival Eve",
            (Festival::SpringFestival, true) => "春节",
            (Festival::SpringFestival, false) => "Spring Festival",
            (Festival::Lantern, true) => "元宵节",
            (Festival::Lantern, false) => "Lantern Festival",
            (Festival::WomensDay, true) => "妇女节",
            (Festival::WomensDay, false) => "Women's Day",
            (Festival::Qingming, true) => "清明节",
            (Festival::Qingming, false) => "Qingming",
            (Festival::LabourDay, true) => "劳动节",
            (Festival::LabourDay, false) => "Labour Day",
            (Festival::DragonBoat, true) => "端午节",
            (Festival::DragonBoat, false) => "Dragon Boat Festival",
            (Festival::Qixi, true) => "七夕",
            (Festival::Qixi, false) => "Qixi",
            (Festival::TeachersDay, true) => "教师节",
            (Festival::TeachersDay, false) => "Teachers' Day",
            (Festival::MidAutumn, true) => "中秋节",
            (Festival::MidAutumn, false) => "Mid-Autumn Festival",
            (Festival::NationalDay, true) => "国庆节",
            (Festival::NationalDay, false) => "National Day",
            (Festival::DoubleNinth, true) => "重阳节",
            (Festival::DoubleNinth, false) => "Double Ninth Festival",
            (Festival::Laba, true) => "腊八节",
            (Festival::Laba, false) => "Laba Festival",
        }
    }

    /// Parses an identifier or a Chinese/English name.
    pub fn parse(text: &str) -> Option<Festival> {
        let t = text.trim();
        Festival::ALL
            .into_iter()
            .find(|f| f.as_str() == t || f.label(true) == t || f.label(false).eq_ignore_ascii_case(t))
    }

    /// Whether the date follows the lunar calendar (or a solar term).
    pub fn is_lunar(self) -> bool {
        !matches!(self.rule(), Rule::Solar(..))
    }

    fn rule(self) -> Rule {
        match self {
            Festival::NewYear => Rule::Solar(1, 1),
            Festival::WomensDay => Rule::Solar(3, 8),
            Festival::LabourDay => Rule::Solar(5, 1),
            Festival::TeachersDay => Rule::Solar(9, 10),
            Festival::NationalDay => Rule::Solar(10, 1),
            Festival::SpringFestivalEve => Rule::SpringEve,
            Festival::SpringFestival => Rule::Lunar(1, 1),
            Festival::Lantern => Rule::Lunar(1, 15),
            Festival::DragonBoat => Rule::Lunar(5, 5),
            Festival::Qixi => Rule::Lunar(7, 7),
            Festival::MidAutumn => Rule::Lunar(8, 15),
            Festival::DoubleNinth => Rule::Lunar(9, 9),
            Festival::Laba => Rule::Lunar(12, 8),
            Festival::Qingming => Rule::Qingming,
        }
    }

    /// Its days in Gregorian year `year`, in order (usually one).
    pub fn dates_in(self, year: i32) -> Result<Vec<NaiveDate>, CalendarError> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| CalendarError::InvalidDate(year.to_string()))?;
        let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| CalendarError::InvalidDate(year.to_string()))?;
        Ok(match self.rule() {
            Rule::Solar(m, d) => NaiveDate::from_ymd_opt(year, m, d).into_iter().collect(),
            Rule::Lunar(m, d) => LunarMonthDay { month: m, leap: false, day: d }
                .occurrences(first, last, &Policy::default())?
                .into_iter()
                .map(|r| r.date)
                .collect(),
            Rule::SpringEve => {
                let new_year = LunarDate::new(year, 1, false, 1)?.to_solar();
                new_year.pred_opt().into_iter().filter(|d| d.year() == year).collect()
            }
            Rule::Qingming => vec![qingming(year)?],
        })
    }
}

/// 清明 of a Gregorian year, from tyme4rs's solar terms (cached).
fn qingming(year: i32) -> Result<NaiveDate, CalendarError> {
    use super::lunar::{FIRST_YEAR, LAST_YEAR};
    static DATES: OnceLock<Vec<NaiveDate>> = OnceLock::new();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::OutOfRange { what: format!("清明 {year}"), first: FIRST_YEAR, last: LAST_YEAR });
    }
    let dates = DATES.get_or_init(|| {
        (FIRST_YEAR..=LAST_YEAR)
            .map(|y| {
                let d = tyme4rs::tyme::solar::SolarTerm::from_name(y as isize, "清明").get_solar_day();
                NaiveDate::from_ymd_opt(d.get_year() as i32, d.get_month() as u32, d.get_day() as u32)
                    .unwrap_or_default()
            })
            .collect()
    });
    Ok(dates[(year - FIRST_YEAR) as usize])
}

/// Every festival day between `from` and `to`, inclusive, in date order.
pub fn between(from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, Festival)>, CalendarError> {
    let mut out = Vec::new();
    for year in from.year()..=to.year() {
        for f in Festival::ALL {
            for d in f.dates_in(year)? {
                if d >= from && d <= to {
                    out.push((d, f));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The festivals on one day.
pub fn on(date: NaiveDate) -> Result<Vec<Festival>, CalendarError> {
    Ok(between(date, date)?.into_iter().map(|(_, f)| f).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_2026_festivals() {
        let expect = [
            (Festival::NewYear, d(2026, 1, 1)),
            (Festival::SpringFestivalEve, d(2026, 2, 16)),
            (Festival::SpringFestival, d(2026, 2, 17)),
            (Festival::Lantern, d(2026, 3, 3)),
            (Festival::WomensDay, d(2026, 3, 8)),
            (Festival::Qingming, d(2026, 4, 5)),
            (Festival::LabourDay, d(2026, 5, 1)),
            (Festival::DragonBoat, d(2026, 6, 19)),
            (Festival::Qixi, d(2026, 8, 19)),
            (Festival::TeachersDay, d(2026, 9, 10)),
            (Festival::MidAutumn, d(2026, 9, 25)),
            (Festival::NationalDay, d(2026, 10, 1)),
            (Festival::DoubleNinth, d(2026, 10, 18)),
            (Festival::Laba, d(2026, 1, 26)),
        ];
        for (f, date) in expect {
            assert_eq!(f.dates_in(2026).unwrap(), vec![date], "{}", f.label(true));
        }
    }

    #[test]
    fn the_eve_is_the_29th_when_the_twelfth_month_is_short() {
        // Lunar 2025's 腊月 has 29 days, so 除夕 2026 is 腊月二十九.
        let eve = Festival::SpringFestivalEve.dates_in(2026).unwrap()[0];
        assert_eq!(LunarDate::from_solar(eve).unwrap(), LunarDate::new(2025, 12, false, 29).unwrap());
        // …and the 30th when it is long (2025: 28 January = 腊月三十 of lunar 2024).
        let eve = Festival::SpringFestivalEve.dates_in(2025).unwrap()[0];
        assert_eq!(LunarDate::from_solar(eve).unwrap().day, 29, "lunar 2024's 腊月 is short too");
        assert_eq!(eve, d(2025, 1, 28));
    }

    #[test]
    fn qingming_moves_between_the_4th_and_5th() {
        assert_eq!(Festival::Qingming.dates_in(2024).unwrap(), vec![d(2024, 4, 4)]);
        assert_eq!(Festival::Qingming.dates_in(2025).unwrap(), vec![d(2025, 4, 4)]);
        assert_eq!(Festival::Qingming.dates_in(2026).unwrap(), vec![d(2026, 4, 5)]);
    }

    #[test]
    fn laba_can_fall_twice_in_a_year() {
        assert_eq!(Festival::Laba.dates_in(2022).unwrap(), vec![d(2022, 1, 10), d(2022, 12, 30)]);
    }

    #[test]
    fn festivals_on_a_day_and_between_days() {
        assert_eq!(on(d(2026, 9, 25)).unwrap(), vec![Festival::MidAutumn]);
        assert!(on(d(2026, 9, 24)).unwrap().is_empty());
        let autumn = between(d(2026, 9, 1), d(2026, 10, 31)).unwrap();
        let names: Vec<&str> = autumn.iter().map(|(_, f)| f.label(true)).collect();
        assert_eq!(names, ["教师节", "中秋节", "国庆节", "重阳节"]);
    }

    #[test]
    fn festivals_parse_from_ids_and_names() {
        assert_eq!(Festival::parse("mid_autumn"), Some(Festival::MidAutumn));
        assert_eq!(Festival::parse("端午节"), Some(Festival::DragonBoat));
        assert_eq!(Festival::parse("lantern festival"), Some(Festival::Lantern));
        assert_eq!(Festival::parse("圣诞节"), None);
    }
}
