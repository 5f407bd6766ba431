//! One storage layer, two engines.
//!
//! Keqing speaks to SQLite and PostgreSQL through sqlx's typed drivers (so
//! each engine keeps its native types: `BOOLEAN`, `TIMESTAMPTZ`, `JSONB` on
//! PostgreSQL) but writes every query once: the SQL uses `$1` placeholders,
//! which both engines accept, and the [`exec!`] macro expands a query body
//! once per engine. A store function therefore reads like plain sqlx code.
//!
//! Writers on SQLite begin with `BEGIN IMMEDIATE`: a deferred transaction that
//! reads before it writes can fail with `SQLITE_BUSY` when another writer got
//! there first, whatever the busy timeout; taking the write lock up front
//! makes writers queue instead.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server (several Keqing servers may share it).
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A pooled connection outside a transaction.
pub(crate) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A transaction; dropped without [`Tx::commit`] it rolls back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A borrowed connection of either engine, to run one query on.
pub(crate) enum Exec<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// Something queries can run on: a pooled connection or a transaction.
/// Read helpers take `&mut impl Source` so they serve both.
pub(crate) trait Source: Send {
    fn exec(&mut self) -> Exec<'_>;
}

impl Source for Conn {
    fn exec(&mut self) -> Exec<'_> {
        Conn::exec(self)
    }
}

impl Source for Tx {
    fn exec(&mut self) -> Exec<'_> {
        Tx::exec(self)
    }
}

impl Conn {
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match self {
            Conn::Sqlite(c) => Exec::Sqlite(c),
            Conn::Postgres(c) => Exec::Postgres(c),
        }
    }
}

impl Tx {
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::Sqlite(t),
            Tx::Postgres(t) => Exec::Postgres(t),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

impl Db {
    pub(crate) async fn conn(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

/// Runs `$body` once per engine with `$c` bound to the engine's
/// `&mut Connection`, which implements `sqlx::Executor`:
///
/// ```ignore
/// let n: i64 = exec!(tx.exec(), |c| sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(c).await)?;
/// ```
macro_rules! exec {
    ($exec:expr, |$c:ident| $body:expr) => {
        match $exec {
            $crate::db::Exec::Sqlite($c) => $body,
            $crate::db::Exec::Postgres($c) => $body,
        }
    };
}
pub(crate) use exec;

/// Like [`exec!`] for statements (`INSERT`/`UPDATE`/`DELETE` without
/// `RETURNING`): the body ends in `.execute(c).await`, and the macro
/// evaluates to `Result<u64, sqlx::Error>`, the number of rows affected.
macro_rules! run {
    ($exec:expr, |$c:ident| $body:expr) => {
        match $exec {
            $crate::db::Exec::Sqlite($c) => ($body).map(|r| r.rows_affected()),
            $crate::db::Exec::Postgres($c) => ($body).map(|r| r.rows_affected()),
        }
    };
}
pub(crate) use run;
