//! vCard 4.0 (RFC 6350) for phones' address books.
//!
//! Chinese names are split into family and given name (compound surnames
//! such as 欧阳 and 司马 included) so phones sort them right. A Gregorian
//! birthday goes into `BDAY` (`--MMDD` when the year is unknown); a lunar
//! one cannot — vCard's calendar is Gregorian — and goes into `X-LUNAR-BIRTHDAY`
//! and the note, so it is not silently lost.

use crate::model::Birthday;

/// What a card holds.
#[derive(Debug, Clone, Default)]
pub struct Card<'a> {
    /// Full name.
    pub name: &'a str,
    /// Phones (the first is the main one).
    pub phones: Vec<&'a str>,
    /// E-mail.
    pub email: Option<&'a str>,
    /// WeChat id.
    pub wechat: Option<&'a str>,
    /// QQ number.
    pub qq: Option<&'a str>,
    /// Organisation.
    pub organisation: Option<&'a str>,
    /// Position there.
    pub title: Option<&'a str>,
    /// Address (one line).
    pub address: Option<&'a str>,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Note.
    pub note: Option<&'a str>,
    /// A stable id (becomes the card's UID).
    pub uid: String,
}

const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "端木", "独孤", "南宫", "西门", "澹台", "申屠", "太史", "钟离", "闻人", "轩辕",
];

/// (family name, given name).
pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    if name.is_ascii() {
        return match name.rsplit_once(' ') {
            Some((given, family)) => (family.to_owned(), given.to_owned()),
            None => (name.to_owned(), String::new()),
        };
    }
    let n = if COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s)) && name.chars().count() > 2 { 2 } else { 1 };
    let family: String = name.chars().take(n).collect();
    let given: String = name.chars().skip(n).collect();
    (family, given)
}

/// Escapes a text value (RFC 6350 §3.4).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets, never inside a character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// One card.
pub fn card(out: &mut String, c: &Card<'_>) {
    line(out, "BEGIN:VCARD");
    line(out, "VERSION:4.0");
    line(out, &format!("UID:{}", text(&c.uid)));
    line(out, &format!("FN:{}", text(c.name)));
    let (family, given) = split_name(c.name);
    line(out, &format!("N:{};{};;;", text(&family), text(&given)));
    for (i, p) in c.phones.iter().enumerate() {
        let pref = if i == 0 { ";PREF=1" } else { "" };
        let kind = if p.chars().filter(char::is_ascii_digit).count() == 11 && p.trim_start().starts_with('1') {
            "cell"
        } else {
            "work"
        };
        line(out, &format!("TEL;VALUE=uri;TYPE={kind}{pref}:tel:{}", p.replace(' ', "")));
    }
    if let Some(e) = c.email {
        line(out, &format!("EMAIL:{}", text(e)));
    }
    if let Some(w) = c.wechat {
        line(out, &format!("X-WECHAT:{}", text(w)));
    }
    if let Some(q) = c.qq {
        line(out, &format!("X-QQ:{}", text(q)));
    }
    if let Some(o) = c.organisation {
        line(out, &format!("ORG:{}", text(o)));
    }
    if let Some(t) = c.title {
        line(out, &format!("TITLE:{}", text(t)));
    }
    if let Some(a) = c.address {
        line(out, &format!("ADR:;;{};;;;", text(a)));
    }
    let mut note = c.note.map(str::to_owned).unwrap_or_default();
    match c.birthday {
        Some(Birthday::Solar { month, day, year }) => {
            let day = match year {
                Some(y) => format!("{y:04}{month:02}{day:02}"),
                None => format!("--{month:02}{day:02}"),
            };
            line(out, &format!("BDAY:{day}"));
        }
        Some(b @ Birthday::Lunar { .. }) => {
            let words = b.words(true);
            line(out, &format!("X-LUNAR-BIRTHDAY:{}", text(&words)));
            if !note.is_empty() {
                note.push('\n');
            }
            note.push_str(&format!("生日（农历）：{words}"));
        }
        None => {}
    }
    if !note.is_empty() {
        line(out, &format!("NOTE:{}", text(&note)));
    }
    line(out, "END:VCARD");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_with_compound_surnames() {
        assert_eq!(split_name("张三"), ("张".into(), "三".into()));
        assert_eq!(split_name("欧阳浩然"), ("欧阳".into(), "浩然".into()));
        assert_eq!(split_name("欧阳"), ("欧".into(), "阳".into()));
        assert_eq!(split_name("Li Wei"), ("Wei".into(), "Li".into()));
    }

    #[test]
    fn a_card_is_valid_vcard_4_with_folded_lines_and_escapes() {
        let mut out = String::new();
        let note = "爱喝普洱，不喝酒;".repeat(10);
        card(
            &mut out,
            &Card {
                name: "欧阳浩然",
                phones: vec!["138 1234 5678", "0871-63123456"],
                organisation: Some("昆明吉祥商贸有限公司"),
                birthday: Some(Birthday::parse("农历8-15").unwrap().unwrap()),
                note: Some(&note),
                uid: "urn:keqing:person:7".into(),
                ..Default::default()
            },
        );
        assert!(out.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assert!(out.contains("N:欧阳;浩然;;;\r\n"));
        assert!(out.contains("TEL;VALUE=uri;TYPE=cell;PREF=1:tel:13812345678\r\n"));
        assert!(out.contains("TEL;VALUE=uri;TYPE=work:tel:0871-63123456\r\n"));
        assert!(out.contains("X-LUNAR-BIRTHDAY:"));
        assert!(!out.contains("BDAY"));
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains("爱喝普洱，不喝酒\\;"));
        let mut out = String::new();
        card(&mut out, &Card { name: "李四", birthday: Birthday::parse("08-15").unwrap(), ..Default::default() });
        assert!(out.contains("BDAY:--0815\r\n"));
    }
}
