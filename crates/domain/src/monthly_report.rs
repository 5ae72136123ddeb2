//! The Monthly Progress/Communication Report: its life (drafted by the provider, signed and
//! submitted, acknowledged by the officer, then locked; corrections are new versions) and the
//! month it covers.

use std::{fmt, str::FromStr};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::calendar::Calendar;
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

/// Working days the officer has to acknowledge a signed report.
pub const ACKNOWLEDGE_WORKING_DAYS: u32 = 5;

/// The last day to acknowledge a report signed on `signed_on`: five working days of the case's
/// county calendar after it (a report signed on a weekend or holiday counts from the next
/// working day).
pub fn acknowledge_by(signed_on: NaiveDate, calendar: &Calendar) -> NaiveDate {
    calendar.add_working_days(signed_on, ACKNOWLEDGE_WORKING_DAYS)
}

/// One version of a month's report, as its life sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportVersion {
    pub id: i64,
    pub version: i32,
    pub status: ReportStatus,
    /// Bumped on every change of a draft.
    pub revision: i32,
}

/// One version of a month's report among every version of that month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReport {
    current: ReportVersion,
    versions: Vec<ReportVersion>,
}

/// Why a step in a report's life is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportError {
    /// Acknowledging a version a newer one corrects.
    Superseded,
    /// Correcting a version a newer one already corrects.
    AlreadyCorrected { version: i32, id: i64 },
    /// Acknowledging a draft.
    NotSigned,
    /// Acknowledging again.
    AlreadyAcknowledged,
    /// Editing or signing a signed version.
    Locked,
    /// Correcting a draft, which is edited instead.
    Draft,
    /// The draft changed since it was read at another revision.
    Stale { current_revision: i32 },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Superseded => {
                f.write_str("a newer version corrects this report: acknowledge that one")
            }
            ReportError::AlreadyCorrected { version, id } => write!(
                f,
                "version {version} already corrects this report: open report {id}"
            ),
            ReportError::NotSigned => {
                f.write_str("this report is still a draft: it can be acknowledged once signed")
            }
            ReportError::AlreadyAcknowledged => {
                f.write_str("this report is already acknowledged and locked")
            }
            ReportError::Locked => {
                f.write_str("this version is signed and locked: correct it with a new version")
            }
            ReportError::Draft => f.write_str("this version is a draft: edit it instead"),
            ReportError::Stale { current_revision } => {
                write!(
                    f,
                    "the draft changed since (now revision {current_revision})"
                )
            }
        }
    }
}

/// A part of the report a signature needs written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureNeeds {
    Participation,
    Concerns,
}

impl SignatureNeeds {
    /// The form field it is written in.
    pub fn field(self) -> &'static str {
        match self {
            SignatureNeeds::Participation => "participation",
            SignatureNeeds::Concerns => "concerns",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SignatureNeeds::Participation => {
                "participation and progress: say how the month went before signing"
            }
            SignatureNeeds::Concerns => {
                "concerns and recommendations: write \"none\" if there are none"
            }
        }
    }
}

/// What a signature needs: the author says how the month went, and names concerns (or writes
/// "none"). Answers what is missing, in the form's order.
pub fn signature_needs(participation: &str, concerns: &str) -> Vec<SignatureNeeds> {
    let mut missing = Vec::new();
    if participation.trim().is_empty() {
        missing.push(SignatureNeeds::Participation);
    }
    if concerns.trim().is_empty() {
        missing.push(SignatureNeeds::Concerns);
    }
    missing
}

impl MonthlyReport {
    /// `current` among `versions`, every version of its month (`current` may be among them).
    pub fn new(current: ReportVersion, versions: impl IntoIterator<Item = ReportVersion>) -> Self {
        MonthlyReport {
            current,
            versions: versions.into_iter().collect(),
        }
    }

    /// The first newer version, which corrects this one.
    pub fn superseded_by(&self) -> Option<ReportVersion> {
        self.versions
            .iter()
            .filter(|v| v.version > self.current.version)
            .min_by_key(|v| v.version)
            .copied()
    }

    /// The officer acknowledges the newest version, once it is signed, once.
    pub fn acknowledge(&self) -> Result<(), ReportError> {
        if self.superseded_by().is_some() {
            return Err(ReportError::Superseded);
        }
        match self.current.status {
            ReportStatus::Draft => Err(ReportError::NotSigned),
            ReportStatus::Acknowledged => Err(ReportError::AlreadyAcknowledged),
            ReportStatus::Submitted => Ok(()),
        }
    }

    /// The provider corrects a signed version nothing corrects yet: answers the number of the
    /// new version.
    pub fn correct(&self) -> Result<i32, ReportError> {
        if let Some(newer) = self.superseded_by() {
            return Err(ReportError::AlreadyCorrected {
                version: newer.version,
                id: newer.id,
            });
        }
        if self.current.status.is_editable() {
            return Err(ReportError::Draft);
        }
        Ok(self.current.version + 1)
    }

    /// The draft as read at `revision` may be changed or signed; a signed version, or one
    /// changed since, may not.
    pub fn edit(&self, revision: i32) -> Result<(), ReportError> {
        if !self.current.status.is_editable() {
            return Err(ReportError::Locked);
        }
        if self.current.revision != revision {
            return Err(ReportError::Stale {
                current_revision: self.current.revision,
            });
        }
        Ok(())
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
    fn a_signed_report_is_acknowledged_within_five_working_days() {
        let ca = Calendar::california();
        // Signed on a Tuesday: the Tuesday after.
        assert_eq!(acknowledge_by(d("2026-12-08"), &ca), d("2026-12-15"));
        // Signed on a Friday or over the weekend: the Friday after.
        assert_eq!(acknowledge_by(d("2026-12-04"), &ca), d("2026-12-11"));
        assert_eq!(acknowledge_by(d("2026-12-05"), &ca), d("2026-12-11"));
        assert_eq!(acknowledge_by(d("2026-12-06"), &ca), d("2026-12-11"));
        // Thanksgiving and the day after are not working days in California.
        assert_eq!(acknowledge_by(d("2026-11-20"), &ca), d("2026-12-01"));
        assert_eq!(acknowledge_by(d("2026-11-23"), &ca), d("2026-12-02"));
        // Christmas Day, and New Year's Day.
        assert_eq!(acknowledge_by(d("2026-12-23"), &ca), d("2026-12-31"));
        assert_eq!(acknowledge_by(d("2026-12-30"), &ca), d("2027-01-07"));
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

    fn v(id: i64, version: i32, status: ReportStatus) -> ReportVersion {
        ReportVersion {
            id,
            version,
            status,
            revision: 3,
        }
    }

    #[test]
    fn only_the_newest_signed_version_is_acknowledged_and_only_once() {
        use ReportStatus::*;
        let signed = v(1, 1, Submitted);
        assert_eq!(MonthlyReport::new(signed, [signed]).acknowledge(), Ok(()));
        assert_eq!(
            MonthlyReport::new(v(1, 1, Draft), []).acknowledge(),
            Err(ReportError::NotSigned)
        );
        assert_eq!(
            MonthlyReport::new(v(1, 1, Acknowledged), []).acknowledge(),
            Err(ReportError::AlreadyAcknowledged)
        );
        // A correction, even a draft one, supersedes the signed version.
        let correction = v(2, 2, Draft);
        assert_eq!(
            MonthlyReport::new(signed, [signed, correction]).acknowledge(),
            Err(ReportError::Superseded)
        );
        assert_eq!(
            MonthlyReport::new(signed, [signed, correction]).superseded_by(),
            Some(correction)
        );
    }

    #[test]
    fn a_signed_version_is_corrected_once_by_the_next_version_and_a_draft_is_edited() {
        use ReportStatus::*;
        let signed = v(1, 1, Acknowledged);
        assert_eq!(MonthlyReport::new(signed, [signed]).correct(), Ok(2));
        assert_eq!(
            MonthlyReport::new(signed, [signed, v(5, 3, Submitted), v(4, 2, Submitted)]).correct(),
            Err(ReportError::AlreadyCorrected { version: 2, id: 4 })
        );
        assert_eq!(
            MonthlyReport::new(v(1, 1, Draft), []).correct(),
            Err(ReportError::Draft)
        );
        let draft = MonthlyReport::new(v(1, 1, Draft), []);
        assert_eq!(draft.edit(3), Ok(()));
        assert_eq!(
            draft.edit(2),
            Err(ReportError::Stale {
                current_revision: 3
            })
        );
        assert_eq!(
            MonthlyReport::new(v(1, 1, Submitted), []).edit(3),
            Err(ReportError::Locked)
        );
    }

    #[test]
    fn a_signature_needs_participation_and_concerns() {
        assert_eq!(signature_needs("went well", "none"), []);
        assert_eq!(
            signature_needs(" ", ""),
            [SignatureNeeds::Participation, SignatureNeeds::Concerns]
        );
        assert_eq!(
            signature_needs("went well", "\n"),
            [SignatureNeeds::Concerns]
        );
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
