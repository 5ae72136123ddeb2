//! Documents kept on a case: upload with size, type and SHA-256 checks, listing and download,
//! each through the access policy and the information wall, each audited.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::{self, Action, Decision, Relationship, Subject};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::document::{DocumentKind, check_document};
use containment_domain::waiver::CaseWaivers;
use containment_storage::{
    DocumentRecord, EpisodeRecord, NewDocument, NotificationRecord, SuperviseeRecord,
    TeamMemberRecord, Tx, WaiverRecord,
};

use crate::actor::{Actor, AuditEntry};
use crate::{App, AppError};

/// Everything the access policy needs about one case and one viewer on one day.
#[derive(Debug)]
pub(crate) struct CaseAccess {
    pub supervisee: SuperviseeRecord,
    pub relationships: Vec<Relationship>,
    pub episodes: Vec<EpisodeRecord>,
    /// Every membership of every episode, past and present.
    pub team: Vec<TeamMemberRecord>,
    pub coverage: CaseWaivers,
    /// The waivers behind `coverage`, as stored.
    pub waivers: Vec<WaiverRecord>,
}

impl CaseAccess {
    /// The policy's decision, waivers included, for this viewer.
    pub fn decide(&self, actor: &Actor, action: Action, kind: access::RecordKind) -> Decision {
        match actor.policy_actor() {
            Some(who) => access::decide(
                &who,
                &Subject::Case {
                    relationships: &self.relationships,
                    waivers: &self.coverage,
                },
                action,
                kind,
            ),
            None => Decision::Deny {
                reason: access::DenyReason::NoRelationshipToCase,
                visibility: access::Visibility::NotFound,
            },
        }
    }

    /// The categories of treatment information this viewer may read on the case today.
    pub fn clearance(&self, actor: &Actor) -> containment_domain::wall::Clearance {
        containment_domain::wall::Clearance::from_decisions(actor.user_id(), |category| {
            let d = self.decide(actor, Action::Read, category.record_kind());
            d.is_allowed().then(|| d.waiver())
        })
    }
}

impl CaseAccess {
    /// The case's team members serving on `day` in one of `roles`, over all its episodes.
    pub fn members_in(&self, day: NaiveDate, roles: &[access::TeamRole]) -> Vec<TeamMemberRecord> {
        self.team
            .iter()
            .filter(|m| m.active_on(day) && roles.contains(&m.team_role))
            .cloned()
            .collect()
    }

    /// Sends `note` (its `user_id` aside) to each of `users` on this case, once each.
    pub async fn notify(
        &self,
        tx: &Tx,
        users: impl IntoIterator<Item = i64>,
        note: NotificationRecord,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let notes: Vec<NotificationRecord> = users
            .into_iter()
            .map(|user_id| NotificationRecord {
                user_id,
                supervisee_id: self.supervisee.id,
                ..note.clone()
            })
            .collect();
        tx.notify_many(&notes, now).await?;
        Ok(())
    }
}

/// Whether a use case only reads the case or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Read,
    Change,
}

/// A document as typed in: the file and what it is.
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub kind: String,
    /// For a signed waiver: the waiver it evidences.
    pub waiver_id: Option<i64>,
    pub file_name: String,
    pub description: String,
}

/// A document the viewer may read, with the notice that travels with it.
#[derive(Debug, Clone)]
pub struct DocumentEntry {
    pub record: DocumentRecord,
    pub notice: Option<&'static str>,
}

impl App {
    /// Loads the case and how the actor stands to it; an unknown case is audited as denied.
    pub(crate) async fn case_access(
        &self,
        tx: Tx,
        actor: &Actor,
        action: &str,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess), AppError> {
        self.case_access_on(tx, actor, action, supervisee_id, now, local_date(now))
            .await
    }

    /// As [`App::case_access`], with relationships and waivers as they stand on `today`.
    pub(crate) async fn case_access_on(
        &self,
        tx: Tx,
        actor: &Actor,
        action: &str,
        supervisee_id: i64,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<(Tx, CaseAccess), AppError> {
        let Some(supervisee) = tx.supervisee(supervisee_id).await? else {
            let decision = Decision::Deny {
                reason: access::DenyReason::NoRelationshipToCase,
                visibility: access::Visibility::NotFound,
            };
            return Err(self
                .case_denied(tx, actor, action, supervisee_id, &decision, now)
                .await);
        };
        let episodes = tx.episodes(supervisee_id).await?;
        let episode_ids: Vec<i64> = episodes.iter().map(|e| e.id).collect();
        let team = tx.team(&episode_ids).await?;
        let relationships = crate::cases::relationships_in(actor, &supervisee, &team, today);
        let (coverage, waivers) =
            crate::waivers::case_waivers(&tx, supervisee_id, &episodes, today).await?;
        Ok((
            tx,
            CaseAccess {
                supervisee,
                relationships,
                episodes,
                team,
                coverage,
                waivers,
            },
        ))
    }

    /// Opens the case for `actor`: a read takes a snapshot without the write lock (its audit
    /// events join the chain in a group commit when it commits); a change takes the write lock.
    pub(crate) async fn case_for(
        &self,
        intent: Intent,
        actor: &Actor,
        action: &str,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess), AppError> {
        let tx = match intent {
            Intent::Read => self.store.begin_read().await?,
            Intent::Change => self.store.begin().await?,
        };
        self.case_access(tx, actor, action, supervisee_id, now)
            .await
    }

    /// Stores a document on the case.
    pub async fn upload_document(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &DocumentInput,
        content: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let kind: DocumentKind = input.kind.parse()?;
        let tx = self.store.begin().await?;
        let (tx, case) = self
            .case_access(tx, actor, "document_upload", supervisee_id, now)
            .await?;
        let decision = case.decide(actor, Action::Create, kind.record_kind());
        if !decision.is_allowed() {
            return Err(self
                .case_denied(tx, actor, "document_upload", supervisee_id, &decision, now)
                .await);
        }
        let checked = check_document(&input.file_name, &content)?;
        let waiver_id = match (kind, input.waiver_id) {
            (DocumentKind::SignedWaiver, Some(w)) => {
                if !tx
                    .waivers(supervisee_id)
                    .await?
                    .iter()
                    .any(|r| r.rule.id.0 == w)
                {
                    return Err(AppError::invalid(format!(
                        "waiver: this case has no waiver {w}"
                    )));
                }
                Some(w)
            }
            (DocumentKind::SignedWaiver, None) => {
                return Err(AppError::invalid(
                    "waiver: say which waiver this signed document belongs to",
                ));
            }
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "waiver: only a signed waiver document belongs to a waiver",
                ));
            }
            (_, None) => None,
        };
        let id = tx
            .create_document(
                &NewDocument {
                    supervisee_id,
                    kind,
                    waiver_id,
                    file_name: checked.file_name,
                    format: checked.format,
                    sha256: checked.sha256.clone(),
                    description: input.description.trim().chars().take(500).collect(),
                    uploaded_by: actor.author()?,
                },
                content,
                now,
            )
            .await?;
        AuditEntry::new("document_upload", Outcome::Success, now)
            .by(actor)
            .object("supervisee", supervisee_id)
            .waiver(decision.waiver().map(|w| w.0))
            .detail(format!(
                "document {id} ({}), sha256 {}",
                kind.code(),
                checked.sha256
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The case's documents the actor may read; others are left out, not revealed.
    pub async fn documents(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<DocumentEntry>, AppError> {
        let tx = self.store.begin_read().await?;
        let (tx, case) = self
            .case_access(tx, actor, "document_list", supervisee_id, now)
            .await?;
        let read = case.decide(actor, Action::Read, access::RecordKind::Supervisee);
        if !read.is_allowed() {
            return Err(self
                .case_denied(tx, actor, "document_list", supervisee_id, &read, now)
                .await);
        }
        let entries = visible_documents(actor, &case, tx.documents(supervisee_id).await?);
        AuditEntry::new("document_list", Outcome::Success, now)
            .by(actor)
            .object("supervisee", supervisee_id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(entries)
    }

    /// One document with its contents, for viewing or download.
    pub async fn document_content(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        document_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(DocumentEntry, Vec<u8>), AppError> {
        let tx = self.store.begin_read().await?;
        let (tx, case) = self
            .case_access(tx, actor, "document_read", supervisee_id, now)
            .await?;
        let Some((record, content)) = tx.document_content(supervisee_id, document_id).await? else {
            let decision = Decision::Deny {
                reason: access::DenyReason::NoRelationshipToCase,
                visibility: access::Visibility::NotFound,
            };
            return Err(self
                .case_denied(tx, actor, "document_read", supervisee_id, &decision, now)
                .await);
        };
        let decision = case.decide(actor, Action::Read, record.kind.record_kind());
        if !decision.is_allowed() {
            return Err(self
                .case_denied(tx, actor, "document_read", supervisee_id, &decision, now)
                .await);
        }
        AuditEntry::new("document_read", Outcome::Success, now)
            .by(actor)
            .object("supervisee", supervisee_id)
            .waiver(decision.waiver().map(|w| w.0))
            .detail(format!("document {document_id} ({})", record.kind.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        let notice = record.kind.notice();
        Ok((DocumentEntry { record, notice }, content))
    }
}

/// The documents a viewer may read, each with its notice.
pub(crate) fn visible_documents(
    actor: &Actor,
    case: &CaseAccess,
    records: Vec<DocumentRecord>,
) -> Vec<DocumentEntry> {
    records
        .into_iter()
        .filter(|r| {
            case.decide(actor, Action::Read, r.kind.record_kind())
                .is_allowed()
        })
        .map(|record| DocumentEntry {
            notice: record.kind.notice(),
            record,
        })
        .collect()
}

/// The date a document was uploaded, in the agency's time zone.
pub fn uploaded_on(record: &DocumentRecord) -> NaiveDate {
    local_date(record.uploaded_at)
}
