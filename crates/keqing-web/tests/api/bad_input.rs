//! Bad input never yields a 5xx: every case below gets a 4xx in the one
//! error shape, naming the field where there is one, and changes nothing.

use crate::helpers::{error_of, spawn_app};
use serde_json::Value;

async fn post_raw(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let resp = client.post(app.url(path)).header("content-type", ct).body(body).send().await.unwrap();
    error_of(resp).await
}

#[tokio::test]
async fn malformed_bodies_get_4xx_naming_the_field() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let orgs = "/api/v1/organisations";
    let json = "application/json";
    // (what, body, status, code, field named)
    type Case = (&'static str, Vec<u8>, u16, &'static str, Option<&'static str>);
    let cases: Vec<Case> = vec![
        ("syntax error", br#"{"name": "x", "#.to_vec(), 400, "bad_request", None),
        ("not an object", br#"[1,2,3]"#.to_vec(), 400, "bad_request", None),
        ("empty body", Vec::new(), 400, "bad_request", None),
        ("wrong type", br#"{"name": 5, "kind": "other"}"#.to_vec(), 422, "validation", Some("name")),
        (
            "wrong nested type",
            br#"{"name": "x", "kind": "other", "owner_id": "me"}"#.to_vec(),
            422,
            "validation",
            Some("owner_id"),
        ),
        ("missing field", br#"{"name": "x"}"#.to_vec(), 422, "validation", Some("kind")),
        (
            "unknown field",
            br#"{"name": "x", "kind": "other", "colour": "red"}"#.to_vec(),
            422,
            "validation",
            Some("colour"),
        ),
        ("blank name", br#"{"name": "   ", "kind": "other"}"#.to_vec(), 422, "validation", Some("name")),
        ("unknown kind", br#"{"name": "x", "kind": "bank"}"#.to_vec(), 422, "validation", Some("kind")),
        (
            "bad phone",
            br#"{"name": "x", "kind": "other", "phone": "12345"}"#.to_vec(),
            422,
            "validation",
            Some("phone"),
        ),
        (
            "control characters",
            b"{\"name\": \"a\\u0000b\", \"kind\": \"other\"}".to_vec(),
            422,
            "validation",
            Some("name"),
        ),
        ("trailing garbage", br#"{"name": "x", "kind": "other"} {}"#.to_vec(), 400, "bad_request", None),
        ("invalid UTF-8", b"{\"name\": \"\xff\xfe\", \"kind\": \"other\"}".to_vec(), 400, "bad_request", None),
    ];
    for (what, body, status, code, field) in cases {
        let (got, err) = post_raw(&app, &api, orgs, json, body).await;
        assert_eq!((got, err["code"].as_str().unwrap()), (status, code), "{what}: {err}");
        if let Some(f) = field {
            assert!(err["fields"][f].is_string(), "{what}: no message for {f}: {err}");
        }
    }
    let long = format!(r#"{{"name": "{}", "kind": "other"}}"#, "佳".repeat(101));
    let (got, err) = post_raw(&app, &api, orgs, json, long.into_bytes()).await;
    assert_eq!(got, 422);
    assert_eq!(err["fields"]["name"], "不能超过 100 个字符");
    // Nothing was created by any of it.
    let list: Value = api.get(app.url(orgs)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn a_huge_body_is_413_and_a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let huge = format!(r#"{{"name": "x", "kind": "other", "notes": "{}"}}"#, "a".repeat(2 * 1024 * 1024));
    let (status, err) = post_raw(&app, &api, "/api/v1/organisations", "application/json", huge.into_bytes()).await;
    assert_eq!((status, err["code"].as_str().unwrap()), (413, "payload_too_large"));
    let (status, err) = post_raw(&app, &api, "/api/v1/organisations", "text/plain", b"{}".to_vec()).await;
    assert_eq!((status, err["code"].as_str().unwrap()), (415, "unsupported_media_type"));
    let notes = format!(r#"{{"name": "x", "kind": "other", "notes": "{}"}}"#, "a".repeat(10_001));
    let (status, err) = post_raw(&app, &api, "/api/v1/organisations", "application/json", notes.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["notes"].is_string());
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_named() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let (status, err) = error_of(api.get(app.url("/api/v1/organisations/abc")).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(err["fields"].as_object().unwrap().keys().next().is_some(), "{err}");
    let (status, err) =
        error_of(api.get(app.url("/api/v1/organisations/99999999999999999999")).send().await.unwrap()).await;
    assert_eq!(status, 400, "{err}");
    let (status, err) = error_of(api.get(app.url("/api/v1/organisations?limit=lots")).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["limit"].is_string(), "{err}");
    let (status, err) = error_of(api.get(app.url("/api/v1/organisations?limit=100000")).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["limit"].is_string(), "{err}");
    let (status, err) = error_of(api.get(app.url("/api/v1/organisations?bogus=1")).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["bogus"].is_string(), "{err}");
    let (status, _) = error_of(api.get(app.url("/api/v1/organisations?kind=bank")).send().await.unwrap()).await;
    assert_eq!(status, 422);
    // Invalid UTF-8 in a query is decoded lossily: a search, not an error.
    let status = api.get(app.url("/api/v1/organisations?q=%FF%FE")).send().await.unwrap().status();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_form_posts_on_pages_get_a_page_not_a_500() {
    let app = spawn_app().await;
    app.user("boss", &["admin"], None).await;
    let (client, csrf) = app.login("boss").await;
    let resp = client
        .post(app.url("/admin/users"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&username=%E5%BC%A0&display_name=&role=king"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("不是有效的用户名"), "inline message in Chinese: {html}");
    let resp = client
        .post(app.url("/admin/teams/abc"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&name=x&version=notanumber"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
}
