//! The rep's day: the agenda (Today and the week), snoozes, the team's
//! overdue counts, and the cadence and occasion rules.

use super::interactions::RefOut;
use crate::AppState;
use crate::agenda::{self, Agenda, briefing_line, check_days, parse_date};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use keqing_core::agenda::cadence::CadenceRules;
use keqing_core::agenda::occasion::OccasionRules;
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Which agenda.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgendaQuery {
    /// The day (YYYY-MM-DD); blank is today in the company's time zone.
    pub date: Option<String>,
    /// How many days from `date` (1 for Today, 7 for the week; at most 31).
    pub days: Option<u16>,
    /// Whose agenda (a manager reading a rep's); blank is yours.
    pub user_id: Option<i64>,
}

/// One thing to do.
#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    /// Stable key: send it as `agenda_key` when logging the contact, or to snooze.
    pub key: String,
    /// `overdue`, `visits`, `calls`, `occasions`, `follow_ups`.
    pub section: String,
    /// What to do: `visit`, `work_call`, `care_call`, `gift`, `message`, `call_now`,
    /// `offer_support`, `follow_up`.
    pub action: String,
    /// What to do, in words.
    pub action_label: String,
    /// The interaction kind to log when it is done.
    pub logs: String,
    /// Due (an occasion: its day).
    pub due: NaiveDate,
    /// Days past its deadline.
    pub overdue_days: i64,
    /// The person.
    pub person: Option<RefOut>,
    /// The organisation.
    pub organisation: Option<RefOut>,
    /// Why it is here: the rule and the dates, in words.
    pub reason: String,
    /// The same, as data (`rule` names it).
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// What to know before the contact (last contact, family news, tastes,
    /// last gift); empty without the personal-details permission.
    pub briefing: String,
}

/// An agenda.
#[derive(Serialize, ToSchema)]
pub struct AgendaOut {
    /// Whose.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// The first day.
    pub date: NaiveDate,
    /// The last day.
    pub until: NaiveDate,
    /// How many items are overdue.
    pub overdue: usize,
    /// The items: overdue first, then visits, calls, occasions, next steps.
    pub items: Vec<ItemOut>,
}

impl AgendaOut {
    /// In `zh` or English.
    pub fn new(a: &Agenda, zh: bool) -> AgendaOut {
        let items = a
            .items
            .iter()
            .map(|i| ItemOut {
                key: i.key.clone(),
                section: serde_json::to_value(i.section)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                action: serde_json::to_value(i.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                action_label: i.action.label(zh).to_owned(),
                logs: i.action.logs().as_str().to_owned(),
                due: i.due,
                overdue_days: i.overdue_days,
                person: i.person.as_ref().map(|p| RefOut { id: p.id.0, name: p.name.clone() }),
                organisation: i.organisation.as_ref().map(|o| RefOut { id: o.id.0, name: o.name.clone() }),
                reason: i.why.explain(a.today, zh),
                rule: serde_json::to_value(&i.why).unwrap_or_default(),
                briefing: i
                    .person
                    .as_ref()
                    .and_then(|p| a.briefings.get(&p.id))
                    .map(|b| briefing_line(b, a.today, zh))
                    .unwrap_or_default(),
            })
            .collect();
        AgendaOut {
            user_id: a.user.0,
            user_name: a.user_name.clone(),
            date: a.today,
            until: a.until,
            overdue: a.overdue(),
            items,
        }
    }
}

/// A snooze.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnoozeIn {
    /// The item's key.
    pub key: String,
    /// Hidden until this day (YYYY-MM-DD, after today, at most 90 days on).
    pub until: String,
    /// Why (required).
    pub reason: String,
}

/// One rep's count.
#[derive(Serialize, ToSchema)]
pub struct TeamRow {
    /// The rep.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// Items due today.
    pub due: usize,
    /// Of which overdue.
    pub overdue: usize,
}

/// The team's day.
#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    /// The day.
    pub date: NaiveDate,
    /// Overdue items across the reps listed.
    pub overdue: usize,
    /// Per rep (at most 200, by name).
    pub reps: Vec<TeamRow>,
    /// More reps are in reach than listed: ask for each one's agenda.
    pub truncated: bool,
}

/// The most reps the team view builds agendas for in one request.
pub const TEAM_LIMIT: usize = 200;

/// Rules and their version.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceIo {
    /// The version you read (0: the defaults, never saved).
    pub version: i64,
    /// `key`, `secondary`, `normal`: each `{visit: {min_days, max_days}, work_call_days,
    /// care_call: {min_days, max_days}}`; `min_gap_days`; `care_clear_of_work_call_days`.
    #[schema(value_type = Object)]
    pub rules: CadenceRules,
}

/// Occasion rules and their version.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccasionsIo {
    /// The version you read (0: the defaults, never saved).
    pub version: i64,
    /// `gift_lead_days`, `message_lead_days`, `milestone_lead_days`, `store_lead_days`,
    /// `illness_days`, `birthday_gifts_for`, `festival_gifts_for` (classes), `festivals`.
    #[schema(value_type = Object)]
    pub rules: OccasionRules,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_agenda))
        .routes(routes!(team))
        .routes(routes!(snooze))
        .routes(routes!(get_cadence, put_cadence))
        .routes(routes!(get_occasions, put_occasions))
        .routes(routes!(create_feed, revoke_feed))
}

/// A new calendar feed link.
#[derive(Serialize, ToSchema)]
pub struct FeedOut {
    /// The feed's address (shown once; the secret in it is the key).
    pub url: String,
}

/// Creates your private calendar feed (`.ics`), replacing any earlier one.
#[utoipa::path(post, path = "/api/v1/me/ical", tag = "agenda", responses((status = 201, body = FeedOut)))]
pub async fn create_feed(
    State(state): State<AppState>,
    auth: Auth,
    headers: axum::http::HeaderMap,
) -> Result<(StatusCode, axum::Json<FeedOut>)> {
    auth.require(Permission::ReadCustomers)?;
    let secret = state.store.create_ical_feed(&auth.actor(), auth.user.id).await?;
    Ok((StatusCode::CREATED, axum::Json(FeedOut { url: crate::pages::feed_url(&state, &headers, &secret) })))
}

/// Revokes your calendar feed: its link stops working.
#[utoipa::path(delete, path = "/api/v1/me/ical", tag = "agenda", responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn revoke_feed(State(state): State<AppState>, auth: Auth) -> Result<StatusCode> {
    auth.require(Permission::ReadCustomers)?;
    if state.store.revoke_ical_feed(&auth.actor(), auth.user.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound)
    }
}

/// An agenda: whom to see, call or congratulate, and why.
#[utoipa::path(get, path = "/api/v1/agenda", tag = "agenda", params(AgendaQuery),
    responses((status = 200, body = AgendaOut), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn get_agenda(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AgendaQuery>,
) -> Result<axum::Json<AgendaOut>> {
    let today = parse_date(&state, q.date.as_deref())?;
    let days = check_days(q.days)?;
    let a = agenda::build(&state, &auth, q.user_id.map(UserId), today, days).await?;
    Ok(axum::Json(AgendaOut::new(&a, auth.ctx.lang.is_zh())))
}

/// Each rep's count of due and overdue items (a manager's team; a rep sees themselves).
#[utoipa::path(get, path = "/api/v1/agenda/team", tag = "agenda", params(AgendaQuery),
    responses((status = 200, body = TeamOut), (status = 422, body = super::ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AgendaQuery>,
) -> Result<axum::Json<TeamOut>> {
    let today = parse_date(&state, q.date.as_deref())?;
    Ok(axum::Json(team_day(&state, &auth, today).await?))
}

pub(crate) async fn team_day(state: &AppState, auth: &Auth, today: NaiveDate) -> Result<TeamOut> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(state).await?;
    let owners: Option<Vec<UserId>> = scope.owners().map(|o| o.iter().copied().collect());
    let mut reps = state.store.agenda_owners(owners.as_deref()).await?;
    let truncated = reps.len() > TEAM_LIMIT;
    reps.truncate(TEAM_LIMIT);
    // The reps were listed from the caller's scope, and the rules are read once.
    let ctx = agenda::context(state, today, today).await?;
    let mut out = Vec::new();
    for (user, name) in reps {
        let items = agenda::items_in(state, &ctx, user).await?;
        let overdue = items.iter().filter(|i| i.section == keqing_core::agenda::Section::Overdue).count();
        out.push(TeamRow { user_id: user.0, user_name: name, due: items.len(), overdue });
    }
    Ok(TeamOut { date: today, overdue: out.iter().map(|r| r.overdue).sum(), reps: out, truncated })
}

/// Puts an item off until a day, with a reason (required).
#[utoipa::path(post, path = "/api/v1/agenda/snoozes", tag = "agenda", request_body = SnoozeIn,
    responses((status = 204), (status = 422, body = super::ErrorBody)))]
pub async fn snooze(State(state): State<AppState>, auth: Auth, Json(input): Json<SnoozeIn>) -> Result<StatusCode> {
    auth.require(Permission::ReadCustomers)?;
    let (key, until, reason) = check_snooze(&state, &input)?;
    state.store.snooze(&auth.actor(), &key, until, &reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a snooze: a key, a day after today within 90 days, a reason.
pub(crate) fn check_snooze(state: &AppState, input: &SnoozeIn) -> Result<(String, NaiveDate, String)> {
    let mut e = FieldErrors::default();
    let key = e.take("key", validate::required_line(&input.key, 100));
    let today = state.today();
    let until = match NaiveDate::parse_from_str(input.until.trim(), "%Y-%m-%d") {
        Ok(d) if d > today && (d - today).num_days() <= 90 => Some(d),
        Ok(_) => {
            e.push("until", Problem::Rule { rule: "snooze_range" });
            None
        }
        Err(_) => {
            e.push("until", Problem::Invalid { expected: "date" });
            None
        }
    };
    let reason = e.take("reason", validate::required_line(&input.reason, limits::ADDRESS));
    match (key, until, reason) {
        (Some(k), Some(u), Some(r)) if e.is_empty() => Ok((k, u, r)),
        _ => Err(Error::Validation(e)),
    }
}

/// The cadence rules in force.
#[utoipa::path(get, path = "/api/v1/agenda/cadence", tag = "agenda", responses((status = 200, body = CadenceIo)))]
pub async fn get_cadence(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<CadenceIo>> {
    auth.require(Permission::ReadCustomers)?;
    let r = state.store.cadence_rules().await?;
    Ok(axum::Json(CadenceIo { version: r.version, rules: r.value }))
}

/// Changes the cadence rules (admin; audited).
#[utoipa::path(put, path = "/api/v1/agenda/cadence", tag = "agenda", request_body = CadenceIo,
    responses((status = 200, body = CadenceIo), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<CadenceIo>,
) -> Result<axum::Json<CadenceIo>> {
    auth.require(Permission::ManageReferenceData)?;
    let r = state.store.set_cadence_rules(&auth.actor(), input.version, &input.rules).await?;
    Ok(axum::Json(CadenceIo { version: r.version, rules: r.value }))
}

/// The occasion rules in force.
#[utoipa::path(get, path = "/api/v1/agenda/occasions", tag = "agenda", responses((status = 200, body = OccasionsIo)))]
pub async fn get_occasions(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<OccasionsIo>> {
    auth.require(Permission::ReadCustomers)?;
    let r = state.store.occasion_rules().await?;
    Ok(axum::Json(OccasionsIo { version: r.version, rules: r.value }))
}

/// Changes the occasion rules (admin; audited).
#[utoipa::path(put, path = "/api/v1/agenda/occasions", tag = "agenda", request_body = OccasionsIo,
    responses((status = 200, body = OccasionsIo), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_occasions(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<OccasionsIo>,
) -> Result<axum::Json<OccasionsIo>> {
    auth.require(Permission::ManageReferenceData)?;
    let r = state.store.set_occasion_rules(&auth.actor(), input.version, &input.rules).await?;
    Ok(axum::Json(OccasionsIo { version: r.version, rules: r.value }))
}
