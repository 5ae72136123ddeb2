//! An index for every foreign key and every column a page filters on that had none, so no page
//! scans a whole table (the case page read all of `score_step` twice), and one that lets the
//! case timeline reach a case's changes without walking its read events, which grow with every
//! view. The timeline's index starts with the object, so the older index on the object alone is
//! dropped: every audited read would otherwise keep both up to date.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    ObjectKind,
    ObjectId,
    Action,
    Seq,
}

/// (index, table, columns) of the single-column indexes added.
const FOREIGN_KEY_INDEXES: &[(&str, &str, &str)] = &[
    // Tokens are listed and revoked per user.
    ("ix_api_token_user", "api_token", "user_id"),
    ("ix_case_document_waiver", "case_document", "waiver_id"),
    (
        "ix_certification_supervisor",
        "certification",
        "supervisor_user_id",
    ),
    (
        "ix_polygraph_followup_exam",
        "polygraph_followup",
        "exam_id",
    ),
    // Read twice for every case view.
    ("ix_score_step_supervisee", "score_step", "supervisee_id"),
    // The dashboard counts the cases an agency owns.
    (
        "ix_supervisee_owning_agency",
        "supervisee",
        "owning_agency_id",
    ),
    (
        "ix_episode_supervising_agency",
        "supervision_episode",
        "supervising_agency_id",
    ),
    (
        "ix_treatment_module_treatment",
        "treatment_module",
        "treatment_id",
    ),
    (
        "ix_treatment_session_treatment",
        "treatment_session",
        "treatment_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in FOREIGN_KEY_INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(*name)
                        .table(Alias::new(*table))
                        .col(Alias::new(*column))
                        .to_owned(),
                )
                .await?;
        }
        // The timeline asks for some actions on one object, newest first: with the action in the
        // key, each action is a short range and reads never come into it.
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_event_timeline")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::ObjectKind)
                    .col(AuditEvent::ObjectId)
                    .col(AuditEvent::Action)
                    .col(AuditEvent::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_event_object")
                    .table(AuditEvent::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_event_object")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::ObjectKind)
                    .col(AuditEvent::ObjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_event_timeline")
                    .table(AuditEvent::Table)
                    .to_owned(),
            )
            .await?;
        for (name, table, _) in FOREIGN_KEY_INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
