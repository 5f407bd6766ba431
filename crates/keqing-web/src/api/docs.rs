//! `/api/openapi.json` (generated from the handlers) and `/api/docs`, a
//! readable page rendered from the same document on the server — no
//! JavaScript and no CDN, so it works on an intranet.

use crate::AppState;
use crate::error::{Error, Result};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use std::sync::Arc;

/// The generated document, shared by both routes.
#[derive(Clone)]
pub struct Document(pub Arc<Value>);

pub(crate) fn router(doc: utoipa::openapi::OpenApi) -> Router<AppState> {
    let value = serde_json::to_value(&doc).unwrap_or_default();
    let doc = Document(Arc::new(value));
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs_page))
        .layer(axum::Extension(doc))
}

async fn openapi_json(axum::Extension(doc): axum::Extension<Document>) -> Json<Value> {
    Json((*doc.0).clone())
}

struct Param {
    name: String,
    location: String,
    required: bool,
    description: String,
}

struct Response {
    status: String,
    description: String,
    schema: String,
}

struct Operation {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    params: Vec<Param>,
    request: String,
    responses: Vec<Response>,
}

struct Section {
    tag: String,
    description: String,
    operations: Vec<Operation>,
}

struct Field {
    name: String,
    kind: String,
    required: bool,
    description: String,
}

struct Schema {
    name: String,
    description: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    version: String,
    description: String,
    sections: Vec<Section>,
    schemas: Vec<Schema>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// A short type for a JSON schema: `string`, `integer`, `[OrganisationOut]`, `UserOut`.
fn type_name(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(all) = s.get("oneOf").or_else(|| s.get("allOf")).and_then(Value::as_array) {
        let names: Vec<String> = all.iter().map(type_name).filter(|n| n != "null").collect();
        return names.join(" | ");
    }
    match s.get("type") {
        Some(Value::String(t)) if t == "array" => format!("[{}]", s.get("items").map(type_name).unwrap_or_default()),
        Some(Value::String(t)) => {
            let fmt = text(s, "format");
            if fmt.is_empty() { t.clone() } else { format!("{t} ({fmt})") }
        }
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect::<Vec<_>>().join(" | ")
        }
        _ => "object".to_owned(),
    }
}

fn build(doc: &Value) -> DocsPage {
    let info = &doc["info"];
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|ts| ts.iter().map(|t| (text(t, "name"), text(t, "description"))).collect())
        .unwrap_or_default();
    let mut sections: Vec<Section> =
        tags.iter().map(|(t, d)| Section { tag: t.clone(), description: d.clone(), operations: Vec::new() }).collect();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let tag = op["tags"].get(0).and_then(Value::as_str).unwrap_or("other").to_owned();
                let params = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| Param {
                                name: text(p, "name"),
                                location: text(p, "in"),
                                required: p["required"].as_bool().unwrap_or(false),
                                description: text(p, "description"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let request = op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|m| type_name(&m["schema"]))
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| Response {
                                status: status.clone(),
                                description: text(r, "description"),
                                schema: r["content"]
                                    .as_object()
                                    .and_then(|c| c.values().next())
                                    .map(|m| type_name(&m["schema"]))
                                    .unwrap_or_default(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let summary = {
                    let s = text(op, "summary");
                    if s.is_empty() { text(op, "description") } else { s }
                };
                let operation = Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    anchor: format!("{method}-{}", path.replace(['/', '{', '}', '.'], "-")),
                    summary,
                    params,
                    request,
                    responses,
                };
                match sections.iter_mut().find(|s| s.tag == tag) {
                    Some(s) => s.operations.push(operation),
                    None => sections.push(Section { tag, description: String::new(), operations: vec![operation] }),
                }
            }
        }
    }
    sections.retain(|s| !s.operations.is_empty());
    let schemas = doc["components"]["schemas"]
        .as_object()
        .map(|ss| {
            ss.iter()
                .map(|(name, s)| {
                    let required: Vec<&str> = s["required"]
                        .as_array()
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    Schema {
                        name: name.clone(),
                        description: text(s, "description"),
                        fields: s["properties"]
                            .as_object()
                            .map(|ps| {
                                ps.iter()
                                    .map(|(f, p)| Field {
                                        name: f.clone(),
                                        kind: type_name(p),
                                        required: required.contains(&f.as_str()),
                                        description: text(p, "description"),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    DocsPage {
        title: text(info, "title"),
        version: text(info, "version"),
        description: text(info, "description"),
        sections,
        schemas,
    }
}

async fn docs_page(
    State(_): State<AppState>,
    axum::Extension(doc): axum::Extension<Document>,
) -> Result<impl IntoResponse> {
    let page = build(&doc.0);
    Ok(Html(page.render().map_err(|e| Error::Internal(e.into()))?))
}
