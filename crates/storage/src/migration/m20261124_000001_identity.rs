//! Agencies, users and the roles they hold.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
    Name,
    Kind,
    County,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    AgencyId,
    Email,
    DisplayName,
    PasswordHash,
    MustChangePassword,
    DisabledAt,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum UserRole {
    Table,
    UserId,
    Role,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agency::Table)
                    .col(big_pk_auto(Agency::Id))
                    .col(string_uniq(Agency::Name))
                    .col(string(Agency::Kind))
                    .col(string_null(Agency::County))
                    .col(timestamp_with_time_zone(Agency::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(big_pk_auto(AppUser::Id))
                    .col(big_integer(AppUser::AgencyId))
                    .col(string_uniq(AppUser::Email))
                    .col(string(AppUser::DisplayName))
                    .col(text(AppUser::PasswordHash))
                    .col(boolean(AppUser::MustChangePassword))
                    .col(timestamp_with_time_zone_null(AppUser::DisabledAt))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(integer(AppUser::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_user_agency")
                            .from(AppUser::Table, AppUser::AgencyId)
                            .to(Agency::Table, Agency::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_app_user_agency")
                    .table(AppUser::Table)
                    .col(AppUser::AgencyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(big_integer(UserRole::UserId))
                    .col(string(UserRole::Role))
                    .primary_key(Index::create().col(UserRole::UserId).col(UserRole::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_role_user")
                            .from(UserRole::Table, UserRole::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserRole::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AppUser::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Agency::Table).to_owned())
            .await
    }
}
