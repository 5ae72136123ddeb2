//! Certifications of team members (R10): CASOMB provider and program certification, the
//! polygraph examiner's post-conviction (PCSOT) training, and SARATSO scorer certification per
//! instrument. Pure rules about validity on a given day.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Days before expiry from which the holder and their agency admin are warned (R10).
pub const WARNING_DAYS: i64 = 60;

/// What a certification certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificationKind {
    /// CASOMB-certified treatment provider (a person).
    CasombProvider,
    /// CASOMB-certified treatment program (an agency).
    CasombProgram,
    /// Polygraph examiner who completed the APA post-conviction (PCSOT) 40-hour course.
    PolygraphPcsot,
    /// SARATSO-certified scorer for one instrument.
    SaratsoScorer,
}

impl CertificationKind {
    pub const ALL: [CertificationKind; 4] = [
        CertificationKind::CasombProvider,
        CertificationKind::CasombProgram,
        CertificationKind::PolygraphPcsot,
        CertificationKind::SaratsoScorer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CertificationKind::CasombProvider => "casomb_provider",
            CertificationKind::CasombProgram => "casomb_program",
            CertificationKind::PolygraphPcsot => "polygraph_pcsot",
            CertificationKind::SaratsoScorer => "saratso_scorer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CertificationKind::CasombProvider => "CASOMB certified provider",
            CertificationKind::CasombProgram => "CASOMB certified program",
            CertificationKind::PolygraphPcsot => "Polygraph examiner (APA PCSOT training)",
            CertificationKind::SaratsoScorer => "SARATSO certified scorer",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == v)
            .ok_or(if v.is_empty() {
                ParseError::Missing {
                    field: "certification kind",
                }
            } else {
                ParseError::NotOneOf {
                    field: "certification kind",
                    allowed: "casomb_provider casomb_program polygraph_pcsot saratso_scorer",
                }
            })
    }

    /// Whether the holder is an agency (a program) rather than a person.
    pub fn held_by_agency(self) -> bool {
        self == CertificationKind::CasombProgram
    }
}

/// CASOMB provider certification levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderLevel {
    Independent,
    /// Practises under a supervising independent provider.
    Associate,
    /// Practises under a supervising provider; renews yearly.
    Student,
}

impl ProviderLevel {
    pub const ALL: [ProviderLevel; 3] = [
        ProviderLevel::Independent,
        ProviderLevel::Associate,
        ProviderLevel::Student,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProviderLevel::Independent => "independent",
            ProviderLevel::Associate => "associate",
            ProviderLevel::Student => "student",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.code() == v)
            .ok_or(ParseError::NotOneOf {
                field: "provider level",
                allowed: "independent associate student",
            })
    }

    /// Associates and students must name their supervising provider.
    pub fn needs_supervisor(self) -> bool {
        self != ProviderLevel::Independent
    }
}

/// Risk instruments a SARATSO scorer is certified for.
pub const INSTRUMENTS: [&str; 6] = [
    "static99r",
    "stable2007",
    "acute2007",
    "lscmi",
    "sra_fv",
    "jsorrat2",
];

/// The longest a certification of this kind may run before renewal: CASOMB certification
/// renews every two years, student providers every year. Other kinds have no set term.
pub fn longest_term(kind: CertificationKind, level: Option<ProviderLevel>) -> Option<Months> {
    match (kind, level) {
        (CertificationKind::CasombProvider, Some(ProviderLevel::Student)) => Some(Months::new(12)),
        (CertificationKind::CasombProvider | CertificationKind::CasombProgram, _) => {
            Some(Months::new(24))
        }
        _ => None,
    }
}

/// Where a certification stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificationStatus {
    /// Issued later than the day.
    NotYetValid,
    Current,
    /// Current, but expires within [`WARNING_DAYS`].
    ExpiringSoon {
        days_left: i64,
    },
    Expired,
    Revoked,
}

impl CertificationStatus {
    /// Valid for assignment and service on the day.
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            CertificationStatus::Current | CertificationStatus::ExpiringSoon { .. }
        )
    }

    pub fn label(self) -> String {
        match self {
            CertificationStatus::NotYetValid => "not yet valid".into(),
            CertificationStatus::Current => "current".into(),
            CertificationStatus::ExpiringSoon { days_left: 0 } => "expires today".into(),
            CertificationStatus::ExpiringSoon { days_left: 1 } => "expires tomorrow".into(),
            CertificationStatus::ExpiringSoon { days_left } => {
                format!("expires in {days_left} days")
            }
            CertificationStatus::Expired => "expired".into(),
            CertificationStatus::Revoked => "revoked".into(),
        }
    }
}

/// The days one certificate is valid: from its issue through its expiry, ending the day before a
/// revocation. `None` when revoked before it began.
fn valid_span(
    issued_on: NaiveDate,
    expires_on: NaiveDate,
    revoked_on: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let last = match revoked_on {
        Some(r) => expires_on.min(r.pred_opt()?),
        None => expires_on,
    };
    (issued_on <= last).then_some((issued_on, last))
}

/// The last day of unbroken certification that includes `day`, when certificates (issued on,
/// expires on, revoked on) follow one another without a gap (a renewal that starts the day after
/// the previous one expires continues it). `None` when nothing is valid on `day`.
pub fn covered_until(
    certificates: &[(NaiveDate, NaiveDate, Option<NaiveDate>)],
    day: NaiveDate,
) -> Option<NaiveDate> {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = certificates
        .iter()
        .filter_map(|(i, e, r)| valid_span(*i, *e, *r))
        .collect();
    spans.sort_unstable();
    let mut until: Option<NaiveDate> = None;
    for (from, to) in spans {
        match until {
            None if from <= day && day <= to => until = Some(to),
            Some(u) if from <= u.succ_opt().unwrap_or(u) => until = Some(u.max(to)),
            _ => {}
        }
    }
    until
}

/// The stretches of days from `from` through `to` that no certificate covers.
pub fn lapses(
    certificates: &[(NaiveDate, NaiveDate, Option<NaiveDate>)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = certificates
        .iter()
        .filter_map(|(i, e, r)| valid_span(*i, *e, *r))
        .collect();
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut next = from;
    for (start, end) in spans {
        if next > to {
            break;
        }
        if start > next {
            out.push((next, start.pred_opt().unwrap_or(start).min(to)));
        }
        if end >= next {
            match end.succ_opt() {
                Some(after) => next = after,
                None => return out,
            }
        }
    }
    if next <= to {
        out.push((next, to));
    }
    out
}

/// Whether certification is unbroken on every day from `from` through `to`.
pub fn covered_throughout(
    certificates: &[(NaiveDate, NaiveDate, Option<NaiveDate>)],
    from: NaiveDate,
    to: NaiveDate,
) -> bool {
    covered_until(certificates, from).is_some_and(|until| until >= to)
}

/// Status on `day` of a certification valid from `issued_on` through `expires_on` (both
/// inclusive: it is valid on its expiry date and lapsed the day after).
pub fn status_on(
    issued_on: NaiveDate,
    expires_on: NaiveDate,
    revoked_on: Option<NaiveDate>,
    day: NaiveDate,
) -> CertificationStatus {
    if revoked_on.is_some_and(|r| r <= day) {
        return CertificationStatus::Revoked;
    }
    if day < issued_on {
        return CertificationStatus::NotYetValid;
    }
    if day > expires_on {
        return CertificationStatus::Expired;
    }
    let days_left = (expires_on - day).num_days();
    if days_left <= WARNING_DAYS {
        CertificationStatus::ExpiringSoon { days_left }
    } else {
        CertificationStatus::Current
    }
}

/// Checks the dates of a certification being recorded.
pub fn check_dates(
    kind: CertificationKind,
    level: Option<ProviderLevel>,
    issued_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<(), String> {
    if expires_on < issued_on {
        return Err("the expiry date is before the issue date".into());
    }
    if let Some(term) = longest_term(kind, level)
        && issued_on
            .checked_add_months(term)
            .is_some_and(|limit| expires_on > limit)
    {
        return Err(format!(
            "a {} certification runs at most {} months before renewal",
            kind.label(),
            term.as_u32()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn lapses_are_the_days_no_certificate_covers() {
        let certs = [
            (d(2024, 1, 1), d(2024, 12, 31), None),
            (d(2025, 2, 1), d(2025, 12, 31), None),
            (d(2026, 1, 1), d(2026, 6, 30), None),
        ];
        assert_eq!(
            lapses(&certs, d(2024, 6, 1), d(2026, 3, 1)),
            vec![(d(2025, 1, 1), d(2025, 1, 31))]
        );
        assert_eq!(
            lapses(&certs, d(2023, 12, 30), d(2026, 7, 2)),
            vec![
                (d(2023, 12, 30), d(2023, 12, 31)),
                (d(2025, 1, 1), d(2025, 1, 31)),
                (d(2026, 7, 1), d(2026, 7, 2)),
            ]
        );
        assert!(lapses(&certs, d(2025, 2, 1), d(2026, 6, 30)).is_empty());
        assert_eq!(
            lapses(&[], d(2025, 1, 1), d(2025, 1, 1)),
            vec![(d(2025, 1, 1), d(2025, 1, 1))]
        );
    }

    #[test]
    fn a_renewal_without_a_gap_is_unbroken_certification() {
        let first = (d(2024, 1, 1), d(2025, 12, 31), None);
        let renewal = (d(2026, 1, 1), d(2027, 12, 31), None);
        let chain = [renewal, first];
        // Assigned from 2025-12-15, checked on 2026-02-01: covered throughout.
        assert!(covered_throughout(&chain, d(2025, 12, 15), d(2026, 2, 1)));
        assert_eq!(
            covered_until(&chain, d(2025, 12, 15)),
            Some(d(2027, 12, 31))
        );
        // A renewal starting two days after the expiry leaves 2026-01-01 uncovered.
        let late = [first, (d(2026, 1, 2), d(2027, 12, 31), None)];
        assert!(!covered_throughout(&late, d(2025, 12, 15), d(2026, 2, 1)));
        assert_eq!(covered_until(&late, d(2025, 12, 15)), Some(d(2025, 12, 31)));
        assert_eq!(covered_until(&late, d(2026, 1, 1)), None);
        assert!(covered_throughout(&late, d(2026, 1, 2), d(2026, 2, 1)));
        // A revocation ends the span the day before it.
        let revoked = [
            (d(2024, 1, 1), d(2025, 12, 31), Some(d(2025, 6, 1))),
            renewal,
        ];
        assert_eq!(
            covered_until(&revoked, d(2025, 5, 31)),
            Some(d(2025, 5, 31))
        );
        assert_eq!(covered_until(&revoked, d(2025, 6, 1)), None);
    }

    #[test]
    fn valid_through_the_expiry_date_and_lapsed_the_day_after() {
        let (issued, expires) = (d(2025, 1, 1), d(2026, 12, 31));
        assert_eq!(
            status_on(issued, expires, None, d(2024, 12, 31)),
            CertificationStatus::NotYetValid
        );
        assert_eq!(
            status_on(issued, expires, None, d(2025, 1, 1)),
            CertificationStatus::Current
        );
        assert!(status_on(issued, expires, None, d(2026, 12, 31)).is_valid());
        assert_eq!(
            status_on(issued, expires, None, d(2027, 1, 1)),
            CertificationStatus::Expired
        );
        assert!(!CertificationStatus::Expired.is_valid());
    }

    #[test]
    fn the_warning_starts_sixty_days_before_expiry() {
        let (issued, expires) = (d(2025, 1, 1), d(2026, 12, 31));
        // 61 days before: no warning yet; 60 days before: warning.
        assert_eq!(
            status_on(issued, expires, None, d(2026, 10, 31)),
            CertificationStatus::Current
        );
        assert_eq!(
            status_on(issued, expires, None, d(2026, 11, 1)),
            CertificationStatus::ExpiringSoon { days_left: 60 }
        );
        assert_eq!(
            status_on(issued, expires, None, d(2026, 12, 31)).label(),
            "expires today"
        );
    }

    #[test]
    fn revocation_takes_effect_on_its_day() {
        let (issued, expires) = (d(2025, 1, 1), d(2026, 12, 31));
        let revoked = Some(d(2025, 6, 1));
        assert!(status_on(issued, expires, revoked, d(2025, 5, 31)).is_valid());
        assert_eq!(
            status_on(issued, expires, revoked, d(2025, 6, 1)),
            CertificationStatus::Revoked
        );
    }

    #[test]
    fn renewal_terms_two_years_and_one_for_students() {
        let issued = d(2025, 3, 1);
        assert!(
            check_dates(
                CertificationKind::CasombProvider,
                Some(ProviderLevel::Independent),
                issued,
                d(2027, 3, 1)
            )
            .is_ok()
        );
        assert!(
            check_dates(
                CertificationKind::CasombProvider,
                Some(ProviderLevel::Independent),
                issued,
                d(2027, 3, 2)
            )
            .is_err()
        );
        assert!(
            check_dates(
                CertificationKind::CasombProvider,
                Some(ProviderLevel::Student),
                issued,
                d(2026, 3, 1)
            )
            .is_ok()
        );
        assert!(
            check_dates(
                CertificationKind::CasombProvider,
                Some(ProviderLevel::Student),
                issued,
                d(2026, 3, 2)
            )
            .is_err()
        );
        assert!(
            check_dates(
                CertificationKind::CasombProgram,
                None,
                issued,
                d(2027, 3, 1)
            )
            .is_ok()
        );
        assert!(
            check_dates(
                CertificationKind::PolygraphPcsot,
                None,
                issued,
                d(2040, 1, 1)
            )
            .is_ok()
        );
        assert!(
            check_dates(
                CertificationKind::PolygraphPcsot,
                None,
                issued,
                d(2025, 2, 28)
            )
            .is_err()
        );
    }

    #[test]
    fn codes_round_trip() {
        for k in CertificationKind::ALL {
            assert_eq!(CertificationKind::parse(k.code()), Ok(k));
        }
        for l in ProviderLevel::ALL {
            assert_eq!(ProviderLevel::parse(l.code()), Ok(l));
        }
        assert!(CertificationKind::parse("cpr").is_err());
        assert!(ProviderLevel::Associate.needs_supervisor());
        assert!(!ProviderLevel::Independent.needs_supervisor());
    }
}
