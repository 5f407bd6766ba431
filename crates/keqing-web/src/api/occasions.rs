//! Dates a rep asked to remember for a person (once or yearly, Gregorian or
//! lunar): they reach Today within their lead time, like birthdays.

use super::no_content;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use keqing_core::agenda::CustomDate;
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, PersonId};
use keqing_store::agenda::CustomOccasion;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A date to remember.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccasionIn {
    /// What ("帮忙办成贷款的日子", "孩子考研").
    pub label: String,
    /// Yearly: as a birthday is written ("12-20", "农历10-23"); once: YYYY-MM-DD.
    pub date: String,
    /// Every year (default) or once.
    #[serde(default = "yes")]
    pub yearly: bool,
    /// Shown this many days before (0–60, default 1).
    #[serde(default)]
    pub lead_days: Option<i64>,
}

fn yes() -> bool {
    true
}

/// A date to remember, as stored.
#[derive(Serialize, ToSchema)]
pub struct OccasionOut {
    /// Id.
    pub id: i64,
    /// What.
    pub label: String,
    /// `once:2026-12-20` or `yearly:农历10-23`.
    pub date: String,
    /// Lead time in days.
    pub lead_days: u16,
}

impl From<&CustomOccasion> for OccasionOut {
    fn from(o: &CustomOccasion) -> Self {
        OccasionOut { id: o.id, label: o.label.clone(), date: o.date.display(), lead_days: o.lead_days }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, add)).routes(routes!(delete))
}

/// Checks a date to remember; problems are named by field.
pub(crate) fn parse(input: &OccasionIn) -> Result<(String, CustomDate, u16)> {
    let mut e = FieldErrors::default();
    let label = e.take("label", validate::required_line(&input.label, limits::NAME));
    let date = e.take("date", CustomDate::parse(&input.date, input.yearly));
    let lead = match input.lead_days.unwrap_or(1) {
        n @ 0..=60 => Some(n as u16),
        _ => {
            e.push("lead_days", Problem::OutOfRange { min: 0, max: 60 });
            None
        }
    };
    match (label, date, lead) {
        (Some(l), Some(d), Some(n)) => Ok((l, d, n)),
        _ => Err(Error::Validation(e)),
    }
}

/// A person's dates to remember.
#[utoipa::path(get, path = "/api/v1/people/{id}/occasions", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = [OccasionOut]), (status = 404, body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<OccasionOut>>> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    let items = state.store.custom_occasions(&scope, PersonId(id)).await?;
    Ok(axum::Json(items.iter().map(OccasionOut::from).collect()))
}

/// Adds a date to remember (audited).
#[utoipa::path(post, path = "/api/v1/people/{id}/occasions", tag = "people", params(("id" = i64, Path)), request_body = OccasionIn,
    responses((status = 201, body = OccasionOut), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<OccasionIn>,
) -> Result<(StatusCode, axum::Json<OccasionOut>)> {
    auth.require(Permission::WriteCustomers)?;
    auth.require(Permission::ViewPersonalDetails)?;
    let (label, date, lead) = parse(&input)?;
    let scope = auth.customer_scope(&state).await?;
    let o = state.store.add_custom_occasion(&auth.actor(), &scope, PersonId(id), &label, date, lead).await?;
    Ok((StatusCode::CREATED, axum::Json(OccasionOut::from(&o))))
}

/// Removes a date to remember.
#[utoipa::path(delete, path = "/api/v1/occasions/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_custom_occasion(&auth.actor(), &scope, id).await?;
    Ok(no_content())
}
