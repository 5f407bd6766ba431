//! The relationship-maintenance expense regime (客情费管理制度).
//!
//! The company's regulation, as rules with no I/O:
//!
//! - each product line has a **standard** (a rate in fen per unit of net
//!   sales, or a share of net sales in basis points) and allowed uses;
//! - the **accrued** expense of a customer and month is the standard applied
//!   to net sales (纯销); it is **payable only to the extent collected**
//!   (回款): nothing before full collection, or pro rata to the collection
//!   rate ([`PayoutRule`]); the rest is **withheld**, with its reason;
//! - the monthly statement (附表1 and 附表2) is due by the end of the **3rd
//!   working day** of the next month and checked by clerk → manager →
//!   finance, all by the end of the **8th** ([`Deadlines`]);
//! - from the **9th working day** a rep draws advances, at most
//!   [`ExpenseRules::advance_limit_fen`] outstanding;
//! - caps per recipient person per occasion and per year, and a hard flag on
//!   cash to an individual employee of a customer (commercial bribery risk).
//!
//! Money is integer fen; every division rounds down (in the company's
//! favour), computed in `i128` so no product of two amounts overflows.

use crate::calendar::CalendarError;
use crate::calendar::workday::{Dated, WorkCalendar};
use crate::money::{MAX_FEN, parse_yuan};
use crate::rng::SplitMix64;
use crate::validate::{FieldErrors, Problem, limits, optional_line, required_line};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month, the period of a statement and of ledger lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl Month {
    /// `2026-01` (also `2026/1`, `202601`).
    pub fn parse(text: &str) -> Result<Month, Problem> {
        let t = text.trim();
        let invalid = Problem::Invalid { expected: "month" };
        let (y, m) = if let Some((y, m)) = t.split_once(['-', '/', '.']) {
            (y, m)
        } else if t.len() == 6 && t.is_ascii() {
            t.split_at(4)
        } else {
            return Err(if t.is_empty() { Problem::Required } else { invalid });
        };
        let year: i32 = y.trim().parse().map_err(|_| invalid.clone())?;
        let month: u32 = m.trim().parse().map_err(|_| invalid.clone())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(invalid);
        }
        Ok(Month { year, month })
    }

    /// The month a day falls in.
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// The month before.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// Whether `d` falls in it.
    pub fn contains(self, d: NaiveDate) -> bool {
        Month::of(d) == self
    }

    /// "2026年1月" or "January 2026".
    pub fn label(self, zh: bool) -> String {
        if zh {
            format!("{}年{}月", self.year, self.month)
        } else {
            const NAMES: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {}", NAMES[(self.month - 1) as usize], self.year)
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Month::parse(&s).map_err(|p| format!("{s:?} {p}"))
    }
}

/// What relationship expense may be spent on (the regulation's 使用范围).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    /// 客户采购员: to raise net sales directly.
    Buyer,
    /// 客户采购部领导: the purchasing department's support and collections.
    PurchasingLeader,
    /// 客户主管采购的公司领导: the executive in charge.
    Executive,
    /// 争取新客户的特殊费用: winning a new customer (附表3).
    NewCustomer,
    /// 客户的活动、推广会及各种联谊: events, launches, gatherings.
    Event,
}

impl Use {
    /// Every use, in the regulation's order.
    pub const ALL: [Use; 5] = [Use::Buyer, Use::PurchasingLeader, Use::Executive, Use::NewCustomer, Use::Event];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Buyer => "buyer",
            Use::PurchasingLeader => "purchasing_leader",
            Use::Executive => "executive",
            Use::NewCustomer => "new_customer",
            Use::Event => "event",
        }
    }

    /// The label on the forms.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Use::Buyer, true) => "客户采购员",
            (Use::Buyer, false) => "Buyer",
            (Use::PurchasingLeader, true) => "采购部领导",
            (Use::PurchasingLeader, false) => "Purchasing leaders",
            (Use::Executive, true) => "主管采购的公司领导",
            (Use::Executive, false) => "Executive in charge",
            (Use::NewCustomer, true) => "新客户特殊费用",
            (Use::NewCustomer, false) => "New-customer special cost",
            (Use::Event, true) => "客户活动/推广会/联谊",
            (Use::Event, false) => "Events, launches, gatherings",
        }
    }

    /// The identifier or the Chinese label.
    pub fn parse(text: &str) -> Result<Use, Problem> {
        let t = text.trim();
        Use::ALL
            .into_iter()
            .find(|u| u.as_str() == t || u.label(true) == t)
            .ok_or_else(|| Problem::NotOneOf { allowed: Use::ALL.iter().map(|u| u.as_str().to_owned()).collect() })
    }
}

/// A set of uses, stored as a comma list.
pub fn parse_uses(text: &str) -> Result<Vec<Use>, Problem> {
    let mut out: Vec<Use> = Vec::new();
    for part in text.split([',', '，', '、', ' ']).filter(|p| !p.trim().is_empty()) {
        let u = Use::parse(part)?;
        if !out.contains(&u) {
            out.push(u);
        }
    }
    if out.is_empty() {
        return Err(Problem::Required);
    }
    out.sort();
    Ok(out)
}

/// Uses as stored: `buyer,event`.
pub fn uses_text(uses: &[Use]) -> String {
    uses.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(",")
}

/// A product line's expense standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Standard {
    /// So many fen per unit of net sales (进口模块: ¥2 per box).
    PerUnit {
        /// Fen per unit.
        fen_per_unit: i64,
    },
    /// A share of the net sales amount, in basis points (150 = 1.5%).
    Percent {
        /// Hundredths of a percent.
        basis_points: i64,
    },
}

/// The largest rate accepted: ¥10,000 a unit, or 100%.
pub const MAX_FEN_PER_UNIT: i64 = 1_000_000;

impl Standard {
    /// From the form's fields: `per_unit` with a yuan amount, or `percent`
    /// with a percentage ("1.5" → 150 basis points).
    pub fn parse(kind: &str, rate: &str) -> Result<Standard, (&'static str, Problem)> {
        match kind.trim() {
            "per_unit" | "每单位" => match parse_yuan(rate) {
                Ok(Some(f)) if (0..=MAX_FEN_PER_UNIT).contains(&f) => Ok(Standard::PerUnit { fen_per_unit: f }),
                Ok(Some(_)) => Err(("rate", Problem::OutOfRange { min: 0, max: MAX_FEN_PER_UNIT })),
                Ok(None) => Err(("rate", Problem::Required)),
                Err(p) => Err(("rate", p)),
            },
            "percent" | "百分比" => {
                // A percentage with up to two decimals is a whole number of
                // basis points: reuse the exact decimal reader (yuan → fen
                // is the same ×100 shift).
                match parse_yuan(rate.trim().trim_end_matches('%')) {
                    Ok(Some(bp)) if (0..=10_000).contains(&bp) => Ok(Standard::Percent { basis_points: bp }),
                    Ok(Some(_)) => Err(("rate", Problem::OutOfRange { min: 0, max: 100 })),
                    Ok(None) => Err(("rate", Problem::Required)),
                    Err(_) => Err(("rate", Problem::Invalid { expected: "percentage" })),
                }
            }
            "" => Err(("standard", Problem::Required)),
            _ => Err(("standard", Problem::NotOneOf { allowed: vec!["per_unit".into(), "percent".into()] })),
        }
    }

    /// The expense accrued on `net_units` units sold for `net_sales_fen`.
    /// Returns and credit notes (negative net sales) accrue nothing.
    pub fn accrue(self, net_units: i64, net_sales_fen: i64) -> i64 {
        let v: i128 = match self {
            Standard::PerUnit { fen_per_unit } => i128::from(net_units) * i128::from(fen_per_unit),
            Standard::Percent { basis_points } => i128::from(net_sales_fen) * i128::from(basis_points) / 10_000,
        };
        v.clamp(0, i128::from(MAX_FEN)) as i64
    }

    /// "¥2.00/箱" or "1.50%".
    pub fn describe(self, unit: &str) -> String {
        match self {
            Standard::PerUnit { fen_per_unit } => format!("¥{}/{unit}", crate::money::format_yuan(fen_per_unit)),
            Standard::Percent { basis_points } => format!("{}.{:02}%", basis_points / 100, basis_points % 100),
        }
    }
}

/// How the accrued expense becomes payable as the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PayoutRule {
    /// Nothing until the month's net sales are collected in full.
    #[default]
    FullCollection,
    /// The accrued amount times the collection rate (at most 100%).
    ProRata,
}

/// Why some of an accrued expense is not payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Withheld {
    /// Nothing collected yet.
    NothingCollected,
    /// Collected in part, and the rule wants full collection.
    NotFullyCollected {
        /// Collection rate in basis points.
        rate_bp: i64,
    },
    /// Collected in part: payable pro rata.
    ProRata {
        /// Collection rate in basis points.
        rate_bp: i64,
    },
}

impl Withheld {
    /// The reason on the statement.
    pub fn describe(self, zh: bool) -> String {
        let pct = |bp: i64| format!("{}.{:02}%", bp / 100, bp % 100);
        match (self, zh) {
            (Withheld::NothingCollected, true) => "尚未回款，回款后兑现".into(),
            (Withheld::NothingCollected, false) => "nothing collected yet; payable after collection".into(),
            (Withheld::NotFullyCollected { rate_bp }, true) => format!("回款率{}，全额回款后兑现", pct(rate_bp)),
            (Withheld::NotFullyCollected { rate_bp }, false) => {
                format!("collection rate {}; payable after full collection", pct(rate_bp))
            }
            (Withheld::ProRata { rate_bp }, true) => format!("回款率{}，按回款比例兑现", pct(rate_bp)),
            (Withheld::ProRata { rate_bp }, false) => format!("collection rate {}; payable pro rata", pct(rate_bp)),
        }
    }
}

/// One customer's month for one product line, as the ledger has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Figures {
    /// Units sold through (纯销).
    pub net_units: i64,
    /// Net sales amount, fen.
    pub net_sales_fen: i64,
    /// Collected (回款), fen.
    pub collected_fen: i64,
}

impl Figures {
    /// Collected ÷ net sales in basis points (10,000 = 100%), capped at
    /// 100%; `None` without positive net sales.
    pub fn collection_rate_bp(&self) -> Option<i64> {
        if self.net_sales_fen <= 0 {
            return None;
        }
        let r = i128::from(self.collected_fen.max(0)) * 10_000 / i128::from(self.net_sales_fen);
        Some(r.min(10_000) as i64)
    }
}

/// Accrued, payable and withheld for one ledger line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Accrual {
    /// The standard applied to net sales.
    pub accrued_fen: i64,
    /// What may be paid now.
    pub payable_fen: i64,
    /// Accrued minus payable.
    pub withheld_fen: i64,
    /// Collection rate, basis points.
    pub collection_rate_bp: Option<i64>,
    /// Why something is withheld.
    pub withheld: Option<Withheld>,
}

/// Applies `standard` and `rule` to one ledger line.
pub fn accrue(standard: Standard, rule: PayoutRule, f: Figures) -> Accrual {
    let accrued = standard.accrue(f.net_units, f.net_sales_fen);
    let rate = f.collection_rate_bp();
    let (payable, why) = match (rate, rule) {
        _ if accrued == 0 => (0, None),
        (None, _) | (Some(0), _) => (0, Some(Withheld::NothingCollected)),
        (Some(10_000), _) => (accrued, None),
        (Some(r), PayoutRule::FullCollection) => (0, Some(Withheld::NotFullyCollected { rate_bp: r })),
        (Some(r), PayoutRule::ProRata) => {
            // Pro rata on the exact amounts, not the rounded rate.
            let p = i128::from(accrued) * i128::from(f.collected_fen) / i128::from(f.net_sales_fen);
            (p.clamp(0, i128::from(accrued)) as i64, Some(Withheld::ProRata { rate_bp: r }))
        }
    };
    Accrual {
        accrued_fen: accrued,
        payable_fen: payable,
        withheld_fen: accrued - payable,
        collection_rate_bp: rate,
        withheld: why,
    }
}

/// The company's settings for the regime (admin, `PUT /api/v1/expenses/rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpenseRules {
    /// How payable follows collection.
    pub payout_rule: PayoutRule,
    /// Advances outstanding per rep, at most (¥3,000).
    pub advance_limit_fen: i64,
    /// To one person on one occasion, at most (0: no cap).
    pub cap_per_occasion_fen: i64,
    /// To one person in a calendar year, at most (0: no cap).
    pub cap_per_year_fen: i64,
    /// Evidence files, at most this many bytes.
    pub max_attachment_bytes: i64,
    /// Customers the manager spot-checks after payout.
    pub spot_check_count: u32,
}

impl Default for ExpenseRules {
    fn default() -> Self {
        ExpenseRules {
            payout_rule: PayoutRule::FullCollection,
            advance_limit_fen: 300_000,
            cap_per_occasion_fen: 100_000,
            cap_per_year_fen: 500_000,
            max_attachment_bytes: 5 * 1024 * 1024,
            spot_check_count: 3,
        }
    }
}

impl ExpenseRules {
    /// Every problem with the settings, by field.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        for (field, v) in [
            ("advance_limit_fen", self.advance_limit_fen),
            ("cap_per_occasion_fen", self.cap_per_occasion_fen),
            ("cap_per_year_fen", self.cap_per_year_fen),
        ] {
            if !(0..=MAX_FEN).contains(&v) {
                e.push(field, Problem::OutOfRange { min: 0, max: MAX_FEN });
            }
        }
        if !(1024..=50 * 1024 * 1024).contains(&self.max_attachment_bytes) {
            e.push("max_attachment_bytes", Problem::OutOfRange { min: 1024, max: 50 * 1024 * 1024 });
        }
        if !(1..=20).contains(&self.spot_check_count) {
            e.push("spot_check_count", Problem::OutOfRange { min: 1, max: 20 });
        }
        e.finish(|| ())
    }

    /// Refuses an amount to a person that would pass a cap; `occasion_so_far`
    /// and `year_so_far` are what the person already received.
    pub fn check_caps(&self, amount: i64, occasion_so_far: i64, year_so_far: i64) -> Result<(), Problem> {
        for (rule, cap, so_far) in [
            ("cap_per_occasion", self.cap_per_occasion_fen, occasion_so_far),
            ("cap_per_year", self.cap_per_year_fen, year_so_far),
        ] {
            if cap > 0 && so_far + amount > cap {
                return Err(Problem::OverLimit { rule, limit_fen: cap, remaining_fen: (cap - so_far).max(0) });
            }
        }
        Ok(())
    }

    /// Refuses an advance that would take the rep's outstanding advances
    /// past the limit, saying what is left.
    pub fn check_advance(&self, amount: i64, outstanding: i64) -> Result<(), Problem> {
        if outstanding + amount > self.advance_limit_fen {
            return Err(Problem::OverLimit {
                rule: "advance_limit",
                limit_fen: self.advance_limit_fen,
                remaining_fen: (self.advance_limit_fen - outstanding).max(0),
            });
        }
        Ok(())
    }
}

/// The day-and-hour deadlines of a month's statement, which fall in the
/// next month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// The statement's month.
    pub month: Month,
    /// The 3rd working day of the next month: filed to the clerk by its end.
    pub file_by: NaiveDate,
    /// The 8th: all three signatures by its end.
    pub checked_by: NaiveDate,
    /// The 9th: advances may be drawn from this day.
    pub advances_from: NaiveDate,
    /// End of the filing day (下班前).
    pub file_by_at: DateTime<Utc>,
    /// End of the checking day.
    pub checked_by_at: DateTime<Utc>,
    /// A year involved has no holiday notice yet (Monday–Friday assumed).
    pub provisional: bool,
}

/// Working day of the month after `month` on which each step falls due.
pub const FILE_BY_WORKING_DAY: u32 = 3;
/// See [`FILE_BY_WORKING_DAY`].
pub const CHECKED_BY_WORKING_DAY: u32 = 8;
/// See [`FILE_BY_WORKING_DAY`].
pub const ADVANCES_FROM_WORKING_DAY: u32 = 9;

/// The deadlines of `month`'s statement under `cal`.
pub fn deadlines(cal: &WorkCalendar, month: Month) -> Result<Deadlines, CalendarError> {
    let next = month.next();
    let nth = |n| cal.nth_working_day(next.year, next.month, n);
    let (file, check, adv): (Dated<NaiveDate>, Dated<NaiveDate>, Dated<NaiveDate>) =
        (nth(FILE_BY_WORKING_DAY)?, nth(CHECKED_BY_WORKING_DAY)?, nth(ADVANCES_FROM_WORKING_DAY)?);
    Ok(Deadlines {
        month,
        file_by: file.value,
        checked_by: check.value,
        advances_from: adv.value,
        file_by_at: cal.end_of_day(file.value),
        checked_by_at: cal.end_of_day(check.value),
        provisional: file.provisional || check.provisional || adv.provisional,
    })
}

/// Working days from `today` to the end of `deadline`: 0 on the day itself,
/// negative once passed ("逾期2个工作日").
pub fn working_days_left(cal: &WorkCalendar, today: NaiveDate, deadline: NaiveDate) -> i64 {
    cal.working_days_between(today, deadline).value
}

/// A signature step, in the order the regulation wants them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 销售文员.
    Clerk,
    /// 销售部经理.
    Manager,
    /// 财务部.
    Finance,
}

impl Step {
    /// In order.
    pub const ALL: [Step; 3] = [Step::Clerk, Step::Manager, Step::Finance];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Clerk => "clerk",
            Step::Manager => "manager",
            Step::Finance => "finance",
        }
    }

    /// From the identifier.
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The role that signs it.
    pub fn role(self) -> crate::Role {
        match self {
            Step::Clerk => crate::Role::Clerk,
            Step::Manager => crate::Role::Manager,
            Step::Finance => crate::Role::Finance,
        }
    }

    /// "销售文员" / "Sales clerk".
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Step::Clerk, true) => "销售文员",
            (Step::Clerk, false) => "Sales clerk",
            (Step::Manager, true) => "销售部经理",
            (Step::Manager, false) => "Sales manager",
            (Step::Finance, true) => "财务部",
            (Step::Finance, false) => "Finance",
        }
    }
}

/// Where a statement or an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being prepared by the rep (also after a rejection).
    Draft,
    /// Filed; signatures so far in [`signed`](State::Checking::signed).
    Checking {
        /// How many of the three steps have signed.
        signed: u8,
    },
    /// All three signed: valid.
    Approved,
}

impl State {
    /// From the stored state and the number of signatures this round.
    pub fn from_parts(filed: bool, signatures: usize) -> State {
        match (filed, signatures) {
            (false, _) => State::Draft,
            (true, n) if n >= 3 => State::Approved,
            (true, n) => State::Checking { signed: n as u8 },
        }
    }

    /// The step that signs next.
    pub fn next_step(self) -> Option<Step> {
        match self {
            State::Checking { signed } => Step::ALL.get(usize::from(signed)).copied(),
            _ => None,
        }
    }

    /// The stable identifier: `draft`, `filed`, `clerk_signed`,
    /// `manager_signed`, `approved`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Checking { signed: 0 } => "filed",
            State::Checking { signed: 1 } => "clerk_signed",
            State::Checking { .. } => "manager_signed",
            State::Approved => "approved",
        }
    }

    /// From [`as_str`](Self::as_str); anything else is a draft.
    pub fn parse(s: &str) -> State {
        match s {
            "filed" => State::Checking { signed: 0 },
            "clerk_signed" => State::Checking { signed: 1 },
            "manager_signed" => State::Checking { signed: 2 },
            "approved" => State::Approved,
            _ => State::Draft,
        }
    }

    /// For the pages.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (State::Draft, true) => "草稿",
            (State::Draft, false) => "Draft",
            (State::Checking { signed: 0 }, true) => "已提交，待文员检核",
            (State::Checking { signed: 0 }, false) => "Filed, awaiting the clerk",
            (State::Checking { signed: 1 }, true) => "文员已签，待经理检核",
            (State::Checking { signed: 1 }, false) => "Clerk signed, awaiting the manager",
            (State::Checking { .. }, true) => "经理已签，待财务检核",
            (State::Checking { .. }, false) => "Manager signed, awaiting finance",
            (State::Approved, true) => "三方签字完成，有效",
            (State::Approved, false) => "Signed by all three: valid",
        }
    }
}

/// Who wants to sign, as the signing rule sees them.
#[derive(Debug, Clone, Copy)]
pub struct Signer {
    /// Their roles.
    pub roles: crate::Roles,
    /// They are the rep whose document it is.
    pub is_author: bool,
    /// They already signed another step of this round.
    pub signed_this_round: bool,
}

/// The step `signer` may sign now, or why not: not filed yet, already
/// approved, their own document, a second step by the same person, or not
/// the role the next step needs.
pub fn may_sign(state: State, signer: Signer) -> Result<Step, Problem> {
    let step = match state {
        State::Draft => return Err(Problem::Rule { rule: "not_filed" }),
        State::Approved => return Err(Problem::Rule { rule: "already_approved" }),
        State::Checking { .. } => state.next_step().ok_or(Problem::Rule { rule: "already_approved" })?,
    };
    if signer.is_author {
        return Err(Problem::Rule { rule: "own_statement" });
    }
    if signer.signed_this_round {
        return Err(Problem::Rule { rule: "one_signature_each" });
    }
    if !signer.roles.has(step.role()) {
        return Err(Problem::Rule {
            rule: match step {
                Step::Clerk => "awaits_clerk",
                Step::Manager => "awaits_manager",
                Step::Finance => "awaits_finance",
            },
        });
    }
    Ok(step)
}

/// How an expense reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Cash (现金).
    Cash,
    /// A gift or goods (礼品).
    Gift,
    /// A meal or entertainment (宴请).
    Meal,
    /// A bank transfer to the organisation (转账).
    Transfer,
    /// An event's costs (活动).
    Event,
    /// Anything else.
    Other,
}

impl Form {
    /// All forms.
    pub const ALL: [Form; 6] = [Form::Cash, Form::Gift, Form::Meal, Form::Transfer, Form::Event, Form::Other];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Cash => "cash",
            Form::Gift => "gift",
            Form::Meal => "meal",
            Form::Transfer => "transfer",
            Form::Event => "event",
            Form::Other => "other",
        }
    }

    /// "现金" / "Cash".
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Form::Cash, true) => "现金",
            (Form::Cash, false) => "Cash",
            (Form::Gift, true) => "礼品",
            (Form::Gift, false) => "Gift",
            (Form::Meal, true) => "宴请",
            (Form::Meal, false) => "Meal",
            (Form::Transfer, true) => "对公转账",
            (Form::Transfer, false) => "Transfer",
            (Form::Event, true) => "活动",
            (Form::Event, false) => "Event",
            (Form::Other, true) => "其他",
            (Form::Other, false) => "Other",
        }
    }

    /// The identifier or the Chinese label.
    pub fn parse(text: &str) -> Result<Form, Problem> {
        let t = text.trim();
        Form::ALL
            .into_iter()
            .find(|f| f.as_str() == t || f.label(true) == t)
            .ok_or_else(|| Problem::NotOneOf { allowed: Form::ALL.iter().map(|f| f.as_str().to_owned()).collect() })
    }
}

/// Cash to an individual employee of a customer can be commercial bribery
/// under Chinese law (反不正当竞争法): such an entry is flagged and needs
/// finance's explicit override with a reason.
pub fn needs_override(form: Form, to_a_person: bool) -> bool {
    form == Form::Cash && to_a_person
}

/// An expense entry as typed: how much of a month's payable expense goes to
/// whom, for what. It is paid out later (with evidence).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExpenseDraft {
    /// The statement month whose payable it draws on (`2026-10`).
    pub month: String,
    /// Recipient organisation.
    pub organisation_id: Option<i64>,
    /// Recipient person, when one person receives it.
    pub person_id: Option<i64>,
    /// Product line whose ledger it is charged to.
    pub product_line_id: Option<i64>,
    /// A [`Use`] (not `new_customer`: that is an application, 附表3).
    pub use_: String,
    /// A [`Form`].
    pub form: String,
    /// What for.
    pub purpose: String,
    /// The occasion ("2026中秋"); blank: the month itself.
    pub occasion: String,
    /// Amount in yuan, as typed.
    pub amount: String,
    /// A correction of an entry already signed by finance (the amount may
    /// then be negative).
    pub corrects_expense_id: Option<i64>,
    /// Evidence already at hand (a receipt for a gift bought).
    pub attachment_id: Option<i64>,
}

/// An expense entry, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpenseData {
    /// Statement month.
    pub month: Month,
    /// Recipient organisation.
    pub organisation_id: i64,
    /// Recipient person.
    pub person_id: Option<i64>,
    /// Product line.
    pub product_line_id: i64,
    /// Use.
    pub use_: Use,
    /// Form.
    pub form: Form,
    /// Purpose.
    pub purpose: String,
    /// Occasion key for the per-occasion cap.
    pub occasion: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// The entry it corrects.
    pub corrects_expense_id: Option<i64>,
    /// Evidence.
    pub attachment_id: Option<i64>,
}

impl ExpenseDraft {
    /// Every problem at once, by field.
    pub fn parse(&self) -> Result<ExpenseData, FieldErrors> {
        let mut e = FieldErrors::default();
        let month = e.take("month", Month::parse(&self.month));
        if self.organisation_id.is_none() {
            e.push("organisation_id", Problem::Required);
        }
        if self.product_line_id.is_none() {
            e.push("product_line_id", Problem::Required);
        }
        let use_ = match Use::parse(&self.use_) {
            Ok(Use::NewCustomer) => {
                e.push("use", Problem::Rule { rule: "use_application" });
                None
            }
            other => e.take("use", other),
        };
        let form = e.take("form", Form::parse(&self.form));
        let purpose = e.take("purpose", required_line(&self.purpose, limits::ADDRESS));
        let occasion = e.take("occasion", optional_line(&self.occasion, limits::LABEL));
        let amount = match parse_yuan(&self.amount) {
            Ok(None) => {
                e.push("amount", Problem::Required);
                None
            }
            Ok(Some(0)) => {
                e.push("amount", Problem::OutOfRange { min: 1, max: MAX_FEN });
                None
            }
            Ok(Some(a)) if a < 0 && self.corrects_expense_id.is_none() => {
                e.push("amount", Problem::Rule { rule: "negative_needs_correction" });
                None
            }
            Ok(Some(a)) => Some(a),
            Err(p) => {
                e.push("amount", p);
                None
            }
        };
        e.finish(|| {
            let month = month.unwrap_or(Month { year: 2000, month: 1 });
            ExpenseData {
                month,
                organisation_id: self.organisation_id.unwrap_or_default(),
                person_id: self.person_id,
                product_line_id: self.product_line_id.unwrap_or_default(),
                use_: use_.unwrap_or(Use::Buyer),
                form: form.unwrap_or(Form::Other),
                purpose: purpose.unwrap_or_default(),
                occasion: occasion.flatten().unwrap_or_else(|| month.to_string()),
                amount_fen: amount.unwrap_or_default(),
                corrects_expense_id: self.corrects_expense_id,
                attachment_id: self.attachment_id,
            }
        })
    }
}

/// A ledger line as typed or imported: amounts in yuan text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LedgerDraft {
    /// `2026-01`.
    pub month: String,
    /// Shipped units (发货).
    pub shipped_units: String,
    /// Units sold through (纯销).
    pub net_units: String,
    /// Net sales amount, yuan.
    pub net_sales: String,
    /// Collected, yuan.
    pub collected: String,
}

/// A ledger line's figures, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LedgerFigures {
    /// Month.
    pub month: Month,
    /// Shipped units.
    pub shipped_units: i64,
    /// The figures the accrual reads.
    pub figures: Figures,
}

/// Units: a whole number, negative for returns, at most a billion.
fn units(text: &str) -> Result<i64, Problem> {
    let t: String = text.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    if t.is_empty() {
        return Ok(0);
    }
    let n: i64 = t.parse().map_err(|_| Problem::Invalid { expected: "whole number" })?;
    if n.abs() > 1_000_000_000 {
        return Err(Problem::OutOfRange { min: -1_000_000_000, max: 1_000_000_000 });
    }
    Ok(n)
}

impl LedgerDraft {
    /// Every problem at once. Blank figures are 0; net sales may be
    /// negative (returns), collections too (a reversed payment).
    pub fn parse(&self) -> Result<LedgerFigures, FieldErrors> {
        let mut e = FieldErrors::default();
        let month = e.take("month", Month::parse(&self.month));
        let shipped = e.take("shipped_units", units(&self.shipped_units));
        let net_units = e.take("net_units", units(&self.net_units));
        let net_sales = e.take("net_sales", parse_yuan(&self.net_sales).map(Option::unwrap_or_default));
        let collected = e.take("collected", parse_yuan(&self.collected).map(Option::unwrap_or_default));
        e.finish(|| LedgerFigures {
            month: month.unwrap_or(Month { year: 2000, month: 1 }),
            shipped_units: shipped.unwrap_or_default(),
            figures: Figures {
                net_units: net_units.unwrap_or_default(),
                net_sales_fen: net_sales.unwrap_or_default(),
                collected_fen: collected.unwrap_or_default(),
            },
        })
    }
}

/// The customers a manager spot-checks after payout: `n` of `customers`,
/// drawn with a seed made of the statement's id and round, so the same
/// statement always yields the same pick (and the audit log can show why
/// these three).
pub fn spot_check_pick(statement_id: i64, round: i64, customers: &[i64], n: usize) -> Vec<i64> {
    let mut pool: Vec<i64> = customers.to_vec();
    pool.sort_unstable();
    pool.dedup();
    let mut rng = SplitMix64::from_parts(&[0x5107_c4ec, statement_id as u64, round as u64]);
    // Partial Fisher–Yates: the first n places.
    let take = n.min(pool.len());
    for i in 0..take {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

#[cfg(test)]
mod tests;
