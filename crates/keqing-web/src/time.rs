//! The company's clock. Keqing's users are in China (UTC+8, no daylight
//! saving since 1991); calendar days in filters and exports are China days.
//! (The calendar issue makes the zone configurable.)

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// Midnight at the start of `d`, China time, as a UTC instant.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(china()).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// An instant on the China clock.
pub fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&china())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_china_day_starts_at_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(day_start(d).to_rfc3339(), "2026-09-30T16:00:00+00:00");
    }
}
