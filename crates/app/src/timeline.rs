//! The case's timeline: every change recorded on the case, read from the audit trail (which
//! holds exactly one event per write), shown to each viewer only for the records they may read.

use chrono::{DateTime, Utc};
use containment_domain::access::{Action, RecordKind};
use containment_domain::document::DocumentKind;
use containment_storage::Tx;

use crate::AppError;
use crate::actor::Actor;
use crate::case_access::CaseAccess;

/// How many entries a case page shows.
pub const TIMELINE_LENGTH: u64 = 200;

/// The changes that make up a case's history, what a person reads for each, and the record kind
/// a viewer must be allowed to read to see it.
pub(crate) const TIMELINE_ACTIONS: &[(&str, &str, RecordKind)] = &[
    ("case_open", "Case opened", RecordKind::Supervisee),
    (
        "supervisee_update",
        "Supervisee details changed",
        RecordKind::Supervisee,
    ),
    (
        "episode_open",
        "Supervision episode opened",
        RecordKind::SupervisionEpisode,
    ),
    (
        "supervision_end",
        "Supervision ended",
        RecordKind::SupervisionEpisode,
    ),
    (
        "team_member_add",
        "Team member assigned",
        RecordKind::TeamMembership,
    ),
    (
        "team_member_end",
        "Team member's assignment ended",
        RecordKind::TeamMembership,
    ),
    ("waiver_create", "Waiver recorded", RecordKind::Waiver),
    ("waiver_revoke", "Waiver revoked", RecordKind::Waiver),
    ("document_upload", "Document added", RecordKind::Supervisee),
    ("score_record", "Risk score recorded", RecordKind::RiskScore),
    (
        "dynamic_score_record",
        "Dynamic or violence score recorded",
        RecordKind::DynamicRiskScore,
    ),
    (
        "score_step",
        "Score hand-off recorded",
        RecordKind::DynamicRiskScore,
    ),
    (
        "treatment_enroll",
        "Treatment enrollment recorded",
        RecordKind::TreatmentProgress,
    ),
    (
        "treatment_end",
        "Treatment ended",
        RecordKind::TreatmentProgress,
    ),
    (
        "session_record",
        "Treatment session recorded",
        RecordKind::AttendanceDetail,
    ),
    (
        "contact_record",
        "Provider-officer contact documented",
        RecordKind::Obligation,
    ),
    (
        "contact_confirm",
        "Provider-officer contact confirmed",
        RecordKind::Obligation,
    ),
    (
        "assessment_refer",
        "Comprehensive assessment referred",
        RecordKind::Obligation,
    ),
    (
        "assessment_complete",
        "Comprehensive assessment completed",
        RecordKind::Obligation,
    ),
    (
        "monthly_report_submit",
        "Monthly report signed and submitted",
        RecordKind::MonthlyReport,
    ),
    (
        "monthly_report_acknowledge",
        "Monthly report acknowledged",
        RecordKind::MonthlyReport,
    ),
    (
        "polygraph_exam_record",
        "Polygraph exam recorded",
        RecordKind::PolygraphExam,
    ),
];

/// One change on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub what: &'static str,
    pub detail: Option<String>,
}

/// The record kind a document upload event concerns, from its detail text
/// (`document 12 (rap_sheet), ...`).
fn uploaded_kind(detail: Option<&str>) -> Option<RecordKind> {
    let inner = detail?.split_once('(')?.1.split_once(')')?.0;
    inner
        .parse::<DocumentKind>()
        .ok()
        .map(DocumentKind::record_kind)
}

/// What of an event's detail a person may read: the audit trail's details name records by
/// their internal ids and codes ("score 12 (static99r)", "document 4 (rap_sheet), sha256 ..."),
/// which mean nothing to people, so only the words in brackets are kept, codes made words.
fn people_detail(detail: &str) -> Option<String> {
    let inner = detail.split_once('(')?.1.split_once(')')?.0.trim();
    if let Ok(instrument) = inner.parse::<containment_domain::instrument::Instrument>() {
        return Some(instrument.label().to_owned());
    }
    if let Ok(kind) = inner.parse::<DocumentKind>() {
        return Some(kind.label().to_owned());
    }
    if inner.is_empty() || inner.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(inner.replace('_', " "))
}

pub(crate) async fn timeline(
    tx: &Tx,
    actor: &Actor,
    case: &CaseAccess,
) -> Result<Vec<TimelineEntry>, AppError> {
    let actions: Vec<&str> = TIMELINE_ACTIONS.iter().map(|(a, _, _)| *a).collect();
    let events = tx
        .case_history(case.supervisee.id, &actions, TIMELINE_LENGTH)
        .await?;
    let mut names = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(events.len());
    for e in events {
        let Some((_, what, kind)) = TIMELINE_ACTIONS.iter().find(|(a, _, _)| *a == e.action) else {
            continue;
        };
        let kind = if e.action == "document_upload" {
            match uploaded_kind(e.detail.as_deref()) {
                Some(k) => k,
                None => continue,
            }
        } else {
            *kind
        };
        if !case.decide(actor, Action::Read, kind).is_allowed() {
            continue;
        }
        let who = match e.actor_user_id {
            Some(id) => match names.get(&id) {
                Some(name) => String::clone(name),
                None => {
                    let name = tx
                        .user(id)
                        .await?
                        .map_or_else(|| format!("user {id}"), |u| u.display_name);
                    names.insert(id, name.clone());
                    name
                }
            },
            None => "system".to_owned(),
        };
        let detail = e.detail.as_deref().and_then(people_detail);
        entries.push(TimelineEntry {
            at: DateTime::from_timestamp_millis(e.at_ms).unwrap_or_default(),
            who,
            what,
            detail,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_an_uploaded_document_is_read_from_its_event() {
        assert_eq!(
            uploaded_kind(Some("document 4 (rap_sheet), sha256 ab")),
            Some(RecordKind::CoriRecord)
        );
        assert_eq!(
            uploaded_kind(Some("document 4 (substance_use_record)")),
            Some(RecordKind::SubstanceUseTreatment)
        );
        assert_eq!(uploaded_kind(Some("document 4")), None);
        assert_eq!(uploaded_kind(None), None);
    }

    #[test]
    fn details_keep_no_internal_ids() {
        assert_eq!(
            people_detail("document 4 (rap_sheet), sha256 ab").as_deref(),
            Some(DocumentKind::RapSheet.label())
        );
        assert_eq!(
            people_detail("score 3 (static99r)").as_deref(),
            Some("Static-99R")
        );
        assert_eq!(people_detail("report 7 (2026-11, version 1)"), None);
        assert_eq!(people_detail("treatment 152"), None);
    }
}
