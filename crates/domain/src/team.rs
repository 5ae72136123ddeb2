//! Teams above the case (seed 004, CSOM collaborative approach): case management teams and local
//! and statewide policy teams, their members, chair or moderator, staff and sub-teams; and their
//! workplans of activities with deliverables, owners, dates and status.

use crate::case::County;
use crate::identity::{ParseError, code_enum};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

code_enum! {
    /// The level a team works at.
    TeamLevel, "level" {
        CaseManagement => "case_management", "Case management team";
        LocalPolicy => "local_policy", "Local policy team";
        StatewidePolicy => "statewide_policy", "Statewide policy team";
    }
}

code_enum! {
    /// Whom a member represents on a team: the case team's kinds and those the seeds name for
    /// the teams above the case.
    MemberRole, "member role" {
        SupervisingOfficer => "supervising_officer", "Probation or parole";
        TreatmentProvider => "treatment_provider", "Treatment provider";
        PolygraphExaminer => "polygraph_examiner", "Polygraph examiner";
        LawEnforcement => "law_enforcement", "Law enforcement";
        VictimAdvocate => "victim_advocate", "Victim advocate";
        Prosecutor => "prosecutor", "Prosecutor";
        Defense => "defense", "Defense";
        Judge => "judge", "Judge";
        VictimAdvocacyOrganization => "victim_advocacy_organization", "Victim advocacy organization";
        ChildProtectiveServices => "child_protective_services", "Child protective services";
        Schools => "schools", "Schools";
        MentalHealth => "mental_health", "Mental health (DMH/DSH)";
        LegislativeStaff => "legislative_staff", "Legislators' staff";
        Other => "other", "Other";
    }
}

code_enum! {
    /// How someone sits on a team. Someone informed is shown with the team but is not a member:
    /// they see nothing of it and receive nothing its members decide.
    MemberStanding, "standing" {
        Representative => "representative", "Representative";
        Designee => "designee", "Designee";
        Informed => "informed", "Informed, not a member";
    }
}

code_enum! {
    /// Who leads the team for a term.
    LeaderKind, "leader kind" {
        Chair => "chair", "Chair";
        Moderator => "moderator", "Moderator";
    }
}

code_enum! {
    /// Where a workplan activity stands.
    ActivityStatus, "status" {
        Planned => "planned", "Planned";
        InProgress => "in_progress", "In progress";
        Done => "done", "Done";
        Dropped => "dropped", "Dropped";
    }
}

impl MemberRole {
    /// A judge is kept informed and is never a member (judicial neutrality).
    pub fn only_informed(self) -> bool {
        self == MemberRole::Judge
    }
}

impl ActivityStatus {
    /// Whether the activity is still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, ActivityStatus::Planned | ActivityStatus::InProgress)
    }
}

/// Where a team works: one county, or the whole state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Jurisdiction {
    County(County),
    State,
}

impl Jurisdiction {
    /// The code kept in storage and the API: the county's name, or `state`.
    pub const STATE: &'static str = "state";

    /// A county name (any case, with or without "County"), or `state` / `California`.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let v = input.trim();
        if v.is_empty() {
            return Err(ParseError::Missing {
                field: "jurisdiction",
            });
        }
        if v.eq_ignore_ascii_case(Self::STATE)
            || v.eq_ignore_ascii_case("california")
            || v.eq_ignore_ascii_case("state of california")
        {
            return Ok(Jurisdiction::State);
        }
        County::parse(v)
            .map(Jurisdiction::County)
            .map_err(|_| ParseError::Invalid {
                field: "jurisdiction",
                reason: "name a California county, or \"state\" for a statewide team",
            })
    }

    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::County(c) => c.name(),
            Jurisdiction::State => Self::STATE,
        }
    }

    /// How a person reads it: "Fresno County", "State of California".
    pub fn label(self) -> String {
        match self {
            Jurisdiction::County(c) => format!("{} County", c.name()),
            Jurisdiction::State => "State of California".to_owned(),
        }
    }

    /// The jurisdiction an agency works in: its county; a state agency or board works statewide.
    pub fn of_agency(kind: crate::AgencyKind, county: Option<&str>) -> Option<Self> {
        if kind == crate::AgencyKind::StateAgency {
            return Some(Jurisdiction::State);
        }
        county
            .and_then(|c| County::parse(c).ok())
            .map(Jurisdiction::County)
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Jurisdiction {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Jurisdiction::parse(s)
    }
}

/// Why a level and a jurisdiction do not go together, or `None` when they do: a statewide
/// team works for the state, the others for one county.
pub fn jurisdiction_mismatch(level: TeamLevel, jurisdiction: Jurisdiction) -> Option<&'static str> {
    match (level, jurisdiction) {
        (TeamLevel::StatewidePolicy, Jurisdiction::State) => None,
        (TeamLevel::StatewidePolicy, Jurisdiction::County(_)) => {
            Some("a statewide policy team works for the state, not for one county")
        }
        (_, Jurisdiction::State) => {
            Some("a case management or local policy team works for one county: name it")
        }
        (_, Jurisdiction::County(_)) => None,
    }
}

/// Whether an activity is overdue on `today`: its due date has passed and it is neither done
/// nor dropped. Due today is not overdue; the day after is.
pub fn is_overdue(status: ActivityStatus, due: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due < today
}

/// One goal's progress at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GoalProgress {
    /// Activities done.
    pub done: usize,
    /// Every activity under the goal, dropped ones included.
    pub total: usize,
    pub overdue: usize,
}

/// The progress of the activities `(status, due)` under one goal on `today`.
pub fn goal_progress(
    activities: impl IntoIterator<Item = (ActivityStatus, NaiveDate)>,
    today: NaiveDate,
) -> GoalProgress {
    activities
        .into_iter()
        .fold(GoalProgress::default(), |mut p, (status, due)| {
            p.total += 1;
            if status == ActivityStatus::Done {
                p.done += 1;
            }
            if is_overdue(status, due, today) {
                p.overdue += 1;
            }
            p
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn overdue_starts_the_day_after_the_due_date() {
        let due = d("2026-03-10");
        let open = ActivityStatus::InProgress;
        assert!(!is_overdue(open, due, d("2026-03-09")), "the day before");
        assert!(!is_overdue(open, due, d("2026-03-10")), "the day");
        assert!(is_overdue(open, due, d("2026-03-11")), "the day after");
        assert!(is_overdue(ActivityStatus::Planned, due, d("2026-03-11")));
        assert!(!is_overdue(ActivityStatus::Done, due, d("2026-03-11")));
        assert!(!is_overdue(ActivityStatus::Dropped, due, d("2026-03-11")));
    }

    #[test]
    fn progress_counts_done_total_and_overdue() {
        let today = d("2026-03-10");
        let p = goal_progress(
            [
                (ActivityStatus::Done, d("2026-01-01")),
                (ActivityStatus::Planned, d("2026-03-09")),
                (ActivityStatus::InProgress, d("2026-03-10")),
                (ActivityStatus::Dropped, d("2026-01-01")),
            ],
            today,
        );
        assert_eq!(
            p,
            GoalProgress {
                done: 1,
                total: 4,
                overdue: 1
            }
        );
    }

    #[test]
    fn a_level_and_its_jurisdiction_must_agree() {
        let fresno = Jurisdiction::parse("fresno county").unwrap();
        assert_eq!(fresno.code(), "Fresno");
        assert_eq!(Jurisdiction::parse("State").unwrap(), Jurisdiction::State);
        assert!(Jurisdiction::parse("Gotham").is_err());
        assert!(jurisdiction_mismatch(TeamLevel::LocalPolicy, fresno).is_none());
        assert!(jurisdiction_mismatch(TeamLevel::CaseManagement, Jurisdiction::State).is_some());
        assert!(jurisdiction_mismatch(TeamLevel::StatewidePolicy, fresno).is_some());
        assert!(jurisdiction_mismatch(TeamLevel::StatewidePolicy, Jurisdiction::State).is_none());
    }

    #[test]
    fn a_state_agency_works_statewide() {
        use crate::AgencyKind;
        assert_eq!(
            Jurisdiction::of_agency(AgencyKind::StateAgency, None),
            Some(Jurisdiction::State)
        );
        assert_eq!(
            Jurisdiction::of_agency(AgencyKind::ProbationDepartment, Some("Fresno")),
            Some(Jurisdiction::County(County::parse("Fresno").unwrap()))
        );
        assert_eq!(
            Jurisdiction::of_agency(AgencyKind::ProbationDepartment, None),
            None
        );
    }
}
