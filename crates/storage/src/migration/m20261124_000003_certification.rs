//! The certification registry (R10).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Certification {
    Table,
    Id,
    Kind,
    HolderUserId,
    HolderAgencyId,
    Level,
    Instrument,
    SupervisorUserId,
    Number,
    IssuedOn,
    ExpiresOn,
    RevokedOn,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certification::Table)
                    .col(big_pk_auto(Certification::Id))
                    .col(string(Certification::Kind))
                    .col(big_integer_null(Certification::HolderUserId))
                    .col(big_integer_null(Certification::HolderAgencyId))
                    .col(string_null(Certification::Level))
                    .col(string_null(Certification::Instrument))
                    .col(big_integer_null(Certification::SupervisorUserId))
                    .col(string(Certification::Number))
                    .col(date(Certification::IssuedOn))
                    .col(date(Certification::ExpiresOn))
                    .col(date_null(Certification::RevokedOn))
                    .col(timestamp_with_time_zone(Certification::CreatedAt))
                    .col(integer(Certification::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certification_user")
                            .from(Certification::Table, Certification::HolderUserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certification_supervisor")
                            .from(Certification::Table, Certification::SupervisorUserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certification_agency")
                            .from(Certification::Table, Certification::HolderAgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_certification_kind_number")
                    .table(Certification::Table)
                    .col(Certification::Kind)
                    .col(Certification::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_certification_user", Certification::HolderUserId),
            ("ix_certification_agency", Certification::HolderAgencyId),
            ("ix_certification_expires", Certification::ExpiresOn),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Certification::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the certification registry is never dropped by a migration".to_owned(),
        ))
    }
}
