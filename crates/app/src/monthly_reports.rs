//! The Monthly Progress/Communication Report: the provider drafts it (session counts and the
//! month's exams and self-reports filled in from the record), signs and submits it; the officer
//! acknowledges it with an officer section, which locks it. A correction is a new version of
//! the same month; earlier versions stay as they were signed. Reports pass the information
//! wall as the "monthly reports" category.

use crate::Problems;
use chrono::{DateTime, Utc};
use containment_domain::access::{Action, RecordKind, TeamRole};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::monthly_report::{
    MonthlyReport, ReportError, ReportMonth, ReportStatus, ReportVersion, signature_needs,
};
use containment_domain::treatment::{ContactSide, SessionCounts};
use containment_storage::{MonthlyReportRecord, NotificationRecord, ReportContent, Tx};

use crate::actor::{Actor, AuditEntry};
use crate::case_access::CaseAccess;
use crate::case_access::{Grant, Operation, ops};
use crate::{App, AppError};

/// Longest text kept in one section of a report.
const SECTION_CHARS: usize = 8000;

/// A report as typed in. Counts are text so that a wrong entry comes back with its message.
#[derive(Debug, Clone, Default)]
pub struct MonthlyReportInput {
    pub month: String,
    pub scheduled: String,
    pub attended: String,
    pub missed: String,
    pub excused: String,
    pub participation: String,
    pub dynamic_risk: String,
    pub polygraph: String,
    pub contract_compliance: String,
    pub self_reports: String,
    pub concerns: String,
}

impl MonthlyReportInput {
    /// The form filled with what a report already says.
    pub fn from_content(month: ReportMonth, c: &ReportContent) -> MonthlyReportInput {
        MonthlyReportInput {
            month: month.to_string(),
            scheduled: c.sessions.scheduled.to_string(),
            attended: c.sessions.attended.to_string(),
            missed: c.sessions.missed.to_string(),
            excused: c.sessions.excused.to_string(),
            participation: c.participation.clone(),
            dynamic_risk: c.dynamic_risk.clone(),
            polygraph: c.polygraph.clone(),
            contract_compliance: c.contract_compliance.clone(),
            self_reports: c.self_reports.clone(),
            concerns: c.concerns.clone(),
        }
    }
}

/// One version as a viewer sees it, with names and what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct MonthlyReportView {
    pub record: MonthlyReportRecord,
    pub provider_name: String,
    pub officer_name: String,
    pub acknowledged_by_name: String,
    /// The version that corrects this one, if any: then this one is superseded.
    pub superseded_by: Option<i64>,
    pub may_edit: bool,
    pub may_acknowledge: bool,
    pub may_correct: bool,
}

/// The monthly reports of a case as one viewer may see them.
#[derive(Debug, Clone, Default)]
pub struct MonthlyReportsView {
    /// The newest version of each month, newest month first; `None` when no waiver lets the
    /// viewer read monthly reports.
    pub reports: Option<Vec<MonthlyReportView>>,
    pub may_draft: bool,
    /// The month a new report would be for: the current one.
    pub current_month: Option<ReportMonth>,
}

/// One version with every version of its month, for the report page and the PDF.
#[derive(Debug, Clone)]
pub struct MonthlyReportDetail {
    pub report: MonthlyReportView,
    /// Every version of the month, newest first (the report itself included).
    pub versions: Vec<MonthlyReportView>,
    pub supervisee_name: String,
    pub cii: String,
}

fn section(v: &str) -> String {
    v.trim().chars().take(SECTION_CHARS).collect()
}

/// Reads and checks the typed report: counts add up, the month is not to come.
fn parse_input(
    input: &MonthlyReportInput,
    today: chrono::NaiveDate,
) -> Result<(ReportMonth, ReportContent), AppError> {
    let mut errors = Problems::new();
    let month = input
        .month
        .parse::<ReportMonth>()
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    if month.is_some_and(|m| m > ReportMonth::of(today)) {
        errors.at(
            "month",
            "month: a report is written for a month that has begun",
        );
    }
    let sessions = SessionCounts::parse(
        &input.scheduled,
        &input.attended,
        &input.missed,
        &input.excused,
    )
    .unwrap_or_else(|problems| {
        for p in problems {
            match p.field() {
                Some(field) => errors.at(field, p.to_string()),
                None => errors.push(p.to_string()),
            }
        }
        SessionCounts::default()
    });
    let Some(month) = month else {
        return Err(AppError::InvalidInput(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    Ok((
        month,
        ReportContent {
            sessions,
            participation: section(&input.participation),
            dynamic_risk: section(&input.dynamic_risk),
            polygraph: section(&input.polygraph),
            contract_compliance: section(&input.contract_compliance),
            self_reports: section(&input.self_reports),
            concerns: section(&input.concerns),
        },
    ))
}

/// What a signature needs: the author says how the month went. The page that shows the answers
/// before signing asks it first, so that a report not ready is sent back to its form.
pub fn monthly_report_signable(c: &ReportContent) -> Result<(), AppError> {
    let mut errors = Problems::new();
    for missing in signature_needs(&c.participation, &c.concerns) {
        errors.at(missing.field(), missing.message());
    }
    errors.check()
}

/// The report's life as the domain sees it: `current` among `versions`.
fn lifecycle<'a>(
    current: &MonthlyReportRecord,
    versions: impl IntoIterator<Item = &'a MonthlyReportRecord>,
) -> MonthlyReport {
    let life = |r: &MonthlyReportRecord| ReportVersion {
        id: r.id,
        version: r.version,
        status: r.status,
        revision: r.revision,
    };
    MonthlyReport::new(life(current), versions.into_iter().map(life))
}

/// A refused step in a report's life: a stale draft is answered as such, the rest conflict.
fn refused(e: ReportError) -> AppError {
    match e {
        ReportError::Stale { current_revision } => AppError::Stale {
            current_version: current_revision,
        },
        other => AppError::Conflict(other.to_string()),
    }
}

impl App {
    /// Checks that the actor writes reports on this case as its provider, under a waiver that
    /// lets monthly reports be read: a report nobody may read could neither be opened again by
    /// its author nor shared (R11).
    async fn as_report_author<'a>(
        &self,
        actor: &'a Actor,
        op: Operation,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess, Grant<'a>), AppError> {
        let (tx, case, grant) = self.authorize(actor, op, supervisee_id, now).await?;
        let read = case.decide(actor, Action::Read, RecordKind::MonthlyReport);
        let tx = grant.require(tx, &read).await?;
        Ok((tx, case, grant))
    }

    async fn report_versions(
        &self,
        tx: &Tx,
        supervisee_id: i64,
        report_id: i64,
    ) -> Result<(MonthlyReportRecord, Vec<MonthlyReportRecord>), AppError> {
        let all = tx.monthly_reports_of(&[supervisee_id]).await?;
        let Some(report) = all.iter().find(|r| r.id == report_id).cloned() else {
            return Err(AppError::NotFound);
        };
        let versions = all
            .into_iter()
            .filter(|r| r.month == report.month)
            .collect();
        Ok((report, versions))
    }

    /// The draft as read at `revision`: a signed version, or one changed since, is refused.
    async fn draft_at(
        &self,
        tx: &Tx,
        supervisee_id: i64,
        report_id: i64,
        revision: i32,
    ) -> Result<MonthlyReportRecord, AppError> {
        let (current, versions) = self.report_versions(tx, supervisee_id, report_id).await?;
        lifecycle(&current, &versions)
            .edit(revision)
            .map_err(refused)?;
        Ok(current)
    }

    /// What the record already says about a month, to start a report from: the sessions
    /// recorded, the month's polygraph exams and self-reports.
    pub async fn monthly_report_prefill(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        month: ReportMonth,
        now: DateTime<Utc>,
    ) -> Result<ReportContent, AppError> {
        let (tx, case, _) = self
            .as_report_author(actor, ops::MONTHLY_REPORT_PREFILL, supervisee_id, now)
            .await?;
        let (from, to) = (month.first_day(), month.last_day());
        let sessions = tx
            .sessions_of(&[supervisee_id])
            .await?
            .into_iter()
            .map(|s| (s.on, s.attendance));
        let exams: Vec<String> = tx
            .polygraph_exams(supervisee_id)
            .await?
            .into_iter()
            .filter(|e| e.exam_date >= from && e.exam_date <= to)
            .rev()
            .map(|e| {
                format!(
                    "{} {} exam: {}{}",
                    containment_domain::case::day_words(e.exam_date),
                    e.exam_type.label(),
                    e.result.label(),
                    if e.disclosures.as_deref().is_some_and(|d| !d.is_empty()) {
                        " (disclosures recorded)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let reports: Vec<String> = if case
            .decide(actor, Action::Read, RecordKind::TreatmentContract)
            .is_allowed()
        {
            tx.self_reports_of(&[supervisee_id])
                .await?
                .into_iter()
                .filter(|r| r.reported_on >= from && r.reported_on <= to)
                .rev()
                .map(|r| {
                    format!(
                        "{} {}: {}",
                        containment_domain::case::day_words(r.reported_on),
                        r.category.label(),
                        r.behavior
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok(ReportContent {
            sessions: SessionCounts::between(sessions, from, to),
            polygraph: exams.join("\n"),
            self_reports: reports.join("\n"),
            ..ReportContent::default()
        })
    }

    /// The provider starts the report of a month as a draft, or signs and submits it at once.
    pub async fn draft_monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &MonthlyReportInput,
        submit: bool,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, case, grant) = self
            .as_report_author(actor, ops::MONTHLY_REPORT_DRAFT, supervisee_id, now)
            .await?;
        let (month, content) = parse_input(input, local_date(now))?;
        if submit {
            monthly_report_signable(&content)?;
        }
        if let Some(existing) = tx
            .monthly_reports_of(&[supervisee_id])
            .await?
            .into_iter()
            .find(|r| r.month == month)
        {
            let what = if existing.status.is_editable() {
                "its draft is in the list of monthly reports: open it to go on"
            } else {
                "it is signed: open it from the list of monthly reports to correct it"
            };
            return Err(AppError::Conflict(format!(
                "a report for {} exists: {what}",
                month.label()
            )));
        }
        let author = actor.author()?;
        let id = tx
            .create_monthly_report(
                &MonthlyReportRecord {
                    id: 0,
                    supervisee_id,
                    month,
                    version: 1,
                    status: ReportStatus::Draft,
                    corrects_id: None,
                    provider_user_id: author,
                    officer_user_id: None,
                    content,
                    officer_section: String::new(),
                    author_id: author,
                    signed_at: None,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    revision: 1,
                    created_at: now,
                    updated_at: now,
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!("report {id} ({month}, version 1)"))
            .write(&tx)
            .await?;
        if submit {
            self.sign_and_notify(&tx, actor, &case, id, 1, month, now)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The provider saves changes to a draft, and signs and submits it when asked.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        revision: i32,
        input: &MonthlyReportInput,
        submit: bool,
        now: DateTime<Utc>,
    ) -> Result<MonthlyReportDetail, AppError> {
        let (tx, case, grant) = self
            .as_report_author(actor, ops::MONTHLY_REPORT_UPDATE, supervisee_id, now)
            .await?;
        let current = self
            .draft_at(&tx, supervisee_id, report_id, revision)
            .await?;
        let mut input = input.clone();
        // A version keeps its month; only its content changes.
        input.month = current.month.to_string();
        let (_, content) = parse_input(&input, local_date(now))?;
        if submit {
            monthly_report_signable(&content)?;
        }
        if !tx
            .update_monthly_report_draft(report_id, revision, &content, now)
            .await?
        {
            return Err(AppError::Stale {
                current_version: revision + 1,
            });
        }
        grant
            .audit()
            .detail(format!("report {report_id}"))
            .write(&tx)
            .await?;
        if submit {
            self.sign_and_notify(
                &tx,
                actor,
                &case,
                report_id,
                revision + 1,
                current.month,
                now,
            )
            .await?;
        }
        // The answer is the report as this change left it, read before anyone else can change
        // it again.
        let written = self
            .detail_in(&tx, &case, actor, supervisee_id, report_id)
            .await?;
        tx.commit().await?;
        Ok(written)
    }

    /// The provider signs and submits a draft as it stands.
    pub async fn submit_monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        revision: i32,
        now: DateTime<Utc>,
    ) -> Result<MonthlyReportDetail, AppError> {
        let (tx, case, _) = self
            .as_report_author(actor, ops::MONTHLY_REPORT_SUBMIT, supervisee_id, now)
            .await?;
        let current = self
            .draft_at(&tx, supervisee_id, report_id, revision)
            .await?;
        monthly_report_signable(&current.content)?;
        self.sign_and_notify(&tx, actor, &case, report_id, revision, current.month, now)
            .await?;
        let signed = self
            .detail_in(&tx, &case, actor, supervisee_id, report_id)
            .await?;
        tx.commit().await?;
        Ok(signed)
    }

    /// Signs a draft and tells the officer on the team it awaits acknowledgement.
    #[allow(clippy::too_many_arguments)]
    async fn sign_and_notify(
        &self,
        tx: &Tx,
        actor: &Actor,
        case: &CaseAccess,
        report_id: i64,
        revision: i32,
        month: ReportMonth,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let today = local_date(now);
        let officers: Vec<i64> = case
            .members_in(today, &[TeamRole::SupervisingOfficer])
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        if !tx
            .submit_monthly_report(report_id, revision, officers.first().copied(), now)
            .await?
        {
            return Err(AppError::Stale {
                current_version: revision + 1,
            });
        }
        // Working days of the case's county, as every deadline of the case.
        let policies = crate::compliance::load_policies(tx).await?;
        let (_, calendar) = policies.for_county(
            crate::compliance::case_county(&case.episodes),
            &self.calendar,
        );
        let due = containment_domain::monthly_report::acknowledge_by(today, calendar);
        let case_id = case.supervisee.id;
        case.notify(
            tx,
            officers,
            NotificationRecord {
                id: 0,
                user_id: 0,
                supervisee_id: case_id,
                obligation_key: format!("monthly_report:{report_id}"),
                kind: "monthly_report".into(),
                due_on: due,
                message: format!(
                    "The monthly report for {} is signed: acknowledge it by {}.",
                    month.label(),
                    containment_domain::case::day_words(due)
                ),
                created_at: now,
                read_at: None,
            },
            now,
        )
        .await?;
        AuditEntry::new(ops::MONTHLY_REPORT_SUBMIT.audit, Outcome::Success, now)
            .by(actor)
            .object("supervisee", case_id)
            .detail(format!("report {report_id} ({month})"))
            .write(tx)
            .await?;
        Ok(())
    }

    /// The officer acknowledges a submitted report with their section; it is then locked.
    pub async fn acknowledge_monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        officer_section: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::MONTHLY_REPORT_ACKNOWLEDGE, supervisee_id, now)
            .await?;
        let (current, versions) = self.report_versions(&tx, supervisee_id, report_id).await?;
        lifecycle(&current, &versions)
            .acknowledge()
            .map_err(refused)?;
        let officer_section = section(officer_section);
        if !tx
            .acknowledge_monthly_report(report_id, actor.author()?, &officer_section, now)
            .await?
        {
            return Err(refused(ReportError::AlreadyAcknowledged));
        }
        grant
            .audit()
            .detail(format!("report {report_id} ({})", current.month))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The provider corrects a signed report: a new draft version of the same month starts
    /// from it, and the signed one stays as it was.
    pub async fn correct_monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .as_report_author(actor, ops::MONTHLY_REPORT_CORRECT, supervisee_id, now)
            .await?;
        let (current, versions) = self.report_versions(&tx, supervisee_id, report_id).await?;
        let version = lifecycle(&current, &versions).correct().map_err(refused)?;
        let author = actor.author()?;
        let id = tx
            .create_monthly_report(
                &MonthlyReportRecord {
                    id: 0,
                    version,
                    status: ReportStatus::Draft,
                    corrects_id: Some(current.id),
                    provider_user_id: author,
                    officer_user_id: None,
                    officer_section: String::new(),
                    author_id: author,
                    signed_at: None,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    revision: 1,
                    created_at: now,
                    updated_at: now,
                    ..current.clone()
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!(
                "report {id} ({}, version {version}) corrects report {report_id}",
                current.month
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The monthly reports of a case, through the wall: the newest version of each month.
    /// Drafts are shown to the provider side only; the others see signed versions.
    pub async fn monthly_reports(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<MonthlyReportsView, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::MONTHLY_REPORT_LIST, supervisee_id, now)
            .await?;
        let read = case.decide(actor, Action::Read, RecordKind::MonthlyReport);
        let may_draft = read.is_allowed() && case.may(actor, ops::MONTHLY_REPORT_DRAFT);
        let reports = if read.is_allowed() {
            let all = tx.monthly_reports_of(&[supervisee_id]).await?;
            let views = self.views(&tx, &case, actor, &all).await?;
            let mut latest: Vec<MonthlyReportView> = Vec::new();
            for v in views {
                if !latest.iter().any(|l| l.record.month == v.record.month) {
                    latest.push(v);
                }
            }
            Some(latest)
        } else {
            None
        };
        grant
            .audit()
            .waiver(read.waiver().map(|w| w.0))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(MonthlyReportsView {
            reports,
            may_draft,
            current_month: Some(ReportMonth::of(local_date(now))),
        })
    }

    /// One report with every version of its month, through the wall. `export` asks for it to
    /// be printed or downloaded, which the policy decides (and the audit records) separately.
    pub async fn monthly_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        export: bool,
        now: DateTime<Utc>,
    ) -> Result<MonthlyReportDetail, AppError> {
        let op = match export {
            true => ops::MONTHLY_REPORT_EXPORT,
            false => ops::MONTHLY_REPORT_READ,
        };
        let (tx, case, grant) = self.authorize(actor, op, supervisee_id, now).await?;
        let detail = self
            .detail_in(&tx, &case, actor, supervisee_id, report_id)
            .await?;
        grant
            .audit()
            .detail(format!("report {report_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// The report with every version of its month as the viewer may see them, read in `tx`.
    async fn detail_in(
        &self,
        tx: &Tx,
        case: &CaseAccess,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
    ) -> Result<MonthlyReportDetail, AppError> {
        let (_, versions) = self.report_versions(tx, supervisee_id, report_id).await?;
        let versions = self.views(tx, case, actor, &versions).await?;
        let Some(report) = versions.iter().find(|v| v.record.id == report_id).cloned() else {
            // A draft, shown to its author's side only.
            return Err(AppError::NotFound);
        };
        Ok(MonthlyReportDetail {
            report,
            versions,
            supervisee_name: case.supervisee.legal_name.clone(),
            cii: case.supervisee.cii.clone().unwrap_or_default(),
        })
    }

    /// Names and permitted steps for each version the viewer may see.
    async fn views(
        &self,
        tx: &Tx,
        case: &CaseAccess,
        actor: &Actor,
        records: &[MonthlyReportRecord],
    ) -> Result<Vec<MonthlyReportView>, AppError> {
        let side = case.side(actor);
        let author = case.may(actor, ops::MONTHLY_REPORT_UPDATE);
        let officer = case.may(actor, ops::MONTHLY_REPORT_ACKNOWLEDGE);
        let mut names: Vec<(i64, String)> = Vec::new();
        let mut out = Vec::new();
        for r in records {
            if r.status == ReportStatus::Draft && side != Some(ContactSide::Provider) {
                continue;
            }
            let mut name = async |id: Option<i64>| -> Result<String, AppError> {
                let Some(id) = id else {
                    return Ok(String::new());
                };
                if let Some((_, n)) = names.iter().find(|(i, _)| *i == id) {
                    return Ok(n.clone());
                }
                let n = tx
                    .user(id)
                    .await?
                    .map(|u| u.display_name)
                    .unwrap_or_else(|| format!("user {id}"));
                names.push((id, n.clone()));
                Ok(n)
            };
            let life = lifecycle(r, records.iter().filter(|v| v.month == r.month));
            let superseded_by = life.superseded_by().map(|v| v.id);
            out.push(MonthlyReportView {
                provider_name: name(Some(r.provider_user_id)).await?,
                officer_name: name(r.officer_user_id).await?,
                acknowledged_by_name: name(r.acknowledged_by).await?,
                may_edit: author && r.status == ReportStatus::Draft,
                may_acknowledge: officer && life.acknowledge().is_ok(),
                may_correct: author && life.correct().is_ok(),
                superseded_by,
                record: r.clone(),
            });
        }
        Ok(out)
    }
}
