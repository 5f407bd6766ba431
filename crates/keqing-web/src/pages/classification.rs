//! Classification (客户分级): the Pareto view of a territory, the class
//! counts, the top-20/20/30 suggestion a manager applies, and the rules an
//! admin tunes.

use super::customers::Choice;
use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::classification::ranked;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keqing_core::classify::{self, Pareto, Rules};
use keqing_core::model::CustomerClass;
use keqing_core::validate::{self, FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission};
use keqing_store::organisations::Organisation;
use keqing_store::regions::Territory;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/classification", get(page))
        .route("/classification/apply", post(apply))
        .route("/classification/rules", post(save_rules))
}

#[derive(Deserialize, Default)]
struct TerritoryQuery {
    territory_id: Option<String>,
}

impl TerritoryQuery {
    fn id(&self) -> Option<i64> {
        self.territory_id.as_deref().and_then(|t| t.trim().parse().ok())
    }
}

/// One line of the suggestion.
struct Line {
    org: Organisation,
    suggested: CustomerClass,
}

/// One decile bar of the Pareto curve.
struct Decile {
    label: u32,
    pct: f64,
}

#[derive(Template)]
#[template(path = "classification.html")]
struct Page {
    c: Chrome,
    territories: Vec<Territory>,
    territory: Option<i64>,
    pareto: Pareto,
    deciles: Vec<Decile>,
    counts: Vec<(Choice, usize)>,
    lines: Vec<Line>,
    can_classify: bool,
    can_rules: bool,
    rules: Rules,
    rules_version: i64,
    errors: FormErrors,
}

impl Page {
    fn yuan(&self, fen: &i64) -> String {
        keqing_core::money::format_short(*fen)
    }
    fn class_label(&self, k: &CustomerClass) -> &'static str {
        k.label(self.c.lang.is_zh())
    }
    fn changes(&self, l: &Line) -> bool {
        l.org.class != l.suggested
    }
    fn sel(&self, id: &i64) -> bool {
        self.territory == Some(*id)
    }
    fn band(&self, i: usize) -> i64 {
        self.rules.turnover_bands_yuan[i]
    }
    fn quota(&self, i: usize) -> usize {
        self.rules.quota[i]
    }
}

async fn page_with(state: &AppState, auth: &Auth, territory: Option<i64>, errors: FormErrors) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let zh = auth.ctx.lang.is_zh();
    let scope = auth.customer_scope(state).await?;
    let prefixes = match territory {
        Some(t) => Some(state.store.territory_prefixes(t).await?),
        None => None,
    };
    let orgs = state.store.classification_inputs(&scope, prefixes.as_deref()).await?;
    let pareto = classify::pareto(&orgs.iter().filter_map(|o| o.turnover_fen).collect::<Vec<_>>());
    let deciles =
        pareto.curve_pct.iter().enumerate().map(|(i, p)| Decile { label: (i as u32 + 1) * 10, pct: *p }).collect();
    let counts = CustomerClass::ALL
        .iter()
        .map(|k| {
            let choice = Choice { value: k.as_str().to_owned(), label: k.label(zh).to_owned() };
            (choice, orgs.iter().filter(|o| o.class == *k).count())
        })
        .collect();
    let can_classify = auth.can(Permission::ClassifyCustomers);
    let lines = if can_classify {
        ranked(state, auth, territory).await?.into_iter().map(|(org, suggested)| Line { org, suggested }).collect()
    } else {
        Vec::new()
    };
    let rules = state.store.classification_rules().await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = render(&Page {
        c: Chrome::new(&auth.ctx),
        territories: state.store.list_territories().await?,
        territory,
        pareto,
        deciles,
        counts,
        lines,
        can_classify,
        can_rules: auth.can(Permission::ManageReferenceData),
        rules: rules.value,
        rules_version: rules.version,
        errors,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<TerritoryQuery>) -> Result<Response> {
    page_with(&state, &auth, q.id(), FormErrors::default()).await
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    territory_id: String,
    #[serde(default)]
    reason: String,
}

async fn apply(State(state): State<AppState>, auth: Auth, Form(f): Form<ApplyForm>) -> Result<Response> {
    auth.require(Permission::ClassifyCustomers)?;
    let territory = f.territory_id.trim().parse::<i64>().ok();
    let reason = match validate::required_line(&f.reason, 200) {
        Ok(r) => r,
        Err(p) => {
            return page_with(
                &state,
                &auth,
                territory,
                FormErrors::from(auth.ctx.lang, &FieldErrors::one("reason", p)),
            )
            .await;
        }
    };
    let scope = auth.customer_scope(&state).await?;
    for (o, class) in ranked(&state, &auth, territory).await? {
        if o.class_manual != Some(class) {
            state.store.set_class(&auth.actor(), &scope, OrganisationId(o.id.0), Some(class), Some(&reason)).await?;
        }
    }
    let back = territory.map_or_else(|| "/classification".to_owned(), |t| format!("/classification?territory_id={t}"));
    Ok(Redirect::to(&back).into_response())
}

/// The rules form: every number as typed.
#[derive(Deserialize)]
struct RulesForm {
    version: i64,
    weight_turnover: String,
    weight_reach: String,
    weight_strength: String,
    weight_management: String,
    band_1: String,
    band_2: String,
    band_3: String,
    band_4: String,
    key_from: String,
    secondary_from: String,
    quota_key: String,
    quota_secondary: String,
    quota_normal: String,
}

fn number<T: std::str::FromStr + Into<i64> + Copy + Default>(
    e: &mut FieldErrors,
    field: &str,
    text: &str,
    max: i64,
) -> T {
    match text.trim().parse::<T>() {
        Ok(v) if v.into() >= 0 && v.into() <= max => v,
        Ok(_) => {
            e.push(field, Problem::OutOfRange { min: 0, max });
            T::default()
        }
        Err(_) => {
            e.push(
                field,
                Problem::InRow {
                    value: text.trim().to_owned(),
                    problem: Box::new(Problem::Invalid { expected: "integer" }),
                },
            );
            T::default()
        }
    }
}

async fn save_rules(State(state): State<AppState>, auth: Auth, Form(f): Form<RulesForm>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let mut e = FieldErrors::default();
    let mut band = |field: &str, text: &str| -> i64 {
        match keqing_core::money::parse_non_negative_yuan(text) {
            Ok(Some(fen)) => fen / 100,
            Ok(None) => {
                e.push(field, Problem::Required);
                0
            }
            Err(p) => {
                e.push(field, p);
                0
            }
        }
    };
    let bands =
        [band("band_1", &f.band_1), band("band_2", &f.band_2), band("band_3", &f.band_3), band("band_4", &f.band_4)];
    let rules = Rules {
        weight_turnover: number::<u32>(&mut e, "weight_turnover", &f.weight_turnover, 100),
        weight_reach: number::<u32>(&mut e, "weight_reach", &f.weight_reach, 100),
        weight_strength: number::<u32>(&mut e, "weight_strength", &f.weight_strength, 100),
        weight_management: number::<u32>(&mut e, "weight_management", &f.weight_management, 100),
        turnover_bands_yuan: bands,
        key_from: number::<u32>(&mut e, "key_from", &f.key_from, 100),
        secondary_from: number::<u32>(&mut e, "secondary_from", &f.secondary_from, 100),
        quota: [
            number::<u32>(&mut e, "quota_key", &f.quota_key, 10_000) as usize,
            number::<u32>(&mut e, "quota_secondary", &f.quota_secondary, 10_000) as usize,
            number::<u32>(&mut e, "quota_normal", &f.quota_normal, 10_000) as usize,
        ],
    };
    if e.is_empty()
        && let Err((field, _)) = rules.check()
    {
        e.push(field, Problem::Rule { rule: "classification_rules" });
    }
    if !e.is_empty() {
        return page_with(&state, &auth, None, FormErrors::from(auth.ctx.lang, &e)).await;
    }
    match state.store.set_classification_rules(&auth.actor(), f.version, &rules).await {
        Ok(_) => Ok(Redirect::to("/classification").into_response()),
        Err(keqing_store::StoreError::Conflict { .. }) => {
            let e = FieldErrors::one("version", Problem::Rule { rule: "edited_meanwhile" });
            page_with(&state, &auth, None, FormErrors::from(auth.ctx.lang, &e)).await
        }
        Err(other) => Err(Error::from(other)),
    }
}
