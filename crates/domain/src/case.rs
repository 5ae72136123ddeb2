//! The case file's vocabulary: identifiers that are validated once and then trusted, supervision
//! kinds, and the counties of California.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Upper-cases and removes spaces and dashes people type inside identifiers.
fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// A California DOJ Criminal Identification and Information number: an optional letter `A`
/// followed by 7 to 9 digits, stored upper-case without separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CiiNumber(String);

impl CiiNumber {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = compact(input);
        if v.is_empty() {
            return Err(ParseError::Missing {
                field: "CII number",
            });
        }
        let digits = v.strip_prefix('A').unwrap_or(&v);
        if (7..=9).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(CiiNumber(v))
        } else {
            Err(ParseError::Invalid {
                field: "CII number",
                reason: "use 7 to 9 digits, optionally after the letter A (e.g. A12345678)",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A CDCR number: one or two letters then digits, six characters in all (e.g. `AB1234`,
/// `T12345`), stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CdcrNumber(String);

impl CdcrNumber {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = compact(input);
        if v.is_empty() {
            return Err(ParseError::Missing {
                field: "CDCR number",
            });
        }
        let letters = v.chars().take_while(char::is_ascii_alphabetic).count();
        let rest = &v[letters..];
        if v.len() == 6 && (1..=2).contains(&letters) && rest.chars().all(|c| c.is_ascii_digit()) {
            Ok(CdcrNumber(v))
        } else {
            Err(ParseError::Invalid {
                field: "CDCR number",
                reason: "use one or two letters followed by digits, six characters in all (e.g. AB1234)",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A court case number as the court writes it: letters, digits and the separators `-` `/` `.`,
/// 3 to 40 characters. Kept as written (upper-cased, trimmed) because formats vary by county.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CourtCaseNumber(String);

impl CourtCaseNumber {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim().to_uppercase();
        if v.is_empty() {
            return Err(ParseError::Missing {
                field: "court case number",
            });
        }
        let ok_chars = v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | ' '));
        if (3..=40).contains(&v.chars().count())
            && ok_chars
            && v.chars().any(|c| c.is_ascii_digit())
        {
            Ok(CourtCaseNumber(v))
        } else {
            Err(ParseError::Invalid {
                field: "court case number",
                reason: "use 3 to 40 letters, digits, dashes or slashes, with at least one digit",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CiiNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CdcrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CourtCaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 58 counties of California.
pub const COUNTIES: [&str; 58] = [
    "Alameda",
    "Alpine",
    "Amador",
    "Butte",
    "Calaveras",
    "Colusa",
    "Contra Costa",
    "Del Norte",
    "El Dorado",
    "Fresno",
    "Glenn",
    "Humboldt",
    "Imperial",
    "Inyo",
    "Kern",
    "Kings",
    "Lake",
    "Lassen",
    "Los Angeles",
    "Madera",
    "Marin",
    "Mariposa",
    "Mendocino",
    "Merced",
    "Modoc",
    "Mono",
    "Monterey",
    "Napa",
    "Nevada",
    "Orange",
    "Placer",
    "Plumas",
    "Riverside",
    "Sacramento",
    "San Benito",
    "San Bernardino",
    "San Diego",
    "San Francisco",
    "San Joaquin",
    "San Luis Obispo",
    "San Mateo",
    "Santa Barbara",
    "Santa Clara",
    "Santa Cruz",
    "Shasta",
    "Sierra",
    "Siskiyou",
    "Solano",
    "Sonoma",
    "Stanislaus",
    "Sutter",
    "Tehama",
    "Trinity",
    "Tulare",
    "Tuolumne",
    "Ventura",
    "Yolo",
    "Yuba",
];

/// A California county, by its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct County(&'static str);

impl County {
    /// Accepts the name in any case, with or without the word "County".
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim();
        if v.is_empty() {
            return Err(ParseError::Missing { field: "county" });
        }
        let lower = v.to_lowercase();
        let name = lower.strip_suffix(" county").unwrap_or(&lower).trim();
        COUNTIES
            .iter()
            .find(|c| c.to_lowercase() == name)
            .map(|c| County(c))
            .ok_or(ParseError::Invalid {
                field: "county",
                reason: "not a California county",
            })
    }

    pub fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for County {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The legal basis of community supervision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionKind {
    PreTrial,
    Probation,
    Parole,
    /// Post-release community supervision (PC 3450).
    Prcs,
    /// Mandatory supervision (PC 1170(h)(5)(B)).
    MandatorySupervision,
    /// DMH/DSH conditional release.
    ConditionalRelease,
}

impl SupervisionKind {
    pub const ALL: [SupervisionKind; 6] = [
        SupervisionKind::PreTrial,
        SupervisionKind::Probation,
        SupervisionKind::Parole,
        SupervisionKind::Prcs,
        SupervisionKind::MandatorySupervision,
        SupervisionKind::ConditionalRelease,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SupervisionKind::PreTrial => "pre_trial",
            SupervisionKind::Probation => "probation",
            SupervisionKind::Parole => "parole",
            SupervisionKind::Prcs => "prcs",
            SupervisionKind::MandatorySupervision => "mandatory_supervision",
            SupervisionKind::ConditionalRelease => "conditional_release",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SupervisionKind::PreTrial => "Pre-trial",
            SupervisionKind::Probation => "Probation",
            SupervisionKind::Parole => "Parole",
            SupervisionKind::Prcs => "Post-release community supervision",
            SupervisionKind::MandatorySupervision => "Mandatory supervision",
            SupervisionKind::ConditionalRelease => "DMH/DSH conditional release",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim();
        if v.is_empty() {
            return Err(ParseError::Missing {
                field: "supervision kind",
            });
        }
        Self::ALL
            .into_iter()
            .find(|k| k.code() == v)
            .ok_or(ParseError::NotOneOf {
                field: "supervision kind",
                allowed: "pre_trial probation parole prcs mandatory_supervision conditional_release",
            })
    }

    /// Whether the supervision follows a conviction (the team must be complete from day one,
    /// R12) rather than pending charges.
    pub fn is_post_conviction(self) -> bool {
        !matches!(self, SupervisionKind::PreTrial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cii_numbers() {
        assert_eq!(
            CiiNumber::parse(" a1234-5678 ").unwrap().as_str(),
            "A12345678"
        );
        assert_eq!(CiiNumber::parse("1234567").unwrap().as_str(), "1234567");
        for bad in ["", "123456", "A1234567890", "B12345678", "A1234X678"] {
            assert!(CiiNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cdcr_numbers() {
        assert_eq!(CdcrNumber::parse("ab 1234").unwrap().as_str(), "AB1234");
        assert_eq!(CdcrNumber::parse("T12345").unwrap().as_str(), "T12345");
        for bad in ["", "1234", "ABC123", "AB12345", "A1234", "12345A"] {
            assert!(CdcrNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn court_case_numbers() {
        assert_eq!(
            CourtCaseNumber::parse(" 23fe-001234 ").unwrap().as_str(),
            "23FE-001234"
        );
        for bad in ["", "AB", "NO-DIGITS", "bad;chars1", &"9".repeat(41)] {
            assert!(CourtCaseNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counties_are_the_58() {
        assert_eq!(COUNTIES.len(), 58);
        assert_eq!(
            County::parse("los angeles county").unwrap().name(),
            "Los Angeles"
        );
        assert_eq!(
            County::parse("SAN LUIS OBISPO").unwrap().name(),
            "San Luis Obispo"
        );
        assert!(County::parse("Clark").is_err());
        assert!(County::parse("").is_err());
    }

    #[test]
    fn supervision_kinds_round_trip() {
        for k in SupervisionKind::ALL {
            assert_eq!(SupervisionKind::parse(k.code()), Ok(k));
        }
        assert!(!SupervisionKind::PreTrial.is_post_conviction());
        assert!(SupervisionKind::Parole.is_post_conviction());
        assert!(SupervisionKind::parse("house_arrest").is_err());
    }
}

/// The time zone of California's supervising agencies: deadlines are whole dates there.
pub const AGENCY_TIME_ZONE: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

/// The calendar date in California at the instant `now`.
pub fn local_date(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    now.with_timezone(&AGENCY_TIME_ZONE).date_naive()
}

/// The wall-clock time in California at the instant `now`.
pub fn local_time(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    now.with_timezone(&AGENCY_TIME_ZONE).naive_local()
}

/// A day as people read it: "Dec 2, 2026" (ISO stays for data exports and the JSON API).
pub fn day_words(d: chrono::NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

#[cfg(test)]
mod local_date_tests {
    use super::local_date;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn dates_change_at_midnight_in_california_not_utc() {
        // 2026-11-25 06:30 UTC is 22:30 on the 24th in Los Angeles (PST, UTC-8).
        let late_evening = Utc.with_ymd_and_hms(2026, 11, 25, 6, 30, 0).unwrap();
        assert_eq!(
            local_date(late_evening),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        // 2026-07-01 07:00 UTC is midnight in Los Angeles (PDT, UTC-7).
        let midnight = Utc.with_ymd_and_hms(2026, 7, 1, 7, 0, 0).unwrap();
        assert_eq!(
            local_date(midnight),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        let before = Utc.with_ymd_and_hms(2026, 7, 1, 6, 59, 59).unwrap();
        assert_eq!(
            local_date(before),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
    }
}
