//! The home page: Today. A rep sees whom to visit, call or congratulate
//! today and why, with the briefing and one tap to log it done or snooze
//! it; `?days=7` is the week; a manager also sees each rep's count and can
//! open a rep's agenda (`?user_id=`).

use super::{Chrome, FormErrors, escape, render};
use crate::AppState;
use crate::agenda::{self, briefing_line, check_days, parse_date};
use crate::api::agenda::{SnoozeIn, TeamRow, check_snooze, team_day};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use keqing_core::agenda::Section;
use keqing_core::agenda::occasion::Action;
use keqing_core::model::InteractionDraft;
use keqing_core::{OrganisationId, Permission, PersonId, UserId};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(home)).route("/today/done", post(done)).route("/today/snooze", post(snooze))
}

/// One item as the page shows it.
struct ItemView {
    key: String,
    overdue: bool,
    overdue_days: i64,
    due: NaiveDate,
    section: &'static str,
    action: Action,
    action_label: &'static str,
    logs: &'static str,
    name: String,
    href: String,
    place: Option<String>,
    person_id: Option<i64>,
    organisation_id: Option<i64>,
    reason: String,
    briefing: String,
}

impl ItemView {
    fn gift(&self) -> bool {
        self.action == Action::Gift
    }
    fn message(&self) -> bool {
        self.action == Action::Message
    }
    /// A greeting can be drafted: a person's festival, birthday or family day.
    fn greetable(&self) -> bool {
        self.person_id.is_some()
            && matches!(self.action, Action::Message | Action::Gift)
            && ["fest:", "bday:", "fbday:", "wed:", "ms:"].iter().any(|p| self.key.starts_with(p))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HomeQuery {
    date: Option<String>,
    days: Option<u16>,
    user_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    display_name: String,
    roles: Vec<&'static str>,
    team: Option<String>,
    organisations: i64,
    people: i64,
    failed_jobs: Option<i64>,
    /// A holiday year the admin should import (from 1 November: next year).
    year_to_import: Option<i32>,
    /// Whose agenda (another rep's, for a manager).
    agenda_of: Option<String>,
    agenda_user: Option<i64>,
    today: NaiveDate,
    week: bool,
    overdue: usize,
    /// The items grouped: (heading, items).
    groups: Vec<(String, Vec<ItemView>)>,
    /// The team's counts, for managers.
    team_rows: Vec<TeamRow>,
    /// `&user_id=…` when showing another rep's agenda.
    who_query: String,
    team_overdue: usize,
    /// Last month's statement: the rep's filing, a checker's signatures, reps late to file.
    expense_lines: Vec<keqing_core::notify::DigestLine>,
}

fn section_key(s: Section) -> &'static str {
    match s {
        Section::Overdue => "overdue",
        Section::Visits => "visits",
        Section::Calls => "calls",
        Section::Occasions => "occasions",
        Section::FollowUps => "follow_ups",
    }
}

async fn home(State(state): State<AppState>, auth: Auth, Query(q): Query<HomeQuery>) -> Result<Response> {
    let c = Chrome::new(&auth.ctx);
    let zh = auth.ctx.lang.is_zh();
    let today = parse_date(&state, q.date.as_deref())?;
    let days = check_days(q.days)?;
    let a = agenda::build(&state, &auth, q.user_id.map(UserId), today, days).await?;
    let views: Vec<ItemView> = a
        .items
        .iter()
        .map(|i| {
            let (name, href) = match (&i.person, &i.organisation) {
                (Some(p), _) => (p.name.clone(), format!("/people/{}", p.id)),
                (None, Some(o)) => (o.name.clone(), format!("/customers/{}", o.id)),
                (None, None) => (String::new(), "/".to_owned()),
            };
            ItemView {
                key: i.key.clone(),
                overdue: i.section == Section::Overdue,
                overdue_days: i.overdue_days,
                due: i.due,
                section: section_key(i.section),
                action: i.action,
                action_label: i.action.label(zh),
                logs: i.action.logs().as_str(),
                name,
                href,
                place: i.person.as_ref().and(i.organisation.as_ref()).map(|o| o.name.clone()),
                person_id: i.person.as_ref().map(|p| p.id.0),
                organisation_id: i.organisation.as_ref().map(|o| o.id.0),
                reason: i.why.explain(a.today, zh),
                briefing: i
                    .person
                    .as_ref()
                    .and_then(|p| a.briefings.get(&p.id))
                    .map(|b| briefing_line(b, a.today, zh))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let mut groups: Vec<(String, Vec<ItemView>)> = Vec::new();
    for v in views {
        let heading = if days > 1 && !v.overdue {
            let d = v.due.max(a.today);
            let wd = weekday(d, zh);
            if zh {
                format!("{}月{}日 {wd}", chrono::Datelike::month(&d), chrono::Datelike::day(&d))
            } else {
                format!("{} {wd}", d.format("%d %b"))
            }
        } else {
            c.t(&format!("today.section.{}", v.section)).to_owned()
        };
        match groups.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, items)) => items.push(v),
            None => groups.push((heading, vec![v])),
        }
    }
    if days > 1 {
        // The week: overdue first, then by day.
        groups.sort_by_key(|(_, items)| (!items[0].overdue, items[0].due));
    }
    // The team's counts for a manager of a team (not for company-wide
    // scopes: an admin opens a rep's agenda with `/?user_id=`).
    let scope = auth.customer_scope(&state).await?;
    let scoped = scope.owners().is_some_and(|o| o.len() > 1);
    let (team_rows, team_overdue) = if auth.can(Permission::ReassignCustomers) && scoped && q.user_id.is_none() {
        let t = team_day(&state, &auth, today).await?;
        (t.reps, t.overdue)
    } else {
        (Vec::new(), 0)
    };
    let (_, organisations) = state.store.list_organisations(&scope, &Default::default(), 1, 0).await?;
    let (_, people) = state.store.list_people(&scope, &Default::default(), 1, 0).await?;
    let team = match auth.user.team_id {
        Some(t) => Some(state.store.team(t).await?.name),
        None => None,
    };
    let failed_jobs = if auth.can(Permission::ManageUsers) {
        Some(state.store.job_counts().await?.1).filter(|n| *n > 0)
    } else {
        None
    };
    let year_to_import = if auth.can(Permission::ManageReferenceData) {
        state.calendar().await?.year_to_import(state.today())
    } else {
        None
    };
    let roles = auth.user.roles.iter().map(|r| c.role_label(r.as_str())).collect();
    let expense_lines = if a.user == auth.user.id {
        crate::api::statements::reminders(&state, &auth.user, a.today, zh).await?
    } else {
        Vec::new()
    };
    render(&HomePage {
        expense_lines,
        display_name: auth.user.display_name.clone(),
        roles,
        team,
        organisations,
        people,
        failed_jobs,
        year_to_import,
        agenda_of: (a.user != auth.user.id).then(|| a.user_name.clone()),
        agenda_user: (a.user != auth.user.id).then_some(a.user.0),
        today: a.today,
        week: days > 1,
        overdue: a.overdue(),
        groups,
        team_rows,
        team_overdue,
        who_query: if a.user != auth.user.id { format!("&user_id={}", a.user.0) } else { String::new() },
        c,
    })
}

/// "Done" on an item: logs the contact it asks for.
#[derive(Deserialize)]
struct DoneForm {
    key: String,
    kind: String,
    person_id: Option<i64>,
    organisation_id: Option<i64>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    gift_item: String,
    #[serde(default)]
    gift_value: String,
    #[serde(default)]
    channel: String,
}

/// A form's problems as a fragment the item shows (htmx swaps 422s in).
fn problems(auth: &Auth, e: &keqing_core::FieldErrors) -> Response {
    let lang = auth.ctx.lang;
    let text: Vec<String> = FormErrors::from(lang, e)
        .all()
        .iter()
        .map(|(f, m)| format!("{}: {m}", lang.t(&format!("today.field.{}", f.split('[').next().unwrap_or(f)))))
        .collect();
    let body = format!("<p class=\"error\" role=\"alert\">{}</p>", escape(&text.join("；")));
    (StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response()
}

fn weekday(d: NaiveDate, zh: bool) -> &'static str {
    use chrono::Datelike;
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = d.weekday().num_days_from_monday() as usize;
    if zh { ZH[i] } else { EN[i] }
}

fn htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

async fn done(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<DoneForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let draft = InteractionDraft {
        kind: f.kind.clone(),
        organisation_id: f.organisation_id.map(OrganisationId),
        people: f.person_id.map(PersonId).into_iter().collect(),
        notes: f.notes.clone(),
        gift_item: f.gift_item.clone(),
        gift_value: f.gift_value.clone(),
        channel: f.channel.clone(),
        agenda_key: f.key.clone(),
        ..Default::default()
    };
    let scope = auth.customer_scope(&state).await?;
    let result = match draft.parse(state.today()) {
        Ok(d) => state.store.log_interaction(&auth.actor(), &scope, &d).await.map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(i) => {
            if !htmx(&headers) {
                return Ok(Redirect::to("/").into_response());
            }
            let msg = format!("✓ {} · {}", auth.ctx.lang.t("today.logged"), i.kind.label(auth.ctx.lang.is_zh()));
            Ok(Html(format!("<li class=\"item done\" data-key=\"{}\">{}</li>", escape(&f.key), escape(&msg)))
                .into_response())
        }
        Err(Error::Validation(e)) if htmx(&headers) => Ok(problems(&auth, &e)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct SnoozeForm {
    key: String,
    days: i64,
    #[serde(default)]
    reason: String,
}

async fn snooze(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<SnoozeForm>,
) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let until =
        state.today().checked_add_signed(chrono::Duration::days(f.days.clamp(-1, 365))).unwrap_or(state.today());
    let input = SnoozeIn { key: f.key.clone(), until: until.to_string(), reason: f.reason.clone() };
    match check_snooze(&state, &input) {
        Ok((key, until, reason)) => {
            state.store.snooze(&auth.actor(), &key, until, &reason).await?;
            if !htmx(&headers) {
                return Ok(Redirect::to("/").into_response());
            }
            let msg = format!("⏸ {} {until}", auth.ctx.lang.t("today.snoozed_until"));
            Ok(Html(format!("<li class=\"item done\" data-key=\"{}\">{}</li>", escape(&key), escape(&msg)))
                .into_response())
        }
        Err(Error::Validation(e)) if htmx(&headers) => Ok(problems(&auth, &e)),
        Err(e) => Err(e),
    }
}
