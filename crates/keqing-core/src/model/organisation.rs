//! Customer organisations: distributors, stores, pharmacies, and the
//! company's own departments (relationships with colleagues matter too).

use super::labelled_enum;
use super::{OrgStatus, Stage};
use crate::UserId;
use crate::calendar::lunar::MonthDay;
use crate::classify::Factors;
use crate::validate::{self, FieldErrors, Problem, limits};
use chrono::NaiveDate;
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
    /// GB/T 2260 region code (existence is checked by the store).
    pub region_code: String,
    /// Opening date, YYYY-MM-DD.
    pub opened_on: String,
    /// Store anniversary (店庆), MM-DD; blank: the opening date's.
    pub anniversary: String,
    /// Yearly turnover in yuan ("120万", "1,200,000").
    pub turnover: String,
    /// Consumer reach 1–5.
    pub consumer_reach: String,
    /// Financial strength 1–5.
    pub financial_strength: String,
    /// Management level 1–5.
    pub management_level: String,
    /// Relationship stage.
    pub stage: String,
    /// Status; blank is active.
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Further reps who look after it.
    pub co_owners: Vec<UserId>,
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
    /// Region.
    pub region_code: Option<String>,
    /// Opening date.
    pub opened_on: Option<NaiveDate>,
    /// Store anniversary.
    pub anniversary: Option<MonthDay>,
    /// Yearly turnover, fen.
    pub turnover_fen: Option<i64>,
    /// Consumer reach 1–5.
    pub consumer_reach: Option<u8>,
    /// Financial strength 1–5.
    pub financial_strength: Option<u8>,
    /// Management level 1–5.
    pub management_level: Option<u8>,
    /// Relationship stage.
    pub stage: Option<Stage>,
    /// Status.
    pub status: OrgStatus,
    /// Tags, without duplicates.
    pub tags: Vec<String>,
    /// Co-owners (never the owner).
    pub co_owners: Vec<UserId>,
}

impl OrganisationData {
    /// The classification factors.
    pub fn factors(&self) -> Factors {
        Factors {
            turnover_fen: self.turnover_fen,
            reach: self.consumer_reach,
            strength: self.financial_strength,
            management: self.management_level,
        }
    }
}

/// A 1–5 rating; blank is `None`.
pub fn rating(text: &str) -> Result<Option<u8>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u8>() {
        Ok(n @ 1..=5) => Ok(Some(n)),
        _ => Err(Problem::OutOfRange { min: 1, max: 5 }),
    }
}

/// A region code: six digits.
pub fn region_code(text: &str) -> Result<Option<String>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() == 6 && t.chars().all(|c| c.is_ascii_digit()) {
        Ok(Some(t.to_owned()))
    } else {
        Err(Problem::Invalid { expected: "region code" })
    }
}

/// A date YYYY-MM-DD (also YYYY/MM/DD); blank is `None`.
pub fn date(text: &str) -> Result<Option<NaiveDate>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .map(Some)
        .map_err(|_| Problem::Invalid { expected: "date" })
}

/// A month-day MM-DD; blank is `None`.
pub fn month_day(text: &str) -> Result<Option<MonthDay>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let invalid = Problem::Invalid { expected: "month-day" };
    let (m, d) = t.split_once(['-', '/']).ok_or(invalid.clone())?;
    let (m, d) =
        (m.trim().parse::<u8>().map_err(|_| invalid.clone())?, d.trim().parse::<u8>().map_err(|_| invalid.clone())?);
    MonthDay::new(m, d).map(Some).map_err(|_| invalid)
}

/// Tags: trimmed, deduplicated, each at most 20 characters, at most 20.
pub fn tags(values: &[String]) -> Result<Vec<String>, Problem> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().flat_map(|v| v.split([',', '，', '、'])) {
        if let Some(t) = validate::optional_line(v, 20)?
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    if out.len() > 20 {
        return Err(Problem::Rule { rule: "too_many_tags" });
    }
    Ok(out)
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
        let region_code = e.take("region_code", region_code(&self.region_code));
        let opened_on = e.take("opened_on", date(&self.opened_on));
        let anniversary = e.take("anniversary", month_day(&self.anniversary));
        let turnover_fen = e.take("turnover", crate::money::parse_non_negative_yuan(&self.turnover));
        let consumer_reach = e.take("consumer_reach", rating(&self.consumer_reach));
        let financial_strength = e.take("financial_strength", rating(&self.financial_strength));
        let management_level = e.take("management_level", rating(&self.management_level));
        let stage = if self.stage.trim().is_empty() {
            Some(None)
        } else {
            e.take("stage", Stage::parse(&self.stage).map(Some))
        };
        let status = if self.status.trim().is_empty() {
            Some(OrgStatus::Active)
        } else {
            e.take("status", OrgStatus::parse(&self.status))
        };
        let tags = e.take("tags", tags(&self.tags));
        if !e.is_empty() {
            return Err(e);
        }
        let (Some(name), Some(kind), Some(phone), Some(address), Some(notes), Some(owner)) =
            (name, kind, phone, address, notes, owner)
        else {
            return Err(e);
        };
        let opened_on = opened_on.flatten();
        // The anniversary defaults to the opening day.
        let anniversary = anniversary.flatten().or_else(|| {
            use chrono::Datelike;
            opened_on.and_then(|d| MonthDay::new(d.month() as u8, d.day() as u8).ok())
        });
        let mut co_owners: Vec<UserId> = Vec::new();
        for u in &self.co_owners {
            if *u != owner && !co_owners.contains(u) {
                co_owners.push(*u);
            }
        }
        Ok(OrganisationData {
            name,
            kind,
            phone,
            address,
            notes,
            owner,
            region_code: region_code.flatten(),
            opened_on,
            anniversary,
            turnover_fen: turnover_fen.flatten(),
            consumer_reach: consumer_reach.flatten(),
            financial_strength: financial_strength.flatten(),
            management_level: management_level.flatten(),
            stage: stage.flatten(),
            status: status.unwrap_or(OrgStatus::Active),
            tags: tags.unwrap_or_default(),
            co_owners,
        })
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
            region_code: d.region_code.clone().unwrap_or_default(),
            opened_on: d.opened_on.map(|x| x.to_string()).unwrap_or_default(),
            anniversary: d.anniversary.map(|m| format!("{:02}-{:02}", m.month, m.day)).unwrap_or_default(),
            turnover: d.turnover_fen.map(crate::money::format_yuan).unwrap_or_default(),
            consumer_reach: d.consumer_reach.map(|x| x.to_string()).unwrap_or_default(),
            financial_strength: d.financial_strength.map(|x| x.to_string()).unwrap_or_default(),
            management_level: d.management_level.map(|x| x.to_string()).unwrap_or_default(),
            stage: d.stage.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            status: d.status.as_str().to_owned(),
            tags: d.tags.clone(),
            co_owners: d.co_owners.clone(),
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
    fn the_archive_fields_parse_and_the_anniversary_follows_the_opening_day() {
        let d = OrganisationDraft {
            region_code: "530102".into(),
            opened_on: "2019-06-18".into(),
            turnover: "120万".into(),
            consumer_reach: "4".into(),
            stage: "认同".into(),
            tags: vec!["社区店, 夜市".into(), "社区店".into()],
            co_owners: vec![UserId(3), UserId(9), UserId(9)],
            ..draft()
        }
        .parse()
        .unwrap();
        assert_eq!(d.turnover_fen, Some(120_000_000));
        assert_eq!(d.anniversary, Some(MonthDay { month: 6, day: 18 }));
        assert_eq!(d.stage, Some(Stage::Recognition));
        assert_eq!(d.status, OrgStatus::Active);
        assert_eq!(d.tags, ["社区店", "夜市"]);
        assert_eq!(d.co_owners, [UserId(9)], "the owner is not a co-owner");
        assert_eq!(OrganisationDraft::from(&d).parse().unwrap(), d);
    }

    #[test]
    fn bad_archive_fields_are_named() {
        let e = OrganisationDraft {
            region_code: "53".into(),
            opened_on: "2019-13-01".into(),
            anniversary: "02-30".into(),
            turnover: "很多".into(),
            consumer_reach: "6".into(),
            stage: "亲密".into(),
            status: "open".into(),
            ..draft()
        }
        .parse()
        .unwrap_err();
        for f in ["region_code", "opened_on", "anniversary", "turnover", "consumer_reach", "stage", "status"] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
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
