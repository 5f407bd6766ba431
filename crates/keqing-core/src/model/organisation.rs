//! Customer organisations: distributors, stores, pharmacies, and the
//! company's own departments (relationships with colleagues matter too).

use super::labelled_enum;
use crate::UserId;
use crate::validate::{self, FieldErrors, limits};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// What kind of customer an organisation is.
    OrgKind {
        /// 经销商
        Distributor = "distributor", "经销商", "Distributor";
        /// 特约经销商: an exclusive, contracted distributor.
        SpecialDistributor = "special_distributor", "特约经销商", "Special distributor";
        /// 批发商
        Wholesaler = "wholesaler", "批发商", "Wholesaler";
        /// KA卖场: key-account hypermarket chains.
        KaStore = "ka_store", "KA卖场", "KA store";
        /// 商超
        Supermarket = "supermarket", "商超", "Supermarket";
        /// 零售终端
        RetailStore = "retail_store", "零售终端", "Retail store";
        /// 药店
        Pharmacy = "pharmacy", "药店", "Pharmacy";
        /// 公司内部部门
        InternalDepartment = "internal_department", "公司内部部门", "Internal department";
        /// 其他
        Other = "other", "其他", "Other";
    }
}

/// An organisation as a form or import row holds it: text, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationDraft {
    /// Name, e.g. 昆明佳佳超市.
    pub name: String,
    /// Kind identifier or label.
    pub kind: String,
    /// Phone number in any common notation.
    pub phone: String,
    /// Street address.
    pub address: String,
    /// Free notes.
    pub notes: String,
    /// The owning rep.
    pub owner: Option<UserId>,
}

/// A valid organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationData {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Normalised phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner: UserId,
}

impl OrganisationDraft {
    /// Checks every field; reports all problems at once.
    pub fn parse(&self) -> Result<OrganisationData, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.take("name", validate::required_line(&self.name, limits::NAME));
        let kind = e.take("kind", OrgKind::parse(&self.kind));
        let phone = e.take("phone", validate::phone(&self.phone));
        let address = e.take("address", validate::optional_line(&self.address, limits::ADDRESS));
        let notes = e.take("notes", validate::optional_notes(&self.notes, limits::NOTES));
        let owner = e.take("owner_id", self.owner.ok_or(validate::Problem::Required));
        match (name, kind, phone, address, notes, owner) {
            (Some(name), Some(kind), Some(phone), Some(address), Some(notes), Some(owner)) if e.is_empty() => {
                Ok(OrganisationData { name, kind, phone, address, notes, owner })
            }
            _ => Err(e),
        }
    }
}

impl From<&OrganisationData> for OrganisationDraft {
    fn from(d: &OrganisationData) -> Self {
        OrganisationDraft {
            name: d.name.clone(),
            kind: d.kind.as_str().to_owned(),
            phone: d.phone.clone().unwrap_or_default(),
            address: d.address.clone().unwrap_or_default(),
            notes: d.notes.clone().unwrap_or_default(),
            owner: Some(d.owner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Problem;

    fn draft() -> OrganisationDraft {
        OrganisationDraft {
            name: " 昆明佳佳超市 ".into(),
            kind: "商超".into(),
            phone: "0871 6312 3456".into(),
            owner: Some(UserId(3)),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_draft_parses_and_normalises() {
        let d = draft().parse().unwrap();
        assert_eq!(d.name, "昆明佳佳超市");
        assert_eq!(d.kind, OrgKind::Supermarket);
        assert_eq!(d.phone.as_deref(), Some("0871-63123456"));
        assert_eq!(d.address, None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad =
            OrganisationDraft { name: "".into(), kind: "bank".into(), phone: "123".into(), owner: None, ..draft() };
        let e = bad.parse().unwrap_err();
        assert_eq!(e.get("name"), Some(&Problem::Required));
        assert!(matches!(e.get("kind"), Some(Problem::NotOneOf { .. })));
        assert_eq!(e.get("phone"), Some(&Problem::Invalid { expected: "phone" }));
        assert_eq!(e.get("owner_id"), Some(&Problem::Required));
    }

    #[test]
    fn kinds_parse_from_ids_and_both_labels() {
        assert_eq!(OrgKind::parse("pharmacy"), Ok(OrgKind::Pharmacy));
        assert_eq!(OrgKind::parse("特约经销商"), Ok(OrgKind::SpecialDistributor));
        assert_eq!(OrgKind::parse("ka store"), Ok(OrgKind::KaStore));
    }

    #[test]
    fn a_parsed_record_round_trips_through_its_draft() {
        let d = draft().parse().unwrap();
        assert_eq!(OrganisationDraft::from(&d).parse().unwrap(), d);
    }
}
