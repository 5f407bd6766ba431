//! Online backups.
//!
//! SQLite: `VACUUM INTO` writes a consistent, compacted copy of the database
//! as of one moment, while the server keeps serving (readers and the writer
//! are not blocked for longer than the copy's read transaction). PostgreSQL
//! has its own tools: use `pg_dump`.

use crate::Store;
use crate::db::{Db, run};
use crate::error::{Result, StoreError};
use std::path::Path;

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`, which
    /// must not exist yet.
    pub async fn backup_to(&self, target: &Path) -> Result<u64> {
        if matches!(self.db, Db::Postgres(_)) {
            return Err(StoreError::Config(
                "keqing backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. \
                 pg_dump --format=custom --file=keqing.dump \"$KEQING_DATABASE_URL\""
                    .to_owned(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Config(format!("{} exists already; choose a new file name", target.display())));
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let path = target.to_str().ok_or_else(|| StoreError::Config("the backup path must be UTF-8".to_owned()))?;
        let mut c = self.db.conn().await?;
        run!(c.exec(), |c| sqlx::query("VACUUM INTO $1").bind(path).execute(c).await)?;
        let size = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
        Ok(size)
    }
}
