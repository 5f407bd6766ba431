//! People pages: the list, the briefing a rep opens before a visit, the
//! forms, family and relations, and the PIPL actions for admins.

use super::customers::Choice;
use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::people::{AffiliationIn, PersonIn, PersonQuery, ReferralNode, draft_of, referral_forest};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Form, Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use keqing_core::model::archive::TIES;
use keqing_core::model::{Birthday, FamilyRelation, Gender, InteractionKind, LegalBasis, MilestoneKind, PersonDraft};
use keqing_core::validate::{self, FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, PersonId, UserId};
use keqing_store::people::{FamilyData, FamilyMember, Person, PersonFilter, RelationView};
use keqing_store::users::User;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(list))
        .route("/people/new", get(new_form).post(create))
        .route("/people/options", get(person_options))
        .route("/regions/options", get(region_options))
        .route("/people/{id}", get(detail))
        .route("/people/{id}/edit", get(edit_form).post(save))
        .route("/people/{id}/family", post(add_family))
        .route("/people/{id}/relations", post(add_relation))
        .route("/people/{id}/erase", post(erase))
        .route("/people/{id}/interactions", post(log_contact))
        .route("/people/{id}/occasions", post(add_occasion))
        .route("/occasions/{id}/delete", post(delete_occasion))
        .route("/family/{id}/delete", post(delete_family))
        .route("/family/{id}/milestones", post(add_milestone))
        .route("/relations/{id}/delete", post(delete_relation))
        .route("/referrals", get(referrals))
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    c: Chrome,
    q: String,
    items: Vec<Person>,
    total: i64,
    next: Option<String>,
    prev: Option<String>,
    can_write: bool,
}

async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<PersonQuery>) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let (limit, offset) = crate::api::paging(Some(q.limit.unwrap_or(30)), q.offset)?;
    let text = q.q.clone().unwrap_or_default();
    let filter = PersonFilter {
        q: q.q.clone(),
        organisation: q.organisation_id.map(OrganisationId),
        owner: q.owner_id.map(UserId),
        orphans: q.orphans.unwrap_or(false),
    };
    let scope = auth.customer_scope(&state).await?;
    let (items, total) = state.store.list_people(&scope, &filter, limit, offset).await?;
    let link = |o: i64| format!("/people?q={}&offset={o}", crate::context::urlencode(&text));
    render(&ListPage {
        c: Chrome::new(&auth.ctx),
        next: (offset + limit < total).then(|| link(offset + limit)),
        prev: (offset > 0).then(|| link((offset - limit).max(0))),
        q: text,
        items,
        total,
        can_write: auth.can(Permission::WriteCustomers),
    })
}

/// A line of the briefing: a family member with what is coming up.
struct FamilyLine {
    member: FamilyMember,
    next_birthday: Option<NaiveDate>,
    upcoming: Vec<(String, NaiveDate)>,
}

#[derive(Template)]
#[template(path = "person.html")]
struct DetailPage {
    c: Chrome,
    p: Person,
    personal: bool,
    birthday_words: Option<String>,
    next_birthday: Option<NaiveDate>,
    age_next: Option<i32>,
    adjustment: Option<&'static str>,
    family: Vec<FamilyLine>,
    relations: Vec<RelationView>,
    relation_kinds: Vec<Choice>,
    today: NaiveDate,
    family_relations: Vec<Choice>,
    milestone_kinds: Vec<Choice>,
    can_write: bool,
    is_admin: bool,
    errors: FormErrors,
    /// Contacts, newest first.
    timeline: Vec<super::TimelineLine>,
    /// Kinds for the quick log form.
    interaction_kinds: Vec<Choice>,
    /// Whether the user may read the audit log (the change history link).
    can_audit: bool,
    /// Dates to remember: id, label, when in words.
    occasions: Vec<(i64, String, String)>,
}

impl DetailPage {
    fn relation_label(&self, r: &RelationView) -> &'static str {
        r.kind.other_is(r.outgoing, self.c.lang.is_zh())
    }
    fn past(&self, d: &NaiveDate) -> bool {
        *d < self.today
    }
    fn family_label(&self, m: &FamilyMember) -> &'static str {
        m.relation.label(self.c.lang.is_zh())
    }
    fn milestone_label(&self, k: &MilestoneKind) -> &'static str {
        k.label(self.c.lang.is_zh())
    }
    fn legal(&self, l: &LegalBasis) -> &'static str {
        l.label(self.c.lang.is_zh())
    }
}

fn zh_choices<T: Copy>(
    all: &[T],
    id: fn(T) -> &'static str,
    label: fn(T, bool) -> &'static str,
    zh: bool,
) -> Vec<Choice> {
    all.iter().map(|x| Choice { value: id(*x).to_owned(), label: label(*x, zh).to_owned() }).collect()
}

async fn detail_page(state: &AppState, auth: &Auth, id: i64, errors: FormErrors) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(state).await?;
    let personal = auth.can(Permission::ViewPersonalDetails);
    let p = if personal {
        state.store.view_person(&auth.actor(), &scope, PersonId(id)).await?
    } else {
        state.store.person(&scope, PersonId(id)).await?
    };
    let today = state.today();
    let policy = state.settings.date_policy;
    let zh = auth.ctx.lang.is_zh();
    let next = p.birthday.filter(|_| personal).and_then(|b| b.next_on_or_after(today, &policy));
    let family = if personal {
        state
            .store
            .family(&scope, p.id)
            .await?
            .into_iter()
            .map(|m| FamilyLine {
                next_birthday: m.birthday.and_then(|b| b.next_on_or_after(today, &policy)).map(|r| r.date),
                upcoming: m
                    .milestones
                    .iter()
                    .filter(|x| x.on_date >= today)
                    .map(|x| (x.kind.label(zh).to_owned(), x.on_date))
                    .collect(),
                member: m,
            })
            .collect()
    } else {
        Vec::new()
    };
    let relations = if personal { state.store.relations(&scope, p.id).await? } else { Vec::new() };
    let filter = keqing_store::interactions::InteractionFilter { person: Some(p.id), limit: 100, ..Default::default() };
    let timeline = super::timeline(&state.store.interactions(&scope, filter).await?, personal, zh);
    let occasions = if personal {
        state
            .store
            .custom_occasions(&scope, p.id)
            .await?
            .into_iter()
            .map(|o| {
                let when = match o.date {
                    keqing_core::agenda::CustomDate::Once { date } => date.to_string(),
                    keqing_core::agenda::CustomDate::Yearly { date } => {
                        format!("{}{}", if zh { "每年" } else { "yearly " }, date.words(zh))
                    }
                };
                (o.id, o.label, when)
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&DetailPage {
        c: Chrome::new(&auth.ctx),
        personal,
        birthday_words: p.birthday.filter(|_| personal).map(|b| b.words(zh)),
        next_birthday: next.map(|r| r.date),
        age_next: p.birthday.filter(|_| personal).and_then(|b| b.age_on_next(today, &policy)),
        adjustment: next.and_then(|r| r.adjustment).map(|a| a.explain(zh)),
        family,
        relations,
        relation_kinds: TIES
            .iter()
            .map(|t| Choice { value: t.id.to_owned(), label: (if zh { t.zh } else { t.en }).to_owned() })
            .collect(),
        today,
        family_relations: zh_choices(FamilyRelation::ALL, FamilyRelation::as_str, FamilyRelation::label, zh),
        milestone_kinds: zh_choices(MilestoneKind::ALL, MilestoneKind::as_str, MilestoneKind::label, zh),
        can_write: auth.can(Permission::WriteCustomers) && p.erased_at.is_none(),
        is_admin: auth.can(Permission::ManageUsers),
        errors,
        timeline,
        interaction_kinds: zh_choices(InteractionKind::ALL, InteractionKind::as_str, InteractionKind::label, zh),
        can_audit: auth.can(Permission::ViewAudit),
        occasions,
        p,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn detail(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    detail_page(&state, &auth, id, FormErrors::default()).await
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    c: Chrome,
    id: Option<i64>,
    version: i64,
    f: PersonDraft,
    org_name: String,
    /// What was typed into the organisation picker when it named nothing.
    org_text: String,
    genders: Vec<Choice>,
    bases: Vec<Choice>,
    owners: Vec<User>,
    errors: FormErrors,
}

impl FormPage {
    fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "gender" => self.f.gender == value,
            "legal_basis" => self.f.legal_basis == value,
            _ => false,
        }
    }
    fn owner_is(&self, u: &UserId) -> bool {
        self.f.owner == Some(*u)
    }
    fn org_pick(&self) -> String {
        match self.f.organisation {
            Some(o) => format!("{} #{}", self.org_name, o.0),
            None => self.org_text.clone(),
        }
    }
    fn other_phones(&self) -> String {
        self.f.other_phones.join("，")
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    id: Option<i64>,
    version: i64,
    (f, org_text): (PersonDraft, String),
    errors: FormErrors,
) -> Result<Response> {
    let zh = auth.ctx.lang.is_zh();
    let scope = auth.customer_scope(state).await?;
    let org_name = match f.organisation {
        Some(o) => state.store.organisation(&scope, o).await.map(|o| o.name).unwrap_or_default(),
        None => String::new(),
    };
    let owners = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none() && scope.contains(u.id) && u.roles.can(Permission::WriteCustomers))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&FormPage {
        c: Chrome::new(&auth.ctx),
        id,
        version,
        org_name,
        org_text,
        genders: zh_choices(Gender::ALL, Gender::as_str, Gender::label, zh),
        bases: zh_choices(LegalBasis::ALL, LegalBasis::as_str, LegalBasis::label, zh),
        owners,
        f,
        errors,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

#[derive(Deserialize, Default)]
struct NewQuery {
    organisation_id: Option<i64>,
}

async fn new_form(State(state): State<AppState>, auth: Auth, Query(q): Query<NewQuery>) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let f = PersonDraft {
        owner: Some(auth.user.id),
        organisation: q.organisation_id.map(OrganisationId),
        legal_basis: "consent".into(),
        ..Default::default()
    };
    form_page(&state, &auth, None, 0, (f, String::new()), FormErrors::default()).await
}

#[derive(Deserialize, Default)]
struct PersonForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    other_phones: String,
    #[serde(default)]
    wechat: String,
    #[serde(default)]
    qq: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address: String,
    /// The organisation picker: "name #id" (or just the id).
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    interests: String,
    #[serde(default)]
    tastes: String,
    #[serde(default)]
    gift_preferences: String,
    #[serde(default)]
    taboos: String,
    #[serde(default)]
    how_we_met: String,
    #[serde(default)]
    info_source: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    owner_id: Option<String>,
}

/// A form's draft, its version and the organisation text when it named no
/// organisation (a validation error).
fn draft_from_form(
    f: PersonForm,
    default_owner: UserId,
    keep_affiliations: Vec<AffiliationIn>,
) -> (PersonDraft, i64, Option<String>) {
    let org_text = f.organisation.trim().to_owned();
    let org = pick_id(&org_text);
    let bad_org = (!org_text.is_empty() && org.is_none()).then_some(org_text);
    let input = PersonIn {
        name: f.name,
        gender: Some(f.gender),
        phone: Some(f.phone),
        other_phones: f
            .other_phones
            .split([',', '，', ';', '；'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        wechat: Some(f.wechat),
        qq: Some(f.qq),
        email: Some(f.email),
        address: Some(f.address),
        organisation_id: org,
        position: Some(f.position),
        affiliations: keep_affiliations,
        birthday: Some(f.birthday),
        interests: Some(f.interests),
        tastes: Some(f.tastes),
        gift_preferences: Some(f.gift_preferences),
        taboos: Some(f.taboos),
        how_we_met: Some(f.how_we_met),
        info_source: Some(f.info_source),
        legal_basis: Some(f.legal_basis),
        notes: Some(f.notes),
        owner_id: f.owner_id.as_deref().and_then(|o| o.parse().ok()),
    };
    (draft_of(input, default_owner), f.version, bad_org)
}

/// The id in a picker value: "李建华 #42" → 42, "42" → 42.
fn pick_id(text: &str) -> Option<i64> {
    text.rsplit('#').next().and_then(|s| s.trim().parse().ok())
}

/// Parses a draft, adding the picker's problem to the others.
fn parse_person(
    draft: &PersonDraft,
    bad_org: &Option<String>,
) -> std::result::Result<keqing_core::model::PersonData, FieldErrors> {
    let mut e = match draft.parse() {
        Ok(d) if bad_org.is_none() => return Ok(d),
        Ok(_) => FieldErrors::default(),
        Err(e) => e,
    };
    if let Some(text) = bad_org {
        e.push("organisation_id", Problem::InRow { value: text.clone(), problem: Box::new(Problem::UnknownReference) });
    }
    Err(e)
}

async fn create(State(state): State<AppState>, auth: Auth, Form(f): Form<PersonForm>) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let (draft, _, bad_org) = draft_from_form(f, auth.user.id, Vec::new());
    let result = match parse_person(&draft, &bad_org) {
        Ok(d) => {
            let scope = auth.customer_scope(&state).await?;
            state.store.create_person(&auth.actor(), &scope, &d).await.map_err(Error::from)
        }
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(Error::Validation(e)) => {
            form_page(&state, &auth, None, 0, (draft, bad_org.unwrap_or_default()), FormErrors::from(auth.ctx.lang, &e))
                .await
        }
        Err(e) => Err(e),
    }
}

async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let p = state.store.person(&scope, PersonId(id)).await?;
    form_page(&state, &auth, Some(id), p.version, (PersonDraft::from(&p.data()), String::new()), FormErrors::default())
        .await
}

async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<PersonForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let current = state.store.person(&scope, PersonId(id)).await?;
    let keep = current
        .affiliations
        .iter()
        .filter(|a| !a.main)
        .map(|a| AffiliationIn { organisation_id: a.organisation_id.0, position: a.position.clone() })
        .collect();
    let (draft, version, bad_org) = draft_from_form(f, current.owner_id, keep);
    if draft.owner != Some(current.owner_id) {
        auth.require(Permission::ReassignCustomers)?;
    }
    let result = match parse_person(&draft, &bad_org) {
        Ok(d) => state.store.update_person(&auth.actor(), &scope, PersonId(id), version, &d).await.map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(Error::Validation(e)) => {
            let text = bad_org.unwrap_or_default();
            form_page(&state, &auth, Some(id), version, (draft, text), FormErrors::from(auth.ctx.lang, &e)).await
        }
        Err(Error::Conflict { .. }) => {
            let p = state.store.person(&scope, PersonId(id)).await?;
            let errors = FormErrors::from(
                auth.ctx.lang,
                &FieldErrors::one("version", Problem::Rule { rule: "edited_meanwhile" }),
            );
            form_page(&state, &auth, Some(id), p.version, (PersonDraft::from(&p.data()), String::new()), errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct FamilyForm {
    relation: String,
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    notes: String,
}

async fn add_family(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<FamilyForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let mut e = FieldErrors::default();
    let relation = e.take("family.relation", FamilyRelation::parse(&f.relation));
    let name = e.take("family.name", validate::required_line(&f.name, validate::limits::NAME));
    let gender = if f.gender.trim().is_empty() {
        Some(Gender::Unknown)
    } else {
        e.take("family.gender", Gender::parse(&f.gender))
    };
    let birthday = e.take("family.birthday", Birthday::parse(&f.birthday));
    let notes = e.take("family.notes", validate::optional_notes(&f.notes, 500));
    let (Some(relation), Some(name), Some(gender), Some(birthday), Some(notes)) =
        (relation, name, gender, birthday, notes)
    else {
        return detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &e)).await;
    };
    let scope = auth.customer_scope(&state).await?;
    state
        .store
        .add_family_member(&auth.actor(), &scope, PersonId(id), &FamilyData { relation, name, gender, birthday, notes })
        .await?;
    Ok(Redirect::to(&format!("/people/{id}#family")).into_response())
}

#[derive(Deserialize)]
struct OccasionForm {
    label: String,
    date: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    lead_days: String,
}

async fn add_occasion(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<OccasionForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let lead = f.lead_days.trim();
    let lead_days = if lead.is_empty() { None } else { Some(lead.parse::<i64>().unwrap_or(-1)) };
    let input = crate::api::occasions::OccasionIn { label: f.label, date: f.date, yearly: f.once != "1", lead_days };
    match crate::api::occasions::parse(&input) {
        Ok((label, date, lead)) => {
            let scope = auth.customer_scope(&state).await?;
            state.store.add_custom_occasion(&auth.actor(), &scope, PersonId(id), &label, date, lead).await?;
            Ok(Redirect::to(&format!("/people/{id}#occasions")).into_response())
        }
        Err(Error::Validation(e)) => {
            let prefixed = prefixed("occasion", e);
            detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &prefixed)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct OccasionDelete {
    person: i64,
}

async fn delete_occasion(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<OccasionDelete>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_custom_occasion(&auth.actor(), &scope, id).await?;
    Ok(Redirect::to(&format!("/people/{}#occasions", f.person)).into_response())
}

/// A form's problems with their fields under `prefix` ("log.kind"), so a
/// page with several forms shows each next to its own.
fn prefixed(prefix: &str, e: FieldErrors) -> FieldErrors {
    FieldErrors(
        e.0.into_iter()
            .map(|fe| keqing_core::validate::FieldError {
                field: format!("{prefix}.{}", fe.field),
                problem: fe.problem,
            })
            .collect(),
    )
}

/// The quick log form on a person's page.
#[derive(Deserialize)]
struct LogForm {
    kind: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    gift_item: String,
    #[serde(default)]
    gift_value: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    next_step: String,
    #[serde(default)]
    next_step_on: String,
}

async fn log_contact(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<LogForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let draft = keqing_core::model::InteractionDraft {
        kind: f.kind,
        on: f.on,
        people: vec![PersonId(id)],
        notes: f.notes,
        gift_item: f.gift_item,
        gift_value: f.gift_value,
        channel: f.channel,
        duration_minutes: f.duration_minutes,
        next_step: f.next_step,
        next_step_on: f.next_step_on,
        ..Default::default()
    };
    let scope = auth.customer_scope(&state).await?;
    let result = match draft.parse(state.today()) {
        Ok(d) => state.store.log_interaction(&auth.actor(), &scope, &d).await.map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}#timeline")).into_response()),
        Err(Error::Validation(e)) => {
            let prefixed = prefixed("log", e);
            detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &prefixed)).await
        }
        Err(e) => Err(e),
    }
}

async fn delete_family(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let person = person_of_family(&state, &scope, id).await?;
    state.store.delete_family_member(&auth.actor(), &scope, id).await?;
    Ok(Redirect::to(&format!("/people/{person}#family")).into_response())
}

async fn person_of_family(state: &AppState, scope: &keqing_core::Scope, family_id: i64) -> Result<i64> {
    // The family endpoints name the member; find whose family it is within scope.
    state.store.family_owner(scope, family_id).await.map(|p| p.0).map_err(Error::from)
}

#[derive(Deserialize)]
struct MilestoneForm {
    kind: String,
    on_date: String,
    #[serde(default)]
    notes: String,
}

async fn add_milestone(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<MilestoneForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let person = person_of_family(&state, &scope, id).await?;
    let mut e = FieldErrors::default();
    let kind = e.take("milestone.kind", MilestoneKind::parse(&f.kind));
    let on = e.take(
        "milestone.on_date",
        keqing_core::model::organisation::date(&f.on_date).and_then(|d| d.ok_or(Problem::Required)),
    );
    let notes = e.take("milestone.notes", validate::optional_line(&f.notes, 200));
    let (Some(kind), Some(on), Some(notes)) = (kind, on, notes) else {
        return detail_page(&state, &auth, person, FormErrors::from(auth.ctx.lang, &e)).await;
    };
    state.store.add_milestone(&auth.actor(), &scope, id, kind, on, notes.as_deref()).await?;
    Ok(Redirect::to(&format!("/people/{person}#family")).into_response())
}

#[derive(Deserialize)]
struct RelationForm {
    kind: String,
    #[serde(default)]
    to_person_id: String,
    #[serde(default)]
    notes: String,
}

async fn add_relation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<RelationForm>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let mut e = FieldErrors::default();
    let tie = TIES.iter().find(|t| t.id == f.kind.trim());
    if tie.is_none() {
        e.push("relation.kind", Problem::NotOneOf { allowed: TIES.iter().map(|t| t.id.to_owned()).collect() });
    }
    // The picker submits "name #id"; take the number after the last '#', or the whole value.
    let other = pick_id(&f.to_person_id);
    if other.is_none() {
        e.push("relation.to_person_id", Problem::UnknownReference);
    }
    let notes = e.take("relation.notes", validate::optional_line(&f.notes, 200));
    let (Some(tie), Some(other), Some(notes)) = (tie, other, notes) else {
        return detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &e)).await;
    };
    let scope = auth.customer_scope(&state).await?;
    let (from, to) = if tie.viewer_first { (id, other) } else { (other, id) };
    match state.store.relate(&auth.actor(), &scope, PersonId(from), PersonId(to), tie.kind, notes.as_deref()).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}#relations")).into_response()),
        Err(keqing_store::StoreError::Invalid(fe)) => {
            let fe = FieldErrors(
                fe.0.into_iter()
                    .map(|mut x| {
                        x.field = format!("relation.{}", x.field);
                        x
                    })
                    .collect(),
            );
            detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &fe)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct BackQuery {
    person: Option<i64>,
}

async fn delete_relation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<BackQuery>,
) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.unrelate(&auth.actor(), &scope, id).await?;
    Ok(Redirect::to(&q.person.map(|p| format!("/people/{p}#relations")).unwrap_or_else(|| "/people".to_owned()))
        .into_response())
}

#[derive(Deserialize)]
struct EraseForm {
    reason: String,
}

async fn erase(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> Result<Response> {
    auth.require(Permission::ManageUsers)?;
    let reason = validate::required_line(&f.reason, 200);
    let Ok(reason) = reason else {
        let e = FieldErrors::one("erase.reason", Problem::Required);
        return detail_page(&state, &auth, id, FormErrors::from(auth.ctx.lang, &e)).await;
    };
    state.store.erase_person(&auth.actor(), PersonId(id), &reason).await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

#[derive(Deserialize, Default)]
struct OptionsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    to_person_id: String,
    #[serde(default)]
    region_code: String,
}

/// `<option>`s of people in scope matching the text typed (for pickers).
async fn person_options(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OptionsQuery>,
) -> Result<Html<String>> {
    auth.require(Permission::ReadCustomers)?;
    let text = if q.q.is_empty() { q.to_person_id } else { q.q };
    let scope = auth.customer_scope(&state).await?;
    let (people, _) =
        state.store.list_people(&scope, &PersonFilter { q: Some(text), ..Default::default() }, 20, 0).await?;
    let mut html = String::new();
    for p in people {
        let org = p.organisation_name.as_deref().unwrap_or("");
        html.push_str(&format!(
            "<option value=\"{} #{}\">{}</option>",
            super::escape(&p.name),
            p.id,
            super::escape(org)
        ));
    }
    Ok(Html(html))
}

/// `<option>`s of regions matching the text typed.
async fn region_options(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<OptionsQuery>,
) -> Result<Html<String>> {
    let text = if q.q.is_empty() { q.region_code } else { q.q };
    let mut html = String::new();
    if text.trim().chars().count() >= 1 {
        for r in state.store.find_regions(&text, 20).await? {
            let path =
                state.store.region_path(&r.code).await?.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join(" ");
            html.push_str(&format!("<option value=\"{}\">{}</option>", r.code, super::escape(&path)));
        }
    }
    Ok(Html(html))
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    c: Chrome,
    rows: Vec<ReferralRow>,
}

/// A line of the referral tree, flattened for the page.
struct ReferralRow {
    id: i64,
    name: String,
    depth: usize,
    /// Indentation class (deep chains stop indenting at 6).
    indent: usize,
    /// How many people this person brought in, directly or through others.
    count: usize,
}

fn flatten(node: &ReferralNode, depth: usize, out: &mut Vec<ReferralRow>) -> usize {
    let at = out.len();
    out.push(ReferralRow { id: node.id, name: node.name.clone(), depth, indent: depth.min(6), count: 0 });
    let mut count = 0;
    for child in &node.referred {
        count += 1 + flatten(child, depth + 1, out);
    }
    out[at].count = count;
    count
}

async fn referrals(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    let mut roots = referral_forest(&state.store.referrals(&scope).await?);
    // The biggest snowballs first.
    roots.sort_by_key(|r| std::cmp::Reverse(size(r)));
    let mut rows = Vec::new();
    for r in &roots {
        flatten(r, 0, &mut rows);
    }
    render(&ReferralsPage { c: Chrome::new(&auth.ctx), rows })
}

fn size(n: &ReferralNode) -> usize {
    n.referred.iter().map(|c| 1 + size(c)).sum()
}
