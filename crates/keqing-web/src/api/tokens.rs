//! API tokens: obtain one with a password, list, create, revoke.

use super::no_content;
use crate::AppState;
use crate::auth::{Auth, login, new_api_token};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keqing_core::validate::{self, FieldErrors, limits};
use keqing_store::tokens::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A token (never its secret after creation).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The secret's first characters.
    pub prefix: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        TokenOut {
            id: t.id,
            name: t.name.clone(),
            prefix: t.token_prefix.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new token with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewTokenOut {
    /// The token.
    #[serde(flatten)]
    pub token: TokenOut,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Log in for a token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordLoginIn {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// A name for the token ("ERP sync"); default "API".
    pub name: Option<String>,
}

/// A token to create for myself.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// A name for the token.
    pub name: String,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token_for_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

fn token_name(name: Option<&str>) -> Result<String> {
    match name {
        None => Ok("API".to_owned()),
        Some(n) => {
            validate::required_line(n, limits::LABEL).map_err(|p| Error::Validation(FieldErrors::one("name", p)))
        }
    }
}

/// Exchanges a name and password for a token. Failures are throttled like
/// the login form: 429 with `Retry-After` after repeated failures.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = PasswordLoginIn,
    responses((status = 201, body = NewTokenOut), (status = 401, body = super::ErrorBody), (status = 429, body = super::ErrorBody)),
    security(()))]
pub async fn token_for_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<PasswordLoginIn>,
) -> Result<(StatusCode, axum::Json<NewTokenOut>)> {
    let name = token_name(input.name.as_deref())?;
    let user = login(&state, &input.username, &input.password, &ctx.ip).await?;
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    let actor = keqing_store::Actor { user_id: Some(user.id), name: user.username.clone(), ip: Some(ctx.ip.clone()) };
    let (secret, hash, prefix) = new_api_token();
    let token = state.store.create_token(&actor, user.id, &name, &hash, &prefix).await?;
    Ok((StatusCode::CREATED, axum::Json(NewTokenOut { token: TokenOut::from(&token), secret })))
}

/// My tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = Vec<TokenOut>)))]
pub async fn list_tokens(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<TokenOut>>> {
    let tokens = state.store.list_tokens(auth.user.id).await?;
    Ok(axum::Json(tokens.iter().map(TokenOut::from).collect()))
}

/// Creates a token for me; the secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenIn,
    responses((status = 201, body = NewTokenOut), (status = 422, body = super::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<TokenIn>,
) -> Result<(StatusCode, axum::Json<NewTokenOut>)> {
    let name = token_name(Some(&input.name))?;
    let (secret, hash, prefix) = new_api_token();
    let token = state.store.create_token(&auth.actor(), auth.user.id, &name, &hash, &prefix).await?;
    Ok((StatusCode::CREATED, axum::Json(NewTokenOut { token: TokenOut::from(&token), secret })))
}

/// Revokes one of my tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    state.store.revoke_token(&auth.actor(), auth.user.id, id).await?;
    Ok(no_content())
}
