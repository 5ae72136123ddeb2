//! Monthly Progress/Communication Reports, one row per version.

use chrono::{DateTime, Utc};
use containment_domain::monthly_report::{ReportMonth, ReportStatus};
use containment_domain::treatment::SessionCounts;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::monthly_report;
use crate::{StorageError, Tx};

/// What the author writes; the same on every version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportContent {
    pub sessions: SessionCounts,
    pub participation: String,
    pub dynamic_risk: String,
    pub polygraph: String,
    pub contract_compliance: String,
    pub self_reports: String,
    pub concerns: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReportRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub month: ReportMonth,
    pub version: i32,
    pub status: ReportStatus,
    /// The version this one corrects.
    pub corrects_id: Option<i64>,
    pub provider_user_id: i64,
    pub officer_user_id: Option<i64>,
    pub content: ReportContent,
    pub officer_section: String,
    pub author_id: i64,
    pub signed_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Bumped on every change of a draft, for optimistic locking.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn count(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn stored(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn record(m: monthly_report::Model) -> Result<MonthlyReportRecord, StorageError> {
    Ok(MonthlyReportRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        month: ReportMonth::of(m.month),
        version: m.version,
        status: m
            .status
            .parse()
            .map_err(|e: containment_domain::ParseError| StorageError::Corrupt(e.to_string()))?,
        corrects_id: m.corrects_id,
        provider_user_id: m.provider_user_id,
        officer_user_id: m.officer_user_id,
        content: ReportContent {
            sessions: SessionCounts {
                scheduled: count(m.sessions_scheduled),
                attended: count(m.sessions_attended),
                missed: count(m.sessions_missed),
                excused: count(m.sessions_excused),
            },
            participation: m.participation,
            dynamic_risk: m.dynamic_risk,
            polygraph: m.polygraph,
            contract_compliance: m.contract_compliance,
            self_reports: m.self_reports,
            concerns: m.concerns,
        },
        officer_section: m.officer_section,
        author_id: m.author_id,
        signed_at: m.signed_at,
        acknowledged_by: m.acknowledged_by,
        acknowledged_at: m.acknowledged_at,
        revision: m.revision,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

impl Tx {
    /// Stores a new draft version; a second version N of the same month is refused as a
    /// conflict.
    pub async fn create_monthly_report(
        &self,
        r: &MonthlyReportRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let c = &r.content;
        let row = monthly_report::ActiveModel {
            supervisee_id: Set(r.supervisee_id),
            month: Set(r.month.first_day()),
            version: Set(r.version),
            status: Set(ReportStatus::Draft.code().to_owned()),
            corrects_id: Set(r.corrects_id),
            provider_user_id: Set(r.provider_user_id),
            officer_user_id: Set(r.officer_user_id),
            sessions_scheduled: Set(stored(c.sessions.scheduled)),
            sessions_attended: Set(stored(c.sessions.attended)),
            sessions_missed: Set(stored(c.sessions.missed)),
            sessions_excused: Set(stored(c.sessions.excused)),
            participation: Set(c.participation.clone()),
            dynamic_risk: Set(c.dynamic_risk.clone()),
            polygraph: Set(c.polygraph.clone()),
            contract_compliance: Set(c.contract_compliance.clone()),
            self_reports: Set(c.self_reports.clone()),
            concerns: Set(c.concerns.clone()),
            officer_section: Set(String::new()),
            author_id: Set(r.author_id),
            signed_at: Set(None),
            acknowledged_by: Set(None),
            acknowledged_at: Set(None),
            revision: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "report version for this month"))?;
        Ok(row.id)
    }

    /// Every version of the reports of several supervisees, newest month first, then newest
    /// version first.
    pub async fn monthly_reports_of(
        &self,
        ids: &[i64],
    ) -> Result<Vec<MonthlyReportRecord>, StorageError> {
        monthly_report::Entity::find()
            .filter(monthly_report::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_desc(monthly_report::Column::Month)
            .order_by_desc(monthly_report::Column::Version)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Rewrites a draft at the given revision; false when it is no longer a draft at that
    /// revision.
    pub async fn update_monthly_report_draft(
        &self,
        id: i64,
        revision: i32,
        c: &ReportContent,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        use monthly_report::Column as C;
        let res = monthly_report::Entity::update_many()
            .col_expr(
                C::SessionsScheduled,
                Expr::value(stored(c.sessions.scheduled)),
            )
            .col_expr(
                C::SessionsAttended,
                Expr::value(stored(c.sessions.attended)),
            )
            .col_expr(C::SessionsMissed, Expr::value(stored(c.sessions.missed)))
            .col_expr(C::SessionsExcused, Expr::value(stored(c.sessions.excused)))
            .col_expr(C::Participation, Expr::value(c.participation.clone()))
            .col_expr(C::DynamicRisk, Expr::value(c.dynamic_risk.clone()))
            .col_expr(C::Polygraph, Expr::value(c.polygraph.clone()))
            .col_expr(
                C::ContractCompliance,
                Expr::value(c.contract_compliance.clone()),
            )
            .col_expr(C::SelfReports, Expr::value(c.self_reports.clone()))
            .col_expr(C::Concerns, Expr::value(c.concerns.clone()))
            .col_expr(C::Revision, Expr::col(C::Revision).add(1))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(id))
            .filter(C::Revision.eq(revision))
            .filter(C::Status.eq(ReportStatus::Draft.code()))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Signs and submits a draft at the given revision, naming the officer it goes to; false
    /// when it is no longer that draft.
    pub async fn submit_monthly_report(
        &self,
        id: i64,
        revision: i32,
        officer: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        use monthly_report::Column as C;
        let res = monthly_report::Entity::update_many()
            .col_expr(C::Status, Expr::value(ReportStatus::Submitted.code()))
            .col_expr(C::SignedAt, Expr::value(Some(now)))
            .col_expr(C::OfficerUserId, Expr::value(officer))
            .col_expr(C::Revision, Expr::col(C::Revision).add(1))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(id))
            .filter(C::Revision.eq(revision))
            .filter(C::Status.eq(ReportStatus::Draft.code()))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// The officer acknowledges a submitted version with their section; after this the
    /// version is locked. False when it is not (or no longer) awaiting acknowledgement.
    pub async fn acknowledge_monthly_report(
        &self,
        id: i64,
        by: i64,
        officer_section: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        use monthly_report::Column as C;
        let res = monthly_report::Entity::update_many()
            .col_expr(C::Status, Expr::value(ReportStatus::Acknowledged.code()))
            .col_expr(C::OfficerSection, Expr::value(officer_section.to_owned()))
            .col_expr(C::AcknowledgedBy, Expr::value(Some(by)))
            .col_expr(C::AcknowledgedAt, Expr::value(Some(now)))
            .col_expr(C::Revision, Expr::col(C::Revision).add(1))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(id))
            .filter(C::Status.eq(ReportStatus::Submitted.code()))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
