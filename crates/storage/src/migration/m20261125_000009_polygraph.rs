//! Polygraph exams and their follow-up actions. An exam's disclosures are kept in a column of
//! the exam; they are treatment information, handed out by the app only past the waiver wall.
//! Exams are never updated or deleted; a follow-up is only ever marked done.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PolygraphExam {
    Table,
    Id,
    SuperviseeId,
    ExamType,
    ExamDate,
    ExaminerUserId,
    ReferralQuestions,
    Result,
    Disclosures,
    CreatedAt,
    RecordedBy,
}

#[derive(DeriveIden)]
enum PolygraphFollowup {
    Table,
    Id,
    SuperviseeId,
    ExamId,
    Action,
    OwnerRole,
    DueOn,
    CreatedBy,
    CreatedAt,
    DoneOn,
    DoneBy,
    DoneAt,
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
                    .table(PolygraphExam::Table)
                    .col(big_pk_auto(PolygraphExam::Id))
                    .col(big_integer(PolygraphExam::SuperviseeId))
                    .col(string(PolygraphExam::ExamType))
                    .col(date(PolygraphExam::ExamDate))
                    .col(big_integer(PolygraphExam::ExaminerUserId))
                    .col(text(PolygraphExam::ReferralQuestions))
                    .col(string(PolygraphExam::Result))
                    .col(text_null(PolygraphExam::Disclosures))
                    .col(timestamp_with_time_zone(PolygraphExam::CreatedAt))
                    .col(big_integer(PolygraphExam::RecordedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_polygraph_exam_supervisee")
                            .from(PolygraphExam::Table, PolygraphExam::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_polygraph_exam_supervisee")
                    .table(PolygraphExam::Table)
                    .col(PolygraphExam::SuperviseeId)
                    .col(PolygraphExam::ExamDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PolygraphFollowup::Table)
                    .col(big_pk_auto(PolygraphFollowup::Id))
                    .col(big_integer(PolygraphFollowup::SuperviseeId))
                    .col(big_integer(PolygraphFollowup::ExamId))
                    .col(text(PolygraphFollowup::Action))
                    .col(string(PolygraphFollowup::OwnerRole))
                    .col(date(PolygraphFollowup::DueOn))
                    .col(big_integer(PolygraphFollowup::CreatedBy))
                    .col(timestamp_with_time_zone(PolygraphFollowup::CreatedAt))
                    .col(date_null(PolygraphFollowup::DoneOn))
                    .col(big_integer_null(PolygraphFollowup::DoneBy))
                    .col(timestamp_with_time_zone_null(PolygraphFollowup::DoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_polygraph_followup_exam")
                            .from(PolygraphFollowup::Table, PolygraphFollowup::ExamId)
                            .to(PolygraphExam::Table, PolygraphExam::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_polygraph_followup_supervisee")
                            .from(PolygraphFollowup::Table, PolygraphFollowup::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_polygraph_followup_supervisee")
                    .table(PolygraphFollowup::Table)
                    .col(PolygraphFollowup::SuperviseeId)
                    .col(PolygraphFollowup::DueOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "polygraph exams are never dropped by a migration".to_owned(),
        ))
    }
}
