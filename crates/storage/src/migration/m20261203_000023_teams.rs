//! Teams above the case (case management, local and statewide policy teams): the team with its
//! charter, goals, members by agency, chair or moderator terms, staff and sub-teams; and its
//! workplan of activities with dated notes. Nothing here is deleted: memberships, terms and staff
//! end on a date, activities are dropped, notes are kept. Meetings, decisions, agreements and
//! training will hang off `team.id`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
    Name,
    Level,
    Jurisdiction,
    ParentId,
    StatewideKey,
    Mission,
    Vision,
    Norms,
    CreatedBy,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TeamGoal {
    Table,
    Id,
    TeamId,
    Position,
    Title,
    Retired,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamRoster {
    Table,
    Id,
    TeamId,
    UserId,
    AgencyId,
    ExternalName,
    ExternalEmail,
    Organization,
    Role,
    Standing,
    StartOn,
    EndOn,
    AddedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamLeaderTerm {
    Table,
    Id,
    TeamId,
    UserId,
    Kind,
    StartOn,
    EndOn,
    AppointedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamStaff {
    Table,
    Id,
    TeamId,
    UserId,
    StartOn,
    EndOn,
    AddedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamActivity {
    Table,
    Id,
    TeamId,
    GoalId,
    Title,
    Deliverables,
    OwnerUserId,
    StartOn,
    DueOn,
    Status,
    CreatedBy,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TeamActivityNote {
    Table,
    Id,
    ActivityId,
    OnDate,
    Body,
    Status,
    AuthorUserId,
    CreatedAt,
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

fn fk(
    name: &str,
    table: impl IntoIden,
    col: impl IntoIden,
    to: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(to, to_col)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Team::Table)
                    .col(big_pk_auto(Team::Id))
                    .col(string(Team::Name))
                    .col(string(Team::Level))
                    .col(string(Team::Jurisdiction))
                    .col(big_integer_null(Team::ParentId))
                    // 1 on the one statewide team (not a sub-team), null elsewhere: a unique
                    // index then refuses a second one on every backend.
                    .col(integer_null(Team::StatewideKey))
                    .col(text(Team::Mission))
                    .col(text(Team::Vision))
                    .col(text(Team::Norms))
                    .col(big_integer(Team::CreatedBy))
                    .col(timestamp_with_time_zone(Team::CreatedAt))
                    .col(integer(Team::Version))
                    .foreign_key(&mut fk(
                        "fk_team_parent",
                        Team::Table,
                        Team::ParentId,
                        Team::Table,
                        Team::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_team_statewide")
                    .table(Team::Table)
                    .col(Team::StatewideKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_team_jurisdiction",
                Team::Table,
                &["jurisdiction"],
            ))
            .await?;
        manager
            .create_index(index("ix_team_parent", Team::Table, &["parent_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamGoal::Table)
                    .col(big_pk_auto(TeamGoal::Id))
                    .col(big_integer(TeamGoal::TeamId))
                    .col(integer(TeamGoal::Position))
                    .col(text(TeamGoal::Title))
                    .col(boolean(TeamGoal::Retired))
                    .col(timestamp_with_time_zone(TeamGoal::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_team_goal_team",
                        TeamGoal::Table,
                        TeamGoal::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_team_goal_team", TeamGoal::Table, &["team_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamRoster::Table)
                    .col(big_pk_auto(TeamRoster::Id))
                    .col(big_integer(TeamRoster::TeamId))
                    .col(big_integer_null(TeamRoster::UserId))
                    .col(big_integer_null(TeamRoster::AgencyId))
                    .col(string_null(TeamRoster::ExternalName))
                    .col(string_null(TeamRoster::ExternalEmail))
                    .col(string_null(TeamRoster::Organization))
                    .col(string(TeamRoster::Role))
                    .col(string(TeamRoster::Standing))
                    .col(date(TeamRoster::StartOn))
                    .col(date_null(TeamRoster::EndOn))
                    .col(big_integer(TeamRoster::AddedBy))
                    .col(timestamp_with_time_zone(TeamRoster::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_team_roster_team",
                        TeamRoster::Table,
                        TeamRoster::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_roster_user",
                        TeamRoster::Table,
                        TeamRoster::UserId,
                        AppUser::Table,
                        AppUser::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_roster_agency",
                        TeamRoster::Table,
                        TeamRoster::AgencyId,
                        Agency::Table,
                        Agency::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_team_roster_team",
                TeamRoster::Table,
                &["team_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_team_roster_user",
                TeamRoster::Table,
                &["user_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_team_roster_agency",
                TeamRoster::Table,
                &["agency_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamLeaderTerm::Table)
                    .col(big_pk_auto(TeamLeaderTerm::Id))
                    .col(big_integer(TeamLeaderTerm::TeamId))
                    .col(big_integer(TeamLeaderTerm::UserId))
                    .col(string(TeamLeaderTerm::Kind))
                    .col(date(TeamLeaderTerm::StartOn))
                    .col(date_null(TeamLeaderTerm::EndOn))
                    .col(big_integer(TeamLeaderTerm::AppointedBy))
                    .col(timestamp_with_time_zone(TeamLeaderTerm::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_team_leader_term_team",
                        TeamLeaderTerm::Table,
                        TeamLeaderTerm::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_leader_term_user",
                        TeamLeaderTerm::Table,
                        TeamLeaderTerm::UserId,
                        AppUser::Table,
                        AppUser::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_team_leader_term_team",
                TeamLeaderTerm::Table,
                &["team_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_team_leader_term_user",
                TeamLeaderTerm::Table,
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamStaff::Table)
                    .col(big_pk_auto(TeamStaff::Id))
                    .col(big_integer(TeamStaff::TeamId))
                    .col(big_integer(TeamStaff::UserId))
                    .col(date(TeamStaff::StartOn))
                    .col(date_null(TeamStaff::EndOn))
                    .col(big_integer(TeamStaff::AddedBy))
                    .col(timestamp_with_time_zone(TeamStaff::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_team_staff_team",
                        TeamStaff::Table,
                        TeamStaff::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_staff_user",
                        TeamStaff::Table,
                        TeamStaff::UserId,
                        AppUser::Table,
                        AppUser::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_team_staff_team", TeamStaff::Table, &["team_id"]))
            .await?;
        manager
            .create_index(index("ix_team_staff_user", TeamStaff::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamActivity::Table)
                    .col(big_pk_auto(TeamActivity::Id))
                    .col(big_integer(TeamActivity::TeamId))
                    .col(big_integer(TeamActivity::GoalId))
                    .col(string(TeamActivity::Title))
                    .col(text(TeamActivity::Deliverables))
                    .col(big_integer(TeamActivity::OwnerUserId))
                    .col(date(TeamActivity::StartOn))
                    .col(date(TeamActivity::DueOn))
                    .col(string(TeamActivity::Status))
                    .col(big_integer(TeamActivity::CreatedBy))
                    .col(timestamp_with_time_zone(TeamActivity::CreatedAt))
                    .col(integer(TeamActivity::Version))
                    .foreign_key(&mut fk(
                        "fk_team_activity_team",
                        TeamActivity::Table,
                        TeamActivity::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_activity_goal",
                        TeamActivity::Table,
                        TeamActivity::GoalId,
                        TeamGoal::Table,
                        TeamGoal::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_activity_owner",
                        TeamActivity::Table,
                        TeamActivity::OwnerUserId,
                        AppUser::Table,
                        AppUser::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_team_activity_team",
                TeamActivity::Table,
                &["team_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_team_activity_goal",
                TeamActivity::Table,
                &["goal_id"],
            ))
            .await?;
        // Today finds the open activities one person owns.
        manager
            .create_index(index(
                "ix_team_activity_owner",
                TeamActivity::Table,
                &["owner_user_id", "due_on"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamActivityNote::Table)
                    .col(big_pk_auto(TeamActivityNote::Id))
                    .col(big_integer(TeamActivityNote::ActivityId))
                    .col(date(TeamActivityNote::OnDate))
                    .col(text(TeamActivityNote::Body))
                    // The status the activity was given with the note, if it changed.
                    .col(string_null(TeamActivityNote::Status))
                    .col(big_integer(TeamActivityNote::AuthorUserId))
                    .col(timestamp_with_time_zone(TeamActivityNote::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_team_activity_note_activity",
                        TeamActivityNote::Table,
                        TeamActivityNote::ActivityId,
                        TeamActivity::Table,
                        TeamActivity::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_team_activity_note_author",
                        TeamActivityNote::Table,
                        TeamActivityNote::AuthorUserId,
                        AppUser::Table,
                        AppUser::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_team_activity_note_activity",
                TeamActivityNote::Table,
                &["activity_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_team_activity_note_author",
                TeamActivityNote::Table,
                &["author_user_id"],
            ))
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "team records are never dropped by a migration".to_owned(),
        ))
    }
}
