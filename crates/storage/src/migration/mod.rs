//! Schema migrations, written once for both backends.

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTrait};

use crate::{Backend, StorageError, Store};

mod m20261124_000001_identity;
mod m20261124_000002_case_file;
mod m20261124_000003_certification;
mod m20261124_000004_waiver;
mod m20261125_000005_case_document;
mod m20261125_000006_risk_score;
mod m20261125_000007_compliance;
mod m20261125_000008_treatment;
mod m20261125_000009_polygraph;
mod m20261126_000010_notification_email;
mod m20261126_000011_assessment;
mod m20261126_000012_treatment_plan;
mod m20261126_000013_monthly_report;
mod m20261126_000014_disclosure_category;
mod m20261126_000015_polygraph_referral;
mod m20261126_000016_notification_per_case;
mod m20261202_000017_request_path_indexes;
mod m20261202_000018_readiness_probe;
mod m20261202_000019_second_factor_attempts;
mod m20261203_000020_audit_checkpoint;
mod m20261203_000021_idempotency_key;
mod m20261203_000022_case_facts_generation;
mod m20261203_000023_teams;

#[derive(Debug)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_identity::Migration),
            Box::new(m20261124_000002_case_file::Migration),
            Box::new(m20261124_000003_certification::Migration),
            Box::new(m20261124_000004_waiver::Migration),
            Box::new(m20261125_000005_case_document::Migration),
            Box::new(m20261125_000006_risk_score::Migration),
            Box::new(m20261125_000007_compliance::Migration),
            Box::new(m20261125_000008_treatment::Migration),
            Box::new(m20261125_000009_polygraph::Migration),
            Box::new(m20261126_000010_notification_email::Migration),
            Box::new(m20261126_000011_assessment::Migration),
            Box::new(m20261126_000012_treatment_plan::Migration),
            Box::new(m20261126_000013_monthly_report::Migration),
            Box::new(m20261126_000014_disclosure_category::Migration),
            Box::new(m20261126_000015_polygraph_referral::Migration),
            Box::new(m20261126_000016_notification_per_case::Migration),
            Box::new(m20261202_000017_request_path_indexes::Migration),
            Box::new(m20261202_000018_readiness_probe::Migration),
            Box::new(m20261202_000019_second_factor_attempts::Migration),
            Box::new(m20261203_000020_audit_checkpoint::Migration),
            Box::new(m20261203_000021_idempotency_key::Migration),
            Box::new(m20261203_000022_case_facts_generation::Migration),
            Box::new(m20261203_000023_teams::Migration),
        ]
    }
}

/// One migration and whether this database has it.
/// Counts of this binary's migrations not yet applied, and of applied ones it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaState {
    pub pending: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Key of the PostgreSQL advisory lock that serialises migrations of several instances.
const MIGRATION_LOCK_KEY: i64 = 0x0063_6f6e_7461_696e;

impl Store {
    /// Applies every pending migration. On PostgreSQL the whole run holds a transaction-level
    /// advisory lock, so instances starting together migrate one after the other.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self.backend() {
            Backend::Postgres => {
                let txn = self.db.begin().await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock($1)",
                    [MIGRATION_LOCK_KEY.into()],
                ))
                .await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await?;
            }
            Backend::Sqlite => {
                // Several processes may open one file (a server and `migrate apply`). A write as
                // the transaction's first statement takes SQLite's write lock up front (waiting
                // out the busy timeout), so the pending list cannot change under us.
                Migrator::install(&self.db).await?;
                let txn = self.db.begin().await?;
                txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 1 = 0")
                    .await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await?;
            }
        }
        Ok(())
    }

    /// Every known migration with its state, without changing the database.
    pub async fn migration_states(&self) -> Result<Vec<MigrationState>, StorageError> {
        let states = Migrator::get_migration_with_status_read_only(&self.db).await?;
        Ok(states
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                applied: m.status() == MigrationStatus::Applied,
            })
            .collect())
    }

    /// Number of migrations this binary knows that the database does not have yet.
    /// How the database's schema stands to this binary's migrations, read from the migration
    /// table alone (an applied migration this binary does not know is a newer schema).
    pub async fn schema_state(&self) -> Result<SchemaState, StorageError> {
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let table = match self.backend() {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
            }
        };
        let exists = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                table,
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0)
            > 0;
        let applied: Vec<String> = if exists {
            self.db
                .query_all_raw(Statement::from_string(
                    self.db.get_database_backend(),
                    "SELECT version FROM seaql_migrations",
                ))
                .await?
                .iter()
                .map(|row| row.try_get_by_index::<String>(0))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let unknown = applied.iter().filter(|a| !known.contains(a)).count();
        let pending = known.iter().filter(|k| !applied.contains(k)).count();
        Ok(SchemaState { pending, unknown })
    }

    /// Rewrites the readiness row in a write transaction: the write lock is had, the commit
    /// reaches the disk and the database accepts changes.
    pub async fn probe_write(&self, at_ms: i64) -> Result<(), StorageError> {
        let tx = self.begin().await?;
        let value = match self.backend() {
            Backend::Sqlite => "?",
            Backend::Postgres => "$1",
        };
        tx.txn
            .execute_raw(Statement::from_sql_and_values(
                tx.db_backend(),
                format!(
                    "INSERT INTO readiness_probe (id, checked_at_ms) VALUES (1, {value}) \
                     ON CONFLICT (id) DO UPDATE SET checked_at_ms = excluded.checked_at_ms"
                ),
                [at_ms.into()],
            ))
            .await?;
        tx.commit().await
    }

    pub async fn pending_migrations(&self) -> Result<usize, StorageError> {
        Ok(self
            .migration_states()
            .await?
            .iter()
            .filter(|m| !m.applied)
            .count())
    }
}
