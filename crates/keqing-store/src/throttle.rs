//! Failed-login bookkeeping for [`keqing_core::throttle`]. Counters live in
//! the database so every server behind a load balancer sees the same ones.

use crate::Store;
use crate::db::{exec, run};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// What a failure is counted against.
#[derive(Debug, Clone, Copy)]
pub enum ThrottleKey<'a> {
    /// A login name (case-folded).
    Account(&'a str),
    /// A client address.
    Address(&'a str),
}

impl Store {
    /// Records a failed login.
    pub async fn record_login_failure(&self, username: &str, ip: &str, at: DateTime<Utc>) -> Result<()> {
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| {
            sqlx::query("INSERT INTO login_failure (username, ip, at) VALUES ($1, $2, $3)")
                .bind(username)
                .bind(ip)
                .bind(at)
                .execute(c)
                .await
        })?;
        Ok(())
    }

    /// The time of the `n`-th most recent failure for `key` since `since`,
    /// if there were that many.
    pub async fn nth_recent_failure(
        &self,
        key: ThrottleKey<'_>,
        since: DateTime<Utc>,
        n: u32,
    ) -> Result<Option<DateTime<Utc>>> {
        let (sql, value) = match key {
            ThrottleKey::Account(u) => {
                ("SELECT at FROM login_failure WHERE username = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3", u)
            }
            ThrottleKey::Address(ip) => {
                ("SELECT at FROM login_failure WHERE ip = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3", ip)
            }
        };
        let offset = i64::from(n.saturating_sub(1));
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| {
            sqlx::query_scalar(sql).bind(value).bind(since).bind(offset).fetch_optional(c).await
        })?)
    }

    /// Forgets an account's failures after a successful login.
    pub async fn clear_login_failures(&self, username: &str) -> Result<()> {
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| sqlx::query("DELETE FROM login_failure WHERE username = $1")
            .bind(username)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Deletes failures older than `before`; returns how many.
    pub async fn purge_login_failures(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut c = self.db.conn().await?;
        Ok(run!(c.exec(), |c| sqlx::query("DELETE FROM login_failure WHERE at < $1").bind(before).execute(c).await)?)
    }
}
