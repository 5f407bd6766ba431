//! Regions (seeded reference data) and sales territories.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, now};
use chrono::{DateTime, Utc};
use keqing_core::UserId;
use keqing_core::region::Region;
use keqing_core::validate::Problem;
use serde::Serialize;

#[derive(sqlx::FromRow)]
struct RegionRow {
    code: String,
    name: String,
    parent_code: Option<String>,
    level: i64,
}

impl From<RegionRow> for Region {
    fn from(r: RegionRow) -> Self {
        Region { code: r.code, name: r.name, parent_code: r.parent_code, level: r.level as u8 }
    }
}

/// A sales territory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Territory {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The manager responsible.
    pub manager_user_id: Option<i64>,
    /// Region codes it covers.
    pub regions: Vec<String>,
    /// Reps assigned.
    pub members: Vec<i64>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A territory's editable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryData {
    /// Name.
    pub name: String,
    /// Manager.
    pub manager: Option<UserId>,
    /// Region codes.
    pub regions: Vec<String>,
    /// Reps.
    pub members: Vec<UserId>,
}

#[derive(sqlx::FromRow)]
struct TerritoryRow {
    territory_id: i64,
    name: String,
    manager_user_id: Option<i64>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

async fn load_territory(src: &mut impl Source, id: i64) -> Result<Territory> {
    let row: TerritoryRow = exec!(src.exec(), |c| {
        sqlx::query_as(
            "SELECT territory_id, name, manager_user_id, version, created_at, updated_at FROM territory WHERE territory_id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
    })?
    .ok_or(StoreError::NotFound)?;
    let regions: Vec<String> = exec!(src.exec(), |c| {
        sqlx::query_scalar("SELECT region_code FROM territory_region WHERE territory_id = $1 ORDER BY region_code")
            .bind(id)
            .fetch_all(c)
            .await
    })?;
    let members: Vec<i64> = exec!(src.exec(), |c| {
        sqlx::query_scalar("SELECT user_id FROM territory_member WHERE territory_id = $1 ORDER BY user_id")
            .bind(id)
            .fetch_all(c)
            .await
    })?;
    Ok(Territory {
        id: row.territory_id,
        name: row.name,
        manager_user_id: row.manager_user_id,
        regions,
        members,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn write_links(tx: &mut Tx, id: i64, d: &TerritoryData) -> Result<()> {
    run!(tx.exec(), |c| sqlx::query("DELETE FROM territory_region WHERE territory_id = $1").bind(id).execute(c).await)?;
    run!(tx.exec(), |c| sqlx::query("DELETE FROM territory_member WHERE territory_id = $1").bind(id).execute(c).await)?;
    for (i, code) in d.regions.iter().enumerate() {
        let n: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM region WHERE code = $1").bind(code).fetch_one(c).await
        })?;
        if n == 0 {
            let problem = Problem::InRow { value: code.clone(), problem: Box::new(Problem::UnknownReference) };
            return Err(StoreError::invalid(&format!("regions[{i}]"), problem));
        }
        run!(tx.exec(), |c| {
            sqlx::query(
                "INSERT INTO territory_region (territory_id, region_code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(code)
            .execute(c)
            .await
        })?;
    }
    for (i, u) in d.members.iter().chain(d.manager.iter()).enumerate() {
        let n: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM app_user WHERE user_id = $1").bind(u.0).fetch_one(c).await
        })?;
        if n == 0 {
            let field = if i < d.members.len() { format!("members[{i}]") } else { "manager_user_id".to_owned() };
            return Err(StoreError::invalid(&field, Problem::UnknownReference));
        }
    }
    for u in &d.members {
        run!(tx.exec(), |c| {
            sqlx::query("INSERT INTO territory_member (territory_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(u.0)
                .execute(c)
                .await
        })?;
    }
    Ok(())
}

impl Store {
    /// Loads the bundled regions the database lacks (first start; a newer
    /// bundle adds new codes and never removes ones in use).
    pub(crate) async fn seed_regions(&self) -> Result<usize> {
        let regions = keqing_core::region::bundled().map_err(StoreError::Config)?;
        let mut tx = self.db.begin().await?;
        let present: i64 = exec!(tx.exec(), |c| sqlx::query_scalar("SELECT COUNT(*) FROM region").fetch_one(c).await)?;
        if present as usize >= regions.len() {
            return Ok(0);
        }
        let mut added = 0;
        // Parents come first in code order (530000 < 530100 < 530102).
        for r in &regions {
            added += run!(tx.exec(), |c| {
                sqlx::query("INSERT INTO region (code, name, parent_code, level) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
                    .bind(&r.code)
                    .bind(&r.name)
                    .bind(&r.parent_code)
                    .bind(i64::from(r.level))
                    .execute(c)
                    .await
            })? as usize;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Regions below `parent` (provinces when `None`), by code.
    pub async fn regions(&self, parent: Option<&str>) -> Result<Vec<Region>> {
        let mut c = self.db.conn().await?;
        let rows: Vec<RegionRow> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT code, name, parent_code, level FROM region WHERE ($1 IS NULL AND parent_code IS NULL) OR parent_code = $1 ORDER BY code",
            )
            .bind(parent)
            .fetch_all(c)
            .await
        })?;
        Ok(rows.into_iter().map(Region::from).collect())
    }

    /// A region and the regions above it, top first ("云南省 › 昆明市 › 五华区").
    pub async fn region_path(&self, code: &str) -> Result<Vec<Region>> {
        let mut c = self.db.conn().await?;
        let mut out = Vec::new();
        let mut next = Some(code.to_owned());
        while let Some(code) = next.take() {
            let row: Option<RegionRow> = exec!(c.exec(), |c| {
                sqlx::query_as("SELECT code, name, parent_code, level FROM region WHERE code = $1")
                    .bind(&code)
                    .fetch_optional(c)
                    .await
            })?;
            match row {
                Some(r) => {
                    next = r.parent_code.clone();
                    out.push(Region::from(r));
                }
                None if out.is_empty() => return Err(StoreError::NotFound),
                None => break,
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Regions whose name contains `q` (for pickers), at most `limit`.
    pub async fn find_regions(&self, q: &str, limit: i64) -> Result<Vec<Region>> {
        let pattern = crate::organisations::like_pattern(q);
        let mut c = self.db.conn().await?;
        let rows: Vec<RegionRow> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT code, name, parent_code, level FROM region WHERE name LIKE $1 ESCAPE '\\' OR code LIKE $1 ESCAPE '\\'
                 ORDER BY level, code LIMIT $2",
            )
            .bind(pattern)
            .bind(limit)
            .fetch_all(c)
            .await
        })?;
        Ok(rows.into_iter().map(Region::from).collect())
    }

    /// Every territory, by name.
    pub async fn list_territories(&self) -> Result<Vec<Territory>> {
        let mut c = self.db.conn().await?;
        let ids: Vec<i64> =
            exec!(c.exec(), |c| sqlx::query_scalar("SELECT territory_id FROM territory ORDER BY name")
                .fetch_all(c)
                .await)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load_territory(&mut c, id).await?);
        }
        Ok(out)
    }

    /// One territory.
    pub async fn territory(&self, id: i64) -> Result<Territory> {
        load_territory(&mut self.db.conn().await?, id).await
    }

    /// Creates a territory.
    pub async fn create_territory(&self, actor: &Actor, d: &TerritoryData) -> Result<Territory> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO territory (name, manager_user_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING territory_id",
            )
            .bind(&d.name)
            .bind(d.manager.map(|u| u.0))
            .bind(at)
            .fetch_one(c)
            .await
        })
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        write_links(&mut tx, id, d).await?;
        let t = load_territory(&mut tx, id).await?;
        audit::record(&mut tx, actor, at, "territory", id, None, &t.name, None, Some(&t)).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Changes a territory if `version` is current.
    pub async fn update_territory(&self, actor: &Actor, id: i64, version: i64, d: &TerritoryData) -> Result<Territory> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load_territory(&mut tx, id).await?;
        let n = run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE territory SET name = $1, manager_user_id = $2, version = version + 1, updated_at = $3
                 WHERE territory_id = $4 AND version = $5",
            )
            .bind(&d.name)
            .bind(d.manager.map(|u| u.0))
            .bind(at)
            .bind(id)
            .bind(version)
            .execute(c)
            .await
        })
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        if n == 0 {
            return Err(StoreError::Conflict {
                version: before.version,
                current: serde_json::to_value(&before).unwrap_or_default(),
            });
        }
        write_links(&mut tx, id, d).await?;
        let after = load_territory(&mut tx, id).await?;
        audit::record(&mut tx, actor, at, "territory", id, None, &after.name, Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a territory (its regions and customers are untouched).
    pub async fn delete_territory(&self, actor: &Actor, id: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load_territory(&mut tx, id).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM territory WHERE territory_id = $1").bind(id).execute(c).await)?;
        audit::record(&mut tx, actor, at, "territory", id, None, &before.name, Some(&before), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The region prefixes a territory covers (for filters).
    pub async fn territory_prefixes(&self, id: i64) -> Result<Vec<String>> {
        let t = self.territory(id).await?;
        Ok(t.regions.iter().map(|c| keqing_core::region::prefix(c).to_owned()).collect())
    }
}
