//! The compliance engine: from what was recorded on a case, the policy packs, the working-day
//! calendar and today, every obligation of rules R1-R13 with who owes it, its due date, its
//! status and a one-sentence explanation citing the rule and its source.
//!
//! The engine is a pure function of its inputs. It hands each obligation to a callback instead
//! of collecting them, so evaluating every case of a state needs no more memory than one case's
//! history; explanations are written only when asked for.

mod rules;
#[cfg(test)]
mod tests;
mod work;

use std::{fmt, str::FromStr};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::access::TeamRole;
use crate::calendar::Calendar;
use crate::case::{SupervisionKind, day_words};
use crate::certification::CertificationKind;
use crate::identity::code_enum;
use crate::instrument::Instrument;
use crate::policy::{Overrides, PolicyPackId, RuleId};
use crate::score_chain::StepDone;

pub use rules::{evaluate, self_report_due};
pub use work::{Kinship, Window, month_name, month_of};

/// Days before a due date from which an open obligation is "due soon".
pub const DUE_SOON_DAYS: i64 = 7;

code_enum! {
    /// Where an obligation stands today.
    ObligationStatus, "status" {
        Overdue => "overdue", "Overdue";
        DueSoon => "due_soon", "Due soon";
        Upcoming => "upcoming", "Upcoming";
        MetLate => "met_late", "Met late";
        MetOnTime => "met_on_time", "Met on time";
        Exempted => "exempted", "Exempted";
        NotApplicable => "not_applicable", "Not applicable";
    }
}

impl ObligationStatus {
    /// Whether someone still has to act.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ObligationStatus::Overdue | ObligationStatus::DueSoon | ObligationStatus::Upcoming
        )
    }

    /// Whether it counts towards a compliance rate, and whether as compliant.
    pub fn counts_as(self) -> Option<bool> {
        match self {
            ObligationStatus::MetOnTime => Some(true),
            ObligationStatus::MetLate | ObligationStatus::Overdue => Some(false),
            _ => None,
        }
    }
}

code_enum! {
    /// How a treatment episode ended.
    TreatmentEnd, "treatment end" {
        Completed => "completed", "Completed successfully";
        Terminated => "terminated", "Terminated";
        Transferred => "transferred", "Transferred";
        SupervisionEnded => "supervision_ended", "Supervision ended";
    }
}

/// A supervision episode as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeFact {
    pub id: i64,
    pub kind: SupervisionKind,
    /// Sentencing or placement date.
    pub placed_on: Option<NaiveDate>,
    pub start: NaiveDate,
    pub expected_end: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
}

/// A team membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFact {
    pub user_id: i64,
    pub role: TeamRole,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl MemberFact {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

/// A certification held by a team member (or their program).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationFact {
    pub user_id: i64,
    pub kind: CertificationKind,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revoked_on: Option<NaiveDate>,
}

/// A score and its recorded chain steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreFact {
    pub id: i64,
    pub instrument: Instrument,
    pub scored_on: NaiveDate,
    pub steps: Vec<StepDone>,
}

/// A treatment enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatmentFact {
    pub id: i64,
    pub post_conviction: bool,
    pub start: NaiveDate,
    pub end: Option<(NaiveDate, TreatmentEnd)>,
    pub provider_user_id: Option<i64>,
}

/// A contact between provider and officer, as documented by each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFact {
    pub on: NaiveDate,
    pub by_provider: bool,
    pub by_officer: bool,
}

/// A comprehensive assessment referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentFact {
    pub id: i64,
    pub referred_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
}

/// A self-report of high-risk behavior and its acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfReportFact {
    pub id: i64,
    pub reported_on: NaiveDate,
    pub provider_ack: Option<NaiveDate>,
    pub officer_ack: Option<NaiveDate>,
}

/// An approved exemption: one obligation (by key) or every obligation of a rule due in a
/// period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptionFact {
    pub rule: RuleId,
    pub key: Option<ObligationKey>,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl ExemptionFact {
    fn covers(&self, o: &Obligation) -> bool {
        self.rule == o.key.rule
            && match &self.key {
                Some(k) => *k == o.key,
                None => o
                    .due
                    .is_some_and(|d| d >= self.from && self.until.is_none_or(|u| d <= u)),
            }
    }
}

/// Everything recorded on one case that the rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub supervisee_id: i64,
    pub date_of_birth: Option<NaiveDate>,
    pub male: bool,
    pub juvenile: bool,
    pub episodes: Vec<EpisodeFact>,
    pub team: Vec<MemberFact>,
    pub certifications: Vec<CertificationFact>,
    /// Court waivers (PC 1203.067(b)(4) / 3008(d)) covering provider, officer and examiner:
    /// (effective on, last day in force if known).
    pub court_waivers: Vec<(NaiveDate, Option<NaiveDate>)>,
    pub scores: Vec<ScoreFact>,
    pub treatments: Vec<TreatmentFact>,
    pub contacts: Vec<ContactFact>,
    pub assessments: Vec<AssessmentFact>,
    /// Dates of maintenance polygraph examinations.
    pub maintenance_polygraphs: Vec<NaiveDate>,
    pub self_reports: Vec<SelfReportFact>,
    pub exemptions: Vec<ExemptionFact>,
}

impl CaseFacts {
    /// The case as it stood at the end of `day`: everything that happened after it is left out
    /// (a contact, a score, a step, an exam, a treatment begun, a certificate issued), and what
    /// ended, was revoked, completed or acknowledged after it is still open. Supervision
    /// episodes and team assignments are set in advance, so later ones stay (R2 is owed before
    /// supervision starts). Obligations "as of" a past day read this.
    pub fn as_of(&self, day: NaiveDate) -> CaseFacts {
        let by = |d: NaiveDate| d <= day;
        let kept = |d: Option<NaiveDate>| d.filter(|d| by(*d));
        CaseFacts {
            supervisee_id: self.supervisee_id,
            date_of_birth: self.date_of_birth,
            male: self.male,
            juvenile: self.juvenile,
            episodes: self
                .episodes
                .iter()
                .map(|e| EpisodeFact {
                    actual_end: kept(e.actual_end),
                    ..e.clone()
                })
                .collect(),
            team: self
                .team
                .iter()
                .map(|m| MemberFact {
                    end: m.end.filter(|e| *e < day),
                    ..m.clone()
                })
                .collect(),
            certifications: self
                .certifications
                .iter()
                .filter(|c| by(c.issued_on))
                .map(|c| CertificationFact {
                    revoked_on: kept(c.revoked_on),
                    ..c.clone()
                })
                .collect(),
            court_waivers: self
                .court_waivers
                .iter()
                .filter(|(from, _)| by(*from))
                .copied()
                .collect(),
            scores: self
                .scores
                .iter()
                .filter(|s| by(s.scored_on))
                .map(|s| ScoreFact {
                    steps: s.steps.iter().filter(|st| by(st.on)).copied().collect(),
                    ..s.clone()
                })
                .collect(),
            treatments: self
                .treatments
                .iter()
                .filter(|t| by(t.start))
                .map(|t| TreatmentFact {
                    end: t.end.filter(|(e, _)| by(*e)),
                    ..t.clone()
                })
                .collect(),
            contacts: self.contacts.iter().filter(|c| by(c.on)).copied().collect(),
            assessments: self
                .assessments
                .iter()
                .filter(|a| by(a.referred_on))
                .map(|a| AssessmentFact {
                    completed_on: kept(a.completed_on),
                    ..*a
                })
                .collect(),
            maintenance_polygraphs: self
                .maintenance_polygraphs
                .iter()
                .filter(|d| by(**d))
                .copied()
                .collect(),
            self_reports: self
                .self_reports
                .iter()
                .filter(|r| by(r.reported_on))
                .map(|r| SelfReportFact {
                    provider_ack: kept(r.provider_ack),
                    officer_ack: kept(r.officer_ack),
                    ..*r
                })
                .collect(),
            exemptions: self.exemptions.clone(),
        }
    }
}

/// What an obligation is about, so it has a stable identity across evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Episode(i64),
    /// A calendar month, as year * 12 + month - 1.
    Month(i32),
    Score(i64),
    Treatment(i64),
    /// The n-th maintenance exam of a treatment: treatment id * 1000 + n.
    Exam(i64),
    Assessment(i64),
    Member(i64),
    SelfReport(i64),
}

/// The stable identity of an obligation: its rule, what it is about, and a part when one
/// subject owes several (dynamic and violence scores, provider and officer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObligationKey {
    pub rule: RuleId,
    pub subject: Subject,
    pub part: u8,
}

impl fmt::Display for ObligationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match self.subject {
            Subject::Episode(i) => ("episode", i),
            Subject::Month(m) => ("month", i64::from(m)),
            Subject::Score(i) => ("score", i),
            Subject::Treatment(i) => ("treatment", i),
            Subject::Exam(i) => ("exam", i),
            Subject::Assessment(i) => ("assessment", i),
            Subject::Member(i) => ("member", i),
            Subject::SelfReport(i) => ("self_report", i),
        };
        write!(f, "{}:{kind}:{id}:{}", self.rule.code(), self.part)
    }
}

impl FromStr for ObligationKey {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = ParseError::Invalid {
            field: "obligation",
            reason: "use the key shown with the obligation, e.g. R5:score:12:0",
        };
        let mut parts = s.trim().split(':');
        let (Some(rule), Some(kind), Some(id), Some(part), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad);
        };
        let rule: RuleId = rule.parse()?;
        let id: i64 = id.parse().map_err(|_| bad.clone())?;
        let part: u8 = part.parse().map_err(|_| bad.clone())?;
        let subject = match kind {
            "episode" => Subject::Episode(id),
            "month" => Subject::Month(i32::try_from(id).map_err(|_| bad.clone())?),
            "score" => Subject::Score(id),
            "treatment" => Subject::Treatment(id),
            "exam" => Subject::Exam(id),
            "assessment" => Subject::Assessment(id),
            "member" => Subject::Member(id),
            "self_report" => Subject::SelfReport(id),
            _ => return Err(bad),
        };
        Ok(ObligationKey {
            rule,
            subject,
            part,
        })
    }
}

/// Why an open obligation reads as it does, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    None,
    /// R1: the month's only contacts were documented by one side.
    Unconfirmed,
    /// R4/R7: the hard limit (day 120) passed.
    PastLimit,
    /// R4: dynamic (0) or violence (1) score; R13: provider (0) or officer (1).
    Part(u8),
    /// R8: ended early or without successful completion.
    EndedShort(TreatmentEnd),
    /// R2: no Static-99R applies (not an adult male): JSORRAT-II for juveniles.
    Juvenile,
    /// R10: certification kind that lapses.
    Certification(CertificationKind),
    /// R10: the latest stretch of days a member served without certification, and how many
    /// earlier ones.
    Lapse {
        from: NaiveDate,
        to: NaiveDate,
        earlier: u16,
    },
    /// R12: the latest stretch of days without a required role, and how many earlier ones.
    Gap {
        from: NaiveDate,
        to: NaiveDate,
        missing: [bool; 3],
        earlier: u16,
    },
}

/// The roles every post-conviction team needs (R12), in [`TeamGap::missing`] order.
pub const REQUIRED_ROLES: [TeamRole; 3] = [
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProvider,
    TeamRole::PolygraphExaminer,
];

/// A stretch of days on which the team lacked at least one required role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamGap {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Officer, provider, examiner: missing on some day of the stretch.
    pub missing: [bool; 3],
}

/// Every stretch of days from `from` through `to` on which `team` lacked a required role.
pub fn team_gaps(team: &[MemberFact], from: NaiveDate, to: NaiveDate) -> Vec<TeamGap> {
    if from > to {
        return Vec::new();
    }
    // Coverage changes only where a membership starts or ends: check each such segment once.
    let mut cuts: Vec<NaiveDate> = vec![from];
    for m in team {
        cuts.push(m.start);
        if let Some(next) = m.end.and_then(|e| e.succ_opt()) {
            cuts.push(next);
        }
    }
    cuts.retain(|d| *d >= from && *d <= to);
    cuts.sort_unstable();
    cuts.dedup();
    let mut gaps: Vec<TeamGap> = Vec::new();
    for (i, start) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).and_then(|n| n.pred_opt()).unwrap_or(to);
        let missing =
            REQUIRED_ROLES.map(|r| !team.iter().any(|m| m.role == r && m.active_on(*start)));
        if !missing.iter().any(|m| *m) {
            continue;
        }
        match gaps.last_mut() {
            Some(g) if g.to.succ_opt() == Some(*start) => {
                g.to = end;
                for (k, miss) in missing.iter().enumerate() {
                    g.missing[k] |= *miss;
                }
            }
            _ => gaps.push(TeamGap {
                from: *start,
                to: end,
                missing,
            }),
        }
    }
    gaps
}

/// One obligation of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obligation {
    pub key: ObligationKey,
    pub pack: PolicyPackId,
    pub responsible: TeamRole,
    /// The person who owes it, when the team says who.
    pub responsible_user: Option<i64>,
    pub due: Option<NaiveDate>,
    pub met_on: Option<NaiveDate>,
    pub status: ObligationStatus,
    pub note: Note,
}

/// What the engine needs besides the case: the calendar, the county's overrides and today.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub calendar: &'a Calendar,
    pub overrides: &'a Overrides,
    pub today: NaiveDate,
}

/// The status of an obligation due on `due`, met on `met_on`, seen on `today`.
pub fn status(
    due: Option<NaiveDate>,
    met_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ObligationStatus {
    match (due, met_on) {
        (_, Some(m)) if due.is_none_or(|d| m <= d) => ObligationStatus::MetOnTime,
        (_, Some(_)) => ObligationStatus::MetLate,
        (Some(d), None) if today > d => ObligationStatus::Overdue,
        (Some(d), None) if (d - today).num_days() <= DUE_SOON_DAYS => ObligationStatus::DueSoon,
        _ => ObligationStatus::Upcoming,
    }
}

impl Obligation {
    /// Whether a reminder can still lead to action. A month's communication (R1) can be
    /// documented during the month and the month after; a month before that is a missed month
    /// for the record and the dashboard, no longer something to remind anyone of.
    pub fn worth_reminding(&self, today: NaiveDate) -> bool {
        match self.key.subject {
            Subject::Month(m) => m >= rules::month_index(today) - 1,
            _ => true,
        }
    }

    /// One sentence: what is owed, by whom, by when, where it stands, and the rule's source.
    pub fn explain(&self) -> String {
        let pack = self.pack.pack();
        let rule = pack.rule(self.key.rule);
        let (what, source) = rule.map_or(("", ""), |r| (r.obligation.as_str(), r.source.as_str()));
        let who = self.responsible.label();
        let due = self
            .due
            .map(|d| format!(" by {}", day_words(d)))
            .unwrap_or_default();
        let standing = match (self.status, self.met_on) {
            (ObligationStatus::MetOnTime, Some(m)) => format!("met on {}", day_words(m)),
            (ObligationStatus::MetLate, Some(m)) => format!("met late, on {}", day_words(m)),
            (ObligationStatus::Overdue, _) => "overdue".to_owned(),
            (ObligationStatus::DueSoon, _) => "due soon".to_owned(),
            (ObligationStatus::Exempted, _) => "exempted".to_owned(),
            (ObligationStatus::NotApplicable, _) => "not applicable".to_owned(),
            _ => "not yet due".to_owned(),
        };
        let detail = match self.note {
            // R4 owes two scores: say which instrument this one is.
            note if self.key.rule == RuleId::R4 => {
                let instrument = match self.key.part {
                    0 => "dynamic score: STABLE-2007 or SRA-FV",
                    _ => "violence score: LS/CMI",
                };
                match note {
                    Note::PastLimit => format!(" ({instrument}; past the 120-day limit)"),
                    _ => format!(" ({instrument})"),
                }
            }
            Note::Unconfirmed => {
                " (the month's contact is documented by one side only: unconfirmed)".to_owned()
            }
            Note::PastLimit => " (past the 120-day limit)".to_owned(),
            Note::Part(0) if self.key.rule == RuleId::R13 => {
                " (provider's acknowledgement)".to_owned()
            }
            Note::Part(1) if self.key.rule == RuleId::R13 => {
                " (officer's acknowledgement)".to_owned()
            }
            Note::EndedShort(end) => format!(" (treatment ended: {})", end.label().to_lowercase()),
            Note::Juvenile => " (a juvenile is scored with JSORRAT-II)".to_owned(),
            Note::Certification(kind) => format!(" ({})", kind.label()),
            Note::Lapse { from, to, earlier } => {
                let more = match earlier {
                    0 => String::new(),
                    1 => " and once before".to_owned(),
                    n => format!(" and {n} times before"),
                };
                format!(
                    " (served uncertified from {} to {}{more}: work dated then needs review)",
                    day_words(from),
                    day_words(to)
                )
            }
            Note::Gap {
                from,
                to,
                missing,
                earlier,
            } => {
                let span = if from == to {
                    format!("on {}", day_words(from))
                } else {
                    format!("from {} to {}", day_words(from), day_words(to))
                };
                let more = match earlier {
                    0 => String::new(),
                    1 => " and one earlier gap".to_owned(),
                    n => format!(" and {n} earlier gaps"),
                };
                format!(" (no {} {span}{more})", missing_names(missing))
            }
            _ => String::new(),
        };
        format!(
            "{}: {what}{detail}, owed by the {who}{due}; {standing} ({source}; {}).",
            self.key.rule.code(),
            self.pack.code()
        )
    }
}

fn missing_names(missing: [bool; 3]) -> String {
    [
        "supervising officer",
        "treatment provider",
        "polygraph examiner",
    ]
    .iter()
    .zip(missing)
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect::<Vec<_>>()
    .join(", ")
}

/// Every obligation of a case, in the order the engine finds them.
pub fn obligations(facts: &CaseFacts, ctx: &Context<'_>) -> Vec<Obligation> {
    let mut out = Vec::new();
    evaluate(facts, ctx, &mut |o| out.push(o));
    out
}

/// Orders obligations for a to-do list: overdue first, then by due date.
pub fn task_order(a: &Obligation, b: &Obligation) -> std::cmp::Ordering {
    let rank = |o: &Obligation| match o.status {
        ObligationStatus::Overdue => 0,
        ObligationStatus::DueSoon => 1,
        ObligationStatus::Upcoming => 2,
        _ => 3,
    };
    rank(a)
        .cmp(&rank(b))
        .then(
            a.due
                .unwrap_or(NaiveDate::MAX)
                .cmp(&b.due.unwrap_or(NaiveDate::MAX)),
        )
        .then(a.key.cmp(&b.key))
}
