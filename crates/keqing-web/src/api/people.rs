//! People at customer organisations, within the caller's scope: their
//! record, family, relations, referrals, and the PIPL requests.

use super::organisations::{ReassignIn, ReassignOut, VersionQuery};
use super::{Page, no_content, nullable, paging, patch_text};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::model::{Birthday, FamilyRelation, Gender, MilestoneKind, PersonDraft, RelationKind};
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{OrganisationId, Permission, PersonId, UserId};
use keqing_store::people::{FamilyData, FamilyMember, Person, PersonFilter, RelationView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// An organisation a person works for.
#[derive(Serialize, ToSchema)]
pub struct AffiliationOut {
    /// Organisation.
    pub organisation_id: i64,
    /// Its name.
    pub organisation_name: String,
    /// Position there.
    pub position: Option<String>,
    /// The main one.
    pub main: bool,
}

/// A person. Users without the personal-details permission (finance) get
/// the personal fields (birthday, tastes, notes …) as `null`.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    /// Id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// `male`, `female`, `unknown`.
    pub gender: String,
    /// Phone.
    pub phone: Option<String>,
    /// Further phones.
    pub other_phones: Vec<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// QQ.
    pub qq: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Main organisation.
    pub organisation_id: Option<i64>,
    /// Its name.
    pub organisation_name: Option<String>,
    /// Position there.
    pub position: Option<String>,
    /// All organisations, the main one first.
    pub affiliations: Vec<AffiliationOut>,
    /// Birthday as written: "1980-08-15", "08-15", "农历1976-08-15", "农历闰06-10".
    pub birthday: Option<String>,
    /// Birthday in words ("农历八月十五").
    pub birthday_words: Option<String>,
    /// The next birthday on or after today (lunar ones resolved).
    pub next_birthday: Option<NaiveDate>,
    /// Interests.
    pub interests: Option<String>,
    /// Tastes.
    pub tastes: Option<String>,
    /// Gifts that would touch them.
    pub gift_preferences: Option<String>,
    /// Taboos.
    pub taboos: Option<String>,
    /// How we met.
    pub how_we_met: Option<String>,
    /// Source of the information (PIPL).
    pub info_source: Option<String>,
    /// Legal basis (PIPL): consent, contract, public, other.
    pub legal_basis: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner_id: i64,
    /// Owning rep's name.
    pub owner_name: String,
    /// The owner's account is disabled: an orphan to reassign.
    pub orphaned: bool,
    /// When the personal data was erased.
    pub erased_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl PersonOut {
    /// The person as `auth` may see them.
    pub fn for_viewer(p: &Person, auth: &Auth, state: &AppState) -> Self {
        let personal = auth.can(Permission::ViewPersonalDetails);
        let hide = |v: &Option<String>| if personal { v.clone() } else { None };
        let lang = auth.ctx.lang;
        PersonOut {
            id: p.id.0,
            name: p.name.clone(),
            gender: p.gender.as_str().to_owned(),
            phone: p.phone.clone(),
            other_phones: p.other_phones.clone(),
            wechat: p.wechat.clone(),
            qq: p.qq.clone(),
            email: p.email.clone(),
            address: hide(&p.address),
            organisation_id: p.organisation_id.map(|o| o.0),
            organisation_name: p.organisation_name.clone(),
            position: p.position.clone(),
            affiliations: p
                .affiliations
                .iter()
                .map(|a| AffiliationOut {
                    organisation_id: a.organisation_id.0,
                    organisation_name: a.organisation_name.clone(),
                    position: a.position.clone(),
                    main: a.main,
                })
                .collect(),
            birthday: p.birthday.filter(|_| personal).map(|b| b.display()),
            birthday_words: p.birthday.filter(|_| personal).map(|b| b.words(lang.is_zh())),
            next_birthday: p
                .birthday
                .filter(|_| personal)
                .and_then(|b| b.next_on_or_after(state.today(), &state.settings.date_policy))
                .map(|r| r.date),
            interests: hide(&p.interests),
            tastes: hide(&p.tastes),
            gift_preferences: hide(&p.gift_preferences),
            taboos: hide(&p.taboos),
            how_we_met: hide(&p.how_we_met),
            info_source: p.info_source.clone(),
            legal_basis: p.legal_basis.map(|l| l.as_str().to_owned()),
            notes: hide(&p.notes),
            owner_id: p.owner_id.0,
            owner_name: p.owner_name.clone(),
            orphaned: p.orphaned,
            erased_at: p.erased_at,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A further organisation of a person.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffiliationIn {
    /// The organisation (in your scope).
    pub organisation_id: i64,
    /// Position there.
    pub position: Option<String>,
}

/// A new person.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    /// Full name (≤ 100).
    pub name: String,
    /// Gender (`male`/`female`/`unknown` or 男/女).
    pub gender: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Further phones.
    #[serde(default)]
    pub other_phones: Vec<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// QQ.
    pub qq: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Main organisation (in your scope).
    pub organisation_id: Option<i64>,
    /// Position there (≤ 50).
    pub position: Option<String>,
    /// Further organisations.
    #[serde(default)]
    pub affiliations: Vec<AffiliationIn>,
    /// Birthday: "1980-08-15", "08-15", "农历8-15", "农历1976-8-15", "闰6-1".
    pub birthday: Option<String>,
    /// Interests (≤ 500).
    pub interests: Option<String>,
    /// Tastes (≤ 500).
    pub tastes: Option<String>,
    /// Gift preferences (≤ 500).
    pub gift_preferences: Option<String>,
    /// Taboos (≤ 500).
    pub taboos: Option<String>,
    /// How we met (≤ 500).
    pub how_we_met: Option<String>,
    /// Source of the information (PIPL, ≤ 500).
    pub info_source: Option<String>,
    /// Legal basis (PIPL): consent, contract, public, other.
    pub legal_basis: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep; default: me.
    pub owner_id: Option<i64>,
}

/// Changes to a person. Omitted fields stay; `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    /// The version you read.
    pub version: i64,
    /// Name.
    pub name: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Further phones (replaces the list).
    pub other_phones: Option<Vec<String>>,
    /// WeChat.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub wechat: Option<Option<String>>,
    /// QQ.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub qq: Option<Option<String>>,
    /// E-mail.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Main organisation.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Option<Option<i64>>,
    /// Position.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    /// Further organisations (replaces the list).
    pub affiliations: Option<Vec<AffiliationIn>>,
    /// Birthday.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub birthday: Option<Option<String>>,
    /// Interests.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub interests: Option<Option<String>>,
    /// Tastes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub tastes: Option<Option<String>>,
    /// Gift preferences.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub gift_preferences: Option<Option<String>>,
    /// Taboos.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub taboos: Option<Option<String>>,
    /// How we met.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub how_we_met: Option<Option<String>>,
    /// Source of the information.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub info_source: Option<Option<String>>,
    /// Legal basis.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub legal_basis: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// Owning rep (needs the reassign permission to change).
    pub owner_id: Option<i64>,
}

/// List filters.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Name (汉字, full pinyin, initials), any part of a phone, WeChat id,
    /// QQ, e-mail, or an organisation's name.
    pub q: Option<String>,
    /// Organisation id.
    pub organisation_id: Option<i64>,
    /// Owner id.
    pub owner_id: Option<i64>,
    /// Only orphans (owner disabled).
    pub orphans: Option<bool>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// A family member.
#[derive(Serialize, ToSchema)]
pub struct FamilyOut {
    /// Id.
    pub id: i64,
    /// `spouse`, `child`, `parent`, `sibling`, `other`.
    pub relation: String,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: String,
    /// Birthday as written.
    pub birthday: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Milestones.
    pub milestones: Vec<MilestoneOut>,
    /// Version.
    pub version: i64,
}

/// A milestone.
#[derive(Serialize, ToSchema)]
pub struct MilestoneOut {
    /// Id.
    pub id: i64,
    /// `school_entrance`, `gaokao`, `graduation`, `wedding`, `newborn`, `illness`, `other`.
    pub kind: String,
    /// When.
    pub on_date: NaiveDate,
    /// Notes.
    pub notes: Option<String>,
}

impl From<&FamilyMember> for FamilyOut {
    fn from(m: &FamilyMember) -> Self {
        FamilyOut {
            id: m.id,
            relation: m.relation.as_str().to_owned(),
            name: m.name.clone(),
            gender: m.gender.as_str().to_owned(),
            birthday: m.birthday.map(|b| b.display()),
            notes: m.notes.clone(),
            milestones: m
                .milestones
                .iter()
                .map(|x| MilestoneOut {
                    id: x.id,
                    kind: x.kind.as_str().to_owned(),
                    on_date: x.on_date,
                    notes: x.notes.clone(),
                })
                .collect(),
            version: m.version,
        }
    }
}

/// A family member to add or change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyIn {
    /// Relation.
    pub relation: String,
    /// Name (≤ 100).
    pub name: String,
    /// Gender.
    pub gender: Option<String>,
    /// Birthday (as for people).
    pub birthday: Option<String>,
    /// Notes (≤ 500).
    pub notes: Option<String>,
    /// The version you read (changes only).
    pub version: Option<i64>,
}

/// A milestone to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneIn {
    /// Kind.
    pub kind: String,
    /// Date, YYYY-MM-DD.
    pub on_date: String,
    /// Notes (≤ 200).
    pub notes: Option<String>,
}

/// A relation to record: "this person is {kind} the other".
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationIn {
    /// The other person (in your scope).
    pub to_person_id: i64,
    /// `spouse`, `parent_of`, `colleague`, `friend`, `referred_by`.
    pub kind: String,
    /// Notes (≤ 200).
    pub notes: Option<String>,
}

/// A relation seen from a person.
#[derive(Serialize, ToSchema)]
pub struct RelationOut {
    /// Id.
    pub id: i64,
    /// The stored kind.
    pub kind: String,
    /// How it reads from this person ("经…介绍", "介绍了", "父母", "子女" …).
    pub label: String,
    /// The other person.
    pub other_id: i64,
    /// Their name (`null` when outside your scope).
    pub other_name: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// One node of the referral tree.
#[derive(Serialize, ToSchema)]
pub struct ReferralNode {
    /// Person.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The people they introduced.
    #[schema(no_recursion)]
    pub referred: Vec<ReferralNode>,
}

/// A PIPL erasure.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseIn {
    /// Why (the request, its date and channel).
    pub reason: String,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person, patch_person, delete_person))
        .routes(routes!(reassign_people))
        .routes(routes!(list_family, add_family))
        .routes(routes!(patch_family, delete_family))
        .routes(routes!(add_milestone))
        .routes(routes!(delete_milestone))
        .routes(routes!(list_relations, add_relation))
        .routes(routes!(delete_relation))
        .routes(routes!(referral_tree))
        .routes(routes!(export_person))
        .routes(routes!(erase_person))
}

/// The draft of a new person (shared with the pages and imports).
pub fn draft_of(input: PersonIn, default_owner: UserId) -> PersonDraft {
    let text = |v: Option<String>| v.unwrap_or_default();
    PersonDraft {
        name: input.name,
        gender: text(input.gender),
        phone: text(input.phone),
        wechat: text(input.wechat),
        organisation: input.organisation_id.map(OrganisationId),
        position: text(input.position),
        notes: text(input.notes),
        owner: Some(input.owner_id.map_or(default_owner, UserId)),
        other_phones: input.other_phones,
        qq: text(input.qq),
        email: text(input.email),
        address: text(input.address),
        birthday: text(input.birthday),
        interests: text(input.interests),
        tastes: text(input.tastes),
        gift_preferences: text(input.gift_preferences),
        taboos: text(input.taboos),
        how_we_met: text(input.how_we_met),
        info_source: text(input.info_source),
        legal_basis: text(input.legal_basis),
        affiliations: input
            .affiliations
            .into_iter()
            .map(|a| (OrganisationId(a.organisation_id), a.position.unwrap_or_default()))
            .collect(),
    }
}

/// People in my scope, by pinyin.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PersonQuery), responses((status = 200, body = Page<PersonOut>)))]
pub async fn list_people(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PersonQuery>,
) -> Result<axum::Json<Page<PersonOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let filter = PersonFilter {
        q: q.q,
        organisation: q.organisation_id.map(OrganisationId),
        owner: q.owner_id.map(UserId),
        orphans: q.orphans.unwrap_or(false),
    };
    let scope = auth.customer_scope(&state).await?;
    let (items, total) = state.store.list_people(&scope, &filter, limit, offset).await?;
    Ok(axum::Json(Page {
        items: items.iter().map(|p| PersonOut::for_viewer(p, &auth, &state)).collect(),
        total,
        limit,
        offset,
    }))
}

/// One person in my scope (404 otherwise). Reading their personal fields
/// is logged (PIPL).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonOut), (status = 404, body = super::ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<PersonOut>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let p = if auth.can(Permission::ViewPersonalDetails) {
        state.store.view_person(&auth.actor(), &scope, PersonId(id)).await?
    } else {
        state.store.person(&scope, PersonId(id)).await?
    };
    Ok(axum::Json(PersonOut::for_viewer(&p, &auth, &state)))
}

/// Creates a person owned by me or someone in my scope.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonIn,
    responses((status = 201, body = PersonOut), (status = 422, body = super::ErrorBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<PersonIn>,
) -> Result<(StatusCode, axum::Json<PersonOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let data = draft_of(input, auth.user.id).parse().map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    let person = state.store.create_person(&auth.actor(), &scope, &data).await?;
    Ok((StatusCode::CREATED, axum::Json(PersonOut::for_viewer(&person, &auth, &state))))
}

/// Changes a person; 409 with the current values if `version` is stale.
#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonPatch,
    responses((status = 200, body = PersonOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(p): Json<PersonPatch>,
) -> Result<axum::Json<PersonOut>> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let current = state.store.person(&scope, PersonId(id)).await?;
    if p.version != current.version {
        return Err(Error::Conflict {
            version: current.version,
            current: serde_json::to_value(PersonOut::for_viewer(&current, &auth, &state)).unwrap_or_default(),
        });
    }
    if p.owner_id.is_some_and(|o| o != current.owner_id.0) {
        auth.require(Permission::ReassignCustomers)?;
    }
    let mut draft = PersonDraft::from(&current.data());
    if let Some(n) = p.name {
        draft.name = n;
    }
    if let Some(g) = p.gender {
        draft.gender = g;
    }
    for (target, patch) in [
        (&mut draft.phone, &p.phone),
        (&mut draft.wechat, &p.wechat),
        (&mut draft.qq, &p.qq),
        (&mut draft.email, &p.email),
        (&mut draft.address, &p.address),
        (&mut draft.position, &p.position),
        (&mut draft.birthday, &p.birthday),
        (&mut draft.interests, &p.interests),
        (&mut draft.tastes, &p.tastes),
        (&mut draft.gift_preferences, &p.gift_preferences),
        (&mut draft.taboos, &p.taboos),
        (&mut draft.how_we_met, &p.how_we_met),
        (&mut draft.info_source, &p.info_source),
        (&mut draft.legal_basis, &p.legal_basis),
        (&mut draft.notes, &p.notes),
    ] {
        patch_text(target, patch);
    }
    if let Some(phones) = p.other_phones {
        draft.other_phones = phones;
    }
    if let Some(o) = p.organisation_id {
        draft.organisation = o.map(OrganisationId);
    }
    if let Some(a) = p.affiliations {
        draft.affiliations =
            a.into_iter().map(|a| (OrganisationId(a.organisation_id), a.position.unwrap_or_default())).collect();
    }
    if let Some(o) = p.owner_id {
        draft.owner = Some(UserId(o));
    }
    let data = draft.parse().map_err(Error::Validation)?;
    let person = state.store.update_person(&auth.actor(), &scope, PersonId(id), p.version, &data).await?;
    Ok(axum::Json(PersonOut::for_viewer(&person, &auth, &state)))
}

/// Deletes a person (managers and admins).
#[utoipa::path(delete, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path), VersionQuery),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn delete_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode> {
    auth.require(Permission::DeleteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let version = match q.version {
        Some(v) => v,
        None => state.store.person(&scope, PersonId(id)).await?.version,
    };
    state.store.delete_person(&auth.actor(), &scope, PersonId(id), version).await?;
    Ok(no_content())
}

/// Gives people (orphans) to another rep in my scope; audited one by one.
#[utoipa::path(post, path = "/api/v1/people/reassign", tag = "people", request_body = ReassignIn,
    responses((status = 200, body = ReassignOut), (status = 422, body = super::ErrorBody)))]
pub async fn reassign_people(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ReassignIn>,
) -> Result<axum::Json<ReassignOut>> {
    auth.require(Permission::ReassignCustomers)?;
    if input.ids.is_empty() || input.ids.len() > 5000 {
        return Err(Error::Validation(FieldErrors::one("ids", Problem::OutOfRange { min: 1, max: 5000 })));
    }
    let scope = auth.customer_scope(&state).await?;
    let ids: Vec<PersonId> = input.ids.into_iter().map(PersonId).collect();
    let moved = state.store.reassign_people(&auth.actor(), &scope, &ids, UserId(input.owner_id)).await?;
    Ok(axum::Json(ReassignOut { moved }))
}

fn family_data(input: &FamilyIn) -> Result<FamilyData> {
    let mut e = FieldErrors::default();
    let relation = e.take("relation", FamilyRelation::parse(&input.relation));
    let name = e.take("name", validate::required_line(&input.name, limits::NAME));
    let gender = match input.gender.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => e.take("gender", Gender::parse(g)),
        None => Some(Gender::Unknown),
    };
    let birthday = e.take("birthday", Birthday::parse(input.birthday.as_deref().unwrap_or("")));
    let notes = e.take("notes", validate::optional_notes(input.notes.as_deref().unwrap_or(""), 500));
    match (relation, name, gender, birthday, notes) {
        (Some(relation), Some(name), Some(gender), Some(birthday), Some(notes)) if e.is_empty() => {
            Ok(FamilyData { relation, name, gender, birthday, notes })
        }
        _ => Err(Error::Validation(e)),
    }
}

/// A person's family (not for finance).
#[utoipa::path(get, path = "/api/v1/people/{id}/family", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<FamilyOut>), (status = 403, body = super::ErrorBody)))]
pub async fn list_family(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<FamilyOut>>> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(state.store.family(&scope, PersonId(id)).await?.iter().map(FamilyOut::from).collect()))
}

/// Adds a family member.
#[utoipa::path(post, path = "/api/v1/people/{id}/family", tag = "people", params(("id" = i64, Path)), request_body = FamilyIn,
    responses((status = 201, body = FamilyOut), (status = 422, body = super::ErrorBody)))]
pub async fn add_family(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<FamilyIn>,
) -> Result<(StatusCode, axum::Json<FamilyOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let d = family_data(&input)?;
    let scope = auth.customer_scope(&state).await?;
    let m = state.store.add_family_member(&auth.actor(), &scope, PersonId(id), &d).await?;
    Ok((StatusCode::CREATED, axum::Json(FamilyOut::from(&m))))
}

/// Changes a family member (send the version you read).
#[utoipa::path(patch, path = "/api/v1/family/{id}", tag = "people", params(("id" = i64, Path)), request_body = FamilyIn,
    responses((status = 200, body = FamilyOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_family(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<FamilyIn>,
) -> Result<axum::Json<FamilyOut>> {
    auth.require(Permission::WriteCustomers)?;
    let d = family_data(&input)?;
    let version = input.version.ok_or_else(|| Error::Validation(FieldErrors::one("version", Problem::Required)))?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(FamilyOut::from(&state.store.update_family_member(&auth.actor(), &scope, id, version, &d).await?)))
}

/// Removes a family member.
#[utoipa::path(delete, path = "/api/v1/family/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_family(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_family_member(&auth.actor(), &scope, id).await?;
    Ok(no_content())
}

/// Records a milestone (入学, 高考, 结婚, 添丁 …) of a family member.
#[utoipa::path(post, path = "/api/v1/family/{id}/milestones", tag = "people", params(("id" = i64, Path)), request_body = MilestoneIn,
    responses((status = 201, body = MilestoneOut), (status = 422, body = super::ErrorBody)))]
pub async fn add_milestone(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<MilestoneIn>,
) -> Result<(StatusCode, axum::Json<MilestoneOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let mut e = FieldErrors::default();
    let kind = e.take("kind", MilestoneKind::parse(&input.kind));
    let on = e.take(
        "on_date",
        keqing_core::model::organisation::date(&input.on_date).and_then(|d| d.ok_or(Problem::Required)),
    );
    let notes = e.take("notes", validate::optional_line(input.notes.as_deref().unwrap_or(""), 200));
    let (Some(kind), Some(on), Some(notes)) = (kind, on, notes) else { return Err(Error::Validation(e)) };
    let scope = auth.customer_scope(&state).await?;
    let m = state.store.add_milestone(&auth.actor(), &scope, id, kind, on, notes.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MilestoneOut { id: m.id, kind: m.kind.as_str().to_owned(), on_date: m.on_date, notes: m.notes }),
    ))
}

/// Removes a milestone.
#[utoipa::path(delete, path = "/api/v1/milestones/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_milestone(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.delete_milestone(&auth.actor(), &scope, id).await?;
    Ok(no_content())
}

fn relation_out(r: &RelationView, zh: bool) -> RelationOut {
    RelationOut {
        id: r.id,
        kind: r.kind.as_str().to_owned(),
        label: if r.outgoing { r.kind.label(zh) } else { r.kind.reverse_label(zh) }.to_owned(),
        other_id: r.other_id.0,
        other_name: r.other_name.clone(),
        notes: r.notes.clone(),
    }
}

/// A person's relations, read from their side.
#[utoipa::path(get, path = "/api/v1/people/{id}/relations", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RelationOut>)))]
pub async fn list_relations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<RelationOut>>> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    let zh = auth.ctx.lang.is_zh();
    Ok(axum::Json(state.store.relations(&scope, PersonId(id)).await?.iter().map(|r| relation_out(r, zh)).collect()))
}

/// Records a relation: this person is {kind} the other (both in my scope).
#[utoipa::path(post, path = "/api/v1/people/{id}/relations", tag = "people", params(("id" = i64, Path)), request_body = RelationIn,
    responses((status = 201), (status = 422, body = super::ErrorBody)))]
pub async fn add_relation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RelationIn>,
) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let kind = RelationKind::parse(&input.kind).map_err(|p| Error::Validation(FieldErrors::one("kind", p)))?;
    let notes = validate::optional_line(input.notes.as_deref().unwrap_or(""), 200)
        .map_err(|p| Error::Validation(FieldErrors::one("notes", p)))?;
    let scope = auth.customer_scope(&state).await?;
    state
        .store
        .relate(&auth.actor(), &scope, PersonId(id), PersonId(input.to_person_id), kind, notes.as_deref())
        .await?;
    Ok(StatusCode::CREATED)
}

/// Removes a relation.
#[utoipa::path(delete, path = "/api/v1/relations/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_relation(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    state.store.unrelate(&auth.actor(), &scope, id).await?;
    Ok(no_content())
}

/// Builds the referral forest from (referred, referrer) edges: roots are
/// people who introduced others without having been introduced themselves.
pub fn referral_forest(edges: &[(PersonId, PersonId, String, String)]) -> Vec<ReferralNode> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut children: BTreeMap<PersonId, Vec<PersonId>> = BTreeMap::new();
    let mut names: BTreeMap<PersonId, String> = BTreeMap::new();
    let mut referred: BTreeSet<PersonId> = BTreeSet::new();
    for (who, by, who_name, by_name) in edges {
        children.entry(*by).or_default().push(*who);
        names.insert(*who, who_name.clone());
        names.insert(*by, by_name.clone());
        referred.insert(*who);
    }
    fn build(
        id: PersonId,
        children: &BTreeMap<PersonId, Vec<PersonId>>,
        names: &BTreeMap<PersonId, String>,
        seen: &mut BTreeSet<PersonId>,
    ) -> ReferralNode {
        seen.insert(id);
        let kids = children.get(&id).into_iter().flatten().filter(|k| !seen.contains(k)).copied().collect::<Vec<_>>();
        ReferralNode {
            id: id.0,
            name: names.get(&id).cloned().unwrap_or_default(),
            referred: kids.into_iter().map(|k| build(k, children, names, seen)).collect(),
        }
    }
    let mut seen = BTreeSet::new();
    let mut roots: Vec<ReferralNode> = children
        .keys()
        .filter(|k| !referred.contains(k))
        .copied()
        .collect::<Vec<_>>()
        .into_iter()
        .map(|r| build(r, &children, &names, &mut seen))
        .collect();
    fn size(n: &ReferralNode) -> usize {
        1 + n.referred.iter().map(size).sum::<usize>()
    }
    roots.sort_by_key(|n| std::cmp::Reverse(size(n)));
    roots
}

/// The referral snowball in my scope: who introduced whom, biggest trees first.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "people", responses((status = 200, body = Vec<ReferralNode>)))]
pub async fn referral_tree(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<ReferralNode>>> {
    auth.require(Permission::ViewPersonalDetails)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(referral_forest(&state.store.referrals(&scope).await?)))
}

/// Everything held about one person, as JSON (PIPL access request; admin).
#[utoipa::path(get, path = "/api/v1/people/{id}/export", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody)))]
pub async fn export_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<serde_json::Value>> {
    auth.require(Permission::ManageUsers)?;
    Ok(axum::Json(state.store.export_person(&auth.actor(), PersonId(id)).await?))
}

/// Erases a person's personal data (PIPL; admin). The record stays, without
/// personal fields, family or relations; earlier audit values are redacted.
#[utoipa::path(post, path = "/api/v1/people/{id}/erase", tag = "people", params(("id" = i64, Path)), request_body = EraseIn,
    responses((status = 204), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn erase_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<EraseIn>,
) -> Result<StatusCode> {
    auth.require(Permission::ManageUsers)?;
    let reason =
        validate::required_line(&input.reason, 200).map_err(|p| Error::Validation(FieldErrors::one("reason", p)))?;
    state.store.erase_person(&auth.actor(), PersonId(id), &reason).await?;
    Ok(no_content())
}
