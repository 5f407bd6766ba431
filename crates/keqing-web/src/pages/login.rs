//! Log in, log out, and the language switch for people not yet logged in.

use super::{Chrome, render};
use crate::AppState;
use crate::auth::{LoginError, login, start_session};
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, Via, set_cookie};
use crate::error::Result;
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang", get(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    next: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
}

/// Only local paths: never redirect a login to another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response> {
    if ctx.identity.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let mut c = Chrome::new(&ctx);
    if q.notice.as_deref() == Some("logged_out") {
        c = c.with_notice("login.logged_out");
    }
    render(&LoginPage { c, username: String::new(), next: safe_next(q.next.as_deref()), error: None })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response> {
    let next = safe_next(f.next.as_deref());
    let failed = |key: &'static str, status: StatusCode, retry: Option<u64>| -> Result<Response> {
        let page = LoginPage {
            c: Chrome::new(&ctx),
            username: f.username.clone(),
            next: next.clone(),
            error: Some(ctx.lang.t(key)),
        };
        let mut resp = render(&page)?;
        *resp.status_mut() = status;
        if let Some(s) = retry {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        Ok(resp)
    };
    match login(&state, &f.username, &f.password, &ctx.ip).await {
        Ok(user) => {
            let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
            let token = start_session(&state, &user, &ctx, ua).await?;
            let max_age = state.settings.session_idle.num_seconds();
            let mut resp = Redirect::to(if user.must_change_password { "/password" } else { &next }).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, max_age, true, state.settings.secure_cookies),
            );
            Ok(resp)
        }
        Err(LoginError::Invalid) => failed("login.failed", StatusCode::UNAUTHORIZED, None),
        Err(LoginError::Throttled { retry_after }) => {
            failed("login.throttled", StatusCode::TOO_MANY_REQUESTS, Some(retry_after))
        }
        Err(LoginError::Other(e)) => Err(e),
    }
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    if let Some(Via::Session { token_hash }) = ctx.identity.as_ref().map(|i| &i.via) {
        state.store.delete_session(token_hash).await?;
    }
    let mut resp = Redirect::to("/login?notice=logged_out").into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, true, state.settings.secure_cookies));
    Ok(resp)
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    next: Option<String>,
}

async fn switch_language(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let tag = crate::i18n::Lang::from_tag(&q.to).unwrap_or_default().tag();
    let mut resp = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, set_cookie(LANG_COOKIE, tag, 365 * 86_400, false, state.settings.secure_cookies));
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(super::safe_next(Some("/audit?x=1")), "/audit?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)"] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad}");
        }
    }
}
