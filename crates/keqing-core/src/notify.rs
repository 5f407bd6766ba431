//! Reminders: each user's channel, digest time and quiet hours; the daily
//! digest's text; the payloads of the WeCom and DingTalk group robots and
//! of a generic JSON webhook; DingTalk's request signing.
//!
//! Sending is the web layer's job; whether and when to send is decided
//! here, without I/O.

use crate::validate::{FieldErrors, Problem};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a user's reminders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail through the company's SMTP relay.
    Email,
    /// A WeCom (企业微信) group robot webhook.
    Wecom,
    /// A DingTalk (钉钉) robot webhook, signed when a secret is set.
    Dingtalk,
    /// Any URL that accepts a JSON POST.
    Webhook,
}

impl Channel {
    /// Stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Wecom => "wecom",
            Channel::Dingtalk => "dingtalk",
            Channel::Webhook => "webhook",
        }
    }

    /// Parses an identifier.
    pub fn parse(text: &str) -> Result<Channel, Problem> {
        [Channel::Email, Channel::Wecom, Channel::Dingtalk, Channel::Webhook]
            .into_iter()
            .find(|c| c.as_str() == text.trim())
            .ok_or_else(|| Problem::NotOneOf {
                allowed: vec!["email".into(), "wecom".into(), "dingtalk".into(), "webhook".into()],
            })
    }
}

/// A user's reminder settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    /// Where (none: no reminders).
    pub channel: Option<Channel>,
    /// The e-mail address or the webhook URL.
    pub target: String,
    /// DingTalk's signing secret (`SEC…`), if the robot has one.
    pub secret: Option<String>,
    /// When the daily digest goes out (company time).
    pub digest_at: NaiveTime,
    /// Nothing is sent from …
    pub quiet_from: NaiveTime,
    /// … until (may wrap past midnight).
    pub quiet_until: NaiveTime,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            channel: None,
            target: String::new(),
            secret: None,
            digest_at: hm(7, 30),
            quiet_from: hm(21, 0),
            quiet_until: hm(7, 0),
        }
    }
}

/// Reminder settings as a form or API client sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrefsDraft {
    /// `email`, `wecom`, `dingtalk`, `webhook`, or blank for none.
    pub channel: String,
    /// Address or URL.
    pub target: String,
    /// DingTalk secret.
    pub secret: String,
    /// "HH:MM".
    pub digest_at: String,
    /// "HH:MM".
    pub quiet_from: String,
    /// "HH:MM".
    pub quiet_until: String,
}

fn time(text: &str, default: NaiveTime) -> Result<NaiveTime, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(default);
    }
    NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| Problem::Invalid { expected: "time (HH:MM)" })
}

fn url(text: &str) -> Result<String, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Problem::Required);
    }
    let ok = (t.starts_with("https://") || t.starts_with("http://"))
        && t.len() <= 500
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(t.to_owned()) } else { Err(Problem::Invalid { expected: "URL" }) }
}

impl PrefsDraft {
    /// Checks every field; reports all problems at once.
    pub fn parse(&self) -> Result<Prefs, FieldErrors> {
        let mut e = FieldErrors::default();
        let d = Prefs::default();
        let channel = if self.channel.trim().is_empty() {
            Some(None)
        } else {
            e.take("channel", Channel::parse(&self.channel)).map(Some)
        };
        let target = match channel {
            Some(Some(Channel::Email)) => {
                e.take("target", crate::validate::email(&self.target).and_then(|v| v.ok_or(Problem::Required)))
            }
            Some(Some(_)) => e.take("target", url(&self.target)),
            _ => Some(String::new()),
        };
        let secret = self.secret.trim();
        if !secret.is_empty() && (secret.len() > 200 || secret.chars().any(|c| c.is_whitespace() || c.is_control())) {
            e.push("secret", Problem::Invalid { expected: "secret" });
        }
        let digest_at = e.take("digest_at", time(&self.digest_at, d.digest_at));
        let quiet_from = e.take("quiet_from", time(&self.quiet_from, d.quiet_from));
        let quiet_until = e.take("quiet_until", time(&self.quiet_until, d.quiet_until));
        if let (Some(at), Some(from), Some(until)) = (digest_at, quiet_from, quiet_until)
            && quiet(at, from, until)
        {
            e.push("digest_at", Problem::Rule { rule: "digest_in_quiet_hours" });
        }
        e.finish(|| Prefs {
            channel: channel.flatten(),
            target: target.unwrap_or_default(),
            secret: Some(secret.to_owned()).filter(|s| !s.is_empty()),
            digest_at: digest_at.unwrap_or(d.digest_at),
            quiet_from: quiet_from.unwrap_or(d.quiet_from),
            quiet_until: quiet_until.unwrap_or(d.quiet_until),
        })
    }
}

/// Whether `t` falls in the quiet hours `[from, until)`, which may wrap
/// past midnight (21:00–07:00).
pub fn quiet(t: NaiveTime, from: NaiveTime, until: NaiveTime) -> bool {
    if from <= until { t >= from && t < until } else { t >= from || t < until }
}

/// Whether the digest is due at local time `now` (its time has come and
/// it is not quiet).
pub fn digest_due(p: &Prefs, now: NaiveTime) -> bool {
    p.channel.is_some() && now >= p.digest_at && !quiet(now, p.quiet_from, p.quiet_until)
}

/// DingTalk's signature for a robot with a secret: `timestamp` (ms) and
/// `sign` = Base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")),
/// URL-encoded, appended to the webhook URL.
pub fn dingtalk_signed_url(webhook: &str, secret: &str, timestamp_ms: i64) -> String {
    use base64::Engine;
    let mac = hmac_sha256(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac);
    let sign: String = sign
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let sep = if webhook.contains('?') { '&' } else { '?' };
    format!("{webhook}{sep}timestamp={timestamp_ms}&sign={sign}")
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner.iter().copied()).collect();
    Sha256::digest(&outer).into()
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestLine {
    /// What to do.
    pub action: String,
    /// Whom.
    pub who: String,
    /// Why.
    pub reason: String,
    /// Days overdue.
    pub overdue_days: i64,
}

/// A digest's title and Markdown body (WeCom and DingTalk render Markdown;
/// e-mail gets it as plain text).
pub fn digest_text(
    user: &str,
    date: chrono::NaiveDate,
    lines: &[DigestLine],
    link: &str,
    zh: bool,
) -> (String, String) {
    let overdue = lines.iter().filter(|l| l.overdue_days > 0).count();
    let title = if zh {
        format!("{user}的今日待办（{date}）：{} 项，逾期 {overdue} 项", lines.len())
    } else {
        format!("{user}'s day ({date}): {} items, {overdue} overdue", lines.len())
    };
    let mut body = format!("### {title}\n");
    for l in lines.iter().take(30) {
        let late = if l.overdue_days > 0 {
            if zh {
                format!("【逾期{}天】", l.overdue_days)
            } else {
                format!("[{} days overdue] ", l.overdue_days)
            }
        } else {
            String::new()
        };
        body.push_str(&format!("- {late}**{}** {}：{}\n", l.action, l.who, l.reason));
    }
    if lines.len() > 30 {
        body.push_str(&if zh {
            format!("- ……另有 {} 项\n", lines.len() - 30)
        } else {
            format!("- … {} more\n", lines.len() - 30)
        });
    }
    if !link.is_empty() {
        body.push_str(&format!("\n[{}]({link})\n", if zh { "打开今日待办" } else { "Open Today" }));
    }
    (title, body)
}

/// The JSON a WeCom group robot takes.
pub fn wecom_payload(body: &str) -> serde_json::Value {
    serde_json::json!({"msgtype": "markdown", "markdown": {"content": body}})
}

/// The JSON a DingTalk robot takes.
pub fn dingtalk_payload(title: &str, body: &str) -> serde_json::Value {
    serde_json::json!({"msgtype": "markdown", "markdown": {"title": title, "text": body}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_wrap_past_midnight() {
        let (from, until) = (hm(21, 0), hm(7, 0));
        assert!(quiet(hm(23, 30), from, until));
        assert!(quiet(hm(6, 59), from, until));
        assert!(!quiet(hm(7, 0), from, until));
        assert!(!quiet(hm(12, 0), from, until));
        assert!(quiet(hm(13, 0), hm(12, 0), hm(14, 0)));
    }

    #[test]
    fn the_digest_waits_for_its_time_and_for_the_end_of_quiet_hours() {
        let p = Prefs { channel: Some(Channel::Webhook), ..Default::default() };
        assert!(!digest_due(&p, hm(7, 29)));
        assert!(digest_due(&p, hm(7, 30)));
        assert!(!digest_due(&p, hm(22, 0)));
        assert!(!digest_due(&Prefs::default(), hm(9, 0)), "no channel, no digest");
    }

    #[test]
    fn settings_are_checked_by_field() {
        let e = PrefsDraft {
            channel: "email".into(),
            target: "not an address".into(),
            digest_at: "25:00".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["target", "digest_at"]);
        let e = PrefsDraft {
            channel: "wecom".into(),
            target: "ftp://x".into(),
            digest_at: "22:30".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.get("target"), Some(&Problem::Invalid { expected: "URL" }));
        assert_eq!(e.get("digest_at"), Some(&Problem::Rule { rule: "digest_in_quiet_hours" }));
        let p = PrefsDraft {
            channel: "dingtalk".into(),
            target: "https://oapi.dingtalk.com/robot/send?access_token=t".into(),
            secret: "SECabc".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!((p.channel, p.secret.as_deref(), p.digest_at), (Some(Channel::Dingtalk), Some("SECabc"), hm(7, 30)));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn dingtalk_requests_are_signed_as_its_documentation_says() {
        // Computed with Python: base64(hmac.new(b"SECtest", b"1700000000000\nSECtest", sha256).digest()).
        let url =
            dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECtest", 1_700_000_000_000);
        assert!(url.starts_with("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign="));
        let sign = url.rsplit("sign=").next().unwrap();
        assert_eq!(sign, DINGTALK_VECTOR);
    }

    const DINGTALK_VECTOR: &str = "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D";

    #[test]
    fn a_digest_puts_overdue_first_words_and_caps_its_length() {
        let lines: Vec<DigestLine> = (0..35)
            .map(|i| DigestLine {
                action: "拜访".into(),
                who: format!("店{i}"),
                reason: "重点客户每3–5天拜访".into(),
                overdue_days: i64::from(i < 2),
            })
            .collect();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let (title, body) = digest_text("张伟", d, &lines, "http://keqing/", true);
        assert_eq!(title, "张伟的今日待办（2026-11-30）：35 项，逾期 2 项");
        assert!(body.contains("- 【逾期1天】**拜访** 店0：重点客户每3–5天拜访"));
        assert!(body.contains("……另有 5 项"));
        assert_eq!(wecom_payload(&body)["markdown"]["content"], body);
        assert_eq!(dingtalk_payload(&title, &body)["msgtype"], "markdown");
    }
}
