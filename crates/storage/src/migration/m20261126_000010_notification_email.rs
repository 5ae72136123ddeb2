//! E-mail delivery of notifications: a lease while one instance sends it (so no two send it,
//! and a dead instance's lease runs out for another to retry), and when it was sent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notification {
    Table,
    EmailClaimedUntil,
    EmailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds columns one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(timestamp_with_time_zone_null(
                        Notification::EmailClaimedUntil,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(timestamp_with_time_zone_null(Notification::EmailedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "notification history is never dropped by a migration".to_owned(),
        ))
    }
}
