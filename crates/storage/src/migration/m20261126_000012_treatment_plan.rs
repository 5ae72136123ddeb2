//! The treatment plan: structured intensity on each enrollment (sessions a month and the reason
//! for departing from the risk-level recommendation), treatment sessions with attendance,
//! structured modules with completion, and the versioned treatment contract. Never deleted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Treatment {
    Table,
    Id,
    SessionsPerMonth,
    IntensityReason,
}

#[derive(DeriveIden)]
enum TreatmentSession {
    Table,
    Id,
    SuperviseeId,
    TreatmentId,
    OnDate,
    Attendance,
    Format,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TreatmentModule {
    Table,
    Id,
    SuperviseeId,
    TreatmentId,
    Name,
    StartedOn,
    CompletedOn,
    CompletedBy,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TreatmentContract {
    Table,
    Id,
    SuperviseeId,
    Version,
    SignedOn,
    Duties,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Supervisee {
    Table,
    Id,
}

fn to_supervisee(
    name: &str,
    table: impl IntoIden,
    col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Supervisee::Table, Supervisee::Id)
        .to_owned()
}

fn to_treatment(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Treatment::Table, Treatment::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement. Enrollments made before this migration keep
        // their free-text intensity and have no structured one until the provider sets it.
        manager
            .alter_table(
                Table::alter()
                    .table(Treatment::Table)
                    .add_column(integer_null(Treatment::SessionsPerMonth))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Treatment::Table)
                    .add_column(text_null(Treatment::IntensityReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TreatmentSession::Table)
                    .col(big_pk_auto(TreatmentSession::Id))
                    .col(big_integer(TreatmentSession::SuperviseeId))
                    .col(big_integer_null(TreatmentSession::TreatmentId))
                    .col(date(TreatmentSession::OnDate))
                    .col(string(TreatmentSession::Attendance))
                    .col(string(TreatmentSession::Format))
                    .col(text(TreatmentSession::Note))
                    .col(big_integer(TreatmentSession::RecordedBy))
                    .col(timestamp_with_time_zone(TreatmentSession::CreatedAt))
                    .foreign_key(&mut to_supervisee(
                        "fk_treatment_session_supervisee",
                        TreatmentSession::Table,
                        TreatmentSession::SuperviseeId,
                    ))
                    .foreign_key(&mut to_treatment(
                        "fk_treatment_session_treatment",
                        TreatmentSession::Table,
                        TreatmentSession::TreatmentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_treatment_session_supervisee")
                    .table(TreatmentSession::Table)
                    .col(TreatmentSession::SuperviseeId)
                    .col(TreatmentSession::OnDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TreatmentModule::Table)
                    .col(big_pk_auto(TreatmentModule::Id))
                    .col(big_integer(TreatmentModule::SuperviseeId))
                    .col(big_integer(TreatmentModule::TreatmentId))
                    .col(string(TreatmentModule::Name))
                    .col(date(TreatmentModule::StartedOn))
                    .col(date_null(TreatmentModule::CompletedOn))
                    .col(big_integer_null(TreatmentModule::CompletedBy))
                    .col(big_integer(TreatmentModule::RecordedBy))
                    .col(timestamp_with_time_zone(TreatmentModule::CreatedAt))
                    .foreign_key(&mut to_supervisee(
                        "fk_treatment_module_supervisee",
                        TreatmentModule::Table,
                        TreatmentModule::SuperviseeId,
                    ))
                    .foreign_key(&mut to_treatment(
                        "fk_treatment_module_treatment",
                        TreatmentModule::Table,
                        TreatmentModule::TreatmentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_treatment_module_supervisee")
                    .table(TreatmentModule::Table)
                    .col(TreatmentModule::SuperviseeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TreatmentContract::Table)
                    .col(big_pk_auto(TreatmentContract::Id))
                    .col(big_integer(TreatmentContract::SuperviseeId))
                    .col(integer(TreatmentContract::Version))
                    .col(date(TreatmentContract::SignedOn))
                    .col(text(TreatmentContract::Duties))
                    .col(big_integer(TreatmentContract::RecordedBy))
                    .col(timestamp_with_time_zone(TreatmentContract::CreatedAt))
                    .foreign_key(&mut to_supervisee(
                        "fk_treatment_contract_supervisee",
                        TreatmentContract::Table,
                        TreatmentContract::SuperviseeId,
                    ))
                    .to_owned(),
            )
            .await?;
        // Two people recording a new version at once cannot both make version N.
        manager
            .create_index(
                Index::create()
                    .name("ux_treatment_contract_version")
                    .table(TreatmentContract::Table)
                    .col(TreatmentContract::SuperviseeId)
                    .col(TreatmentContract::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "treatment plan records are never dropped by a migration".to_owned(),
        ))
    }
}
