//! Your reminders: the channel, the digest time, quiet hours, and what the
//! outbox did with your messages.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use keqing_core::Permission;
use keqing_core::notify::{Prefs, PrefsDraft};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Reminder settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemindersIo {
    /// The version you read (0: never saved).
    pub version: i64,
    /// `email`, `wecom`, `dingtalk`, `webhook`, or null for none.
    pub channel: Option<String>,
    /// The e-mail address, or the robot's / webhook's URL.
    #[serde(default)]
    pub target: String,
    /// A DingTalk robot's signing secret (`SEC…`). Read back as `"•••"` when set;
    /// send `"•••"` to keep it.
    #[serde(default)]
    pub secret: Option<String>,
    /// When the daily digest goes out, "HH:MM" company time (default 07:30).
    pub digest_at: String,
    /// Quiet hours from, "HH:MM" (default 21:00).
    pub quiet_from: String,
    /// Quiet hours until, "HH:MM" (default 07:00).
    pub quiet_until: String,
}

const HIDDEN: &str = "•••";

fn out(p: &Prefs, version: i64) -> RemindersIo {
    RemindersIo {
        version,
        channel: p.channel.map(|c| c.as_str().to_owned()),
        target: p.target.clone(),
        secret: p.secret.as_ref().map(|_| HIDDEN.to_owned()),
        digest_at: p.digest_at.format("%H:%M").to_string(),
        quiet_from: p.quiet_from.format("%H:%M").to_string(),
        quiet_until: p.quiet_until.format("%H:%M").to_string(),
    }
}

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxOut {
    /// Id.
    pub id: i64,
    /// `digest:<user>:<day>`.
    pub key: String,
    /// Channel.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// `pending`, `sent`, `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_reminders, put_reminders)).routes(routes!(outbox))
}

/// Your reminder settings.
#[utoipa::path(get, path = "/api/v1/me/reminders", tag = "agenda", responses((status = 200, body = RemindersIo)))]
pub async fn get_reminders(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<RemindersIo>> {
    auth.require(Permission::ReadCustomers)?;
    let (p, v) = state.store.notification_prefs(auth.user.id).await?;
    Ok(axum::Json(out(&p, v)))
}

/// Changes your reminder settings (send the version you read).
#[utoipa::path(put, path = "/api/v1/me/reminders", tag = "agenda", request_body = RemindersIo,
    responses((status = 200, body = RemindersIo), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_reminders(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<RemindersIo>,
) -> Result<axum::Json<RemindersIo>> {
    auth.require(Permission::ReadCustomers)?;
    let p = save(&state, &auth, &input).await?;
    Ok(axum::Json(out(&p.0, p.1)))
}

pub(crate) async fn save(state: &AppState, auth: &Auth, input: &RemindersIo) -> Result<(Prefs, i64)> {
    let (current, _) = state.store.notification_prefs(auth.user.id).await?;
    let secret = match input.secret.as_deref() {
        Some(HIDDEN) => current.secret.clone().unwrap_or_default(),
        other => other.unwrap_or("").to_owned(),
    };
    let p = PrefsDraft {
        channel: input.channel.clone().unwrap_or_default(),
        target: input.target.clone(),
        secret,
        digest_at: input.digest_at.clone(),
        quiet_from: input.quiet_from.clone(),
        quiet_until: input.quiet_until.clone(),
    }
    .parse()
    .map_err(Error::Validation)?;
    let v = state.store.set_notification_prefs(&auth.actor(), auth.user.id, input.version, &p).await?;
    Ok((p, v))
}

/// Your last 50 messages and what happened to them.
#[utoipa::path(get, path = "/api/v1/me/reminders/outbox", tag = "agenda", responses((status = 200, body = [OutboxOut])))]
pub async fn outbox(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<OutboxOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let rows = state.store.messages_of(auth.user.id, 50).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|m| OutboxOut {
                id: m.outbox_message_id,
                key: m.dedupe_key,
                channel: m.channel,
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect(),
    ))
}
