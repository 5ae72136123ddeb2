//! Post-conviction polygraph exams (DOMAIN.md section 5): the kinds of exam, the result each
//! kind can give, and when the next maintenance exam is due. Pure: the day is a parameter.

use std::{fmt, str::FromStr};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::identity::code_enum;

/// Months between maintenance exams.
pub const MAINTENANCE_INTERVAL_MONTHS: u32 = 12;

code_enum! {
    /// What an exam is about. Diagnostic exams test what happened (a result of deception);
    /// screening exams look for trouble (a result of significant response).
    ExamType, "exam type" {
        InstantOffense => "instant_offense", "Instant offense";
        InstantOffenseInvestigative => "instant_offense_investigative", "Instant offense (investigative)";
        PriorAllegation => "prior_allegation", "Prior allegation";
        SexualHistory => "sexual_history", "Sexual history";
        Maintenance => "maintenance", "Maintenance";
        MonitoringSpecificIssue => "monitoring_specific_issue", "Monitoring / specific issue";
    }
}

code_enum! {
    /// What a disclosure made in an exam is about; each goes to the provider and the officer.
    DisclosureCategory, "disclosure category" {
        UnreportedOffense => "unreported_offense", "Offense not known before";
        NewVictim => "new_victim", "Victim not known before";
        ContactWithMinors => "contact_with_minors", "Contact with minors";
        HighRiskBehavior => "high_risk_behavior", "High-risk behavior or situation";
        SexualMaterial => "sexual_material", "Sexually explicit material";
        SubstanceUse => "substance_use", "Alcohol or drug use";
        SupervisionViolation => "supervision_violation", "Violation of supervision terms";
        SexualHistory => "sexual_history", "Sexual history";
        Other => "other", "Other";
    }
}

code_enum! {
    /// The examiner's opinion. NSR, SR and NO belong to screening exams; NDI, DI and INC to
    /// diagnostic ones.
    ExamResult, "result" {
        Nsr => "nsr", "NSR (no significant response)";
        Sr => "sr", "SR (significant response)";
        NoOpinion => "no_opinion", "NO (no opinion)";
        Ndi => "ndi", "NDI (no deception indicated)";
        Di => "di", "DI (deception indicated)";
        Inc => "inc", "INC (inconclusive)";
    }
}

/// Whether the exam is a screening exam (maintenance, monitoring/specific issue) rather than a
/// diagnostic one.
pub fn is_screening(exam_type: ExamType) -> bool {
    matches!(
        exam_type,
        ExamType::Maintenance | ExamType::MonitoringSpecificIssue
    )
}

/// Whether the result is one of the screening results (NSR, SR, NO).
pub fn is_screening_result(result: ExamResult) -> bool {
    matches!(
        result,
        ExamResult::Nsr | ExamResult::Sr | ExamResult::NoOpinion
    )
}

/// Whether an exam of this type can give this result.
pub fn result_fits(exam_type: ExamType, result: ExamResult) -> bool {
    is_screening(exam_type) == is_screening_result(result)
}

/// The results an exam of this type can give, in display order.
pub fn results_for(exam_type: ExamType) -> Vec<ExamResult> {
    ExamResult::ALL
        .iter()
        .copied()
        .filter(|r| result_fits(exam_type, *r))
        .collect()
}

/// The refusal of a result of the wrong family, naming the ones allowed.
pub fn check_result(exam_type: ExamType, result: ExamResult) -> Result<(), String> {
    if result_fits(exam_type, result) {
        return Ok(());
    }
    let family = if is_screening(exam_type) {
        "a screening exam"
    } else {
        "a diagnostic exam"
    };
    let allowed = results_for(exam_type)
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(", ");
    Err(format!(
        "result: {} is {family}; its result is one of {allowed}, not {}",
        exam_type.label(),
        result.code()
    ))
}

/// When the next maintenance exam is due: `months` after the latest one (12, unless the county
/// sets R9 otherwise), or `None` when there is none on record. A 29 February falls on
/// 28 February of the next year.
pub fn next_maintenance(latest: Option<NaiveDate>, months: u32) -> Option<NaiveDate> {
    latest?.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn screening_exams_give_screening_results_and_diagnostic_exams_diagnostic_ones() {
        for t in ExamType::ALL {
            for r in ExamResult::ALL {
                let screening_pair = is_screening(*t)
                    && matches!(r, ExamResult::Nsr | ExamResult::Sr | ExamResult::NoOpinion);
                let diagnostic_pair = !is_screening(*t)
                    && matches!(r, ExamResult::Ndi | ExamResult::Di | ExamResult::Inc);
                assert_eq!(
                    result_fits(*t, *r),
                    screening_pair || diagnostic_pair,
                    "{t} {r}"
                );
            }
        }
        assert!(is_screening(ExamType::Maintenance));
        assert!(is_screening(ExamType::MonitoringSpecificIssue));
        for t in [
            ExamType::InstantOffense,
            ExamType::InstantOffenseInvestigative,
            ExamType::PriorAllegation,
            ExamType::SexualHistory,
        ] {
            assert!(!is_screening(t), "{t}");
            assert_eq!(
                results_for(t),
                vec![ExamResult::Ndi, ExamResult::Di, ExamResult::Inc]
            );
        }
        assert_eq!(
            results_for(ExamType::Maintenance),
            vec![ExamResult::Nsr, ExamResult::Sr, ExamResult::NoOpinion]
        );
    }

    #[test]
    fn a_result_of_the_wrong_family_is_refused_with_the_allowed_ones() {
        let err = check_result(ExamType::Maintenance, ExamResult::Di).unwrap_err();
        assert!(err.contains("screening exam"), "{err}");
        assert!(err.contains("nsr, sr, no_opinion"), "{err}");
        let err = check_result(ExamType::SexualHistory, ExamResult::Nsr).unwrap_err();
        assert!(err.contains("diagnostic exam"), "{err}");
        assert!(err.contains("ndi, di, inc"), "{err}");
        assert!(check_result(ExamType::SexualHistory, ExamResult::Inc).is_ok());
    }

    #[test]
    fn codes_parse_back_and_unknown_ones_are_refused() {
        for t in ExamType::ALL {
            assert_eq!(t.code().parse::<ExamType>().unwrap(), *t);
        }
        for r in ExamResult::ALL {
            assert_eq!(r.code().parse::<ExamResult>().unwrap(), *r);
        }
        assert!(matches!(
            "".parse::<ExamType>(),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            "lie".parse::<ExamResult>(),
            Err(ParseError::NotOneOf { .. })
        ));
    }

    #[test]
    fn the_next_maintenance_exam_is_twelve_months_after_the_latest() {
        assert_eq!(next_maintenance(None, MAINTENANCE_INTERVAL_MONTHS), None);
        assert_eq!(
            next_maintenance(Some(d(2026, 3, 15)), MAINTENANCE_INTERVAL_MONTHS),
            Some(d(2027, 3, 15))
        );
        assert_eq!(
            next_maintenance(Some(d(2028, 2, 29)), MAINTENANCE_INTERVAL_MONTHS),
            Some(d(2029, 2, 28))
        );
        assert_eq!(
            next_maintenance(Some(d(2026, 12, 31)), MAINTENANCE_INTERVAL_MONTHS),
            Some(d(2027, 12, 31))
        );
        assert_eq!(
            next_maintenance(Some(d(2026, 3, 15)), 6),
            Some(d(2026, 9, 15))
        );
    }
}
