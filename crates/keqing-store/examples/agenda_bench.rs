//! Agenda benchmark (issue 5): fills a database with `PEOPLE` people owned
//! by `REPS` reps (40 % as many organisations, a quarter of a year of
//! visits, work calls and care calls, lunar and Gregorian birthdays), then
//!
//! 1. builds every rep's agenda (the store's inputs + keqing-core's builder)
//!    and prints seconds and people/s;
//! 2. builds one rep's agenda at 400 customers (organisations) and ~1,000
//!    people 200 times, with the briefings Today shows, and prints p50/p99.
//!
//! ```sh
//! cargo run --release -p keqing-store --example agenda_bench -- sqlite:///tmp/a.db 1000000 10000
//! cargo run --release -p keqing-store --example agenda_bench -- postgres://… 1000000 10000
//! ```
//! (`bench/agenda.sh` runs both.) The data is written with plain multi-row
//! INSERTs — it is a fixture, not a test of the import path.

use chrono::{Days, NaiveDate};
use keqing_core::agenda::Context;
use keqing_core::agenda::cadence::CadenceRules;
use keqing_core::agenda::occasion::OccasionRules;
use keqing_core::calendar::lunar::Policy;
use keqing_core::{PersonId, UserId};
use keqing_store::{Store, StoreOptions};
use sqlx::{AssertSqlSafe, Executor};
use std::time::{Duration, Instant};

const TODAY: (i32, u32, u32) = (2026, 11, 30);
const STAMP: &str = "2026-01-05T08:00:00Z";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap_or_default()
}

/// A tiny deterministic generator (the fixture is the same on every run).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Pool {
    async fn run(&self, sql: String) -> Result<(), sqlx::Error> {
        match self {
            Pool::Sqlite(p) => p.execute(AssertSqlSafe(sql)).await.map(|_| ()),
            Pool::Postgres(p) => p.execute(AssertSqlSafe(sql)).await.map(|_| ()),
        }
    }
}

/// Collects rows; written `BATCH` at a time, parents before children.
struct Batch<'a> {
    pool: &'a Pool,
    head: &'static str,
    rows: Vec<String>,
}

const BATCH: usize = 2000;

impl Batch<'_> {
    async fn push(&mut self, row: String) -> Result<(), sqlx::Error> {
        self.rows.push(row);
        Ok(())
    }
    async fn flush(&mut self) -> Result<(), sqlx::Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        self.rows.clear();
        self.pool.run(sql).await
    }
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &["建华", "秀英", "志强", "丽", "伟", "芳", "军", "敏", "静", "磊"];

async fn fill(
    pool: &Pool,
    first_user: i64,
    reps: i64,
    orgs_per_rep: i64,
    people_per_rep: i64,
    ids: &mut (i64, i64, i64),
) -> Result<(), sqlx::Error> {
    let mut g = Rng(first_user as u64);
    let mut users = Batch {
        pool,
        head: "INSERT INTO app_user (user_id, username, display_name, password_hash, created_at, updated_at)",
        rows: vec![],
    };
    let mut orgs = Batch {
        pool,
        head: "INSERT INTO organisation (organisation_id, name, kind, owner_user_id, class, created_at, updated_at, anniversary, opened_on)",
        rows: vec![],
    };
    let mut people = Batch {
        pool,
        head: "INSERT INTO person (person_id, name, owner_user_id, organisation_id, birthday, created_at, updated_at)",
        rows: vec![],
    };
    let mut ints = Batch {
        pool,
        head: "INSERT INTO interaction (interaction_id, kind, occurred_on, organisation_id, user_id, purpose, created_at, updated_at)",
        rows: vec![],
    };
    let mut ips = Batch {
        pool,
        head: "INSERT INTO interaction_person (interaction_id, person_id, kind, occurred_on, care)",
        rows: vec![],
    };
    let t = today();
    let (org_id, person_id, int_id) = ids;
    let truth = matches!(pool, Pool::Postgres(_));
    let (yes, no) = if truth { ("TRUE", "FALSE") } else { ("1", "0") };
    for u in first_user..first_user + reps {
        if ints.rows.len() >= BATCH {
            for b in [&mut users, &mut orgs, &mut people, &mut ints, &mut ips] {
                b.flush().await?;
            }
        }
        users.push(format!("({u}, 'bench_rep_{u}', '代表{u}', 'x', '{STAMP}', '{STAMP}')")).await?;
        let first_org = *org_id + 1;
        for _ in 0..orgs_per_rep {
            *org_id += 1;
            let class = match g.below(10) {
                0 => "key",
                1 | 2 => "secondary",
                _ => "normal",
            };
            let (anniv, opened) = if g.below(5) == 0 {
                let m = 1 + g.below(12);
                let d = 1 + g.below(28);
                (format!("'{m:02}-{d:02}'"), format!("'2019-{m:02}-{d:02}'"))
            } else {
                ("NULL".into(), "NULL".into())
            };
            orgs.push(format!(
                "({}, '店铺{}', 'retail_store', {u}, '{class}', '{STAMP}', '{STAMP}', {anniv}, {opened})",
                *org_id, *org_id
            ))
            .await?;
            // Visits: the last one 1–40 days ago, two before it; a work call.
            let mut on = t - Days::new(1 + g.below(40));
            for k in 0..4 {
                *int_id += 1;
                let kind = if k == 3 { "work_call" } else { "visit" };
                let purpose = if k == 3 { "NULL" } else { "'work'" };
                ints.push(format!(
                    "({}, '{kind}', '{on}', {}, {u}, {purpose}, '{STAMP}', '{STAMP}')",
                    *int_id, *org_id
                ))
                .await?;
                on = on - Days::new(3 + g.below(20));
            }
        }
        for _ in 0..people_per_rep {
            *person_id += 1;
            let org = first_org + g.below(orgs_per_rep as u64) as i64;
            let name = format!("{}{}", SURNAMES[g.below(10) as usize], GIVEN[g.below(10) as usize]);
            let birthday = match g.below(3) {
                0 => format!("'农历{:02}-{:02}'", 1 + g.below(12), 1 + g.below(29)),
                1 => format!("'19{:02}-{:02}-{:02}'", 60 + g.below(35), 1 + g.below(12), 1 + g.below(28)),
                _ => "NULL".into(),
            };
            people.push(format!("({}, '{name}', {u}, {org}, {birthday}, '{STAMP}', '{STAMP}')", *person_id)).await?;
            // A care call 1–60 days ago.
            *int_id += 1;
            let on = t - Days::new(1 + g.below(60));
            ints.push(format!("({}, 'care_call', '{on}', {org}, {u}, NULL, '{STAMP}', '{STAMP}')", *int_id)).await?;
            ips.push(format!("({}, {}, 'care_call', '{on}', {yes})", *int_id, *person_id)).await?;
            // And named at one of the visits' work calls, now and then.
            if g.below(4) == 0 {
                *int_id += 1;
                let on = t - Days::new(1 + g.below(14));
                ints.push(format!("({}, 'work_call', '{on}', {org}, {u}, NULL, '{STAMP}', '{STAMP}')", *int_id))
                    .await?;
                ips.push(format!("({}, {}, 'work_call', '{on}', {no})", *int_id, *person_id)).await?;
            }
        }
    }
    users.flush().await?;
    orgs.flush().await?;
    people.flush().await?;
    ints.flush().await?;
    ips.flush().await?;
    Ok(())
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(people), Some(reps)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: agenda_bench <database-url> <people> <reps>");
        std::process::exit(2);
    };
    let people: i64 = people.parse()?;
    let reps: i64 = reps.parse()?;
    let store = Store::open(url, &StoreOptions { max_connections: 8, ..Default::default() }).await?;
    store.migrate().await?;
    let pool = if url.starts_with("sqlite:") {
        Pool::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(url).await?)
    } else {
        Pool::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?)
    };
    let people_per_rep = (people / reps).max(1);
    let orgs_per_rep = (people_per_rep * 2 / 5).max(1);
    let started = Instant::now();
    let mut ids = (0_i64, 0_i64, 0_i64);
    if let Pool::Sqlite(p) = &pool {
        p.execute("PRAGMA synchronous = OFF").await?;
    }
    pool.run("BEGIN".into()).await.ok();
    fill(&pool, 1_000_000, reps, orgs_per_rep, people_per_rep, &mut ids).await?;
    // One rep at 400 customers.
    let big = 1_000_000 + reps;
    fill(&pool, big, 1, 400, 1000, &mut ids).await?;
    pool.run("COMMIT".into()).await.ok();
    pool.run("ANALYZE".into()).await?;
    println!(
        "fixture: {} reps, {} organisations, {} people, {} interactions in {:.0} s",
        reps + 1,
        ids.0,
        ids.1,
        ids.2,
        started.elapsed().as_secs_f64()
    );

    let ctx = Context::new(CadenceRules::default(), OccasionRules::default(), Policy::default(), today(), today());
    // 1. Every rep's agenda, four at a time (as the daily digest would).
    let started = Instant::now();
    let mut items = 0usize;
    let users: Vec<i64> = (1_000_000..1_000_000 + reps).collect();
    for chunk in users.chunks(4) {
        let mut handles = Vec::new();
        for &u in chunk {
            let store = store.clone();
            let ctx = ctx.clone();
            handles.push(tokio::spawn(async move {
                let inputs = store.agenda_inputs(UserId(u), today()).await?;
                Ok::<usize, keqing_store::StoreError>(ctx.build(&inputs).len())
            }));
        }
        for h in handles {
            items += h.await??;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let total_people = people_per_rep * reps;
    println!(
        "every rep's agenda: {reps} reps, {total_people} people in {secs:.1} s = {:.0} people/s, {:.0} reps/s ({items} items)",
        total_people as f64 / secs,
        reps as f64 / secs
    );

    // 2. One rep at 400 customers, as Today builds it (with the briefings).
    let mut times = Vec::new();
    let mut shown = 0;
    for _ in 0..200 {
        let t0 = Instant::now();
        let inputs = store.agenda_inputs(UserId(big), today()).await?;
        let list = ctx.build(&inputs);
        let mut ids: Vec<PersonId> = list.iter().filter_map(|i| i.person.as_ref().map(|p| p.id)).collect();
        ids.sort();
        ids.dedup();
        store.briefings(&ids).await?;
        times.push(t0.elapsed());
        shown = list.len();
    }
    times.sort();
    println!(
        "one rep at 400 customers / 1000 people ({shown} items): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS {rss:.0} MiB");
    }
    Ok(())
}
