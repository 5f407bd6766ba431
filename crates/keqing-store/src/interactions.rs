//! The interaction log: visits, calls, messages, gifts … with a customer.
//!
//! An interaction is reachable when its organisation or one of its people
//! is in the caller's scope. Logging one checks every person and the
//! organisation against the scope, copies the kind and day onto each
//! person's row (so the agenda finds "last care call to X" in one index
//! range), and is audited in the same transaction.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, id_list, now, organisations, people};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::agenda::Named;
use keqing_core::agenda::cadence::Window;
use keqing_core::model::{InteractionData, InteractionKind, MessageChannel, VisitPurpose};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, PersonId, Scope, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;

/// An interaction as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: InteractionKind,
    /// Day.
    pub on: NaiveDate,
    /// Organisation.
    pub organisation: Option<Named<OrganisationId>>,
    /// People.
    pub people: Vec<Named<PersonId>>,
    /// The rep who logged it.
    pub user_id: UserId,
    /// Their display name.
    pub user_name: String,
    /// Visits: purpose.
    pub purpose: Option<VisitPurpose>,
    /// Deep visits: minutes.
    pub duration_minutes: Option<i64>,
    /// Messages: channel.
    pub channel: Option<MessageChannel>,
    /// Gifts: item.
    pub gift_item: Option<String>,
    /// Gifts: value in fen.
    pub gift_value_fen: Option<i64>,
    /// Occasion.
    pub occasion: Option<String>,
    /// Cost in fen.
    pub cost_fen: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Next step.
    pub next_step: Option<String>,
    /// Its due day.
    pub next_step_on: Option<NaiveDate>,
    /// Whether the next step was logged done.
    pub next_step_done: bool,
    /// The agenda item it completed.
    pub agenda_key: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Logged at.
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    interaction_id: i64,
    kind: String,
    occurred_on: NaiveDate,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    user_id: i64,
    user_name: String,
    purpose: Option<String>,
    duration_minutes: Option<i64>,
    channel: Option<String>,
    gift_item: Option<String>,
    gift_value_fen: Option<i64>,
    occasion: Option<String>,
    cost_fen: Option<i64>,
    notes: Option<String>,
    next_step: Option<String>,
    next_step_on: Option<NaiveDate>,
    next_step_done: bool,
    agenda_key: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT i.interaction_id, i.kind, i.occurred_on, i.organisation_id, o.name AS organisation_name,
    i.user_id, u.display_name AS user_name, i.purpose, i.duration_minutes, i.channel, i.gift_item, i.gift_value_fen,
    i.occasion, i.cost_fen, i.notes, i.next_step, i.next_step_on, i.next_step_done, i.agenda_key, i.version, i.created_at
    FROM interaction i JOIN app_user u ON u.user_id = i.user_id
    LEFT JOIN organisation o ON o.organisation_id = i.organisation_id";

/// Which interactions to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct InteractionFilter {
    /// With this person.
    pub person: Option<PersonId>,
    /// With this organisation.
    pub organisation: Option<OrganisationId>,
    /// Logged by this user (when neither of the above is given).
    pub user: Option<UserId>,
    /// At most this many, newest first.
    pub limit: i64,
}

async fn complete(src: &mut impl Source, rows: Vec<Row>) -> Result<Vec<Interaction>> {
    let ids = id_list(rows.iter().map(|r| r.interaction_id));
    let sql = format!(
        "SELECT ip.interaction_id, p.person_id, p.name FROM interaction_person ip JOIN person p ON p.person_id = ip.person_id
         WHERE ip.interaction_id IN ({ids}) ORDER BY p.name_pinyin"
    );
    let people: Vec<(i64, i64, String)> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    let mut by: BTreeMap<i64, Vec<Named<PersonId>>> = BTreeMap::new();
    for (i, p, name) in people {
        by.entry(i).or_default().push(Named { id: PersonId(p), name });
    }
    Ok(rows
        .into_iter()
        .map(|r| Interaction {
            id: r.interaction_id,
            kind: InteractionKind::parse(&r.kind).unwrap_or(InteractionKind::Visit),
            on: r.occurred_on,
            organisation: r
                .organisation_id
                .map(|id| Named { id: OrganisationId(id), name: r.organisation_name.unwrap_or_default() }),
            people: by.remove(&r.interaction_id).unwrap_or_default(),
            user_id: UserId(r.user_id),
            user_name: r.user_name,
            purpose: r.purpose.as_deref().and_then(|p| VisitPurpose::parse(p).ok()),
            duration_minutes: r.duration_minutes,
            channel: r.channel.as_deref().and_then(|c| MessageChannel::parse(c).ok()),
            gift_item: r.gift_item,
            gift_value_fen: r.gift_value_fen,
            occasion: r.occasion,
            cost_fen: r.cost_fen,
            notes: r.notes,
            next_step: r.next_step,
            next_step_on: r.next_step_on,
            next_step_done: r.next_step_done,
            agenda_key: r.agenda_key,
            version: r.version,
            created_at: r.created_at,
        })
        .collect())
}

/// `AND` the interaction is reachable in `scope`: its organisation or one
/// of its people is.
fn reach_sql(scope: &Scope) -> String {
    match scope.owners() {
        None => String::new(),
        Some(owners) => {
            let ids = id_list(owners.iter().map(|u| u.0));
            format!(
                " AND (o.owner_user_id IN ({ids}) OR EXISTS (SELECT 1 FROM organisation_co_owner co
                   WHERE co.organisation_id = i.organisation_id AND co.user_id IN ({ids}))
                   OR EXISTS (SELECT 1 FROM interaction_person ip JOIN person p ON p.person_id = ip.person_id
                   WHERE ip.interaction_id = i.interaction_id AND p.owner_user_id IN ({ids})))"
            )
        }
    }
}

async fn load(src: &mut impl Source, scope: &Scope, id: i64) -> Result<Interaction> {
    let sql = format!("{SELECT} WHERE i.interaction_id = $1{}", reach_sql(scope));
    let row: Option<Row> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    Ok(complete(src, vec![row]).await?.remove(0))
}

/// The owner an interaction's audit entry is filed under: the
/// organisation's owner, else the first person's.
async fn owner_of(tx: &mut Tx, i: &Interaction) -> Result<Option<UserId>> {
    let owner: Option<i64> = if let Some(o) = &i.organisation {
        exec!(tx.exec(), |c| sqlx::query_scalar("SELECT owner_user_id FROM organisation WHERE organisation_id = $1")
            .bind(o.id.0)
            .fetch_optional(c)
            .await)?
    } else if let Some(p) = i.people.first() {
        exec!(tx.exec(), |c| sqlx::query_scalar("SELECT owner_user_id FROM person WHERE person_id = $1")
            .bind(p.id.0)
            .fetch_optional(c)
            .await)?
    } else {
        None
    };
    Ok(owner.map(UserId))
}

fn summary(i: &Interaction) -> String {
    let who = i.people.first().map(|p| p.name.as_str()).or(i.organisation.as_ref().map(|o| o.name.as_str()));
    format!("{} · {} · {}", i.kind.label(true), who.unwrap_or(""), i.on)
}

/// Inserts an interaction logged by `user` inside the caller's transaction
/// (the API and the demo loader share it).
pub(crate) async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    user: UserId,
    scope: &Scope,
    d: &InteractionData,
) -> Result<Interaction> {
    let mut org = d.organisation_id;
    for (i, p) in d.people.iter().enumerate() {
        let person = match people::load(tx, scope, *p).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid(&format!("people[{i}]"), Problem::UnknownReference));
            }
            other => other?,
        };
        if person.erased_at.is_some() {
            return Err(StoreError::invalid(&format!("people[{i}]"), Problem::Rule { rule: "erased" }));
        }
        if org.is_none() {
            org = person.organisation_id;
        }
    }
    if let Some(o) = d.organisation_id {
        match organisations::load(tx, scope, o).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid("organisation_id", Problem::UnknownReference));
            }
            other => other?,
        };
    }
    let id: i64 = exec!(tx.exec(), |c| {
        sqlx::query_scalar(
            "INSERT INTO interaction (kind, occurred_on, organisation_id, user_id, purpose, duration_minutes, channel, gift_item,
               gift_value_fen, occasion, cost_fen, notes, next_step, next_step_on, agenda_key, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING interaction_id",
        )
        .bind(d.kind.as_str())
        .bind(d.on)
        .bind(org.map(|o| o.0))
        .bind(user.0)
        .bind(d.purpose.map(|p| p.as_str()))
        .bind(d.duration_minutes)
        .bind(d.channel.map(|c| c.as_str()))
        .bind(&d.gift_item)
        .bind(d.gift_value_fen)
        .bind(&d.occasion)
        .bind(d.cost_fen)
        .bind(&d.notes)
        .bind(&d.next_step)
        .bind(d.next_step_on)
        .bind(&d.agenda_key)
        .bind(at)
        .fetch_one(c)
        .await
    })?;
    for p in &d.people {
        run!(tx.exec(), |c| {
            sqlx::query(
                "INSERT INTO interaction_person (interaction_id, person_id, kind, occurred_on, care) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(p.0)
            .bind(d.kind.as_str())
            .bind(d.on)
            .bind(d.is_care())
            .execute(c)
            .await
        })?;
    }
    // Logging a promised next step done closes it.
    if let Some(promised) = d.agenda_key.as_deref().and_then(|k| k.strip_prefix("next:i")).and_then(|n| n.parse().ok())
    {
        let before = match load(tx, scope, promised).await {
            Err(StoreError::NotFound) => return Err(StoreError::invalid("agenda_key", Problem::UnknownReference)),
            other => other?,
        };
        run!(tx.exec(), |c| {
            sqlx::query(
            "UPDATE interaction SET next_step_done = $1, version = version + 1, updated_at = $2 WHERE interaction_id = $3"
        )
        .bind(true)
        .bind(at)
        .bind(promised)
        .execute(c)
        .await
        })?;
        let after = load(tx, &Scope::All, promised).await?;
        let owner = owner_of(tx, &after).await?;
        audit::record(tx, actor, at, "interaction", promised, owner, &summary(&after), Some(&before), Some(&after))
            .await?;
    }
    let created = load(tx, &Scope::All, id).await?;
    let owner = owner_of(tx, &created).await?;
    audit::record(tx, actor, at, "interaction", id, owner, &summary(&created), None, Some(&created)).await?;
    Ok(created)
}

impl Store {
    /// Logs an interaction by `actor` (who must be a user: the rep).
    #[tracing::instrument(skip_all, fields(kind = %d.kind))]
    pub async fn log_interaction(&self, actor: &Actor, scope: &Scope, d: &InteractionData) -> Result<Interaction> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("an interaction needs a user".into()))?;
        let mut tx = self.db.begin().await?;
        let created = insert(&mut tx, actor, now(), user, scope, d).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// One interaction, if reachable.
    pub async fn interaction(&self, scope: &Scope, id: i64) -> Result<Interaction> {
        load(&mut self.db.conn().await?, scope, id).await
    }

    /// Interactions newest first: with a person, with an organisation, or
    /// logged by a user. The person or organisation must be in scope.
    pub async fn interactions(&self, scope: &Scope, f: InteractionFilter) -> Result<Vec<Interaction>> {
        let mut c = self.db.conn().await?;
        let limit = f.limit.clamp(1, 500);
        let (cond, id) = if let Some(p) = f.person {
            people::load(&mut c, scope, p).await?;
            ("i.interaction_id IN (SELECT interaction_id FROM interaction_person WHERE person_id = $1)".to_owned(), p.0)
        } else if let Some(o) = f.organisation {
            organisations::load(&mut c, scope, o).await?;
            ("i.organisation_id = $1".to_owned(), o.0)
        } else {
            let u = f.user.ok_or(StoreError::NotFound)?;
            (format!("i.user_id = $1{}", reach_sql(scope)), u.0)
        };
        let sql = format!("{SELECT} WHERE {cond} ORDER BY i.occurred_on DESC, i.interaction_id DESC LIMIT {limit}");
        let rows: Vec<Row> = exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_all(c).await)?;
        complete(&mut c, rows).await
    }

    /// Deletes an interaction, if `version` (when given) is current; the
    /// audit entry keeps what it said.
    pub async fn delete_interaction(&self, actor: &Actor, scope: &Scope, id: i64, version: Option<i64>) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        if version.is_some_and(|v| v != before.version) {
            return Err(StoreError::Conflict {
                version: before.version,
                current: serde_json::to_value(&before).unwrap_or_default(),
            });
        }
        let owner = owner_of(&mut tx, &before).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM interaction WHERE interaction_id = $1")
            .bind(id)
            .execute(c)
            .await)?;
        audit::record(
            &mut tx,
            actor,
            at,
            "interaction",
            id,
            owner,
            &summary(&before),
            Some(&before),
            None::<&Interaction>,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or with `None`, clears) an organisation's own rhythm.
    pub async fn set_cadence_override(
        &self,
        actor: &Actor,
        scope: &Scope,
        org: OrganisationId,
        visit: Option<Window>,
        work_call_days: Option<u16>,
    ) -> Result<CadenceOverride> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let o = organisations::load(&mut tx, scope, org).await?;
        let before = cadence_override(&mut tx, org).await?;
        run!(tx.exec(), |c| sqlx::query(
            "UPDATE organisation SET visit_min_days = $1, visit_max_days = $2, work_call_days = $3, updated_at = $4
             WHERE organisation_id = $5"
        )
        .bind(visit.map(|w| i64::from(w.min_days)))
        .bind(visit.map(|w| i64::from(w.max_days)))
        .bind(work_call_days.map(i64::from))
        .bind(at)
        .bind(org.0)
        .execute(c)
        .await)?;
        let after = cadence_override(&mut tx, org).await?;
        audit::record(
            &mut tx,
            actor,
            at,
            "organisation_cadence",
            org.0,
            Some(o.owner_id),
            &o.name,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// An organisation's own rhythm (none set: the class's).
    pub async fn organisation_cadence(&self, scope: &Scope, org: OrganisationId) -> Result<CadenceOverride> {
        let mut c = self.db.conn().await?;
        organisations::load(&mut c, scope, org).await?;
        cadence_override(&mut c, org).await
    }
}

/// A customer's own rhythm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CadenceOverride {
    /// Visit window (None: the class's).
    pub visit: Option<Window>,
    /// Work calls every this many days, 0 off (None: the class's).
    pub work_call_days: Option<u16>,
}

async fn cadence_override(src: &mut impl Source, org: OrganisationId) -> Result<CadenceOverride> {
    let row: Option<(Option<i64>, Option<i64>, Option<i64>)> = exec!(src.exec(), |c| sqlx::query_as(
        "SELECT visit_min_days, visit_max_days, work_call_days FROM organisation WHERE organisation_id = $1"
    )
    .bind(org.0)
    .fetch_optional(c)
    .await)?;
    let (min, max, calls) = row.ok_or(StoreError::NotFound)?;
    Ok(CadenceOverride {
        visit: min.zip(max).map(|(a, b)| Window::new(a as u16, b as u16)),
        work_call_days: calls.map(|n| n as u16),
    })
}
