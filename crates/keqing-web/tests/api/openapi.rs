//! The API contract, pinned: a change to any route, parameter or schema
//! shows up as a snapshot diff to review (`cargo insta review`).

#[test]
fn the_openapi_document_is_version_3_1_and_matches_the_snapshot() {
    let doc = serde_json::to_value(keqing_web::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut doc = sorted(doc);
    // The version changes with every release; the contract does not.
    doc["info"]["version"] = "<version>".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&doc).unwrap());
}

/// Object keys in order, so the snapshot shows contract changes, not the
/// order routers were merged in.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[tokio::test]
async fn the_docs_page_lists_every_operation() {
    let app = crate::helpers::spawn_app().await;
    let html = reqwest::get(app.url("/api/docs")).await.unwrap().text().await.unwrap();
    let doc = serde_json::to_value(keqing_web::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let shown = format!("m-{}\">{}</span> <code>{path}</code>", method.to_uppercase(), method.to_uppercase());
            assert!(html.contains(&shown), "{method} {path} missing from /api/docs");
        }
    }
}
