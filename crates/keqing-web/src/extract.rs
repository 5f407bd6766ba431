//! Request extractors whose failures are [`Error`]s naming the field at
//! fault, never a bare 500 or axum's plain-text rejection.
//!
//! - [`Json`] requires `Content-Type: application/json`, honours the body
//!   limit (413), rejects invalid UTF-8, syntax errors (400) and wrong types,
//!   missing or unknown fields (422, naming the field by its path).
//! - [`Query`] and [`Form`] do the same for URL-encoded input.
//! - [`Path`] names the path parameter that did not parse.

use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use keqing_core::validate::{FieldErrors, Problem};
use serde::de::DeserializeOwned;

/// A JSON body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// URL query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// A URL-encoded form body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

/// Path parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

fn content_type_is(req: &Request, want: &str) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|ct| ct == want || (want == "application/json" && ct.ends_with("+json")))
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::BadRequest { field: None, detail: rejection.body_text() }
        }
    })
}

/// Strips serde_json's " at line 1 column 7" from a message.
fn without_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Turns "unknown field `x`, expected …" / "missing field `x`" into the
/// field's full path and a problem.
fn field_from_message(path: &str, msg: &str) -> Option<(String, Problem)> {
    // The path may or may not already end in the field's name.
    let named = |prefix: &str| {
        msg.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(|name| {
            if path.is_empty() || path == "." || path == name || path.ends_with(&format!(".{name}")) {
                if path.is_empty() || path == "." { name.to_owned() } else { path.to_owned() }
            } else {
                format!("{path}.{name}")
            }
        })
    };
    if let Some(f) = named("unknown field `") {
        return Some((f, Problem::Rule { rule: "unknown_field" }));
    }
    if let Some(f) = named("missing field `") {
        return Some((f, Problem::Required));
    }
    None
}

/// Deserializes JSON, mapping every failure to an error naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Error::BadRequest { field: None, detail: "the body is not valid UTF-8".to_owned() });
    };
    // Every request body of the API is a JSON object; serde would otherwise
    // read `[1, 2]` into a struct's fields by position.
    if !text.trim_start().starts_with('{') {
        return Err(Error::BadRequest { field: None, detail: "the body must be a JSON object".to_owned() });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = without_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, &msg),
            _ => Error::BadRequest { field: None, detail: inner.to_string() },
        }
    })?;
    de.end().map_err(|e| Error::BadRequest { field: None, detail: e.to_string() })?;
    Ok(value)
}

fn data_error(path: &str, msg: &str) -> Error {
    if let Some((field, problem)) = field_from_message(path, msg) {
        return Error::Validation(FieldErrors::one(field, problem));
    }
    if path.is_empty() || path == "." {
        return Error::BadRequest { field: None, detail: msg.to_owned() };
    }
    Error::Validation(FieldErrors::one(path, Problem::Invalid { expected: leak_expected(msg) }))
}

/// Serde's "invalid type: string \"x\", expected i64" → a short noun for
/// the message. Only a fixed set of nouns is returned (they are `'static`).
fn leak_expected(msg: &str) -> &'static str {
    let m = msg.to_ascii_lowercase();
    if m.contains("expected i") || m.contains("expected u") || m.contains("integer") {
        "integer"
    } else if m.contains("expected a boolean") {
        "boolean"
    } else if m.contains("date") {
        "date"
    } else if m.contains("expected a string") {
        "text"
    } else if m.contains("sequence") {
        "list"
    } else if m.contains("unknown variant") {
        "choice"
    } else {
        "value"
    }
}

/// Deserializes URL-encoded text (a query string or a form body).
pub fn parse_urlencoded<T: DeserializeOwned>(text: &[u8]) -> Result<T, Error> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        data_error(&path, &msg)
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/json") {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/x-www-form-urlencoded") {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = body_bytes(req, state).await?;
        parse_urlencoded(&bytes).map(Form)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_urlencoded(parts.uri.query().unwrap_or("").as_bytes()).map(Query)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ => "id".to_owned(),
                };
                Err(Error::BadRequest { field: Some(field), detail: e.body_text() })
            }
            Err(other) => Err(Error::BadRequest { field: None, detail: other.body_text() }),
        }
    }
}
