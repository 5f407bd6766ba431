//! # keqing — the binary's library
//!
//! `main.rs` parses the command line and calls [`run`]; every subcommand is
//! a function here over the [`keqing_store::Store`] and the
//! [`keqing_web`] application, so the integration tests drive the same code.

#![forbid(unsafe_code)]

pub mod cli;
pub mod config;

use anyhow::{Context, bail};
use cli::{CalendarCommand, Cli, Command, ServeArgs, UserCommand};
use config::Config;
use keqing_core::model::UserDraft;
use keqing_core::{Role, Roles};
use keqing_store::{Actor, Store, StoreOptions, secrets};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        config.database_url = Some(url);
    }
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    if let Command::Serve(ServeArgs { listen: Some(l), .. }) = &cli.command {
        config.listen = *l;
    }
    init_logging(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(config, args.demo).await,
            Command::Migrate => {
                open(&config).await?;
                println!("migrations applied to {}", config::redact_url(&config.database_url()));
                Ok(())
            }
            Command::User(cmd) => user(&config, cmd).await,
            Command::Backup(args) => backup(&config, args.output).await,
            Command::Demo => demo(&open(&config).await?).await,
            Command::Import(args) => import(&open(&config).await?, &args).await,
            Command::Calendar(cmd) => calendar(&config, cmd).await,
            Command::Openapi => {
                println!("{}", serde_json::to_string_pretty(&keqing_web::openapi())?);
                Ok(())
            }
            Command::Version => {
                println!("keqing {}", env!("CARGO_PKG_VERSION"));
                Ok(())
            }
        }
    })
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log));
    // Logs go to stderr; stdout carries what the user asked for.
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Opens and migrates the configured database.
pub async fn open(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    let options = StoreOptions { max_connections: config.db_max_connections, ..StoreOptions::default() };
    let store = Store::open(&url, &options)
        .await
        .with_context(|| format!("opening the database {}", config::redact_url(&url)))?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

fn cli_actor() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
    Actor::system(&format!("cli:{who}"))
}

/// Creates the first administrator on an empty database. Returns the
/// generated password, if one was generated.
pub async fn bootstrap_admin(store: &Store, config: &Config) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let generated = config.admin_password.is_none().then(secrets::new_password);
    let password = config.admin_password.clone().or(generated.clone()).unwrap_or_default();
    let draft = UserDraft {
        username: "admin".into(),
        display_name: "管理员".into(),
        password,
        roles: vec!["admin".into()],
        ..Default::default()
    };
    let new = draft.parse().map_err(|e| anyhow::anyhow!("admin_password: {e}"))?;
    let hash = secrets::hash_password(&new.password)?;
    // A generated password is for one use: it was printed to a console.
    store.create_user(&Actor::system("bootstrap"), &new, &hash, generated.is_some()).await?;
    Ok(generated)
}

/// The language of messages on the terminal: Chinese when `LANG` says so.
fn terminal_lang() -> keqing_web::i18n::Lang {
    let lang = std::env::var("LC_ALL").or_else(|_| std::env::var("LANG")).unwrap_or_default();
    if lang.starts_with("zh") { keqing_web::i18n::Lang::Zh } else { keqing_web::i18n::Lang::En }
}

async fn import(store: &Store, args: &cli::ImportArgs) -> anyhow::Result<()> {
    use keqing_store::import::{CommitPlan, ImportOptions};
    let lang = terminal_lang();
    let user = store.user_by_username(&args.owner).await?.with_context(|| format!("no user {:?}", args.owner))?;
    if user.disabled_at.is_some() {
        bail!("user {:?} is disabled", args.owner);
    }
    let encoding = keqing_core::table::Encoding::parse(&args.encoding)
        .map_err(|p| anyhow::anyhow!("--encoding: {}", keqing_web::i18n::problem(lang, &p)))?;
    let on_duplicate = keqing_core::import::OnDuplicate::parse(&args.on_duplicate)
        .map_err(|p| anyhow::anyhow!("--on-duplicate: {}", keqing_web::i18n::problem(lang, &p)))?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let options = ImportOptions { encoding, mapping: None };
    let started = std::time::Instant::now();
    let scope = keqing_core::Scope::All;
    let p = store.preview_import(Some(user.id), &scope, user.id, &name, &bytes, &options).await?;
    eprintln!(
        "{name}: {} rows, {} valid, {} errors, {} possible duplicates, {} new organisations ({:.1} s)",
        p.rows,
        p.valid_rows,
        p.error_count,
        p.duplicate_count,
        p.new_organisation_count,
        started.elapsed().as_secs_f64()
    );
    if let Some(problem) = &p.file_problem {
        bail!("{name}: {}", keqing_web::i18n::problem(lang, problem));
    }
    let columns: Vec<String> =
        p.headers.iter().zip(&p.mapping).map(|(h, m)| format!("{h} → {}", m.map_or("-", |c| c.as_str()))).collect();
    eprintln!("columns: {}", columns.join(", "));
    for e in p.errors.iter().take(200) {
        eprintln!("row {} {} {:?}: {}", e.row, e.column, e.value, keqing_web::i18n::problem(lang, &e.problem));
    }
    if p.error_count > 200 {
        eprintln!("… and {} more errors", p.error_count - 200);
    }
    for d in p.duplicates.iter().take(20) {
        let with = match (&d.existing_name, d.earlier_row) {
            (Some(n), _) => format!("{n} (#{})", d.existing_id.unwrap_or_default()),
            (None, Some(r)) => format!("row {r}"),
            _ => String::new(),
        };
        eprintln!("row {} {} looks like {with} ({:?})", d.row, d.name, d.by);
    }
    if p.error_count > 0 {
        bail!("{} errors: nothing imported; fix the file and run again", p.error_count);
    }
    if args.dry_run {
        eprintln!("dry run: nothing imported");
        return Ok(());
    }
    store.start_import(p.batch_id, None, on_duplicate).await?;
    let actor = Actor { user_id: Some(user.id), name: format!("{} (cli)", user.username), ip: None };
    let plan = CommitPlan {
        batch: p.batch_id,
        scope,
        default_owner: user.id,
        options: store.batch_options(p.batch_id).await?,
        on_duplicate,
    };
    let progress = |done: usize, total: usize| {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        eprint!("\rimporting {done}/{total} ({pct}%)");
    };
    let started = std::time::Instant::now();
    let r = store.commit_import(&actor, &plan, &progress).await?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!();
    println!(
        "imported {name}: {} created, {} merged, {} skipped, {} organisations created in {secs:.1} s ({:.0} rows/s)",
        r.created,
        r.merged,
        r.skipped,
        r.organisations_created,
        p.valid_rows as f64 / secs.max(0.001)
    );
    Ok(())
}

async fn demo(store: &Store) -> anyhow::Result<()> {
    let today = chrono::Local::now().date_naive();
    let company = keqing_core::demo::company(today);
    let hash = secrets::hash_password(keqing_core::demo::DEMO_PASSWORD)?;
    match store.load_demo(&Actor::system("demo"), &company, &hash, today).await? {
        keqing_store::demo::DemoOutcome::Loaded { users, organisations, people, interactions } => {
            println!(
                "demo company loaded: {users} users, {organisations} organisations, {people} people, {interactions} interactions"
            );
            println!(
                "demo users (password {}): {}",
                keqing_core::demo::DEMO_PASSWORD,
                company
                    .users
                    .iter()
                    .map(|u| format!("{} ({})", u.username, u.roles.join("+")))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        keqing_store::demo::DemoOutcome::AlreadyLoaded => println!("demo company already loaded"),
    }
    if let Some(e) = store.load_expense_demo(today).await? {
        println!("expense demo: {} ledger lines, {} statements", e.ledger_lines, e.statements);
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

/// `keqing serve`.
async fn serve(config: Config, with_demo: bool) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let store = open(&config).await?;
    if let Some(password) = bootstrap_admin(&store, &config).await? {
        println!("────────────────────────────────────────────────────────────");
        println!(" First administrator created.  用户名 username: admin");
        println!("                               密码 password:  {password}");
        println!(" Shown once. You will be asked to choose a new password.");
        println!("────────────────────────────────────────────────────────────");
    }
    if with_demo {
        demo(&store).await?;
    }
    let state = keqing_web::AppState::new(store.clone(), config.web_settings()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker_id = format!("{}-{}", std::process::id(), &secrets::new_token()[..8]);
    let worker = tokio::spawn(keqing_web::jobs::worker(
        state.clone(),
        worker_id,
        Duration::from_secs(config.job_interval_secs.max(1)),
        stop_rx,
    ));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (is another Keqing running?)", config.listen))?;
    let addr = listener.local_addr()?;
    println!("Keqing is ready: http://{addr}/");
    std::io::stdout().flush().ok();
    let app = keqing_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn backup(config: &Config, output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    if config.database_url().starts_with("postgres") {
        bail!(
            "keqing backup copies the embedded SQLite database; for PostgreSQL use its own tools, e.g.\n  \
             pg_dump --format=custom --file=keqing.dump \"$KEQING_DATABASE_URL\""
        );
    }
    let store = open(config).await?;
    let target = output.unwrap_or_else(|| {
        config.data_dir.join("backups").join(format!("keqing-{}.db", chrono::Local::now().format("%Y%m%d-%H%M%S")))
    });
    let size = store.backup_to(&target).await?;
    println!("backup written: {} ({} KiB)", target.display(), size / 1024);
    Ok(())
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn parse_role_list(values: &[String]) -> anyhow::Result<Vec<Role>> {
    values.iter().map(|v| v.parse::<Role>().map_err(anyhow::Error::from)).collect()
}

async fn find_user(store: &Store, username: &str) -> anyhow::Result<keqing_store::users::User> {
    store.user_by_username(username).await?.with_context(|| format!("no user named {username:?}"))
}

/// `keqing user …`.
async fn user(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let store = open(config).await?;
    let actor = cli_actor();
    match cmd {
        UserCommand::Add { username, name, roles, email, team, password_stdin } => {
            let team_id = match team {
                Some(t) => Some(
                    store
                        .list_teams()
                        .await?
                        .into_iter()
                        .find(|x| x.name == t)
                        .map(|x| keqing_core::TeamId(x.id))
                        .with_context(|| format!("no team named {t:?}"))?,
                ),
                None => None,
            };
            let (password, generated) =
                if password_stdin { (read_password_stdin()?, false) } else { (secrets::new_password(), true) };
            let draft = UserDraft {
                username,
                display_name: name,
                email: email.unwrap_or_default(),
                password: password.clone(),
                roles,
                team: team_id,
            };
            let new = draft.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let hash = secrets::hash_password(&new.password)?;
            let user = store.create_user(&actor, &new, &hash, generated).await?;
            println!("created user {} (id {})", user.username, user.id);
            if generated {
                println!("initial password (shown once, must be changed at first login): {password}");
            }
        }
        UserCommand::List => {
            println!("{:<6} {:<20} {:<12} {:<28} status", "id", "username", "name", "roles");
            for u in store.list_users().await? {
                let roles: Vec<&str> = u.roles.iter().map(Role::as_str).collect();
                let status = if u.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{:<6} {:<20} {:<12} {:<28} {}", u.id, u.username, u.display_name, roles.join(","), status);
            }
        }
        UserCommand::Disable { username } => {
            let u = find_user(&store, &username).await?;
            store.set_disabled(&actor, u.id, true).await?;
            println!("disabled {username}: sessions ended, API tokens revoked");
        }
        UserCommand::Enable { username } => {
            let u = find_user(&store, &username).await?;
            store.set_disabled(&actor, u.id, false).await?;
            println!("enabled {username}");
        }
        UserCommand::Passwd { username, password_stdin } => {
            let u = find_user(&store, &username).await?;
            let (password, generated) =
                if password_stdin { (read_password_stdin()?, false) } else { (secrets::new_password(), true) };
            keqing_core::validate::new_password(&password, &u.username).map_err(|p| anyhow::anyhow!("password {p}"))?;
            let hash = secrets::hash_password(&password)?;
            store.set_password(&actor, u.id, &hash, generated, None).await?;
            if generated {
                println!("new password for {username} (shown once, must be changed at next login): {password}");
            } else {
                println!("password changed for {username}");
            }
        }
        UserCommand::Role { username, add, remove } => {
            let u = find_user(&store, &username).await?;
            if add.is_empty() && remove.is_empty() {
                let roles: Vec<&str> = u.roles.iter().map(Role::as_str).collect();
                println!("{username}: {}", roles.join(", "));
                return Ok(());
            }
            let add = parse_role_list(&add)?;
            let remove = parse_role_list(&remove)?;
            let roles: Roles = u.roles.iter().chain(add).filter(|r| !remove.contains(r)).collect();
            if u.roles.has(Role::Admin) && !roles.has(Role::Admin) {
                let admins = store
                    .list_users()
                    .await?
                    .into_iter()
                    .filter(|x| x.roles.has(Role::Admin) && x.disabled_at.is_none())
                    .count();
                if admins <= 1 {
                    bail!("{username} is the last administrator; make someone else admin first");
                }
            }
            let u = store.set_roles(&actor, u.id, roles).await?;
            let roles: Vec<&str> = u.roles.iter().map(Role::as_str).collect();
            println!("{username}: {}", roles.join(", "));
        }
    }
    Ok(())
}

fn parse_day(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .with_context(|| format!("{text:?} is not a date (YYYY-MM-DD)"))
}

async fn work_calendar(config: &Config) -> anyhow::Result<(Store, keqing_core::calendar::workday::WorkCalendar)> {
    let store = open(config).await?;
    let (years, days) = store.holiday_table().await?;
    let cal = keqing_core::calendar::workday::WorkCalendar::new(
        years.iter().map(|y| y.year as i32),
        days,
        config.zone()?,
        config.closing()?,
    );
    Ok((store, cal))
}

fn provisional_note(cal: &keqing_core::calendar::workday::WorkCalendar, year: i32) -> String {
    let missing: Vec<String> =
        [year, year + 1].iter().filter(|y| !cal.knows_year(**y)).map(|y| y.to_string()).collect();
    format!(
        "  (provisional: no statutory holiday notice loaded for {}; computed Monday–Friday — import it with `keqing calendar import`)",
        missing.join(", ")
    )
}

/// `keqing calendar …`.
async fn calendar(config: &Config, cmd: CalendarCommand) -> anyhow::Result<()> {
    use keqing_core::calendar::festival;
    use keqing_core::calendar::holidays::{DayKind, parse_csv};
    use keqing_core::calendar::lunar::{LunarDate, LunarMonthDay, year_name};
    match cmd {
        CalendarCommand::Lunar { date } => {
            let d = parse_day(&date)?;
            let l = LunarDate::from_solar(d)?;
            let fest: Vec<&str> = festival::on(d)?.iter().map(|f| f.label(true)).collect();
            println!(
                "{d} = 农历{}（{}年，属{}）{}",
                l.chinese(),
                year_name(l.year).0,
                year_name(l.year).1,
                if fest.is_empty() { String::new() } else { format!(" {}", fest.join("、")) }
            );
        }
        CalendarCommand::Solar { lunar, year } => {
            let md = LunarMonthDay::parse(&lunar)?;
            let year = match year {
                Some(y) => y,
                None => LunarDate::from_solar(chrono::Utc::now().with_timezone(&config.zone()?).date_naive())?.year,
            };
            match md.in_lunar_year(year, &config.date_policy()?)? {
                Some(r) => {
                    println!("农历{year}年{} = {} ({})", md.chinese(), r.date, r.date.format("%A"));
                    if let Some(a) = r.adjustment {
                        println!("  {} / {}", a.explain(true), a.explain(false));
                    }
                }
                None => println!("农历{year}年没有{}（policy: skip）", md.chinese()),
            }
        }
        CalendarCommand::Workday { month, n } => {
            let (y, m) = month.split_once('-').context("month must be YYYY-MM")?;
            let (y, m): (i32, u32) =
                (y.parse().context("month must be YYYY-MM")?, m.parse().context("month must be YYYY-MM")?);
            let (_, cal) = work_calendar(config).await?;
            let d = cal.nth_working_day(y, m, n)?;
            println!(
                "working day {n} of {y}-{m:02}: {} ({}), ends {}",
                d.value,
                d.value.format("%A"),
                cal.end_of_day(d.value).with_timezone(&cal.zone()).format("%Y-%m-%d %H:%M %Z")
            );
            if d.provisional {
                println!("{}", provisional_note(&cal, y));
            }
        }
        CalendarCommand::Holidays { year } => {
            let (store, cal) = work_calendar(config).await?;
            if cal.knows_year(year) {
                let (years, _) = store.holiday_table().await?;
                let source =
                    years.iter().find(|y| y.year == i64::from(year)).map(|y| y.source.clone()).unwrap_or_default();
                println!("{year} statutory holidays (source: {source})");
            } else {
                println!("{year}: no statutory holiday notice loaded — working days are provisional (Monday–Friday)");
            }
            for d in store.holiday_days(year).await? {
                let kind = match d.kind {
                    DayKind::Off => "off ",
                    DayKind::Work => "work",
                };
                println!("  {} {} {kind}  {}", d.date, d.date.format("%a"), d.name);
            }
            println!("{year} festivals");
            let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).context("year")?;
            let last = chrono::NaiveDate::from_ymd_opt(year, 12, 31).context("year")?;
            for (d, f) in festival::between(first, last)? {
                let lunar = LunarDate::from_solar(d).map(|l| l.chinese()).unwrap_or_default();
                println!("  {d} {} {}  {}  农历{lunar}", d.format("%a"), f.label(true), f.label(false));
            }
        }
        CalendarCommand::Import { file, year, dry_run } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let text = String::from_utf8(text)
                .map_err(|_| anyhow::anyhow!("{} is not UTF-8: save it as CSV UTF-8", file.display()))?;
            let year = match year {
                Some(y) => y,
                None => keqing_core::calendar::holidays::guess_year(&text)
                    .context("cannot tell the year from the file: pass --year")?,
            };
            let days = parse_csv(&text, Some(year)).map_err(|errors| {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| format!("  row {}, column {}: {:?} {}", e.row, e.column, e.value, e.problem))
                    .collect();
                anyhow::anyhow!(
                    "{} has {} bad row(s); nothing was imported:\n{}",
                    file.display(),
                    errors.len(),
                    lines.join("\n")
                )
            })?;
            let store = open(config).await?;
            let source = file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
            if dry_run {
                let current = store.holiday_days(year).await?;
                let added = days.iter().filter(|d| !current.iter().any(|c| c.date == d.date)).count();
                let removed = current.iter().filter(|c| !days.iter().any(|d| d.date == c.date)).count();
                println!(
                    "{year}: {} days in {} (+{added} −{removed}); nothing changed (--dry-run)",
                    days.len(),
                    file.display()
                );
            } else {
                let out = store.replace_holiday_year(&cli_actor(), year, &days, &source).await?;
                println!(
                    "{year} imported from {}: {} added, {} changed, {} removed, {} unchanged",
                    file.display(),
                    out.added,
                    out.changed,
                    out.removed,
                    out.unchanged
                );
            }
        }
    }
    Ok(())
}
