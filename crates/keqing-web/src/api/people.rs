//! People at customer organisations, within the caller's scope.

use super::organisations::VersionQuery;
use super::{Page, no_content, nullable, paging, patch_text};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keqing_core::model::PersonDraft;
use keqing_core::{OrganisationId, Permission, PersonId, UserId};
use keqing_store::people::{Person, PersonFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A person. Finance users get `notes: null` (no personal details).
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
    /// WeChat id.
    pub wechat: Option<String>,
    /// Organisation.
    pub organisation_id: Option<i64>,
    /// Organisation's name.
    pub organisation_name: Option<String>,
    /// Position there.
    pub position: Option<String>,
    /// Notes (personal details).
    pub notes: Option<String>,
    /// Owning rep.
    pub owner_id: i64,
    /// Owning rep's name.
    pub owner_name: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl PersonOut {
    /// The person as `auth` may see them.
    pub fn for_viewer(p: &Person, auth: &Auth) -> Self {
        let personal = auth.can(Permission::ViewPersonalDetails);
        PersonOut {
            id: p.id.0,
            name: p.name.clone(),
            gender: p.gender.as_str().to_owned(),
            phone: p.phone.clone(),
            wechat: p.wechat.clone(),
            organisation_id: p.organisation_id.map(|o| o.0),
            organisation_name: p.organisation_name.clone(),
            position: p.position.clone(),
            notes: if personal { p.notes.clone() } else { None },
            owner_id: p.owner_id.0,
            owner_name: p.owner_name.clone(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A new person.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    /// Full name (≤ 100).
    pub name: String,
    /// Gender (`male`/`female`/`unknown` or 男/女).
    pub gender: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Organisation (in your scope).
    pub organisation_id: Option<i64>,
    /// Position there (≤ 50).
    pub position: Option<String>,
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
    /// WeChat.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub wechat: Option<Option<String>>,
    /// Organisation.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Option<Option<i64>>,
    /// Position.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// Owning rep.
    pub owner_id: Option<i64>,
}

/// List filters.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Part of the name, phone, WeChat id or organisation name.
    pub q: Option<String>,
    /// Organisation id.
    pub organisation_id: Option<i64>,
    /// Owner id.
    pub owner_id: Option<i64>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_people, create_person)).routes(routes!(
        get_person,
        patch_person,
        delete_person
    ))
}

/// People in my scope, by name.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PersonQuery),
    responses((status = 200, body = Page<PersonOut>)))]
pub async fn list_people(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PersonQuery>,
) -> Result<axum::Json<Page<PersonOut>>> {
    auth.require(Permission::ReadCustomers)?;
    let (limit, offset) = paging(q.limit, q.offset)?;
    let filter =
        PersonFilter { q: q.q, organisation: q.organisation_id.map(OrganisationId), owner: q.owner_id.map(UserId) };
    let scope = auth.customer_scope(&state).await?;
    let (items, total) = state.store.list_people(&scope, &filter, limit, offset).await?;
    Ok(axum::Json(Page {
        items: items.iter().map(|p| PersonOut::for_viewer(p, &auth)).collect(),
        total,
        limit,
        offset,
    }))
}

/// One person in my scope (404 otherwise).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonOut), (status = 404, body = super::ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<PersonOut>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    Ok(axum::Json(PersonOut::for_viewer(&state.store.person(&scope, PersonId(id)).await?, &auth)))
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
    let draft = PersonDraft {
        name: input.name,
        gender: input.gender.unwrap_or_default(),
        phone: input.phone.unwrap_or_default(),
        wechat: input.wechat.unwrap_or_default(),
        organisation: input.organisation_id.map(OrganisationId),
        position: input.position.unwrap_or_default(),
        notes: input.notes.unwrap_or_default(),
        owner: Some(input.owner_id.map_or(auth.user.id, UserId)),
    };
    let data = draft.parse().map_err(Error::Validation)?;
    let scope = auth.customer_scope(&state).await?;
    let person = state.store.create_person(&auth.actor(), &scope, &data).await?;
    Ok((StatusCode::CREATED, axum::Json(PersonOut::for_viewer(&person, &auth))))
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
            current: serde_json::to_value(PersonOut::for_viewer(&current, &auth)).unwrap_or_default(),
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
    patch_text(&mut draft.phone, &p.phone);
    patch_text(&mut draft.wechat, &p.wechat);
    patch_text(&mut draft.position, &p.position);
    patch_text(&mut draft.notes, &p.notes);
    if let Some(o) = p.organisation_id {
        draft.organisation = o.map(OrganisationId);
    }
    if let Some(o) = p.owner_id {
        draft.owner = Some(UserId(o));
    }
    let data = draft.parse().map_err(Error::Validation)?;
    let person = state.store.update_person(&auth.actor(), &scope, PersonId(id), p.version, &data).await?;
    Ok(axum::Json(PersonOut::for_viewer(&person, &auth)))
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
