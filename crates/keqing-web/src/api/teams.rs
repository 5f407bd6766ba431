//! The team tree: list (anyone who may view users), edit (admin).

use super::{no_content, nullable};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keqing_core::validate::{self, FieldErrors, limits};
use keqing_core::{Permission, TeamId, UserId};
use keqing_store::teams::{Team, TeamData};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A team.
#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The team above.
    pub parent_team_id: Option<i64>,
    /// The manager.
    pub manager_user_id: Option<i64>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Team> for TeamOut {
    fn from(t: &Team) -> Self {
        TeamOut {
            id: t.id,
            name: t.name.clone(),
            parent_team_id: t.parent_team_id,
            manager_user_id: t.manager_user_id,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A new team.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    /// Name, unique.
    pub name: String,
    /// The team above.
    pub parent_team_id: Option<i64>,
    /// The manager.
    pub manager_user_id: Option<i64>,
}

/// Changes to a team. Omitted fields stay; `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    /// The version you read.
    pub version: i64,
    /// Name.
    pub name: Option<String>,
    /// The team above.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_team_id: Option<Option<i64>>,
    /// The manager.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub manager_user_id: Option<Option<i64>>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_teams, create_team)).routes(routes!(patch_team, delete_team))
}

/// Checks a team name.
pub fn team_name(name: &str) -> Result<String> {
    validate::required_line(name, limits::NAME).map_err(|p| Error::Validation(FieldErrors::one("name", p)))
}

/// Every team.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", responses((status = 200, body = Vec<TeamOut>)))]
pub async fn list_teams(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<Vec<TeamOut>>> {
    auth.require(Permission::ViewUsers)?;
    Ok(axum::Json(state.store.list_teams().await?.iter().map(TeamOut::from).collect()))
}

/// Creates a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = TeamIn,
    responses((status = 201, body = TeamOut), (status = 422, body = super::ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<TeamIn>,
) -> Result<(StatusCode, axum::Json<TeamOut>)> {
    auth.require(Permission::ManageUsers)?;
    let data = TeamData {
        name: team_name(&input.name)?,
        parent: input.parent_team_id.map(TeamId),
        manager: input.manager_user_id.map(UserId),
    };
    let team = state.store.create_team(&auth.actor(), &data).await?;
    Ok((StatusCode::CREATED, axum::Json(TeamOut::from(&team))))
}

/// Changes a team (admin); refuses to make a team its own ancestor.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)), request_body = TeamPatch,
    responses((status = 200, body = TeamOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn patch_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(p): Json<TeamPatch>,
) -> Result<axum::Json<TeamOut>> {
    auth.require(Permission::ManageUsers)?;
    let current = state.store.team(TeamId(id)).await?;
    let data = TeamData {
        name: match &p.name {
            Some(n) => team_name(n)?,
            None => current.name.clone(),
        },
        parent: p.parent_team_id.unwrap_or(current.parent_team_id).map(TeamId),
        manager: p.manager_user_id.unwrap_or(current.manager_user_id).map(UserId),
    };
    let team = state.store.update_team(&auth.actor(), TeamId(id), p.version, &data).await?;
    Ok(axum::Json(TeamOut::from(&team)))
}

/// Deletes a team; members and sub-teams are kept, without a team (admin).
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_team(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Result<StatusCode> {
    auth.require(Permission::ManageUsers)?;
    state.store.delete_team(&auth.actor(), TeamId(id)).await?;
    Ok(no_content())
}
