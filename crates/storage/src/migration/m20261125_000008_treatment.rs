//! Treatment enrollments, provider-officer contacts (documented by one side, confirmed by the
//! other) and self-reports of high-risk behavior with both acknowledgements. Never deleted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Treatment {
    Table,
    Id,
    SuperviseeId,
    Kind,
    ProviderUserId,
    ReferralDate,
    StartDate,
    Intensity,
    Targets,
    Responsivity,
    EndDate,
    EndOutcome,
    EndReason,
    CreatedAt,
    CreatedBy,
    Version,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    SuperviseeId,
    OnDate,
    Mode,
    Topics,
    Notes,
    DocumentedSide,
    DocumentedBy,
    ConfirmedBy,
    ConfirmedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SelfReport {
    Table,
    Id,
    SuperviseeId,
    ReportedOn,
    Category,
    Behavior,
    ReportedTo,
    CreatedBy,
    CreatedAt,
    ProviderAckOn,
    ProviderAckBy,
    OfficerAckOn,
    OfficerAckBy,
}

#[derive(DeriveIden)]
enum Supervisee {
    Table,
    Id,
}

fn by_supervisee(name: &str, table: impl IntoIden, col: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Treatment::Table)
                    .col(big_pk_auto(Treatment::Id))
                    .col(big_integer(Treatment::SuperviseeId))
                    .col(string(Treatment::Kind))
                    .col(big_integer(Treatment::ProviderUserId))
                    .col(date_null(Treatment::ReferralDate))
                    .col(date(Treatment::StartDate))
                    .col(text(Treatment::Intensity))
                    .col(text(Treatment::Targets))
                    .col(text(Treatment::Responsivity))
                    .col(date_null(Treatment::EndDate))
                    .col(string_null(Treatment::EndOutcome))
                    .col(text_null(Treatment::EndReason))
                    .col(timestamp_with_time_zone(Treatment::CreatedAt))
                    .col(big_integer(Treatment::CreatedBy))
                    .col(integer(Treatment::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_treatment_supervisee")
                            .from(Treatment::Table, Treatment::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(by_supervisee(
                "ix_treatment_supervisee",
                Treatment::Table,
                Treatment::SuperviseeId,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Contact::Table)
                    .col(big_pk_auto(Contact::Id))
                    .col(big_integer(Contact::SuperviseeId))
                    .col(date(Contact::OnDate))
                    .col(string(Contact::Mode))
                    .col(string(Contact::Topics))
                    .col(text(Contact::Notes))
                    .col(string(Contact::DocumentedSide))
                    .col(big_integer(Contact::DocumentedBy))
                    .col(big_integer_null(Contact::ConfirmedBy))
                    .col(timestamp_with_time_zone_null(Contact::ConfirmedAt))
                    .col(timestamp_with_time_zone(Contact::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contact_supervisee")
                            .from(Contact::Table, Contact::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(by_supervisee(
                "ix_contact_supervisee",
                Contact::Table,
                Contact::SuperviseeId,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SelfReport::Table)
                    .col(big_pk_auto(SelfReport::Id))
                    .col(big_integer(SelfReport::SuperviseeId))
                    .col(date(SelfReport::ReportedOn))
                    .col(string(SelfReport::Category))
                    .col(text(SelfReport::Behavior))
                    .col(string(SelfReport::ReportedTo))
                    .col(big_integer(SelfReport::CreatedBy))
                    .col(timestamp_with_time_zone(SelfReport::CreatedAt))
                    .col(date_null(SelfReport::ProviderAckOn))
                    .col(big_integer_null(SelfReport::ProviderAckBy))
                    .col(date_null(SelfReport::OfficerAckOn))
                    .col(big_integer_null(SelfReport::OfficerAckBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_self_report_supervisee")
                            .from(SelfReport::Table, SelfReport::SuperviseeId)
                            .to(Supervisee::Table, Supervisee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(by_supervisee(
                "ix_self_report_supervisee",
                SelfReport::Table,
                SelfReport::SuperviseeId,
            ))
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "treatment records are never dropped by a migration".to_owned(),
        ))
    }
}
