//! Confidentiality waivers and consents. Rows are never deleted; a revocation is recorded on
//! the row, an amendment is a new row that supersedes the old one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Waiver {
    Table,
    Id,
    SuperviseeId,
    Basis,
    Discloser,
    RecipientRoles,
    RecipientUserIds,
    RecipientAgencyIds,
    Categories,
    Purpose,
    EffectiveOn,
    ExpiresOn,
    EndsWithSupervision,
    Revocable,
    RevokedOn,
    RevokedBy,
    RevocationReason,
    SignedOn,
    DocumentSha256,
    SupersedesId,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Supervisee {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Waiver::Table)
                    .col(big_pk_auto(Waiver::Id))
                    .col(big_integer(Waiver::SuperviseeId))
                    .col(string(Waiver::Basis))
                    .col(string(Waiver::Discloser))
                    .col(text(Waiver::RecipientRoles))
                    .col(text(Waiver::RecipientUserIds))
                    .col(text(Waiver::RecipientAgencyIds))
                    .col(text(Waiver::Categories))
                    .col(text(Waiver::Purpose))
                    .col(date(Waiver::EffectiveOn))
                    .col(date_null(Waiver::ExpiresOn))
                    .col(boolean(Waiver::EndsWithSupervision))
                    .col(boolean(Waiver::Revocable))
                    .col(date_null(Waiver::RevokedOn))
                    .col(big_integer_null(Waiver::RevokedBy))
                    .col(text_null(Waiver::RevocationReason))
                    .col(date_null(Waiver::SignedOn))
                    .col(string_null(Waiver::DocumentSha256))
                    .col(big_integer_null(Waiver::SupersedesId))
                    .col(timestamp_with_time_zone(Waiver::CreatedAt))
                    .col(big_integer(Waiver::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_waiver_supervisee")
                            .from(Waiver::Table, Waiver::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_waiver_supervisee")
                    .table(Waiver::Table)
                    .col(Waiver::SuperviseeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "waivers are never dropped by a migration".to_owned(),
        ))
    }
}
