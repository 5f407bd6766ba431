//! Browser sessions, kept in the database so any server accepts any session.

use crate::db::{exec, run};
use crate::error::Result;
use crate::users::User;
use crate::{Store, now};
use chrono::{DateTime, Duration, Utc};
use keqing_core::UserId;

/// A new session to store. The cookie value itself is never stored.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Whose session.
    pub user_id: UserId,
    /// SHA-256 of the cookie value.
    pub token_hash: &'a str,
    /// The session's CSRF token.
    pub csrf_token: &'a str,
    /// When it expires unless used.
    pub expires_at: DateTime<Utc>,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client's user agent (shown in "your sessions").
    pub user_agent: Option<&'a str>,
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Session id.
    pub session_id: i64,
    /// The user (enabled: a disabled user's sessions are deleted).
    pub user: User,
    /// The CSRF token forms must echo.
    pub csrf_token: String,
    /// Last request seen.
    pub last_seen_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Stores a new session.
    pub async fn create_session(&self, s: &NewSession<'_>) -> Result<()> {
        let at = now();
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| {
            sqlx::query(
                "INSERT INTO session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
                 VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
            )
            .bind(s.token_hash)
            .bind(s.user_id.0)
            .bind(s.csrf_token)
            .bind(at)
            .bind(s.expires_at)
            .bind(s.ip)
            .bind(s.user_agent)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    /// The live session with this token hash, if any: not expired, user not
    /// disabled. Extends the expiry (sliding) at most once a minute, so a
    /// busy user does not write on every request.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>, idle: Duration) -> Result<Option<SessionInfo>> {
        let mut c = self.db.conn().await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            session_id: i64,
            user_id: i64,
            csrf_token: String,
            last_seen_at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
        }
        let row: Option<Row> = exec!(c.exec(), |c| {
            sqlx::query_as(
                "SELECT s.session_id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at
                 FROM session s JOIN app_user u ON u.user_id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        let Some(Row { session_id, user_id, csrf_token, mut last_seen_at, mut expires_at }) = row else {
            return Ok(None);
        };
        if now - last_seen_at > Duration::minutes(1) {
            last_seen_at = now;
            expires_at = now + idle;
            run!(c.exec(), |c| {
                sqlx::query("UPDATE session SET last_seen_at = $1, expires_at = $2 WHERE session_id = $3")
                    .bind(last_seen_at)
                    .bind(expires_at)
                    .bind(session_id)
                    .execute(c)
                    .await
            })?;
        }
        let user = crate::users::load(&mut c, UserId(user_id)).await?;
        Ok(Some(SessionInfo { session_id, user, csrf_token, last_seen_at, expires_at }))
    }

    /// Ends one session (logout).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| sqlx::query("DELETE FROM session WHERE token_hash = $1").bind(token_hash).execute(c).await)?;
        Ok(())
    }

    /// Deletes expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut c = self.db.conn().await?;
        Ok(run!(c.exec(), |c| sqlx::query("DELETE FROM session WHERE expires_at <= $1").bind(now).execute(c).await)?)
    }

    /// How many live sessions a user has.
    pub async fn count_sessions(&self, user: UserId, now: DateTime<Utc>) -> Result<i64> {
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE user_id = $1 AND expires_at > $2")
                .bind(user.0)
                .bind(now)
                .fetch_one(c)
                .await
        })?)
    }
}
