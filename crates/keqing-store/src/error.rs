//! What can go wrong in the store, in terms the web layer can map to a
//! status code without inspecting database error strings.

use keqing_core::validate::{FieldErrors, Problem};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or is outside the caller's scope (the two
    /// are deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// Another writer changed the record since the caller read it.
    #[error("the record was changed by someone else; it is now at version {version}")]
    Conflict {
        /// The record's current version.
        version: i64,
        /// The record's current values, so the client can merge.
        current: serde_json::Value,
    },
    /// Input that conflicts with stored data (a taken username, an unknown
    /// owner); the client can fix it.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The database URL or data directory is unusable.
    #[error("{0}")]
    Config(String),
    /// The database failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A migration failed or an applied migration was edited.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// A single-field input error.
    pub fn invalid(field: &str, problem: Problem) -> Self {
        StoreError::Invalid(FieldErrors::one(field, problem))
    }

    /// Turns a unique-constraint violation into "`field` is taken", leaving
    /// other errors alone.
    pub(crate) fn unique_as(e: sqlx::Error, field: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::invalid(field, Problem::Taken),
            _ => StoreError::Database(e),
        }
    }
}

/// The database driver's error, for callers that classify failures.
pub use sqlx::Error as SqlxError;

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
