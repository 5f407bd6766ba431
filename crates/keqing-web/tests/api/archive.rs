//! The customer archive through the API.

use crate::helpers::{TestApp, error_of, spawn_app};
use serde_json::{Value, json};

async fn post(api: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> Value {
    let resp = api.post(app.url(path)).json(&body).send().await.unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn get(api: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    let resp = api.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn one_box_finds_people_by_hanzi_pinyin_initials_phone_wechat_and_shop() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let org = post(&api, &app, "/api/v1/organisations", json!({"name": "昆明佳佳超市", "kind": "supermarket"})).await;
    post(&api, &app, "/api/v1/people", json!({"name": "张三", "phone": "138 1234 5678", "organisation_id": org["id"]}))
        .await;
    post(&api, &app, "/api/v1/people", json!({"name": "曾伟", "wechat": "zw_kunming88"})).await;
    post(&api, &app, "/api/v1/people", json!({"name": "李四", "other_phones": ["0871-63123456"]})).await;
    for (q, who) in [
        ("张三", "张三"),
        ("zhangsan", "张三"),
        ("zs", "张三"),
        ("5678", "张三"),
        ("1381234", "张三"),
        ("佳佳", "张三"),
        ("jiajia", "张三"),
        ("zengwei", "曾伟"),
        ("zw_kunming", "曾伟"),
        ("6312", "李四"),
    ] {
        let found = get(&api, &app, &format!("/api/v1/people?q={}", crate::helpers::urlencode(q))).await;
        assert_eq!(names(&found), [who], "{q}");
    }
    // Lists sort by pinyin: li, zeng, zhang.
    assert_eq!(names(&get(&api, &app, "/api/v1/people").await), ["李四", "曾伟", "张三"]);
}

#[tokio::test]
async fn organisations_are_classified_filtered_and_reclassified_by_hand() {
    let app = spawn_app().await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("云南", Some(mgr.id), None).await;
    let rep = app.user("rep_a", &["rep"], Some(team)).await;
    let api = app.bearer(&rep).await;
    let big = post(&api, &app, "/api/v1/organisations", json!({
        "name": "昆明鑫源商贸有限公司", "kind": "特约经销商", "region_code": "530102", "turnover": "2500万",
        "consumer_reach": "5", "financial_strength": "4", "management_level": "4", "stage": "成长", "tags": ["特约"],
        "opened_on": "2015-03-18"
    })).await;
    assert_eq!((big["class"].as_str(), big["class_score"].as_u64()), (Some("key"), Some(90)));
    assert_eq!(big["region"], "云南省 昆明市 五华区");
    assert_eq!(big["anniversary"], "03-18");
    assert_eq!(big["turnover_fen"], 2_500_000_000i64);
    let small = post(&api, &app, "/api/v1/organisations", json!({
        "name": "贵阳便利店", "kind": "retail_store", "region_code": "520102", "turnover": "8万", "consumer_reach": "2"
    })).await;
    assert_eq!(small["class"], "normal");
    for (query, expect) in [
        ("class=key", vec!["昆明鑫源商贸有限公司"]),
        ("region=530000", vec!["昆明鑫源商贸有限公司"]),
        ("region=520100", vec!["贵阳便利店"]),
        ("tag=%E7%89%B9%E7%BA%A6", vec!["昆明鑫源商贸有限公司"]),
        ("stage=growth", vec!["昆明鑫源商贸有限公司"]),
        ("q=gybld", vec!["贵阳便利店"]),
    ] {
        assert_eq!(names(&get(&api, &app, &format!("/api/v1/organisations?{query}")).await), expect, "{query}");
    }
    // A rep cannot set a class by hand; the manager can, with a reason.
    let url = app.url(&format!("/api/v1/organisations/{}/class", small["id"]));
    assert_eq!(api.put(&url).json(&json!({"class": "key", "reason": "x"})).send().await.unwrap().status(), 403);
    let m_api = app.bearer(&mgr).await;
    let (status, err) = error_of(m_api.put(&url).json(&json!({"class": "key"})).send().await.unwrap()).await;
    assert_eq!((status, err["fields"]["reason"].is_string()), (422, true));
    let set: Value = m_api
        .put(&url)
        .json(&json!({"class": "key", "reason": "新开业，重点扶持"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (set["class"].as_str(), set["class_manual"].as_str(), set["class_reason"].as_str()),
        (Some("key"), Some("key"), Some("新开业，重点扶持"))
    );
    let audit = get(&m_api, &app, &format!("/api/v1/audit?entity=organisation&entity_id={}", small["id"])).await;
    assert_eq!(audit["items"][0]["changes"]["class"]["before"], "normal");
    // The territory suggestion and the Pareto view.
    let pareto = get(&m_api, &app, "/api/v1/classification/pareto").await;
    assert_eq!(pareto["customers"], 2);
    assert!(pareto["top_20_share_pct"].as_f64().unwrap() > 99.0);
    let sugg = get(&m_api, &app, "/api/v1/classification/suggestion").await;
    assert_eq!(sugg[0]["name"], "昆明鑫源商贸有限公司");
    assert_eq!(sugg[0]["suggested"], "key");
}

#[tokio::test]
async fn a_departed_reps_customers_are_orphans_the_manager_reassigns_with_their_history() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("云南", Some(mgr.id), None).await;
    let leaving = app.user("rep_a", &["rep"], Some(team)).await;
    let staying = app.user("rep_b", &["rep"], Some(team)).await;
    let api = app.bearer(&leaving).await;
    let mut orgs = Vec::new();
    for name in ["佳佳超市", "福瑞药房", "万家便利店"] {
        let o = post(&api, &app, "/api/v1/organisations", json!({"name": name, "kind": "other"})).await;
        post(&api, &app, "/api/v1/people", json!({"name": format!("{name}老板"), "organisation_id": o["id"]})).await;
        orgs.push(o["id"].as_i64().unwrap());
    }
    app.bearer(&admin).await.post(app.url(&format!("/api/v1/users/{}/disable", leaving.id))).send().await.unwrap();
    let m_api = app.bearer(&mgr).await;
    let orphans = get(&m_api, &app, "/api/v1/organisations?orphans=true").await;
    assert_eq!(orphans["total"], 3);
    assert!(orphans["items"].as_array().unwrap().iter().all(|o| o["orphaned"] == true));
    let moved = post(
        &m_api,
        &app,
        "/api/v1/organisations/reassign",
        json!({"ids": orgs, "owner_id": staying.id.0, "with_people": true}),
    )
    .await;
    assert_eq!(moved["moved"], 6);
    assert_eq!(get(&m_api, &app, "/api/v1/organisations?orphans=true").await["total"], 0);
    let mine = get(&app.bearer(&staying).await, &app, "/api/v1/people").await;
    assert_eq!(mine["total"], 3, "the people came along");
    let history = get(&m_api, &app, &format!("/api/v1/audit?entity=organisation&entity_id={}", orgs[0])).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "created by the old rep, reassigned by the manager");
}

#[tokio::test]
async fn families_relations_and_referrals_and_what_finance_does_not_see() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let fin = app.user("fin", &["finance"], None).await;
    let api = app.bearer(&rep).await;
    let li = post(&api, &app, "/api/v1/people", json!({
        "name": "李建华", "birthday": "农历1976-8-15", "tastes": "爱喝普洱", "gift_preferences": "茶具", "legal_basis": "consent",
        "info_source": "本人提供"
    })).await;
    assert_eq!(li["birthday_words"], "农历八月十五");
    assert!(li["next_birthday"].is_string());
    let wang = post(&api, &app, "/api/v1/people", json!({"name": "王芳"})).await;
    let zhao = post(&api, &app, "/api/v1/people", json!({"name": "赵强"})).await;
    let kid = post(
        &api,
        &app,
        &format!("/api/v1/people/{}/family", li["id"]),
        json!({"relation": "子女", "name": "李子涵", "birthday": "2009-06-01"}),
    )
    .await;
    post(
        &api,
        &app,
        &format!("/api/v1/family/{}/milestones", kid["id"]),
        json!({"kind": "高考", "on_date": "2027-06-07", "notes": "理科"}),
    )
    .await;
    let family = get(&api, &app, &format!("/api/v1/people/{}/family", li["id"])).await;
    assert_eq!(family[0]["milestones"][0]["kind"], "gaokao");
    // Wang and Zhao were introduced by Li.
    for who in [&wang, &zhao] {
        post(
            &api,
            &app,
            &format!("/api/v1/people/{}/relations", who["id"]),
            json!({"to_person_id": li["id"], "kind": "referred_by"}),
        )
        .await;
    }
    let rel = get(&api, &app, &format!("/api/v1/people/{}/relations", li["id"])).await;
    assert_eq!(rel.as_array().unwrap().len(), 2);
    assert_eq!(rel[0]["label"], "介绍了", "seen from the referrer");
    let tree = get(&api, &app, "/api/v1/referrals").await;
    assert_eq!(tree[0]["name"], "李建华");
    assert_eq!(tree[0]["referred"].as_array().unwrap().len(), 2);
    // Finance: the person, not the family or tastes.
    let f_api = app.bearer(&fin).await;
    let seen = get(&f_api, &app, &format!("/api/v1/people/{}", li["id"])).await;
    assert_eq!(
        (seen["name"].as_str(), seen["tastes"].clone(), seen["birthday"].clone()),
        (Some("李建华"), Value::Null, Value::Null)
    );
    assert_eq!(f_api.get(app.url(&format!("/api/v1/people/{}/family", li["id"]))).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn viewing_is_logged_and_an_admin_exports_and_erases_a_person() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let li =
        post(&api, &app, "/api/v1/people", json!({"name": "李建华", "phone": "13812345678", "tastes": "爱喝普洱"}))
            .await;
    get(&api, &app, &format!("/api/v1/people/{}", li["id"])).await;
    let a_api = app.bearer(&admin).await;
    let log = get(&a_api, &app, &format!("/api/v1/audit?entity=person&entity_id={}", li["id"])).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["view", "create"], "who looked at whom is recorded");
    let export = get(&a_api, &app, &format!("/api/v1/people/{}/export", li["id"])).await;
    assert_eq!(export["person"]["tastes"], "爱喝普洱");
    assert!(!export["history"].as_array().unwrap().is_empty());
    assert_eq!(api.get(app.url(&format!("/api/v1/people/{}/export", li["id"]))).send().await.unwrap().status(), 403);
    let resp = a_api
        .post(app.url(&format!("/api/v1/people/{}/erase", li["id"])))
        .json(&json!({"reason": "本人电话要求删除"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let after = get(&api, &app, &format!("/api/v1/people/{}", li["id"])).await;
    assert!(after["name"].as_str().unwrap().starts_with("已删除的联系人"));
    assert_eq!((after["phone"].clone(), after["tastes"].clone()), (Value::Null, Value::Null));
    assert!(after["erased_at"].is_string());
    let log = get(&a_api, &app, &format!("/api/v1/audit?entity=person&entity_id={}", li["id"])).await;
    assert!(!log.to_string().contains("13812345678"), "no personal value survives in the log");
}

#[tokio::test]
async fn bad_archive_input_names_every_field() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let resp = api.post(app.url("/api/v1/organisations")).json(&json!({
        "name": "x", "kind": "other", "region_code": "999999", "turnover": "很多", "consumer_reach": "9", "opened_on": "2026-02-30"
    })).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 422);
    for f in ["turnover", "consumer_reach", "opened_on"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
    let resp = api
        .post(app.url("/api/v1/organisations"))
        .json(&json!({"name": "x", "kind": "other", "region_code": "999999"}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["fields"]["region_code"].is_string()), (422, true), "{err}");
    let resp = api
        .post(app.url("/api/v1/people"))
        .json(&json!({
            "name": "李", "birthday": "农历2026-闰3-1", "qq": "0123", "other_phones": ["12"], "legal_basis": "因为"
        }))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 422);
    assert_eq!(err["fields"]["birthday"], "不存在的农历日期");
    for f in ["qq", "other_phones[0]", "legal_basis"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
}
