//! Orphans (认养孤儿): customers whose rep's account is disabled, shown to
//! their manager, who gives them to another rep singly or in bulk. The
//! history stays with the customer; every move is audited.

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, PersonId, UserId};
use keqing_store::organisations::{Organisation, OrganisationFilter};
use keqing_store::people::{Person, PersonFilter};
use keqing_store::users::User;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/orphans", get(page)).route("/orphans/reassign", post(reassign))
}

#[derive(Template)]
#[template(path = "orphans.html")]
struct Page {
    c: Chrome,
    orgs: Vec<Organisation>,
    org_total: i64,
    /// Orphaned people not at an orphaned organisation (those move with it).
    people: Vec<Person>,
    owners: Vec<User>,
    errors: FormErrors,
}

const SHOWN: i64 = 500;

async fn page_with(state: &AppState, auth: &Auth, errors: FormErrors) -> Result<Response> {
    auth.require(Permission::ReassignCustomers)?;
    let scope = auth.customer_scope(state).await?;
    let (orgs, org_total) = state
        .store
        .list_organisations(&scope, &OrganisationFilter { orphans: true, ..Default::default() }, SHOWN, 0)
        .await?;
    let (people, _) =
        state.store.list_people(&scope, &PersonFilter { orphans: true, ..Default::default() }, SHOWN, 0).await?;
    let people = people
        .into_iter()
        .filter(|p| !p.organisation_id.is_some_and(|o| orgs.iter().any(|x| x.id == o && x.owner_id == p.owner_id)))
        .collect();
    let owners = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none() && scope.contains(u.id) && u.roles.can(Permission::WriteCustomers))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&Page { c: Chrome::new(&auth.ctx), orgs, org_total, people, owners, errors })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn page(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    page_with(&state, &auth, FormErrors::default()).await
}

/// The form: repeated `org` and `person` checkboxes, one `owner_id`.
async fn reassign(State(state): State<AppState>, auth: Auth, body: String) -> Result<Response> {
    auth.require(Permission::ReassignCustomers)?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let ids = |key: &str| -> Vec<i64> {
        pairs.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.parse().ok()).collect()
    };
    let orgs: Vec<OrganisationId> = ids("org").into_iter().map(OrganisationId).collect();
    let people: Vec<PersonId> = ids("person").into_iter().map(PersonId).collect();
    let owner = pairs.iter().find(|(k, _)| k == "owner_id").and_then(|(_, v)| v.parse::<i64>().ok());
    let with_people = pairs.iter().any(|(k, v)| k == "with_people" && v == "on");
    let mut e = FieldErrors::default();
    if owner.is_none() {
        e.push("owner_id", Problem::Required);
    }
    if orgs.is_empty() && people.is_empty() {
        e.push("ids", Problem::Required);
    }
    let Some(owner) = owner.filter(|_| e.is_empty()) else {
        return page_with(&state, &auth, FormErrors::from(auth.ctx.lang, &e)).await;
    };
    let scope = auth.customer_scope(&state).await?;
    // Two steps, each atomic; a failure of the second leaves the first done
    // and the page shows what is still orphaned.
    let result = async {
        if !orgs.is_empty() {
            state.store.reassign_organisations(&auth.actor(), &scope, &orgs, UserId(owner), with_people).await?;
        }
        if !people.is_empty() {
            state.store.reassign_people(&auth.actor(), &scope, &people, UserId(owner)).await?;
        }
        Ok::<(), keqing_store::StoreError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/orphans?done=1").into_response()),
        Err(keqing_store::StoreError::Invalid(fe)) => {
            page_with(&state, &auth, FormErrors::from(auth.ctx.lang, &fe)).await
        }
        Err(other) => Err(Error::from(other)),
    }
}
