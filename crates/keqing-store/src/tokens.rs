//! Per-user API tokens (Bearer) for the JSON API: shown once, stored hashed,
//! revocable, every use dated.

use crate::audit::{self, Actor};
use crate::db::{exec, run};
use crate::error::{Result, StoreError};
use crate::users::User;
use crate::{Store, now};
use chrono::{DateTime, Duration, Utc};
use keqing_core::UserId;
use serde::Serialize;

/// A token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// Id.
    #[sqlx(rename = "api_token_id")]
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// A name the user chose ("ERP sync").
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub token_prefix: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "api_token_id, user_id, name, token_prefix, created_at, last_used_at, revoked_at";

impl Store {
    /// Stores a new token for `user`.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user: UserId,
        name: &str,
        token_hash: &str,
        token_prefix: &str,
    ) -> Result<ApiToken> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let token: ApiToken = exec!(tx.exec(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO api_token (user_id, name, token_hash, token_prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
            )))
            .bind(user.0)
            .bind(name)
            .bind(token_hash)
            .bind(token_prefix)
            .bind(at)
            .fetch_one(c)
            .await
        })?;
        audit::record(&mut tx, actor, at, "api_token", token.id, Some(user), name, None, Some(&token)).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// A user's tokens, newest first.
    pub async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM api_token WHERE user_id = $1 ORDER BY created_at DESC, api_token_id DESC"
            )))
            .bind(user.0)
            .fetch_all(c)
            .await
        })?)
    }

    /// Revokes one of `user`'s tokens. Another user's token is not found.
    pub async fn revoke_token(&self, actor: &Actor, user: UserId, id: i64) -> Result<ApiToken> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let sql = format!("SELECT {COLUMNS} FROM api_token WHERE api_token_id = $1 AND user_id = $2");
        let before: ApiToken = exec!(tx.exec(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).bind(user.0).fetch_optional(c).await
        })?
        .ok_or(StoreError::NotFound)?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        run!(tx.exec(), |c| {
            sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE api_token_id = $2")
                .bind(at)
                .bind(id)
                .execute(c)
                .await
        })?;
        let after = ApiToken { revoked_at: Some(at), ..before.clone() };
        audit::record(&mut tx, actor, at, "api_token", id, Some(user), &after.name, Some(&before), Some(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The enabled user a live token belongs to. Notes the use, at most
    /// once a minute per token.
    pub async fn token_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let mut c = self.db.conn().await?;
        let row: Option<(i64, i64, Option<DateTime<Utc>>)> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT t.api_token_id, t.user_id, t.last_used_at FROM api_token t JOIN app_user u ON u.user_id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(c)
            .await
        })?;
        let Some((token_id, user_id, last_used)) = row else { return Ok(None) };
        if last_used.is_none_or(|t| now - t > Duration::minutes(1)) {
            run!(c.exec(), |c| {
                sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE api_token_id = $2")
                    .bind(now)
                    .bind(token_id)
                    .execute(c)
                    .await
            })?;
        }
        Ok(Some(crate::users::load(&mut c, UserId(user_id)).await?))
    }
}
