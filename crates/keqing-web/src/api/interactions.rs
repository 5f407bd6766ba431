//! The interaction log: log a contact, read a customer's timeline, delete
//! a mistaken entry; a customer's own cadence.

use super::no_content;
use super::organisations::VersionQuery;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::agenda::cadence::{Window, check_window};
use keqing_core::model::InteractionDraft;
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, PersonId};
use keqing_store::interactions::{CadenceOverride, Interaction, InteractionFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A contact to log.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct InteractionIn {
    /// `visit`, `deep_visit`, `work_call`, `care_call`, `message`, `gift`, `meal`,
    /// `training`, `leader_greeting`, `help` (or the Chinese label).
    pub kind: String,
    /// Day (YYYY-MM-DD); blank is today. Not after today.
    pub on: Option<String>,
    /// Organisation (blank: the first person's).
    pub organisation_id: Option<i64>,
    /// People.
    pub people: Vec<i64>,
    /// Visits: `work` or `care`.
    pub purpose: Option<String>,
    /// Deep visits: minutes (required).
    pub duration_minutes: Option<i64>,
    /// Messages: `sms`, `wechat`, `wecom`, `card` (required).
    pub channel: Option<String>,
    /// Gifts: what (required).
    pub gift_item: Option<String>,
    /// Gifts: value in yuan, as text ("300", "1.5万"); not negative (required).
    pub gift_value: Option<String>,
    /// The occasion ("中秋").
    pub occasion: Option<String>,
    /// Cost in yuan, as text.
    pub cost: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// A next step.
    pub next_step: Option<String>,
    /// Its day (blank: a week after the contact).
    pub next_step_on: Option<String>,
    /// The agenda item this completes (from `GET /api/v1/agenda`).
    pub agenda_key: Option<String>,
}

impl InteractionIn {
    /// As a draft for keqing-core's parser.
    pub fn draft(self) -> InteractionDraft {
        InteractionDraft {
            kind: self.kind,
            on: self.on.unwrap_or_default(),
            organisation_id: self.organisation_id.map(OrganisationId),
            people: self.people.into_iter().map(PersonId).collect(),
            purpose: self.purpose.unwrap_or_default(),
            duration_minutes: self.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
            channel: self.channel.unwrap_or_default(),
            gift_item: self.gift_item.unwrap_or_default(),
            gift_value: self.gift_value.unwrap_or_default(),
            occasion: self.occasion.unwrap_or_default(),
            cost: self.cost.unwrap_or_default(),
            notes: self.notes.unwrap_or_default(),
            next_step: self.next_step.unwrap_or_default(),
            next_step_on: self.next_step_on.unwrap_or_default(),
            agenda_key: self.agenda_key.unwrap_or_default(),
        }
    }
}

/// A record named.
#[derive(Serialize, ToSchema)]
pub struct RefOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A logged contact. Notes are `null` for users without the
/// personal-details permission (finance).
#[derive(Serialize, ToSchema)]
pub struct InteractionOut {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Kind, in the request's language.
    pub kind_label: String,
    /// Day.
    pub on: NaiveDate,
    /// Organisation.
    pub organisation: Option<RefOut>,
    /// People.
    pub people: Vec<RefOut>,
    /// The rep who logged it.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// Visits: purpose.
    pub purpose: Option<String>,
    /// Deep visits: minutes.
    pub duration_minutes: Option<i64>,
    /// Messages: channel.
    pub channel: Option<String>,
    /// Gifts: item.
    pub gift_item: Option<String>,
    /// Gifts: value in fen.
    pub gift_value_fen: Option<i64>,
    /// Occasion.
    pub occasion: Option<String>,
    /// Cost in fen.
    pub cost_fen: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Next step.
    pub next_step: Option<String>,
    /// Its day.
    pub next_step_on: Option<NaiveDate>,
    /// Whether the next step was done.
    pub next_step_done: bool,
    /// The agenda item it completed.
    pub agenda_key: Option<String>,
    /// Version.
    pub version: i64,
    /// Logged at.
    pub created_at: DateTime<Utc>,
}

impl InteractionOut {
    /// For `auth`'s eyes, in `zh` or English.
    pub fn new(i: &Interaction, personal: bool, zh: bool) -> InteractionOut {
        InteractionOut {
            id: i.id,
            kind: i.kind.as_str().to_owned(),
            kind_label: i.kind.label(zh).to_owned(),
            on: i.on,
            organisation: i.organisation.as_ref().map(|o| RefOut { id: o.id.0, name: o.name.clone() }),
            people: i.people.iter().map(|p| RefOut { id: p.id.0, name: p.name.clone() }).collect(),
            user_id: i.user_id.0,
            user_name: i.user_name.clone(),
            purpose: i.purpose.map(|p| p.as_str().to_owned()),
            duration_minutes: i.duration_minutes,
            channel: i.channel.map(|c| c.as_str().to_owned()),
            gift_item: i.gift_item.clone(),
            gift_value_fen: i.gift_value_fen,
            occasion: i.occasion.clone(),
            cost_fen: i.cost_fen,
            notes: if personal { i.notes.clone() } else { None },
            next_step: i.next_step.clone(),
            next_step_on: i.next_step_on,
            next_step_done: i.next_step_done,
            agenda_key: i.agenda_key.clone(),
            version: i.version,
            created_at: i.created_at,
        }
    }
}

/// Which contacts to list: with a person, with an organisation, or (neither
/// given) the ones you logged.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InteractionQuery {
    /// With this person.
    pub person_id: Option<i64>,
    /// With this organisation.
    pub organisation_id: Option<i64>,
    /// How many, newest first (1–500, default 50).
    pub limit: Option<i64>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(log, list)).routes(routes!(delete)).routes(routes!(get_cadence, put_cadence))
}

/// Logs a contact (two taps on Today send just `kind`, `people` and `agenda_key`).
#[utoipa::path(post, path = "/api/v1/interactions", tag = "interactions", request_body = InteractionIn,
    responses((status = 201, body = InteractionOut), (status = 422, body = super::ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<InteractionIn>,
) -> Result<(StatusCode, axum::Json<InteractionOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let d = input.draft().parse(state.today()).map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    let i = state.store.log_interaction(&auth.actor(), &scope, &d).await?;
    Ok((StatusCode::CREATED, axum::Json(InteractionOut::new(&i, true, auth.ctx.lang.is_zh()))))
}

/// A customer's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/interactions", tag = "interactions", params(InteractionQuery),
    responses((status = 200, body = [InteractionOut]), (status = 404, body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InteractionQuery>,
) -> Result<axum::Json<Vec<InteractionOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Error::Validation(FieldErrors::one("limit", Problem::OutOfRange { min: 1, max: 500 })));
    }
    let scope = auth.customer_scope(&state).await?;
    let f = InteractionFilter {
        person: q.person_id.map(PersonId),
        organisation: q.organisation_id.map(OrganisationId),
        user: Some(auth.user.id),
        limit,
    };
    let personal = auth.can(Permission::ViewPersonalDetails);
    let zh = auth.ctx.lang.is_zh();
    let items = state.store.interactions(&scope, f).await?;
    Ok(axum::Json(items.iter().map(|i| InteractionOut::new(i, personal, zh)).collect()))
}

/// Deletes a mistaken entry (send the version you read); the audit log
/// keeps what it said.
#[utoipa::path(delete, path = "/api/v1/interactions/{id}", tag = "interactions", params(("id" = i64, Path), VersionQuery),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(v): Query<VersionQuery>,
) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_interaction(&auth.actor(), &scope, id, v.version).await?;
    Ok(no_content())
}

/// A customer's own rhythm (`null`: the class's).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceOverrideIo {
    /// Visit window `{min_days, max_days}` (`max_days` 0: no visits), or `null`.
    #[schema(value_type = Option<Object>)]
    pub visit: Option<Window>,
    /// Work calls every this many days (0: none), or `null`.
    pub work_call_days: Option<u16>,
}

impl From<CadenceOverride> for CadenceOverrideIo {
    fn from(o: CadenceOverride) -> Self {
        CadenceOverrideIo { visit: o.visit, work_call_days: o.work_call_days }
    }
}

/// A customer's own rhythm.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/cadence", tag = "interactions", params(("id" = i64, Path)),
    responses((status = 200, body = CadenceOverrideIo), (status = 404, body = super::ErrorBody)))]
pub async fn get_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<CadenceOverrideIo>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.organisation_cadence(&scope, OrganisationId(id)).await?.into()))
}

/// Sets a customer's own rhythm (audited).
#[utoipa::path(put, path = "/api/v1/organisations/{id}/cadence", tag = "interactions", params(("id" = i64, Path)),
    request_body = CadenceOverrideIo,
    responses((status = 200, body = CadenceOverrideIo), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<CadenceOverrideIo>,
) -> Result<axum::Json<CadenceOverrideIo>> {
    auth.require(Permission::WriteCustomers)?;
    if let Some(w) = input.visit {
        check_window("visit", w).map_err(|(f, p)| Error::Validation(FieldErrors::one(f, p)))?;
    }
    if input.work_call_days.is_some_and(|n| n > keqing_core::agenda::cadence::MAX_DAYS) {
        return Err(Error::Validation(FieldErrors::one(
            "work_call_days",
            Problem::OutOfRange { min: 0, max: i64::from(keqing_core::agenda::cadence::MAX_DAYS) },
        )));
    }
    let scope = auth.customer_scope(&state).await?;
    let o = state
        .store
        .set_cadence_override(&auth.actor(), &scope, OrganisationId(id), input.visit, input.work_call_days)
        .await?;
    Ok(axum::Json(o.into()))
}
