//! Persistence for Containment. This crate is the only one that knows SeaORM and SQL; it hands
//! domain types to the layers above. One set of migrations serves SQLite and PostgreSQL.

mod archive;
mod audit;
mod cases;
mod certifications;
mod compliance;
mod connect;
mod documents;
pub mod entity;
pub mod facts;
mod history;
mod idempotency;
mod identity;
pub mod metrics;
pub mod migration;
mod monthly_reports;
mod polygraph;
mod schema;
mod scores;
mod sessions;
mod teams;
mod treatment;
mod treatment_plan;
mod tx;
mod waivers;

pub use archive::{
    ARCHIVE_FAMILIES, ARCHIVE_FORMAT, ARCHIVE_VERSION, ArchiveError, ArchiveSummary,
};
pub use audit::{AuditCursor, AuditFilter, AuditPage, AuditVerification, NewAuditEvent};
pub use cases::{
    CaseloadQuery, CaseloadRow, CaseloadSort, EpisodeRecord, NewEpisode, NewSupervisee,
    SuperviseeChanges, SuperviseeRecord, TeamMemberRecord,
};
pub use certifications::{CertificationRecord, NewCertification};
pub use compliance::{CountyPolicyRecord, ExemptionRecord, NotificationRecord};
pub use connect::{Backend, StorageError, Store};
pub use documents::{DocumentRecord, NewDocument};
pub use history::{HistoryKind, HistoryRow, HistoryScope};
pub use idempotency::{IdempotencyClaim, StoredAnswer};
pub use identity::{
    AgencyRecord, CandidateSearch, Credentials, NewAgency, NewUser, OutsideAgencies, StoredUser,
    TeamCandidate,
};
pub use migration::{MigrationState, SchemaState};
pub use monthly_reports::{MonthlyReportRecord, ReportContent};
pub use polygraph::{ExamRecord, FollowupRecord, ReferralRecord};
pub use schema::{ColumnShape, ForeignKeyShape, IndexShape};
pub use scores::{ScoreRecord, StepRecord};
pub use sessions::{NewSession, TokenRecord, UserSessionRecord};
pub use teams::{
    ActivityNoteRecord, ActivityRecord, GoalRecord, LeaderTermRecord, RosterRecord, StaffRecord,
    TeamPlaces, TeamRecord,
};
pub use treatment::{AssessmentRecord, ContactRecord, SelfReportRecord, TreatmentRecord};
pub use treatment_plan::{ContractRecord, ModuleRecord, SessionRecord};
pub use tx::Tx;
pub use waivers::WaiverRecord;
