//! Loads the demo company ([`keqing_core::demo`]) in one transaction.

use crate::audit::{self, Actor};
use crate::db::{exec, run};
use crate::error::Result;
use crate::{Store, now};
use keqing_core::{UserId, demo};
use serde_json::json;

/// What loading the demo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    /// The demo was loaded.
    Loaded {
        /// Users created.
        users: usize,
        /// Organisations created.
        organisations: usize,
        /// People created.
        people: usize,
    },
    /// The demo users exist already; nothing was changed.
    AlreadyLoaded,
}

impl Store {
    /// Loads the demo company, unless it is there already. Every record gets
    /// its audit entry, as if typed in by `actor`.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo(
        &self,
        actor: &Actor,
        company: &demo::DemoCompany,
        password_hash: &str,
    ) -> Result<DemoOutcome> {
        let first = company.users.first().map(|u| u.username).unwrap_or_default();
        if self.user_by_username(first).await?.is_some() {
            return Ok(DemoOutcome::AlreadyLoaded);
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        let mut user_ids = Vec::with_capacity(company.users.len());
        for u in &company.users {
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO app_user (username, display_name, password_hash, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $4) RETURNING user_id",
                )
                .bind(u.username)
                .bind(u.display_name)
                .bind(password_hash)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            for r in u.roles {
                run!(tx.exec(), |c| {
                    sqlx::query("INSERT INTO user_role (user_id, role) VALUES ($1, $2)")
                        .bind(id)
                        .bind(*r)
                        .execute(c)
                        .await
                })?;
            }
            let snapshot = json!({"username": u.username, "display_name": u.display_name, "roles": u.roles});
            audit::record(&mut tx, actor, at, "user", id, None, u.username, None, Some(&snapshot)).await?;
            user_ids.push(id);
        }
        let mut team_ids: Vec<i64> = Vec::with_capacity(company.teams.len());
        for t in &company.teams {
            let parent = t.parent.map(|p| team_ids[p]);
            let manager = user_ids[t.manager];
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO team (name, parent_team_id, manager_user_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $4) RETURNING team_id",
                )
                .bind(t.name)
                .bind(parent)
                .bind(manager)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            let snapshot = json!({"name": t.name, "parent_team_id": parent, "manager_user_id": manager});
            audit::record(&mut tx, actor, at, "team", id, None, t.name, None, Some(&snapshot)).await?;
            team_ids.push(id);
        }
        for (u, id) in company.users.iter().zip(&user_ids) {
            if let Some(team) = u.team {
                run!(tx.exec(), |c| {
                    sqlx::query("UPDATE app_user SET team_id = $1 WHERE user_id = $2")
                        .bind(team_ids[team])
                        .bind(*id)
                        .execute(c)
                        .await
                })?;
            }
        }
        let mut org_ids = Vec::with_capacity(company.organisations.len());
        for o in &company.organisations {
            let owner = user_ids[o.owner];
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO organisation (name, kind, phone, address, owner_user_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING organisation_id",
                )
                .bind(&o.name)
                .bind(o.kind.as_str())
                .bind(&o.phone)
                .bind(&o.address)
                .bind(owner)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            let snapshot =
                json!({"name": o.name, "kind": o.kind, "phone": o.phone, "address": o.address, "owner_id": owner});
            audit::record(&mut tx, actor, at, "organisation", id, Some(UserId(owner)), &o.name, None, Some(&snapshot))
                .await?;
            org_ids.push((id, owner));
        }
        for p in &company.people {
            let (org, owner) = org_ids[p.organisation];
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO person (name, gender, phone, wechat, organisation_id, position, owner_user_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING person_id",
                )
                .bind(&p.name)
                .bind(p.gender.as_str())
                .bind(&p.phone)
                .bind(&p.wechat)
                .bind(org)
                .bind(p.position)
                .bind(owner)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            let snapshot = json!({"name": p.name, "gender": p.gender, "phone": p.phone, "wechat": p.wechat,
                "organisation_id": org, "position": p.position, "owner_id": owner});
            audit::record(&mut tx, actor, at, "person", id, Some(UserId(owner)), &p.name, None, Some(&snapshot))
                .await?;
        }
        tx.commit().await?;
        Ok(DemoOutcome::Loaded {
            users: company.users.len(),
            organisations: company.organisations.len(),
            people: company.people.len(),
        })
    }
}
