//! Documents kept on a case (signed waivers, CORI given for scoring, court orders), stored in the
//! database with their SHA-256 so a backup holds them and the hash proves them unchanged. Rows
//! are never deleted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseDocument {
    Table,
    Id,
    SuperviseeId,
    Kind,
    WaiverId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    Content,
    Description,
    UploadedAt,
    UploadedBy,
}

#[derive(DeriveIden)]
enum Supervisee {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Waiver {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseDocument::Table)
                    .col(big_pk_auto(CaseDocument::Id))
                    .col(big_integer(CaseDocument::SuperviseeId))
                    .col(string(CaseDocument::Kind))
                    .col(big_integer_null(CaseDocument::WaiverId))
                    .col(string(CaseDocument::FileName))
                    .col(string(CaseDocument::ContentType))
                    .col(big_integer(CaseDocument::SizeBytes))
                    .col(string(CaseDocument::Sha256))
                    .col(blob(CaseDocument::Content))
                    .col(text(CaseDocument::Description))
                    .col(timestamp_with_time_zone(CaseDocument::UploadedAt))
                    .col(big_integer(CaseDocument::UploadedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_document_supervisee")
                            .from(CaseDocument::Table, CaseDocument::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_document_waiver")
                            .from(CaseDocument::Table, CaseDocument::WaiverId)
                            .to(Waiver::Table, Waiver::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_document_supervisee")
                    .table(CaseDocument::Table)
                    .col(CaseDocument::SuperviseeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "case documents are never dropped by a migration".to_owned(),
        ))
    }
}
