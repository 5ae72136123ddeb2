//! Importing an existing caseload: the agency admin's upload page (check the file, then import
//! it), the template, and the same import for programs through the JSON API.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{AppError, CaseloadImport, ExportFormat};
use containment_domain::Role;
use containment_domain::caseload_import::{
    Column, MAX_IMPORT_BYTES, Problem, TEMPLATE_EXAMPLE, template_csv,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError};
use crate::export::download;
use crate::extract::{ApiQuery, caller};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;
use crate::today::day;

const AGENCY_ADMINS: &[Role] = &[Role::AgencyAdmin];

/// The confirmation re-sends the checked file as hex beside the form fields.
const IMPORT_BODY_LIMIT: usize = 2 * MAX_IMPORT_BYTES + 64 * 1024;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/admin/import", Guard::AnyRole(AGENCY_ADMINS), page)
        .post_upload_within(
            "/admin/import",
            Guard::AnyRole(AGENCY_ADMINS),
            upload_page,
            IMPORT_BODY_LIMIT,
        )
        .get(
            "/admin/import/template.csv",
            Guard::AnyRole(AGENCY_ADMINS),
            template,
        )
        .get(
            "/admin/import/template.xlsx",
            Guard::AnyRole(AGENCY_ADMINS),
            template_workbook,
        )
        .post_upload_within(
            "/api/v1/imports/caseload",
            Guard::Api,
            import_api,
            MAX_IMPORT_BYTES + 64 * 1024,
        )
}

struct ColumnRow {
    header: &'static str,
    hint: &'static str,
}

struct CreatedRow {
    row: u32,
    name: String,
    identifiers: String,
    supervision: String,
    start: String,
    team: String,
    id: Option<i64>,
}

#[derive(Template)]
#[template(path = "caseload_import.html")]
struct ImportPage {
    layout: Layout,
    columns: Vec<ColumnRow>,
    max_kib: usize,
    report: Option<CaseloadImport>,
    created: Vec<CreatedRow>,
    problems: Vec<Problem>,
    /// The checked file, hex-encoded, for the confirmation; empty when there is nothing to
    /// confirm.
    content_hex: String,
}

fn import_page(
    identity: &Identity,
    report: Option<CaseloadImport>,
    problems: Vec<Problem>,
    content: &[u8],
) -> Response {
    let created = report.as_ref().map_or_else(Vec::new, |r| {
        r.created
            .iter()
            .map(|c| CreatedRow {
                row: c.row,
                name: c.legal_name.clone(),
                identifiers: [c.cii.as_deref(), c.cdcr.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                supervision: format!("{}, {}", c.kind, c.county),
                start: day(c.start),
                team: c
                    .team
                    .iter()
                    .map(|(role, email)| format!("{}: {email}", role.label()))
                    .collect::<Vec<_>>()
                    .join("; "),
                id: c.supervisee_id,
            })
            .collect()
    });
    let confirmable = report
        .as_ref()
        .is_some_and(|r| r.dry_run && r.problems.is_empty() && !r.created.is_empty());
    render(&ImportPage {
        layout: Layout::new("Import a caseload", "admin", identity),
        columns: Column::ALL
            .iter()
            .map(|c| ColumnRow {
                header: c.header(),
                hint: c.hint(),
            })
            .collect(),
        max_kib: MAX_IMPORT_BYTES / 1024,
        report,
        created,
        problems,
        content_hex: if confirmable {
            hex::encode(content)
        } else {
            String::new()
        },
    })
}

async fn page(Extension(identity): Extension<Identity>) -> Result<Response, PageError> {
    signed_in(&identity)?;
    Ok(import_page(&identity, None, Vec::new(), &[]))
}

/// The file (a fresh upload, or the checked file sent back as hex) and whether to import it.
async fn read_upload(mut multipart: Multipart) -> Result<(Vec<u8>, bool), Problem> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::file(format!(
                "the file is too large: the limit is {} KiB; split it into parts",
                MAX_IMPORT_BYTES / 1024
            ))
        } else {
            Problem::file(format!("the upload could not be read: {}", e.body_text()))
        }
    };
    let mut content = Vec::new();
    let mut import = false;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => content = field.bytes().await.map_err(bad)?.to_vec(),
            "content_hex" => {
                let text = field.text().await.map_err(bad)?;
                content = hex::decode(text.trim())
                    .map_err(|_| Problem::file("the checked file was altered: check it again"))?;
            }
            "action" => import = field.text().await.map_err(bad)? == "import",
            _ => {}
        }
    }
    Ok((content, import))
}

async fn upload_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (content, import) = match read_upload(multipart).await {
        Ok(v) => v,
        Err(problem) => return Ok(import_page(&identity, None, vec![problem], &[])),
    };
    let report = match state
        .app
        .import_caseload(actor, None, &content, !import, Utc::now())
        .await
    {
        Ok(r) => r,
        Err(AppError::InvalidInput(m)) => {
            let problems = m.into_iter().map(|p| Problem::file(p.message)).collect();
            return Ok(import_page(&identity, None, problems, &[]));
        }
        Err(e) => return Err(e.into()),
    };
    let problems = report.problems.clone();
    Ok(import_page(&identity, Some(report), problems, &content))
}

async fn template(Extension(identity): Extension<Identity>) -> Result<Response, PageError> {
    signed_in(&identity)?;
    Ok(download(
        ExportFormat::Csv,
        "caseload-template",
        &[],
        template_csv(),
    ))
}

/// The template as a workbook: the first sheet has the headings and the example row (the sheet
/// the import reads), the second says what goes in each column.
async fn template_workbook(
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    signed_in(&identity)?;
    Ok(download(
        ExportFormat::Xlsx,
        "caseload-template",
        &[],
        template_xlsx()?,
    ))
}

fn template_xlsx() -> Result<Vec<u8>, AppError> {
    use crate::export::xlsx_error;
    use rust_xlsxwriter::{Format, Workbook, Worksheet};
    let bold = Format::new().set_bold();
    // Typed values stay as typed (an identifier is not turned into a number).
    let text = Format::new().set_num_format("@");
    let mut caseload = Worksheet::new();
    caseload.set_name("Caseload").map_err(xlsx_error)?;
    let mut columns = Worksheet::new();
    columns.set_name("Columns").map_err(xlsx_error)?;
    columns
        .write_string_with_format(0, 0, "Column", &bold)
        .map_err(xlsx_error)?;
    columns
        .write_string_with_format(0, 1, "What to enter", &bold)
        .map_err(xlsx_error)?;
    columns.set_column_width(0, 28).map_err(xlsx_error)?;
    columns.set_column_width(1, 90).map_err(xlsx_error)?;
    for (i, (column, example)) in Column::ALL.iter().zip(TEMPLATE_EXAMPLE).enumerate() {
        let col = u16::try_from(i).map_err(|_| AppError::Internal("template columns".into()))?;
        let row = u32::from(col) + 1;
        caseload
            .write_string_with_format(0, col, column.header(), &bold)
            .map_err(xlsx_error)?;
        caseload
            .write_string_with_format(1, col, example, &text)
            .map_err(xlsx_error)?;
        caseload.set_column_format(col, &text).map_err(xlsx_error)?;
        let width = column.header().len().max(example.len()) + 2;
        caseload
            .set_column_width(col, u32::try_from(width).unwrap_or(30))
            .map_err(xlsx_error)?;
        columns
            .write_string(row, 0, column.header())
            .map_err(xlsx_error)?;
        columns
            .write_string(row, 1, column.hint())
            .map_err(xlsx_error)?;
    }
    caseload.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    let mut book = Workbook::new();
    book.push_worksheet(caseload);
    book.push_worksheet(columns);
    book.save_to_buffer().map_err(xlsx_error)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check the file and answer what would be created, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A supervisee the file creates or would create.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedJson {
    /// The spreadsheet row (the headings are row 1).
    pub row: u32,
    pub legal_name: String,
    pub cii: Option<String>,
    pub cdcr: Option<String>,
    pub supervision_kind: String,
    pub supervising_county: String,
    pub supervision_start: NaiveDate,
    /// `team_role: e-mail` for each member put on the team.
    pub team: Vec<String>,
    /// The new record; null on a dry run or when nothing was imported.
    pub supervisee_id: Option<i64>,
}

/// A row whose supervisee is already on file (same CII or CDCR number): left as it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedJson {
    pub row: u32,
    pub supervisee_id: i64,
    pub matched_by: String,
}

/// One problem: `row` null for the whole file; `column` as the file's heading names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblemJson {
    pub row: Option<u32>,
    pub column: Option<String>,
    pub message: String,
}

/// What the import did or would do. With problems the answer is 422, carries `error` and
/// `message` as every error does, and nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadImportJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub agency_id: i64,
    pub dry_run: bool,
    /// Whether the supervisees were written.
    pub committed: bool,
    pub rows: usize,
    pub created: Vec<ImportedJson>,
    pub matched: Vec<MatchedJson>,
    pub problems: Vec<ImportProblemJson>,
}

fn report_json(r: CaseloadImport) -> CaseloadImportJson {
    let failed = !r.problems.is_empty();
    CaseloadImportJson {
        error: failed.then(|| "import_problems".to_owned()),
        message: failed.then(|| {
            format!(
                "nothing was imported: {} problem(s), each with its row and column",
                r.problems.len()
            )
        }),
        agency_id: r.agency_id,
        dry_run: r.dry_run,
        committed: r.committed,
        rows: r.rows,
        created: r
            .created
            .into_iter()
            .map(|c| ImportedJson {
                row: c.row,
                legal_name: c.legal_name,
                cii: c.cii,
                cdcr: c.cdcr,
                supervision_kind: c.kind,
                supervising_county: c.county,
                supervision_start: c.start,
                team: c
                    .team
                    .into_iter()
                    .map(|(role, email)| format!("{}: {email}", role.code()))
                    .collect(),
                supervisee_id: c.supervisee_id,
            })
            .collect(),
        matched: r
            .matched
            .into_iter()
            .map(|m| MatchedJson {
                row: m.row,
                supervisee_id: m.supervisee_id,
                matched_by: m.matched_by.to_owned(),
            })
            .collect(),
        problems: r
            .problems
            .into_iter()
            .map(|p| ImportProblemJson {
                row: p.row,
                column: p.column,
                message: p.message,
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/imports/caseload", tag = "cases", security(("bearer" = [])),
    params(ImportParams),
    request_body(content = Vec<u8>, description = "The caseload file: CSV (UTF-8) or an XLSX workbook (its first sheet), at most 2 MiB, with the headings of the template (/admin/import/template.csv)",
        content_type = "text/csv"),
    responses((status = 200, description = "Imported (or, on a dry run, what would be): every row passed", body = CaseloadImportJson),
              (status = 403, description = "Not an agency administrator of a supervising agency", body = ApiErrorBody),
              (status = 413, description = "Larger than the limit", body = ApiErrorBody),
              (status = 422, description = "Nothing imported: every problem with its row and column", body = CaseloadImportJson)))]
pub(crate) async fn import_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = caller(&identity)?;
    let report = state
        .app
        .import_caseload(actor, None, &body, p.dry_run, Utc::now())
        .await?;
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report_json(report))).into_response())
}
