//! The expense regime's reference data and money movements: product lines
//! and their standards, the rules, contract dates, the sales and
//! collections ledger (entered or imported), expense entries with their
//! evidence, finance's override of flagged cash, advances, payouts, and the
//! transparency report.

use super::no_content;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use keqing_core::expense::{self as rules, ExpenseDraft, ExpenseRules, LedgerDraft, Month, Standard};
use keqing_core::model::organisation::date as parse_date;
use keqing_core::money::{parse_non_negative_yuan, parse_yuan};
use keqing_core::table::{Encoding, Table};
use keqing_core::validate::{FieldErrors, Problem, limits, required_line};
use keqing_core::{OrganisationId, Permission, UserId};
use keqing_store::expenses::{AdvanceBalance, LedgerInput, MonthView, NewProductLine, ProductLine};
use keqing_store::settings::Versioned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The largest ledger file accepted.
pub const MAX_LEDGER_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The largest evidence upload the server reads (the rules may set less).
pub const MAX_ATTACHMENT_BYTES: usize = 50 * 1024 * 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(update_product))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(put_contract))
        .routes(routes!(get_ledger, put_ledger))
        .routes(routes!(import_ledger))
        .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES))
        .routes(routes!(upload_attachment))
        .routes(routes!(get_attachment))
        .routes(routes!(month))
        .routes(routes!(add_expense))
        .routes(routes!(delete_expense))
        .routes(routes!(override_expense))
        .routes(routes!(pay_expense))
        .routes(routes!(get_advances, draw_advance))
        .routes(routes!(transparency))
}

fn invalid(field: &str, p: Problem) -> Error {
    Error::Validation(FieldErrors::one(field, p))
}

/// A product line to save.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProductIn {
    /// Code ("JK-01"), unique.
    pub code: String,
    /// Name ("进口模块").
    pub name: String,
    /// Unit ("盒").
    pub unit: String,
    /// `per_unit` (yuan per unit of net sales) or `percent` (of the net sales amount).
    pub standard: String,
    /// The rate: yuan ("2.00") or a percentage ("1.5").
    pub rate: String,
    /// Allowed uses: `buyer`, `purchasing_leader`, `executive`, `new_customer`, `event`.
    pub uses: Vec<String>,
    /// Still sold (default true).
    pub active: Option<bool>,
    /// For changes: the version read.
    pub version: Option<i64>,
}

impl ProductIn {
    fn parse(&self) -> Result<NewProductLine> {
        let mut e = FieldErrors::default();
        let code = e.take("code", required_line(&self.code, limits::LABEL));
        let name = e.take("name", required_line(&self.name, limits::NAME));
        let unit = e.take("unit", required_line(&self.unit, 10));
        let standard: Option<Standard> = match Standard::parse(&self.standard, &self.rate) {
            Ok(s) => Some(s),
            Err((f, p)) => {
                e.push(f, p);
                None
            }
        };
        let uses = e.take("uses", rules::parse_uses(&self.uses.join(",")));
        e.finish(|| NewProductLine {
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            unit: unit.unwrap_or_default(),
            standard: standard.unwrap_or(Standard::PerUnit { fen_per_unit: 0 }),
            uses: uses.unwrap_or_default(),
            active: self.active.unwrap_or(true),
        })
        .map_err(Error::Validation)
    }
}

/// Product lines with their standards (everyone who reads expenses).
#[utoipa::path(get, path = "/api/v1/products", tag = "expenses",
    responses((status = 200, body = Object, description = "The product lines")))]
pub async fn list_products(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<ProductLine>>> {
    auth.require(Permission::ViewExpenses)?;
    Ok(axum::Json(state.store.product_lines().await?))
}

/// Adds a product line with its standard and uses (admin).
#[utoipa::path(post, path = "/api/v1/products", tag = "expenses", request_body = ProductIn,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ProductIn>,
) -> Result<(StatusCode, axum::Json<ProductLine>)> {
    auth.require(Permission::ManageReferenceData)?;
    let p = input.parse()?;
    Ok((StatusCode::CREATED, axum::Json(state.store.save_product_line(&auth.actor(), None, &p).await?)))
}

/// Changes a product line (send the version read).
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "expenses", params(("id" = i64, Path)), request_body = ProductIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ProductIn>,
) -> Result<axum::Json<ProductLine>> {
    auth.require(Permission::ManageReferenceData)?;
    let p = input.parse()?;
    let version = input.version.ok_or_else(|| invalid("version", Problem::Required))?;
    Ok(axum::Json(state.store.save_product_line(&auth.actor(), Some((id, version)), &p).await?))
}

/// The rules with their version.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesIo {
    /// The rules: `payout_rule` (`full_collection` or `pro_rata`), `advance_limit_fen`,
    /// `cap_per_occasion_fen`, `cap_per_year_fen`, `max_attachment_bytes`, `spot_check_count`.
    #[schema(value_type = Object)]
    pub rules: ExpenseRules,
    /// Version (0: defaults, never saved).
    pub version: i64,
}

/// The regime's rules.
#[utoipa::path(get, path = "/api/v1/expenses/rules", tag = "expenses", responses((status = 200, body = RulesIo)))]
pub async fn get_rules(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<RulesIo>> {
    auth.require(Permission::ViewExpenses)?;
    let v = state.store.expense_rules().await?;
    Ok(axum::Json(RulesIo { rules: v.value, version: v.version }))
}

/// Changes the rules (admin; audited).
#[utoipa::path(put, path = "/api/v1/expenses/rules", tag = "expenses", request_body = RulesIo,
    responses((status = 200, body = RulesIo), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<RulesIo>,
) -> Result<axum::Json<RulesIo>> {
    auth.require(Permission::ManageReferenceData)?;
    input.rules.check().map_err(|e| {
        Error::Validation(FieldErrors(
            e.0.into_iter()
                .map(|f| keqing_core::validate::FieldError { field: format!("rules.{}", f.field), problem: f.problem })
                .collect(),
        ))
    })?;
    let v: Versioned<ExpenseRules> =
        state.store.set_setting(&auth.actor(), keqing_store::expenses::RULES, input.version, &input.rules).await?;
    Ok(axum::Json(RulesIo { rules: v.value, version: v.version }))
}

/// The day a customer's contract was signed.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractIo {
    /// YYYY-MM-DD, or null when not signed.
    pub signed_on: Option<String>,
}

/// Records the day the customer's contract was signed: new-customer
/// special expenses must be applied for before it.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/contract", tag = "expenses", params(("id" = i64, Path)),
    request_body = ContractIo,
    responses((status = 200, body = ContractIo), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_contract(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ContractIo>,
) -> Result<axum::Json<ContractIo>> {
    if !(auth.can(Permission::WriteCustomers) || auth.can(Permission::KeepLedger)) {
        return Err(Error::Forbidden);
    }
    let on = parse_date(input.signed_on.as_deref().unwrap_or("")).map_err(|p| invalid("signed_on", p))?;
    let scope = auth.customer_scope(&state).await?;
    let on = state.store.set_contract_date(&auth.actor(), &scope, OrganisationId(id), on).await?;
    Ok(axum::Json(ContractIo { signed_on: on.map(|d| d.to_string()) }))
}

/// Which ledger lines.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// `2026-10`.
    pub month: Option<String>,
    /// One customer.
    pub organisation_id: Option<i64>,
    /// One product line (its own ledger: 客户关系维护费——xx品种).
    pub product_line_id: Option<i64>,
    /// `csv` or `xlsx` for a download (the ledger form).
    pub format: Option<String>,
}

/// The sales and collections ledger (within scope; finance sees all).
#[utoipa::path(get, path = "/api/v1/ledger", tag = "expenses", params(LedgerQuery),
    responses((status = 200, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn get_ledger(State(state): State<AppState>, auth: Auth, Query(q): Query<LedgerQuery>) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let month = q
        .month
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .map(Month::parse)
        .transpose()
        .map_err(|p| invalid("month", p))?;
    let scope = auth.customer_scope(&state).await?;
    let lines = state.store.ledger(&scope, month, q.organisation_id, q.product_line_id).await?;
    match q.format.as_deref() {
        None | Some("") | Some("json") => Ok(axum::Json(lines).into_response()),
        Some(f) => {
            let products = state.store.product_lines().await?;
            let form = crate::forms::ledger(month, &lines, &products);
            crate::forms::download(&form, f, "ledger", "客户关系维护费台账")
        }
    }
}

/// One ledger line as typed: amounts in yuan text.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerLineIn {
    /// Customer.
    pub organisation_id: i64,
    /// Product line.
    pub product_line_id: i64,
    /// `2026-10`.
    pub month: String,
    /// Shipped units.
    pub shipped_units: String,
    /// Units sold through (纯销).
    pub net_units: String,
    /// Net sales, yuan.
    pub net_sales: String,
    /// Collected (回款), yuan.
    pub collected: String,
}

/// Lines to write.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerIn {
    /// The lines (all or none are written).
    pub lines: Vec<LedgerLineIn>,
}

/// Enters or corrects ledger lines (finance): all or none; a line of a
/// month that finance already signed is refused.
#[utoipa::path(put, path = "/api/v1/ledger", tag = "expenses", request_body = LedgerIn,
    responses((status = 200, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn put_ledger(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<LedgerIn>,
) -> Result<axum::Json<serde_json::Value>> {
    auth.require(Permission::KeepLedger)?;
    if input.lines.len() > 10_000 {
        return Err(invalid("lines", Problem::Rule { rule: "too_many" }));
    }
    let mut e = FieldErrors::default();
    let mut out = Vec::with_capacity(input.lines.len());
    for (i, l) in input.lines.iter().enumerate() {
        let d = LedgerDraft {
            month: l.month.clone(),
            shipped_units: l.shipped_units.clone(),
            net_units: l.net_units.clone(),
            net_sales: l.net_sales.clone(),
            collected: l.collected.clone(),
        };
        match d.parse() {
            Ok(f) => out.push(LedgerInput {
                organisation_id: l.organisation_id,
                product_line_id: l.product_line_id,
                figures: f,
            }),
            Err(errs) => {
                for fe in errs.0 {
                    e.push(format!("lines[{i}].{}", fe.field), fe.problem);
                }
            }
        }
    }
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let n = state.store.write_ledger(&auth.actor(), &out, None).await?;
    Ok(axum::Json(serde_json::json!({ "written": n })))
}

/// `?commit=` and the file's name and encoding.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerImportQuery {
    /// `true`: write the lines (only when the preview has no errors).
    /// Otherwise only preview.
    pub commit: Option<bool>,
    /// The file's name, for the audit log.
    pub file_name: Option<String>,
    /// CSV encoding: `utf-8`, `gbk`, `utf-16`; blank: detect.
    pub encoding: Option<String>,
}

/// A row error of a ledger file.
#[derive(Serialize, Clone)]
pub struct LedgerRowError {
    /// Spreadsheet row (the header is 1).
    pub row: usize,
    /// The column's header.
    pub column: String,
    /// The cell.
    pub value: String,
    /// What is wrong, in the request's language.
    pub message: String,
}

/// What a ledger file holds.
#[derive(Serialize)]
pub struct LedgerPreview {
    /// Rows read.
    pub rows: usize,
    /// Lines that would be written.
    pub valid_rows: usize,
    /// Every problem, by row and column.
    pub errors: Vec<LedgerRowError>,
    /// Written (only with `commit=true` and no errors).
    pub committed: bool,
}

const LEDGER_COLUMNS: [(&str, &[&str]); 8] = [
    ("month", &["月份", "month", "期间"]),
    ("organisation", &["客户", "客户名称", "organisation", "customer"]),
    ("organisation_id", &["客户ID", "客户编号", "organisation_id"]),
    ("product", &["品种编码", "品种", "产品编码", "product_code", "product"]),
    ("shipped_units", &["发货数量", "发货", "shipped_units"]),
    ("net_units", &["纯销数量", "纯销", "net_units"]),
    ("net_sales", &["纯销金额", "net_sales"]),
    ("collected", &["回款金额", "回款", "collected"]),
];

/// Imports the ledger from CSV or xlsx (finance): without `commit` a
/// preview of every row error; with `commit=true` all lines or none.
/// Columns (Chinese or English headers): 月份, 客户 (name) or 客户ID, 品种编码,
/// 发货数量, 纯销数量, 纯销金额, 回款金额.
#[utoipa::path(post, path = "/api/v1/ledger/import", tag = "expenses", params(LedgerImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8, GBK, UTF-16) or xlsx, at most 16 MiB"),
    responses((status = 200, body = Object, description = "The preview, and whether it was written"), (status = 413, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn import_ledger(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<LedgerImportQuery>,
    body: Bytes,
) -> Result<axum::Json<LedgerPreview>> {
    auth.require(Permission::KeepLedger)?;
    if body.len() > MAX_LEDGER_FILE_BYTES {
        return Err(invalid("file", Problem::Rule { rule: "file_too_large" }));
    }
    let enc: Option<Encoding> =
        Encoding::parse(q.encoding.as_deref().unwrap_or("")).map_err(|p| invalid("encoding", p))?;
    let lang = auth.ctx.lang;
    let mut table = Table::open(&body, enc).map_err(|e| match e {
        keqing_core::table::TableError::Empty => invalid("file", Problem::Rule { rule: "empty_file" }),
        keqing_core::table::TableError::Encoding(p) => invalid("file", p),
        _ => invalid("file", Problem::Invalid { expected: "CSV or Excel file" }),
    })?;
    let col = |names: &[&str]| table.headers.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let idx: Vec<Option<usize>> = LEDGER_COLUMNS.iter().map(|(_, names)| col(names)).collect();
    let mut missing = FieldErrors::default();
    for (i, (field, names)) in LEDGER_COLUMNS.iter().enumerate() {
        let needed = matches!(*field, "month" | "product" | "net_sales" | "collected");
        if needed && idx[i].is_none() {
            missing.push(format!("columns.{field}"), Problem::Rule { rule: "missing_column" });
            let _ = names;
        }
    }
    if idx[1].is_none() && idx[2].is_none() {
        missing.push("columns.organisation", Problem::Rule { rule: "missing_column" });
    }
    if !missing.is_empty() {
        return Err(Error::Validation(missing));
    }
    let headers = table.headers.clone();
    let mut raw: Vec<(usize, Vec<String>)> = Vec::new();
    let mut errors: Vec<LedgerRowError> = Vec::new();
    while let Some(r) = table.next_row() {
        match r {
            Ok(row) => {
                for &c in &row.formulas {
                    errors.push(LedgerRowError {
                        row: row.number,
                        column: headers.get(c).cloned().unwrap_or_default(),
                        value: row.cells.get(c).cloned().unwrap_or_default(),
                        message: crate::i18n::problem(lang, &Problem::Rule { rule: "formula_cell" }),
                    });
                }
                if row.cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                raw.push((row.number, row.cells));
            }
            Err(_) => return Err(invalid("file", Problem::Invalid { expected: "CSV" })),
        }
        if raw.len() > 100_000 {
            return Err(invalid("file", Problem::Rule { rule: "too_many" }));
        }
    }
    let cell = |cells: &Vec<String>, i: usize| idx[i].and_then(|c| cells.get(c)).cloned().unwrap_or_default();
    let names: Vec<String> = {
        let mut n: Vec<String> = raw.iter().map(|(_, c)| cell(c, 1)).filter(|s| !s.is_empty()).collect();
        n.sort();
        n.dedup();
        n
    };
    let by_name = state.store.organisation_ids_by_name(&names).await?;
    let products = state.store.product_lines().await?;
    let header_of =
        |i: usize| idx[i].and_then(|c| headers.get(c)).cloned().unwrap_or_else(|| LEDGER_COLUMNS[i].0.to_owned());
    let mut lines = Vec::with_capacity(raw.len());
    let mut seen = std::collections::BTreeSet::new();
    for (number, cells) in &raw {
        let mut err = |i: usize, p: Problem| {
            errors.push(LedgerRowError {
                row: *number,
                column: header_of(i),
                value: cell(cells, i),
                message: crate::i18n::problem(lang, &p),
            })
        };
        let org = if idx[2].is_some() && !cell(cells, 2).is_empty() {
            match cell(cells, 2).trim().parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    err(2, Problem::Invalid { expected: "id" });
                    None
                }
            }
        } else {
            match by_name.get(cell(cells, 1).trim()) {
                Some(ids) if ids.len() == 1 => Some(ids[0]),
                Some(_) => {
                    err(1, Problem::Rule { rule: "ambiguous_name" });
                    None
                }
                None if cell(cells, 1).trim().is_empty() => {
                    err(1, Problem::Required);
                    None
                }
                None => {
                    err(1, Problem::UnknownReference);
                    None
                }
            }
        };
        let code = cell(cells, 3);
        let product = products.iter().find(|p| p.code == code.trim() || p.name == code.trim()).map(|p| p.id);
        if product.is_none() {
            err(3, if code.trim().is_empty() { Problem::Required } else { Problem::UnknownReference });
        }
        let d = LedgerDraft {
            month: cell(cells, 0),
            shipped_units: cell(cells, 4),
            net_units: cell(cells, 5),
            net_sales: cell(cells, 6),
            collected: cell(cells, 7),
        };
        let figures = match d.parse() {
            Ok(f) => Some(f),
            Err(fe) => {
                for x in fe.0 {
                    let i = match x.field.as_str() {
                        "month" => 0,
                        "shipped_units" => 4,
                        "net_units" => 5,
                        "net_sales" => 6,
                        _ => 7,
                    };
                    err(i, x.problem);
                }
                None
            }
        };
        if let (Some(o), Some(p), Some(f)) = (org, product, figures) {
            if !seen.insert((o, p, f.month)) {
                err(1, Problem::Rule { rule: "duplicate_row" });
                continue;
            }
            lines.push(LedgerInput { organisation_id: o, product_line_id: p, figures: f });
        }
    }
    let rows = raw.len();
    let mut preview = LedgerPreview { rows, valid_rows: lines.len(), errors, committed: false };
    if q.commit == Some(true) {
        if !preview.errors.is_empty() || lines.is_empty() {
            return Err(invalid("file", Problem::Rule { rule: "import_has_errors" }));
        }
        let label: String = q.file_name.as_deref().unwrap_or("ledger").chars().take(200).collect();
        state.store.write_ledger(&auth.actor(), &lines, Some(&label)).await.map_err(|e| match e {
            keqing_store::StoreError::Invalid(fe) => {
                // `lines[i]` → the spreadsheet row it came from.
                let mapped =
                    fe.0.into_iter()
                        .map(|x| {
                            let row = x
                                .field
                                .strip_prefix("lines[")
                                .and_then(|r| r.split(']').next())
                                .and_then(|n| n.parse::<usize>().ok())
                                .and_then(|n| raw.get(n))
                                .map_or(0, |(number, _)| *number);
                            keqing_core::validate::FieldError { field: format!("row {row}"), problem: x.problem }
                        })
                        .collect();
                Error::Validation(FieldErrors(mapped))
            }
            other => other.into(),
        })?;
        preview.committed = true;
    }
    Ok(axum::Json(preview))
}

/// `?name=` of an evidence upload.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachmentQuery {
    /// The file's name ("receipt.jpg").
    pub name: Option<String>,
}

/// The stored evidence's id.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Id, to send as `attachment_id`.
    pub id: i64,
    /// Size in bytes.
    pub size_bytes: usize,
}

/// Uploads evidence (a receipt photo, a PDF, any file): the raw bytes with
/// their Content-Type; at most the rules' `max_attachment_bytes` (5 MiB by
/// default).
#[utoipa::path(post, path = "/api/v1/attachments", tag = "expenses", params(AttachmentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentOut), (status = 413, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AttachmentQuery>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<AttachmentOut>)> {
    auth.require(Permission::FileExpenses)?;
    let rules = state.store.expense_rules().await?.value;
    if body.is_empty() {
        return Err(invalid("file", Problem::Required));
    }
    if body.len() as i64 > rules.max_attachment_bytes {
        return Err(invalid("file", Problem::OutOfRange { min: 1, max: rules.max_attachment_bytes }));
    }
    let name: String =
        q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("evidence").chars().take(200).collect();
    if name.chars().any(char::is_control) {
        return Err(invalid("name", Problem::ControlCharacters));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 100 && !v.is_empty())
        .unwrap_or("application/octet-stream");
    let id = state.store.save_attachment(&auth.actor(), &name, ctype, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(AttachmentOut { id, size_bytes: body.len() })))
}

/// Downloads evidence (its uploader, and the checkers whose scope holds them).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "expenses", params(("id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = super::ErrorBody)))]
pub async fn get_attachment(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    let (name, ctype, bytes) = state.store.attachment(&scope, id).await?;
    // Photos and PDFs open in the browser; anything else downloads as bytes
    // (an uploaded HTML file must never render on our origin).
    let inline = ctype.starts_with("image/") && ctype != "image/svg+xml" || ctype == "application/pdf";
    let ctype = if inline { ctype } else { "application/octet-stream".to_owned() };
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        crate::context::urlencode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, ctype),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Whose month.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `2026-10`; blank: last month (the statement due now).
    pub month: Option<String>,
    /// A rep in your scope (blank: you).
    pub user_id: Option<i64>,
}

/// A rep's month with its deadlines and the advance headroom.
#[derive(Serialize)]
pub struct MonthOut {
    /// Statement, 附表1 lines, entries, 附表2 applications, totals.
    #[serde(flatten)]
    pub view: MonthView,
    /// The deadlines as dates, and how many working days are left.
    pub deadlines: Option<DeadlinesOut>,
    /// The rep's advances.
    pub advance: AdvanceBalance,
}

/// Deadlines with countdowns.
#[derive(Serialize, Clone)]
pub struct DeadlinesOut {
    /// File by the end of this day (3rd working day).
    pub file_by: NaiveDate,
    /// Checked by the end of this day (8th).
    pub checked_by: NaiveDate,
    /// Advances from this day (9th).
    pub advances_from: NaiveDate,
    /// Working days until `file_by` (negative: overdue).
    pub file_in_working_days: i64,
    /// Working days until `checked_by`.
    pub check_in_working_days: i64,
    /// A year without a holiday notice (Monday–Friday assumed).
    pub provisional: bool,
    /// Past the filing deadline.
    pub filing_overdue: bool,
    /// Past the checking deadline.
    pub checking_overdue: bool,
}

/// The deadlines of `month` as of now.
pub async fn deadlines(state: &AppState, month: Month) -> Result<Option<(rules::Deadlines, DeadlinesOut)>> {
    let cal = state.calendar().await?;
    let Ok(dl) = rules::deadlines(&cal, month) else {
        return Ok(None);
    };
    let now = keqing_store::now();
    let today = cal.today(now);
    let out = DeadlinesOut {
        file_by: dl.file_by,
        checked_by: dl.checked_by,
        advances_from: dl.advances_from,
        file_in_working_days: rules::working_days_left(&cal, today, dl.file_by),
        check_in_working_days: rules::working_days_left(&cal, today, dl.checked_by),
        provisional: dl.provisional,
        filing_overdue: now > dl.file_by_at,
        checking_overdue: now > dl.checked_by_at,
    };
    Ok(Some((dl, out)))
}

/// Parses `?month=`, defaulting to last month.
pub fn month_or_last(state: &AppState, text: Option<&str>) -> Result<Month> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Month::parse(t).map_err(|p| invalid("month", p)),
        None => Ok(Month::of(state.today()).prev()),
    }
}

/// A rep's month in full (the rep's "this month" page).
pub async fn month_out(state: &AppState, auth: &Auth, month: Month, user: UserId) -> Result<MonthOut> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(state).await?;
    let view = state.store.month_view(&scope, user, month).await?;
    let advance = state.store.advance_balance(user).await?;
    Ok(MonthOut { view, deadlines: deadlines(state, month).await?.map(|d| d.1), advance })
}

/// A rep's month: accrued, payable, withheld, entries, the statement's
/// state and signatures, deadlines as dates with countdowns, the advance
/// headroom.
#[utoipa::path(get, path = "/api/v1/expenses/month", tag = "expenses", params(MonthQuery),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn month(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MonthQuery>,
) -> Result<axum::Json<MonthOut>> {
    let month = month_or_last(&state, q.month.as_deref())?;
    let user = q.user_id.map(UserId).unwrap_or(auth.user.id);
    Ok(axum::Json(month_out(&state, &auth, month, user).await?))
}

/// An expense entry.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ExpenseIn {
    /// The statement month it draws on (`2026-10`).
    pub month: String,
    /// Recipient organisation.
    pub organisation_id: Option<i64>,
    /// Recipient person (one of its people), when a person receives it.
    pub person_id: Option<i64>,
    /// Product line.
    pub product_line_id: Option<i64>,
    /// `buyer`, `purchasing_leader`, `executive`, `event`.
    #[serde(rename = "use")]
    pub use_: String,
    /// `cash`, `gift`, `meal`, `transfer`, `event`, `other`.
    pub form: String,
    /// What for.
    pub purpose: String,
    /// Occasion ("2026中秋"); the per-occasion cap counts by it.
    pub occasion: String,
    /// Yuan ("300", "1.5万").
    pub amount: String,
    /// A correction of a signed entry (the amount may be negative).
    pub corrects_expense_id: Option<i64>,
    /// Evidence at hand already (from `POST /api/v1/attachments`); a
    /// payout needs it at the latest.
    pub attachment_id: Option<i64>,
}

/// Enters an expense for a recipient (the rep): within the customer's
/// payable amount and the person's caps; cash to a person is flagged.
#[utoipa::path(post, path = "/api/v1/expenses", tag = "expenses", request_body = ExpenseIn,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn add_expense(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ExpenseIn>,
) -> Result<(StatusCode, axum::Json<keqing_store::expenses::Expense>)> {
    auth.require(Permission::FileExpenses)?;
    let d = ExpenseDraft {
        month: input.month,
        organisation_id: input.organisation_id,
        person_id: input.person_id,
        product_line_id: input.product_line_id,
        use_: input.use_,
        form: input.form,
        purpose: input.purpose,
        occasion: input.occasion,
        amount: input.amount,
        corrects_expense_id: input.corrects_expense_id,
        attachment_id: input.attachment_id,
    }
    .parse()
    .map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    Ok((StatusCode::CREATED, axum::Json(state.store.add_expense(&auth.actor(), &scope, &d).await?)))
}

/// Deletes an entry while its statement is a draft.
#[utoipa::path(delete, path = "/api/v1/expenses/{id}", tag = "expenses", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn delete_expense(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::FileExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_expense(&auth.actor(), &scope, id).await?;
    Ok(no_content())
}

/// A reason.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (required).
    pub reason: String,
}

/// Finance lets cash to an individual through, with a reason (audited).
#[utoipa::path(post, path = "/api/v1/expenses/{id}/override", tag = "expenses", params(("id" = i64, Path)), request_body = ReasonIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn override_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ReasonIn>,
) -> Result<axum::Json<keqing_store::expenses::Expense>> {
    auth.require(Permission::KeepLedger)?;
    let reason = required_line(&input.reason, limits::ADDRESS).map_err(|p| invalid("reason", p))?;
    Ok(axum::Json(state.store.override_expense(&auth.actor(), id, &reason).await?))
}

/// A payout.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PayoutIn {
    /// Day paid (blank: today); not after today.
    pub paid_on: Option<String>,
    /// Evidence (from `POST /api/v1/attachments`), unless already attached.
    pub attachment_id: Option<i64>,
}

/// Parses a payout day: blank is today, never after it.
pub fn payout_day(state: &AppState, text: Option<&str>) -> Result<NaiveDate> {
    let today = state.today();
    match parse_date(text.unwrap_or("")).map_err(|p| invalid("paid_on", p))? {
        None => Ok(today),
        Some(d) if d > today => Err(invalid("paid_on", Problem::Rule { rule: "in_the_future" })),
        Some(d) => Ok(d),
    }
}

/// Records that an entry was paid to its recipient (the rep): the
/// statement must be approved, evidence attached, a flag overridden; it
/// settles the rep's advance.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/payout", tag = "expenses", params(("id" = i64, Path)), request_body = PayoutIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn pay_expense(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<PayoutIn>,
) -> Result<axum::Json<keqing_store::expenses::Expense>> {
    auth.require(Permission::FileExpenses)?;
    let on = payout_day(&state, input.paid_on.as_deref())?;
    Ok(axum::Json(state.store.pay_expense(&auth.actor(), id, on, input.attachment_id).await?))
}

/// The caller's advances and headroom.
#[utoipa::path(get, path = "/api/v1/advances", tag = "expenses", responses((status = 200, body = Object)))]
pub async fn get_advances(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<AdvanceBalance>> {
    auth.require(Permission::FileExpenses)?;
    Ok(axum::Json(state.store.advance_balance(auth.user.id).await?))
}

/// An advance to draw.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceIn {
    /// Your approved statement.
    pub statement_id: i64,
    /// Yuan.
    pub amount: String,
}

/// Draws an advance against your approved statement (借支), from the 9th
/// working day, within the outstanding limit (refused with the headroom).
#[utoipa::path(post, path = "/api/v1/advances", tag = "expenses", request_body = AdvanceIn,
    responses((status = 201, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn draw_advance(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<AdvanceIn>,
) -> Result<(StatusCode, axum::Json<AdvanceBalance>)> {
    auth.require(Permission::FileExpenses)?;
    let amount = match parse_non_negative_yuan(&input.amount) {
        Ok(Some(a)) if a > 0 => a,
        Ok(_) => return Err(invalid("amount", Problem::Required)),
        Err(p) => return Err(invalid("amount", p)),
    };
    let cal = state.calendar().await?;
    let today = state.today();
    let bal = state
        .store
        .draw_advance(&auth.actor(), input.statement_id, amount, today, |m| {
            rules::deadlines(&cal, m).ok().map(|d| d.advances_from)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(bal)))
}

/// Whose transfers of value.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransparencyQuery {
    /// An organisation.
    pub organisation_id: Option<i64>,
    /// A person.
    pub person_id: Option<i64>,
    /// `csv` or `xlsx` for a download.
    pub format: Option<String>,
}

/// What an organisation or a person received, when and why (for audits).
#[utoipa::path(get, path = "/api/v1/transparency", tag = "expenses", params(TransparencyQuery),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn transparency(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<TransparencyQuery>,
) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    if q.organisation_id.is_none() && q.person_id.is_none() {
        return Err(invalid("organisation_id", Problem::Required));
    }
    let scope = auth.customer_scope(&state).await?;
    let t = state.store.transparency(&scope, q.organisation_id, q.person_id).await?;
    match q.format.as_deref() {
        None | Some("") | Some("json") => Ok(axum::Json(t).into_response()),
        Some(f) => crate::forms::download(&crate::forms::transparency(&t), f, "transparency", "客情费往来明细"),
    }
}

/// Amounts typed in yuan: blank is an error here.
pub fn yuan_required(field: &str, text: &str) -> Result<i64> {
    match parse_yuan(text) {
        Ok(Some(a)) if a > 0 => Ok(a),
        Ok(Some(_)) => Err(invalid(field, Problem::OutOfRange { min: 1, max: keqing_core::money::MAX_FEN })),
        Ok(None) => Err(invalid(field, Problem::Required)),
        Err(p) => Err(invalid(field, p)),
    }
}
