//! Sign-in attempts say which factor they were for, so failed second-factor codes count on their
//! own and a correct password cannot wipe them.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInAttempt {
    Table,
    Factor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SignInAttempt::Table)
                    .add_column(
                        ColumnDef::new(SignInAttempt::Factor)
                            .string_len(16)
                            .not_null()
                            .default("password"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SignInAttempt::Table)
                    .drop_column(SignInAttempt::Factor)
                    .to_owned(),
            )
            .await
    }
}
