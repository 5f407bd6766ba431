//! The expense pages: the rep's month (accrued, payable, withheld, the
//! advance headroom, deadlines as dates, entries, filing, advances,
//! payouts with evidence), the checkers' queue with working-day
//! countdowns and signatures, finance's ledger with its import, and the
//! manager's spot checks. Each page calls the same functions as the API.

use super::{Chrome, render};
use crate::AppState;
use crate::api::expenses::{MonthOut, month_or_last, month_out, payout_day};
use crate::api::statements::{QueueOut, queue_out};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Path;
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::expense::{ExpenseDraft, Form as PayForm, Month, Use};
use keqing_core::money::format_yuan;
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, UserId};
use keqing_store::expenses::{Application, Document, LedgerLine, ProductLine, SpotCheck};
use keqing_store::people::PersonFilter;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/expenses", get(month_page).post(add_entry))
        .route("/expenses/file", post(file))
        .route("/expenses/advance", post(advance))
        .route("/expenses/{id}/payout", post(payout))
        .route("/expenses/queue", get(queue_page))
        .route("/expenses/sign", post(sign))
        .route("/expenses/override", post(override_flag))
        .route("/expenses/ledger", get(ledger_page).post(ledger_import))
        .route("/expenses/spot-checks", get(spot_page).post(spot_pick))
        .route("/expenses/spot-checks/{id}", post(spot_confirm))
        .layer(DefaultBodyLimit::max(crate::api::expenses::MAX_ATTACHMENT_BYTES))
}

/// "12,345.67".
pub(crate) fn y(fen: &i64) -> String {
    format_yuan(*fen)
}

fn say(auth: &Auth, e: &Error) -> String {
    match e {
        Error::Validation(fe) => {
            fe.0.iter()
                .map(|f| format!("{}：{}", f.field, crate::i18n::problem(auth.ctx.lang, &f.problem)))
                .collect::<Vec<_>>()
                .join("；")
        }
        Error::Conflict { .. } => auth.ctx.lang.t("expenses.changed").to_owned(),
        _ => auth.ctx.lang.t("error.bad_request").to_owned(),
    }
}

/// A choice in a select.
struct Opt {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "expenses.html")]
struct MonthPage {
    c: Chrome,
    m: MonthOut,
    month: String,
    prev: String,
    next: String,
    mine: bool,
    can_file: bool,
    open: bool,
    message: Option<String>,
    orgs: Vec<Opt>,
    people: Vec<Opt>,
    products: Vec<ProductLine>,
    uses: Vec<Opt>,
    forms: Vec<Opt>,
}

impl MonthPage {
    fn use_label(&self, u: &str) -> &'static str {
        Use::parse(u).map_or("", |u| u.label(self.c.lang.is_zh()))
    }
    fn form_label(&self, f: &str) -> &'static str {
        PayForm::parse(f).map_or("", |f| f.label(self.c.lang.is_zh()))
    }
    fn state_label(&self) -> &'static str {
        crate::pages::expenses::state_label(&self.m.view.state, self.c.lang.is_zh())
    }
    fn step_label(&self, s: &str) -> &'static str {
        keqing_core::expense::Step::parse(s).map_or("", |s| s.label(self.c.lang.is_zh()))
    }
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::forms::at(*t)
    }
    fn filed(&self) -> bool {
        self.m.view.state != "draft"
    }
}

/// A state's label from its identifier.
pub(crate) fn state_label(s: &str, zh: bool) -> &'static str {
    match s {
        "missing" => {
            if zh {
                "未提交"
            } else {
                "Not filed"
            }
        }
        _ => keqing_core::expense::State::parse(s).label(zh),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: Option<String>,
    user_id: Option<i64>,
    msg: Option<String>,
}

async fn show_month(
    state: &AppState,
    auth: &Auth,
    month: Month,
    user: UserId,
    message: Option<String>,
) -> Result<Response> {
    let m = month_out(state, auth, month, user).await?;
    let mine = user == auth.user.id;
    let can_file = mine && auth.can(Permission::FileExpenses);
    let open = m.view.state == "draft";
    let zh = auth.ctx.lang.is_zh();
    let mut orgs: Vec<Opt> = Vec::new();
    for l in &m.view.lines {
        if !orgs.iter().any(|o| o.value == l.organisation_id.to_string()) {
            orgs.push(Opt { value: l.organisation_id.to_string(), label: l.organisation_name.clone() });
        }
    }
    let mut people = Vec::new();
    if can_file && open {
        let scope = auth.customer_scope(state).await?;
        for o in orgs.iter().take(50) {
            let id = o.value.parse().unwrap_or_default();
            let filter = PersonFilter { organisation: Some(OrganisationId(id)), ..Default::default() };
            let (list, _) = state.store.list_people(&scope, &filter, 100, 0).await?;
            people.extend(
                list.into_iter()
                    .map(|p| Opt { value: p.id.0.to_string(), label: format!("{} · {}", p.name, o.label) }),
            );
        }
    }
    let page = MonthPage {
        c: Chrome::new(&auth.ctx),
        month: month.to_string(),
        prev: month.prev().to_string(),
        next: month.next().to_string(),
        mine,
        can_file,
        open,
        message,
        orgs,
        people,
        products: state.store.product_lines().await?.into_iter().filter(|p| p.active).collect(),
        uses: Use::ALL
            .iter()
            .filter(|u| **u != Use::NewCustomer)
            .map(|u| Opt { value: u.as_str().into(), label: u.label(zh).into() })
            .collect(),
        forms: PayForm::ALL.iter().map(|f| Opt { value: f.as_str().into(), label: f.label(zh).into() }).collect(),
        m,
    };
    render(&page)
}

async fn month_page(State(state): State<AppState>, auth: Auth, Query(q): Query<MonthQuery>) -> Result<Response> {
    let month = month_or_last(&state, q.month.as_deref())?;
    let user = q.user_id.map(UserId).unwrap_or(auth.user.id);
    let msg = q.msg.filter(|m| m == "saved").map(|_| auth.ctx.lang.t("expenses.saved").to_owned());
    show_month(&state, &auth, month, user, msg).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntryForm {
    month: String,
    organisation_id: String,
    person_id: String,
    product_line_id: String,
    #[serde(rename = "use")]
    use_: String,
    form: String,
    purpose: String,
    occasion: String,
    amount: String,
}

fn id_of(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

async fn add_entry(State(state): State<AppState>, auth: Auth, Form(f): Form<EntryForm>) -> Result<Response> {
    auth.require(Permission::FileExpenses)?;
    let month = Month::parse(&f.month).map_err(|p| Error::Validation(FieldErrors::one("month", p)))?;
    let draft = ExpenseDraft {
        month: f.month.clone(),
        organisation_id: id_of(&f.organisation_id),
        person_id: id_of(&f.person_id),
        product_line_id: id_of(&f.product_line_id),
        use_: f.use_,
        form: f.form,
        purpose: f.purpose,
        occasion: f.occasion,
        amount: f.amount,
        corrects_expense_id: None,
        attachment_id: None,
    };
    let result = async {
        let d = draft.parse().map_err(Error::Validation)?;
        let scope = auth.customer_scope(&state).await?;
        Ok::<_, Error>(state.store.add_expense(&auth.actor(), &scope, &d).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/expenses?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_month(&state, &auth, month, auth.user.id, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct MonthForm {
    month: String,
}

async fn file(State(state): State<AppState>, auth: Auth, Form(f): Form<MonthForm>) -> Result<Response> {
    auth.require(Permission::FileExpenses)?;
    let month = Month::parse(&f.month).map_err(|p| Error::Validation(FieldErrors::one("month", p)))?;
    let result = crate::api::statements::file(
        State(state.clone()),
        auth.clone(),
        crate::extract::Json(crate::api::statements::FileIn { month: f.month.clone() }),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/expenses?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_month(&state, &auth, month, auth.user.id, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct AdvanceForm {
    month: String,
    statement_id: i64,
    amount: String,
}

async fn advance(State(state): State<AppState>, auth: Auth, Form(f): Form<AdvanceForm>) -> Result<Response> {
    auth.require(Permission::FileExpenses)?;
    let month = Month::parse(&f.month).map_err(|p| Error::Validation(FieldErrors::one("month", p)))?;
    let result = crate::api::expenses::draw_advance(
        State(state.clone()),
        auth.clone(),
        crate::extract::Json(crate::api::expenses::AdvanceIn { statement_id: f.statement_id, amount: f.amount }),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/expenses?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_month(&state, &auth, month, auth.user.id, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

/// A payout with its evidence file (multipart: `file`, `paid_on`, `month`).
async fn payout(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Result<Response> {
    auth.require(Permission::FileExpenses)?;
    let (mut bytes, mut name, mut ctype, mut paid_on, mut month) =
        (Vec::new(), String::from("evidence"), String::from("application/octet-stream"), String::new(), String::new());
    while let Some(field) =
        form.next_field().await.map_err(|e| Error::BadRequest { field: None, detail: e.body_text() })?
    {
        match field.name().unwrap_or("") {
            "paid_on" => paid_on = field.text().await.unwrap_or_default(),
            "month" => month = field.text().await.unwrap_or_default(),
            "file" => {
                if let Some(n) = field.file_name().filter(|n| !n.is_empty()) {
                    name = n.chars().take(200).collect();
                }
                if let Some(t) = field.content_type().filter(|t| t.len() <= 100) {
                    ctype = t.to_owned();
                }
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Error::BadRequest { field: Some("file".into()), detail: e.body_text() })?
                    .to_vec();
            }
            _ => {}
        }
    }
    let month = month_or_last(&state, Some(&month))?;
    let result = async {
        let rules = state.store.expense_rules().await?.value;
        if bytes.is_empty() {
            return Err(Error::Validation(FieldErrors::one(
                "attachment_id",
                Problem::Rule { rule: "evidence_required" },
            )));
        }
        if bytes.len() as i64 > rules.max_attachment_bytes {
            return Err(Error::Validation(FieldErrors::one(
                "file",
                Problem::OutOfRange { min: 1, max: rules.max_attachment_bytes },
            )));
        }
        let on = payout_day(&state, Some(&paid_on))?;
        let att = state.store.save_attachment(&auth.actor(), &name, &ctype, &bytes).await?;
        Ok(state.store.pay_expense(&auth.actor(), id, on, Some(att)).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/expenses?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_month(&state, &auth, month, auth.user.id, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "expenses_queue.html")]
struct QueuePage {
    c: Chrome,
    q: QueueOut,
    prev: String,
    next: String,
    applications: Vec<Application>,
    flagged: Vec<keqing_store::expenses::Expense>,
    can_check: bool,
    can_override: bool,
    message: Option<String>,
}

impl QueuePage {
    fn state_label(&self, s: &str) -> &'static str {
        state_label(s, self.c.lang.is_zh())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QueueQuery {
    month: Option<String>,
    msg: Option<String>,
}

async fn show_queue(state: &AppState, auth: &Auth, month: Month, message: Option<String>) -> Result<Response> {
    let q = queue_out(state, auth, month).await?;
    let scope = auth.customer_scope(state).await?;
    let applications: Vec<Application> =
        state.store.applications(&scope).await?.into_iter().filter(|a| a.state != "approved").take(50).collect();
    let mut flagged = Vec::new();
    if auth.can(Permission::KeepLedger) {
        for item in &q.items {
            if let Some(s) = &item.statement
                && let Ok(v) = state.store.statement(&scope, s.statement_id).await
            {
                flagged.extend(v.expenses.into_iter().filter(|e| e.flagged && e.override_reason.is_none()));
            }
        }
    }
    let page = QueuePage {
        c: Chrome::new(&auth.ctx),
        prev: month.prev().to_string(),
        next: month.next().to_string(),
        q,
        applications,
        flagged,
        can_check: auth.can(Permission::CheckExpenses),
        can_override: auth.can(Permission::KeepLedger),
        message,
    };
    render(&page)
}

async fn queue_page(State(state): State<AppState>, auth: Auth, Query(q): Query<QueueQuery>) -> Result<Response> {
    let month = month_or_last(&state, q.month.as_deref())?;
    let msg = q.msg.filter(|m| m == "saved").map(|_| auth.ctx.lang.t("expenses.saved").to_owned());
    show_queue(&state, &auth, month, msg).await
}

#[derive(Deserialize)]
struct SignForm {
    month: String,
    document: String,
    id: i64,
    version: i64,
    #[serde(default)]
    reason: String,
    /// `sign` or `reject`.
    action: String,
}

async fn sign(State(state): State<AppState>, auth: Auth, Form(f): Form<SignForm>) -> Result<Response> {
    auth.require(Permission::CheckExpenses)?;
    let month = Month::parse(&f.month).map_err(|p| Error::Validation(FieldErrors::one("month", p)))?;
    let doc = if f.document == "application" { Document::Application } else { Document::Statement };
    let result: Result<()> = async {
        let scope = auth.customer_scope(&state).await?;
        if f.action == "reject" {
            let reason = keqing_core::validate::required_line(&f.reason, keqing_core::validate::limits::ADDRESS)
                .map_err(|p| Error::Validation(FieldErrors::one("reason", p)))?;
            state.store.reject(&auth.actor(), auth.user.roles, &scope, doc, f.id, f.version, &reason).await?;
        } else {
            let late = crate::api::expenses::deadlines(&state, month).await?.is_some_and(|(_, d)| d.checking_overdue);
            state.store.sign(&auth.actor(), auth.user.roles, &scope, doc, f.id, f.version, late).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/expenses/queue?month={month}&msg=saved")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            show_queue(&state, &auth, month, Some(say(&auth, &e))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct OverrideForm {
    month: String,
    id: i64,
    #[serde(default)]
    reason: String,
}

async fn override_flag(State(state): State<AppState>, auth: Auth, Form(f): Form<OverrideForm>) -> Result<Response> {
    auth.require(Permission::KeepLedger)?;
    let month = Month::parse(&f.month).map_err(|p| Error::Validation(FieldErrors::one("month", p)))?;
    let result = crate::api::expenses::override_expense(
        State(state.clone()),
        auth.clone(),
        crate::extract::Path(f.id),
        crate::extract::Json(crate::api::expenses::ReasonIn { reason: f.reason }),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/expenses/queue?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_queue(&state, &auth, month, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "expenses_ledger.html")]
struct LedgerPage {
    c: Chrome,
    month: String,
    lines: Vec<LedgerLine>,
    products: Vec<ProductLine>,
    can_keep: bool,
    message: Option<String>,
    errors: Vec<crate::api::expenses::LedgerRowError>,
}

impl LedgerPage {
    fn standard(&self, p: &ProductLine) -> String {
        p.standard.describe(&p.unit)
    }
    fn uses(&self, p: &ProductLine) -> String {
        p.uses.iter().map(|u| u.label(self.c.lang.is_zh())).collect::<Vec<_>>().join("、")
    }
    fn rate(&self, l: &LedgerLine) -> String {
        let f = keqing_core::expense::Figures {
            net_units: l.net_units,
            net_sales_fen: l.net_sales_fen,
            collected_fen: l.collected_fen,
        };
        f.collection_rate_bp().map(|b| format!("{}.{:02}%", b / 100, b % 100)).unwrap_or_default()
    }
}

async fn show_ledger(
    state: &AppState,
    auth: &Auth,
    month: Month,
    message: Option<String>,
    errors: Vec<crate::api::expenses::LedgerRowError>,
) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(state).await?;
    let page = LedgerPage {
        c: Chrome::new(&auth.ctx),
        month: month.to_string(),
        lines: state.store.ledger(&scope, Some(month), None, None).await?,
        products: state.store.product_lines().await?,
        can_keep: auth.can(Permission::KeepLedger),
        message,
        errors,
    };
    render(&page)
}

async fn ledger_page(State(state): State<AppState>, auth: Auth, Query(q): Query<QueueQuery>) -> Result<Response> {
    let month = month_or_last(&state, q.month.as_deref())?;
    let msg = q.msg.filter(|m| m == "saved").map(|_| auth.ctx.lang.t("expenses.saved").to_owned());
    show_ledger(&state, &auth, month, msg, Vec::new()).await
}

/// Uploads a ledger file: `commit=1` writes it (all or none), otherwise a
/// preview of its row errors.
async fn ledger_import(State(state): State<AppState>, auth: Auth, mut form: Multipart) -> Result<Response> {
    auth.require(Permission::KeepLedger)?;
    let (mut bytes, mut name, mut commit, mut month) = (Vec::new(), String::from("ledger"), false, String::new());
    while let Some(field) =
        form.next_field().await.map_err(|e| Error::BadRequest { field: None, detail: e.body_text() })?
    {
        match field.name().unwrap_or("") {
            "commit" => commit = field.text().await.unwrap_or_default() == "1",
            "month" => month = field.text().await.unwrap_or_default(),
            "file" => {
                if let Some(n) = field.file_name().filter(|n| !n.is_empty()) {
                    name = n.chars().take(200).collect();
                }
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Error::BadRequest { field: Some("file".into()), detail: e.body_text() })?
                    .to_vec();
            }
            _ => {}
        }
    }
    let month = month_or_last(&state, Some(&month))?;
    let q =
        crate::api::expenses::LedgerImportQuery { commit: Some(false), file_name: Some(name.clone()), encoding: None };
    let preview = crate::api::expenses::import_ledger(
        State(state.clone()),
        auth.clone(),
        crate::extract::Query(q),
        bytes.clone().into(),
    )
    .await;
    let preview = match preview {
        Ok(p) => p.0,
        Err(e @ Error::Validation(_)) => {
            return show_ledger(&state, &auth, month, Some(say(&auth, &e)), Vec::new()).await;
        }
        Err(e) => return Err(e),
    };
    if !preview.errors.is_empty() || !commit {
        let msg = format!("{} {} / {}", auth.ctx.lang.t("expenses.preview"), preview.valid_rows, preview.rows);
        return show_ledger(&state, &auth, month, Some(msg), preview.errors).await;
    }
    let q = crate::api::expenses::LedgerImportQuery { commit: Some(true), file_name: Some(name), encoding: None };
    match crate::api::expenses::import_ledger(
        State(state.clone()),
        auth.clone(),
        crate::extract::Query(q),
        bytes.into(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/expenses/ledger?month={month}&msg=saved")).into_response()),
        Err(e @ Error::Validation(_)) => show_ledger(&state, &auth, month, Some(say(&auth, &e)), Vec::new()).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "expenses_spot.html")]
struct SpotPage {
    c: Chrome,
    checks: Vec<SpotCheck>,
    candidates: Vec<(i64, String, String)>,
    can_check: bool,
    message: Option<String>,
}

async fn show_spot(state: &AppState, auth: &Auth, message: Option<String>) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(state).await?;
    let checks = state.store.spot_checks(&scope).await?;
    let mut candidates = Vec::new();
    if auth.can(Permission::SpotCheck) {
        let this = Month::of(state.today());
        for m in [this.prev(), this.prev().prev()] {
            for s in state.store.statements(&scope, Some(m)).await? {
                if s.state == "approved"
                    && s.user_id != auth.user.id.0
                    && !checks.iter().any(|c| c.statement_id == s.statement_id)
                {
                    candidates.push((s.statement_id, s.user_name.clone(), s.month.clone()));
                }
            }
        }
    }
    render(&SpotPage {
        c: Chrome::new(&auth.ctx),
        checks,
        candidates,
        can_check: auth.can(Permission::SpotCheck),
        message,
    })
}

async fn spot_page(State(state): State<AppState>, auth: Auth, Query(q): Query<QueueQuery>) -> Result<Response> {
    let msg = q.msg.filter(|m| m == "saved").map(|_| auth.ctx.lang.t("expenses.saved").to_owned());
    show_spot(&state, &auth, msg).await
}

#[derive(Deserialize)]
struct PickForm {
    statement_id: i64,
}

async fn spot_pick(State(state): State<AppState>, auth: Auth, Form(f): Form<PickForm>) -> Result<Response> {
    auth.require(Permission::SpotCheck)?;
    let scope = auth.customer_scope(&state).await?;
    match state.store.spot_check(&auth.actor(), &scope, f.statement_id).await {
        Ok(_) => Ok(Redirect::to("/expenses/spot-checks?msg=saved").into_response()),
        Err(keqing_store::StoreError::Invalid(fe)) => {
            show_spot(&state, &auth, Some(say(&auth, &Error::Validation(fe)))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    confirmed: String,
    #[serde(default)]
    note: String,
}

async fn spot_confirm(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response> {
    let input = crate::api::statements::ConfirmIn { confirmed: f.confirmed == "1", note: Some(f.note) };
    match crate::api::statements::confirm_spot_check(
        State(state.clone()),
        auth.clone(),
        crate::extract::Path(id),
        crate::extract::Json(input),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/expenses/spot-checks?msg=saved").into_response()),
        Err(e @ Error::Validation(_)) => show_spot(&state, &auth, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

/// The admin's product lines and expense rules.
pub(crate) fn admin_router() -> Router<AppState> {
    Router::new()
        .route("/admin/products", get(products_page).post(create_product))
        .route("/admin/products/{id}", post(save_product))
        .route("/admin/expense-rules", post(save_rules))
}

/// A product line as its edit form shows it.
struct ProductRow {
    p: ProductLine,
    kind: &'static str,
    rate: String,
}

impl ProductRow {
    fn has(&self, u: &str) -> bool {
        self.p.uses.iter().any(|x| x.as_str() == u)
    }
}

#[derive(Template)]
#[template(path = "admin_products.html")]
struct ProductsPage {
    c: Chrome,
    rows: Vec<ProductRow>,
    uses: Vec<Opt>,
    rules: keqing_core::expense::ExpenseRules,
    rules_version: i64,
    message: Option<String>,
}

impl ProductsPage {
    fn yuan(&self, fen: &i64) -> String {
        format_yuan(*fen).replace(',', "")
    }
}

async fn show_products(state: &AppState, auth: &Auth, message: Option<String>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let zh = auth.ctx.lang.is_zh();
    let rows = state
        .store
        .product_lines()
        .await?
        .into_iter()
        .map(|p| {
            let (kind, rate) = match p.standard {
                keqing_core::expense::Standard::PerUnit { fen_per_unit } => ("per_unit", format_yuan(fen_per_unit)),
                keqing_core::expense::Standard::Percent { basis_points } => {
                    ("percent", format!("{}.{:02}", basis_points / 100, basis_points % 100))
                }
            };
            ProductRow { p, kind, rate: rate.replace(',', "") }
        })
        .collect();
    let r = state.store.expense_rules().await?;
    render(&ProductsPage {
        c: Chrome::new(&auth.ctx),
        rows,
        uses: Use::ALL.iter().map(|u| Opt { value: u.as_str().into(), label: u.label(zh).into() }).collect(),
        rules: r.value,
        rules_version: r.version,
        message,
    })
}

async fn products_page(State(state): State<AppState>, auth: Auth, Query(q): Query<QueueQuery>) -> Result<Response> {
    let msg = q.msg.filter(|m| m == "saved").map(|_| auth.ctx.lang.t("expenses.saved").to_owned());
    show_products(&state, &auth, msg).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProductForm {
    code: String,
    name: String,
    unit: String,
    standard: String,
    rate: String,
    active: Option<String>,
    version: Option<i64>,
    use_buyer: Option<String>,
    use_purchasing_leader: Option<String>,
    use_executive: Option<String>,
    use_new_customer: Option<String>,
    use_event: Option<String>,
}

impl ProductForm {
    fn input(self) -> crate::api::expenses::ProductIn {
        let uses = [
            ("buyer", &self.use_buyer),
            ("purchasing_leader", &self.use_purchasing_leader),
            ("executive", &self.use_executive),
            ("new_customer", &self.use_new_customer),
            ("event", &self.use_event),
        ]
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(u, _)| (*u).to_owned())
        .collect();
        crate::api::expenses::ProductIn {
            code: self.code,
            name: self.name,
            unit: self.unit,
            standard: self.standard,
            rate: self.rate,
            uses,
            active: Some(self.active.is_some()),
            version: self.version,
        }
    }
}

async fn product_saved(state: &AppState, auth: &Auth, r: Result<()>) -> Result<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/admin/products?msg=saved").into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            show_products(state, auth, Some(say(auth, &e))).await
        }
        Err(e) => Err(e),
    }
}

async fn create_product(State(state): State<AppState>, auth: Auth, Form(f): Form<ProductForm>) -> Result<Response> {
    let r = crate::api::expenses::create_product(State(state.clone()), auth.clone(), crate::extract::Json(f.input()))
        .await
        .map(|_| ());
    product_saved(&state, &auth, r).await
}

async fn save_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ProductForm>,
) -> Result<Response> {
    let r = crate::api::expenses::update_product(
        State(state.clone()),
        auth.clone(),
        crate::extract::Path(id),
        crate::extract::Json(f.input()),
    )
    .await
    .map(|_| ());
    product_saved(&state, &auth, r).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RulesForm {
    version: i64,
    payout_rule: String,
    advance_limit: String,
    cap_per_occasion: String,
    cap_per_year: String,
    max_attachment_mib: String,
    spot_check_count: String,
}

async fn save_rules(State(state): State<AppState>, auth: Auth, Form(f): Form<RulesForm>) -> Result<Response> {
    let r: Result<()> = async {
        auth.require(Permission::ManageReferenceData)?;
        let mut e = FieldErrors::default();
        let mut yuan = |field: &str, text: &str| match keqing_core::money::parse_non_negative_yuan(text) {
            Ok(v) => v.unwrap_or(0),
            Err(p) => {
                e.push(field, p);
                0
            }
        };
        let advance_limit_fen = yuan("advance_limit", &f.advance_limit);
        let cap_per_occasion_fen = yuan("cap_per_occasion", &f.cap_per_occasion);
        let cap_per_year_fen = yuan("cap_per_year", &f.cap_per_year);
        let mib: i64 = f.max_attachment_mib.trim().parse().unwrap_or_else(|_| {
            e.push("max_attachment_mib", Problem::Invalid { expected: "integer" });
            0
        });
        let count: u32 = f.spot_check_count.trim().parse().unwrap_or_else(|_| {
            e.push("spot_check_count", Problem::Invalid { expected: "integer" });
            0
        });
        let payout_rule = match f.payout_rule.as_str() {
            "pro_rata" => keqing_core::expense::PayoutRule::ProRata,
            _ => keqing_core::expense::PayoutRule::FullCollection,
        };
        let rules = keqing_core::expense::ExpenseRules {
            payout_rule,
            advance_limit_fen,
            cap_per_occasion_fen,
            cap_per_year_fen,
            max_attachment_bytes: mib.saturating_mul(1024 * 1024),
            spot_check_count: count,
        };
        if !e.is_empty() {
            return Err(Error::Validation(e));
        }
        crate::api::expenses::put_rules(
            State(state.clone()),
            auth.clone(),
            crate::extract::Json(crate::api::expenses::RulesIo { rules, version: f.version }),
        )
        .await
        .map(|_| ())
    }
    .await;
    product_saved(&state, &auth, r).await
}
