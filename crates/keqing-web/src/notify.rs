//! Reminders: the daily digest is enqueued in the outbox when each user's
//! digest time comes, and the outbox is drained by whichever server claims a
//! message — e-mail through the SMTP relay, the WeCom and DingTalk group
//! robots, or a generic JSON webhook — with retries and backoff, and nothing
//! sent during the user's quiet hours.

use crate::{AppState, Smtp};
use chrono::{DateTime, Duration, TimeZone, Utc};
use keqing_core::UserId;
use keqing_core::notify::{self, Channel, DigestLine, Prefs};
use keqing_store::outbox::{NewMessage, OutboxMessage};
use std::time::Duration as StdDuration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Enqueues today's digest for every user whose digest time has come (and
/// who is not in quiet hours). Every server calls this; the dedupe key
/// `digest:<user>:<day>` makes one message per user and day. Returns how
/// many were enqueued by this call.
pub async fn schedule_digests(state: &AppState) -> anyhow::Result<usize> {
    let now = keqing_store::now();
    let local = now.with_timezone(&state.settings.zone);
    let today = local.date_naive();
    let mut enqueued = 0;
    let mut ctx = None;
    for (user, prefs) in state.store.users_with_reminders().await? {
        if !notify::digest_due(&prefs, local.time()) {
            continue;
        }
        let key = format!("digest:{}:{today}", user.0);
        if state.store.outbox_has(&key).await? {
            continue;
        }
        let u = state.store.user(user).await?;
        let zh = u.locale.as_deref() != Some("en");
        // The rules are read once per round, and only when a digest is due.
        let ctx = match &ctx {
            Some(c) => c,
            None => ctx.insert(crate::agenda::context(state, today, today).await?),
        };
        let items = crate::agenda::items_in(state, ctx, user).await?;
        let mut lines: Vec<DigestLine> = crate::api::statements::reminders(state, &u, today, zh).await?;
        lines.extend(items.iter().map(|i| {
            DigestLine {
                action: i.action.label(zh).to_owned(),
                who: i
                    .person
                    .as_ref()
                    .map(|p| p.name.clone())
                    .or(i.organisation.as_ref().map(|o| o.name.clone()))
                    .unwrap_or_default(),
                reason: i.why.explain(today, zh),
                overdue_days: i.overdue_days,
            }
        }));
        let link = state.settings.public_url.clone().map(|u| format!("{u}/")).unwrap_or_default();
        let (title, body) = notify::digest_text(&u.display_name, today, &lines, &link, zh);
        let Some(channel) = prefs.channel else { continue };
        let payload = serde_json::json!({
            "kind": "digest", "user": u.username, "date": today, "title": title, "text": body,
            "items": lines,
        });
        let m = NewMessage {
            user,
            dedupe_key: &key,
            channel,
            target: &prefs.target,
            secret: prefs.secret.as_deref(),
            subject: &title,
            body: &body,
            payload: &payload,
            send_at: now,
        };
        if state.store.enqueue_message(&m).await? {
            enqueued += 1;
        }
    }
    Ok(enqueued)
}

/// What happened to one claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Delivered.
    Delivered,
    /// Held until the user's quiet hours end.
    Held,
    /// Failed; retried later or given up.
    Failed(String),
}

/// The end of the quiet hours after `now` (or `now` when not quiet).
fn after_quiet(state: &AppState, p: &Prefs, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let zone = state.settings.zone;
    let local = now.with_timezone(&zone);
    if !notify::quiet(local.time(), p.quiet_from, p.quiet_until) {
        return None;
    }
    let mut day = local.date_naive();
    if local.time() >= p.quiet_until {
        day = day.succ_opt().unwrap_or(day);
    }
    zone.from_local_datetime(&day.and_time(p.quiet_until)).earliest().map(|t| t.with_timezone(&Utc))
}

/// Claims and sends due messages until none is left.
pub async fn drain_outbox(state: &AppState, worker: &str) -> anyhow::Result<Vec<(i64, Sent)>> {
    let mut out = Vec::new();
    loop {
        let now = keqing_store::now();
        let Some(m) = state.store.claim_message(worker, now, now + Duration::minutes(2)).await? else {
            return Ok(out);
        };
        let (prefs, _) = state.store.notification_prefs(UserId(m.user_id)).await?;
        if let Some(until) = after_quiet(state, &prefs, now) {
            state.store.message_failed(&m, worker, "quiet hours", until, false).await?;
            out.push((m.outbox_message_id, Sent::Held));
            continue;
        }
        let result = send(state, &m).await;
        let now = keqing_store::now();
        match result {
            Ok(()) => {
                state.store.message_sent(m.outbox_message_id, worker, now).await?;
                out.push((m.outbox_message_id, Sent::Delivered));
            }
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::warn!(message = m.outbox_message_id, channel = %m.channel, error = %msg, "reminder not delivered");
                // 30 s, 1 min, 2 min, 4 min, 8 min …
                let backoff = Duration::seconds(30 * (1 << (m.attempts - 1).clamp(0, 10)));
                state.store.message_failed(&m, worker, &msg, now + backoff, true).await?;
                out.push((m.outbox_message_id, Sent::Failed(msg)));
            }
        }
    }
}

async fn send(state: &AppState, m: &OutboxMessage) -> anyhow::Result<()> {
    match Channel::parse(&m.channel).map_err(|_| anyhow::anyhow!("unknown channel {}", m.channel))? {
        Channel::Email => {
            let smtp = state.settings.smtp.as_ref().ok_or_else(|| anyhow::anyhow!("no SMTP relay configured"))?;
            send_mail(smtp, &m.target, &m.subject, &m.body).await
        }
        Channel::Wecom => robot(&m.target, &notify::wecom_payload(&m.body)).await,
        Channel::Dingtalk => {
            let url = match m.secret.as_deref() {
                Some(secret) => notify::dingtalk_signed_url(&m.target, secret, keqing_store::now().timestamp_millis()),
                None => m.target.clone(),
            };
            robot(&url, &notify::dingtalk_payload(&m.subject, &m.body)).await
        }
        Channel::Webhook => {
            let r = client()?.post(&m.target).json(&m.payload.0).send().await?;
            anyhow::ensure!(r.status().is_success(), "the webhook answered {}", r.status());
            Ok(())
        }
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    install_tls();
    Ok(reqwest::Client::builder().timeout(StdDuration::from_secs(10)).build()?)
}

/// Installs rustls's ring provider as the process's TLS provider (once).
/// reqwest is built without a provider of its own (its default, aws-lc,
/// needs cmake), so every process that makes HTTP requests calls this
/// first; [`crate::AppState::new`] does.
pub fn install_tls() {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Posts to a WeCom or DingTalk robot; both answer `{"errcode": 0}` on success.
async fn robot(url: &str, payload: &serde_json::Value) -> anyhow::Result<()> {
    let r = client()?.post(url).json(payload).send().await?;
    let status = r.status();
    anyhow::ensure!(status.is_success(), "the robot answered {status}");
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    let code = body.get("errcode").and_then(serde_json::Value::as_i64).unwrap_or(0);
    anyhow::ensure!(code == 0, "the robot refused the message: {body}");
    Ok(())
}

/// Sends one plain-text message through an SMTP relay (EHLO, optional AUTH
/// PLAIN, MAIL, RCPT, DATA; UTF-8, base64).
pub async fn send_mail(smtp: &Smtp, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
    use base64::Engine;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let stream = tokio::time::timeout(
        StdDuration::from_secs(10),
        tokio::net::TcpStream::connect((smtp.host.as_str(), smtp.port)),
    )
    .await
    .map_err(|_| anyhow::anyhow!("SMTP relay {}:{} did not answer", smtp.host, smtp.port))??;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    // Reads one (possibly multi-line) reply and checks its code.
    async fn reply(
        lines: &mut tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
        want: &str,
    ) -> anyhow::Result<()> {
        loop {
            let line = tokio::time::timeout(StdDuration::from_secs(10), lines.next_line())
                .await
                .map_err(|_| anyhow::anyhow!("SMTP relay timed out"))??
                .ok_or_else(|| anyhow::anyhow!("SMTP relay closed the connection"))?;
            anyhow::ensure!(line.starts_with(want), "SMTP relay answered {line:?}, expected {want}");
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }
    reply(&mut lines, "220").await?;
    write.write_all(b"EHLO keqing\r\n").await?;
    reply(&mut lines, "250").await?;
    if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
        write.write_all(format!("AUTH PLAIN {}\r\n", b64(format!("\0{u}\0{p}").as_bytes())).as_bytes()).await?;
        reply(&mut lines, "235").await?;
    }
    write.write_all(format!("MAIL FROM:<{}>\r\n", smtp.from).as_bytes()).await?;
    reply(&mut lines, "250").await?;
    write.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes()).await?;
    reply(&mut lines, "250").await?;
    write.write_all(b"DATA\r\n").await?;
    reply(&mut lines, "354").await?;
    let encoded: Vec<String> =
        b64(body.as_bytes()).as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let message = format!(
        "From: Keqing <{}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{}?=\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n.\r\n",
        smtp.from,
        b64(subject.as_bytes()),
        keqing_store::now().to_rfc2822(),
        encoded.join("\r\n")
    );
    write.write_all(message.as_bytes()).await?;
    reply(&mut lines, "250").await?;
    write.write_all(b"QUIT\r\n").await?;
    Ok(())
}
