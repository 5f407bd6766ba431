//! What the audit log records about a change.
//!
//! Every create, update and delete of business data is written to the audit
//! log in the same transaction as the change itself, with the fields that
//! changed and their values before and after. This module computes that
//! difference from two JSON snapshots of a record; the store writes it.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A record was deleted (its last values are kept in the entry).
    Delete,
    /// A security event: successful login.
    Login,
    /// A security event: login refused because of too many failures.
    LoginThrottled,
    /// A security event: a password was changed or reset.
    PasswordChange,
    /// Personal fields of a person were viewed (PIPL access log).
    View,
    /// Personal data was exported.
    Export,
    /// Personal data was erased.
    Erase,
    /// A file was imported (one entry for the whole import).
    Import,
}

impl Action {
    /// The identifier stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Login => "login",
            Action::LoginThrottled => "login_throttled",
            Action::PasswordChange => "password_change",
            Action::View => "view",
            Action::Export => "export",
            Action::Erase => "erase",
            Action::Import => "import",
        }
    }
}

/// One field's value before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The value before (`null` when created).
    pub before: Value,
    /// The value after (`null` when deleted).
    pub after: Value,
}

/// The changed fields of one record, by name.
pub type Changes = BTreeMap<String, FieldChange>;

/// Fields never written to the audit log, whatever the entity.
const SECRET_FIELDS: &[&str] = &["password_hash", "token_hash", "csrf_token"];

/// The fields that differ between two snapshots. A missing field counts as
/// `null`; bookkeeping fields (`version`, `updated_at`) and secrets are left
/// out so the entry shows what a person changed.
pub fn diff(before: &Value, after: &Value) -> Changes {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Changes::new();
    for key in b.keys().chain(a.keys()) {
        if out.contains_key(key)
            || SECRET_FIELDS.contains(&key.as_str())
            || matches!(key.as_str(), "version" | "updated_at" | "created_at")
        {
            continue;
        }
        let (bv, av) = (b.get(key).unwrap_or(&Value::Null), a.get(key).unwrap_or(&Value::Null));
        if bv != av {
            out.insert(key.clone(), FieldChange { before: bv.clone(), after: av.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_recorded() {
        let before = json!({"name": "佳佳超市", "phone": "13812345678", "version": 1});
        let after = json!({"name": "佳佳超市", "phone": "13900001111", "version": 2});
        let d = diff(&before, &after);
        assert_eq!(d.len(), 1);
        assert_eq!(d["phone"].before, json!("13812345678"));
        assert_eq!(d["phone"].after, json!("13900001111"));
    }

    #[test]
    fn create_and_delete_diff_against_nothing() {
        let rec = json!({"name": "a", "notes": null});
        let created = diff(&Value::Null, &rec);
        assert_eq!(created.keys().collect::<Vec<_>>(), ["name"]);
        let deleted = diff(&rec, &Value::Null);
        assert_eq!(deleted["name"].after, Value::Null);
    }

    #[test]
    fn secrets_never_reach_the_log() {
        let d = diff(&json!({"password_hash": "x"}), &json!({"password_hash": "y"}));
        assert!(d.is_empty());
    }
}
