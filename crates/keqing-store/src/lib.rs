//! # keqing-store — the one storage layer
//!
//! Every read and write of Keqing's data goes through [`Store`]. It runs on
//! an embedded SQLite file by default and on PostgreSQL when the database URL
//! says so; the same functions, the same SQL (see the `db` module), one set of
//! migrations per engine embedded in the binary.
//!
//! Two rules hold for every function here:
//!
//! - **Scope is a parameter.** Functions that read or write owned records
//!   (organisations, people, and everything that hangs off them) take the
//!   caller's [`keqing_core::Scope`] and apply it in SQL. A record outside the
//!   scope is [`StoreError::NotFound`]; nobody can forget the check because
//!   the function cannot be called without it.
//! - **Changes are audited in their own transaction.** Every create, update
//!   and delete writes an [`audit`] entry (actor, time, entity, id, changed
//!   fields before/after) before the transaction commits, so there is no
//!   change without its entry and no entry without its change.
//!
//! Time is passed in (`now`) rather than read from the clock, so expiry and
//! throttling are testable.

#![forbid(unsafe_code)]

pub mod agenda;
pub mod audit;
pub mod backup;
pub mod calendar;
mod db;
pub mod demo;
pub mod error;
pub mod expenses;
pub mod feeds;
pub mod import;
pub mod interactions;
pub mod jobs;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod regions;
mod search_keys;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use audit::Actor;
pub use db::Engine;
pub use error::StoreError;

use chrono::{DateTime, SubsecRound, Utc};
use db::Db;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How to open the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection (and, on SQLite, for the write lock).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

/// Keqing's database.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

/// The current time, truncated to microseconds: PostgreSQL keeps no more,
/// and truncating here makes both engines hold identical values.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Store {
    /// Opens (and for SQLite creates) the database at `url`:
    /// `sqlite://path/to/keqing.db` or `postgres://user:pass@host/db`.
    ///
    /// SQLite runs in WAL mode (readers never block the writer), with foreign
    /// keys enforced, `synchronous=FULL` (a committed change survives a
    /// power cut) and a 16 MiB page cache per connection.
    #[tracing::instrument(skip_all, fields(engine))]
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        let db = if url.starts_with("sqlite:") {
            tracing::Span::current().record("engine", "sqlite");
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("invalid SQLite URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                // 16 MiB of page cache per connection, grown on demand (the
                // default 2 MiB makes large imports re-read index pages).
                .pragma("cache_size", "-16384")
                .busy_timeout(options.acquire_timeout);
            if let Some(dir) = opts.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!("cannot create the data directory {}: {e}", dir.display()))
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(opts)
                .await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            tracing::Span::current().record("engine", "postgres");
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?
                .application_name("keqing");
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(opts)
                .await?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::Config("the database URL must start with sqlite:// or postgres://".to_owned()));
        };
        Ok(Store { db })
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies every embedded migration not yet applied. Refuses to run if an
    /// applied migration was edited (its checksum differs).
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        self.seed_reference_data().await?;
        let mut tx = self.db.begin().await?;
        if let Some((people, organisations)) = search_keys::rebuild_if_pending(&mut tx).await? {
            tracing::info!(people, organisations, "built the search index");
        }
        tx.commit().await?;
        Ok(())
    }

    /// Loads reference data shipped with Keqing that the database lacks:
    /// the statutory holiday notices (`data/holidays/cn.csv`) and China's
    /// administrative divisions (`data/regions/cn.csv`).
    /// Never overwrites what an admin imported or edited.
    async fn seed_reference_data(&self) -> Result<(), StoreError> {
        use keqing_core::calendar::holidays::{BUNDLED_CSV, parse_csv};
        // The bundled file is tested to parse; a failure here is a build defect.
        let days = parse_csv(BUNDLED_CSV, None)
            .map_err(|e| StoreError::Config(format!("the bundled holiday table is invalid: {:?}", e.first())))?;
        let added = self.seed_holidays(&Actor::system("bundled data"), &days, "bundled").await?;
        if !added.is_empty() {
            tracing::info!(?added, "loaded bundled statutory holiday notices");
        }
        let regions = self.seed_regions().await?;
        if regions > 0 {
            tracing::info!(regions, "loaded the bundled administrative divisions");
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.db.conn().await?;
        let one: i64 = db::exec!(c.exec(), |c| sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(c).await)?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// For SQLite, the settings a pooled connection runs with:
    /// `(journal_mode, foreign_keys, synchronous)` — expected `("wal", true, 2)`
    /// (2 is FULL). `None` on PostgreSQL.
    pub async fn sqlite_settings(&self) -> Result<Option<(String, bool, i64)>, StoreError> {
        let Db::Sqlite(pool) = &self.db else { return Ok(None) };
        let mut c = pool.acquire().await?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *c).await?;
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *c).await?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *c).await?;
        Ok(Some((journal, fk == 1, sync)))
    }

    /// Closes every pooled connection (on shutdown; lets SQLite checkpoint).
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Formats a list of ids for an `IN (…)` clause. Ids are integers from our
/// own types, so they are safe to inline, and inlining keeps large scopes
/// clear of engines' bind-parameter limits.
pub(crate) fn id_list<I: IntoIterator<Item = i64>>(ids: I) -> String {
    let mut s = String::new();
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    if s.is_empty() { "NULL".to_owned() } else { s }
}

/// `AND <column> IN (…)` for a scope, or nothing for [`keqing_core::Scope::All`].
pub(crate) fn scope_sql(column: &str, scope: &keqing_core::Scope) -> String {
    match scope.owners() {
        None => String::new(),
        Some(owners) => format!(" AND {column} IN ({})", id_list(owners.iter().map(|u| u.0))),
    }
}
