//! Monthly Progress/Communication Reports: one row per version of a supervisee's report for a
//! month. A signed version is never changed; a correction is the next version.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MonthlyReport {
    Table,
    Id,
    SuperviseeId,
    Month,
    Version,
    Status,
    CorrectsId,
    ProviderUserId,
    OfficerUserId,
    SessionsScheduled,
    SessionsAttended,
    SessionsMissed,
    SessionsExcused,
    Participation,
    DynamicRisk,
    Polygraph,
    ContractCompliance,
    SelfReports,
    Concerns,
    OfficerSection,
    AuthorId,
    SignedAt,
    AcknowledgedBy,
    AcknowledgedAt,
    Revision,
    CreatedAt,
    UpdatedAt,
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
                    .table(MonthlyReport::Table)
                    .col(big_pk_auto(MonthlyReport::Id))
                    .col(big_integer(MonthlyReport::SuperviseeId))
                    .col(date(MonthlyReport::Month))
                    .col(integer(MonthlyReport::Version))
                    .col(string(MonthlyReport::Status))
                    .col(big_integer_null(MonthlyReport::CorrectsId))
                    .col(big_integer(MonthlyReport::ProviderUserId))
                    .col(big_integer_null(MonthlyReport::OfficerUserId))
                    .col(integer(MonthlyReport::SessionsScheduled))
                    .col(integer(MonthlyReport::SessionsAttended))
                    .col(integer(MonthlyReport::SessionsMissed))
                    .col(integer(MonthlyReport::SessionsExcused))
                    .col(text(MonthlyReport::Participation))
                    .col(text(MonthlyReport::DynamicRisk))
                    .col(text(MonthlyReport::Polygraph))
                    .col(text(MonthlyReport::ContractCompliance))
                    .col(text(MonthlyReport::SelfReports))
                    .col(text(MonthlyReport::Concerns))
                    .col(text(MonthlyReport::OfficerSection))
                    .col(big_integer(MonthlyReport::AuthorId))
                    .col(timestamp_with_time_zone_null(MonthlyReport::SignedAt))
                    .col(big_integer_null(MonthlyReport::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(MonthlyReport::AcknowledgedAt))
                    .col(integer(MonthlyReport::Revision))
                    .col(timestamp_with_time_zone(MonthlyReport::CreatedAt))
                    .col(timestamp_with_time_zone(MonthlyReport::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_monthly_report_supervisee")
                            .from(MonthlyReport::Table, MonthlyReport::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One version N per supervisee and month: two writers cannot both make it.
        manager
            .create_index(
                Index::create()
                    .name("ux_monthly_report_version")
                    .table(MonthlyReport::Table)
                    .col(MonthlyReport::SuperviseeId)
                    .col(MonthlyReport::Month)
                    .col(MonthlyReport::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "monthly reports are never dropped by a migration".to_owned(),
        ))
    }
}
