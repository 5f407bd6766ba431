//! The audit log page: filter by record type, person and dates; page on;
//! export what is shown as CSV.

use super::{Chrome, render};
use crate::AppState;
use crate::api::audit::AuditQuery;
use crate::api::paging;
use crate::auth::Auth;
use crate::error::Result;
use crate::extract::Query;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use keqing_core::Permission;
use keqing_store::audit::AuditEntry;
use keqing_store::users::User;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

struct Row {
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    summary: String,
    changes: Vec<(String, String, String)>,
}

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "∅".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Row {
    fn from(e: AuditEntry, zone: chrono_tz::Tz) -> Row {
        let changes = e
            .changes
            .0
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), show(&v["before"]), show(&v["after"]))).collect())
            .unwrap_or_default();
        Row {
            at: crate::time::local(e.at, zone).format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor_name,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            summary: e.summary,
            changes,
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: AuditQuery,
    rows: Vec<Row>,
    users: Vec<User>,
    entities: [&'static str; 5],
    next_offset: Option<i64>,
    prev_offset: Option<i64>,
    export_query: String,
}

impl AuditPage {
    fn action_label(&self, a: &str) -> &'static str {
        self.c.t(&format!("action.{a}"))
    }
    fn entity_label(&self, e: &str) -> &'static str {
        self.c.t(&format!("entity.{e}"))
    }
    fn selected_entity(&self, e: &str) -> bool {
        self.q.entity.as_deref() == Some(e)
    }
    fn selected_actor(&self, id: &keqing_core::UserId) -> bool {
        self.q.actor_id == Some(id.0)
    }
    fn text<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn page_link(&self, offset: &i64) -> String {
        let mut q = self.export_query.clone();
        q.push_str(&format!("&offset={offset}"));
        format!("/audit?{q}")
    }
}

async fn audit(State(state): State<AppState>, auth: Auth, Query(q): Query<AuditQuery>) -> Result<Response> {
    auth.require(Permission::ViewAudit)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let scope = auth.audit_scope(&state).await?;
    let mut entries = state.store.list_audit(&scope, &q.filter(state.settings.zone)?, limit + 1, offset).await?;
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let users = if auth.can(Permission::ViewUsers) { state.store.list_users().await? } else { Vec::new() };
    let export_query = {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("entity", &q.entity), ("from", &q.from), ("until", &q.until), ("entity_id", &q.entity_id)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        if let Some(a) = q.actor_id {
            s.append_pair("actor_id", &a.to_string());
        }
        s.finish()
    };
    render(&AuditPage {
        c: Chrome::new(&auth.ctx),
        rows: entries.into_iter().map(|e| Row::from(e, state.settings.zone)).collect(),
        users,
        entities: ["organisation", "person", "user", "team", "session"],
        next_offset: more.then_some(offset + limit),
        prev_offset: (offset > 0).then(|| (offset - limit).max(0)),
        export_query,
        q,
    })
}
