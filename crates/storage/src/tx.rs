//! Units of work. A write transaction commits every change with its audit event, or nothing.
//! A read transaction sees one consistent snapshot and takes no write lock; the audit events it
//! records are appended to the chain by the group appender once the read is over, and its
//! `commit` returns only when they are durable.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, IsolationLevel,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::connect::WAIT_LIMIT;
use crate::{Backend, NewAuditEvent, StorageError, Store};

/// Whether a transaction may change data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Read,
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls everything back, audit events
/// of a read included.
#[derive(Debug)]
pub struct Tx {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) backend: Backend,
    pub(crate) mode: Mode,
    /// Audit events of a read, appended in a group commit when the read commits.
    pub(crate) reads: Mutex<Vec<NewAuditEvent>>,
    /// Whether this transaction already moved the case facts' generation on.
    facts_changed: AtomicBool,
    store: Store,
}

impl Store {
    /// Begins a transaction that may write. On SQLite the write lock is taken at once (waiting
    /// out the busy timeout), so two transactions never deadlock upgrading from read to write.
    pub async fn begin(&self) -> Result<Tx, StorageError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.begin_with(Mode::Write, options).await
    }

    /// Begins a transaction that only reads: on SQLite it waits for no writer (WAL), on
    /// PostgreSQL it is a read-only snapshot, so a write slipped into it fails loudly.
    pub async fn begin_read(&self) -> Result<Tx, StorageError> {
        let options = match self.backend() {
            Backend::Sqlite => TransactionOptions::default(),
            Backend::Postgres => TransactionOptions {
                isolation_level: Some(IsolationLevel::RepeatableRead),
                access_mode: Some(AccessMode::ReadOnly),
                sqlite_transaction_mode: None,
            },
        };
        self.begin_with(Mode::Read, options).await
    }

    async fn begin_with(
        &self,
        mode: Mode,
        options: TransactionOptions,
    ) -> Result<Tx, StorageError> {
        let txn = tokio::time::timeout(WAIT_LIMIT, self.db.begin_with_options(options))
            .await
            .map_err(|_| StorageError::Unavailable)??;
        Ok(Tx {
            txn,
            backend: self.backend(),
            mode,
            reads: Mutex::new(Vec::new()),
            facts_changed: AtomicBool::new(false),
            store: self.clone(),
        })
    }
}

impl Tx {
    /// Commits the changes; for a read, ends it and waits until its audit events are durable.
    pub async fn commit(self) -> Result<(), StorageError> {
        let Tx {
            txn,
            mode,
            reads,
            store,
            ..
        } = self;
        txn.commit().await?;
        if mode == Mode::Read {
            let events = reads.into_inner().unwrap_or_else(|e| e.into_inner());
            if !events.is_empty() {
                store.appender.append(events).await?;
            }
        }
        Ok(())
    }

    pub(crate) fn db_backend(&self) -> DbBackend {
        match self.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        }
    }

    /// Whether this transaction only reads.
    pub fn is_read(&self) -> bool {
        self.mode == Mode::Read
    }

    /// Moves the case facts' generation on, once per transaction: whatever was worked out from
    /// an earlier snapshot of the cases is stale once this commits. A read changes nothing.
    pub async fn mark_case_facts_changed(&self) -> Result<(), StorageError> {
        if self.mode == Mode::Read || self.facts_changed.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        self.txn
            .execute_raw(Statement::from_string(
                self.db_backend(),
                "INSERT INTO case_facts_generation (id, generation) VALUES (1, 1) \
                 ON CONFLICT (id) DO UPDATE \
                 SET generation = case_facts_generation.generation + 1",
            ))
            .await?;
        Ok(())
    }

    /// The case facts' generation this transaction sees: equal in two snapshots only if no
    /// change to what the compliance engine reads was committed between them.
    pub async fn case_facts_generation(&self) -> Result<i64, StorageError> {
        let row = self
            .txn
            .query_one_raw(Statement::from_string(
                self.db_backend(),
                "SELECT generation FROM case_facts_generation WHERE id = 1",
            ))
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64>("", "generation")?,
            None => 0,
        })
    }
}
