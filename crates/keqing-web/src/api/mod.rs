//! The JSON API under `/api/v1`, one module per resource, each exposing
//! `router()`; merged here with the OpenAPI document generated from the
//! handlers' annotations (served at `/api/openapi.json`, readable at
//! `/api/docs`).

pub mod agenda;
pub mod audit;
pub mod calendar;
pub mod classification;
pub mod docs;
pub mod expenses;
pub mod export;
pub mod greetings;
pub mod health;
pub mod import;
pub mod interactions;
pub mod me;
pub mod occasions;
pub mod organisations;
pub mod people;
pub mod regions;
pub mod reminders;
pub mod statements;
pub mod teams;
pub mod tokens;
pub mod users;

use crate::AppState;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// The OpenAPI document's fixed parts; paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keqing API",
        description = "客情关系维护系统 — the JSON API. Authenticate with `Authorization: Bearer <token>` \
(create a token under My account, or POST /api/v1/auth/token), or with the browser session plus an \
`X-CSRF-Token` header on unsafe methods. Every error has the shape \
`{\"error\": {\"code\", \"message\", \"fields\"?}}`. Unknown fields are rejected.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Tokens and login"),
        (name = "me", description = "The current user"),
        (name = "users", description = "User administration (admin)"),
        (name = "teams", description = "The team tree"),
        (name = "audit", description = "Who changed what"),
        (name = "calendar", description = "Lunar dates, festivals, statutory holidays, working days"),
        (name = "organisations", description = "Customer organisations"),
        (name = "people", description = "People at customer organisations, their families and relations"),
        (name = "regions", description = "Administrative regions (GB/T 2260) and sales territories"),
        (name = "classification", description = "Customer classes: rules, territory suggestions, Pareto"),
        (name = "import", description = "Importing people from CSV or Excel: preview, then commit all or nothing"),
        (name = "export", description = "People and organisations as CSV, xlsx or vCard"),
        (name = "interactions", description = "The interaction log: visits, calls, messages, gifts …; a customer's own cadence"),
        (name = "greetings", description = "Greeting drafts written for each person, the copy-paste guard, templates"),
        (name = "agenda", description = "The rep's day: whom to see, call or congratulate and why; snoozes; cadence and occasion rules"),
        (name = "expenses", description = "客情费: product lines and standards, the sales and collections ledger, expense entries with evidence, advances, payouts, transparency"),
        (name = "statements", description = "Monthly statements (附表1/附表2) and new-customer applications (附表3): filing, three signatures, returns, exports, spot checks"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("kq_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::context::SESSION_COOKIE))),
        );
    }
}

/// Every API route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(tokens::router())
        .merge(me::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(audit::router())
        .merge(calendar::router())
        .merge(organisations::router())
        .merge(people::router())
        .merge(regions::router())
        .merge(classification::router())
        .merge(import::router())
        .merge(export::router())
        .merge(interactions::router())
        .merge(agenda::router())
        .merge(greetings::router())
        .merge(reminders::router())
        .merge(occasions::router())
        .merge(expenses::router())
        .merge(statements::router())
}

/// The error body (every non-2xx answer).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `bad_request`, `validation`, `unauthenticated`, `forbidden`, `csrf`,
    /// `not_found`, `conflict`, `payload_too_large`, `unsupported_media_type`,
    /// `too_many_requests`, `password_change_required`, `unavailable`, `internal`.
    pub code: String,
    /// A sentence for people, in the request's language.
    pub message: String,
    /// Per-field messages (`{"phone": "…"}`), for `validation` and `bad_request`.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Value>,
    /// For `conflict`: the record's current version.
    pub version: Option<i64>,
    /// For `conflict`: the record's current values.
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
    /// For `too_many_requests`: seconds to wait (also in `Retry-After`).
    pub retry_after: Option<u64>,
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Offset used.
    pub offset: i64,
}

/// Paging parameters: `limit` 1–500 (default 50), `offset` ≥ 0.
pub fn paging(limit: Option<i64>, offset: Option<i64>) -> crate::error::Result<(i64, i64)> {
    use keqing_core::validate::{FieldErrors, Problem};
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    let mut e = FieldErrors::default();
    if !(1..=500).contains(&limit) {
        e.push("limit", Problem::OutOfRange { min: 1, max: 500 });
    }
    if offset < 0 {
        e.push("offset", Problem::OutOfRange { min: 0, max: i64::MAX });
    }
    e.finish(|| (limit, offset)).map_err(crate::error::Error::Validation)
}

/// For `Option<Option<T>>` fields: absent → `None` (leave unchanged),
/// `null` → `Some(None)` (clear), a value → `Some(Some(v))`.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Applies a nullable patch field to a draft's text.
pub fn patch_text(target: &mut String, patch: &Option<Option<String>>) {
    if let Some(v) = patch {
        *target = v.clone().unwrap_or_default();
    }
}

/// 204 No Content.
pub fn no_content() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}
