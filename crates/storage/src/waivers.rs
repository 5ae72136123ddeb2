//! Waivers and consents of a case.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::{AgencyId, InformationCategory, TeamRole, UserId, WaiverId};
use containment_domain::waiver::{LegalBasis, Waiver};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::waiver;
use crate::{StorageError, Tx};

/// A waiver as recorded, with the fields the domain rule does not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverRecord {
    pub rule: Waiver,
    pub supervisee_id: i64,
    pub discloser: String,
    pub purpose: String,
    pub revocable: bool,
    pub revoked_by: Option<i64>,
    pub revocation_reason: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub document_sha256: Option<String>,
    pub supersedes_id: Option<i64>,
    pub created_by: i64,
}

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(",")
}

fn split<T>(
    text: &str,
    f: impl Fn(&str) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    text.split(',').filter(|s| !s.is_empty()).map(f).collect()
}

fn corrupt(e: impl ToString) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn record(m: waiver::Model) -> Result<WaiverRecord, StorageError> {
    Ok(WaiverRecord {
        rule: Waiver {
            id: WaiverId(m.id),
            basis: m.basis.parse::<LegalBasis>().map_err(corrupt)?,
            recipient_roles: split(&m.recipient_roles, |s| {
                s.parse::<TeamRole>().map_err(corrupt)
            })?,
            recipient_users: split(&m.recipient_user_ids, |s| {
                s.parse().map(UserId).map_err(corrupt)
            })?,
            recipient_agencies: split(&m.recipient_agency_ids, |s| {
                s.parse().map(AgencyId).map_err(corrupt)
            })?,
            categories: split(&m.categories, |s| {
                s.parse::<InformationCategory>().map_err(corrupt)
            })?,
            effective_on: m.effective_on,
            expires_on: m.expires_on,
            ends_with_supervision: m.ends_with_supervision,
            revoked_on: m.revoked_on,
        },
        supervisee_id: m.supervisee_id,
        discloser: m.discloser,
        purpose: m.purpose,
        revocable: m.revocable,
        revoked_by: m.revoked_by,
        revocation_reason: m.revocation_reason,
        signed_on: m.signed_on,
        document_sha256: m.document_sha256,
        supersedes_id: m.supersedes_id,
        created_by: m.created_by,
    })
}

impl Tx {
    pub async fn create_waiver(
        &self,
        w: &WaiverRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = waiver::ActiveModel {
            supervisee_id: Set(w.supervisee_id),
            basis: Set(w.rule.basis.code().to_owned()),
            discloser: Set(w.discloser.clone()),
            recipient_roles: Set(join(&w.rule.recipient_roles, |r| r.code().to_owned())),
            recipient_user_ids: Set(join(&w.rule.recipient_users, |u| u.0.to_string())),
            recipient_agency_ids: Set(join(&w.rule.recipient_agencies, |a| a.0.to_string())),
            categories: Set(join(&w.rule.categories, |c| c.code().to_owned())),
            purpose: Set(w.purpose.clone()),
            effective_on: Set(w.rule.effective_on),
            expires_on: Set(w.rule.expires_on),
            ends_with_supervision: Set(w.rule.ends_with_supervision),
            revocable: Set(w.revocable),
            revoked_on: Set(None),
            revoked_by: Set(None),
            revocation_reason: Set(None),
            signed_on: Set(w.signed_on),
            document_sha256: Set(w.document_sha256.clone()),
            supersedes_id: Set(w.supersedes_id),
            created_at: Set(now),
            created_by: Set(w.created_by),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Every waiver of the supervisee, oldest first (revoked and superseded ones included).
    pub async fn waivers(&self, supervisee_id: i64) -> Result<Vec<WaiverRecord>, StorageError> {
        waiver::Entity::find()
            .filter(waiver::Column::SuperviseeId.eq(supervisee_id))
            .order_by_asc(waiver::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// The waivers of several supervisees, oldest first.
    pub async fn waivers_of(&self, ids: &[i64]) -> Result<Vec<WaiverRecord>, StorageError> {
        waiver::Entity::find()
            .filter(waiver::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_asc(waiver::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Records a revocation; false if it was already revoked.
    pub async fn revoke_waiver(
        &self,
        id: i64,
        on: NaiveDate,
        by: Option<i64>,
        reason: &str,
    ) -> Result<bool, StorageError> {
        let res = waiver::Entity::update_many()
            .col_expr(waiver::Column::RevokedOn, Expr::value(Some(on)))
            .col_expr(waiver::Column::RevokedBy, Expr::value(by))
            .col_expr(
                waiver::Column::RevocationReason,
                Expr::value(Some(reason.to_owned())),
            )
            .filter(waiver::Column::Id.eq(id))
            .filter(waiver::Column::RevokedOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
