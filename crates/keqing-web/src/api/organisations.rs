//! Customer organisations, within the caller's scope.

use super::{Page, no_content, nullable, paging, patch_text};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keqing_core::model::{OrgKind, OrganisationDraft};
use keqing_core::validate::FieldErrors;
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
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A new organisation.
#[derive(Deserialize, ToSchema)]
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
    /// Owning rep (someone in your scope).
    pub owner_id: Option<i64>,
}

/// List filters.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Part of the name, phone or address.
    pub q: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Owner id.
    pub owner_id: Option<i64>,
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

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_organisations, create_organisation)).routes(routes!(
        get_organisation,
        patch_organisation,
        delete_organisation
    ))
}

/// Organisations in my scope, by name.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrganisationQuery),
    responses((status = 200, body = Page<OrganisationOut>), (status = 400, body = super::ErrorBody)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OrganisationQuery>,
) -> Result<axum::Json<Page<OrganisationOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(OrgKind::parse(k).map_err(|p| Error::Validation(FieldErrors::one("kind", p)))?),
        None => None,
    };
    let filter = OrganisationFilter { q: q.q, kind, owner: q.owner_id.map(UserId) };
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

/// Creates an organisation owned by me or someone in my scope.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationIn,
    responses((status = 201, body = OrganisationOut), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<OrganisationIn>,
) -> Result<(StatusCode, axum::Json<OrganisationOut>)> {
    auth.require(Permission::WriteCustomers)?;
    let draft = OrganisationDraft {
        name: input.name,
        kind: input.kind,
        phone: input.phone.unwrap_or_default(),
        address: input.address.unwrap_or_default(),
        notes: input.notes.unwrap_or_default(),
        owner: Some(input.owner_id.map_or(auth.user.id, UserId)),
    };
    let data = draft.parse().map_err(Error::Validation)?;
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
    patch_text(&mut draft.phone, &p.phone);
    patch_text(&mut draft.address, &p.address);
    patch_text(&mut draft.notes, &p.notes);
    if let Some(o) = p.owner_id {
        draft.owner = Some(UserId(o));
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
