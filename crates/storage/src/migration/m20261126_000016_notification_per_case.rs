//! One notification per person, case, obligation, kind and due date. Some obligation keys name
//! only a month (R1), so without the case a person with two cases due the same month was told
//! about one of them only.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notification {
    Table,
    UserId,
    SuperviseeId,
    ObligationKey,
    Kind,
    DueOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_notification_once")
                    .table(Notification::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_once_per_case")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::SuperviseeId)
                    .col(Notification::ObligationKey)
                    .col(Notification::Kind)
                    .col(Notification::DueOn)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "notification history is never changed back by a migration".to_owned(),
        ))
    }
}
