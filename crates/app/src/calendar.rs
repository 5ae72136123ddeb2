//! The working-day calendars the engine counts with, for people and programs to read: a
//! county's holidays in a year, and a due date a number of working days after a day. The answer
//! comes from the same calendar the obligations of the county's cases use.

use crate::Problems;
use chrono::{Datelike, NaiveDate};
use containment_domain::calendar::{Calendar, Holiday};
use containment_domain::case::County;
use containment_domain::input::{EARLIEST_DATE, LATEST_DATE, date_in_range};

use crate::{App, AppError};

/// The most working days a due date is counted over (ten years and more).
pub const MAX_WORKING_DAYS: u32 = 3_000;

/// A county's working-day calendar as the engine uses it.
#[derive(Debug, Clone)]
pub struct CountyCalendar {
    /// The county asked about, by its name; none for the state's calendar.
    pub county: Option<&'static str>,
    /// Whether the county has a calendar of its own (else the state's applies).
    pub own: bool,
    calendar: Calendar,
}

impl CountyCalendar {
    /// Whose calendar this is, in words: "Sonoma County's calendar" or "the state calendar".
    pub fn described(&self) -> String {
        match (self.county, self.own) {
            (Some(c), true) => format!("{c} County's calendar"),
            (Some(c), false) => {
                format!("the state calendar ({c} County has no calendar of its own)")
            }
            (None, _) => "the state calendar".to_owned(),
        }
    }

    /// The observed holidays of `year`, 1900 to 2200.
    pub fn holidays_in(&self, year: i32) -> Result<Vec<Holiday>, AppError> {
        let (first, last) = (EARLIEST_DATE.year(), LATEST_DATE.year());
        if !(first..=last).contains(&year) {
            return Err(AppError::invalid(format!(
                "year: {year} is outside the years {first} to {last}"
            )));
        }
        Ok(self.calendar.holidays_in(year))
    }

    /// The day `days` working days after `from` (a deadline of "five working days" from a
    /// release is `add_working_days(release, 5)`).
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> Result<NaiveDate, AppError> {
        let mut errors = Problems::new();
        if let Err(e) = date_in_range("date", from) {
            errors.push(e);
        }
        if days > MAX_WORKING_DAYS {
            errors.push(format!(
                "days: {days} is more than {MAX_WORKING_DAYS} working days"
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        Ok(self.calendar.add_working_days(from, days))
    }

    /// Whether `day` is a working day on this calendar.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.calendar.is_working_day(day)
    }
}

impl App {
    /// The calendar the engine uses for a county's cases (its own when its policy sets one, else
    /// the state's), or the state calendar when no county is named. Holidays are public facts:
    /// reading them touches no case and is not audited.
    pub async fn county_calendar(&self, county: Option<&str>) -> Result<CountyCalendar, AppError> {
        let county = county
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(County::parse)
            .transpose()?;
        let name = county.map(|c| c.name());
        let tx = self.store.begin_read().await?;
        let own = tx
            .county_policies()
            .await?
            .iter()
            .any(|p| Some(p.county.as_str()) == name && !p.calendar.trim().is_empty());
        let policies = crate::compliance::load_policies(&tx).await?;
        tx.commit().await?;
        let (_, calendar) = policies.for_county(name, &self.calendar);
        Ok(CountyCalendar {
            county: name,
            own,
            calendar: calendar.clone(),
        })
    }

    /// The state calendar, then every county calendar a policy sets, by county.
    pub async fn calendars_in_force(&self) -> Result<Vec<CountyCalendar>, AppError> {
        let tx = self.store.begin_read().await?;
        let records = tx.county_policies().await?;
        tx.commit().await?;
        let mut out = vec![CountyCalendar {
            county: None,
            own: false,
            calendar: (*self.calendar).clone(),
        }];
        for p in records.iter().filter(|p| !p.calendar.trim().is_empty()) {
            let Ok(county) = County::parse(&p.county) else {
                continue;
            };
            // As the engine reads it: stored text was checked when saved.
            let calendar =
                Calendar::parse_county(&p.calendar).unwrap_or_else(|_| Calendar::california());
            out.push(CountyCalendar {
                county: Some(county.name()),
                own: true,
                calendar,
            });
        }
        out[1..].sort_by_key(|c| c.county);
        Ok(out)
    }
}
