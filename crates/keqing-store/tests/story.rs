//! The storage story, told once and run on SQLite and on PostgreSQL.
//! (PostgreSQL when `KEQING_TEST_PG_URL` is set, as `scripts/test` does.)

use chrono::Duration;
use keqing_core::model::{OrganisationDraft, UserDraft};
use keqing_core::validate::Problem;
use keqing_core::{OrganisationId, Role, Roles, Scope, TeamId, UserId};
use keqing_store::audit::AuditFilter;
use keqing_store::sessions::NewSession;
use keqing_store::teams::TeamData;
use keqing_store::throttle::ThrottleKey;
use keqing_store::{Actor, Store, StoreError, StoreOptions, now};
use keqing_test_db::TestDb;
use std::collections::BTreeSet;

async fn open(db: &TestDb) -> Store {
    let store = Store::open(&db.url, &StoreOptions::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

fn cli() -> Actor {
    Actor::system("test")
}

async fn user(store: &Store, name: &str, roles: &[&str], team: Option<TeamId>) -> keqing_store::users::User {
    let draft = UserDraft {
        username: name.into(),
        display_name: name.to_uppercase(),
        password: "correct horse battery".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        team,
        ..Default::default()
    };
    let new = draft.parse().expect("valid user");
    store.create_user(&cli(), &new, "$argon2id$fake", false).await.expect("create user")
}

fn org(name: &str, owner: UserId) -> keqing_core::model::OrganisationData {
    OrganisationDraft { name: name.into(), kind: "supermarket".into(), owner: Some(owner), ..Default::default() }
        .parse()
        .expect("valid organisation")
}

fn owners(ids: &[UserId]) -> Scope {
    Scope::Owners(ids.iter().copied().collect::<BTreeSet<_>>())
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_database_answers() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        store.migrate().await.expect("second migrate is a no-op");
        store.ping().await.expect("ping");
        assert_eq!(store.count_users().await.unwrap(), 0, "{:?}", db.backend);
    }
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively_and_roles_round_trip() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let u = user(&store, "zhangwei", &["rep", "manager"], None).await;
        assert_eq!(u.roles, [Role::Rep, Role::Manager].into_iter().collect::<Roles>());
        let dup = UserDraft {
            username: "ZhangWei".into(),
            display_name: "x".into(),
            password: "correct horse battery".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        match store.create_user(&cli(), &dup, "h", false).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.get("username"), Some(&Problem::Taken)),
            other => panic!("{:?}: expected a taken username, got {other:?}", db.backend),
        }
        let creds = store.credentials("ZHANGWEI").await.unwrap().expect("found case-insensitively");
        assert_eq!(creds.user.id, u.id);
        let u2 = store.set_roles(&cli(), u.id, [Role::Finance].into_iter().collect()).await.unwrap();
        assert!(u2.roles.has(Role::Finance) && !u2.roles.has(Role::Rep));
        assert_eq!(u2.version, u.version + 1);
    }
}

#[tokio::test]
async fn a_team_cannot_become_its_own_ancestor_and_the_chart_scopes_managers() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let boss = user(&store, "boss", &["manager"], None).await;
        let region = store
            .create_team(&cli(), &TeamData { name: "西南大区".into(), parent: None, manager: Some(boss.id) })
            .await
            .unwrap();
        let mgr = user(&store, "mgr", &["manager"], Some(TeamId(region.id))).await;
        let city = store
            .create_team(
                &cli(),
                &TeamData { name: "云南".into(), parent: Some(TeamId(region.id)), manager: Some(mgr.id) },
            )
            .await
            .unwrap();
        let rep = user(&store, "rep1", &["rep"], Some(TeamId(city.id))).await;
        let err = store
            .update_team(
                &cli(),
                TeamId(region.id),
                region.version,
                &TeamData { name: "西南大区".into(), parent: Some(TeamId(city.id)), manager: Some(boss.id) },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.get("parent_team_id").is_some()), "{err:?}");
        let chart = store.org_chart().await.unwrap();
        let scope = chart.customer_scope(boss.id, [Role::Manager].into_iter().collect());
        assert!(scope.contains(rep.id) && scope.contains(mgr.id));
        let scope = chart.customer_scope(rep.id, [Role::Rep].into_iter().collect());
        assert!(!scope.contains(mgr.id));
    }
}

#[tokio::test]
async fn a_record_outside_the_scope_is_not_found_and_cannot_be_given_away_into() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let b = user(&store, "rep_b", &["rep"], None).await;
        let mine = store.create_organisation(&cli(), &owners(&[a.id]), &org("佳佳超市", a.id)).await.unwrap();
        assert!(matches!(store.organisation(&owners(&[b.id]), mine.id).await, Err(StoreError::NotFound)));
        assert_eq!(store.organisation(&owners(&[a.id]), mine.id).await.unwrap().name, "佳佳超市");
        let (list, total) = store.list_organisations(&owners(&[b.id]), &Default::default(), 50, 0).await.unwrap();
        assert!(list.is_empty() && total == 0);
        // rep A cannot create a record owned by rep B
        let err = store.create_organisation(&cli(), &owners(&[a.id]), &org("越界", b.id)).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.get("owner_id") == Some(&Problem::UnknownReference)));
        // nor delete or update what they cannot see
        assert!(matches!(
            store.delete_organisation(&cli(), &owners(&[b.id]), mine.id, mine.version).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.organisation(&Scope::All, OrganisationId(mine.id.0 + 1000)).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn every_change_is_audited_with_before_and_after() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let scope = owners(&[a.id]);
        let actor = Actor { user_id: Some(a.id), name: "rep_a".into(), ip: Some("10.0.0.7".into()) };
        let o = store.create_organisation(&actor, &scope, &org("佳佳超市", a.id)).await.unwrap();
        let mut d = o.data();
        d.phone = Some("13812345678".into());
        let o2 = store.update_organisation(&actor, &scope, o.id, o.version, &d).await.unwrap();
        assert_eq!(o2.version, o.version + 1);
        store.delete_organisation(&actor, &scope, o.id, o2.version).await.unwrap();
        let filter = AuditFilter {
            entity: Some("organisation".into()),
            entity_id: Some(o.id.to_string()),
            ..Default::default()
        };
        let entries = store.list_audit(&Scope::All, &filter, 10, 0).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["delete", "update", "create"], "{:?}", db.backend);
        let update = &entries[1];
        assert_eq!(update.actor_user_id, Some(a.id.0));
        assert_eq!(update.ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(update.changes.0["phone"]["before"], serde_json::Value::Null);
        assert_eq!(update.changes.0["phone"]["after"], "13812345678");
        assert!(update.changes.0.get("name").is_none(), "unchanged fields are not recorded");
        assert_eq!(entries[0].changes.0["name"]["before"], "佳佳超市", "a delete keeps the last values");
        // another rep's scope sees none of it
        let b = user(&store, "rep_b", &["rep"], None).await;
        assert!(store.list_audit(&owners(&[b.id]), &filter, 10, 0).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_stale_update_is_a_conflict_carrying_the_current_values() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let scope = owners(&[a.id]);
        let o = store.create_organisation(&cli(), &scope, &org("佳佳超市", a.id)).await.unwrap();
        let mut first = o.data();
        first.name = "佳佳超市(新店)".into();
        store.update_organisation(&cli(), &scope, o.id, o.version, &first).await.unwrap();
        let mut second = o.data();
        second.notes = Some("老板姓李".into());
        match store.update_organisation(&cli(), &scope, o.id, o.version, &second).await {
            Err(StoreError::Conflict { version, current }) => {
                assert_eq!(version, o.version + 1);
                assert_eq!(current["name"], "佳佳超市(新店)");
            }
            other => panic!("{:?}: expected a conflict, got {other:?}", db.backend),
        }
    }
}

#[tokio::test]
async fn two_concurrent_writers_of_the_same_version_never_both_win() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let scope = owners(&[a.id]);
        for round in 0..10 {
            let o = store.create_organisation(&cli(), &scope, &org(&format!("店{round}"), a.id)).await.unwrap();
            let (s1, s2) = (store.clone(), store.clone());
            let (sc1, sc2) = (scope.clone(), scope.clone());
            let mut d1 = o.data();
            d1.notes = Some("writer one".into());
            let mut d2 = o.data();
            d2.notes = Some("writer two".into());
            let (id, v) = (o.id, o.version);
            let t1 = tokio::spawn(async move { s1.update_organisation(&cli(), &sc1, id, v, &d1).await });
            let t2 = tokio::spawn(async move { s2.update_organisation(&cli(), &sc2, id, v, &d2).await });
            let (r1, r2) = (t1.await.unwrap(), t2.await.unwrap());
            let wins = [&r1, &r2].iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "{:?} round {round}: {r1:?} / {r2:?}", db.backend);
            let loser = if r1.is_ok() { &r2 } else { &r1 };
            assert!(matches!(loser, Err(StoreError::Conflict { .. })), "{loser:?}");
            let winner_notes = if r1.is_ok() { "writer one" } else { "writer two" };
            let now = store.organisation(&scope, id).await.unwrap();
            assert_eq!(now.notes.as_deref(), Some(winner_notes), "the loser's write must not survive");
            assert_eq!(now.version, v + 1);
        }
    }
}

#[tokio::test]
async fn sessions_expire_slide_and_die_with_the_password_or_the_account() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let u = user(&store, "rep_a", &["rep"], None).await;
        let t0 = now();
        let idle = Duration::hours(12);
        for h in ["h1", "h2"] {
            store
                .create_session(&NewSession {
                    user_id: u.id,
                    token_hash: h,
                    csrf_token: "c",
                    expires_at: t0 + idle,
                    ip: None,
                    user_agent: None,
                })
                .await
                .unwrap();
        }
        let s = store.session("h1", t0, idle).await.unwrap().expect("live");
        assert_eq!(s.user.id, u.id);
        assert!(store.session("h1", t0 + idle + Duration::seconds(1), idle).await.unwrap().is_none(), "expired");
        // a use after two hours slides the expiry
        let later = t0 + Duration::hours(2);
        let s = store.session("h1", later, idle).await.unwrap().unwrap();
        assert_eq!(s.expires_at, later + idle);
        // a password change ends every other session
        store.set_password(&cli(), u.id, "$argon2id$new", false, Some("h1")).await.unwrap();
        assert!(store.session("h2", later, idle).await.unwrap().is_none());
        assert!(store.session("h1", later, idle).await.unwrap().is_some());
        // disabling ends the rest
        store.set_disabled(&cli(), u.id, true).await.unwrap();
        assert!(store.session("h1", later, idle).await.unwrap().is_none());
        assert_eq!(store.purge_expired_sessions(t0 + Duration::days(2)).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn api_tokens_authenticate_until_revoked_and_only_for_their_owner() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let u = user(&store, "rep_a", &["rep"], None).await;
        let other = user(&store, "rep_b", &["rep"], None).await;
        let t = store.create_token(&cli(), u.id, "ERP sync", "hash1", "kq_ab").await.unwrap();
        assert_eq!(store.token_user("hash1", now()).await.unwrap().unwrap().id, u.id);
        assert!(matches!(store.revoke_token(&cli(), other.id, t.id).await, Err(StoreError::NotFound)));
        store.revoke_token(&cli(), u.id, t.id).await.unwrap();
        assert!(store.token_user("hash1", now()).await.unwrap().is_none());
        assert!(store.list_tokens(u.id).await.unwrap()[0].revoked_at.is_some());
    }
}

#[tokio::test]
async fn login_failures_are_counted_per_account_and_address() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let t0 = now();
        for i in 0..5 {
            store.record_login_failure("zhangwei", "10.0.0.1", t0 + Duration::seconds(i)).await.unwrap();
        }
        let since = t0 - Duration::minutes(15);
        let fifth = store.nth_recent_failure(ThrottleKey::Account("zhangwei"), since, 5).await.unwrap();
        assert_eq!(fifth, Some(t0));
        assert_eq!(store.nth_recent_failure(ThrottleKey::Account("zhangwei"), since, 6).await.unwrap(), None);
        assert!(store.nth_recent_failure(ThrottleKey::Address("10.0.0.1"), since, 5).await.unwrap().is_some());
        store.clear_login_failures("zhangwei").await.unwrap();
        assert_eq!(store.nth_recent_failure(ThrottleKey::Account("zhangwei"), since, 1).await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_job_is_enqueued_once_per_key_and_claimed_by_one_worker() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let t0 = now();
        let payload = serde_json::json!({"what": "purge"});
        assert!(store.enqueue_job("purge", Some("purge:1"), &payload, t0).await.unwrap());
        assert!(!store.enqueue_job("purge", Some("purge:1"), &payload, t0).await.unwrap(), "deduplicated");
        let lease = t0 + Duration::minutes(5);
        let claims = futures_join(&store, t0, lease).await;
        assert_eq!(claims.iter().filter(|c| c.is_some()).count(), 1, "{:?}", db.backend);
        let job = claims.into_iter().flatten().next().unwrap();
        assert_eq!(job.attempts, 1);
        // nobody else gets it while the lease runs; after it, someone does
        assert!(store.claim_job("w9", t0 + Duration::minutes(1), lease).await.unwrap().is_none());
        let again = store.claim_job("w9", lease + Duration::seconds(1), lease + Duration::minutes(5)).await.unwrap();
        assert_eq!(again.as_ref().map(|j| j.job_id), Some(job.job_id));
        // the first worker lost its lease and cannot complete it
        assert!(!store.complete_job(job.job_id, "w0", lease).await.unwrap());
        assert!(store.complete_job(job.job_id, "w9", lease).await.unwrap());
        assert_eq!(store.job_counts().await.unwrap(), (0, 0));
    }
}

async fn futures_join(
    store: &Store,
    t0: chrono::DateTime<chrono::Utc>,
    lease: chrono::DateTime<chrono::Utc>,
) -> Vec<Option<keqing_store::jobs::Job>> {
    let mut handles = Vec::new();
    for w in 0..4 {
        let s = store.clone();
        handles.push(tokio::spawn(async move { s.claim_job(&format!("w{w}"), t0, lease).await.unwrap() }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_failing_job_is_retried_then_marked_failed() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let t0 = now();
        store.enqueue_job("flaky", None, &serde_json::json!({}), t0).await.unwrap();
        let mut t = t0;
        for attempt in 1..=5 {
            let job = store.claim_job("w", t, t + Duration::minutes(5)).await.unwrap().expect("due");
            assert_eq!(job.attempts, attempt);
            store.fail_job(&job, "w", "smtp timeout", t, t + Duration::seconds(30)).await.unwrap();
            t += Duration::minutes(1);
        }
        assert!(store.claim_job("w", t, t + Duration::minutes(5)).await.unwrap().is_none());
        assert_eq!(store.job_counts().await.unwrap(), (0, 1));
    }
}

#[tokio::test]
async fn the_demo_loads_once_with_an_audit_trail() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let company = keqing_core::demo::company(today);
        let started = std::time::Instant::now();
        let out = store.load_demo(&cli(), &company, "$argon2id$fake", today).await.unwrap();
        eprintln!("{:?}: demo loaded in {:?}: {out:?}", db.backend, started.elapsed());
        assert!(matches!(out, keqing_store::demo::DemoOutcome::Loaded { organisations: 500, .. }), "{out:?}");
        assert_eq!(
            store.load_demo(&cli(), &company, "x", today).await.unwrap(),
            keqing_store::demo::DemoOutcome::AlreadyLoaded
        );
        let (_, total) = store.list_organisations(&Scope::All, &Default::default(), 1, 0).await.unwrap();
        assert_eq!(total, 500);
        let zhang = store.user_by_username("zhangwei").await.unwrap().unwrap();
        let chart = store.org_chart().await.unwrap();
        let (mine, n) = store
            .list_organisations(&chart.customer_scope(zhang.id, zhang.roles), &Default::default(), 500, 0)
            .await
            .unwrap();
        assert!(n > 20 && n < 500 && mine.iter().all(|o| o.owner_id == zhang.id));
        // Sorted by pinyin, found by pinyin initials.
        let names: Vec<String> = mine.iter().map(|o| keqing_core::search::pinyin(&o.name)).collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]));
        let (people, _) = store.list_people(&Scope::All, &Default::default(), 5000, 0).await.unwrap();
        assert!(people.iter().filter(|p| p.birthday.is_some()).count() > 1000);
        let some = &people[100];
        let initials = keqing_core::search::initials(&some.name);
        let (found, _) = store
            .list_people(
                &Scope::All,
                &keqing_store::people::PersonFilter { q: Some(initials.clone()), ..Default::default() },
                5000,
                0,
            )
            .await
            .unwrap();
        assert!(found.iter().any(|p| p.id == some.id), "{initials}");
        assert_eq!(store.list_territories().await.unwrap().len(), 5);
        assert!(store.referrals(&Scope::All).await.unwrap().len() > 100);
        let audited = store
            .list_audit(&Scope::All, &AuditFilter { entity: Some("person".into()), ..Default::default() }, 5, 0)
            .await
            .unwrap();
        assert_eq!(audited.len(), 5);
    }
}

#[tokio::test]
async fn search_finds_organisations_by_part_of_name_or_phone_and_escapes_wildcards() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let scope = owners(&[a.id]);
        let mut d = org("昆明佳佳超市", a.id);
        d.phone = Some("0871-63123456".into());
        store.create_organisation(&cli(), &scope, &d).await.unwrap();
        store.create_organisation(&cli(), &scope, &org("100%_Mart", a.id)).await.unwrap();
        let q = |s: &str| keqing_store::organisations::OrganisationFilter { q: Some(s.into()), ..Default::default() };
        assert_eq!(store.list_organisations(&scope, &q("佳佳"), 10, 0).await.unwrap().1, 1);
        assert_eq!(store.list_organisations(&scope, &q("6312"), 10, 0).await.unwrap().1, 1);
        assert_eq!(store.list_organisations(&scope, &q("100%_m"), 10, 0).await.unwrap().1, 1, "% and _ are literal");
        assert_eq!(store.list_organisations(&scope, &q("%"), 10, 0).await.unwrap().1, 0, "not a wildcard");
        assert_eq!(store.list_organisations(&scope, &q("mart"), 10, 0).await.unwrap().1, 1, "case-insensitive");
    }
}

#[tokio::test]
async fn an_online_backup_is_a_complete_database_and_postgres_is_told_to_use_pg_dump() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        user(&store, "rep_a", &["rep"], None).await;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("backup.db");
        match db.backend {
            keqing_test_db::Backend::Sqlite => {
                assert!(store.backup_to(&target).await.unwrap() > 0);
                let copy =
                    Store::open(&format!("sqlite://{}", target.display()), &StoreOptions::default()).await.unwrap();
                assert_eq!(copy.count_users().await.unwrap(), 1);
                assert!(store.backup_to(&target).await.is_err(), "never overwrites");
            }
            keqing_test_db::Backend::Postgres => {
                let err = store.backup_to(&target).await.unwrap_err();
                assert!(err.to_string().contains("pg_dump"));
            }
        }
    }
}

#[tokio::test]
async fn the_bundled_holiday_notices_are_loaded_once_and_never_overwrite_edits() {
    use keqing_core::calendar::holidays::{DayKind, HolidayDay};
    for db in TestDb::all().await {
        let store = open(&db).await;
        let (years, days) = store.holiday_table().await.unwrap();
        assert_eq!(
            years.iter().map(|y| y.year).collect::<Vec<_>>(),
            (2020..=2026).collect::<Vec<_>>(),
            "{:?}",
            db.backend
        );
        assert_eq!(days.len(), 258);
        // An admin corrects a day; migrating again (a restart) keeps the edit.
        let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
        let edit = HolidayDay {
            year: 2026, date: d, kind: DayKind::Work, name: "国庆节（调休上班，已核对）".into()
        };
        let stored = store.set_holiday_day(&cli(), &edit, None).await.unwrap();
        assert_eq!(stored.version, 2);
        store.migrate().await.unwrap();
        let days = store.holiday_days(2026).await.unwrap();
        assert_eq!(days.iter().find(|x| x.date == d).unwrap().name, "国庆节（调休上班，已核对）");
        // A stale edit is a conflict.
        assert!(matches!(store.set_holiday_day(&cli(), &edit, Some(1)).await, Err(StoreError::Conflict { .. })));
        // A day of a year that is not loaded is refused with a reason.
        let future = HolidayDay {
            year: 2027,
            date: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            kind: DayKind::Off,
            name: "元旦".into(),
        };
        assert!(matches!(store.set_holiday_day(&cli(), &future, None).await, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn importing_a_year_replaces_it_atomically_and_audits_each_day() {
    use keqing_core::calendar::holidays::parse_csv;
    for db in TestDb::all().await {
        let store = open(&db).await;
        let first = parse_csv(
            "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节（调休上班）\n2027-02-08,off,春节\n",
            Some(2027),
        )
        .unwrap();
        let out = store.replace_holiday_year(&cli(), 2027, &first, "2027.csv").await.unwrap();
        assert_eq!((out.added, out.changed, out.removed), (3, 0, 0));
        let second = parse_csv(
            "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节调休\n2027-02-09,off,春节\n",
            Some(2027),
        )
        .unwrap();
        let out = store.replace_holiday_year(&cli(), 2027, &second, "2027-v2.csv").await.unwrap();
        assert_eq!((out.added, out.changed, out.removed, out.unchanged), (1, 1, 1, 1));
        let (years, _) = store.holiday_table().await.unwrap();
        let y = years.iter().find(|y| y.year == 2027).unwrap();
        assert_eq!((y.source.as_str(), y.version), ("2027-v2.csv", 2));
        let entries = store
            .list_audit(
                &Scope::All,
                &AuditFilter {
                    entity: Some("holiday_day".into()),
                    entity_id: Some("2027-02-08".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete", "create"]);
        // A day that belongs to another year's notice fails the whole import.
        let clash =
            parse_csv("year,date,kind,name\n2027,2026-12-31,off,元旦\n2027,2027-01-02,off,元旦\n", Some(2027)).unwrap();
        let before = store.holiday_days(2027).await.unwrap();
        store.create_holiday_year(&cli(), 2030, "by hand").await.unwrap();
        let taken = keqing_core::calendar::holidays::HolidayDay {
            year: 2026,
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            kind: keqing_core::calendar::holidays::DayKind::Off,
            name: "特别假日".into(),
        };
        store.set_holiday_day(&cli(), &taken, None).await.unwrap();
        assert!(store.replace_holiday_year(&cli(), 2027, &clash, "bad.csv").await.is_err());
        assert_eq!(store.holiday_days(2027).await.unwrap(), before, "nothing half-written");
    }
}

fn full_org(name: &str, owner: UserId) -> keqing_core::model::OrganisationData {
    OrganisationDraft {
        name: name.into(),
        kind: "distributor".into(),
        owner: Some(owner),
        region_code: "530102".into(),
        opened_on: "2015-03-18".into(),
        turnover: "2500万".into(),
        consumer_reach: "5".into(),
        financial_strength: "4".into(),
        management_level: "4".into(),
        stage: "growth".into(),
        tags: vec!["特约".into(), "省会".into()],
        ..Default::default()
    }
    .parse()
    .expect("valid organisation")
}

#[tokio::test]
async fn the_bundled_regions_are_loaded_and_an_organisation_carries_its_region_and_class() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let provinces = store.regions(None).await.unwrap();
        assert_eq!(provinces.len(), 34, "{:?}", db.backend);
        let path = store.region_path("530102").await.unwrap();
        assert_eq!(path.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["云南省", "昆明市", "五华区"]);
        let a = user(&store, "rep_a", &["rep"], None).await;
        let o = store.create_organisation(&cli(), &Scope::All, &full_org("昆明鑫源商贸有限公司", a.id)).await.unwrap();
        assert_eq!(o.region_label.as_deref(), Some("云南省 昆明市 五华区"));
        // turnover 5 ×40, reach 5 ×20, strength 4 ×20, management 4 ×20 → 90
        assert_eq!((o.class_score, o.class), (Some(90), keqing_core::model::CustomerClass::Key));
        assert_eq!(o.anniversary.as_deref(), Some("03-18"));
        assert_eq!(o.tags, ["特约", "省会"]);
        // A class by hand wins, needs a reason, and is audited.
        assert!(
            store
                .set_class(&cli(), &Scope::All, o.id, Some(keqing_core::model::CustomerClass::Normal), None)
                .await
                .is_err()
        );
        let o2 = store
            .set_class(&cli(), &Scope::All, o.id, Some(keqing_core::model::CustomerClass::Normal), Some("即将转型"))
            .await
            .unwrap();
        assert_eq!((o2.class, o2.class_score), (keqing_core::model::CustomerClass::Normal, Some(90)));
        // Unknown region codes are refused.
        let mut bad = full_org("x", a.id);
        bad.region_code = Some("999999".into());
        assert!(matches!(store.create_organisation(&cli(), &Scope::All, &bad).await, Err(StoreError::Invalid(_))));
        // Filters: region prefix, class, tag, pinyin.
        let f = |filter: keqing_store::organisations::OrganisationFilter| {
            let store = store.clone();
            async move { store.list_organisations(&Scope::All, &filter, 10, 0).await.unwrap().1 }
        };
        use keqing_store::organisations::OrganisationFilter as F;
        assert_eq!(f(F { region: Some("530000".into()), ..Default::default() }).await, 1);
        assert_eq!(f(F { region: Some("520000".into()), ..Default::default() }).await, 0);
        assert_eq!(f(F { tag: Some("省会".into()), ..Default::default() }).await, 1);
        assert_eq!(f(F { q: Some("kmxy".into()), ..Default::default() }).await, 1);
        assert_eq!(f(F { q: Some("kunmingxinyuan".into()), ..Default::default() }).await, 1);
        assert_eq!(f(F { class: Some(keqing_core::model::CustomerClass::Key), ..Default::default() }).await, 0);
    }
}

#[tokio::test]
async fn changing_the_rules_reclassifies_everyone_and_records_it() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let o = store.create_organisation(&cli(), &Scope::All, &full_org("鑫源商贸", a.id)).await.unwrap();
        assert_eq!(o.class, keqing_core::model::CustomerClass::Key);
        let rules = keqing_core::classify::Rules { key_from: 95, ..Default::default() };
        let changed = store.set_classification_rules(&cli(), 0, &rules).await.unwrap();
        assert_eq!(changed, 1);
        let now = store.organisation(&Scope::All, o.id).await.unwrap();
        assert_eq!(now.class, keqing_core::model::CustomerClass::Secondary);
        assert!(
            matches!(store.set_classification_rules(&cli(), 0, &rules).await, Err(StoreError::Conflict { .. })),
            "stale version"
        );
        assert_eq!(store.classification_rules().await.unwrap().value.key_from, 95);
    }
}

#[tokio::test]
async fn co_owners_reach_the_organisation_and_orphans_are_reassigned_with_their_people() {
    use keqing_core::model::PersonDraft;
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let b = user(&store, "rep_b", &["rep"], None).await;
        let c = user(&store, "rep_c", &["rep"], None).await;
        let mut d = full_org("鑫源商贸", a.id);
        d.co_owners = vec![b.id];
        let o = store.create_organisation(&cli(), &Scope::All, &d).await.unwrap();
        assert!(store.organisation(&owners(&[b.id]), o.id).await.is_ok(), "a co-owner reaches it");
        assert!(store.organisation(&owners(&[c.id]), o.id).await.is_err());
        let p =
            PersonDraft { name: "李建华".into(), owner: Some(a.id), organisation: Some(o.id), ..Default::default() }
                .parse()
                .unwrap();
        let person = store.create_person(&cli(), &Scope::All, &p).await.unwrap();
        // rep_a leaves: their customers are orphans until reassigned.
        store.set_disabled(&cli(), a.id, true).await.unwrap();
        let orphans = keqing_store::organisations::OrganisationFilter { orphans: true, ..Default::default() };
        assert_eq!(store.list_organisations(&Scope::All, &orphans, 10, 0).await.unwrap().1, 1);
        let moved = store.reassign_organisations(&cli(), &Scope::All, &[o.id], c.id, true).await.unwrap();
        assert_eq!(moved, 2, "the organisation and its person");
        assert_eq!(store.person(&Scope::All, person.id).await.unwrap().owner_id, c.id);
        assert_eq!(store.list_organisations(&Scope::All, &orphans, 10, 0).await.unwrap().1, 0);
        // The history stays with the customer.
        let filter = AuditFilter {
            entity: Some("organisation".into()),
            entity_id: Some(o.id.to_string()),
            ..Default::default()
        };
        let entries = store.list_audit(&Scope::All, &filter, 10, 0).await.unwrap();
        assert_eq!(entries[0].changes.0["owner_id"]["after"], c.id.0);
        // A disabled owner cannot be given new customers.
        assert!(store.reassign_organisations(&cli(), &Scope::All, &[o.id], a.id, false).await.is_err());
    }
}

#[tokio::test]
async fn families_relations_and_the_pipl_export_and_erasure() {
    use keqing_core::model::{FamilyRelation, Gender, MilestoneKind, PersonDraft, RelationKind};
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let b = user(&store, "rep_b", &["rep"], None).await;
        let mk = |name: &str, owner: UserId, birthday: &str| {
            PersonDraft {
                name: name.into(),
                owner: Some(owner),
                birthday: birthday.into(),
                phone: "13812345678".into(),
                tastes: "爱喝普洱".into(),
                ..Default::default()
            }
            .parse()
            .unwrap()
        };
        let li = store.create_person(&cli(), &Scope::All, &mk("李建华", a.id, "农历1976-8-15")).await.unwrap();
        let wang = store.create_person(&cli(), &Scope::All, &mk("王芳", a.id, "1980-02-29")).await.unwrap();
        let other = store.create_person(&cli(), &Scope::All, &mk("赵强", b.id, "")).await.unwrap();
        let fam = keqing_store::people::FamilyData {
            relation: FamilyRelation::Child,
            name: "李子涵".into(),
            gender: Gender::Female,
            birthday: Some(keqing_core::model::Birthday::Solar { month: 6, day: 1, year: Some(2009) }),
            notes: None,
        };
        let child = store.add_family_member(&cli(), &owners(&[a.id]), li.id, &fam).await.unwrap();
        let gaokao = chrono::NaiveDate::from_ymd_opt(2027, 6, 7).unwrap();
        store
            .add_milestone(&cli(), &owners(&[a.id]), child.id, MilestoneKind::Gaokao, gaokao, Some("理科"))
            .await
            .unwrap();
        assert_eq!(store.family(&owners(&[a.id]), li.id).await.unwrap()[0].milestones[0].on_date, gaokao);
        assert!(store.family(&owners(&[b.id]), li.id).await.is_err(), "another rep cannot read the family");
        // Wang was introduced by Li: stored once, seen from both sides.
        store.relate(&cli(), &owners(&[a.id]), wang.id, li.id, RelationKind::ReferredBy, None).await.unwrap();
        assert!(
            store.relate(&cli(), &owners(&[a.id]), wang.id, li.id, RelationKind::ReferredBy, None).await.is_err(),
            "once"
        );
        let from_li = store.relations(&owners(&[a.id]), li.id).await.unwrap();
        assert_eq!(
            (from_li[0].kind, from_li[0].outgoing, from_li[0].other_name.as_deref()),
            (RelationKind::ReferredBy, false, Some("王芳"))
        );
        // Relating to someone outside the scope is refused.
        assert!(store.relate(&cli(), &owners(&[a.id]), li.id, other.id, RelationKind::Friend, None).await.is_err());
        assert_eq!(store.referrals(&owners(&[a.id])).await.unwrap().len(), 1);
        // PIPL: the export has everything; the erasure removes it but keeps the record.
        let export = store.export_person(&cli(), li.id).await.unwrap();
        assert_eq!(export["person"]["tastes"], "爱喝普洱");
        assert_eq!(export["family"][0]["milestones"][0]["kind"], "gaokao");
        store.erase_person(&cli(), li.id, "本人要求删除").await.unwrap();
        let erased = store.person(&Scope::All, li.id).await.unwrap();
        assert!(
            erased.erased_at.is_some()
                && erased.phone.is_none()
                && erased.tastes.is_none()
                && erased.birthday.is_none()
        );
        assert_eq!(erased.name, format!("已删除的联系人 #{}", li.id.0));
        assert!(store.family(&Scope::All, li.id).await.unwrap().is_empty());
        assert!(store.relations(&Scope::All, wang.id).await.unwrap().is_empty());
        let filter =
            AuditFilter { entity: Some("person".into()), entity_id: Some(li.id.to_string()), ..Default::default() };
        let history = store.list_audit(&Scope::All, &filter, 20, 0).await.unwrap();
        assert_eq!(history[0].action, "erase");
        assert!(
            history.iter().all(|e| !e.changes.0.to_string().contains("13812345678")),
            "personal values redacted from the log"
        );
        assert!(
            store
                .list_people(
                    &Scope::All,
                    &keqing_store::people::PersonFilter { q: Some("lijianhua".into()), ..Default::default() },
                    10,
                    0
                )
                .await
                .unwrap()
                .0
                .is_empty()
        );
    }
}

#[tokio::test]
async fn territories_group_regions_and_filter_organisations() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let m = user(&store, "mgr", &["manager"], None).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let t = store
            .create_territory(
                &cli(),
                &keqing_store::regions::TerritoryData {
                    name: "昆明片区".into(),
                    manager: Some(m.id),
                    regions: vec!["530100".into()],
                    members: vec![a.id],
                },
            )
            .await
            .unwrap();
        store.create_organisation(&cli(), &Scope::All, &full_org("五华店", a.id)).await.unwrap();
        let mut elsewhere = full_org("贵阳店", a.id);
        elsewhere.region_code = Some("520102".into());
        store.create_organisation(&cli(), &Scope::All, &elsewhere).await.unwrap();
        let prefixes = store.territory_prefixes(t.id).await.unwrap();
        let filter =
            keqing_store::organisations::OrganisationFilter { region_prefixes: Some(prefixes), ..Default::default() };
        let (list, n) = store.list_organisations(&Scope::All, &filter, 10, 0).await.unwrap();
        assert_eq!((n, list[0].name.as_str()), (1, "五华店"));
        let bad = keqing_store::regions::TerritoryData {
            name: "x".into(),
            manager: None,
            regions: vec!["999999".into()],
            members: vec![],
        };
        assert!(matches!(store.create_territory(&cli(), &bad).await, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn search_keys_follow_renames_and_erasure_and_are_rebuilt_when_a_migration_asks() {
    use keqing_core::model::PersonDraft;
    use keqing_store::people::PersonFilter;
    for db in TestDb::all().await {
        let store = open(&db).await;
        let a = user(&store, "rep_a", &["rep"], None).await;
        let shop = store.create_organisation(&cli(), &Scope::All, &org("昆明佳佳超市", a.id)).await.unwrap();
        let draft = PersonDraft {
            name: "欧阳娜娜".into(),
            owner: Some(a.id),
            phone: "138 1234 5678".into(),
            wechat: "nana_km".into(),
            organisation: Some(shop.id),
            ..Default::default()
        };
        let nana = store.create_person(&cli(), &Scope::All, &draft.parse().unwrap()).await.unwrap();
        store
            .create_person(
                &cli(),
                &Scope::All,
                &PersonDraft { name: "张三".into(), owner: Some(a.id), ..Default::default() }.parse().unwrap(),
            )
            .await
            .unwrap();
        let found = |q: &'static str| {
            let store = &store;
            async move {
                let (people, total) = store
                    .list_people(&Scope::All, &PersonFilter { q: Some(q.into()), ..Default::default() }, 10, 0)
                    .await
                    .unwrap();
                assert_eq!(people.len() as i64, total);
                people.into_iter().map(|p| p.name).collect::<Vec<_>>()
            }
        };
        for q in ["欧阳娜娜", "娜娜", "ouyang", "nana", "oynn", "5678", "1381234", "nana_km", "佳佳", "kmjj", "jiajia"]
        {
            assert_eq!(found(q).await, vec!["欧阳娜娜"], "{q}");
        }
        for q in ["uyang", "_km", "娜欧", "9999"] {
            assert!(found(q).await.is_empty(), "{q}");
        }
        // Renaming the shop: its people are found by the new name only.
        store
            .update_organisation(&cli(), &Scope::All, shop.id, shop.version, &org("大理风花超市", a.id))
            .await
            .unwrap();
        assert!(found("佳佳").await.is_empty());
        assert_eq!(found("风花").await, vec!["欧阳娜娜"]);
        // A rebuild (what a migration asks for) gives the same answers.
        let sql = [
            "DELETE FROM person_search_key",
            "DELETE FROM organisation_search_key",
            "INSERT INTO search_key_rebuild (pending) VALUES (1)",
        ];
        match db.backend {
            keqing_test_db::Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
                for s in sql {
                    sqlx::query(s).execute(&pool).await.unwrap();
                }
            }
            keqing_test_db::Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                for s in sql {
                    sqlx::query(s).execute(&pool).await.unwrap();
                }
            }
        }
        assert!(found("zs").await.is_empty());
        store.migrate().await.unwrap();
        assert_eq!(found("zs").await, vec!["张三"]);
        assert_eq!(found("风花").await, vec!["欧阳娜娜"]);
        assert_eq!(
            store
                .list_organisations(
                    &Scope::All,
                    &keqing_store::organisations::OrganisationFilter { q: Some("dlfh".into()), ..Default::default() },
                    10,
                    0
                )
                .await
                .unwrap()
                .1,
            1
        );
        // An erased person is found by nothing, not even their shop.
        store.erase_person(&cli(), nana.id, "本人要求删除").await.unwrap();
        assert!(found("风花").await.is_empty());
        assert!(found("5678").await.is_empty());
    }
}
