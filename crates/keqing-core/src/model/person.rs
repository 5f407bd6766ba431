//! People at customer organisations: the owner, the buyer, the store
//! manager, the clerk — remembered as persons, not accounts.

use super::labelled_enum;
use super::{Birthday, LegalBasis};
use crate::validate::{self, FieldErrors, Problem, limits};
use crate::{OrganisationId, UserId};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// A person's gender as they told us; unknown is a normal answer.
    Gender {
        /// 男
        Male = "male", "男", "Male";
        /// 女
        Female = "female", "女", "Female";
        /// 未知
        Unknown = "unknown", "未知", "Unknown";
    }
}

/// A person as a form or import row holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDraft {
    /// Full name, e.g. 李建华.
    pub name: String,
    /// Gender identifier or label; blank is unknown.
    pub gender: String,
    /// Mobile or landline.
    pub phone: String,
    /// WeChat id.
    pub wechat: String,
    /// The organisation they mainly work at, if any.
    pub organisation: Option<OrganisationId>,
    /// Their position there (老板, 采购员, 店长 …).
    pub position: String,
    /// Free notes.
    pub notes: String,
    /// The owning rep.
    pub owner: Option<UserId>,
    /// Further phone numbers.
    pub other_phones: Vec<String>,
    /// QQ number.
    pub qq: String,
    /// E-mail.
    pub email: String,
    /// Home or office address.
    pub address: String,
    /// Birthday: "1980-08-15", "08-15", "农历8-15", "闰6-1" …
    pub birthday: String,
    /// Interests (爱好).
    pub interests: String,
    /// Tastes (口味: food, drink, tea, smoke …).
    pub tastes: String,
    /// Gifts that would touch them.
    pub gift_preferences: String,
    /// Taboos (忌讳): what never to give or say.
    pub taboos: String,
    /// How we met.
    pub how_we_met: String,
    /// Where this information came from (PIPL).
    pub info_source: String,
    /// The legal basis for keeping it (PIPL).
    pub legal_basis: String,
    /// Further organisations and the position there.
    pub affiliations: Vec<(OrganisationId, String)>,
}

/// A valid person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonData {
    /// Full name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Normalised phone.
    pub phone: Option<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Organisation.
    pub organisation: Option<OrganisationId>,
    /// Position at the organisation.
    pub position: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner: UserId,
    /// Further phones, normalised.
    pub other_phones: Vec<String>,
    /// QQ.
    pub qq: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Interests.
    pub interests: Option<String>,
    /// Tastes.
    pub tastes: Option<String>,
    /// Gift preferences.
    pub gift_preferences: Option<String>,
    /// Taboos.
    pub taboos: Option<String>,
    /// How we met.
    pub how_we_met: Option<String>,
    /// Source of the information.
    pub info_source: Option<String>,
    /// Legal basis.
    pub legal_basis: Option<LegalBasis>,
    /// Further organisations (never the main one), with positions.
    pub affiliations: Vec<(OrganisationId, Option<String>)>,
}

/// A WeChat id: 6–20 of letters, digits, `_` and `-`, starting with a
/// letter (WeChat's own rule), or a phone number (WeChat accepts those).
pub fn wechat(value: &str) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if validate::phone(v).ok().flatten().is_some_and(|p| p.len() == 11) {
        return validate::phone(v);
    }
    let n = v.chars().count();
    let ok = (6..=20).contains(&n)
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok { Ok(Some(v.to_owned())) } else { Err(Problem::Invalid { expected: "wechat" }) }
}

/// A QQ number: 5–12 digits, not starting with 0.
pub fn qq(value: &str) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let ok = (5..=12).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()) && !v.starts_with('0');
    if ok { Ok(Some(v.to_owned())) } else { Err(Problem::Invalid { expected: "qq" }) }
}

/// Limit of the taste and story fields, in characters.
pub const DETAIL: usize = 500;

impl PersonDraft {
    /// Checks every field; reports all problems at once.
    pub fn parse(&self) -> Result<PersonData, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.take("name", validate::required_line(&self.name, limits::NAME));
        let gender = if self.gender.trim().is_empty() {
            Some(Gender::Unknown)
        } else {
            e.take("gender", Gender::parse(&self.gender))
        };
        let phone = e.take("phone", validate::phone(&self.phone));
        let wechat = e.take("wechat", wechat(&self.wechat));
        let position = e.take("position", validate::optional_line(&self.position, limits::LABEL));
        let notes = e.take("notes", validate::optional_notes(&self.notes, limits::NOTES));
        let owner = e.take("owner_id", self.owner.ok_or(Problem::Required));
        let mut other_phones = Vec::new();
        for (i, p) in self.other_phones.iter().enumerate() {
            if let Some(Some(p)) = e.take(&format!("other_phones[{i}]"), validate::phone(p))
                && !other_phones.contains(&p)
            {
                other_phones.push(p);
            }
        }
        if other_phones.len() > 10 {
            e.push("other_phones", Problem::Rule { rule: "too_many_phones" });
        }
        let qq = e.take("qq", qq(&self.qq));
        let email = e.take("email", validate::email(&self.email));
        let address = e.take("address", validate::optional_line(&self.address, limits::ADDRESS));
        let birthday = e.take("birthday", Birthday::parse(&self.birthday));
        let detail = |e: &mut FieldErrors, field: &str, v: &str| e.take(field, validate::optional_notes(v, DETAIL));
        let interests = detail(&mut e, "interests", &self.interests);
        let tastes = detail(&mut e, "tastes", &self.tastes);
        let gift_preferences = detail(&mut e, "gift_preferences", &self.gift_preferences);
        let taboos = detail(&mut e, "taboos", &self.taboos);
        let how_we_met = detail(&mut e, "how_we_met", &self.how_we_met);
        let info_source = detail(&mut e, "info_source", &self.info_source);
        let legal_basis = if self.legal_basis.trim().is_empty() {
            Some(None)
        } else {
            e.take("legal_basis", LegalBasis::parse(&self.legal_basis).map(Some))
        };
        let mut affiliations: Vec<(OrganisationId, Option<String>)> = Vec::new();
        for (i, (org, pos)) in self.affiliations.iter().enumerate() {
            let pos = e.take(&format!("affiliations[{i}].position"), validate::optional_line(pos, limits::LABEL));
            if Some(*org) != self.organisation && !affiliations.iter().any(|(o, _)| o == org) {
                affiliations.push((*org, pos.flatten()));
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        match (name, gender, phone, wechat, position, notes, owner) {
            (Some(name), Some(gender), Some(phone), Some(wechat), Some(position), Some(notes), Some(owner)) => {
                Ok(PersonData {
                    name,
                    gender,
                    phone,
                    wechat,
                    organisation: self.organisation,
                    position,
                    notes,
                    owner,
                    other_phones,
                    qq: qq.flatten(),
                    email: email.flatten(),
                    address: address.flatten(),
                    birthday: birthday.flatten(),
                    interests: interests.flatten(),
                    tastes: tastes.flatten(),
                    gift_preferences: gift_preferences.flatten(),
                    taboos: taboos.flatten(),
                    how_we_met: how_we_met.flatten(),
                    info_source: info_source.flatten(),
                    legal_basis: legal_basis.flatten(),
                    affiliations,
                })
            }
            _ => Err(e),
        }
    }
}

impl From<&PersonData> for PersonDraft {
    fn from(d: &PersonData) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        PersonDraft {
            name: d.name.clone(),
            gender: d.gender.as_str().to_owned(),
            phone: text(&d.phone),
            wechat: text(&d.wechat),
            organisation: d.organisation,
            position: text(&d.position),
            notes: text(&d.notes),
            owner: Some(d.owner),
            other_phones: d.other_phones.clone(),
            qq: text(&d.qq),
            email: text(&d.email),
            address: text(&d.address),
            birthday: d.birthday.map(|b| b.display()).unwrap_or_default(),
            interests: text(&d.interests),
            tastes: text(&d.tastes),
            gift_preferences: text(&d.gift_preferences),
            taboos: text(&d.taboos),
            how_we_met: text(&d.how_we_met),
            info_source: text(&d.info_source),
            legal_basis: d.legal_basis.map(|l| l.as_str().to_owned()).unwrap_or_default(),
            affiliations: d.affiliations.iter().map(|(o, p)| (*o, p.clone().unwrap_or_default())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_needs_a_name_and_an_owner() {
        let e = PersonDraft::default().parse().unwrap_err();
        assert_eq!(e.get("name"), Some(&Problem::Required));
        assert_eq!(e.get("owner_id"), Some(&Problem::Required));
    }

    #[test]
    fn blank_gender_is_unknown_and_labels_parse() {
        let base = PersonDraft { name: "李建华".into(), owner: Some(UserId(1)), ..Default::default() };
        assert_eq!(base.parse().unwrap().gender, Gender::Unknown);
        let f = PersonDraft { gender: "女".into(), ..base };
        assert_eq!(f.parse().unwrap().gender, Gender::Female);
    }

    #[test]
    fn the_whole_person_parses_and_round_trips() {
        let d = PersonDraft {
            name: "李建华".into(),
            owner: Some(UserId(1)),
            organisation: Some(OrganisationId(5)),
            other_phones: vec!["0871-6312 3456".into(), "0871-63123456".into()],
            qq: "10086123".into(),
            birthday: "农历1976-8-15".into(),
            tastes: "爱喝普洱，不吃辣".into(),
            legal_basis: "个人同意".into(),
            affiliations: vec![(OrganisationId(5), "老板".into()), (OrganisationId(7), "股东".into())],
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.other_phones, ["0871-63123456"]);
        assert_eq!(d.legal_basis, Some(LegalBasis::Consent));
        assert_eq!(d.affiliations, [(OrganisationId(7), Some("股东".into()))], "the main organisation is not repeated");
        assert!(matches!(d.birthday, Some(Birthday::Lunar { month: 8, day: 15, .. })));
        assert_eq!(PersonDraft::from(&d).parse().unwrap(), d);
    }

    #[test]
    fn every_bad_person_field_is_named() {
        let e = PersonDraft {
            name: "x".into(),
            owner: Some(UserId(1)),
            other_phones: vec!["12".into()],
            qq: "0123".into(),
            birthday: "农历13-1".into(),
            taboos: "很".repeat(501),
            legal_basis: "因为".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        for f in ["other_phones[0]", "qq", "birthday", "taboos", "legal_basis"] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn wechat_ids_follow_wechats_rule() {
        assert_eq!(wechat("li_jianhua88"), Ok(Some("li_jianhua88".into())));
        assert_eq!(wechat("138 1234 5678"), Ok(Some("13812345678".into())));
        for bad in ["8li_jianhua", "abc", "李建华", "a b c d e f"] {
            assert!(wechat(bad).is_err(), "{bad}");
        }
    }
}
