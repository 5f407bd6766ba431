//! # keqing-web — Keqing over HTTP
//!
//! One axum application serves three things from the same process:
//!
//! - the **JSON API** under `/api/v1` ([`api`]), documented by an OpenAPI 3.1
//!   document generated from the handlers (`/api/openapi.json`, readable at
//!   `/api/docs`);
//! - the **pages** ([`pages`]): server-rendered askama templates with htmx,
//!   phone-first, Chinese by default;
//! - **health** endpoints for load balancers (`/healthz`, `/readyz`).
//!
//! Cross-cutting concerns live in one place each: the request context
//! (identity, language, CSRF, error rendering) in [`context`], the role
//! check and scope in [`auth`], the error shape in [`error`], input parsing
//! in [`extract`]. The process keeps no state of its own: sessions, login
//! throttling and jobs are in the database, so any number of servers can
//! share one PostgreSQL behind a load balancer.

#![forbid(unsafe_code)]

pub mod agenda;
pub mod api;
mod assets;
pub mod auth;
pub mod context;
pub mod error;
pub mod extract;
pub mod forms;
pub mod i18n;
pub mod jobs;
pub mod notify;
pub mod pages;
pub mod time;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use keqing_core::calendar::workday::WorkCalendar;
use keqing_core::throttle::Policy;
use keqing_store::Store;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (set when Keqing is served over HTTPS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// you control; otherwise clients could forge it).
    pub trust_proxy_headers: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Login throttling.
    pub throttle: Policy,
    /// The company's time zone (working days, deadlines, "today").
    pub zone: chrono_tz::Tz,
    /// When a working day ends, for "by the end of the n-th working day".
    pub closing: chrono::NaiveTime,
    /// Rules for lunar and 29-February dates a year does not have.
    pub date_policy: keqing_core::calendar::lunar::Policy,
    /// Where users reach Keqing, for links in reminders.
    pub public_url: Option<String>,
    /// The SMTP relay for e-mail reminders.
    pub smtp: Option<Smtp>,
}

/// An SMTP relay.
#[derive(Clone)]
pub struct Smtp {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Sender address.
    pub from: String,
    /// AUTH PLAIN user.
    pub username: Option<String>,
    /// AUTH PLAIN password.
    pub password: Option<String>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            session_idle: chrono::Duration::days(7),
            trust_proxy_headers: false,
            max_body_bytes: 1024 * 1024,
            throttle: Policy::default(),
            zone: chrono_tz::Asia::Shanghai,
            closing: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
            date_policy: Default::default(),
            public_url: None,
            smtp: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub settings: Arc<Settings>,
    calendar: Arc<std::sync::RwLock<Option<CachedCalendar>>>,
    /// Imports running on this server: batch → (rows done, rows total).
    imports: Arc<std::sync::Mutex<std::collections::HashMap<i64, (usize, usize)>>>,
}

/// The working calendar and when it was built.
type CachedCalendar = (std::time::Instant, Arc<WorkCalendar>);

/// How long a server trusts its copy of the holiday table before reloading
/// it (another server may have imported a year).
const CALENDAR_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl AppState {
    /// State over `store` with `settings`.
    pub fn new(store: Store, settings: Settings) -> AppState {
        notify::install_tls();
        AppState { store, settings: Arc::new(settings), calendar: Arc::default(), imports: Arc::default() }
    }

    /// Records an import's progress (rows done of rows total).
    pub fn set_import_progress(&self, batch: i64, done: usize, total: usize) {
        if let Ok(mut m) = self.imports.lock() {
            m.insert(batch, (done, total));
        }
    }

    /// Forgets a finished import's progress.
    pub fn clear_import_progress(&self, batch: i64) {
        if let Ok(mut m) = self.imports.lock() {
            m.remove(&batch);
        }
    }

    /// An import's progress, if it runs on this server.
    pub fn import_progress(&self, batch: i64) -> Option<(usize, usize)> {
        self.imports.lock().ok().and_then(|m| m.get(&batch).copied())
    }

    /// The working calendar, built from the holiday table at most every 30
    /// seconds (immediately after an edit on this server).
    pub async fn calendar(&self) -> Result<Arc<WorkCalendar>, keqing_store::StoreError> {
        if let Ok(guard) = self.calendar.read()
            && let Some((at, cal)) = guard.as_ref()
            && at.elapsed() < CALENDAR_TTL
        {
            return Ok(cal.clone());
        }
        let (years, days) = self.store.holiday_table().await?;
        let cal = Arc::new(WorkCalendar::new(
            years.iter().map(|y| y.year as i32),
            days,
            self.settings.zone,
            self.settings.closing,
        ));
        if let Ok(mut guard) = self.calendar.write() {
            *guard = Some((std::time::Instant::now(), cal.clone()));
        }
        Ok(cal)
    }

    /// Forgets the cached calendar (after an edit).
    pub fn calendar_changed(&self) {
        if let Ok(mut guard) = self.calendar.write() {
            *guard = None;
        }
    }

    /// Today in the company's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        keqing_store::now().with_timezone(&self.settings.zone).date_naive()
    }
}

/// The OpenAPI document (for `keqing openapi` and the tests).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    error::Error::Internal(anyhow::anyhow!("a handler panicked")).into_response()
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_routes, doc) = api::router().split_for_parts();
    let max_body = state.settings.max_body_bytes;
    Router::new()
        .merge(api_routes)
        .merge(api::docs::router(doc))
        .merge(pages::router())
        .merge(assets::router())
        .fallback(|| async { error::Error::NotFound })
        .method_not_allowed_fallback(|| async { error::Error::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::middleware))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
