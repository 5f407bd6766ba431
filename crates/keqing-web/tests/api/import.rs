//! Import and export through the API and the pages.

use crate::helpers::{TestApp, error_of, spawn_app};
use serde_json::{Value, json};

async fn upload(api: &reqwest::Client, app: &TestApp, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    api.post(app.url(&format!("/api/v1/import/people?file_name={name}")))
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn preview(api: &reqwest::Client, app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let resp = upload(api, app, name, bytes).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Commits and waits for the background import to finish.
async fn commit(api: &reqwest::Client, app: &TestApp, batch: &Value, on_duplicate: &str) -> Value {
    let id = batch["batch_id"].as_i64().unwrap();
    let resp = api
        .post(app.url(&format!("/api/v1/import/{id}/commit")))
        .json(&json!({ "on_duplicate": on_duplicate }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "{}", resp.text().await.unwrap());
    for _ in 0..200 {
        let b: Value = api.get(app.url(&format!("/api/v1/import/{id}"))).send().await.unwrap().json().await.unwrap();
        if b["status"] != "running" {
            return b;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn a_gbk_file_from_chinese_excel_imports_and_its_export_imports_back_as_duplicates() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let text = "客户姓名,手机号码,公司名称,职务,生日,口味\r\n张三,138 1234 5678,昆明佳佳超市,老板,农历8-15,普洱\r\n李四,13900001111,昆明佳佳超市,采购员,03-08,\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let p = preview(&api, &app, "客户.csv", gbk.into_owned()).await;
    assert_eq!(p["encoding"], "gb18030");
    assert_eq!(p["mapping"], json!(["name", "phone", "organisation", "position", "birthday", "tastes"]));
    assert_eq!((p["valid_rows"].as_i64(), p["error_count"].as_i64()), (Some(2), Some(0)));
    assert_eq!(p["new_organisations"], json!(["昆明佳佳超市"]));
    let done = commit(&api, &app, &p, "skip").await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["result"]["created"], 2);
    let found: Value = api.get(app.url("/api/v1/people?q=zs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["items"][0]["organisation_name"], "昆明佳佳超市");

    // Export: CSV with a BOM and the import's headers, xlsx, vCard.
    let csv = api.get(app.url("/api/v1/export/people?format=csv")).send().await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let csv = csv.bytes().await.unwrap().to_vec();
    assert!(csv.starts_with("\u{feff}姓名,性别,手机".as_bytes()));
    let xlsx = api.get(app.url("/api/v1/export/people?format=xlsx")).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let vcf = api.get(app.url("/api/v1/export/people?format=vcf")).send().await.unwrap().text().await.unwrap();
    assert_eq!(vcf.matches("BEGIN:VCARD").count(), 2);
    assert!(vcf.contains("N:张;三;;;") && vcf.contains("X-LUNAR-BIRTHDAY:"), "{vcf}");
    assert!(vcf.contains("BDAY:--0308"), "{vcf}");

    // The export imports back: every row is a duplicate by phone.
    for file in [csv, xlsx.to_vec()] {
        let p = preview(&api, &app, "again", file).await;
        assert_eq!(p["error_count"], 0, "{p}");
        assert_eq!(p["duplicate_count"], 2, "{p}");
        assert_eq!(p["new_organisations"], json!([]));
    }
}

#[tokio::test]
async fn bad_files_name_the_row_column_and_value_and_import_nothing() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    // A 30 MB cell, a malformed phone, an impossible lunar date, a formula.
    let mut text = String::from("姓名,手机,生日,备注\n");
    text.push_str("张三,12345,,\n");
    text.push_str("李四,,农历2026-闰6-10,\n");
    text.push_str("王五,,,=SUM(A1:A2)\n");
    text.push_str("赵六,,,");
    text.push_str(&"长".repeat(10 * 1024 * 1024));
    text.push('\n');
    let p = preview(&api, &app, "bad.csv", text.into_bytes()).await;
    let errors: Vec<(i64, String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().chars().take(12).collect(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(errors[0], (2, "手机".into(), "12345".into()));
    assert_eq!(errors[1], (3, "生日".into(), "农历2026-闰6-10".into()));
    assert_eq!(errors[2], (4, "备注".into(), "=SUM(A1:A2)".into()));
    assert_eq!((errors[3].0, errors[3].1.as_str()), (5, "备注"));
    assert!(p["errors"][3]["value"].as_str().unwrap().ends_with("（10485760）"), "the length is named");
    // A commit is refused while there are errors, and nothing was written.
    let id = p["batch_id"].as_i64().unwrap();
    let resp = api.post(app.url(&format!("/api/v1/import/{id}/commit"))).json(&json!({})).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["batch"].as_str().unwrap().contains("预览中还有错误"), "{err}");
    let people: Value = api.get(app.url("/api/v1/people")).send().await.unwrap().json().await.unwrap();
    assert_eq!(people["total"], 0);

    // Not a spreadsheet at all, an unknown encoding choice, an empty file.
    let p = preview(&api, &app, "x.bin", vec![0xFF, 0x00, 0x81, 0x30, 0xFE, 0xFF, 0x00]).await;
    assert!(!p["file_problem"].is_null(), "{p}");
    let resp = api.post(app.url("/api/v1/import/people?encoding=latin1")).body("a").send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["fields"]["encoding"].is_string()), (422, true), "{err}");
    let resp = upload(&api, &app, "empty.csv", Vec::new()).await;
    assert_eq!(resp.status(), 422);
    // Re-mapping by hand: no name column is refused by name.
    let p = preview(&api, &app, "cols.csv", "甲,乙\n张三,13812345678\n".as_bytes().to_vec()).await;
    assert_eq!(p["file_problem"]["rule"], "no_name_column", "{p}");
    let id = p["batch_id"].as_i64().unwrap();
    let p: Value = api
        .post(app.url(&format!("/api/v1/import/{id}/preview")))
        .json(&json!({ "mapping": ["name", "phone"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((p["valid_rows"].as_i64(), p["file_problem"].is_null()), (Some(1), true), "{p}");
    let resp = api
        .post(app.url(&format!("/api/v1/import/{id}/preview")))
        .json(&json!({ "mapping": ["name", "shoe_size"] }))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["fields"]["mapping[1]"].is_string()), (422, true), "{err}");
}

#[tokio::test]
async fn exports_respect_scope_and_hide_personal_fields_from_finance() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let other = app.user("rep_x", &["rep"], None).await;
    let fin = app.user("fin", &["finance"], None).await;
    let api = app.bearer(&rep).await;
    let p = preview(&api, &app, "a.csv", "姓名,手机,口味\n张三,13812345678,普洱\n".as_bytes().to_vec()).await;
    commit(&api, &app, &p, "skip").await;
    let theirs =
        app.bearer(&other).await.get(app.url("/api/v1/export/people")).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("张三"), "another rep's export holds only their own people");
    let finance =
        app.bearer(&fin).await.get(app.url("/api/v1/export/people")).send().await.unwrap().text().await.unwrap();
    assert!(finance.contains("张三") && !finance.contains("普洱"), "{finance}");
    let mine = api.get(app.url("/api/v1/export/people")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("普洱"));
    // Exports are audited.
    let filter = keqing_store::audit::AuditFilter {
        entity: Some("person".into()),
        entity_id: Some("list".into()),
        ..Default::default()
    };
    let entries = app.store.list_audit(&keqing_core::Scope::All, &filter, 10, 0).await.unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.action == "export"));
}

#[tokio::test]
async fn the_import_pages_preview_map_and_import_with_progress() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (client, csrf) = app.login("rep_a").await;
    let file = "名字,电话,店名\n张三,13812345678,佳佳超市\n李四,13800000000,佳佳超市\n";
    let part = reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("客户.csv");
    let form = reqwest::multipart::Form::new().text("encoding", "auto").part("file", part);
    let resp = client.post(app.url(&format!("/import?csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let html = client.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("客户.csv") && html.contains("佳佳超市"), "{html}");
    assert!(html.contains("name=\"map.0\""), "{html}");
    // Re-map the second column to "further phones" and back.
    let id = location.rsplit('/').next().unwrap();
    let resp = client
        .post(app.url(&format!("/import/{id}/preview")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("encoding", "auto"),
            ("map.0", "name"),
            ("map.1", "other_phones"),
            ("map.2", "organisation"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client
        .post(app.url(&format!("/import/{id}/commit")))
        .form(&[("csrf", csrf.as_str()), ("on_duplicate", "skip")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let mut html = String::new();
    for _ in 0..100 {
        html = client.get(app.url(&format!("/import/{id}/progress"))).send().await.unwrap().text().await.unwrap();
        if !html.contains("hx-trigger=\"every 1s\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(html.contains("导入完成"), "{html}");
    let people = client.get(app.url("/people?q=zs")).send().await.unwrap().text().await.unwrap();
    assert!(people.contains("张三") && people.contains("佳佳超市"));
}
