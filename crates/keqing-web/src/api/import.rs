//! Importing people from CSV (UTF-8, GBK, UTF-16) or Excel: upload for a
//! preview, adjust encoding or columns, then commit — all rows or none. The
//! commit runs in the background; poll the batch for progress.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use keqing_core::import::{Column, OnDuplicate};
use keqing_core::table::Encoding;
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{Permission, UserId};
use keqing_store::import::{Batch, CommitPlan, ImportOptions, Preview};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The largest file the web accepts (the command line has no limit).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// `?file_name=&encoding=` of an upload.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (for the record).
    pub file_name: Option<String>,
    /// `auto` (default), `utf-8`, `gbk` or `utf-16` (CSV only).
    pub encoding: Option<String>,
}

/// Another look at an uploaded file.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RepreviewIn {
    /// `auto`, `utf-8`, `gbk`, `utf-16`.
    pub encoding: Option<String>,
    /// The column each header is read as, in header order: a column id
    /// (`name`, `phone`, `organisation` …) or null to ignore the header.
    pub mapping: Option<Vec<Option<String>>>,
}

/// Committing a previewed file.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitIn {
    /// What to do with rows matching someone already there: `skip`
    /// (default), `merge` (fill their empty fields) or `create`.
    pub on_duplicate: Option<String>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES))
        .routes(routes!(repreview))
        .routes(routes!(commit))
        .routes(routes!(status))
}

/// Parses an encoding choice, naming the field.
pub(crate) fn encoding(text: Option<&str>) -> Result<Option<Encoding>> {
    Encoding::parse(text.unwrap_or("")).map_err(|p| Error::Validation(FieldErrors::one("encoding", p)))
}

/// Parses a mapping (column ids or null), naming the bad element.
pub(crate) fn mapping(list: &[Option<String>]) -> Result<Vec<Option<Column>>> {
    let mut e = FieldErrors::default();
    let out = list
        .iter()
        .enumerate()
        .map(|(i, m)| match m.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(id) => {
                let c = Column::parse(id);
                if c.is_none() {
                    e.push(
                        format!("mapping[{i}]"),
                        Problem::NotOneOf { allowed: Column::ALL.iter().map(|c| c.as_str().to_owned()).collect() },
                    );
                }
                c
            }
        })
        .collect();
    if e.is_empty() { Ok(out) } else { Err(Error::Validation(e)) }
}

/// Who may see a batch: its uploader, or an admin.
pub(crate) fn uploader(auth: &Auth) -> Option<UserId> {
    if auth.can(Permission::ManageUsers) { None } else { Some(auth.user.id) }
}

/// Stores and previews a file: nothing is imported yet.
pub(crate) async fn preview_upload(
    state: &AppState,
    auth: &Auth,
    file_name: &str,
    bytes: &[u8],
    encoding: Option<Encoding>,
) -> Result<Preview> {
    auth.require(Permission::WriteCustomers)?;
    if bytes.is_empty() {
        return Err(Error::Validation(FieldErrors::one("file", Problem::Required)));
    }
    let scope = auth.customer_scope(state).await?;
    let options = ImportOptions { encoding, mapping: None };
    Ok(state.store.preview_import(Some(auth.user.id), &scope, auth.user.id, file_name, bytes, &options).await?)
}

/// Uploads a people file (the raw bytes: CSV or xlsx) and previews it:
/// the columns matched, every row error (row, column, value, reason), the
/// duplicates and the organisations that would be created. Nothing is
/// imported until the batch is committed.
#[utoipa::path(post, path = "/api/v1/import/people", tag = "import", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "A CSV file (UTF-8, GBK or UTF-16) or an xlsx workbook (send it as application/octet-stream); at most 64 MiB"),
    responses((status = 200, body = Object, description = "The preview"), (status = 413, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<axum::Json<Preview>> {
    let name = q.file_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("upload");
    let name: String = name.chars().take(200).collect();
    let enc = encoding(q.encoding.as_deref())?;
    Ok(axum::Json(preview_upload(&state, &auth, &name, &body, enc).await?))
}

/// Previews an uploaded file again with another encoding or column mapping.
#[utoipa::path(post, path = "/api/v1/import/{id}/preview", tag = "import", params(("id" = i64, Path)), request_body = RepreviewIn,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn repreview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RepreviewIn>,
) -> Result<axum::Json<Preview>> {
    auth.require(Permission::WriteCustomers)?;
    state.store.import_batch(id, uploader(&auth)).await?;
    let options = ImportOptions {
        encoding: encoding(input.encoding.as_deref())?,
        mapping: input.mapping.as_deref().map(mapping).transpose()?,
    };
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.repreview(id, &scope, auth.user.id, &options).await?))
}

/// Starts importing a previewed batch in the background (refused while its
/// preview shows errors); poll `GET /api/v1/import/{id}`.
pub(crate) async fn start(state: &AppState, auth: &Auth, id: i64, on_duplicate: OnDuplicate) -> Result<Batch> {
    auth.require(Permission::WriteCustomers)?;
    let who = uploader(auth);
    state.store.import_batch(id, who).await?;
    let preview = state.store.import_preview(id, who).await?;
    let errors = preview["error_count"].as_u64().unwrap_or(0);
    if errors > 0 || !preview["file_problem"].is_null() {
        return Err(Error::Validation(FieldErrors::one("batch", Problem::Rule { rule: "import_has_errors" })));
    }
    let scope = auth.customer_scope(state).await?;
    let options = state.store.batch_options(id).await?;
    state.store.start_import(id, who, on_duplicate).await?;
    let (actor, owner, task_state) = (auth.actor(), auth.user.id, state.clone());
    state.set_import_progress(id, 0, preview["valid_rows"].as_u64().unwrap_or(0) as usize);
    tokio::spawn(async move {
        let progress_state = task_state.clone();
        let progress = move |done: usize, total: usize| progress_state.set_import_progress(id, done, total);
        let plan = CommitPlan { batch: id, scope, default_owner: owner, options, on_duplicate };
        let outcome = task_state.store.commit_import(&actor, &plan, &progress).await;
        if let Err(e) = outcome {
            tracing::warn!(batch = id, error = %e, "import failed; nothing was written");
        }
        task_state.clear_import_progress(id);
    });
    Ok(state.store.import_batch(id, who).await?)
}

/// Imports a previewed batch: every row or none. Answers at once (202);
/// the import runs in the background.
#[utoipa::path(post, path = "/api/v1/import/{id}/commit", tag = "import", params(("id" = i64, Path)), request_body = CommitIn,
    responses((status = 202, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn commit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<CommitIn>,
) -> Result<(StatusCode, axum::Json<Batch>)> {
    let on = OnDuplicate::parse(input.on_duplicate.as_deref().unwrap_or(""))
        .map_err(|p| Error::Validation(FieldErrors::one("on_duplicate", p)))?;
    Ok((StatusCode::ACCEPTED, axum::Json(start(&state, &auth, id, on).await?)))
}

/// A batch with the progress of a running import.
pub(crate) async fn batch(state: &AppState, auth: &Auth, id: i64) -> Result<Batch> {
    auth.require(Permission::WriteCustomers)?;
    let mut b = state.store.import_batch(id, uploader(auth)).await?;
    if b.status == "running"
        && let Some((done, total)) = state.import_progress(id)
    {
        b.rows_done = done as i64;
        b.rows_total = total as i64;
    }
    Ok(b)
}

/// A batch: `previewed`, `running` (with rows done of rows total), `done`
/// (with what it did) or `failed` (with why; nothing was written).
#[utoipa::path(get, path = "/api/v1/import/{id}", tag = "import", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn status(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<axum::Json<Batch>> {
    Ok(axum::Json(batch(&state, &auth, id).await?))
}
