//! The one error type of the HTTP layer.
//!
//! A handler returns [`Error`]; its `IntoResponse` sets the status and
//! attaches an `ErrorReport` to the response. The request-context
//! middleware then writes the body in the reader's language: JSON under
//! `/api` (always `{"error": {"code", "message", "fields"?, …}}`), an HTML
//! page elsewhere. Internal errors are logged with their cause chain here and
//! the client gets a generic message.

use crate::i18n::{self, Lang};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_store::StoreError;
use serde_json::{Map, Value, json};

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request is malformed (bad JSON syntax, a path or query
    /// parameter of the wrong type). `field` names the culprit when known.
    #[error("bad request: {detail}")]
    BadRequest {
        /// The field, path or query parameter at fault.
        field: Option<String>,
        /// What is wrong (from the parser).
        detail: String,
    },
    /// 422: well-formed input with invalid values, per field.
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// 401: no valid session or token.
    #[error("not authenticated")]
    Unauthenticated,
    /// 403: authenticated, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// 403: the user must set a new password first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// 403: the CSRF token is missing or wrong.
    #[error("CSRF token missing or invalid")]
    Csrf,
    /// 404: no such route or record, or a record outside the caller's scope.
    #[error("not found")]
    NotFound,
    /// 405: the route exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the record changed since the client read it.
    #[error("conflict: record is at version {version}")]
    Conflict {
        /// Current version.
        version: i64,
        /// Current values.
        current: Value,
    },
    /// 413: the body exceeds the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: the body is not of an accepted type.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 429: too many attempts; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// 503: the database cannot be reached.
    #[error("service unavailable")]
    Unavailable,
    /// 500: a bug or an unexpected failure; logged, never shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// Shorthand for handler results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict { version, current } => Error::Conflict { version, current },
            StoreError::Invalid(fields) => Error::Validation(fields),
            StoreError::Database(sqlx_err) if is_unavailable(&sqlx_err) => {
                tracing::error!(error = %sqlx_err, "database unavailable");
                Error::Unavailable
            }
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

fn is_unavailable(e: &keqing_store::error::SqlxError) -> bool {
    use keqing_store::error::SqlxError as E;
    matches!(e, E::PoolTimedOut | E::PoolClosed | E::Io(_))
}

/// A field's message: a domain problem (worded per language) or a parser's
/// text (already words).
#[derive(Debug, Clone)]
pub(crate) enum FieldText {
    Problem(Problem),
    Raw(String),
}

/// What the middleware needs to write an error body.
#[derive(Debug, Clone)]
pub(crate) struct ErrorReport {
    pub status: StatusCode,
    pub code: &'static str,
    pub key: &'static str,
    pub fields: Vec<(String, FieldText)>,
    pub current: Option<(i64, Value)>,
    pub retry_after: Option<u64>,
}

impl Error {
    fn report(&self) -> ErrorReport {
        let base =
            |status, code, key| ErrorReport { status, code, key, fields: Vec::new(), current: None, retry_after: None };
        match self {
            Error::BadRequest { field, detail } => {
                let mut r = base(StatusCode::BAD_REQUEST, "bad_request", "error.bad_request");
                r.fields.push((field.clone().unwrap_or_else(|| "body".to_owned()), FieldText::Raw(detail.clone())));
                r
            }
            Error::Validation(fe) => {
                let mut r = base(StatusCode::UNPROCESSABLE_ENTITY, "validation", "error.validation");
                r.fields = fe.0.iter().map(|e| (e.field.clone(), FieldText::Problem(e.problem.clone()))).collect();
                r
            }
            Error::Unauthenticated => base(StatusCode::UNAUTHORIZED, "unauthenticated", "error.unauthenticated"),
            Error::Forbidden => base(StatusCode::FORBIDDEN, "forbidden", "error.forbidden"),
            Error::PasswordChangeRequired => {
                base(StatusCode::FORBIDDEN, "password_change_required", "password.must_change")
            }
            Error::Csrf => base(StatusCode::FORBIDDEN, "csrf", "error.csrf"),
            Error::NotFound => base(StatusCode::NOT_FOUND, "not_found", "error.not_found"),
            Error::MethodNotAllowed => {
                base(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "error.method_not_allowed")
            }
            Error::Conflict { version, current } => {
                let mut r = base(StatusCode::CONFLICT, "conflict", "error.conflict");
                r.current = Some((*version, current.clone()));
                r
            }
            Error::PayloadTooLarge => base(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "error.too_large"),
            Error::UnsupportedMediaType => {
                base(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "error.unsupported_media_type")
            }
            Error::TooManyRequests { retry_after } => {
                let mut r = base(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "error.too_many_requests");
                r.retry_after = Some(*retry_after);
                r
            }
            Error::Unavailable => base(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "error.unavailable"),
            Error::Internal(_) => base(StatusCode::INTERNAL_SERVER_ERROR, "internal", "error.internal"),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let report = self.report();
        // A body in the default language, in case no middleware rewrites it
        // (it always does in the assembled app).
        let mut resp = (report.status, axum::Json(report.json(Lang::default()))).into_response();
        if let Some(s) = report.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp.extensions_mut().insert(report);
        resp
    }
}

impl ErrorReport {
    /// The JSON body: `{"error": {"code", "message", "fields"?, "version"?, "current"?, "retry_after"?}}`.
    pub fn json(&self, lang: Lang) -> Value {
        let mut e = Map::new();
        e.insert("code".into(), json!(self.code));
        e.insert("message".into(), json!(lang.t(self.key)));
        if !self.fields.is_empty() {
            let fields: Map<String, Value> =
                self.fields.iter().map(|(f, t)| (f.clone(), json!(self.field_text(lang, t)))).collect();
            e.insert("fields".into(), Value::Object(fields));
        }
        if let Some((version, current)) = &self.current {
            e.insert("version".into(), json!(version));
            e.insert("current".into(), current.clone());
        }
        if let Some(s) = self.retry_after {
            e.insert("retry_after".into(), json!(s));
        }
        json!({ "error": e })
    }

    /// A field's message in `lang`.
    pub fn field_text(&self, lang: Lang, t: &FieldText) -> String {
        match t {
            FieldText::Problem(p) => i18n::problem(lang, p),
            FieldText::Raw(s) => s.clone(),
        }
    }
}
