//! Sessions, tokens, CSRF, throttling, passwords, language.

use crate::helpers::{PASSWORD, csrf_in, error_of, spawn_app, spawn_with};
use keqing_web::Settings;
use serde_json::{Value, json};

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_logout_ends_it() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let client = app.browser();
    let csrf = app.form_csrf(&client, "/login").await;
    let resp = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "REP_A"), ("password", PASSWORD), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/account", "back to where the user was going");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("kq_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let session_csrf = app.form_csrf(&client, "/account").await;
    let out = client.post(app.url("/logout")).form(&[("csrf", session_csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn cookies_are_secure_behind_tls() {
    let app = spawn_with(Settings { secure_cookies: true, ..Settings::default() }).await;
    app.user("rep_a", &["rep"], None).await;
    let client = app.browser();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(pre.contains("Secure"), "{pre}");
    let csrf = csrf_in(&page.text().await.unwrap());
    // reqwest's jar will not send a Secure cookie over http: send it by hand.
    let token = pre.split(';').next().unwrap().to_owned();
    let resp = client
        .post(app.url("/login"))
        .header("cookie", token)
        .form(&[("csrf", csrf.as_str()), ("username", "rep_a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("kq_session="))
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_session_expires_after_the_idle_time() {
    let app = spawn_with(Settings { session_idle: chrono::Duration::seconds(2), ..Settings::default() }).await;
    app.user("rep_a", &["rep"], None).await;
    let (client, _) = app.login("rep_a").await;
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let page = client.get(app.url("/account")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=%2Faccount");
}

#[tokio::test]
async fn every_form_post_needs_the_csrf_token() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (client, csrf) = app.login("rep_a").await;
    // No token, a wrong token: refused, nothing changed.
    for token in [None, Some("0".repeat(64))] {
        let mut form = vec![("name", "phone".to_owned())];
        if let Some(t) = token {
            form.push(("csrf", t));
        }
        let resp = client.post(app.url("/account/tokens")).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        assert!(resp.text().await.unwrap().contains("表单已过期"), "a page, in Chinese");
    }
    // A JSON call with the session cookie needs the header too.
    let resp = client.post(app.url("/api/v1/tokens")).json(&json!({"name": "x"})).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["code"].as_str().unwrap()), (403, "csrf"));
    let ok = client
        .post(app.url("/api/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    // The login form itself needs the pre-login token.
    let anon = app.browser();
    let resp =
        anon.post(app.url("/login")).form(&[("username", "rep_a"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn bearer_tokens_need_no_csrf_and_stop_working_when_revoked() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let anon = reqwest::Client::new();
    let created: Value = anon
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "rep_a", "password": PASSWORD, "name": "ERP"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("kq_"));
    let me: Value = anon.get(app.url("/api/v1/me")).bearer_auth(secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "rep_a");
    assert_eq!(me["authenticated_by"], "token");
    let post = anon
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(secret)
        .json(&json!({"name": "店", "kind": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 201);
    let del =
        anon.delete(app.url(&format!("/api/v1/tokens/{}", created["id"]))).bearer_auth(secret).send().await.unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(anon.get(app.url("/api/v1/me")).bearer_auth(secret).send().await.unwrap().status(), 401);
    // A malformed Authorization header is a 401, not a fallback to cookies.
    let resp = anon.get(app.url("/api/v1/me")).header("authorization", "Basic abc").send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_retry_after_and_an_audit_entry() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let admin = app.user("boss", &["admin"], None).await;
    let anon = reqwest::Client::new();
    let attempt = |password: &'static str| {
        anon.post(app.url("/api/v1/auth/token")).json(&json!({"username": "rep_a", "password": password})).send()
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await.unwrap().status(), 401);
    }
    let locked = attempt(PASSWORD).await.unwrap();
    assert_eq!(locked.status(), 429, "even the right password waits");
    let retry: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "{retry}");
    let (_, err) = error_of(locked).await;
    assert_eq!(err["retry_after"], retry);
    // The login form says so too.
    let browser = app.browser();
    let csrf = app.form_csrf(&browser, "/login").await;
    let page = browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "rep_a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(page.text().await.unwrap().contains("尝试次数过多"));
    // Another account from the same address is not locked.
    app.user("rep_b", &["rep"], None).await;
    let other = anon
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "rep_b", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    let audit: Value = app
        .bearer(&admin)
        .await
        .get(app.url("/api/v1/audit?entity=session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let throttled: Vec<&Value> =
        audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "login_throttled").collect();
    assert_eq!(throttled.len(), 1, "recorded once, when the lock begins");
    assert_eq!(throttled[0]["changes"]["username"]["after"], "rep_a");
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let created: Value = app
        .bearer(&admin)
        .await
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": "newrep", "display_name": "新人", "roles": ["rep"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let initial = created["initial_password"].as_str().unwrap().to_owned();
    let client = app.browser();
    let csrf = app.form_csrf(&client, "/login").await;
    let resp = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "newrep"), ("password", initial.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/password");
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/password", "every page leads to the password form");
    let api = client.get(app.url("/api/v1/organisations")).send().await.unwrap();
    let (status, err) = error_of(api).await;
    assert_eq!((status, err["code"].as_str().unwrap()), (403, "password_change_required"));
    let csrf = app.form_csrf(&client, "/password").await;
    let short = client
        .post(app.url("/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", initial.as_str()),
            ("new_password", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("至少需要 10 个字符"));
    let done = client
        .post(app.url("/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", initial.as_str()),
            ("new_password", "昆明的春天很长很长很长"),
            ("confirm", "昆明的春天很长很长很长"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(
        client.get(app.url("/")).send().await.unwrap().status(),
        200,
        "the session survives its own password change"
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (phone, _) = app.login("rep_a").await;
    let (desk, csrf) = app.login("rep_a").await;
    let resp = desk
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", csrf)
        .json(&json!({"current_password": PASSWORD, "new_password": "a new long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(desk.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    assert_eq!(phone.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn disabling_a_user_ends_sessions_and_revokes_tokens_and_keeps_the_last_admin() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let (browser, _) = app.login("rep_a").await;
    let token = app.bearer(&rep).await;
    let api = app.bearer(&admin).await;
    let resp = api.post(app.url(&format!("/api/v1/users/{}/disable", rep.id))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(browser.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    assert_eq!(token.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    // The only admin cannot disable themself or drop the role.
    let resp = api.post(app.url(&format!("/api/v1/users/{}/disable", admin.id))).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["roles"].is_string());
    let resp = api
        .put(app.url(&format!("/api/v1/users/{}/roles", admin.id)))
        .json(&json!({"roles": ["rep"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
}

#[tokio::test]
async fn the_language_follows_preference_then_cookie_then_browser() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let anon = reqwest::Client::new();
    let msg = |resp: reqwest::Response| async move { error_of(resp).await.1["message"].as_str().unwrap().to_owned() };
    assert_eq!(msg(anon.get(app.url("/api/v1/me")).send().await.unwrap()).await, "请先登录。", "Chinese by default");
    let en = anon.get(app.url("/api/v1/me")).header("accept-language", "en-GB,en;q=0.9").send().await.unwrap();
    assert_eq!(msg(en).await, "Please log in.");
    let login = reqwest::Client::new().get(app.url("/login")).header("cookie", "kq_lang=en").send().await.unwrap();
    assert!(login.text().await.unwrap().contains("<html lang=\"en\">"));
    // The user's own choice wins over the browser.
    let api = app.bearer(&rep).await;
    let me: Value = api.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let resp = api
        .patch(app.url("/api/v1/me"))
        .header("accept-language", "zh-CN")
        .json(&json!({"version": me["version"], "locale": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bad = api.get(app.url("/api/v1/organisations/999")).header("accept-language", "zh-CN").send().await.unwrap();
    assert_eq!(msg(bad).await, "This page or record does not exist.");
}

#[tokio::test]
async fn pages_carry_security_headers_and_no_caching() {
    let app = spawn_app().await;
    let resp = reqwest::get(app.url("/login")).await.unwrap();
    let h = resp.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert_eq!(h["cache-control"], "no-store");
}

#[tokio::test]
async fn login_never_redirects_to_another_site() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let client = app.browser();
    let csrf = app.form_csrf(&client, "/login").await;
    let resp = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "rep_a"), ("password", PASSWORD), ("next", "//evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/");
}
