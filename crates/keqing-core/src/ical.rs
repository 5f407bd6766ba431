//! iCalendar (RFC 5545) for the agenda feed phone calendars subscribe to:
//! all-day events with an alarm, written by hand (the format is small; the
//! two details that matter are escaping and folding lines at 75 octets
//! without splitting a UTF-8 character).

use chrono::{DateTime, NaiveDate, Utc};

/// One all-day event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable id (the agenda key), so a calendar updates rather than duplicates.
    pub uid: String,
    /// The day.
    pub date: NaiveDate,
    /// Title.
    pub summary: String,
    /// Details.
    pub description: String,
    /// Remind this many days before the day, at 09:00 (0: that morning).
    pub alarm_days_before: Option<u16>,
}

/// Escapes a text value (`\`, `;`, `,`, newlines).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets on character boundaries.
fn line(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A calendar named `name` holding `events`, stamped `now`.
pub fn calendar(name: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Keqing//Agenda//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-PUBLISHED-TTL:PT1H");
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}@keqing", escape(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART;VALUE=DATE:{}", e.date.format("%Y%m%d")));
        line(&mut out, &format!("DTEND;VALUE=DATE:{}", e.date.succ_opt().unwrap_or(e.date).format("%Y%m%d")));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        line(&mut out, "TRANSP:TRANSPARENT");
        if let Some(days) = e.alarm_days_before {
            // At 09:00: `days` days before midnight of the day, plus 9 hours.
            let hours = i64::from(days) * 24 - 9;
            let trigger = if hours > 0 { format!("-PT{hours}H") } else { format!("PT{}H", -hours) };
            line(&mut out, "BEGIN:VALARM");
            line(&mut out, "ACTION:DISPLAY");
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.summary)));
            line(&mut out, &format!("TRIGGER;RELATED=START:{trigger}"));
            line(&mut out, "END:VALARM");
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(summary: &str, days: Option<u16>) -> Event {
        Event {
            uid: "bday:p1:2026-09-25".into(),
            date: NaiveDate::from_ymd_opt(2026, 9, 25).unwrap(),
            summary: summary.into(),
            description: "农历八月十五, 56岁; 准备礼品".into(),
            alarm_days_before: days,
        }
    }

    #[test]
    fn an_all_day_event_with_an_alarm_a_week_ahead_at_nine() {
        let now = DateTime::parse_from_rfc3339("2026-09-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let ics = calendar("张伟的客情日程", &[event("生日：李建华", Some(7))], now);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20260925\r\nDTEND;VALUE=DATE:20260926\r\n"));
        assert!(ics.contains("\r\nTRIGGER;RELATED=START:-PT159H\r\n"), "{ics}");
        assert!(ics.contains("DESCRIPTION:农历八月十五\\, 56岁\\; 准备礼品"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        let same_day = calendar("x", &[event("拜访", Some(0))], now);
        assert!(same_day.contains("TRIGGER;RELATED=START:PT9H"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let long = "客".repeat(60);
        let ics = calendar("x", &[event(&long, None)], Utc::now());
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}")));
    }
}
