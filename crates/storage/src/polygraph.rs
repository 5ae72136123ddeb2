//! Polygraph exams and their follow-up actions. Disclosures travel in the exam record; only
//! the app decides who is handed them.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::TeamRole;
use containment_domain::polygraph::{DisclosureCategory, ExamResult, ExamType};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{polygraph_exam, polygraph_followup, polygraph_referral};
use crate::{StorageError, Tx};

/// An exam as recorded. `disclosures` is treatment information: never show it without the
/// access policy's leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub exam_type: ExamType,
    pub exam_date: NaiveDate,
    pub examiner_user_id: i64,
    pub referral_questions: String,
    pub result: ExamResult,
    pub disclosures: Option<String>,
    /// What the disclosures are about.
    pub disclosure_categories: Vec<DisclosureCategory>,
    pub created_at: DateTime<Utc>,
    pub recorded_by: i64,
}

/// Questions the team drafted for an exam, until the examiner takes them up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub exam_type: ExamType,
    pub questions: String,
    pub drafted_by: i64,
    pub drafted_at: DateTime<Utc>,
    /// The exam that took them up; `None` while open.
    pub exam_id: Option<i64>,
}

fn referral(m: polygraph_referral::Model) -> Result<ReferralRecord, StorageError> {
    Ok(ReferralRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        exam_type: m.exam_type.parse().map_err(corrupt)?,
        questions: m.questions,
        drafted_by: m.drafted_by,
        drafted_at: m.drafted_at,
        exam_id: m.exam_id,
    })
}

/// A follow-up action agreed after an exam, owned by one team role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub exam_id: i64,
    pub action: String,
    pub owner_role: TeamRole,
    pub due_on: NaiveDate,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<i64>,
    pub done_at: Option<DateTime<Utc>>,
}

fn corrupt(e: containment_domain::ParseError) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn exam(m: polygraph_exam::Model) -> Result<ExamRecord, StorageError> {
    Ok(ExamRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        exam_type: m.exam_type.parse().map_err(corrupt)?,
        exam_date: m.exam_date,
        examiner_user_id: m.examiner_user_id,
        referral_questions: m.referral_questions,
        result: m.result.parse().map_err(corrupt)?,
        disclosures: m.disclosures,
        disclosure_categories: m
            .disclosure_categories
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(corrupt)?,
        created_at: m.created_at,
        recorded_by: m.recorded_by,
    })
}

fn followup(m: polygraph_followup::Model) -> Result<FollowupRecord, StorageError> {
    Ok(FollowupRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        exam_id: m.exam_id,
        action: m.action,
        owner_role: m.owner_role.parse().map_err(corrupt)?,
        due_on: m.due_on,
        created_by: m.created_by,
        created_at: m.created_at,
        done_on: m.done_on,
        done_by: m.done_by,
        done_at: m.done_at,
    })
}

impl Tx {
    /// Stores referral questions drafted by the team; `id` and `exam_id` are ignored.
    pub async fn create_polygraph_referral(&self, r: &ReferralRecord) -> Result<i64, StorageError> {
        let row = polygraph_referral::ActiveModel {
            supervisee_id: Set(r.supervisee_id),
            exam_type: Set(r.exam_type.code().to_owned()),
            questions: Set(r.questions.clone()),
            drafted_by: Set(r.drafted_by),
            drafted_at: Set(r.drafted_at),
            exam_id: Set(None),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// The supervisee's referrals, newest first.
    pub async fn polygraph_referrals(
        &self,
        supervisee_id: i64,
    ) -> Result<Vec<ReferralRecord>, StorageError> {
        polygraph_referral::Entity::find()
            .filter(polygraph_referral::Column::SuperviseeId.eq(supervisee_id))
            .order_by_desc(polygraph_referral::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(referral)
            .collect()
    }

    /// Marks an open referral as taken up by an exam; false when it already was.
    pub async fn take_up_polygraph_referral(
        &self,
        id: i64,
        exam_id: i64,
    ) -> Result<bool, StorageError> {
        let res = polygraph_referral::Entity::update_many()
            .col_expr(
                polygraph_referral::Column::ExamId,
                Expr::value(Some(exam_id)),
            )
            .filter(polygraph_referral::Column::Id.eq(id))
            .filter(polygraph_referral::Column::ExamId.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Stores an exam; `id` and `created_at` of the argument are ignored.
    pub async fn create_polygraph_exam(
        &self,
        e: &ExamRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = polygraph_exam::ActiveModel {
            supervisee_id: Set(e.supervisee_id),
            exam_type: Set(e.exam_type.code().to_owned()),
            exam_date: Set(e.exam_date),
            examiner_user_id: Set(e.examiner_user_id),
            referral_questions: Set(e.referral_questions.clone()),
            result: Set(e.result.code().to_owned()),
            disclosures: Set(e.disclosures.clone()),
            disclosure_categories: Set(e
                .disclosure_categories
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")),
            created_at: Set(now),
            recorded_by: Set(e.recorded_by),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// The supervisee's exams, newest exam date first.
    pub async fn polygraph_exams(
        &self,
        supervisee_id: i64,
    ) -> Result<Vec<ExamRecord>, StorageError> {
        polygraph_exam::Entity::find()
            .filter(polygraph_exam::Column::SuperviseeId.eq(supervisee_id))
            .order_by_desc(polygraph_exam::Column::ExamDate)
            .order_by_desc(polygraph_exam::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(exam)
            .collect()
    }

    /// Stores a follow-up action, not yet done; `id`, `created_at` and the done fields of the
    /// argument are ignored.
    pub async fn create_polygraph_followup(
        &self,
        f: &FollowupRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = polygraph_followup::ActiveModel {
            supervisee_id: Set(f.supervisee_id),
            exam_id: Set(f.exam_id),
            action: Set(f.action.clone()),
            owner_role: Set(f.owner_role.code().to_owned()),
            due_on: Set(f.due_on),
            created_by: Set(f.created_by),
            created_at: Set(now),
            done_on: Set(None),
            done_by: Set(None),
            done_at: Set(None),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// The supervisee's follow-up actions, earliest due first.
    pub async fn polygraph_followups(
        &self,
        supervisee_id: i64,
    ) -> Result<Vec<FollowupRecord>, StorageError> {
        polygraph_followup::Entity::find()
            .filter(polygraph_followup::Column::SuperviseeId.eq(supervisee_id))
            .order_by_asc(polygraph_followup::Column::DueOn)
            .order_by_asc(polygraph_followup::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(followup)
            .collect()
    }

    /// Marks a follow-up of the supervisee done; false when there is no such open follow-up
    /// (unknown, another case's, or done already).
    pub async fn complete_polygraph_followup(
        &self,
        supervisee_id: i64,
        followup_id: i64,
        on: NaiveDate,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let res = polygraph_followup::Entity::update_many()
            .col_expr(polygraph_followup::Column::DoneOn, Expr::value(Some(on)))
            .col_expr(polygraph_followup::Column::DoneBy, Expr::value(Some(by)))
            .col_expr(polygraph_followup::Column::DoneAt, Expr::value(Some(now)))
            .filter(polygraph_followup::Column::Id.eq(followup_id))
            .filter(polygraph_followup::Column::SuperviseeId.eq(supervisee_id))
            .filter(polygraph_followup::Column::DoneOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
