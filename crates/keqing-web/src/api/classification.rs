//! Customer classification: the rules, a territory's suggestion (top 20
//! key, next 20 secondary, next 30 normal) and the Pareto view.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Query};
use axum::extract::State;
use keqing_core::classify::{self, Pareto, Rules};
use keqing_core::model::CustomerClass;
use keqing_core::validate::{self, FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The rules and their version.
#[derive(Serialize, ToSchema)]
pub struct RulesOut {
    /// The rules.
    #[schema(value_type = Object)]
    pub rules: Rules,
    /// Version (0: the defaults, never saved).
    pub version: i64,
}

/// New rules.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesIn {
    /// The version you read.
    pub version: i64,
    /// The rules: `weight_turnover`, `weight_reach`, `weight_strength`,
    /// `weight_management`, `turnover_bands_yuan` (4 increasing amounts),
    /// `key_from`, `secondary_from` (0–100), `quota` ([key, secondary, normal]).
    #[schema(value_type = Object)]
    pub rules: Rules,
}

/// The effect of new rules.
#[derive(Serialize, ToSchema)]
pub struct RulesSaved {
    /// Organisations whose class changed.
    pub reclassified: usize,
}

/// `?territory_id=`.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TerritoryQuery {
    /// A territory (default: everything in my scope).
    pub territory_id: Option<i64>,
}

/// One line of a suggestion.
#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    /// Organisation.
    pub organisation_id: i64,
    /// Name.
    pub name: String,
    /// Score.
    pub score: Option<u32>,
    /// Turnover, fen.
    pub turnover_fen: Option<i64>,
    /// The class now.
    pub class: String,
    /// The suggested class.
    pub suggested: String,
}

/// Applying a suggestion.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyIn {
    /// The territory (default: my whole scope).
    pub territory_id: Option<i64>,
    /// Why (recorded with each class).
    pub reason: String,
}

/// How many classes were set.
#[derive(Serialize, ToSchema)]
pub struct ApplyOut {
    /// Organisations whose class was set.
    pub changed: usize,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(suggestion))
        .routes(routes!(apply_suggestion))
        .routes(routes!(pareto))
}

/// The classification rules in force.
#[utoipa::path(get, path = "/api/v1/classification/rules", tag = "classification", responses((status = 200, body = RulesOut)))]
pub async fn get_rules(State(state): State<AppState>, auth: Auth) -> Result<axum::Json<RulesOut>> {
    auth.require(Permission::ReadCustomers)?;
    let r = state.store.classification_rules().await?;
    Ok(axum::Json(RulesOut { rules: r.value, version: r.version }))
}

/// Changes the rules (admin) and reclassifies every organisation; class
/// changes are audited.
#[utoipa::path(put, path = "/api/v1/classification/rules", tag = "classification", request_body = RulesIn,
    responses((status = 200, body = RulesSaved), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<RulesIn>,
) -> Result<axum::Json<RulesSaved>> {
    auth.require(Permission::ManageReferenceData)?;
    input.rules.check().map_err(|(field, _)| {
        Error::Validation(FieldErrors::one(field, Problem::Rule { rule: "classification_rules" }))
    })?;
    let reclassified = state.store.set_classification_rules(&auth.actor(), input.version, &input.rules).await?;
    Ok(axum::Json(RulesSaved { reclassified }))
}

pub(crate) async fn ranked(
    state: &AppState,
    auth: &Auth,
    territory: Option<i64>,
) -> Result<Vec<(keqing_store::organisations::Organisation, CustomerClass)>> {
    let scope = auth.customer_scope(state).await?;
    let prefixes = match territory {
        Some(t) => Some(state.store.territory_prefixes(t).await?),
        None => None,
    };
    let orgs = state.store.classification_inputs(&scope, prefixes.as_deref()).await?;
    let rules = state.store.classification_rules().await?.value;
    let input: Vec<(i64, Option<u32>, Option<i64>)> =
        orgs.iter().map(|o| (o.id.0, o.class_score, o.turnover_fen)).collect();
    let suggested = classify::suggest(&rules, &input);
    Ok(suggested
        .into_iter()
        .filter_map(|(id, class)| orgs.iter().find(|o| o.id.0 == id).map(|o| (o.clone(), class)))
        .collect())
}

/// A territory's suggestion: active customers ranked by score, the first 20
/// key, the next 20 secondary, the next 30 normal (the quota is a rule).
#[utoipa::path(get, path = "/api/v1/classification/suggestion", tag = "classification", params(TerritoryQuery),
    responses((status = 200, body = Vec<SuggestionOut>)))]
pub async fn suggestion(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<TerritoryQuery>,
) -> Result<axum::Json<Vec<SuggestionOut>>> {
    auth.require(Permission::ClassifyCustomers)?;
    let list = ranked(&state, &auth, q.territory_id).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|(o, s)| SuggestionOut {
                organisation_id: o.id.0,
                name: o.name,
                score: o.class_score,
                turnover_fen: o.turnover_fen,
                class: o.class.as_str().to_owned(),
                suggested: s.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// Sets the suggested classes by hand, with the reason.
#[utoipa::path(post, path = "/api/v1/classification/suggestion/apply", tag = "classification", request_body = ApplyIn,
    responses((status = 200, body = ApplyOut), (status = 422, body = super::ErrorBody)))]
pub async fn apply_suggestion(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ApplyIn>,
) -> Result<axum::Json<ApplyOut>> {
    auth.require(Permission::ClassifyCustomers)?;
    let reason =
        validate::required_line(&input.reason, 200).map_err(|p| Error::Validation(FieldErrors::one("reason", p)))?;
    let scope = auth.customer_scope(&state).await?;
    let mut changed = 0;
    for (o, class) in ranked(&state, &auth, input.territory_id).await? {
        if o.class_manual != Some(class) {
            state.store.set_class(&auth.actor(), &scope, OrganisationId(o.id.0), Some(class), Some(&reason)).await?;
            changed += 1;
        }
    }
    Ok(axum::Json(ApplyOut { changed }))
}

/// What share of turnover the top 20% of customers bring.
#[utoipa::path(get, path = "/api/v1/classification/pareto", tag = "classification", params(TerritoryQuery),
    responses((status = 200, body = Object)))]
pub async fn pareto(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<TerritoryQuery>,
) -> Result<axum::Json<Pareto>> {
    auth.require(Permission::ReadCustomers)?;
    let scope = auth.customer_scope(&state).await?;
    let prefixes = match q.territory_id {
        Some(t) => Some(state.store.territory_prefixes(t).await?),
        None => None,
    };
    let orgs = state.store.classification_inputs(&scope, prefixes.as_deref()).await?;
    let turnovers: Vec<i64> = orgs.iter().filter_map(|o| o.turnover_fen).collect();
    Ok(axum::Json(classify::pareto(&turnovers)))
}
