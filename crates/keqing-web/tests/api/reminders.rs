//! Reminders: the daily digest goes out once per user and day through the
//! outbox to a generic webhook, a WeCom robot, a signed DingTalk robot and
//! e-mail (to local sinks started here), with retries and quiet hours.

use crate::helpers::spawn_app;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use keqing_core::Scope;
use keqing_core::model::OrganisationDraft;
use keqing_store::Actor;
use keqing_web::notify::{Sent, drain_outbox, schedule_digests};
use keqing_web::{AppState, Settings, Smtp};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>, Value)>>>;

/// An HTTP sink: `/ok/<name>` answers `{"errcode":0}`, `/fail/<name>` 500.
async fn http_sink() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn ok(
        State(seen): State<Seen>,
        axum::extract::Path(name): axum::extract::Path<String>,
        Query(q): Query<HashMap<String, String>>,
        axum::Json(body): axum::Json<Value>,
    ) -> axum::Json<Value> {
        seen.lock().unwrap().push((name, q, body));
        axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
    }
    async fn fail() -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let app = axum::Router::new()
        .route("/ok/{name}", axum::routing::post(ok))
        .route("/fail/{name}", axum::routing::post(fail))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// An SMTP sink: accepts every message and keeps its DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(std::mem::take(d));
                            data = None;
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.split(' ').next().unwrap_or("") {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => b"221 bye\r\n",
                        _ => b"250 OK\r\n",
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

async fn rep_with_a_shop(app: &crate::helpers::TestApp, name: &str) -> (keqing_store::users::User, reqwest::Client) {
    let rep = app.user(name, &["rep"], None).await;
    let org = OrganisationDraft {
        name: format!("{name}的店"),
        kind: "retail_store".into(),
        owner: Some(rep.id),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.store.create_organisation(&Actor::system("test"), &Scope::All, &org).await.unwrap();
    let api = app.bearer(&rep).await;
    (rep, api)
}

/// Reminders at any hour: the digest at 00:00, no quiet hours.
fn always(channel: &str, target: &str, secret: Option<&str>) -> Value {
    json!({"version": 0, "channel": channel, "target": target, "secret": secret,
        "digest_at": "00:00", "quiet_from": "00:00", "quiet_until": "00:00"})
}

#[tokio::test]
async fn the_digest_goes_out_once_per_user_and_day_on_every_channel() {
    let app = spawn_app().await;
    let (sink, seen) = http_sink().await;
    let (smtp_port, mails) = smtp_sink().await;
    let settings = Settings {
        smtp: Some(Smtp {
            host: "127.0.0.1".into(),
            port: smtp_port,
            from: "keqing@example.com".into(),
            username: None,
            password: None,
        }),
        public_url: Some("https://keqing.example.com".into()),
        ..Settings::default()
    };
    let state = AppState::new(app.store.clone(), settings);
    let setups = [
        ("rep_hook", always("webhook", &format!("{sink}/ok/hook"), None)),
        ("rep_wecom", always("wecom", &format!("{sink}/ok/wecom?key=abc"), None)),
        ("rep_ding", always("dingtalk", &format!("{sink}/ok/ding?access_token=t"), Some("SECtest"))),
        ("rep_mail", always("email", "rep_mail@example.com", None)),
        ("rep_down", always("webhook", &format!("{sink}/fail/down"), None)),
        // HTTPS is spoken (rustls): a closed port is a connection error, retried.
        ("rep_tls", always("wecom", "https://127.0.0.1:1/cgi-bin/webhook/send?key=k", None)),
    ];
    let mut clients = HashMap::new();
    for (name, prefs) in &setups {
        let (_, api) = rep_with_a_shop(&app, name).await;
        let r = api.put(app.url("/api/v1/me/reminders")).json(prefs).send().await.unwrap();
        assert_eq!(r.status(), 200, "{name}: {}", r.text().await.unwrap());
        clients.insert(*name, api);
    }
    // Two servers' workers schedule and drain: one digest each.
    assert_eq!(schedule_digests(&state).await.unwrap(), 6);
    assert_eq!(schedule_digests(&state).await.unwrap(), 0);
    let a = drain_outbox(&state, "server-a").await.unwrap();
    let b = drain_outbox(&state, "server-b").await.unwrap();
    let delivered = a.iter().chain(&b).filter(|(_, s)| *s == Sent::Delivered).count();
    assert_eq!(delivered, 4, "{a:?} {b:?}");

    let seen = seen.lock().unwrap().clone();
    let by = |n: &str| seen.iter().filter(|(name, _, _)| name == n).cloned().collect::<Vec<_>>();
    let hook = by("hook");
    assert_eq!(hook.len(), 1);
    assert_eq!(hook[0].2["kind"], "digest");
    // The shop's visit is there (last month's statement may come first,
    // depending on how near its deadline today is).
    assert!(hook[0].2["items"].as_array().unwrap().iter().any(|i| i["who"] == "rep_hook的店"), "{:?}", hook[0].2);
    assert!(hook[0].2["text"].as_str().unwrap().contains("https://keqing.example.com/"));
    let wecom = by("wecom");
    assert_eq!(wecom[0].2["msgtype"], "markdown");
    assert!(wecom[0].2["markdown"]["content"].as_str().unwrap().contains("rep_wecom的店"));
    let ding = by("ding");
    let q = &ding[0].1;
    let ts: i64 = q["timestamp"].parse().unwrap();
    let expected = keqing_core::notify::dingtalk_signed_url("x", "SECtest", ts);
    let want = expected.rsplit("sign=").next().unwrap();
    // The sink's query parser decoded the percent-escapes.
    assert_eq!(urlencode(&q["sign"]), want);
    assert!(ding[0].2["markdown"]["title"].as_str().unwrap().starts_with("REP_DING的今日待办"));
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: <rep_mail@example.com>"));
    assert!(mails[0].contains("Subject: =?UTF-8?B?"));

    let tls: Value =
        clients["rep_tls"].get(app.url("/api/v1/me/reminders/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!((tls[0]["status"].as_str(), tls[0]["attempts"].as_i64()), (Some("pending"), Some(1)), "{tls}");
    // The failing webhook is kept for a retry, with its error.
    let out: Value =
        clients["rep_down"].get(app.url("/api/v1/me/reminders/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(out[0]["status"], "pending");
    assert_eq!(out[0]["attempts"], 1);
    assert!(out[0]["last_error"].as_str().unwrap().contains("500"), "{out}");
    let sent: Value =
        clients["rep_hook"].get(app.url("/api/v1/me/reminders/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(sent[0]["status"], "sent");
    // Not due again before its backoff.
    assert!(drain_outbox(&state, "server-a").await.unwrap().is_empty());
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn reminder_settings_are_checked_and_quiet_hours_hold_messages() {
    let app = spawn_app().await;
    let (_, api) = rep_with_a_shop(&app, "rep_q").await;
    let bad = json!({"version": 0, "channel": "email", "target": "nobody", "digest_at": "22:00",
        "quiet_from": "21:00", "quiet_until": "07:00"});
    let r = api.put(app.url("/api/v1/me/reminders")).json(&bad).send().await.unwrap();
    let (status, e) = crate::helpers::error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["target"].is_string() && e["fields"]["digest_at"].is_string(), "{e}");
    // Quiet all day but the last minute: a message waits for the end.
    let quiet = json!({"version": 0, "channel": "webhook", "target": "http://127.0.0.1:9/x", "digest_at": "23:59",
        "quiet_from": "00:00", "quiet_until": "23:59"});
    let r = api.put(app.url("/api/v1/me/reminders")).json(&quiet).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let state = AppState::new(app.store.clone(), Settings::default());
    let local = keqing_store::now().with_timezone(&state.settings.zone).time();
    if local >= chrono::NaiveTime::from_hms_opt(23, 58, 0).unwrap() {
        return; // too close to the end of the quiet hours to tell
    }
    assert_eq!(schedule_digests(&state).await.unwrap(), 0, "no digest during quiet hours");
    let me: Value = api.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let user = keqing_core::UserId(me["id"].as_i64().unwrap());
    let payload = json!({});
    let m = keqing_store::outbox::NewMessage {
        user,
        dedupe_key: "test:1",
        channel: keqing_core::notify::Channel::Webhook,
        target: "http://127.0.0.1:9/x",
        secret: None,
        subject: "s",
        body: "b",
        payload: &payload,
        send_at: keqing_store::now(),
    };
    assert!(app.store.enqueue_message(&m).await.unwrap());
    let done = drain_outbox(&state, "w").await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].1, Sent::Held);
    let out: Value = api.get(app.url("/api/v1/me/reminders/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!((out[0]["status"].as_str(), out[0]["attempts"].as_i64()), (Some("pending"), Some(0)), "{out}");
}
