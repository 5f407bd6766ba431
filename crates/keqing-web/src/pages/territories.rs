//! Sales territories (admin): a name, the regions they group, the manager
//! responsible and the reps assigned.

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
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, UserId};
use keqing_store::regions::{Territory, TerritoryData};
use keqing_store::users::User;

use crate::extract::Path;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/territories", get(list).post(create))
        .route("/admin/territories/{id}", get(edit).post(save))
        .route("/admin/territories/{id}/delete", post(delete))
}

/// A territory with its names resolved.
struct Row {
    t: Territory,
    regions: Vec<String>,
    manager: String,
    members: Vec<String>,
}

#[derive(Template)]
#[template(path = "territories.html")]
struct Page {
    c: Chrome,
    rows: Vec<Row>,
    users: Vec<User>,
    /// The territory being edited (`None`: the new-territory form).
    editing: Option<i64>,
    version: i64,
    name: String,
    regions: String,
    manager: Option<i64>,
    members: Vec<i64>,
    errors: FormErrors,
}

impl Page {
    fn is_manager(&self, u: &UserId) -> bool {
        self.manager == Some(u.0)
    }
    fn is_member(&self, u: &UserId) -> bool {
        self.members.contains(&u.0)
    }
}

/// The form's values: (id, version, name, region codes text, manager, members).
type Values = (Option<i64>, i64, String, String, Option<i64>, Vec<i64>);

async fn page_with(state: &AppState, auth: &Auth, v: Values, errors: FormErrors) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let users: Vec<User> = state.store.list_users().await?.into_iter().filter(|u| u.disabled_at.is_none()).collect();
    let name_of = |id: i64| {
        users.iter().find(|u| u.id.0 == id).map(|u| u.display_name.clone()).unwrap_or_else(|| format!("#{id}"))
    };
    let mut rows = Vec::new();
    for t in state.store.list_territories().await? {
        let mut regions = Vec::new();
        for code in &t.regions {
            let path = state.store.region_path(code).await.unwrap_or_default();
            regions.push(path.last().map_or_else(|| code.clone(), |r| r.name.clone()));
        }
        rows.push(Row {
            manager: t.manager_user_id.map(name_of).unwrap_or_default(),
            members: t.members.iter().map(|m| name_of(*m)).collect(),
            regions,
            t,
        });
    }
    let (editing, version, name, regions, manager, members) = v;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&Page {
        c: Chrome::new(&auth.ctx),
        rows,
        users,
        editing,
        version,
        name,
        regions,
        manager,
        members,
        errors,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn list(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    page_with(&state, &auth, (None, 0, String::new(), String::new(), None, Vec::new()), FormErrors::default()).await
}

async fn edit(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let t = state.store.territory(id).await?;
    let v = (Some(id), t.version, t.name, t.regions.join(" "), t.manager_user_id, t.members);
    page_with(&state, &auth, v, FormErrors::default()).await
}

/// Reads the form; on problems, the values to show again.
fn read(body: &str) -> (Values, std::result::Result<TerritoryData, FieldErrors>) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let name = get("name");
    let regions_text = get("regions");
    let manager = get("manager_user_id").trim().parse::<i64>().ok();
    let members: Vec<i64> = pairs.iter().filter(|(k, _)| k == "member").filter_map(|(_, v)| v.parse().ok()).collect();
    let version = get("version").trim().parse().unwrap_or(0);
    let mut e = FieldErrors::default();
    let valid_name = e.take("name", validate::required_line(&name, limits::NAME));
    let regions: Vec<String> = regions_text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if regions.len() > 500 {
        e.push("regions", Problem::Rule { rule: "too_many" });
    }
    let values = (None, version, name, regions_text, manager, members.clone());
    match valid_name {
        Some(name) if e.is_empty() => (
            values,
            Ok(TerritoryData {
                name,
                manager: manager.map(UserId),
                regions,
                members: members.into_iter().map(UserId).collect(),
            }),
        ),
        _ => (values, Err(e)),
    }
}

async fn create(State(state): State<AppState>, auth: Auth, body: String) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let (values, data) = read(&body);
    let result = match data {
        Ok(d) => state.store.create_territory(&auth.actor(), &d).await.map(|_| ()).map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    finish(&state, &auth, values, result).await
}

async fn save(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>, body: String) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let (mut values, data) = read(&body);
    values.0 = Some(id);
    let result = match data {
        Ok(d) => state.store.update_territory(&auth.actor(), id, values.1, &d).await.map(|_| ()).map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    finish(&state, &auth, values, result).await
}

async fn finish(state: &AppState, auth: &Auth, values: Values, result: Result<()>) -> Result<Response> {
    match result {
        Ok(()) => Ok(Redirect::to("/admin/territories").into_response()),
        Err(Error::Validation(e)) => page_with(state, auth, values, FormErrors::from(auth.ctx.lang, &e)).await,
        Err(Error::Conflict { .. }) => {
            let e = FieldErrors::one("version", Problem::Rule { rule: "edited_meanwhile" });
            page_with(state, auth, values, FormErrors::from(auth.ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    state.store.delete_territory(&auth.actor(), id).await?;
    Ok(Redirect::to("/admin/territories").into_response())
}
