//! Greeting drafts: a text written for one person from the company's
//! templates, the copy-paste guard, sending (which logs the message), and
//! the templates themselves.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use keqing_core::calendar::festival::Festival;
use keqing_core::greeting::{
    self, GreetingContext, GreetingOccasion, GreetingRules, Memory, Sent, check_template, form_of_address,
};
use keqing_core::model::{InteractionKind, MessageChannel};
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The key of the greeting rules setting.
pub const GREETINGS: &str = "greetings";

/// How far back the guard looks for texts already sent.
const GUARD_DAYS: u64 = 90;

/// Which draft.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    /// The person.
    pub person_id: i64,
    /// The agenda item it is for (`fest:mid_autumn:p12:2026-09-25`, `bday:p12:…`);
    /// it names the occasion.
    pub key: Option<String>,
    /// The occasion in words, when there is no item ("乔迁").
    pub occasion: Option<String>,
}

/// A draft.
#[derive(Serialize, ToSchema)]
pub struct DraftOut {
    /// The text, to edit.
    pub text: String,
    /// The occasion in words.
    pub occasion: String,
    /// How many people already received (nearly) this text.
    pub similar_sent: usize,
    /// Whether that is enough to warn (the company's threshold).
    pub warn: bool,
}

/// A text to check or send.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GreetingIn {
    /// The person.
    pub person_id: i64,
    /// The text as edited.
    pub text: String,
    /// `wechat`, `sms`, `wecom`, `card` (sending; default `wechat`).
    #[serde(default)]
    pub channel: Option<String>,
    /// The agenda item it completes.
    #[serde(default)]
    pub agenda_key: Option<String>,
    /// The occasion in words.
    #[serde(default)]
    pub occasion: Option<String>,
    /// Send even though the guard warns.
    #[serde(default)]
    pub confirm: bool,
}

/// What the guard says.
#[derive(Serialize, ToSchema)]
pub struct GuardOut {
    /// How many people already received (nearly) this text.
    pub similar_sent: usize,
    /// Whether to warn.
    pub warn: bool,
}

/// The templates and their version.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatesIo {
    /// The version you read (0: the defaults).
    pub version: i64,
    /// `templates` (each `{occasion: festival|birthday|other, text}`), `similar_percent`,
    /// `warn_after`. Fields a template may use: name, address, organisation, occasion,
    /// age, spouse, child, tastes, gift_preferences, last_help {what, on},
    /// last_gift {what, on}, rep, years_known.
    #[schema(value_type = Object)]
    pub rules: GreetingRules,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_draft))
        .routes(routes!(check))
        .routes(routes!(send))
        .routes(routes!(get_templates, put_templates))
}

/// The occasion an agenda key names: the kind and the words.
pub(crate) fn occasion_of(key: Option<&str>, words: Option<&str>, zh: bool) -> (GreetingOccasion, String) {
    let key = key.unwrap_or("");
    if let Some(rest) = key.strip_prefix("fest:") {
        let name = rest.split(':').next().unwrap_or("");
        if let Some(f) = Festival::ALL.into_iter().find(|f| f.as_str() == name) {
            return (GreetingOccasion::Festival, f.label(zh).to_owned());
        }
    }
    if key.starts_with("bday:") {
        return (GreetingOccasion::Birthday, if zh { "生日".into() } else { "birthday".into() });
    }
    let w = words.map(str::trim).filter(|w| !w.is_empty()).unwrap_or(if zh { "节日" } else { "the day" });
    (GreetingOccasion::Other, w.to_owned())
}

fn when(d: NaiveDate, today: NaiveDate, zh: bool) -> String {
    match (today.year() - d.year(), zh) {
        (0, true) => format!("今年{}月", d.month()),
        (1, true) => format!("去年{}月", d.month()),
        (_, true) => format!("{}年{}月", d.year(), d.month()),
        (_, false) => d.format("%B %Y").to_string(),
    }
}

/// The draft for one person, and what the guard says about it.
pub(crate) async fn draft_for(
    state: &AppState,
    auth: &Auth,
    person: PersonId,
    key: Option<&str>,
    words: Option<&str>,
) -> Result<DraftOut> {
    auth.require(Permission::ViewPersonalDetails)?;
    let zh = auth.ctx.lang.is_zh();
    let scope = auth.customer_scope(state).await?;
    let f = state.store.greeting_facts(&scope, person).await?;
    let rules = state.store.setting::<GreetingRules>(GREETINGS).await?.value;
    let today = state.today();
    let (kind, occasion) = occasion_of(key, words, zh);
    let p = &f.person;
    let age = if kind == GreetingOccasion::Birthday {
        p.birthday.and_then(|b| b.age_on_next(today, &state.settings.date_policy))
    } else {
        None
    };
    let ctx = GreetingContext {
        name: p.name.clone(),
        address: form_of_address(&p.name, p.gender, p.position.as_deref(), f.class),
        organisation: p.organisation_name.clone(),
        occasion: occasion.clone(),
        age,
        spouse: f.spouse.clone(),
        child: f.child.clone(),
        tastes: p.tastes.clone(),
        gift_preferences: p.gift_preferences.clone(),
        last_help: f.briefing.last_help.as_ref().map(|(w, d)| Memory { what: w.clone(), on: when(*d, today, zh) }),
        last_gift: f.briefing.last_gift.as_ref().map(|(w, d)| Memory { what: w.clone(), on: when(*d, today, zh) }),
        rep: auth.user.display_name.clone(),
        years_known: Some((today - p.created_at.date_naive()).num_days() / 365).filter(|y| *y > 0),
    };
    let text = greeting::draft(&rules, kind, &ctx, person.0 as u64, today.year());
    let similar_sent = guard(state, auth, &rules, &text, &ctx.name, &ctx.address).await?;
    Ok(DraftOut { text, occasion, similar_sent, warn: similar_sent >= rules.warn_after })
}

/// How many already received (nearly) `text`, about to go to the person of `f`.
pub(crate) async fn guard_person(
    state: &AppState,
    auth: &Auth,
    rules: &GreetingRules,
    f: &keqing_store::agenda::GreetingFacts,
    text: &str,
) -> Result<usize> {
    let address = form_of_address(&f.person.name, f.person.gender, f.person.position.as_deref(), f.class);
    guard(state, auth, rules, text, &f.person.name, &address).await
}

/// How many already received (nearly) `text`.
async fn guard(
    state: &AppState,
    auth: &Auth,
    rules: &GreetingRules,
    text: &str,
    name: &str,
    address: &str,
) -> Result<usize> {
    let since = state.today() - chrono::Days::new(GUARD_DAYS);
    let sent: Vec<Sent> = state
        .store
        .sent_greetings(auth.user.id, since)
        .await?
        .into_iter()
        .filter(|(_, who)| who != name)
        .map(|(text, who)| {
            let surname: String = who.chars().take(1).collect();
            Sent {
                text, personal: vec![who, format!("{surname}总"), format!("{surname}姐"), format!("{surname}哥")]
            }
        })
        .collect();
    Ok(greeting::similar_count(rules, text, &[name, address], &sent))
}

/// A greeting drafted for one person, with how many received nearly the same text.
#[utoipa::path(get, path = "/api/v1/greetings/draft", tag = "greetings", params(DraftQuery),
    responses((status = 200, body = DraftOut), (status = 404, body = super::ErrorBody)))]
pub async fn get_draft(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DraftQuery>,
) -> Result<axum::Json<DraftOut>> {
    Ok(axum::Json(draft_for(&state, &auth, PersonId(q.person_id), q.key.as_deref(), q.occasion.as_deref()).await?))
}

/// The copy-paste guard for an edited text.
#[utoipa::path(post, path = "/api/v1/greetings/check", tag = "greetings", request_body = GreetingIn,
    responses((status = 200, body = GuardOut), (status = 404, body = super::ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<GreetingIn>,
) -> Result<axum::Json<GuardOut>> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    let f = state.store.greeting_facts(&scope, PersonId(input.person_id)).await?;
    let rules = state.store.setting::<GreetingRules>(GREETINGS).await?.value;
    let n = guard_person(&state, &auth, &rules, &f, &input.text).await?;
    Ok(axum::Json(GuardOut { similar_sent: n, warn: n >= rules.warn_after }))
}

/// Marks a greeting sent: logs the message (the text in its notes). When
/// the guard warns, `confirm: true` is needed; otherwise 422 on `text`.
#[utoipa::path(post, path = "/api/v1/greetings/send", tag = "greetings", request_body = GreetingIn,
    responses((status = 201, body = super::interactions::InteractionOut), (status = 422, body = super::ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<GreetingIn>,
) -> Result<(StatusCode, axum::Json<super::interactions::InteractionOut>)> {
    let i = send_greeting(&state, &auth, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(super::interactions::InteractionOut::new(&i, true, auth.ctx.lang.is_zh()))))
}

pub(crate) async fn send_greeting(
    state: &AppState,
    auth: &Auth,
    input: &GreetingIn,
) -> Result<keqing_store::interactions::Interaction> {
    auth.require(Permission::WriteCustomers)?;
    auth.require(Permission::ViewPersonalDetails)?;
    let mut e = FieldErrors::default();
    let text = e.take("text", validate::required_line(&input.text.replace(['\n', '\r'], " "), 1000));
    let channel = match input.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => Some(MessageChannel::Wechat),
        Some(c) => e.take("channel", MessageChannel::parse(c)),
    };
    let occasion = e.take("occasion", validate::optional_line(input.occasion.as_deref().unwrap_or(""), limits::NAME));
    let (Some(text), Some(channel), Some(occasion)) = (text, channel, occasion) else {
        return Err(Error::Validation(e));
    };
    let scope = auth.customer_scope(state).await?;
    let f = state.store.greeting_facts(&scope, PersonId(input.person_id)).await?;
    if !input.confirm {
        let rules = state.store.setting::<GreetingRules>(GREETINGS).await?.value;
        let n = guard_person(state, auth, &rules, &f, &text).await?;
        if n >= rules.warn_after {
            return Err(Error::Validation(FieldErrors::one("text", Problem::Rule { rule: "copy_paste" })));
        }
    }
    // The same checks as any logged contact (the agenda key's form, lengths).
    let d = keqing_core::model::InteractionDraft {
        kind: InteractionKind::Message.as_str().to_owned(),
        people: vec![f.person.id],
        channel: channel.as_str().to_owned(),
        occasion: occasion.unwrap_or_default(),
        notes: text,
        agenda_key: input.agenda_key.clone().unwrap_or_default(),
        ..Default::default()
    }
    .parse(state.today())
    .map_err(Error::Validation)?;
    Ok(state.store.log_interaction(&auth.actor(), &scope, &d).await?)
}

/// The greeting templates.
#[utoipa::path(get, path = "/api/v1/greetings/templates", tag = "greetings", responses((status = 200, body = TemplatesIo)))]
pub async fn get_templates(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<TemplatesIo>> {
    auth.require(Permission::ReadCustomers)?;
    let r = state.store.setting::<GreetingRules>(GREETINGS).await?;
    Ok(axum::Json(TemplatesIo { version: r.version, rules: r.value }))
}

/// Changes the templates (admin; audited). A template naming a field that
/// does not exist is refused with the field's name.
#[utoipa::path(put, path = "/api/v1/greetings/templates", tag = "greetings", request_body = TemplatesIo,
    responses((status = 200, body = TemplatesIo), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_templates(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<TemplatesIo>,
) -> Result<axum::Json<TemplatesIo>> {
    auth.require(Permission::ManageReferenceData)?;
    let mut e = FieldErrors::default();
    for (i, t) in input.rules.templates.iter().enumerate() {
        if let Err(p) = check_template(&t.text) {
            e.push(format!("rules.templates[{i}].text"), p);
        }
    }
    if !(50..=100).contains(&input.rules.similar_percent) {
        e.push("rules.similar_percent", Problem::OutOfRange { min: 50, max: 100 });
    }
    if !(1..=1000).contains(&input.rules.warn_after) {
        e.push("rules.warn_after", Problem::OutOfRange { min: 1, max: 1000 });
    }
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let r = state.store.set_setting(&auth.actor(), GREETINGS, input.version, &input.rules).await?;
    Ok(axum::Json(TemplatesIo { version: r.version, rules: r.value }))
}
