//! Idempotency keys of API requests: the first answer to a create, kept for a day so a retried
//! request gets it again instead of creating a second record.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Id,
    UserId,
    Key,
    Fingerprint,
    ClaimedAt,
    Status,
    ContentType,
    Body,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(big_pk_auto(IdempotencyKey::Id))
                    .col(big_integer(IdempotencyKey::UserId))
                    .col(string(IdempotencyKey::Key))
                    .col(string(IdempotencyKey::Fingerprint))
                    .col(timestamp_with_time_zone(IdempotencyKey::ClaimedAt))
                    .col(integer_null(IdempotencyKey::Status))
                    .col(string_null(IdempotencyKey::ContentType))
                    .col(blob_null(IdempotencyKey::Body))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idempotency_key_user")
                            .from(IdempotencyKey::Table, IdempotencyKey::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_key_user_key")
                    .table(IdempotencyKey::Table)
                    .col(IdempotencyKey::UserId)
                    .col(IdempotencyKey::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_key_claimed_at")
                    .table(IdempotencyKey::Table)
                    .col(IdempotencyKey::ClaimedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await
    }
}
