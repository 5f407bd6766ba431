//! The company's clock: calendar days in filters and exports are days in
//! the company's time zone (Asia/Shanghai unless configured otherwise).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Midnight at the start of `d` in `zone`, as a UTC instant.
pub fn day_start(d: NaiveDate, zone: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| midnight.and_utc())
}

/// An instant on the company's clock.
pub fn local(t: DateTime<Utc>, zone: Tz) -> DateTime<Tz> {
    t.with_timezone(&zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_china_day_starts_at_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(day_start(d, chrono_tz::Asia::Shanghai).to_rfc3339(), "2026-09-30T16:00:00+00:00");
    }
}
