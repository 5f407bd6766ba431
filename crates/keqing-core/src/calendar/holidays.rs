//! The statutory holiday table as data: the CSV format of the bundled
//! `data/holidays/cn.csv` and of yearly imports.
//!
//! ```text
//! year,date,kind,name
//! 2026,2026-10-10,work,国庆节（调休上班）
//! ```
//!
//! `year` is the notice's year (元旦 may begin on 31 December of the year
//! before); it may be left out (`date,kind,name`), and is then the date's
//! year. `kind` is `off` (放假, 休) or `work` (调休上班, 班). Lines starting with
//! `#` are comments. Parsing reports every bad row at once — row, column,
//! value and reason — and accepts nothing if any row is bad.

use crate::validate::Problem;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The holiday table bundled with Keqing (2020–2026, State Council notices).
pub const BUNDLED_CSV: &str = include_str!("../../../../data/holidays/cn.csv");

/// Whether a listed day is a day off or a make-up working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 放假: a statutory holiday (or a day joined to one).
    Off,
    /// 调休上班: a weekend day worked to make up for a holiday.
    Work,
}

impl DayKind {
    /// `off` or `work`.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Off => "off",
            DayKind::Work => "work",
        }
    }

    /// Parses `off`/`work` or the Chinese words people write.
    pub fn parse(text: &str) -> Option<DayKind> {
        match text.trim() {
            "off" | "休" | "放假" | "假" | "holiday" => Some(DayKind::Off),
            "work" | "班" | "上班" | "调休上班" | "补班" | "workday" => Some(DayKind::Work),
            _ => None,
        }
    }
}

/// One day of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayDay {
    /// The notice's year.
    pub year: i32,
    /// The day.
    pub date: NaiveDate,
    /// Off or work.
    pub kind: DayKind,
    /// The holiday's name (春节, 国庆节（调休上班）…).
    pub name: String,
}

/// A bad row of a holiday file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Line number in the file (1-based).
    pub row: usize,
    /// Column name.
    pub column: &'static str,
    /// The value found.
    pub value: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Whether `date` may belong to the notice of `year`: its own year, or the
/// last week of the year before (元旦 can start on 30 or 31 December).
pub fn belongs_to_notice(date: NaiveDate, year: i32) -> bool {
    date.year() == year || (date.year() == year - 1 && date.month() == 12 && date.day() >= 25)
}

/// Parses a holiday file. With `only_year`, every row must belong to that
/// year's notice.
pub fn parse_csv(text: &str, only_year: Option<i32>) -> Result<Vec<HolidayDay>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut columns: Option<Vec<String>> = None;
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let row = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<String> = line.split(',').map(|c| c.trim().trim_matches('"').trim().to_owned()).collect();
        if columns.is_none() {
            let lower: Vec<String> = cells.iter().map(|c| c.to_ascii_lowercase()).collect();
            if lower.iter().any(|c| c == "date" || c == "日期") {
                columns = Some(lower);
                continue;
            }
            columns = Some(if cells.len() >= 4 {
                vec!["year".into(), "date".into(), "kind".into(), "name".into()]
            } else {
                vec!["date".into(), "kind".into(), "name".into()]
            });
        }
        let cols = columns.as_deref().unwrap_or_default();
        let get = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str())).and_then(|i| cells.get(i));
        let mut bad = |column: &'static str, value: &str, problem: Problem| {
            errors.push(RowError { row, column, value: value.to_owned(), problem })
        };
        let date_text = get(&["date", "日期"]).cloned().unwrap_or_default();
        let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&date_text, "%Y/%m/%d"))
            .ok();
        if date.is_none() {
            bad("date", &date_text, Problem::Invalid { expected: "date" });
        }
        let kind_text = get(&["kind", "类型"]).cloned().unwrap_or_default();
        let kind = DayKind::parse(&kind_text);
        if kind.is_none() {
            bad("kind", &kind_text, Problem::NotOneOf { allowed: vec!["off".into(), "work".into()] });
        }
        let name = get(&["name", "名称"]).cloned().unwrap_or_default();
        if name.is_empty() {
            bad("name", &name, Problem::Required);
        } else if name.chars().count() > 50 || name.chars().any(char::is_control) {
            bad("name", &name, Problem::TooLong { max: 50 });
        }
        let has_year_column = get(&["year", "年份"]).is_some();
        let year = match get(&["year", "年份"]) {
            Some(y) => match y.parse::<i32>() {
                Ok(y) => Some(y),
                Err(_) => {
                    bad("year", y, Problem::Invalid { expected: "year" });
                    None
                }
            },
            None => date.map(|d| d.year()),
        };
        let (Some(date), Some(kind), Some(year)) = (date, kind, year) else { continue };
        if !belongs_to_notice(date, year) {
            bad("date", &date_text, Problem::Rule { rule: "not_in_notice" });
            continue;
        }
        if let Some(only) = only_year
            && year != only
        {
            // Without a year column the date carries the year: name the date.
            if has_year_column {
                bad("year", &year.to_string(), Problem::Rule { rule: "wrong_year" });
            } else {
                bad("date", &date_text, Problem::Rule { rule: "wrong_year" });
            }
            continue;
        }
        if !seen.insert(date) {
            bad("date", &date_text, Problem::Rule { rule: "duplicate_row" });
            continue;
        }
        if name.is_empty() || name.chars().count() > 50 {
            continue;
        }
        out.push(HolidayDay { year, date, kind, name });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The year a holiday file is for, from its first readable row (a `year`
/// cell, else a date), even when other rows are bad.
pub fn guess_year(text: &str) -> Option<i32> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(|l| {
            l.split(',').map(|c| c.trim().trim_matches('"').to_owned()).collect::<Vec<_>>().into_iter().take(2)
        })
        .find_map(|cell| {
            NaiveDate::parse_from_str(&cell, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&cell, "%Y/%m/%d"))
                .map(|d| d.year())
                .ok()
                .or_else(|| cell.parse::<i32>().ok().filter(|y| (1901..=2099).contains(y)))
        })
}

/// Writes days in the file format.
pub fn to_csv(days: &[HolidayDay]) -> String {
    let mut s = String::from("year,date,kind,name\n");
    for d in days {
        s.push_str(&format!("{},{},{},{}\n", d.year, d.date, d.kind.as_str(), d.name));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_parses_and_covers_2020_to_2026() {
        let days = parse_csv(BUNDLED_CSV, None).unwrap();
        let years: BTreeSet<i32> = days.iter().map(|d| d.year).collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), (2020..=2026).collect::<Vec<_>>());
        // Make-up working days fall on weekends, days off are spread over all weekdays.
        use chrono::Weekday;
        for d in days.iter().filter(|d| d.kind == DayKind::Work) {
            assert!(matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun), "{d:?}");
        }
    }

    #[test]
    fn the_2026_notice_is_transcribed_exactly() {
        let days: Vec<HolidayDay> =
            parse_csv(BUNDLED_CSV, None).unwrap().into_iter().filter(|d| d.year == 2026).collect();
        let off: Vec<String> =
            days.iter().filter(|d| d.kind == DayKind::Off).map(|d| d.date.format("%-m/%-d").to_string()).collect();
        let work: Vec<String> =
            days.iter().filter(|d| d.kind == DayKind::Work).map(|d| d.date.format("%-m/%-d").to_string()).collect();
        let expected_off = [
            "1/1", "1/2", "1/3", "2/15", "2/16", "2/17", "2/18", "2/19", "2/20", "2/21", "2/22", "2/23", "4/4", "4/5",
            "4/6", "5/1", "5/2", "5/3", "5/4", "5/5", "6/19", "6/20", "6/21", "9/25", "9/26", "9/27", "10/1", "10/2",
            "10/3", "10/4", "10/5", "10/6", "10/7",
        ];
        assert_eq!(off, expected_off);
        assert_eq!(work, ["1/4", "2/14", "2/28", "5/9", "9/20", "10/10"]);
    }

    /// Our table, transcribed from the notices, against tyme4rs's
    /// independently maintained data. Known, explained differences only.
    #[test]
    fn bundled_holidays_agree_with_tyme4rs() {
        use tyme4rs::tyme::holiday::LegalHoliday;
        let ours = parse_csv(BUNDLED_CSV, None).unwrap();
        let mut differences = Vec::new();
        for year in 2020..=2026 {
            let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            for offset in 0..366 {
                let date = first + chrono::Days::new(offset);
                if date.year() != year {
                    break;
                }
                let theirs = LegalHoliday::from_ymd(year as isize, date.month() as usize, date.day() as usize)
                    .map(|h| if h.is_work() { DayKind::Work } else { DayKind::Off });
                let mine = ours.iter().find(|d| d.date == date).map(|d| d.kind);
                if theirs != mine {
                    differences.push(format!("{date}: ours {mine:?}, tyme4rs {theirs:?}"));
                }
            }
        }
        // The 2020 Spring Festival was extended to 2 February by the State
        // Council's notice of 26 January 2020 (国办发明电〔2020〕1号); the
        // original make-up day 1 February was dropped with it.
        let explained = ["2020-01-31", "2020-02-01", "2020-02-02"];
        differences.retain(|d| !explained.iter().any(|e| d.starts_with(e)));
        assert!(differences.is_empty(), "unexplained differences:\n{}", differences.join("\n"));
    }

    #[test]
    fn every_bad_row_is_reported_with_row_column_value_and_reason() {
        let text = "year,date,kind,name\n2027,2027-02-30,off,春节\n2027,2027-10-01,rest,国庆节\n2027,2027-10-02,off,\n2027,2027-10-01,off,国庆节\n2027,2027-10-01,off,国庆节\n2027,2028-05-01,off,劳动节\n";
        let errors = parse_csv(text, Some(2027)).unwrap_err();
        let summary: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column)).collect();
        assert_eq!(summary, [(2, "date"), (3, "kind"), (4, "name"), (6, "date"), (7, "date")]);
        assert_eq!(errors[0].value, "2027-02-30");
        assert_eq!(errors[3].problem, Problem::Rule { rule: "duplicate_row" });
    }

    #[test]
    fn a_year_file_without_the_year_column_and_with_chinese_kinds_parses() {
        let text = "\u{feff}日期,类型,名称\n2027/1/1,休,元旦\n2027-02-06,班,春节（调休上班）\n";
        let days = parse_csv(text, Some(2027)).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[1].kind, DayKind::Work);
        assert!(parse_csv("2028,2028-01-01,off,元旦\n", Some(2027)).is_err());
        let round = parse_csv(&to_csv(&days), Some(2027)).unwrap();
        assert_eq!(round, days);
    }

    #[test]
    fn the_year_of_a_file_is_read_from_its_first_readable_row() {
        assert_eq!(guess_year("# notice\ndate,kind,name\n2027-13-01,off,x\n2027-01-01,off,元旦\n"), Some(2027));
        assert_eq!(guess_year("year,date,kind,name\n2023,2022-12-31,off,元旦\n"), Some(2023));
        assert_eq!(guess_year("date,kind,name\n"), None);
    }

    #[test]
    fn new_year_may_start_in_late_december() {
        let days = parse_csv("2023,2022-12-31,off,元旦\n", Some(2023)).unwrap();
        assert_eq!(days[0].year, 2023);
        assert!(parse_csv("2023,2022-11-30,off,元旦\n", Some(2023)).is_err());
    }
}
