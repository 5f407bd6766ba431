//! Configuration: defaults → `keqing.toml` → `KEQING_*` environment →
//! command-line flags, each layer overriding the one before. Secrets (the
//! database password, the initial admin password) never appear in logs.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Keqing's settings. Every field can be set in `keqing.toml` or as
/// `KEQING_<FIELD>` (e.g. `KEQING_DATABASE_URL`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; default: `keqing.db` in `data_dir`.
    pub database_url: Option<String>,
    /// Where the SQLite database and backups live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy you control.
    pub trust_proxy_headers: bool,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: i64,
    /// Largest request body, in KiB.
    pub max_body_kib: usize,
    /// Database connection pool size.
    pub db_max_connections: u32,
    /// Log filter (`info`, `keqing=debug,info`, …); `RUST_LOG` wins.
    pub log: String,
    /// Seconds between background-job rounds.
    pub job_interval_secs: u64,
    /// Password for the first administrator on an empty database; if unset,
    /// a random one is generated and printed once.
    pub admin_password: Option<String>,
    /// The company's time zone (IANA name): working days, deadlines, "today".
    pub timezone: String,
    /// When a working day ends ("HH:MM"), for "by the end of the 3rd working day".
    pub closing_time: String,
    /// Lunar day 30 in a 29-day month: `last_day_of_month` or `first_day_of_next_month`.
    pub lunar_missing_day_30: keqing_core::calendar::lunar::MissingDay30,
    /// A leap-month date in a year without that leap month: `regular_month` or `skip`.
    pub lunar_absent_leap_month: keqing_core::calendar::lunar::AbsentLeapMonth,
    /// 29 February in a common year: `feb28` or `mar1`.
    pub feb29: keqing_core::calendar::lunar::Feb29,
    /// The address users reach Keqing at (`https://keqing.example.com`), for
    /// links in reminders; unset: no link.
    pub public_url: Option<String>,
    /// SMTP relay for e-mail reminders (host); unset: e-mail reminders fail
    /// with "no SMTP relay configured". Plain SMTP (a relay on the local
    /// network or machine); STARTTLS is not spoken.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: u16,
    /// The sender address.
    pub smtp_from: String,
    /// SMTP user (AUTH PLAIN), if the relay asks.
    pub smtp_username: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            data_dir: PathBuf::from("keqing-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            trust_proxy_headers: false,
            session_idle_minutes: 7 * 24 * 60,
            max_body_kib: 1024,
            db_max_connections: 10,
            log: "info".to_owned(),
            job_interval_secs: 60,
            admin_password: None,
            timezone: "Asia/Shanghai".to_owned(),
            closing_time: "18:00".to_owned(),
            lunar_missing_day_30: Default::default(),
            lunar_absent_leap_month: Default::default(),
            feb29: Default::default(),
            public_url: None,
            smtp_host: None,
            smtp_port: 25,
            smtp_from: "keqing@localhost".to_owned(),
            smtp_username: None,
            smtp_password: None,
        }
    }
}

/// A URL with its password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url()))
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("max_body_kib", &self.max_body_kib)
            .field("db_max_connections", &self.db_max_connections)
            .field("log", &self.log)
            .field("job_interval_secs", &self.job_interval_secs)
            .field("admin_password", &self.admin_password.as_ref().map(|_| "***"))
            .field("timezone", &self.timezone)
            .field("closing_time", &self.closing_time)
            .field("lunar_missing_day_30", &self.lunar_missing_day_30)
            .field("lunar_absent_leap_month", &self.lunar_absent_leap_month)
            .field("feb29", &self.feb29)
            .field("public_url", &self.public_url)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Config {
    /// Loads the layers. `file` is the `--config` flag; without it,
    /// `./keqing.toml` is read if it exists.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(f.exists(), "config file {} does not exist", f.display());
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("keqing.toml")),
        }
        // KEQING_TEST_* and KEQING_REQUIRE_* belong to the test harness, not to Keqing.
        fig = fig.merge(Env::prefixed("KEQING_").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            !key.starts_with("test_") && !key.starts_with("require_")
        }));
        fig.extract().map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
    }

    /// The effective database URL.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("keqing.db").display()))
    }

    /// The company's time zone.
    pub fn zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "invalid configuration: timezone {:?} is not an IANA time zone such as Asia/Shanghai",
                self.timezone
            )
        })
    }

    /// When a working day ends.
    pub fn closing(&self) -> anyhow::Result<chrono::NaiveTime> {
        chrono::NaiveTime::parse_from_str(&self.closing_time, "%H:%M")
            .map_err(|_| anyhow::anyhow!("invalid configuration: closing_time {:?} is not HH:MM", self.closing_time))
    }

    /// The rules for dates a year does not have.
    pub fn date_policy(&self) -> anyhow::Result<keqing_core::calendar::lunar::Policy> {
        Ok(keqing_core::calendar::lunar::Policy {
            missing_day_30: self.lunar_missing_day_30,
            absent_leap_month: self.lunar_absent_leap_month,
            feb29: self.feb29,
        })
    }

    /// The HTTP layer's settings.
    pub fn web_settings(&self) -> anyhow::Result<keqing_web::Settings> {
        Ok(keqing_web::Settings {
            secure_cookies: self.secure_cookies,
            session_idle: chrono::Duration::minutes(self.session_idle_minutes.max(5)),
            trust_proxy_headers: self.trust_proxy_headers,
            max_body_bytes: self.max_body_kib.max(16) * 1024,
            throttle: Default::default(),
            zone: self.zone()?,
            closing: self.closing()?,
            date_policy: self.date_policy()?,
            public_url: self.public_url.clone().map(|u| u.trim_end_matches('/').to_owned()),
            smtp: self.smtp_host.clone().map(|host| keqing_web::Smtp {
                host,
                port: self.smtp_port,
                from: self.smtp_from.clone(),
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
            }),
        })
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's error type, not ours
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_debug_output() {
        let c = Config {
            database_url: Some("postgres://keqing:s3cret@db.internal/keqing".into()),
            admin_password: Some("hunter2hunter2".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://keqing:***@db.internal/keqing"));
    }

    #[test]
    fn the_default_database_is_a_file_in_the_data_directory() {
        assert_eq!(Config::default().database_url(), "sqlite://keqing-data/keqing.db");
    }

    #[test]
    fn layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("keqing.toml", "listen = \"0.0.0.0:9000\"\nlog = \"debug\"\n")?;
            jail.set_env("KEQING_LOG", "warn");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000, "file over default");
            assert_eq!(c.log, "warn", "environment over file");
            Ok(())
        });
    }

    #[test]
    fn the_test_harness_variables_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("KEQING_TEST_PG_DIR", "/tmp/x");
            jail.set_env("KEQING_REQUIRE_BROWSER", "1");
            Config::load(None).map_err(|e| e.to_string())?;
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_are_errors_not_silence() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("keqing.toml", "lisen = \"0.0.0.0:9000\"\n")?;
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("lisen"), "{err}");
            Ok(())
        });
    }
}
