//! The calendar: lunar dates, festivals, working days, and the statutory
//! holiday table (read by everyone logged in, edited and imported by admins).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use crate::i18n::Lang;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use keqing_core::Permission;
use keqing_core::calendar::holidays::{DayKind, HolidayDay, RowError, parse_csv};
use keqing_core::calendar::lunar::{LunarDate, LunarMonthDay, Resolved, year_name};
use keqing_core::calendar::workday::{Dated, WorkCalendar};
use keqing_core::calendar::{CalendarError, festival};
use keqing_core::validate::{self, FieldErrors, Problem};
use keqing_store::calendar::ImportOutcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A lunar date.
#[derive(Serialize, ToSchema)]
pub struct LunarOut {
    /// Lunar year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// A leap month (闰月).
    pub leap: bool,
    /// Day 1–30.
    pub day: u8,
    /// "丙午年八月十五".
    pub chinese: String,
    /// The year's zodiac animal, "马".
    pub zodiac: String,
}

impl From<LunarDate> for LunarOut {
    fn from(l: LunarDate) -> Self {
        LunarOut {
            year: l.year,
            month: l.month,
            leap: l.leap,
            day: l.day,
            chinese: l.chinese(),
            zodiac: year_name(l.year).1.to_owned(),
        }
    }
}

/// A festival day.
#[derive(Serialize, ToSchema)]
pub struct FestivalOut {
    /// Identifier: `spring_festival`, `mid_autumn`, …
    pub id: String,
    /// Name in the request's language.
    pub name: String,
    /// The day.
    pub date: NaiveDate,
}

/// Everything about one day.
#[derive(Serialize, ToSchema)]
pub struct DayOut {
    /// The day.
    pub date: NaiveDate,
    /// Whether people work (statutory holidays and make-up days applied).
    pub working: bool,
    /// `off` or `work` when the day is in the holiday table.
    pub kind: Option<String>,
    /// The holiday's name when listed.
    pub holiday: Option<String>,
    /// True when the year's holiday notice is not loaded (Monday–Friday assumed).
    pub provisional: bool,
    /// The lunar date.
    pub lunar: LunarOut,
    /// Festivals on the day.
    pub festivals: Vec<FestivalOut>,
}

/// Why a date moved.
#[derive(Serialize, ToSchema)]
pub struct AdjustmentOut {
    /// `missing_day30`, `leap_month_absent`, `feb29_in_common_year`.
    pub rule: String,
    /// An explanation in the request's language.
    pub explanation: String,
}

/// A lunar month-day resolved in a year.
#[derive(Serialize, ToSchema)]
pub struct SolarOut {
    /// The Gregorian day.
    pub date: NaiveDate,
    /// The lunar date of that day.
    pub lunar: LunarOut,
    /// The rule applied when the asked-for day does not exist that year.
    pub adjustment: Option<AdjustmentOut>,
}

/// A computed day.
#[derive(Serialize, ToSchema)]
pub struct WorkdayOut {
    /// The day.
    pub date: NaiveDate,
    /// The end of that working day (closing time in the company's time zone).
    pub ends_at: DateTime<Utc>,
    /// True when a year it depends on has no holiday notice loaded.
    pub provisional: bool,
    /// Why it is provisional.
    pub note: Option<String>,
}

/// A count of working days.
#[derive(Serialize, ToSchema)]
pub struct CountOut {
    /// Working days after `from` up to and including `to`.
    pub count: i64,
    /// True when a year it depends on has no holiday notice loaded.
    pub provisional: bool,
    /// Why it is provisional.
    pub note: Option<String>,
}

/// A listed day of the holiday table.
#[derive(Serialize, ToSchema)]
pub struct HolidayDayOut {
    /// The day.
    pub date: NaiveDate,
    /// The notice's year.
    pub year: i64,
    /// `off` or `work`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Version, for edits.
    pub version: i64,
}

/// A year of the holiday table, with its festivals.
#[derive(Serialize, ToSchema)]
pub struct HolidayYearOut {
    /// The year.
    pub year: i32,
    /// Whether the year's State Council notice is loaded.
    pub known: bool,
    /// Where the notice came from.
    pub source: Option<String>,
    /// Days off and make-up working days of the notice.
    pub days: Vec<HolidayDayOut>,
    /// Festivals in the year.
    pub festivals: Vec<FestivalOut>,
    /// A warning when the notice is missing.
    pub note: Option<String>,
}

/// The calendar's state.
#[derive(Serialize, ToSchema)]
pub struct StatusOut {
    /// Today in the company's time zone.
    pub today: NaiveDate,
    /// The company's time zone.
    pub timezone: String,
    /// When a working day ends.
    pub closing_time: String,
    /// Years whose holiday notices are loaded.
    pub known_years: Vec<i32>,
    /// A year an admin should import now (from 1 November: next year).
    pub year_to_import: Option<i32>,
    /// The rules for lunar day 30, absent leap months and 29 February.
    #[schema(value_type = Object)]
    pub date_policy: serde_json::Value,
}

/// An import's preview or result.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// The year.
    pub year: i32,
    /// True for a preview: nothing was written.
    pub dry_run: bool,
    /// The parsed days.
    pub days: Vec<HolidayDayOut>,
    /// Days added.
    pub added: usize,
    /// Days changed.
    pub changed: usize,
    /// Days removed.
    pub removed: usize,
    /// Days unchanged.
    pub unchanged: usize,
}

/// A day to set in the holiday table.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDayIn {
    /// `off` (放假) or `work` (调休上班).
    pub kind: String,
    /// The holiday's name (≤ 50 characters).
    pub name: String,
    /// The notice's year; default: the date's year.
    pub year: Option<i32>,
    /// The version you read, if you are changing a listed day.
    pub version: Option<i64>,
}

/// A year to enter by hand.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayYearIn {
    /// The year.
    pub year: i32,
    /// Where the schedule comes from (the notice's title).
    pub source: Option<String>,
}

/// `?date=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// A Gregorian day, YYYY-MM-DD.
    pub date: String,
}

/// `?lunar=&year=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SolarQuery {
    /// Lunar month and day: `8-15`; a leap month: `闰6-1` or `L6-1`.
    pub lunar: String,
    /// Lunar year; default: the current one.
    pub year: Option<i32>,
}

/// `?month=&n=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkdayQuery {
    /// YYYY-MM.
    pub month: String,
    /// Which working day (1-based).
    pub n: u32,
}

/// `?date=&n=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AddQuery {
    /// Start day.
    pub date: String,
    /// Working days to add (negative: go back).
    pub n: i64,
}

/// `?from=&to=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    /// From (exclusive).
    pub from: String,
    /// To (inclusive).
    pub to: String,
}

/// `?year=`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Gregorian year; default: this year.
    pub year: Option<i32>,
}

/// Import options.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Preview only: parse and compare, write nothing.
    pub dry_run: Option<bool>,
    /// Where the file comes from (stored with the year); default "import".
    pub source: Option<String>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(day))
        .routes(routes!(lunar))
        .routes(routes!(solar))
        .routes(routes!(workday))
        .routes(routes!(add_working_days))
        .routes(routes!(working_days))
        .routes(routes!(holidays))
        .routes(routes!(import_year))
        .routes(routes!(create_year))
        .routes(routes!(set_day, delete_day))
}

/// Parses a YYYY-MM-DD query value, naming the field.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Validation(FieldErrors::one(field, Problem::Invalid { expected: "date" })))
}

/// A calendar question without an answer is the caller's input at fault.
pub fn calendar_error(field: &str, e: CalendarError, lang: Lang) -> Error {
    let _ = lang;
    Error::BadRequest { field: Some(field.to_owned()), detail: e.to_string() }
}

fn note(lang: Lang, provisional: bool, years: &[i32]) -> Option<String> {
    provisional.then(|| {
        let ys = years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", ");
        match lang {
            Lang::Zh => format!("{ys} 年的法定节假日安排尚未导入，按周一至周五计算，结果为暂定"),
            Lang::En => format!("no statutory holiday notice loaded for {ys}: computed Monday–Friday, provisional"),
        }
    })
}

fn missing_years(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
    let (a, b) = if from <= to { (from, to) } else { (to, from) };
    (a.year()..=b.year() + 1).filter(|y| !cal.knows_year(*y) && *y <= b.year() + i32::from(b.month() == 12)).collect()
}

fn festivals_out(list: Vec<(NaiveDate, festival::Festival)>, lang: Lang) -> Vec<FestivalOut> {
    list.into_iter()
        .map(|(date, f)| FestivalOut { id: f.as_str().to_owned(), name: f.label(lang.is_zh()).to_owned(), date })
        .collect()
}

/// Builds the day answer.
pub fn day_out(cal: &WorkCalendar, date: NaiveDate, lang: Lang) -> Result<DayOut> {
    let info = cal.day(date);
    let lunar = LunarDate::from_solar(date).map_err(|e| calendar_error("date", e, lang))?;
    let festivals = festival::between(date, date).map_err(|e| calendar_error("date", e, lang))?;
    Ok(DayOut {
        date,
        working: info.working,
        kind: info.kind.map(|k| k.as_str().to_owned()),
        holiday: info.name,
        provisional: info.provisional,
        lunar: lunar.into(),
        festivals: festivals_out(festivals, lang),
    })
}

fn solar_out(r: Resolved, lang: Lang) -> Result<SolarOut> {
    let lunar = LunarDate::from_solar(r.date).map_err(|e| calendar_error("lunar", e, lang))?;
    Ok(SolarOut {
        date: r.date,
        lunar: lunar.into(),
        adjustment: r.adjustment.map(|a| AdjustmentOut {
            rule: serde_json::to_value(a).ok().and_then(|v| v["rule"].as_str().map(str::to_owned)).unwrap_or_default(),
            explanation: a.explain(lang.is_zh()).to_owned(),
        }),
    })
}

fn workday_out(cal: &WorkCalendar, d: Dated<NaiveDate>, missing: &[i32], lang: Lang) -> WorkdayOut {
    WorkdayOut {
        date: d.value,
        ends_at: cal.end_of_day(d.value),
        provisional: d.provisional,
        note: note(lang, d.provisional, missing),
    }
}

/// The calendar's state: loaded years, which year to import, time zone.
#[utoipa::path(get, path = "/api/v1/calendar/status", tag = "calendar", responses((status = 200, body = StatusOut)))]
pub async fn status(State(state): State<AppState>, _auth: Auth) -> Result<axum::Json<StatusOut>> {
    let cal = state.calendar().await?;
    let today = state.today();
    Ok(axum::Json(StatusOut {
        today,
        timezone: state.settings.zone.name().to_owned(),
        closing_time: state.settings.closing.format("%H:%M").to_string(),
        known_years: cal.known_years().iter().copied().collect(),
        year_to_import: cal.year_to_import(today),
        date_policy: serde_json::to_value(state.settings.date_policy).unwrap_or_default(),
    }))
}

/// One day: working or not, holiday, lunar date, festivals.
#[utoipa::path(get, path = "/api/v1/calendar/day", tag = "calendar", params(DateQuery),
    responses((status = 200, body = DayOut), (status = 422, body = super::ErrorBody)))]
pub async fn day(State(state): State<AppState>, auth: Auth, Query(q): Query<DateQuery>) -> Result<axum::Json<DayOut>> {
    let date = parse_date("date", &q.date)?;
    Ok(axum::Json(day_out(&*state.calendar().await?, date, auth.ctx.lang)?))
}

/// The lunar date of a Gregorian day (lunar years 1900–2100).
#[utoipa::path(get, path = "/api/v1/calendar/lunar", tag = "calendar", params(DateQuery),
    responses((status = 200, body = LunarOut), (status = 400, body = super::ErrorBody)))]
pub async fn lunar(auth: Auth, Query(q): Query<DateQuery>) -> Result<axum::Json<LunarOut>> {
    let date = parse_date("date", &q.date)?;
    let l = LunarDate::from_solar(date).map_err(|e| calendar_error("date", e, auth.ctx.lang))?;
    Ok(axum::Json(l.into()))
}

/// The Gregorian day of a lunar month-day in a lunar year, with the rule
/// applied when that year lacks the day (day 30, leap month).
#[utoipa::path(get, path = "/api/v1/calendar/solar", tag = "calendar", params(SolarQuery),
    responses((status = 200, body = SolarOut), (status = 400, body = super::ErrorBody)))]
pub async fn solar(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SolarQuery>,
) -> Result<axum::Json<SolarOut>> {
    let lang = auth.ctx.lang;
    let md = LunarMonthDay::parse(&q.lunar).map_err(|e| calendar_error("lunar", e, lang))?;
    let year = match q.year {
        Some(y) => y,
        None => LunarDate::from_solar(state.today()).map_err(|e| calendar_error("year", e, lang))?.year,
    };
    let r = md
        .in_lunar_year(year, &state.settings.date_policy)
        .map_err(|e| calendar_error("year", e, lang))?
        .ok_or_else(|| Error::NotFound)?;
    Ok(axum::Json(solar_out(r, lang)?))
}

/// The n-th working day of a month and when it ends.
#[utoipa::path(get, path = "/api/v1/calendar/workday", tag = "calendar", params(WorkdayQuery),
    responses((status = 200, body = WorkdayOut), (status = 400, body = super::ErrorBody)))]
pub async fn workday(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<WorkdayQuery>,
) -> Result<axum::Json<WorkdayOut>> {
    let bad = || Error::Validation(FieldErrors::one("month", Problem::Invalid { expected: "month (YYYY-MM)" }));
    let (y, m) = q.month.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let cal = state.calendar().await?;
    let d = cal.nth_working_day(y, m, q.n).map_err(|e| calendar_error("n", e, auth.ctx.lang))?;
    let missing: Vec<i32> = [y, y + 1].into_iter().filter(|yy| !cal.knows_year(*yy)).take(1).collect();
    Ok(axum::Json(workday_out(&cal, d, &missing, auth.ctx.lang)))
}

/// The working day n working days after (or before) a day.
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar", params(AddQuery),
    responses((status = 200, body = WorkdayOut), (status = 422, body = super::ErrorBody)))]
pub async fn add_working_days(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AddQuery>,
) -> Result<axum::Json<WorkdayOut>> {
    let date = parse_date("date", &q.date)?;
    if q.n.abs() > 3650 {
        return Err(Error::Validation(FieldErrors::one("n", Problem::OutOfRange { min: -3650, max: 3650 })));
    }
    let cal = state.calendar().await?;
    let d = cal.add_working_days(date, q.n);
    let missing = missing_years(&cal, date, d.value);
    Ok(axum::Json(workday_out(&cal, d, &missing, auth.ctx.lang)))
}

/// Working days after `from` up to and including `to`.
#[utoipa::path(get, path = "/api/v1/calendar/working-days", tag = "calendar", params(BetweenQuery),
    responses((status = 200, body = CountOut), (status = 422, body = super::ErrorBody)))]
pub async fn working_days(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<BetweenQuery>,
) -> Result<axum::Json<CountOut>> {
    let from = parse_date("from", &q.from)?;
    let to = parse_date("to", &q.to)?;
    if (to - from).num_days().abs() > 3660 {
        return Err(Error::Validation(FieldErrors::one("to", Problem::Rule { rule: "range_too_long" })));
    }
    let cal = state.calendar().await?;
    let n = cal.working_days_between(from, to);
    let missing = missing_years(&cal, from, to);
    Ok(axum::Json(CountOut {
        count: n.value,
        provisional: n.provisional,
        note: note(auth.ctx.lang, n.provisional, &missing),
    }))
}

fn day_out_stored(d: &keqing_store::calendar::StoredDay) -> HolidayDayOut {
    HolidayDayOut {
        date: d.date,
        year: d.year,
        kind: d.kind.as_str().to_owned(),
        name: d.name.clone(),
        version: d.version,
    }
}

/// A year's statutory holidays, make-up working days and festivals.
#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "calendar", params(YearQuery),
    responses((status = 200, body = HolidayYearOut)))]
pub async fn holidays(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<YearQuery>,
) -> Result<axum::Json<HolidayYearOut>> {
    let lang = auth.ctx.lang;
    let year = q.year.unwrap_or_else(|| state.today().year());
    if !(1901..=2099).contains(&year) {
        return Err(Error::Validation(FieldErrors::one("year", Problem::OutOfRange { min: 1901, max: 2099 })));
    }
    let (years, _) = state.store.holiday_table().await?;
    let source = years.iter().find(|y| y.year == i64::from(year)).map(|y| y.source.clone());
    let days = state.store.holiday_days(year).await?;
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let festivals = festival::between(first, last).map_err(|e| calendar_error("year", e, lang))?;
    Ok(axum::Json(HolidayYearOut {
        year,
        known: source.is_some(),
        note: note(lang, source.is_none(), &[year]),
        source,
        days: days.iter().map(day_out_stored).collect(),
        festivals: festivals_out(festivals, lang),
    }))
}

/// A CSV request body (`text/csv` or `text/plain`, UTF-8).
pub struct CsvBody(pub String);

impl<S: Send + Sync> FromRequest<S> for CsvBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if ct != "text/csv" && ct != "text/plain" {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::BadRequest { field: None, detail: r.body_text() }
            }
        })?;
        String::from_utf8(bytes.to_vec()).map(CsvBody).map_err(|_| Error::BadRequest {
            field: None,
            detail: "the file is not UTF-8: save it as CSV UTF-8".to_owned(),
        })
    }
}

/// Row errors of an import as field errors: `row 3: date` → the value and
/// what is wrong with it, in the reader's language.
pub fn row_errors(errors: &[RowError]) -> Error {
    Error::Validation(FieldErrors(
        errors
            .iter()
            .map(|e| validate::FieldError {
                field: format!("row {}: {}", e.row, e.column),
                problem: Problem::InRow { value: e.value.clone(), problem: Box::new(e.problem.clone()) },
            })
            .collect(),
    ))
}

/// Compares an import with what is loaded.
pub fn compare(old: &[keqing_store::calendar::StoredDay], new: &[HolidayDay]) -> ImportOutcome {
    let mut out = ImportOutcome::default();
    for d in new {
        match old.iter().find(|o| o.date == d.date) {
            Some(o) if o.kind == d.kind && o.name == d.name => out.unchanged += 1,
            Some(_) => out.changed += 1,
            None => out.added += 1,
        }
    }
    out.removed = old.iter().filter(|o| !new.iter().any(|d| d.date == o.date)).count();
    out
}

/// Imports a year's notice (CSV: `year,date,kind,name` or `date,kind,name`),
/// replacing that year's days all or nothing; `?dry_run=true` previews.
#[utoipa::path(post, path = "/api/v1/calendar/holidays/{year}", tag = "calendar",
    params(("year" = i32, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportOut), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn import_year(
    State(state): State<AppState>,
    auth: Auth,
    Path(year): Path<i32>,
    Query(q): Query<ImportQuery>,
    CsvBody(text): CsvBody,
) -> Result<axum::Json<ImportOut>> {
    auth.require(Permission::ManageReferenceData)?;
    Ok(axum::Json(import(&state, &auth, year, &text, q.dry_run.unwrap_or(false), q.source.as_deref()).await?))
}

/// The one import procedure (API, page, CLI through the store).
pub async fn import(
    state: &AppState,
    auth: &Auth,
    year: i32,
    text: &str,
    dry_run: bool,
    source: Option<&str>,
) -> Result<ImportOut> {
    if !(1901..=2099).contains(&year) {
        return Err(Error::Validation(FieldErrors::one("year", Problem::OutOfRange { min: 1901, max: 2099 })));
    }
    let days = parse_csv(text, Some(year)).map_err(|e| row_errors(&e))?;
    let source = validate::optional_line(source.unwrap_or("import"), validate::limits::LABEL * 4)
        .map_err(|p| Error::Validation(FieldErrors::one("source", p)))?
        .unwrap_or_else(|| "import".to_owned());
    let outcome = if dry_run {
        compare(&state.store.holiday_days(year).await?, &days)
    } else {
        let o = state.store.replace_holiday_year(&auth.actor(), year, &days, &source).await?;
        state.calendar_changed();
        o
    };
    Ok(ImportOut {
        year,
        dry_run,
        days: days
            .iter()
            .map(|d| HolidayDayOut {
                date: d.date,
                year: i64::from(d.year),
                kind: d.kind.as_str().to_owned(),
                name: d.name.clone(),
                version: 0,
            })
            .collect(),
        added: outcome.added,
        changed: outcome.changed,
        removed: outcome.removed,
        unchanged: outcome.unchanged,
    })
}

/// Declares a year whose days an admin enters by hand (when the notice is
/// not available as a file).
#[utoipa::path(post, path = "/api/v1/calendar/years", tag = "calendar", request_body = HolidayYearIn,
    responses((status = 201), (status = 422, body = super::ErrorBody)))]
pub async fn create_year(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<HolidayYearIn>,
) -> Result<StatusCode> {
    auth.require(Permission::ManageReferenceData)?;
    if !(1901..=2099).contains(&input.year) {
        return Err(Error::Validation(FieldErrors::one("year", Problem::OutOfRange { min: 1901, max: 2099 })));
    }
    let source = validate::optional_line(input.source.as_deref().unwrap_or(""), 200)
        .map_err(|p| Error::Validation(FieldErrors::one("source", p)))?
        .unwrap_or_else(|| "entered by hand".to_owned());
    state.store.create_holiday_year(&auth.actor(), input.year, &source).await?;
    state.calendar_changed();
    Ok(StatusCode::CREATED)
}

/// Parses a day edit.
pub fn holiday_day(date: NaiveDate, kind: &str, name: &str, year: Option<i32>) -> Result<HolidayDay> {
    let mut e = FieldErrors::default();
    let kind = DayKind::parse(kind);
    if kind.is_none() {
        e.push("kind", Problem::NotOneOf { allowed: vec!["off".into(), "work".into()] });
    }
    let name = e.take("name", validate::required_line(name, 50));
    match (kind, name) {
        (Some(kind), Some(name)) if e.is_empty() => {
            Ok(HolidayDay { year: year.unwrap_or(date.year()), date, kind, name })
        }
        _ => Err(Error::Validation(e)),
    }
}

/// Sets one day of a loaded year (adds it or changes it).
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", params(("date" = String, Path)),
    request_body = HolidayDayIn,
    responses((status = 200, body = HolidayDayOut), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_day(
    State(state): State<AppState>,
    auth: Auth,
    Path(date): Path<String>,
    Json(input): Json<HolidayDayIn>,
) -> Result<axum::Json<HolidayDayOut>> {
    auth.require(Permission::ManageReferenceData)?;
    let date = parse_date("date", &date)?;
    let d = holiday_day(date, &input.kind, &input.name, input.year)?;
    let stored = state.store.set_holiday_day(&auth.actor(), &d, input.version).await?;
    state.calendar_changed();
    Ok(axum::Json(day_out_stored(&stored)))
}

/// Removes a listed day (it follows the Monday–Friday week again).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar", params(("date" = String, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_day(State(state): State<AppState>, auth: Auth, Path(date): Path<String>) -> Result<StatusCode> {
    auth.require(Permission::ManageReferenceData)?;
    let date = parse_date("date", &date)?;
    state.store.delete_holiday_day(&auth.actor(), date).await?;
    state.calendar_changed();
    Ok(super::no_content())
}
