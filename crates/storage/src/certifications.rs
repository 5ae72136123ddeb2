//! The certification registry.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::certification::{CertificationKind, ProviderLevel};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::certification;
use crate::{StorageError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertification {
    pub kind: CertificationKind,
    pub holder_user_id: Option<i64>,
    pub holder_agency_id: Option<i64>,
    pub level: Option<ProviderLevel>,
    pub instrument: Option<String>,
    pub supervisor_user_id: Option<i64>,
    pub number: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationRecord {
    pub id: i64,
    pub kind: CertificationKind,
    pub holder_user_id: Option<i64>,
    pub holder_agency_id: Option<i64>,
    pub level: Option<ProviderLevel>,
    pub instrument: Option<String>,
    pub supervisor_user_id: Option<i64>,
    pub number: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revoked_on: Option<NaiveDate>,
}

fn record(m: certification::Model) -> Result<CertificationRecord, StorageError> {
    let corrupt = |e: containment_domain::ParseError| StorageError::Corrupt(e.to_string());
    Ok(CertificationRecord {
        kind: CertificationKind::parse(&m.kind).map_err(corrupt)?,
        level: m
            .level
            .as_deref()
            .map(ProviderLevel::parse)
            .transpose()
            .map_err(corrupt)?,
        id: m.id,
        holder_user_id: m.holder_user_id,
        holder_agency_id: m.holder_agency_id,
        instrument: m.instrument,
        supervisor_user_id: m.supervisor_user_id,
        number: m.number,
        issued_on: m.issued_on,
        expires_on: m.expires_on,
        revoked_on: m.revoked_on,
    })
}

impl Tx {
    pub async fn create_certification(
        &self,
        c: NewCertification,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = certification::ActiveModel {
            kind: Set(c.kind.code().to_owned()),
            holder_user_id: Set(c.holder_user_id),
            holder_agency_id: Set(c.holder_agency_id),
            level: Set(c.level.map(|l| l.code().to_owned())),
            instrument: Set(c.instrument),
            supervisor_user_id: Set(c.supervisor_user_id),
            number: Set(c.number),
            issued_on: Set(c.issued_on),
            expires_on: Set(c.expires_on),
            revoked_on: Set(None),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "certification number"))?;
        Ok(row.id)
    }

    /// Certifications held by any of the users or agencies given, newest expiry first.
    pub async fn certifications_of(
        &self,
        user_ids: &[i64],
        agency_ids: &[i64],
    ) -> Result<Vec<CertificationRecord>, StorageError> {
        if user_ids.is_empty() && agency_ids.is_empty() {
            return Ok(Vec::new());
        }
        certification::Entity::find()
            .filter(
                Condition::any()
                    .add(certification::Column::HolderUserId.is_in(user_ids.iter().copied()))
                    .add(certification::Column::HolderAgencyId.is_in(agency_ids.iter().copied())),
            )
            .order_by_desc(certification::Column::ExpiresOn)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Every certification, by expiry (soonest first).
    pub async fn all_certifications(&self) -> Result<Vec<CertificationRecord>, StorageError> {
        certification::Entity::find()
            .order_by_asc(certification::Column::ExpiresOn)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }
}
