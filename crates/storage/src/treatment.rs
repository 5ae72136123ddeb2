//! Treatment enrollments, provider-officer contacts and self-reports.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::compliance::TreatmentEnd;
use containment_domain::treatment::{
    AssessmentKind, ContactMode, ContactSide, ContactTopic, SelfReportCategory, TreatmentKind,
};
use containment_domain::wall::{TreatmentField, Walled};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{assessment, contact, self_report, treatment};
use crate::{StorageError, Tx};

fn corrupt(e: containment_domain::ParseError) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatmentRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: TreatmentKind,
    pub provider_user_id: i64,
    pub referral_date: Option<NaiveDate>,
    pub start_date: NaiveDate,
    pub intensity: String,
    pub targets: String,
    pub responsivity: String,
    pub end_date: Option<NaiveDate>,
    pub end_outcome: Option<TreatmentEnd>,
    pub end_reason: Option<String>,
    pub created_by: i64,
    pub version: i32,
    /// Sessions a month; `None` on enrollments made before intensity was structured.
    pub sessions_per_month: Option<i32>,
    /// Why the intensity departs from the risk-level recommendation, when it does.
    pub intensity_reason: Option<String>,
}

fn treatment_record(m: treatment::Model) -> Result<TreatmentRecord, StorageError> {
    Ok(TreatmentRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        kind: m.kind.parse().map_err(corrupt)?,
        provider_user_id: m.provider_user_id,
        referral_date: m.referral_date,
        start_date: m.start_date,
        intensity: m.intensity,
        targets: m.targets,
        responsivity: m.responsivity,
        end_date: m.end_date,
        end_outcome: m
            .end_outcome
            .map(|o| o.parse())
            .transpose()
            .map_err(corrupt)?,
        end_reason: m.end_reason,
        created_by: m.created_by,
        version: m.version,
        sessions_per_month: m.sessions_per_month,
        intensity_reason: m.intensity_reason,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub on: NaiveDate,
    pub mode: ContactMode,
    pub topics: Walled<Vec<ContactTopic>>,
    pub notes: Walled<String>,
    pub documented_side: ContactSide,
    pub documented_by: i64,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

fn contact_record(m: contact::Model) -> Result<ContactRecord, StorageError> {
    Ok(ContactRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        on: m.on_date,
        mode: m.mode.parse().map_err(corrupt)?,
        topics: TreatmentField::ContactTopics.wall(
            Some(m.documented_by),
            m.topics
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(corrupt)?,
        ),
        notes: TreatmentField::ContactNotes.wall(Some(m.documented_by), m.notes),
        documented_side: m.documented_side.parse().map_err(corrupt)?,
        documented_by: m.documented_by,
        confirmed_by: m.confirmed_by,
        confirmed_at: m.confirmed_at,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfReportRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub reported_on: NaiveDate,
    pub category: SelfReportCategory,
    pub behavior: String,
    pub reported_to: String,
    pub created_by: i64,
    pub provider_ack_on: Option<NaiveDate>,
    pub provider_ack_by: Option<i64>,
    pub officer_ack_on: Option<NaiveDate>,
    pub officer_ack_by: Option<i64>,
}

fn self_report_record(m: self_report::Model) -> Result<SelfReportRecord, StorageError> {
    Ok(SelfReportRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        reported_on: m.reported_on,
        category: m.category.parse().map_err(corrupt)?,
        behavior: m.behavior,
        reported_to: m.reported_to,
        created_by: m.created_by,
        provider_ack_on: m.provider_ack_on,
        provider_ack_by: m.provider_ack_by,
        officer_ack_on: m.officer_ack_on,
        officer_ack_by: m.officer_ack_by,
    })
}

/// A comprehensive assessment: referred, then completed with the areas it covered (1-20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: AssessmentKind,
    pub referred_on: NaiveDate,
    pub referred_by: i64,
    pub completed_on: Option<NaiveDate>,
    pub completed_by: Option<i64>,
    pub areas: Walled<Vec<u8>>,
    pub summary: Walled<String>,
}

fn assessment_record(m: assessment::Model) -> Result<AssessmentRecord, StorageError> {
    Ok(AssessmentRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        kind: m.kind.parse().map_err(corrupt)?,
        referred_on: m.referred_on,
        referred_by: m.referred_by,
        completed_on: m.completed_on,
        completed_by: m.completed_by,
        areas: TreatmentField::AssessmentAreas.wall(
            m.completed_by,
            m.areas
                .split(',')
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse::<u8>()
                        .map_err(|_| StorageError::Corrupt(format!("assessment area {a}")))
                })
                .collect::<Result<_, _>>()?,
        ),
        summary: TreatmentField::AssessmentSummary.wall(m.completed_by, m.summary),
    })
}

impl Tx {
    pub async fn create_assessment(
        &self,
        a: &AssessmentRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = assessment::ActiveModel {
            supervisee_id: Set(a.supervisee_id),
            kind: Set(a.kind.code().to_owned()),
            referred_on: Set(a.referred_on),
            referred_by: Set(a.referred_by),
            completed_on: Set(None),
            completed_by: Set(None),
            areas: Set(String::new()),
            summary: Set(String::new()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Assessments of several supervisees, oldest referral first.
    pub async fn assessments_of(&self, ids: &[i64]) -> Result<Vec<AssessmentRecord>, StorageError> {
        assessment::Entity::find()
            .filter(assessment::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(assessment::Column::ReferredOn)
            .order_by_asc(assessment::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(assessment_record)
            .collect()
    }

    /// Records the completion of an assessment not yet completed; false otherwise.
    pub async fn complete_assessment(
        &self,
        id: i64,
        on: NaiveDate,
        by: i64,
        areas: &[u8],
        summary: &str,
    ) -> Result<bool, StorageError> {
        let res = assessment::Entity::update_many()
            .col_expr(assessment::Column::CompletedOn, Expr::value(Some(on)))
            .col_expr(assessment::Column::CompletedBy, Expr::value(Some(by)))
            .col_expr(
                assessment::Column::Areas,
                Expr::value(
                    areas
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            )
            .col_expr(assessment::Column::Summary, Expr::value(summary.to_owned()))
            .filter(assessment::Column::Id.eq(id))
            .filter(assessment::Column::CompletedOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn create_treatment(
        &self,
        t: &TreatmentRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = treatment::ActiveModel {
            supervisee_id: Set(t.supervisee_id),
            kind: Set(t.kind.code().to_owned()),
            provider_user_id: Set(t.provider_user_id),
            referral_date: Set(t.referral_date),
            start_date: Set(t.start_date),
            intensity: Set(t.intensity.clone()),
            targets: Set(t.targets.clone()),
            responsivity: Set(t.responsivity.clone()),
            end_date: Set(None),
            end_outcome: Set(None),
            end_reason: Set(None),
            created_at: Set(now),
            created_by: Set(t.created_by),
            version: Set(1),
            sessions_per_month: Set(t.sessions_per_month),
            intensity_reason: Set(t.intensity_reason.clone()),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Treatments of several supervisees, oldest first.
    pub async fn treatments_of(&self, ids: &[i64]) -> Result<Vec<TreatmentRecord>, StorageError> {
        treatment::Entity::find()
            .filter(treatment::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(treatment::Column::StartDate)
            .order_by_asc(treatment::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(treatment_record)
            .collect()
    }

    /// Ends a treatment still at `version` and still open; false when someone changed it first.
    pub async fn end_treatment(
        &self,
        id: i64,
        version: i32,
        end: NaiveDate,
        outcome: TreatmentEnd,
        reason: Option<String>,
    ) -> Result<bool, StorageError> {
        let res = treatment::Entity::update_many()
            .col_expr(treatment::Column::EndDate, Expr::value(Some(end)))
            .col_expr(
                treatment::Column::EndOutcome,
                Expr::value(Some(outcome.code().to_owned())),
            )
            .col_expr(treatment::Column::EndReason, Expr::value(reason))
            .col_expr(
                treatment::Column::Version,
                Expr::col(treatment::Column::Version).add(1),
            )
            .filter(treatment::Column::Id.eq(id))
            .filter(treatment::Column::Version.eq(version))
            .filter(treatment::Column::EndDate.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    // Writing the walled value back is what storage is for.
    #[allow(clippy::disallowed_methods)]
    pub async fn create_contact(
        &self,
        c: &ContactRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = contact::ActiveModel {
            supervisee_id: Set(c.supervisee_id),
            on_date: Set(c.on),
            mode: Set(c.mode.code().to_owned()),
            topics: Set(c
                .topics
                .stored()
                .iter()
                .map(|t| t.code())
                .collect::<Vec<_>>()
                .join(",")),
            notes: Set(c.notes.stored().clone()),
            documented_side: Set(c.documented_side.code().to_owned()),
            documented_by: Set(c.documented_by),
            confirmed_by: Set(None),
            confirmed_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Contacts of several supervisees, newest first.
    pub async fn contacts_of(&self, ids: &[i64]) -> Result<Vec<ContactRecord>, StorageError> {
        contact::Entity::find()
            .filter(contact::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_desc(contact::Column::OnDate)
            .order_by_desc(contact::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(contact_record)
            .collect()
    }

    /// Confirms a contact not yet confirmed; false otherwise.
    pub async fn confirm_contact(
        &self,
        id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let res = contact::Entity::update_many()
            .col_expr(contact::Column::ConfirmedBy, Expr::value(Some(by)))
            .col_expr(contact::Column::ConfirmedAt, Expr::value(Some(now)))
            .filter(contact::Column::Id.eq(id))
            .filter(contact::Column::ConfirmedBy.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn create_self_report(
        &self,
        r: &SelfReportRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = self_report::ActiveModel {
            supervisee_id: Set(r.supervisee_id),
            reported_on: Set(r.reported_on),
            category: Set(r.category.code().to_owned()),
            behavior: Set(r.behavior.clone()),
            reported_to: Set(r.reported_to.clone()),
            created_by: Set(r.created_by),
            created_at: Set(now),
            provider_ack_on: Set(None),
            provider_ack_by: Set(None),
            officer_ack_on: Set(None),
            officer_ack_by: Set(None),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Self-reports of several supervisees, newest first.
    pub async fn self_reports_of(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SelfReportRecord>, StorageError> {
        self_report::Entity::find()
            .filter(self_report::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_desc(self_report::Column::ReportedOn)
            .order_by_desc(self_report::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(self_report_record)
            .collect()
    }

    /// Records one side's acknowledgement, once; false if that side already acknowledged.
    pub async fn acknowledge_self_report(
        &self,
        id: i64,
        side: ContactSide,
        on: NaiveDate,
        by: i64,
    ) -> Result<bool, StorageError> {
        let (on_col, by_col) = match side {
            ContactSide::Provider => (
                self_report::Column::ProviderAckOn,
                self_report::Column::ProviderAckBy,
            ),
            ContactSide::Officer => (
                self_report::Column::OfficerAckOn,
                self_report::Column::OfficerAckBy,
            ),
        };
        let res = self_report::Entity::update_many()
            .col_expr(on_col, Expr::value(Some(on)))
            .col_expr(by_col, Expr::value(Some(by)))
            .filter(self_report::Column::Id.eq(id))
            .filter(on_col.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
