//! The command line.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Keqing (客情): remember every customer as a person, know whom to see
/// today and why, keep relationship expenses honest.
#[derive(Debug, Parser)]
#[command(name = "keqing", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./keqing.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://path/keqing.db or postgres://user:pass@host/db
    /// (overrides KEQING_DATABASE_URL and the file).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory for the SQLite database and backups (default: ./keqing-data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (creates and migrates the database, and the first
    /// administrator if there is no user yet).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the SQLite database while Keqing runs
    /// (for PostgreSQL, use pg_dump).
    Backup(BackupArgs),
    /// The Chinese business calendar: lunar dates, working days, holidays.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Load the demo company: managers, reps, teams, ~500 organisations and
    /// ~1,500 people (families, referrals, territories) in Yunnan, Guizhou and Sichuan. Never on a production database.
    Demo,
    /// Import people from a CSV (UTF-8, GBK or UTF-16) or Excel file: a
    /// preview naming every row error and duplicate, then — unless
    /// --dry-run or there are errors — every row or none.
    Import(ImportArgs),
    /// Print the OpenAPI 3.1 document of the JSON API.
    Openapi,
    /// Print the version.
    Version,
}

/// `keqing serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; use 0.0.0.0:8080 for the network).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Also load the demo company (if not loaded yet).
    #[arg(long)]
    pub demo: bool,
}

/// `keqing import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: .csv, .txt (tab-separated), .xlsx, .xls.
    pub file: PathBuf,
    /// The user importing: owner of rows without a 负责人 (owner) column,
    /// named in the audit log.
    #[arg(long, value_name = "USERNAME")]
    pub owner: String,
    /// CSV encoding: auto, utf-8, gbk, utf-16.
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Rows matching someone already there: skip, merge (fill their empty
    /// fields) or create.
    #[arg(long, default_value = "skip", value_name = "skip|merge|create")]
    pub on_duplicate: String,
    /// Only preview: check every row, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `keqing backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (default: DATA_DIR/backups/keqing-YYYYMMDD-HHMMSS.db).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `keqing user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a password is generated,
    /// printed once, and must be changed at first login.
    Add {
        /// Login name (a-z 0-9 . _ -).
        username: String,
        /// Display name, e.g. 张伟.
        #[arg(long)]
        name: String,
        /// Role: rep, clerk, manager, finance, admin (repeatable).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// Team name.
        #[arg(long)]
        team: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Disable a user: sessions end, API tokens are revoked, customers become orphans.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        /// Login name.
        username: String,
    },
    /// Set a new password (generated and printed unless --password-stdin;
    /// the user must change a generated one at next login).
    Passwd {
        /// Login name.
        username: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Show or change a user's roles.
    Role {
        /// Login name.
        username: String,
        /// Add a role (repeatable).
        #[arg(long, value_name = "ROLE")]
        add: Vec<String>,
        /// Remove a role (repeatable).
        #[arg(long, value_name = "ROLE")]
        remove: Vec<String>,
    },
}

/// `keqing calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// The lunar date of a Gregorian day: `keqing calendar lunar 2026-09-25`.
    Lunar {
        /// YYYY-MM-DD.
        date: String,
    },
    /// The Gregorian day of a lunar month-day in a lunar year:
    /// `keqing calendar solar --lunar 8-15 --year 2027` (leap month: `--lunar 闰6-1`).
    Solar {
        /// Lunar month-day, e.g. 8-15; a leap month: 闰6-1 or L6-1.
        #[arg(long)]
        lunar: String,
        /// Lunar year (default: the current one).
        #[arg(long)]
        year: Option<i32>,
    },
    /// The n-th working day of a month: `keqing calendar workday 2026-10 8`.
    Workday {
        /// YYYY-MM.
        month: String,
        /// Which working day (1-based).
        n: u32,
    },
    /// A year's statutory holidays, make-up working days and festivals.
    Holidays {
        /// Gregorian year.
        year: i32,
    },
    /// Import a year's State Council notice from a CSV file (date,kind,name),
    /// replacing that year's days all or nothing.
    Import {
        /// The CSV file (UTF-8).
        file: std::path::PathBuf,
        /// The notice's year (default: the year of the file's first date).
        #[arg(long)]
        year: Option<i32>,
        /// Check and compare only; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}
