//! People at customer organisations, always read and written within a scope;
//! their families, their relations to each other, and what PIPL asks of us.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::organisations::{check_owner, org_scope_sql};
use crate::search_keys::{self, Index};
use crate::{Store, id_list, now, scope_sql};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::audit::Action;
use keqing_core::model::{Birthday, FamilyRelation, Gender, LegalBasis, MilestoneKind, PersonData, RelationKind};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, PersonId, Scope, UserId, search};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use std::collections::BTreeMap;

/// An organisation a person works for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affiliation {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation_name: String,
    /// The person's position there.
    pub position: Option<String>,
    /// Whether it is the person's main organisation.
    pub main: bool,
}

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
    /// Further phones.
    pub other_phones: Vec<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// QQ.
    pub qq: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Main organisation.
    pub organisation_id: Option<OrganisationId>,
    /// Its name.
    pub organisation_name: Option<String>,
    /// Position there.
    pub position: Option<String>,
    /// All organisations, the main one first.
    pub affiliations: Vec<Affiliation>,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Interests.
    pub interests: Option<String>,
    /// Tastes.
    pub tastes: Option<String>,
    /// Gift preferences.
    pub gift_preferences: Option<String>,
    /// Taboos.
    pub taboos: Option<String>,
    /// How we met.
    pub how_we_met: Option<String>,
    /// Source of the information.
    pub info_source: Option<String>,
    /// Legal basis (PIPL).
    pub legal_basis: Option<LegalBasis>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner_id: UserId,
    /// Owning rep's display name.
    pub owner_name: String,
    /// The owner's account is disabled: an orphan to reassign.
    pub orphaned: bool,
    /// When the personal data was erased (PIPL); the record stays for
    /// business aggregates.
    pub erased_at: Option<DateTime<Utc>>,
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
            other_phones: self.other_phones.clone(),
            qq: self.qq.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            birthday: self.birthday,
            interests: self.interests.clone(),
            tastes: self.tastes.clone(),
            gift_preferences: self.gift_preferences.clone(),
            taboos: self.taboos.clone(),
            how_we_met: self.how_we_met.clone(),
            info_source: self.info_source.clone(),
            legal_basis: self.legal_basis,
            affiliations: self
                .affiliations
                .iter()
                .filter(|a| !a.main)
                .map(|a| (a.organisation_id, a.position.clone()))
                .collect(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    person_id: i64,
    name: String,
    gender: String,
    phone: Option<String>,
    other_phones: Json<Vec<String>>,
    wechat: Option<String>,
    qq: Option<String>,
    email: Option<String>,
    address: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    position: Option<String>,
    birthday: Option<String>,
    interests: Option<String>,
    tastes: Option<String>,
    gift_preferences: Option<String>,
    taboos: Option<String>,
    how_we_met: Option<String>,
    info_source: Option<String>,
    legal_basis: Option<String>,
    notes: Option<String>,
    owner_user_id: i64,
    owner_name: String,
    owner_disabled: Option<DateTime<Utc>>,
    erased_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_person(self, mut more: Vec<Affiliation>) -> Person {
        let mut affiliations = Vec::new();
        if let (Some(id), Some(name)) = (self.organisation_id, &self.organisation_name) {
            affiliations.push(Affiliation {
                organisation_id: OrganisationId(id),
                organisation_name: name.clone(),
                position: self.position.clone(),
                main: true,
            });
        }
        affiliations.append(&mut more);
        Person {
            id: PersonId(self.person_id),
            name: self.name,
            gender: Gender::parse(&self.gender).unwrap_or(Gender::Unknown),
            phone: self.phone,
            other_phones: self.other_phones.0,
            wechat: self.wechat,
            qq: self.qq,
            email: self.email,
            address: self.address,
            organisation_id: self.organisation_id.map(OrganisationId),
            organisation_name: self.organisation_name,
            position: self.position,
            affiliations,
            // Stored by Birthday::display, so it parses; anything else is dropped.
            birthday: self.birthday.as_deref().and_then(|b| Birthday::parse(b).ok().flatten()),
            interests: self.interests,
            tastes: self.tastes,
            gift_preferences: self.gift_preferences,
            taboos: self.taboos,
            how_we_met: self.how_we_met,
            info_source: self.info_source,
            legal_basis: self.legal_basis.as_deref().and_then(|l| LegalBasis::parse(l).ok()),
            notes: self.notes,
            owner_id: UserId(self.owner_user_id),
            owner_name: self.owner_name,
            orphaned: self.owner_disabled.is_some(),
            erased_at: self.erased_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const SELECT: &str =
    "SELECT p.person_id, p.name, p.gender, p.phone, p.other_phones, p.wechat, p.qq, p.email, p.address,
    p.organisation_id, o.name AS organisation_name, p.position, p.birthday, p.interests, p.tastes, p.gift_preferences,
    p.taboos, p.how_we_met, p.info_source, p.legal_basis, p.notes, p.owner_user_id, u.display_name AS owner_name,
    u.disabled_at AS owner_disabled, p.erased_at, p.version, p.created_at, p.updated_at
    FROM person p JOIN app_user u ON u.user_id = p.owner_user_id
    LEFT JOIN organisation o ON o.organisation_id = p.organisation_id";

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Name (hanzi, pinyin, initials), any part of a phone, WeChat id, QQ,
    /// e-mail, or an organisation's name.
    pub q: Option<String>,
    /// Only people at this organisation (main or further).
    pub organisation: Option<OrganisationId>,
    /// Only this owner.
    pub owner: Option<UserId>,
    /// Only orphans (owner disabled).
    pub orphans: bool,
}

async fn affiliations_of(src: &mut impl Source, ids: &[i64]) -> Result<BTreeMap<i64, Vec<Affiliation>>> {
    let sql = format!(
        "SELECT a.person_id, a.organisation_id, o.name, a.position FROM person_affiliation a
         JOIN organisation o ON o.organisation_id = a.organisation_id WHERE a.person_id IN ({}) ORDER BY o.name_pinyin",
        id_list(ids.iter().copied())
    );
    let rows: Vec<(i64, i64, String, Option<String>)> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    let mut out: BTreeMap<i64, Vec<Affiliation>> = BTreeMap::new();
    for (p, o, name, position) in rows {
        out.entry(p).or_default().push(Affiliation {
            organisation_id: OrganisationId(o),
            organisation_name: name,
            position,
            main: false,
        });
    }
    Ok(out)
}

/// The rows of `ids`, in that order.
async fn by_ids(src: &mut impl Source, ids: Vec<i64>) -> Result<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{SELECT} WHERE p.person_id IN ({})", id_list(ids.iter().copied()));
    let mut rows: Vec<Row> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.person_id));
    Ok(rows)
}

async fn complete(src: &mut impl Source, rows: Vec<Row>) -> Result<Vec<Person>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let mut more = affiliations_of(src, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.person_id;
            r.into_person(more.remove(&id).unwrap_or_default())
        })
        .collect())
}

pub(crate) async fn load(src: &mut impl Source, scope: &Scope, id: PersonId) -> Result<Person> {
    let sql = format!("{SELECT} WHERE p.person_id = $1{}", scope_sql("p.owner_user_id", scope));
    let row: Option<Row> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    Ok(complete(src, vec![row]).await?.remove(0))
}

/// A person may only be attached to organisations the caller can reach.
async fn check_organisation(src: &mut impl Source, scope: &Scope, org: OrganisationId, field: &str) -> Result<()> {
    let sql = format!("SELECT COUNT(*) FROM organisation o WHERE o.organisation_id = $1{}", org_scope_sql(scope));
    let n: i64 = exec!(src.exec(), |c| sqlx::query_scalar(AssertSqlSafe(sql)).bind(org.0).fetch_one(c).await)?;
    if n == 0 { Err(StoreError::invalid(field, Problem::UnknownReference)) } else { Ok(()) }
}

/// Recomputes a person's search keys and pinyin sort key.
async fn refresh_search(tx: &mut Tx, id: PersonId) -> Result<()> {
    let p = load(tx, &Scope::All, id).await?;
    let keys = search_keys::person_keys(
        &p.name,
        p.phone.as_deref(),
        &p.other_phones,
        p.wechat.as_deref(),
        p.qq.as_deref(),
        p.email.as_deref(),
    );
    search_keys::replace(tx, Index::People, id.0, keys).await?;
    run!(tx.exec(), |c| {
        sqlx::query("UPDATE person SET name_pinyin = $1 WHERE person_id = $2")
            .bind(search::pinyin(&p.name))
            .bind(id.0)
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Moves an organisation's people owned by `from` to `to` (reassigning an orphan).
pub(crate) async fn reassign_people_of(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    org: OrganisationId,
    from: UserId,
    to: UserId,
) -> Result<usize> {
    let ids: Vec<i64> = exec!(tx.exec(), |c| {
        sqlx::query_scalar("SELECT person_id FROM person WHERE organisation_id = $1 AND owner_user_id = $2")
            .bind(org.0)
            .bind(from.0)
            .fetch_all(c)
            .await
    })?;
    for id in &ids {
        let before = load(tx, &Scope::All, PersonId(*id)).await?;
        give(tx, actor, at, &before, to).await?;
    }
    Ok(ids.len())
}

/// Makes `to` the owner of a person, audited.
async fn give(tx: &mut Tx, actor: &Actor, at: DateTime<Utc>, before: &Person, to: UserId) -> Result<()> {
    run!(tx.exec(), |c| {
        sqlx::query("UPDATE person SET owner_user_id = $1, version = version + 1, updated_at = $2 WHERE person_id = $3")
            .bind(to.0)
            .bind(at)
            .bind(before.id.0)
            .execute(c)
            .await
    })?;
    let after = load(tx, &Scope::All, before.id).await?;
    audit::record(tx, actor, at, "person", before.id.0, Some(to), &after.name, Some(before), Some(&after)).await?;
    Ok(())
}

async fn write_affiliations(
    tx: &mut Tx,
    scope: &Scope,
    id: PersonId,
    d: &PersonData,
    before: Option<&Person>,
) -> Result<()> {
    for (i, (org, _)) in d.affiliations.iter().enumerate() {
        if before.is_none_or(|b| !b.affiliations.iter().any(|a| a.organisation_id == *org)) {
            check_organisation(tx, scope, *org, &format!("affiliations[{i}].organisation_id")).await?;
        }
    }
    run!(tx.exec(), |c| sqlx::query("DELETE FROM person_affiliation WHERE person_id = $1")
        .bind(id.0)
        .execute(c)
        .await)?;
    for (org, position) in &d.affiliations {
        run!(tx.exec(), |c| {
            sqlx::query("INSERT INTO person_affiliation (person_id, organisation_id, position) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(org.0)
                .bind(position)
                .execute(c)
                .await
        })?;
    }
    Ok(())
}

const DATA_COLUMNS: &str =
    "name, gender, phone, other_phones, wechat, qq, email, address, organisation_id, position, birthday,
    interests, tastes, gift_preferences, taboos, how_we_met, info_source, legal_basis, notes, owner_user_id";

macro_rules! bind_data {
    ($q:expr, $d:expr) => {
        $q.bind(&$d.name)
            .bind($d.gender.as_str())
            .bind(&$d.phone)
            .bind(Json(&$d.other_phones))
            .bind(&$d.wechat)
            .bind(&$d.qq)
            .bind(&$d.email)
            .bind(&$d.address)
            .bind($d.organisation.map(|o| o.0))
            .bind(&$d.position)
            .bind($d.birthday.map(|b: Birthday| b.display()))
            .bind(&$d.interests)
            .bind(&$d.tastes)
            .bind(&$d.gift_preferences)
            .bind(&$d.taboos)
            .bind(&$d.how_we_met)
            .bind(&$d.info_source)
            .bind($d.legal_basis.map(|l: LegalBasis| l.as_str()))
            .bind(&$d.notes)
            .bind($d.owner.0)
    };
}

/// Replaces a person's fields inside the caller's transaction if `version`
/// is current (edits and import merges share it).
pub(crate) async fn update_in(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    scope: &Scope,
    id: PersonId,
    version: i64,
    d: &PersonData,
) -> Result<Person> {
    let before = load(tx, scope, id).await?;
    if before.version != version {
        return Err(conflict(&before));
    }
    if before.erased_at.is_some() {
        return Err(StoreError::invalid("name", Problem::Rule { rule: "person_erased" }));
    }
    if d.owner != before.owner_id {
        check_owner(tx, scope, d.owner, "owner_id").await?;
    }
    if let Some(org) = d.organisation
        && d.organisation != before.organisation_id
    {
        check_organisation(tx, scope, org, "organisation_id").await?;
    }
    let sets: Vec<String> =
        DATA_COLUMNS.split(',').enumerate().map(|(i, c)| format!("{} = ${}", c.trim(), i + 1)).collect();
    let sql = format!(
        "UPDATE person SET {}, version = version + 1, updated_at = $21 WHERE person_id = $22 AND version = $23",
        sets.join(", ")
    );
    let n = run!(tx.exec(), |c| bind_data!(sqlx::query(AssertSqlSafe(sql)), d)
        .bind(at)
        .bind(id.0)
        .bind(version)
        .execute(c)
        .await)?;
    if n == 0 {
        return Err(conflict(&load(tx, scope, id).await?));
    }
    write_affiliations(tx, scope, id, d, Some(&before)).await?;
    refresh_search(tx, id).await?;
    let after = load(tx, &Scope::All, id).await?;
    audit::record(tx, actor, at, "person", id.0, Some(after.owner_id), &after.name, Some(&before), Some(&after))
        .await?;
    Ok(after)
}

/// Inserts a person inside the caller's transaction (API creates, imports
/// and the demo share it), with the search keys and audit entry.
pub(crate) async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    scope: &Scope,
    d: &PersonData,
) -> Result<Person> {
    check_owner(tx, scope, d.owner, "owner_id").await?;
    if let Some(org) = d.organisation {
        check_organisation(tx, scope, org, "organisation_id").await?;
    }
    let sql = format!(
        "INSERT INTO person ({DATA_COLUMNS}, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)
         RETURNING person_id"
    );
    let id: i64 =
        exec!(tx.exec(), |c| bind_data!(sqlx::query_scalar(AssertSqlSafe(sql)), d).bind(at).fetch_one(c).await)?;
    write_affiliations(tx, scope, PersonId(id), d, None).await?;
    refresh_search(tx, PersonId(id)).await?;
    let person = load(tx, &Scope::All, PersonId(id)).await?;
    audit::record(tx, actor, at, "person", id, Some(person.owner_id), &person.name, None, Some(&person)).await?;
    Ok(person)
}

/// Inserts a family member inside the caller's transaction.
pub(crate) async fn insert_family(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    p: &Person,
    d: &FamilyData,
) -> Result<FamilyMember> {
    let id: i64 = exec!(tx.exec(), |c| {
        sqlx::query_scalar(
            "INSERT INTO family_member (person_id, relation, name, gender, birthday, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING family_member_id",
        )
        .bind(p.id.0)
        .bind(d.relation.as_str())
        .bind(&d.name)
        .bind(d.gender.as_str())
        .bind(d.birthday.map(|b| b.display()))
        .bind(&d.notes)
        .bind(at)
        .fetch_one(c)
        .await
    })?;
    let member = family_of(tx, p.id).await?.into_iter().find(|m| m.id == id).ok_or(StoreError::NotFound)?;
    audit::record(
        tx,
        actor,
        at,
        "family_member",
        id,
        Some(p.owner_id),
        &format!("{} · {}", p.name, member.name),
        None,
        Some(&member),
    )
    .await?;
    Ok(member)
}

/// A milestone to record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MilestoneData<'a> {
    /// What.
    pub kind: MilestoneKind,
    /// When.
    pub on: NaiveDate,
    /// Notes.
    pub notes: Option<&'a str>,
}

/// Inserts a milestone inside the caller's transaction.
pub(crate) async fn insert_milestone(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    p: &Person,
    member: &FamilyMember,
    MilestoneData { kind, on, notes }: MilestoneData<'_>,
) -> Result<Milestone> {
    let id: i64 = exec!(tx.exec(), |c| {
        sqlx::query_scalar(
            "INSERT INTO family_milestone (family_member_id, kind, on_date, notes, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING family_milestone_id",
        )
        .bind(member.id)
        .bind(kind.as_str())
        .bind(on)
        .bind(notes)
        .bind(at)
        .fetch_one(c)
        .await
    })?;
    let ms = Milestone { id, kind, on_date: on, notes: notes.map(str::to_owned) };
    audit::record(
        tx,
        actor,
        at,
        "family_milestone",
        id,
        Some(p.owner_id),
        &format!("{} · {}", p.name, member.name),
        None,
        Some(&ms),
    )
    .await?;
    Ok(ms)
}

/// Inserts a relation "a is {kind} b" inside the caller's transaction.
pub(crate) async fn insert_relation(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    a: &Person,
    b: &Person,
    kind: RelationKind,
    notes: Option<&str>,
) -> Result<i64> {
    let (from, to) = if kind.symmetric() && b.id < a.id { (b, a) } else { (a, b) };
    let id: i64 = exec!(tx.exec(), |c| {
        sqlx::query_scalar(
            "INSERT INTO person_relation (from_person_id, to_person_id, kind, notes, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING person_relation_id",
        )
        .bind(from.id.0)
        .bind(to.id.0)
        .bind(kind.as_str())
        .bind(notes)
        .bind(at)
        .fetch_one(c)
        .await
    })
    .map_err(|e| StoreError::unique_as(e, "kind"))?;
    let snapshot = serde_json::json!({"from": from.name, "kind": kind, "to": to.name, "notes": notes});
    audit::record(
        tx,
        actor,
        at,
        "person_relation",
        id,
        Some(from.owner_id),
        &format!("{} → {}", from.name, to.name),
        None,
        Some(&snapshot),
    )
    .await?;
    Ok(id)
}

fn conflict(current: &Person) -> StoreError {
    StoreError::Conflict { version: current.version, current: serde_json::to_value(current).unwrap_or_default() }
}

/// A family member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyMember {
    /// Id.
    pub id: i64,
    /// Whose family.
    pub person_id: PersonId,
    /// Relation to the person.
    pub relation: FamilyRelation,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Notes.
    pub notes: Option<String>,
    /// Milestones, in date order.
    pub milestones: Vec<Milestone>,
    /// Version.
    pub version: i64,
}

/// A milestone in a family member's life.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    /// Id.
    pub id: i64,
    /// What.
    pub kind: MilestoneKind,
    /// When.
    pub on_date: NaiveDate,
    /// Notes.
    pub notes: Option<String>,
}

/// A family member's editable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyData {
    /// Relation.
    pub relation: FamilyRelation,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Notes.
    pub notes: Option<String>,
}

/// A relation as seen from one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelationView {
    /// Id.
    pub id: i64,
    /// The stored kind ("from is {kind} to").
    pub kind: RelationKind,
    /// Whether the viewed person is the `from` side.
    pub outgoing: bool,
    /// The other person.
    pub other_id: PersonId,
    /// Their name, or `None` when they are outside the viewer's scope.
    pub other_name: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

async fn family_of(src: &mut impl Source, person: PersonId) -> Result<Vec<FamilyMember>> {
    #[derive(sqlx::FromRow)]
    struct F {
        family_member_id: i64,
        relation: String,
        name: String,
        gender: String,
        birthday: Option<String>,
        notes: Option<String>,
        version: i64,
    }
    let rows: Vec<F> = exec!(src.exec(), |c| {
        sqlx::query_as(
            "SELECT family_member_id, relation, name, gender, birthday, notes, version FROM family_member WHERE person_id = $1
             ORDER BY family_member_id",
        )
        .bind(person.0)
        .fetch_all(c)
        .await
    })?;
    let ids: Vec<i64> = rows.iter().map(|r| r.family_member_id).collect();
    let sql = format!(
        "SELECT family_milestone_id, family_member_id, kind, on_date, notes FROM family_milestone WHERE family_member_id IN ({}) ORDER BY on_date",
        id_list(ids.iter().copied())
    );
    let ms: Vec<(i64, i64, String, NaiveDate, Option<String>)> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| FamilyMember {
            id: r.family_member_id,
            person_id: person,
            relation: FamilyRelation::parse(&r.relation).unwrap_or(FamilyRelation::Other),
            name: r.name,
            gender: Gender::parse(&r.gender).unwrap_or(Gender::Unknown),
            birthday: r.birthday.as_deref().and_then(|b| Birthday::parse(b).ok().flatten()),
            notes: r.notes,
            milestones: ms
                .iter()
                .filter(|m| m.1 == r.family_member_id)
                .map(|m| Milestone {
                    id: m.0,
                    kind: MilestoneKind::parse(&m.2).unwrap_or(MilestoneKind::Other),
                    on_date: m.3,
                    notes: m.4.clone(),
                })
                .collect(),
            version: r.version,
        })
        .collect())
}

impl Store {
    /// People in scope matching `filter`, by pinyin; and the total.
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
        let q = filter.q.as_deref().and_then(search::key_range).map(|(low, _)| low);
        cond.push_str(&if q.is_some() { search_keys::people_condition(1) } else { " AND $1 IS NULL".to_owned() });
        cond.push_str(
            " AND ($2 IS NULL OR p.organisation_id = $2 OR EXISTS (SELECT 1 FROM person_affiliation a WHERE a.person_id = p.person_id AND a.organisation_id = $2))
              AND ($3 IS NULL OR p.owner_user_id = $3)",
        );
        if filter.orphans {
            cond.push_str(" AND u.disabled_at IS NOT NULL");
        }
        let org = filter.organisation.map(|o| o.0);
        let owner = filter.owner.map(|u| u.0);
        let count_sql = format!("SELECT COUNT(*) FROM person p JOIN app_user u ON u.user_id = p.owner_user_id{cond}");
        let mut c = self.db.conn().await?;
        if q.is_some() {
            // A search: the matching page and the total in one pass over
            // the index hits, then the page's rows by id.
            let page_sql = format!(
                "SELECT p.person_id, COUNT(*) OVER () FROM person p JOIN app_user u ON u.user_id = p.owner_user_id{cond}
                 ORDER BY p.name_pinyin, p.person_id LIMIT $4 OFFSET $5"
            );
            let page: Vec<(i64, i64)> = exec!(c.exec(), |c| {
                sqlx::query_as(AssertSqlSafe(page_sql))
                    .bind(&q)
                    .bind(org)
                    .bind(owner)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(c)
                    .await
            })?;
            let total = match page.first() {
                Some((_, total)) => *total,
                None if offset == 0 => 0,
                None => exec!(c.exec(), |c| {
                    sqlx::query_scalar(AssertSqlSafe(count_sql)).bind(&q).bind(org).bind(owner).fetch_one(c).await
                })?,
            };
            let rows = by_ids(&mut c, page.iter().map(|(id, _)| *id).collect()).await?;
            return Ok((complete(&mut c, rows).await?, total));
        }
        let list_sql = format!("{SELECT}{cond} ORDER BY p.name_pinyin, p.person_id LIMIT $4 OFFSET $5");
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
        Ok((complete(&mut c, rows).await?, total))
    }

    /// One person in scope.
    pub async fn person(&self, scope: &Scope, id: PersonId) -> Result<Person> {
        load(&mut self.db.conn().await?, scope, id).await
    }

    /// One person in scope, with the view of their personal fields logged
    /// (PIPL: who looked at whom, when).
    pub async fn view_person(&self, actor: &Actor, scope: &Scope, id: PersonId) -> Result<Person> {
        let person = self.person(scope, id).await?;
        self.audit_event(actor, Action::View, "person", &id.to_string(), &person.name, serde_json::json!({})).await?;
        Ok(person)
    }

    /// Creates a person owned by someone in scope.
    #[tracing::instrument(skip_all)]
    pub async fn create_person(&self, actor: &Actor, scope: &Scope, d: &PersonData) -> Result<Person> {
        let mut tx = self.db.begin().await?;
        let person = insert(&mut tx, actor, now(), scope, d).await?;
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
        let mut tx = self.db.begin().await?;
        let after = update_in(&mut tx, actor, now(), scope, id, version, d).await?;
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
        search_keys::remove(&mut tx, Index::People, id.0).await?;
        audit::record(&mut tx, actor, at, "person", id.0, Some(before.owner_id), &before.name, Some(&before), None)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives people to `new_owner` (orphans, one by one or in bulk).
    pub async fn reassign_people(
        &self,
        actor: &Actor,
        scope: &Scope,
        ids: &[PersonId],
        new_owner: UserId,
    ) -> Result<usize> {
        let at = now();
        let mut tx = self.db.begin().await?;
        check_owner(&mut tx, scope, new_owner, "owner_id").await?;
        let mut moved = 0;
        for id in ids {
            let before = load(&mut tx, scope, *id).await?;
            if before.owner_id == new_owner {
                continue;
            }
            give(&mut tx, actor, at, &before, new_owner).await?;
            moved += 1;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// A person's family, with milestones.
    pub async fn family(&self, scope: &Scope, person: PersonId) -> Result<Vec<FamilyMember>> {
        let mut c = self.db.conn().await?;
        load(&mut c, scope, person).await?;
        family_of(&mut c, person).await
    }

    /// Whose family member `id` is (within `scope`).
    pub async fn family_owner(&self, scope: &Scope, id: i64) -> Result<PersonId> {
        let mut tx = self.db.begin().await?;
        let (_, p) = self.family_member_in(&mut tx, scope, id).await?;
        tx.commit().await?;
        Ok(p.id)
    }

    /// Adds a family member.
    pub async fn add_family_member(
        &self,
        actor: &Actor,
        scope: &Scope,
        person: PersonId,
        d: &FamilyData,
    ) -> Result<FamilyMember> {
        let mut tx = self.db.begin().await?;
        let p = load(&mut tx, scope, person).await?;
        let member = insert_family(&mut tx, actor, now(), &p, d).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Changes a family member if `version` is current.
    pub async fn update_family_member(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        version: i64,
        d: &FamilyData,
    ) -> Result<FamilyMember> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let (member, p) = self.family_member_in(&mut tx, scope, id).await?;
        let n = run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE family_member SET relation = $1, name = $2, gender = $3, birthday = $4, notes = $5, version = version + 1,
                 updated_at = $6 WHERE family_member_id = $7 AND version = $8",
            )
            .bind(d.relation.as_str())
            .bind(&d.name)
            .bind(d.gender.as_str())
            .bind(d.birthday.map(|b| b.display()))
            .bind(&d.notes)
            .bind(at)
            .bind(id)
            .bind(version)
            .execute(c)
            .await
        })?;
        if n == 0 {
            return Err(StoreError::Conflict {
                version: member.version,
                current: serde_json::to_value(&member).unwrap_or_default(),
            });
        }
        let after = family_of(&mut tx, p.id).await?.into_iter().find(|m| m.id == id).ok_or(StoreError::NotFound)?;
        audit::record(
            &mut tx,
            actor,
            at,
            "family_member",
            id,
            Some(p.owner_id),
            &format!("{} · {}", p.name, after.name),
            Some(&member),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn family_member_in(&self, tx: &mut Tx, scope: &Scope, id: i64) -> Result<(FamilyMember, Person)> {
        let person: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT person_id FROM family_member WHERE family_member_id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?
        .ok_or(StoreError::NotFound)?;
        let p = load(tx, scope, PersonId(person)).await?;
        let m = family_of(tx, p.id).await?.into_iter().find(|m| m.id == id).ok_or(StoreError::NotFound)?;
        Ok((m, p))
    }

    /// Removes a family member (and their milestones).
    pub async fn delete_family_member(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let (member, p) = self.family_member_in(&mut tx, scope, id).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM family_member WHERE family_member_id = $1")
            .bind(id)
            .execute(c)
            .await)?;
        audit::record(
            &mut tx,
            actor,
            at,
            "family_member",
            id,
            Some(p.owner_id),
            &format!("{} · {}", p.name, member.name),
            Some(&member),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a milestone of a family member.
    pub async fn add_milestone(
        &self,
        actor: &Actor,
        scope: &Scope,
        member: i64,
        kind: MilestoneKind,
        on: NaiveDate,
        notes: Option<&str>,
    ) -> Result<Milestone> {
        let mut tx = self.db.begin().await?;
        let (m, p) = self.family_member_in(&mut tx, scope, member).await?;
        let ms = insert_milestone(&mut tx, actor, now(), &p, &m, MilestoneData { kind, on, notes }).await?;
        tx.commit().await?;
        Ok(ms)
    }

    /// Removes a milestone.
    pub async fn delete_milestone(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let member: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT family_member_id FROM family_milestone WHERE family_milestone_id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?
        .ok_or(StoreError::NotFound)?;
        let (m, p) = self.family_member_in(&mut tx, scope, member).await?;
        let before = m.milestones.iter().find(|x| x.id == id).cloned();
        run!(tx.exec(), |c| sqlx::query("DELETE FROM family_milestone WHERE family_milestone_id = $1")
            .bind(id)
            .execute(c)
            .await)?;
        audit::record(
            &mut tx,
            actor,
            at,
            "family_milestone",
            id,
            Some(p.owner_id),
            &format!("{} · {}", p.name, m.name),
            before.as_ref(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Relates two people in scope: "from is {kind} to". Stored once;
    /// symmetric kinds are stored with the smaller id first.
    pub async fn relate(
        &self,
        actor: &Actor,
        scope: &Scope,
        from: PersonId,
        to: PersonId,
        kind: RelationKind,
        notes: Option<&str>,
    ) -> Result<i64> {
        if from == to {
            return Err(StoreError::invalid("to_person_id", Problem::Rule { rule: "self_relation" }));
        }
        let mut tx = self.db.begin().await?;
        let a = load(&mut tx, scope, from).await?;
        let b = load(&mut tx, scope, to).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("to_person_id", Problem::UnknownReference),
            other => other,
        })?;
        let id = insert_relation(&mut tx, actor, now(), &a, &b, kind, notes).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A person's relations, seen from them. People outside the viewer's
    /// scope are shown without their name.
    pub async fn relations(&self, scope: &Scope, person: PersonId) -> Result<Vec<RelationView>> {
        let mut c = self.db.conn().await?;
        load(&mut c, scope, person).await?;
        #[derive(sqlx::FromRow)]
        struct RelRow {
            person_relation_id: i64,
            from_person_id: i64,
            to_person_id: i64,
            kind: String,
            notes: Option<String>,
        }
        let rows: Vec<RelRow> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT person_relation_id, from_person_id, to_person_id, kind, notes FROM person_relation
                 WHERE from_person_id = $1 OR to_person_id = $1 ORDER BY person_relation_id",
            )
            .bind(person.0)
            .fetch_all(c)
            .await
        })?;
        let mut out = Vec::new();
        for r in rows {
            let outgoing = r.from_person_id == person.0;
            let other = PersonId(if outgoing { r.to_person_id } else { r.from_person_id });
            let other_name = load(&mut c, scope, other).await.ok().map(|p| p.name);
            out.push(RelationView {
                id: r.person_relation_id,
                kind: RelationKind::parse(&r.kind).unwrap_or(RelationKind::Friend),
                outgoing,
                other_id: other,
                other_name,
                notes: r.notes,
            });
        }
        Ok(out)
    }

    /// Removes a relation (both people must be in scope).
    pub async fn unrelate(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let row: (i64, i64, String) = exec!(tx.exec(), |c| {
            sqlx::query_as(
                "SELECT from_person_id, to_person_id, kind FROM person_relation WHERE person_relation_id = $1",
            )
            .bind(id)
            .fetch_optional(c)
            .await
        })?
        .ok_or(StoreError::NotFound)?;
        let a = load(&mut tx, scope, PersonId(row.0)).await?;
        let b = load(&mut tx, scope, PersonId(row.1)).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM person_relation WHERE person_relation_id = $1")
            .bind(id)
            .execute(c)
            .await)?;
        let snapshot = serde_json::json!({"from": a.name, "kind": row.2, "to": b.name});
        audit::record(
            &mut tx,
            actor,
            at,
            "person_relation",
            id,
            Some(a.owner_id),
            &format!("{} → {}", a.name, b.name),
            Some(&snapshot),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every referral ("A was referred by B") between people in scope, as
    /// (referred, referrer, names) — the snowball, for the tree view.
    pub async fn referrals(&self, scope: &Scope) -> Result<Vec<(PersonId, PersonId, String, String)>> {
        let sql = format!(
            "SELECT r.from_person_id, r.to_person_id, pf.name, pt.name FROM person_relation r
             JOIN person pf ON pf.person_id = r.from_person_id JOIN person pt ON pt.person_id = r.to_person_id
             WHERE r.kind = 'referred_by'{}{} ORDER BY r.person_relation_id",
            scope_sql("pf.owner_user_id", scope),
            scope_sql("pt.owner_user_id", scope)
        );
        let mut c = self.db.conn().await?;
        let rows: Vec<(i64, i64, String, String)> =
            exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        Ok(rows.into_iter().map(|(a, b, n1, n2)| (PersonId(a), PersonId(b), n1, n2)).collect())
    }

    /// Everything Keqing holds about one person, as JSON (PIPL access
    /// request); the export itself is audited.
    pub async fn export_person(&self, actor: &Actor, id: PersonId) -> Result<serde_json::Value> {
        let person = self.person(&Scope::All, id).await?;
        let family = self.family(&Scope::All, id).await?;
        let relations = self.relations(&Scope::All, id).await?;
        let filter = crate::audit::AuditFilter {
            entity: Some("person".into()),
            entity_id: Some(id.to_string()),
            ..Default::default()
        };
        let history = self.list_audit(&Scope::All, &filter, 10_000, 0).await?;
        self.audit_event(actor, Action::Export, "person", &id.to_string(), &person.name, serde_json::json!({})).await?;
        Ok(serde_json::json!({
            "exported_at": now(),
            "person": person,
            "family": family,
            "relations": relations,
            "history": history,
        }))
    }

    /// Erases a person's personal data (PIPL): name, contacts, birthday,
    /// tastes, notes, family and relations go; the record stays (so sales
    /// and expense aggregates keep their counts) as "已删除的联系人 #id"; the
    /// personal values in earlier audit entries are redacted; the erasure
    /// itself is audited.
    pub async fn erase_person(&self, actor: &Actor, id: PersonId, reason: &str) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, &Scope::All, id).await?;
        if before.erased_at.is_some() {
            return Ok(());
        }
        let placeholder = format!("已删除的联系人 #{}", id.0);
        run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE person SET name = $1, phone = NULL, other_phones = $2, wechat = NULL, qq = NULL, email = NULL, address = NULL,
                 birthday = NULL, interests = NULL, tastes = NULL, gift_preferences = NULL, taboos = NULL, how_we_met = NULL,
                 info_source = NULL, notes = NULL, gender = 'unknown', position = NULL, erased_at = $3,
                 name_pinyin = $4, version = version + 1, updated_at = $3 WHERE person_id = $5",
            )
            .bind(&placeholder)
            .bind(Json(Vec::<String>::new()))
            .bind(at)
            .bind(format!("~{:012}", id.0))
            .bind(id.0)
            .execute(c)
            .await
        })?;
        search_keys::remove(&mut tx, Index::People, id.0).await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM family_member WHERE person_id = $1").bind(id.0).execute(c).await)?;
        run!(tx.exec(), |c| {
            sqlx::query("DELETE FROM person_relation WHERE from_person_id = $1 OR to_person_id = $1")
                .bind(id.0)
                .execute(c)
                .await
        })?;
        // Earlier entries keep who changed what and when, not the values.
        let redacted = Json(serde_json::json!({"redacted": {"before": null, "after": "personal data erased"}}));
        run!(tx.exec(), |c| {
            sqlx::query("UPDATE audit_log SET changes = $1, summary = $2 WHERE entity = 'person' AND entity_id = $3")
                .bind(&redacted)
                .bind(&placeholder)
                .bind(id.to_string())
                .execute(c)
                .await
        })?;
        let entry = crate::audit::NewEntry {
            action: Action::Erase,
            entity: "person",
            entity_id: id.to_string(),
            owner: Some(before.owner_id),
            summary: placeholder,
            changes: [(
                "reason".to_owned(),
                keqing_core::audit::FieldChange { before: serde_json::Value::Null, after: reason.into() },
            )]
            .into_iter()
            .collect(),
        };
        audit::write(&mut tx, actor, at, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
