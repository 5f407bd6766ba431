//! The greeting page: a draft written for one person, editable, with the
//! copy-paste guard; "sent" logs the message and completes the Today item.

use super::{Chrome, render};
use crate::AppState;
use crate::api::greetings::{GREETINGS, GreetingIn, draft_for, guard_person, send_greeting};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use keqing_core::PersonId;
use keqing_core::greeting::GreetingRules;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/greetings", get(page).post(send))
}

#[derive(Template)]
#[template(path = "greeting.html")]
struct GreetingPage {
    c: Chrome,
    person_id: i64,
    person_name: String,
    key: String,
    occasion: String,
    text: String,
    similar_sent: usize,
    warn: bool,
    /// The guard stopped a send: offer "send anyway".
    blocked: bool,
    error: String,
}

#[derive(Deserialize)]
struct PageQuery {
    person_id: i64,
    #[serde(default)]
    key: String,
    #[serde(default)]
    occasion: String,
}

async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<PageQuery>) -> Result<Response> {
    let d = draft_for(&state, &auth, PersonId(q.person_id), Some(&q.key), Some(&q.occasion)).await?;
    let scope = auth.customer_scope(&state).await?;
    let person = state.store.person(&scope, PersonId(q.person_id)).await?;
    render(&GreetingPage {
        c: Chrome::new(&auth.ctx),
        person_id: q.person_id,
        person_name: person.name,
        key: q.key,
        occasion: d.occasion,
        text: d.text,
        similar_sent: d.similar_sent,
        warn: d.warn,
        blocked: false,
        error: String::new(),
    })
}

#[derive(Deserialize)]
struct SendForm {
    person_id: i64,
    #[serde(default)]
    key: String,
    #[serde(default)]
    occasion: String,
    text: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    confirm: String,
}

async fn send(State(state): State<AppState>, auth: Auth, Form(f): Form<SendForm>) -> Result<Response> {
    let input = GreetingIn {
        person_id: f.person_id,
        text: f.text.clone(),
        channel: Some(f.channel.clone()),
        agenda_key: Some(f.key.clone()),
        occasion: Some(f.occasion.clone()),
        confirm: f.confirm == "1",
    };
    match send_greeting(&state, &auth, &input).await {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(Error::Validation(e)) => {
            let scope = auth.customer_scope(&state).await?;
            let person = state.store.person(&scope, PersonId(f.person_id)).await?;
            let blocked = e.get("text") == Some(&keqing_core::Problem::Rule { rule: "copy_paste" });
            let error = super::FormErrors::from(auth.ctx.lang, &e)
                .all()
                .iter()
                .map(|(_, m)| m.clone())
                .collect::<Vec<_>>()
                .join("；");
            let mut page = GreetingPage {
                c: Chrome::new(&auth.ctx),
                person_id: f.person_id,
                person_name: person.name,
                key: f.key,
                occasion: f.occasion,
                text: f.text,
                similar_sent: 0,
                warn: blocked,
                blocked,
                error,
            };
            if blocked {
                let rules = state.store.setting::<GreetingRules>(GREETINGS).await?.value;
                let facts = state.store.greeting_facts(&scope, PersonId(f.person_id)).await?;
                page.similar_sent = guard_person(&state, &auth, &rules, &facts, &page.text).await?;
            }
            let mut resp = render(&page)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}
