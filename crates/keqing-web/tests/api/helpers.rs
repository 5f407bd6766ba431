//! `spawn_app()`: Keqing on a fresh database (SQLite, or PostgreSQL when
//! `KEQING_TEST_BACKEND=postgres`) on a random port, plus a small company.

use keqing_core::model::UserDraft;
use keqing_core::{TeamId, UserId};
use keqing_store::teams::TeamData;
use keqing_store::users::User;
use keqing_store::{Actor, Store, StoreOptions};
use keqing_test_db::TestDb;
use keqing_web::{AppState, Settings};
use reqwest::header::{HeaderMap, HeaderValue};
use std::net::SocketAddr;
use std::sync::LazyLock;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

/// Hashing is slow on purpose; hash the shared password once per binary.
static HASH: LazyLock<String> = LazyLock::new(|| keqing_store::secrets::hash_password(PASSWORD).unwrap());

pub struct TestApp {
    pub base: String,
    pub store: Store,
    #[allow(dead_code)]
    pub db: TestDb,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Settings::default()).await
}

pub async fn spawn_with(settings: Settings) -> TestApp {
    keqing_web::notify::install_tls();
    let db = TestDb::from_env().await;
    let store = Store::open(&db.url, &StoreOptions { max_connections: 5, ..Default::default() }).await.unwrap();
    store.migrate().await.unwrap();
    let state = AppState::new(store.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = keqing_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestApp { base: format!("http://{addr}"), store, db }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A user with `PASSWORD`, not required to change it.
    pub async fn user(&self, username: &str, roles: &[&str], team: Option<TeamId>) -> User {
        let new = UserDraft {
            username: username.into(),
            display_name: username.to_uppercase(),
            password: PASSWORD.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            team,
            ..Default::default()
        }
        .parse()
        .unwrap();
        self.store.create_user(&Actor::system("test"), &new, &HASH, false).await.unwrap()
    }

    pub async fn team(&self, name: &str, manager: Option<UserId>, parent: Option<TeamId>) -> TeamId {
        let t = self
            .store
            .create_team(&Actor::system("test"), &TeamData { name: name.into(), parent, manager })
            .await
            .unwrap();
        TeamId(t.id)
    }

    /// A client that sends `Authorization: Bearer` with a fresh token.
    pub async fn bearer(&self, user: &User) -> reqwest::Client {
        let (secret, hash, prefix) = keqing_web::auth::new_api_token();
        self.store.create_token(&Actor::system("test"), user.id, "test", &hash, &prefix).await.unwrap();
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_str(&format!("Bearer {secret}")).unwrap());
        reqwest::Client::builder().default_headers(h).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// A browser-like client: cookie jar, no redirects followed.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Logs in through the real form. Returns the client (with the session
    /// cookie) and the session's CSRF token.
    pub async fn login(&self, username: &str) -> (reqwest::Client, String) {
        let client = self.browser();
        let csrf = self.form_csrf(&client, "/login").await;
        let resp = client
            .post(self.url("/login"))
            .form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "login of {username} failed: {}", resp.text().await.unwrap_or_default());
        let csrf = self.form_csrf(&client, "/account").await;
        (client, csrf)
    }

    /// The CSRF token in the forms of `path`.
    pub async fn form_csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client.get(self.url(path)).send().await.unwrap().text().await.unwrap();
        csrf_in(&html)
    }
}

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no CSRF field in page:\n{html}")) + marker.len();
    html[start..start + 64].to_owned()
}

/// The body of an error answer, checked for the one error shape.
pub async fn error_of(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.expect("error bodies are JSON");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, body["error"].clone())
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    keqing_web::context::urlencode(s)
}
