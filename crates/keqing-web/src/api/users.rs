//! User administration (admin only): create, edit, roles, disable, reset
//! passwords. Users are never deleted — the audit log points at them.

use super::{Page, nullable};
use crate::AppState;
use crate::auth::{Auth, hash_password};
use crate::error::{Error, Result};
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keqing_core::model::UserDraft;
use keqing_core::model::user::parse_roles;
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, TeamId, UserId};
use keqing_store::secrets;
use keqing_store::users::{User, UserChanges};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Roles: `rep`, `clerk`, `manager`, `finance`, `admin`.
    pub roles: Vec<String>,
    /// Team.
    pub team_id: Option<i64>,
    /// Preferred language (`zh-CN`, `en`), `null` to follow the browser.
    pub locale: Option<String>,
    /// Must set a new password before anything else.
    pub must_change_password: bool,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// When disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            team_id: u.team_id.map(|t| t.0),
            locale: u.locale.clone(),
            must_change_password: u.must_change_password,
            disabled: u.disabled_at.is_some(),
            disabled_at: u.disabled_at,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A new user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    /// Login name: 2–32 of a-z 0-9 . _ -.
    pub username: String,
    /// Display name, ≤ 50 characters.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Initial password (≥ 10 characters); omitted: one is generated and
    /// returned once. Either way the user must change it at first login.
    pub password: Option<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Team.
    pub team_id: Option<i64>,
}

/// A created user and, if generated, the initial password (shown once).
#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    /// The user.
    pub user: UserOut,
    /// The generated initial password, if none was given.
    pub initial_password: Option<String>,
}

/// Changes to a user. Omitted fields stay; `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The version you read (409 if it changed since).
    pub version: i64,
    /// Display name.
    pub display_name: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Team.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
    /// Language: `zh-CN`, `en`, or `null` to follow the browser.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
}

/// A user's roles, replacing the current ones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesIn {
    /// Roles.
    pub roles: Vec<String>,
}

/// A password reset by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetIn {
    /// The new password; omitted: one is generated and returned once.
    pub password: Option<String>,
}

/// The result of a reset.
#[derive(Serialize, ToSchema)]
pub struct ResetOut {
    /// The generated password, if none was given.
    pub password: Option<String>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, patch_user))
        .routes(routes!(set_roles))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(reset_password))
}

/// Checks a locale value: `zh-CN`, `en`, or none.
pub fn parse_locale(value: Option<&str>) -> std::result::Result<Option<String>, Problem> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some("zh-CN") => Ok(Some("zh-CN".to_owned())),
        Some("en") => Ok(Some("en".to_owned())),
        Some(_) => Err(Problem::NotOneOf { allowed: vec!["zh-CN".into(), "en".into()] }),
    }
}

/// Every user (admin; managers, clerks and finance may list them to pick
/// owners and colleagues).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Page<UserOut>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Page<UserOut>>> {
    auth.require(Permission::ViewUsers)?;
    let users = state.store.list_users().await?;
    let total = users.len() as i64;
    Ok(axum::Json(Page { items: users.iter().map(UserOut::from).collect(), total, limit: total, offset: 0 }))
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn,
    responses((status = 201, body = CreatedUser), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<UserIn>,
) -> Result<(StatusCode, axum::Json<CreatedUser>)> {
    auth.require(Permission::ManageUsers)?;
    let generated = input.password.is_none().then(secrets::new_password);
    let draft = UserDraft {
        username: input.username,
        display_name: input.display_name,
        email: input.email.unwrap_or_default(),
        password: input.password.or(generated.clone()).unwrap_or_default(),
        roles: input.roles,
        team: input.team_id.map(TeamId),
    };
    let new = draft.parse().map_err(Error::Validation)?;
    let hash = hash_password(new.password.clone()).await?;
    let user = state.store.create_user(&auth.actor(), &new, &hash, true).await?;
    Ok((StatusCode::CREATED, axum::Json(CreatedUser { user: UserOut::from(&user), initial_password: generated })))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = super::ErrorBody)))]
pub async fn get_user(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<axum::Json<UserOut>> {
    auth.require(Permission::ViewUsers)?;
    Ok(axum::Json(UserOut::from(&state.store.user(UserId(id)).await?)))
}

/// Changes a user's name, e-mail, team or language (admin).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(p): Json<UserPatch>,
) -> Result<axum::Json<UserOut>> {
    auth.require(Permission::ManageUsers)?;
    let current = state.store.user(UserId(id)).await?;
    let changes = user_changes(&current, p.display_name.as_deref(), p.email.as_ref(), p.team_id, p.locale.as_ref())?;
    let user = state.store.update_user(&auth.actor(), UserId(id), p.version, &changes).await?;
    Ok(axum::Json(UserOut::from(&user)))
}

/// Applies optional changes to a user's editable fields, checking each.
pub fn user_changes(
    current: &User,
    display_name: Option<&str>,
    email: Option<&Option<String>>,
    team_id: Option<Option<i64>>,
    locale: Option<&Option<String>>,
) -> Result<UserChanges> {
    let mut e = FieldErrors::default();
    let display_name = match display_name {
        Some(n) => e.take("display_name", validate::required_line(n, limits::DISPLAY_NAME)),
        None => Some(current.display_name.clone()),
    };
    let email = match email {
        Some(v) => e.take("email", validate::email(v.as_deref().unwrap_or(""))),
        None => Some(current.email.clone()),
    };
    let locale = match locale {
        Some(v) => e.take("locale", parse_locale(v.as_deref())),
        None => Some(current.locale.clone()),
    };
    let team_id = match team_id {
        Some(t) => t.map(TeamId),
        None => current.team_id,
    };
    match (display_name, email, locale) {
        (Some(display_name), Some(email), Some(locale)) if e.is_empty() => {
            Ok(UserChanges { display_name, email, team_id, locale })
        }
        _ => Err(Error::Validation(e)),
    }
}

/// Replaces a user's roles (admin).
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = i64, Path)), request_body = RolesIn,
    responses((status = 200, body = UserOut), (status = 422, body = super::ErrorBody)))]
pub async fn set_roles(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RolesIn>,
) -> Result<axum::Json<UserOut>> {
    auth.require(Permission::ManageUsers)?;
    let mut e = FieldErrors::default();
    let roles = parse_roles(&input.roles, &mut e);
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    guard_last_admin(&state, UserId(id), !roles.has(keqing_core::Role::Admin)).await?;
    Ok(axum::Json(UserOut::from(&state.store.set_roles(&auth.actor(), UserId(id), roles).await?)))
}

/// Refuses to remove the last enabled admin (nobody could manage users).
pub async fn guard_last_admin(state: &AppState, target: UserId, removing_admin: bool) -> Result<()> {
    if !removing_admin {
        return Ok(());
    }
    let users = state.store.list_users().await?;
    let admins: Vec<&User> =
        users.iter().filter(|u| u.roles.has(keqing_core::Role::Admin) && u.disabled_at.is_none()).collect();
    if admins.len() == 1 && admins[0].id == target {
        return Err(Error::Validation(FieldErrors::one("roles", Problem::Rule { rule: "last_admin" })));
    }
    Ok(())
}

/// Disables a user: sessions end, tokens are revoked, their customers
/// become orphans for their manager to reassign (admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = super::ErrorBody)))]
pub async fn disable_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<UserOut>> {
    auth.require(Permission::ManageUsers)?;
    guard_last_admin(&state, UserId(id), true).await?;
    Ok(axum::Json(UserOut::from(&state.store.set_disabled(&auth.actor(), UserId(id), true).await?)))
}

/// Enables a disabled user again (admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = super::ErrorBody)))]
pub async fn enable_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<UserOut>> {
    auth.require(Permission::ManageUsers)?;
    Ok(axum::Json(UserOut::from(&state.store.set_disabled(&auth.actor(), UserId(id), false).await?)))
}

/// Sets a new password for a user, who must change it at next login (admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = ResetIn,
    responses((status = 200, body = ResetOut), (status = 422, body = super::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ResetIn>,
) -> Result<axum::Json<ResetOut>> {
    auth.require(Permission::ManageUsers)?;
    let user = state.store.user(UserId(id)).await?;
    let generated = input.password.is_none().then(secrets::new_password);
    let password = input.password.or(generated.clone()).unwrap_or_default();
    validate::new_password(&password, &user.username)
        .map_err(|p| Error::Validation(FieldErrors::one("password", p)))?;
    let hash = hash_password(password).await?;
    state.store.set_password(&auth.actor(), user.id, &hash, true, None).await?;
    Ok(axum::Json(ResetOut { password: generated }))
}
