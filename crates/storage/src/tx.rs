//! A unit of work: every change and its audit event commit together or not at all.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, TransactionTrait};

use crate::{Backend, StorageError, Store};

/// An open transaction. Dropping it without [`Tx::commit`] rolls everything back.
#[derive(Debug)]
pub struct Tx {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) backend: Backend,
}

impl Store {
    /// Begins a transaction that may write. On SQLite the write lock is taken at once (waiting
    /// out the busy timeout), so two transactions never deadlock upgrading from read to write.
    pub async fn begin(&self) -> Result<Tx, StorageError> {
        let txn = self.db.begin().await?;
        if self.backend() == Backend::Sqlite {
            txn.execute_unprepared("UPDATE audit_event SET seq = seq WHERE 1 = 0")
                .await?;
        }
        Ok(Tx {
            txn,
            backend: self.backend(),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StorageError> {
        self.txn.commit().await?;
        Ok(())
    }

    pub(crate) fn db_backend(&self) -> DbBackend {
        match self.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        }
    }
}
