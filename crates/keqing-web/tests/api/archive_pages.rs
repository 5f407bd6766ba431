//! The archive's pages, through real forms: inline messages, the briefing
//! by role, relations read from both sides, orphans, classification.

use crate::helpers::{TestApp, spawn_app};
use keqing_store::Actor;

/// Posts a form (the session's CSRF token added) and returns status and body.
async fn submit(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let resp = client.post(app.url(path)).form(&form).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let body = resp.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn id_in(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn forms_show_chinese_messages_next_to_the_fields_and_keep_what_was_typed() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (rep, csrf) = app.login("rep_a").await;
    let (status, html) = submit(
        &rep,
        &app,
        &csrf,
        "/people/new",
        &[("name", "王芳"), ("phone", "12345"), ("birthday", "农历2026-闰6-10"), ("organisation", "不存在的店")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("不是有效的手机号或座机号"), "{html}");
    assert!(html.contains("不存在的农历日期"), "{html}");
    assert!(html.contains("“不存在的店”指向的记录不存在或无权访问"), "{html}");
    assert!(html.contains("value=\"王芳\""), "what was typed stays: {html}");
    assert!(html.contains("value=\"不存在的店\""), "{html}");

    // A valid person, then an organisation picked the way the datalist fills it.
    let (status, location) = submit(
        &rep,
        &app,
        &csrf,
        "/customers/new",
        &[("name", "佳佳超市"), ("kind", "supermarket"), ("turnover", "120万")],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let org = id_in(&location);
    let (_, options) = page(&rep, &app, "/customers/options?q=jjcs").await;
    let pick = format!("佳佳超市 #{org}");
    assert!(options.contains(&pick), "{options}");
    let (status, location) = submit(
        &rep,
        &app,
        &csrf,
        "/people/new",
        &[
            ("name", "王芳"),
            ("phone", "13812345678"),
            ("birthday", "农历8-15"),
            ("organisation", &pick),
            ("position", "老板"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, html) = page(&rep, &app, &location).await;
    assert!(html.contains("佳佳超市") && html.contains("老板") && html.contains("八月十五"), "{html}");
    let (_, html) = page(&rep, &app, &format!("/customers/{org}")).await;
    assert!(html.contains("王芳") && html.contains("¥120万"), "{html}");
}

#[tokio::test]
async fn a_stale_edit_shows_the_newer_values_instead_of_overwriting_them() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (rep, csrf) = app.login("rep_a").await;
    let (_, location) =
        submit(&rep, &app, &csrf, "/customers/new", &[("name", "老店"), ("kind", "retail_store")]).await;
    let id = id_in(&location);
    let edit = format!("/customers/{id}/edit");
    let fields =
        |name: &'static str| [("version", "1"), ("name", name), ("kind", "retail_store"), ("status", "active")];
    assert_eq!(submit(&rep, &app, &csrf, &edit, &fields("新店名")).await.0, 303);
    let (status, html) = submit(&rep, &app, &csrf, &edit, &fields("旧表单")).await;
    assert_eq!(status, 422);
    assert!(html.contains("保存前已有人修改了该记录"), "{html}");
    assert!(html.contains("value=\"新店名\""), "the newer values are shown: {html}");
    let (_, html) = page(&rep, &app, &format!("/customers/{id}")).await;
    assert!(html.contains("新店名") && !html.contains("旧表单"));
}

#[tokio::test]
async fn the_briefing_shows_family_and_tastes_to_reps_but_not_to_finance_and_logs_the_view() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    app.user("fin", &["finance"], None).await;
    let (client, csrf) = app.login("rep_a").await;
    let (_, location) = submit(
        &client,
        &app,
        &csrf,
        "/people/new",
        &[("name", "李建华"), ("tastes", "普洱熟茶"), ("taboos", "不喝酒"), ("birthday", "03-08")],
    )
    .await;
    let id = id_in(&location);
    let (status, _) = submit(
        &client,
        &app,
        &csrf,
        &format!("/people/{id}/family"),
        &[("relation", "child"), ("name", "李子涵"), ("birthday", "2010-09-01")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&client, &app, &format!("/people/{id}")).await;
    for text in ["普洱熟茶", "不喝酒", "李子涵", "下次生日"] {
        assert!(html.contains(text), "rep sees {text}");
    }
    let (fin, _) = app.login("fin").await;
    let (status, html) = page(&fin, &app, &format!("/people/{id}")).await;
    assert_eq!(status, 200);
    for text in ["普洱熟茶", "不喝酒", "李子涵", "下次生日"] {
        assert!(!html.contains(text), "finance must not see {text}");
    }
    assert!(html.contains("李建华"));
    // Viewing personal fields is logged (the rep's view, not finance's).
    let filter = keqing_store::audit::AuditFilter {
        entity: Some("person".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    let entries = app.store.list_audit(&keqing_core::Scope::All, &filter, 50, 0).await.unwrap();
    let views: Vec<_> = entries.iter().filter(|e| e.action == "view").collect();
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0].actor_user_id, Some(rep.id.0));
}

#[tokio::test]
async fn relations_read_right_from_both_pages_and_feed_the_referral_tree() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    let (rep, csrf) = app.login("rep_a").await;
    let mut ids = Vec::new();
    for name in ["老王", "小王", "老李"] {
        let (_, location) = submit(&rep, &app, &csrf, "/people/new", &[("name", name)]).await;
        ids.push(id_in(&location));
    }
    let (lao, xiao, li) = (ids[0], ids[1], ids[2]);
    // On 老王's page: 小王 is his child; 老李 introduced 老王.
    let rel = format!("/people/{lao}/relations");
    assert_eq!(
        submit(&rep, &app, &csrf, &rel, &[("kind", "child"), ("to_person_id", &format!("小王 #{xiao}"))]).await.0,
        303
    );
    assert_eq!(
        submit(&rep, &app, &csrf, &rel, &[("kind", "referrer"), ("to_person_id", &format!("老李 #{li}"))]).await.0,
        303
    );
    let (_, html) = page(&rep, &app, &format!("/people/{xiao}")).await;
    assert!(html.contains("父母：<a href=\"/people/"), "小王 sees his parent: {html}");
    let (_, html) = page(&rep, &app, &format!("/people/{li}")).await;
    assert!(html.contains("经其介绍认识的客户：<a"), "{html}");
    let (_, html) = page(&rep, &app, "/referrals").await;
    let li_at = html.find("老李").unwrap();
    assert!(html[li_at..].contains("老王"), "老王 hangs under 老李: {html}");
    assert!(html.contains("带来 1"), "{html}");
    // Relating a person to themself is refused on the page, not with a 500.
    let (status, html) =
        submit(&rep, &app, &csrf, &rel, &[("kind", "friend"), ("to_person_id", &lao.to_string())]).await;
    assert_eq!(status, 422);
    assert!(html.contains("不能与自己建立关系"), "{html}");
}

#[tokio::test]
async fn a_manager_adopts_a_leavers_customers_in_bulk_and_the_move_is_audited() {
    let app = spawn_app().await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("昆明组", Some(mgr.id), None).await;
    let leaver = app.user("leaver", &["rep"], Some(team)).await;
    let heir = app.user("heir", &["rep"], Some(team)).await;
    let (client, csrf) = app.login("leaver").await;
    let mut orgs = Vec::new();
    for name in ["甲店", "乙店"] {
        let (_, location) =
            submit(&client, &app, &csrf, "/customers/new", &[("name", name), ("kind", "retail_store")]).await;
        orgs.push(id_in(&location));
    }
    let (_, location) =
        submit(&client, &app, &csrf, "/people/new", &[("name", "甲老板"), ("organisation", &orgs[0].to_string())])
            .await;
    let person = id_in(&location);
    app.store.set_disabled(&Actor::system("test"), leaver.id, true).await.unwrap();

    let (mgr_client, mgr_csrf) = app.login("mgr").await;
    let (_, html) = page(&mgr_client, &app, "/orphans").await;
    assert!(html.contains("甲店") && html.contains("乙店"), "{html}");
    let (status, _) = submit(
        &mgr_client,
        &app,
        &mgr_csrf,
        "/orphans/reassign",
        &[
            ("org", &orgs[0].to_string()),
            ("org", &orgs[1].to_string()),
            ("with_people", "on"),
            ("owner_id", &heir.id.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&mgr_client, &app, "/orphans").await;
    assert!(html.contains("没有待认养的客户"), "{html}");
    let p = app.store.person(&keqing_core::Scope::All, keqing_core::PersonId(person)).await.unwrap();
    assert_eq!(p.owner_id, heir.id, "the people moved with their shop");
    let filter = keqing_store::audit::AuditFilter { entity: Some("organisation".into()), ..Default::default() };
    let entries = app.store.list_audit(&keqing_core::Scope::All, &filter, 50, 0).await.unwrap();
    let moves = entries.iter().filter(|e| e.action == "update" && e.actor_user_id == Some(mgr.id.0)).count();
    assert_eq!(moves, 2);
    // Nothing picked: a message, no change.
    let (status, html) =
        submit(&mgr_client, &app, &mgr_csrf, "/orphans/reassign", &[("owner_id", &heir.id.to_string())]).await;
    assert_eq!(status, 422);
    assert!(html.contains("请至少选择一个客户"), "{html}");
}

#[tokio::test]
async fn the_classification_page_shows_the_pareto_share_and_refuses_bad_rules_by_field() {
    let app = spawn_app().await;
    app.user("rep_a", &["rep"], None).await;
    app.user("boss", &["admin"], None).await;
    let (rep, csrf) = app.login("rep_a").await;
    // One big customer and four small ones: the top 20% (one) bring 96%.
    for (name, turnover) in
        [("大户", "9600万"), ("小一", "100万"), ("小二", "100万"), ("小三", "100万"), ("小四", "100万")]
    {
        let (status, _) = submit(
            &rep,
            &app,
            &csrf,
            "/customers/new",
            &[("name", name), ("kind", "wholesaler"), ("turnover", turnover)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let (_, html) = page(&rep, &app, "/classification").await;
    assert!(html.contains("<b>96%</b>"), "{html}");
    assert!(!html.contains("分级规则"), "reps do not edit the rules");

    let (admin, admin_csrf) = app.login("boss").await;
    let version = app.store.classification_rules().await.unwrap().version.to_string();
    let mut fields = vec![
        ("version", version.as_str()),
        ("weight_turnover", "40"),
        ("weight_reach", "abc"),
        ("weight_strength", "20"),
        ("weight_management", "20"),
        ("band_1", "20万"),
        ("band_2", "100万"),
        ("band_3", "500万"),
        ("band_4", "2000万"),
        ("key_from", "70"),
        ("secondary_from", "45"),
        ("quota_key", "20"),
        ("quota_secondary", "20"),
        ("quota_normal", "30"),
    ];
    let (status, html) = submit(&admin, &app, &admin_csrf, "/classification/rules", &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("“abc”不是有效的整数"), "{html}");
    fields[2] = ("weight_reach", "20");
    fields[9] = ("key_from", "30");
    let (status, html) = submit(&admin, &app, &admin_csrf, "/classification/rules", &fields).await;
    assert_eq!(status, 422, "secondary above key");
    assert!(html.contains("分级规则不合理"), "{html}");
    fields[9] = ("key_from", "60");
    let (status, _) = submit(&admin, &app, &admin_csrf, "/classification/rules", &fields).await;
    assert_eq!(status, 303);
    assert_eq!(app.store.classification_rules().await.unwrap().value.key_from, 60);
}
