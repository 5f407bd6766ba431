//! The background worker that runs inside every `keqing serve` process.
//!
//! Each tick it enqueues the periodic jobs for the current slot (idempotent
//! across servers thanks to the job's dedupe key) and drains due jobs. Any
//! server may claim any job; the store guarantees one claimant per job.

use crate::AppState;
use chrono::{Duration, Timelike};
use keqing_store::jobs::Job;
use std::time::Duration as StdDuration;
use tokio::sync::watch;

/// What happened to one claimed job (returned so tests can drain the queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Done,
    /// Failed; will be retried or was marked failed.
    Failed(String),
}

/// Enqueues the periodic jobs for the current hour. Every server calls
/// this; the dedupe key makes one row per hour.
pub async fn schedule(state: &AppState) -> anyhow::Result<()> {
    let now = keqing_store::now();
    let slot = now.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
    let key = format!("purge:{}", slot.format("%Y-%m-%dT%H"));
    state.store.enqueue_job("purge", Some(&key), &serde_json::json!({}), slot).await?;
    Ok(())
}

/// Runs one job's work.
async fn run(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        "purge" => {
            let now = keqing_store::now();
            let sessions = state.store.purge_expired_sessions(now).await?;
            let failures = state.store.purge_login_failures(now - Duration::days(1)).await?;
            let uploads = state.store.purge_imports(now - Duration::days(1)).await?;
            tracing::info!(
                sessions,
                failures,
                uploads,
                "purged expired sessions, old login failures and uploaded files"
            );
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

/// Claims and runs due jobs until none is left; returns their outcomes.
pub async fn drain(state: &AppState, worker: &str) -> anyhow::Result<Vec<(Job, Outcome)>> {
    let mut done = Vec::new();
    loop {
        let now = keqing_store::now();
        let Some(job) = state.store.claim_job(worker, now, now + Duration::minutes(5)).await? else {
            return Ok(done);
        };
        let outcome = match run(state, &job).await {
            Ok(()) => {
                state.store.complete_job(job.job_id, worker, keqing_store::now()).await?;
                Outcome::Done
            }
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::warn!(job = job.job_id, kind = %job.kind, error = %msg, "job failed");
                // Exponential backoff: 30 s, 1 min, 2 min, 4 min …
                let backoff = Duration::seconds(30 * (1 << job.attempts.clamp(0, 10)));
                let now = keqing_store::now();
                state.store.fail_job(&job, worker, &msg, now, now + backoff).await?;
                Outcome::Failed(msg)
            }
        };
        done.push((job, outcome));
    }
}

/// The worker loop: every `interval`, schedule and drain, until `shutdown`.
pub async fn worker(state: AppState, worker_id: String, interval: StdDuration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = schedule(&state).await {
            tracing::warn!(error = format!("{e:#}"), "could not schedule periodic jobs");
        }
        if let Err(e) = drain(&state, &worker_id).await {
            tracing::warn!(error = format!("{e:#}"), "job worker error");
        }
        if let Err(e) = crate::notify::schedule_digests(&state).await {
            tracing::warn!(error = format!("{e:#}"), "could not enqueue the daily digests");
        }
        if let Err(e) = crate::notify::drain_outbox(&state, &worker_id).await {
            tracing::warn!(error = format!("{e:#}"), "outbox error");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
