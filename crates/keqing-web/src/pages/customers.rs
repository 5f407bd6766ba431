//! Organisation pages: the list with one search box and filters, the
//! detail page, and the create/edit form with inline validation.

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::organisations::{OrganisationIn, OrganisationQuery, draft_of, filter_of};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::model::{CustomerClass, OrgKind, OrgStatus, OrganisationDraft, Stage};
use keqing_core::{OrganisationId, Permission, UserId};
use keqing_store::organisations::Organisation;
use keqing_store::people::{Person, PersonFilter};
use keqing_store::regions::Territory;
use keqing_store::users::User;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list))
        .route("/customers/new", get(new_form).post(create))
        .route("/customers/options", get(org_options))
        .route("/customers/{id}", get(detail))
        .route("/customers/{id}/edit", get(edit_form).post(save))
        .route("/customers/{id}/class", post(set_class))
        .route("/customers/{id}/delete", post(delete))
}

/// Choices for a `<select>`: (value, label).
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown label.
    pub label: String,
}

fn choices<T: Copy>(all: &[T], id: fn(T) -> &'static str, label: fn(T, bool) -> &'static str, zh: bool) -> Vec<Choice> {
    all.iter().map(|x| Choice { value: id(*x).to_owned(), label: label(*x, zh).to_owned() }).collect()
}

/// The select options every organisation page needs.
pub struct Options {
    kinds: Vec<Choice>,
    classes: Vec<Choice>,
    stages: Vec<Choice>,
    statuses: Vec<Choice>,
    owners: Vec<User>,
    territories: Vec<Territory>,
    provinces: Vec<Choice>,
}

async fn options(state: &AppState, auth: &Auth) -> Result<Options> {
    let zh = auth.ctx.lang.is_zh();
    let scope = auth.customer_scope(state).await?;
    let owners = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none() && scope.contains(u.id) && (u.roles.can(Permission::WriteCustomers)))
        .collect();
    Ok(Options {
        kinds: choices(OrgKind::ALL, OrgKind::as_str, OrgKind::label, zh),
        classes: choices(CustomerClass::ALL, CustomerClass::as_str, CustomerClass::label, zh),
        stages: choices(Stage::ALL, Stage::as_str, Stage::label, zh),
        statuses: choices(OrgStatus::ALL, OrgStatus::as_str, OrgStatus::label, zh),
        owners,
        territories: state.store.list_territories().await?,
        provinces: state
            .store
            .regions(None)
            .await?
            .into_iter()
            .map(|r| Choice { value: r.code, label: r.name })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    c: Chrome,
    q: OrganisationQuery,
    items: Vec<Organisation>,
    total: i64,
    o: Options,
    next: Option<String>,
    prev: Option<String>,
    can_write: bool,
}

impl ListPage {
    fn sel(&self, field: &str, value: &str) -> bool {
        let v = match field {
            "kind" => self.q.kind.as_deref(),
            "class" => self.q.class.as_deref(),
            "stage" => self.q.stage.as_deref(),
            "status" => self.q.status.as_deref(),
            "region" => self.q.region.as_deref(),
            _ => None,
        };
        v == Some(value)
    }
    fn sel_territory(&self, id: &i64) -> bool {
        self.q.territory_id == Some(*id)
    }
    fn sel_owner(&self, id: &UserId) -> bool {
        self.q.owner_id == Some(id.0)
    }
    fn kind_label(&self, k: &OrgKind) -> &'static str {
        k.label(self.c.lang.is_zh())
    }
    fn class_label(&self, k: &CustomerClass) -> &'static str {
        k.label(self.c.lang.is_zh())
    }
    fn text<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

fn query_string(q: &OrganisationQuery, offset: i64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("kind", &q.kind),
        ("class", &q.class),
        ("region", &q.region),
        ("tag", &q.tag),
        ("stage", &q.stage),
        ("status", &q.status),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(t) = q.territory_id {
        s.append_pair("territory_id", &t.to_string());
    }
    if let Some(o) = q.owner_id {
        s.append_pair("owner_id", &o.to_string());
    }
    if q.orphans == Some(true) {
        s.append_pair("orphans", "true");
    }
    s.append_pair("offset", &offset.to_string());
    s.finish()
}

/// Empty select values mean "any".
fn clean(mut q: OrganisationQuery) -> OrganisationQuery {
    let blank = |v: &mut Option<String>| {
        if v.as_deref().is_some_and(|x| x.trim().is_empty()) {
            *v = None;
        }
    };
    for v in [&mut q.q, &mut q.kind, &mut q.class, &mut q.region, &mut q.tag, &mut q.stage, &mut q.status] {
        blank(v);
    }
    q
}

async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<OrganisationQuery>) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let q = clean(q);
    let (limit, offset) = crate::api::paging(Some(q.limit.unwrap_or(30)), q.offset)?;
    let filter = filter_of(&state, &q).await?;
    let scope = auth.customer_scope(&state).await?;
    let (items, total) = state.store.list_organisations(&scope, &filter, limit, offset).await?;
    let next = (offset + limit < total).then(|| format!("/customers?{}", query_string(&q, offset + limit)));
    let prev = (offset > 0).then(|| format!("/customers?{}", query_string(&q, (offset - limit).max(0))));
    render(&ListPage {
        c: Chrome::new(&auth.ctx),
        o: options(&state, &auth).await?,
        items,
        total,
        next,
        prev,
        can_write: auth.can(Permission::WriteCustomers),
        q,
    })
}

#[derive(Template)]
#[template(path = "customer.html")]
struct DetailPage {
    c: Chrome,
    org: Organisation,
    people: Vec<Person>,
    co_owners: Vec<String>,
    next_anniversary: Option<chrono::NaiveDate>,
    can_write: bool,
    can_classify: bool,
    can_delete: bool,
    classes: Vec<Choice>,
    /// Contacts with the organisation, newest first.
    timeline: Vec<super::TimelineLine>,
    /// Whether the user may read the audit log (the change history link).
    can_audit: bool,
}

impl DetailPage {
    fn yuan(&self, fen: &i64) -> String {
        keqing_core::money::format_short(*fen)
    }
    fn stars(&self, n: &Option<u8>) -> String {
        match n {
            Some(n) => "★".repeat(usize::from(*n)) + &"☆".repeat(5 - usize::from(*n)),
            None => "—".to_owned(),
        }
    }
}

async fn detail(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let org = state.store.organisation(&scope, OrganisationId(id)).await?;
    let filter = PersonFilter { organisation: Some(org.id), ..Default::default() };
    let (people, _) = state.store.list_people(&scope, &filter, 200, 0).await?;
    let users = state.store.list_users().await?;
    let co_owners = org
        .co_owner_ids
        .iter()
        .filter_map(|u| users.iter().find(|x| x.id == *u))
        .map(|u| u.display_name.clone())
        .collect();
    let next_anniversary =
        org.data().anniversary.map(|a| a.next_on_or_after(state.today(), &state.settings.date_policy).date);
    let zh = auth.ctx.lang.is_zh();
    let filter =
        keqing_store::interactions::InteractionFilter { organisation: Some(org.id), limit: 100, ..Default::default() };
    let timeline = super::timeline(
        &state.store.interactions(&scope, filter).await?,
        auth.can(Permission::ViewPersonalDetails),
        zh,
    );
    render(&DetailPage {
        c: Chrome::new(&auth.ctx),
        timeline,
        can_audit: auth.can(Permission::ViewAudit),
        people,
        co_owners,
        next_anniversary,
        can_write: auth.can(Permission::WriteCustomers),
        can_classify: auth.can(Permission::ClassifyCustomers),
        can_delete: auth.can(Permission::DeleteCustomers),
        classes: choices(CustomerClass::ALL, CustomerClass::as_str, CustomerClass::label, zh),
        org,
    })
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    c: Chrome,
    id: Option<i64>,
    version: i64,
    f: OrganisationDraft,
    o: Options,
    errors: FormErrors,
    region_label: String,
}

impl FormPage {
    fn is(&self, field: &str, value: &str) -> bool {
        let v = match field {
            "kind" => &self.f.kind,
            "stage" => &self.f.stage,
            "status" => &self.f.status,
            _ => return false,
        };
        v == value
    }
    fn owner_is(&self, u: &UserId) -> bool {
        self.f.owner == Some(*u)
    }
    fn co_owner(&self, u: &UserId) -> bool {
        self.f.co_owners.contains(u)
    }
    fn tags(&self) -> String {
        self.f.tags.join("，")
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    id: Option<i64>,
    version: i64,
    f: OrganisationDraft,
    errors: FormErrors,
) -> Result<Response> {
    let region_label = match f.region_code.trim() {
        "" => String::new(),
        code => state
            .store
            .region_path(code)
            .await
            .map(|p| p.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&FormPage {
        c: Chrome::new(&auth.ctx),
        id,
        version,
        f,
        o: options(state, auth).await?,
        errors,
        region_label,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let f = OrganisationDraft { owner: Some(auth.user.id), kind: "retail_store".into(), ..Default::default() };
    form_page(&state, &auth, None, 0, f, FormErrors::default()).await
}

/// The form's fields (repeated `co_owner` and the tags line are read by hand).
#[derive(Deserialize, Default)]
struct OrgForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    owner_id: Option<String>,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    opened_on: String,
    #[serde(default)]
    anniversary: String,
    #[serde(default)]
    turnover: String,
    #[serde(default)]
    consumer_reach: String,
    #[serde(default)]
    financial_strength: String,
    #[serde(default)]
    management_level: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tags: String,
}

fn draft_from_form(body: &str, default_owner: UserId) -> Result<(OrganisationDraft, i64)> {
    let f: OrgForm = crate::extract::parse_urlencoded(body.as_bytes())?;
    let co: Vec<i64> = form_urlencoded::parse(body.as_bytes())
        .filter(|(k, _)| k == "co_owner")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let owner = f.owner_id.as_deref().and_then(|o| o.parse::<i64>().ok());
    let input = OrganisationIn {
        name: f.name,
        kind: f.kind,
        phone: Some(f.phone),
        address: Some(f.address),
        notes: Some(f.notes),
        owner_id: owner,
        co_owner_ids: co,
        region_code: Some(f.region_code),
        opened_on: Some(f.opened_on),
        anniversary: Some(f.anniversary),
        turnover: Some(f.turnover),
        consumer_reach: Some(f.consumer_reach),
        financial_strength: Some(f.financial_strength),
        management_level: Some(f.management_level),
        stage: Some(f.stage),
        status: Some(f.status),
        tags: vec![f.tags],
    };
    Ok((draft_of(input, default_owner), f.version))
}

async fn create(State(state): State<AppState>, auth: Auth, body: String) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let (draft, _) = draft_from_form(&body, auth.user.id)?;
    let result = match draft.parse() {
        Ok(d) => {
            let scope = auth.customer_scope(&state).await?;
            state.store.create_organisation(&auth.actor(), &scope, &d).await.map_err(Error::from)
        }
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(org) => Ok(Redirect::to(&format!("/customers/{}", org.id)).into_response()),
        Err(Error::Validation(e)) => {
            form_page(&state, &auth, None, 0, draft, FormErrors::from(auth.ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let org = state.store.organisation(&scope, OrganisationId(id)).await?;
    form_page(&state, &auth, Some(id), org.version, OrganisationDraft::from(&org.data()), FormErrors::default()).await
}

async fn save(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>, body: String) -> Result<Response> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let current = state.store.organisation(&scope, OrganisationId(id)).await?;
    let (draft, version) = draft_from_form(&body, current.owner_id)?;
    if draft.owner != Some(current.owner_id) {
        auth.require(Permission::ReassignCustomers)?;
    }
    let result = match draft.parse() {
        Ok(d) => state
            .store
            .update_organisation(&auth.actor(), &scope, OrganisationId(id), version, &d)
            .await
            .map_err(Error::from),
        Err(e) => Err(Error::Validation(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}")).into_response()),
        Err(Error::Validation(e)) => {
            form_page(&state, &auth, Some(id), version, draft, FormErrors::from(auth.ctx.lang, &e)).await
        }
        Err(Error::Conflict { .. }) => {
            // Someone saved first: show their values with a warning, keep nothing half-done.
            let org = state.store.organisation(&scope, OrganisationId(id)).await?;
            let errors = FormErrors::from(
                auth.ctx.lang,
                &keqing_core::validate::FieldErrors::one(
                    "version",
                    keqing_core::validate::Problem::Rule { rule: "edited_meanwhile" },
                ),
            );
            form_page(&state, &auth, Some(id), org.version, OrganisationDraft::from(&org.data()), errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ClassForm {
    #[serde(default)]
    class: String,
    #[serde(default)]
    reason: String,
}

async fn set_class(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    crate::extract::Form(f): crate::extract::Form<ClassForm>,
) -> Result<Response> {
    auth.require(Permission::ClassifyCustomers)?;
    let class = match f.class.trim() {
        "" => None,
        c => Some(
            CustomerClass::parse(c)
                .map_err(|p| Error::Validation(keqing_core::validate::FieldErrors::one("class", p)))?,
        ),
    };
    let scope = auth.customer_scope(&state).await?;
    let reason = Some(f.reason.trim()).filter(|r| !r.is_empty());
    state.store.set_class(&auth.actor(), &scope, OrganisationId(id), class, reason).await?;
    Ok(Redirect::to(&format!("/customers/{id}")).into_response())
}

async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<Response> {
    auth.require(Permission::DeleteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let org = state.store.organisation(&scope, OrganisationId(id)).await?;
    state.store.delete_organisation(&auth.actor(), &scope, org.id, org.version).await?;
    Ok(Redirect::to("/customers").into_response())
}

#[derive(Deserialize, Default)]
struct PickQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    organisation: String,
}

/// `<option>`s of organisations in scope matching the text typed ("name #id").
async fn org_options(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PickQuery>,
) -> Result<axum::response::Html<String>> {
    auth.require(Permission::ReadCustomers)?;
    let text = if q.q.is_empty() { q.organisation } else { q.q };
    let text = text.split('#').next().unwrap_or("").trim().to_owned();
    let scope = auth.customer_scope(&state).await?;
    let filter = keqing_store::organisations::OrganisationFilter { q: Some(text), ..Default::default() };
    let (orgs, _) = state.store.list_organisations(&scope, &filter, 20, 0).await?;
    let mut html = String::new();
    for o in orgs {
        html.push_str(&format!(
            "<option value=\"{} #{}\">{}</option>",
            super::escape(&o.name),
            o.id,
            super::escape(o.region_label.as_deref().unwrap_or(""))
        ));
    }
    Ok(axum::response::Html(html))
}
