//! The treatment plan: sessions with attendance, structured intensity on an enrollment,
//! modules with completion, and the versioned treatment contract.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::treatment::{Attendance, SessionFormat};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{treatment, treatment_contract, treatment_module, treatment_session};
use crate::{StorageError, Tx};

fn corrupt(e: containment_domain::ParseError) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// A treatment session as recorded: every recorded session was scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub supervisee_id: i64,
    /// The enrollment the session falls under, when the provider named one.
    pub treatment_id: Option<i64>,
    pub on: NaiveDate,
    pub attendance: Attendance,
    pub format: SessionFormat,
    pub note: String,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
}

fn session_record(m: treatment_session::Model) -> Result<SessionRecord, StorageError> {
    Ok(SessionRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        treatment_id: m.treatment_id,
        on: m.on_date,
        attendance: m.attendance.parse().map_err(corrupt)?,
        format: m.format.parse().map_err(corrupt)?,
        note: m.note,
        recorded_by: m.recorded_by,
        created_at: m.created_at,
    })
}

/// A structured treatment module of one enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub treatment_id: i64,
    pub name: String,
    pub started_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub completed_by: Option<i64>,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
}

fn module_record(m: treatment_module::Model) -> ModuleRecord {
    ModuleRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        treatment_id: m.treatment_id,
        name: m.name,
        started_on: m.started_on,
        completed_on: m.completed_on,
        completed_by: m.completed_by,
        recorded_by: m.recorded_by,
        created_at: m.created_at,
    }
}

/// One version of the supervisee's treatment contract. Versions are numbered 1, 2, ... per
/// supervisee; the highest is in force, the others are kept as history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub version: i32,
    /// The day the supervisee signed this version.
    pub signed_on: NaiveDate,
    pub duties: String,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
}

fn contract_record(m: treatment_contract::Model) -> ContractRecord {
    ContractRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        version: m.version,
        signed_on: m.signed_on,
        duties: m.duties,
        recorded_by: m.recorded_by,
        created_at: m.created_at,
    }
}

impl Tx {
    /// Stores a session; `id` and `created_at` of the argument are ignored.
    pub async fn create_session(
        &self,
        s: &SessionRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = treatment_session::ActiveModel {
            supervisee_id: Set(s.supervisee_id),
            treatment_id: Set(s.treatment_id),
            on_date: Set(s.on),
            attendance: Set(s.attendance.code().to_owned()),
            format: Set(s.format.code().to_owned()),
            note: Set(s.note.clone()),
            recorded_by: Set(s.recorded_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Records many sessions in few statements (bulk loading; no ids are returned).
    pub async fn create_sessions(
        &self,
        list: &[SessionRecord],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        // Eight values a row: 500 rows stay far below every backend's limit on parameters.
        const ROWS: usize = 500;
        for chunk in list.chunks(ROWS) {
            treatment_session::Entity::insert_many(chunk.iter().map(|s| {
                treatment_session::ActiveModel {
                    supervisee_id: Set(s.supervisee_id),
                    treatment_id: Set(s.treatment_id),
                    on_date: Set(s.on),
                    attendance: Set(s.attendance.code().to_owned()),
                    format: Set(s.format.code().to_owned()),
                    note: Set(s.note.clone()),
                    recorded_by: Set(s.recorded_by),
                    created_at: Set(now),
                    ..Default::default()
                }
            }))
            .exec_without_returning(&self.txn)
            .await?;
        }
        Ok(())
    }

    /// Sessions of several supervisees, by date then id.
    pub async fn sessions_of(
        &self,
        supervisee_ids: &[i64],
    ) -> Result<Vec<SessionRecord>, StorageError> {
        treatment_session::Entity::find()
            .filter(treatment_session::Column::SuperviseeId.is_in(supervisee_ids.iter().copied()))
            .order_by_asc(treatment_session::Column::OnDate)
            .order_by_asc(treatment_session::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(session_record)
            .collect()
    }

    /// Sets the intensity of a treatment still at `version` and still open; false when someone
    /// changed it first.
    pub async fn set_treatment_intensity(
        &self,
        id: i64,
        version: i32,
        sessions_per_month: i32,
        reason: Option<String>,
    ) -> Result<bool, StorageError> {
        let res = treatment::Entity::update_many()
            .col_expr(
                treatment::Column::SessionsPerMonth,
                Expr::value(Some(sessions_per_month)),
            )
            .col_expr(treatment::Column::IntensityReason, Expr::value(reason))
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

    /// Stores a module; `id`, `completed_by` and `created_at` of the argument are ignored
    /// (a module recorded as already completed is completed by its recorder).
    pub async fn create_module(
        &self,
        m: &ModuleRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = treatment_module::ActiveModel {
            supervisee_id: Set(m.supervisee_id),
            treatment_id: Set(m.treatment_id),
            name: Set(m.name.clone()),
            started_on: Set(m.started_on),
            completed_on: Set(m.completed_on),
            completed_by: Set(m.completed_on.map(|_| m.recorded_by)),
            recorded_by: Set(m.recorded_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Modules of several supervisees, by start then id.
    pub async fn modules_of(&self, ids: &[i64]) -> Result<Vec<ModuleRecord>, StorageError> {
        Ok(treatment_module::Entity::find()
            .filter(treatment_module::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(treatment_module::Column::StartedOn)
            .order_by_asc(treatment_module::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(module_record)
            .collect())
    }

    /// Marks a module not yet completed as completed; false otherwise.
    pub async fn complete_module(
        &self,
        id: i64,
        on: NaiveDate,
        by: i64,
    ) -> Result<bool, StorageError> {
        let res = treatment_module::Entity::update_many()
            .col_expr(treatment_module::Column::CompletedOn, Expr::value(Some(on)))
            .col_expr(treatment_module::Column::CompletedBy, Expr::value(Some(by)))
            .filter(treatment_module::Column::Id.eq(id))
            .filter(treatment_module::Column::CompletedOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Stores a contract version; `id` and `created_at` of the argument are ignored. A version
    /// number the supervisee already has is refused with [`StorageError::Conflict`].
    pub async fn create_contract(
        &self,
        c: &ContractRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = treatment_contract::ActiveModel {
            supervisee_id: Set(c.supervisee_id),
            version: Set(c.version),
            signed_on: Set(c.signed_on),
            duties: Set(c.duties.clone()),
            recorded_by: Set(c.recorded_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "treatment contract version"))?;
        Ok(row.id)
    }

    /// Contract versions of several supervisees, by supervisee then version.
    pub async fn contracts_of(&self, ids: &[i64]) -> Result<Vec<ContractRecord>, StorageError> {
        Ok(treatment_contract::Entity::find()
            .filter(treatment_contract::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(treatment_contract::Column::SuperviseeId)
            .order_by_asc(treatment_contract::Column::Version)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(contract_record)
            .collect())
    }
}
