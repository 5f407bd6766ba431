//! The API contract, pinned: a change to any route, parameter or schema
//! shows up as a snapshot diff to review (`cargo insta review`).

#[test]
fn the_openapi_document_is_version_3_1_and_matches_the_snapshot() {
    let doc = serde_json::to_value(keqing_web::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut doc = doc;
    // The version changes with every release; the contract does not.
    doc["info"]["version"] = "<version>".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&doc).unwrap());
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
