//! User and team administration (admin only).

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::teams::team_name;
use crate::api::users::{guard_last_admin, user_changes};
use crate::auth::{Auth, hash_password};
use crate::error::{Error, Result};
use crate::extract::{Form, Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::model::UserDraft;
use keqing_core::model::user::parse_roles;
use keqing_core::validate::FieldErrors;
use keqing_core::{Permission, Role, TeamId, UserId};
use keqing_store::secrets;
use keqing_store::teams::{Team, TeamData};
use keqing_store::users::User;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}", get(edit_user).post(save_user))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/users/{id}/reset-password", post(reset_password))
        .route("/admin/teams", get(teams).post(create_team))
        .route("/admin/teams/{id}", post(save_team))
        .route("/admin/teams/{id}/delete", post(delete_team))
}

/// A role checkbox on a form.
struct RoleChoice {
    id: &'static str,
    checked: bool,
}

fn role_choices(user: Option<&User>, picked: &[String]) -> Vec<RoleChoice> {
    Role::ALL
        .iter()
        .map(|r| RoleChoice {
            id: r.as_str(),
            checked: user.is_some_and(|u| u.roles.has(*r)) || picked.iter().any(|p| p == r.as_str()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<User>,
    teams: Vec<Team>,
    roles: Vec<RoleChoice>,
    form: NewUserForm,
    errors: FormErrors,
    created: Option<(String, String)>,
}

impl UsersPage {
    fn team_name(&self, id: &Option<TeamId>) -> String {
        id.and_then(|t| self.teams.iter().find(|x| x.id == t.0)).map(|t| t.name.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    team_id: String,
}

/// Parses a `<select>` value: "" is none.
fn optional_id(field: &str, v: &str) -> Result<Option<i64>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| {
        Error::Validation(FieldErrors::one(field, keqing_core::validate::Problem::Invalid { expected: "integer" }))
    })
}

/// Repeated form fields (`role=rep&role=manager`) are not a struct's job:
/// read them from the raw body.
fn roles_from(body: &str) -> Vec<String> {
    form_urlencoded::parse(body.as_bytes()).filter(|(k, _)| k == "role").map(|(_, v)| v.into_owned()).collect()
}

async fn users_page(
    state: &AppState,
    auth: &Auth,
    form: NewUserForm,
    picked: Vec<String>,
    errors: FormErrors,
    created: Option<(String, String)>,
) -> Result<Response> {
    render(&UsersPage {
        c: Chrome::new(&auth.ctx),
        users: state.store.list_users().await?,
        teams: state.store.list_teams().await?,
        roles: role_choices(None, &picked),
        form,
        errors,
        created,
    })
}

async fn users(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    users_page(&state, &auth, NewUserForm::default(), vec!["rep".into()], FormErrors::default(), None).await
}

async fn create_user(State(state): State<AppState>, auth: Auth, body: String) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let f: NewUserForm = crate::extract::parse_urlencoded(body.as_bytes())?;
    let picked = roles_from(&body);
    let generated = f.password.trim().is_empty().then(secrets::new_password);
    let draft = UserDraft {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        email: f.email.clone(),
        password: generated.clone().unwrap_or_else(|| f.password.clone()),
        roles: picked.clone(),
        team: optional_id("team_id", &f.team_id)?.map(TeamId),
    };
    let outcome = match draft.parse() {
        Ok(new) => {
            let hash = hash_password(new.password.clone()).await?;
            state.store.create_user(&auth.actor(), &new, &hash, true).await.map_err(Error::from)
        }
        Err(e) => Err(Error::Validation(e)),
    };
    match outcome {
        Ok(user) => {
            let password = generated.unwrap_or_else(|| f.password.clone());
            users_page(
                &state,
                &auth,
                NewUserForm::default(),
                vec!["rep".into()],
                FormErrors::default(),
                Some((user.username, password)),
            )
            .await
        }
        Err(Error::Validation(e)) => {
            let mut resp = users_page(
                &state,
                &auth,
                NewUserForm { password: String::new(), ..f },
                picked,
                FormErrors::from(auth.ctx.lang, &e),
                None,
            )
            .await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEditPage {
    c: Chrome,
    user: User,
    teams: Vec<Team>,
    roles: Vec<RoleChoice>,
    errors: FormErrors,
    new_password: Option<String>,
}

impl UserEditPage {
    fn in_team(&self, t: &Team) -> bool {
        self.user.team_id.map(|x| x.0) == Some(t.id)
    }
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn edit_page(
    state: &AppState,
    auth: &Auth,
    id: UserId,
    errors: FormErrors,
    new_password: Option<String>,
    notice: bool,
) -> Result<Response> {
    let user = state.store.user(id).await?;
    let mut c = Chrome::new(&auth.ctx);
    if notice {
        c = c.with_notice("profile.saved");
    }
    render(&UserEditPage {
        c,
        roles: role_choices(Some(&user), &[]),
        user,
        teams: state.store.list_teams().await?,
        errors,
        new_password,
    })
}

async fn edit_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    edit_page(&state, &auth, UserId(id), FormErrors::default(), None, q.notice.is_some()).await
}

#[derive(Deserialize)]
struct EditUserForm {
    version: i64,
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    team_id: String,
}

async fn save_user(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>, body: String) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let f: EditUserForm = crate::extract::parse_urlencoded(body.as_bytes())?;
    let id = UserId(id);
    let current = state.store.user(id).await?;
    let mut e = FieldErrors::default();
    let roles = parse_roles(&roles_from(&body), &mut e);
    let result = async {
        if !e.is_empty() {
            return Err(Error::Validation(e));
        }
        let team = optional_id("team_id", &f.team_id)?;
        let email = Some(f.email.clone()).filter(|s| !s.trim().is_empty());
        let changes = user_changes(&current, Some(&f.display_name), Some(&email), Some(team), None)?;
        state.store.update_user(&auth.actor(), id, f.version, &changes).await?;
        if roles != current.roles {
            guard_last_admin(&state, id, !roles.has(Role::Admin)).await?;
            state.store.set_roles(&auth.actor(), id, roles).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{}?notice=saved", id.0)).into_response()),
        Err(Error::Validation(e)) => {
            let mut resp = edit_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &e), None, false).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

async fn disable_user(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    guard_last_admin(&state, UserId(id), true).await?;
    state.store.set_disabled(&auth.actor(), UserId(id), true).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?notice=saved")).into_response())
}

async fn enable_user(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    state.store.set_disabled(&auth.actor(), UserId(id), false).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?notice=saved")).into_response())
}

async fn reset_password(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let password = secrets::new_password();
    let hash = hash_password(password.clone()).await?;
    state.store.set_password(&auth.actor(), UserId(id), &hash, true, None).await?;
    edit_page(&state, &auth, UserId(id), FormErrors::default(), Some(password), false).await
}

/// A team with its depth in the tree, for an indented list.
struct TeamRow {
    team: Team,
    depth: usize,
    members: Vec<String>,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    c: Chrome,
    rows: Vec<TeamRow>,
    teams: Vec<Team>,
    users: Vec<User>,
    errors: FormErrors,
}

impl TeamsPage {
    fn indent(&self, depth: &usize) -> String {
        "— ".repeat(*depth)
    }
    fn is_parent(&self, row: &TeamRow, t: &Team) -> bool {
        row.team.parent_team_id == Some(t.id)
    }
    fn is_manager(&self, row: &TeamRow, u: &User) -> bool {
        row.team.manager_user_id == Some(u.id.0)
    }
}

/// Teams in tree order (parents before children), with depth.
fn tree(teams: &[Team], users: &[User]) -> Vec<TeamRow> {
    fn walk(
        parent: Option<i64>,
        depth: usize,
        teams: &[Team],
        users: &[User],
        out: &mut Vec<TeamRow>,
        seen: &mut Vec<i64>,
    ) {
        for t in teams.iter().filter(|t| t.parent_team_id == parent) {
            if seen.contains(&t.id) {
                continue;
            }
            seen.push(t.id);
            let members =
                users.iter().filter(|u| u.team_id.map(|x| x.0) == Some(t.id)).map(|u| u.display_name.clone()).collect();
            out.push(TeamRow { team: t.clone(), depth, members });
            walk(Some(t.id), depth + 1, teams, users, out, seen);
        }
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    walk(None, 0, teams, users, &mut out, &mut seen);
    // Teams whose parent no longer exists still show, at the top level.
    let unplaced: Vec<&Team> = teams.iter().filter(|t| !seen.contains(&t.id)).collect();
    for t in unplaced {
        out.push(TeamRow { team: t.clone(), depth: 0, members: Vec::new() });
    }
    out
}

async fn teams_page(state: &AppState, auth: &Auth, errors: FormErrors, status: StatusCode) -> Result<Response> {
    let teams = state.store.list_teams().await?;
    let users = state.store.list_users().await?;
    let mut resp = render(&TeamsPage { c: Chrome::new(&auth.ctx), rows: tree(&teams, &users), teams, users, errors })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn teams(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    teams_page(&state, &auth, FormErrors::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct TeamForm {
    #[serde(default)]
    version: Option<i64>,
    name: String,
    #[serde(default)]
    parent_team_id: String,
    #[serde(default)]
    manager_user_id: String,
}

fn team_data(f: &TeamForm) -> Result<TeamData> {
    Ok(TeamData {
        name: team_name(&f.name)?,
        parent: optional_id("parent_team_id", &f.parent_team_id)?.map(TeamId),
        manager: optional_id("manager_user_id", &f.manager_user_id)?.map(UserId),
    })
}

async fn team_outcome(state: &AppState, auth: &Auth, r: Result<Team>) -> Result<Response> {
    match r {
        Ok(_) => Ok(Redirect::to("/admin/teams").into_response()),
        Err(Error::Validation(e)) => {
            teams_page(state, auth, FormErrors::from(auth.ctx.lang, &e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn create_team(State(state): State<AppState>, auth: Auth, Form(f): Form<TeamForm>) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let r = match team_data(&f) {
        Ok(d) => state.store.create_team(&auth.actor(), &d).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    team_outcome(&state, &auth, r).await
}

async fn save_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<TeamForm>,
) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let version = f
        .version
        .ok_or_else(|| Error::Validation(FieldErrors::one("version", keqing_core::validate::Problem::Required)))?;
    let r = match team_data(&f) {
        Ok(d) => state.store.update_team(&auth.actor(), TeamId(id), version, &d).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    team_outcome(&state, &auth, r).await
}

async fn delete_team(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    state.store.delete_team(&auth.actor(), TeamId(id)).await?;
    Ok(Redirect::to("/admin/teams").into_response())
}
