//! Import and export pages: upload a file, check the preview (columns,
//! every row error, duplicates, new organisations), choose what to do with
//! duplicates, import with a progress bar; download CSV, xlsx or vCard.

use super::customers::Choice;
use super::{Chrome, render};
use crate::AppState;
use crate::api::import::{batch, encoding, preview_upload, start, uploader};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Path;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::Permission;
use keqing_core::import::{Column, OnDuplicate, RowError};

use keqing_store::import::{Batch, ImportOptions, Preview};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(page).post(upload).layer(DefaultBodyLimit::max(crate::api::import::MAX_FILE_BYTES)))
        .route("/import/{id}", get(show))
        .route("/import/{id}/preview", post(remap))
        .route("/import/{id}/commit", post(commit))
        .route("/import/{id}/progress", get(progress))
}

#[derive(Template)]
#[template(path = "import.html")]
struct Page {
    c: Chrome,
    recent: Vec<Batch>,
    can_write: bool,
    error: Option<String>,
}

impl Page {
    fn status_label(&self, status: &str) -> &'static str {
        self.c.t(&format!("import.status_{status}"))
    }
}

async fn page(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    page_with(&state, &auth, None).await
}

async fn page_with(state: &AppState, auth: &Auth, error: Option<String>) -> Result<Response> {
    let can_write = auth.can(Permission::WriteCustomers);
    let recent = if can_write { state.store.recent_imports(Some(auth.user.id), 10).await? } else { Vec::new() };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut resp = render(&Page { c: Chrome::new(&auth.ctx), recent, can_write, error })?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// An error as one line for the page.
fn say(auth: &Auth, e: &Error) -> String {
    match e {
        Error::Validation(fe) => {
            fe.0.iter().map(|f| crate::i18n::problem(auth.ctx.lang, &f.problem)).collect::<Vec<_>>().join("；")
        }
        _ => auth.ctx.lang.t("error.bad_request").to_owned(),
    }
}

async fn upload(State(state): State<AppState>, auth: Auth, mut form: Multipart) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let mut bytes = Vec::new();
    let mut name = String::from("upload");
    let mut enc = String::new();
    while let Some(field) =
        form.next_field().await.map_err(|e| Error::BadRequest { field: None, detail: e.body_text() })?
    {
        match field.name().unwrap_or("") {
            "encoding" => enc = field.text().await.unwrap_or_default(),
            "file" => {
                if let Some(n) = field.file_name().filter(|n| !n.is_empty()) {
                    name = n.chars().take(200).collect();
                }
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Error::BadRequest { field: Some("file".into()), detail: e.body_text() })?
                    .to_vec();
            }
            _ => {}
        }
    }
    let result = async {
        let enc = encoding(Some(&enc))?;
        preview_upload(&state, &auth, &name, &bytes, enc).await
    }
    .await;
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/import/{}", p.batch_id)).into_response()),
        Err(e @ Error::Validation(_)) => page_with(&state, &auth, Some(say(&auth, &e))).await,
        Err(e) => Err(e),
    }
}

/// A row error with its message in the page's language.
struct ErrorLine {
    e: RowError,
    message: String,
}

#[derive(Template)]
#[template(path = "import_batch.html")]
struct BatchPage {
    c: Chrome,
    b: Batch,
    p: Option<Preview>,
    errors: Vec<ErrorLine>,
    file_problem: Option<String>,
    columns: Vec<Choice>,
    encodings: Vec<Choice>,
    percent: i64,
}

impl BatchPage {
    fn mapped(&self, i: &usize, value: &str) -> bool {
        self.p
            .as_ref()
            .and_then(|p| p.mapping.get(*i).copied().flatten())
            .map_or(value.is_empty(), |c| c.as_str() == value)
    }
    fn is_encoding(&self, value: &str) -> bool {
        self.p.as_ref().and_then(|p| p.encoding).map_or(value == "auto", |e| e.as_str() == value)
    }
    fn by(&self, d: &keqing_store::import::Duplicate) -> &'static str {
        match d.by {
            keqing_store::import::DuplicateBy::Phone => self.c.t("import.by_phone"),
            keqing_store::import::DuplicateBy::NameAndOrganisation => self.c.t("import.by_name"),
        }
    }
}

fn percent(b: &Batch) -> i64 {
    if b.rows_total > 0 { (b.rows_done * 100 / b.rows_total).clamp(0, 100) } else { 0 }
}

async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    let b = batch(&state, &auth, id).await?;
    let mut p = None;
    if b.status == "previewed" || b.status == "failed" {
        let scope = auth.customer_scope(&state).await?;
        let options = state.store.batch_options(id).await?;
        // The file is gone after a day: the batch page still says what happened.
        match state.store.repreview(id, &scope, auth.user.id, &options).await {
            Ok(preview) => p = Some(preview),
            Err(keqing_store::StoreError::Invalid(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let b = batch(&state, &auth, id).await?;
    batch_page(&auth, b, p)
}

fn batch_page(auth: &Auth, b: Batch, p: Option<Preview>) -> Result<Response> {
    let lang = auth.ctx.lang;
    let errors = p
        .as_ref()
        .map(|p| {
            p.errors
                .iter()
                .map(|e| ErrorLine { message: crate::i18n::problem(lang, &e.problem), e: e.clone() })
                .collect()
        })
        .unwrap_or_default();
    let file_problem = p.as_ref().and_then(|p| p.file_problem.as_ref()).map(|x| crate::i18n::problem(lang, x));
    let columns = Column::ALL
        .iter()
        .map(|c| Choice { value: c.as_str().to_owned(), label: lang.t(&format!("column.{}", c.as_str())).to_owned() })
        .collect();
    let encodings =
        [("auto", "import.auto"), ("utf-8", "import.utf8"), ("gbk", "import.gbk"), ("utf-16", "import.utf16")]
            .iter()
            .map(|(v, k)| Choice { value: (*v).to_owned(), label: lang.t(k).to_owned() })
            .collect();
    let percent = percent(&b);
    render(&BatchPage { c: Chrome::new(&auth.ctx), b, p, errors, file_problem, columns, encodings, percent })
}

/// Re-reads the file with the encoding and columns chosen on the page
/// (`encoding`, `map.0`, `map.1` …).
async fn remap(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>, body: String) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    state.store.import_batch(id, uploader(&auth)).await?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let enc = pairs.iter().find(|(k, _)| k == "encoding").map(|(_, v)| v.as_str());
    let mut mapping: Vec<Option<Column>> = Vec::new();
    for (k, v) in &pairs {
        if let Some(i) = k.strip_prefix("map.").and_then(|i| i.parse::<usize>().ok())
            && i < 1000
        {
            if mapping.len() <= i {
                mapping.resize(i + 1, None);
            }
            mapping[i] = Column::parse(v);
        }
    }
    let options = ImportOptions { encoding: encoding(enc)?, mapping: Some(mapping) };
    let scope = auth.customer_scope(&state).await?;
    let p = state.store.repreview(id, &scope, auth.user.id, &options).await?;
    let b = batch(&state, &auth, id).await?;
    batch_page(&auth, b, Some(p))
}

async fn commit(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>, body: String) -> Result<Response> {
    let on = form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "on_duplicate").map(|(_, v)| v.into_owned());
    let on = OnDuplicate::parse(on.as_deref().unwrap_or(""))
        .map_err(|p| Error::Validation(keqing_core::validate::FieldErrors::one("on_duplicate", p)))?;
    start(&state, &auth, id, on).await?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressFragment {
    c: Chrome,
    b: Batch,
    percent: i64,
}

/// The progress bar (htmx polls it every second while the import runs).
async fn progress(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    let b = batch(&state, &auth, id).await?;
    let percent = percent(&b);
    let fragment = ProgressFragment { c: Chrome::new(&auth.ctx), b, percent };
    Ok(Html(fragment.render().map_err(|e| Error::Internal(e.into()))?).into_response())
}
