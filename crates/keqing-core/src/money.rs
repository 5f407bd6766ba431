//! Money: integer fen (分), never floating point.
//!
//! People type amounts the way they say them: "12,345.67", "¥3000",
//! "1.5万", "2亿元". [`parse_yuan`] reads all of them exactly (decimal
//! arithmetic on the digits, no floats) and refuses anything finer than a
//! fen or larger than Keqing can hold.

use crate::validate::Problem;

/// The largest amount accepted: ¥10,000,000,000,000 (10 trillion yuan).
pub const MAX_FEN: i64 = 1_000_000_000_000_000;

/// Parses an amount in yuan into fen. Blank is `None`.
pub fn parse_yuan(text: &str) -> Result<Option<i64>, Problem> {
    let invalid = Problem::Invalid { expected: "amount" };
    let mut t: String = text.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥')).collect();
    if t.is_empty() {
        return Ok(None);
    }
    if let Some(s) = t.strip_suffix("元") {
        t = s.to_owned();
    }
    let (t, multiplier_digits) = if let Some(s) = t.strip_suffix('万') {
        (s.to_owned(), 4)
    } else if let Some(s) = t.strip_suffix('亿') {
        (s.to_owned(), 8)
    } else {
        (t, 0)
    };
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid);
    }
    // Shift the decimal point: yuan → fen is 2 digits, 万 adds 4, 亿 adds 8.
    let shift = 2 + multiplier_digits;
    if frac_part.len() > shift {
        return Err(Problem::Rule { rule: "finer_than_a_fen" });
    }
    let mut all = String::with_capacity(int_part.len() + shift);
    all.push_str(int_part);
    all.push_str(frac_part);
    all.extend(std::iter::repeat_n('0', shift - frac_part.len()));
    let all = all.trim_start_matches('0');
    if all.len() > 18 {
        return Err(Problem::OutOfRange { min: 0, max: MAX_FEN });
    }
    let fen: i64 = if all.is_empty() { 0 } else { all.parse().map_err(|_| invalid)? };
    if fen > MAX_FEN {
        return Err(Problem::OutOfRange { min: 0, max: MAX_FEN });
    }
    Ok(Some(if negative { -fen } else { fen }))
}

/// Like [`parse_yuan`], refusing negative amounts.
pub fn parse_non_negative_yuan(text: &str) -> Result<Option<i64>, Problem> {
    match parse_yuan(text)? {
        Some(f) if f < 0 => Err(Problem::OutOfRange { min: 0, max: MAX_FEN }),
        other => Ok(other),
    }
}

/// "12,345.67" (no currency sign), exact.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// A short form for lists: "¥1,234" below 10,000 yuan, "¥12.3万", "¥1.2亿".
pub fn format_short(fen: i64) -> String {
    let yuan = fen as f64 / 100.0;
    if yuan.abs() >= 1e8 {
        format!("¥{}亿", format!("{:.1}", yuan / 1e8).trim_end_matches(".0"))
    } else if yuan.abs() >= 1e4 {
        format!("¥{}万", format!("{:.1}", yuan / 1e4).trim_end_matches(".0"))
    } else {
        format!("¥{}", format_yuan(fen).trim_end_matches(".00"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_ways_people_write_amounts() {
        let ok = |s: &str, fen: i64| assert_eq!(parse_yuan(s), Ok(Some(fen)), "{s}");
        ok("12,345.67", 1_234_567);
        ok("¥3000", 300_000);
        ok("3000元", 300_000);
        ok("1.5万", 1_500_000);
        ok("120万元", 120_000_000);
        ok("2亿", 20_000_000_000);
        ok("0.01", 1);
        ok("-5", -500);
        ok("1.23456万", 1_234_560);
        assert_eq!(parse_yuan(" "), Ok(None));
    }

    #[test]
    fn nonsense_and_fractions_of_a_fen_are_refused() {
        for bad in ["abc", "1.2.3", "12a", "万", "--1", "1e5"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_yuan("0.001"), Err(Problem::Rule { rule: "finer_than_a_fen" }));
        assert!(matches!(parse_yuan("99999999999999999999"), Err(Problem::OutOfRange { .. })));
        assert!(parse_non_negative_yuan("-1").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_yuan(1_234_567), "12,345.67");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_short(300_000), "¥3,000");
        assert_eq!(format_short(120_000_000), "¥120万");
        assert_eq!(format_short(123_456_789), "¥123.5万");
        assert_eq!(format_short(20_000_000_000), "¥2亿");
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_is_exact(fen in -MAX_FEN..=MAX_FEN) {
            prop_assert_eq!(parse_yuan(&format_yuan(fen)), Ok(Some(fen)));
        }
    }
}
