//! The relationship-maintenance expense regime (客情费): product lines and
//! their standards, the sales and collections ledger, expense entries with
//! their recipients and evidence, monthly statements (附表1/附表2) and
//! new-customer applications (附表3) with three signatures, advances,
//! payouts and spot checks.
//!
//! The rules (accrual, signing order, caps, headroom) are keqing-core's
//! [`keqing_core::expense`]; this module loads what they need, applies them
//! inside one transaction and writes the result with its audit entry.
//! A statement is reachable when its rep is in the caller's scope.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, id_list, now, organisations, settings};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::expense::{
    self as rules, ExpenseData, ExpenseRules, Figures, LedgerFigures, Month, Signer, Standard, State, Step, Use,
};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, Roles, Scope, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// The settings key of [`ExpenseRules`].
pub const RULES: &str = "expense_rules";

/// A product line and its standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductLine {
    /// Id.
    pub id: i64,
    /// Code ("JK-01").
    pub code: String,
    /// Name ("进口模块").
    pub name: String,
    /// Unit ("盒").
    pub unit: String,
    /// The standard.
    pub standard: Standard,
    /// Allowed uses.
    pub uses: Vec<Use>,
    /// Still sold.
    pub active: bool,
    /// Version.
    pub version: i64,
}

/// A product line to save.
#[derive(Debug, Clone)]
pub struct NewProductLine {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Standard.
    pub standard: Standard,
    /// Uses.
    pub uses: Vec<Use>,
    /// Active.
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    product_line_id: i64,
    code: String,
    name: String,
    unit: String,
    standard_kind: String,
    rate: i64,
    uses: String,
    active: bool,
    version: i64,
}

fn standard_of(kind: &str, rate: i64) -> Standard {
    if kind == "percent" { Standard::Percent { basis_points: rate } } else { Standard::PerUnit { fen_per_unit: rate } }
}

fn standard_parts(s: Standard) -> (&'static str, i64) {
    match s {
        Standard::PerUnit { fen_per_unit } => ("per_unit", fen_per_unit),
        Standard::Percent { basis_points } => ("percent", basis_points),
    }
}

impl From<ProductRow> for ProductLine {
    fn from(r: ProductRow) -> Self {
        ProductLine {
            id: r.product_line_id,
            code: r.code,
            name: r.name,
            unit: r.unit,
            standard: standard_of(&r.standard_kind, r.rate),
            uses: rules::parse_uses(&r.uses).unwrap_or_default(),
            active: r.active,
            version: r.version,
        }
    }
}

const PRODUCT: &str =
    "SELECT product_line_id, code, name, unit, standard_kind, rate, uses, active, version FROM product_line";

async fn product(src: &mut impl Source, id: i64) -> Result<ProductLine> {
    let sql = format!("{PRODUCT} WHERE product_line_id = $1");
    let r: Option<ProductRow> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    r.map(Into::into).ok_or(StoreError::NotFound)
}

/// A ledger line with names.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LedgerLine {
    /// Id.
    pub ledger_line_id: i64,
    /// Customer.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// Its owner (the rep whose statement it feeds).
    pub owner_user_id: i64,
    /// Product line.
    pub product_line_id: i64,
    /// Its code.
    pub product_code: String,
    /// Month.
    pub month: String,
    /// Shipped units.
    pub shipped_units: i64,
    /// Units sold through.
    pub net_units: i64,
    /// Net sales, fen.
    pub net_sales_fen: i64,
    /// Collected, fen.
    pub collected_fen: i64,
    /// Version.
    pub version: i64,
}

/// One line to write to the ledger.
#[derive(Debug, Clone, Copy)]
pub struct LedgerInput {
    /// Customer.
    pub organisation_id: i64,
    /// Product line.
    pub product_line_id: i64,
    /// Figures.
    pub figures: LedgerFigures,
}

/// A signature.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Signature {
    /// `clerk`, `manager`, `finance`.
    pub step: String,
    /// Signer.
    pub user_id: i64,
    /// Their name at the time.
    pub user_name: String,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// After the 8th working day.
    pub late: bool,
    /// The round (a rejection starts a new one).
    pub round: i64,
}

/// A statement's header.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Statement {
    /// Id.
    pub statement_id: i64,
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// Month.
    pub month: String,
    /// Filed (and not returned since).
    pub filed: bool,
    /// Round.
    pub round: i64,
    /// When filed.
    pub filed_at: Option<DateTime<Utc>>,
    /// After the 3rd working day.
    pub filed_late: bool,
    /// Why it was last returned.
    pub rejected_reason: Option<String>,
    /// By whom.
    pub rejected_by_name: Option<String>,
    /// When.
    pub rejected_at: Option<DateTime<Utc>>,
    /// Totals frozen at filing.
    pub accrued_fen: i64,
    /// Payable.
    pub payable_fen: i64,
    /// Withheld.
    pub withheld_fen: i64,
    /// Allocated to recipients.
    pub allocated_fen: i64,
    /// Version.
    pub version: i64,
    /// `draft`, `filed`, `clerk_signed`, `manager_signed`, `approved`.
    #[sqlx(skip)]
    pub state: String,
    /// This round's signatures, in order.
    #[sqlx(skip)]
    pub signatures: Vec<Signature>,
}

impl Statement {
    /// The state as keqing-core sees it.
    pub fn state(&self) -> State {
        State::from_parts(self.filed, self.signatures.len())
    }
}

/// One row of 附表1.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StatementLine {
    /// Customer.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// Product line.
    pub product_line_id: i64,
    /// Code.
    pub product_code: String,
    /// Name.
    pub product_name: String,
    /// The standard in words.
    pub standard: String,
    /// Shipped.
    pub shipped_units: i64,
    /// Net units.
    pub net_units: i64,
    /// Net sales.
    pub net_sales_fen: i64,
    /// Collected.
    pub collected_fen: i64,
    /// Collection rate, basis points.
    pub collection_rate_bp: Option<i64>,
    /// Accrued.
    pub accrued_fen: i64,
    /// Payable.
    pub payable_fen: i64,
    /// Withheld.
    pub withheld_fen: i64,
    /// Why.
    pub withheld_reason: Option<String>,
}

/// A transfer of value.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Expense {
    /// Id.
    pub expense_id: i64,
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// Statement month.
    pub month: String,
    /// Recipient organisation.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// Recipient person.
    pub person_id: Option<i64>,
    /// Their name (kept after erasure of the person).
    pub person_name: Option<String>,
    /// Product line.
    pub product_line_id: i64,
    /// Its code.
    pub product_code: String,
    /// Use.
    pub use_kind: String,
    /// Form.
    pub form: String,
    /// Purpose.
    pub purpose: String,
    /// Occasion.
    pub occasion: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// The entry it corrects.
    pub corrects_expense_id: Option<i64>,
    /// Cash to an individual.
    pub flagged: bool,
    /// Finance's reason for letting it through.
    pub override_reason: Option<String>,
    /// Who.
    pub override_by_name: Option<String>,
    /// When.
    pub override_at: Option<DateTime<Utc>>,
    /// Evidence.
    pub attachment_id: Option<i64>,
    /// Paid out on.
    pub paid_on: Option<NaiveDate>,
    /// Version.
    pub version: i64,
    /// Entered at.
    pub created_at: DateTime<Utc>,
}

const EXPENSE: &str = "SELECT e.expense_id, e.user_id, u.display_name AS user_name, e.month, e.organisation_id,
    o.name AS organisation_name, e.person_id, e.person_name, e.product_line_id, p.code AS product_code, e.use_kind, e.form,
    e.purpose, e.occasion, e.amount_fen, e.corrects_expense_id, e.flagged, e.override_reason, e.override_by_name,
    e.override_at, e.attachment_id, e.paid_on, e.version, e.created_at
    FROM expense e JOIN app_user u ON u.user_id = e.user_id JOIN organisation o ON o.organisation_id = e.organisation_id
    JOIN product_line p ON p.product_line_id = e.product_line_id";

/// A new customer's special-expense application (附表3).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Application {
    /// Id.
    pub application_id: i64,
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// The new customer.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// The contract's day, if signed.
    pub contract_signed_on: Option<NaiveDate>,
    /// Product line.
    pub product_line_id: i64,
    /// Its code.
    pub product_code: String,
    /// Applied on.
    pub applied_on: NaiveDate,
    /// Month of application (附表2 lists it).
    pub month: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Purpose.
    pub purpose: String,
    /// Filed (not returned).
    pub filed: bool,
    /// Round.
    pub round: i64,
    /// Why returned.
    pub rejected_reason: Option<String>,
    /// Paid out on.
    pub paid_on: Option<NaiveDate>,
    /// Evidence of payment.
    pub paid_attachment_id: Option<i64>,
    /// Version.
    pub version: i64,
    /// State.
    #[sqlx(skip)]
    pub state: String,
    /// This round's signatures.
    #[sqlx(skip)]
    pub signatures: Vec<Signature>,
}

const APPLICATION: &str = "SELECT a.application_id, a.user_id, u.display_name AS user_name, a.organisation_id,
    o.name AS organisation_name, o.contract_signed_on, a.product_line_id, p.code AS product_code, a.applied_on, a.month,
    a.amount_fen, a.purpose, a.filed, a.round, a.rejected_reason, a.paid_on, a.paid_attachment_id, a.version
    FROM application a JOIN app_user u ON u.user_id = a.user_id JOIN organisation o ON o.organisation_id = a.organisation_id
    JOIN product_line p ON p.product_line_id = a.product_line_id";

/// A new-customer application to file.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// Customer.
    pub organisation_id: i64,
    /// Product line.
    pub product_line_id: i64,
    /// Day of application.
    pub applied_on: NaiveDate,
    /// Amount.
    pub amount_fen: i64,
    /// Purpose.
    pub purpose: String,
}

/// A rep's month: the statement (if started), 附表1's lines, the expense
/// entries and the month's applications (附表2), with totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthView {
    /// Month.
    pub month: String,
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// The statement, once started.
    pub statement: Option<Statement>,
    /// `draft` … `approved`.
    pub state: String,
    /// 附表1: as filed, or computed from the ledger now.
    pub lines: Vec<StatementLine>,
    /// Expense entries.
    pub expenses: Vec<Expense>,
    /// 附表2: the month's new-customer applications.
    pub applications: Vec<Application>,
    /// Sum of accrued.
    pub accrued_fen: i64,
    /// Sum of payable.
    pub payable_fen: i64,
    /// Sum of withheld.
    pub withheld_fen: i64,
    /// Sum of entries.
    pub allocated_fen: i64,
    /// Sum of entries paid out.
    pub paid_fen: i64,
}

/// A rep's advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AdvanceBalance {
    /// Drawn in all.
    pub drawn_fen: i64,
    /// Paid out to recipients in all.
    pub paid_fen: i64,
    /// Drawn minus paid.
    pub outstanding_fen: i64,
    /// The limit.
    pub limit_fen: i64,
    /// What may still be drawn.
    pub headroom_fen: i64,
}

/// A spot check.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpotCheck {
    /// Id.
    pub spot_check_id: i64,
    /// Statement.
    pub statement_id: i64,
    /// Its rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// Month.
    pub month: String,
    /// Customer.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// Picked at.
    pub picked_at: DateTime<Utc>,
    /// By.
    pub picked_by_name: String,
    /// `confirmed` or `discrepancy`.
    pub result: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Confirmed by.
    pub confirmed_by_name: Option<String>,
    /// When.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// What a person or organisation received, for audits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transparency {
    /// Expense entries to them.
    pub expenses: Vec<Expense>,
    /// New-customer special expenses.
    pub applications: Vec<Application>,
    /// Sum paid out.
    pub paid_fen: i64,
    /// Sum entered.
    pub total_fen: i64,
}

/// Which document a signature is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// A monthly statement.
    Statement,
    /// A new-customer application.
    Application,
}

impl Document {
    fn as_str(self) -> &'static str {
        match self {
            Document::Statement => "statement",
            Document::Application => "application",
        }
    }
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Document::Statement => ("statement", "statement_id"),
            Document::Application => ("application", "application_id"),
        }
    }
}

fn month_text(m: Month) -> String {
    m.to_string()
}

async fn signatures(src: &mut impl Source, doc: Document, id: i64, round: i64) -> Result<Vec<Signature>> {
    let mut s: Vec<Signature> = exec!(src.exec(), |c| sqlx::query_as(
        "SELECT step, user_id, user_name, signed_at, late, round FROM signature
         WHERE document = $1 AND document_id = $2 AND round = $3"
    )
    .bind(doc.as_str())
    .bind(id)
    .bind(round)
    .fetch_all(c)
    .await)?;
    s.sort_by_key(|g| Step::parse(&g.step));
    Ok(s)
}

const STATEMENT: &str = "SELECT s.statement_id, s.user_id, u.display_name AS user_name, s.month, s.filed, s.round,
    s.filed_at, s.filed_late, s.rejected_reason, s.rejected_by_name, s.rejected_at, s.accrued_fen, s.payable_fen,
    s.withheld_fen, s.allocated_fen, s.version FROM statement s JOIN app_user u ON u.user_id = s.user_id";

async fn complete_statement(src: &mut impl Source, mut s: Statement) -> Result<Statement> {
    s.signatures = signatures(src, Document::Statement, s.statement_id, s.round).await?;
    s.state = s.state().as_str().to_owned();
    Ok(s)
}

async fn statement_by_id(src: &mut impl Source, scope: &Scope, id: i64) -> Result<Statement> {
    let sql = format!("{STATEMENT} WHERE s.statement_id = $1");
    let s: Option<Statement> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    let s = s.ok_or(StoreError::NotFound)?;
    if !scope.contains(UserId(s.user_id)) {
        return Err(StoreError::NotFound);
    }
    complete_statement(src, s).await
}

async fn statement_of(src: &mut impl Source, user: UserId, month: Month) -> Result<Option<Statement>> {
    let sql = format!("{STATEMENT} WHERE s.user_id = $1 AND s.month = $2");
    let s: Option<Statement> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql))
        .bind(user.0)
        .bind(month_text(month))
        .fetch_optional(c)
        .await)?;
    match s {
        Some(s) => Ok(Some(complete_statement(src, s).await?)),
        None => Ok(None),
    }
}

async fn complete_application(src: &mut impl Source, mut a: Application) -> Result<Application> {
    a.signatures = signatures(src, Document::Application, a.application_id, a.round).await?;
    a.state = State::from_parts(a.filed, a.signatures.len()).as_str().to_owned();
    Ok(a)
}

async fn application_by_id(src: &mut impl Source, scope: &Scope, id: i64) -> Result<Application> {
    let sql = format!("{APPLICATION} WHERE a.application_id = $1");
    let a: Option<Application> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    let a = a.ok_or(StoreError::NotFound)?;
    if !scope.contains(UserId(a.user_id)) {
        return Err(StoreError::NotFound);
    }
    complete_application(src, a).await
}

async fn expense_by_id(src: &mut impl Source, scope: &Scope, id: i64) -> Result<Expense> {
    let sql = format!("{EXPENSE} WHERE e.expense_id = $1");
    let e: Option<Expense> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    let e = e.ok_or(StoreError::NotFound)?;
    if !scope.contains(UserId(e.user_id)) {
        return Err(StoreError::NotFound);
    }
    Ok(e)
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    organisation_id: i64,
    organisation_name: String,
    product_line_id: i64,
    code: String,
    name: String,
    unit: String,
    standard_kind: String,
    rate: i64,
    shipped_units: i64,
    net_units: i64,
    net_sales_fen: i64,
    collected_fen: i64,
}

/// The lines of a user's month computed from the ledger now.
async fn live_lines(
    src: &mut impl Source,
    user: UserId,
    month: Month,
    rule: rules::PayoutRule,
) -> Result<Vec<StatementLine>> {
    let rows: Vec<LiveRow> = exec!(src.exec(), |c| {
        sqlx::query_as(
        "SELECT l.organisation_id, o.name AS organisation_name, l.product_line_id, p.code, p.name, p.unit, p.standard_kind,
           p.rate, l.shipped_units, l.net_units, l.net_sales_fen, l.collected_fen
         FROM ledger_line l JOIN organisation o ON o.organisation_id = l.organisation_id
         JOIN product_line p ON p.product_line_id = l.product_line_id
         WHERE l.month = $1 AND o.owner_user_id = $2 ORDER BY o.name, p.code"
    )
    .bind(month_text(month))
    .bind(user.0)
    .fetch_all(c)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let standard = standard_of(&r.standard_kind, r.rate);
            let f = Figures { net_units: r.net_units, net_sales_fen: r.net_sales_fen, collected_fen: r.collected_fen };
            let a = rules::accrue(standard, rule, f);
            StatementLine {
                organisation_id: r.organisation_id,
                organisation_name: r.organisation_name,
                product_line_id: r.product_line_id,
                product_code: r.code,
                product_name: r.name,
                standard: standard.describe(&r.unit),
                shipped_units: r.shipped_units,
                net_units: r.net_units,
                net_sales_fen: r.net_sales_fen,
                collected_fen: r.collected_fen,
                collection_rate_bp: a.collection_rate_bp,
                accrued_fen: a.accrued_fen,
                payable_fen: a.payable_fen,
                withheld_fen: a.withheld_fen,
                withheld_reason: a.withheld.map(|w| w.describe(true)),
            }
        })
        .collect())
}

async fn frozen_lines(src: &mut impl Source, statement: i64) -> Result<Vec<StatementLine>> {
    Ok(exec!(src.exec(), |c| {
        sqlx::query_as(
        "SELECT organisation_id, organisation_name, product_line_id, product_code, product_name, standard, shipped_units,
           net_units, net_sales_fen, collected_fen, collection_rate_bp, accrued_fen, payable_fen, withheld_fen, withheld_reason
         FROM statement_line WHERE statement_id = $1 ORDER BY statement_line_id"
    )
    .bind(statement)
    .fetch_all(c)
    .await
    })?)
}

async fn month_expenses(src: &mut impl Source, user: UserId, month: Month) -> Result<Vec<Expense>> {
    let sql = format!("{EXPENSE} WHERE e.user_id = $1 AND e.month = $2 ORDER BY o.name, e.expense_id");
    Ok(exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql))
        .bind(user.0)
        .bind(month_text(month))
        .fetch_all(c)
        .await)?)
}

async fn month_applications(src: &mut impl Source, user: UserId, month: Month) -> Result<Vec<Application>> {
    let sql = format!("{APPLICATION} WHERE a.user_id = $1 AND a.month = $2 ORDER BY a.applied_on, a.application_id");
    let rows: Vec<Application> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql))
        .bind(user.0)
        .bind(month_text(month))
        .fetch_all(c)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        out.push(complete_application(src, a).await?);
    }
    Ok(out)
}

async fn month_view(src: &mut impl Source, user: UserId, month: Month, rules: &ExpenseRules) -> Result<MonthView> {
    let u = crate::users::load(src, user).await?;
    let statement = statement_of(src, user, month).await?;
    let lines = match &statement {
        Some(s) if s.filed || s.state() == State::Approved => frozen_lines(src, s.statement_id).await?,
        _ => live_lines(src, user, month, rules.payout_rule).await?,
    };
    let expenses = month_expenses(src, user, month).await?;
    let applications = month_applications(src, user, month).await?;
    Ok(MonthView {
        month: month_text(month),
        user_id: user.0,
        user_name: u.display_name,
        state: statement.as_ref().map_or(State::Draft, Statement::state).as_str().to_owned(),
        statement,
        accrued_fen: lines.iter().map(|l| l.accrued_fen).sum(),
        payable_fen: lines.iter().map(|l| l.payable_fen).sum(),
        withheld_fen: lines.iter().map(|l| l.withheld_fen).sum(),
        allocated_fen: expenses.iter().map(|e| e.amount_fen).sum(),
        paid_fen: expenses.iter().filter(|e| e.paid_on.is_some()).map(|e| e.amount_fen).sum(),
        lines,
        expenses,
        applications,
    })
}

/// The statement of (user, month) and whether entries may still change.
async fn check_open(src: &mut impl Source, user: UserId, month: Month) -> Result<()> {
    if let Some(s) = statement_of(src, user, month).await? {
        if s.state() == State::Approved {
            let day = s.signatures.last().map(|g| g.signed_at.date_naive()).unwrap_or_default();
            return Err(StoreError::invalid("month", Problem::SinceDate { rule: "locked_after_finance", date: day }));
        }
        if s.filed {
            return Err(StoreError::invalid("month", Problem::Rule { rule: "statement_locked" }));
        }
    }
    Ok(())
}

/// Allocated to (organisation, product, month) by `user`, excluding one entry.
async fn allocated(src: &mut impl Source, user: UserId, org: i64, product: i64, month: Month) -> Result<i64> {
    let n: Option<i64> = exec!(src.exec(), |c| {
        sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM expense WHERE user_id = $1 AND organisation_id = $2 AND product_line_id = $3 AND month = $4"
    )
    .bind(user.0)
    .bind(org)
    .bind(product)
    .bind(month_text(month))
    .fetch_one(c)
    .await
    })?;
    Ok(n.unwrap_or(0))
}

async fn advance_balance(src: &mut impl Source, user: UserId, limit: i64) -> Result<AdvanceBalance> {
    let drawn: Option<i64> = exec!(src.exec(), |c| sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM advance WHERE user_id = $1"
    )
    .bind(user.0)
    .fetch_one(c)
    .await)?;
    let paid_e: Option<i64> = exec!(src.exec(), |c| sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM expense WHERE user_id = $1 AND paid_on IS NOT NULL"
    )
    .bind(user.0)
    .fetch_one(c)
    .await)?;
    let paid_a: Option<i64> = exec!(src.exec(), |c| sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM application WHERE user_id = $1 AND paid_on IS NOT NULL"
    )
    .bind(user.0)
    .fetch_one(c)
    .await)?;
    let drawn = drawn.unwrap_or(0);
    let paid = paid_e.unwrap_or(0) + paid_a.unwrap_or(0);
    let outstanding = (drawn - paid).max(0);
    Ok(AdvanceBalance {
        drawn_fen: drawn,
        paid_fen: paid,
        outstanding_fen: outstanding,
        limit_fen: limit,
        headroom_fen: (limit - outstanding).max(0),
    })
}

/// Whether `person` works at `org` (primarily or by affiliation).
async fn person_at(src: &mut impl Source, person: i64, org: i64) -> Result<Option<String>> {
    Ok(exec!(src.exec(), |c| sqlx::query_scalar(
        "SELECT p.name FROM person p WHERE p.person_id = $1 AND p.erased_at IS NULL AND (p.organisation_id = $2
           OR EXISTS (SELECT 1 FROM person_affiliation a WHERE a.person_id = p.person_id AND a.organisation_id = $2))"
    )
    .bind(person)
    .bind(org)
    .fetch_optional(c)
    .await)?)
}

async fn rules_of(src: &mut impl Source) -> Result<ExpenseRules> {
    Ok(settings::read::<ExpenseRules>(src, RULES).await?.value)
}

fn conflict<T: Serialize>(version: i64, current: &T) -> StoreError {
    StoreError::Conflict { version, current: serde_json::to_value(current).unwrap_or_default() }
}

impl Store {
    /// The regime's settings.
    pub async fn expense_rules(&self) -> Result<settings::Versioned<ExpenseRules>> {
        self.setting(RULES).await
    }

    /// Product lines, by code.
    pub async fn product_lines(&self) -> Result<Vec<ProductLine>> {
        let sql = format!("{PRODUCT} ORDER BY code");
        let rows: Vec<ProductRow> =
            exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Creates a product line (or, with `id` and `version`, changes one).
    pub async fn save_product_line(
        &self,
        actor: &Actor,
        id: Option<(i64, i64)>,
        p: &NewProductLine,
    ) -> Result<ProductLine> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let (kind, rate) = standard_parts(p.standard);
        let uses = rules::uses_text(&p.uses);
        let (before, id) = match id {
            None => {
                let id: i64 = exec!(tx.exec(), |c| sqlx::query_scalar(
                    "INSERT INTO product_line (code, name, unit, standard_kind, rate, uses, active, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING product_line_id"
                )
                .bind(&p.code)
                .bind(&p.name)
                .bind(&p.unit)
                .bind(kind)
                .bind(rate)
                .bind(&uses)
                .bind(p.active)
                .bind(at)
                .fetch_one(c)
                .await)
                .map_err(|e| StoreError::unique_as(e, "code"))?;
                (None, id)
            }
            Some((id, version)) => {
                let before = product(&mut tx, id).await?;
                if before.version != version {
                    return Err(conflict(before.version, &before));
                }
                run!(tx.exec(), |c| sqlx::query(
                    "UPDATE product_line SET code = $1, name = $2, unit = $3, standard_kind = $4, rate = $5, uses = $6,
                       active = $7, version = version + 1, updated_at = $8 WHERE product_line_id = $9"
                )
                .bind(&p.code)
                .bind(&p.name)
                .bind(&p.unit)
                .bind(kind)
                .bind(rate)
                .bind(&uses)
                .bind(p.active)
                .bind(at)
                .bind(id)
                .execute(c)
                .await)
                .map_err(|e| StoreError::unique_as(e, "code"))?;
                (Some(before), id)
            }
        };
        let after = product(&mut tx, id).await?;
        audit::record(&mut tx, actor, at, "product_line", id, None, &after.name, before.as_ref(), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records (or clears) the day a customer's contract was signed.
    pub async fn set_contract_date(
        &self,
        actor: &Actor,
        scope: &Scope,
        org: OrganisationId,
        on: Option<NaiveDate>,
    ) -> Result<Option<NaiveDate>> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let o = organisations::load(&mut tx, scope, org).await?;
        let before: Option<NaiveDate> = exec!(tx.exec(), |c| sqlx::query_scalar(
            "SELECT contract_signed_on FROM organisation WHERE organisation_id = $1"
        )
        .bind(org.0)
        .fetch_one(c)
        .await)?;
        run!(tx.exec(), |c| sqlx::query(
            "UPDATE organisation SET contract_signed_on = $1, updated_at = $2 WHERE organisation_id = $3"
        )
        .bind(on)
        .bind(at)
        .bind(org.0)
        .execute(c)
        .await)?;
        #[derive(Serialize)]
        struct C {
            contract_signed_on: Option<NaiveDate>,
        }
        audit::record(
            &mut tx,
            actor,
            at,
            "organisation_contract",
            org.0,
            Some(o.owner_id),
            &o.name,
            Some(&C { contract_signed_on: before }),
            Some(&C { contract_signed_on: on }),
        )
        .await?;
        tx.commit().await?;
        Ok(on)
    }

    /// Writes ledger lines, all or none: a line of a month whose statement
    /// finance has signed is refused (`lines[i]`), corrections go into a
    /// later month. One audit entry per line, or one for an import
    /// (`batch_label`).
    pub async fn write_ledger(&self, actor: &Actor, lines: &[LedgerInput], batch_label: Option<&str>) -> Result<usize> {
        let at = now();
        let mut tx = self.db.begin().await?;
        for (i, l) in lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            let month = month_text(l.figures.month);
            let owner: Option<i64> = exec!(tx.exec(), |c| sqlx::query_scalar(
                "SELECT owner_user_id FROM organisation WHERE organisation_id = $1"
            )
            .bind(l.organisation_id)
            .fetch_optional(c)
            .await)?;
            let Some(owner) = owner else {
                return Err(StoreError::invalid(&format!("{field}.organisation_id"), Problem::UnknownReference));
            };
            if product(&mut tx, l.product_line_id).await.is_err() {
                return Err(StoreError::invalid(&format!("{field}.product_line_id"), Problem::UnknownReference));
            }
            let locked: Option<i64> = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                "SELECT s.statement_id FROM statement_line sl JOIN statement s ON s.statement_id = sl.statement_id
                 WHERE sl.organisation_id = $1 AND sl.product_line_id = $2 AND s.month = $3 AND EXISTS (SELECT 1 FROM signature g
                   WHERE g.document = 'statement' AND g.document_id = s.statement_id AND g.round = s.round AND g.step = 'finance')"
            )
            .bind(l.organisation_id)
            .bind(l.product_line_id)
            .bind(&month)
            .fetch_optional(c)
            .await
            })?;
            if locked.is_some() {
                return Err(StoreError::invalid(&field, Problem::Rule { rule: "ledger_locked" }));
            }
            let f = l.figures;
            let before: Option<LedgerLine> = ledger_line(&mut tx, l.organisation_id, l.product_line_id, &month).await?;
            run!(tx.exec(), |c| {
                sqlx::query(
                "INSERT INTO ledger_line (organisation_id, product_line_id, month, shipped_units, net_units, net_sales_fen,
                   collected_fen, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                 ON CONFLICT (organisation_id, month, product_line_id) DO UPDATE SET shipped_units = excluded.shipped_units,
                   net_units = excluded.net_units, net_sales_fen = excluded.net_sales_fen, collected_fen = excluded.collected_fen,
                   version = ledger_line.version + 1, updated_at = excluded.updated_at"
            )
            .bind(l.organisation_id)
            .bind(l.product_line_id)
            .bind(&month)
            .bind(f.shipped_units)
            .bind(f.figures.net_units)
            .bind(f.figures.net_sales_fen)
            .bind(f.figures.collected_fen)
            .bind(at)
            .execute(c)
            .await
            })?;
            if batch_label.is_none() {
                let after = ledger_line(&mut tx, l.organisation_id, l.product_line_id, &month).await?;
                if let Some(a) = &after {
                    let summary = format!("{} · {} · {}", a.organisation_name, a.product_code, a.month);
                    audit::record(
                        &mut tx,
                        actor,
                        at,
                        "ledger_line",
                        a.ledger_line_id,
                        Some(UserId(owner)),
                        &summary,
                        before.as_ref(),
                        Some(a),
                    )
                    .await?;
                }
            }
        }
        if let Some(label) = batch_label {
            let entry = audit::NewEntry {
                action: keqing_core::audit::Action::Create,
                entity: "ledger_import",
                entity_id: at.timestamp().to_string(),
                owner: None,
                summary: format!("{label} · {} lines", lines.len()),
                changes: keqing_core::audit::Changes::default(),
            };
            audit::write(&mut tx, actor, at, entry).await?;
        }
        tx.commit().await?;
        Ok(lines.len())
    }

    /// Ledger lines in scope: of a month, a customer, a product line.
    pub async fn ledger(
        &self,
        scope: &Scope,
        month: Option<Month>,
        org: Option<i64>,
        product: Option<i64>,
    ) -> Result<Vec<LedgerLine>> {
        let mut cond = vec!["1 = 1".to_owned()];
        if let Some(owners) = scope.owners() {
            cond.push(format!("o.owner_user_id IN ({})", id_list(owners.iter().map(|u| u.0))));
        }
        if let Some(m) = month {
            cond.push(format!("l.month = '{m}'"));
        }
        if let Some(o) = org {
            cond.push(format!("l.organisation_id = {o}"));
        }
        if let Some(p) = product {
            cond.push(format!("l.product_line_id = {p}"));
        }
        let sql = format!("{LEDGER} WHERE {} ORDER BY l.month DESC, o.name, p.code LIMIT 5000", cond.join(" AND "));
        Ok(exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?)
    }

    /// Organisation ids by exact name (for imports): name → ids.
    pub async fn organisation_ids_by_name(
        &self,
        names: &[String],
    ) -> Result<std::collections::BTreeMap<String, Vec<i64>>> {
        let mut out: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        let mut c = self.db.conn().await?;
        for chunk in names.chunks(500) {
            let mut sql = String::from("SELECT name, organisation_id FROM organisation WHERE name IN (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i + 1));
            }
            sql.push(')');
            let rows: Vec<(String, i64)> = exec!(c.exec(), |c| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()));
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(c).await
            })?;
            for (n, id) in rows {
                out.entry(n).or_default().push(id);
            }
        }
        Ok(out)
    }

    /// A rep's month: statement, 附表1, entries and 附表2.
    pub async fn month_view(&self, scope: &Scope, user: UserId, month: Month) -> Result<MonthView> {
        if !scope.contains(user) {
            return Err(StoreError::NotFound);
        }
        let mut c = self.db.conn().await?;
        let rules = rules_of(&mut c).await?;
        month_view(&mut c, user, month, &rules).await
    }

    /// A statement by id, with its month.
    pub async fn statement(&self, scope: &Scope, id: i64) -> Result<MonthView> {
        let mut c = self.db.conn().await?;
        let s = statement_by_id(&mut c, scope, id).await?;
        let rules = rules_of(&mut c).await?;
        let month = Month::parse(&s.month).map_err(|_| StoreError::NotFound)?;
        month_view(&mut c, UserId(s.user_id), month, &rules).await
    }

    /// Statements in scope, newest month first (the checkers' queue).
    pub async fn statements(&self, scope: &Scope, month: Option<Month>) -> Result<Vec<Statement>> {
        let mut cond = vec!["1 = 1".to_owned()];
        if let Some(owners) = scope.owners() {
            cond.push(format!("s.user_id IN ({})", id_list(owners.iter().map(|u| u.0))));
        }
        if let Some(m) = month {
            cond.push(format!("s.month = '{m}'"));
        }
        let sql = format!("{STATEMENT} WHERE {} ORDER BY s.month DESC, u.display_name LIMIT 1000", cond.join(" AND "));
        let mut c = self.db.conn().await?;
        let rows: Vec<Statement> = exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for s in rows {
            out.push(complete_statement(&mut c, s).await?);
        }
        Ok(out)
    }

    /// New-customer applications in scope, newest first.
    pub async fn applications(&self, scope: &Scope) -> Result<Vec<Application>> {
        let cond = match scope.owners() {
            None => "1 = 1".to_owned(),
            Some(o) => format!("a.user_id IN ({})", id_list(o.iter().map(|u| u.0))),
        };
        let sql = format!("{APPLICATION} WHERE {cond} ORDER BY a.applied_on DESC, a.application_id DESC LIMIT 1000");
        let mut c = self.db.conn().await?;
        let rows: Vec<Application> = exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for a in rows {
            out.push(complete_application(&mut c, a).await?);
        }
        Ok(out)
    }

    /// One application.
    pub async fn application(&self, scope: &Scope, id: i64) -> Result<Application> {
        application_by_id(&mut self.db.conn().await?, scope, id).await
    }

    /// Enters an expense of `user` (the actor): the customer must be in
    /// scope, the person must work there, the product line must allow the
    /// use, the month's statement must be open, the person's caps must
    /// hold and the customer's allocations must stay within its payable
    /// amount. Cash to a person is saved flagged.
    pub async fn add_expense(&self, actor: &Actor, scope: &Scope, d: &ExpenseData) -> Result<Expense> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("an expense needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        let org = match organisations::load(&mut tx, scope, OrganisationId(d.organisation_id)).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid("organisation_id", Problem::UnknownReference)),
            other => other?,
        };
        let p = match product(&mut tx, d.product_line_id).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid("product_line_id", Problem::UnknownReference)),
            other => other?,
        };
        if !p.uses.contains(&d.use_) {
            return Err(StoreError::invalid("use", Problem::Rule { rule: "use_not_allowed" }));
        }
        let person_name = match d.person_id {
            None => None,
            Some(pid) => match person_at(&mut tx, pid, d.organisation_id).await? {
                Some(n) => Some(n),
                None => return Err(StoreError::invalid("person_id", Problem::Rule { rule: "not_a_customer_person" })),
            },
        };
        check_open(&mut tx, user, d.month).await?;
        if let Some(c) = d.corrects_expense_id {
            let orig = match expense_by_id(&mut tx, scope, c).await {
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid("corrects_expense_id", Problem::UnknownReference));
                }
                other => other?,
            };
            let orig_month = Month::parse(&orig.month).map_err(|_| StoreError::NotFound)?;
            if orig_month >= d.month {
                return Err(StoreError::invalid("month", Problem::Rule { rule: "correction_in_a_later_month" }));
            }
        }
        if let Some(pid) = d.person_id
            && d.amount_fen > 0
        {
            let occasion: Option<i64> = exec!(tx.exec(), |c| sqlx::query_scalar(
                "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM expense WHERE person_id = $1 AND occasion = $2"
            )
            .bind(pid)
            .bind(&d.occasion)
            .fetch_one(c)
            .await)?;
            let year: Option<i64> = exec!(tx.exec(), |c| sqlx::query_scalar(
                "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM expense WHERE person_id = $1 AND month LIKE $2"
            )
            .bind(pid)
            .bind(format!("{}-%", d.month.year))
            .fetch_one(c)
            .await)?;
            rules
                .check_caps(d.amount_fen, occasion.unwrap_or(0), year.unwrap_or(0))
                .map_err(|p| StoreError::invalid("amount", p))?;
        }
        if d.amount_fen > 0 {
            let payable: Option<i64> = {
                let lines = live_lines(&mut tx, UserId(org.owner_id.0), d.month, rules.payout_rule).await?;
                Some(
                    lines
                        .iter()
                        .filter(|l| l.organisation_id == d.organisation_id && l.product_line_id == d.product_line_id)
                        .map(|l| l.payable_fen)
                        .sum(),
                )
            };
            let payable = payable.unwrap_or(0);
            let so_far = allocated(&mut tx, user, d.organisation_id, d.product_line_id, d.month).await?;
            if so_far + d.amount_fen > payable {
                return Err(StoreError::invalid(
                    "amount",
                    Problem::OverLimit {
                        rule: "over_payable",
                        limit_fen: payable,
                        remaining_fen: (payable - so_far).max(0),
                    },
                ));
            }
        }
        if let Some(a) = d.attachment_id {
            check_attachment(&mut tx, a, user).await?;
        }
        let flagged = rules::needs_override(d.form, d.person_id.is_some());
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
            "INSERT INTO expense (user_id, month, organisation_id, person_id, person_name, product_line_id, use_kind, form, purpose,
               occasion, amount_fen, corrects_expense_id, flagged, attachment_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15, $14, $14) RETURNING expense_id"
        )
        .bind(user.0)
        .bind(month_text(d.month))
        .bind(d.organisation_id)
        .bind(d.person_id)
        .bind(&person_name)
        .bind(d.product_line_id)
        .bind(d.use_.as_str())
        .bind(d.form.as_str())
        .bind(&d.purpose)
        .bind(&d.occasion)
        .bind(d.amount_fen)
        .bind(d.corrects_expense_id)
        .bind(flagged)
        .bind(at)
        .bind(d.attachment_id)
        .fetch_one(c)
        .await
        })?;
        let e = expense_by_id(&mut tx, &Scope::All, id).await?;
        audit::record(&mut tx, actor, at, "expense", id, Some(user), &expense_summary(&e), None, Some(&e)).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// One expense entry.
    pub async fn expense(&self, scope: &Scope, id: i64) -> Result<Expense> {
        expense_by_id(&mut self.db.conn().await?, scope, id).await
    }

    /// Deletes an entry while its statement is still a draft.
    pub async fn delete_expense(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let e = expense_by_id(&mut tx, scope, id).await?;
        if actor.user_id != Some(UserId(e.user_id)) {
            return Err(StoreError::NotFound);
        }
        let month = Month::parse(&e.month).map_err(|_| StoreError::NotFound)?;
        check_open(&mut tx, UserId(e.user_id), month).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM expense WHERE expense_id = $1").bind(id).execute(c).await)?;
        audit::record(&mut tx, actor, at, "expense", id, Some(UserId(e.user_id)), &expense_summary(&e), Some(&e), None)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finance lets a flagged entry (cash to a person) through, with a reason.
    pub async fn override_expense(&self, actor: &Actor, id: i64, reason: &str) -> Result<Expense> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = expense_by_id(&mut tx, &Scope::All, id).await?;
        if !before.flagged {
            return Err(StoreError::invalid("expense_id", Problem::Rule { rule: "no_override_needed" }));
        }
        let name = signer_name(&mut tx, actor).await?;
        run!(tx.exec(), |c| sqlx::query(
            "UPDATE expense SET override_reason = $1, override_by_name = $2, override_at = $3, version = version + 1,
               updated_at = $3 WHERE expense_id = $4"
        )
        .bind(reason)
        .bind(&name)
        .bind(at)
        .bind(id)
        .execute(c)
        .await)?;
        let after = expense_by_id(&mut tx, &Scope::All, id).await?;
        audit::record(
            &mut tx,
            actor,
            at,
            "expense",
            id,
            Some(UserId(after.user_id)),
            &expense_summary(&after),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Stores an evidence file and returns its id.
    pub async fn save_attachment(
        &self,
        actor: &Actor,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        use sha2::{Digest, Sha256};
        let user = actor.user_id.ok_or_else(|| StoreError::Config("an attachment needs a user".into()))?;
        let at = now();
        let sha = hex::encode(Sha256::digest(bytes));
        let mut tx = self.db.begin().await?;
        let id: i64 = exec!(tx.exec(), |c| sqlx::query_scalar(
            "INSERT INTO attachment (file_name, content_type, size_bytes, sha256, content, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING attachment_id"
        )
        .bind(file_name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(bytes)
        .bind(user.0)
        .bind(at)
        .fetch_one(c)
        .await)?;
        let entry = audit::NewEntry {
            action: keqing_core::audit::Action::Create,
            entity: "attachment",
            entity_id: id.to_string(),
            owner: Some(user),
            summary: format!("{file_name} · {} bytes · sha256 {}", bytes.len(), &sha[..12]),
            changes: keqing_core::audit::Changes::default(),
        };
        audit::write(&mut tx, actor, at, entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An evidence file: its name, type and bytes. Reachable by its
    /// uploader and by users whose scope holds the uploader.
    pub async fn attachment(&self, scope: &Scope, id: i64) -> Result<(String, String, Vec<u8>)> {
        let row: Option<(String, String, Vec<u8>, i64)> = exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(
            "SELECT file_name, content_type, content, user_id FROM attachment WHERE attachment_id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        match row {
            Some((n, t, b, u)) if scope.contains(UserId(u)) => Ok((n, t, b)),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Files (or re-files after a return) a rep's statement: 附表1's lines
    /// are frozen from the ledger, every customer's entries must stay
    /// within its payable amount. `late`: after the 3rd working day.
    pub async fn file_statement(&self, actor: &Actor, month: Month, late: bool) -> Result<MonthView> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("a statement needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        check_open(&mut tx, user, month).await?;
        let lines = live_lines(&mut tx, user, month, rules.payout_rule).await?;
        let expenses = month_expenses(&mut tx, user, month).await?;
        for (i, e) in expenses.iter().enumerate() {
            if e.amount_fen <= 0 {
                continue;
            }
            let payable: i64 = lines
                .iter()
                .filter(|l| l.organisation_id == e.organisation_id && l.product_line_id == e.product_line_id)
                .map(|l| l.payable_fen)
                .sum();
            let so_far: i64 = expenses
                .iter()
                .filter(|x| x.organisation_id == e.organisation_id && x.product_line_id == e.product_line_id)
                .map(|x| x.amount_fen)
                .sum();
            if so_far > payable {
                return Err(StoreError::invalid(
                    &format!("expenses[{i}]"),
                    Problem::OverLimit { rule: "over_payable", limit_fen: payable, remaining_fen: 0 },
                ));
            }
        }
        let before = statement_of(&mut tx, user, month).await?;
        let sid = match &before {
            Some(s) => s.statement_id,
            None => exec!(tx.exec(), |c| sqlx::query_scalar(
                "INSERT INTO statement (user_id, month, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING statement_id"
            )
            .bind(user.0)
            .bind(month_text(month))
            .bind(at)
            .fetch_one(c)
            .await)
            .map_err(|e| StoreError::unique_as(e, "month"))?,
        };
        run!(tx.exec(), |c| sqlx::query("DELETE FROM statement_line WHERE statement_id = $1")
            .bind(sid)
            .execute(c)
            .await)?;
        for l in &lines {
            run!(tx.exec(), |c| {
                sqlx::query(
                "INSERT INTO statement_line (statement_id, organisation_id, organisation_name, product_line_id, product_code,
                   product_name, standard, shipped_units, net_units, net_sales_fen, collected_fen, collection_rate_bp,
                   accrued_fen, payable_fen, withheld_fen, withheld_reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            )
            .bind(sid)
            .bind(l.organisation_id)
            .bind(&l.organisation_name)
            .bind(l.product_line_id)
            .bind(&l.product_code)
            .bind(&l.product_name)
            .bind(&l.standard)
            .bind(l.shipped_units)
            .bind(l.net_units)
            .bind(l.net_sales_fen)
            .bind(l.collected_fen)
            .bind(l.collection_rate_bp)
            .bind(l.accrued_fen)
            .bind(l.payable_fen)
            .bind(l.withheld_fen)
            .bind(&l.withheld_reason)
            .execute(c)
            .await
            })?;
        }
        let sum = |f: fn(&StatementLine) -> i64| lines.iter().map(f).sum::<i64>();
        run!(tx.exec(), |c| sqlx::query(
            "UPDATE statement SET filed = $1, filed_at = $2, filed_late = $3, accrued_fen = $4, payable_fen = $5,
               withheld_fen = $6, allocated_fen = $7, version = version + 1, updated_at = $2 WHERE statement_id = $8"
        )
        .bind(true)
        .bind(at)
        .bind(late)
        .bind(sum(|l| l.accrued_fen))
        .bind(sum(|l| l.payable_fen))
        .bind(sum(|l| l.withheld_fen))
        .bind(expenses.iter().map(|e| e.amount_fen).sum::<i64>())
        .bind(sid)
        .execute(c)
        .await)?;
        let after = statement_by_id(&mut tx, &Scope::All, sid).await?;
        let summary = format!("{} · {} · 提交{}", after.user_name, after.month, if late { "（逾期）" } else { "" });
        audit::record(&mut tx, actor, at, "statement", sid, Some(user), &summary, before.as_ref(), Some(&after))
            .await?;
        let view = month_view(&mut tx, user, month, &rules).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Files a new customer's special-expense application (附表3); refused
    /// once the contract is signed.
    pub async fn apply_for_new_customer(
        &self,
        actor: &Actor,
        scope: &Scope,
        a: &NewApplication,
    ) -> Result<Application> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("an application needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        match organisations::load(&mut tx, scope, OrganisationId(a.organisation_id)).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid("organisation_id", Problem::UnknownReference)),
            other => other?,
        };
        let p = match product(&mut tx, a.product_line_id).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid("product_line_id", Problem::UnknownReference)),
            other => other?,
        };
        if !p.uses.contains(&Use::NewCustomer) {
            return Err(StoreError::invalid("product_line_id", Problem::Rule { rule: "use_not_allowed" }));
        }
        let contract: Option<NaiveDate> = exec!(tx.exec(), |c| sqlx::query_scalar(
            "SELECT contract_signed_on FROM organisation WHERE organisation_id = $1"
        )
        .bind(a.organisation_id)
        .fetch_one(c)
        .await)?;
        if let Some(signed) = contract
            && a.applied_on >= signed
        {
            return Err(StoreError::invalid("applied_on", Problem::SinceDate { rule: "after_contract", date: signed }));
        }
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
            "INSERT INTO application (user_id, organisation_id, product_line_id, applied_on, month, amount_fen, purpose,
               created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING application_id"
        )
        .bind(user.0)
        .bind(a.organisation_id)
        .bind(a.product_line_id)
        .bind(a.applied_on)
        .bind(month_text(Month::of(a.applied_on)))
        .bind(a.amount_fen)
        .bind(&a.purpose)
        .bind(at)
        .fetch_one(c)
        .await
        })?;
        let after = application_by_id(&mut tx, &Scope::All, id).await?;
        let summary = format!("{} · {} · 附表3", after.user_name, after.organisation_name);
        audit::record(&mut tx, actor, at, "application", id, Some(user), &summary, None, Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Signs the next step of a statement or application if `version` is
    /// current. Two checkers signing at once get one signature: the other
    /// gets a conflict (the version moved, or the unique key on document,
    /// round and step refused the second row).
    #[allow(clippy::too_many_arguments)]
    pub async fn sign(
        &self,
        actor: &Actor,
        roles: Roles,
        scope: &Scope,
        doc: Document,
        id: i64,
        version: i64,
        late: bool,
    ) -> Result<Step> {
        let signer = actor.user_id.ok_or_else(|| StoreError::Config("a signature needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let (author, round, filed, cur_version, sigs, summary, current) = match doc {
            Document::Statement => {
                let s = statement_by_id(&mut tx, scope, id).await?;
                let summary = format!("{} · {}", s.user_name, s.month);
                (
                    s.user_id,
                    s.round,
                    s.filed,
                    s.version,
                    s.signatures.clone(),
                    summary,
                    serde_json::to_value(&s).unwrap_or_default(),
                )
            }
            Document::Application => {
                let a = application_by_id(&mut tx, scope, id).await?;
                let summary = format!("{} · {} · 附表3", a.user_name, a.organisation_name);
                (
                    a.user_id,
                    a.round,
                    a.filed,
                    a.version,
                    a.signatures.clone(),
                    summary,
                    serde_json::to_value(&a).unwrap_or_default(),
                )
            }
        };
        if cur_version != version {
            return Err(StoreError::Conflict { version: cur_version, current });
        }
        let state = State::from_parts(filed, sigs.len());
        let step = rules::may_sign(
            state,
            Signer {
                roles,
                is_author: author == signer.0,
                signed_this_round: sigs.iter().any(|g| g.user_id == signer.0),
            },
        )
        .map_err(|p| StoreError::invalid("signature", p))?;
        if step == Step::Finance && doc == Document::Statement {
            let month = Month::parse(&summary_month(&current)).map_err(|_| StoreError::NotFound)?;
            let open: Option<i64> = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                "SELECT expense_id FROM expense WHERE user_id = $1 AND month = $2 AND flagged = $3 AND override_reason IS NULL"
            )
            .bind(author)
            .bind(month_text(month))
            .bind(true)
            .fetch_optional(c)
            .await
            })?;
            if open.is_some() {
                return Err(StoreError::invalid("signature", Problem::Rule { rule: "needs_override" }));
            }
        }
        let name = signer_name(&mut tx, actor).await?;
        let inserted = run!(tx.exec(), |c| sqlx::query(
            "INSERT INTO signature (document, document_id, round, step, user_id, user_name, signed_at, late)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(doc.as_str())
        .bind(id)
        .bind(round)
        .bind(step.as_str())
        .bind(signer.0)
        .bind(&name)
        .bind(at)
        .bind(late)
        .execute(c)
        .await);
        match inserted {
            Ok(_) => {}
            Err(e) if matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()) => {
                return Err(StoreError::Conflict { version: cur_version + 1, current });
            }
            Err(e) => return Err(e.into()),
        }
        let (table, key) = doc.table();
        let sql = format!("UPDATE {table} SET version = version + 1, updated_at = $1 WHERE {key} = $2");
        run!(tx.exec(), |c| sqlx::query(AssertSqlSafe(sql)).bind(at).bind(id).execute(c).await)?;
        #[derive(Serialize)]
        struct Signed<'a> {
            step: &'a str,
            signer: &'a str,
            round: i64,
            late: bool,
        }
        audit::record(
            &mut tx,
            actor,
            at,
            doc.as_str(),
            id,
            Some(UserId(author)),
            &format!("{summary} · {}签字", step.label(true)),
            None,
            Some(&Signed { step: step.as_str(), signer: &actor.name, round, late }),
        )
        .await?;
        tx.commit().await?;
        Ok(step)
    }

    /// Returns a statement or application to its rep with a reason: the
    /// checker of the current step may do it; a new round starts.
    #[allow(clippy::too_many_arguments)]
    pub async fn reject(
        &self,
        actor: &Actor,
        roles: Roles,
        scope: &Scope,
        doc: Document,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<()> {
        let signer = actor.user_id.ok_or_else(|| StoreError::Config("a rejection needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let (author, filed, cur_version, sigs, current) = match doc {
            Document::Statement => {
                let s = statement_by_id(&mut tx, scope, id).await?;
                (s.user_id, s.filed, s.version, s.signatures.clone(), serde_json::to_value(&s).unwrap_or_default())
            }
            Document::Application => {
                let a = application_by_id(&mut tx, scope, id).await?;
                (a.user_id, a.filed, a.version, a.signatures.clone(), serde_json::to_value(&a).unwrap_or_default())
            }
        };
        if cur_version != version {
            return Err(StoreError::Conflict { version: cur_version, current });
        }
        let state = State::from_parts(filed, sigs.len());
        rules::may_sign(state, Signer { roles, is_author: author == signer.0, signed_this_round: false })
            .map_err(|p| StoreError::invalid("rejection", p))?;
        let (table, key) = doc.table();
        let sql = format!(
            "UPDATE {table} SET filed = $1, round = round + 1, rejected_reason = $2, rejected_by_name = $3, rejected_at = $4,
               version = version + 1, updated_at = $4 WHERE {key} = $5"
        );
        let name = signer_name(&mut tx, actor).await?;
        run!(tx.exec(), |c| sqlx::query(AssertSqlSafe(sql))
            .bind(false)
            .bind(reason)
            .bind(&name)
            .bind(at)
            .bind(id)
            .execute(c)
            .await)?;
        #[derive(Serialize)]
        struct Returned<'a> {
            reason: &'a str,
        }
        audit::record(
            &mut tx,
            actor,
            at,
            doc.as_str(),
            id,
            Some(UserId(author)),
            &format!("退回：{reason}"),
            None,
            Some(&Returned { reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A rep's advances.
    pub async fn advance_balance(&self, user: UserId) -> Result<AdvanceBalance> {
        let mut c = self.db.conn().await?;
        let rules = rules_of(&mut c).await?;
        advance_balance(&mut c, user, rules.advance_limit_fen).await
    }

    /// Draws an advance against the actor's approved statement, from the
    /// 9th working day (`advances_from`) and within the limit.
    pub async fn draw_advance(
        &self,
        actor: &Actor,
        statement_id: i64,
        amount_fen: i64,
        today: NaiveDate,
        advances_from: impl FnOnce(Month) -> Option<NaiveDate>,
    ) -> Result<AdvanceBalance> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("an advance needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        let s = statement_by_id(&mut tx, &Scope::All, statement_id).await?;
        if s.user_id != user.0 {
            return Err(StoreError::NotFound);
        }
        if s.state() != State::Approved {
            return Err(StoreError::invalid("statement_id", Problem::Rule { rule: "not_approved" }));
        }
        let month = Month::parse(&s.month).map_err(|_| StoreError::NotFound)?;
        if let Some(from) = advances_from(month)
            && today < from
        {
            return Err(StoreError::invalid("statement_id", Problem::SinceDate { rule: "advances_from", date: from }));
        }
        let bal = advance_balance(&mut tx, user, rules.advance_limit_fen).await?;
        rules.check_advance(amount_fen, bal.outstanding_fen).map_err(|p| StoreError::invalid("amount", p))?;
        let on_statement: Option<i64> = exec!(tx.exec(), |c| sqlx::query_scalar(
            "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM advance WHERE statement_id = $1"
        )
        .bind(statement_id)
        .fetch_one(c)
        .await)?;
        let drawn = on_statement.unwrap_or(0);
        if drawn + amount_fen > s.allocated_fen {
            return Err(StoreError::invalid(
                "amount",
                Problem::OverLimit {
                    rule: "over_statement",
                    limit_fen: s.allocated_fen,
                    remaining_fen: (s.allocated_fen - drawn).max(0),
                },
            ));
        }
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
            "INSERT INTO advance (user_id, statement_id, amount_fen, drawn_on, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING advance_id"
        )
        .bind(user.0)
        .bind(statement_id)
        .bind(amount_fen)
        .bind(today)
        .bind(at)
        .fetch_one(c)
        .await
        })?;
        #[derive(Serialize)]
        struct Drawn {
            statement_id: i64,
            amount_fen: i64,
        }
        audit::record(
            &mut tx,
            actor,
            at,
            "advance",
            id,
            Some(user),
            &format!("{} · {} · 借支", s.user_name, s.month),
            None,
            Some(&Drawn { statement_id, amount_fen }),
        )
        .await?;
        let after = advance_balance(&mut tx, user, rules.advance_limit_fen).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records that an entry was paid to its recipient: its statement must
    /// be approved, a flag overridden, evidence attached, and the rep's
    /// outstanding advance must cover it (the payout settles it).
    pub async fn pay_expense(
        &self,
        actor: &Actor,
        id: i64,
        paid_on: NaiveDate,
        attachment_id: Option<i64>,
    ) -> Result<Expense> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("a payout needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        let before = expense_by_id(&mut tx, &Scope::All, id).await?;
        if before.user_id != user.0 {
            return Err(StoreError::NotFound);
        }
        if before.paid_on.is_some() {
            return Err(StoreError::invalid("expense_id", Problem::Rule { rule: "already_paid" }));
        }
        let month = Month::parse(&before.month).map_err(|_| StoreError::NotFound)?;
        let approved = statement_of(&mut tx, user, month).await?.is_some_and(|s| s.state() == State::Approved);
        if !approved {
            return Err(StoreError::invalid("expense_id", Problem::Rule { rule: "not_approved" }));
        }
        if before.flagged && before.override_reason.is_none() {
            return Err(StoreError::invalid("expense_id", Problem::Rule { rule: "needs_override" }));
        }
        let evidence = attachment_id.or(before.attachment_id);
        let Some(evidence) = evidence else {
            return Err(StoreError::invalid("attachment_id", Problem::Rule { rule: "evidence_required" }));
        };
        check_attachment(&mut tx, evidence, user).await?;
        let bal = advance_balance(&mut tx, user, rules.advance_limit_fen).await?;
        if before.amount_fen > bal.outstanding_fen {
            return Err(StoreError::invalid(
                "expense_id",
                Problem::OverLimit {
                    rule: "over_advance",
                    limit_fen: bal.outstanding_fen,
                    remaining_fen: bal.outstanding_fen,
                },
            ));
        }
        run!(tx.exec(), |c| {
            sqlx::query(
            "UPDATE expense SET paid_on = $1, attachment_id = $2, version = version + 1, updated_at = $3 WHERE expense_id = $4"
        )
        .bind(paid_on)
        .bind(evidence)
        .bind(at)
        .bind(id)
        .execute(c)
        .await
        })?;
        let after = expense_by_id(&mut tx, &Scope::All, id).await?;
        audit::record(
            &mut tx,
            actor,
            at,
            "expense",
            id,
            Some(user),
            &expense_summary(&after),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Pays a new customer's approved special expense, only once the
    /// customer has paid something (回款).
    pub async fn pay_application(
        &self,
        actor: &Actor,
        id: i64,
        paid_on: NaiveDate,
        attachment_id: i64,
    ) -> Result<Application> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("a payout needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        let before = application_by_id(&mut tx, &Scope::All, id).await?;
        if before.user_id != user.0 {
            return Err(StoreError::NotFound);
        }
        if before.paid_on.is_some() {
            return Err(StoreError::invalid("application_id", Problem::Rule { rule: "already_paid" }));
        }
        if before.state != State::Approved.as_str() {
            return Err(StoreError::invalid("application_id", Problem::Rule { rule: "not_approved" }));
        }
        let collected: Option<i64> = exec!(tx.exec(), |c| sqlx::query_scalar(
            "SELECT CAST(SUM(collected_fen) AS BIGINT) FROM ledger_line WHERE organisation_id = $1"
        )
        .bind(before.organisation_id)
        .fetch_one(c)
        .await)?;
        if collected.unwrap_or(0) <= 0 {
            return Err(StoreError::invalid("application_id", Problem::Rule { rule: "not_collected" }));
        }
        check_attachment(&mut tx, attachment_id, user).await?;
        let bal = advance_balance(&mut tx, user, rules.advance_limit_fen).await?;
        if before.amount_fen > bal.outstanding_fen {
            return Err(StoreError::invalid(
                "application_id",
                Problem::OverLimit {
                    rule: "over_advance",
                    limit_fen: bal.outstanding_fen,
                    remaining_fen: bal.outstanding_fen,
                },
            ));
        }
        run!(tx.exec(), |c| sqlx::query(
            "UPDATE application SET paid_on = $1, paid_attachment_id = $2, version = version + 1, updated_at = $3
             WHERE application_id = $4"
        )
        .bind(paid_on)
        .bind(attachment_id)
        .bind(at)
        .bind(id)
        .execute(c)
        .await)?;
        let after = application_by_id(&mut tx, &Scope::All, id).await?;
        let summary = format!("{} · {} · 附表3兑付", after.user_name, after.organisation_name);
        audit::record(&mut tx, actor, at, "application", id, Some(user), &summary, Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Picks (once; later calls return the same) the customers a manager
    /// spot-checks on an approved statement with payouts.
    pub async fn spot_check(&self, actor: &Actor, scope: &Scope, statement_id: i64) -> Result<Vec<SpotCheck>> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let rules = rules_of(&mut tx).await?;
        let s = statement_by_id(&mut tx, scope, statement_id).await?;
        if actor.user_id == Some(UserId(s.user_id)) {
            return Err(StoreError::invalid("statement_id", Problem::Rule { rule: "own_statement" }));
        }
        let existing = spot_checks_where(&mut tx, &format!("c.statement_id = {statement_id}")).await?;
        if !existing.is_empty() {
            return Ok(existing);
        }
        if s.state() != State::Approved {
            return Err(StoreError::invalid("statement_id", Problem::Rule { rule: "not_approved" }));
        }
        let paid: Vec<(i64, String)> = exec!(tx.exec(), |c| {
            sqlx::query_as(
            "SELECT DISTINCT e.organisation_id, o.name FROM expense e JOIN organisation o ON o.organisation_id = e.organisation_id
             WHERE e.user_id = $1 AND e.month = $2 AND e.paid_on IS NOT NULL"
        )
        .bind(s.user_id)
        .bind(&s.month)
        .fetch_all(c)
        .await
        })?;
        if paid.is_empty() {
            return Err(StoreError::invalid("statement_id", Problem::Rule { rule: "not_paid_out" }));
        }
        let ids: Vec<i64> = paid.iter().map(|(i, _)| *i).collect();
        let picked = rules::spot_check_pick(statement_id, s.round, &ids, rules.spot_check_count as usize);
        let name_of_picker = signer_name(&mut tx, actor).await?;
        for org in &picked {
            let name = paid.iter().find(|(i, _)| i == org).map(|(_, n)| n.clone()).unwrap_or_default();
            run!(tx.exec(), |c| sqlx::query(
                "INSERT INTO spot_check (statement_id, organisation_id, organisation_name, picked_at, picked_by_name)
                 VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(statement_id)
            .bind(org)
            .bind(&name)
            .bind(at)
            .bind(&name_of_picker)
            .execute(c)
            .await)?;
        }
        #[derive(Serialize)]
        struct Picked<'a> {
            candidates: &'a [i64],
            picked: &'a [i64],
            seed: String,
        }
        audit::record(
            &mut tx,
            actor,
            at,
            "spot_check",
            statement_id,
            Some(UserId(s.user_id)),
            &format!("{} · {} · 抽查{}家", s.user_name, s.month, picked.len()),
            None,
            Some(&Picked {
                candidates: &ids,
                picked: &picked,
                seed: format!("statement {statement_id} round {}", s.round),
            }),
        )
        .await?;
        let out = spot_checks_where(&mut tx, &format!("c.statement_id = {statement_id}")).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records what a spot check found.
    pub async fn confirm_spot_check(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        confirmed: bool,
        note: Option<&str>,
    ) -> Result<SpotCheck> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before =
            spot_checks_where(&mut tx, &format!("c.spot_check_id = {id}")).await?.pop().ok_or(StoreError::NotFound)?;
        if !scope.contains(UserId(before.user_id)) {
            return Err(StoreError::NotFound);
        }
        let name = signer_name(&mut tx, actor).await?;
        run!(tx.exec(), |c| {
            sqlx::query(
            "UPDATE spot_check SET result = $1, note = $2, confirmed_by_name = $3, confirmed_at = $4 WHERE spot_check_id = $5"
        )
        .bind(if confirmed { "confirmed" } else { "discrepancy" })
        .bind(note)
        .bind(&name)
        .bind(at)
        .bind(id)
        .execute(c)
        .await
        })?;
        let after =
            spot_checks_where(&mut tx, &format!("c.spot_check_id = {id}")).await?.pop().ok_or(StoreError::NotFound)?;
        audit::record(
            &mut tx,
            actor,
            at,
            "spot_check",
            id,
            Some(UserId(after.user_id)),
            &format!("{} · {}", after.user_name, after.organisation_name),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Spot checks in scope, newest first.
    pub async fn spot_checks(&self, scope: &Scope) -> Result<Vec<SpotCheck>> {
        let cond = match scope.owners() {
            None => "1 = 1".to_owned(),
            Some(o) => format!("s.user_id IN ({})", id_list(o.iter().map(|u| u.0))),
        };
        spot_checks_where(&mut self.db.conn().await?, &cond).await
    }

    /// What an organisation (and, given, one of its people) received.
    pub async fn transparency(&self, scope: &Scope, org: Option<i64>, person: Option<i64>) -> Result<Transparency> {
        let mut c = self.db.conn().await?;
        let mut cond = Vec::new();
        if let Some(o) = org {
            organisations::load(&mut c, scope, OrganisationId(o)).await?;
            cond.push(format!("e.organisation_id = {o}"));
        }
        if let Some(p) = person {
            cond.push(format!("e.person_id = {p}"));
        }
        if let Some(owners) = scope.owners() {
            cond.push(format!("e.user_id IN ({})", id_list(owners.iter().map(|u| u.0))));
        }
        if cond.is_empty() {
            cond.push("1 = 1".into());
        }
        let sql = format!("{EXPENSE} WHERE {} ORDER BY e.month DESC, e.expense_id DESC LIMIT 5000", cond.join(" AND "));
        let expenses: Vec<Expense> = exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let applications = match (org, person) {
            (Some(o), None) => {
                let sql = format!("{APPLICATION} WHERE a.organisation_id = {o} ORDER BY a.applied_on DESC");
                let rows: Vec<Application> =
                    exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
                let mut out = Vec::new();
                for a in rows {
                    out.push(complete_application(&mut c, a).await?);
                }
                out
            }
            _ => Vec::new(),
        };
        Ok(Transparency {
            paid_fen: expenses.iter().filter(|e| e.paid_on.is_some()).map(|e| e.amount_fen).sum::<i64>()
                + applications.iter().filter(|a| a.paid_on.is_some()).map(|a| a.amount_fen).sum::<i64>(),
            total_fen: expenses.iter().map(|e| e.amount_fen).sum::<i64>()
                + applications.iter().map(|a| a.amount_fen).sum::<i64>(),
            expenses,
            applications,
        })
    }
}

/// The name written on forms: the user's display name ("吴霞"), not the
/// login the audit log keeps.
async fn signer_name(src: &mut impl Source, actor: &Actor) -> Result<String> {
    match actor.user_id {
        Some(u) => Ok(crate::users::load(src, u).await.map(|u| u.display_name).unwrap_or_else(|_| actor.name.clone())),
        None => Ok(actor.name.clone()),
    }
}

fn summary_month(v: &serde_json::Value) -> String {
    v.get("month").and_then(|m| m.as_str()).unwrap_or_default().to_owned()
}

fn expense_summary(e: &Expense) -> String {
    let to = e.person_name.as_deref().unwrap_or(&e.organisation_name);
    format!("{} · {} · {} · ¥{}", e.user_name, e.month, to, keqing_core::money::format_yuan(e.amount_fen))
}

async fn check_attachment(tx: &mut Tx, id: i64, user: UserId) -> Result<()> {
    let owner: Option<i64> =
        exec!(tx.exec(), |c| sqlx::query_scalar("SELECT user_id FROM attachment WHERE attachment_id = $1")
            .bind(id)
            .fetch_optional(c)
            .await)?;
    if owner != Some(user.0) {
        return Err(StoreError::invalid("attachment_id", Problem::UnknownReference));
    }
    Ok(())
}

const LEDGER: &str = "SELECT l.ledger_line_id, l.organisation_id, o.name AS organisation_name, o.owner_user_id,
    l.product_line_id, p.code AS product_code, l.month, l.shipped_units, l.net_units, l.net_sales_fen, l.collected_fen, l.version
    FROM ledger_line l JOIN organisation o ON o.organisation_id = l.organisation_id
    JOIN product_line p ON p.product_line_id = l.product_line_id";

async fn ledger_line(src: &mut impl Source, org: i64, product: i64, month: &str) -> Result<Option<LedgerLine>> {
    let sql = format!("{LEDGER} WHERE l.organisation_id = $1 AND l.product_line_id = $2 AND l.month = $3");
    Ok(exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql))
        .bind(org)
        .bind(product)
        .bind(month)
        .fetch_optional(c)
        .await)?)
}

async fn spot_checks_where(src: &mut impl Source, cond: &str) -> Result<Vec<SpotCheck>> {
    let sql = format!(
        "SELECT c.spot_check_id, c.statement_id, s.user_id, u.display_name AS user_name, s.month, c.organisation_id,
           c.organisation_name, c.picked_at, c.picked_by_name, c.result, c.note, c.confirmed_by_name, c.confirmed_at
         FROM spot_check c JOIN statement s ON s.statement_id = c.statement_id JOIN app_user u ON u.user_id = s.user_id
         WHERE {cond} ORDER BY c.picked_at DESC, c.spot_check_id LIMIT 1000"
    );
    Ok(exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?)
}
