//! Agencies, users and their roles; sign-in attempts, sessions, recovery codes and API tokens;
//! the append-only audit trail.

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
    Version,
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
    PasswordChangedAt,
    DisabledAt,
    LockedAt,
    TotpSecret,
    TotpEnrolledAt,
    TotpLastStep,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum UserRole {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum SignInAttempt {
    Table,
    Id,
    UserId,
    At,
    Success,
}

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum UserSession {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    PasswordAt,
    MfaAt,
    EndedAt,
    EndedReason,
    ClientAddr,
    UserAgent,
    CsrfToken,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Seq,
    AtMs,
    ActorUserId,
    SessionId,
    TokenId,
    ClientAddr,
    Action,
    ObjectKind,
    ObjectId,
    Outcome,
    WaiverId,
    Detail,
    PrevHash,
    Hash,
}

fn fk_user(name: &str, from: impl IntoTableRef, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, col)
        .to(AppUser::Table, AppUser::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
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
                    .col(integer(Agency::Version).default(1))
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
                    .col(timestamp_with_time_zone_null(AppUser::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(AppUser::DisabledAt))
                    .col(timestamp_with_time_zone_null(AppUser::LockedAt))
                    .col(text_null(AppUser::TotpSecret))
                    .col(timestamp_with_time_zone_null(AppUser::TotpEnrolledAt))
                    .col(big_integer_null(AppUser::TotpLastStep))
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
                    .foreign_key(&mut fk_user(
                        "fk_user_role_user",
                        UserRole::Table,
                        UserRole::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInAttempt::Table)
                    .col(big_pk_auto(SignInAttempt::Id))
                    .col(big_integer(SignInAttempt::UserId))
                    .col(timestamp_with_time_zone(SignInAttempt::At))
                    .col(boolean(SignInAttempt::Success))
                    .foreign_key(&mut fk_user(
                        "fk_sign_in_attempt_user",
                        SignInAttempt::Table,
                        SignInAttempt::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_attempt_user_at")
                    .table(SignInAttempt::Table)
                    .col(SignInAttempt::UserId)
                    .col(SignInAttempt::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(big_pk_auto(RecoveryCode::Id))
                    .col(big_integer(RecoveryCode::UserId))
                    .col(string(RecoveryCode::CodeHash))
                    .col(timestamp_with_time_zone_null(RecoveryCode::UsedAt))
                    .foreign_key(&mut fk_user(
                        "fk_recovery_code_user",
                        RecoveryCode::Table,
                        RecoveryCode::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recovery_code_user")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserSession::Table)
                    .col(big_pk_auto(UserSession::Id))
                    .col(string_uniq(UserSession::TokenHash))
                    .col(big_integer(UserSession::UserId))
                    .col(timestamp_with_time_zone(UserSession::CreatedAt))
                    .col(timestamp_with_time_zone(UserSession::LastSeenAt))
                    .col(timestamp_with_time_zone(UserSession::PasswordAt))
                    .col(timestamp_with_time_zone_null(UserSession::MfaAt))
                    .col(timestamp_with_time_zone_null(UserSession::EndedAt))
                    .col(string_null(UserSession::EndedReason))
                    .col(string_null(UserSession::ClientAddr))
                    .col(string_null(UserSession::UserAgent))
                    .col(string(UserSession::CsrfToken))
                    .foreign_key(&mut fk_user(
                        "fk_user_session_user",
                        UserSession::Table,
                        UserSession::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_session_user")
                    .table(UserSession::Table)
                    .col(UserSession::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(big_integer(ApiToken::UserId))
                    .col(string(ApiToken::Name))
                    .col(string_uniq(ApiToken::TokenHash))
                    .col(string(ApiToken::Prefix))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .foreign_key(&mut fk_user(
                        "fk_api_token_user",
                        ApiToken::Table,
                        ApiToken::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    // Assigned as last + 1 under a lock, never by a sequence: a gap means deletion.
                    .col(big_integer(AuditEvent::Seq).primary_key())
                    .col(big_integer(AuditEvent::AtMs))
                    .col(big_integer_null(AuditEvent::ActorUserId))
                    .col(big_integer_null(AuditEvent::SessionId))
                    .col(big_integer_null(AuditEvent::TokenId))
                    .col(string_null(AuditEvent::ClientAddr))
                    .col(string(AuditEvent::Action))
                    .col(string_null(AuditEvent::ObjectKind))
                    .col(string_null(AuditEvent::ObjectId))
                    .col(string(AuditEvent::Outcome))
                    .col(big_integer_null(AuditEvent::WaiverId))
                    .col(text_null(AuditEvent::Detail))
                    .col(string(AuditEvent::PrevHash))
                    .col(string(AuditEvent::Hash))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_audit_event_actor",
                vec![AuditEvent::ActorUserId, AuditEvent::AtMs],
            ),
            (
                "ix_audit_event_object",
                vec![AuditEvent::ObjectKind, AuditEvent::ObjectId],
            ),
            ("ix_audit_event_at", vec![AuditEvent::AtMs]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvent::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Append-only, enforced by the database itself.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit events are append-only'; END; \
                     $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event \
                     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The audit trail is never dropped by a migration.
        Err(DbErr::Migration(
            "the identity and audit schema cannot be rolled back".to_owned(),
        ))
    }
}
