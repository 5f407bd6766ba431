//! My account: password, language, API tokens.

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::me::change_own_password;
use crate::api::users::{parse_locale, user_changes};
use crate::auth::{Auth, new_api_token};
use crate::error::{Error, Result};
use crate::extract::{Form, Path};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_store::tokens::ApiToken;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/password", get(password_form).post(password_submit))
        .route("/account", get(account))
        .route("/account/language", post(set_language))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    must_change: bool,
    errors: FormErrors,
}

async fn password_form(auth: Auth) -> Result<Response> {
    render(&PasswordPage {
        c: Chrome::new(&auth.ctx),
        must_change: auth.user.must_change_password,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm: String,
}

async fn password_submit(State(state): State<AppState>, auth: Auth, Form(f): Form<PasswordForm>) -> Result<Response> {
    let result = if f.new_password != f.confirm {
        Err(Error::Validation(FieldErrors::one("confirm", Problem::Rule { rule: "password_mismatch" })))
    } else {
        change_own_password(&state, &auth, &f.current_password, &f.new_password).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/account?notice=password").into_response()),
        Err(Error::Validation(e)) => {
            let mut resp = render(&PasswordPage {
                c: Chrome::new(&auth.ctx),
                must_change: auth.user.must_change_password,
                errors: FormErrors::from(auth.ctx.lang, &e),
            })?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    zone: chrono_tz::Tz,
    locale: String,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    errors: FormErrors,
}

impl AccountPage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::time::local(*t, self.zone).format("%Y-%m-%d %H:%M").to_string()
    }
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn account_page(
    state: &AppState,
    auth: &Auth,
    notice: Option<&str>,
    new_secret: Option<String>,
    errors: FormErrors,
) -> Result<Response> {
    let user = state.store.user(auth.user.id).await?;
    let mut c = Chrome::new(&auth.ctx);
    c = match notice {
        Some("password") => c.with_notice("password.changed"),
        Some("saved") => c.with_notice("profile.saved"),
        _ => c,
    };
    let tokens = state.store.list_tokens(auth.user.id).await?;
    render(&AccountPage {
        c,
        zone: state.settings.zone,
        locale: user.locale.unwrap_or_default(),
        tokens,
        new_secret,
        errors,
    })
}

async fn account(
    State(state): State<AppState>,
    auth: Auth,
    crate::extract::Query(q): crate::extract::Query<NoticeQuery>,
) -> Result<Response> {
    account_page(&state, &auth, q.notice.as_deref(), None, FormErrors::default()).await
}

#[derive(Deserialize)]
struct LanguageForm {
    locale: String,
}

async fn set_language(State(state): State<AppState>, auth: Auth, Form(f): Form<LanguageForm>) -> Result<Response> {
    let locale = parse_locale(Some(&f.locale)).map_err(|p| Error::Validation(FieldErrors::one("locale", p)))?;
    let changes = user_changes(&auth.user, None, None, None, Some(&locale))?;
    state.store.update_user(&auth.actor(), auth.user.id, auth.user.version, &changes).await?;
    Ok(Redirect::to("/account?notice=saved").into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(State(state): State<AppState>, auth: Auth, Form(f): Form<TokenForm>) -> Result<Response> {
    match validate::required_line(&f.name, limits::LABEL) {
        Ok(name) => {
            let (secret, hash, prefix) = new_api_token();
            state.store.create_token(&auth.actor(), auth.user.id, &name, &hash, &prefix).await?;
            account_page(&state, &auth, None, Some(secret), FormErrors::default()).await
        }
        Err(p) => {
            let errors = FormErrors::from(auth.ctx.lang, &FieldErrors::one("name", p));
            account_page(&state, &auth, None, None, errors).await
        }
    }
}

async fn revoke_token(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    state.store.revoke_token(&auth.actor(), auth.user.id, id).await?;
    Ok(Redirect::to("/account").into_response())
}
