//! The append-only, hash-chained audit trail.

use containment_domain::audit::{
    AuditContent, ChainBreak, ChainHead, ChainVerifier, GENESIS_HASH, SignedHead, StoredAuditEvent,
    chain_hash,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use std::sync::{Arc, Mutex};

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::oneshot;

use crate::entity::{audit_checkpoint, audit_event};
use crate::tx::Mode;
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
}

/// Where a page of the trail starts: keyset paging on the sequence number, so a page costs the
/// same however deep it is and events appended meanwhile neither repeat nor vanish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCursor {
    /// The newest events older than this sequence number.
    Before(i64),
    /// The oldest events newer than this sequence number.
    After(i64),
}

/// One page of matching events, newest first, with the cursors of its neighbours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditPage {
    pub events: Vec<StoredAuditEvent>,
    /// `Before` this to see older events, when there are any.
    pub older: Option<i64>,
    /// `After` this to see newer events, when there are any.
    pub newer: Option<i64>,
}

/// The events `filter` selects, unordered.
fn matching(filter: &AuditFilter) -> sea_orm::Select<audit_event::Entity> {
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
    q
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

/// Appends `events` to the chain in this order, inside `txn`, in one INSERT. On PostgreSQL an
/// advisory lock orders appends across instances; on SQLite the write lock already does.
pub(crate) async fn append_chain(
    txn: &DatabaseTransaction,
    backend: Backend,
    events: Vec<NewAuditEvent>,
) -> Result<(), StorageError> {
    if backend == Backend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [AUDIT_LOCK_KEY.into()],
        ))
        .await?;
    }
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .limit(1)
        .one(txn)
        .await?;
    let (mut seq, mut prev_hash) = match last {
        Some(m) => (m.seq, m.hash),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
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
        rows.push(audit_event::ActiveModel {
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
            prev_hash: Set(std::mem::replace(&mut prev_hash, hash.clone())),
            hash: Set(hash),
        });
    }
    // SQLite allows at most 32,766 bound values in one statement: 14 columns a row.
    for chunk in rows.chunks(1000) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The events of one read request, waiting for their group commit.
struct Waiting {
    events: Vec<NewAuditEvent>,
    done: oneshot::Sender<Result<(), StorageError>>,
}

/// Appends the audit events of concurrent read requests to the chain together: requests queue
/// their events, and one flush at a time takes everything queued, orders it into the chain and
/// commits it in one transaction, then tells each request. A read is answered only after its
/// events are durable, yet a thousand reads a second cost a few dozen commits.
pub(crate) struct AuditAppender {
    db: DatabaseConnection,
    backend: Backend,
    queue: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
    pub(crate) stats: crate::metrics::AppendStats,
}

impl std::fmt::Debug for AuditAppender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditAppender")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl AuditAppender {
    pub(crate) fn new(db: DatabaseConnection, backend: Backend) -> Self {
        AuditAppender {
            db,
            backend,
            queue: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
            stats: crate::metrics::AppendStats::default(),
        }
    }

    /// Appends `events` and returns once they are committed.
    pub(crate) async fn append(
        self: &Arc<Self>,
        events: Vec<NewAuditEvent>,
    ) -> Result<(), StorageError> {
        let (done, committed) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Waiting { events, done });
        // The flush runs as its own task, so a request that goes away mid-flush cannot cut
        // short the commit other requests are waiting for.
        let this = self.clone();
        tokio::spawn(async move { this.flush().await });
        committed.await.unwrap_or(Err(StorageError::Unavailable))
    }

    async fn flush(&self) {
        let _turn = self.turn.lock().await;
        let batch = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return;
        }
        let (events, waiting): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|w| (w.events, w.done)).unzip();
        let events: Vec<NewAuditEvent> = events.into_iter().flatten().collect();
        let count = events.len() as u64;
        let started = std::time::Instant::now();
        let result = self.commit(events).await;
        self.stats.commit.observe(started.elapsed());
        match &result {
            Ok(()) => self
                .stats
                .events
                .fetch_add(count, std::sync::atomic::Ordering::Relaxed),
            Err(_) => self
                .stats
                .failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        for done in waiting {
            let _ = done.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(e.duplicate()),
            });
        }
    }

    async fn commit(&self, events: Vec<NewAuditEvent>) -> Result<(), StorageError> {
        let options = sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.db.begin_with_options(options).await?;
        append_chain(&txn, self.backend, events).await?;
        txn.commit().await?;
        Ok(())
    }
}

fn signed_head(m: audit_checkpoint::Model) -> SignedHead {
    SignedHead {
        head: ChainHead {
            seq: m.seq,
            hash: m.hash,
        },
        at_ms: m.at_ms,
        key_id: m.key_id,
        signature: m.signature,
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
    /// Records one event. In a write transaction it joins the chain here: if the transaction
    /// rolls back, so does the event, and if the append fails, the caller's action fails with
    /// it. In a read transaction it waits for [`Tx::commit`], which appends it in a group commit.
    pub async fn append_audit(&self, event: NewAuditEvent) -> Result<(), StorageError> {
        if self.mode == Mode::Read {
            self.reads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(event);
            return Ok(());
        }
        append_chain(&self.txn, self.backend, vec![event]).await
    }

    /// Events matching `filter`, newest first, at most `limit`.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: u64,
    ) -> Result<Vec<StoredAuditEvent>, StorageError> {
        Ok(self.audit_page(filter, None, limit).await?.events)
    }

    /// One page of at most `limit` events matching `filter` from `cursor` (the newest when
    /// `None`), in one statement: it reads one row more than it shows to learn whether the
    /// page has a neighbour on the far side; the near side has one whenever a cursor was given.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        cursor: Option<AuditCursor>,
        limit: u64,
    ) -> Result<AuditPage, StorageError> {
        let mut q = matching(filter);
        q = match cursor {
            None => q.order_by_desc(audit_event::Column::Seq),
            Some(AuditCursor::Before(seq)) => q
                .filter(audit_event::Column::Seq.lt(seq))
                .order_by_desc(audit_event::Column::Seq),
            Some(AuditCursor::After(seq)) => q
                .filter(audit_event::Column::Seq.gt(seq))
                .order_by_asc(audit_event::Column::Seq),
        };
        let mut rows = q.limit(limit.saturating_add(1)).all(&self.txn).await?;
        let beyond = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        if matches!(cursor, Some(AuditCursor::After(_))) {
            rows.reverse();
        }
        let (newest, oldest) = (rows.first().map(|m| m.seq), rows.last().map(|m| m.seq));
        let (older, newer) = match cursor {
            None => (oldest.filter(|_| beyond), None),
            Some(AuditCursor::Before(_)) => (oldest.filter(|_| beyond), newest),
            Some(AuditCursor::After(_)) => (oldest, newest.filter(|_| beyond)),
        };
        Ok(AuditPage {
            events: rows.into_iter().map(stored).collect(),
            older,
            newer,
        })
    }

    /// How many events match `filter`, and how many of those name a record in their detail
    /// (`document 7 (substance_use_record)`): an export counts its rows and learns which
    /// notice it carries before writing the first.
    pub async fn audit_match_count(
        &self,
        filter: &AuditFilter,
        detail_naming: &str,
    ) -> Result<(u64, u64), StorageError> {
        use sea_orm::PaginatorTrait;
        let total = matching(filter).count(&self.txn).await?;
        let naming = matching(filter)
            .filter(audit_event::Column::Detail.like(format!("%{detail_naming}%")))
            .count(&self.txn)
            .await?;
        Ok((total, naming))
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
        Ok(
            match self
                .walk_audit_chain(&ChainHead::genesis(), Vec::new())
                .await?
            {
                Ok(head) => AuditVerification::Intact {
                    events: u64::try_from(head.seq).unwrap_or(0),
                },
                Err(b) => AuditVerification::Broken(b),
            },
        )
    }

    /// Walks the chain after `from` (a head known good: the genesis, or a signed checkpoint
    /// whose event must still be there with the same hash) to its end, in pages, and checks
    /// that it passes through every head in `checkpoints`. Returns the head reached.
    pub async fn walk_audit_chain(
        &self,
        from: &ChainHead,
        checkpoints: Vec<ChainHead>,
    ) -> Result<Result<ChainHead, ChainBreak>, StorageError> {
        const PAGE: u64 = 2000;
        if from.seq > 0 {
            let at_from = audit_event::Entity::find_by_id(from.seq)
                .one(&self.db)
                .await?;
            let position = u64::try_from(from.seq).unwrap_or(0);
            let reason = match at_from {
                None => Some(
                    "the chain ends before a signed checkpoint (its newest events were removed)",
                ),
                Some(m) if m.hash != from.hash => Some(
                    "the chain differs from a signed checkpoint (events up to here were \
                     rewritten and their hashes recomputed)",
                ),
                Some(_) => None,
            };
            if let Some(reason) = reason {
                return Ok(Err(ChainBreak {
                    position,
                    seq: from.seq,
                    reason,
                }));
            }
        }
        let mut verifier = ChainVerifier::resume(from.clone(), checkpoints);
        let mut after = from.seq;
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
                    return Ok(Err(b));
                }
            }
            if !full {
                break;
            }
        }
        Ok(verifier.finish())
    }

    /// Stores a signed head; `origin` says what made it (`interval`, `verify`, `anchor`,
    /// `rotate`).
    pub async fn add_audit_checkpoint(
        &self,
        signed: &SignedHead,
        origin: &str,
    ) -> Result<(), StorageError> {
        audit_checkpoint::ActiveModel {
            seq: Set(signed.head.seq),
            hash: Set(signed.head.hash.clone()),
            at_ms: Set(signed.at_ms),
            key_id: Set(signed.key_id.clone()),
            signature: Set(signed.signature.clone()),
            origin: Set(origin.to_owned()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Every stored checkpoint, lowest sequence first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<SignedHead>, StorageError> {
        Ok(audit_checkpoint::Entity::find()
            .order_by_asc(audit_checkpoint::Column::Seq)
            .order_by_asc(audit_checkpoint::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(signed_head)
            .collect())
    }

    /// The checkpoint furthest along the chain (the newest of those at that position).
    pub async fn last_audit_checkpoint(&self) -> Result<Option<SignedHead>, StorageError> {
        Ok(audit_checkpoint::Entity::find()
            .order_by_desc(audit_checkpoint::Column::Seq)
            .order_by_desc(audit_checkpoint::Column::Id)
            .limit(1)
            .one(&self.db)
            .await?
            .map(signed_head))
    }

    /// The keys checkpoints were signed with.
    pub async fn audit_checkpoint_key_ids(&self) -> Result<Vec<String>, StorageError> {
        Ok(audit_checkpoint::Entity::find()
            .select_only()
            .column(audit_checkpoint::Column::KeyId)
            .distinct()
            .into_tuple::<String>()
            .all(&self.db)
            .await?)
    }

    /// Appends events that belong to no transaction of their own (a refused request, the start
    /// of an export) through the group appender; returns once they are durable.
    pub async fn append_audit_events(
        &self,
        events: Vec<NewAuditEvent>,
    ) -> Result<(), StorageError> {
        if events.is_empty() {
            return Ok(());
        }
        self.appender.append(events).await
    }

    /// Number of events in the chain.
    pub async fn audit_count(&self) -> Result<u64, StorageError> {
        use sea_orm::PaginatorTrait;
        Ok(audit_event::Entity::find().count(&self.db).await?)
    }

    /// Runs `sql` with the append-only triggers of the audit tables out of the way. Exists only
    /// so tests can play an attacker with database access; the application never calls it.
    #[doc(hidden)]
    pub async fn tamper_audit_for_tests(
        &self,
        sql_after_disabling: &str,
    ) -> Result<(), StorageError> {
        const TABLES: [&str; 2] = ["audit_event", "audit_checkpoint"];
        match self.backend() {
            Backend::Postgres => {
                for table in TABLES {
                    self.db
                        .execute_unprepared(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))
                        .await?;
                }
                let res = self.db.execute_unprepared(sql_after_disabling).await;
                for table in TABLES {
                    self.db
                        .execute_unprepared(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))
                        .await?;
                }
                res?;
            }
            Backend::Sqlite => {
                for table in TABLES {
                    for what in ["update", "delete"] {
                        self.db
                            .execute_unprepared(&format!(
                                "DROP TRIGGER IF EXISTS {table}_no_{what}"
                            ))
                            .await?;
                    }
                }
                self.db.execute_unprepared(sql_after_disabling).await?;
            }
        }
        Ok(())
    }
}
