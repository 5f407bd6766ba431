//! Background jobs as rows.
//!
//! Any `keqing serve` process may claim a due job. A claim is a single
//! conditional `UPDATE … RETURNING` (with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, and under SQLite's write lock), so two servers never claim the
//! same job; the claim carries a lease, and a job whose server died is
//! claimed again when the lease runs out. Periodic work is enqueued with a
//! `dedupe_key` naming its slot ("purge:2026-11-29T04"), so every server may
//! try to enqueue it and only one row exists.

use crate::db::{exec, run};
use crate::error::Result;
use crate::{Engine, Store};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// A claimed job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    /// Id.
    pub job_id: i64,
    /// What to do (`purge`, later `digest`, `notify` …).
    pub kind: String,
    /// Arguments.
    pub payload: Json<serde_json::Value>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// Attempts allowed before the job is marked failed.
    pub max_attempts: i64,
}

impl Store {
    /// Enqueues a job. With a `dedupe_key` already used, nothing happens and
    /// `false` is returned.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        dedupe_key: Option<&str>,
        payload: &serde_json::Value,
        run_at: DateTime<Utc>,
    ) -> Result<bool> {
        let at = crate::now();
        let mut c = self.db.conn().await?;
        let n = run!(c.exec(), |c| {
            sqlx::query(
                "INSERT INTO job (kind, dedupe_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(kind)
            .bind(dedupe_key)
            .bind(Json(payload))
            .bind(run_at)
            .bind(at)
            .execute(c)
            .await
        })?;
        Ok(n == 1)
    }

    /// Claims the oldest due job for `worker` until `lease_until`.
    pub async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Option<Job>> {
        let skip_locked = match self.engine() {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        // The outer conditions repeat the inner ones: on PostgreSQL a waiting
        // UPDATE re-checks them against the row as the winner left it.
        let sql = format!(
            "UPDATE job SET locked_by = $1, locked_until = $2, attempts = attempts + 1
             WHERE job_id = (SELECT job_id FROM job
                             WHERE finished_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
                             ORDER BY run_at, job_id LIMIT 1{skip_locked})
               AND finished_at IS NULL AND (locked_until IS NULL OR locked_until < $3)
             RETURNING job_id, kind, payload, attempts, max_attempts"
        );
        let mut tx = self.db.begin().await?;
        let job: Option<Job> = exec!(tx.exec(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(worker).bind(lease_until).bind(now).fetch_optional(c).await
        })?;
        tx.commit().await?;
        Ok(job)
    }

    /// Marks a job done, if `worker` still holds it.
    pub async fn complete_job(&self, job_id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut c = self.db.conn().await?;
        let n = run!(c.exec(), |c| {
            sqlx::query("UPDATE job SET finished_at = $1, locked_until = NULL WHERE job_id = $2 AND locked_by = $3 AND finished_at IS NULL")
                .bind(now)
                .bind(job_id)
                .bind(worker)
                .execute(c)
                .await
        })?;
        Ok(n == 1)
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or is
    /// marked failed when it has used all its attempts.
    pub async fn fail_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        let give_up = job.attempts >= job.max_attempts;
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| {
            sqlx::query(
                "UPDATE job SET last_error = $1, locked_until = NULL, run_at = $2, failed = $3, finished_at = $4
                 WHERE job_id = $5 AND locked_by = $6",
            )
            .bind(error)
            .bind(retry_at)
            .bind(give_up)
            .bind(give_up.then_some(now))
            .bind(job.job_id)
            .bind(worker)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    /// Counts of jobs: (pending, failed).
    pub async fn job_counts(&self) -> Result<(i64, i64)> {
        let mut c = self.db.conn().await?;
        let pending: i64 = exec!(c.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE finished_at IS NULL").fetch_one(c).await
        })?;
        let failed: i64 =
            exec!(c.exec(), |c| sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE failed").fetch_one(c).await)?;
        Ok((pending, failed))
    }
}
