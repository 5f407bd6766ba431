//! Reminder settings and the outbox.
//!
//! Every reminder is a row first: enqueued under a dedupe key (so several
//! servers enqueueing the same digest make one row), claimed by one server
//! at a time with a lease (a conditional `UPDATE … RETURNING`, with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL and under SQLite's write lock),
//! marked sent only by the server holding the claim, and retried with
//! backoff on failure. No two servers send the same message; a server that
//! dies after sending but before marking it sent is the one case where a
//! message can go out twice (after the lease runs out).

use crate::audit::{self, Actor};
use crate::db::{exec, run};
use crate::error::{Result, StoreError};
use crate::{Engine, Store, now};
use chrono::{DateTime, NaiveTime, Utc};
use keqing_core::UserId;
use keqing_core::notify::{Channel, Prefs};
use serde::Serialize;
use sqlx::types::Json;

fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn parse_hm(s: &str, default: NaiveTime) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap_or(default)
}

type PrefRow = (i64, Option<String>, String, Option<String>, String, String, String, i64);

fn prefs_of(r: &PrefRow) -> Prefs {
    let d = Prefs::default();
    Prefs {
        channel: r.1.as_deref().and_then(|c| Channel::parse(c).ok()),
        target: r.2.clone(),
        secret: r.3.clone(),
        digest_at: parse_hm(&r.4, d.digest_at),
        quiet_from: parse_hm(&r.5, d.quiet_from),
        quiet_until: parse_hm(&r.6, d.quiet_until),
    }
}

const PREF_COLUMNS: &str = "user_id, channel, target, secret, digest_at, quiet_from, quiet_until, version";

/// A message claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    /// Id.
    pub outbox_message_id: i64,
    /// Recipient.
    pub user_id: i64,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// `email`, `wecom`, `dingtalk`, `webhook`.
    pub channel: String,
    /// Address or URL.
    pub target: String,
    /// DingTalk secret.
    pub secret: Option<String>,
    /// Subject / title.
    pub subject: String,
    /// Text (Markdown).
    pub body: String,
    /// The JSON a webhook gets.
    pub payload: Json<serde_json::Value>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
}

/// A message as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxEntry {
    /// Id.
    pub outbox_message_id: i64,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// Channel.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// `pending`, `sent`, `failed`.
    pub status: String,
    /// Attempts.
    pub attempts: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Recipient.
    pub user: UserId,
    /// Names the message; a second enqueue with the same key does nothing.
    pub dedupe_key: &'a str,
    /// Channel.
    pub channel: Channel,
    /// Address or URL.
    pub target: &'a str,
    /// DingTalk secret.
    pub secret: Option<&'a str>,
    /// Subject.
    pub subject: &'a str,
    /// Text.
    pub body: &'a str,
    /// JSON for webhooks.
    pub payload: &'a serde_json::Value,
    /// Not before.
    pub send_at: DateTime<Utc>,
}

impl Store {
    /// A user's reminder settings (defaults when never saved) and version.
    pub async fn notification_prefs(&self, user: UserId) -> Result<(Prefs, i64)> {
        let sql = format!("SELECT {PREF_COLUMNS} FROM notification_pref WHERE user_id = $1");
        let row: Option<PrefRow> = exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .fetch_optional(c)
            .await)?;
        Ok(row.map(|r| (prefs_of(&r), r.7)).unwrap_or((Prefs::default(), 0)))
    }

    /// Saves a user's reminder settings if `version` is current (0: never
    /// saved). Audited (the secret is not written to the log).
    pub async fn set_notification_prefs(&self, actor: &Actor, user: UserId, version: i64, p: &Prefs) -> Result<i64> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let sql = format!("SELECT {PREF_COLUMNS} FROM notification_pref WHERE user_id = $1");
        let before: Option<PrefRow> =
            exec!(tx.exec(), |c| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user.0).fetch_optional(c).await)?;
        let current = before.as_ref().map_or(0, |r| r.7);
        if current != version {
            return Err(StoreError::Conflict { version: current, current: serde_json::Value::Null });
        }
        run!(tx.exec(), |c| {
            sqlx::query(
            "INSERT INTO notification_pref (user_id, channel, target, secret, digest_at, quiet_from, quiet_until, version, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)
             ON CONFLICT (user_id) DO UPDATE SET channel = excluded.channel, target = excluded.target, secret = excluded.secret,
               digest_at = excluded.digest_at, quiet_from = excluded.quiet_from, quiet_until = excluded.quiet_until,
               version = notification_pref.version + 1, updated_at = excluded.updated_at"
        )
        .bind(user.0)
        .bind(p.channel.map(|c| c.as_str()))
        .bind(&p.target)
        .bind(&p.secret)
        .bind(hm(p.digest_at))
        .bind(hm(p.quiet_from))
        .bind(hm(p.quiet_until))
        .bind(at)
        .execute(c)
        .await
        })?;
        let shown = |p: &Prefs| {
            serde_json::json!({"channel": p.channel, "target": p.target, "secret": p.secret.as_ref().map(|_| "•••"),
                "digest_at": hm(p.digest_at), "quiet_from": hm(p.quiet_from), "quiet_until": hm(p.quiet_until)})
        };
        let before = before.as_ref().map(|r| shown(&prefs_of(r)));
        audit::record(
            &mut tx,
            actor,
            at,
            "notification_pref",
            user.0,
            Some(user),
            "reminders",
            before.as_ref(),
            Some(&shown(p)),
        )
        .await?;
        tx.commit().await?;
        Ok(current + 1)
    }

    /// Users with a reminder channel and their settings.
    pub async fn users_with_reminders(&self) -> Result<Vec<(UserId, Prefs)>> {
        let rows: Vec<PrefRow> = exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(
            "SELECT p.user_id, p.channel, p.target, p.secret, p.digest_at, p.quiet_from, p.quiet_until, p.version
             FROM notification_pref p JOIN app_user u ON u.user_id = p.user_id
             WHERE p.channel IS NOT NULL AND u.disabled_at IS NULL ORDER BY p.user_id"
        )
        .fetch_all(c)
        .await)?;
        Ok(rows.iter().map(|r| (UserId(r.0), prefs_of(r))).collect())
    }

    /// Whether a message with this key exists.
    pub async fn outbox_has(&self, dedupe_key: &str) -> Result<bool> {
        let n: i64 = exec!(self.db.conn().await?.exec(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox_message WHERE dedupe_key = $1"
        )
        .bind(dedupe_key)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// Enqueues a message; `false` when its key was used already.
    pub async fn enqueue_message(&self, m: &NewMessage<'_>) -> Result<bool> {
        let at = now();
        let n = run!(self.db.conn().await?.exec(), |c| {
            sqlx::query(
            "INSERT INTO outbox_message (user_id, dedupe_key, channel, target, secret, subject, body, payload, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING"
        )
        .bind(m.user.0)
        .bind(m.dedupe_key)
        .bind(m.channel.as_str())
        .bind(m.target)
        .bind(m.secret)
        .bind(m.subject)
        .bind(m.body)
        .bind(Json(m.payload))
        .bind(m.send_at)
        .bind(at)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// Claims the oldest due message for `worker` until `lease_until`.
    pub async fn claim_message(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<OutboxMessage>> {
        let skip_locked = match self.engine() {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox_message SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
             WHERE outbox_message_id = (SELECT outbox_message_id FROM outbox_message
                 WHERE status = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
                 ORDER BY next_attempt_at, outbox_message_id LIMIT 1{skip_locked})
               AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $3)
             RETURNING outbox_message_id, user_id, dedupe_key, channel, target, secret, subject, body, payload, attempts, max_attempts"
        );
        let mut tx = self.db.begin().await?;
        let m: Option<OutboxMessage> = exec!(tx.exec(), |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(lease_until)
            .bind(now)
            .fetch_optional(c)
            .await)?;
        tx.commit().await?;
        Ok(m)
    }

    /// Marks a message sent, if `worker` still holds its claim.
    pub async fn message_sent(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = run!(self.db.conn().await?.exec(), |c| sqlx::query(
            "UPDATE outbox_message SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL
             WHERE outbox_message_id = $2 AND claimed_by = $3 AND status = 'pending'"
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Records a failed attempt: retried at `retry_at`, or marked failed
    /// after its last attempt. `counts: false` puts it off without using an
    /// attempt (quiet hours).
    pub async fn message_failed(
        &self,
        m: &OutboxMessage,
        worker: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        counts: bool,
    ) -> Result<()> {
        let give_up = counts && m.attempts >= m.max_attempts;
        let status = if give_up { "failed" } else { "pending" };
        let undo = if counts { 0 } else { 1 };
        run!(self.db.conn().await?.exec(), |c| sqlx::query(
            "UPDATE outbox_message SET status = $1, last_error = $2, next_attempt_at = $3, claimed_until = NULL,
               attempts = attempts - $4
             WHERE outbox_message_id = $5 AND claimed_by = $6 AND status = 'pending'"
        )
        .bind(status)
        .bind(error)
        .bind(retry_at)
        .bind(undo)
        .bind(m.outbox_message_id)
        .bind(worker)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A user's messages, newest first.
    pub async fn messages_of(&self, user: UserId, limit: i64) -> Result<Vec<OutboxEntry>> {
        Ok(exec!(self.db.conn().await?.exec(), |c| sqlx::query_as(
            "SELECT outbox_message_id, dedupe_key, channel, subject, status, attempts, last_error, created_at, sent_at
             FROM outbox_message WHERE user_id = $1 ORDER BY outbox_message_id DESC LIMIT $2"
        )
        .bind(user.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }
}
