//! The private calendar feed: `/ical/<secret>.ics` for phone calendars to
//! subscribe to (no login: the secret is the key), and `/account/ical` to
//! create, replace or revoke it.

use super::{Chrome, render};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::Permission;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/ical/{file}", get(feed))
        .route("/account/ical", get(page).post(create))
        .route("/account/ical/revoke", post(revoke))
}

/// The feed. Unknown or revoked secrets are 404, like any missing page.
async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let secret = file.strip_suffix(".ics").ok_or(Error::NotFound)?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    let user = state.store.ical_feed_user(secret).await?.ok_or(Error::NotFound)?;
    if !user.roles.can(Permission::ReadCustomers) {
        return Err(Error::NotFound);
    }
    let zh = user.locale.as_deref() != Some("en");
    let body = crate::agenda::ical(&state, &user, zh).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=900")],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "ical.html")]
struct IcalPage {
    c: Chrome,
    since: Option<String>,
    url: Option<String>,
}

/// The feed's address as the browser reached this server.
pub(crate) fn feed_url(state: &AppState, headers: &HeaderMap, secret: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = if state.settings.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/ical/{secret}.ics")
}

async fn page(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let since = state.store.ical_feed_created(auth.user.id).await?.map(|t| t.format("%Y-%m-%d").to_string());
    render(&IcalPage { c: Chrome::new(&auth.ctx), since, url: None })
}

async fn create(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let secret = state.store.create_ical_feed(&auth.actor(), auth.user.id).await?;
    render(&IcalPage {
        c: Chrome::new(&auth.ctx),
        since: Some(state.today().to_string()),
        url: Some(feed_url(&state, &headers, &secret)),
    })
}

async fn revoke(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    state.store.revoke_ical_feed(&auth.actor(), auth.user.id).await?;
    Ok(Redirect::to("/account/ical").into_response())
}
