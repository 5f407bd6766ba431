//! Exporting the people and organisations in the caller's reach as CSV
//! (UTF-8 with BOM, for Excel), xlsx or — people — vCard 4.0. The people
//! files use the import's headers, so an export imports back unchanged.
//! Finance users get the files without personal fields. Every export is
//! audited (PIPL: who took which personal data out).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use keqing_core::audit::Action;
use keqing_core::import::Column;
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{OrganisationId, Permission, UserId, table, vcard};
use keqing_store::organisations::Organisation;
use keqing_store::people::{Person, PersonFilter};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The most rows one export holds.
pub const MAX_ROWS: i64 = 500_000;

/// `?format=` and the list filters.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default), `xlsx`, or `vcf` (people only).
    pub format: Option<String>,
    /// Search text, as in the lists.
    pub q: Option<String>,
    /// People of this organisation.
    pub organisation_id: Option<i64>,
    /// Records of this owner.
    pub owner_id: Option<i64>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_people)).routes(routes!(export_organisations))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
    Vcf,
}

fn format(text: Option<&str>, vcf: bool) -> Result<Format> {
    match text.unwrap_or("csv").trim() {
        "csv" | "" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        "vcf" | "vcard" if vcf => Ok(Format::Vcf),
        _ => {
            let mut allowed = vec!["csv".to_owned(), "xlsx".to_owned()];
            if vcf {
                allowed.push("vcf".into());
            }
            Err(Error::Validation(FieldErrors::one("format", Problem::NotOneOf { allowed })))
        }
    }
}

/// A file download: `ascii` for old clients, `name` (Chinese) for the rest.
fn download(bytes: Vec<u8>, content_type: &'static str, ascii: &str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::context::urlencode(name));
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// Everyone in scope matching the filter, in pinyin order.
async fn people_in_scope(state: &AppState, auth: &Auth, q: &ExportQuery) -> Result<Vec<Person>> {
    let scope = auth.customer_scope(state).await?;
    let filter = PersonFilter {
        q: q.q.clone().filter(|t| !t.trim().is_empty()),
        organisation: q.organisation_id.map(OrganisationId),
        owner: q.owner_id.map(UserId),
        orphans: false,
    };
    let mut out = Vec::new();
    loop {
        let (page, total) = state.store.list_people(&scope, &filter, 5_000, out.len() as i64).await?;
        if total > MAX_ROWS {
            return Err(Error::Validation(FieldErrors::one("q", Problem::Rule { rule: "export_too_large" })));
        }
        let last = page.len() < 5_000;
        out.extend(page);
        if last {
            return Ok(out);
        }
    }
}

fn person_row(p: &Person, personal: bool, usernames: &HashMap<UserId, String>) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let private = |v: &Option<String>| if personal { o(v) } else { String::new() };
    Column::ALL
        .iter()
        .map(|c| match c {
            Column::Name => p.name.clone(),
            Column::Gender => match p.gender {
                keqing_core::model::Gender::Unknown => String::new(),
                g => g.label(true).to_owned(),
            },
            Column::Phone => o(&p.phone),
            Column::OtherPhones => p.other_phones.join("，"),
            Column::Wechat => o(&p.wechat),
            Column::Qq => o(&p.qq),
            Column::Email => o(&p.email),
            Column::Address => private(&p.address),
            Column::Organisation => o(&p.organisation_name),
            Column::OrganisationKind => String::new(),
            Column::Position => o(&p.position),
            Column::Birthday => p.birthday.filter(|_| personal).map(|b| b.display()).unwrap_or_default(),
            Column::Interests => private(&p.interests),
            Column::Tastes => private(&p.tastes),
            Column::GiftPreferences => private(&p.gift_preferences),
            Column::Taboos => private(&p.taboos),
            Column::HowWeMet => private(&p.how_we_met),
            Column::InfoSource => o(&p.info_source),
            Column::LegalBasis => p.legal_basis.map(|l| l.label(true).to_owned()).unwrap_or_default(),
            Column::Notes => private(&p.notes),
            Column::Owner => usernames.get(&p.owner_id).cloned().unwrap_or_default(),
        })
        .collect()
}

/// The people in my reach (or those matching `q`, of one organisation or
/// owner) as CSV, xlsx or vCard 4.0. Columns as the import reads them.
#[utoipa::path(get, path = "/api/v1/export/people", tag = "export", params(ExportQuery),
    responses((status = 200, description = "The file", content_type = "text/csv"), (status = 422, body = super::ErrorBody)))]
pub async fn export_people(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let fmt = format(q.format.as_deref(), true)?;
    let people = people_in_scope(&state, &auth, &q).await?;
    let personal = auth.can(Permission::ViewPersonalDetails);
    let usernames: HashMap<UserId, String> =
        state.store.list_users().await?.into_iter().map(|u| (u.id, u.username)).collect();
    let day = state.today().format("%Y%m%d");
    let (bytes, content_type, name) = match fmt {
        Format::Csv | Format::Xlsx => {
            let headers = keqing_core::import::export_headers();
            let rows: Vec<Vec<String>> = people.iter().map(|p| person_row(p, personal, &usernames)).collect();
            if fmt == Format::Csv {
                (table::csv_file(&headers, &rows).into_bytes(), "text/csv; charset=utf-8", format!("联系人-{day}.csv"))
            } else {
                let bytes =
                    table::xlsx_file("联系人", &headers, &rows).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
                (
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    format!("联系人-{day}.xlsx"),
                )
            }
        }
        Format::Vcf => {
            let mut out = String::new();
            for p in &people {
                let mut phones: Vec<&str> = p.phone.iter().map(String::as_str).collect();
                phones.extend(p.other_phones.iter().map(String::as_str));
                vcard::card(
                    &mut out,
                    &vcard::Card {
                        name: &p.name,
                        phones,
                        email: p.email.as_deref(),
                        wechat: p.wechat.as_deref(),
                        qq: p.qq.as_deref(),
                        organisation: p.organisation_name.as_deref(),
                        title: p.position.as_deref(),
                        address: p.address.as_deref().filter(|_| personal),
                        birthday: p.birthday.filter(|_| personal),
                        note: p.notes.as_deref().filter(|_| personal),
                        uid: format!("urn:keqing:person:{}", p.id),
                    },
                );
            }
            (out.into_bytes(), "text/vcard; charset=utf-8", format!("联系人-{day}.vcf"))
        }
    };
    let summary = format!("{} people as {}", people.len(), name.rsplit('.').next().unwrap_or(""));
    let details = serde_json::json!({ "count": people.len(), "q": q.q, "personal_fields": personal });
    state.store.audit_event(&auth.actor(), Action::Export, "person", "list", &summary, details).await?;
    let ascii = format!("people-{day}.{}", name.rsplit('.').next().unwrap_or("csv"));
    Ok(download(bytes, content_type, &ascii, &name))
}

const ORG_HEADERS: &[&str] = &[
    "名称",
    "类型",
    "级别",
    "评分",
    "电话",
    "地区代码",
    "地区",
    "地址",
    "负责人",
    "年营业额（元）",
    "消费者影响力",
    "资金实力",
    "管理水平",
    "关系阶段",
    "状态",
    "开业日期",
    "店庆日",
    "标签",
    "备注",
];

fn org_row(o: &Organisation, usernames: &HashMap<UserId, String>) -> Vec<String> {
    let n = |v: Option<u8>| v.map(|x| x.to_string()).unwrap_or_default();
    vec![
        o.name.clone(),
        o.kind.label(true).to_owned(),
        o.class.label(true).to_owned(),
        o.class_score.map(|s| s.to_string()).unwrap_or_default(),
        o.phone.clone().unwrap_or_default(),
        o.region_code.clone().unwrap_or_default(),
        o.region_label.clone().unwrap_or_default(),
        o.address.clone().unwrap_or_default(),
        usernames.get(&o.owner_id).cloned().unwrap_or_default(),
        o.turnover_fen.map(keqing_core::money::format_yuan).unwrap_or_default(),
        n(o.consumer_reach),
        n(o.financial_strength),
        n(o.management_level),
        o.stage.map(|s| s.label(true).to_owned()).unwrap_or_default(),
        o.status.label(true).to_owned(),
        o.opened_on.map(|d| d.to_string()).unwrap_or_default(),
        o.anniversary.clone().unwrap_or_default(),
        o.tags.join("，"),
        o.notes.clone().unwrap_or_default(),
    ]
}

/// The organisations in my reach (or those matching `q` or of one owner)
/// as CSV or xlsx.
#[utoipa::path(get, path = "/api/v1/export/organisations", tag = "export", params(ExportQuery),
    responses((status = 200, description = "The file", content_type = "text/csv"), (status = 422, body = super::ErrorBody)))]
pub async fn export_organisations(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    auth.require(Permission::ReadCustomers)?;
    let fmt = format(q.format.as_deref(), false)?;
    if q.organisation_id.is_some() {
        return Err(Error::Validation(FieldErrors::one("organisation_id", Problem::Rule { rule: "unknown_field" })));
    }
    let scope = auth.customer_scope(&state).await?;
    let filter = keqing_store::organisations::OrganisationFilter {
        q: q.q.clone().filter(|t| !t.trim().is_empty()),
        owner: q.owner_id.map(UserId),
        ..Default::default()
    };
    let mut orgs: Vec<Organisation> = Vec::new();
    loop {
        let (page, total) = state.store.list_organisations(&scope, &filter, 5_000, orgs.len() as i64).await?;
        if total > MAX_ROWS {
            return Err(Error::Validation(FieldErrors::one("q", Problem::Rule { rule: "export_too_large" })));
        }
        let last = page.len() < 5_000;
        orgs.extend(page);
        if last {
            break;
        }
    }
    let usernames: HashMap<UserId, String> =
        state.store.list_users().await?.into_iter().map(|u| (u.id, u.username)).collect();
    let rows: Vec<Vec<String>> = orgs.iter().map(|o| org_row(o, &usernames)).collect();
    let day = state.today().format("%Y%m%d");
    let (bytes, content_type, name) = if fmt == Format::Csv {
        (table::csv_file(ORG_HEADERS, &rows).into_bytes(), "text/csv; charset=utf-8", format!("客户-{day}.csv"))
    } else {
        let bytes = table::xlsx_file("客户", ORG_HEADERS, &rows).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
        (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", format!("客户-{day}.xlsx"))
    };
    let summary = format!("{} organisations as {}", orgs.len(), name.rsplit('.').next().unwrap_or(""));
    state
        .store
        .audit_event(
            &auth.actor(),
            Action::Export,
            "organisation",
            "list",
            &summary,
            serde_json::json!({ "count": orgs.len() }),
        )
        .await?;
    let ascii = format!("customers-{day}.{}", name.rsplit('.').next().unwrap_or("csv"));
    Ok(download(bytes, content_type, &ascii, &name))
}
