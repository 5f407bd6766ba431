//! People at customer organisations: the owner, the buyer, the store
//! manager, the clerk — remembered as persons, not accounts.

use super::labelled_enum;
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
    /// The organisation they work at, if any.
    pub organisation: Option<OrganisationId>,
    /// Their position there (老板, 采购员, 店长 …).
    pub position: String,
    /// Free notes.
    pub notes: String,
    /// The owning rep.
    pub owner: Option<UserId>,
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
        match (name, gender, phone, wechat, position, notes, owner) {
            (Some(name), Some(gender), Some(phone), Some(wechat), Some(position), Some(notes), Some(owner))
                if e.is_empty() =>
            {
                Ok(PersonData { name, gender, phone, wechat, organisation: self.organisation, position, notes, owner })
            }
            _ => Err(e),
        }
    }
}

impl From<&PersonData> for PersonDraft {
    fn from(d: &PersonData) -> Self {
        PersonDraft {
            name: d.name.clone(),
            gender: d.gender.as_str().to_owned(),
            phone: d.phone.clone().unwrap_or_default(),
            wechat: d.wechat.clone().unwrap_or_default(),
            organisation: d.organisation,
            position: d.position.clone().unwrap_or_default(),
            notes: d.notes.clone().unwrap_or_default(),
            owner: Some(d.owner),
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
    fn wechat_ids_follow_wechats_rule() {
        assert_eq!(wechat("li_jianhua88"), Ok(Some("li_jianhua88".into())));
        assert_eq!(wechat("138 1234 5678"), Ok(Some("13812345678".into())));
        for bad in ["8li_jianhua", "abc", "李建华", "a b c d e f"] {
            assert!(wechat(bad).is_err(), "{bad}");
        }
    }
}
