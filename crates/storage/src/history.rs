//! A case's history as its records tell it: when the case was opened, supervision began and
//! ended, who joined and left the team, waivers, documents, scores and their hand-offs,
//! treatment, sessions, contacts, assessments, monthly reports and polygraph exams. One UNION
//! ALL of narrow rows with the acting person's name joined in, reading only the kinds of record
//! the caller says the viewer may see.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement};

use crate::{StorageError, Tx};

/// What a history row records, in the order things happen to a case (which orders what was
/// written in the same instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HistoryKind {
    CaseOpened,
    CaseChanged,
    SupervisionBegan,
    SupervisionEnded,
    MemberJoined,
    MemberLeft,
    WaiverRecorded,
    WaiverRevoked,
    DocumentAdded,
    ScoreRecorded,
    ScoreStep,
    TreatmentBegan,
    TreatmentEnded,
    Session,
    ContactDocumented,
    ContactConfirmed,
    AssessmentReferred,
    AssessmentCompleted,
    ReportSigned,
    ReportAcknowledged,
    PolygraphExam,
}

impl HistoryKind {
    const ALL: [HistoryKind; 21] = [
        HistoryKind::CaseOpened,
        HistoryKind::CaseChanged,
        HistoryKind::SupervisionBegan,
        HistoryKind::SupervisionEnded,
        HistoryKind::MemberJoined,
        HistoryKind::MemberLeft,
        HistoryKind::WaiverRecorded,
        HistoryKind::WaiverRevoked,
        HistoryKind::DocumentAdded,
        HistoryKind::ScoreRecorded,
        HistoryKind::ScoreStep,
        HistoryKind::TreatmentBegan,
        HistoryKind::TreatmentEnded,
        HistoryKind::Session,
        HistoryKind::ContactDocumented,
        HistoryKind::ContactConfirmed,
        HistoryKind::AssessmentReferred,
        HistoryKind::AssessmentCompleted,
        HistoryKind::ReportSigned,
        HistoryKind::ReportAcknowledged,
        HistoryKind::PolygraphExam,
    ];

    fn code(self) -> i32 {
        HistoryKind::ALL
            .iter()
            .position(|k| *k == self)
            .and_then(|p| i32::try_from(p).ok())
            .unwrap_or(-1)
    }

    fn of_code(code: i32) -> Option<HistoryKind> {
        usize::try_from(code)
            .ok()
            .and_then(|p| HistoryKind::ALL.get(p).copied())
    }
}

/// Which records of the case to read: each part is read only when the viewer may see it.
#[derive(Debug, Clone, Default)]
pub struct HistoryScope {
    pub case: bool,
    pub supervision: bool,
    pub team: bool,
    pub waivers: bool,
    /// Codes of the document kinds the viewer may read.
    pub document_kinds: Vec<String>,
    /// Codes of the instruments whose scores the viewer may read.
    pub instruments: Vec<String>,
    /// The scores' hand-offs (of the instruments above).
    pub score_steps: bool,
    pub treatment: bool,
    pub sessions: bool,
    /// Provider-officer contacts and comprehensive assessments.
    pub obligations: bool,
    pub monthly_reports: bool,
    pub polygraph_exams: bool,
}

/// One thing that happened on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub kind: HistoryKind,
    /// The day it happened, for records that keep a day (a session's date, a contact's).
    pub on: Option<NaiveDate>,
    /// The moment it happened, for records that keep one (a document's upload, a signature).
    pub at: Option<DateTime<Utc>>,
    /// When the record was written: orders what happened on the same day.
    pub written: DateTime<Utc>,
    /// The person who did it, by name (for a team change: the member).
    pub by: Option<String>,
    /// A code that says what (an instrument, a document kind, an attendance...).
    pub code: Option<String>,
    /// A second code (a score step's instrument, a waiver's "signed").
    pub code2: Option<String>,
    /// Further days: a waiver's signing and effective days, a report's month.
    pub day2: Option<NaiveDate>,
    pub day3: Option<NaiveDate>,
    pub id: i64,
}

/// `'a','b'` for an SQL `IN` list of codes; codes are the application's own constants,
/// never typed text, and are checked to be plain words.
fn code_list(codes: &[String]) -> Option<String> {
    let ok: Vec<String> = codes
        .iter()
        .filter(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        })
        .map(|c| format!("'{c}'"))
        .collect();
    (!ok.is_empty()).then(|| ok.join(","))
}

impl Tx {
    /// The history of case `sid` within `scope`, unordered.
    pub async fn case_records_history(
        &self,
        sid: i64,
        scope: &HistoryScope,
    ) -> Result<Vec<HistoryRow>, StorageError> {
        use HistoryKind as K;
        // Columns: kind, on, at, written, by, code, code2, day2, day3, id. The first branch
        // reads no row: it names and types the columns for both engines.
        let mut parts: Vec<String> = vec![
            "SELECT -1 AS kind, CAST(NULL AS DATE) AS d1, CAST(NULL AS TIMESTAMPTZ) AS at, \
                 CAST(NULL AS TIMESTAMPTZ) AS written, CAST(NULL AS TEXT) AS who, \
                 CAST(NULL AS TEXT) AS t1, CAST(NULL AS TEXT) AS t2, CAST(NULL AS DATE) AS d2, \
                 CAST(NULL AS DATE) AS d3, CAST(NULL AS BIGINT) AS rid WHERE 1 = 0"
                .to_owned(),
        ];
        let who = |col: &str| format!("LEFT JOIN app_user u ON u.id = {col}");
        if scope.case {
            parts.push(format!(
                "SELECT {}, NULL, s.created_at, s.created_at, NULL, NULL, NULL, NULL, NULL, s.id \
                   FROM supervisee s WHERE s.id = {sid}",
                K::CaseOpened.code()
            ));
            parts.push(format!(
                "SELECT {}, NULL, s.updated_at, s.updated_at, NULL, NULL, NULL, NULL, NULL, s.id \
                   FROM supervisee s WHERE s.id = {sid} AND s.version > 1",
                K::CaseChanged.code()
            ));
        }
        if scope.supervision {
            parts.push(format!(
                "SELECT {}, e.start_date, NULL, e.created_at, NULL, e.kind, NULL, NULL, NULL, e.id \
                   FROM supervision_episode e WHERE e.supervisee_id = {sid}",
                K::SupervisionBegan.code()
            ));
            parts.push(format!(
                "SELECT {}, e.actual_end, NULL, e.created_at, NULL, e.kind, NULL, NULL, NULL, e.id \
                   FROM supervision_episode e \
                   WHERE e.supervisee_id = {sid} AND e.actual_end IS NOT NULL",
                K::SupervisionEnded.code()
            ));
        }
        if scope.team {
            for (kind, day, cond) in [
                (K::MemberJoined, "m.start_date", ""),
                (K::MemberLeft, "m.end_date", " AND m.end_date IS NOT NULL"),
            ] {
                parts.push(format!(
                    "SELECT {}, {day}, NULL, m.created_at, u.display_name, m.team_role, NULL, \
                         NULL, NULL, m.id \
                       FROM team_member m JOIN supervision_episode e ON e.id = m.episode_id {} \
                       WHERE e.supervisee_id = {sid}{cond}",
                    kind.code(),
                    who("m.user_id")
                ));
            }
        }
        if scope.waivers {
            parts.push(format!(
                "SELECT {}, COALESCE(w.signed_on, w.effective_on), NULL, w.created_at, \
                     u.display_name, w.basis, NULL, w.signed_on, w.effective_on, w.id \
                   FROM waiver w {} WHERE w.supervisee_id = {sid}",
                K::WaiverRecorded.code(),
                who("w.created_by")
            ));
            parts.push(format!(
                "SELECT {}, w.revoked_on, NULL, w.created_at, u.display_name, w.basis, NULL, \
                     w.signed_on, w.effective_on, w.id \
                   FROM waiver w {} WHERE w.supervisee_id = {sid} AND w.revoked_on IS NOT NULL",
                K::WaiverRevoked.code(),
                who("w.revoked_by")
            ));
        }
        if let Some(kinds) = code_list(&scope.document_kinds) {
            parts.push(format!(
                "SELECT {}, NULL, c.uploaded_at, c.uploaded_at, u.display_name, c.kind, NULL, \
                     NULL, NULL, c.id \
                   FROM case_document c {} WHERE c.supervisee_id = {sid} AND c.kind IN ({kinds})",
                K::DocumentAdded.code(),
                who("c.uploaded_by")
            ));
        }
        if let Some(instruments) = code_list(&scope.instruments) {
            parts.push(format!(
                "SELECT {}, r.scored_on, NULL, r.created_at, u.display_name, r.instrument, NULL, \
                     NULL, NULL, r.id \
                   FROM risk_score r {} \
                   WHERE r.supervisee_id = {sid} AND r.instrument IN ({instruments})",
                K::ScoreRecorded.code(),
                who("r.scorer_user_id")
            ));
            if scope.score_steps {
                parts.push(format!(
                    "SELECT {}, t.on_date, NULL, t.created_at, u.display_name, t.step, \
                         r.instrument, NULL, NULL, t.id \
                       FROM score_step t JOIN risk_score r ON r.id = t.risk_score_id {} \
                       WHERE t.supervisee_id = {sid} AND r.instrument IN ({instruments})",
                    K::ScoreStep.code(),
                    who("t.by_user_id")
                ));
            }
        }
        if scope.treatment {
            parts.push(format!(
                "SELECT {}, t.start_date, NULL, t.created_at, u.display_name, t.kind, NULL, NULL, \
                     NULL, t.id \
                   FROM treatment t {} WHERE t.supervisee_id = {sid}",
                K::TreatmentBegan.code(),
                who("t.created_by")
            ));
            parts.push(format!(
                "SELECT {}, t.end_date, NULL, t.created_at, NULL, t.end_outcome, t.kind, NULL, \
                     NULL, t.id \
                   FROM treatment t WHERE t.supervisee_id = {sid} AND t.end_date IS NOT NULL",
                K::TreatmentEnded.code()
            ));
        }
        if scope.sessions {
            parts.push(format!(
                "SELECT {}, n.on_date, NULL, n.created_at, u.display_name, n.attendance, NULL, \
                     NULL, NULL, n.id \
                   FROM treatment_session n {} WHERE n.supervisee_id = {sid}",
                K::Session.code(),
                who("n.recorded_by")
            ));
        }
        if scope.obligations {
            parts.push(format!(
                "SELECT {}, c.on_date, NULL, c.created_at, u.display_name, c.mode, NULL, NULL, \
                     NULL, c.id \
                   FROM contact c {} WHERE c.supervisee_id = {sid}",
                K::ContactDocumented.code(),
                who("c.documented_by")
            ));
            parts.push(format!(
                "SELECT {}, NULL, c.confirmed_at, c.confirmed_at, u.display_name, c.mode, NULL, \
                     NULL, NULL, c.id \
                   FROM contact c {} \
                   WHERE c.supervisee_id = {sid} AND c.confirmed_at IS NOT NULL",
                K::ContactConfirmed.code(),
                who("c.confirmed_by")
            ));
            parts.push(format!(
                "SELECT {}, a.referred_on, NULL, a.created_at, u.display_name, a.kind, NULL, \
                     NULL, NULL, a.id \
                   FROM assessment a {} WHERE a.supervisee_id = {sid}",
                K::AssessmentReferred.code(),
                who("a.referred_by")
            ));
            parts.push(format!(
                "SELECT {}, a.completed_on, NULL, a.created_at, u.display_name, a.kind, NULL, \
                     NULL, NULL, a.id \
                   FROM assessment a {} \
                   WHERE a.supervisee_id = {sid} AND a.completed_on IS NOT NULL",
                K::AssessmentCompleted.code(),
                who("a.completed_by")
            ));
        }
        if scope.monthly_reports {
            parts.push(format!(
                "SELECT {}, NULL, m.signed_at, m.signed_at, u.display_name, NULL, NULL, m.month, \
                     NULL, m.id \
                   FROM monthly_report m {} \
                   WHERE m.supervisee_id = {sid} AND m.signed_at IS NOT NULL",
                K::ReportSigned.code(),
                who("m.author_id")
            ));
            parts.push(format!(
                "SELECT {}, NULL, m.acknowledged_at, m.acknowledged_at, u.display_name, NULL, \
                     NULL, m.month, NULL, m.id \
                   FROM monthly_report m {} \
                   WHERE m.supervisee_id = {sid} AND m.acknowledged_at IS NOT NULL",
                K::ReportAcknowledged.code(),
                who("m.acknowledged_by")
            ));
        }
        if scope.polygraph_exams {
            parts.push(format!(
                "SELECT {}, p.exam_date, NULL, p.created_at, u.display_name, p.exam_type, NULL, \
                     NULL, NULL, p.id \
                   FROM polygraph_exam p {} WHERE p.supervisee_id = {sid}",
                K::PolygraphExam.code(),
                who("p.examiner_user_id")
            ));
        }
        let sql = parts.join(" UNION ALL ");
        let rows = self
            .txn
            .query_all_raw(Statement::from_string(self.db_backend(), sql))
            .await?;
        rows.iter().map(history_row).collect()
    }
}

fn history_row(row: &QueryResult) -> Result<HistoryRow, StorageError> {
    let code: i32 = row.try_get("", "kind")?;
    let kind = HistoryKind::of_code(code)
        .ok_or_else(|| StorageError::Corrupt(format!("unknown history kind {code}")))?;
    Ok(HistoryRow {
        kind,
        on: row.try_get("", "d1")?,
        at: row.try_get("", "at")?,
        written: row.try_get("", "written")?,
        by: row.try_get("", "who")?,
        code: row.try_get("", "t1")?,
        code2: row.try_get("", "t2")?,
        day2: row.try_get("", "d2")?,
        day3: row.try_get("", "d3")?,
        id: row.try_get("", "rid")?,
    })
}
