//! The case's timeline: its history as the records themselves tell it (a session on the day it
//! was held, a waiver on the day it was signed), so a case loaded from elsewhere, or by the demo
//! loader, shows its past as well as one worked in the application. Each viewer is shown only
//! the kinds of record they may read; the others are not even read. One statement.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::{Action, RecordKind};
use containment_domain::case::{SupervisionKind, local_date};
use containment_domain::compliance::TreatmentEnd;
use containment_domain::document::DocumentKind;
use containment_domain::instrument::Instrument;
use containment_domain::polygraph::ExamType;
use containment_domain::score_chain::ChainStep;
use containment_domain::treatment::{AssessmentKind, Attendance, ContactMode, TreatmentKind};
use containment_domain::waiver::{LegalBasis, waiver_name};
use containment_storage::{HistoryKind, HistoryRow, HistoryScope, Tx};

use crate::AppError;
use crate::actor::Actor;
use crate::case_access::CaseAccess;

/// How many entries a case page shows.
pub const TIMELINE_LENGTH: usize = 200;

/// One thing that happened on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The day it happened, in California.
    pub on: NaiveDate,
    /// The moment, for what the records keep to the minute (an upload, a signature).
    pub at: Option<DateTime<Utc>>,
    /// Who did it, when the record names them.
    pub who: Option<String>,
    pub what: &'static str,
    pub detail: Option<String>,
    /// The kind of record the entry tells of (the wall decided on it).
    pub kind: RecordKind,
}

/// Which records of the case `actor` may see on its timeline.
fn scope(actor: &Actor, case: &CaseAccess) -> HistoryScope {
    let may = |kind| case.decide(actor, Action::Read, kind).is_allowed();
    HistoryScope {
        case: may(RecordKind::Supervisee),
        supervision: may(RecordKind::SupervisionEpisode),
        team: may(RecordKind::TeamMembership),
        waivers: may(RecordKind::Waiver),
        document_kinds: DocumentKind::ALL
            .iter()
            .filter(|k| may(k.record_kind()))
            .map(|k| k.code().to_owned())
            .collect(),
        instruments: Instrument::ALL
            .iter()
            .filter(|i| may(crate::score_kind(**i)))
            .map(|i| i.code().to_owned())
            .collect(),
        score_steps: may(RecordKind::DynamicRiskScore),
        treatment: may(RecordKind::TreatmentProgress),
        sessions: may(RecordKind::AttendanceDetail),
        obligations: may(RecordKind::Obligation),
        monthly_reports: may(RecordKind::MonthlyReport),
        polygraph_exams: may(RecordKind::PolygraphExam),
    }
}

/// A code read back as the words its type gives it, or nothing when it is not one.
fn words<T: std::str::FromStr>(
    code: Option<&str>,
    label: impl Fn(T) -> &'static str,
) -> Option<String> {
    code?.parse::<T>().ok().map(|v| label(v).to_owned())
}

/// What a person reads for one history row: what happened, the record kind the wall decides
/// it on, and the detail in words (never an internal id or code).
fn entry(row: HistoryRow) -> Option<TimelineEntry> {
    use HistoryKind as K;
    let code = row.code.as_deref();
    let day = row
        .on
        .or_else(|| row.at.map(local_date))
        .unwrap_or_else(|| local_date(row.written));
    let instrument = |c: Option<&str>| c.and_then(|c| c.parse::<Instrument>().ok());
    let waiver = || {
        let basis = code?.parse::<LegalBasis>().ok()?;
        Some(waiver_name(basis, row.day2, row.day3?))
    };
    let member = || {
        let role = words(code, |r: containment_domain::access::TeamRole| r.label());
        match (row.by.clone(), role) {
            (Some(name), Some(role)) => Some(format!("{name}, {role}")),
            (name, role) => name.or(role),
        }
    };
    let (what, kind, who, detail) = match row.kind {
        K::CaseOpened => ("Case opened", RecordKind::Supervisee, None, None),
        K::CaseChanged => (
            "Supervisee details changed",
            RecordKind::Supervisee,
            None,
            None,
        ),
        K::SupervisionBegan | K::SupervisionEnded => (
            if row.kind == K::SupervisionBegan {
                "Supervision began"
            } else {
                "Supervision ended"
            },
            RecordKind::SupervisionEpisode,
            None,
            code.and_then(|c| SupervisionKind::parse(c).ok())
                .map(|k| k.label().to_owned()),
        ),
        K::MemberJoined => (
            "Team member assigned",
            RecordKind::TeamMembership,
            None,
            member(),
        ),
        K::MemberLeft => (
            "Team member's assignment ended",
            RecordKind::TeamMembership,
            None,
            member(),
        ),
        K::WaiverRecorded => (
            "Waiver recorded",
            RecordKind::Waiver,
            row.by.clone(),
            waiver(),
        ),
        K::WaiverRevoked => (
            "Waiver revoked",
            RecordKind::Waiver,
            row.by.clone(),
            waiver(),
        ),
        K::DocumentAdded => {
            let kind = code?.parse::<DocumentKind>().ok()?;
            (
                "Document added",
                kind.record_kind(),
                row.by.clone(),
                Some(kind.label().to_owned()),
            )
        }
        K::ScoreRecorded => {
            let i = instrument(code)?;
            let kind = crate::score_kind(i);
            (
                if kind == RecordKind::RiskScore {
                    "Risk score recorded"
                } else {
                    "Dynamic or violence score recorded"
                },
                kind,
                row.by.clone(),
                Some(i.label().to_owned()),
            )
        }
        K::ScoreStep => {
            let i = instrument(row.code2.as_deref())?;
            let step = words(code, |s: ChainStep| s.label());
            (
                "Score hand-off recorded",
                RecordKind::DynamicRiskScore,
                row.by.clone(),
                Some(match step {
                    Some(step) => format!("{}: {step}", i.label()),
                    None => i.label().to_owned(),
                }),
            )
        }
        K::TreatmentBegan => (
            "Treatment enrollment recorded",
            RecordKind::TreatmentProgress,
            row.by.clone(),
            words(code, |k: TreatmentKind| k.label()),
        ),
        K::TreatmentEnded => (
            "Treatment ended",
            RecordKind::TreatmentProgress,
            None,
            words(code, |e: TreatmentEnd| e.label()),
        ),
        K::Session => (
            "Treatment session recorded",
            RecordKind::AttendanceDetail,
            row.by.clone(),
            words(code, |a: Attendance| a.label()),
        ),
        K::ContactDocumented | K::ContactConfirmed => (
            if row.kind == K::ContactDocumented {
                "Provider-officer contact documented"
            } else {
                "Provider-officer contact confirmed"
            },
            RecordKind::Obligation,
            row.by.clone(),
            words(code, |m: ContactMode| m.label()),
        ),
        K::AssessmentReferred | K::AssessmentCompleted => (
            if row.kind == K::AssessmentReferred {
                "Comprehensive assessment referred"
            } else {
                "Comprehensive assessment completed"
            },
            RecordKind::Obligation,
            row.by.clone(),
            words(code, |k: AssessmentKind| k.label()),
        ),
        K::ReportSigned | K::ReportAcknowledged => (
            if row.kind == K::ReportSigned {
                "Monthly report signed and submitted"
            } else {
                "Monthly report acknowledged"
            },
            RecordKind::MonthlyReport,
            row.by.clone(),
            row.day2.map(|m| m.format("%B %Y").to_string()),
        ),
        K::PolygraphExam => (
            "Polygraph exam recorded",
            RecordKind::PolygraphExam,
            row.by.clone(),
            words(code, |t: ExamType| t.label()),
        ),
    };
    Some(TimelineEntry {
        on: day,
        at: row.at,
        who,
        what,
        detail,
        kind,
    })
}

pub(crate) async fn timeline(
    tx: &Tx,
    actor: &Actor,
    case: &CaseAccess,
) -> Result<Vec<TimelineEntry>, AppError> {
    let rows = tx
        .case_records_history(case.supervisee.id, &scope(actor, case))
        .await?;
    let mut keyed: Vec<_> = rows
        .into_iter()
        .filter_map(|row| {
            let key = (row.written, row.kind, row.id);
            entry(row).map(|e| (e, key))
        })
        // The scope read only what the viewer may see; the wall decides each entry again.
        .filter(|(e, _)| case.decide(actor, Action::Read, e.kind).is_allowed())
        .collect();
    // Newest first: by the day it happened, then the order it was written in (and, for what
    // was written in the same instant, the order such things happen in).
    keyed.sort_by(|(a, ak), (b, bk)| (b.on, bk).cmp(&(a.on, ak)));
    keyed.truncate(TIMELINE_LENGTH);
    Ok(keyed.into_iter().map(|(e, _)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: HistoryKind, code: &str) -> HistoryRow {
        HistoryRow {
            kind,
            on: NaiveDate::from_ymd_opt(2026, 3, 2),
            at: None,
            written: DateTime::from_timestamp_millis(0).unwrap_or_default(),
            by: Some("Perry Provider".into()),
            code: Some(code.into()),
            code2: None,
            day2: None,
            day3: None,
            id: 7,
        }
    }

    #[test]
    fn entries_speak_words_not_codes() {
        let e = entry(row(HistoryKind::DocumentAdded, "rap_sheet")).unwrap();
        assert_eq!(e.detail.as_deref(), Some(DocumentKind::RapSheet.label()));
        assert_eq!(e.kind, RecordKind::CoriRecord);
        let e = entry(row(HistoryKind::Session, "missed")).unwrap();
        assert_eq!(e.detail.as_deref(), Some("Missed"));
        assert_eq!(e.kind, RecordKind::AttendanceDetail);
        let e = entry(row(HistoryKind::MemberJoined, "polygraph_examiner")).unwrap();
        assert_eq!(
            e.detail.as_deref(),
            Some("Perry Provider, polygraph examiner")
        );
        assert_eq!(e.who, None);
        // A code the application does not know is not shown as it is.
        assert!(entry(row(HistoryKind::DocumentAdded, "mystery")).is_none());
    }
}
