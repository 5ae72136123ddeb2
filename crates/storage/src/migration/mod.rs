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
        ]
    }
}

/// One migration and whether this database has it.
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
    pub async fn pending_migrations(&self) -> Result<usize, StorageError> {
        Ok(self
            .migration_states()
            .await?
            .iter()
            .filter(|m| !m.applied)
            .count())
    }
}
