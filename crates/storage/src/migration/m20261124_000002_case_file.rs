//! Supervisees, their aliases and court case numbers, supervision episodes and containment
//! team membership (with history: members are ended, never deleted).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Supervisee {
    Table,
    Id,
    LegalName,
    DateOfBirth,
    Sex,
    CiiNumber,
    CdcrNumber,
    CountyOfConviction,
    CountyOfRegistration,
    Juvenile,
    OwningAgencyId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum SuperviseeAlias {
    Table,
    Id,
    SuperviseeId,
    Name,
}

#[derive(DeriveIden)]
enum CourtCase {
    Table,
    Id,
    SuperviseeId,
    Number,
}

#[derive(DeriveIden)]
enum SupervisionEpisode {
    Table,
    Id,
    SuperviseeId,
    Kind,
    SupervisingAgencyId,
    County,
    Court,
    PlacedOn,
    StartDate,
    ExpectedEnd,
    ActualEnd,
    EndReason,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TeamMember {
    Table,
    Id,
    EpisodeId,
    UserId,
    TeamRole,
    StartDate,
    EndDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Supervisee::Table)
                    .col(big_pk_auto(Supervisee::Id))
                    .col(string(Supervisee::LegalName))
                    .col(date(Supervisee::DateOfBirth))
                    .col(string(Supervisee::Sex))
                    .col(string_null(Supervisee::CiiNumber).unique_key())
                    .col(string_null(Supervisee::CdcrNumber).unique_key())
                    .col(string_null(Supervisee::CountyOfConviction))
                    .col(string_null(Supervisee::CountyOfRegistration))
                    .col(boolean(Supervisee::Juvenile))
                    .col(big_integer(Supervisee::OwningAgencyId))
                    .col(timestamp_with_time_zone(Supervisee::CreatedAt))
                    .col(timestamp_with_time_zone(Supervisee::UpdatedAt))
                    .col(integer(Supervisee::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_supervisee_agency")
                            .from(Supervisee::Table, Supervisee::OwningAgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_supervisee_legal_name")
                    .table(Supervisee::Table)
                    .col(Supervisee::LegalName)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuperviseeAlias::Table)
                    .col(big_pk_auto(SuperviseeAlias::Id))
                    .col(big_integer(SuperviseeAlias::SuperviseeId))
                    .col(string(SuperviseeAlias::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_supervisee_alias_supervisee")
                            .from(SuperviseeAlias::Table, SuperviseeAlias::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_supervisee_alias_supervisee")
                    .table(SuperviseeAlias::Table)
                    .col(SuperviseeAlias::SuperviseeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CourtCase::Table)
                    .col(big_pk_auto(CourtCase::Id))
                    .col(big_integer(CourtCase::SuperviseeId))
                    .col(string(CourtCase::Number))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_court_case_supervisee")
                            .from(CourtCase::Table, CourtCase::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_court_case_supervisee_number")
                    .table(CourtCase::Table)
                    .col(CourtCase::SuperviseeId)
                    .col(CourtCase::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_court_case_number")
                    .table(CourtCase::Table)
                    .col(CourtCase::Number)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SupervisionEpisode::Table)
                    .col(big_pk_auto(SupervisionEpisode::Id))
                    .col(big_integer(SupervisionEpisode::SuperviseeId))
                    .col(string(SupervisionEpisode::Kind))
                    .col(big_integer(SupervisionEpisode::SupervisingAgencyId))
                    .col(string(SupervisionEpisode::County))
                    .col(string_null(SupervisionEpisode::Court))
                    .col(date_null(SupervisionEpisode::PlacedOn))
                    .col(date(SupervisionEpisode::StartDate))
                    .col(date_null(SupervisionEpisode::ExpectedEnd))
                    .col(date_null(SupervisionEpisode::ActualEnd))
                    .col(string_null(SupervisionEpisode::EndReason))
                    .col(timestamp_with_time_zone(SupervisionEpisode::CreatedAt))
                    .col(integer(SupervisionEpisode::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_episode_supervisee")
                            .from(SupervisionEpisode::Table, SupervisionEpisode::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_episode_agency")
                            .from(
                                SupervisionEpisode::Table,
                                SupervisionEpisode::SupervisingAgencyId,
                            )
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_episode_supervisee")
                    .table(SupervisionEpisode::Table)
                    .col(SupervisionEpisode::SuperviseeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamMember::Table)
                    .col(big_pk_auto(TeamMember::Id))
                    .col(big_integer(TeamMember::EpisodeId))
                    .col(big_integer(TeamMember::UserId))
                    .col(string(TeamMember::TeamRole))
                    .col(date(TeamMember::StartDate))
                    .col(date_null(TeamMember::EndDate))
                    .col(timestamp_with_time_zone(TeamMember::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_member_episode")
                            .from(TeamMember::Table, TeamMember::EpisodeId)
                            .to(SupervisionEpisode::Table, SupervisionEpisode::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_member_user")
                            .from(TeamMember::Table, TeamMember::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_team_member_user",
                vec![TeamMember::UserId, TeamMember::EndDate],
            ),
            ("ix_team_member_episode", vec![TeamMember::EpisodeId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(TeamMember::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "case records are never dropped by a migration".to_owned(),
        ))
    }
}
