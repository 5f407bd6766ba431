//! Customer organisations, within the caller's scope.

use super::{Page, no_content, nullable, paging, patch_text};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use keqing_core::model::{CustomerClass, OrgKind, OrgStatus, OrganisationDraft, Stage};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, UserId};
use keqing_store::organisations::{Organisation, OrganisationFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind: `distributor`, `special_distributor`, `wholesaler`, `ka_store`,
    /// `supermarket`, `retail_store`, `pharmacy`, `internal_department`, `other`.
    pub kind: String,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Owning rep.
    pub owner_id: i64,
    /// Owning rep's name.
    pub owner_name: String,
    /// The owner's account is disabled: an orphan to reassign.
    pub orphaned: bool,
    /// Further reps who look after it.
    pub co_owner_ids: Vec<i64>,
    /// GB/T 2260 region code.
    pub region_code: Option<String>,
    /// "云南省 昆明市 五华区".
    pub region: Option<String>,
    /// Opening date.
    pub opened_on: Option<NaiveDate>,
    /// Store anniversary (店庆), MM-DD.
    pub anniversary: Option<String>,
    /// Yearly turnover in fen (1 yuan = 100 fen).
    pub turnover_fen: Option<i64>,
    /// Consumer reach 1–5.
    pub consumer_reach: Option<u8>,
    /// Financial strength 1–5.
    pub financial_strength: Option<u8>,
    /// Management level 1–5.
    pub management_level: Option<u8>,
    /// Relationship stage: `acquaintance`, `adjustment`, `acceptance`,
    /// `recognition`, `growth`, `co_creation`.
    pub stage: Option<String>,
    /// `active`, `dormant`, `lost`, `closed`.
    pub status: String,
    /// Classification score 0–100 (from turnover, reach, strength, management).
    pub class_score: Option<u32>,
    /// The class in force: `key`, `secondary`, `normal`.
    pub class: String,
    /// A class set by hand (wins over the score).
    pub class_manual: Option<String>,
    /// Why it was set by hand.
    pub class_reason: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Organisation> for OrganisationOut {
    fn from(o: &Organisation) -> Self {
        OrganisationOut {
            id: o.id.0,
            name: o.name.clone(),
            kind: o.kind.as_str().to_owned(),
            phone: o.phone.clone(),
            address: o.address.clone(),
            notes: o.notes.clone(),
            owner_id: o.owner_id.0,
            owner_name: o.owner_name.clone(),
            orphaned: o.orphaned,
            co_owner_ids: o.co_owner_ids.iter().map(|u| u.0).collect(),
            region_code: o.region_code.clone(),
            region: o.region_label.clone(),
            opened_on: o.opened_on,
            anniversary: o.anniversary.clone(),
            turnover_fen: o.turnover_fen,
            consumer_reach: o.consumer_reach,
            financial_strength: o.financial_strength,
            management_level: o.management_level,
            stage: o.stage.map(|s| s.as_str().to_owned()),
            status: o.status.as_str().to_owned(),
            class_score: o.class_score,
            class: o.class.as_str().to_owned(),
            class_manual: o.class_manual.map(|c| c.as_str().to_owned()),
            class_reason: o.class_reason.clone(),
            tags: o.tags.clone(),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A new organisation. Text fields take what people type: turnover "120万",
/// ratings "1"–"5", labels in Chinese or English.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OrganisationIn {
    /// Name (≤ 100 characters).
    pub name: String,
    /// Kind (identifier or Chinese/English label).
    pub kind: String,
    /// Phone in any common notation.
    pub phone: Option<String>,
    /// Address (≤ 200).
    pub address: Option<String>,
    /// Notes (≤ 10,000).
    pub notes: Option<String>,
    /// Owning rep; default: me.
    pub owner_id: Option<i64>,
    /// Co-owners.
    #[serde(default)]
    pub co_owner_ids: Vec<i64>,
    /// GB/T 2260 region code (county or district, city, or province).
    pub region_code: Option<String>,
    /// Opening date, YYYY-MM-DD.
    pub opened_on: Option<String>,
    /// Store anniversary MM-DD; default: the opening day.
    pub anniversary: Option<String>,
    /// Yearly turnover in yuan ("1,200,000", "120万").
    pub turnover: Option<String>,
    /// Consumer reach 1–5.
    pub consumer_reach: Option<String>,
    /// Financial strength 1–5.
    pub financial_strength: Option<String>,
    /// Management level 1–5.
    pub management_level: Option<String>,
    /// Relationship stage.
    pub stage: Option<String>,
    /// Status; default active.
    pub status: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Changes to an organisation. Omitted fields stay; `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    /// The version you read (409 with the current values if it changed).
    pub version: i64,
    /// Name.
    pub name: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// Owning rep (changing it needs the reassign permission).
    pub owner_id: Option<i64>,
    /// Co-owners (replaces the list).
    pub co_owner_ids: Option<Vec<i64>>,
    /// Region code.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub region_code: Option<Option<String>>,
    /// Opening date.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub opened_on: Option<Option<String>>,
    /// Anniversary MM-DD.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub anniversary: Option<Option<String>>,
    /// Yearly turnover in yuan.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub turnover: Option<Option<String>>,
    /// Consumer reach 1–5.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub consumer_reach: Option<Option<String>>,
    /// Financial strength 1–5.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub financial_strength: Option<Option<String>>,
    /// Management level 1–5.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub management_level: Option<Option<String>>,
    /// Stage.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub stage: Option<Option<String>>,
    /// Status.
    pub status: Option<String>,
    /// Tags (replaces the list).
    pub tags: Option<Vec<String>>,
}

/// List filters.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Name (汉字, pinyin, initials), phone or tag.
    pub q: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Class in force: key, secondary, normal.
    pub class: Option<String>,
    /// Region code: this region and everything below it.
    pub region: Option<String>,
    /// Territory id: its regions.
    pub territory_id: Option<i64>,
    /// Owner id.
    pub owner_id: Option<i64>,
    /// Tag.
    pub tag: Option<String>,
    /// Stage.
    pub stage: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Only orphans (owner disabled).
    pub orphans: Option<bool>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// Deletion guard.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version you read; if given, the delete fails with 409 when it changed.
    pub version: Option<i64>,
}

/// A class set by hand.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassIn {
    /// `key`, `secondary`, `normal`, or `null` to follow the score again.
    pub class: Option<String>,
    /// Why (required when setting a class).
    pub reason: Option<String>,
}

/// Customers to give to another rep.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignIn {
    /// The records.
    pub ids: Vec<i64>,
    /// The new owner.
    pub owner_id: i64,
    /// Organisations only: also move their people owned by the same rep.
    #[serde(default)]
    pub with_people: bool,
}

/// How many records moved.
#[derive(Serialize, ToSchema)]
pub struct ReassignOut {
    /// Records moved.
    pub moved: usize,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(get_organisation, patch_organisation, delete_organisation))
        .routes(routes!(set_class))
        .routes(routes!(reassign_organisations))
        .routes(routes!(organisation_tags))
}

fn parse_opt<T>(field: &str, v: Option<&str>, parse: fn(&str) -> std::result::Result<T, Problem>) -> Result<Option<T>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => parse(v).map(Some).map_err(|p| Error::Validation(FieldErrors::one(field, p))),
        None => Ok(None),
    }
}

/// The store filter for a query (shared with the pages).
pub async fn filter_of(state: &AppState, q: &OrganisationQuery) -> Result<OrganisationFilter> {
    let region_prefixes = match q.territory_id {
        Some(t) => Some(state.store.territory_prefixes(t).await.map_err(|e| match e {
            keqing_store::StoreError::NotFound => {
                Error::Validation(FieldErrors::one("territory_id", Problem::UnknownReference))
            }
            other => other.into(),
        })?),
        None => None,
    };
    Ok(OrganisationFilter {
        q: q.q.clone(),
        kind: parse_opt("kind", q.kind.as_deref(), OrgKind::parse)?,
        class: parse_opt("class", q.class.as_deref(), CustomerClass::parse)?,
        region: parse_opt("region", q.region.as_deref(), |r| {
            keqing_core::model::organisation::region_code(r).map(|c| c.unwrap_or_default())
        })?,
        region_prefixes,
        owner: q.owner_id.map(UserId),
        tag: q.tag.clone().filter(|t| !t.trim().is_empty()),
        stage: parse_opt("stage", q.stage.as_deref(), Stage::parse)?,
        status: parse_opt("status", q.status.as_deref(), OrgStatus::parse)?,
        orphans: q.orphans.unwrap_or(false),
    })
}

/// Organisations in my scope, by pinyin.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrganisationQuery),
    responses((status = 200, body = Page<OrganisationOut>), (status = 422, body = super::ErrorBody)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OrganisationQuery>,
) -> Result<axum::Json<Page<OrganisationOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let filter = filter_of(&state, &q).await?;
    let scope = auth.customer_scope(&state).await?;
    let (items, total) = state.store.list_organisations(&scope, &filter, limit, offset).await?;
    Ok(axum::Json(Page { items: items.iter().map(OrganisationOut::from).collect(), total, limit, offset }))
}

/// One organisation in my scope (404 otherwise).
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationOut), (status = 404, body = super::ErrorBody)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<OrganisationOut>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(OrganisationOut::from(&state.store.organisation(&scope, OrganisationId(id)).await?)))
}

/// The draft of a new organisation (shared with the pages and imports).
pub fn draft_of(input: OrganisationIn, default_owner: UserId) -> OrganisationDraft {
    let text = |v: Option<String>| v.unwrap_or_default();
    OrganisationDraft {
        name: input.name,
        kind: input.kind,
        phone: text(input.phone),
        address: text(input.address),
        notes: text(input.notes),
        owner: Some(input.owner_id.map_or(default_owner, UserId)),
        region_code: text(input.region_code),
        opened_on: text(input.opened_on),
        anniversary: text(input.anniversary),
        turnover: text(input.turnover),
        consumer_reach: text(input.consumer_reach),
        financial_strength: text(input.financial_strength),
        management_level: text(input.management_level),
        stage: text(input.stage),
        status: text(input.status),
        tags: input.tags,
        co_owners: input.co_owner_ids.into_iter().map(UserId).collect(),
    }
}

/// Creates an organisation owned by me or someone in my scope.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationIn,
    responses((status = 201, body = OrganisationOut), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<OrganisationIn>,
) -> Result<(StatusCode, axum::Json<OrganisationOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let data = draft_of(input, auth.user.id).parse().map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    let org = state.store.create_organisation(&auth.actor(), &scope, &data).await?;
    Ok((StatusCode::CREATED, axum::Json(OrganisationOut::from(&org))))
}

/// Changes an organisation; 409 with the current values if `version` is stale.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    request_body = OrganisationPatch,
    responses((status = 200, body = OrganisationOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(p): Json<OrganisationPatch>,
) -> Result<axum::Json<OrganisationOut>> {
    auth.require(Permission::WriteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let current = state.store.organisation(&scope, OrganisationId(id)).await?;
    if p.version != current.version {
        return Err(Error::Conflict {
            version: current.version,
            current: serde_json::to_value(OrganisationOut::from(&current)).unwrap_or_default(),
        });
    }
    if p.owner_id.is_some_and(|o| o != current.owner_id.0) {
        auth.require(Permission::ReassignCustomers)?;
    }
    let mut draft = OrganisationDraft::from(&current.data());
    if let Some(n) = p.name {
        draft.name = n;
    }
    if let Some(k) = p.kind {
        draft.kind = k;
    }
    if let Some(s) = p.status {
        draft.status = s;
    }
    for (target, patch) in [
        (&mut draft.phone, &p.phone),
        (&mut draft.address, &p.address),
        (&mut draft.notes, &p.notes),
        (&mut draft.region_code, &p.region_code),
        (&mut draft.opened_on, &p.opened_on),
        (&mut draft.anniversary, &p.anniversary),
        (&mut draft.turnover, &p.turnover),
        (&mut draft.consumer_reach, &p.consumer_reach),
        (&mut draft.financial_strength, &p.financial_strength),
        (&mut draft.management_level, &p.management_level),
        (&mut draft.stage, &p.stage),
    ] {
        patch_text(target, patch);
    }
    if let Some(o) = p.owner_id {
        draft.owner = Some(UserId(o));
    }
    if let Some(co) = p.co_owner_ids {
        draft.co_owners = co.into_iter().map(UserId).collect();
    }
    if let Some(t) = p.tags {
        draft.tags = t;
    }
    let data = draft.parse().map_err(Error::Validation)?;
    let org = state.store.update_organisation(&auth.actor(), &scope, OrganisationId(id), p.version, &data).await?;
    Ok(axum::Json(OrganisationOut::from(&org)))
}

/// Deletes an organisation (managers and admins); its people stay.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path), VersionQuery),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn delete_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode> {
    auth.require(Permission::DeleteCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let version = match q.version {
        Some(v) => v,
        None => state.store.organisation(&scope, OrganisationId(id)).await?.version,
    };
    state.store.delete_organisation(&auth.actor(), &scope, OrganisationId(id), version).await?;
    Ok(no_content())
}

/// Sets the class by hand (managers, admins), or clears it to follow the
/// score again; the reason is recorded and the change audited.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/class", tag = "organisations", params(("id" = i64, Path)),
    request_body = ClassIn,
    responses((status = 200, body = OrganisationOut), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn set_class(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ClassIn>,
) -> Result<axum::Json<OrganisationOut>> {
    auth.require(Permission::ClassifyCustomers)?;
    let class = parse_opt("class", input.class.as_deref(), CustomerClass::parse)?;
    let reason = keqing_core::validate::optional_line(input.reason.as_deref().unwrap_or(""), 200)
        .map_err(|p| Error::Validation(FieldErrors::one("reason", p)))?;
    let scope = auth.customer_scope(&state).await?;
    let org = state.store.set_class(&auth.actor(), &scope, OrganisationId(id), class, reason.as_deref()).await?;
    Ok(axum::Json(OrganisationOut::from(&org)))
}

/// Gives organisations (orphans, a territory change) to another rep in my
/// scope, optionally with their people; every change is audited.
#[utoipa::path(post, path = "/api/v1/organisations/reassign", tag = "organisations", request_body = ReassignIn,
    responses((status = 200, body = ReassignOut), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn reassign_organisations(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ReassignIn>,
) -> Result<axum::Json<ReassignOut>> {
    auth.require(Permission::ReassignCustomers)?;
    if input.ids.is_empty() || input.ids.len() > 5000 {
        return Err(Error::Validation(FieldErrors::one("ids", Problem::OutOfRange { min: 1, max: 5000 })));
    }
    let scope = auth.customer_scope(&state).await?;
    let ids: Vec<OrganisationId> = input.ids.into_iter().map(OrganisationId).collect();
    let moved = state
        .store
        .reassign_organisations(&auth.actor(), &scope, &ids, UserId(input.owner_id), input.with_people)
        .await?;
    Ok(axum::Json(ReassignOut { moved }))
}

/// A tag and how many organisations in my scope carry it.
#[derive(Serialize, ToSchema)]
pub struct TagCount {
    /// Tag.
    pub tag: String,
    /// Organisations.
    pub count: i64,
}

/// The tags in use in my scope, most used first.
#[utoipa::path(get, path = "/api/v1/organisation-tags", tag = "organisations", responses((status = 200, body = Vec<TagCount>)))]
pub async fn organisation_tags(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<TagCount>>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let tags = state.store.organisation_tags(&scope).await?;
    Ok(axum::Json(tags.into_iter().map(|(tag, count)| TagCount { tag, count }).collect()))
}
