//! Downloads of the lists people work from, as CSV or XLSX (`?format=csv|xlsx`, CSV by
//! default): each page's list at `<page>/export` with the page's own filters and order, and
//! the same under `/api/v1/.../export`. Each is allowed to whoever may see its page and is
//! audited as an export (`export_caseload`, `export_obligations`, `export_dashboard`,
//! `export_dashboard_list`, `audit_export`) with its format and row count.
//!
//! Notices: the caseload carries the CORI mark when a row shows a Static-99R level (scored from
//! criminal history, as the score page says); the audit search carries the 42 CFR 2.32 notice
//! when an event names a substance-use treatment record. Obligations and the dashboard hold
//! neither (rules, dates, statuses and counts).

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use containment_app::{
    Actor, AppError, AuditExport, DashboardList, Dimension, ExportFormat, ObligationView, RateRow,
    Reading,
};
use containment_domain::case::local_date;
use containment_domain::compliance::ObligationStatus;
use containment_domain::instrument::Instrument;
use serde::Deserialize;

use crate::AppState;
use crate::compliance::{DASHBOARD_READERS, ListQuery, Period, as_of, period};
use crate::error::{ApiError, PageError};
use crate::export::{Cell, Column, Notice, Sheet, XLSX_MAX_ROWS, col, download, table_file};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::audit::{AUDITORS, AuditQuery, to_filter};
use crate::pages::cases::{CaseloadFilters, caseload_query, role_labels};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/caseload/export", Guard::SignedIn, caseload_page)
        .get("/api/v1/caseload/export", Guard::Api, export_caseload)
        .get(
            "/cases/{id}/obligations/export",
            Guard::SignedIn,
            obligations_page,
        )
        .get(
            "/api/v1/supervisees/{id}/obligations/export",
            Guard::Api,
            export_obligations,
        )
        .get(
            "/dashboard/export",
            Guard::AnyRole(DASHBOARD_READERS),
            dashboard_page,
        )
        .get(
            "/api/v1/dashboard/export",
            Guard::ApiRole(DASHBOARD_READERS),
            export_dashboard,
        )
        .get(
            "/dashboard/list/export",
            Guard::AnyRole(DASHBOARD_READERS),
            dashboard_list_page,
        )
        .get(
            "/api/v1/dashboard/list/export",
            Guard::ApiRole(DASHBOARD_READERS),
            export_dashboard_list,
        )
        .get("/audit/export", Guard::AnyRole(AUDITORS), audit_page)
        .get(
            "/api/v1/audit/export",
            Guard::ApiRole(AUDITORS),
            export_audit,
        )
}

/// A page's filters with the format asked for.
#[derive(Debug, Deserialize)]
pub(crate) struct Export<T> {
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    filters: T,
}

fn actor_of(identity: &Identity) -> Result<&Actor, AppError> {
    identity.actor().ok_or(AppError::Unauthenticated)
}

// ---- the caseload ----

const CASELOAD_COLUMNS: &[Column] = &[
    col("supervisee_id", 12),
    col("legal_name", 28),
    col("date_of_birth", 12),
    col("cii_number", 12),
    col("cdcr_number", 12),
    col("supervision_kind", 22),
    col("county", 16),
    col("supervision_start", 14),
    col("my_roles", 22),
    col("team_gaps", 22),
    col("overdue", 9),
    col("missed", 9),
    col("next_due", 12),
    col("next_due_rule", 10),
    col("last_provider_contact", 14),
    col("risk_levels", 40),
];

async fn caseload_file(
    state: &AppState,
    identity: &Identity,
    q: Export<CaseloadFilters>,
) -> Result<Response, AppError> {
    let actor = actor_of(identity)?;
    let format = ExportFormat::parse(&q.format)?;
    let query = caseload_query(&q.filters)?;
    let now = Utc::now();
    let today = local_date(now);
    let (entries, _) = state
        .app
        .caseload_read(actor, &query, now, today, Reading::Export(format))
        .await?;
    let cori = entries
        .iter()
        .any(|e| e.work.risk.iter().any(|(i, _)| *i == Instrument::Static99r));
    let notices: &[Notice] = if cori { &[Notice::Cori] } else { &[] };
    let rows = entries.into_iter().map(|e| {
        let w = &e.work;
        let risk = w
            .risk
            .iter()
            .filter_map(|(i, level)| {
                let label = containment_app::level_label(*i, level);
                (!label.is_empty()).then(|| format!("{}: {label}", i.label()))
            })
            .collect::<Vec<_>>()
            .join("; ");
        // What the page hides from someone who may not read the obligations stays out.
        let readable = w.overdue.is_some();
        vec![
            Cell::int(e.row.supervisee_id),
            Cell::text(e.row.legal_name),
            Cell::Date(e.row.date_of_birth),
            Cell::text(e.row.cii.unwrap_or_default()),
            Cell::text(e.row.cdcr.unwrap_or_default()),
            Cell::text(e.row.kind.label()),
            Cell::text(e.row.county),
            Cell::Date(e.row.start_date),
            Cell::text(role_labels(&e.my_roles)),
            Cell::text(role_labels(&e.team_gaps)),
            w.overdue.map_or(Cell::Empty, Cell::count),
            if readable {
                Cell::count(w.missed)
            } else {
                Cell::Empty
            },
            Cell::date(w.next_due.filter(|_| readable).map(|(d, _)| d)),
            w.next_due
                .filter(|_| readable)
                .map_or(Cell::Empty, |(_, r)| Cell::text(r.code())),
            Cell::date(w.last_provider_contact.filter(|_| readable)),
            Cell::text(risk),
        ]
    });
    let file = table_file(format, "Caseload", CASELOAD_COLUMNS, notices, rows)?;
    Ok(download(
        format,
        &format!("caseload-{today}"),
        notices,
        file,
    ))
}

async fn caseload_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<CaseloadFilters>>,
) -> Result<Response, PageError> {
    Ok(caseload_file(&state, &identity, q).await?)
}

#[utoipa::path(get, path = "/api/v1/caseload/export", tag = "exports", security(("bearer" = [])),
    params(
        ("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`"),
        ("q" = Option<String>, Query, description = "Name, alias, CII, CDCR or court case number"),
        ("county" = Option<String>, Query, description = "County of supervision"),
        ("kind" = Option<String>, Query, description = "Supervision kind code"),
        ("gaps" = Option<String>, Query, description = "Non-empty: only cases whose team lacks a role"),
        ("waiver" = Option<String>, Query, description = "Non-empty: only cases without a court waiver in force"),
        ("sort" = Option<String>, Query, description = "`urgency` (default), `name`, `start` or `county`"),
    ),
    responses((status = 200, description = "Every case of the caller's caseload (all pages), in the caseload's order; CORI-marked when a Static-99R level is shown", content_type = "text/csv"),
              (status = 422, description = "A filter or the format is not valid", body = crate::error::ApiErrorBody)))]
pub(crate) async fn export_caseload(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<CaseloadFilters>>,
) -> Result<Response, ApiError> {
    Ok(caseload_file(&state, &identity, q).await?)
}

// ---- obligations (a case's, and the dashboard's list) ----

const OBLIGATION_COLUMNS: &[Column] = &[
    col("supervisee_id", 12),
    col("supervisee", 28),
    col("rule", 6),
    col("obligation", 40),
    col("key", 24),
    col("due", 12),
    col("status", 14),
    col("met_on", 12),
    col("responsible", 30),
    col("explanation", 80),
];

fn obligation_row(v: &ObligationView) -> Vec<Cell> {
    let line = crate::compliance::line(v);
    let o = &v.obligation;
    vec![
        Cell::int(v.supervisee_id),
        Cell::text(line.case_name),
        Cell::text(line.rule),
        Cell::text(line.rule_label),
        Cell::text(line.key),
        Cell::date(o.due),
        Cell::text(line.status),
        Cell::date(o.met_on),
        Cell::text(line.who),
        Cell::text(line.explanation),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AsOfFilter {
    as_of: String,
}

async fn obligations_file(
    state: &AppState,
    identity: &Identity,
    id: i64,
    q: Export<AsOfFilter>,
) -> Result<Response, AppError> {
    let actor = actor_of(identity)?;
    let format = ExportFormat::parse(&q.format)?;
    let date = as_of(&q.filters.as_of)?;
    let list = state
        .app
        .case_obligations_read(actor, id, date, Utc::now(), Reading::Export(format))
        .await?;
    let file = table_file(
        format,
        "Obligations",
        OBLIGATION_COLUMNS,
        &[],
        list.iter().map(obligation_row),
    )?;
    Ok(download(
        format,
        &format!("obligations-case-{id}-{date}"),
        &[],
        file,
    ))
}

async fn obligations_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<Export<AsOfFilter>>,
) -> Result<Response, PageError> {
    Ok(obligations_file(&state, &identity, id, q).await?)
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/obligations/export", tag = "exports", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"),
           ("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`"),
           ("as_of" = Option<String>, Query, description = "Evaluate as of this day (YYYY-MM-DD); default today")),
    responses((status = 200, description = "Every obligation of the case, overdue first", content_type = "text/csv"),
              (status = 404, description = "No such case for the caller", body = crate::error::ApiErrorBody)))]
pub(crate) async fn export_obligations(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<Export<AsOfFilter>>,
) -> Result<Response, ApiError> {
    Ok(obligations_file(&state, &identity, id, q).await?)
}

// ---- the dashboard ----

const DASHBOARD_COLUMNS: &[Column] = &[
    col("section", 10),
    col("key", 14),
    col("label", 32),
    col("rate_percent", 12),
    col("met_on_time", 12),
    col("met_late", 10),
    col("overdue", 10),
    col("missed", 10),
    col("open", 10),
    col("exempted", 10),
    col("due_from", 12),
    col("due_to", 12),
];

fn rate_row(section: &str, r: &RateRow, from: NaiveDate, to: NaiveDate) -> Vec<Cell> {
    vec![
        Cell::text(section),
        Cell::text(&r.key),
        Cell::text(&r.label),
        r.rate()
            .map_or(Cell::Empty, |v| Cell::Number((v * 10.0).round() / 10.0)),
        Cell::count(r.met_on_time),
        Cell::count(r.met_late),
        Cell::count(r.overdue),
        Cell::count(r.missed),
        Cell::count(r.open),
        Cell::count(r.exempted),
        Cell::Date(from),
        Cell::Date(to),
    ]
}

async fn dashboard_file(
    state: &AppState,
    identity: &Identity,
    q: Export<Period>,
) -> Result<Response, AppError> {
    let actor = actor_of(identity)?;
    let format = ExportFormat::parse(&q.format)?;
    let (from, to) = period(&q.filters)?;
    let d = state
        .app
        .dashboard_read(actor, from, to, Utc::now(), Reading::Export(format))
        .await?;
    let mut rows = vec![rate_row("total", &d.total, from, to)];
    for (section, list) in [
        ("rule", &d.by_rule),
        ("officer", &d.by_officer),
        ("provider", &d.by_provider),
        ("county", &d.by_county),
    ] {
        rows.extend(list.iter().map(|r| rate_row(section, r, from, to)));
    }
    let file = table_file(format, "Compliance", DASHBOARD_COLUMNS, &[], rows)?;
    Ok(download(
        format,
        &format!("dashboard-{from}-to-{to}"),
        &[],
        file,
    ))
}

async fn dashboard_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<Period>>,
) -> Result<Response, PageError> {
    Ok(dashboard_file(&state, &identity, q).await?)
}

#[utoipa::path(get, path = "/api/v1/dashboard/export", tag = "exports", security(("bearer" = [])),
    params(("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`"), Period),
    responses((status = 200, description = "The dashboard's figures: the total, then by rule, officer, provider and county", content_type = "text/csv"),
              (status = 403, description = "Not an officer supervisor or agency admin", body = crate::error::ApiErrorBody)))]
pub(crate) async fn export_dashboard(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<Period>>,
) -> Result<Response, ApiError> {
    Ok(dashboard_file(&state, &identity, q).await?)
}

async fn dashboard_list_file(
    state: &AppState,
    identity: &Identity,
    q: Export<ListQuery>,
) -> Result<Response, AppError> {
    let actor = actor_of(identity)?;
    let format = ExportFormat::parse(&q.format)?;
    let f = &q.filters;
    let (from, to) = period(&Period {
        from: f.from.clone(),
        to: f.to.clone(),
    })?;
    let dimension = Dimension::parse(if f.dimension.is_empty() {
        "rule"
    } else {
        &f.dimension
    })?;
    let status = match f.status.trim() {
        "" => None,
        s => Some(s.parse::<ObligationStatus>().map_err(AppError::from)?),
    };
    let list = DashboardList {
        from,
        to,
        dimension,
        value: &f.value,
        status,
    };
    let rows = state
        .app
        .dashboard_list_read(actor, &list, Utc::now(), Reading::Export(format))
        .await?;
    let file = table_file(
        format,
        "Obligations",
        OBLIGATION_COLUMNS,
        &[],
        rows.iter().map(obligation_row),
    )?;
    Ok(download(
        format,
        &format!("dashboard-list-{from}-to-{to}"),
        &[],
        file,
    ))
}

async fn dashboard_list_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<ListQuery>>,
) -> Result<Response, PageError> {
    Ok(dashboard_list_file(&state, &identity, q).await?)
}

#[utoipa::path(get, path = "/api/v1/dashboard/list/export", tag = "exports", security(("bearer" = [])),
    params(("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`"),
           ("from" = Option<String>, Query, description = "First due date counted (YYYY-MM-DD)"),
           ("to" = Option<String>, Query, description = "Last due date counted"),
           ("dimension" = Option<String>, Query, description = "`rule` (default), `officer`, `provider` or `county`"),
           ("value" = Option<String>, Query, description = "The figure's key in the dimension; empty for all"),
           ("status" = Option<String>, Query, description = "Only obligations in this status")),
    responses((status = 200, description = "The obligations behind a figure of the dashboard", content_type = "text/csv"),
              (status = 403, description = "Not an officer supervisor or agency admin", body = crate::error::ApiErrorBody)))]
pub(crate) async fn export_dashboard_list(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<ListQuery>>,
) -> Result<Response, ApiError> {
    Ok(dashboard_list_file(&state, &identity, q).await?)
}

// ---- the audit trail ----

const AUDIT_COLUMNS: &[Column] = &[
    col("seq", 10),
    col("at_utc", 20),
    col("actor_user_id", 12),
    col("session_id", 10),
    col("token_id", 10),
    col("client", 16),
    col("action", 24),
    col("object_kind", 14),
    col("object_id", 12),
    col("outcome", 10),
    col("waiver_id", 10),
    col("detail", 50),
    col("prev_hash", 20),
    col("hash", 20),
];

fn audit_row(e: &containment_domain::audit::StoredAuditEvent) -> Vec<Cell> {
    let c = &e.content;
    let id = |v: Option<i64>| v.map_or(Cell::Empty, Cell::int);
    let text = |v: &Option<String>| Cell::text(v.clone().unwrap_or_default());
    vec![
        Cell::int(c.seq),
        DateTime::<Utc>::from_timestamp_millis(c.at_ms)
            .map_or(Cell::Empty, |t| Cell::Timestamp(t.naive_utc())),
        id(c.actor_user_id),
        id(c.session_id),
        id(c.token_id),
        text(&c.client_addr),
        Cell::text(&c.action),
        text(&c.object_kind),
        text(&c.object_id),
        Cell::text(&c.outcome),
        id(c.waiver_id),
        text(&c.detail),
        Cell::text(&e.prev_hash),
        Cell::text(&e.hash),
    ]
}

/// The CSV of an audit export on its way out, one batch of events at a time.
async fn next_chunk(
    (mut export, mut sheet): (AuditExport, Sheet),
) -> Option<(Result<bytes::Bytes, std::io::Error>, (AuditExport, Sheet))> {
    let batch = match export.next_batch().await {
        Ok(b) => b,
        Err(e) => {
            // A failure ends the stream with an error, so the download is visibly cut short
            // rather than silently incomplete.
            tracing::error!(code = e.code(), "the audit export stopped");
            return Some((Err(std::io::Error::other(e.code())), (export, sheet)));
        }
    };
    let done = batch.is_none();
    for e in batch.iter().flatten() {
        if let Err(e) = sheet.row(&audit_row(e)) {
            return Some((Err(std::io::Error::other(e.code())), (export, sheet)));
        }
    }
    match sheet.take_chunk() {
        Ok(chunk) if chunk.is_empty() && done => None,
        Ok(chunk) => Some((Ok(chunk.into()), (export, sheet))),
        Err(e) => Some((Err(std::io::Error::other(e.code())), (export, sheet))),
    }
}

async fn audit_file(
    state: &AppState,
    identity: &Identity,
    q: Export<AuditQuery>,
) -> Result<Response, AppError> {
    let actor = actor_of(identity)?;
    let format = ExportFormat::parse(&q.format)?;
    let filter = to_filter(state, actor, &q.filters)
        .await
        .map_err(AppError::invalid)?;
    let max_rows = (format == ExportFormat::Xlsx).then_some(XLSX_MAX_ROWS);
    let mut export = state
        .app
        .audit_export(actor, &filter, format, max_rows, Utc::now())
        .await?;
    let notices: &[Notice] = if export.names_substance_use {
        &[Notice::Part2]
    } else {
        &[]
    };
    let stem = format!("audit-{}", local_date(Utc::now()));
    let mut sheet = Sheet::new(format, "Audit trail", AUDIT_COLUMNS, notices)?;
    match format {
        // Streamed from one snapshot: memory bounded by one batch whatever the trail's length.
        ExportFormat::Csv => {
            let body = Body::from_stream(futures_util::stream::unfold((export, sheet), next_chunk));
            Ok(download(format, &stem, notices, body))
        }
        // Bounded by XLSX_MAX_ROWS, checked before the export started.
        ExportFormat::Xlsx => {
            while let Some(batch) = export.next_batch().await? {
                for e in &batch {
                    sheet.row(&audit_row(e))?;
                }
            }
            Ok(download(format, &stem, notices, sheet.finish()?))
        }
    }
}

async fn audit_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<AuditQuery>>,
) -> Result<Response, PageError> {
    Ok(audit_file(&state, &identity, q).await?)
}

#[utoipa::path(get, path = "/api/v1/audit/export", tag = "exports", security(("bearer" = [])),
    params(("format" = Option<String>, Query, description = "`csv` (default, streamed) or `xlsx` (at most 100,000 events)"),
           ("user" = Option<String>, Query, description = "E-mail address of the acting account"),
           ("object_kind" = Option<String>, Query, description = "e.g. `supervisee`"),
           ("object_id" = Option<String>, Query, description = "The object's id"),
           ("outcome" = Option<String>, Query, description = "`success`, `denied` or `failure`"),
           ("from" = Option<String>, Query, description = "First day (YYYY-MM-DD, UTC)"),
           ("to" = Option<String>, Query, description = "Last day, inclusive")),
    responses((status = 200, description = "Every matching audit event, newest first; with the 42 CFR 2.32 notice when one names a substance-use record", content_type = "text/csv"),
              (status = 403, description = "Not an auditor", body = crate::error::ApiErrorBody),
              (status = 422, description = "A filter or the format is not valid, or too many events for XLSX", body = crate::error::ApiErrorBody)))]
pub(crate) async fn export_audit(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Export<AuditQuery>>,
) -> Result<Response, ApiError> {
    Ok(audit_file(&state, &identity, q).await?)
}
