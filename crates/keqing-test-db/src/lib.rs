//! Fresh databases for tests.
//!
//! [`TestDb::sqlite`] gives a new SQLite file in a temporary directory;
//! [`TestDb::postgres`] a new database on the throwaway cluster that
//! `scripts/test` starts (its admin URL is in `KEQING_TEST_PG_URL`). When
//! `KEQING_REQUIRE_PG=1` (set by `scripts/test`), a missing cluster is a test
//! failure rather than a skip, so CI can never pass without PostgreSQL.

#![forbid(unsafe_code)]

use sqlx::Connection;

/// Which engine a test database runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A fresh, empty database. The SQLite file is deleted on drop; PostgreSQL
/// databases go with the throwaway cluster.
#[derive(Debug)]
pub struct TestDb {
    /// The engine.
    pub backend: Backend,
    /// The URL to give `keqing` (`sqlite://…` or `postgres://…`).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

fn unique_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("random source");
    hex::encode(b)
}

impl TestDb {
    /// A new SQLite database file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("keqing.db").display());
        TestDb { backend: Backend::Sqlite, url, _dir: Some(dir) }
    }

    /// A new PostgreSQL database, or `None` when no cluster is configured
    /// (panics instead when `KEQING_REQUIRE_PG=1`).
    pub async fn postgres() -> Option<TestDb> {
        let admin = match std::env::var("KEQING_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var("KEQING_REQUIRE_PG").as_deref() != Ok("1"),
                    "KEQING_REQUIRE_PG=1 but KEQING_TEST_PG_URL is not set: run the tests through scripts/test"
                );
                eprintln!("note: KEQING_TEST_PG_URL not set; skipping the PostgreSQL half of this test");
                return None;
            }
        };
        let name = format!("keqing_test_{}", unique_suffix());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the test cluster");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create a test database");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(b, _)| b).expect("admin URL with a database name");
        Some(TestDb { backend: Backend::Postgres, url: format!("{base}/{name}"), _dir: None })
    }

    /// SQLite, plus PostgreSQL when available: run a storage story on each.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        v.extend(TestDb::postgres().await);
        v
    }

    /// The engine named by `KEQING_TEST_BACKEND` (`sqlite`, the default, or
    /// `postgres`), for suites that `scripts/test` runs once per engine.
    pub async fn from_env() -> TestDb {
        match std::env::var("KEQING_TEST_BACKEND").as_deref() {
            Ok("postgres") => TestDb::postgres().await.expect("KEQING_TEST_BACKEND=postgres needs KEQING_TEST_PG_URL"),
            _ => TestDb::sqlite(),
        }
    }
}
