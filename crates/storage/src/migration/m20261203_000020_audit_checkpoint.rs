//! Signed checkpoints of the audit chain: append-only like the events they vouch for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Id,
    Seq,
    Hash,
    AtMs,
    KeyId,
    Signature,
    Origin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoint::Table)
                    .col(big_pk_auto(AuditCheckpoint::Id))
                    .col(big_integer(AuditCheckpoint::Seq))
                    .col(string(AuditCheckpoint::Hash))
                    .col(big_integer(AuditCheckpoint::AtMs))
                    .col(string(AuditCheckpoint::KeyId))
                    .col(string(AuditCheckpoint::Signature))
                    .col(string(AuditCheckpoint::Origin))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_checkpoint_seq")
                    .table(AuditCheckpoint::Table)
                    .col(AuditCheckpoint::Seq)
                    .to_owned(),
            )
            .await?;
        let triggers: &[&str] = match manager.get_database_backend() {
            // The function behind the audit_event triggers refuses these changes too.
            sea_orm::DatabaseBackend::Postgres => &[
                "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE \
                 ON audit_checkpoint FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
                "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
            ],
            _ => &[
                "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint \
                 BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END",
                "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint \
                 BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END",
            ],
        };
        for sql in triggers {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "audit checkpoints cannot be rolled back".to_owned(),
        ))
    }
}
