//! The calendar through the API.

use crate::helpers::{error_of, spawn_app};
use serde_json::Value;

async fn get(api: &reqwest::Client, url: String) -> Value {
    let resp = api.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn lunar_festival_and_working_day_questions_get_the_almanac_s_answers() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let day = get(&api, app.url("/api/v1/calendar/day?date=2026-09-25")).await;
    assert_eq!(day["lunar"]["chinese"], "丙午年八月十五");
    assert_eq!(day["festivals"][0]["id"], "mid_autumn");
    assert_eq!((day["working"].as_bool(), day["holiday"].as_str()), (Some(false), Some("中秋节")));
    let solar = get(&api, app.url("/api/v1/calendar/solar?lunar=8-15&year=2027")).await;
    assert_eq!(solar["date"], "2027-09-15");
    assert_eq!(solar["adjustment"], Value::Null);
    let short = get(&api, app.url("/api/v1/calendar/solar?lunar=12-30&year=2025")).await;
    assert_eq!(short["date"], "2026-02-16");
    assert_eq!(short["adjustment"]["rule"], "missing_day30");
    assert_eq!(short["adjustment"]["explanation"], "该月只有二十九天，按二十九日计");
    let w = get(&api, app.url("/api/v1/calendar/workday?month=2026-10&n=8")).await;
    assert_eq!((w["date"].as_str(), w["provisional"].as_bool()), (Some("2026-10-16"), Some(false)));
    assert_eq!(w["ends_at"], "2026-10-16T10:00:00Z", "18:00 in Beijing");
    let w = get(&api, app.url("/api/v1/calendar/workday?month=2026-02&n=3")).await;
    assert_eq!(w["date"], "2026-02-04");
    let add = get(&api, app.url("/api/v1/calendar/add-working-days?date=2026-09-30&n=1")).await;
    assert_eq!(add["date"], "2026-10-08");
    let count = get(&api, app.url("/api/v1/calendar/working-days?from=2026-09-30&to=2026-10-12")).await;
    assert_eq!(count["count"], 4);
    let year = get(&api, app.url("/api/v1/calendar/holidays?year=2026")).await;
    assert_eq!(year["known"], true);
    assert_eq!(year["days"].as_array().unwrap().len(), 39);
    assert_eq!(year["festivals"].as_array().unwrap().len(), 14);
}

#[tokio::test]
async fn a_year_without_a_notice_is_provisional_and_says_why() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let w = get(&api, app.url("/api/v1/calendar/workday?month=2027-02&n=3")).await;
    assert_eq!(w["provisional"], true);
    assert!(w["note"].as_str().unwrap().contains("2027 年的法定节假日安排尚未导入"), "{w}");
    let year = get(&api, app.url("/api/v1/calendar/holidays?year=2027")).await;
    assert_eq!(year["known"], false);
    let status = get(&api, app.url("/api/v1/calendar/status")).await;
    assert_eq!(status["timezone"], "Asia/Shanghai");
    assert_eq!(status["known_years"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn bad_calendar_questions_are_4xx_naming_the_field() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    for (path, status, field) in [
        ("/api/v1/calendar/day?date=2026-02-30", 422, "date"),
        ("/api/v1/calendar/lunar?date=1800-01-01", 400, "date"),
        ("/api/v1/calendar/solar?lunar=13-1&year=2026", 400, "lunar"),
        ("/api/v1/calendar/solar?lunar=8-15&year=3000", 400, "year"),
        ("/api/v1/calendar/workday?month=2026-13&n=1", 400, "n"),
        ("/api/v1/calendar/workday?month=October&n=1", 422, "month"),
        ("/api/v1/calendar/workday?month=2026-10&n=30", 400, "n"),
        ("/api/v1/calendar/add-working-days?date=2026-10-01&n=99999", 422, "n"),
        ("/api/v1/calendar/holidays?year=3000", 422, "year"),
    ] {
        let (got, err) = error_of(api.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(got, status, "{path}: {err}");
        assert!(err["fields"][field].is_string(), "{path}: {err}");
    }
}

#[tokio::test]
async fn an_admin_previews_then_imports_next_year_and_working_days_follow() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&admin).await;
    let csv = "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节（调休上班）\n2027-02-05,off,春节\n2027-02-08,off,春节\n";
    let post = |dry: bool, body: &'static str| {
        api.post(app.url(&format!("/api/v1/calendar/holidays/2027?dry_run={dry}&source=国办发明电〔2026〕")))
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let preview: Value = post(true, csv).await.unwrap().json().await.unwrap();
    assert_eq!((preview["dry_run"].as_bool(), preview["added"].as_u64()), (Some(true), Some(4)));
    let still = get(&app.bearer(&rep).await, app.url("/api/v1/calendar/holidays?year=2027")).await;
    assert_eq!(still["known"], false, "a preview writes nothing");
    let done: Value = post(false, csv).await.unwrap().json().await.unwrap();
    assert_eq!(done["added"], 4);
    let w = get(&app.bearer(&rep).await, app.url("/api/v1/calendar/workday?month=2027-02&n=5")).await;
    // Feb 2027: 1 2 3 4 working, 5 off, 6 (Sat) make-up working, 8 off.
    assert_eq!((w["date"].as_str(), w["provisional"].as_bool()), (Some("2027-02-06"), Some(false)));
    // A file with bad rows is refused as a whole, every row named.
    let bad =
        post(false, "date,kind,name\n2027-02-30,off,春节\n2027-03-01,rest,x\n2028-01-01,off,元旦\n").await.unwrap();
    let (status, err) = error_of(bad).await;
    assert_eq!(status, 422);
    let fields = err["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("row 2: date") && fields.contains_key("row 3: kind") && fields.contains_key("row 4: date"),
        "{err}"
    );
    assert!(fields["row 2: date"].as_str().unwrap().contains("2027-02-30"));
    let again = get(&api, app.url("/api/v1/calendar/holidays?year=2027")).await;
    assert_eq!(again["days"].as_array().unwrap().len(), 4, "nothing half-written");
    // A rep cannot import.
    let resp = app
        .bearer(&rep)
        .await
        .post(app.url("/api/v1/calendar/holidays/2027"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn admins_edit_single_days_with_an_audit_trail() {
    let app = spawn_app().await;
    let admin = app.user("boss", &["admin"], None).await;
    let api = app.bearer(&admin).await;
    let put = api
        .put(app.url("/api/v1/calendar/days/2026-12-31"))
        .json(&serde_json::json!({"kind": "off", "name": "公司年会（全员放假）"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let day = get(&api, app.url("/api/v1/calendar/day?date=2026-12-31")).await;
    assert_eq!((day["working"].as_bool(), day["holiday"].as_str()), (Some(false), Some("公司年会（全员放假）")));
    let stale = api
        .put(app.url("/api/v1/calendar/days/2026-12-31"))
        .json(&serde_json::json!({"kind": "off", "name": "x", "version": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    assert_eq!(api.delete(app.url("/api/v1/calendar/days/2026-12-31")).send().await.unwrap().status(), 204);
    let day = get(&api, app.url("/api/v1/calendar/day?date=2026-12-31")).await;
    assert_eq!(day["working"], true);
    let audit = get(&api, app.url("/api/v1/audit?entity=holiday_day&entity_id=2026-12-31")).await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "create"]);
    let not_loaded = api
        .put(app.url("/api/v1/calendar/days/2031-01-01"))
        .json(&serde_json::json!({"kind": "off", "name": "元旦"}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(not_loaded).await;
    assert_eq!(status, 422);
    assert!(err["fields"]["year"].as_str().unwrap().contains("尚未导入"), "{err}");
}

#[tokio::test]
async fn the_admin_home_page_warns_when_next_year_is_missing() {
    let app = spawn_app().await;
    app.user("boss", &["admin"], None).await;
    app.user("rep_a", &["rep"], None).await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    use chrono::Datelike;
    let expected = if today.year() > 2026 {
        Some(today.year())
    } else if today.month() >= 11 {
        Some(2027)
    } else {
        None
    };
    let (admin, _) = app.login("boss").await;
    let html = admin.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    match expected {
        Some(y) => {
            assert!(html.contains("id=\"calendar-warning\""), "{html}");
            assert!(html.contains(&format!("/admin/calendar?year={y}")));
        }
        None => assert!(!html.contains("calendar-warning")),
    }
    let (rep, _) = app.login("rep_a").await;
    let html = rep.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("calendar-warning"), "only admins are asked to import");
    let page = admin.get(app.url("/admin/calendar?year=2026")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("中秋节") && page.contains("cell restday holiday"), "the month grid");
}
