//! Compliance: exemptions (requested, then approved or rejected), county policy overrides and
//! calendars, in-app notifications (one per person, obligation, kind and due date, so several
//! reminder workers never send one twice), and private calendar feeds.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Exemption {
    Table,
    Id,
    SuperviseeId,
    Rule,
    ObligationKey,
    FromDate,
    UntilDate,
    Reason,
    RequestedBy,
    RequestedAt,
    Decision,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[derive(DeriveIden)]
enum CountyPolicy {
    Table,
    County,
    Overrides,
    Calendar,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    UserId,
    SuperviseeId,
    ObligationKey,
    Kind,
    DueOn,
    Message,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum CalendarFeed {
    Table,
    UserId,
    TokenHash,
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
                    .table(Exemption::Table)
                    .col(big_pk_auto(Exemption::Id))
                    .col(big_integer(Exemption::SuperviseeId))
                    .col(string(Exemption::Rule))
                    .col(string_null(Exemption::ObligationKey))
                    .col(date(Exemption::FromDate))
                    .col(date_null(Exemption::UntilDate))
                    .col(text(Exemption::Reason))
                    .col(big_integer(Exemption::RequestedBy))
                    .col(timestamp_with_time_zone(Exemption::RequestedAt))
                    .col(string(Exemption::Decision))
                    .col(big_integer_null(Exemption::DecidedBy))
                    .col(timestamp_with_time_zone_null(Exemption::DecidedAt))
                    .col(text_null(Exemption::DecisionNote))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_exemption_supervisee")
                            .from(Exemption::Table, Exemption::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exemption_supervisee")
                    .table(Exemption::Table)
                    .col(Exemption::SuperviseeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CountyPolicy::Table)
                    .col(string(CountyPolicy::County).primary_key())
                    .col(text(CountyPolicy::Overrides))
                    .col(text(CountyPolicy::Calendar))
                    .col(timestamp_with_time_zone(CountyPolicy::UpdatedAt))
                    .col(big_integer(CountyPolicy::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(big_pk_auto(Notification::Id))
                    .col(big_integer(Notification::UserId))
                    .col(big_integer(Notification::SuperviseeId))
                    .col(string(Notification::ObligationKey))
                    .col(string(Notification::Kind))
                    .col(date(Notification::DueOn))
                    .col(text(Notification::Message))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_once")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::ObligationKey)
                    .col(Notification::Kind)
                    .col(Notification::DueOn)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeed::Table)
                    .col(big_integer(CalendarFeed::UserId).primary_key())
                    .col(string(CalendarFeed::TokenHash))
                    .col(timestamp_with_time_zone(CalendarFeed::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_calendar_feed_token")
                    .table(CalendarFeed::Table)
                    .col(CalendarFeed::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "compliance records are never dropped by a migration".to_owned(),
        ))
    }
}
