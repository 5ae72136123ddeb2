//! Comprehensive assessments: referral by the team, completion by the provider with the areas
//! covered (R7).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assessment {
    Table,
    Id,
    SuperviseeId,
    Kind,
    ReferredOn,
    ReferredBy,
    CompletedOn,
    CompletedBy,
    Areas,
    Summary,
    CreatedAt,
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
                    .table(Assessment::Table)
                    .col(big_pk_auto(Assessment::Id))
                    .col(big_integer(Assessment::SuperviseeId))
                    .col(string(Assessment::Kind))
                    .col(date(Assessment::ReferredOn))
                    .col(big_integer(Assessment::ReferredBy))
                    .col(date_null(Assessment::CompletedOn))
                    .col(big_integer_null(Assessment::CompletedBy))
                    .col(string(Assessment::Areas))
                    .col(text(Assessment::Summary))
                    .col(timestamp_with_time_zone(Assessment::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessment_supervisee")
                            .from(Assessment::Table, Assessment::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessment_supervisee")
                    .table(Assessment::Table)
                    .col(Assessment::SuperviseeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "assessments are never dropped by a migration".to_owned(),
        ))
    }
}
