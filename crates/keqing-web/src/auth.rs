//! Authentication and authorization for handlers.
//!
//! [`Auth`] is the extractor every protected handler takes: it fails with
//! 401 when nobody is logged in. `auth.require(Permission)` is the role
//! check (403), decided by the matrix in `keqing_core::role`; the record
//! scope comes from [`Auth::customer_scope`] and is applied by the store to
//! every query. [`login`] is the one login procedure (form and API): it
//! throttles, verifies, records, and never says whether the account exists.

use crate::AppState;
use crate::context::{Ctx, Identity, Via};
use crate::error::{Error, Result};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use keqing_core::audit::Action;
use keqing_core::throttle::Policy;
use keqing_core::{Permission, Scope};
use keqing_store::throttle::ThrottleKey;
use keqing_store::users::User;
use keqing_store::{Actor, secrets};

/// An authenticated request.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The user.
    pub user: User,
    /// Session or token.
    pub via: Via,
    /// The request context.
    pub ctx: Ctx,
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.identity.clone() {
            Some(Identity { user, via }) => Ok(Auth { user, via, ctx }),
            None => Err(Error::Unauthenticated),
        }
    }
}

impl Auth {
    /// 403 unless one of the user's roles grants `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.user.roles.can(p) { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Whether one of the user's roles grants `p`.
    pub fn can(&self, p: Permission) -> bool {
        self.user.roles.can(p)
    }

    /// The user as the author of a change, with their address.
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id), name: self.user.username.clone(), ip: Some(self.ctx.ip.clone()) }
    }

    /// Whose customer records this user may reach.
    pub async fn customer_scope(&self, state: &AppState) -> Result<Scope> {
        let chart = state.store.org_chart().await?;
        Ok(chart.customer_scope(self.user.id, self.user.roles))
    }

    /// Whose audit entries this user may read.
    pub async fn audit_scope(&self, state: &AppState) -> Result<Scope> {
        let chart = state.store.org_chart().await?;
        Ok(chart.audit_scope(self.user.id, self.user.roles))
    }
}

/// Why a login failed.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong name or password, or a disabled account (indistinguishable).
    Invalid,
    /// Too many recent failures for the account or the address.
    Throttled {
        /// Seconds until the lock lifts.
        retry_after: u64,
    },
    /// Anything else (database down).
    Other(Error),
}

impl From<LoginError> for Error {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Invalid => Error::Unauthenticated,
            LoginError::Throttled { retry_after } => Error::TooManyRequests { retry_after },
            LoginError::Other(e) => e,
        }
    }
}

impl From<keqing_store::StoreError> for LoginError {
    fn from(e: keqing_store::StoreError) -> Self {
        LoginError::Other(e.into())
    }
}

async fn locked_until(
    state: &AppState,
    policy: &Policy,
    username: &str,
    ip: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, LoginError> {
    let since = policy.since(now);
    let by_account = state.store.nth_recent_failure(ThrottleKey::Account(username), since, policy.per_account).await?;
    let by_address = state.store.nth_recent_failure(ThrottleKey::Address(ip), since, policy.per_address).await?;
    Ok([policy.locked_until(by_account, now), policy.locked_until(by_address, now)].into_iter().flatten().max())
}

/// Checks a name and password. See the module documentation.
#[tracing::instrument(skip_all, fields(username))]
pub async fn login(state: &AppState, username: &str, password: &str, ip: &str) -> Result<User, LoginError> {
    let username = username.trim().to_ascii_lowercase();
    tracing::Span::current().record("username", &username);
    let policy = state.settings.throttle;
    let now = keqing_store::now();
    if let Some(until) = locked_until(state, &policy, &username, ip, now).await? {
        return Err(LoginError::Throttled { retry_after: Policy::retry_after_secs(until, now) });
    }
    let creds = state.store.credentials(&username).await?;
    let hash = creds.as_ref().map_or(keqing_core::password::DUMMY_HASH.to_owned(), |c| c.password_hash.clone());
    let pw = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || keqing_core::password::verify(&pw, &hash))
        .await
        .map_err(|e| LoginError::Other(Error::Internal(e.into())))?;
    match creds {
        Some(c) if matches && c.user.disabled_at.is_none() => {
            state.store.clear_login_failures(&username).await?;
            let actor = Actor { user_id: Some(c.user.id), name: c.user.username.clone(), ip: Some(ip.to_owned()) };
            state
                .store
                .audit_event(
                    &actor,
                    Action::Login,
                    "session",
                    &c.user.id.to_string(),
                    &c.user.username,
                    serde_json::json!({}),
                )
                .await?;
            Ok(c.user)
        }
        _ => {
            state.store.record_login_failure(&username, ip, now).await?;
            if let Some(until) = locked_until(state, &policy, &username, ip, now).await? {
                // Recorded once, when the lock begins; refused attempts during
                // the lock are not counted or logged (no amplification).
                let actor = Actor::system("throttle");
                let actor = Actor { ip: Some(ip.to_owned()), ..actor };
                state
                    .store
                    .audit_event(
                        &actor,
                        Action::LoginThrottled,
                        "session",
                        &username,
                        &username,
                        serde_json::json!({"username": username, "ip": ip, "locked_until": until}),
                    )
                    .await?;
            }
            Err(LoginError::Invalid)
        }
    }
}

/// A new browser session for `user`: returns the cookie value.
pub async fn start_session(state: &AppState, user: &User, ctx: &Ctx, user_agent: Option<&str>) -> Result<String> {
    let token = secrets::new_token();
    let token_hash = secrets::hash_token(&token);
    let csrf = secrets::new_token();
    let expires_at = keqing_store::now() + state.settings.session_idle;
    let ua: Option<String> = user_agent.map(|u| u.chars().take(200).collect());
    state
        .store
        .create_session(&keqing_store::sessions::NewSession {
            user_id: user.id,
            token_hash: &token_hash,
            csrf_token: &csrf,
            expires_at,
            ip: Some(&ctx.ip),
            user_agent: ua.as_deref(),
        })
        .await?;
    Ok(token)
}

/// A fresh API token: (the secret to show once, its stored hash, its prefix).
pub fn new_api_token() -> (String, String, String) {
    let secret = format!("kq_{}", secrets::new_token());
    let hash = secrets::hash_token(&secret);
    let prefix = secret.chars().take(10).collect();
    (secret, hash, prefix)
}

/// Hashes a password off the async workers.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(e.into()))
}
