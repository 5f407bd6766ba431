//! The calendar admin page: a year as twelve month grids (holidays,
//! make-up working days, weekends, festivals, lunar days), with editing of
//! single days and import of a year's notice (preview first).

use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::api::calendar::{ImportOut, holiday_day, import, parse_date};
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Form, Query};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, Weekday};
use keqing_core::Permission;
use keqing_core::calendar::festival;
use keqing_core::calendar::holidays::DayKind;
use keqing_core::calendar::lunar::{LunarDate, day_name, month_name};
use keqing_store::calendar::StoredDay;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(page))
        .route("/admin/calendar/days", post(set_day))
        .route("/admin/calendar/days/delete", post(delete_day))
        .route("/admin/calendar/years", post(start_year))
        .route("/admin/calendar/import", post(import_file))
}

struct Cell {
    day: u32,
    classes: String,
    lunar: String,
    label: String,
    title: String,
}

struct MonthGrid {
    title: String,
    /// Blank cells before the 1st (weeks start on Monday).
    lead: Vec<()>,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    known: bool,
    source: String,
    months: Vec<MonthGrid>,
    days: Vec<StoredDay>,
    weekdays: [&'static str; 7],
    errors: FormErrors,
    preview: Option<ImportOut>,
    preview_csv: String,
}

impl CalendarPage {
    fn kind_label(&self, k: &DayKind) -> &'static str {
        match k {
            DayKind::Off => self.c.t("calendar.off"),
            DayKind::Work => self.c.t("calendar.work"),
        }
    }
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i32>,
    notice: Option<String>,
}

async fn build(
    state: &AppState,
    auth: &Auth,
    year: i32,
    errors: FormErrors,
    preview: Option<(ImportOut, String)>,
) -> Result<CalendarPage> {
    let lang = auth.ctx.lang;
    let cal = state.calendar().await?;
    let (years, _) = state.store.holiday_table().await?;
    let source = years.iter().find(|y| y.year == i64::from(year)).map(|y| y.source.clone());
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(Error::NotFound)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(Error::NotFound)?;
    let festivals = festival::between(first, last).unwrap_or_default();
    let mut months = Vec::new();
    for m in 1..=12u32 {
        let (start, end) = keqing_core::calendar::month_bounds(year, m).ok_or(Error::NotFound)?;
        let mut cells = Vec::new();
        for d in (0..end.day()).filter_map(|i| start.checked_add_days(chrono::Days::new(u64::from(i)))) {
            let info = cal.day(d);
            let mut classes = vec![if info.working { "workday" } else { "restday" }];
            match info.kind {
                Some(DayKind::Off) => classes.push("holiday"),
                Some(DayKind::Work) => classes.push("makeup"),
                None => {}
            }
            if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                classes.push("weekend");
            }
            if info.provisional {
                classes.push("provisional");
            }
            let fest: Vec<&str> =
                festivals.iter().filter(|(fd, _)| *fd == d).map(|(_, f)| f.label(lang.is_zh())).collect();
            if !fest.is_empty() {
                classes.push("festival");
            }
            let lunar = LunarDate::from_solar(d)
                .map(|l| if l.day == 1 { month_name(l.month, l.leap) } else { day_name(l.day).to_owned() })
                .unwrap_or_default();
            let label = match (&info.kind, fest.first()) {
                (_, Some(f)) => (*f).to_owned(),
                (Some(DayKind::Work), None) => lang.t("calendar.work_short").to_owned(),
                (Some(DayKind::Off), None) => lang.t("calendar.off_short").to_owned(),
                _ => String::new(),
            };
            let title = info.name.clone().unwrap_or_default();
            cells.push(Cell { day: d.day(), classes: classes.join(" "), lunar, label, title });
        }
        let lead = vec![(); start.weekday().num_days_from_monday() as usize];
        let title = match lang {
            crate::i18n::Lang::Zh => format!("{m}月"),
            crate::i18n::Lang::En => start.format("%B").to_string(),
        };
        months.push(MonthGrid { title, lead, cells });
    }
    let c = Chrome::new(&auth.ctx);
    let (preview, preview_csv) = match preview {
        Some((p, csv)) => (Some(p), csv),
        None => (None, String::new()),
    };
    Ok(CalendarPage {
        c,
        year,
        known: source.is_some(),
        source: source.unwrap_or_default(),
        months,
        days: state.store.holiday_days(year).await?,
        weekdays: if lang.is_zh() {
            ["一", "二", "三", "四", "五", "六", "日"]
        } else {
            ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
        },
        errors,
        preview,
        preview_csv,
    })
}

async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<YearQuery>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let year = q.year.unwrap_or_else(|| state.today().year());
    if !(1901..=2099).contains(&year) {
        return Err(Error::NotFound);
    }
    let mut p = build(&state, &auth, year, FormErrors::default(), None).await?;
    if q.notice.as_deref() == Some("saved") {
        p.c = p.c.with_notice("profile.saved");
    }
    render(&p)
}

async fn rerender(state: &AppState, auth: &Auth, year: i32, e: Error) -> Result<Response> {
    match e {
        Error::Validation(fe) => {
            let mut resp = render(&build(state, auth, year, FormErrors::from(auth.ctx.lang, &fe), None).await?)?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        other => Err(other),
    }
}

#[derive(Deserialize)]
struct DayForm {
    date: String,
    kind: String,
    name: String,
    #[serde(default)]
    year: Option<String>,
}

async fn set_day(State(state): State<AppState>, auth: Auth, Form(f): Form<DayForm>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let result = async {
        let date = parse_date("date", &f.date)?;
        let year = match f.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
            Some(y) => Some(y.parse::<i32>().map_err(|_| {
                Error::Validation(keqing_core::validate::FieldErrors::one(
                    "year",
                    keqing_core::validate::Problem::Invalid { expected: "year" },
                ))
            })?),
            None => None,
        };
        let d = holiday_day(date, &f.kind, &f.name, year)?;
        state.store.set_holiday_day(&auth.actor(), &d, None).await?;
        state.calendar_changed();
        Ok::<i32, Error>(d.year)
    }
    .await;
    match result {
        Ok(y) => Ok(Redirect::to(&format!("/admin/calendar?year={y}&notice=saved")).into_response()),
        Err(e) => {
            let year = parse_date("date", &f.date).map(|d| d.year()).unwrap_or_else(|_| state.today().year());
            rerender(&state, &auth, year, e).await
        }
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    date: String,
}

async fn delete_day(State(state): State<AppState>, auth: Auth, Form(f): Form<DeleteForm>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let date = parse_date("date", &f.date)?;
    state.store.delete_holiday_day(&auth.actor(), date).await?;
    state.calendar_changed();
    Ok(Redirect::to(&format!("/admin/calendar?year={}&notice=saved", date.year())).into_response())
}

#[derive(Deserialize)]
struct StartYearForm {
    year: i32,
}

async fn start_year(State(state): State<AppState>, auth: Auth, Form(f): Form<StartYearForm>) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    match state.store.create_holiday_year(&auth.actor(), f.year, "entered by hand").await {
        Ok(()) => {
            state.calendar_changed();
            Ok(Redirect::to(&format!("/admin/calendar?year={}&notice=saved", f.year)).into_response())
        }
        Err(e) => rerender(&state, &auth, f.year, e.into()).await,
    }
}

/// Import: a file (multipart `file`) or pasted text (`csv`), for `year`;
/// `action=preview` parses and compares, `action=import` writes.
async fn import_file(State(state): State<AppState>, auth: Auth, mut form: Multipart) -> Result<Response> {
    auth.require(Permission::ManageReferenceData)?;
    let mut year = None;
    let mut text = String::new();
    let mut file_name = None;
    let mut action = String::from("preview");
    while let Some(field) =
        form.next_field().await.map_err(|e| Error::BadRequest { field: None, detail: e.body_text() })?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "year" => year = field.text().await.ok().and_then(|t| t.trim().parse::<i32>().ok()),
            "action" => action = field.text().await.unwrap_or_default(),
            "csv" => {
                let t = field.text().await.unwrap_or_default();
                if !t.trim().is_empty() {
                    text = t;
                }
            }
            "file" => {
                let fname = field.file_name().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Error::BadRequest { field: Some("file".into()), detail: e.body_text() })?;
                if !bytes.is_empty() {
                    text = String::from_utf8(bytes.to_vec()).map_err(|_| Error::BadRequest {
                        field: Some("file".into()),
                        detail: "the file is not UTF-8: save it as CSV UTF-8".into(),
                    })?;
                    file_name = fname;
                }
            }
            _ => {}
        }
    }
    let year = year.ok_or_else(|| {
        Error::Validation(keqing_core::validate::FieldErrors::one("year", keqing_core::validate::Problem::Required))
    })?;
    let dry_run = action != "import";
    match import(&state, &auth, year, &text, dry_run, file_name.as_deref()).await {
        Ok(out) if dry_run => render(&build(&state, &auth, year, FormErrors::default(), Some((out, text))).await?),
        Ok(_) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&notice=saved")).into_response()),
        Err(e) => rerender(&state, &auth, year, e).await,
    }
}
