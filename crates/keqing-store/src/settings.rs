//! Company settings that admins change in the UI, stored as JSON per key,
//! versioned and audited. The rules they hold live in keqing-core.

use crate::audit::{self, Actor};
use crate::db::{Source, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, now};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::types::Json;

/// The key of the classification rules.
pub const CLASSIFICATION: &str = "classification";

/// A stored setting and its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Version (0: never saved, the default is in force).
    pub version: i64,
}

pub(crate) async fn read<T: DeserializeOwned + Default>(src: &mut impl Source, key: &str) -> Result<Versioned<T>> {
    let row: Option<(Json<serde_json::Value>, i64)> = exec!(src.exec(), |c| {
        sqlx::query_as("SELECT value, version FROM setting WHERE key = $1").bind(key).fetch_optional(c).await
    })?;
    Ok(match row {
        // A stored value that no longer parses (a field renamed in an
        // upgrade) falls back to the defaults rather than failing requests.
        Some((Json(v), version)) => Versioned { value: serde_json::from_value(v).unwrap_or_default(), version },
        None => Versioned { value: T::default(), version: 0 },
    })
}

impl Store {
    /// A setting, or its default.
    pub async fn setting<T: DeserializeOwned + Default>(&self, key: &str) -> Result<Versioned<T>> {
        read(&mut self.db.conn().await?, key).await
    }

    /// Saves a setting if `version` is current (0 for never saved).
    pub async fn set_setting<T: Serialize + DeserializeOwned + Default>(
        &self,
        actor: &Actor,
        key: &str,
        version: i64,
        value: &T,
    ) -> Result<Versioned<T>> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let before: Versioned<serde_json::Value> = {
            let row: Option<(Json<serde_json::Value>, i64)> = exec!(tx.exec(), |c| {
                sqlx::query_as("SELECT value, version FROM setting WHERE key = $1").bind(key).fetch_optional(c).await
            })?;
            row.map(|(Json(v), ver)| Versioned { value: v, version: ver })
                .unwrap_or(Versioned { value: serde_json::Value::Null, version: 0 })
        };
        if before.version != version {
            return Err(StoreError::Conflict { version: before.version, current: before.value });
        }
        let json = serde_json::to_value(value).unwrap_or_default();
        run!(tx.exec(), |c| {
            sqlx::query(
                "INSERT INTO setting (key, value, version, updated_at) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = setting.version + 1, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(Json(&json))
            .bind(at)
            .execute(c)
            .await
        })?;
        let entry = crate::audit::NewEntry {
            action: if before.version == 0 {
                keqing_core::audit::Action::Create
            } else {
                keqing_core::audit::Action::Update
            },
            entity: "setting",
            entity_id: key.to_owned(),
            owner: None,
            summary: key.to_owned(),
            changes: keqing_core::audit::diff(&before.value, &json),
        };
        audit::write(&mut tx, actor, at, entry).await?;
        let after = read(&mut tx, key).await?;
        tx.commit().await?;
        Ok(after)
    }
}
