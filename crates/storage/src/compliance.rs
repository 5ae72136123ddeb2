//! Exemptions, county policies, notifications and calendar feeds.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::policy::RuleId;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{
    calendar_feed, county_policy, exemption, notification, supervisee, supervision_episode,
};
use crate::{StorageError, Tx};

/// An exemption request and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptionRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub rule: RuleId,
    /// One obligation's key, or `None` for every obligation of the rule due in the period.
    pub obligation_key: Option<String>,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub reason: String,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    /// `requested`, `approved` or `rejected`.
    pub decision: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

fn exemption_record(m: exemption::Model) -> Result<ExemptionRecord, StorageError> {
    Ok(ExemptionRecord {
        id: m.id,
        supervisee_id: m.supervisee_id,
        rule: m
            .rule
            .parse()
            .map_err(|e: containment_domain::ParseError| StorageError::Corrupt(e.to_string()))?,
        obligation_key: m.obligation_key,
        from: m.from_date,
        until: m.until_date,
        reason: m.reason,
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        decision: m.decision,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        decision_note: m.decision_note,
    })
}

/// A county's policy changes: parameter overrides and calendar entries, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyPolicyRecord {
    pub county: String,
    pub overrides: String,
    pub calendar: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: i64,
}

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub user_id: i64,
    pub supervisee_id: i64,
    pub obligation_key: String,
    pub kind: String,
    pub due_on: NaiveDate,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl Tx {
    pub async fn create_exemption(
        &self,
        e: &ExemptionRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = exemption::ActiveModel {
            supervisee_id: Set(e.supervisee_id),
            rule: Set(e.rule.code().to_owned()),
            obligation_key: Set(e.obligation_key.clone()),
            from_date: Set(e.from),
            until_date: Set(e.until),
            reason: Set(e.reason.clone()),
            requested_by: Set(e.requested_by),
            requested_at: Set(now),
            decision: Set("requested".to_owned()),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_note: Set(None),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// The case's exemptions, newest first.
    pub async fn exemptions(
        &self,
        supervisee_id: i64,
    ) -> Result<Vec<ExemptionRecord>, StorageError> {
        exemption::Entity::find()
            .filter(exemption::Column::SuperviseeId.eq(supervisee_id))
            .order_by_desc(exemption::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(exemption_record)
            .collect()
    }

    /// Requests waiting for a decision, oldest first.
    pub async fn pending_exemptions(&self) -> Result<Vec<ExemptionRecord>, StorageError> {
        exemption::Entity::find()
            .filter(exemption::Column::Decision.eq("requested"))
            .order_by_asc(exemption::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(exemption_record)
            .collect()
    }

    pub async fn exemption(&self, id: i64) -> Result<Option<ExemptionRecord>, StorageError> {
        exemption::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(exemption_record)
            .transpose()
    }

    /// Records a decision on a request still waiting; false if it was already decided.
    pub async fn decide_exemption(
        &self,
        id: i64,
        approved: bool,
        by: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let res = exemption::Entity::update_many()
            .col_expr(
                exemption::Column::Decision,
                Expr::value(if approved { "approved" } else { "rejected" }),
            )
            .col_expr(exemption::Column::DecidedBy, Expr::value(Some(by)))
            .col_expr(exemption::Column::DecidedAt, Expr::value(Some(now)))
            .col_expr(
                exemption::Column::DecisionNote,
                Expr::value(Some(note.to_owned())),
            )
            .filter(exemption::Column::Id.eq(id))
            .filter(exemption::Column::Decision.eq("requested"))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn county_policies(&self) -> Result<Vec<CountyPolicyRecord>, StorageError> {
        Ok(county_policy::Entity::find()
            .order_by_asc(county_policy::Column::County)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| CountyPolicyRecord {
                county: m.county,
                overrides: m.overrides,
                calendar: m.calendar,
                updated_at: m.updated_at,
                updated_by: m.updated_by,
            })
            .collect())
    }

    /// Sets a county's policy, replacing what it had.
    pub async fn set_county_policy(
        &self,
        county: &str,
        overrides: &str,
        calendar: &str,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        county_policy::Entity::insert(county_policy::ActiveModel {
            county: Set(county.to_owned()),
            overrides: Set(overrides.to_owned()),
            calendar: Set(calendar.to_owned()),
            updated_at: Set(now),
            updated_by: Set(by),
        })
        .on_conflict(
            OnConflict::column(county_policy::Column::County)
                .update_columns([
                    county_policy::Column::Overrides,
                    county_policy::Column::Calendar,
                    county_policy::Column::UpdatedAt,
                    county_policy::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.txn)
        .await?;
        Ok(())
    }

    /// Stores a notification unless the same person already has it for the same case,
    /// obligation, kind and due date; true when stored now.
    pub async fn notify_once(
        &self,
        n: &NotificationRecord,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        Ok(self.notify_many(std::slice::from_ref(n), now).await? == 1)
    }

    /// Stores each notification that the same person does not already have for the same case,
    /// obligation, kind and due date, in few statements; the number stored now.
    pub async fn notify_many(
        &self,
        list: &[NotificationRecord],
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        // Ten values a row: 400 rows stay far below every backend's limit on parameters.
        const ROWS: usize = 400;
        let mut inserted = 0;
        for chunk in list.chunks(ROWS) {
            inserted += notification::Entity::insert_many(chunk.iter().map(|n| {
                notification::ActiveModel {
                    user_id: Set(n.user_id),
                    supervisee_id: Set(n.supervisee_id),
                    obligation_key: Set(n.obligation_key.clone()),
                    kind: Set(n.kind.clone()),
                    due_on: Set(n.due_on),
                    message: Set(n.message.clone()),
                    created_at: Set(now),
                    read_at: Set(None),
                    email_claimed_until: Set(None),
                    emailed_at: Set(None),
                    ..Default::default()
                }
            }))
            .on_conflict(
                OnConflict::columns([
                    notification::Column::UserId,
                    notification::Column::SuperviseeId,
                    notification::Column::ObligationKey,
                    notification::Column::Kind,
                    notification::Column::DueOn,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&self.txn)
            .await?;
        }
        Ok(inserted)
    }

    /// A person's notifications, newest first.
    pub async fn notifications(
        &self,
        user_id: i64,
        limit: u64,
    ) -> Result<Vec<NotificationRecord>, StorageError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| NotificationRecord {
                id: m.id,
                user_id: m.user_id,
                supervisee_id: m.supervisee_id,
                obligation_key: m.obligation_key,
                kind: m.kind,
                due_on: m.due_on,
                message: m.message,
                created_at: m.created_at,
                read_at: m.read_at,
            })
            .collect())
    }

    /// Marks a person's notifications read.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        Ok(notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&self.txn)
            .await?
            .rows_affected)
    }

    /// Notifications created since `since` and not yet e-mailed nor claimed by a live lease,
    /// each claimed for this instance until `lease_until`, with the addressee's e-mail. A row
    /// another instance claimed first is skipped.
    pub async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(NotificationRecord, String)>, StorageError> {
        use sea_orm::Condition;
        let candidates = notification::Entity::find()
            .filter(notification::Column::EmailedAt.is_null())
            .filter(notification::Column::CreatedAt.gte(since))
            .filter(
                Condition::any()
                    .add(notification::Column::EmailClaimedUntil.is_null())
                    .add(notification::Column::EmailClaimedUntil.lt(now)),
            )
            .order_by_asc(notification::Column::Id)
            .limit(limit)
            .all(&self.txn)
            .await?;
        let mut claimed = Vec::new();
        for m in candidates {
            let res = notification::Entity::update_many()
                .col_expr(
                    notification::Column::EmailClaimedUntil,
                    Expr::value(Some(lease_until)),
                )
                .filter(notification::Column::Id.eq(m.id))
                .filter(notification::Column::EmailedAt.is_null())
                .filter(
                    Condition::any()
                        .add(notification::Column::EmailClaimedUntil.is_null())
                        .add(notification::Column::EmailClaimedUntil.lt(now)),
                )
                .exec(&self.txn)
                .await?;
            if res.rows_affected != 1 {
                continue;
            }
            let Some(user) = crate::entity::app_user::Entity::find_by_id(m.user_id)
                .one(&self.txn)
                .await?
            else {
                continue;
            };
            claimed.push((
                NotificationRecord {
                    id: m.id,
                    user_id: m.user_id,
                    supervisee_id: m.supervisee_id,
                    obligation_key: m.obligation_key,
                    kind: m.kind,
                    due_on: m.due_on,
                    message: m.message,
                    created_at: m.created_at,
                    read_at: m.read_at,
                },
                user.email,
            ));
        }
        Ok(claimed)
    }

    /// Records that a claimed notification was e-mailed.
    pub async fn mark_emailed(&self, id: i64, now: DateTime<Utc>) -> Result<(), StorageError> {
        notification::Entity::update_many()
            .col_expr(notification::Column::EmailedAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Gives a claimed notification back after a failed send, for the next run to retry.
    pub async fn release_email(&self, id: i64) -> Result<(), StorageError> {
        notification::Entity::update_many()
            .col_expr(
                notification::Column::EmailClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(notification::Column::Id.eq(id))
            .filter(notification::Column::EmailedAt.is_null())
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Replaces a person's calendar feed secret.
    pub async fn set_calendar_feed(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        calendar_feed::Entity::delete_many()
            .filter(calendar_feed::Column::UserId.eq(user_id))
            .exec(&self.txn)
            .await?;
        calendar_feed::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(now),
        }
        .insert(&self.txn)
        .await?;
        Ok(())
    }

    pub async fn revoke_calendar_feed(&self, user_id: i64) -> Result<bool, StorageError> {
        Ok(calendar_feed::Entity::delete_many()
            .filter(calendar_feed::Column::UserId.eq(user_id))
            .exec(&self.txn)
            .await?
            .rows_affected
            > 0)
    }

    /// The owner of a feed secret, and when it was made.
    pub async fn calendar_feed_owner(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, DateTime<Utc>)>, StorageError> {
        Ok(calendar_feed::Entity::find()
            .filter(calendar_feed::Column::TokenHash.eq(token_hash))
            .one(&self.txn)
            .await?
            .map(|m| (m.user_id, m.created_at)))
    }

    pub async fn has_calendar_feed(&self, user_id: i64) -> Result<bool, StorageError> {
        Ok(calendar_feed::Entity::find_by_id(user_id)
            .one(&self.txn)
            .await?
            .is_some())
    }

    /// Supervisees with an open episode, for the reminder job.
    pub async fn open_case_ids(&self) -> Result<Vec<i64>, StorageError> {
        let mut ids: Vec<i64> = supervision_episode::Entity::find()
            .select_only()
            .column(supervision_episode::Column::SuperviseeId)
            .filter(supervision_episode::Column::ActualEnd.is_null())
            .into_tuple::<i64>()
            .all(&self.txn)
            .await?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Supervisees owned by an agency.
    pub async fn case_ids_of_agency(&self, agency_id: i64) -> Result<Vec<i64>, StorageError> {
        Ok(supervisee::Entity::find()
            .select_only()
            .column(supervisee::Column::Id)
            .filter(supervisee::Column::OwningAgencyId.eq(agency_id))
            .order_by_asc(supervisee::Column::Id)
            .into_tuple::<i64>()
            .all(&self.txn)
            .await?)
    }
}
