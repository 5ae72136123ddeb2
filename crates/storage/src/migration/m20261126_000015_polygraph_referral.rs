//! Polygraph referrals: the questions the team drafts for the next exam, taken up by the
//! examiner when the exam is recorded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PolygraphReferral {
    Table,
    Id,
    SuperviseeId,
    ExamType,
    Questions,
    DraftedBy,
    DraftedAt,
    ExamId,
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
                    .table(PolygraphReferral::Table)
                    .col(big_pk_auto(PolygraphReferral::Id))
                    .col(big_integer(PolygraphReferral::SuperviseeId))
                    .col(string(PolygraphReferral::ExamType))
                    .col(text(PolygraphReferral::Questions))
                    .col(big_integer(PolygraphReferral::DraftedBy))
                    .col(timestamp_with_time_zone(PolygraphReferral::DraftedAt))
                    .col(big_integer_null(PolygraphReferral::ExamId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_polygraph_referral_supervisee")
                            .from(PolygraphReferral::Table, PolygraphReferral::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_polygraph_referral_supervisee")
                    .table(PolygraphReferral::Table)
                    .col(PolygraphReferral::SuperviseeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "polygraph referrals are never dropped by a migration".to_owned(),
        ))
    }
}
