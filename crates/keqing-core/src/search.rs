//! Search keys: what a name is found by.
//!
//! A rep types "张三", "zhangsan", "zs", part of a phone number, a WeChat id
//! or a shop's name into one box. Keqing keeps, per record, lower-case
//! search [`keys`] — the tails of the name, its pinyin from each syllable,
//! its initials, the tails of its phones' digits, its WeChat id — and finds
//! the records with a key that begins with the query. People are also found
//! by their organisations' keys.
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
    name.chars().enumerate().map(|(i, c)| reading(c, i == 0)).collect()
}

/// The initials ("zs" for 张三).
pub fn initials(name: &str) -> String {
    name.chars().enumerate().map(|(i, c)| first_letter(c, i == 0)).collect()
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

/// Longest search key, in characters; longer queries are cut to it too, so
/// a long query still matches by its beginning.
pub const MAX_KEY_CHARS: usize = 48;

/// The keys a record is found by: a query finds the record when it is the
/// beginning of one of them (the store keeps them in an index and looks
/// them up by prefix, so a search never reads the whole table).
///
/// `names` (a person's or a shop's) give every tail of the name from a
/// character or a run of letters or digits (张三丰 → 三丰, 丰: any part of a
/// name), the pinyin from each of those on (zhangsanfeng, sanfeng, feng),
/// the initials (zsf) and the other readings of the first character.
/// `plain` values (phones, WeChat id, QQ, e-mail, tags) give themselves and,
/// for phones, every tail of their digits of [`MIN_PHONE_PART`] digits or
/// more (any part of a phone number: "5678", "1381234").
pub fn keys(names: &[&str], plain: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names.iter().map(|n| n.trim().to_lowercase()).filter(|n| !n.is_empty()) {
        let chars: Vec<char> = n.chars().collect();
        let syllables: Vec<String> = chars.iter().enumerate().map(|(i, c)| reading(*c, i == 0)).collect();
        for i in (0..chars.len()).filter(|&i| starts_word(i.checked_sub(1).map(|p| chars[p]), chars[i])) {
            out.push(chars[i..].iter().collect());
            out.push(syllables[i..].concat());
        }
        out.push(initials(&n));
        out.extend(first_char_variants(&n));
    }
    for p in plain.iter().map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()) {
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        let phone =
            digits.len() >= 3 && p.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
        out.push(p);
        if phone {
            for i in 0..=digits.len().saturating_sub(MIN_PHONE_PART) {
                out.push(digits[i..].to_owned());
            }
        }
    }
    for k in &mut out {
        if let Some((cut, _)) = k.char_indices().nth(MAX_KEY_CHARS) {
            k.truncate(cut);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Shortest part of a phone number that finds it (from its first digit,
/// any length does).
pub const MIN_PHONE_PART: usize = 4;

/// Whether a name's tail may start at `c`: at every Chinese character, and
/// at the first letter or digit of a run of Latin letters or digits
/// ("7-11便利店" → 7…, 11…, 便…, 利…, 店…, not 1…).
fn starts_word(prev: Option<char>, c: char) -> bool {
    let continues =
        |p: char| (p.is_ascii_digit() && c.is_ascii_digit()) || (p.is_ascii_alphabetic() && c.is_ascii_alphabetic());
    c.is_alphanumeric() && !prev.is_some_and(continues)
}

/// The pinyin of one character of a name (the first read as a surname),
/// itself for latin letters and digits, nothing for the rest.
fn reading(ch: char, first: bool) -> String {
    if let Some(r) = SURNAMES.iter().find(|(c, _)| first && *c == ch).map(|(_, r)| *r) {
        r.to_owned()
    } else if let Some(p) = ch.to_pinyin() {
        p.plain().to_owned()
    } else if ch.is_alphanumeric() {
        ch.to_lowercase().collect()
    } else {
        String::new()
    }
}

/// The initial of one character of a name, as [`initials`] takes it.
fn first_letter(ch: char, first: bool) -> String {
    if let Some(r) = SURNAMES.iter().find(|(c, _)| first && *c == ch).map(|(_, r)| *r) {
        r[..1].to_owned()
    } else if let Some(p) = ch.to_pinyin() {
        p.first_letter().to_owned()
    } else if ch.is_ascii_alphanumeric() {
        ch.to_ascii_lowercase().to_string()
    } else {
        String::new()
    }
}

/// The key range a query looks up: keys from `low` (the normalised query)
/// up to, not including, `high`. `None` for a blank query.
pub fn key_range(q: &str) -> Option<(String, String)> {
    let mut low = normalise_query(q);
    if low.is_empty() {
        return None;
    }
    if let Some((cut, _)) = low.char_indices().nth(MAX_KEY_CHARS) {
        low.truncate(cut);
    }
    let high = format!("{low}{}", char::MAX);
    Some((low, high))
}

/// A query as matched against [`keys`]: lower-case, and without
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

    fn finds(keys: &[String], q: &str) -> bool {
        let (low, high) = key_range(q).unwrap();
        keys.iter().any(|k| *k >= low && *k < high)
    }

    #[test]
    fn names_by_hanzi_full_pinyin_and_initials() {
        let t = keys(&["张三"], &[]);
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
        let t = keys(&["曾伟"], &[]);
        assert!(finds(&t, "zengwei") && finds(&t, "cengwei") && finds(&t, "zw"));
        assert_eq!(pinyin("欧阳娜娜"), "ouyangnana");
    }

    #[test]
    fn phones_by_any_part_and_wechat_ids() {
        let t = keys(&["李建华"], &["138-1234-5678", "wx_lijh88", "0871-63123456"]);
        for q in ["1234", "138 1234", "5678", "63123456", "0871-6312", "wx_lijh", "lijianhua"] {
            assert!(finds(&t, q), "{q}");
        }
    }

    #[test]
    fn any_part_of_a_name_from_a_character_or_a_syllable_on() {
        let t = keys(&["欧阳娜娜"], &[]);
        for q in ["阳娜", "娜娜", "yangnana", "nana", "oyn", "oynn", "ouyang na"] {
            assert!(finds(&t, q), "{q}");
        }
        // Inside a syllable is not a beginning.
        for q in ["uyang", "angnana", "阳阳", "z", "ynn"] {
            assert!(!finds(&t, q), "{q}");
        }
        let shop = keys(&["昆明佳佳3号店"], &[]);
        for q in ["佳佳", "kmjj", "jiajia3", "3号店", "kunming", "hao"] {
            assert!(finds(&shop, q), "{q}");
        }
        let numbered = keys(&["7-11便利店 No.25"], &[]);
        for q in ["7-11", "11便利", "bianlidian", "no", "25"] {
            assert!(finds(&numbered, q), "{q}");
        }
        assert!(!finds(&numbered, "1便利") && !finds(&numbered, "5") && !finds(&numbered, "o.25"));
    }

    #[test]
    fn keys_are_bounded_and_unique() {
        let long = "云".repeat(200);
        let t = keys(&[&long], &["13800001111", "13800001111"]);
        assert!(t.iter().all(|k| k.chars().count() <= MAX_KEY_CHARS));
        let mut sorted = t.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), t.len());
        // A query longer than any key still finds the record by its beginning.
        assert!(finds(&t, &"云".repeat(100)));
        assert_eq!(key_range("  "), None);
    }

    #[test]
    fn latin_and_digits_in_names_are_kept() {
        assert_eq!(pinyin("7-11便利店"), "711bianlidian");
        assert_eq!(initials("KA卖场A"), "kamca");
    }
}
