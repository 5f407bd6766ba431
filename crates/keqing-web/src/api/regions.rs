//! Regions (GB/T 2260) and sales territories.

use super::no_content;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use keqing_core::region::Region;
use keqing_core::validate::{self, FieldErrors, Problem, limits};
use keqing_core::{Permission, UserId};
use keqing_store::regions::{Territory, TerritoryData};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A region.
#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    /// Six-digit GB/T 2260 code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The region above.
    pub parent_code: Option<String>,
    /// 1 province, 2 city, 3 county/district.
    pub level: u8,
}

impl From<Region> for RegionOut {
    fn from(r: Region) -> Self {
        RegionOut { code: r.code, name: r.name, parent_code: r.parent_code, level: r.level }
    }
}

/// `?parent=` or `?q=`.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// The regions below this code (provinces when absent).
    pub parent: Option<String>,
    /// Or: regions whose name or code contains this.
    pub q: Option<String>,
}

/// A territory.
#[derive(Serialize, ToSchema)]
pub struct TerritoryOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_user_id: Option<i64>,
    /// Region codes.
    pub regions: Vec<String>,
    /// Reps.
    pub member_ids: Vec<i64>,
    /// Version.
    pub version: i64,
}

impl From<&Territory> for TerritoryOut {
    fn from(t: &Territory) -> Self {
        TerritoryOut {
            id: t.id,
            name: t.name.clone(),
            manager_user_id: t.manager_user_id,
            regions: t.regions.clone(),
            member_ids: t.members.clone(),
            version: t.version,
        }
    }
}

/// A territory to create or change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerritoryIn {
    /// Name (unique).
    pub name: String,
    /// Manager.
    pub manager_user_id: Option<i64>,
    /// Region codes (provinces, cities or counties).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Reps.
    #[serde(default)]
    pub member_ids: Vec<i64>,
    /// The version you read (changes only).
    pub version: Option<i64>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions))
        .routes(routes!(region_path))
        .routes(routes!(list_territories, create_territory))
        .routes(routes!(update_territory, delete_territory))
}

/// Regions: the children of `parent`, or a name search.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery), responses((status = 200, body = Vec<RegionOut>)))]
pub async fn list_regions(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<RegionQuery>,
) -> Result<axum::Json<Vec<RegionOut>>> {
    let regions = match q.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(text) => state.store.find_regions(text, 50).await?,
        None => state.store.regions(q.parent.as_deref()).await?,
    };
    Ok(axum::Json(regions.into_iter().map(RegionOut::from).collect()))
}

/// A region and the regions above it, top first.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path)),
    responses((status = 200, body = Vec<RegionOut>), (status = 404, body = super::ErrorBody)))]
pub async fn region_path(
    State(state): State<AppState>,
    _auth: Auth,
    Path(code): Path<String>,
) -> Result<axum::Json<Vec<RegionOut>>> {
    Ok(axum::Json(state.store.region_path(&code).await?.into_iter().map(RegionOut::from).collect()))
}

/// Every territory.
#[utoipa::path(get, path = "/api/v1/territories", tag = "regions", responses((status = 200, body = Vec<TerritoryOut>)))]
pub async fn list_territories(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<TerritoryOut>>> {
    auth.require(Permission::ReadCustomers)?;
    Ok(axum::Json(state.store.list_territories().await?.iter().map(TerritoryOut::from).collect()))
}

fn territory_data(input: &TerritoryIn) -> Result<TerritoryData> {
    let name = validate::required_line(&input.name, limits::NAME)
        .map_err(|p| Error::Validation(FieldErrors::one("name", p)))?;
    if input.regions.len() > 500 || input.member_ids.len() > 500 {
        return Err(Error::Validation(FieldErrors::one("regions", Problem::Rule { rule: "too_many" })));
    }
    Ok(TerritoryData {
        name,
        manager: input.manager_user_id.map(UserId),
        regions: input.regions.iter().map(|r| r.trim().to_owned()).collect(),
        members: input.member_ids.iter().copied().map(UserId).collect(),
    })
}

/// Creates a territory (admin).
#[utoipa::path(post, path = "/api/v1/territories", tag = "regions", request_body = TerritoryIn,
    responses((status = 201, body = TerritoryOut), (status = 422, body = super::ErrorBody)))]
pub async fn create_territory(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<TerritoryIn>,
) -> Result<(StatusCode, axum::Json<TerritoryOut>)> {
    auth.require(Permission::ManageReferenceData)?;
    let t = state.store.create_territory(&auth.actor(), &territory_data(&input)?).await?;
    Ok((StatusCode::CREATED, axum::Json(TerritoryOut::from(&t))))
}

/// Changes a territory (admin; send the version you read).
#[utoipa::path(put, path = "/api/v1/territories/{id}", tag = "regions", params(("id" = i64, Path)), request_body = TerritoryIn,
    responses((status = 200, body = TerritoryOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_territory(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<TerritoryIn>,
) -> Result<axum::Json<TerritoryOut>> {
    auth.require(Permission::ManageReferenceData)?;
    let version = input.version.ok_or_else(|| Error::Validation(FieldErrors::one("version", Problem::Required)))?;
    let t = state.store.update_territory(&auth.actor(), id, version, &territory_data(&input)?).await?;
    Ok(axum::Json(TerritoryOut::from(&t)))
}

/// Deletes a territory (admin); customers and regions are untouched.
#[utoipa::path(delete, path = "/api/v1/territories/{id}", tag = "regions", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_territory(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::ManageReferenceData)?;
    state.store.delete_territory(&auth.actor(), id).await?;
    Ok(no_content())
}
