//! The rep's day over HTTP: logging contacts, the agenda and its reasons,
//! snoozes, the manager's view, and bad input named by field.

use crate::helpers::{error_of, spawn_app};
use keqing_core::Scope;
use keqing_core::model::{OrganisationDraft, PersonDraft};
use keqing_store::Actor;
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

fn days_ago(n: u64) -> String {
    (today() - chrono::Days::new(n)).to_string()
}

/// 佳佳超市, owned by `owner`.
async fn shop(app: &crate::helpers::TestApp, owner: keqing_core::UserId) -> keqing_store::organisations::Organisation {
    let org = OrganisationDraft {
        name: "佳佳超市".into(),
        kind: "supermarket".into(),
        owner: Some(owner),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.store.create_organisation(&Actor::system("test"), &Scope::All, &org).await.unwrap()
}

#[tokio::test]
async fn a_rep_logs_a_contact_and_the_agenda_explains_what_is_left() {
    let app = spawn_app().await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("昆明一组", Some(mgr.id), None).await;
    let rep = app.user("rep_a", &["rep"], Some(team)).await;
    let api = app.bearer(&rep).await;
    let boss = app.bearer(&mgr).await;
    let sys = Actor::system("test");
    let org = shop(&app, rep.id).await;
    let p = PersonDraft {
        name: "李建华".into(),
        owner: Some(rep.id),
        organisation: Some(org.id),
        tastes: "爱喝普洱".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let li = app.store.create_person(&sys, &Scope::All, &p).await.unwrap();

    // A gift 40 days ago, a visit 40 days ago: a normal customer (25–35 days) is overdue.
    let r = api
        .post(app.url("/api/v1/interactions"))
        .json(&json!({"kind": "gift", "on": days_ago(40), "people": [li.id.0], "gift_item": "云南普洱茶饼", "gift_value": "280"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let gift: Value = r.json().await.unwrap();
    assert_eq!(gift["gift_value_fen"], 28_000);
    assert_eq!(gift["organisation"]["id"], org.id.0);
    let r = api
        .post(app.url("/api/v1/interactions"))
        .json(&json!({"kind": "visit", "on": days_ago(40), "people": [li.id.0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let agenda: Value = api.get(app.url("/api/v1/agenda")).send().await.unwrap().json().await.unwrap();
    let visit = agenda["items"].as_array().unwrap().iter().find(|i| i["action"] == "visit").expect("a visit").clone();
    assert_eq!(visit["section"], "overdue");
    assert_eq!(visit["overdue_days"], 5);
    assert_eq!(agenda["items"][0]["key"], visit["key"], "overdue comes first");
    assert!(visit["reason"].as_str().unwrap().starts_with("非重点客户每25–35天拜访；上次拜访"), "{visit}");
    assert_eq!(agenda["overdue"], 1);

    // The manager sees it in the rep's agenda and in the team's count.
    let theirs: Value =
        boss.get(app.url(&format!("/api/v1/agenda?user_id={}", rep.id.0))).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["items"][0]["key"], visit["key"]);
    let team_day: Value = boss.get(app.url("/api/v1/agenda/team")).send().await.unwrap().json().await.unwrap();
    assert_eq!(team_day["overdue"], 1, "{team_day}");
    assert_eq!(team_day["reps"][0]["user_name"], "REP_A");
    // A rep cannot read the manager's agenda.
    let r = api.get(app.url(&format!("/api/v1/agenda?user_id={}", mgr.id.0))).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Done in two taps: kind, person, key.
    let r = api
        .post(app.url("/api/v1/interactions"))
        .json(&json!({"kind": visit["logs"], "people": [li.id.0], "agenda_key": visit["key"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let agenda: Value = api.get(app.url("/api/v1/agenda")).send().await.unwrap().json().await.unwrap();
    assert!(agenda["items"].as_array().unwrap().iter().all(|i| i["action"] != "visit"), "{agenda}");

    // The timeline, newest first, with the gift.
    let t: Value = api
        .get(app.url(&format!("/api/v1/interactions?person_id={}", li.id.0)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t.as_array().unwrap().len(), 3);
    assert_eq!(t[0]["on"], today().to_string());
    assert_eq!(t[2]["kind_label"], "送礼");
}

#[tokio::test]
async fn bad_contacts_and_snoozes_are_refused_by_field() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let p = PersonDraft { name: "王芳".into(), owner: Some(rep.id), ..Default::default() }.parse().unwrap();
    let wang = app.store.create_person(&Actor::system("test"), &Scope::All, &p).await.unwrap();
    let tomorrow = (today() + chrono::Days::new(1)).to_string();
    let cases = [
        (json!({"kind": "visit", "on": tomorrow, "people": [wang.id.0]}), "on", "不能晚于今天"),
        (
            json!({"kind": "gift", "people": [wang.id.0], "gift_item": "茶", "gift_value": "-50"}),
            "gift_value",
            "必须在",
        ),
        (json!({"kind": "visit", "people": [999_999]}), "people[0]", ""),
        (json!({"kind": "party", "people": [wang.id.0]}), "kind", ""),
        (json!({"kind": "message", "people": [wang.id.0]}), "channel", "必填"),
    ];
    for (body, field, words) in cases {
        let r = api.post(app.url("/api/v1/interactions")).json(&body).send().await.unwrap();
        let (status, e) = error_of(r).await;
        assert_eq!(status, 422, "{body}: {e}");
        let msg = e["fields"][field].as_str().unwrap_or_else(|| panic!("{field} not named: {e}"));
        assert!(msg.contains(words), "{msg}");
    }
    // Nothing was written.
    let t: Value = api
        .get(app.url(&format!("/api/v1/interactions?person_id={}", wang.id.0)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t, json!([]));

    let r = api
        .post(app.url("/api/v1/agenda/snoozes"))
        .json(&json!({"key": "visit:o1:2026-01-01", "until": tomorrow, "reason": "  "}))
        .send()
        .await
        .unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["reason"].is_string(), "{e}");
    let r = api
        .post(app.url("/api/v1/agenda/snoozes"))
        .json(&json!({"key": "visit:o1:2026-01-01", "until": today().to_string(), "reason": "出差"}))
        .send()
        .await
        .unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["until"].is_string(), "{e}");
    let r = api.get(app.url("/api/v1/agenda?date=tomorrow&days=99")).send().await.unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["date"].is_string() || e["fields"]["days"].is_string(), "{e}");

    // Rules with a backwards window are refused by name.
    let admin = app.user("admin", &["admin"], None).await;
    let admin = app.bearer(&admin).await;
    let mut rules: Value = admin.get(app.url("/api/v1/agenda/cadence")).send().await.unwrap().json().await.unwrap();
    rules["rules"]["key"]["visit"] = json!({"min_days": 9, "max_days": 3});
    let r = admin.put(app.url("/api/v1/agenda/cadence")).json(&rules).send().await.unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["rules.key.visit.min_days"].is_string(), "{e}");
}

#[tokio::test]
async fn a_greeting_is_written_for_the_person_and_the_same_text_to_many_is_stopped() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let sys = Actor::system("test");
    let mut ids = Vec::new();
    for (name, gender) in
        [("李建华", "male"), ("王芳", "female"), ("赵敏", "female"), ("孙强", "male"), ("周洁", "female")]
    {
        let p = PersonDraft {
            name: name.into(),
            gender: gender.into(),
            owner: Some(rep.id),
            tastes: "爱喝普洱".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        ids.push(app.store.create_person(&sys, &Scope::All, &p).await.unwrap().id.0);
    }
    // Help we gave Li is remembered in his draft.
    let r = api
        .post(app.url("/api/v1/interactions"))
        .json(&json!({"kind": "help", "people": [ids[0]], "notes": "帮孩子联系补习老师", "on": days_ago(30)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let key = format!("fest:mid_autumn:p{}:2027-09-15", ids[0]);
    let d: Value = api
        .get(app.url(&format!("/api/v1/greetings/draft?person_id={}&key={key}", ids[0])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = d["text"].as_str().unwrap();
    assert!(text.starts_with("李哥") && text.contains("中秋节"), "{text}");
    assert!(text.contains("帮孩子联系补习老师") || text.contains("爱喝普洱"), "{text}");
    assert_eq!(d["similar_sent"], 0);

    // The same pasted text to three people, then the fourth is stopped.
    let pasted = |who: &str| format!("{who}，中秋快乐，祝您阖家幸福，生意兴隆！");
    for (i, who) in ["王姐", "赵姐", "孙哥"].into_iter().enumerate() {
        let r = api
            .post(app.url("/api/v1/greetings/send"))
            .json(&json!({"person_id": ids[i + 1], "text": pasted(who), "channel": "wechat"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let g: Value = api
        .post(app.url("/api/v1/greetings/check"))
        .json(&json!({"person_id": ids[4], "text": pasted("周姐")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(g, json!({"similar_sent": 3, "warn": true}));
    let r = api
        .post(app.url("/api/v1/greetings/send"))
        .json(&json!({"person_id": ids[4], "text": pasted("周姐")}))
        .send()
        .await
        .unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["text"].as_str().unwrap().contains("几乎相同"), "{e}");
    let r = api
        .post(app.url("/api/v1/greetings/send"))
        .json(&json!({"person_id": ids[4], "text": pasted("周姐"), "confirm": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The personal draft for Li is not caught by the pasted ones.
    let g: Value = api
        .post(app.url("/api/v1/greetings/check"))
        .json(&json!({"person_id": ids[0], "text": text}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(g["similar_sent"], 0);

    // A template naming an unknown field is refused with its name.
    let admin = app.user("admin", &["admin"], None).await;
    let admin = app.bearer(&admin).await;
    let mut t: Value = admin.get(app.url("/api/v1/greetings/templates")).send().await.unwrap().json().await.unwrap();
    t["rules"]["templates"][1]["text"] = json!("{{ address }}，祝{{ hobby }}愉快");
    let r = admin.put(app.url("/api/v1/greetings/templates")).json(&t).send().await.unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    let msg = e["fields"]["rules.templates[1].text"].as_str().unwrap_or_default();
    assert!(msg.contains("hobby"), "{e}");
}

#[tokio::test]
async fn a_private_calendar_feed_shows_lunar_birthdays_on_their_day_until_revoked() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    // A lunar birthday ten days on: resolved to the Gregorian day.
    let day = today() + chrono::Days::new(10);
    let lunar = keqing_core::calendar::lunar::LunarDate::from_solar(day).unwrap();
    let birthday = format!("农历{}-{}{:02}-{:02}", 1970, if lunar.leap { "闰" } else { "" }, lunar.month, lunar.day);
    let p = PersonDraft { name: "李建华".into(), owner: Some(rep.id), birthday, ..Default::default() };
    let p = match p.parse() {
        Ok(p) => p,
        // 1970 lacks this leap month: a regular-month birthday is as good a test.
        Err(_) => PersonDraft {
            name: "李建华".into(),
            owner: Some(rep.id),
            birthday: format!("农历{:02}-{:02}", lunar.month, lunar.day),
            ..Default::default()
        }
        .parse()
        .unwrap(),
    };
    app.store.create_person(&Actor::system("test"), &Scope::All, &p).await.unwrap();
    let r = api.post(app.url("/api/v1/me/ical")).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let url = r.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();
    let path = &url[url.find("/ical/").unwrap()..];
    // No login: the secret is the key.
    let r = reqwest::get(app.url(path)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = r.text().await.unwrap().replace("\r\n ", "");
    let event = ics.split("BEGIN:VEVENT").find(|e| e.contains("李建华") && e.contains("bday:")).expect(&ics).to_owned();
    assert!(event.contains(&format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d"))), "{event}");
    // Normal class: a message, reminded the morning before.
    assert!(event.contains("TRIGGER;RELATED=START:-PT15H"), "{event}");
    // Revoked: gone.
    assert_eq!(api.delete(app.url("/api/v1/me/ical")).send().await.unwrap().status(), 204);
    assert_eq!(reqwest::get(app.url(path)).await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_person_page_logs_a_contact_and_shows_the_timeline_newest_first() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let org = shop(&app, rep.id).await;
    let p =
        PersonDraft { name: "李建华".into(), owner: Some(rep.id), organisation: Some(org.id), ..Default::default() }
            .parse()
            .unwrap();
    let li = app.store.create_person(&Actor::system("test"), &Scope::All, &p).await.unwrap();
    let (client, csrf) = app.login("rep_a").await;
    let path = format!("/people/{}/interactions", li.id.0);
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "gift"),
            ("on", &days_ago(3)),
            ("gift_item", "普洱茶饼"),
            ("gift_value", "280"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = client
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("kind", "care_call"), ("notes", "问候老人身体")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let tomorrow = (today() + chrono::Days::new(1)).to_string();
    let r = client
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("kind", "visit"), ("on", &tomorrow)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不能晚于今天"));
    let html = client.get(app.url(&format!("/people/{}", li.id.0))).send().await.unwrap().text().await.unwrap();
    let care = html.find("问候老人身体").expect("the care call");
    let gift = html.find("普洱茶饼 ¥280.00").expect("the gift with its value");
    assert!(care < gift, "newest first");
    // The shop's page shows the same contacts, with whom.
    let html = client.get(app.url(&format!("/customers/{}", org.id.0))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("普洱茶饼 ¥280.00") && html.contains("（李建华）"), "the shop's timeline");
}

#[tokio::test]
async fn a_custom_date_reaches_today_within_its_lead_time() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let api = app.bearer(&rep).await;
    let p = PersonDraft { name: "李建华".into(), owner: Some(rep.id), ..Default::default() }.parse().unwrap();
    let li = app.store.create_person(&Actor::system("test"), &Scope::All, &p).await.unwrap();
    let path = format!("/api/v1/people/{}/occasions", li.id.0);
    let in_two_days = (today() + chrono::Days::new(2)).to_string();
    let r = api
        .post(app.url(&path))
        .json(&json!({"label": "孩子考研", "date": in_two_days, "yearly": false, "lead_days": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r =
        api.post(app.url(&path)).json(&json!({"label": "", "date": "13-45", "lead_days": 99})).send().await.unwrap();
    let (status, e) = error_of(r).await;
    assert_eq!(status, 422);
    for f in ["label", "date", "lead_days"] {
        assert!(e["fields"][f].is_string(), "{f}: {e}");
    }
    let agenda: Value = api.get(app.url("/api/v1/agenda")).send().await.unwrap().json().await.unwrap();
    let item = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"].as_str().unwrap().starts_with("custom:"))
        .expect("the custom date");
    assert!(item["reason"].as_str().unwrap().ends_with("孩子考研"), "{item}");
    let list: Value = api.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(api.delete(app.url(&format!("/api/v1/occasions/{id}"))).send().await.unwrap().status(), 204);
    let agenda: Value = api.get(app.url("/api/v1/agenda")).send().await.unwrap().json().await.unwrap();
    assert!(agenda["items"].as_array().unwrap().iter().all(|i| !i["key"].as_str().unwrap().starts_with("custom:")));
}
