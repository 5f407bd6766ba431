//! The current user: who am I, my language, my password.

use super::nullable;
use super::users::{UserOut, user_changes};
use crate::AppState;
use crate::auth::{Auth, hash_password};
use crate::context::Via;
use crate::error::{Error, Result};
use crate::extract::Json;
use axum::extract::State;
use keqing_core::Permission;
use keqing_core::validate::{self, FieldErrors, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The current user and what they may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The user.
    #[serde(flatten)]
    pub user: UserOut,
    /// Permissions granted by the user's roles.
    pub permissions: Vec<String>,
    /// How this request was authenticated: `session` or `token`.
    pub authenticated_by: &'static str,
}

/// Changes to oneself. Omitted fields stay; `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// The version you read.
    pub version: i64,
    /// Display name.
    pub display_name: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Language: `zh-CN`, `en`, or `null` to follow the browser.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    /// The current password.
    pub current_password: String,
    /// The new password (≥ 10 characters, not the username).
    pub new_password: String,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me, patch_me)).routes(routes!(change_password))
}

fn me(auth: &Auth, user: &keqing_store::users::User) -> Me {
    Me {
        user: UserOut::from(user),
        permissions: Permission::ALL.iter().filter(|p| user.roles.can(**p)).map(|p| format!("{p:?}")).collect(),
        authenticated_by: match auth.via {
            Via::Session { .. } => "session",
            Via::Token => "token",
        },
    }
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = Me), (status = 401, body = super::ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_me(auth: Auth) -> axum::Json<Me> {
    axum::Json(me(&auth, &auth.user))
}

/// Changes my display name, e-mail or language.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = MePatch,
    responses((status = 200, body = Me), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_me(State(state): State<AppState>, auth: Auth, Json(p): Json<MePatch>) -> Result<axum::Json<Me>> {
    let changes = user_changes(&auth.user, p.display_name.as_deref(), p.email.as_ref(), None, p.locale.as_ref())?;
    let user = state.store.update_user(&auth.actor(), auth.user.id, p.version, &changes).await?;
    Ok(axum::Json(me(&auth, &user)))
}

/// Changes my password. Every other session of mine ends.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordIn,
    responses((status = 204), (status = 422, body = super::ErrorBody), (status = 429, body = super::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<PasswordIn>,
) -> Result<axum::http::StatusCode> {
    change_own_password(&state, &auth, &input.current_password, &input.new_password).await?;
    Ok(super::no_content())
}

/// The one password-change procedure (API and page): the current password
/// is checked like a login (throttled), the new one against the policy.
pub async fn change_own_password(state: &AppState, auth: &Auth, current: &str, new: &str) -> Result<()> {
    match crate::auth::login(state, &auth.user.username, current, &auth.ctx.ip).await {
        Ok(_) => {}
        Err(crate::auth::LoginError::Invalid) => {
            return Err(Error::Validation(FieldErrors::one(
                "current_password",
                Problem::Rule { rule: "wrong_password" },
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let new = validate::new_password(new, &auth.user.username)
        .map_err(|p| Error::Validation(FieldErrors::one("new_password", p)))?;
    if new == current {
        return Err(Error::Validation(FieldErrors::one("new_password", Problem::Rule { rule: "password_unchanged" })));
    }
    let hash = hash_password(new).await?;
    let keep = match &auth.via {
        Via::Session { token_hash } => Some(token_hash.as_str()),
        Via::Token => None,
    };
    state.store.set_password(&auth.actor(), auth.user.id, &hash, false, keep).await?;
    Ok(())
}
