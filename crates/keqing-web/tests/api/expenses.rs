//! The expense regime over HTTP: one month walked end to end (product,
//! ledger, accrual, entries with caps and flags, filing, the three
//! signatures with a return, override, advances, payouts with evidence,
//! spot checks, transparency, exports), a new customer's application
//! before its contract, and two managers signing at once.

use crate::helpers::{TestApp, error_of, spawn_app};
use keqing_core::Scope;
use keqing_core::expense::Month;
use keqing_core::model::{OrganisationDraft, PersonDraft};
use keqing_store::Actor;
use keqing_store::users::User;
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// Two months back: its statement's deadlines and the 9th working day
/// have passed whatever today is.
fn month() -> Month {
    Month::of(today()).prev().prev()
}

async fn shop(app: &TestApp, name: &str, owner: &User) -> i64 {
    let org = OrganisationDraft {
        name: name.into(),
        kind: "supermarket".into(),
        owner: Some(owner.id),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.store.create_organisation(&Actor::system("test"), &Scope::All, &org).await.unwrap().id.0
}

async fn person(app: &TestApp, name: &str, org: i64, owner: &User) -> i64 {
    let p = PersonDraft {
        name: name.into(),
        owner: Some(owner.id),
        organisation: Some(keqing_core::OrganisationId(org)),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.store.create_person(&Actor::system("test"), &Scope::All, &p).await.unwrap().id.0
}

struct Cast {
    rep: reqwest::Client,
    clerk: reqwest::Client,
    mgr: reqwest::Client,
    fin: reqwest::Client,
    admin: reqwest::Client,
    rep_user: User,
}

async fn cast(app: &TestApp) -> Cast {
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("昆明一组", Some(mgr.id), None).await;
    let rep = app.user("rep_a", &["rep"], Some(team)).await;
    let clerk = app.user("clerk", &["clerk"], Some(team)).await;
    let fin = app.user("fin", &["finance"], None).await;
    let admin = app.user("adm", &["admin"], None).await;
    Cast {
        rep: app.bearer(&rep).await,
        clerk: app.bearer(&clerk).await,
        mgr: app.bearer(&mgr).await,
        fin: app.bearer(&fin).await,
        admin: app.bearer(&admin).await,
        rep_user: rep,
    }
}

async fn product(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let r = admin
        .post(app.url("/api/v1/products"))
        .json(&json!({"code": "JK-01", "name": "进口模块", "unit": "盒", "standard": "per_unit", "rate": "2",
            "uses": ["buyer", "purchasing_leader", "executive", "new_customer", "event"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    p["id"].as_i64().unwrap()
}

async fn sign(app: &TestApp, who: &reqwest::Client, path: &str, version: i64) -> reqwest::Response {
    who.post(app.url(path)).json(&json!({"version": version})).send().await.unwrap()
}

async fn statement(app: &TestApp, who: &reqwest::Client, id: i64) -> Value {
    who.get(app.url(&format!("/api/v1/statements/{id}"))).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn one_month_from_the_ledger_to_the_spot_check() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let m = month().to_string();
    let jk = product(&app, &c.admin).await;
    let a = shop(&app, "佳佳超市", &c.rep_user).await;
    let b = shop(&app, "惠民药店", &c.rep_user).await;
    let wang = person(&app, "王采购", a, &c.rep_user).await;
    let zhao = person(&app, "赵经理", a, &c.rep_user).await;

    // Finance enters the month: 佳佳 collected in full, 惠民 half.
    let r = c
        .fin
        .put(app.url("/api/v1/ledger"))
        .json(&json!({"lines": [
            {"organisation_id": a, "product_line_id": jk, "month": m, "shipped_units": "1,200", "net_units": "1000", "net_sales": "50000", "collected": "50000"},
            {"organisation_id": b, "product_line_id": jk, "month": m, "net_units": "500", "net_sales": "25000", "collected": "12500"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // A rep cannot write the ledger.
    let r = c.rep.put(app.url("/api/v1/ledger")).json(&json!({"lines": []})).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // The rep's month: ¥2/盒 × 1000 payable; 惠民 accrued ¥1,000, withheld until collected in full.
    let v: Value =
        c.rep.get(app.url(&format!("/api/v1/expenses/month?month={m}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["accrued_fen"], 300_000);
    assert_eq!(v["payable_fen"], 200_000);
    assert_eq!(v["withheld_fen"], 100_000);
    let hm = v["lines"].as_array().unwrap().iter().find(|l| l["organisation_id"] == b).unwrap().clone();
    assert_eq!(hm["collection_rate_bp"], 5_000);
    assert_eq!(hm["withheld_reason"], "回款率50.00%，全额回款后兑现");
    assert_eq!(v["state"], "draft");
    assert_eq!(v["advance"]["headroom_fen"], 300_000);
    assert!(v["deadlines"]["file_by"].is_string());

    // Entries: a gift to the buyer, cash to the manager (flagged), nothing beyond payable.
    let entry = |org: i64, person: Option<i64>, form: &str, amount: &str, occasion: &str| {
        json!({"month": m, "organisation_id": org, "person_id": person, "product_line_id": jk, "use": "buyer",
               "form": form, "purpose": "节日维护", "occasion": occasion, "amount": amount})
    };
    // The gift's receipt is at hand already: it goes with the entry.
    let r = c
        .rep
        .post(app.url("/api/v1/attachments?name=%E6%94%B6%E6%8D%AE.png"))
        .header("content-type", "image/png")
        .body(b"\x89PNG\r\n\x1a\nreceipt".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let att = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut with_receipt = entry(a, Some(wang), "gift", "300", "中秋");
    with_receipt["attachment_id"] = json!(att);
    let r = c.rep.post(app.url("/api/v1/expenses")).json(&with_receipt).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let gift: Value = r.json().await.unwrap();
    assert_eq!(gift["flagged"], false);
    let r = c
        .rep
        .post(app.url("/api/v1/expenses"))
        .json(&entry(a, Some(zhao), "cash", "200", "中秋"))
        .send()
        .await
        .unwrap();
    let cash: Value = r.json().await.unwrap();
    assert_eq!(cash["flagged"], true, "cash to a person is flagged");
    let (status, e) = error_of(
        c.rep.post(app.url("/api/v1/expenses")).json(&entry(b, None, "transfer", "100", "")).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["amount"].as_str().unwrap().contains("0.00"), "惠民 has nothing payable: {e}");
    // The per-occasion cap (¥1,000 by default) counts what 王采购 already got.
    let (status, e) = error_of(
        c.rep
            .post(app.url("/api/v1/expenses"))
            .json(&entry(a, Some(wang), "gift", "800", "中秋"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["amount"].as_str().unwrap().contains("700.00"), "{e}");
    // A person of another shop is refused by name.
    let other = shop(&app, "别家", &c.rep_user).await;
    let stranger = person(&app, "路人", other, &c.rep_user).await;
    let (status, e) = error_of(
        c.rep.post(app.url("/api/v1/expenses")).json(&entry(a, Some(stranger), "gift", "10", "")).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["person_id"].is_string(), "{e}");

    // Filing; the checkers sign in order.
    let r = c.rep.post(app.url("/api/v1/statements")).json(&json!({"month": m})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let filed: Value = r.json().await.unwrap();
    let id = filed["statement"]["statement_id"].as_i64().unwrap();
    assert_eq!(filed["state"], "filed");
    assert_eq!(filed["statement"]["filed_late"], true, "two months back is past the 3rd working day");
    // Entries are frozen while it is checked.
    let (status, _) = error_of(
        c.rep.post(app.url("/api/v1/expenses")).json(&entry(a, Some(wang), "gift", "10", "")).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 422);

    let ver = |s: &Value| s["statement"]["version"].as_i64().unwrap();
    let s = statement(&app, &c.mgr, id).await;
    let (status, e) = error_of(sign(&app, &c.mgr, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await).await;
    assert_eq!((status, e["fields"]["signature"].is_string()), (422, true), "the clerk signs first: {e}");
    assert_eq!(sign(&app, &c.rep, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await.status(), 403);
    let r = sign(&app, &c.clerk, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await;
    assert_eq!(r.status(), 200);
    let signed: Value = r.json().await.unwrap();
    assert_eq!(signed["step"], "clerk");
    assert_eq!(signed["late"], true);

    // The manager returns it with a reason; the clerk's signature no longer counts.
    let s = statement(&app, &c.mgr, id).await;
    assert_eq!(s["state"], "clerk_signed");
    let r = c
        .mgr
        .post(app.url(&format!("/api/v1/statements/{id}/reject")))
        .json(&json!({"version": ver(&s), "reason": "赵经理的现金请附签收单"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let mine: Value =
        c.rep.get(app.url(&format!("/api/v1/expenses/month?month={m}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine["state"], "draft");
    assert_eq!(mine["statement"]["rejected_reason"], "赵经理的现金请附签收单");

    // Re-filed: clerk, manager; finance must first override the cash.
    assert_eq!(
        c.rep.post(app.url("/api/v1/statements")).json(&json!({"month": m})).send().await.unwrap().status(),
        201
    );
    for who in [&c.clerk, &c.mgr] {
        let s = statement(&app, who, id).await;
        assert_eq!(sign(&app, who, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await.status(), 200);
    }
    let s = statement(&app, &c.fin, id).await;
    assert_eq!(s["state"], "manager_signed");
    let (status, e) = error_of(sign(&app, &c.fin, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await).await;
    assert_eq!(status, 422);
    assert!(
        e["fields"]["signature"].as_str().unwrap().contains("现金")
            || e["fields"]["signature"].as_str().unwrap().contains("cash"),
        "{e}"
    );
    let cash_id = cash["expense_id"].as_i64().unwrap();
    let (status, _) = error_of(
        c.fin
            .post(app.url(&format!("/api/v1/expenses/{cash_id}/override")))
            .json(&json!({"reason": ""}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "an override needs a reason");
    let r = c
        .fin
        .post(app.url(&format!("/api/v1/expenses/{cash_id}/override")))
        .json(&json!({"reason": "门店主管代领，附签收单"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let s = statement(&app, &c.fin, id).await;
    assert_eq!(sign(&app, &c.fin, &format!("/api/v1/statements/{id}/sign"), ver(&s)).await.status(), 200);
    let s = statement(&app, &c.rep, id).await;
    assert_eq!(s["state"], "approved");
    assert_eq!(s["statement"]["signatures"].as_array().unwrap().len(), 3);

    // After finance: no edits to the month, no ledger change.
    let (_, e) = error_of(
        c.rep.post(app.url("/api/v1/expenses")).json(&entry(a, Some(wang), "gift", "10", "")).send().await.unwrap(),
    )
    .await;
    assert!(e["fields"]["month"].is_string(), "{e}");
    let (status, e) = error_of(
        c.fin
            .put(app.url("/api/v1/ledger"))
            .json(&json!({"lines": [{"organisation_id": a, "product_line_id": jk, "month": m, "net_units": "1", "net_sales": "1", "collected": "1"}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["lines[0]"].is_string(), "{e}");

    // Advances: past the ¥3,000 limit is refused with the headroom; then within the statement.
    let (status, e) = error_of(
        c.rep
            .post(app.url("/api/v1/advances"))
            .json(&json!({"statement_id": id, "amount": "3500"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["amount"].as_str().unwrap().contains("3,000.00"), "{e}");
    let (status, _) = error_of(
        c.rep
            .post(app.url("/api/v1/advances"))
            .json(&json!({"statement_id": id, "amount": "600"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "more than the statement's ¥500");
    let r = c
        .rep
        .post(app.url("/api/v1/advances"))
        .json(&json!({"statement_id": id, "amount": "500"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bal: Value = r.json().await.unwrap();
    assert_eq!((bal["outstanding_fen"].as_i64(), bal["headroom_fen"].as_i64()), (Some(50_000), Some(250_000)));

    // Payouts need evidence and settle the advance: the cash has none yet,
    // the gift brought its receipt.
    let (status, e) = error_of(
        c.rep.post(app.url(&format!("/api/v1/expenses/{cash_id}/payout"))).json(&json!({})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["attachment_id"].is_string(), "{e}");
    let gift_id = gift["expense_id"].as_i64().unwrap();
    let r = c.rep.post(app.url(&format!("/api/v1/expenses/{gift_id}/payout"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bal: Value = c.rep.get(app.url("/api/v1/advances")).send().await.unwrap().json().await.unwrap();
    assert_eq!(bal["outstanding_fen"], 20_000);
    // The manager reads the evidence; another rep cannot.
    assert_eq!(c.mgr.get(app.url(&format!("/api/v1/attachments/{att}"))).send().await.unwrap().status(), 200);

    // Spot check: the paid customers, reproducibly; the manager confirms.
    let r = c.mgr.post(app.url(&format!("/api/v1/statements/{id}/spot-check"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let picked: Value = r.json().await.unwrap();
    assert_eq!(picked.as_array().unwrap().len(), 1);
    assert_eq!(picked[0]["organisation_id"], a);
    let again: Value =
        c.mgr.post(app.url(&format!("/api/v1/statements/{id}/spot-check"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(again, picked);
    let sc = picked[0]["spot_check_id"].as_i64().unwrap();
    let (status, _) = error_of(
        c.mgr
            .post(app.url(&format!("/api/v1/spot-checks/{sc}")))
            .json(&json!({"confirmed": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "a discrepancy needs a note");
    let r = c
        .mgr
        .post(app.url(&format!("/api/v1/spot-checks/{sc}")))
        .json(&json!({"confirmed": true, "note": "王采购电话确认收到"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        c.clerk
            .post(app.url(&format!("/api/v1/spot-checks/{sc}")))
            .json(&json!({"confirmed": true}))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Transparency: what 王采购 received.
    let t: Value = c
        .fin
        .get(app.url(&format!("/api/v1/transparency?person_id={wang}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((t["total_fen"].as_i64(), t["paid_fen"].as_i64()), (Some(30_000), Some(30_000)));

    // The forms download with the three signatures.
    let r = c.fin.get(app.url(&format!("/api/v1/statements/{id}/export?format=csv"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("月客户采购及客情费统计表（附表1）") && csv.contains("销售部经理,MGR"), "{csv}");
    let r = c.fin.get(app.url(&format!("/api/v1/statements/{id}/export?format=xlsx&form=2"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut t = keqing_core::table::Table::open(&bytes, None).unwrap();
    assert_eq!(t.headers[0], "月新客户特殊费用申请汇总表（附表2）");
    assert!(t.next_row().is_some());
    let r = c.fin.get(app.url(&format!("/api/v1/ledger?product_line_id={jk}&format=xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The audit log holds every step.
    let audit: Value =
        c.admin.get(app.url("/api/v1/audit?entity=statement")).send().await.unwrap().json().await.unwrap();
    assert!(audit["items"].as_array().unwrap().len() >= 6, "{audit}");
}

#[tokio::test]
async fn a_new_customers_special_expense_is_applied_for_before_the_contract_and_paid_after_collection() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let jk = product(&app, &c.admin).await;
    let signed = shop(&app, "已签客户", &c.rep_user).await;
    let fresh = shop(&app, "新开客户", &c.rep_user).await;
    let contract = (today() - chrono::Days::new(10)).to_string();
    let r = c
        .rep
        .put(app.url(&format!("/api/v1/organisations/{signed}/contract")))
        .json(&json!({"signed_on": contract}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let apply = |org: i64| json!({"organisation_id": org, "product_line_id": jk, "amount": "1500", "purpose": "新店开业陈列费"});
    let (status, e) =
        error_of(c.rep.post(app.url("/api/v1/applications")).json(&apply(signed)).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(e["fields"]["applied_on"].as_str().unwrap().contains(&contract), "names the contract's date: {e}");

    let r = c.rep.post(app.url("/api/v1/applications")).json(&apply(fresh)).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    let id = a["application_id"].as_i64().unwrap();
    for who in [&c.clerk, &c.mgr, &c.fin] {
        let cur: Value =
            who.get(app.url(&format!("/api/v1/applications/{id}"))).send().await.unwrap().json().await.unwrap();
        let r = sign(&app, who, &format!("/api/v1/applications/{id}/sign"), cur["version"].as_i64().unwrap()).await;
        assert_eq!(r.status(), 200);
    }
    let r = c
        .rep
        .post(app.url("/api/v1/attachments?name=receipt.pdf"))
        .header("content-type", "application/pdf")
        .body("%PDF-1.4")
        .send()
        .await
        .unwrap();
    let att = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (status, e) = error_of(
        c.rep
            .post(app.url(&format!("/api/v1/applications/{id}/payout")))
            .json(&json!({"attachment_id": att}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        e["fields"]["application_id"].as_str().unwrap().contains("回款")
            || e["fields"]["application_id"].as_str().unwrap().contains("paid"),
        "{e}"
    );

    // The customer pays; a CSV import with a bad row first changes nothing.
    let m = Month::of(today()).to_string();
    let csv = format!(
        "月份,客户,品种编码,纯销数量,纯销金额,回款金额\n{m},新开客户,JK-01,100,5000,5000\n{m},不存在的店,JK-01,1,1,1\n"
    );
    let r = c.fin.post(app.url("/api/v1/ledger/import?commit=true")).body(csv.clone()).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let preview: Value =
        c.fin.post(app.url("/api/v1/ledger/import")).body(csv).send().await.unwrap().json().await.unwrap();
    assert_eq!(preview["errors"][0]["row"], 3);
    assert_eq!(preview["errors"][0]["value"], "不存在的店");
    let ledger: Value = c.fin.get(app.url("/api/v1/ledger")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ledger.as_array().unwrap().len(), 0, "nothing half-written");
    let good = format!("月份,客户,品种编码,纯销数量,纯销金额,回款金额\n{m},新开客户,JK-01,100,5000,5000\n");
    let r: Value = c
        .fin
        .post(app.url("/api/v1/ledger/import?commit=true&file_name=11.csv"))
        .body(good)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["committed"], true);

    // Paying needs advance cash in hand: without it the payout is refused.
    let (status, _) = error_of(
        c.rep
            .post(app.url(&format!("/api/v1/applications/{id}/payout")))
            .json(&json!({"attachment_id": att}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    let form: String = c
        .fin
        .get(app.url(&format!("/api/v1/applications/{id}/export?format=csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("新客户特殊费用申请表（附表3）") && form.contains("财务部,FIN"), "{form}");
}

#[tokio::test]
async fn two_managers_signing_at_once_leave_one_signature() {
    let app = spawn_app().await;
    let boss = app.user("boss", &["manager"], None).await;
    let region = app.team("云南大区", Some(boss.id), None).await;
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("昆明一组", Some(mgr.id), Some(region)).await;
    let rep = app.user("rep_a", &["rep"], Some(team)).await;
    let clerk = app.user("clerk", &["clerk"], Some(team)).await;
    let (rep_c, clerk_c, mgr_c, boss_c) =
        (app.bearer(&rep).await, app.bearer(&clerk).await, app.bearer(&mgr).await, app.bearer(&boss).await);
    // Last month's statement: it is also on the clerk's Today.
    let m = Month::of(today()).prev().to_string();
    let r = rep_c.post(app.url("/api/v1/statements")).json(&json!({"month": m})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["statement"]["statement_id"].as_i64().unwrap();
    let home = clerk_c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("检核签字") && home.contains("REP_A"), "{home}");
    let s = statement(&app, &clerk_c, id).await;
    assert_eq!(
        sign(&app, &clerk_c, &format!("/api/v1/statements/{id}/sign"), s["statement"]["version"].as_i64().unwrap())
            .await
            .status(),
        200
    );

    let s = statement(&app, &mgr_c, id).await;
    assert_eq!(s["state"], "clerk_signed");
    let v = s["statement"]["version"].as_i64().unwrap();
    let path = format!("/api/v1/statements/{id}/sign");
    let (a, b) = tokio::join!(sign(&app, &mgr_c, &path, v), sign(&app, &boss_c, &path, v));
    let mut codes = [a.status().as_u16(), b.status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "one signs, the other is told it changed");
    let s = statement(&app, &mgr_c, id).await;
    let sigs = s["statement"]["signatures"].as_array().unwrap();
    assert_eq!(sigs.iter().filter(|g| g["step"] == "manager").count(), 1);
    assert_eq!(s["state"], "manager_signed");
}
