//! Records through the API: create, read, change, conflict, delete, audit.

use crate::helpers::{error_of, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn an_organisation_lives_through_the_api_with_its_audit_trail() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let admin = app.user("boss", &["admin"], None).await;
    let api = app.bearer(&rep).await;
    let created: Value = api
        .post(app.url("/api/v1/organisations"))
        .json(&json!({"name": " 昆明佳佳超市 ", "kind": "商超", "phone": "0871 6312 3456"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["name"], "昆明佳佳超市");
    assert_eq!(created["kind"], "supermarket");
    assert_eq!(created["phone"], "0871-63123456");
    assert_eq!(created["owner_id"], rep.id.0);
    let id = created["id"].as_i64().unwrap();
    let changed: Value = api
        .patch(app.url(&format!("/api/v1/organisations/{id}")))
        .json(&json!({"version": 1, "notes": "老板姓李，喜欢普洱茶", "phone": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["phone"], Value::Null, "null clears");
    assert_eq!(changed["name"], "昆明佳佳超市", "omitted fields stay");
    let audit: Value = app
        .bearer(&admin)
        .await
        .get(app.url(&format!("/api/v1/audit?entity=organisation&entity_id={id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor"], "rep_a");
    assert_eq!(items[0]["changes"]["phone"]["before"], "0871-63123456");
    assert_eq!(items[0]["changes"]["phone"]["after"], Value::Null);
    assert!(items[0]["ip"].as_str().unwrap().starts_with("127.0.0.1"));
}

#[tokio::test]
async fn a_stale_version_gets_409_with_the_current_values_and_no_update_is_lost() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let created: Value = api
        .post(app.url("/api/v1/organisations"))
        .json(&json!({"name": "佳佳超市", "kind": "supermarket"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/organisations/{}", created["id"]));
    // Two writers read version 1 and save at the same moment.
    let (a, b) = tokio::join!(
        api.patch(&url).json(&json!({"version": 1, "notes": "writer A"})).send(),
        api.patch(&url).json(&json!({"version": 1, "address": "writer B's address"})).send(),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let loser = if a.status() == 409 { a } else { b };
    let (_, err) = error_of(loser).await;
    assert_eq!(err["code"], "conflict");
    assert_eq!(err["version"], 2);
    assert_eq!(err["current"]["name"], "佳佳超市");
    // The winner's change is there, the loser's is not half-applied.
    let now: Value = api.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(now["version"], 2);
    let notes_won = now["notes"] == "writer A";
    let address_won = now["address"] == "writer B's address";
    assert!(notes_won ^ address_won, "{now}");
    // Retrying with the current version succeeds.
    let retry = api.patch(&url).json(&json!({"version": 2, "notes": "merged"})).send().await.unwrap();
    assert_eq!(retry.status(), 200);
}

#[tokio::test]
async fn finance_sees_people_without_their_personal_notes() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let fin = app.user("fin", &["finance"], None).await;
    let created: Value = app
        .bearer(&rep)
        .await
        .post(app.url("/api/v1/people"))
        .json(&json!({"name": "李建华", "gender": "男", "notes": "女儿明年高考"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["notes"], "女儿明年高考");
    let seen: Value = app
        .bearer(&fin)
        .await
        .get(app.url(&format!("/api/v1/people/{}", created["id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["name"], "李建华");
    assert_eq!(seen["notes"], Value::Null);
}

#[tokio::test]
async fn a_manager_reaches_the_teams_records_and_reassigns_them() {
    let app = spawn_app().await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("云南", Some(mgr.id), None).await;
    let a = app.user("rep_a", &["rep"], Some(team)).await;
    let b = app.user("rep_b", &["rep"], Some(team)).await;
    let org: Value = app
        .bearer(&a)
        .await
        .post(app.url("/api/v1/organisations"))
        .json(&json!({"name": "佳佳超市", "kind": "supermarket"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/organisations/{}", org["id"]));
    // A rep may not give a customer away; the manager may.
    let rep_try =
        app.bearer(&a).await.patch(&url).json(&json!({"version": 1, "owner_id": b.id.0})).send().await.unwrap();
    assert_eq!(rep_try.status(), 403);
    let moved: Value = app
        .bearer(&mgr)
        .await
        .patch(&url)
        .json(&json!({"version": 1, "owner_id": b.id.0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["owner_id"], b.id.0);
    assert_eq!(
        app.bearer(&a).await.get(&url).send().await.unwrap().status(),
        404,
        "the old owner no longer reaches it"
    );
    // The manager's audit view shows the team's changes; another manager's does not.
    let list: Value = app
        .bearer(&mgr)
        .await
        .get(app.url("/api/v1/audit?entity=organisation"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let other = app.user("mgr2", &["manager"], None).await;
    let list: Value = app
        .bearer(&other)
        .await
        .get(app.url("/api/v1/audit?entity=organisation"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_audit_log_exports_as_csv_for_excel() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let api = app.bearer(&admin).await;
    api.post(app.url("/api/v1/organisations"))
        .json(&json!({"name": "=HYPERLINK(\"x\")", "kind": "other"}))
        .send()
        .await
        .unwrap();
    let resp = api.get(app.url("/api/v1/audit.csv?entity=organisation")).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        "time,actor,action,entity,entity_id,summary,changes,ip"
    );
    let row = lines.next().unwrap();
    assert!(row.contains(",boss,create,organisation,"), "{row}");
    assert!(row.contains("\"'=HYPERLINK"), "formulas are defused: {row}");
    let bad = api.get(app.url("/api/v1/audit.csv?from=2026-13-01")).send().await.unwrap();
    let (status, err) = error_of(bad).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["from"].is_string());
}
