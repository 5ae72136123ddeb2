//! Case documents on the web: the upload form's multipart post and the download for people, and
//! the same through the JSON API. Every download of a CORI or 42 CFR part 2 record carries its
//! notice: in a response header, and CORI files in their file name.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use containment_app::{AppError, DocumentEntry, DocumentInput};
use containment_domain::input::{Lines, text};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError};
use crate::extract::{ApiQuery, caller};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::cases::case_page_after;
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/cases/{id}/documents", Guard::SignedIn, documents_page)
        .post_upload("/cases/{id}/documents", Guard::SignedIn, upload_page)
        .get(
            "/cases/{id}/documents/{doc}",
            Guard::SignedIn,
            download_page,
        )
        .get("/api/v1/supervisees/{id}/documents", Guard::Api, list_api)
        .post_upload("/api/v1/supervisees/{id}/documents", Guard::Api, upload_api)
        .get(
            "/api/v1/supervisees/{id}/documents/{doc}/content",
            Guard::Api,
            content_api,
        )
}

/// Header naming the notice that travels with a CORI or substance-use record.
pub(crate) const NOTICE_HEADER: &str = "x-record-notice";

fn attachment(entry: &DocumentEntry, content: Vec<u8>) -> Response {
    let r = &entry.record;
    let name = if r.kind.is_cori() {
        format!("CORI-do-not-redisseminate-{}", r.file_name)
    } else {
        r.file_name.clone()
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.format.code()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(notice) = entry.notice
        && let Ok(v) = HeaderValue::from_str(notice)
    {
        headers.insert(NOTICE_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&r.sha256) {
        headers.insert("x-content-sha256", v);
    }
    (StatusCode::OK, headers, Body::from(content)).into_response()
}

async fn read_form(mut multipart: Multipart) -> Result<(DocumentInput, Vec<u8>), AppError> {
    let mut input = DocumentInput::default();
    let mut content = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::invalid(format!("the upload could not be read: {}", e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                input.file_name = field.file_name().unwrap_or_default().to_owned();
                content = field.bytes().await.map_err(bad)?.to_vec();
            }
            "kind" => input.kind = field.text().await.map_err(bad)?,
            "description" => input.description = field.text().await.map_err(bad)?,
            "waiver_id" => {
                let v = field.text().await.map_err(bad)?;
                let v = v.trim();
                if !v.is_empty() {
                    input.waiver_id = Some(v.parse().map_err(|_| {
                        AppError::invalid(format!("waiver: \"{v}\" is not a waiver number"))
                    })?);
                }
            }
            _ => {}
        }
    }
    // The same refusal as every other form: no control characters in what is stored as text.
    let checks = [
        ("file", text("file name", &input.file_name, Lines::One)),
        ("kind", text("kind", &input.kind, Lines::One)),
        (
            "description",
            text("description", &input.description, Lines::Many),
        ),
    ];
    let mut refused = containment_app::Problems::new();
    for (field, check) in checks {
        if let Err(e) = check {
            refused.at(field, e);
        }
    }
    refused.check()?;
    Ok((input, content))
}

async fn upload_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let result = match read_form(multipart).await {
        Ok((input, content)) => {
            state
                .app
                .upload_document(actor, id, &input, content, Utc::now())
                .await
        }
        Err(e) => Err(e),
    };
    let outcome = result.map(|_| "Document stored.".to_owned());
    case_page_after(
        &state,
        &identity,
        id,
        containment_app::CaseSection::Documents,
        outcome,
    )
    .await
}

async fn download_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (entry, content) = state
        .app
        .document_content(actor, id, doc, Utc::now())
        .await?;
    Ok(attachment(&entry, content))
}

/// A document on a case (without its contents).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentJson {
    pub id: i64,
    /// `signed_waiver`, `rap_sheet`, `police_report`, `probation_report`, `court_order` or
    /// `substance_use_record`.
    pub kind: String,
    pub waiver_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub description: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: i64,
    /// Criminal offender record information: never to be re-disseminated (PC 11075, 11076).
    pub cori: bool,
    /// The notice that must accompany this record wherever it goes, if any.
    pub notice: Option<String>,
}

pub(crate) fn document_json(e: &DocumentEntry) -> DocumentJson {
    let r = &e.record;
    DocumentJson {
        id: r.id,
        kind: r.kind.code().to_owned(),
        waiver_id: r.waiver_id,
        file_name: r.file_name.clone(),
        content_type: r.format.code().to_owned(),
        size_bytes: r.size_bytes,
        sha256: r.sha256.clone(),
        description: r.description.clone(),
        uploaded_at: r.uploaded_at,
        uploaded_by: r.uploaded_by,
        cori: r.kind.is_cori(),
        notice: e.notice.map(str::to_owned),
    }
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/documents", tag = "cases", operation_id = "list_documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "The documents the caller may read, newest first", body = [DocumentJson]),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn list_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let actor = caller(&identity)?;
    let docs = state.app.documents(actor, id, Utc::now()).await?;
    Ok(Json(docs.iter().map(document_json).collect()))
}

/// What the uploaded file is; the file itself is the request body.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Document kind code.
    pub kind: String,
    /// The file's name as the sender knows it (its extension is replaced by the real type's).
    #[serde(default)]
    pub file_name: String,
    /// For `signed_waiver`: the waiver it evidences.
    pub waiver_id: Option<i64>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoredDocument {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/documents", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), UploadParams),
    request_body(content = Vec<u8>, description = "The file: PDF, PNG, JPEG or TIFF, at most 10 MiB; its type is read from its content", content_type = "application/octet-stream"),
    responses((status = 201, description = "Stored", body = StoredDocument),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 413, description = "Larger than the limit", body = ApiErrorBody),
              (status = 422, description = "Not an accepted file type, empty, or a bad waiver reference", body = ApiErrorBody)))]
pub(crate) async fn upload_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<StoredDocument>), ApiError> {
    let actor = caller(&identity)?;
    let input = DocumentInput {
        kind: p.kind,
        waiver_id: p.waiver_id,
        file_name: p.file_name,
        description: p.description,
    };
    let doc = state
        .app
        .upload_document(actor, id, &input, body.to_vec(), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(StoredDocument { id: doc })))
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/documents/{doc}/content", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("doc" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file, with `X-Record-Notice` for CORI and 42 CFR part 2 records and `X-Content-SHA256`"),
              (status = 404, description = "No such document, or one the caller may not read", body = ApiErrorBody)))]
pub(crate) async fn content_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let actor = caller(&identity)?;
    let (entry, content) = state
        .app
        .document_content(actor, id, doc, Utc::now())
        .await?;
    Ok(attachment(&entry, content))
}

/// The case's documents, with the form to add one.
async fn documents_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    crate::pages::cases::case_section_page(
        &state,
        &identity,
        id,
        containment_app::CaseSection::Documents,
    )
    .await
}
