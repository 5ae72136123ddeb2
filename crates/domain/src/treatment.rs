//! Treatment, the provider-officer communication and the treatment contract's self-reports:
//! their vocabularies and the one-year rule (R8) that ending treatment is checked against.

use std::{fmt, str::FromStr};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::compliance::TreatmentEnd;
use crate::identity::code_enum;
use crate::instrument::Static99rLevel;

code_enum! {
    /// Treatment while charges are pending, or after conviction.
    TreatmentKind, "treatment kind" {
        PreTrial => "pre_trial", "Pre-trial";
        PostConviction => "post_conviction", "Post-conviction";
    }
}

code_enum! {
    /// How provider and officer talked.
    ContactMode, "contact mode" {
        InPerson => "in_person", "In person";
        Phone => "phone", "Phone";
        Video => "video", "Video";
        SecureEmail => "secure_email", "Secure e-mail";
        TeamMeeting => "team_meeting", "Team meeting";
    }
}

code_enum! {
    /// What a contact covered.
    ContactTopic, "topic" {
        Progress => "progress", "Treatment progress";
        DynamicRisk => "dynamic_risk", "Dynamic risk";
        Polygraph => "polygraph", "Polygraph";
        Violations => "violations", "Violations";
        Other => "other", "Other";
    }
}

code_enum! {
    /// Which side of the team documented a contact.
    ContactSide, "side" {
        Provider => "provider", "Treatment provider";
        Officer => "officer", "Supervising officer";
    }
}

code_enum! {
    /// Kinds of high-risk behavior the treatment contract asks the supervisee to self-report.
    SelfReportCategory, "category" {
        ContactWithMinors => "contact_with_minors", "Contact with minors";
        VictimContact => "victim_contact", "Contact with a victim";
        SexualMaterial => "sexual_material", "Sexually explicit material";
        SubstanceUse => "substance_use", "Alcohol or drug use";
        HighRiskSituation => "high_risk_situation", "High-risk situation";
        Aggression => "aggression", "Aggressive behavior";
        Other => "other", "Other";
    }
}

code_enum! {
    /// The comprehensive assessment asked for, by the reason for referral.
    AssessmentKind, "assessment kind" {
        Psychosexual => "psychosexual", "Psychosexual";
        SexualViolenceRisk => "sexual_violence_risk", "Sexual violence risk";
    }
}

code_enum! {
    /// Whether the supervisee came to a scheduled treatment session.
    Attendance, "attendance" {
        Attended => "attended", "Attended";
        Missed => "missed", "Missed";
        Excused => "excused", "Excused";
    }
}

code_enum! {
    /// How a treatment session was held.
    SessionFormat, "session format" {
        Group => "group", "Group";
        Individual => "individual", "Individual";
    }
}

/// Sessions of one period by attendance: every recorded session was scheduled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCounts {
    pub scheduled: u32,
    pub attended: u32,
    pub missed: u32,
    pub excused: u32,
}

/// The most sessions of one kind a month's report may count.
pub const MAX_SESSIONS: u32 = 200;

/// Why session counts as written are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountError {
    /// One count is not a whole number from 0 to [`MAX_SESSIONS`]; `field` names it
    /// (`scheduled`, `attended`, `missed`, `excused`).
    NotANumber { field: &'static str, value: String },
    /// Attended, missed and excused do not add up to the sessions scheduled.
    DoNotAddUp { accounted: u32, scheduled: u32 },
}

impl CountError {
    /// The count the problem is with; none when it is with how they add up.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CountError::NotANumber { field, .. } => Some(field),
            CountError::DoNotAddUp { .. } => None,
        }
    }
}

impl fmt::Display for CountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CountError::NotANumber { field, value } => write!(
                f,
                "sessions {field}: \"{value}\" is not a number of sessions (0 to {MAX_SESSIONS})"
            ),
            CountError::DoNotAddUp {
                accounted,
                scheduled,
            } => write!(
                f,
                "sessions: attended, missed and excused add up to {accounted}, not the {scheduled} scheduled"
            ),
        }
    }
}

impl SessionCounts {
    /// Counts as a person writes them: each blank (0) or a whole number up to
    /// [`MAX_SESSIONS`], and every scheduled session attended, missed or excused. Every problem
    /// is returned, not only the first.
    pub fn parse(
        scheduled: &str,
        attended: &str,
        missed: &str,
        excused: &str,
    ) -> Result<SessionCounts, Vec<CountError>> {
        let mut errors = Vec::new();
        let mut number = |field: &'static str, v: &str| -> u32 {
            let v = v.trim();
            if v.is_empty() {
                return 0;
            }
            match v.parse::<u32>() {
                Ok(n) if n <= MAX_SESSIONS => n,
                _ => {
                    errors.push(CountError::NotANumber {
                        field,
                        value: v.to_owned(),
                    });
                    0
                }
            }
        };
        let counts = SessionCounts {
            scheduled: number("scheduled", scheduled),
            attended: number("attended", attended),
            missed: number("missed", missed),
            excused: number("excused", excused),
        };
        let accounted = counts.attended + counts.missed + counts.excused;
        if errors.is_empty() && accounted != counts.scheduled {
            errors.push(CountError::DoNotAddUp {
                accounted,
                scheduled: counts.scheduled,
            });
        }
        if errors.is_empty() {
            Ok(counts)
        } else {
            Err(errors)
        }
    }

    /// Counts the sessions dated from `from` to `to`, both included.
    pub fn between(
        sessions: impl IntoIterator<Item = (NaiveDate, Attendance)>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> SessionCounts {
        let mut c = SessionCounts::default();
        for (on, attendance) in sessions {
            if on < from || on > to {
                continue;
            }
            c.scheduled += 1;
            match attendance {
                Attendance::Attended => c.attended += 1,
                Attendance::Missed => c.missed += 1,
                Attendance::Excused => c.excused += 1,
            }
        }
        c
    }
}

/// Treatment sessions a month this program recommends by default for the latest Static-99R
/// level, under the Risk principle (intensity and frequency follow the risk of reoffense):
/// levels I and II 2, level III 4, level IVa 6, level IVb 8. Without a score there is no
/// recommendation. A provider may depart from it, giving the reason.
pub fn recommended_sessions_per_month(latest: Option<Static99rLevel>) -> Option<u32> {
    latest.map(|level| match level {
        Static99rLevel::I | Static99rLevel::II => 2,
        Static99rLevel::III => 4,
        Static99rLevel::IVa => 6,
        Static99rLevel::IVb => 8,
    })
}

/// Why this intensity needs an explicit reason, if it does: it departs from the recommendation.
pub fn intensity_needs_reason(chosen: u32, recommended: Option<u32>) -> Option<String> {
    match recommended {
        Some(r) if r != chosen => Some(format!(
            "{chosen} sessions a month departs from the {r} recommended for the risk level (Risk principle): give the reason"
        )),
        _ => None,
    }
}

/// The supervisee's duties under the treatment contract, as the standard words them; the
/// starting text of every new contract version.
pub const CONTRACT_DUTIES: &str = "I will avoid risky, aggressive or re-offending behavior and high-risk situations. \
I will self-report any such behavior to my treatment provider and my supervising officer as soon as possible.";

/// What a comprehensive assessment covers, some or all of it (seed 002).
pub const ASSESSMENT_AREAS: [&str; 20] = [
    "Risk levels for sexual and violent reoffense (SARATSO instruments)",
    "Criminogenic needs identified on the dynamic risk tools",
    "Engagement and responsivity",
    "Neurodevelopmental impairments, traumatic brain injuries",
    "Trauma history",
    "Cognitive functioning",
    "Mental health issues",
    "Drug and alcohol use",
    "Denial or responsibility taking",
    "Coercion and violence in the sexual offense(s)",
    "Prior history of violence",
    "Sexual deviance, interests and paraphilia",
    "Antisocial orientation, criminal or sexual behavior, psychopathy",
    "Social relationship history",
    "Criminal justice and other collateral information",
    "Individual psychological testing, when indicated",
    "Pertinent medical history",
    "Motivation and amenability to treatment",
    "Past treatment history and response",
    "Other case-specific information",
];

/// Placements from this day on must complete post-conviction treatment successfully (R8).
pub const COMPLETION_REQUIRED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2012, 7, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Why ending post-conviction treatment this way needs an explicit reason (R8), if it does:
/// before one year (or the rest of a shorter term), or marked completed before that.
pub fn end_needs_reason(
    start: NaiveDate,
    end: NaiveDate,
    outcome: TreatmentEnd,
    placed_on: Option<NaiveDate>,
    term_end: Option<NaiveDate>,
) -> Option<&'static str> {
    let year = start
        .checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX);
    let min_end = term_end.map_or(year, |t| t.min(year));
    let completion_required = placed_on.is_none_or(|p| p >= COMPLETION_REQUIRED_FROM);
    if end >= min_end {
        if outcome != TreatmentEnd::Completed
            && outcome != TreatmentEnd::SupervisionEnded
            && completion_required
        {
            return Some(
                "post-conviction treatment must be completed successfully (R8): give the reason it ends otherwise",
            );
        }
        return None;
    }
    Some(match outcome {
        TreatmentEnd::Completed => {
            "treatment marked completed before one year (R8): give the reason"
        }
        _ => "post-conviction treatment ending before one year (R8): give the reason",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn session_counts_as_written_are_whole_numbers_that_add_up() {
        let ok = SessionCounts::parse("4", "2", " 1 ", "1").unwrap();
        assert_eq!(
            (ok.scheduled, ok.attended, ok.missed, ok.excused),
            (4, 2, 1, 1)
        );
        // Blank is none; the bound is the last number taken.
        assert_eq!(
            SessionCounts::parse("", "", "", ""),
            Ok(SessionCounts::default())
        );
        let most = MAX_SESSIONS.to_string();
        assert!(SessionCounts::parse(&most, &most, "", "").is_ok());
        let over = (MAX_SESSIONS + 1).to_string();
        assert_eq!(
            SessionCounts::parse(&over, "x", "-1", "").unwrap_err(),
            vec![
                CountError::NotANumber {
                    field: "scheduled",
                    value: over.clone()
                },
                CountError::NotANumber {
                    field: "attended",
                    value: "x".into()
                },
                CountError::NotANumber {
                    field: "missed",
                    value: "-1".into()
                },
            ]
        );
        let short = SessionCounts::parse("4", "2", "1", "").unwrap_err();
        assert_eq!(
            short,
            vec![CountError::DoNotAddUp {
                accounted: 3,
                scheduled: 4
            }]
        );
        assert_eq!(short[0].field(), None);
        assert_eq!(
            short[0].to_string(),
            "sessions: attended, missed and excused add up to 3, not the 4 scheduled"
        );
        // A count that is not a number is not also added up.
        assert_eq!(
            SessionCounts::parse("4", "four", "", "").unwrap_err().len(),
            1
        );
    }

    #[test]
    fn session_counts_take_the_period_bounds_inclusively() {
        let sessions = [
            (d("2026-10-31"), Attendance::Attended),
            (d("2026-11-01"), Attendance::Attended),
            (d("2026-11-12"), Attendance::Missed),
            (d("2026-11-19"), Attendance::Excused),
            (d("2026-11-30"), Attendance::Attended),
            (d("2026-12-01"), Attendance::Missed),
        ];
        assert_eq!(
            SessionCounts::between(sessions, d("2026-11-01"), d("2026-11-30")),
            SessionCounts {
                scheduled: 4,
                attended: 2,
                missed: 1,
                excused: 1
            }
        );
    }

    #[test]
    fn intensity_follows_the_static99r_level() {
        use Static99rLevel::*;
        let bands = [(I, 2), (II, 2), (III, 4), (IVa, 6), (IVb, 8)];
        for (level, sessions) in bands {
            assert_eq!(
                recommended_sessions_per_month(Some(level)),
                Some(sessions),
                "{level}"
            );
        }
        assert_eq!(recommended_sessions_per_month(None), None);
    }

    #[test]
    fn only_a_departure_from_the_recommendation_needs_a_reason() {
        assert_eq!(intensity_needs_reason(4, Some(4)), None);
        assert!(intensity_needs_reason(3, Some(4)).is_some());
        assert!(intensity_needs_reason(5, Some(4)).is_some());
        assert_eq!(intensity_needs_reason(3, None), None);
    }

    #[test]
    fn ending_before_one_year_needs_a_reason() {
        let start = d("2025-03-10");
        let placed = Some(d("2025-03-01"));
        // The day before the year is up: a reason is needed, whatever the outcome.
        assert!(
            end_needs_reason(
                start,
                d("2026-03-09"),
                TreatmentEnd::Completed,
                placed,
                None
            )
            .is_some()
        );
        assert!(
            end_needs_reason(
                start,
                d("2026-03-09"),
                TreatmentEnd::Terminated,
                placed,
                None
            )
            .is_some()
        );
        // On the day: completed needs none; terminated still does (completion required).
        assert_eq!(
            end_needs_reason(
                start,
                d("2026-03-10"),
                TreatmentEnd::Completed,
                placed,
                None
            ),
            None
        );
        assert!(
            end_needs_reason(
                start,
                d("2026-03-10"),
                TreatmentEnd::Terminated,
                placed,
                None
            )
            .is_some()
        );
        // A shorter term: its end is enough.
        assert_eq!(
            end_needs_reason(
                start,
                d("2025-09-30"),
                TreatmentEnd::Completed,
                placed,
                Some(d("2025-09-30"))
            ),
            None
        );
        // Placed before July 2012: a year suffices, completion is not required.
        assert_eq!(
            end_needs_reason(
                d("2011-07-01"),
                d("2012-07-01"),
                TreatmentEnd::Terminated,
                Some(d("2011-06-01")),
                None
            ),
            None
        );
    }
}
