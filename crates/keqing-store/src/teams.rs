//! Teams and the org chart that scopes every query.

use crate::audit::{self, Actor, NewEntry};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, now};
use chrono::{DateTime, Utc};
use keqing_core::audit::{Action, diff};
use keqing_core::scope::{OrgChart, TeamNode};
use keqing_core::validate::Problem;
use keqing_core::{TeamId, UserId};
use serde::Serialize;

/// A team.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Team {
    /// Id.
    #[sqlx(rename = "team_id")]
    pub id: i64,
    /// Name, e.g. 云南销售部.
    pub name: String,
    /// The team above, if any.
    pub parent_team_id: Option<i64>,
    /// The manager, if any.
    pub manager_user_id: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A team's editable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamData {
    /// Name.
    pub name: String,
    /// Parent team.
    pub parent: Option<TeamId>,
    /// Manager.
    pub manager: Option<UserId>,
}

const TEAM_COLUMNS: &str = "team_id, name, parent_team_id, manager_user_id, version, created_at, updated_at";

async fn load(src: &mut impl Source, id: TeamId) -> Result<Team> {
    exec!(src.exec(), |c| {
        sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(format!("SELECT {TEAM_COLUMNS} FROM team WHERE team_id = $1")))
            .bind(id.0)
            .fetch_optional(c)
            .await
    })?
    .ok_or(StoreError::NotFound)
}

async fn chart_in(src: &mut impl Source) -> Result<OrgChart> {
    let teams: Vec<(i64, Option<i64>, Option<i64>)> = exec!(src.exec(), |c| {
        sqlx::query_as("SELECT team_id, parent_team_id, manager_user_id FROM team").fetch_all(c).await
    })?;
    let members: Vec<(i64, i64)> = exec!(src.exec(), |c| {
        sqlx::query_as("SELECT user_id, team_id FROM app_user WHERE team_id IS NOT NULL").fetch_all(c).await
    })?;
    Ok(OrgChart::new(
        teams.into_iter().map(|(id, parent, manager)| TeamNode {
            id: TeamId(id),
            parent: parent.map(TeamId),
            manager: manager.map(UserId),
        }),
        members.into_iter().map(|(u, t)| (UserId(u), TeamId(t))),
    ))
}

async fn check_refs(tx: &mut Tx, team: Option<TeamId>, data: &TeamData) -> Result<()> {
    if let Some(m) = data.manager {
        let n: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM app_user WHERE user_id = $1").bind(m.0).fetch_one(c).await
        })?;
        if n == 0 {
            return Err(StoreError::invalid("manager_user_id", Problem::UnknownReference));
        }
    }
    if let Some(p) = data.parent {
        let n: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM team WHERE team_id = $1").bind(p.0).fetch_one(c).await
        })?;
        if n == 0 {
            return Err(StoreError::invalid("parent_team_id", Problem::UnknownReference));
        }
        if let Some(t) = team
            && chart_in(tx).await?.would_cycle(t, p)
        {
            return Err(StoreError::invalid("parent_team_id", Problem::Rule { rule: "team_cycle" }));
        }
    }
    Ok(())
}

fn snapshot(t: &Team) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

impl Store {
    /// The org chart: every team and every user's team. Loaded per request
    /// to compute the caller's scope (two small indexed queries).
    pub async fn org_chart(&self) -> Result<OrgChart> {
        chart_in(&mut self.db.conn().await?).await
    }

    /// Every team, by name.
    pub async fn list_teams(&self) -> Result<Vec<Team>> {
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| {
            sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(format!("SELECT {TEAM_COLUMNS} FROM team ORDER BY name")))
                .fetch_all(c)
                .await
        })?)
    }

    /// One team.
    pub async fn team(&self, id: TeamId) -> Result<Team> {
        load(&mut self.db.conn().await?, id).await
    }

    /// Creates a team.
    pub async fn create_team(&self, actor: &Actor, data: &TeamData) -> Result<Team> {
        let at = now();
        let mut tx = self.db.begin().await?;
        check_refs(&mut tx, None, data).await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO team (name, parent_team_id, manager_user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING team_id",
            )
            .bind(&data.name)
            .bind(data.parent.map(|t| t.0))
            .bind(data.manager.map(|u| u.0))
            .bind(at)
            .fetch_one(c)
            .await
        })
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        let team = load(&mut tx, TeamId(id)).await?;
        audit::write(
            &mut tx,
            actor,
            at,
            NewEntry {
                action: Action::Create,
                entity: "team",
                entity_id: id.to_string(),
                owner: None,
                summary: team.name.clone(),
                changes: diff(&serde_json::Value::Null, &snapshot(&team)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(team)
    }

    /// Changes a team if `version` is current; refuses to make a team its
    /// own ancestor.
    pub async fn update_team(&self, actor: &Actor, id: TeamId, version: i64, data: &TeamData) -> Result<Team> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, id).await?;
        check_refs(&mut tx, Some(id), data).await?;
        let n = run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE team SET name = $1, parent_team_id = $2, manager_user_id = $3, version = version + 1, updated_at = $4
                 WHERE team_id = $5 AND version = $6",
            )
            .bind(&data.name)
            .bind(data.parent.map(|t| t.0))
            .bind(data.manager.map(|u| u.0))
            .bind(at)
            .bind(id.0)
            .bind(version)
            .execute(c)
            .await
        })
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        if n == 0 {
            let current = load(&mut tx, id).await?;
            return Err(StoreError::Conflict { version: current.version, current: snapshot(&current) });
        }
        let after = load(&mut tx, id).await?;
        audit::write(
            &mut tx,
            actor,
            at,
            NewEntry {
                action: Action::Update,
                entity: "team",
                entity_id: id.to_string(),
                owner: None,
                summary: after.name.clone(),
                changes: diff(&snapshot(&before), &snapshot(&after)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a team; its members and sub-teams are left without a team
    /// rather than deleted.
    pub async fn delete_team(&self, actor: &Actor, id: TeamId) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, id).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM team WHERE team_id = $1").bind(id.0).execute(c).await)?;
        audit::write(
            &mut tx,
            actor,
            at,
            NewEntry {
                action: Action::Delete,
                entity: "team",
                entity_id: id.to_string(),
                owner: None,
                summary: before.name.clone(),
                changes: diff(&snapshot(&before), &serde_json::Value::Null),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
