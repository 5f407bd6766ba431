//! The home page. (The rep's "Today" agenda replaces its body once the
//! interactions and cadence rules exist.)

use super::{Chrome, render};
use crate::AppState;
use crate::auth::Auth;
use crate::error::Result;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use keqing_core::Permission;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    display_name: String,
    roles: Vec<&'static str>,
    team: Option<String>,
    organisations: i64,
    people: i64,
    failed_jobs: Option<i64>,
    /// A holiday year the admin should import (from 1 November: next year).
    year_to_import: Option<i32>,
}

async fn home(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    let c = Chrome::new(&auth.ctx);
    let scope = auth.customer_scope(&state).await?;
    let (_, organisations) = state.store.list_organisations(&scope, &Default::default(), 1, 0).await?;
    let (_, people) = state.store.list_people(&scope, &Default::default(), 1, 0).await?;
    let team = match auth.user.team_id {
        Some(t) => Some(state.store.team(t).await?.name),
        None => None,
    };
    let failed_jobs = if auth.can(Permission::ManageUsers) {
        Some(state.store.job_counts().await?.1).filter(|n| *n > 0)
    } else {
        None
    };
    let year_to_import = if auth.can(Permission::ManageReferenceData) {
        state.calendar().await?.year_to_import(state.today())
    } else {
        None
    };
    let roles = auth.user.roles.iter().map(|r| c.role_label(r.as_str())).collect();
    render(&HomePage {
        display_name: auth.user.display_name.clone(),
        roles,
        team,
        organisations,
        people,
        failed_jobs,
        year_to_import,
        c,
    })
}
