//! A person's working day: which open obligations are tasks, in which window they fall, what
//! each asks in plain words, and which repeating obligations stand for one another.

use std::{fmt, str::FromStr};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DUE_SOON_DAYS, Note, Obligation, ObligationStatus, Subject, rules::month_index};
use crate::ParseError;
use crate::access::TeamRole;
use crate::identity::code_enum;
use crate::instrument::Instrument;
use crate::policy::RuleId;

code_enum! {
    /// When a task is due, seen from today.
    Window, "window" {
        Overdue => "overdue", "Overdue";
        Today => "today", "Due today";
        Week => "week", "Due this week";
        Later => "later", "Later";
    }
}

/// What a task is grouped with: repeating obligations of one kind on one case (a month's
/// contact, a treatment's year, a maintenance exam) stand as the next one due, and a member's
/// certification is one task however many cases they serve on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kinship {
    /// One rule on one case.
    Case { supervisee_id: i64, rule: RuleId },
    /// A member's own certification, across their cases.
    Member { user_id: i64, part: u8 },
    /// Nothing else is like it.
    Alone {
        supervisee_id: i64,
        key: super::ObligationKey,
    },
}

impl Obligation {
    /// Overdue and beyond doing: a month's provider-officer contact documented neither in the
    /// month nor the month after. It stays on record as a missed obligation.
    pub fn is_missed(&self, today: NaiveDate) -> bool {
        self.status == ObligationStatus::Overdue && !self.worth_reminding(today)
    }

    /// The window of a person's day the obligation falls in, or `None` when it is no task:
    /// met, exempted or not applicable; missed beyond doing; or a treatment that only has to
    /// continue (R8 asks for action only once treatment ended short).
    pub fn window(&self, today: NaiveDate) -> Option<Window> {
        if !self.status.is_open() || self.is_missed(today) {
            return None;
        }
        if self.key.rule == RuleId::R8 && !matches!(self.note, Note::EndedShort(_)) {
            return None;
        }
        if self.status == ObligationStatus::Overdue {
            return Some(Window::Overdue);
        }
        Some(match self.due {
            Some(d) if d < today => Window::Overdue,
            Some(d) if d == today => Window::Today,
            Some(d) if (d - today).num_days() <= DUE_SOON_DAYS => Window::Week,
            _ => Window::Later,
        })
    }

    /// The task's kin: see [`Kinship`].
    pub fn kinship(&self, supervisee_id: i64) -> Kinship {
        match (self.key.rule, self.key.subject) {
            (RuleId::R10, Subject::Member(user_id)) => Kinship::Member {
                user_id,
                part: self.key.part,
            },
            (RuleId::R1 | RuleId::R8 | RuleId::R9, _) => Kinship::Case {
                supervisee_id,
                rule: self.key.rule,
            },
            _ => Kinship::Alone {
                supervisee_id,
                key: self.key,
            },
        }
    }

    /// What to do, in a few plain words, starting with the verb.
    pub fn task(&self) -> String {
        let r = self.key.rule;
        match (r, self.note) {
            (RuleId::R1, note) => {
                let month = match self.key.subject {
                    Subject::Month(m) => month_name(m),
                    _ => String::new(),
                };
                let other = match self.responsible {
                    TeamRole::TreatmentProvider => "officer",
                    _ => "provider",
                };
                if note == Note::Unconfirmed {
                    format!(
                        "Confirm {month}'s contact with the {other}: only one side documented it"
                    )
                } else {
                    format!("Document {month}'s contact with the {other} about progress and risk")
                }
            }
            (RuleId::R2, Note::Juvenile) => "Score the JSORRAT-II before supervision starts".into(),
            (RuleId::R2, _) => "Score the Static-99R before supervision starts".into(),
            (RuleId::R3, _) => "Review the Static-99R score by the end of intake".into(),
            (RuleId::R4, _) => {
                let which = if self.key.part == 0 {
                    Instrument::Stable2007.label()
                } else {
                    Instrument::LsCmi.label()
                };
                format!("Score the {which}")
            }
            (RuleId::R5, _) => {
                "Give the score and its written interpretation to the officer".into()
            }
            (RuleId::R6a, _) => "Send the dynamic score to DOJ".into(),
            (RuleId::R6b, _) => "Send the dynamic and violence scores to DOJ".into(),
            (RuleId::R7, _) => "Complete the comprehensive assessment".into(),
            (RuleId::R8, Note::EndedShort(end)) => format!(
                "Place the supervisee in treatment again: the last one ended ({})",
                end.label().to_lowercase()
            ),
            (RuleId::R8, _) => "Keep the supervisee in treatment".into(),
            (RuleId::R9, _) => "Hold the maintenance polygraph exam".into(),
            (RuleId::R10, Note::Certification(kind)) => format!("Renew your {}", kind.label()),
            (RuleId::R10, _) => "Renew your certification".into(),
            (RuleId::R11, _) => {
                "File a court waiver covering provider, officer and examiner".into()
            }
            (RuleId::R12, Note::Gap { missing, .. }) => {
                let names: Vec<&str> = [
                    "a supervising officer",
                    "a treatment provider",
                    "a polygraph examiner",
                ]
                .into_iter()
                .zip(missing)
                .filter_map(|(n, m)| m.then_some(n))
                .collect();
                format!("Complete the team: add {}", names.join(" and "))
            }
            (RuleId::R12, _) => "Complete the team".into(),
            (RuleId::R13, _) => "Acknowledge the self-report of high-risk behavior".into(),
        }
    }
}

/// A month index (year * 12 + month - 1) as "March 2026".
pub fn month_name(index: i32) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = usize::try_from(index.rem_euclid(12)).unwrap_or(0);
    format!("{} {}", NAMES[month], index.div_euclid(12))
}

/// The month index of a day, for callers naming the current month.
pub fn month_of(day: NaiveDate) -> i32 {
    month_index(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::ObligationKey;
    use crate::policy::PolicyPackId;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn open(rule: RuleId, subject: Subject, due: &str, today: &str) -> Obligation {
        Obligation {
            key: ObligationKey {
                rule,
                subject,
                part: 0,
            },
            pack: PolicyPackId::Ca2025,
            responsible: TeamRole::SupervisingOfficer,
            responsible_user: Some(1),
            due: Some(d(due)),
            met_on: None,
            status: super::super::status(Some(d(due)), None, d(today)),
            note: Note::None,
        }
    }

    #[test]
    fn windows_turn_on_the_due_date_and_seven_days_before() {
        let w = |due: &str, today: &str| {
            open(RuleId::R2, Subject::Episode(1), due, today).window(d(today))
        };
        assert_eq!(w("2026-03-10", "2026-03-11"), Some(Window::Overdue));
        assert_eq!(w("2026-03-10", "2026-03-10"), Some(Window::Today));
        assert_eq!(w("2026-03-10", "2026-03-09"), Some(Window::Week));
        assert_eq!(w("2026-03-10", "2026-03-03"), Some(Window::Week));
        assert_eq!(w("2026-03-10", "2026-03-02"), Some(Window::Later));
    }

    #[test]
    fn a_month_of_contact_is_a_task_through_the_next_month_then_missed() {
        // February 2026 is due on the 28th.
        let feb = Subject::Month(2026 * 12 + 1);
        let on = |today: &str| open(RuleId::R1, feb, "2026-02-28", today);
        assert_eq!(
            on("2026-03-31").window(d("2026-03-31")),
            Some(Window::Overdue)
        );
        assert!(!on("2026-03-31").is_missed(d("2026-03-31")));
        assert_eq!(on("2026-04-01").window(d("2026-04-01")), None);
        assert!(on("2026-04-01").is_missed(d("2026-04-01")));
        // Other rules stay tasks however late.
        let r9 = open(RuleId::R9, Subject::Exam(1000), "2020-01-01", "2026-04-01");
        assert_eq!(r9.window(d("2026-04-01")), Some(Window::Overdue));
        assert!(!r9.is_missed(d("2026-04-01")));
        assert_eq!(
            on("2026-02-10").task(),
            "Document February 2026's contact with the provider about progress and risk"
        );
    }

    #[test]
    fn closed_obligations_and_continuing_treatment_are_no_tasks() {
        let mut met = open(RuleId::R2, Subject::Episode(1), "2026-03-10", "2026-03-11");
        met.met_on = Some(d("2026-03-11"));
        met.status = ObligationStatus::MetLate;
        assert_eq!(met.window(d("2026-03-11")), None);
        let mut r8 = open(
            RuleId::R8,
            Subject::Treatment(1),
            "2026-03-05",
            "2026-03-01",
        );
        r8.status = ObligationStatus::Upcoming;
        assert_eq!(r8.window(d("2026-03-01")), None);
        r8.note = Note::EndedShort(super::super::TreatmentEnd::Terminated);
        assert_eq!(r8.window(d("2026-03-01")), Some(Window::Week));
        assert!(r8.task().contains("terminated"), "{}", r8.task());
    }

    #[test]
    fn repeating_obligations_are_kin_and_certification_spans_cases() {
        let m1 = open(RuleId::R1, Subject::Month(1), "2026-01-31", "2026-02-01");
        let m2 = open(RuleId::R1, Subject::Month(2), "2026-02-28", "2026-02-01");
        assert_eq!(m1.kinship(7), m2.kinship(7));
        assert_ne!(m1.kinship(7), m2.kinship(8));
        let mut cert = open(RuleId::R10, Subject::Member(5), "2026-05-01", "2026-02-01");
        cert.responsible = TeamRole::PolygraphExaminer;
        assert_eq!(cert.kinship(7), cert.kinship(8));
        let s1 = open(RuleId::R5, Subject::Score(1), "2026-02-01", "2026-02-01");
        let s2 = open(RuleId::R5, Subject::Score(2), "2026-02-01", "2026-02-01");
        assert_ne!(s1.kinship(7), s2.kinship(7));
    }

    #[test]
    fn month_names_read_as_words() {
        assert_eq!(month_name(2026 * 12), "January 2026");
        assert_eq!(month_name(2025 * 12 + 11), "December 2025");
    }
}
