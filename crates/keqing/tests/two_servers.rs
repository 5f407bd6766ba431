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
