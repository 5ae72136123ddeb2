//! Documents kept on a case. Listing never loads the file contents; only a download does.

use chrono::{DateTime, Utc};
use containment_domain::document::{DocumentFormat, DocumentKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::{case_document, waiver};
use crate::{StorageError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub supervisee_id: i64,
    pub kind: DocumentKind,
    pub waiver_id: Option<i64>,
    pub file_name: String,
    pub format: DocumentFormat,
    pub sha256: String,
    pub description: String,
    pub uploaded_by: i64,
}

/// A document's description, without its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: DocumentKind,
    pub waiver_id: Option<i64>,
    pub file_name: String,
    pub format: DocumentFormat,
    pub size_bytes: i64,
    pub sha256: String,
    pub description: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: i64,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    supervisee_id: i64,
    kind: String,
    waiver_id: Option<i64>,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    description: String,
    uploaded_at: DateTime<Utc>,
    uploaded_by: i64,
}

fn record(r: Row) -> Result<DocumentRecord, StorageError> {
    let corrupt = |e: containment_domain::ParseError| StorageError::Corrupt(e.to_string());
    Ok(DocumentRecord {
        id: r.id,
        supervisee_id: r.supervisee_id,
        kind: r.kind.parse().map_err(corrupt)?,
        waiver_id: r.waiver_id,
        file_name: r.file_name,
        format: r.content_type.parse().map_err(corrupt)?,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        description: r.description,
        uploaded_at: r.uploaded_at,
        uploaded_by: r.uploaded_by,
    })
}

fn described() -> sea_orm::Select<case_document::Entity> {
    use case_document::Column as C;
    case_document::Entity::find().select_only().columns([
        C::Id,
        C::SuperviseeId,
        C::Kind,
        C::WaiverId,
        C::FileName,
        C::ContentType,
        C::SizeBytes,
        C::Sha256,
        C::Description,
        C::UploadedAt,
        C::UploadedBy,
    ])
}

impl Tx {
    /// Stores a document; a signed waiver's hash is also recorded on the waiver.
    pub async fn create_document(
        &self,
        d: &NewDocument,
        content: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let size = i64::try_from(content.len())
            .map_err(|_| StorageError::Corrupt("document size".into()))?;
        let row = case_document::ActiveModel {
            supervisee_id: Set(d.supervisee_id),
            kind: Set(d.kind.code().to_owned()),
            waiver_id: Set(d.waiver_id),
            file_name: Set(d.file_name.clone()),
            content_type: Set(d.format.code().to_owned()),
            size_bytes: Set(size),
            sha256: Set(d.sha256.clone()),
            content: Set(content),
            description: Set(d.description.clone()),
            uploaded_at: Set(now),
            uploaded_by: Set(d.uploaded_by),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        if let Some(w) = d.waiver_id {
            waiver::Entity::update_many()
                .col_expr(
                    waiver::Column::DocumentSha256,
                    Expr::value(Some(d.sha256.clone())),
                )
                .filter(waiver::Column::Id.eq(w))
                .exec(&self.txn)
                .await?;
        }
        Ok(row.id)
    }

    /// The case's documents, newest first, without their contents.
    pub async fn documents(&self, supervisee_id: i64) -> Result<Vec<DocumentRecord>, StorageError> {
        described()
            .filter(case_document::Column::SuperviseeId.eq(supervisee_id))
            .order_by_desc(case_document::Column::Id)
            .into_model::<Row>()
            .all(&self.txn)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// One document of the case with its contents.
    pub async fn document_content(
        &self,
        supervisee_id: i64,
        id: i64,
    ) -> Result<Option<(DocumentRecord, Vec<u8>)>, StorageError> {
        let Some(m) = case_document::Entity::find_by_id(id)
            .filter(case_document::Column::SuperviseeId.eq(supervisee_id))
            .one(&self.txn)
            .await?
        else {
            return Ok(None);
        };
        let content = m.content;
        let r = record(Row {
            id: m.id,
            supervisee_id: m.supervisee_id,
            kind: m.kind,
            waiver_id: m.waiver_id,
            file_name: m.file_name,
            content_type: m.content_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            description: m.description,
            uploaded_at: m.uploaded_at,
            uploaded_by: m.uploaded_by,
        })?;
        Ok(Some((r, content)))
    }
}
