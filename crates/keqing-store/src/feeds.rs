//! Private calendar feeds: one secret URL per user, revocable. Only the
//! secret's SHA-256 is stored.

use crate::audit::{self, Actor};
use crate::db::{exec, run};
use crate::error::Result;
use crate::users::User;
use crate::{Store, now, secrets};
use chrono::{DateTime, Utc};
use keqing_core::UserId;

impl Store {
    /// Creates `user`'s feed secret, replacing (and so revoking) any earlier
    /// one. Returns the secret, to show once.
    pub async fn create_ical_feed(&self, actor: &Actor, user: UserId) -> Result<String> {
        let secret = secrets::new_token();
        let at = now();
        let mut tx = self.db.begin().await?;
        run!(tx.exec(), |c| sqlx::query("DELETE FROM ical_feed WHERE user_id = $1").bind(user.0).execute(c).await)?;
        run!(tx.exec(), |c| sqlx::query(
            "INSERT INTO ical_feed (user_id, secret_hash, created_at) VALUES ($1, $2, $3)"
        )
        .bind(user.0)
        .bind(secrets::hash_token(&secret))
        .bind(at)
        .execute(c)
        .await)?;
        let snapshot = serde_json::json!({"user_id": user.0});
        audit::record(&mut tx, actor, at, "ical_feed", user.0, Some(user), "calendar feed", None, Some(&snapshot))
            .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Revokes `user`'s feed (its URL stops working). Whether there was one.
    pub async fn revoke_ical_feed(&self, actor: &Actor, user: UserId) -> Result<bool> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n =
            run!(tx.exec(), |c| sqlx::query("DELETE FROM ical_feed WHERE user_id = $1").bind(user.0).execute(c).await)?;
        if n > 0 {
            let snapshot = serde_json::json!({"user_id": user.0});
            audit::record(&mut tx, actor, at, "ical_feed", user.0, Some(user), "calendar feed", Some(&snapshot), None)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// When `user`'s feed was created, if they have one.
    pub async fn ical_feed_created(&self, user: UserId) -> Result<Option<DateTime<Utc>>> {
        Ok(exec!(self.db.conn().await?.exec(), |c| sqlx::query_scalar(
            "SELECT created_at FROM ical_feed WHERE user_id = $1"
        )
        .bind(user.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The (enabled) user a feed secret belongs to.
    pub async fn ical_feed_user(&self, secret: &str) -> Result<Option<User>> {
        let mut c = self.db.conn().await?;
        let user: Option<i64> = exec!(c.exec(), |c| sqlx::query_scalar(
            "SELECT f.user_id FROM ical_feed f JOIN app_user u ON u.user_id = f.user_id
             WHERE f.secret_hash = $1 AND u.disabled_at IS NULL"
        )
        .bind(secrets::hash_token(secret))
        .fetch_optional(c)
        .await)?;
        match user {
            Some(u) => Ok(Some(crate::users::load(&mut c, UserId(u)).await?)),
            None => Ok(None),
        }
    }
}
