//! Customer organisations, always read and written within a scope.

use crate::audit::{self, Actor};
use crate::db::{Source, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, now, scope_sql};
use chrono::{DateTime, Utc};
use keqing_core::model::{OrgKind, OrganisationData};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, Scope, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    /// Id.
    pub id: OrganisationId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner_id: UserId,
    /// Owning rep's display name.
    pub owner_name: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Organisation {
    /// The editable fields.
    pub fn data(&self) -> OrganisationData {
        OrganisationData {
            name: self.name.clone(),
            kind: self.kind,
            phone: self.phone.clone(),
            address: self.address.clone(),
            notes: self.notes.clone(),
            owner: self.owner_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    organisation_id: i64,
    name: String,
    kind: String,
    phone: Option<String>,
    address: Option<String>,
    notes: Option<String>,
    owner_user_id: i64,
    owner_name: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Organisation {
    fn from(r: Row) -> Self {
        Organisation {
            id: OrganisationId(r.organisation_id),
            name: r.name,
            // The CHECK constraint admits only known kinds.
            kind: OrgKind::parse(&r.kind).unwrap_or(OrgKind::Other),
            phone: r.phone,
            address: r.address,
            notes: r.notes,
            owner_id: UserId(r.owner_user_id),
            owner_name: r.owner_name,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str = "SELECT o.organisation_id, o.name, o.kind, o.phone, o.address, o.notes, o.owner_user_id,
    u.display_name AS owner_name, o.version, o.created_at, o.updated_at
    FROM organisation o JOIN app_user u ON u.user_id = o.owner_user_id";

/// Which organisations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    /// Part of the name, phone or address.
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Only this owner.
    pub owner: Option<UserId>,
}

/// `%text%` for LIKE, with the pattern characters escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

async fn load(src: &mut impl Source, scope: &Scope, id: OrganisationId) -> Result<Organisation> {
    let sql = format!("{SELECT} WHERE o.organisation_id = $1{}", scope_sql("o.owner_user_id", scope));
    let row: Option<Row> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await)?;
    row.map(Organisation::from).ok_or(StoreError::NotFound)
}

/// Checks that `owner` is an enabled user the caller may give records to.
pub(crate) async fn check_owner(src: &mut impl Source, scope: &Scope, owner: UserId) -> Result<()> {
    let disabled: Option<Option<DateTime<Utc>>> = exec!(src.exec(), |c| {
        sqlx::query_scalar("SELECT disabled_at FROM app_user WHERE user_id = $1").bind(owner.0).fetch_optional(c).await
    })?;
    match disabled {
        Some(_) if !scope.contains(owner) => Err(StoreError::invalid("owner_id", Problem::UnknownReference)),
        None => Err(StoreError::invalid("owner_id", Problem::UnknownReference)),
        Some(Some(_)) => Err(StoreError::invalid("owner_id", Problem::Rule { rule: "owner_disabled" })),
        Some(None) => Ok(()),
    }
}

impl Store {
    /// Organisations in scope matching `filter`, by name; and the total count.
    #[tracing::instrument(skip_all)]
    pub async fn list_organisations(
        &self,
        scope: &Scope,
        filter: &OrganisationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Organisation>, i64)> {
        let mut cond = String::from(" WHERE 1=1");
        cond.push_str(&scope_sql("o.owner_user_id", scope));
        cond.push_str(
            " AND ($1 IS NULL OR LOWER(o.name) LIKE $1 ESCAPE '\\' OR o.phone LIKE $1 ESCAPE '\\' OR LOWER(o.address) LIKE $1 ESCAPE '\\')
              AND ($2 IS NULL OR o.kind = $2) AND ($3 IS NULL OR o.owner_user_id = $3)",
        );
        let q = filter.q.as_deref().filter(|q| !q.trim().is_empty()).map(like_pattern);
        let kind = filter.kind.map(|k| k.as_str());
        let owner = filter.owner.map(|u| u.0);
        let list_sql = format!("{SELECT}{cond} ORDER BY o.name, o.organisation_id LIMIT $4 OFFSET $5");
        let count_sql = format!("SELECT COUNT(*) FROM organisation o{cond}");
        let mut c = self.db.conn().await?;
        let rows: Vec<Row> = exec!(c.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(list_sql))
                .bind(&q)
                .bind(kind)
                .bind(owner)
                .bind(limit)
                .bind(offset)
                .fetch_all(c)
                .await
        })?;
        let total: i64 = exec!(c.exec(), |c| {
            sqlx::query_scalar(AssertSqlSafe(count_sql)).bind(&q).bind(kind).bind(owner).fetch_one(c).await
        })?;
        Ok((rows.into_iter().map(Organisation::from).collect(), total))
    }

    /// One organisation in scope.
    pub async fn organisation(&self, scope: &Scope, id: OrganisationId) -> Result<Organisation> {
        load(&mut self.db.conn().await?, scope, id).await
    }

    /// Creates an organisation owned by someone in scope.
    #[tracing::instrument(skip_all)]
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        d: &OrganisationData,
    ) -> Result<Organisation> {
        let at = now();
        let mut tx = self.db.begin().await?;
        check_owner(&mut tx, scope, d.owner).await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO organisation (name, kind, phone, address, notes, owner_user_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING organisation_id",
            )
            .bind(&d.name)
            .bind(d.kind.as_str())
            .bind(&d.phone)
            .bind(&d.address)
            .bind(&d.notes)
            .bind(d.owner.0)
            .bind(at)
            .fetch_one(c)
            .await
        })?;
        let org = load(&mut tx, &Scope::All, OrganisationId(id)).await?;
        audit::record(&mut tx, actor, at, "organisation", id, Some(org.owner_id), &org.name, None, Some(&org)).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Replaces an organisation's fields if `version` is still current;
    /// otherwise [`StoreError::Conflict`] with the current values.
    #[tracing::instrument(skip_all, fields(organisation = %id))]
    pub async fn update_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: OrganisationId,
        version: i64,
        d: &OrganisationData,
    ) -> Result<Organisation> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        if before.version != version {
            return Err(conflict(&before));
        }
        if d.owner != before.owner_id {
            check_owner(&mut tx, scope, d.owner).await?;
        }
        let n = run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE organisation SET name = $1, kind = $2, phone = $3, address = $4, notes = $5, owner_user_id = $6,
                 version = version + 1, updated_at = $7 WHERE organisation_id = $8 AND version = $9",
            )
            .bind(&d.name)
            .bind(d.kind.as_str())
            .bind(&d.phone)
            .bind(&d.address)
            .bind(&d.notes)
            .bind(d.owner.0)
            .bind(at)
            .bind(id.0)
            .bind(version)
            .execute(c)
            .await
        })?;
        if n == 0 {
            return Err(conflict(&load(&mut tx, scope, id).await?));
        }
        let after = load(&mut tx, &Scope::All, id).await?;
        audit::record(
            &mut tx,
            actor,
            at,
            "organisation",
            id.0,
            Some(after.owner_id),
            &after.name,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes an organisation if `version` is current. Its people stay,
    /// without an organisation; its last values stay in the audit log.
    pub async fn delete_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: OrganisationId,
        version: i64,
    ) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        let n = run!(tx.exec(), |c| {
            sqlx::query("DELETE FROM organisation WHERE organisation_id = $1 AND version = $2")
                .bind(id.0)
                .bind(version)
                .execute(c)
                .await
        })?;
        if n == 0 {
            return Err(conflict(&before));
        }
        audit::record(
            &mut tx,
            actor,
            at,
            "organisation",
            id.0,
            Some(before.owner_id),
            &before.name,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn conflict(current: &Organisation) -> StoreError {
    StoreError::Conflict { version: current.version, current: serde_json::to_value(current).unwrap_or_default() }
}
