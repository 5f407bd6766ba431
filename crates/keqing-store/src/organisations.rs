//! Customer organisations, always read and written within a scope.
//!
//! An organisation is in a user's scope when its owner — or one of its
//! co-owners — is. Every write recomputes what is derived from the record:
//! the classification score and class (a class set by hand wins), the
//! pinyin used to sort, and the search keys.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::search_keys::{self, Index};
use crate::{Store, id_list, now, settings};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::calendar::lunar::MonthDay;
use keqing_core::classify::{self, Rules};
use keqing_core::model::{CustomerClass, OrgKind, OrgStatus, OrganisationData, Stage};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, Scope, UserId, search};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;

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
    /// Whether the owner's account is disabled (the customer is an orphan).
    pub orphaned: bool,
    /// Co-owners.
    pub co_owner_ids: Vec<UserId>,
    /// Region code.
    pub region_code: Option<String>,
    /// "云南省 昆明市 五华区".
    pub region_label: Option<String>,
    /// Opening date.
    pub opened_on: Option<NaiveDate>,
    /// Store anniversary, MM-DD.
    pub anniversary: Option<String>,
    /// Yearly turnover, fen.
    pub turnover_fen: Option<i64>,
    /// Consumer reach 1–5.
    pub consumer_reach: Option<u8>,
    /// Financial strength 1–5.
    pub financial_strength: Option<u8>,
    /// Management level 1–5.
    pub management_level: Option<u8>,
    /// Relationship stage.
    pub stage: Option<Stage>,
    /// Status.
    pub status: OrgStatus,
    /// Classification score 0–100.
    pub class_score: Option<u32>,
    /// The class in force.
    pub class: CustomerClass,
    /// A class set by hand, if any.
    pub class_manual: Option<CustomerClass>,
    /// Why it was set by hand.
    pub class_reason: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
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
            region_code: self.region_code.clone(),
            opened_on: self.opened_on,
            anniversary: self
                .anniversary
                .as_deref()
                .and_then(|a| keqing_core::model::organisation::month_day(a).ok().flatten()),
            turnover_fen: self.turnover_fen,
            consumer_reach: self.consumer_reach,
            financial_strength: self.financial_strength,
            management_level: self.management_level,
            stage: self.stage,
            status: self.status,
            tags: self.tags.clone(),
            co_owners: self.co_owner_ids.clone(),
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
    owner_disabled: Option<DateTime<Utc>>,
    region_code: Option<String>,
    region_name: Option<String>,
    region_parent: Option<String>,
    region_grandparent: Option<String>,
    opened_on: Option<NaiveDate>,
    anniversary: Option<String>,
    turnover_fen: Option<i64>,
    consumer_reach: Option<i64>,
    financial_strength: Option<i64>,
    management_level: Option<i64>,
    stage: Option<String>,
    status: String,
    class_score: Option<i64>,
    class: String,
    class_manual: Option<String>,
    class_reason: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn rating(v: Option<i64>) -> Option<u8> {
    v.and_then(|x| u8::try_from(x).ok())
}

impl Row {
    fn into_org(self, tags: Vec<String>, co_owner_ids: Vec<UserId>) -> Organisation {
        let region_label = self.region_name.as_ref().map(|n| {
            [self.region_grandparent.as_deref(), self.region_parent.as_deref(), Some(n.as_str())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        });
        Organisation {
            id: OrganisationId(self.organisation_id),
            name: self.name,
            // CHECK constraints admit only known values.
            kind: OrgKind::parse(&self.kind).unwrap_or(OrgKind::Other),
            phone: self.phone,
            address: self.address,
            notes: self.notes,
            owner_id: UserId(self.owner_user_id),
            owner_name: self.owner_name,
            orphaned: self.owner_disabled.is_some(),
            co_owner_ids,
            region_code: self.region_code,
            region_label,
            opened_on: self.opened_on,
            anniversary: self.anniversary,
            turnover_fen: self.turnover_fen,
            consumer_reach: rating(self.consumer_reach),
            financial_strength: rating(self.financial_strength),
            management_level: rating(self.management_level),
            stage: self.stage.as_deref().and_then(|s| Stage::parse(s).ok()),
            status: OrgStatus::parse(&self.status).unwrap_or(OrgStatus::Active),
            class_score: self.class_score.and_then(|s| u32::try_from(s).ok()),
            class: CustomerClass::parse(&self.class).unwrap_or(CustomerClass::Normal),
            class_manual: self.class_manual.as_deref().and_then(|c| CustomerClass::parse(c).ok()),
            class_reason: self.class_reason,
            tags,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const SELECT: &str = "SELECT o.organisation_id, o.name, o.kind, o.phone, o.address, o.notes, o.owner_user_id,
    u.display_name AS owner_name, u.disabled_at AS owner_disabled,
    o.region_code, r.name AS region_name, rp.name AS region_parent, rpp.name AS region_grandparent,
    o.opened_on, o.anniversary, o.turnover_fen, o.consumer_reach, o.financial_strength, o.management_level,
    o.stage, o.status, o.class_score, o.class, o.class_manual, o.class_reason, o.version, o.created_at, o.updated_at
    FROM organisation o JOIN app_user u ON u.user_id = o.owner_user_id
    LEFT JOIN region r ON r.code = o.region_code
    LEFT JOIN region rp ON rp.code = r.parent_code
    LEFT JOIN region rpp ON rpp.code = rp.parent_code";

/// `AND (owner in scope OR a co-owner in scope)` for alias `o`.
pub(crate) fn org_scope_sql(scope: &Scope) -> String {
    match scope.owners() {
        None => String::new(),
        Some(owners) => {
            let ids = id_list(owners.iter().map(|u| u.0));
            format!(
                " AND (o.owner_user_id IN ({ids}) OR EXISTS (SELECT 1 FROM organisation_co_owner co
                   WHERE co.organisation_id = o.organisation_id AND co.user_id IN ({ids})))"
            )
        }
    }
}

/// Which organisations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    /// Name (hanzi, pinyin, initials), phone or tag.
    pub q: Option<String>,
    /// Kind.
    pub kind: Option<OrgKind>,
    /// Class in force.
    pub class: Option<CustomerClass>,
    /// In this region or below it.
    pub region: Option<String>,
    /// In one of these region prefixes (a territory).
    pub region_prefixes: Option<Vec<String>>,
    /// Owner.
    pub owner: Option<UserId>,
    /// Carrying this tag.
    pub tag: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Status.
    pub status: Option<OrgStatus>,
    /// Only orphans (owner disabled).
    pub orphans: bool,
}

/// `%text%` for LIKE, with the pattern characters escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

fn like_prefix(prefix: &str) -> String {
    format!("{}%", prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

async fn tags_of(src: &mut impl Source, ids: &[i64]) -> Result<BTreeMap<i64, Vec<String>>> {
    let sql = format!(
        "SELECT organisation_id, tag FROM organisation_tag WHERE organisation_id IN ({}) ORDER BY tag",
        id_list(ids.iter().copied())
    );
    let rows: Vec<(i64, String)> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, t) in rows {
        out.entry(id).or_default().push(t);
    }
    Ok(out)
}

async fn co_owners_of(src: &mut impl Source, ids: &[i64]) -> Result<BTreeMap<i64, Vec<UserId>>> {
    let sql = format!(
        "SELECT organisation_id, user_id FROM organisation_co_owner WHERE organisation_id IN ({}) ORDER BY user_id",
        id_list(ids.iter().copied())
    );
    let rows: Vec<(i64, i64)> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    let mut out: BTreeMap<i64, Vec<UserId>> = BTreeMap::new();
    for (id, u) in rows {
        out.entry(id).or_default().push(UserId(u));
    }
    Ok(out)
}

async fn complete(src: &mut impl Source, rows: Vec<Row>) -> Result<Vec<Organisation>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.organisation_id).collect();
    let mut tags = tags_of(src, &ids).await?;
    let mut co = co_owners_of(src, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.organisation_id;
            r.into_org(tags.remove(&id).unwrap_or_default(), co.remove(&id).unwrap_or_default())
        })
        .collect())
}

pub(crate) async fn load(src: &mut impl Source, scope: &Scope, id: OrganisationId) -> Result<Organisation> {
    let sql = format!("{SELECT} WHERE o.organisation_id = $1{}", org_scope_sql(scope));
    let row: Option<Row> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    Ok(complete(src, vec![row]).await?.remove(0))
}

/// Checks that `owner` is an enabled user the caller may give records to.
pub(crate) async fn check_owner(src: &mut impl Source, scope: &Scope, owner: UserId, field: &str) -> Result<()> {
    let disabled: Option<Option<DateTime<Utc>>> = exec!(src.exec(), |c| {
        sqlx::query_scalar("SELECT disabled_at FROM app_user WHERE user_id = $1").bind(owner.0).fetch_optional(c).await
    })?;
    match disabled {
        Some(_) if !scope.contains(owner) => Err(StoreError::invalid(field, Problem::UnknownReference)),
        None => Err(StoreError::invalid(field, Problem::UnknownReference)),
        Some(Some(_)) => Err(StoreError::invalid(field, Problem::Rule { rule: "owner_disabled" })),
        Some(None) => Ok(()),
    }
}

async fn check_refs(tx: &mut Tx, scope: &Scope, d: &OrganisationData, before: Option<&Organisation>) -> Result<()> {
    if before.is_none_or(|b| b.owner_id != d.owner) {
        check_owner(tx, scope, d.owner, "owner_id").await?;
    }
    for (i, u) in d.co_owners.iter().enumerate() {
        if before.is_none_or(|b| !b.co_owner_ids.contains(u)) {
            check_owner(tx, &Scope::All, *u, &format!("co_owner_ids[{i}]")).await?;
        }
    }
    if let Some(code) = &d.region_code {
        let n: i64 = exec!(tx.exec(), |c| sqlx::query_scalar("SELECT COUNT(*) FROM region WHERE code = $1")
            .bind(code)
            .fetch_one(c)
            .await)?;
        if n == 0 {
            return Err(StoreError::invalid("region_code", Problem::UnknownReference));
        }
    }
    Ok(())
}

async fn write_links(tx: &mut Tx, id: i64, d: &OrganisationData) -> Result<()> {
    run!(tx.exec(), |c| sqlx::query("DELETE FROM organisation_tag WHERE organisation_id = $1")
        .bind(id)
        .execute(c)
        .await)?;
    for t in &d.tags {
        run!(tx.exec(), |c| {
            sqlx::query("INSERT INTO organisation_tag (organisation_id, tag) VALUES ($1, $2)")
                .bind(id)
                .bind(t)
                .execute(c)
                .await
        })?;
    }
    run!(tx.exec(), |c| sqlx::query("DELETE FROM organisation_co_owner WHERE organisation_id = $1")
        .bind(id)
        .execute(c)
        .await)?;
    for u in &d.co_owners {
        run!(tx.exec(), |c| {
            sqlx::query("INSERT INTO organisation_co_owner (organisation_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(u.0)
                .execute(c)
                .await
        })?;
    }
    Ok(())
}

/// The columns a write sets, in order, starting at `$1`.
const DATA_COLUMNS: &str =
    "name, kind, phone, address, notes, owner_user_id, region_code, opened_on, anniversary, turnover_fen,
    consumer_reach, financial_strength, management_level, stage, status, class_score, class, name_pinyin";

macro_rules! bind_data {
    ($q:expr, $d:expr, $score:expr, $class:expr) => {
        $q.bind(&$d.name)
            .bind($d.kind.as_str())
            .bind(&$d.phone)
            .bind(&$d.address)
            .bind(&$d.notes)
            .bind($d.owner.0)
            .bind(&$d.region_code)
            .bind($d.opened_on)
            .bind($d.anniversary.map(|m: MonthDay| format!("{:02}-{:02}", m.month, m.day)))
            .bind($d.turnover_fen)
            .bind($d.consumer_reach.map(i64::from))
            .bind($d.financial_strength.map(i64::from))
            .bind($d.management_level.map(i64::from))
            .bind($d.stage.map(|s: Stage| s.as_str()))
            .bind($d.status.as_str())
            .bind($score.map(i64::from))
            .bind($class.as_str())
            .bind(search::pinyin(&$d.name))
    };
}

/// Inserts organisations an import creates, with one multi-row `INSERT`
/// (no tags, co-owners or checks beyond the draft's: the owner was checked
/// with the row). Returns (lower-case name, id) of each.
pub(crate) async fn insert_many(
    tx: &mut Tx,
    at: DateTime<Utc>,
    batch: i64,
    orgs: &[OrganisationData],
    rules: &Rules,
) -> Result<Vec<(String, OrganisationId)>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    const COLUMNS: usize = 21;
    let mut sql = format!("INSERT INTO organisation ({DATA_COLUMNS}, created_at, updated_at, import_batch_id) VALUES ");
    for i in 0..orgs.len() {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        let cells: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect();
        sql.push_str(&cells.join(","));
        sql.push(')');
    }
    let classes: Vec<(Option<u32>, CustomerClass)> = orgs
        .iter()
        .map(|d| {
            let score = classify::score(rules, &d.factors());
            (score, classify::class_for(rules, score))
        })
        .collect();
    sql.push_str(" RETURNING organisation_id, name");
    let rows: Vec<(i64, String)> = exec!(tx.exec(), |c| {
        let mut q = sqlx::query_as(AssertSqlSafe(sql));
        for (d, (score, class)) in orgs.iter().zip(&classes) {
            q = bind_data!(q, d, *score, *class).bind(at).bind(at).bind(batch);
        }
        q.fetch_all(c).await
    })?;
    Ok(rows.into_iter().map(|(id, name)| (name.trim().to_lowercase(), OrganisationId(id))).collect())
}

/// Inserts an organisation inside the caller's transaction (API creates,
/// imports and the demo share it), with its derived fields and audit entry.
pub(crate) async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    scope: &Scope,
    d: &OrganisationData,
    rules: &Rules,
) -> Result<Organisation> {
    check_refs(tx, scope, d, None).await?;
    let score = classify::score(rules, &d.factors());
    let class = classify::class_for(rules, score);
    let sql = format!(
        "INSERT INTO organisation ({DATA_COLUMNS}, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
         RETURNING organisation_id"
    );
    let id: i64 = exec!(tx.exec(), |c| bind_data!(sqlx::query_scalar(AssertSqlSafe(sql)), d, score, class)
        .bind(at)
        .fetch_one(c)
        .await)?;
    write_links(tx, id, d).await?;
    let keys = search_keys::organisation_keys(&d.name, d.phone.as_deref(), &d.tags);
    search_keys::replace(tx, Index::Organisations, id, keys).await?;
    let org = load(tx, &Scope::All, OrganisationId(id)).await?;
    audit::record(tx, actor, at, "organisation", id, Some(org.owner_id), &org.name, None, Some(&org)).await?;
    Ok(org)
}

fn conflict(current: &Organisation) -> StoreError {
    StoreError::Conflict { version: current.version, current: serde_json::to_value(current).unwrap_or_default() }
}

impl Store {
    /// The classification rules in force.
    pub async fn classification_rules(&self) -> Result<settings::Versioned<Rules>> {
        self.setting::<Rules>(settings::CLASSIFICATION).await
    }

    /// Organisations in scope matching `filter`, by pinyin; and the total.
    #[tracing::instrument(skip_all)]
    pub async fn list_organisations(
        &self,
        scope: &Scope,
        filter: &OrganisationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Organisation>, i64)> {
        let mut cond = String::from(" WHERE 1=1");
        cond.push_str(&org_scope_sql(scope));
        let q = filter.q.as_deref().and_then(search::key_range).map(|(low, _)| low);
        cond.push_str(&if q.is_some() {
            search_keys::organisations_condition(1)
        } else {
            " AND $1 IS NULL".to_owned()
        });
        cond.push_str(
            " AND ($2 IS NULL OR o.kind = $2)
              AND ($3 IS NULL OR o.class = $3) AND ($4 IS NULL OR o.region_code LIKE $4 ESCAPE '\\')
              AND ($5 IS NULL OR o.owner_user_id = $5) AND ($6 IS NULL OR o.stage = $6) AND ($7 IS NULL OR o.status = $7)
              AND ($8 IS NULL OR EXISTS (SELECT 1 FROM organisation_tag t WHERE t.organisation_id = o.organisation_id AND t.tag = $8))",
        );
        if let Some(prefixes) = &filter.region_prefixes {
            // Prefixes of digits only (region codes), safe to inline.
            let ors: Vec<String> = prefixes
                .iter()
                .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
                .map(|p| format!("o.region_code LIKE '{p}%'"))
                .collect();
            cond.push_str(&if ors.is_empty() { " AND 1=0".to_owned() } else { format!(" AND ({})", ors.join(" OR ")) });
        }
        if filter.orphans {
            cond.push_str(" AND u.disabled_at IS NOT NULL");
        }
        let region = filter.region.as_deref().map(|r| like_prefix(keqing_core::region::prefix(r)));
        let (kind, class) = (filter.kind.map(|k| k.as_str()), filter.class.map(|c| c.as_str()));
        let (owner, stage, status) =
            (filter.owner.map(|u| u.0), filter.stage.map(|s| s.as_str()), filter.status.map(|s| s.as_str()));
        let list_sql = format!("{SELECT}{cond} ORDER BY o.name_pinyin, o.organisation_id LIMIT $9 OFFSET $10");
        let count_sql =
            format!("SELECT COUNT(*) FROM organisation o JOIN app_user u ON u.user_id = o.owner_user_id{cond}");
        let mut c = self.db.conn().await?;
        let rows: Vec<Row> = exec!(c.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(list_sql))
                .bind(&q)
                .bind(kind)
                .bind(class)
                .bind(&region)
                .bind(owner)
                .bind(stage)
                .bind(status)
                .bind(&filter.tag)
                .bind(limit)
                .bind(offset)
                .fetch_all(c)
                .await
        })?;
        let total: i64 = exec!(c.exec(), |c| {
            sqlx::query_scalar(AssertSqlSafe(count_sql))
                .bind(&q)
                .bind(kind)
                .bind(class)
                .bind(&region)
                .bind(owner)
                .bind(stage)
                .bind(status)
                .bind(&filter.tag)
                .fetch_one(c)
                .await
        })?;
        Ok((complete(&mut c, rows).await?, total))
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
        let mut tx = self.db.begin().await?;
        let rules = settings::read::<Rules>(&mut tx, settings::CLASSIFICATION).await?.value;
        let org = insert(&mut tx, actor, now(), scope, d, &rules).await?;
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
        check_refs(&mut tx, scope, d, Some(&before)).await?;
        let rules = settings::read::<Rules>(&mut tx, settings::CLASSIFICATION).await?.value;
        let score = classify::score(&rules, &d.factors());
        let class = classify::effective(&rules, before.class_manual, score);
        let sets: Vec<String> =
            DATA_COLUMNS.split(',').enumerate().map(|(i, c)| format!("{} = ${}", c.trim(), i + 1)).collect();
        let sql = format!(
            "UPDATE organisation SET {}, version = version + 1, updated_at = $19 WHERE organisation_id = $20 AND version = $21",
            sets.join(", ")
        );
        let n = run!(tx.exec(), |c| bind_data!(sqlx::query(AssertSqlSafe(sql)), d, score, class)
            .bind(at)
            .bind(id.0)
            .bind(version)
            .execute(c)
            .await)?;
        if n == 0 {
            return Err(conflict(&load(&mut tx, scope, id).await?));
        }
        write_links(&mut tx, id.0, d).await?;
        let keys = search_keys::organisation_keys(&d.name, d.phone.as_deref(), &d.tags);
        search_keys::replace(&mut tx, Index::Organisations, id.0, keys).await?;
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

    /// Sets or clears the class by hand (the reason is required when set).
    pub async fn set_class(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: OrganisationId,
        manual: Option<CustomerClass>,
        reason: Option<&str>,
    ) -> Result<Organisation> {
        if manual.is_some() && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(StoreError::invalid("reason", Problem::Required));
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, id).await?;
        let rules = settings::read::<Rules>(&mut tx, settings::CLASSIFICATION).await?.value;
        let class = classify::effective(&rules, manual, before.class_score);
        run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE organisation SET class_manual = $1, class_reason = $2, class = $3, version = version + 1, updated_at = $4
                 WHERE organisation_id = $5",
            )
            .bind(manual.map(|m| m.as_str()))
            .bind(manual.and(reason))
            .bind(class.as_str())
            .bind(at)
            .bind(id.0)
            .execute(c)
            .await
        })?;
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

    /// Saves new classification rules and reclassifies every organisation
    /// (class changes are audited one by one). Returns how many changed class.
    pub async fn set_classification_rules(&self, actor: &Actor, version: i64, rules: &Rules) -> Result<usize> {
        self.set_setting(actor, settings::CLASSIFICATION, version, rules).await?;
        let at = now();
        let mut tx = self.db.begin().await?;
        #[derive(sqlx::FromRow)]
        struct F {
            organisation_id: i64,
            name: String,
            owner_user_id: i64,
            turnover_fen: Option<i64>,
            consumer_reach: Option<i64>,
            financial_strength: Option<i64>,
            management_level: Option<i64>,
            class_score: Option<i64>,
            class: String,
            class_manual: Option<String>,
        }
        let rows: Vec<F> = exec!(tx.exec(), |c| {
            sqlx::query_as(
                "SELECT organisation_id, name, owner_user_id, turnover_fen, consumer_reach, financial_strength, management_level,
                 class_score, class, class_manual FROM organisation",
            )
            .fetch_all(c)
            .await
        })?;
        let mut changed = 0;
        for r in rows {
            let f = classify::Factors {
                turnover_fen: r.turnover_fen,
                reach: rating(r.consumer_reach),
                strength: rating(r.financial_strength),
                management: rating(r.management_level),
            };
            let score = classify::score(rules, &f);
            let manual = r.class_manual.as_deref().and_then(|c| CustomerClass::parse(c).ok());
            let class = classify::effective(rules, manual, score);
            if score.map(i64::from) == r.class_score && class.as_str() == r.class {
                continue;
            }
            run!(tx.exec(), |c| {
                sqlx::query(
                    "UPDATE organisation SET class_score = $1, class = $2, updated_at = $3 WHERE organisation_id = $4",
                )
                .bind(score.map(i64::from))
                .bind(class.as_str())
                .bind(at)
                .bind(r.organisation_id)
                .execute(c)
                .await
            })?;
            if class.as_str() != r.class {
                changed += 1;
                let before = serde_json::json!({"class": r.class, "class_score": r.class_score});
                let after = serde_json::json!({"class": class, "class_score": score});
                audit::record(
                    &mut tx,
                    actor,
                    at,
                    "organisation",
                    r.organisation_id,
                    Some(UserId(r.owner_user_id)),
                    &r.name,
                    Some(&before),
                    Some(&after),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Deletes an organisation if `version` is current. Its people stay,
    /// without it; its last values stay in the audit log.
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
        search_keys::remove(&mut tx, Index::Organisations, id.0).await?;
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

    /// Gives organisations (and, with `with_people`, their people owned by
    /// the same rep) to `new_owner`; each change is audited. The history
    /// stays with the customer. Returns how many records moved.
    pub async fn reassign_organisations(
        &self,
        actor: &Actor,
        scope: &Scope,
        ids: &[OrganisationId],
        new_owner: UserId,
        with_people: bool,
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
            run!(tx.exec(), |c| {
                sqlx::query("UPDATE organisation SET owner_user_id = $1, version = version + 1, updated_at = $2 WHERE organisation_id = $3")
                    .bind(new_owner.0)
                    .bind(at)
                    .bind(id.0)
                    .execute(c)
                    .await
            })?;
            run!(tx.exec(), |c| {
                sqlx::query("DELETE FROM organisation_co_owner WHERE organisation_id = $1 AND user_id = $2")
                    .bind(id.0)
                    .bind(new_owner.0)
                    .execute(c)
                    .await
            })?;
            let after = load(&mut tx, &Scope::All, *id).await?;
            audit::record(
                &mut tx,
                actor,
                at,
                "organisation",
                id.0,
                Some(new_owner),
                &after.name,
                Some(&before),
                Some(&after),
            )
            .await?;
            moved += 1;
            if with_people {
                moved += crate::people::reassign_people_of(&mut tx, actor, at, *id, before.owner_id, new_owner).await?;
            }
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Scores, turnovers and classes of the organisations in scope (and in
    /// the prefixes, for a territory), for the suggestion and Pareto pages.
    pub async fn classification_inputs(&self, scope: &Scope, prefixes: Option<&[String]>) -> Result<Vec<Organisation>> {
        let filter = OrganisationFilter {
            region_prefixes: prefixes.map(<[String]>::to_vec),
            status: Some(OrgStatus::Active),
            ..Default::default()
        };
        let (list, _) = self.list_organisations(scope, &filter, 1_000_000, 0).await?;
        Ok(list)
    }

    /// The distinct tags in use in scope, by frequency.
    pub async fn organisation_tags(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        let sql = format!(
            "SELECT t.tag, COUNT(*) FROM organisation_tag t JOIN organisation o ON o.organisation_id = t.organisation_id
             WHERE 1=1{} GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT 200",
            org_scope_sql(scope)
        );
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?)
    }
}
