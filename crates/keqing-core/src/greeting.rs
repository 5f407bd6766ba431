//! Greeting drafts (祝福): a message per person for a festival or a birthday,
//! from templates filled with what the archive knows — how to address them,
//! their family, tastes, the last help or gift between us — so each reads as
//! written for them; and the **copy-paste guard**: the same text pasted to
//! everyone is worse than none, so a text nearly equal to ones already sent
//! is flagged with how many received it.
//!
//! Templates are [minijinja](https://docs.rs/minijinja) (Jinja syntax). A
//! template may only name the fields in [`FIELDS`]; [`check_template`]
//! reports any other name, so a typo is refused when the template is saved,
//! not discovered on the day of the festival.

use crate::model::{CustomerClass, Gender};
use crate::rng::SplitMix64;
use crate::validate::Problem;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

/// What a greeting is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GreetingOccasion {
    /// A festival (中秋, 春节 …).
    Festival,
    /// The person's birthday.
    Birthday,
    /// Any other day (a family birthday, an anniversary, a milestone).
    Other,
}

/// A template for one kind of occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GreetingTemplate {
    /// What it is for.
    pub occasion: GreetingOccasion,
    /// The text, in Jinja syntax: `{{ address }}，{{ occasion }}快乐！`.
    pub text: String,
}

/// The company's greeting templates and the guard's thresholds (a setting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GreetingRules {
    /// Templates; several per occasion make drafts vary between people.
    pub templates: Vec<GreetingTemplate>,
    /// Texts at least this similar (percent) count as the same text.
    pub similar_percent: u8,
    /// Warn once a text was already sent to this many people.
    pub warn_after: usize,
}

impl Default for GreetingRules {
    fn default() -> Self {
        let t = |occasion, text: &str| GreetingTemplate { occasion, text: text.to_owned() };
        GreetingRules {
            templates: vec![
                t(
                    GreetingOccasion::Festival,
                    "{{ address }}，{{ occasion }}快乐！{% if last_help %}一直记着{{ last_help.on }}那回{{ last_help.what }}的事，心里很感激。{% elif last_gift %}上回带的{{ last_gift.what }}不知合不合口味？{% endif %}{% if child %}也祝{{ child }}天天开心、学业进步。{% endif %}{% if tastes %}知道您{{ tastes }}，改天给您捎一点过去。{% endif %}祝全家团圆安康！——{{ rep }}",
                ),
                t(
                    GreetingOccasion::Festival,
                    "{{ address }}好！{{ occasion }}到了，{% if years_known %}认识您{{ years_known }}年，{% endif %}一路多亏您照顾{% if organisation %}，{{ organisation }}的生意越来越红火{% endif %}。{% if spouse %}代问{{ spouse }}好，{% endif %}{% if child %}{{ child }}最近怎么样？{% endif %}祝您和家人{{ occasion }}快乐！{{ rep }}",
                ),
                t(
                    GreetingOccasion::Birthday,
                    "{{ address }}，生日快乐！{% if age %}{{ age }}岁正当年，{% endif %}{% if last_help %}还记得{{ last_help.what }}那次，多亏有您。{% endif %}{% if tastes %}知道您{{ tastes }}，给您备了份小心意。{% endif %}祝身体健康、生意兴隆！——{{ rep }}",
                ),
                t(
                    GreetingOccasion::Other,
                    "{{ address }}，{{ occasion }}，送上祝福！{% if child %}也问{{ child }}好。{% endif %}——{{ rep }}",
                ),
            ],
            similar_percent: 85,
            warn_after: 3,
        }
    }
}

/// The fields a template may use.
pub const FIELDS: &[&str] = &[
    "name",
    "address",
    "organisation",
    "occasion",
    "age",
    "spouse",
    "child",
    "tastes",
    "gift_preferences",
    "last_help",
    "last_gift",
    "rep",
    "years_known",
];

/// Something that happened between us: what and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// What ("帮孩子联系了补习老师", "普洱茶饼").
    pub what: String,
    /// When, as people say it ("去年3月").
    pub on: String,
}

/// What the archive knows about the person, for a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GreetingContext {
    /// Full name.
    pub name: String,
    /// How to address them (李总, 王姐).
    pub address: String,
    /// Their organisation.
    pub organisation: Option<String>,
    /// The occasion ("中秋节", "生日").
    pub occasion: String,
    /// Age reached, on a birthday.
    pub age: Option<i32>,
    /// The spouse's name.
    pub spouse: Option<String>,
    /// The first child's name.
    pub child: Option<String>,
    /// Tastes.
    pub tastes: Option<String>,
    /// Gift preferences.
    pub gift_preferences: Option<String>,
    /// The last help given (多管闲事).
    pub last_help: Option<Memory>,
    /// The last gift.
    pub last_gift: Option<Memory>,
    /// The rep's name.
    pub rep: String,
    /// Whole years since they were added.
    pub years_known: Option<i64>,
}

/// How a rep addresses a person: 姓 + 总 for owners and managers, 姐 or
/// 哥 by gender, else the full name.
pub fn form_of_address(name: &str, gender: Gender, position: Option<&str>, class: CustomerClass) -> String {
    let surname: String = name.chars().take(if is_compound_surname(name) { 2 } else { 1 }).collect();
    if name.chars().count() < 2 || !name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return name.to_owned();
    }
    let boss =
        position.is_some_and(|p| ["老板", "总", "经理", "店长", "owner", "manager"].iter().any(|k| p.contains(k)));
    if boss || class == CustomerClass::Key && gender != Gender::Female {
        return format!("{surname}总");
    }
    match gender {
        Gender::Female => format!("{surname}姐"),
        Gender::Male => format!("{surname}哥"),
        Gender::Unknown => name.to_owned(),
    }
}

fn is_compound_surname(name: &str) -> bool {
    const COMPOUND: &[&str] = &["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐"];
    COMPOUND.iter().any(|s| name.starts_with(s))
}

fn environment(strict: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(if strict { UndefinedBehavior::Strict } else { UndefinedBehavior::Lenient });
    env
}

/// Checks a template: valid Jinja, only known fields. A syntax error is
/// `Invalid { expected: "template" }`; an unknown field is
/// `UnknownName` naming it.
pub fn check_template(text: &str) -> Result<(), Problem> {
    if text.trim().is_empty() {
        return Err(Problem::Required);
    }
    if text.chars().count() > 2000 {
        return Err(Problem::TooLong { max: 2000 });
    }
    let env = environment(true);
    let tmpl = env.template_from_str(text).map_err(|_| Problem::Invalid { expected: "template" })?;
    let mut names: Vec<String> = tmpl.undeclared_variables(false).into_iter().collect();
    names.sort();
    if let Some(unknown) = names.into_iter().find(|n| !FIELDS.contains(&n.as_str())) {
        return Err(Problem::UnknownName { name: unknown, allowed: FIELDS.iter().map(|f| (*f).to_owned()).collect() });
    }
    // Attributes of the records (last_help.what): render once with every
    // field present, strictly.
    let sample = GreetingContext {
        name: "李建华".into(),
        address: "李总".into(),
        organisation: Some("佳佳超市".into()),
        occasion: "中秋节".into(),
        age: Some(50),
        spouse: Some("王芳".into()),
        child: Some("李子涵".into()),
        tastes: Some("爱喝普洱".into()),
        gift_preferences: Some("茶叶".into()),
        last_help: Some(Memory { what: "帮忙联系医院".into(), on: "今年3月".into() }),
        last_gift: Some(Memory { what: "茶饼".into(), on: "去年中秋".into() }),
        rep: "张伟".into(),
        years_known: Some(3),
    };
    tmpl.render(&sample).map(|_| ()).map_err(|e| match e.kind() {
        minijinja::ErrorKind::UndefinedError => Problem::UnknownName {
            name: e.detail().unwrap_or("?").to_owned(),
            allowed: vec!["what".into(), "on".into()],
        },
        _ => Problem::Invalid { expected: "template" },
    })
}

/// Drafts a greeting for `person_seed` (the person's id): one of the
/// templates for the occasion, chosen per person and year so neighbours
/// get different texts, filled with `ctx`.
pub fn draft(
    rules: &GreetingRules,
    occasion: GreetingOccasion,
    ctx: &GreetingContext,
    person_seed: u64,
    year: i32,
) -> String {
    let mut candidates: Vec<&GreetingTemplate> = rules.templates.iter().filter(|t| t.occasion == occasion).collect();
    if candidates.is_empty() {
        candidates = rules.templates.iter().filter(|t| t.occasion == GreetingOccasion::Other).collect();
    }
    let fallback = format!("{}，{}快乐！——{}", ctx.address, ctx.occasion, ctx.rep);
    if candidates.is_empty() {
        return fallback;
    }
    let mut g = SplitMix64::from_parts(&[person_seed, year as u64]);
    let t = g.pick(&candidates);
    let env = environment(false);
    env.render_str(&t.text, ctx).map(|s| tidy(&s)).unwrap_or(fallback)
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").replace(" ，", "，")
}

/// The text as compared: without the recipient's own name and form of
/// address, whitespace and punctuation.
fn skeleton(text: &str, personal: &[&str]) -> Vec<char> {
    let mut t = text.to_owned();
    for p in personal.iter().filter(|p| !p.is_empty()) {
        t = t.replace(p, "");
    }
    t.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn bigrams(chars: &[char]) -> Vec<(char, char)> {
    let mut v: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    v.sort_unstable();
    v
}

/// Similarity of two texts in percent (Dice coefficient over character
/// pairs), after removing each recipient's own names.
pub fn similarity(a: &str, a_personal: &[&str], b: &str, b_personal: &[&str]) -> u8 {
    let (x, y) = (bigrams(&skeleton(a, a_personal)), bigrams(&skeleton(b, b_personal)));
    if x.is_empty() && y.is_empty() {
        return 100;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    ((200 * common) / (x.len() + y.len()).max(1)) as u8
}

/// A greeting already sent: the text and the recipient's names.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The text.
    pub text: String,
    /// The recipient's name and form of address.
    pub personal: Vec<String>,
}

/// How many of `sent` are the same (or nearly the same) text as `text`.
pub fn similar_count(rules: &GreetingRules, text: &str, personal: &[&str], sent: &[Sent]) -> usize {
    sent.iter()
        .filter(|s| {
            let theirs: Vec<&str> = s.personal.iter().map(String::as_str).collect();
            similarity(text, personal, &s.text, &theirs) >= rules.similar_percent
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn li() -> GreetingContext {
        GreetingContext {
            name: "李建华".into(),
            address: "李总".into(),
            organisation: Some("佳佳超市".into()),
            occasion: "中秋节".into(),
            child: Some("李子涵".into()),
            tastes: Some("爱喝普洱".into()),
            last_help: Some(Memory { what: "帮忙找医院挂号".into(), on: "今年3月".into() }),
            rep: "张伟".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_is_filled_with_what_the_archive_knows() {
        let r = GreetingRules { templates: vec![GreetingRules::default().templates[0].clone()], ..Default::default() };
        let text = draft(&r, GreetingOccasion::Festival, &li(), 1, 2026);
        assert_eq!(
            text,
            "李总，中秋节快乐！一直记着今年3月那回帮忙找医院挂号的事，心里很感激。也祝李子涵天天开心、学业进步。知道您爱喝普洱，改天给您捎一点过去。祝全家团圆安康！——张伟"
        );
        // Without the optional facts the sentence still reads.
        let bare = GreetingContext {
            name: "王芳".into(),
            address: "王姐".into(),
            occasion: "春节".into(),
            rep: "张伟".into(),
            ..Default::default()
        };
        assert_eq!(draft(&r, GreetingOccasion::Festival, &bare, 1, 2026), "王姐，春节快乐！祝全家团圆安康！——张伟");
    }

    #[test]
    fn every_default_template_passes_its_own_check() {
        for t in GreetingRules::default().templates {
            check_template(&t.text).unwrap_or_else(|p| panic!("{p:?}: {}", t.text));
        }
    }

    #[test]
    fn a_template_naming_an_unknown_field_is_refused_with_its_name() {
        match check_template("{{ address }}，祝{{ hobby }}愉快") {
            Err(Problem::UnknownName { name, .. }) => assert_eq!(name, "hobby"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(check_template("{{ address "), Err(Problem::Invalid { .. })));
        assert_eq!(check_template("  "), Err(Problem::Required));
        check_template("{{ address }}{% if last_help %}{{ last_help.what }}{% endif %}").unwrap();
    }

    #[test]
    fn the_same_text_to_another_person_is_caught_and_a_personal_one_is_not() {
        let rules = GreetingRules::default();
        let pasted = "中秋快乐，祝您阖家幸福，生意兴隆！";
        let sent: Vec<Sent> = ["王总", "赵姐", "孙哥"]
            .iter()
            .map(|a| Sent { text: format!("{a}，{pasted}"), personal: vec![(*a).to_owned()] })
            .collect();
        assert_eq!(similar_count(&rules, &format!("李总，{pasted}"), &["李总", "李建华"], &sent), 3);
        let personal = draft(&rules, GreetingOccasion::Festival, &li(), 1, 2026);
        assert_eq!(similar_count(&rules, &personal, &["李总", "李建华"], &sent), 0);
        assert!(similarity("一模一样", &[], "一模一样", &[]) == 100);
    }

    #[test]
    fn drafts_differ_between_people() {
        let rules = GreetingRules::default();
        let texts: std::collections::BTreeSet<String> = (1..20)
            .map(|p| {
                draft(
                    &rules,
                    GreetingOccasion::Festival,
                    &GreetingContext {
                        address: "李总".into(),
                        occasion: "中秋节".into(),
                        rep: "张伟".into(),
                        ..Default::default()
                    },
                    p,
                    2026,
                )
            })
            .collect();
        assert!(texts.len() >= 2, "{texts:?}");
    }

    #[test]
    fn people_are_addressed_as_colleagues_in_china_do() {
        assert_eq!(form_of_address("李建华", Gender::Male, Some("老板"), CustomerClass::Normal), "李总");
        assert_eq!(form_of_address("王芳", Gender::Female, None, CustomerClass::Normal), "王姐");
        assert_eq!(form_of_address("欧阳明", Gender::Male, None, CustomerClass::Secondary), "欧阳哥");
        assert_eq!(form_of_address("赵敏", Gender::Unknown, None, CustomerClass::Normal), "赵敏");
        assert_eq!(form_of_address("Tom", Gender::Male, None, CustomerClass::Key), "Tom");
    }
}
