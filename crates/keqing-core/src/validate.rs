//! Parsing user input into valid values ("parse, don't validate").
//!
//! A parser returns either the clean value or a [`Problem`] that says what
//! is wrong in terms a person can act on; [`FieldErrors`] collects them per
//! field so a form or an API client sees every mistake at once. Messages are
//! worded by the web layer in the reader's language; the problem itself is
//! language-neutral.
//!
//! Length limits count characters, not bytes: "王小明" is 3 long.

use serde::Serialize;
use std::fmt;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The value is missing or blank.
    Required,
    /// Longer than `max` characters.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Shorter than `min` characters.
    TooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// Contains control characters (or a NUL byte).
    ControlCharacters,
    /// Not a well-formed value of the expected kind.
    Invalid {
        /// What was expected: `phone`, `email`, `username`, `date`, …
        expected: &'static str,
    },
    /// A number outside the allowed range.
    OutOfRange {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// Not one of the allowed values.
    NotOneOf {
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// Already taken by another record (e.g. a username).
    Taken,
    /// Refers to a record that does not exist or is out of reach.
    UnknownReference,
    /// A rule specific to the field; `rule` names it for the message.
    Rule {
        /// Stable rule identifier, e.g. `password_equals_username`.
        rule: &'static str,
    },
    /// A name (a template's field) that is not one of the known ones.
    UnknownName {
        /// The name found.
        name: String,
        /// The names allowed.
        allowed: Vec<String>,
    },
    /// An amount over a limit: the limit and what is left under it (fen).
    OverLimit {
        /// Stable rule identifier, e.g. `advance_limit`.
        rule: &'static str,
        /// The limit, in fen.
        limit_fen: i64,
        /// What may still be added without passing it, in fen.
        remaining_fen: i64,
    },
    /// A rule broken because of a day the system knows (a contract signed on
    /// `date`).
    SinceDate {
        /// Stable rule identifier, e.g. `after_contract`.
        rule: &'static str,
        /// The day.
        date: chrono::NaiveDate,
    },
    /// A cell of an imported file: the value found and what is wrong with it.
    InRow {
        /// The cell's text.
        value: String,
        /// What is wrong.
        problem: Box<Problem>,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => f.write_str("is required"),
            Problem::TooLong { max } => write!(f, "is longer than {max} characters"),
            Problem::TooShort { min } => write!(f, "is shorter than {min} characters"),
            Problem::ControlCharacters => f.write_str("contains control characters"),
            Problem::Invalid { expected } => write!(f, "is not a valid {expected}"),
            Problem::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Problem::NotOneOf { allowed } => write!(f, "must be one of {}", allowed.join(", ")),
            Problem::Taken => f.write_str("is already taken"),
            Problem::UnknownReference => f.write_str("refers to a record that does not exist"),
            Problem::Rule { rule } => write!(f, "breaks the rule {rule}"),
            Problem::UnknownName { name, allowed } => {
                write!(f, "names {name:?}, which is not one of {}", allowed.join(", "))
            }
            Problem::OverLimit { rule, limit_fen, remaining_fen } => {
                write!(f, "breaks the rule {rule} (limit {limit_fen} fen, {remaining_fen} fen left)")
            }
            Problem::SinceDate { rule, date } => write!(f, "breaks the rule {rule} ({date})"),
            Problem::InRow { value, problem } => write!(f, "{value:?} {problem}"),
        }
    }
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, as named in the API (`phone`, `roles[1]`).
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Every problem found in one input, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// A single problem.
    pub fn one(field: impl Into<String>, problem: Problem) -> Self {
        FieldErrors(vec![FieldError { field: field.into(), problem }])
    }

    /// Records a problem.
    pub fn push(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.push(FieldError { field: field.into(), problem });
    }

    /// Keeps the value of `result`, recording its problem under `field`.
    pub fn take<T>(&mut self, field: &str, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(p) => {
                self.push(field, p);
                None
            }
        }
    }

    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problem recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.problem)
    }

    /// `Ok(value)` when nothing was recorded, else the errors.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} {}", e.field, e.problem)?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

fn has_control(s: &str, multiline: bool) -> bool {
    s.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn required_line(value: &str, max: usize) -> Result<String, Problem> {
    optional_line(value, max)?.ok_or(Problem::Required)
}

/// An optional single-line text: blank becomes `None`.
pub fn optional_line(value: &str, max: usize) -> Result<Option<String>, Problem> {
    optional_text(value, max, false)
}

/// An optional multi-line text (notes): blank becomes `None`.
pub fn optional_notes(value: &str, max: usize) -> Result<Option<String>, Problem> {
    optional_text(value, max, true)
}

fn optional_text(value: &str, max: usize, multiline: bool) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if has_control(v, multiline) {
        return Err(Problem::ControlCharacters);
    }
    if v.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    Ok(Some(v.replace("\r\n", "\n")))
}

/// Limits on free text, documented in `docs/api.md`.
pub mod limits {
    /// Names of people, organisations, teams.
    pub const NAME: usize = 100;
    /// Display names of users.
    pub const DISPLAY_NAME: usize = 50;
    /// Addresses.
    pub const ADDRESS: usize = 200;
    /// Free notes.
    pub const NOTES: usize = 10_000;
    /// Short labels (positions, tags, token names).
    pub const LABEL: usize = 50;
    /// E-mail addresses (RFC 5321).
    pub const EMAIL: usize = 254;
}

/// A login name: 2–32 of `a-z 0-9 . _ -`, starting with a letter or digit,
/// case-folded so `ZhangWei` and `zhangwei` are one account.
pub fn username(value: &str) -> Result<String, Problem> {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() {
        return Err(Problem::Required);
    }
    let ok_first = v.starts_with(|c: char| c.is_ascii_alphanumeric());
    let ok_rest = v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(ok_first && ok_rest) {
        return Err(Problem::Invalid { expected: "username" });
    }
    if v.len() > 32 {
        return Err(Problem::TooLong { max: 32 });
    }
    if v.len() < 2 {
        return Err(Problem::TooShort { min: 2 });
    }
    Ok(v)
}

/// A new password: 10–128 characters, not the username, not one repeated
/// character. (Length beats composition rules: NIST SP 800-63B.)
pub fn new_password(value: &str, username: &str) -> Result<String, Problem> {
    let n = value.chars().count();
    if n == 0 {
        return Err(Problem::Required);
    }
    if n < 10 {
        return Err(Problem::TooShort { min: 10 });
    }
    if n > 128 {
        return Err(Problem::TooLong { max: 128 });
    }
    if value.eq_ignore_ascii_case(username) {
        return Err(Problem::Rule { rule: "password_equals_username" });
    }
    let mut chars = value.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(Problem::Rule { rule: "password_one_character" });
    }
    Ok(value.to_owned())
}

/// An e-mail address, shape-checked only (the mail server is the judge).
pub fn email(value: &str) -> Result<Option<String>, Problem> {
    let Some(v) = optional_line(value, limits::EMAIL)? else { return Ok(None) };
    let mut parts = v.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let valid = parts.next().is_none()
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace);
    if valid { Ok(Some(v)) } else { Err(Problem::Invalid { expected: "email" }) }
}

/// A Chinese phone number, normalised: mobiles as 11 digits
/// (`13812345678`), landlines with their area code (`0871-63123456`, `010-…`
/// and `02x-…` have 3-digit codes), service numbers as `400-810-8888`.
/// Accepts spaces, dashes, dots, parentheses and a `+86`/`0086` prefix.
pub fn phone(value: &str) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > 30 {
        return Err(Problem::TooLong { max: 30 });
    }
    let invalid = Problem::Invalid { expected: "phone" };
    let mut digits = String::with_capacity(16);
    for (i, c) in v.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '（' | '）' => {}
            '+' if i == 0 => {}
            _ => return Err(invalid),
        }
    }
    let had_plus = v.starts_with('+');
    let national = if had_plus {
        digits.strip_prefix("86").ok_or(invalid.clone())?.to_owned()
    } else if let Some(rest) = digits.strip_prefix("0086") {
        rest.to_owned()
    } else {
        digits
    };
    // After an international prefix a landline loses its trunk zero.
    let national = if (had_plus || v.starts_with("0086")) && !national.starts_with('1') {
        format!("0{national}")
    } else {
        national
    };
    let b = national.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
        return Ok(Some(national));
    }
    if b.len() == 10 && (national.starts_with("400") || national.starts_with("800")) {
        return Ok(Some(format!("{}-{}-{}", &national[..3], &national[3..6], &national[6..])));
    }
    if b.first() == Some(&b'0') && (10..=12).contains(&b.len()) {
        let area = if national.starts_with("01") || national.starts_with("02") { 3 } else { 4 };
        return Ok(Some(format!("{}-{}", &national[..area], &national[area..])));
    }
    Err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_blank_is_none() {
        assert_eq!(optional_line("  王小明 ", 10), Ok(Some("王小明".into())));
        assert_eq!(optional_line("   ", 10), Ok(None));
        assert_eq!(required_line(" ", 10), Err(Problem::Required));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(required_line("云南省昆明市", 6).is_ok());
        assert_eq!(required_line("云南省昆明市五", 6), Err(Problem::TooLong { max: 6 }));
    }

    #[test]
    fn control_characters_are_refused_except_newlines_in_notes() {
        assert_eq!(optional_line("a\u{0}b", 10), Err(Problem::ControlCharacters));
        assert_eq!(optional_line("a\nb", 10), Err(Problem::ControlCharacters));
        assert_eq!(optional_notes("a\r\nb", 10), Ok(Some("a\nb".into())));
    }

    #[test]
    fn usernames_are_case_folded_and_restricted() {
        assert_eq!(username("ZhangWei"), Ok("zhangwei".into()));
        assert_eq!(username("li.na-2"), Ok("li.na-2".into()));
        assert_eq!(username("张伟"), Err(Problem::Invalid { expected: "username" }));
        assert_eq!(username("张"), Err(Problem::Invalid { expected: "username" }));
        assert_eq!(username("-x"), Err(Problem::Invalid { expected: "username" }));
        assert_eq!(username("a"), Err(Problem::TooShort { min: 2 }));
    }

    #[test]
    fn passwords_need_length_and_may_not_be_the_username() {
        assert!(new_password("correct horse", "zhangwei").is_ok());
        assert_eq!(new_password("short", "x"), Err(Problem::TooShort { min: 10 }));
        assert!(matches!(new_password("ZhangWei12", "zhangwei12"), Err(Problem::Rule { .. })));
        assert!(matches!(new_password("aaaaaaaaaaaa", "x"), Err(Problem::Rule { .. })));
    }

    #[test]
    fn phones_are_normalised() {
        let ok = |s: &str, want: &str| assert_eq!(phone(s), Ok(Some(want.to_owned())), "{s}");
        ok("138 1234 5678", "13812345678");
        ok("+86 138-1234-5678", "13812345678");
        ok("0086 13812345678", "13812345678");
        ok("(0871) 6312 3456", "0871-63123456");
        ok("010-88889999", "010-88889999");
        ok("+86 871 63123456", "0871-63123456");
        ok("400 810 8888", "400-810-8888");
        assert_eq!(phone(""), Ok(None));
    }

    #[test]
    fn malformed_phones_are_refused() {
        for bad in ["12345", "1381234567", "23812345678", "138-1234-567x", "+1 415 555 0100", "12812345678"] {
            assert_eq!(phone(bad), Err(Problem::Invalid { expected: "phone" }), "{bad}");
        }
    }

    #[test]
    fn emails_are_shape_checked() {
        assert_eq!(email("li@example.cn"), Ok(Some("li@example.cn".into())));
        assert_eq!(email(""), Ok(None));
        for bad in ["li", "li@", "@x.cn", "li@cn", "l i@x.cn", "a@b@c.cn"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_errors_collect_everything() {
        let mut e = FieldErrors::default();
        assert_eq!(e.take("a", Ok::<_, Problem>(1)), Some(1));
        assert_eq!(e.take::<i32>("b", Err(Problem::Required)), None);
        assert_eq!(e.get("b"), Some(&Problem::Required));
        assert_eq!(e.to_string(), "b is required");
        assert!(e.finish(|| ()).is_err());
    }
}
