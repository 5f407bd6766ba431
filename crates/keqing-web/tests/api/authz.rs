//! Authorization, table-driven: every route × every kind of user.
//!
//! Columns: anonymous, rep (owns `org_a`), outsider (a rep in another team),
//! clerk (rep's team), manager (manages rep's team), finance, admin.
//! Out-of-scope records are 404 (no existence leak); role denials are 403.
//! The test fails if an API route exists that the table does not cover, so
//! the table grows with every new route.

use crate::helpers::{TestApp, spawn_app};
use keqing_core::model::{OrganisationDraft, PersonDraft};
use keqing_core::{OrganisationId, TeamId, UserId};
use keqing_store::Actor;
use keqing_store::users::User;
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

const ROLES: [&str; 7] = ["anonymous", "rep", "outsider", "clerk", "manager", "finance", "admin"];

enum Body {
    None,
    Json(&'static str),
    Form(&'static str),
    Csv(&'static str),
    /// A calendar import form for the year given.
    Multipart(&'static str),
    /// A people import form carrying this CSV as its file.
    Upload(&'static str),
}

struct Row {
    method: &'static str,
    path: &'static str,
    body: Body,
    expect: [u16; 7],
}

fn row(method: &'static str, path: &'static str, body: Body, expect: [u16; 7]) -> Row {
    Row { method, path, body, expect }
}

use Body::{Csv, Form, Json, Multipart, None as NoBody, Upload};

fn table() -> Vec<Row> {
    //                                                              anon rep  out  clerk mgr fin  admin
    vec![
        row("GET", "/healthz", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/readyz", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/openapi.json", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/docs", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/assets/app.css", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/assets/htmx.min.js", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row("GET", "/assets/app.js", NoBody, [200, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/auth/token",
            Json(r#"{"username":"rep_b","password":"correct horse battery"}"#),
            [201, 201, 201, 201, 201, 201, 201],
        ),
        row("GET", "/api/v1/me", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "PATCH",
            "/api/v1/me",
            Json(r#"{"version":{me_version},"display_name":"新名字"}"#),
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/me/password",
            Json(r#"{"current_password":"not it","new_password":"a much longer one"}"#),
            [401, 422, 422, 422, 422, 422, 422],
        ),
        row("GET", "/api/v1/tokens", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("POST", "/api/v1/tokens", Json(r#"{"name":"sync"}"#), [401, 201, 201, 201, 201, 201, 201]),
        row("DELETE", "/api/v1/tokens/{actor_token}", NoBody, [401, 204, 204, 204, 204, 204, 204]),
        row("GET", "/api/v1/users", NoBody, [401, 403, 403, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/users",
            Json(r#"{"username":"new{uniq}","display_name":"新人","roles":["rep"]}"#),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        row("GET", "/api/v1/users/{rep}", NoBody, [401, 403, 403, 200, 200, 200, 200]),
        row(
            "PATCH",
            "/api/v1/users/{new_user}",
            Json(r#"{"version":1,"display_name":"改"}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/api/v1/users/{new_user}/roles",
            Json(r#"{"roles":["rep","clerk"]}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("POST", "/api/v1/users/{new_user}/disable", NoBody, [401, 403, 403, 403, 403, 403, 200]),
        row("POST", "/api/v1/users/{new_user}/enable", NoBody, [401, 403, 403, 403, 403, 403, 200]),
        row("POST", "/api/v1/users/{new_user}/password", Json("{}"), [401, 403, 403, 403, 403, 403, 200]),
        row("GET", "/api/v1/teams", NoBody, [401, 403, 403, 200, 200, 200, 200]),
        row("POST", "/api/v1/teams", Json(r#"{"name":"团队{uniq}"}"#), [401, 403, 403, 403, 403, 403, 201]),
        row(
            "PATCH",
            "/api/v1/teams/{new_team}",
            Json(r#"{"version":1,"name":"改名{uniq}"}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("DELETE", "/api/v1/teams/{new_team}", NoBody, [401, 403, 403, 403, 403, 403, 204]),
        row("GET", "/api/v1/audit", NoBody, [401, 403, 403, 403, 200, 403, 200]),
        row("GET", "/api/v1/audit.csv", NoBody, [401, 403, 403, 403, 200, 403, 200]),
        row("GET", "/api/v1/organisations", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/organisations",
            Json(r#"{"name":"新店","kind":"supermarket"}"#),
            [401, 201, 201, 403, 201, 403, 201],
        ),
        row("GET", "/api/v1/organisations/{org_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "PATCH",
            "/api/v1/organisations/{new_org_a}",
            Json(r#"{"version":1,"notes":"改"}"#),
            [401, 200, 404, 403, 200, 403, 200],
        ),
        row("DELETE", "/api/v1/organisations/{new_org_a}", NoBody, [401, 403, 403, 403, 204, 403, 204]),
        row("GET", "/api/v1/people", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("POST", "/api/v1/people", Json(r#"{"name":"李建华"}"#), [401, 201, 201, 403, 201, 403, 201]),
        row("GET", "/api/v1/people/{person_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "PATCH",
            "/api/v1/people/{new_person_a}",
            Json(r#"{"version":1,"position":"店长"}"#),
            [401, 200, 404, 403, 200, 403, 200],
        ),
        row("DELETE", "/api/v1/people/{new_person_a}", NoBody, [401, 403, 403, 403, 204, 403, 204]),
        row(
            "PUT",
            "/api/v1/organisations/{new_org_a}/class",
            Json(r#"{"class":"key","reason":"重点培养"}"#),
            [401, 403, 403, 403, 200, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/organisations/reassign",
            Json(r#"{"ids":[{new_org_a}],"owner_id":{rep_b},"with_people":true}"#),
            [401, 403, 403, 403, 200, 403, 200],
        ),
        row("GET", "/api/v1/organisation-tags", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/people/reassign",
            Json(r#"{"ids":[{new_person_a}],"owner_id":{rep_b}}"#),
            [401, 403, 403, 403, 200, 403, 200],
        ),
        row("GET", "/api/v1/people/{person_a}/family", NoBody, [401, 200, 404, 200, 200, 403, 200]),
        row(
            "POST",
            "/api/v1/people/{new_person_a}/family",
            Json(r#"{"relation":"child","name":"李子涵","birthday":"2009-06-01"}"#),
            [401, 201, 404, 403, 201, 403, 201],
        ),
        row(
            "PATCH",
            "/api/v1/family/{new_family}",
            Json(r#"{"version":1,"relation":"child","name":"李子轩"}"#),
            [401, 200, 404, 403, 200, 403, 200],
        ),
        row("DELETE", "/api/v1/family/{new_family}", NoBody, [401, 204, 404, 403, 204, 403, 204]),
        row(
            "POST",
            "/api/v1/family/{new_family}/milestones",
            Json(r#"{"kind":"gaokao","on_date":"2027-06-07"}"#),
            [401, 201, 404, 403, 201, 403, 201],
        ),
        row("DELETE", "/api/v1/milestones/{new_milestone}", NoBody, [401, 204, 404, 403, 204, 403, 204]),
        row("GET", "/api/v1/people/{person_a}/relations", NoBody, [401, 200, 404, 200, 200, 403, 200]),
        row(
            "POST",
            "/api/v1/people/{new_person_a}/relations",
            Json(r#"{"to_person_id":{person_a},"kind":"friend"}"#),
            [401, 201, 404, 403, 201, 403, 201],
        ),
        row("DELETE", "/api/v1/relations/{new_relation}", NoBody, [401, 204, 404, 403, 204, 403, 204]),
        row("GET", "/api/v1/referrals", NoBody, [401, 200, 200, 200, 200, 403, 200]),
        row("GET", "/api/v1/people/{person_a}/export", NoBody, [401, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/api/v1/people/{new_person_a}/erase",
            Json(r#"{"reason":"本人要求删除"}"#),
            [401, 403, 403, 403, 403, 403, 204],
        ),
        row(
            "POST",
            "/api/v1/interactions",
            Json(r#"{"kind":"visit","people":[{person_a}]}"#),
            [401, 201, 422, 403, 201, 403, 201],
        ),
        row("GET", "/api/v1/interactions?person_id={person_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row("DELETE", "/api/v1/interactions/{new_interaction_a}", NoBody, [401, 204, 404, 403, 204, 403, 204]),
        row("GET", "/api/v1/organisations/{org_a}/cadence", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "PUT",
            "/api/v1/organisations/{new_org_a}/cadence",
            Json(r#"{"visit":{"min_days":3,"max_days":5},"work_call_days":7}"#),
            [401, 200, 404, 403, 200, 403, 200],
        ),
        row("GET", "/api/v1/agenda", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/agenda?user_id={rep}&days=7", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row("GET", "/api/v1/agenda/team", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/agenda/snoozes",
            Json(r#"{"key":"visit:o{org_a}:2026-01-01","until":"{tomorrow}","reason":"老板出差"}"#),
            [401, 204, 204, 204, 204, 204, 204],
        ),
        row("GET", "/api/v1/agenda/cadence", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("PUT", "/api/v1/agenda/cadence", Json("{cadence_body}"), [401, 403, 403, 403, 403, 403, 200]),
        row("GET", "/api/v1/agenda/occasions", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("PUT", "/api/v1/agenda/occasions", Json("{occasions_body}"), [401, 403, 403, 403, 403, 403, 200]),
        row("GET", "/api/v1/greetings/draft?person_id={person_a}", NoBody, [401, 200, 404, 200, 200, 403, 200]),
        row(
            "POST",
            "/api/v1/greetings/check",
            Json(r#"{"person_id":{person_a},"text":"中秋快乐"}"#),
            [401, 200, 404, 200, 200, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/greetings/send",
            Json(r#"{"person_id":{person_a},"text":"第{uniq}次祝您中秋快乐"}"#),
            [401, 201, 404, 403, 201, 403, 201],
        ),
        row("GET", "/api/v1/greetings/templates", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("PUT", "/api/v1/greetings/templates", Json("{greetings_body}"), [401, 403, 403, 403, 403, 403, 200]),
        row("POST", "/api/v1/me/ical", NoBody, [401, 201, 201, 201, 201, 201, 201]),
        row("DELETE", "/api/v1/me/ical", NoBody, [401, 204, 204, 204, 204, 204, 204]),
        row("GET", "/api/v1/me/reminders", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "PUT",
            "/api/v1/me/reminders",
            Json(
                r#"{"version":{reminders_version},"channel":null,"digest_at":"07:30","quiet_from":"21:00","quiet_until":"07:00"}"#,
            ),
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row("GET", "/api/v1/me/reminders/outbox", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/people/{person_a}/occasions", NoBody, [401, 200, 404, 200, 200, 403, 200]),
        row(
            "POST",
            "/api/v1/people/{person_a}/occasions",
            Json(r#"{"label":"帮忙办成贷款的日子","date":"农历10-23"}"#),
            [401, 201, 404, 403, 201, 403, 201],
        ),
        row("DELETE", "/api/v1/occasions/{new_occasion_a}", NoBody, [401, 204, 404, 403, 204, 403, 204]),
        row("GET", "/api/v1/regions?parent=530000", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/regions/{region}", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/territories", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/territories",
            Json(r#"{"name":"片区{uniq}","regions":["530100"]}"#),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        row(
            "PUT",
            "/api/v1/territories/{new_territory}",
            Json(r#"{"name":"改名{uniq}","regions":["530300"],"version":1}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("DELETE", "/api/v1/territories/{new_territory}", NoBody, [401, 403, 403, 403, 403, 403, 204]),
        row("GET", "/api/v1/classification/rules", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "PUT",
            "/api/v1/classification/rules",
            Json(r#"{"version":{rules_version},"rules":{}}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("GET", "/api/v1/classification/suggestion", NoBody, [401, 403, 403, 403, 200, 403, 200]),
        row(
            "POST",
            "/api/v1/classification/suggestion/apply",
            Json(r#"{"reason":"片区排名"}"#),
            [401, 403, 403, 403, 200, 403, 200],
        ),
        row("GET", "/api/v1/classification/pareto", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/calendar/status", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/calendar/day?date=2026-10-10", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/calendar/lunar?date=2026-09-25", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/calendar/solar?lunar=8-15&year=2027", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/calendar/workday?month=2026-10&n=8", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "GET",
            "/api/v1/calendar/add-working-days?date=2026-10-01&n=3",
            NoBody,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/calendar/working-days?from=2026-10-01&to=2026-10-31",
            NoBody,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row("GET", "/api/v1/calendar/holidays?year=2026", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/calendar/holidays/{future_year}?dry_run=true",
            Csv("date,kind,name\n{future_year}-01-01,off,元旦\n"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("POST", "/api/v1/calendar/years", Json(r#"{"year":{future_year}}"#), [401, 403, 403, 403, 403, 403, 201]),
        row(
            "PUT",
            "/api/v1/calendar/days/{free_day}",
            Json(r#"{"kind":"off","name":"年会"}"#),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("DELETE", "/api/v1/calendar/days/{listed_day}", NoBody, [401, 403, 403, 403, 403, 403, 204]),
        // Pages: anonymous visitors are sent to the login form (303).
        row("GET", "/login", NoBody, [200, 303, 303, 303, 303, 303, 303]),
        row("GET", "/lang?to=en&next=/login", NoBody, [303, 303, 303, 303, 303, 303, 303]),
        row("GET", "/", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/?days=7", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/?user_id={rep}", NoBody, [303, 200, 404, 200, 200, 200, 200]),
        row(
            "POST",
            "/today/done",
            Form("key=visit:o{org_a}:2026-01-01&kind=visit&organisation_id={org_a}"),
            [303, 303, 422, 403, 303, 403, 303],
        ),
        row(
            "POST",
            "/today/snooze",
            Form("key=visit:o1:2026-01-01&days=1&reason=出差"),
            [303, 303, 303, 303, 303, 303, 303],
        ),
        row("GET", "/account", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/password", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/password",
            Form("current_password=wrong&new_password=abcdefghijkl&confirm=abcdefghijkl"),
            [303, 422, 422, 422, 422, 422, 422],
        ),
        row("POST", "/account/language", Form("locale="), [303, 303, 303, 303, 303, 303, 303]),
        row("POST", "/account/tokens", Form("name=phone"), [303, 200, 200, 200, 200, 200, 200]),
        row("POST", "/account/tokens/{actor_token}/revoke", NoBody, [303, 303, 303, 303, 303, 303, 303]),
        row("GET", "/audit", NoBody, [303, 403, 403, 403, 200, 403, 200]),
        row("GET", "/admin/users", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/admin/users",
            Form("username=p{uniq}&display_name=X&role=rep"),
            [303, 403, 403, 403, 403, 403, 200],
        ),
        row("GET", "/admin/users/{rep}", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/admin/users/{new_user}",
            Form("version=1&display_name=Y&role=rep"),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row("POST", "/admin/users/{new_user}/disable", NoBody, [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/admin/users/{new_user}/enable", NoBody, [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/admin/users/{new_user}/reset-password", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row("GET", "/admin/teams", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row("GET", "/admin/calendar?year=2026", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/admin/calendar/days",
            Form("date=2026-12-29&kind=off&name=%E5%B9%B4%E4%BC%9A"),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row("POST", "/admin/calendar/days/delete", Form("date={listed_day}"), [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/admin/calendar/years", Form("year={future_year}"), [303, 403, 403, 403, 403, 403, 303]),
        row(
            "POST",
            "/admin/calendar/import?csrf={csrf}",
            Multipart("{future_year}"),
            [303, 403, 403, 403, 403, 403, 200],
        ),
        row("POST", "/admin/teams", Form("name=T{uniq}"), [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/admin/teams/{new_team}", Form("version=1&name=U{uniq}"), [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/admin/teams/{new_team}/delete", NoBody, [303, 403, 403, 403, 403, 403, 303]),
        // Archive pages.
        row("GET", "/customers", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/customers?q=jj&class=normal&kind=supermarket", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/customers/new", NoBody, [303, 200, 200, 403, 200, 403, 200]),
        row("POST", "/customers/new", Form("name=新店{uniq}&kind=retail_store"), [303, 303, 303, 403, 303, 403, 303]),
        row("GET", "/customers/options?q=jj", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/customers/{org_a}", NoBody, [303, 200, 404, 200, 200, 200, 200]),
        row("GET", "/customers/{new_org_a}/edit", NoBody, [303, 200, 404, 403, 200, 403, 200]),
        row(
            "POST",
            "/customers/{new_org_a}/edit",
            Form("version=1&name=%E6%94%B9%E5%90%8D&kind=supermarket&status=active&owner_id={rep}"),
            [303, 303, 404, 403, 303, 403, 303],
        ),
        row("POST", "/customers/{new_org_a}/class", Form("class=key&reason=big"), [303, 403, 403, 403, 303, 403, 303]),
        row("POST", "/customers/{new_org_a}/delete", NoBody, [303, 403, 403, 403, 303, 403, 303]),
        row("GET", "/people", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/people/new", NoBody, [303, 200, 200, 403, 200, 403, 200]),
        row("POST", "/people/new", Form("name=%E7%8E%8B%E8%8A%B3"), [303, 303, 303, 403, 303, 403, 303]),
        row("GET", "/people/options?q=ljh", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/regions/options?q=530102", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/people/{person_a}", NoBody, [303, 200, 404, 200, 200, 200, 200]),
        row("GET", "/people/{new_person_a}/edit", NoBody, [303, 200, 404, 403, 200, 403, 200]),
        row(
            "POST",
            "/people/{new_person_a}/edit",
            Form("version=1&name=%E6%9D%8E%E5%BB%BA%E5%8D%8E&owner_id={rep}&legal_basis=consent"),
            [303, 303, 404, 403, 303, 403, 303],
        ),
        row(
            "POST",
            "/people/{new_person_a}/family",
            Form("relation=child&name=%E6%9D%8E%E5%AD%90%E6%B6%B5"),
            [303, 303, 404, 403, 303, 403, 303],
        ),
        row(
            "POST",
            "/people/{new_person_a}/relations",
            Form("kind=friend&to_person_id={person_a}"),
            [303, 303, 404, 403, 303, 403, 303],
        ),
        row("POST", "/people/{new_person_a}/erase", Form("reason=asked"), [303, 403, 403, 403, 403, 403, 303]),
        row("POST", "/family/{new_family}/delete", NoBody, [303, 303, 404, 403, 303, 403, 303]),
        row(
            "POST",
            "/family/{new_family}/milestones",
            Form("kind=gaokao&on_date=2027-06-07"),
            [303, 303, 404, 403, 303, 403, 303],
        ),
        row("POST", "/relations/{new_relation}/delete", NoBody, [303, 303, 404, 403, 303, 403, 303]),
        row("GET", "/referrals", NoBody, [303, 200, 200, 200, 200, 403, 200]),
        row("GET", "/classification", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("POST", "/classification/apply", Form("reason=rank"), [303, 403, 403, 403, 303, 403, 303]),
        row(
            "POST",
            "/classification/rules",
            Form(
                "version={rules_version}&weight_turnover=40&weight_reach=20&weight_strength=20&weight_management=20\
                 &band_1=200000&band_2=1000000&band_3=5000000&band_4=20000000&key_from=70&secondary_from=45\
                 &quota_key=20&quota_secondary=20&quota_normal=30",
            ),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row("GET", "/orphans", NoBody, [303, 403, 403, 403, 200, 403, 200]),
        row("POST", "/orphans/reassign", Form("org={new_org_a}&owner_id={rep}"), [303, 403, 403, 403, 303, 403, 303]),
        row("GET", "/admin/territories", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row("POST", "/admin/territories", Form("name=P{uniq}&regions=530100"), [303, 403, 403, 403, 403, 403, 303]),
        row("GET", "/admin/territories/{new_territory}", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/admin/territories/{new_territory}",
            Form("version=1&name=Q{uniq}&regions=530300"),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row("POST", "/admin/territories/{new_territory}/delete", NoBody, [303, 403, 403, 403, 403, 403, 303]),
        // Import and export.
        row(
            "POST",
            "/api/v1/import/people?file_name=a.csv",
            Csv("姓名,手机\n导入{uniq},\n"),
            [401, 200, 200, 403, 200, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/import/{new_batch}/preview",
            Json(r#"{"encoding":"utf-8"}"#),
            [401, 200, 404, 403, 404, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/import/{new_batch}/commit",
            Json(r#"{"on_duplicate":"skip"}"#),
            [401, 202, 404, 403, 404, 403, 202],
        ),
        row("GET", "/api/v1/import/{new_batch}", NoBody, [401, 200, 404, 403, 404, 403, 200]),
        row("GET", "/api/v1/export/people?format=vcf", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/export/organisations?format=xlsx", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/import", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("POST", "/import?csrf={csrf}", Upload("姓名,手机\n上传{uniq},\n"), [303, 303, 303, 403, 303, 403, 303]),
        row("GET", "/import/{new_batch}", NoBody, [303, 200, 404, 403, 404, 403, 200]),
        row(
            "POST",
            "/import/{new_batch}/preview",
            Form("encoding=auto&map.0=name&map.1=phone"),
            [303, 200, 404, 403, 404, 403, 200],
        ),
        row("POST", "/import/{new_batch}/commit", Form("on_duplicate=skip"), [303, 303, 404, 403, 404, 403, 303]),
        row("GET", "/import/{new_batch}/progress", NoBody, [303, 200, 404, 403, 404, 403, 200]),
        row("GET", "/api/v1/products", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/products",
            Json(
                r#"{"code":"P{uniq}","name":"品种{uniq}","unit":"盒","standard":"percent","rate":"1","uses":["buyer"]}"#,
            ),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        row(
            "PUT",
            "/api/v1/products/{product}",
            Json(
                r#"{"code":"JK-01","name":"进口模块","unit":"盒","standard":"per_unit","rate":"2","uses":["buyer","event","new_customer"],"version":{product_version}}"#,
            ),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row("GET", "/api/v1/expenses/rules", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("PUT", "/api/v1/expenses/rules", Json("{expense_rules_body}"), [401, 403, 403, 403, 403, 403, 200]),
        row(
            "PUT",
            "/api/v1/organisations/{org_a}/contract",
            Json(r#"{"signed_on":null}"#),
            [401, 200, 404, 403, 200, 200, 200],
        ),
        row("GET", "/api/v1/ledger?month=2020-01", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("PUT", "/api/v1/ledger", Json(r#"{"lines":[]}"#), [401, 403, 403, 403, 403, 200, 403]),
        row(
            "POST",
            "/api/v1/ledger/import",
            Csv("月份,客户,品种编码,纯销金额,回款金额\n2020-01,佳佳超市,JK-01,1,1\n"),
            [401, 403, 403, 403, 403, 200, 403],
        ),
        row("POST", "/api/v1/attachments?name=r.png", Csv("receipt"), [401, 201, 201, 403, 403, 403, 403]),
        row("GET", "/api/v1/attachments/{attachment_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row("GET", "/api/v1/expenses/month", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("GET", "/api/v1/expenses/month?month=2020-01&user_id={rep}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/expenses",
            Json(
                r#"{"month":"2020-01","organisation_id":{org_a},"product_line_id":{product},"use":"buyer","form":"gift","purpose":"礼品","amount":"1"}"#,
            ),
            [401, 201, 422, 403, 403, 403, 403],
        ),
        row("DELETE", "/api/v1/expenses/{new_expense_a}", NoBody, [401, 204, 404, 403, 403, 403, 403]),
        row(
            "POST",
            "/api/v1/expenses/{new_cash_a}/override",
            Json(r#"{"reason":"门店主管代领"}"#),
            [401, 403, 403, 403, 403, 200, 403],
        ),
        row("POST", "/api/v1/expenses/{new_expense_a}/payout", Json("{}"), [401, 422, 404, 403, 403, 403, 403]),
        row("GET", "/api/v1/advances", NoBody, [401, 200, 200, 403, 403, 403, 403]),
        row(
            "POST",
            "/api/v1/advances",
            Json(r#"{"statement_id":{statement_a},"amount":"1"}"#),
            [401, 422, 404, 403, 403, 403, 403],
        ),
        row("GET", "/api/v1/transparency?organisation_id={org_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row("GET", "/api/v1/statements", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("POST", "/api/v1/statements", Json(r#"{"month":"2020-02"}"#), [401, 201, 201, 403, 403, 403, 403]),
        row("GET", "/api/v1/statements/{statement_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/statements/{new_statement_a}/sign",
            Json(r#"{"version":{new_version}}"#),
            [401, 403, 403, 200, 422, 422, 403],
        ),
        row(
            "POST",
            "/api/v1/statements/{new_statement_a}/reject",
            Json(r#"{"version":{new_version},"reason":"缺签收单"}"#),
            [401, 403, 403, 204, 422, 422, 403],
        ),
        row("GET", "/api/v1/statements/{statement_a}/export?format=csv", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row("GET", "/api/v1/applications", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/applications",
            Json(r#"{"organisation_id":{org_a},"product_line_id":{product},"amount":"100","purpose":"开业陈列"}"#),
            [401, 201, 422, 403, 403, 403, 403],
        ),
        row("GET", "/api/v1/applications/{application_a}", NoBody, [401, 200, 404, 200, 200, 200, 200]),
        row(
            "POST",
            "/api/v1/applications/{new_application_a}/sign",
            Json(r#"{"version":{new_version}}"#),
            [401, 403, 403, 200, 422, 422, 403],
        ),
        row(
            "POST",
            "/api/v1/applications/{new_application_a}/reject",
            Json(r#"{"version":{new_version},"reason":"金额过高"}"#),
            [401, 403, 403, 204, 422, 422, 403],
        ),
        row(
            "POST",
            "/api/v1/applications/{application_a}/payout",
            Json(r#"{"attachment_id":{attachment_a}}"#),
            [401, 422, 404, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/applications/{application_a}/export?format=csv",
            NoBody,
            [401, 200, 404, 200, 200, 200, 200],
        ),
        row("POST", "/api/v1/statements/{statement_a}/spot-check", NoBody, [401, 403, 403, 403, 422, 403, 403]),
        row("GET", "/api/v1/spot-checks", NoBody, [401, 200, 200, 200, 200, 200, 200]),
        row("POST", "/api/v1/spot-checks/{zero}", Json(r#"{"confirmed":true}"#), [401, 403, 403, 403, 404, 403, 403]),
        row("GET", "/expenses", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("GET", "/expenses?month=2020-01&user_id={rep}", NoBody, [303, 200, 404, 200, 200, 200, 200]),
        row(
            "POST",
            "/expenses",
            Form(
                "month=2020-01&organisation_id={org_a}&product_line_id={product}&use=buyer&form=gift&purpose=礼品&amount=1",
            ),
            [303, 303, 200, 403, 403, 403, 403],
        ),
        row("POST", "/expenses/file", Form("month=2020-03"), [303, 303, 303, 403, 403, 403, 403]),
        row(
            "POST",
            "/expenses/advance",
            Form("month=2019-12&statement_id={statement_a}&amount=1"),
            [303, 200, 404, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/expenses/{new_expense_a}/payout?csrf={csrf}",
            Upload("receipt"),
            [303, 200, 404, 403, 403, 403, 403],
        ),
        row("GET", "/expenses/queue", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/expenses/sign",
            Form("month=2020-01&document=statement&id={new_statement_a}&version={new_version}&action=sign"),
            [303, 403, 403, 303, 200, 200, 403],
        ),
        row(
            "POST",
            "/expenses/override",
            Form("month=2020-01&id={new_cash_a}&reason=代领"),
            [303, 403, 403, 403, 403, 303, 403],
        ),
        row("GET", "/expenses/ledger", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row(
            "POST",
            "/expenses/ledger?csrf={csrf}",
            Upload("月份,客户,品种编码,纯销金额,回款金额\n"),
            [303, 403, 403, 403, 403, 200, 403],
        ),
        row("GET", "/expenses/spot-checks", NoBody, [303, 200, 200, 200, 200, 200, 200]),
        row("POST", "/expenses/spot-checks", Form("statement_id={statement_a}"), [303, 403, 403, 403, 200, 403, 403]),
        row("POST", "/expenses/spot-checks/{zero}", Form("confirmed=1&note=好"), [303, 403, 403, 403, 404, 403, 403]),
        row("GET", "/admin/products", NoBody, [303, 403, 403, 403, 403, 403, 200]),
        row(
            "POST",
            "/admin/products",
            Form("code=P{uniq}&name=品种{uniq}&unit=盒&standard=percent&rate=1.5&use_buyer=1&active=1"),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row(
            "POST",
            "/admin/products/{product}",
            Form(
                "code=JK-01&name=进口模块&unit=盒&standard=per_unit&rate=2&use_buyer=1&use_new_customer=1&use_event=1&active=1&version={product_version}",
            ),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row(
            "POST",
            "/admin/expense-rules",
            Form(
                "version={expense_rules_version}&payout_rule=full_collection&advance_limit=3000&cap_per_occasion=1000&cap_per_year=5000&max_attachment_mib=5&spot_check_count=3",
            ),
            [303, 403, 403, 403, 403, 403, 303],
        ),
        row("GET", "/no/such/page", NoBody, [404, 404, 404, 404, 404, 404, 404]),
        row("GET", "/api/v1/no-such-thing", NoBody, [404, 404, 404, 404, 404, 404, 404]),
        row("PUT", "/api/v1/me", Json("{}"), [405, 405, 405, 405, 405, 405, 405]),
        // Last: it ends the session.
        row("POST", "/logout", NoBody, [303, 303, 303, 303, 303, 303, 303]),
    ]
}

struct Company {
    rep_b: User,
    users: Vec<Option<User>>,
    clients: Vec<reqwest::Client>,
    csrf: Vec<String>,
    rep: User,
    team: TeamId,
    org_a: OrganisationId,
    person_a: i64,
    product: i64,
    statement_a: i64,
    application_a: i64,
    attachment_a: i64,
}

async fn company(app: &TestApp) -> Company {
    let mgr = app.user("mgr", &["manager"], None).await;
    let team = app.team("云南销售部", Some(mgr.id), None).await;
    let mgr2 = app.user("mgr2", &["manager"], None).await;
    let team2 = app.team("贵州销售部", Some(mgr2.id), None).await;
    let rep = app.user("rep_a", &["rep"], Some(team)).await;
    let rep_b = app.user("rep_b", &["rep"], Some(team)).await;
    let outsider = app.user("rep_x", &["rep"], Some(team2)).await;
    let clerk = app.user("clerk", &["clerk"], Some(team)).await;
    let finance = app.user("finance", &["finance"], None).await;
    let admin = app.user("admin", &["admin"], None).await;
    let org_a = new_org(app, rep.id).await;
    let person_a = new_person(app, rep.id, Some(org_a)).await;
    let users = vec![None, Some(rep.clone()), Some(outsider), Some(clerk), Some(mgr), Some(finance), Some(admin)];
    let mut clients = Vec::new();
    let mut csrf = Vec::new();
    for u in &users {
        let (client, token) = client_for(app, u.as_ref().map(|u| u.username.as_str())).await;
        clients.push(client);
        csrf.push(token);
    }
    let (product, statement_a, application_a, attachment_a) = expense_fixtures(app, &rep, org_a).await;
    Company {
        rep_b,
        users,
        clients,
        csrf,
        rep,
        team,
        org_a,
        person_a,
        product,
        statement_a,
        application_a,
        attachment_a,
    }
}

fn rep_actor(rep: &User) -> Actor {
    Actor { user_id: Some(rep.id), name: rep.username.clone(), ip: None }
}

/// A product line, a fully collected ledger month (2020-01) for `org_a`,
/// a filed statement (2019-12), an application and an evidence file.
async fn expense_fixtures(app: &TestApp, rep: &User, org_a: OrganisationId) -> (i64, i64, i64, i64) {
    use keqing_core::expense::{Figures, LedgerFigures, Month, Standard, Use};
    use keqing_store::expenses::{LedgerInput, NewApplication, NewProductLine};
    let sys = Actor::system("test");
    let p = app
        .store
        .save_product_line(
            &sys,
            None,
            &NewProductLine {
                code: "JK-01".into(),
                name: "进口模块".into(),
                unit: "盒".into(),
                standard: Standard::PerUnit { fen_per_unit: 200 },
                uses: vec![Use::Buyer, Use::NewCustomer, Use::Event],
                active: true,
            },
        )
        .await
        .unwrap();
    let figures = LedgerFigures {
        month: Month::parse("2020-01").unwrap(),
        shipped_units: 10_000,
        figures: Figures { net_units: 10_000, net_sales_fen: 100_000_000, collected_fen: 100_000_000 },
    };
    app.store
        .write_ledger(&sys, &[LedgerInput { organisation_id: org_a.0, product_line_id: p.id, figures }], None)
        .await
        .unwrap();
    let view = app.store.file_statement(&rep_actor(rep), Month::parse("2019-12").unwrap(), false).await.unwrap();
    let a = app
        .store
        .apply_for_new_customer(
            &rep_actor(rep),
            &keqing_core::Scope::All,
            &NewApplication {
                organisation_id: org_a.0,
                product_line_id: p.id,
                applied_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 5).unwrap(),
                amount_fen: 10_000,
                purpose: "开业陈列".into(),
            },
        )
        .await
        .unwrap();
    let att = app.store.save_attachment(&rep_actor(rep), "r.png", "image/png", b"png").await.unwrap();
    (p.id, view.statement.unwrap().statement_id, a.application_id, att)
}

/// A browser for `username` (or an anonymous one that has fetched the login
/// page, so its form posts pass CSRF and reach the authentication check),
/// sending its CSRF token as a header on every request.
async fn client_for(app: &TestApp, username: Option<&str>) -> (reqwest::Client, String) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let plain = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_csrf = app.form_csrf(&plain, "/login").await;
    let csrf = match username {
        None => login_csrf,
        Some(username) => {
            let resp = plain
                .post(app.url("/login"))
                .form(&[("csrf", login_csrf.as_str()), ("username", username), ("password", crate::helpers::PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 303, "login of {username}");
            app.form_csrf(&plain, "/account").await
        }
    };
    let mut h = HeaderMap::new();
    h.insert("x-csrf-token", HeaderValue::from_str(&csrf).unwrap());
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(h)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, csrf)
}

async fn new_org(app: &TestApp, owner: UserId) -> OrganisationId {
    let d = OrganisationDraft {
        name: "佳佳超市".into(),
        kind: "supermarket".into(),
        owner: Some(owner),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.store.create_organisation(&Actor::system("test"), &keqing_core::Scope::All, &d).await.unwrap().id
}

async fn new_person(app: &TestApp, owner: UserId, org: Option<OrganisationId>) -> i64 {
    let d = PersonDraft { name: "李建华".into(), organisation: org, owner: Some(owner), ..Default::default() }
        .parse()
        .unwrap();
    app.store.create_person(&Actor::system("test"), &keqing_core::Scope::All, &d).await.unwrap().id.0
}

static UNIQ: AtomicU32 = AtomicU32::new(0);
static NEW_VERSION: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Fills the placeholders of a path or body, creating fresh records for
/// the ones a request will change, so every request meets the same state.
async fn fill(app: &TestApp, co: &Company, who: usize, text: &str) -> String {
    let mut s = text.to_owned();
    if s.contains("{uniq}") {
        s = s.replace("{uniq}", &UNIQ.fetch_add(1, Ordering::SeqCst).to_string());
    }
    s = s.replace("{rep}", &co.rep.id.to_string());
    // The version of the statement or application the path just created
    // (paths are filled before bodies).
    s = s.replace("{new_version}", &NEW_VERSION.load(Ordering::SeqCst).to_string());
    s = s.replace("{zero}", "0");
    s = s.replace("{product}", &co.product.to_string());
    s = s.replace("{statement_a}", &co.statement_a.to_string());
    s = s.replace("{application_a}", &co.application_a.to_string());
    s = s.replace("{attachment_a}", &co.attachment_a.to_string());
    if s.contains("{product_version}") {
        let v = app.store.product_lines().await.unwrap().into_iter().find(|p| p.id == co.product).unwrap().version;
        s = s.replace("{product_version}", &v.to_string());
    }
    if s.contains("{expense_rules_version}") {
        let v = app.store.expense_rules().await.unwrap().version;
        s = s.replace("{expense_rules_version}", &v.to_string());
    }
    if s.contains("{expense_rules_body}") {
        let r = app.store.expense_rules().await.unwrap();
        let body = serde_json::json!({"version": r.version, "rules": r.value});
        s = s.replace("{expense_rules_body}", &body.to_string());
    }
    if s.contains("{new_expense_a}") || s.contains("{new_cash_a}") {
        let cash = s.contains("{new_cash_a}");
        let d = keqing_core::expense::ExpenseDraft {
            month: "2020-01".into(),
            organisation_id: Some(co.org_a.0),
            person_id: cash.then_some(co.person_a),
            product_line_id: Some(co.product),
            use_: "buyer".into(),
            form: if cash { "cash" } else { "gift" }.into(),
            purpose: "维护".into(),
            amount: "1".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let e = app.store.add_expense(&rep_actor(&co.rep), &keqing_core::Scope::All, &d).await.unwrap();
        s = s.replace("{new_expense_a}", &e.expense_id.to_string()).replace("{new_cash_a}", &e.expense_id.to_string());
    }
    if s.contains("{new_statement_a}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        let m = keqing_core::expense::Month { year: 2001 + (n / 12) as i32, month: 1 + n % 12 };
        let v = app.store.file_statement(&rep_actor(&co.rep), m, false).await.unwrap().statement.unwrap();
        s = s.replace("{new_statement_a}", &v.statement_id.to_string());
        NEW_VERSION.store(v.version, Ordering::SeqCst);
    }
    if s.contains("{new_application_a}") {
        let a = app
            .store
            .apply_for_new_customer(
                &rep_actor(&co.rep),
                &keqing_core::Scope::All,
                &keqing_store::expenses::NewApplication {
                    organisation_id: co.org_a.0,
                    product_line_id: co.product,
                    applied_on: chrono::NaiveDate::from_ymd_opt(2020, 2, 1).unwrap(),
                    amount_fen: 100,
                    purpose: "开业".into(),
                },
            )
            .await
            .unwrap();
        s = s.replace("{new_application_a}", &a.application_id.to_string());
        NEW_VERSION.store(a.version, Ordering::SeqCst);
    }

    s = s.replace("{org_a}", &co.org_a.to_string());
    s = s.replace("{person_a}", &co.person_a.to_string());
    if s.contains("{new_org_a}") {
        s = s.replace("{new_org_a}", &new_org(app, co.rep.id).await.to_string());
    }
    if s.contains("{new_person_a}") {
        s = s.replace("{new_person_a}", &new_person(app, co.rep.id, Some(co.org_a)).await.to_string());
    }
    if s.contains("{new_user}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        s = s.replace("{new_user}", &app.user(&format!("target{n}"), &["rep"], Some(co.team)).await.id.to_string());
    }
    if s.contains("{new_team}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        s = s.replace("{new_team}", &app.team(&format!("临时{n}"), None, None).await.to_string());
    }
    if s.contains("{actor_token}") {
        let owner = co.users[who].as_ref().map_or(co.rep.id, |u| u.id);
        let (_, hash, prefix) = keqing_web::auth::new_api_token();
        let t = app.store.create_token(&Actor::system("test"), owner, "t", &hash, &prefix).await.unwrap();
        s = s.replace("{actor_token}", &t.id.to_string());
    }
    if s.contains("{listed_day}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + chrono::Days::new(u64::from(n % 50));
        let day = keqing_core::calendar::holidays::HolidayDay {
            year: 2026,
            date,
            kind: keqing_core::calendar::holidays::DayKind::Off,
            name: "测试".into(),
        };
        app.store.set_holiday_day(&Actor::system("test"), &day, None).await.unwrap();
        s = s.replace("{listed_day}", &date.to_string());
    }
    s = s.replace("{free_day}", "2026-12-30");
    s = s.replace("{region}", "530102");
    s = s.replace("{rep_b}", &co.rep_b.id.to_string());
    if s.contains("{new_family}") || s.contains("{new_milestone}") {
        let pid = keqing_core::PersonId(new_person(app, co.rep.id, Some(co.org_a)).await);
        let fam = keqing_store::people::FamilyData {
            relation: keqing_core::model::FamilyRelation::Child,
            name: "李子涵".into(),
            gender: keqing_core::model::Gender::Female,
            birthday: None,
            notes: None,
        };
        let m = app.store.add_family_member(&Actor::system("test"), &keqing_core::Scope::All, pid, &fam).await.unwrap();
        s = s.replace("{new_family}", &m.id.to_string());
        if s.contains("{new_milestone}") {
            let on = chrono::NaiveDate::from_ymd_opt(2027, 6, 7).unwrap();
            let ms = app
                .store
                .add_milestone(
                    &Actor::system("test"),
                    &keqing_core::Scope::All,
                    m.id,
                    keqing_core::model::MilestoneKind::Gaokao,
                    on,
                    None,
                )
                .await
                .unwrap();
            s = s.replace("{new_milestone}", &ms.id.to_string());
        }
    }
    if s.contains("{new_relation}") {
        let a = keqing_core::PersonId(new_person(app, co.rep.id, Some(co.org_a)).await);
        let b = keqing_core::PersonId(new_person(app, co.rep.id, Some(co.org_a)).await);
        let id = app
            .store
            .relate(
                &Actor::system("test"),
                &keqing_core::Scope::All,
                a,
                b,
                keqing_core::model::RelationKind::Friend,
                None,
            )
            .await
            .unwrap();
        s = s.replace("{new_relation}", &id.to_string());
    }
    if s.contains("{new_territory}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        let t = app
            .store
            .create_territory(
                &Actor::system("test"),
                &keqing_store::regions::TerritoryData {
                    name: format!("临时片区{n}"),
                    manager: None,
                    regions: vec!["530100".into()],
                    members: vec![],
                },
            )
            .await
            .unwrap();
        s = s.replace("{new_territory}", &t.id.to_string());
    }
    if s.contains("{new_batch}") {
        let n = UNIQ.fetch_add(1, Ordering::SeqCst);
        let csv = format!("姓名,手机\n批次{n},\n");
        let p = app
            .store
            .preview_import(
                Some(co.rep.id),
                &keqing_core::Scope::All,
                co.rep.id,
                "t.csv",
                csv.as_bytes(),
                &Default::default(),
            )
            .await
            .unwrap();
        s = s.replace("{new_batch}", &p.batch_id.to_string());
    }
    if s.contains("{new_interaction_a}") {
        let d = keqing_core::model::InteractionDraft {
            kind: "work_call".into(),
            people: vec![keqing_core::PersonId(co.person_a)],
            ..Default::default()
        }
        .parse(chrono::Utc::now().date_naive())
        .unwrap();
        let actor = Actor { user_id: Some(co.rep.id), name: "rep_a".into(), ip: None };
        let i = app.store.log_interaction(&actor, &keqing_core::Scope::All, &d).await.unwrap();
        s = s.replace("{new_interaction_a}", &i.id.to_string());
    }
    if s.contains("{new_occasion_a}") {
        let date = keqing_core::agenda::CustomDate::parse("12-20", true).unwrap();
        let o = app
            .store
            .add_custom_occasion(
                &Actor::system("test"),
                &keqing_core::Scope::All,
                keqing_core::PersonId(co.person_a),
                "店庆",
                date,
                3,
            )
            .await
            .unwrap();
        s = s.replace("{new_occasion_a}", &o.id.to_string());
    }
    if s.contains("{tomorrow}") {
        let t = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive() + chrono::Days::new(1);
        s = s.replace("{tomorrow}", &t.to_string());
    }
    if s.contains("{cadence_body}") {
        let r = app.store.cadence_rules().await.unwrap();
        let body = serde_json::json!({"version": r.version, "rules": r.value});
        s = s.replace("{cadence_body}", &body.to_string());
    }
    if s.contains("{greetings_body}") {
        let r = app.store.setting::<keqing_core::greeting::GreetingRules>("greetings").await.unwrap();
        let body = serde_json::json!({"version": r.version, "rules": r.value});
        s = s.replace("{greetings_body}", &body.to_string());
    }
    if s.contains("{occasions_body}") {
        let r = app.store.occasion_rules().await.unwrap();
        let body = serde_json::json!({"version": r.version, "rules": r.value});
        s = s.replace("{occasions_body}", &body.to_string());
    }
    if s.contains("{rules_version}") {
        let v = app.store.classification_rules().await.unwrap().version;
        s = s.replace("{rules_version}", &v.to_string());
    }
    if s.contains("{csrf}") {
        s = s.replace("{csrf}", &co.csrf[who]);
    }
    if s.contains("{reminders_version}") {
        let v = match &co.users[who] {
            Some(u) => app.store.notification_prefs(u.id).await.unwrap().1,
            None => 0,
        };
        s = s.replace("{reminders_version}", &v.to_string());
    }
    if s.contains("{me_version}") {
        let v = match &co.users[who] {
            Some(u) => app.store.user(u.id).await.unwrap().version,
            None => 1,
        };
        s = s.replace("{me_version}", &v.to_string());
    }
    s
}

#[tokio::test]
async fn every_route_answers_every_kind_of_user_as_the_table_says() {
    let app = spawn_app().await;
    let co = company(&app).await;
    let mut failures = Vec::new();
    for (index, r) in table().into_iter().enumerate() {
        // A year no notice exists for, one per row (only admins' requests
        // create it), shared by each request's path and body.
        let future_year = (2030 + index % 70).to_string();
        for (who, role) in ROLES.iter().enumerate() {
            let fill = |text: &'static str| {
                let text = text.replace("{future_year}", &future_year);
                let (app, co) = (&app, &co);
                async move { fill(app, co, who, &text).await }
            };
            let path = fill(r.path).await;
            let client = &co.clients[who];
            let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
            let mut req = client.request(method, app.url(&path));
            req = match &r.body {
                NoBody => req,
                Json(b) => req.header("content-type", "application/json").body(fill(b).await),
                Form(b) => req.header("content-type", "application/x-www-form-urlencoded").body(fill(b).await),
                Csv(b) => req.header("content-type", "text/csv").body(fill(b).await),
                Multipart(y) => {
                    let year = fill(y).await;
                    let form = reqwest::multipart::Form::new()
                        .text("year", year.clone())
                        .text("action", "preview")
                        .text("csv", format!("date,kind,name\n{year}-01-01,off,元旦\n"));
                    req.multipart(form)
                }
                Upload(csv) => {
                    let part = reqwest::multipart::Part::bytes(fill(csv).await.into_bytes()).file_name("people.csv");
                    req.multipart(reqwest::multipart::Form::new().text("encoding", "auto").part("file", part))
                }
            };
            let resp = req.send().await.unwrap();
            let got = resp.status().as_u16();
            if got != r.expect[who] {
                let body = resp.text().await.unwrap_or_default();
                failures.push(format!(
                    "{} {} as {}: expected {}, got {got}: {}",
                    r.method,
                    path,
                    role,
                    r.expect[who],
                    body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The table must name every operation of the OpenAPI document.
#[test]
fn the_table_covers_every_api_route() {
    let doc = serde_json::to_value(keqing_web::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), normalise(path)));
        }
    }
    let tested: BTreeSet<(String, String)> =
        table().iter().map(|r| (r.method.to_owned(), normalise(r.path.split('?').next().unwrap()))).collect();
    let missing: Vec<_> = documented.difference(&tested).collect();
    assert!(missing.is_empty(), "routes without an authorization row: {missing:#?}");
}

/// `/api/v1/users/{id}` and `/api/v1/users/{new_user}` are the same route.
fn normalise(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}
