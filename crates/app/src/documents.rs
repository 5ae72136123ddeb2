//! Documents kept on a case: upload with size, type and SHA-256 checks, listing and download,
//! each through the access policy and the information wall, each audited.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::Action;
use containment_domain::case::local_date;
use containment_domain::document::{DocumentKind, check_document};
use containment_storage::{DocumentRecord, NewDocument};

use crate::actor::Actor;
use crate::case_access::{CaseAccess, denied, ops, unknown_case};
use crate::{App, AppError};

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
        let (tx, _, grant) = self
            .authorize(
                actor,
                ops::DOCUMENT_UPLOAD.on(kind.record_kind()),
                supervisee_id,
                now,
            )
            .await?;
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
        grant
            .audit()
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
        let (tx, case, grant) = self
            .authorize(actor, ops::DOCUMENT_LIST, supervisee_id, now)
            .await?;
        let entries = visible_documents(actor, &case, tx.documents(supervisee_id).await?);
        grant.audit().write(&tx).await?;
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
        let (tx, case) = self
            .open_case_for(actor, ops::DOCUMENT_READ, supervisee_id, now)
            .await?;
        let Some((record, content)) = tx.document_content(supervisee_id, document_id).await? else {
            return Err(denied(
                tx,
                actor,
                ops::DOCUMENT_READ.audit,
                supervisee_id,
                &unknown_case(),
                now,
            )
            .await);
        };
        let (tx, grant) = case
            .grant(
                tx,
                actor,
                ops::DOCUMENT_READ.on(record.kind.record_kind()),
                now,
            )
            .await?;
        grant
            .audit()
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
