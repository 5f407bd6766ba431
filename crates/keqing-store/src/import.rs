//! Importing people from CSV or Excel: an uploaded file is kept with its
//! preview (every row error, every duplicate, the organisations that will
//! be created), then committed in one transaction — all rows or none.
//!
//! The file is read twice, once for the preview and once for the commit,
//! row by row: memory stays proportional to the people already in scope
//! (for duplicate checks), not to the file. New people are written with
//! multi-row `INSERT`s and one audit entry for the whole import (the
//! people carry its id); merged people and created organisations are
//! audited one by one, like any other change.

use crate::db::{Source, Tx, exec, run};
use crate::error::Result;
use crate::organisations::org_scope_sql;
use crate::{Actor, Store, StoreError, audit, now};
use chrono::{DateTime, Utc};
use keqing_core::import::{self, Column, OnDuplicate, RowData, RowError};
use keqing_core::model::{OrgKind, OrganisationDraft, PersonData};
use keqing_core::table::{Encoding, Table, TableError};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, PersonId, Scope, UserId, search};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use std::collections::HashMap;

/// How many errors, duplicates and new organisations a preview lists (it
/// counts them all).
pub const LISTED: usize = 2_000;

/// Rows collected before they are written.
const CHUNK: usize = 400;

/// Rows per `INSERT` statement. SQLite's driver looks up every parameter's
/// name at each bind, so a statement's cost grows with the square of its
/// parameters: measured here (100,000 people), 400 rows per statement ran
/// at 2,200 rows/s, 40 at 7,200, 12 at 9,000, 4 at 10,100, 1 at 8,300.
pub(crate) const ROWS_PER_STATEMENT: usize = 4;

/// Why a duplicate is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateBy {
    /// Same phone number (any of theirs).
    Phone,
    /// Same name at the same organisation.
    NameAndOrganisation,
}

/// A row that matches someone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    /// Spreadsheet row.
    pub row: usize,
    /// The row's name.
    pub name: String,
    /// Why.
    pub by: DuplicateBy,
    /// The person already in Keqing, if it is one.
    pub existing_id: Option<i64>,
    /// Their name.
    pub existing_name: Option<String>,
    /// The earlier row of the same file, if it is one.
    pub earlier_row: Option<usize>,
}

/// What an import would do (or did not do: errors).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The batch, to commit or re-map.
    pub batch_id: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// The encoding a CSV was read in (`None` for workbooks).
    pub encoding: Option<Encoding>,
    /// The file's headers.
    pub headers: Vec<String>,
    /// The column each header is read as (`None`: ignored).
    pub mapping: Vec<Option<Column>>,
    /// Data rows read.
    pub rows: usize,
    /// Rows without errors.
    pub valid_rows: usize,
    /// Problems, by row (the first [`LISTED`]).
    pub errors: Vec<RowError>,
    /// All problems.
    pub error_count: usize,
    /// Rows matching a person in scope or an earlier row (the first [`LISTED`]).
    pub duplicates: Vec<Duplicate>,
    /// All duplicates.
    pub duplicate_count: usize,
    /// Organisations the import will create (not found in scope by name).
    pub new_organisations: Vec<String>,
    /// How many.
    pub new_organisation_count: usize,
    /// A problem with the file or the mapping as a whole, if any.
    pub file_problem: Option<Problem>,
}

/// What a committed import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImportResult {
    /// People created.
    pub created: usize,
    /// People merged into.
    pub merged: usize,
    /// Rows skipped as duplicates.
    pub skipped: usize,
    /// Organisations created.
    pub organisations_created: usize,
}

/// A batch's state, for progress pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// `previewed`, `running`, `done`, `failed`.
    pub status: String,
    /// Rows to import.
    pub rows_total: i64,
    /// Rows done (updated as it runs on PostgreSQL; on SQLite the running
    /// server keeps it in memory).
    pub rows_done: i64,
    /// What it did.
    pub result: Option<ImportResult>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who uploaded it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An owner a row may name.
struct Owner {
    id: UserId,
    username: String,
    name: String,
    usable: bool,
}

/// What the rows are checked against: the scope's owners, organisations
/// and people, and what the file itself has shown so far.
struct Context {
    scope: Scope,
    default_owner: UserId,
    owners: Vec<Owner>,
    /// Organisation name → (id, owner); the first by id wins, the owner's own first.
    orgs: HashMap<String, Vec<(OrganisationId, UserId)>>,
    /// Phone key → (person, name).
    phones: HashMap<String, (i64, String)>,
    /// (name, organisation) → person.
    names: HashMap<(String, i64), (i64, String)>,
    /// In the file: phone key / (name, organisation name) → first row.
    file_phones: HashMap<String, usize>,
    file_names: HashMap<(String, String), usize>,
}

/// A row ready to write.
struct Ready {
    data: PersonData,
    /// Organisation to create first: (name, kind).
    new_org: Option<(String, OrgKind)>,
    duplicate: Option<Duplicate>,
}

fn lower(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Context {
    async fn load(src: &mut impl Source, scope: &Scope, default_owner: UserId) -> Result<Context> {
        let users: Vec<(i64, String, String, Option<DateTime<Utc>>)> = exec!(src.exec(), |c| {
            sqlx::query_as("SELECT user_id, username, display_name, disabled_at FROM app_user").fetch_all(c).await
        })?;
        let writers: Vec<(i64, String)> =
            exec!(src.exec(), |c| sqlx::query_as("SELECT user_id, role FROM user_role").fetch_all(c).await)?;
        let owners = users
            .into_iter()
            .map(|(id, username, name, disabled)| {
                let roles: keqing_core::Roles = writers
                    .iter()
                    .filter(|(u, _)| *u == id)
                    .filter_map(|(_, r)| r.parse::<keqing_core::Role>().ok())
                    .collect();
                let usable = disabled.is_none() && scope.contains(UserId(id)) && roles.can(Permission::WriteCustomers);
                Owner { id: UserId(id), username: lower(&username), name: name.trim().to_owned(), usable }
            })
            .collect();
        let sql = format!(
            "SELECT o.organisation_id, o.name, o.owner_user_id FROM organisation o WHERE 1=1{}",
            org_scope_sql(scope)
        );
        let rows: Vec<(i64, String, i64)> =
            exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut orgs: HashMap<String, Vec<(OrganisationId, UserId)>> = HashMap::new();
        for (id, name, owner) in rows {
            orgs.entry(lower(&name)).or_default().push((OrganisationId(id), UserId(owner)));
        }
        let sql = format!(
            "SELECT person_id, name, phone, other_phones, organisation_id FROM person WHERE erased_at IS NULL{}",
            crate::scope_sql("owner_user_id", scope)
        );
        type P = (i64, String, Option<String>, Json<Vec<String>>, Option<i64>);
        let people: Vec<P> = exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut phones = HashMap::new();
        let mut names = HashMap::new();
        for (id, name, phone, others, org) in people {
            for p in phone.iter().chain(others.0.iter()) {
                let k = import::phone_key(p);
                if k.len() >= 5 {
                    phones.entry(k).or_insert((id, name.clone()));
                }
            }
            if let Some(o) = org {
                names.entry((lower(&name), o)).or_insert((id, name));
            }
        }
        Ok(Context {
            scope: scope.clone(),
            default_owner,
            owners,
            orgs,
            phones,
            names,
            file_phones: HashMap::new(),
            file_names: HashMap::new(),
        })
    }

    fn owner(&self, text: &str) -> std::result::Result<UserId, Problem> {
        if text.trim().is_empty() {
            return Ok(self.default_owner);
        }
        let t = text.trim();
        let found =
            self.owners.iter().find(|o| o.username == lower(t)).or_else(|| self.owners.iter().find(|o| o.name == t));
        match found {
            Some(o) if o.usable => Ok(o.id),
            Some(o) if self.scope.contains(o.id) => Err(Problem::Rule { rule: "owner_disabled" }),
            _ => Err(Problem::UnknownReference),
        }
    }

    fn organisation(&self, name: &str, owner: UserId) -> Option<OrganisationId> {
        let list = self.orgs.get(&lower(name))?;
        list.iter().find(|(_, o)| *o == owner).or_else(|| list.first()).map(|(id, _)| *id)
    }

    /// Checks one row; on success also records it for in-file duplicates.
    fn check(
        &mut self,
        row: &keqing_core::table::SourceRow,
        headers: &[String],
        map: &[Option<Column>],
    ) -> std::result::Result<Ready, Vec<RowError>> {
        let mut d: RowData = import::read_row(row, headers, map)?;
        let mut extra = FieldErrors::default();
        let owner = match self.owner(&d.owner) {
            Ok(o) => Some(o),
            Err(p) => {
                extra.push("owner_id", p);
                None
            }
        };
        d.draft.owner = owner.or(Some(self.default_owner));
        let org_name = d.organisation.trim().to_owned();
        let mut new_org = None;
        if !org_name.is_empty() {
            match self.organisation(&org_name, d.draft.owner.unwrap_or(self.default_owner)) {
                Some(id) => d.draft.organisation = Some(id),
                None => {
                    let kind = if d.organisation_kind.trim().is_empty() {
                        Ok(OrgKind::Other)
                    } else {
                        OrgKind::parse(&d.organisation_kind)
                    };
                    match kind {
                        Ok(k) if org_name.chars().count() <= keqing_core::validate::limits::NAME => {
                            new_org = Some((org_name.clone(), k))
                        }
                        Ok(_) => {
                            extra.push("organisation_id", Problem::TooLong { max: keqing_core::validate::limits::NAME })
                        }
                        Err(p) => extra.push("organisation_kind", p),
                    }
                }
            }
        }
        let parsed = d.draft.parse();
        let data = match parsed {
            Ok(p) if extra.is_empty() => p,
            Ok(_) => return Err(import::row_errors(row, headers, map, &d, &extra)),
            Err(mut e) => {
                e.0.retain(|fe| fe.field != "owner_id");
                e.0.extend(extra.0);
                return Err(import::row_errors(row, headers, map, &d, &e));
            }
        };
        let duplicate = self.duplicate(row.number, &data, &org_name);
        Ok(Ready { data, new_org, duplicate })
    }

    fn duplicate(&mut self, row: usize, d: &PersonData, org_name: &str) -> Option<Duplicate> {
        let keys: Vec<String> = d
            .phone
            .iter()
            .chain(d.other_phones.iter())
            .map(|p| import::phone_key(p))
            .filter(|k| k.len() >= 5)
            .collect();
        let dup = |by, existing: Option<&(i64, String)>, earlier: Option<usize>| Duplicate {
            row,
            name: d.name.clone(),
            by,
            existing_id: existing.map(|e| e.0),
            existing_name: existing.map(|e| e.1.clone()),
            earlier_row: earlier,
        };
        let found = keys
            .iter()
            .find_map(|k| self.phones.get(k).map(|e| dup(DuplicateBy::Phone, Some(e), None)))
            .or_else(|| {
                d.organisation
                    .and_then(|o| self.names.get(&(lower(&d.name), o.0)))
                    .map(|e| dup(DuplicateBy::NameAndOrganisation, Some(e), None))
            })
            .or_else(|| {
                keys.iter().find_map(|k| self.file_phones.get(k).map(|r| dup(DuplicateBy::Phone, None, Some(*r))))
            })
            .or_else(|| {
                (!org_name.is_empty())
                    .then(|| self.file_names.get(&(lower(&d.name), lower(org_name))))
                    .flatten()
                    .map(|r| dup(DuplicateBy::NameAndOrganisation, None, Some(*r)))
            });
        for k in keys {
            self.file_phones.entry(k).or_insert(row);
        }
        if !org_name.is_empty() {
            self.file_names.entry((lower(&d.name), lower(org_name))).or_insert(row);
        }
        found
    }
}

/// Opens the file and settles the mapping (given, or matched from headers).
fn open(
    content: &[u8],
    encoding: Option<Encoding>,
    mapping: Option<&[Option<Column>]>,
) -> std::result::Result<(Table, Vec<Option<Column>>), Problem> {
    let table = Table::open(content, encoding).map_err(|e| match e {
        TableError::Empty => Problem::Rule { rule: "empty_file" },
        TableError::Encoding(p) => p,
        TableError::Workbook(_) => Problem::Invalid { expected: "CSV or Excel file" },
        TableError::Csv { row, message } => Problem::InRow {
            value: format!("{row}: {message}"),
            problem: Box::new(Problem::Invalid { expected: "CSV" }),
        },
    })?;
    let map = match mapping {
        Some(m) => {
            let mut m = m.to_vec();
            m.resize(table.headers.len(), None);
            m
        }
        None => import::auto_map(&table.headers),
    };
    import::check_mapping(&map)?;
    Ok((table, map))
}

/// Reads the whole file against `ctx`: the preview. Returns it and the
/// number of rows that would be written.
fn preview_rows(ctx: &mut Context, table: &mut Table, map: &[Option<Column>], p: &mut Preview) {
    let headers = table.headers.clone();
    let mut new_orgs: Vec<String> = Vec::new();
    let mut seen_orgs: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(row) = table.next_row() {
        let row = match row {
            Ok(r) => r,
            Err(TableError::Csv { row, message }) => {
                p.rows += 1;
                p.error_count += 1;
                if p.errors.len() < LISTED {
                    p.errors.push(RowError {
                        row,
                        column: String::new(),
                        field: String::new(),
                        value: message,
                        problem: Problem::Invalid { expected: "CSV" },
                    });
                }
                // A broken quote swallows the rest of the file: stop here.
                break;
            }
            Err(_) => break,
        };
        p.rows += 1;
        match ctx.check(&row, &headers, map) {
            Ok(ready) => {
                p.valid_rows += 1;
                if let Some((name, _)) = &ready.new_org
                    && seen_orgs.insert(lower(name))
                {
                    p.new_organisation_count += 1;
                    if new_orgs.len() < LISTED {
                        new_orgs.push(name.clone());
                    }
                }
                if let Some(d) = ready.duplicate {
                    p.duplicate_count += 1;
                    if p.duplicates.len() < LISTED {
                        p.duplicates.push(d);
                    }
                }
            }
            Err(errors) => {
                p.error_count += errors.len();
                let room = LISTED.saturating_sub(p.errors.len());
                p.errors.extend(errors.into_iter().take(room));
            }
        }
    }
    p.new_organisations = new_orgs;
}

/// The options of a preview.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// CSV encoding (`None`: detect).
    pub encoding: Option<Encoding>,
    /// Column per header (`None`: match the headers).
    pub mapping: Option<Vec<Option<Column>>>,
}

/// What to commit, and how.
#[derive(Debug, Clone)]
pub struct CommitPlan {
    /// The batch (claimed with [`Store::start_import`]).
    pub batch: i64,
    /// The importer's reach (owners and organisations rows may name).
    pub scope: Scope,
    /// The owner of rows that name none.
    pub default_owner: UserId,
    /// The encoding and mapping (those of the last preview).
    pub options: ImportOptions,
    /// What to do with duplicates.
    pub on_duplicate: OnDuplicate,
}

/// A progress report: rows done of rows total.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

impl Store {
    /// Stores an uploaded file and previews it: nothing is imported yet.
    pub async fn preview_import(
        &self,
        actor_user: Option<UserId>,
        scope: &Scope,
        default_owner: UserId,
        file_name: &str,
        content: &[u8],
        options: &ImportOptions,
    ) -> Result<Preview> {
        let at = now();
        let mut c = self.db.conn().await?;
        let id: i64 = exec!(c.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO import_batch (file_name, content, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, 'previewed', $3, $4, $4) RETURNING import_batch_id",
            )
            .bind(file_name)
            .bind(content)
            .bind(actor_user.map(|u| u.0))
            .bind(at)
            .fetch_one(c)
            .await
        })?;
        drop(c);
        self.repreview(id, scope, default_owner, options).await
    }

    /// Previews a stored batch again (another encoding or mapping).
    pub async fn repreview(
        &self,
        id: i64,
        scope: &Scope,
        default_owner: UserId,
        options: &ImportOptions,
    ) -> Result<Preview> {
        let (file_name, content, status) = self.batch_content(id).await?;
        if status != "previewed" && status != "failed" {
            return Err(StoreError::invalid("batch", Problem::Rule { rule: "import_not_previewable" }));
        }
        let mut c = self.db.conn().await?;
        let mut p = Preview {
            batch_id: id,
            file_name,
            encoding: None,
            headers: Vec::new(),
            mapping: Vec::new(),
            rows: 0,
            valid_rows: 0,
            errors: Vec::new(),
            error_count: 0,
            duplicates: Vec::new(),
            duplicate_count: 0,
            new_organisations: Vec::new(),
            new_organisation_count: 0,
            file_problem: None,
        };
        match open(&content, options.encoding, options.mapping.as_deref()) {
            Ok((mut table, map)) => {
                p.encoding = table.encoding;
                p.headers = table.headers.clone();
                p.mapping = map.clone();
                let mut ctx = Context::load(&mut c, scope, default_owner).await?;
                preview_rows(&mut ctx, &mut table, &map, &mut p);
            }
            Err(problem) => {
                if let Ok(t) = Table::open(&content, options.encoding) {
                    p.headers = t.headers.clone();
                    p.mapping = options.mapping.clone().unwrap_or_else(|| import::auto_map(&t.headers));
                    p.encoding = t.encoding;
                }
                p.file_problem = Some(problem);
            }
        }
        let mapping: Vec<Option<&str>> = p.mapping.iter().map(|m| m.map(Column::as_str)).collect();
        run!(c.exec(), |c| {
            sqlx::query(
                "UPDATE import_batch SET encoding = $1, mapping = $2, preview = $3, rows_total = $4, status = 'previewed',
                 error = NULL, updated_at = $5 WHERE import_batch_id = $6",
            )
            .bind(p.encoding.map(Encoding::as_str))
            .bind(Json(&mapping))
            .bind(Json(&p))
            .bind(p.valid_rows as i64)
            .bind(now())
            .bind(id)
            .execute(c)
            .await
        })?;
        Ok(p)
    }

    async fn batch_content(&self, id: i64) -> Result<(String, Vec<u8>, String)> {
        let mut c = self.db.conn().await?;
        let row: Option<(String, Option<Vec<u8>>, String)> = exec!(c.exec(), |c| {
            sqlx::query_as("SELECT file_name, content, status FROM import_batch WHERE import_batch_id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        let (name, content, status) = row.ok_or(StoreError::NotFound)?;
        let content = content.ok_or(StoreError::invalid("batch", Problem::Rule { rule: "import_file_gone" }))?;
        Ok((name, content, status))
    }

    /// A batch's state (to whoever uploaded it, or anyone with `Scope::All`
    /// passed as `uploader: None`).
    pub async fn import_batch(&self, id: i64, uploader: Option<UserId>) -> Result<Batch> {
        let mut c = self.db.conn().await?;
        type R =
            (i64, String, String, i64, i64, Option<Json<ImportResult>>, Option<String>, Option<i64>, DateTime<Utc>);
        let row: Option<R> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT import_batch_id, file_name, status, rows_total, rows_done, result, error, created_by, created_at
                 FROM import_batch WHERE import_batch_id = $1 AND ($2 IS NULL OR created_by = $2)",
            )
            .bind(id)
            .bind(uploader.map(|u| u.0))
            .fetch_optional(c)
            .await
        })?;
        let (id, file_name, status, rows_total, rows_done, result, error, created_by, created_at) =
            row.ok_or(StoreError::NotFound)?;
        Ok(Batch {
            id,
            file_name,
            status,
            rows_total,
            rows_done,
            result: result.map(|r| r.0),
            error,
            created_by,
            created_at,
        })
    }

    /// The stored preview of a batch.
    pub async fn import_preview(&self, id: i64, uploader: Option<UserId>) -> Result<serde_json::Value> {
        self.import_batch(id, uploader).await?;
        let mut c = self.db.conn().await?;
        let v: Option<Json<serde_json::Value>> = exec!(c.exec(), |c| {
            sqlx::query_scalar("SELECT preview FROM import_batch WHERE import_batch_id = $1")
                .bind(id)
                .fetch_one(c)
                .await
        })?;
        Ok(v.map(|v| v.0).unwrap_or(serde_json::Value::Null))
    }

    /// Claims a previewed batch for committing (one commit per batch, even
    /// with several servers): `previewed` → `running`.
    pub async fn start_import(&self, id: i64, uploader: Option<UserId>, on_duplicate: OnDuplicate) -> Result<()> {
        let b = self.import_batch(id, uploader).await?;
        let mut c = self.db.conn().await?;
        let n = run!(c.exec(), |c| {
            sqlx::query(
                "UPDATE import_batch SET status = 'running', on_duplicate = $1, rows_done = 0, updated_at = $2
                 WHERE import_batch_id = $3 AND status IN ('previewed', 'failed') AND content IS NOT NULL",
            )
            .bind(on_duplicate.as_str())
            .bind(now())
            .bind(b.id)
            .execute(c)
            .await
        })?;
        if n == 0 {
            return Err(StoreError::invalid("batch", Problem::Rule { rule: "import_not_previewable" }));
        }
        Ok(())
    }

    /// Commits a batch claimed with [`Store::start_import`]: every row or
    /// none. Rows are checked again (the archive may have changed since the
    /// preview); any error rolls everything back and fails the batch with
    /// the errors.
    pub async fn commit_import(
        &self,
        actor: &Actor,
        plan: &CommitPlan,
        progress: Progress<'_>,
    ) -> Result<ImportResult> {
        let id = plan.batch;
        let outcome = self.commit_inner(actor, plan, progress).await;
        let mut c = self.db.conn().await?;
        match &outcome {
            Ok(_) => {}
            Err(e) => {
                let message = match e {
                    StoreError::Invalid(fe) => serde_json::to_string(&fe.0).unwrap_or_default(),
                    other => other.to_string(),
                };
                run!(c.exec(), |c| {
                    sqlx::query("UPDATE import_batch SET status = 'failed', error = $1, updated_at = $2 WHERE import_batch_id = $3")
                        .bind(message)
                        .bind(now())
                        .bind(id)
                        .execute(c)
                        .await
                })?;
            }
        }
        outcome
    }

    async fn commit_inner(&self, actor: &Actor, plan: &CommitPlan, progress: Progress<'_>) -> Result<ImportResult> {
        let CommitPlan { batch: id, scope, default_owner, options, on_duplicate } = plan;
        let (id, scope, default_owner, on_duplicate) = (*id, scope, *default_owner, *on_duplicate);
        let (file_name, content, _) = self.batch_content(id).await?;
        let (mut table, map) =
            open(&content, options.encoding, options.mapping.as_deref()).map_err(|p| StoreError::invalid("file", p))?;
        let total: i64 = {
            let mut c = self.db.conn().await?;
            exec!(c.exec(), |c| sqlx::query_scalar("SELECT rows_total FROM import_batch WHERE import_batch_id = $1")
                .bind(id)
                .fetch_one(c)
                .await)?
        };
        let total = usize::try_from(total).unwrap_or(0);
        let at = now();
        let rules = self.classification_rules().await?.value;
        let postgres = matches!(self.db, crate::db::Db::Postgres(_));
        let mut tx = self.db.begin().await?;
        let mut ctx = Context::load(&mut tx, scope, default_owner).await?;
        let headers = table.headers.clone();
        let mut result = ImportResult { created: 0, merged: 0, skipped: 0, organisations_created: 0 };
        let mut w = Writer {
            batch: id,
            at,
            rules: &rules,
            people: Vec::with_capacity(CHUNK),
            orgs: Vec::new(),
            pending: HashMap::new(),
        };
        let mut errors: Vec<RowError> = Vec::new();
        let mut done = 0usize;
        while let Some(row) = table.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    let problem = Problem::InRow {
                        value: e.to_string(),
                        problem: Box::new(Problem::Invalid { expected: "CSV" }),
                    };
                    return Err(StoreError::invalid("file", problem));
                }
            };
            let ready = match ctx.check(&row, &headers, &map) {
                Ok(r) => r,
                Err(e) => {
                    errors.extend(e);
                    continue;
                }
            };
            if !errors.is_empty() {
                continue;
            }
            let Ready { data, new_org, duplicate } = ready;
            // A new organisation is created with the next chunk; the rows
            // naming it wait with it.
            let pending_org = match new_org {
                Some((name, kind)) => {
                    let key = lower(&name);
                    if !w.pending.contains_key(&key) && ctx.organisation(&name, data.owner).is_none() {
                        let d = OrganisationDraft {
                            name: name.clone(),
                            kind: kind.as_str().into(),
                            owner: Some(data.owner),
                            ..Default::default()
                        }
                        .parse()
                        .map_err(StoreError::Invalid)?;
                        w.pending.insert(key.clone(), w.orgs.len());
                        w.orgs.push(d);
                    }
                    Some(key)
                }
                None => None,
            };
            match (duplicate, on_duplicate) {
                (Some(_), OnDuplicate::Skip) => result.skipped += 1,
                (Some(Duplicate { existing_id: Some(existing), .. }), OnDuplicate::Merge) => {
                    w.flush(&mut tx, &mut ctx, &mut result).await?;
                    let mut data = data;
                    if let Some(key) = &pending_org {
                        data.organisation = ctx.orgs.get(key).and_then(|l| l.first()).map(|(o, _)| *o);
                    }
                    let before = crate::people::load(&mut tx, scope, PersonId(existing)).await?;
                    let merged = import::merge(&before.data(), &data);
                    if merged != before.data() {
                        crate::people::update_in(&mut tx, actor, at, scope, before.id, before.version, &merged).await?;
                    }
                    result.merged += 1;
                }
                // A second row for someone earlier in the same file: merged
                // means "once", so it is skipped.
                (Some(_), OnDuplicate::Merge) => result.skipped += 1,
                (_, _) => {
                    w.people.push((data, pending_org));
                    if w.people.len() == CHUNK {
                        w.flush(&mut tx, &mut ctx, &mut result).await?;
                    }
                }
            }
            done += 1;
            if done.is_multiple_of(1000) {
                progress(done, total);
                if postgres {
                    self.note_progress(id, done).await;
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(FieldErrors(
                errors
                    .into_iter()
                    .take(LISTED)
                    .map(|e| keqing_core::validate::FieldError {
                        field: format!("row {} {}", e.row, e.column),
                        problem: Problem::InRow { value: e.value, problem: Box::new(e.problem) },
                    })
                    .collect(),
            )));
        }
        w.flush(&mut tx, &mut ctx, &mut result).await?;
        crate::search_keys::index_import(&mut tx, id).await?;
        progress(done, total);
        let summary = format!(
            "{file_name}: {} created, {} merged, {} skipped, {} organisations created",
            result.created, result.merged, result.skipped, result.organisations_created
        );
        let after = serde_json::json!({ "file": file_name, "result": result, "on_duplicate": on_duplicate });
        let entry = audit::NewEntry {
            action: keqing_core::audit::Action::Import,
            entity: "import_batch",
            entity_id: id.to_string(),
            owner: actor.user_id,
            summary,
            changes: keqing_core::audit::diff(&serde_json::Value::Null, &after),
        };
        audit::write(&mut tx, actor, at, entry).await?;
        run!(tx.exec(), |c| {
            sqlx::query(
                "UPDATE import_batch SET status = 'done', result = $1, rows_done = $2, content = NULL, updated_at = $3
                 WHERE import_batch_id = $4",
            )
            .bind(Json(&result))
            .bind(done as i64)
            .bind(now())
            .bind(id)
            .execute(c)
            .await
        })?;
        tx.commit().await?;
        if result.created + result.organisations_created >= LARGE_IMPORT {
            self.refresh_statistics().await;
        }
        Ok(result)
    }

    /// Tells the query planner about the archive's new size after a large
    /// import (PostgreSQL would plan searches as over empty tables until
    /// autovacuum's next visit). A failure here is logged, not an error:
    /// the import is already committed.
    async fn refresh_statistics(&self) {
        let sql = match &self.db {
            crate::db::Db::Sqlite(_) => "PRAGMA optimize",
            crate::db::Db::Postgres(_) => {
                "ANALYZE person, person_affiliation, person_search_key, organisation, organisation_search_key"
            }
        };
        let outcome = match self.db.conn().await {
            Ok(mut c) => run!(c.exec(), |c| sqlx::query(sql).execute(c).await).map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "could not refresh the planner's statistics after an import");
        }
    }

    /// Progress for other servers (PostgreSQL only: on SQLite the import's
    /// transaction holds the write lock).
    async fn note_progress(&self, id: i64, done: usize) {
        if let Ok(mut c) = self.db.conn().await {
            let _ = run!(c.exec(), |c| {
                sqlx::query("UPDATE import_batch SET rows_done = $1, updated_at = $2 WHERE import_batch_id = $3")
                    .bind(done as i64)
                    .bind(now())
                    .bind(id)
                    .execute(c)
                    .await
            });
        }
    }

    /// Drops uploaded files older than `before` that were never committed
    /// (they hold personal data), and fails imports left running by a
    /// server that stopped (their transaction rolled back).
    pub async fn purge_imports(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut c = self.db.conn().await?;
        let dropped = run!(c.exec(), |c| {
            sqlx::query("UPDATE import_batch SET content = NULL WHERE content IS NOT NULL AND status <> 'running' AND updated_at < $1")
                .bind(before)
                .execute(c)
                .await
        })?;
        run!(c.exec(), |c| {
            sqlx::query(
                "UPDATE import_batch SET status = 'failed', error = 'interrupted: the server stopped during the import; nothing was imported'
                 WHERE status = 'running' AND updated_at < $1",
            )
            .bind(before)
            .execute(c)
            .await
        })?;
        Ok(dropped)
    }
}

/// What a commit has yet to write: people, and the organisations they name
/// that do not exist yet.
struct Writer<'a> {
    batch: i64,
    at: DateTime<Utc>,
    rules: &'a keqing_core::classify::Rules,
    /// People, with the (lower-case) name of a pending organisation.
    people: Vec<(PersonData, Option<String>)>,
    orgs: Vec<keqing_core::model::OrganisationData>,
    /// Pending organisation name → index in `orgs`.
    pending: HashMap<String, usize>,
}

impl Writer<'_> {
    async fn flush(&mut self, tx: &mut Tx, ctx: &mut Context, result: &mut ImportResult) -> Result<()> {
        if !self.orgs.is_empty() {
            for chunk in self.orgs.chunks(ROWS_PER_STATEMENT) {
                for (key, id) in crate::organisations::insert_many(tx, self.at, self.batch, chunk, self.rules).await? {
                    let owner = self.orgs[self.pending[&key]].owner;
                    ctx.orgs.entry(key).or_default().push((id, owner));
                }
            }
            result.organisations_created += self.orgs.len();
            self.orgs.clear();
            self.pending.clear();
        }
        for (data, key) in &mut self.people {
            if let Some(k) = key.take() {
                data.organisation = ctx.orgs.get(&k).and_then(|l| l.first()).map(|(o, _)| *o);
            }
        }
        let people: Vec<PersonData> = self.people.drain(..).map(|(d, _)| d).collect();
        for part in people.chunks(ROWS_PER_STATEMENT) {
            result.created += insert_people(tx, part, self.at, self.batch).await?;
        }
        Ok(())
    }
}

/// Writes new people with one multi-row `INSERT` (their search keys are
/// written for the whole batch at the end).
async fn insert_people(tx: &mut Tx, people: &[PersonData], at: DateTime<Utc>, batch: i64) -> Result<usize> {
    if people.is_empty() {
        return Ok(0);
    }
    const COLUMNS: usize = 24;
    let mut sql = String::from(
        "INSERT INTO person (name, gender, phone, other_phones, wechat, qq, email, address, organisation_id, position,
         birthday, interests, tastes, gift_preferences, taboos, how_we_met, info_source, legal_basis, notes, owner_user_id,
         created_at, updated_at, name_pinyin, import_batch_id) VALUES ",
    );
    for i in 0..people.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i * COLUMNS + c + 1));
        }
        sql.push(')');
    }
    let pinyin: Vec<String> = people.iter().map(|d| search::pinyin(&d.name)).collect();
    let n = run!(tx.exec(), |c| {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (d, pinyin) in people.iter().zip(&pinyin) {
            q = q
                .bind(&d.name)
                .bind(d.gender.as_str())
                .bind(&d.phone)
                .bind(Json(&d.other_phones))
                .bind(&d.wechat)
                .bind(&d.qq)
                .bind(&d.email)
                .bind(&d.address)
                .bind(d.organisation.map(|o| o.0))
                .bind(&d.position)
                .bind(d.birthday.map(|b| b.display()))
                .bind(&d.interests)
                .bind(&d.tastes)
                .bind(&d.gift_preferences)
                .bind(&d.taboos)
                .bind(&d.how_we_met)
                .bind(&d.info_source)
                .bind(d.legal_basis.map(|l| l.as_str()))
                .bind(&d.notes)
                .bind(d.owner.0)
                .bind(at)
                .bind(at)
                .bind(pinyin)
                .bind(batch);
        }
        q.execute(c).await
    })?;
    Ok(n as usize)
}

/// Records an import must create before the planner's statistics are
/// refreshed.
const LARGE_IMPORT: usize = 1_000;

impl Store {
    /// The encoding and mapping of a batch's last preview (what a commit uses).
    pub async fn batch_options(&self, id: i64) -> Result<ImportOptions> {
        let mut c = self.db.conn().await?;
        let (encoding, mapping): (Option<String>, Json<Vec<Option<String>>>) = exec!(c.exec(), |c| {
            sqlx::query_as("SELECT encoding, mapping FROM import_batch WHERE import_batch_id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?
        .ok_or(StoreError::NotFound)?;
        Ok(ImportOptions {
            encoding: encoding.and_then(|e| Encoding::parse(&e).ok().flatten()),
            mapping: Some(mapping.0.iter().map(|m| m.as_deref().and_then(Column::parse)).collect()),
        })
    }
}

impl Store {
    /// The latest batches of an uploader (all uploaders: `None`), newest first.
    pub async fn recent_imports(&self, uploader: Option<UserId>, limit: i64) -> Result<Vec<Batch>> {
        let mut c = self.db.conn().await?;
        let ids: Vec<i64> = exec!(c.exec(), |c| {
            sqlx::query_scalar(
                "SELECT import_batch_id FROM import_batch WHERE ($1 IS NULL OR created_by = $1)
                 ORDER BY import_batch_id DESC LIMIT $2",
            )
            .bind(uploader.map(|u| u.0))
            .bind(limit)
            .fetch_all(c)
            .await
        })?;
        drop(c);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.import_batch(id, None).await?);
        }
        Ok(out)
    }
}
