//! Two `keqing serve` processes on one PostgreSQL behave as one service:
//! a session, a CSRF token, a throttle and a logout made on one server hold
//! on the other. (Skipped without a PostgreSQL cluster unless
//! KEQING_REQUIRE_PG=1, as `scripts/test` sets.)

mod support;

use serde_json::{Value, json};
use support::{Server, browser, csrf, login};

#[tokio::test]
async fn a_session_made_on_one_server_works_on_the_other() {
    let Some(db) = keqing_test_db::TestDb::postgres().await else { return };
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let env = [("KEQING_DATABASE_URL", db.url.as_str()), ("KEQING_ADMIN_PASSWORD", "the first admin's password")];
    let a = Server::start(dir_a.path(), &["--demo"], &env);
    let b = Server::start(dir_b.path(), &[], &env);
    assert!(!dir_a.path().join("keqing-data/keqing.db").exists(), "no SQLite file when PostgreSQL is configured");

    let client = browser();
    assert_eq!(login(&client, &a.base, "zhangwei", keqing_core::demo::DEMO_PASSWORD).await, 303);
    // The cookie from A is accepted by B …
    let me: Value = client.get(b.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "zhangwei");
    // … and so is the CSRF token of a form rendered by A.
    let token = csrf(&client, &a.url("/account")).await;
    let created = client
        .post(b.url("/account/tokens"))
        .form(&[("csrf", token.as_str()), ("name", "phone")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let tokens: Value = client.get(a.url("/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 1, "written through B, read through A");

    // Throttling counts failures on both servers together.
    let anon = reqwest::Client::new();
    for (i, server) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        let r = anon
            .post(server.url("/api/v1/auth/token"))
            .json(&json!({"username": "liuyang", "password": format!("wrong {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let locked = anon
        .post(b.url("/api/v1/auth/token"))
        .json(&json!({"username": "liuyang", "password": keqing_core::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);

    // Logging out on B ends the session on A.
    let token = csrf(&client, &b.url("/account")).await;
    assert_eq!(client.post(b.url("/logout")).form(&[("csrf", token.as_str())]).send().await.unwrap().status(), 303);
    assert_eq!(client.get(a.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

/// Both servers' workers run every second against one PostgreSQL; the
/// rep's daily digest reaches the webhook exactly once.
#[tokio::test]
async fn two_servers_send_a_reminder_exactly_once() {
    let Some(db) = keqing_test_db::TestDb::postgres().await else { return };
    // A webhook sink counting what it receives.
    let hits: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let kept = hits.clone();
    let sink = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                axum::Json(json!({"errcode": 0}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, sink).await.unwrap() });

    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let env = [
        ("KEQING_DATABASE_URL", db.url.as_str()),
        ("KEQING_ADMIN_PASSWORD", "the first admin's password"),
        ("KEQING_JOB_INTERVAL_SECS", "1"),
    ];
    let a = Server::start(dir_a.path(), &["--demo"], &env);
    let b = Server::start(dir_b.path(), &[], &env);
    let anon = reqwest::Client::new();
    let token: Value = anon
        .post(a.url("/api/v1/auth/token"))
        .json(&json!({"username": "zhangwei", "password": keqing_core::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["secret"].as_str().expect("a token"));
    let r = anon
        .put(b.url("/api/v1/me/reminders"))
        .header("authorization", &bearer)
        .json(&json!({"version": 0, "channel": "webhook", "target": hook, "digest_at": "00:00",
            "quiet_from": "00:00", "quiet_until": "00:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Wait for the digest, then a few more rounds of both workers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while hits.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no digest arrived");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let got = hits.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["user"], "zhangwei");
    assert!(!got[0]["items"].as_array().unwrap().is_empty(), "the demo rep's day is full");
    let out: Value = anon
        .get(a.url("/api/v1/me/reminders/outbox"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(out.as_array().unwrap().len(), 1);
    assert_eq!(out[0]["status"], "sent");
    assert_eq!(out[0]["attempts"], 1);
}
