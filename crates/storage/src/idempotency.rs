//! Idempotency keys: a claim taken before a create runs, and the answer kept after it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::idempotency_key;
use crate::{StorageError, Tx};

/// An answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What a key holds when a request presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key was free (or its last use expired, or its claim was abandoned): this request
    /// now holds it and runs.
    Claimed,
    /// The same request was answered before: its answer.
    Answered(StoredAnswer),
    /// The same request holds the key and has not been answered yet.
    InProgress,
    /// The key was used for a different request.
    OtherRequest,
}

impl Tx {
    /// Claims `key` of `user_id` for the request with `fingerprint`. Uses older than `keep` are
    /// forgotten first; a claim without an answer older than `abandoned` is taken over (its
    /// request died before answering).
    pub async fn claim_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        keep: Duration,
        abandoned: Duration,
    ) -> Result<IdempotencyClaim, StorageError> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ClaimedAt.lt(now - keep))
            .exec(&self.txn)
            .await?;
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            claimed_at: Set(now),
            status: Set(None),
            content_type: Set(None),
            body: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                idempotency_key::Column::UserId,
                idempotency_key::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&self.txn)
        .await?;
        if inserted > 0 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let Some(held) = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::UserId.eq(user_id))
            .filter(idempotency_key::Column::Key.eq(key))
            .one(&self.txn)
            .await?
        else {
            return Err(StorageError::NotFound);
        };
        if held.fingerprint != fingerprint {
            return Ok(IdempotencyClaim::OtherRequest);
        }
        match (held.status, held.body) {
            (Some(status), body) => Ok(IdempotencyClaim::Answered(StoredAnswer {
                status: u16::try_from(status).unwrap_or(200),
                content_type: held.content_type,
                body: body.unwrap_or_default(),
            })),
            (None, _) if held.claimed_at < now - abandoned => {
                let mut taken: idempotency_key::ActiveModel = idempotency_key::ActiveModel {
                    id: Set(held.id),
                    ..Default::default()
                };
                taken.claimed_at = Set(now);
                taken.update(&self.txn).await?;
                Ok(IdempotencyClaim::Claimed)
            }
            (None, _) => Ok(IdempotencyClaim::InProgress),
        }
    }

    /// Keeps the answer of the request holding `key`.
    pub async fn answer_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<(), StorageError> {
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Status,
                sea_orm::sea_query::Expr::value(i32::from(answer.status)),
            )
            .col_expr(
                idempotency_key::Column::ContentType,
                sea_orm::sea_query::Expr::value(answer.content_type.clone()),
            )
            .col_expr(
                idempotency_key::Column::Body,
                sea_orm::sea_query::Expr::value(answer.body.clone()),
            )
            .filter(idempotency_key::Column::UserId.eq(user_id))
            .filter(idempotency_key::Column::Key.eq(key))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Frees `key`: its request failed, so trying again with it runs the request again.
    pub async fn release_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<(), StorageError> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::UserId.eq(user_id))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::Status.is_null())
            .exec(&self.txn)
            .await?;
        Ok(())
    }
}
