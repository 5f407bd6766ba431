//! Monthly statements (附表1 with 附表2) and new-customer applications
//! (附表3): filing, the three signatures in order, returns with a reason,
//! the checkers' queue with deadline countdowns, the forms as xlsx or CSV,
//! spot checks after payout.

use super::expenses::{DeadlinesOut, PayoutIn, deadlines, month_or_last, payout_day, yuan_required};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use keqing_core::expense::{Month, State as DocState};
use keqing_core::model::organisation::date as parse_date;
use keqing_core::validate::{FieldErrors, Problem, limits, optional_line, required_line};
use keqing_core::{Permission, Role};
use keqing_store::expenses::{Application, Document, MonthView, NewApplication, SpotCheck, Statement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue, file))
        .routes(routes!(get_statement))
        .routes(routes!(sign_statement))
        .routes(routes!(reject_statement))
        .routes(routes!(export_statement))
        .routes(routes!(list_applications, apply))
        .routes(routes!(get_application))
        .routes(routes!(sign_application))
        .routes(routes!(reject_application))
        .routes(routes!(pay_application))
        .routes(routes!(export_application))
        .routes(routes!(spot_check))
        .routes(routes!(list_spot_checks))
        .routes(routes!(confirm_spot_check))
}

fn invalid(field: &str, p: Problem) -> Error {
    Error::Validation(FieldErrors::one(field, p))
}

/// Which statements.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `2026-10`; blank: last month.
    pub month: Option<String>,
}

/// One rep's statement in the queue.
#[derive(Serialize)]
pub struct QueueItem {
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// The statement, once filed or started.
    pub statement: Option<Statement>,
    /// `missing`, `draft`, `filed`, `clerk_signed`, `manager_signed`, `approved`.
    pub state: String,
    /// The step that signs next.
    pub next_step: Option<String>,
    /// Whether you may sign it now.
    pub you_may_sign: bool,
    /// Filed after the 3rd working day, or not filed and past it.
    pub late_filing: bool,
    /// Not approved and past the 8th working day, or a late signature.
    pub late_checking: bool,
}

/// The queue of a month.
#[derive(Serialize)]
pub struct QueueOut {
    /// Month.
    pub month: String,
    /// Its deadlines with countdowns.
    pub deadlines: Option<DeadlinesOut>,
    /// Every rep in your scope.
    pub items: Vec<QueueItem>,
}

/// The checkers' queue: every rep in scope with their statement's state,
/// the next signature, and late flags; deadlines as working-day countdowns.
pub async fn queue_out(state: &AppState, auth: &Auth, month: Month) -> Result<QueueOut> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(state).await?;
    let statements = state.store.statements(&scope, Some(month)).await?;
    let dl = deadlines(state, month).await?.map(|d| d.1);
    let users = state.store.list_users().await?;
    let mut items = Vec::new();
    for u in users.iter().filter(|u| u.roles.has(Role::Rep) && u.disabled_at.is_none() && scope.contains(u.id)) {
        let s = statements.iter().find(|s| s.user_id == u.id.0).cloned();
        let st = s.as_ref().map(Statement::state);
        let next = st.and_then(DocState::next_step);
        let may = match (&s, st) {
            (Some(s), Some(st)) => keqing_core::expense::may_sign(
                st,
                keqing_core::expense::Signer {
                    roles: auth.user.roles,
                    is_author: s.user_id == auth.user.id.0,
                    signed_this_round: s.signatures.iter().any(|g| g.user_id == auth.user.id.0),
                },
            )
            .is_ok(),
            _ => false,
        };
        let filed = s.as_ref().is_some_and(|s| s.filed || s.state() == DocState::Approved);
        let late_filing =
            s.as_ref().is_some_and(|s| s.filed_late) || (!filed && dl.as_ref().is_some_and(|d| d.filing_overdue));
        let late_checking = s.as_ref().is_some_and(|s| s.signatures.iter().any(|g| g.late))
            || (st != Some(DocState::Approved) && dl.as_ref().is_some_and(|d| d.checking_overdue));
        items.push(QueueItem {
            user_id: u.id.0,
            user_name: u.display_name.clone(),
            state: match st {
                None => "missing".to_owned(),
                Some(st) => st.as_str().to_owned(),
            },
            next_step: next.map(|n| n.as_str().to_owned()),
            you_may_sign: may,
            late_filing,
            late_checking,
            statement: s,
        });
    }
    Ok(QueueOut { month: month.to_string(), deadlines: dl, items })
}

/// The checkers' queue for a month (clerk and managers: their teams';
/// finance: everyone).
#[utoipa::path(get, path = "/api/v1/statements", tag = "statements", params(QueueQuery),
    responses((status = 200, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<QueueQuery>,
) -> Result<axum::Json<QueueOut>> {
    let month = month_or_last(&state, q.month.as_deref())?;
    Ok(axum::Json(queue_out(&state, &auth, month).await?))
}

/// A month to file.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileIn {
    /// `2026-10`.
    pub month: String,
}

/// Files your statement for a month to the clerk (附表1 frozen from the
/// ledger, with 附表2); flagged late after the 3rd working day.
#[utoipa::path(post, path = "/api/v1/statements", tag = "statements", request_body = FileIn,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<FileIn>,
) -> Result<(StatusCode, axum::Json<MonthView>)> {
    auth.require(Permission::FileExpenses)?;
    let month = Month::parse(&input.month).map_err(|p| invalid("month", p))?;
    if month >= Month::of(state.today()) {
        return Err(invalid("month", Problem::Rule { rule: "month_not_over" }));
    }
    let late = deadlines(&state, month).await?.is_some_and(|(_, d)| d.filing_overdue);
    Ok((StatusCode::CREATED, axum::Json(state.store.file_statement(&auth.actor(), month, late).await?)))
}

/// A statement with its lines, entries, applications and signatures.
#[utoipa::path(get, path = "/api/v1/statements/{id}", tag = "statements", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn get_statement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<MonthView>> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.statement(&scope, id).await?))
}

/// The version read (signatures and returns are refused if it moved).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The document's version as read.
    pub version: i64,
}

/// A signature given.
#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    /// The step signed: `clerk`, `manager`, `finance`.
    pub step: String,
    /// After the 8th working day.
    pub late: bool,
}

async fn sign(state: &AppState, auth: &Auth, doc: Document, id: i64, version: i64) -> Result<SignedOut> {
    auth.require(Permission::CheckExpenses)?;
    let scope = auth.customer_scope(state).await?;
    let month = match doc {
        Document::Statement => Month::parse(&state.store.statement(&scope, id).await?.month).ok(),
        Document::Application => Month::parse(&state.store.application(&scope, id).await?.month).ok(),
    };
    let late = match month {
        Some(m) => deadlines(state, m).await?.is_some_and(|(_, d)| d.checking_overdue),
        None => false,
    };
    let step = state.store.sign(&auth.actor(), auth.user.roles, &scope, doc, id, version, late).await?;
    Ok(SignedOut { step: step.as_str().to_owned(), late })
}

/// Signs the next step (clerk → manager → finance). Nobody signs their own
/// statement or two steps; two checkers at once get one signature (the
/// other a 409).
#[utoipa::path(post, path = "/api/v1/statements/{id}/sign", tag = "statements", params(("id" = i64, Path)), request_body = SignIn,
    responses((status = 200, body = SignedOut), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn sign_statement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<SignIn>,
) -> Result<axum::Json<SignedOut>> {
    Ok(axum::Json(sign(&state, &auth, Document::Statement, id, input.version).await?))
}

/// A return.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectIn {
    /// The document's version as read.
    pub version: i64,
    /// Why (required; the rep sees it).
    pub reason: String,
}

async fn reject(state: &AppState, auth: &Auth, doc: Document, id: i64, input: RejectIn) -> Result<StatusCode> {
    auth.require(Permission::CheckExpenses)?;
    let reason = required_line(&input.reason, limits::ADDRESS).map_err(|p| invalid("reason", p))?;
    let scope = auth.customer_scope(state).await?;
    state.store.reject(&auth.actor(), auth.user.roles, &scope, doc, id, input.version, &reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns a statement to its rep with a reason (the checker of the
/// current step); the signatures so far no longer count.
#[utoipa::path(post, path = "/api/v1/statements/{id}/reject", tag = "statements", params(("id" = i64, Path)), request_body = RejectIn,
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn reject_statement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RejectIn>,
) -> Result<StatusCode> {
    reject(&state, &auth, Document::Statement, id, input).await
}

/// Which form and format.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    /// `1` (附表1, default) or `2` (附表2).
    pub form: Option<u8>,
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// 附表1 or 附表2 as xlsx or CSV, laid out like the paper form with the
/// signature block.
#[utoipa::path(get, path = "/api/v1/statements/{id}/export", tag = "statements", params(("id" = i64, Path), FormQuery),
    responses((status = 200, description = "The form"), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn export_statement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FormQuery>,
) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    let view = state.store.statement(&scope, id).await?;
    let products = state.store.product_lines().await?;
    let format = q.format.as_deref().unwrap_or("xlsx");
    match q.form.unwrap_or(1) {
        1 => crate::forms::download(
            &crate::forms::form1(&view, &products),
            format,
            &format!("statement-{}", view.month),
            &format!("附表1-{}-{}", view.user_name, view.month),
        ),
        2 => crate::forms::download(
            &crate::forms::form2(&view),
            format,
            &format!("new-customers-{}", view.month),
            &format!("附表2-{}-{}", view.user_name, view.month),
        ),
        _ => Err(invalid("form", Problem::NotOneOf { allowed: vec!["1".into(), "2".into()] })),
    }
}

/// New-customer applications in scope.
#[utoipa::path(get, path = "/api/v1/applications", tag = "statements",
    responses((status = 200, body = Object)))]
pub async fn list_applications(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<Application>>> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.applications(&scope).await?))
}

/// A new customer's special-expense application (附表3).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ApplicationIn {
    /// The new customer.
    pub organisation_id: Option<i64>,
    /// Product line (must allow `new_customer`).
    pub product_line_id: Option<i64>,
    /// Day of application (blank: today); must be before the contract.
    pub applied_on: Option<String>,
    /// Yuan.
    pub amount: String,
    /// What for.
    pub purpose: String,
}

/// Applies for a new customer's special expense before the contract is
/// signed (refused after it, with the contract's date).
#[utoipa::path(post, path = "/api/v1/applications", tag = "statements", request_body = ApplicationIn,
    responses((status = 201, body = Object), (status = 422, body = super::ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ApplicationIn>,
) -> Result<(StatusCode, axum::Json<Application>)> {
    auth.require(Permission::FileExpenses)?;
    let mut e = FieldErrors::default();
    let today = state.today();
    let applied_on = match parse_date(input.applied_on.as_deref().unwrap_or("")) {
        Ok(None) => Some(today),
        Ok(Some(d)) if d > today => {
            e.push("applied_on", Problem::Rule { rule: "in_the_future" });
            None
        }
        Ok(Some(d)) => Some(d),
        Err(p) => {
            e.push("applied_on", p);
            None
        }
    };
    if input.organisation_id.is_none() {
        e.push("organisation_id", Problem::Required);
    }
    if input.product_line_id.is_none() {
        e.push("product_line_id", Problem::Required);
    }
    let amount = match yuan_required("amount", &input.amount) {
        Ok(a) => Some(a),
        Err(Error::Validation(fe)) => {
            e.0.extend(fe.0);
            None
        }
        Err(other) => return Err(other),
    };
    let purpose = e.take("purpose", required_line(&input.purpose, limits::ADDRESS));
    let a = e
        .finish(|| NewApplication {
            organisation_id: input.organisation_id.unwrap_or_default(),
            product_line_id: input.product_line_id.unwrap_or_default(),
            applied_on: applied_on.unwrap_or(today),
            amount_fen: amount.unwrap_or_default(),
            purpose: purpose.unwrap_or_default(),
        })
        .map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    Ok((StatusCode::CREATED, axum::Json(state.store.apply_for_new_customer(&auth.actor(), &scope, &a).await?)))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "statements", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<Application>> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.application(&scope, id).await?))
}

/// Signs an application's next step.
#[utoipa::path(post, path = "/api/v1/applications/{id}/sign", tag = "statements", params(("id" = i64, Path)), request_body = SignIn,
    responses((status = 200, body = SignedOut), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn sign_application(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<SignIn>,
) -> Result<axum::Json<SignedOut>> {
    Ok(axum::Json(sign(&state, &auth, Document::Application, id, input.version).await?))
}

/// Returns an application with a reason.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reject", tag = "statements", params(("id" = i64, Path)), request_body = RejectIn,
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn reject_application(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RejectIn>,
) -> Result<StatusCode> {
    reject(&state, &auth, Document::Application, id, input).await
}

/// Pays an approved application, only after the customer's collection,
/// with evidence.
#[utoipa::path(post, path = "/api/v1/applications/{id}/payout", tag = "statements", params(("id" = i64, Path)), request_body = PayoutIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn pay_application(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<PayoutIn>,
) -> Result<axum::Json<Application>> {
    auth.require(Permission::FileExpenses)?;
    let on = payout_day(&state, input.paid_on.as_deref())?;
    let evidence =
        input.attachment_id.ok_or_else(|| invalid("attachment_id", Problem::Rule { rule: "evidence_required" }))?;
    Ok(axum::Json(state.store.pay_application(&auth.actor(), id, on, evidence).await?))
}

/// `?format=`.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// 附表3 as xlsx or CSV with its signature block.
#[utoipa::path(get, path = "/api/v1/applications/{id}/export", tag = "statements", params(("id" = i64, Path), FormatQuery),
    responses((status = 200, description = "The form"), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn export_application(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Result<Response> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    let a = state.store.application(&scope, id).await?;
    crate::forms::download(
        &crate::forms::form3(&a),
        q.format.as_deref().unwrap_or("xlsx"),
        &format!("application-{id}"),
        &format!("附表3-{}-{}", a.organisation_name, a.applied_on),
    )
}

/// Picks the customers to spot-check on an approved, paid-out statement
/// (the manager; reproducible and audited; later calls return the same).
#[utoipa::path(post, path = "/api/v1/statements/{id}/spot-check", tag = "statements", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn spot_check(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<SpotCheck>>> {
    auth.require(Permission::SpotCheck)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.spot_check(&auth.actor(), &scope, id).await?))
}

/// Spot checks in scope.
#[utoipa::path(get, path = "/api/v1/spot-checks", tag = "statements", responses((status = 200, body = Object)))]
pub async fn list_spot_checks(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<SpotCheck>>> {
    auth.require(Permission::ViewExpenses)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.spot_checks(&scope).await?))
}

/// What the customer said.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIn {
    /// True: the customer confirmed receiving it; false: a discrepancy.
    pub confirmed: bool,
    /// Notes (required for a discrepancy).
    pub note: Option<String>,
}

/// Records a spot check's result (the manager).
#[utoipa::path(post, path = "/api/v1/spot-checks/{id}", tag = "statements", params(("id" = i64, Path)), request_body = ConfirmIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn confirm_spot_check(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ConfirmIn>,
) -> Result<axum::Json<SpotCheck>> {
    auth.require(Permission::SpotCheck)?;
    let note = optional_line(input.note.as_deref().unwrap_or(""), limits::ADDRESS).map_err(|p| invalid("note", p))?;
    if !input.confirmed && note.is_none() {
        return Err(invalid("note", Problem::Required));
    }
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.confirm_spot_check(&auth.actor(), &scope, id, input.confirmed, note.as_deref()).await?))
}

/// What last month's statements ask of `user` today, as digest lines: a
/// rep's own filing deadline (from three working days before it, and once
/// overdue); a checker's statements awaiting their signature; and, for
/// checkers, reps who have not filed past the deadline — so late filing
/// and late checking reach the manager's phone, not only the queue page.
pub async fn reminders(
    state: &AppState,
    user: &keqing_store::users::User,
    today: chrono::NaiveDate,
    zh: bool,
) -> Result<Vec<keqing_core::notify::DigestLine>> {
    use keqing_core::notify::DigestLine;
    let month = Month::of(today).prev();
    let Some((_, d)) = deadlines(state, month).await? else { return Ok(Vec::new()) };
    let label = month.label(zh);
    let mut out = Vec::new();
    let chart = state.store.org_chart().await?;
    let scope = chart.customer_scope(user.id, user.roles);
    let statements = state.store.statements(&scope, Some(month)).await?;
    let late_by = |left: i64| if left < 0 { -left } else { 0 };
    if user.roles.can(Permission::FileExpenses) {
        let mine = statements.iter().find(|s| s.user_id == user.id.0);
        let filed = mine.is_some_and(|s| s.filed || s.state() == DocState::Approved);
        if !filed && d.file_in_working_days <= 3 {
            out.push(DigestLine {
                action: if zh { "提交客情费统计表".into() } else { "File the expense statement".into() },
                who: label.clone(),
                reason: match (zh, mine.and_then(|s| s.rejected_reason.clone())) {
                    (true, Some(r)) => format!("已退回：{r}；截止{}", d.file_by),
                    (false, Some(r)) => format!("returned: {r}; due {}", d.file_by),
                    (true, None) => format!("第3个工作日{}下班前交销售文员", d.file_by),
                    (false, None) => format!("due to the clerk by the end of {} (3rd working day)", d.file_by),
                },
                overdue_days: late_by(d.file_in_working_days),
            });
        }
    }
    if user.roles.can(Permission::CheckExpenses) {
        for s in &statements {
            let may = keqing_core::expense::may_sign(
                s.state(),
                keqing_core::expense::Signer {
                    roles: user.roles,
                    is_author: s.user_id == user.id.0,
                    signed_this_round: s.signatures.iter().any(|g| g.user_id == user.id.0),
                },
            );
            if may.is_ok() {
                out.push(DigestLine {
                    action: if zh { "检核签字".into() } else { "Sign".into() },
                    who: format!("{} · {label}", s.user_name),
                    reason: if zh {
                        format!("三方检核须在第8个工作日{}前完成", d.checked_by)
                    } else {
                        format!("all three signatures are due by {} (8th working day)", d.checked_by)
                    },
                    overdue_days: late_by(d.check_in_working_days),
                });
            }
        }
        if d.filing_overdue {
            let users = state.store.list_users().await?;
            for u in users.iter().filter(|u| u.roles.has(Role::Rep) && u.disabled_at.is_none() && scope.contains(u.id))
            {
                if u.id == user.id {
                    continue;
                }
                let filed =
                    statements.iter().any(|s| s.user_id == u.id.0 && (s.filed || s.state() == DocState::Approved));
                if !filed {
                    out.push(DigestLine {
                        action: if zh { "逾期未提交".into() } else { "Not filed".into() },
                        who: format!("{} · {label}", u.display_name),
                        reason: if zh {
                            format!("统计表应于{}前提交", d.file_by)
                        } else {
                            format!("the statement was due by {}", d.file_by)
                        },
                        overdue_days: late_by(d.file_in_working_days),
                    });
                }
            }
        }
    }
    Ok(out)
}
