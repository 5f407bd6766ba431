//! Search keys: what a name is found by.
//!
//! A rep types "张三", "zhangsan", "zs", part of a phone number, a WeChat id
//! or a shop's name into one box. Keqing keeps, per record, a lower-case
//! search text holding the name, its pinyin without spaces, its initials,
//! every digit sequence of its phones, its WeChat id, and its organisations'
//! names with their pinyin — and matches the query as a substring of it.
//!
//! Polyphonic characters: a surname is read as a surname (曾 is zēng, 单 is
//! shàn, 解 is xiè), and every other reading of the first character is added
//! too, so "cengwei" still finds 曾伟 for whoever types it that way.

use pinyin::{ToPinyin, ToPinyinMulti};

/// Surnames read differently from the character's most common reading.
const SURNAMES: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('种', "chong"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('覃', "qin"),
    ('召', "shao"),
    ('柏', "bai"),
    ('秘', "bi"),
    ('员', "yun"),
    ('沈', "shen"),
    ('长', "chang"),
    ('尉', "yu"),
    ('万', "wan"),
    ('重', "chong"),
    ('繁', "po"),
];

/// The pinyin of a name as one lower-case word ("zhangsan"), the surname
/// read as a surname; characters without pinyin (latin, digits) are kept.
pub fn pinyin(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    for (i, ch) in name.chars().enumerate() {
        if let Some(reading) = SURNAMES.iter().find(|(c, _)| i == 0 && *c == ch).map(|(_, r)| *r) {
            out.push_str(reading);
        } else if let Some(p) = ch.to_pinyin() {
            out.push_str(p.plain());
        } else if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        }
    }
    out
}

/// The initials ("zs" for 张三).
pub fn initials(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if let Some(reading) = SURNAMES.iter().find(|(c, _)| i == 0 && *c == ch).map(|(_, r)| *r) {
            out.push_str(&reading[..1]);
        } else if let Some(p) = ch.to_pinyin() {
            out.push_str(p.first_letter());
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// Other readings of the first character, each followed by the rest of the
/// name's pinyin ("cengwei" for 曾伟).
fn first_char_variants(name: &str) -> Vec<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return Vec::new() };
    let rest: String = chars.collect();
    let rest_pinyin = pinyin(&rest);
    let main = pinyin(&first.to_string());
    let mut out = Vec::new();
    if let Some(multi) = first.to_pinyin_multi() {
        for i in 0..multi.count() {
            let reading = multi.get(i).plain();
            if reading != main && !out.iter().any(|o: &String| o.starts_with(reading)) {
                out.push(format!("{reading}{rest_pinyin}"));
            }
        }
    }
    out
}

/// The text a record is found by. `names` are matched with their pinyin and
/// initials; `plain` values (phones, WeChat id, e-mail) as written and, for
/// phones, as digits only.
pub fn search_text(names: &[&str], plain: &[&str]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        parts.push(n.to_lowercase());
        parts.push(pinyin(n));
        parts.push(initials(n));
        parts.extend(first_char_variants(n));
    }
    for p in plain.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        parts.push(p.to_lowercase());
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3 && digits != *p {
            parts.push(digits);
        }
    }
    // A separator no query contains keeps matches inside one part.
    parts.join("\u{1f}")
}

/// A query as matched against [`search_text`]: lower-case, and without
/// spaces or dashes when it looks like a phone number or pinyin.
pub fn normalise_query(q: &str) -> String {
    let q = q.trim().to_lowercase();
    let phoneish = q.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    let latin = q.chars().all(|c| c.is_ascii_alphabetic() || c == ' ');
    if phoneish || latin { q.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(text: &str, q: &str) -> bool {
        text.contains(&normalise_query(q))
    }

    #[test]
    fn names_by_hanzi_full_pinyin_and_initials() {
        let t = search_text(&["张三"], &[]);
        for q in ["张三", "张", "zhangsan", "ZhangSan", "zhang san", "zs", "zhang"] {
            assert!(finds(&t, q), "{q}");
        }
        assert!(!finds(&t, "lisi"));
    }

    #[test]
    fn surnames_are_read_as_surnames_and_other_readings_still_match() {
        assert_eq!(pinyin("曾伟"), "zengwei");
        assert_eq!(pinyin("单田芳"), "shantianfang");
        assert_eq!(initials("解晓东"), "xxd");
        let t = search_text(&["曾伟"], &[]);
        assert!(finds(&t, "zengwei") && finds(&t, "cengwei") && finds(&t, "zw"));
        assert_eq!(pinyin("欧阳娜娜"), "ouyangnana");
    }

    #[test]
    fn phones_by_any_part_and_wechat_ids() {
        let t = search_text(&["李建华"], &["138-1234-5678", "wx_lijh88", "0871-63123456"]);
        for q in ["1234", "138 1234", "5678", "63123456", "0871-6312", "wx_lijh", "lijianhua"] {
            assert!(finds(&t, q), "{q}");
        }
    }

    #[test]
    fn latin_and_digits_in_names_are_kept() {
        assert_eq!(pinyin("7-11便利店"), "711bianlidian");
        assert_eq!(initials("KA卖场A"), "kamca");
    }
}
