//! The audit log: filtered lists and CSV export (managers: their team's
//! entries; admin: all).

use super::{Page, paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{Permission, UserId};
use keqing_store::audit::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// An audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Acting user (`null`: the system or the command line).
    pub actor_id: Option<i64>,
    /// Acting user's name at the time.
    pub actor: String,
    /// `create`, `update`, `delete`, `login`, `login_throttled`, `password_change`, …
    pub action: String,
    /// Record type.
    pub entity: String,
    /// Record id.
    pub entity_id: String,
    /// Owner of the record.
    pub owner_id: Option<i64>,
    /// The record's label.
    pub summary: String,
    /// Changed fields: `{"field": {"before": …, "after": …}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// Client address.
    pub ip: Option<String>,
}

impl From<AuditEntry> for AuditOut {
    fn from(e: AuditEntry) -> Self {
        AuditOut {
            id: e.audit_id,
            at: e.at,
            actor_id: e.actor_user_id,
            actor: e.actor_name,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            owner_id: e.owner_user_id,
            summary: e.summary,
            changes: e.changes.0,
            ip: e.ip,
        }
    }
}

/// Filters. Dates are calendar days in the company's time zone, inclusive.
#[derive(Deserialize, IntoParams, Default, Debug, Clone)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Record type (`organisation`, `user`, …).
    pub entity: Option<String>,
    /// Record id.
    pub entity_id: Option<String>,
    /// Acting user id.
    pub actor_id: Option<i64>,
    /// First day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub until: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

fn day(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::Validation(FieldErrors::one(field, Problem::Invalid { expected: "date" }))),
    }
}

impl AuditQuery {
    /// The store filter.
    pub fn filter(&self, zone: chrono_tz::Tz) -> Result<AuditFilter> {
        let from = day("from", &self.from)?;
        let until = day("until", &self.until)?;
        Ok(AuditFilter {
            entity: self.entity.clone().filter(|s| !s.is_empty()),
            entity_id: self.entity_id.clone().filter(|s| !s.is_empty()),
            actor: self.actor_id.map(UserId),
            from: from.map(|d| crate::time::day_start(d, zone)),
            until: until.map(|d| crate::time::day_start(d.succ_opt().unwrap_or(d), zone)),
        })
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(export_audit))
}

/// Entries in my scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditOut>), (status = 403, body = super::ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<Page<AuditOut>>> {
    auth.require(Permission::ViewAudit)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let scope = auth.audit_scope(&state).await?;
    let entries = state.store.list_audit(&scope, &q.filter(state.settings.zone)?, limit + 1, offset).await?;
    // The log only grows: report "more" rather than count a large table.
    let more = entries.len() as i64 > limit;
    let items: Vec<AuditOut> = entries.into_iter().take(limit as usize).map(AuditOut::from).collect();
    let total = offset + items.len() as i64 + i64::from(more);
    Ok(axum::Json(Page { items, total, limit, offset }))
}

/// The same entries as CSV (UTF-8 with BOM, so Excel shows Chinese), up to
/// 100,000 rows.
#[utoipa::path(get, path = "/api/v1/audit.csv", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<impl IntoResponse> {
    auth.require(Permission::ViewAudit)?;
    let scope = auth.audit_scope(&state).await?;
    let entries = state.store.list_audit(&scope, &q.filter(state.settings.zone)?, 100_000, 0).await?;
    let mut out = String::from("\u{feff}");
    keqing_core::table::csv_line(
        &mut out,
        &["time", "actor", "action", "entity", "entity_id", "summary", "changes", "ip"],
    );
    for e in entries {
        let at = crate::time::local(e.at, state.settings.zone).format("%Y-%m-%d %H:%M:%S").to_string();
        let changes = e.changes.0.to_string();
        keqing_core::table::csv_line(
            &mut out,
            &[
                &at,
                &e.actor_name,
                &e.action,
                &e.entity,
                &e.entity_id,
                &e.summary,
                &changes,
                e.ip.as_deref().unwrap_or(""),
            ],
        );
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"keqing-audit.csv\""),
        ],
        out,
    ))
}
