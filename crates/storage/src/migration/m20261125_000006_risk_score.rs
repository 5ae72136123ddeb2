//! Risk scores with their item answers, and the dated steps of each score's chain (review,
//! sharing, receipt, DOJ submission). Neither is ever updated or deleted: a correction is a new
//! score.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RiskScore {
    Table,
    Id,
    SuperviseeId,
    Instrument,
    ScoredOn,
    Reason,
    ScorerUserId,
    ScorerCertified,
    UncertifiedReason,
    ReleaseDate,
    Answers,
    Total,
    Level,
    Pre2016Category,
    CombinedLevel,
    GearsReference,
    CreatedAt,
    RecordedBy,
}

#[derive(DeriveIden)]
enum ScoreStep {
    Table,
    Id,
    RiskScoreId,
    SuperviseeId,
    Step,
    OnDate,
    ByUserId,
    Method,
    Reference,
    Interpretation,
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
                    .table(RiskScore::Table)
                    .col(big_pk_auto(RiskScore::Id))
                    .col(big_integer(RiskScore::SuperviseeId))
                    .col(string(RiskScore::Instrument))
                    .col(date(RiskScore::ScoredOn))
                    .col(string(RiskScore::Reason))
                    .col(big_integer(RiskScore::ScorerUserId))
                    .col(boolean(RiskScore::ScorerCertified))
                    .col(text_null(RiskScore::UncertifiedReason))
                    .col(date_null(RiskScore::ReleaseDate))
                    .col(text(RiskScore::Answers))
                    .col(integer(RiskScore::Total))
                    .col(string(RiskScore::Level))
                    .col(string_null(RiskScore::Pre2016Category))
                    .col(string_null(RiskScore::CombinedLevel))
                    .col(string_null(RiskScore::GearsReference))
                    .col(timestamp_with_time_zone(RiskScore::CreatedAt))
                    .col(big_integer(RiskScore::RecordedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_score_supervisee")
                            .from(RiskScore::Table, RiskScore::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_risk_score_supervisee")
                    .table(RiskScore::Table)
                    .col(RiskScore::SuperviseeId)
                    .col(RiskScore::ScoredOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScoreStep::Table)
                    .col(big_pk_auto(ScoreStep::Id))
                    .col(big_integer(ScoreStep::RiskScoreId))
                    .col(big_integer(ScoreStep::SuperviseeId))
                    .col(string(ScoreStep::Step))
                    .col(date(ScoreStep::OnDate))
                    .col(big_integer(ScoreStep::ByUserId))
                    .col(string_null(ScoreStep::Method))
                    .col(string_null(ScoreStep::Reference))
                    .col(text_null(ScoreStep::Interpretation))
                    .col(timestamp_with_time_zone(ScoreStep::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_score_step_score")
                            .from(ScoreStep::Table, ScoreStep::RiskScoreId)
                            .to(RiskScore::Table, RiskScore::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_score_step_once")
                    .table(ScoreStep::Table)
                    .col(ScoreStep::RiskScoreId)
                    .col(ScoreStep::Step)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_score_step_step_on")
                    .table(ScoreStep::Table)
                    .col(ScoreStep::Step)
                    .col(ScoreStep::OnDate)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "risk scores are never dropped by a migration".to_owned(),
        ))
    }
}
