//! Risk scores and the steps of their chain.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::instrument::{Instrument, ScoreReason};
use containment_domain::score_chain::ChainStep;
use containment_domain::wall::{TreatmentField, Walled};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{risk_score, score_step};
use crate::{StorageError, Tx};

/// A score as recorded. `answers` is the instrument's item answers as JSON; `level` the code
/// of its level, band or category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub instrument: Instrument,
    pub scored_on: NaiveDate,
    pub reason: ScoreReason,
    pub scorer_user_id: i64,
    pub scorer_certified: bool,
    pub uncertified_reason: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub answers: String,
    pub total: i32,
    pub level: String,
    pub pre2016_category: Option<String>,
    pub combined_level: Option<String>,
    pub gears_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub recorded_by: i64,
}

/// A step of a score's chain as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub id: i64,
    pub risk_score_id: i64,
    pub supervisee_id: i64,
    pub step: ChainStep,
    pub on: NaiveDate,
    pub by_user_id: i64,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub interpretation: Option<Walled<String>>,
    pub created_at: DateTime<Utc>,
}

fn corrupt(e: containment_domain::ParseError) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn score(m: risk_score::Model) -> Result<ScoreRecord, StorageError> {
    Ok(ScoreRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        instrument: m.instrument.parse().map_err(corrupt)?,
        scored_on: m.scored_on,
        reason: m.reason.parse().map_err(corrupt)?,
        scorer_user_id: m.scorer_user_id,
        scorer_certified: m.scorer_certified,
        uncertified_reason: m.uncertified_reason,
        release_date: m.release_date,
        answers: m.answers,
        total: m.total,
        level: m.level,
        pre2016_category: m.pre2016_category,
        combined_level: m.combined_level,
        gears_reference: m.gears_reference,
        created_at: m.created_at,
        recorded_by: m.recorded_by,
    })
}

fn step(m: score_step::Model) -> Result<StepRecord, StorageError> {
    Ok(StepRecord {
        id: m.id,
        risk_score_id: m.risk_score_id,
        supervisee_id: m.supervisee_id,
        step: m.step.parse().map_err(corrupt)?,
        on: m.on_date,
        by_user_id: m.by_user_id,
        method: m.method,
        reference: m.reference,
        interpretation: m
            .interpretation
            .map(|t| TreatmentField::ScoreInterpretation.wall(Some(m.by_user_id), t)),
        created_at: m.created_at,
    })
}

impl Tx {
    /// Stores a score; `id` and `created_at` of the argument are ignored.
    pub async fn create_score(
        &self,
        s: &ScoreRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = risk_score::ActiveModel {
            supervisee_id: Set(s.supervisee_id),
            instrument: Set(s.instrument.code().to_owned()),
            scored_on: Set(s.scored_on),
            reason: Set(s.reason.code().to_owned()),
            scorer_user_id: Set(s.scorer_user_id),
            scorer_certified: Set(s.scorer_certified),
            uncertified_reason: Set(s.uncertified_reason.clone()),
            release_date: Set(s.release_date),
            answers: Set(s.answers.clone()),
            total: Set(s.total),
            level: Set(s.level.clone()),
            pre2016_category: Set(s.pre2016_category.clone()),
            combined_level: Set(s.combined_level.clone()),
            gears_reference: Set(s.gears_reference.clone()),
            created_at: Set(now),
            recorded_by: Set(s.recorded_by),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// The supervisee's scores, oldest scoring date first.
    pub async fn scores(&self, supervisee_id: i64) -> Result<Vec<ScoreRecord>, StorageError> {
        risk_score::Entity::find()
            .filter(risk_score::Column::SuperviseeId.eq(supervisee_id))
            .order_by_asc(risk_score::Column::ScoredOn)
            .order_by_asc(risk_score::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(score)
            .collect()
    }

    /// Every step of the supervisee's scores, in the order recorded.
    pub async fn score_steps(&self, supervisee_id: i64) -> Result<Vec<StepRecord>, StorageError> {
        score_step::Entity::find()
            .filter(score_step::Column::SuperviseeId.eq(supervisee_id))
            .order_by_asc(score_step::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(step)
            .collect()
    }

    /// The scores of several supervisees, oldest scoring date first.
    pub async fn scores_of(&self, ids: &[i64]) -> Result<Vec<ScoreRecord>, StorageError> {
        risk_score::Entity::find()
            .filter(risk_score::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(risk_score::Column::ScoredOn)
            .order_by_asc(risk_score::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(score)
            .collect()
    }

    /// The chain steps of several supervisees' scores.
    pub async fn score_steps_of(&self, ids: &[i64]) -> Result<Vec<StepRecord>, StorageError> {
        score_step::Entity::find()
            .filter(score_step::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(score_step::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(step)
            .collect()
    }

    /// Records a step; a second record of the same step is a conflict.
    // Writing the walled value back is what storage is for.
    #[allow(clippy::disallowed_methods)]
    pub async fn create_score_step(
        &self,
        s: &StepRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = score_step::ActiveModel {
            risk_score_id: Set(s.risk_score_id),
            supervisee_id: Set(s.supervisee_id),
            step: Set(s.step.code().to_owned()),
            on_date: Set(s.on),
            by_user_id: Set(s.by_user_id),
            method: Set(s.method.clone()),
            reference: Set(s.reference.clone()),
            interpretation: Set(s.interpretation.as_ref().map(|t| t.stored().clone())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "step of this score"))?;
        Ok(row.id)
    }

    /// DOJ submissions dated within `from..=to`, with their scores, oldest first.
    pub async fn doj_submissions(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(StepRecord, ScoreRecord)>, StorageError> {
        let rows = score_step::Entity::find()
            .filter(score_step::Column::Step.eq(ChainStep::DojSubmission.code()))
            .filter(score_step::Column::OnDate.gte(from))
            .filter(score_step::Column::OnDate.lte(to))
            .order_by_asc(score_step::Column::OnDate)
            .order_by_asc(score_step::Column::Id)
            .find_also_related(risk_score::Entity)
            .all(&self.txn)
            .await?;
        rows.into_iter()
            .filter_map(|(st, sc)| sc.map(|sc| (st, sc)))
            .map(|(st, sc)| Ok((step(st)?, score(sc)?)))
            .collect()
    }
}
