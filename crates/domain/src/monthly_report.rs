//! The Monthly Progress/Communication Report: its life (drafted by the provider, signed and
//! submitted, acknowledged by the officer, then locked; corrections are new versions) and the
//! month it covers.

use std::{fmt, str::FromStr};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::identity::code_enum;

code_enum! {
    /// Where a version of a monthly report stands.
    ReportStatus, "report status" {
        Draft => "draft", "Draft";
        Submitted => "submitted", "Signed and submitted";
        Acknowledged => "acknowledged", "Acknowledged";
    }
}

impl ReportStatus {
    /// A draft may still be edited; a signed version never is.
    pub fn is_editable(self) -> bool {
        self == ReportStatus::Draft
    }
}

/// The calendar month a report covers, kept as its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportMonth(NaiveDate);

impl ReportMonth {
    /// The month holding `day`.
    pub fn of(day: NaiveDate) -> ReportMonth {
        ReportMonth(day.with_day(1).unwrap_or(day))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }

    pub fn next(self) -> ReportMonth {
        let (y, m) = if self.0.month() == 12 {
            (self.0.year() + 1, 1)
        } else {
            (self.0.year(), self.0.month() + 1)
        };
        ReportMonth(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(self.0))
    }

    pub fn previous(self) -> ReportMonth {
        ReportMonth::of(self.0.pred_opt().unwrap_or(self.0))
    }

    /// "November 2026".
    pub fn label(self) -> String {
        self.0.format("%B %Y").to_string()
    }
}

impl fmt::Display for ReportMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

impl FromStr for ReportMonth {
    type Err = ParseError;

    /// `YYYY-MM`, as an HTML month input sends it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ParseError::Missing { field: "month" });
        }
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .ok()
            .filter(|d| s.len() == 7 && crate::input::date_in_range("month", *d).is_ok())
            .map(ReportMonth)
            .ok_or(ParseError::Invalid {
                field: "month",
                reason: "write it YYYY-MM, a month of the years 1900 to 2200",
            })
    }
}

impl Serialize for ReportMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReportMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        let m: ReportMonth = "2028-02".parse().unwrap();
        assert_eq!(m.first_day(), d("2028-02-01"));
        assert_eq!(m.last_day(), d("2028-02-29"));
        let dec: ReportMonth = "2026-12".parse().unwrap();
        assert_eq!(dec.last_day(), d("2026-12-31"));
        assert_eq!(dec.next().to_string(), "2027-01");
        assert_eq!(dec.next().previous(), dec);
        assert_eq!(ReportMonth::of(d("2026-11-30")).to_string(), "2026-11");
        assert_eq!(dec.label(), "December 2026");
    }

    #[test]
    fn a_month_is_written_yyyy_mm() {
        for bad in ["2026-13", "2026-1", "2026", "11/2026", "", "2026-11-01"] {
            assert!(bad.parse::<ReportMonth>().is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&"2026-11".parse::<ReportMonth>().unwrap()).unwrap(),
            "\"2026-11\""
        );
    }
}
