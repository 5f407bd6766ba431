//! The audit log: who changed what, when, with the values before and after.

use crate::db::{Tx, exec, run};
use crate::error::Result;
use crate::{Store, id_list};
use chrono::{DateTime, Utc};
use keqing_core::audit::{Action, Changes};
use keqing_core::{Scope, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;

/// Who is making a change: a logged-in user, or the system/CLI.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user, or `None` for the system and the command line.
    pub user_id: Option<UserId>,
    /// A name for the log (kept even if the user is later renamed).
    pub name: String,
    /// The client's address, when the change came over HTTP.
    pub ip: Option<String>,
}

impl Actor {
    /// A change made by Keqing itself or by an operator on the command line.
    pub fn system(name: &str) -> Actor {
        Actor { user_id: None, name: name.to_owned(), ip: None }
    }
}

/// One entry, as written.
#[derive(Debug, Clone)]
pub(crate) struct NewEntry<'a> {
    pub action: Action,
    pub entity: &'a str,
    pub entity_id: String,
    pub owner: Option<UserId>,
    pub summary: String,
    pub changes: Changes,
}

/// Writes an entry inside the caller's transaction.
pub(crate) async fn write(tx: &mut Tx, actor: &Actor, at: DateTime<Utc>, e: NewEntry<'_>) -> Result<()> {
    let changes = Json(&e.changes);
    run!(tx.exec(), |c| {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_user_id, actor_name, action, entity, entity_id, owner_user_id, summary, changes, ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(at)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&actor.name)
        .bind(e.action.as_str())
        .bind(e.entity)
        .bind(&e.entity_id)
        .bind(e.owner.map(|u| u.0))
        .bind(&e.summary)
        .bind(changes)
        .bind(&actor.ip)
        .execute(c)
        .await
    })?;
    Ok(())
}

/// Writes the entry for a record that was created (`before` is `None`),
/// changed, or deleted (`after` is `None`), with the fields that differ.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record<T: Serialize>(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    entity: &str,
    id: i64,
    owner: Option<UserId>,
    summary: &str,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<()> {
    let action = match (before, after) {
        (None, _) => Action::Create,
        (Some(_), Some(_)) => Action::Update,
        (Some(_), None) => Action::Delete,
    };
    let json = |v: Option<&T>| v.map(|v| serde_json::to_value(v).unwrap_or_default()).unwrap_or_default();
    let entry = NewEntry {
        action,
        entity,
        entity_id: id.to_string(),
        owner,
        summary: summary.to_owned(),
        changes: keqing_core::audit::diff(&json(before), &json(after)),
    };
    write(tx, actor, at, entry).await
}

/// An audit entry as read back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Entry id.
    pub audit_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Acting user, if any.
    pub actor_user_id: Option<i64>,
    /// Acting user's name at the time.
    pub actor_name: String,
    /// `create`, `update`, `delete`, `login_throttled`, …
    pub action: String,
    /// `organisation`, `person`, `user`, …
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// The owner of the record, if it is an owned record.
    pub owner_user_id: Option<i64>,
    /// A human label of the record.
    pub summary: String,
    /// Changed fields: `{"phone": {"before": …, "after": …}}`.
    pub changes: Json<serde_json::Value>,
    /// Client address.
    pub ip: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this entity type.
    pub entity: Option<String>,
    /// Only this record (with `entity`).
    pub entity_id: Option<String>,
    /// Only changes by this user.
    pub actor: Option<UserId>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (exclusive).
    pub until: Option<DateTime<Utc>>,
}

impl Store {
    /// Entries in `scope` (an entry is in scope when its actor or the owner
    /// of the record it is about is), newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_audit(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT audit_id, at, actor_user_id, actor_name, action, entity, entity_id, owner_user_id, summary, changes, ip
             FROM audit_log WHERE 1=1",
        );
        if let Some(owners) = scope.owners() {
            let ids = id_list(owners.iter().map(|u| u.0));
            sql.push_str(&format!(" AND (actor_user_id IN ({ids}) OR owner_user_id IN ({ids}))"));
        }
        sql.push_str(" AND ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) AND ($3 IS NULL OR actor_user_id = $3)");
        sql.push_str(" AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)");
        sql.push_str(" ORDER BY at DESC, audit_id DESC LIMIT $6 OFFSET $7");
        let mut c = self.db.conn().await?;
        let rows = exec!(c.exec(), |c| {
            sqlx::query_as::<_, AuditEntry>(AssertSqlSafe(sql.clone()))
                .bind(&filter.entity)
                .bind(&filter.entity_id)
                .bind(filter.actor.map(|u| u.0))
                .bind(filter.from)
                .bind(filter.until)
                .bind(limit)
                .bind(offset)
                .fetch_all(c)
                .await
        })?;
        Ok(rows)
    }

    /// Records a security event that changes no record (a throttled login).
    pub async fn audit_event(
        &self,
        actor: &Actor,
        action: Action,
        entity: &str,
        entity_id: &str,
        summary: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let mut changes = Changes::new();
        if let serde_json::Value::Object(map) = details {
            for (k, v) in map {
                changes.insert(k, keqing_core::audit::FieldChange { before: serde_json::Value::Null, after: v });
            }
        }
        write(
            &mut tx,
            actor,
            crate::now(),
            NewEntry {
                action,
                entity,
                entity_id: entity_id.to_owned(),
                owner: None,
                summary: summary.to_owned(),
                changes,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
