//! The use cases of Containment. Each takes the acting person, checks the access policy, runs in
//! one transaction and records its audit event there. Web handlers and CLI commands call these
//! functions and never talk to storage directly.

pub mod actor;
mod admin;
mod auth;
mod backup;
mod bootstrap;
mod calendar;
mod case_access;
mod case_work;
mod caseload_import;
mod cases;
mod certifications;
mod checkpoints;
mod compliance;
mod demo;
mod documents;
mod error;
mod exports;
mod idempotency;
mod input;
mod keys;
mod mail;
mod monthly_reports;
pub mod password;
mod polygraph;
mod refusals;
mod scores;
mod secrets;
mod teams;
mod timeline;
mod today;
mod treatment;
mod treatment_plan;
mod waivers;

pub use actor::{Actor, Channel, Client};
pub use admin::{
    AUDIT_EXPORT_BATCH, AUDIT_PAGE, AccountAction, AuditExport, AuditNames, CreatedUser,
};
pub use auth::{
    Enrollment, NewToken, NextStep, RECOVERY_CODES, SessionCheck, SignedIn, TokenCheck,
    TokenRefusal, totp_code,
};
pub use bootstrap::FirstAdmin;
pub use calendar::{CountyCalendar, MAX_WORKING_DAYS};
pub use case_work::CaseWork;
pub use caseload_import::{CaseloadImport, ImportedSupervisee, MatchedSupervisee, caseload_cells};
pub use cases::{
    CaseInput, CaseSection, CaseView, CaseloadEntry, EpisodeCorrection, REQUIRED_TEAM_ROLES,
    TEAM_CANDIDATE_LIMIT, TEAM_CANDIDATE_MIN_CHARS, team_gaps,
};
pub use certifications::{
    CSV_COLUMNS, CertificationInput, RegistryEntry, holds_valid, required_for,
};
pub use checkpoints::{AuditVerdict, CheckpointOrigin};
pub use compliance::{
    CountyPolicyChoice, Dashboard, DashboardList, Dimension, ObligationView, PolicyScope, RateRow,
    ReminderRun, RuleMonths, SERIES_MONTHS, notice_place, policy_field, series_months,
};
pub use containment_domain::Role;
pub use containment_storage::metrics;
pub use containment_storage::{ActivityNoteRecord, ActivityRecord, GoalRecord, TeamRecord};
pub use containment_storage::{
    AgencyRecord, AssessmentRecord, AuditCursor, AuditFilter, AuditPage, AuditVerification,
    Backend, CaseloadQuery, CaseloadRow, CaseloadSort, ContactRecord, CountyPolicyRecord,
    DocumentRecord, EpisodeRecord, ExemptionRecord, MigrationState, MonthlyReportRecord,
    NotificationRecord, ReportContent, ScoreRecord, SelfReportRecord, StepRecord, Store,
    StoredUser, SuperviseeRecord, TeamCandidate, TeamMemberRecord, TokenRecord, TreatmentRecord,
    UserSessionRecord, WaiverRecord,
};
pub use containment_storage::{ArchiveError, ArchiveSummary};
pub use containment_storage::{ContractRecord, FollowupRecord, ModuleRecord, SessionRecord};
pub use demo::{DEMO_PASSWORD, DemoSummary};
pub use documents::{DocumentEntry, DocumentInput, uploaded_on};
pub use error::{AppError, FieldError, Problems};
pub use exports::{ExportFormat, Reading};
pub use idempotency::{
    IDEMPOTENCY_KEEP_HOURS, IdempotencyClaim, MAX_IDEMPOTENCY_KEY, StoredAnswer, idempotency_key,
    request_fingerprint,
};
pub use keys::{HeadFault, KeyError, Keyring};
pub use mail::{MailConfig, MailProblem, MailSecurity, check_relay};
pub use monthly_reports::{
    MonthlyReportDetail, MonthlyReportInput, MonthlyReportView, MonthlyReportsView,
    monthly_report_signable,
};
pub use polygraph::{
    DisclosureEntry, ExamEntry, ExamInput, ExamsView, FollowupEntry, FollowupInput, ReferralEntry,
    ReferralInput,
};
pub use refusals::{Refusal, RefusalKind, RefusalLimits};
pub use scores::{
    ScoreEntry, ScoreInput, StepInput, SubmissionRow, level_label, score_items, score_kind,
};
pub use secrets::{KeyFileError, KeyFileState, Resealed, create_key_file, create_private_dir};
pub use teams::{
    ActivityInput, ActivityLine, GoalLine, LeaderInput, MemberInput, NoteInput, OverdueActivity,
    PersonName, RosterLine, StaffLine, TeamInput, TeamSummary, TeamView, TeamsView, TermLine,
    WorkplanGoal, WorkplanView,
};
pub use timeline::TimelineEntry;
pub use today::{
    Missed, TODAY_MAX_PER_PAGE, TODAY_PER_PAGE, Task, Today, TodayQuery, missed_of, missed_summary,
};
pub use treatment::{
    ContactInput, ContactView, SelfReportInput, TreatmentEndInput, TreatmentInput, TreatmentView,
};
pub use treatment_plan::{
    ContractInput, IntensityInput, IntensityRecommendation, ModuleInput, PlanView, SessionInput,
};
pub use waivers::{WaiverInput, court_waiver_in_force};

/// Whether the application can serve requests: answers `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    DatabaseUnreachable,
    MigrationsPending(usize),
    /// The database holds migrations this binary does not know: a newer release migrated it.
    SchemaNewerThanBinary,
    /// The database refuses writes (a read-only file or server).
    ReadOnly,
    /// The disk is full or the database reached its size limit.
    DatabaseFull,
    /// A write failed at the disk (an I/O error, a file-size limit).
    WriteFailed,
}

impl Readiness {
    /// The stable code `/readyz` answers with.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Readiness::Ready => None,
            Readiness::DatabaseUnreachable => Some("database_unreachable"),
            Readiness::MigrationsPending(_) => Some("migrations_pending"),
            Readiness::SchemaNewerThanBinary => Some("schema_newer_than_binary"),
            Readiness::ReadOnly => Some("read_only"),
            Readiness::DatabaseFull => Some("database_full"),
            Readiness::WriteFailed => Some("write_failed"),
        }
    }
}

/// The application: shared by every request handler and command.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    /// The working-day calendar deadlines are counted in.
    calendar: std::sync::Arc<containment_domain::calendar::Calendar>,
    /// Where reminders are e-mailed, when configured.
    mail: Option<std::sync::Arc<MailConfig>>,
    /// The keys held outside the database (empty until [`App::with_keys`]).
    keys: std::sync::Arc<Keyring>,
    /// Rate-limits the audit events of refused requests.
    refusals: std::sync::Arc<refusals::RefusalGate>,
    /// What the reminder job has done in this process, for `/metrics`.
    reminders: std::sync::Arc<ReminderStats>,
    /// Where cases stand, as last worked out (the caseload's columns and order).
    standings: std::sync::Arc<case_work::StandingCache>,
    /// Each agency's dashboard figures per period, as last worked out.
    dashboards: std::sync::Arc<compliance::DashboardCache>,
    /// What the reminder job of this process last went over in full.
    reminded: std::sync::Arc<compliance::Reminded>,
}

/// Runs of the reminder job in this process.
#[derive(Debug, Default)]
pub struct ReminderStats {
    pub duration: containment_storage::metrics::Histogram,
    pub failures: std::sync::atomic::AtomicU64,
    pub notifications: std::sync::atomic::AtomicU64,
}

impl App {
    pub fn new(store: Store) -> Self {
        App {
            store,
            calendar: std::sync::Arc::new(containment_domain::calendar::Calendar::california()),
            mail: None,
            keys: std::sync::Arc::new(Keyring::empty()),
            refusals: std::sync::Arc::new(refusals::RefusalGate::new(RefusalLimits::default())),
            reminders: std::sync::Arc::default(),
            standings: std::sync::Arc::default(),
            dashboards: std::sync::Arc::new(compliance::DashboardCache::new(
                compliance::MOST_DASHBOARDS_CACHED,
            )),
            reminded: std::sync::Arc::new(compliance::Reminded::new(1)),
        }
    }

    /// The connection pool now.
    pub fn pool_state(&self) -> containment_storage::metrics::PoolState {
        self.store.pool_state()
    }

    /// What the audit trail's group commits have done in this process.
    pub fn audit_append_stats(&self) -> &containment_storage::metrics::AppendStats {
        self.store.audit_append_stats()
    }

    /// What the reminder job has done in this process.
    pub fn reminder_stats(&self) -> &ReminderStats {
        &self.reminders
    }

    /// Uses `keys` to sign audit checkpoints and to protect second-factor secrets.
    pub fn with_keys(mut self, keys: Keyring) -> Self {
        self.keys = std::sync::Arc::new(keys);
        self
    }

    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Writes refused requests to the audit trail within these limits instead of the defaults.
    pub fn with_refusal_limits(mut self, limits: RefusalLimits) -> Self {
        self.refusals = std::sync::Arc::new(refusals::RefusalGate::new(limits));
        self
    }

    /// E-mails reminders through this relay as well as showing them in the application.
    pub fn with_mail(mut self, config: MailConfig) -> Self {
        self.mail = Some(std::sync::Arc::new(config));
        self
    }

    /// Connects to the database at `url`, applying pending migrations when `migrate` is set.
    pub async fn open(url: &str, migrate: bool) -> Result<Self, AppError> {
        let store = Store::connect(url).await?;
        if migrate {
            store.migrate().await?;
        }
        Ok(App::new(store))
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    pub async fn migrate(&self) -> Result<(), AppError> {
        Ok(self.store.migrate().await?)
    }

    pub async fn migration_states(&self) -> Result<Vec<MigrationState>, AppError> {
        Ok(self.store.migration_states().await?)
    }

    /// Whether this instance can serve: the database answers, its schema is this binary's, and
    /// a write reaches the disk. Answers within about two seconds whatever the database does.
    pub async fn readiness(&self) -> Readiness {
        let limit = std::time::Duration::from_secs(2);
        tokio::time::timeout(limit, self.check_readiness())
            .await
            .unwrap_or(Readiness::DatabaseUnreachable)
    }

    async fn check_readiness(&self) -> Readiness {
        use containment_storage::StorageError;
        let schema = match self.store.schema_state().await {
            Ok(s) => s,
            Err(_) => return Readiness::DatabaseUnreachable,
        };
        if schema.unknown > 0 {
            return Readiness::SchemaNewerThanBinary;
        }
        if schema.pending > 0 {
            return Readiness::MigrationsPending(schema.pending);
        }
        match self
            .store
            .probe_write(chrono::Utc::now().timestamp_millis())
            .await
        {
            Ok(()) => Readiness::Ready,
            Err(StorageError::ReadOnly) => Readiness::ReadOnly,
            Err(StorageError::Full) => Readiness::DatabaseFull,
            Err(StorageError::Disk) => Readiness::WriteFailed,
            Err(_) => Readiness::DatabaseUnreachable,
        }
    }

    /// Direct storage access for the test harness and administrative tooling in this workspace.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
