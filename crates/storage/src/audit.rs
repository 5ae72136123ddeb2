//! The append-only, hash-chained audit trail.

use containment_domain::audit::{
    AuditContent, ChainBreak, ChainVerifier, GENESIS_HASH, StoredAuditEvent, chain_hash,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use crate::entity::audit_event;
use crate::{Backend, StorageError, Store, Tx};

/// Key of the PostgreSQL advisory lock that orders appends to the chain across instances.
const AUDIT_LOCK_KEY: i64 = 0x0061_7564_6974_6c6b;

/// What a use case records; the sequence number and hashes are added on append.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub token_id: Option<i64>,
    pub client_addr: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub waiver_id: Option<i64>,
    pub detail: Option<String>,
}

/// Filters of the auditor's search. All are optional and combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only events with `seq` below this, for paging backwards.
    pub before_seq: Option<i64>,
}

fn content_of(m: &audit_event::Model) -> AuditContent {
    AuditContent {
        seq: m.seq,
        at_ms: m.at_ms,
        actor_user_id: m.actor_user_id,
        session_id: m.session_id,
        token_id: m.token_id,
        client_addr: m.client_addr.clone(),
        action: m.action.clone(),
        object_kind: m.object_kind.clone(),
        object_id: m.object_id.clone(),
        outcome: m.outcome.clone(),
        waiver_id: m.waiver_id,
        detail: m.detail.clone(),
    }
}

fn stored(m: audit_event::Model) -> StoredAuditEvent {
    StoredAuditEvent {
        content: content_of(&m),
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

impl Tx {
    /// Appends one event to the chain inside this transaction: if the transaction rolls back,
    /// so does the event, and if the append fails, the caller's action fails with it.
    pub async fn append_audit(&self, event: NewAuditEvent) -> Result<i64, StorageError> {
        if self.backend == Backend::Postgres {
            self.txn
                .execute_raw(Statement::from_sql_and_values(
                    self.db_backend(),
                    "SELECT pg_advisory_xact_lock($1)",
                    [AUDIT_LOCK_KEY.into()],
                ))
                .await?;
        }
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Seq)
            .limit(1)
            .one(&self.txn)
            .await?;
        let (seq, prev_hash) = match last {
            Some(m) => (m.seq + 1, m.hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let content = AuditContent {
            seq,
            at_ms: event.at_ms,
            actor_user_id: event.actor_user_id,
            session_id: event.session_id,
            token_id: event.token_id,
            client_addr: event.client_addr,
            action: event.action,
            object_kind: event.object_kind,
            object_id: event.object_id,
            outcome: event.outcome,
            waiver_id: event.waiver_id,
            detail: event.detail,
        };
        let hash = chain_hash(&prev_hash, &content);
        audit_event::ActiveModel {
            seq: Set(content.seq),
            at_ms: Set(content.at_ms),
            actor_user_id: Set(content.actor_user_id),
            session_id: Set(content.session_id),
            token_id: Set(content.token_id),
            client_addr: Set(content.client_addr),
            action: Set(content.action),
            object_kind: Set(content.object_kind),
            object_id: Set(content.object_id),
            outcome: Set(content.outcome),
            waiver_id: Set(content.waiver_id),
            detail: Set(content.detail),
            prev_hash: Set(prev_hash),
            hash: Set(hash),
        }
        .insert(&self.txn)
        .await?;
        Ok(seq)
    }

    /// Events matching `filter`, newest first, at most `limit`.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: u64,
    ) -> Result<Vec<StoredAuditEvent>, StorageError> {
        let mut q = audit_event::Entity::find();
        if let Some(v) = filter.actor_user_id {
            q = q.filter(audit_event::Column::ActorUserId.eq(v));
        }
        if let Some(v) = &filter.object_kind {
            q = q.filter(audit_event::Column::ObjectKind.eq(v.clone()));
        }
        if let Some(v) = &filter.object_id {
            q = q.filter(audit_event::Column::ObjectId.eq(v.clone()));
        }
        if let Some(v) = &filter.outcome {
            q = q.filter(audit_event::Column::Outcome.eq(v.clone()));
        }
        if let Some(v) = filter.from_ms {
            q = q.filter(audit_event::Column::AtMs.gte(v));
        }
        if let Some(v) = filter.to_ms {
            q = q.filter(audit_event::Column::AtMs.lt(v));
        }
        if let Some(v) = filter.before_seq {
            q = q.filter(audit_event::Column::Seq.lt(v));
        }
        Ok(q.order_by_desc(audit_event::Column::Seq)
            .limit(limit)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(stored)
            .collect())
    }

    /// The successful events of `actions` on one supervisee, newest first: the case's history.
    pub async fn case_history(
        &self,
        supervisee_id: i64,
        actions: &[&str],
        limit: u64,
    ) -> Result<Vec<AuditContent>, StorageError> {
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::ObjectKind.eq("supervisee"))
            .filter(audit_event::Column::ObjectId.eq(supervisee_id.to_string()))
            .filter(audit_event::Column::Outcome.eq("success"))
            .filter(audit_event::Column::Action.is_in(actions.iter().copied()))
            .order_by_desc(audit_event::Column::Seq)
            .limit(limit)
            .all(&self.txn)
            .await?
            .iter()
            .map(content_of)
            .collect())
    }
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerification {
    Intact { events: u64 },
    Broken(ChainBreak),
}

impl Store {
    /// Walks the chain from the first event in pages, holding one page in memory at a time.
    pub async fn verify_audit_chain(&self) -> Result<AuditVerification, StorageError> {
        const PAGE: u64 = 2000;
        let mut verifier = ChainVerifier::default();
        let mut after = 0_i64;
        loop {
            let page = audit_event::Entity::find()
                .filter(audit_event::Column::Seq.gt(after))
                .order_by_asc(audit_event::Column::Seq)
                .limit(PAGE)
                .all(&self.db)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let full = page.len() as u64 == PAGE;
            for m in page {
                if let Err(b) = verifier.check(&stored(m)) {
                    return Ok(AuditVerification::Broken(b));
                }
            }
            if !full {
                break;
            }
        }
        Ok(AuditVerification::Intact {
            events: verifier.verified(),
        })
    }

    /// Number of events in the chain.
    pub async fn audit_count(&self) -> Result<u64, StorageError> {
        use sea_orm::PaginatorTrait;
        Ok(audit_event::Entity::find().count(&self.db).await?)
    }

    /// Rewrites one column of one audit event, bypassing the append-only triggers. Exists only so
    /// tests can play an attacker with database access; the application never calls it.
    #[doc(hidden)]
    pub async fn tamper_audit_for_tests(
        &self,
        sql_after_disabling: &str,
    ) -> Result<(), StorageError> {
        match self.backend() {
            Backend::Postgres => {
                self.db
                    .execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER USER")
                    .await?;
                let res = self.db.execute_unprepared(sql_after_disabling).await;
                self.db
                    .execute_unprepared("ALTER TABLE audit_event ENABLE TRIGGER USER")
                    .await?;
                res?;
            }
            Backend::Sqlite => {
                self.db
                    .execute_unprepared("DROP TRIGGER audit_event_no_update")
                    .await?;
                self.db
                    .execute_unprepared("DROP TRIGGER audit_event_no_delete")
                    .await?;
                self.db.execute_unprepared(sql_after_disabling).await?;
            }
        }
        Ok(())
    }
}
