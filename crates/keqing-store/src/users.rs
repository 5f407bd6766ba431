//! Keqing's users: accounts, roles, team membership.

use crate::audit::{self, Actor, NewEntry};
use crate::db::{Source, Tx, exec, run};
use crate::error::{Result, StoreError};
use crate::{Store, id_list, now};
use chrono::{DateTime, Utc};
use keqing_core::audit::{Action, diff};
use keqing_core::model::NewUser;
use keqing_core::validate::Problem;
use keqing_core::{Role, Roles, TeamId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;

/// A user as the rest of Keqing sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Roles.
    pub roles: Roles,
    /// Team.
    pub team_id: Option<TeamId>,
    /// Preferred language (`zh-CN`, `en`), or `None` to follow the browser.
    pub locale: Option<String>,
    /// Whether the next login must set a new password.
    pub must_change_password: bool,
    /// When the account was disabled; disabled users cannot log in.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    user_id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    team_id: Option<i64>,
    locale: Option<String>,
    must_change_password: bool,
    disabled_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "user_id, username, display_name, email, team_id, locale, must_change_password, disabled_at, version, created_at, updated_at";

impl UserRow {
    fn into_user(self, roles: Roles) -> User {
        User {
            id: UserId(self.user_id),
            username: self.username,
            display_name: self.display_name,
            email: self.email,
            roles,
            team_id: self.team_id.map(TeamId),
            locale: self.locale,
            must_change_password: self.must_change_password,
            disabled_at: self.disabled_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A user and the stored password hash, for login only.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// What an admin may change about a user (besides roles and password).
#[derive(Debug, Clone, PartialEq)]
pub struct UserChanges {
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Team.
    pub team_id: Option<TeamId>,
    /// Language.
    pub locale: Option<String>,
}

fn snapshot(u: &User) -> serde_json::Value {
    serde_json::to_value(u).unwrap_or_default()
}

async fn roles_of(tx_or_conn: crate::db::Exec<'_>, ids: &[i64]) -> Result<BTreeMap<i64, Roles>> {
    let sql = format!("SELECT user_id, role FROM user_role WHERE user_id IN ({})", id_list(ids.iter().copied()));
    let rows: Vec<(i64, String)> = exec!(tx_or_conn, |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
    let mut out: BTreeMap<i64, Roles> = BTreeMap::new();
    for (id, role) in rows {
        // The CHECK constraint keeps unknown roles out; skip rather than fail.
        if let Ok(r) = role.parse::<Role>() {
            let e = out.entry(id).or_default();
            *e = e.with(r);
        }
    }
    Ok(out)
}

pub(crate) async fn load(src: &mut impl Source, id: UserId) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE user_id = $1");
    let row: Option<UserRow> =
        exec!(src.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let roles = roles_of(src.exec(), &[id.0]).await?.remove(&id.0).unwrap_or_default();
    Ok(row.into_user(roles))
}

async fn set_roles_in_tx(tx: &mut Tx, id: UserId, roles: Roles) -> Result<()> {
    run!(tx.exec(), |c| sqlx::query("DELETE FROM user_role WHERE user_id = $1").bind(id.0).execute(c).await)?;
    for r in roles.iter() {
        run!(tx.exec(), |c| {
            sqlx::query("INSERT INTO user_role (user_id, role) VALUES ($1, $2)")
                .bind(id.0)
                .bind(r.as_str())
                .execute(c)
                .await
        })?;
    }
    Ok(())
}

async fn team_exists(tx: &mut Tx, team: Option<TeamId>) -> Result<()> {
    if let Some(t) = team {
        let n: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM team WHERE team_id = $1").bind(t.0).fetch_one(c).await
        })?;
        if n == 0 {
            return Err(StoreError::invalid("team_id", Problem::UnknownReference));
        }
    }
    Ok(())
}

impl Store {
    /// How many users exist (0 on a fresh install).
    pub async fn count_users(&self) -> Result<i64> {
        let mut c = self.db.conn().await?;
        Ok(exec!(c.exec(), |c| sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(c).await)?)
    }

    /// Creates a user with an already hashed password.
    #[tracing::instrument(skip_all, fields(username = %new.username))]
    pub async fn create_user(
        &self,
        actor: &Actor,
        new: &NewUser,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<User> {
        let at = now();
        let mut tx = self.db.begin().await?;
        team_exists(&mut tx, new.team).await?;
        let id: i64 = exec!(tx.exec(), |c| {
            sqlx::query_scalar(
                "INSERT INTO app_user (username, display_name, email, password_hash, must_change_password, team_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING user_id",
            )
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(&new.email)
            .bind(password_hash)
            .bind(must_change_password)
            .bind(new.team.map(|t| t.0))
            .bind(at)
            .fetch_one(c)
            .await
        })
        .map_err(|e| StoreError::unique_as(e, "username"))?;
        set_roles_in_tx(&mut tx, UserId(id), new.roles).await?;
        let user = load(&mut tx, UserId(id)).await?;
        audit::write(
            &mut tx,
            actor,
            at,
            NewEntry {
                action: Action::Create,
                entity: "user",
                entity_id: id.to_string(),
                owner: None,
                summary: user.username.clone(),
                changes: diff(&serde_json::Value::Null, &snapshot(&user)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// One user by id.
    pub async fn user(&self, id: UserId) -> Result<User> {
        load(&mut self.db.conn().await?, id).await
    }

    /// One user by login name (case-insensitive), if it exists.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        Ok(self.credentials(username).await?.map(|c| c.user))
    }

    /// A user and their password hash, for login.
    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE username = $1");
        let mut c = self.db.conn().await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> = exec!(c.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(sql)).bind(username.trim().to_ascii_lowercase()).fetch_optional(c).await
        })?;
        let Some(row) = row else { return Ok(None) };
        let id = row.user.user_id;
        let roles = roles_of(c.exec(), &[id]).await?.remove(&id).unwrap_or_default();
        Ok(Some(Credentials { user: row.user.into_user(roles), password_hash: row.password_hash }))
    }

    /// Every user, by login name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY username");
        let mut c = self.db.conn().await?;
        let rows: Vec<UserRow> = exec!(c.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut roles = roles_of(c.exec(), &ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let rs = roles.remove(&r.user_id).unwrap_or_default();
                r.into_user(rs)
            })
            .collect())
    }

    /// Changes name, e-mail, team and language, if `version` is current.
    #[tracing::instrument(skip_all, fields(user = %id))]
    pub async fn update_user(&self, actor: &Actor, id: UserId, version: i64, ch: &UserChanges) -> Result<User> {
        let mut change = UserChange::begin(self, id, Some(version)).await?;
        team_exists(&mut change.tx, ch.team_id).await?;
        run!(change.tx.exec(), |c| {
            sqlx::query(
                "UPDATE app_user SET display_name = $1, email = $2, team_id = $3, locale = $4 WHERE user_id = $5",
            )
            .bind(&ch.display_name)
            .bind(&ch.email)
            .bind(ch.team_id.map(|t| t.0))
            .bind(&ch.locale)
            .bind(id.0)
            .execute(c)
            .await
        })?;
        change.finish(actor, Action::Update).await
    }

    /// Replaces a user's roles.
    pub async fn set_roles(&self, actor: &Actor, id: UserId, roles: Roles) -> Result<User> {
        let mut change = UserChange::begin(self, id, None).await?;
        set_roles_in_tx(&mut change.tx, id, roles).await?;
        change.finish(actor, Action::Update).await
    }

    /// Disables (or re-enables) an account. Disabling ends its sessions and
    /// revokes its API tokens at once; its customers become orphans for the
    /// manager to reassign.
    pub async fn set_disabled(&self, actor: &Actor, id: UserId, disabled: bool) -> Result<User> {
        let mut change = UserChange::begin(self, id, None).await?;
        let at = change.at;
        run!(change.tx.exec(), |c| {
            sqlx::query("UPDATE app_user SET disabled_at = $1 WHERE user_id = $2")
                .bind(disabled.then_some(at))
                .bind(id.0)
                .execute(c)
                .await
        })?;
        if disabled {
            run!(change.tx.exec(), |c| sqlx::query("DELETE FROM session WHERE user_id = $1")
                .bind(id.0)
                .execute(c)
                .await)?;
            run!(change.tx.exec(), |c| {
                sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(at)
                    .bind(id.0)
                    .execute(c)
                    .await
            })?;
        }
        change.finish(actor, Action::Update).await
    }

    /// Sets a new password hash. Every session of the user ends, so a
    /// stolen session dies with the old password; `keep_session` (the
    /// token hash of the session that made the change) survives.
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        keep_session: Option<&str>,
    ) -> Result<User> {
        let mut change = UserChange::begin(self, id, None).await?;
        run!(change.tx.exec(), |c| {
            sqlx::query("UPDATE app_user SET password_hash = $1, must_change_password = $2 WHERE user_id = $3")
                .bind(password_hash)
                .bind(must_change_password)
                .bind(id.0)
                .execute(c)
                .await
        })?;
        run!(change.tx.exec(), |c| {
            sqlx::query("DELETE FROM session WHERE user_id = $1 AND token_hash <> COALESCE($2, '')")
                .bind(id.0)
                .bind(keep_session)
                .execute(c)
                .await
        })?;
        change.finish(actor, Action::PasswordChange).await
    }
}

/// The shared shape of every user change: lock, check the version, change
/// (the caller, through `tx`), bump the version, audit the difference,
/// commit.
struct UserChange {
    tx: Tx,
    before: User,
    at: DateTime<Utc>,
}

impl UserChange {
    async fn begin(store: &Store, id: UserId, expected_version: Option<i64>) -> Result<UserChange> {
        let mut tx = store.db.begin().await?;
        let before = load(&mut tx, id).await?;
        if let Some(v) = expected_version
            && v != before.version
        {
            return Err(StoreError::Conflict { version: before.version, current: snapshot(&before) });
        }
        Ok(UserChange { tx, before, at: now() })
    }

    async fn finish(mut self, actor: &Actor, action: Action) -> Result<User> {
        let id = self.before.id;
        // The version condition catches a concurrent writer on PostgreSQL,
        // where the read in `begin` took no lock.
        let bumped = run!(self.tx.exec(), |c| {
            sqlx::query(
                "UPDATE app_user SET version = version + 1, updated_at = $1 WHERE user_id = $2 AND version = $3",
            )
            .bind(self.at)
            .bind(id.0)
            .bind(self.before.version)
            .execute(c)
            .await
        })?;
        if bumped == 0 {
            let current = load(&mut self.tx, id).await?;
            return Err(StoreError::Conflict { version: current.version, current: snapshot(&current) });
        }
        let after = load(&mut self.tx, id).await?;
        let mut changes = diff(&snapshot(&self.before), &snapshot(&after));
        if action == Action::PasswordChange {
            changes.insert(
                "password".to_owned(),
                keqing_core::audit::FieldChange {
                    before: serde_json::Value::Null,
                    after: serde_json::Value::String("changed".to_owned()),
                },
            );
        }
        audit::write(
            &mut self.tx,
            actor,
            self.at,
            NewEntry {
                action,
                entity: "user",
                entity_id: id.to_string(),
                owner: None,
                summary: after.username.clone(),
                changes,
            },
        )
        .await?;
        self.tx.commit().await?;
        Ok(after)
    }
}
