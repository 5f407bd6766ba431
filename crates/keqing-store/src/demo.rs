//! Loads the demo company ([`keqing_core::demo`]) in one transaction,
//! through the same insert paths as the API (derived fields, audit entries).

use crate::audit::Actor;
use crate::db::{exec, run};
use crate::error::Result;
use crate::people::FamilyData;
use crate::regions::TerritoryData;
use crate::{Store, now, settings};
use keqing_core::classify::Rules;
use keqing_core::model::RelationKind;
use keqing_core::{Scope, UserId, demo};
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
        /// Interactions logged.
        interactions: usize,
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
        today: chrono::NaiveDate,
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
                run!(tx.exec(), |c| sqlx::query("INSERT INTO user_role (user_id, role) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*r)
                    .execute(c)
                    .await)?;
            }
            let snapshot = json!({"username": u.username, "display_name": u.display_name, "roles": u.roles});
            crate::audit::record(&mut tx, actor, at, "user", id, None, u.username, None, Some(&snapshot)).await?;
            user_ids.push(id);
        }
        let mut team_ids: Vec<i64> = Vec::with_capacity(company.teams.len());
        for t in &company.teams {
            let parent = t.parent.map(|p| team_ids[p]);
            let manager = user_ids[t.manager];
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO team (name, parent_team_id, manager_user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING team_id",
                )
                .bind(t.name)
                .bind(parent)
                .bind(manager)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            let snapshot = json!({"name": t.name, "parent_team_id": parent, "manager_user_id": manager});
            crate::audit::record(&mut tx, actor, at, "team", id, None, t.name, None, Some(&snapshot)).await?;
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
        tx.commit().await?;
        for t in &company.territories {
            let data = TerritoryData {
                name: t.name.to_owned(),
                manager: Some(UserId(user_ids[t.manager])),
                regions: t.regions.iter().map(|r| (*r).to_owned()).collect(),
                members: t.members.iter().map(|m| UserId(user_ids[*m])).collect(),
            };
            self.create_territory(actor, &data).await?;
        }
        let mut tx = self.db.begin().await?;
        let rules = settings::read::<Rules>(&mut tx, settings::CLASSIFICATION).await?.value;
        let mut org_ids = Vec::with_capacity(company.organisations.len());
        let mut classes = Vec::with_capacity(company.organisations.len());
        for o in &company.organisations {
            let mut d = o.data.clone();
            d.owner = UserId(user_ids[d.owner.0 as usize]);
            let org = crate::organisations::insert(&mut tx, actor, at, &Scope::All, &d, &rules).await?;
            org_ids.push(org.id);
            classes.push(org.class);
        }
        let mut people = Vec::with_capacity(company.people.len());
        for p in &company.people {
            let mut d = p.data.clone();
            d.owner = UserId(user_ids[d.owner.0 as usize]);
            d.organisation = d.organisation.map(|o| org_ids[o.0 as usize]);
            let person = crate::people::insert(&mut tx, actor, at, &Scope::All, &d).await?;
            for f in &p.family {
                let member = crate::people::insert_family(
                    &mut tx,
                    actor,
                    at,
                    &person,
                    &FamilyData {
                        relation: f.relation,
                        name: f.name.clone(),
                        gender: f.gender,
                        birthday: f.birthday,
                        notes: None,
                    },
                )
                .await?;
                for (kind, on, note) in &f.milestones {
                    let milestone = crate::people::MilestoneData { kind: *kind, on: *on, notes: Some(note) };
                    crate::people::insert_milestone(&mut tx, actor, at, &person, &member, milestone).await?;
                }
            }
            if let Some(r) = p.referred_by {
                let referrer: &crate::people::Person = &people[r];
                crate::people::insert_relation(&mut tx, actor, at, &person, referrer, RelationKind::ReferredBy, None)
                    .await?;
            }
            people.push(person);
        }
        let contacts = demo::interactions(company, &classes, today);
        for c in &contacts {
            let person = &people[c.person];
            let mut d = c.data.clone();
            d.people = vec![person.id];
            crate::interactions::insert(&mut tx, actor, at, person.owner_id, &Scope::All, &d).await?;
        }
        tx.commit().await?;
        Ok(DemoOutcome::Loaded {
            users: company.users.len(),
            organisations: company.organisations.len(),
            people: company.people.len(),
            interactions: contacts.len(),
        })
    }
}
