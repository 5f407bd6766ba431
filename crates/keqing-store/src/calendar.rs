//! The statutory holiday table: seeded from the bundled notices, replaced a
//! year at a time by imports, edited a day at a time; every change audited.

use crate::audit::{self, Actor};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, now};
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::calendar::holidays::{DayKind, HolidayDay, belongs_to_notice};
use keqing_core::validate::Problem;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A year whose notice is loaded.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HolidayYear {
    /// The year.
    pub year: i64,
    /// Where it came from.
    pub source: String,
    /// Version.
    pub version: i64,
    /// Loaded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A listed day as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDay {
    /// The day.
    pub date: NaiveDate,
    /// The notice's year.
    pub year: i64,
    /// Off or work.
    pub kind: DayKind,
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: NaiveDate,
    year: i64,
    kind: String,
    name: String,
    version: i64,
}

impl From<DayRow> for StoredDay {
    fn from(r: DayRow) -> Self {
        StoredDay {
            date: r.day,
            year: r.year,
            kind: DayKind::parse(&r.kind).unwrap_or(DayKind::Off),
            name: r.name,
            version: r.version,
        }
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Days added.
    pub added: usize,
    /// Days whose kind or name changed.
    pub changed: usize,
    /// Days removed.
    pub removed: usize,
    /// Days unchanged.
    pub unchanged: usize,
}

async fn years(src: &mut impl Source) -> Result<Vec<HolidayYear>> {
    Ok(exec!(src.exec(), |c| {
        sqlx::query_as::<_, HolidayYear>(
            "SELECT year, source, version, created_at, updated_at FROM holiday_year ORDER BY year",
        )
        .fetch_all(c)
        .await
    })?)
}

async fn days_of(src: &mut impl Source, year: Option<i64>) -> Result<Vec<StoredDay>> {
    let rows: Vec<DayRow> = exec!(src.exec(), |c| {
        sqlx::query_as(
            "SELECT day, year, kind, name, version FROM holiday_day WHERE ($1 IS NULL OR year = $1) ORDER BY day",
        )
        .bind(year)
        .fetch_all(c)
        .await
    })?;
    Ok(rows.into_iter().map(StoredDay::from).collect())
}

async fn insert_year(tx: &mut Tx, actor: &Actor, at: DateTime<Utc>, year: i32, source: &str) -> Result<()> {
    run!(tx.exec(), |c| {
        sqlx::query("INSERT INTO holiday_year (year, source, created_at, updated_at) VALUES ($1, $2, $3, $3)")
            .bind(i64::from(year))
            .bind(source)
            .bind(at)
            .execute(c)
            .await
    })?;
    let snapshot = serde_json::json!({"year": year, "source": source});
    audit::record(tx, actor, at, "holiday_year", i64::from(year), None, &year.to_string(), None, Some(&snapshot)).await
}

async fn insert_day(tx: &mut Tx, actor: &Actor, at: DateTime<Utc>, d: &HolidayDay) -> Result<()> {
    run!(tx.exec(), |c| {
        sqlx::query(
            "INSERT INTO holiday_day (day, year, kind, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(d.date)
        .bind(i64::from(d.year))
        .bind(d.kind.as_str())
        .bind(&d.name)
        .bind(at)
        .execute(c)
        .await
    })?;
    audit_day(tx, actor, at, d.date, None, Some(d)).await
}

async fn audit_day(
    tx: &mut Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    date: NaiveDate,
    before: Option<&HolidayDay>,
    after: Option<&HolidayDay>,
) -> Result<()> {
    let entry = crate::audit::NewEntry {
        action: match (before, after) {
            (None, _) => keqing_core::audit::Action::Create,
            (Some(_), Some(_)) => keqing_core::audit::Action::Update,
            (Some(_), None) => keqing_core::audit::Action::Delete,
        },
        entity: "holiday_day",
        entity_id: date.to_string(),
        owner: None,
        summary: after.or(before).map(|d| d.name.clone()).unwrap_or_default(),
        changes: keqing_core::audit::diff(
            &serde_json::to_value(before).unwrap_or_default(),
            &serde_json::to_value(after).unwrap_or_default(),
        ),
    };
    audit::write(tx, actor, at, entry).await
}

fn as_day(s: &StoredDay) -> HolidayDay {
    HolidayDay { year: s.year as i32, date: s.date, kind: s.kind, name: s.name.clone() }
}

impl Store {
    /// The loaded years and every listed day (to build a `WorkCalendar`).
    pub async fn holiday_table(&self) -> Result<(Vec<HolidayYear>, Vec<HolidayDay>)> {
        let mut c = self.db.conn().await?;
        let ys = years(&mut c).await?;
        let ds = days_of(&mut c, None).await?;
        Ok((ys, ds.iter().map(as_day).collect()))
    }

    /// The listed days of one notice year.
    pub async fn holiday_days(&self, year: i32) -> Result<Vec<StoredDay>> {
        days_of(&mut self.db.conn().await?, Some(i64::from(year))).await
    }

    /// Loads the years of `days` that are not loaded yet (the bundled table
    /// on first start; later bundles add new years, never overwrite edits).
    /// Returns the years added.
    pub async fn seed_holidays(&self, actor: &Actor, days: &[HolidayDay], source: &str) -> Result<Vec<i32>> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let present: BTreeSet<i64> = years(&mut tx).await?.into_iter().map(|y| y.year).collect();
        let wanted: BTreeSet<i32> = days.iter().map(|d| d.year).collect();
        let mut added = Vec::new();
        for year in wanted.into_iter().filter(|y| !present.contains(&i64::from(*y))) {
            insert_year(&mut tx, actor, at, year, source).await?;
            for d in days.iter().filter(|d| d.year == year) {
                insert_day(&mut tx, actor, at, d).await?;
            }
            added.push(year);
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Replaces a year's notice with `days`, all or nothing. Only the
    /// differences are written (and audited).
    #[tracing::instrument(skip_all, fields(year))]
    pub async fn replace_holiday_year(
        &self,
        actor: &Actor,
        year: i32,
        days: &[HolidayDay],
        source: &str,
    ) -> Result<ImportOutcome> {
        if let Some(bad) = days.iter().find(|d| d.year != year || !belongs_to_notice(d.date, year)) {
            return Err(StoreError::invalid(
                "date",
                Problem::Rule { rule: if bad.year != year { "wrong_year" } else { "not_in_notice" } },
            ));
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        let exists = years(&mut tx).await?.iter().any(|y| y.year == i64::from(year));
        if exists {
            run!(tx.exec(), |c| {
                sqlx::query(
                    "UPDATE holiday_year SET source = $1, version = version + 1, updated_at = $2 WHERE year = $3",
                )
                .bind(source)
                .bind(at)
                .bind(i64::from(year))
                .execute(c)
                .await
            })?;
        } else {
            insert_year(&mut tx, actor, at, year, source).await?;
        }
        let old: BTreeMap<NaiveDate, HolidayDay> =
            days_of(&mut tx, Some(i64::from(year))).await?.iter().map(|s| (s.date, as_day(s))).collect();
        let new: BTreeMap<NaiveDate, &HolidayDay> = days.iter().map(|d| (d.date, d)).collect();
        let mut out = ImportOutcome::default();
        for (date, before) in &old {
            if !new.contains_key(date) {
                run!(tx.exec(), |c| sqlx::query("DELETE FROM holiday_day WHERE day = $1")
                    .bind(*date)
                    .execute(c)
                    .await)?;
                audit_day(&mut tx, actor, at, *date, Some(before), None).await?;
                out.removed += 1;
            }
        }
        for (date, d) in &new {
            match old.get(date) {
                Some(before) if before == *d => out.unchanged += 1,
                Some(before) => {
                    run!(tx.exec(), |c| {
                        sqlx::query(
                            "UPDATE holiday_day SET kind = $1, name = $2, version = version + 1, updated_at = $3 WHERE day = $4",
                        )
                        .bind(d.kind.as_str())
                        .bind(&d.name)
                        .bind(at)
                        .bind(*date)
                        .execute(c)
                        .await
                    })?;
                    audit_day(&mut tx, actor, at, *date, Some(before), Some(d)).await?;
                    out.changed += 1;
                }
                None => {
                    // The day may belong to another notice (31 December).
                    let taken: i64 = exec!(tx.exec(), |c| {
                        sqlx::query_scalar("SELECT COUNT(*) FROM holiday_day WHERE day = $1")
                            .bind(*date)
                            .fetch_one(c)
                            .await
                    })?;
                    if taken > 0 {
                        return Err(StoreError::invalid(
                            &date.to_string(),
                            Problem::Rule { rule: "day_in_other_notice" },
                        ));
                    }
                    insert_day(&mut tx, actor, at, d).await?;
                    out.added += 1;
                }
            }
        }
        let summary =
            serde_json::json!({"source": source, "added": out.added, "changed": out.changed, "removed": out.removed});
        let entry = crate::audit::NewEntry {
            action: keqing_core::audit::Action::Update,
            entity: "holiday_year",
            entity_id: year.to_string(),
            owner: None,
            summary: format!("{year} ({source})"),
            changes: summary
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (k.clone(), keqing_core::audit::FieldChange { before: serde_json::Value::Null, after: v.clone() })
                })
                .collect(),
        };
        audit::write(&mut tx, actor, at, entry).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Declares a year whose days will be entered by hand.
    pub async fn create_holiday_year(&self, actor: &Actor, year: i32, source: &str) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        if years(&mut tx).await?.iter().any(|y| y.year == i64::from(year)) {
            return Err(StoreError::invalid("year", Problem::Taken));
        }
        insert_year(&mut tx, actor, at, year, source).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets one day of a loaded year's notice (adds it or changes it). With
    /// `expected_version`, a stale edit is a conflict.
    pub async fn set_holiday_day(
        &self,
        actor: &Actor,
        d: &HolidayDay,
        expected_version: Option<i64>,
    ) -> Result<StoredDay> {
        let at = now();
        let mut tx = self.db.begin().await?;
        if !years(&mut tx).await?.iter().any(|y| y.year == i64::from(d.year)) {
            return Err(StoreError::invalid("year", Problem::Rule { rule: "holiday_year_not_loaded" }));
        }
        if !belongs_to_notice(d.date, d.year) {
            return Err(StoreError::invalid("date", Problem::Rule { rule: "not_in_notice" }));
        }
        let current: Option<StoredDay> = exec!(tx.exec(), |c| {
            sqlx::query_as::<_, DayRow>("SELECT day, year, kind, name, version FROM holiday_day WHERE day = $1")
                .bind(d.date)
                .fetch_optional(c)
                .await
        })?
        .map(StoredDay::from);
        match (&current, expected_version) {
            (Some(cur), Some(v)) if cur.version != v => {
                return Err(StoreError::Conflict {
                    version: cur.version,
                    current: serde_json::to_value(cur).unwrap_or_default(),
                });
            }
            _ => {}
        }
        match &current {
            None => insert_day(&mut tx, actor, at, d).await?,
            Some(cur) => {
                run!(tx.exec(), |c| {
                    sqlx::query(
                        "UPDATE holiday_day SET year = $1, kind = $2, name = $3, version = version + 1, updated_at = $4 WHERE day = $5",
                    )
                    .bind(i64::from(d.year))
                    .bind(d.kind.as_str())
                    .bind(&d.name)
                    .bind(at)
                    .bind(d.date)
                    .execute(c)
                    .await
                })?;
                audit_day(&mut tx, actor, at, d.date, Some(&as_day(cur)), Some(d)).await?;
            }
        }
        let stored: StoredDay = exec!(tx.exec(), |c| {
            sqlx::query_as::<_, DayRow>("SELECT day, year, kind, name, version FROM holiday_day WHERE day = $1")
                .bind(d.date)
                .fetch_one(c)
                .await
        })?
        .into();
        tx.commit().await?;
        Ok(stored)
    }

    /// Removes a listed day (it follows the Monday–Friday week again).
    pub async fn delete_holiday_day(&self, actor: &Actor, date: NaiveDate) -> Result<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let current: StoredDay = exec!(tx.exec(), |c| {
            sqlx::query_as::<_, DayRow>("SELECT day, year, kind, name, version FROM holiday_day WHERE day = $1")
                .bind(date)
                .fetch_optional(c)
                .await
        })?
        .map(StoredDay::from)
        .ok_or(StoreError::NotFound)?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM holiday_day WHERE day = $1").bind(date).execute(c).await)?;
        audit_day(&mut tx, actor, at, date, Some(&as_day(&current)), None).await?;
        tx.commit().await?;
        Ok(())
    }
}
