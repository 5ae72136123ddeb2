//! The working-day calendars through the JSON API: a county's holidays in a year, and the day a
//! number of working days after another (the same arithmetic every due date uses).

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{Datelike, NaiveDate, Utc};
use containment_app::{AppError, CountyCalendar};
use containment_domain::input::date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiQuery, caller};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/api/v1/calendar/holidays", Guard::Api, holidays_api)
        .get(
            "/api/v1/calendar/add-working-days",
            Guard::Api,
            add_working_days_api,
        )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidaysQuery {
    /// A California county (any case, with or without "County"); the state calendar when left
    /// out.
    pub county: Option<String>,
    /// The year, 1900 to 2200; this year when left out.
    pub year: Option<i32>,
}

/// One observed day off.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayJson {
    pub date: NaiveDate,
    pub name: String,
}

/// A county's holidays in a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidaysJson {
    /// The county, spelt as the state does; null for the state calendar.
    pub county: Option<String>,
    /// `county` when the county's policy sets its own calendar, else `state`.
    pub calendar: String,
    pub year: i32,
    pub holidays: Vec<HolidayJson>,
}

fn source(c: &CountyCalendar) -> String {
    if c.own { "county" } else { "state" }.to_owned()
}

#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "compliance", security(("bearer" = [])),
    params(HolidaysQuery),
    responses((status = 200, description = "The observed holidays of the year on the calendar the county's due dates use", body = HolidaysJson),
              (status = 422, description = "Not a California county, or a year outside 1900 to 2200", body = ApiErrorBody)))]
pub(crate) async fn holidays_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(q): ApiQuery<HolidaysQuery>,
) -> Result<Json<HolidaysJson>, ApiError> {
    caller(&identity)?;
    let calendar = state.app.county_calendar(q.county.as_deref()).await?;
    let year = q.year.unwrap_or_else(|| Utc::now().year());
    let holidays = calendar.holidays_in(year)?;
    Ok(Json(HolidaysJson {
        county: calendar.county.map(str::to_owned),
        calendar: source(&calendar),
        year,
        holidays: holidays
            .into_iter()
            .map(|h| HolidayJson {
                date: h.date,
                name: h.name,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddWorkingDaysQuery {
    /// The day counted from (YYYY-MM-DD), e.g. a release date.
    pub date: String,
    /// How many working days after it, 0 to 3000.
    pub days: u32,
    /// A California county; the state calendar when left out.
    pub county: Option<String>,
}

/// A due date counted in working days.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDaysJson {
    pub county: Option<String>,
    /// `county` or `state`, as for holidays.
    pub calendar: String,
    pub date: NaiveDate,
    pub days: u32,
    /// The day `days` working days after `date`.
    pub due: NaiveDate,
}

#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "compliance", security(("bearer" = [])),
    params(AddWorkingDaysQuery),
    responses((status = 200, description = "The day that many working days later on the county's calendar", body = WorkingDaysJson),
              (status = 400, description = "A parameter missing or not a number", body = ApiErrorBody),
              (status = 422, description = "Not a date, a date outside 1900 to 2200, too many days or not a California county", body = ApiErrorBody)))]
pub(crate) async fn add_working_days_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(q): ApiQuery<AddWorkingDaysQuery>,
) -> Result<Json<WorkingDaysJson>, ApiError> {
    caller(&identity)?;
    let from = date("date", &q.date).map_err(AppError::invalid)?;
    let calendar = state.app.county_calendar(q.county.as_deref()).await?;
    let due = calendar.add_working_days(from, q.days)?;
    Ok(Json(WorkingDaysJson {
        county: calendar.county.map(str::to_owned),
        calendar: source(&calendar),
        date: from,
        days: q.days,
        due,
    }))
}
