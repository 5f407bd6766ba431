//! What a rep's agenda is built from, and the briefing shown with each item.
//!
//! [`Store::agenda_inputs`] gathers one rep's customers with the last
//! contact of each kind in a handful of indexed queries; keqing-core's
//! [`keqing_core::agenda::Context::build`] turns them into the agenda.

use crate::audit::{self, Actor};
use crate::db::{Source, exec};
use crate::error::{Result, StoreError};
use crate::settings::Versioned;
use crate::{Store, id_list, now};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::agenda::cadence::{CadenceRules, Window};
use keqing_core::agenda::occasion::OccasionRules;
use keqing_core::agenda::{FamilyInput, Inputs, Named, NextStepInput, OrgInput, PersonInput};
use keqing_core::model::organisation::month_day;
use keqing_core::model::{Birthday, CustomerClass, FamilyRelation, InteractionKind, MilestoneKind};
use keqing_core::{OrganisationId, PersonId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

/// The key of the cadence rules setting.
pub const CADENCE: &str = "cadence";
/// The key of the occasion rules setting.
pub const OCCASIONS: &str = "occasions";

/// How far back "done" marks are read: a year and a month covers every
/// occasion and next step still on an agenda.
const DONE_LOOKBACK_DAYS: u64 = 400;

/// An open next step: interaction, text, due, promised on, organisation
/// id and name, first person's id and name.
type NextRow = (i64, String, NaiveDate, NaiveDate, Option<i64>, Option<String>, Option<i64>, Option<String>);

#[derive(sqlx::FromRow)]
struct OrgRow {
    organisation_id: i64,
    name: String,
    class: String,
    created_at: DateTime<Utc>,
    visit_min_days: Option<i64>,
    visit_max_days: Option<i64>,
    work_call_days: Option<i64>,
    opened_on: Option<NaiveDate>,
    anniversary: Option<String>,
    last_visit: Option<NaiveDate>,
    last_work: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    person_id: i64,
    name: String,
    position: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    class: Option<String>,
    created_at: DateTime<Utc>,
    birthday: Option<String>,
    last_care: Option<NaiveDate>,
    last_work_call: Option<NaiveDate>,
}

fn class(text: Option<&str>) -> CustomerClass {
    text.and_then(|c| CustomerClass::parse(c).ok()).unwrap_or(CustomerClass::Normal)
}

fn window(min: Option<i64>, max: Option<i64>) -> Option<Window> {
    min.zip(max).map(|(a, b)| Window::new(a.clamp(0, 366) as u16, b.clamp(0, 366) as u16))
}

/// One line to read before the contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Briefing {
    /// The last contact: kind and day.
    pub last_contact: Option<(InteractionKind, NaiveDate)>,
    /// The last gift: what and when.
    pub last_gift: Option<(String, NaiveDate)>,
    /// Tastes and gift preferences.
    pub tastes: Option<String>,
    /// The latest family milestone: who, what, when.
    pub family_news: Option<(String, MilestoneKind, NaiveDate)>,
    /// The last help given (多管闲事), for a greeting to recall.
    pub last_help: Option<(String, NaiveDate)>,
}

impl Store {
    /// The cadence rules in force.
    pub async fn cadence_rules(&self) -> Result<Versioned<CadenceRules>> {
        self.setting(CADENCE).await
    }

    /// Changes the cadence rules (checked first).
    pub async fn set_cadence_rules(
        &self,
        actor: &Actor,
        version: i64,
        r: &CadenceRules,
    ) -> Result<Versioned<CadenceRules>> {
        r.check().map_err(|(f, p)| StoreError::invalid(&format!("rules.{f}"), p))?;
        self.set_setting(actor, CADENCE, version, r).await
    }

    /// The occasion rules in force.
    pub async fn occasion_rules(&self) -> Result<Versioned<OccasionRules>> {
        self.setting(OCCASIONS).await
    }

    /// Changes the occasion rules (checked first).
    pub async fn set_occasion_rules(
        &self,
        actor: &Actor,
        version: i64,
        r: &OccasionRules,
    ) -> Result<Versioned<OccasionRules>> {
        r.check().map_err(|(f, p)| StoreError::invalid(&format!("rules.{f}"), p))?;
        self.set_setting(actor, OCCASIONS, version, r).await
    }

    /// Everything `owner`'s agenda for `today` is built from: their active
    /// organisations, their people (not erased), families, open next steps,
    /// done and snoozed items.
    #[tracing::instrument(skip(self))]
    pub async fn agenda_inputs(&self, owner: UserId, today: NaiveDate) -> Result<Inputs> {
        let mut c = self.db.conn().await?;
        let orgs: Vec<OrgRow> = exec!(c.exec(), |c| {
            sqlx::query_as(
            "SELECT o.organisation_id, o.name, o.class, o.created_at, o.visit_min_days, o.visit_max_days, o.work_call_days,
               o.opened_on, o.anniversary,
               (SELECT MAX(i.occurred_on) FROM interaction i WHERE i.organisation_id = o.organisation_id
                  AND i.kind IN ('visit', 'deep_visit', 'training')) AS last_visit,
               (SELECT MAX(i.occurred_on) FROM interaction i WHERE i.organisation_id = o.organisation_id
                  AND i.kind IN ('visit', 'deep_visit', 'training', 'work_call')) AS last_work
             FROM organisation o WHERE o.owner_user_id = $1 AND o.status = 'active'"
        )
        .bind(owner.0)
        .fetch_all(c)
        .await
        })?;
        let people: Vec<PersonRow> = exec!(c.exec(), |c| {
            sqlx::query_as(
            "SELECT p.person_id, p.name, p.position, p.organisation_id, o.name AS organisation_name, o.class, p.created_at, p.birthday,
               (SELECT MAX(ip.occurred_on) FROM interaction_person ip WHERE ip.person_id = p.person_id AND ip.care = $2) AS last_care,
               (SELECT MAX(ip.occurred_on) FROM interaction_person ip WHERE ip.person_id = p.person_id
                  AND ip.kind = 'work_call') AS last_work_call
             FROM person p LEFT JOIN organisation o ON o.organisation_id = p.organisation_id
             WHERE p.owner_user_id = $1 AND p.erased_at IS NULL"
        )
        .bind(owner.0)
        .bind(true)
        .fetch_all(c)
        .await
        })?;
        let family = family_of_owner(&mut c, owner).await?;
        let custom = custom_of_owner(&mut c, owner).await?;
        let next: Vec<NextRow> = exec!(c.exec(), |c| sqlx::query_as(
            "SELECT i.interaction_id, i.next_step, i.next_step_on, i.occurred_on, i.organisation_id, o.name,
                   (SELECT MIN(ip.person_id) FROM interaction_person ip WHERE ip.interaction_id = i.interaction_id),
                   (SELECT p.name FROM interaction_person ip JOIN person p ON p.person_id = ip.person_id
                      WHERE ip.interaction_id = i.interaction_id ORDER BY p.person_id LIMIT 1)
                 FROM interaction i LEFT JOIN organisation o ON o.organisation_id = i.organisation_id
                 WHERE i.user_id = $1 AND i.next_step_on IS NOT NULL AND i.next_step_done = $2"
        )
        .bind(owner.0)
        .bind(false)
        .fetch_all(c)
        .await)?;
        let since = today.checked_sub_days(chrono::Days::new(DONE_LOOKBACK_DAYS)).unwrap_or(today);
        let done: Vec<String> = exec!(c.exec(), |c| {
            sqlx::query_scalar(
            "SELECT i.agenda_key FROM interaction i WHERE i.user_id = $1 AND i.occurred_on >= $2 AND i.agenda_key IS NOT NULL
             UNION SELECT i.agenda_key FROM interaction i JOIN organisation o ON o.organisation_id = i.organisation_id
             WHERE o.owner_user_id = $1 AND i.occurred_on >= $2 AND i.agenda_key IS NOT NULL"
        )
        .bind(owner.0)
        .bind(since)
        .fetch_all(c)
        .await
        })?;
        let snoozed: Vec<String> = exec!(c.exec(), |c| sqlx::query_scalar(
            "SELECT item_key FROM agenda_snooze WHERE user_id = $1 AND snoozed_until > $2"
        )
        .bind(owner.0)
        .bind(today)
        .fetch_all(c)
        .await)?;

        // Whom to ask for on a work call: someone with a position first.
        let mut contact: HashMap<i64, &PersonRow> = HashMap::new();
        for p in &people {
            if let Some(o) = p.organisation_id {
                let e = contact.entry(o).or_insert(p);
                if e.position.is_none() && p.position.is_some() {
                    *e = p;
                }
            }
        }
        let orgs = orgs
            .iter()
            .map(|o| OrgInput {
                org: Named { id: OrganisationId(o.organisation_id), name: o.name.clone() },
                class: class(Some(&o.class)),
                since: o.created_at.date_naive(),
                visit_override: window(o.visit_min_days, o.visit_max_days),
                work_call_override: o.work_call_days.map(|n| n.clamp(0, 366) as u16),
                last_visit: o.last_visit,
                last_work_contact: o.last_work,
                opened_on: o.opened_on,
                anniversary: o.anniversary.as_deref().and_then(|a| month_day(a).ok().flatten()),
                contact: contact
                    .get(&o.organisation_id)
                    .map(|p| Named { id: PersonId(p.person_id), name: p.name.clone() }),
            })
            .collect();
        let mut family = family;
        let people = people
            .into_iter()
            .map(|p| PersonInput {
                person: Named { id: PersonId(p.person_id), name: p.name },
                organisation: p
                    .organisation_id
                    .map(|id| Named { id: OrganisationId(id), name: p.organisation_name.unwrap_or_default() }),
                class: class(p.class.as_deref()),
                since: p.created_at.date_naive(),
                birthday: p.birthday.as_deref().and_then(|b| Birthday::parse(b).ok().flatten()),
                last_care: p.last_care,
                last_work_call: p.last_work_call,
                family: family.remove(&p.person_id).unwrap_or_default(),
            })
            .collect();
        let next_steps = next
            .into_iter()
            .map(|(id, text, due, on, org, org_name, person, person_name)| NextStepInput {
                interaction_id: id,
                text,
                due,
                promised_on: on,
                person: person.map(|p| Named { id: PersonId(p), name: person_name.unwrap_or_default() }),
                organisation: org.map(|o| Named { id: OrganisationId(o), name: org_name.unwrap_or_default() }),
            })
            .collect();
        Ok(Inputs {
            custom,
            orgs,
            people,
            next_steps,
            done: done.into_iter().collect::<HashSet<_>>(),
            snoozed: snoozed.into_iter().collect::<HashSet<_>>(),
        })
    }

    /// Puts an agenda item off until `until` (it shows again that day).
    pub async fn snooze(&self, actor: &Actor, key: &str, until: NaiveDate, reason: &str) -> Result<()> {
        let user = actor.user_id.ok_or_else(|| StoreError::Config("a snooze needs a user".into()))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
            "INSERT INTO agenda_snooze (user_id, item_key, snoozed_until, reason, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING agenda_snooze_id"
        )
        .bind(user.0)
        .bind(key)
        .bind(until)
        .bind(reason)
        .bind(at)
        .fetch_one(c)
        .await
        })?;
        let snapshot = serde_json::json!({"key": key, "until": until, "reason": reason});
        audit::record(&mut tx, actor, at, "agenda_snooze", id, Some(user), key, None, Some(&snapshot)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The briefing for each person named (one line before the contact).
    pub async fn briefings(&self, people: &[PersonId]) -> Result<HashMap<PersonId, Briefing>> {
        let mut out: HashMap<PersonId, Briefing> = HashMap::new();
        if people.is_empty() {
            return Ok(out);
        }
        let ids = id_list(people.iter().map(|p| p.0));
        let mut c = self.db.conn().await?;
        let sql = format!(
            "SELECT ip.person_id, ip.kind, ip.occurred_on FROM interaction_person ip WHERE ip.person_id IN ({ids})
             AND ip.occurred_on = (SELECT MAX(x.occurred_on) FROM interaction_person x WHERE x.person_id = ip.person_id)"
        );
        let last: Vec<(i64, String, NaiveDate)> =
            exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        for (p, kind, on) in last {
            if let Ok(k) = InteractionKind::parse(&kind) {
                out.entry(PersonId(p)).or_default().last_contact = Some((k, on));
            }
        }
        for (kind, field) in [("gift", 0), ("help", 1)] {
            let sql = format!(
                "SELECT ip.person_id, COALESCE(i.gift_item, i.notes, ''), i.occurred_on FROM interaction_person ip
                 JOIN interaction i ON i.interaction_id = ip.interaction_id
                 WHERE ip.person_id IN ({ids}) AND ip.kind = '{kind}'
                 ORDER BY ip.occurred_on DESC, i.interaction_id DESC"
            );
            let rows: Vec<(i64, String, NaiveDate)> =
                exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
            for (p, what, on) in rows {
                let b = out.entry(PersonId(p)).or_default();
                let slot = if field == 0 { &mut b.last_gift } else { &mut b.last_help };
                if slot.is_none() {
                    *slot = Some((what.chars().take(40).collect(), on));
                }
            }
        }
        let sql = format!(
            "SELECT person_id, tastes, gift_preferences FROM person WHERE person_id IN ({ids}) AND erased_at IS NULL"
        );
        let tastes: Vec<(i64, Option<String>, Option<String>)> =
            exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        for (p, t, g) in tastes {
            let text: Vec<String> = [t, g].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect();
            if !text.is_empty() {
                out.entry(PersonId(p)).or_default().tastes = Some(text.join("；"));
            }
        }
        let sql = format!(
            "SELECT f.person_id, f.name, m.kind, m.on_date FROM family_milestone m
             JOIN family_member f ON f.family_member_id = m.family_member_id
             WHERE f.person_id IN ({ids}) ORDER BY m.on_date DESC"
        );
        let news: Vec<(i64, String, String, NaiveDate)> =
            exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        for (p, name, kind, on) in news {
            let b = out.entry(PersonId(p)).or_default();
            if b.family_news.is_none()
                && let Ok(k) = MilestoneKind::parse(&kind)
            {
                b.family_news = Some((name, k, on));
            }
        }
        Ok(out)
    }

    /// The reps (users owning customers) in `owners`, or all of them.
    pub async fn agenda_owners(&self, owners: Option<&[UserId]>) -> Result<Vec<(UserId, String)>> {
        let filter =
            owners.map(|o| format!(" AND u.user_id IN ({})", id_list(o.iter().map(|u| u.0)))).unwrap_or_default();
        let sql = format!(
            "SELECT u.user_id, u.display_name FROM app_user u WHERE u.disabled_at IS NULL{filter}
             AND (EXISTS (SELECT 1 FROM organisation o WHERE o.owner_user_id = u.user_id)
                  OR EXISTS (SELECT 1 FROM person p WHERE p.owner_user_id = u.user_id))
             ORDER BY u.display_name"
        );
        let rows: Vec<(i64, String)> =
            exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        Ok(rows.into_iter().map(|(u, n)| (UserId(u), n)).collect())
    }
}

async fn family_of_owner(src: &mut impl Source, owner: UserId) -> Result<HashMap<i64, Vec<FamilyInput>>> {
    let members: Vec<(i64, i64, String, String, Option<String>)> = exec!(src.exec(), |c| sqlx::query_as(
        "SELECT f.family_member_id, f.person_id, f.name, f.relation, f.birthday FROM family_member f
         JOIN person p ON p.person_id = f.person_id WHERE p.owner_user_id = $1 AND p.erased_at IS NULL"
    )
    .bind(owner.0)
    .fetch_all(c)
    .await)?;
    let milestones: Vec<(i64, i64, String, NaiveDate)> = exec!(src.exec(), |c| sqlx::query_as(
        "SELECT m.family_milestone_id, m.family_member_id, m.kind, m.on_date FROM family_milestone m
         JOIN family_member f ON f.family_member_id = m.family_member_id
         JOIN person p ON p.person_id = f.person_id WHERE p.owner_user_id = $1 AND p.erased_at IS NULL"
    )
    .bind(owner.0)
    .fetch_all(c)
    .await)?;
    let mut ms: HashMap<i64, Vec<(i64, MilestoneKind, NaiveDate)>> = HashMap::new();
    for (id, member, kind, on) in milestones {
        if let Ok(k) = MilestoneKind::parse(&kind) {
            ms.entry(member).or_default().push((id, k, on));
        }
    }
    let mut out: HashMap<i64, Vec<FamilyInput>> = HashMap::new();
    for (id, person, name, relation, birthday) in members {
        out.entry(person).or_default().push(FamilyInput {
            id,
            name,
            relation: FamilyRelation::parse(&relation).unwrap_or(FamilyRelation::Other),
            birthday: birthday.as_deref().and_then(|b| Birthday::parse(b).ok().flatten()),
            milestones: ms.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// What a greeting draft is filled from.
#[derive(Debug, Clone)]
pub struct GreetingFacts {
    /// The person.
    pub person: crate::people::Person,
    /// Their organisation's class (normal without one).
    pub class: CustomerClass,
    /// The spouse's name.
    pub spouse: Option<String>,
    /// The first child's name.
    pub child: Option<String>,
    /// The briefing (last help, last gift, tastes).
    pub briefing: Briefing,
}

impl Store {
    /// The facts a greeting for `person` is drafted from (within `scope`).
    pub async fn greeting_facts(&self, scope: &keqing_core::Scope, person: PersonId) -> Result<GreetingFacts> {
        let mut c = self.db.conn().await?;
        let p = crate::people::load(&mut c, scope, person).await?;
        if p.erased_at.is_some() {
            return Err(StoreError::NotFound);
        }
        let class = match p.organisation_id {
            Some(o) => crate::organisations::load(&mut c, &keqing_core::Scope::All, o).await?.class,
            None => CustomerClass::Normal,
        };
        let family: Vec<(String, String)> = exec!(c.exec(), |c| sqlx::query_as(
            "SELECT relation, name FROM family_member WHERE person_id = $1 ORDER BY family_member_id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        drop(c);
        let pick = |r: &str| family.iter().find(|(rel, _)| rel == r).map(|(_, n)| n.clone());
        let briefing = self.briefings(&[person]).await?.remove(&person).unwrap_or_default();
        Ok(GreetingFacts { spouse: pick("spouse"), child: pick("child"), person: p, class, briefing })
    }

    /// Greetings `user` sent since `since` (messages with a text), with
    /// each recipient's name, for the copy-paste guard.
    pub async fn sent_greetings(&self, user: UserId, since: NaiveDate) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = exec!(self.db.conn().await?.exec(), |c| {
            sqlx::query_as(
            "SELECT i.notes, p.name FROM interaction i JOIN interaction_person ip ON ip.interaction_id = i.interaction_id
             JOIN person p ON p.person_id = ip.person_id
             WHERE i.user_id = $1 AND i.kind = 'message' AND i.occurred_on >= $2 AND i.notes IS NOT NULL
             ORDER BY i.interaction_id DESC LIMIT 5000"
        )
        .bind(user.0)
        .bind(since)
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }
}

/// A custom date as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomOccasion {
    /// Id.
    pub id: i64,
    /// The person.
    pub person_id: PersonId,
    /// What.
    pub label: String,
    /// When.
    pub date: keqing_core::agenda::CustomDate,
    /// Shown this many days before.
    pub lead_days: u16,
}

impl Store {
    /// Adds a date to remember for a person.
    pub async fn add_custom_occasion(
        &self,
        actor: &crate::Actor,
        scope: &keqing_core::Scope,
        person: PersonId,
        label: &str,
        date: keqing_core::agenda::CustomDate,
        lead_days: u16,
    ) -> Result<CustomOccasion> {
        let at = crate::now();
        let mut tx = self.db.begin().await?;
        let p = crate::people::load(&mut tx, scope, person).await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
            "INSERT INTO custom_occasion (person_id, label, on_date, lead_days, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING custom_occasion_id"
        )
        .bind(person.0)
        .bind(label)
        .bind(date.display())
        .bind(i64::from(lead_days))
        .bind(at)
        .fetch_one(c)
        .await
        })?;
        let o = CustomOccasion { id, person_id: person, label: label.to_owned(), date, lead_days };
        crate::audit::record(
            &mut tx,
            actor,
            at,
            "custom_occasion",
            id,
            Some(p.owner_id),
            &format!("{} · {label}", p.name),
            None,
            Some(&o),
        )
        .await?;
        tx.commit().await?;
        Ok(o)
    }

    /// A person's custom dates.
    pub async fn custom_occasions(&self, scope: &keqing_core::Scope, person: PersonId) -> Result<Vec<CustomOccasion>> {
        let mut c = self.db.conn().await?;
        crate::people::load(&mut c, scope, person).await?;
        let rows: Vec<(i64, String, String, i64)> = exec!(c.exec(), |c| {
            sqlx::query_as(
            "SELECT custom_occasion_id, label, on_date, lead_days FROM custom_occasion WHERE person_id = $1 ORDER BY custom_occasion_id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, label, on, lead)| {
                keqing_core::agenda::CustomDate::from_stored(&on).map(|date| CustomOccasion {
                    id,
                    person_id: person,
                    label,
                    date,
                    lead_days: lead.clamp(0, 60) as u16,
                })
            })
            .collect())
    }

    /// Removes a custom date (audited).
    pub async fn delete_custom_occasion(
        &self,
        actor: &crate::Actor,
        scope: &keqing_core::Scope,
        id: i64,
    ) -> Result<()> {
        let at = crate::now();
        let mut tx = self.db.begin().await?;
        let (person, label): (i64, String) = exec!(tx.exec(), |c| sqlx::query_as(
            "SELECT person_id, label FROM custom_occasion WHERE custom_occasion_id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let p = crate::people::load(&mut tx, scope, PersonId(person)).await?;
        crate::db::run!(tx.exec(), |c| sqlx::query("DELETE FROM custom_occasion WHERE custom_occasion_id = $1")
            .bind(id)
            .execute(c)
            .await)?;
        let snapshot = serde_json::json!({"label": label, "person_id": person});
        crate::audit::record(
            &mut tx,
            actor,
            at,
            "custom_occasion",
            id,
            Some(p.owner_id),
            &format!("{} · {label}", p.name),
            Some(&snapshot),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A custom date with its person and organisation: id, label, date as
/// stored, lead days, person id and name, organisation id and name.
type CustomRow = (i64, String, String, i64, i64, String, Option<i64>, Option<String>);

async fn custom_of_owner(src: &mut impl Source, owner: UserId) -> Result<Vec<keqing_core::agenda::CustomInput>> {
    let rows: Vec<CustomRow> = exec!(src.exec(), |c| {
        sqlx::query_as(
        "SELECT c.custom_occasion_id, c.label, c.on_date, c.lead_days, p.person_id, p.name, o.organisation_id, o.name
         FROM custom_occasion c JOIN person p ON p.person_id = c.person_id
         LEFT JOIN organisation o ON o.organisation_id = p.organisation_id
         WHERE p.owner_user_id = $1 AND p.erased_at IS NULL"
    )
    .bind(owner.0)
    .fetch_all(c)
    .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, label, on, lead, pid, pname, oid, oname)| {
            keqing_core::agenda::CustomDate::from_stored(&on).map(|date| keqing_core::agenda::CustomInput {
                id,
                label,
                date,
                lead_days: lead.clamp(0, 60) as u16,
                person: Named { id: PersonId(pid), name: pname },
                organisation: oid.map(|o| Named { id: OrganisationId(o), name: oname.unwrap_or_default() }),
            })
        })
        .collect())
}
