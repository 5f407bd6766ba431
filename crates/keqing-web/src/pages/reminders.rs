//! My reminders: where the daily digest goes (e-mail, WeCom, DingTalk, a
//! webhook), when, the quiet hours, and what the outbox did lately.

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::reminders::{RemindersIo, save};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Form;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use keqing_core::Permission;
use keqing_store::outbox::OutboxEntry;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/account/reminders", get(page).post(submit))
}

#[derive(Template)]
#[template(path = "reminders.html")]
struct RemindersPage {
    c: Chrome,
    form: RemindersIo,
    errors: FormErrors,
    outbox: Vec<OutboxEntry>,
}

async fn show(state: &AppState, auth: &Auth, form: RemindersIo, errors: FormErrors) -> Result<Response> {
    let outbox = state.store.messages_of(auth.user.id, 10).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&RemindersPage { c: Chrome::new(&auth.ctx), form, errors, outbox })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn page(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let (p, v) = state.store.notification_prefs(auth.user.id).await?;
    let form = RemindersIo {
        version: v,
        channel: p.channel.map(|c| c.as_str().to_owned()),
        target: p.target,
        secret: p.secret.map(|_| "•••".to_owned()),
        digest_at: p.digest_at.format("%H:%M").to_string(),
        quiet_from: p.quiet_from.format("%H:%M").to_string(),
        quiet_until: p.quiet_until.format("%H:%M").to_string(),
    };
    show(&state, &auth, form, FormErrors::default()).await
}

#[derive(Deserialize)]
struct PrefsForm {
    version: i64,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    digest_at: String,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_until: String,
}

async fn submit(State(state): State<AppState>, auth: Auth, Form(f): Form<PrefsForm>) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let input = RemindersIo {
        version: f.version,
        channel: Some(f.channel).filter(|c| !c.trim().is_empty()),
        target: f.target,
        secret: Some(f.secret).filter(|s| !s.trim().is_empty()),
        digest_at: f.digest_at,
        quiet_from: f.quiet_from,
        quiet_until: f.quiet_until,
    };
    match save(&state, &auth, &input).await {
        Ok(_) => Ok(Redirect::to("/account/reminders").into_response()),
        Err(Error::Validation(e)) => show(&state, &auth, input, FormErrors::from(auth.ctx.lang, &e)).await,
        Err(e) => Err(e),
    }
}
