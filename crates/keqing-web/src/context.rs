//! The request context: who is asking, in which language, from where — and
//! the checks that apply to every request.
//!
//! One middleware, in one place:
//! 1. resolves the identity once (a `Bearer` token, else the session cookie);
//! 2. picks the language (user preference → `kq_lang` cookie →
//!    `Accept-Language` → Chinese);
//! 3. enforces CSRF on every unsafe request made with a session cookie or
//!    from an anonymous form (token in the `X-CSRF-Token` header, the `csrf`
//!    form field, or the `csrf` query parameter for multipart uploads);
//!    `Bearer` requests carry no ambient credentials and are exempt;
//! 4. sends users who must change their password to do so first;
//! 5. after the handler, writes error bodies (JSON under `/api`, HTML pages
//!    elsewhere, 401 on a page → the login form) and security headers.

use crate::error::{Error, ErrorReport};
use crate::i18n::Lang;
use crate::{AppState, pages};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use keqing_store::secrets;
use keqing_store::users::User;
use std::net::SocketAddr;

/// Session cookie (HttpOnly; SameSite=Lax; Secure behind TLS).
pub const SESSION_COOKIE: &str = "kq_session";
/// Pre-login CSRF cookie (double-submit, for the login form).
pub const CSRF_COOKIE: &str = "kq_csrf";
/// Language chosen before login.
pub const LANG_COOKIE: &str = "kq_lang";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session; `token_hash` identifies it for logout.
    Session {
        /// SHA-256 of the cookie.
        token_hash: String,
    },
    /// A `Bearer` API token.
    Token,
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user (enabled).
    pub user: User,
    /// Session or token.
    pub via: Via,
}

/// Everything a handler may want to know about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language to answer in.
    pub lang: Lang,
    /// Client address (from the socket, or the proxy header when trusted).
    pub ip: String,
    /// The caller, if authenticated.
    pub identity: Option<Identity>,
    /// The CSRF token the forms on this response must carry.
    pub csrf: String,
    /// The request path (for "next" redirects and the active menu item).
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("request context middleware is not installed")))
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value with Keqing's attributes.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, http_only: bool, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age_secs}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn wants_json(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

/// Paths a user who must change their password may still use.
fn allowed_before_password_change(path: &str) -> bool {
    matches!(path, "/password" | "/logout" | "/api/v1/me" | "/api/v1/me/password" | "/lang")
        || path.starts_with("/assets/")
}

/// The caller, and the CSRF token of their session when they came with one.
async fn resolve_identity(state: &AppState, headers: &HeaderMap) -> Result<(Option<Identity>, Option<String>), Error> {
    let now = keqing_store::now();
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(Error::Unauthenticated)?;
        let user = state.store.token_user(&secrets::hash_token(token), now).await?.ok_or(Error::Unauthenticated)?;
        return Ok((Some(Identity { user, via: Via::Token }), None));
    }
    if let Some(cookie) = cookie(headers, SESSION_COOKIE) {
        let token_hash = secrets::hash_token(cookie);
        if let Some(s) = state.store.session(&token_hash, now, state.settings.session_idle).await? {
            return Ok((Some(Identity { user: s.user, via: Via::Session { token_hash } }), Some(s.csrf_token)));
        }
    }
    Ok((None, None))
}

/// Builds the context; the second value is a fresh pre-login CSRF token to
/// set as a cookie.
async fn build_ctx(
    state: &AppState,
    headers: &HeaderMap,
    ip: String,
    fallback_lang: Lang,
    path: &str,
) -> Result<(Ctx, Option<String>), Error> {
    let (identity, session_csrf) = resolve_identity(state, headers).await?;
    let lang =
        identity.as_ref().and_then(|i| i.user.locale.as_deref()).and_then(Lang::from_tag).unwrap_or(fallback_lang);
    let mut fresh = None;
    let csrf = match session_csrf {
        Some(c) => c,
        None => match cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 64) {
            Some(c) => c.to_owned(),
            None => {
                let c = secrets::new_token();
                fresh = Some(c.clone());
                c
            }
        },
    };
    Ok((Ctx { lang, ip, identity, csrf, path: path.to_owned() }, fresh))
}

/// The middleware. See the module documentation.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/assets/") || path == "/healthz" {
        return next.run(req).await;
    }
    let json = wants_json(&path);
    let accept_lang =
        req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
    let fallback_lang = cookie(req.headers(), LANG_COOKIE).and_then(Lang::from_tag).or(accept_lang).unwrap_or_default();

    // The request (its body is not `Sync`) must not be borrowed across an
    // await: take what the context needs first.
    let headers = req.headers().clone();
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let (mut resp, ctx, fresh_csrf) = match build_ctx(&state, &headers, ip, fallback_lang, &path).await {
        Err(e) => (e.into_response(), None, None),
        Ok((ctx, fresh)) => {
            let resp = match check_csrf(&state, &ctx, req).await {
                Err(e) => e.into_response(),
                Ok(mut req) => {
                    let must_change = ctx.identity.as_ref().is_some_and(|i| i.user.must_change_password);
                    if must_change && !allowed_before_password_change(&path) {
                        if !json && req.method() == Method::GET {
                            Redirect::to("/password").into_response()
                        } else {
                            Error::PasswordChangeRequired.into_response()
                        }
                    } else {
                        req.extensions_mut().insert(ctx.clone());
                        next.run(req).await
                    }
                }
            };
            (resp, Some(ctx), fresh)
        }
    };
    if let Some(report) = resp.extensions().get::<ErrorReport>().cloned() {
        let lang = ctx.as_ref().map_or(fallback_lang, |c| c.lang);
        resp = render_error(&report, lang, json, &path, ctx.as_ref());
    }
    // Only pages carry forms; API clients need no pre-login CSRF cookie.
    if let Some(c) = fresh_csrf.filter(|_| !json) {
        resp.headers_mut()
            .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &c, 86_400, true, state.settings.secure_cookies));
    }
    security_headers(resp.headers_mut(), json);
    resp
}

/// Writes an error body: JSON under `/api`, a page elsewhere; a page that
/// needs a login sends the browser to the login form and back.
fn render_error(report: &ErrorReport, lang: Lang, json: bool, path: &str, ctx: Option<&Ctx>) -> Response {
    let mut out = if json {
        (report.status, axum::Json(report.json(lang))).into_response()
    } else if report.status == StatusCode::UNAUTHORIZED {
        let next = if path == "/" || path == "/logout" { String::new() } else { format!("?next={}", urlencode(path)) };
        Redirect::to(&format!("/login{next}")).into_response()
    } else {
        (report.status, pages::error_page(lang, report, ctx)).into_response()
    };
    if let Some(s) = report.retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    out
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn check_csrf(state: &AppState, ctx: &Ctx, req: Request) -> Result<Request, Error> {
    if !is_unsafe(req.method()) || matches!(ctx.identity, Some(Identity { via: Via::Token, .. })) {
        return Ok(req);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // An anonymous JSON request cannot come from another site's page without
    // a CORS preflight, which Keqing never answers: nothing to protect.
    if ctx.identity.is_none() && (content_type == "application/json" || content_type.ends_with("+json")) {
        return Ok(req);
    }
    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let query_token = req
        .uri()
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()));
    let (req, form_token) = if header_token.is_none() && content_type == "application/x-www-form-urlencoded" {
        let (parts, body) = req.into_parts();
        let bytes =
            axum::body::to_bytes(body, state.settings.max_body_bytes).await.map_err(|_| Error::PayloadTooLarge)?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
        (Request::from_parts(parts, Body::from(bytes)), token)
    } else {
        (req, None)
    };
    let given = header_token.or(form_token).or(query_token).unwrap_or_default();
    if same_secret(&given, &ctx.csrf) { Ok(req) } else { Err(Error::Csrf) }
}

fn security_headers(h: &mut HeaderMap, json: bool) {
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !json {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
}
