//! The binary as an operator uses it.

mod support;

use serde_json::{Value, json};
use support::{Server, keqing, run};

#[tokio::test]
async fn serve_with_no_arguments_creates_the_database_and_a_one_time_admin() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[], &[]);
    assert!(dir.path().join("keqing-data/keqing.db").exists(), "./keqing-data/keqing.db");
    let password = server.admin_password().expect("the first admin's password is printed once");
    assert_eq!(password.len(), 16);
    let health: Value = reqwest::get(server.url("/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    // The password works, and must be changed before anything else.
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "password_change_required");
    assert!(server.stop(), "SIGTERM shuts down cleanly");
    // A second start finds the admin and prints no password.
    let again = Server::start(dir.path(), &[], &[]);
    assert!(again.admin_password().is_none(), "{}", again.banner);
}

#[tokio::test]
async fn the_sqlite_file_runs_in_wal_mode_with_foreign_keys_and_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    // WAL mode leaves its -wal file next to the database while serving.
    assert!(dir.path().join("keqing-data/keqing.db-wal").exists());
    let url = format!("sqlite://{}", dir.path().join("keqing-data/keqing.db").display());
    let store = keqing_store::Store::open(&url, &Default::default()).await.unwrap();
    let (journal, fk, sync) = store.sqlite_settings().await.unwrap().unwrap();
    assert_eq!((journal.as_str(), fk, sync), ("wal", true, 2), "journal_mode, foreign_keys, synchronous=FULL");
    drop(server);
}

#[tokio::test]
async fn serve_demo_loads_a_company_a_rep_can_log_in_to() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    assert!(server.banner.contains("demo company loaded"), "{}", server.banner);
    let token: Value = reqwest::Client::new()
        .post(server.url("/api/v1/auth/token"))
        .json(&json!({"username": "zhangwei", "password": keqing_core::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = token["secret"].as_str().unwrap();
    let list: Value = reqwest::Client::new()
        .get(server.url("/api/v1/organisations?limit=500"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = list["total"].as_i64().unwrap();
    assert!(n > 20 && n < 500, "a rep sees their own customers only: {n}");
    assert!(list["items"].as_array().unwrap().iter().all(|o| o["owner_name"] == "张伟"));
}

#[tokio::test]
async fn a_backup_taken_while_serving_is_a_complete_database() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    // Keep writing while the backup runs.
    let writer = {
        let base = server.base.clone();
        tokio::spawn(async move {
            for _ in 0..20 {
                let _ = reqwest::get(format!("{base}/readyz")).await;
            }
        })
    };
    let target = dir.path().join("copy.db");
    let (ok, out, err) = run(
        {
            let mut c = keqing(dir.path());
            c.args(["backup", "--output", target.to_str().unwrap()]);
            c
        },
        None,
    );
    writer.await.unwrap();
    assert!(ok, "{out}{err}");
    assert!(out.contains("backup written"), "{out}");
    let copy = keqing_store::Store::open(&format!("sqlite://{}", target.display()), &Default::default()).await.unwrap();
    assert_eq!(copy.count_users().await.unwrap(), 13, "admin + 12 demo users");
    let (_, orgs) = copy.list_organisations(&keqing_core::Scope::All, &Default::default(), 1, 0).await.unwrap();
    assert_eq!(orgs, 500);
    drop(server);
}

#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = keqing(dir.path());
    c.args(["backup", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    let (ok, _, err) = run(c, None);
    assert!(!ok);
    assert!(err.contains("pg_dump"), "{err}");
}

#[test]
fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = |args: &[&str]| {
        let mut c = keqing(dir.path());
        c.args(args);
        c
    };
    let (ok, out, err) =
        run(cmd(&["user", "add", "zhangwei", "--name", "张伟", "--role", "rep", "--email", "zw@example.cn"]), None);
    assert!(ok, "{err}");
    assert!(out.contains("initial password"), "{out}");
    let (ok, out, _) = run(cmd(&["user", "list"]), None);
    assert!(
        ok && out.contains("zhangwei") && out.contains("张伟") && out.contains("rep") && out.contains("active"),
        "{out}"
    );
    let (ok, out, _) = run(cmd(&["user", "role", "zhangwei", "--add", "manager"]), None);
    assert!(ok && out.contains("rep, manager"), "{out}");
    let (ok, _, err) = run(cmd(&["user", "role", "zhangwei", "--add", "boss"]), None);
    assert!(!ok && err.contains("unknown role \"boss\""), "{err}");
    let (ok, out, _) = run(cmd(&["user", "passwd", "zhangwei", "--password-stdin"]), Some("a long enough secret\n"));
    assert!(ok && out.contains("password changed"), "{out}");
    let (ok, _, err) = run(cmd(&["user", "passwd", "zhangwei", "--password-stdin"]), Some("short\n"));
    assert!(!ok && err.contains("shorter than 10"), "{err}");
    let (ok, out, _) = run(cmd(&["user", "disable", "zhangwei"]), None);
    assert!(ok && out.contains("disabled"), "{out}");
    let (_, out, _) = run(cmd(&["user", "list"]), None);
    assert!(out.contains("disabled"), "{out}");
    let (ok, _, err) = run(cmd(&["user", "add", "bad name", "--name", "x"]), None);
    assert!(!ok && err.contains("username"), "{err}");
    let (ok, _, err) = run(cmd(&["user", "disable", "nobody"]), None);
    assert!(!ok && err.contains("no user named"), "{err}");
}

#[test]
fn every_subcommand_has_useful_help_and_version_prints() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (vec!["--help"], "serve"),
        (vec!["serve", "--help"], "--demo"),
        (vec!["migrate", "--help"], "migrations"),
        (vec!["user", "--help"], "passwd"),
        (vec!["user", "add", "--help"], "--role"),
        (vec!["backup", "--help"], "pg_dump"),
        (vec!["demo", "--help"], "demo company"),
        (vec!["version"], env!("CARGO_PKG_VERSION")),
    ] {
        let mut c = keqing(dir.path());
        c.args(&args);
        let (ok, out, err) = run(c, None);
        assert!(ok, "{args:?}: {err}");
        assert!(out.contains(expect), "{args:?} should mention {expect}: {out}");
    }
}

#[test]
fn configuration_layers_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keqing.toml"), "data_dir = \"from-file\"\n").unwrap();
    let migrate = |env: &[(&str, &str)], flags: &[&str]| {
        let mut c = keqing(dir.path());
        c.args(flags).arg("migrate");
        for (k, v) in env {
            c.env(k, v);
        }
        run(c, None)
    };
    let (ok, out, err) = migrate(&[], &[]);
    assert!(ok && out.contains("from-file/keqing.db"), "{out}{err}");
    let (_, out, _) = migrate(&[("KEQING_DATA_DIR", "from-env")], &[]);
    assert!(out.contains("from-env/keqing.db"), "{out}");
    let (_, out, _) = migrate(&[("KEQING_DATA_DIR", "from-env")], &["--data-dir", "from-flag"]);
    assert!(out.contains("from-flag/keqing.db"), "{out}");
    let (ok, _, err) = migrate(&[("KEQING_LISTEN", "not an address")], &[]);
    assert!(!ok && err.to_lowercase().contains("listen"), "a bad setting names itself: {err}");
    let (_, out, _) = migrate(&[("KEQING_DATABASE_URL", "sqlite://x/y.db?mode=rwc")], &[]);
    assert!(out.contains("sqlite://x/y.db"), "{out}");
}

#[test]
fn the_calendar_commands_answer_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cal = |args: &[&str]| {
        let mut c = keqing(dir.path());
        c.arg("calendar").args(args);
        run(c, None)
    };
    let (ok, out, err) = cal(&["lunar", "2026-09-25"]);
    assert!(ok, "{err}");
    assert!(out.contains("2026-09-25 = 农历丙午年八月十五") && out.contains("中秋节"), "{out}");
    let (ok, out, _) = cal(&["solar", "--lunar", "8-15", "--year", "2027"]);
    assert!(ok && out.contains("= 2027-09-15"), "{out}");
    let (ok, out, _) = cal(&["solar", "--lunar", "12-30", "--year", "2025"]);
    assert!(ok && out.contains("2026-02-16") && out.contains("按二十九日计"), "{out}");
    let (ok, out, _) = cal(&["workday", "2026-10", "8"]);
    assert!(ok && out.contains("2026-10-16 (Friday)") && out.contains("18:00 CST"), "{out}");
    let (ok, out, _) = cal(&["workday", "2027-02", "3"]);
    assert!(ok && out.contains("provisional"), "{out}");
    let (ok, out, _) = cal(&["holidays", "2026"]);
    assert!(
        ok && out.contains("2026-10-10 Sat work  国庆节（调休上班）") && out.contains("2026-02-16 Mon 除夕"),
        "{out}"
    );
    let (ok, _, err) = cal(&["lunar", "2026-02-30"]);
    assert!(!ok && err.contains("not a date"), "{err}");
    let (ok, _, err) = cal(&["solar", "--lunar", "13-1"]);
    assert!(!ok && err.contains("not a lunar month"), "{err}");
}

#[test]
fn a_year_is_imported_from_a_file_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.csv");
    let cal = |args: &[&str]| {
        let mut c = keqing(dir.path());
        c.arg("calendar").args(args);
        run(c, None)
    };
    std::fs::write(&file, "date,kind,name\n2027-01-01,off,元旦\n2027-02-30,off,春节\n2027-02-06,rest,春节\n").unwrap();
    let (ok, _, err) = cal(&["import", file.to_str().unwrap()]);
    assert!(!ok, "bad rows refuse the file");
    assert!(err.contains("row 3, column date: \"2027-02-30\"") && err.contains("row 4, column kind"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    std::fs::write(&file, "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节（调休上班）\n").unwrap();
    let (ok, out, _) = cal(&["import", file.to_str().unwrap(), "--dry-run"]);
    assert!(ok && out.contains("nothing changed"), "{out}");
    let (ok, out, _) = cal(&["holidays", "2027"]);
    assert!(ok && out.contains("no statutory holiday notice loaded"), "{out}");
    let (ok, out, err) = cal(&["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("2027 imported from") && out.contains("2 added"), "{out}");
    let (_, out, _) = cal(&["holidays", "2027"]);
    assert!(out.contains("source: 2027.csv") && out.contains("2027-02-06 Sat work"), "{out}");
}

#[test]
fn people_are_imported_from_the_command_line_all_or_nothing_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = |args: &[&str]| {
        let mut c = keqing(dir.path());
        c.args(args).env("LANG", "zh_CN.UTF-8");
        run(c, None)
    };
    let (ok, _, err) = cmd(&["user", "add", "zhangwei", "--name", "张伟", "--role", "rep"]);
    assert!(ok, "{err}");
    let file = dir.path().join("客户.csv");
    let (gbk, _, _) = encoding_rs::GBK.encode("姓名,手机,单位\n张三,12345,佳佳超市\n李四,13900001111,佳佳超市\n");
    std::fs::write(&file, &gbk).unwrap();
    let path = file.to_str().unwrap();
    let (ok, _, err) = cmd(&["import", path, "--owner", "zhangwei"]);
    assert!(!ok, "a bad row refuses the file");
    assert!(err.contains("row 2 手机 \"12345\": 不是有效的手机号"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    let (gbk, _, _) = encoding_rs::GBK.encode("姓名,手机,单位\n张三,13812345678,佳佳超市\n李四,13900001111,佳佳超市\n");
    std::fs::write(&file, &gbk).unwrap();
    let (ok, _, err) = cmd(&["import", path, "--owner", "zhangwei", "--dry-run"]);
    assert!(ok && err.contains("2 valid") && err.contains("1 new organisations") && err.contains("dry run"), "{err}");
    let (ok, out, err) = cmd(&["import", path, "--owner", "zhangwei"]);
    assert!(ok, "{err}");
    assert!(err.contains("importing 2/2 (100%)"), "{err}");
    assert!(out.contains("2 created, 0 merged, 0 skipped, 1 organisations created"), "{out}");
    let (ok, out, err) = cmd(&["import", path, "--owner", "zhangwei", "--on-duplicate", "skip"]);
    assert!(ok && out.contains("0 created, 0 merged, 2 skipped"), "{out} {err}");
    let (ok, _, err) = cmd(&["import", path, "--owner", "nobody"]);
    assert!(!ok && err.contains("no user \"nobody\""), "{err}");
}
