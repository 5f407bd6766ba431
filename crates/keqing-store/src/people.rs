//! People at customer organisations, always read and written within a scope.

use crate::audit::{self, Actor};
use crate::db::{Source, exec, run};
use crate::error::{Result, StoreError};
use crate::organisations::{check_owner, like_pattern};
use crate::{Store, now, scope_sql};
use chrono::{DateTime, Utc};
use keqing_core::model::{Gender, PersonData};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, PersonId, Scope, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Id.
    pub id: PersonId,
    /// Full name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Phone.
    pub phone: Option<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Organisation.
    pub organisation_id: Option<OrganisationId>,
    /// Organisation's name.
    pub organisation_name: Option<String>,
    /// Position there.
    pub position: Option<String>,
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

impl Person {
    /// The editable fields.
    pub fn data(&self) -> PersonData {
        PersonData {
            name: self.name.clone(),
            gender: self.gender,
            phone: self.phone.clone(),
            wechat: self.wechat.clone(),
            organisation: self.organisation_id,
            position: self.position.clone(),
            notes: self.notes.clone(),
            owner: self.owner_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    person_id: i64,
    name: String,
    gender: String,
    phone: Option<String>,
    wechat: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    position: Option<String>,
    notes: Option<String>,
    owner_user_id: i64,
    owner_name: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Person {
    fn from(r: Row) -> Self {
        Person {
            id: PersonId(r.person_id),
            name: r.name,
            gender: Gender::parse(&r.gender).unwrap_or(Gender::Unknown),
            phone: r.phone,
            wechat: r.wechat,
            organisation_id: r.organisation_id.map(OrganisationId),
            organisation_name: r.organisation_name,
            position: r.position,
            notes: r.notes,
            owner_id: UserId(r.owner_user_id),
            owner_name: r.owner_name,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str =
    "SELECT p.person_id, p.name, p.gender, p.phone, p.wechat, p.organisation_id, o.name AS organisation_name,
    p.position, p.notes, p.owner_user_id, u.display_name AS owner_name, p.version, p.created_at, p.updated_at
    FROM person p JOIN app_user u ON u.user_id = p.owner_user_id
    LEFT JOIN organisation o ON o.organisation_id = p.organisation_id";

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Part of the name, phone, WeChat id or organisation name.
    pub q: Option<String>,
    /// Only people at this organisation.
    pub organisation: Option<OrganisationId>,
    /// Only this owner.
    pub owner: Option<UserId>,
}

async fn load(src: &mut impl Source, scope: &Scope, id: PersonId) -> Result<Person> {
    let sql = format!("{SELECT} WHERE p.person_id = $1{}", scope_sql("p.owner_user_id", scope));
    let row: Option<Row> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await)?;
    row.map(Person::from).ok_or(StoreError::NotFound)
}

/// A person may only be attached to an organisation the caller can reach.
async fn check_organisation(src: &mut impl Source, scope: &Scope, org: Option<OrganisationId>) -> Result<()> {
    let Some(org) = org else { return Ok(()) };
    let sql =
        format!("SELECT COUNT(*) FROM organisation WHERE organisation_id = $1{}", scope_sql("owner_user_id", scope));
    let n: i64 = exec!(src.exec(), |c| sqlx::query_scalar(AssertSqlSafe(sql)).bind(org.0).fetch_one(c).await)?;
    if n == 0 { Err(StoreError::invalid("organisation_id", Problem::UnknownReference)) } else { Ok(()) }
}

impl Store {
    /// People in scope matching `filter`, by name; and the total count.
    #[tracing::instrument(skip_all)]
    pub async fn list_people(
        &self,
        scope: &Scope,
        filter: &PersonFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Person>, i64)> {
        let mut cond = String::from(" WHERE 1=1");
        cond.push_str(&scope_sql("p.owner_user_id", scope));
        cond.push_str(
            " AND ($1 IS NULL OR LOWER(p.name) LIKE $1 ESCAPE '\\' OR p.phone LIKE $1 ESCAPE '\\'
                   OR LOWER(p.wechat) LIKE $1 ESCAPE '\\' OR LOWER(o.name) LIKE $1 ESCAPE '\\')
              AND ($2 IS NULL OR p.organisation_id = $2) AND ($3 IS NULL OR p.owner_user_id = $3)",
        );
        let q = filter.q.as_deref().filter(|q| !q.trim().is_empty()).map(like_pattern);
        let org = filter.organisation.map(|o| o.0);
        let owner = filter.owner.map(|u| u.0);
        let list_sql = format!("{SELECT}{cond} ORDER BY p.name, p.person_id LIMIT $4 OFFSET $5");
        let count_sql = format!(
            "SELECT COUNT(*) FROM person p LEFT JOIN organisation o ON o.organisation_id = p.organisation_id{cond}"
        );
        let mut c = self.db.conn().await?;
        let rows: Vec<Row> = exec!(c.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(list_sql))
                .bind(&q)
                .bind(org)
                .bind(owner)
                .bind(limit)
                .bind(offset)
                .fetch_all(c)
                .await
        })?;
        let total: i64 = exec!(c.exec(), |c| {
            sqlx::query_scalar(AssertSqlSafe(count_sql)).bind(&q).bind(org).bind(owner).fetch_one(c).await
        })?;
        Ok((rows.into_iter().map(Person::from).collect(), total))
    }

    /// One person in scope.
    pub async fn person(&self, scope: &Scope, id: PersonId) -> Result<Person> {
        load(&mut self.db.conn().await?, scope, id).await
    }

    /// Creates a person owned by someone in scope.
    #[tracing::instrument(skip_all)]
    pub async fn create_person(&self, actor: &Actor, scope: &Scope, d: &PersonData) -> Result<Person> {
        let at = now();
        let mut tx = self.db.begin().await?;
        check_owner(&mut tx, scope, d.owner).await?;
        check_organisation(&mut tx, scope, d.organisation).await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO person (name, gender, phone, wechat, organisation_id, position, notes, owner_user_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING person_id",
            )
            .bind(&d.name)
            .bind(d.gender.as_str())
            .bind(&d.phone)
            .bind(&d.wechat)
            .bind(d.organisation.map(|o| o.0))
            .bind(&d.position)
            .bind(&d.notes)
            .bind(d.owner.0)
            .bind(at)
            .fetch_one(c)
            .await
        })?;
        let person = load(&mut tx, &Scope::All, PersonId(id)).await?;
        audit::record(&mut tx, actor, at, "person", id, Some(person.owner_id), &person.name, None, Some(&person))
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Replaces a person's fields if `version` is still current.
    #[tracing::instrument(skip_all, fields(person = %id))]
    pub async fn update_person(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: PersonId,
        version: i64,
        d: &PersonData,
    ) -> Result<Person> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        if before.version != version {
            return Err(conflict(&before));
        }
        if d.owner != before.owner_id {
            check_owner(&mut tx, scope, d.owner).await?;
        }
        if d.organisation != before.organisation_id {
            check_organisation(&mut tx, scope, d.organisation).await?;
        }
        let n = run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE person SET name = $1, gender = $2, phone = $3, wechat = $4, organisation_id = $5, position = $6,
                 notes = $7, owner_user_id = $8, version = version + 1, updated_at = $9 WHERE person_id = $10 AND version = $11",
            )
            .bind(&d.name)
            .bind(d.gender.as_str())
            .bind(&d.phone)
            .bind(&d.wechat)
            .bind(d.organisation.map(|o| o.0))
            .bind(&d.position)
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
            "person",
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

    /// Deletes a person if `version` is current; the last values stay in
    /// the audit log.
    pub async fn delete_person(&self, actor: &Actor, scope: &Scope, id: PersonId, version: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        let n = run!(tx.exec(), |c| {
            sqlx::query("DELETE FROM person WHERE person_id = $1 AND version = $2")
                .bind(id.0)
                .bind(version)
                .execute(c)
                .await
        })?;
        if n == 0 {
            return Err(conflict(&before));
        }
        audit::record(&mut tx, actor, at, "person", id.0, Some(before.owner_id), &before.name, Some(&before), None)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn conflict(current: &Person) -> StoreError {
    StoreError::Conflict { version: current.version, current: serde_json::to_value(current).unwrap_or_default() }
}
