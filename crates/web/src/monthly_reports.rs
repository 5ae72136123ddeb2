//! The Monthly Progress/Communication Report on the web and through the JSON API: the list of a
//! case's reports, the provider's form (pre-filled from the record), signing, the officer's
//! acknowledgement, corrections as new versions, and the printable PDF.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use containment_app::{
    Actor, AppError, MonthlyReportDetail, MonthlyReportInput, MonthlyReportView, ReportContent,
};
use containment_domain::case::local_date;
use containment_domain::monthly_report::{ReportMonth, ReportStatus};
use containment_domain::treatment::SessionCounts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError, form_errors};
use crate::extract::{ApiJson, ApiQuery, caller};
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/cases/{id}/monthly-reports", Guard::SignedIn, list_page)
        .post("/cases/{id}/monthly-reports", Guard::SignedIn, create)
        .get("/cases/{id}/monthly-reports/new", Guard::SignedIn, new_page)
        .get(
            "/cases/{id}/monthly-reports/{report}",
            Guard::SignedIn,
            report_page,
        )
        .post(
            "/cases/{id}/monthly-reports/{report}",
            Guard::SignedIn,
            update,
        )
        .get(
            "/cases/{id}/monthly-reports/{report}/check",
            Guard::SignedIn,
            check_page,
        )
        .post(
            "/cases/{id}/monthly-reports/{report}/sign",
            Guard::SignedIn,
            sign,
        )
        .post(
            "/cases/{id}/monthly-reports/{report}/acknowledge",
            Guard::SignedIn,
            acknowledge,
        )
        .post(
            "/cases/{id}/monthly-reports/{report}/correct",
            Guard::SignedIn,
            correct,
        )
        .get(
            "/cases/{id}/monthly-reports/{report}/report.pdf",
            Guard::SignedIn,
            pdf_page,
        )
        .get(
            "/api/v1/supervisees/{id}/monthly-reports",
            Guard::Api,
            list_api,
        )
        .post(
            "/api/v1/supervisees/{id}/monthly-reports",
            Guard::Api,
            create_api,
        )
        .get(
            "/api/v1/supervisees/{id}/monthly-reports/prefill",
            Guard::Api,
            prefill_api,
        )
        .get(
            "/api/v1/supervisees/{id}/monthly-reports/{report}",
            Guard::Api,
            report_api,
        )
        .put(
            "/api/v1/supervisees/{id}/monthly-reports/{report}",
            Guard::Api,
            update_api,
        )
        .post(
            "/api/v1/supervisees/{id}/monthly-reports/{report}/submit",
            Guard::Api,
            submit_api,
        )
        .post(
            "/api/v1/supervisees/{id}/monthly-reports/{report}/acknowledge",
            Guard::Api,
            acknowledge_api,
        )
        .post(
            "/api/v1/supervisees/{id}/monthly-reports/{report}/correct",
            Guard::Api,
            correct_api,
        )
        .get(
            "/api/v1/supervisees/{id}/monthly-reports/{report}/report.pdf",
            Guard::Api,
            pdf_api,
        )
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(crate::pages::account::when).unwrap_or_default()
}

/// One row of the list, or one version in a report's history.
struct Line {
    id: i64,
    month: String,
    version: i32,
    status: &'static str,
    provider: String,
    signed: String,
    acknowledged: String,
    superseded: bool,
}

impl Line {
    fn of(v: &MonthlyReportView) -> Line {
        let r = &v.record;
        Line {
            id: r.id,
            month: r.month.label(),
            version: r.version,
            status: r.status.label(),
            provider: v.provider_name.clone(),
            signed: stamp(r.signed_at),
            acknowledged: stamp(r.acknowledged_at),
            superseded: v.superseded_by.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "monthly_reports.html")]
struct ListPage {
    layout: Layout,
    case_id: i64,
    reports: Option<Vec<Line>>,
    may_draft: bool,
    current_month: String,
}

/// The sections of the form, in the order of the printed report.
struct Section {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
}

fn sections(i: &MonthlyReportInput) -> Vec<Section> {
    vec![
        Section {
            name: "participation",
            label: "Participation and progress on treatment modules and targets",
            hint: "Required to sign.",
            value: i.participation.clone(),
        },
        Section {
            name: "dynamic_risk",
            label: "Changes in dynamic risk factors",
            hint: "",
            value: i.dynamic_risk.clone(),
        },
        Section {
            name: "polygraph",
            label: "Polygraph results and disclosures this month",
            hint: "Filled in from the exams recorded this month.",
            value: i.polygraph.clone(),
        },
        Section {
            name: "contract_compliance",
            label: "Compliance with the treatment contract",
            hint: "",
            value: i.contract_compliance.clone(),
        },
        Section {
            name: "self_reports",
            label: "Self-reports",
            hint: "Filled in from the self-reports recorded this month.",
            value: i.self_reports.clone(),
        },
        Section {
            name: "concerns",
            label: "Concerns and recommendations",
            hint: "Required to sign; write \"none\" if there are none.",
            value: i.concerns.clone(),
        },
    ]
}

#[derive(Template)]
#[template(path = "monthly_report_form.html")]
struct FormPage {
    layout: Layout,
    case_id: i64,
    /// `None` for a new report, else the draft being edited and its revision.
    report: Option<(i64, i32)>,
    month: String,
    month_label: String,
    input: MonthlyReportInput,
    sections: Vec<Section>,
    notice: Option<&'static str>,
    errors: crate::error::FormErrors,
}

#[derive(Template)]
#[template(path = "monthly_report.html")]
struct ReportPage {
    layout: Layout,
    case_id: i64,
    id: i64,
    supervisee: String,
    month: String,
    version: i32,
    status: &'static str,
    provider: String,
    officer: String,
    signed: String,
    acknowledged: String,
    acknowledged_by: String,
    counts: SessionCounts,
    sections: Vec<Section>,
    officer_section: String,
    locked: bool,
    corrects: Option<(i64, i32)>,
    superseded_by: Option<(i64, i32)>,
    may_acknowledge: bool,
    may_correct: bool,
    versions: Vec<Line>,
    notice: Option<&'static str>,
    errors: crate::error::FormErrors,
}

fn input_of(p: &[(String, String)], month: String) -> MonthlyReportInput {
    MonthlyReportInput {
        month,
        scheduled: field(p, "scheduled"),
        attended: field(p, "attended"),
        missed: field(p, "missed"),
        excused: field(p, "excused"),
        participation: field(p, "participation"),
        dynamic_risk: field(p, "dynamic_risk"),
        polygraph: field(p, "polygraph"),
        contract_compliance: field(p, "contract_compliance"),
        self_reports: field(p, "self_reports"),
        concerns: field(p, "concerns"),
    }
}

fn form_page(
    identity: &Identity,
    case_id: i64,
    report: Option<(i64, i32)>,
    input: MonthlyReportInput,
    notice: Option<&'static str>,
    errors: crate::error::FormErrors,
) -> Response {
    let month_label = input
        .month
        .parse::<ReportMonth>()
        .map(ReportMonth::label)
        .unwrap_or_else(|_| input.month.clone());
    render(&FormPage {
        layout: Layout::new(
            format!("Monthly report: {month_label}"),
            "caseload",
            identity,
        ),
        case_id,
        report,
        month: input.month.clone(),
        month_label,
        sections: sections(&input),
        input,
        notice,
        errors,
    })
}

async fn list_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.monthly_reports(actor, id, Utc::now()).await?;
    Ok(render(&ListPage {
        layout: Layout::new("Monthly progress reports", "caseload", &identity),
        case_id: id,
        reports: v
            .reports
            .as_ref()
            .map(|list| list.iter().map(Line::of).collect()),
        may_draft: v.may_draft,
        current_month: v.current_month.map(|m| m.to_string()).unwrap_or_default(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; the current month when empty.
    pub month: String,
}

fn month_or_current(q: &MonthQuery) -> Result<ReportMonth, AppError> {
    if q.month.trim().is_empty() {
        return Ok(ReportMonth::of(local_date(Utc::now())));
    }
    Ok(q.month.parse::<ReportMonth>()?)
}

async fn new_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let month = month_or_current(&q)?;
    let content = state
        .app
        .monthly_report_prefill(actor, id, month, Utc::now())
        .await?;
    Ok(form_page(
        &identity,
        id,
        None,
        MonthlyReportInput::from_content(month, &content),
        None,
        crate::error::FormErrors::new(),
    ))
}

/// The form's second button saves the draft and goes on to "check your answers": nothing is
/// signed from the form itself, only from that page's button.
fn wants_review(p: &[(String, String)]) -> bool {
    field(p, "action") == "review"
}

fn to_report(case_id: i64, report: i64, notice: &str) -> Response {
    Redirect::to(&format!(
        "/cases/{case_id}/monthly-reports/{report}?notice={notice}"
    ))
    .into_response()
}

fn to_check(case_id: i64, report: i64) -> Response {
    Redirect::to(&format!("/cases/{case_id}/monthly-reports/{report}/check")).into_response()
}

async fn create(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = input_of(&p, field(&p, "month"));
    let review = wants_review(&p);
    match p
        .submit(
            state
                .app
                .draft_monthly_report(actor, id, &input, false, Utc::now()),
        )
        .await
    {
        Ok(report) if review => Ok(to_check(id, report)),
        Ok(report) => Ok(to_report(id, report, "saved")),
        Err(e) => Ok(form_page(&identity, id, None, input, None, form_errors(e)?)),
    }
}

async fn update(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let revision = field(&p, "revision").parse().unwrap_or(0);
    let input = input_of(&p, field(&p, "month"));
    let review = wants_review(&p);
    match p
        .submit(state.app.update_monthly_report(
            actor,
            id,
            report,
            revision,
            &input,
            false,
            Utc::now(),
        ))
        .await
    {
        Ok(_) if review => Ok(to_check(id, report)),
        Ok(_) => Ok(to_report(id, report, "saved")),
        Err(e) => Ok(form_page(
            &identity,
            id,
            Some((report, revision)),
            input,
            None,
            form_errors(e)?,
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoticeQuery {
    notice: String,
}

fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "saved" => Some("Draft saved."),
        "signed" => Some("Report signed and submitted to the officer."),
        "acknowledged" => Some("Report acknowledged. It is now locked."),
        "corrected" => {
            Some("A new version was started from the signed one: correct it and sign it.")
        }
        _ => None,
    }
}

async fn report_page_for(
    state: &AppState,
    identity: &Identity,
    actor: &Actor,
    id: i64,
    report: i64,
    notice: Option<&'static str>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let d: MonthlyReportDetail = state
        .app
        .monthly_report(actor, id, report, false, Utc::now())
        .await?;
    let r = &d.report.record;
    if d.report.may_edit {
        let mut input = MonthlyReportInput::from_content(r.month, &r.content);
        input.month = r.month.to_string();
        return Ok(form_page(
            identity,
            id,
            Some((r.id, r.revision)),
            input,
            notice,
            errors,
        ));
    }
    let version_of = |rid: i64| {
        d.versions
            .iter()
            .find(|v| v.record.id == rid)
            .map(|v| (rid, v.record.version))
    };
    Ok(render(&ReportPage {
        layout: Layout::new(
            format!("Monthly report: {}", r.month.label()),
            "caseload",
            identity,
        ),
        case_id: id,
        id: r.id,
        supervisee: d.supervisee_name.clone(),
        month: r.month.label(),
        version: r.version,
        status: r.status.label(),
        provider: d.report.provider_name.clone(),
        officer: d.report.officer_name.clone(),
        signed: stamp(r.signed_at),
        acknowledged: stamp(r.acknowledged_at),
        acknowledged_by: d.report.acknowledged_by_name.clone(),
        counts: r.content.sessions,
        sections: sections(&MonthlyReportInput::from_content(r.month, &r.content)),
        officer_section: r.officer_section.clone(),
        locked: r.status == ReportStatus::Acknowledged,
        corrects: r.corrects_id.and_then(version_of),
        superseded_by: d.report.superseded_by.and_then(version_of),
        may_acknowledge: d.report.may_acknowledge,
        may_correct: d.report.may_correct,
        versions: d.versions.iter().map(Line::of).collect(),
        notice,
        errors,
    }))
}

async fn report_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    report_page_for(
        &state,
        &identity,
        actor,
        id,
        report,
        notice_text(&q.notice),
        crate::error::FormErrors::new(),
    )
    .await
}

async fn acknowledge(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    match p
        .submit(state.app.acknowledge_monthly_report(
            actor,
            id,
            report,
            &field(&p, "officer_section"),
            Utc::now(),
        ))
        .await
    {
        Ok(()) => Ok(to_report(id, report, "acknowledged")),
        Err(e) => {
            let errors = form_errors(e)?;
            report_page_for(&state, &identity, actor, id, report, None, errors).await
        }
    }
}

async fn correct(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    match state
        .app
        .correct_monthly_report(actor, id, report, Utc::now())
        .await
    {
        Ok(new) => Ok(to_report(id, new, "corrected")),
        Err(e) => {
            let errors = form_errors(e)?;
            report_page_for(&state, &identity, actor, id, report, None, errors).await
        }
    }
}

/// "Check your answers": the draft as it will be signed, each part with a link back to its place
/// on the form, and the one button that signs.
#[derive(Template)]
#[template(path = "monthly_report_check.html")]
struct CheckPage {
    layout: Layout,
    case_id: i64,
    id: i64,
    revision: i32,
    supervisee: String,
    month: String,
    officer: String,
    counts: SessionCounts,
    sections: Vec<Section>,
    errors: crate::error::FormErrors,
}

async fn check_page_for(
    state: &AppState,
    identity: &Identity,
    actor: &Actor,
    id: i64,
    report: i64,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let d = state
        .app
        .monthly_report(actor, id, report, false, Utc::now())
        .await?;
    let r = &d.report.record;
    // Only the author's draft is signed here; anything else is shown as it stands.
    if !d.report.may_edit {
        return Ok(to_report(id, report, ""));
    }
    // A report not ready to sign goes back to its form, with what it lacks at each field.
    if let Err(e) = containment_app::monthly_report_signable(&r.content) {
        return report_page_for(state, identity, actor, id, report, None, form_errors(e)?).await;
    }
    Ok(render(&CheckPage {
        layout: Layout::new(
            format!("Check your answers: monthly report, {}", r.month.label()),
            "caseload",
            identity,
        ),
        case_id: id,
        id: r.id,
        revision: r.revision,
        supervisee: d.supervisee_name.clone(),
        month: r.month.label(),
        officer: d.report.officer_name.clone(),
        counts: r.content.sessions,
        sections: sections(&MonthlyReportInput::from_content(r.month, &r.content)),
        errors,
    }))
}

async fn check_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    check_page_for(
        &state,
        &identity,
        actor,
        id,
        report,
        crate::error::FormErrors::new(),
    )
    .await
}

/// The button of "check your answers": signs the draft exactly as it was shown (its revision).
async fn sign(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let revision = field(&p, "revision").parse().unwrap_or(0);
    match p
        .submit(
            state
                .app
                .submit_monthly_report(actor, id, report, revision, Utc::now()),
        )
        .await
    {
        Ok(_) => Ok(to_report(id, report, "signed")),
        // Changed since it was shown (another tab, another save): show it again as it now is.
        Err(AppError::Stale { .. }) => {
            let errors = form_errors(AppError::Conflict(
                "the report changed after it was shown to you: check the answers below again \
                 before signing"
                    .into(),
            ))?;
            check_page_for(&state, &identity, actor, id, report, errors).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            report_page_for(&state, &identity, actor, id, report, None, errors).await
        }
    }
}

/// The printed report, for whoever may export it.
async fn pdf_response(
    state: &AppState,
    actor: &Actor,
    id: i64,
    report: i64,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let d = state
        .app
        .monthly_report(actor, id, report, true, now)
        .await?;
    let r = &d.report.record;
    let version_note = match (r.corrects_id, d.report.superseded_by) {
        (_, Some(newer)) => d
            .versions
            .iter()
            .find(|v| v.record.id == newer)
            .map(|v| format!("Superseded by version {}", v.record.version))
            .unwrap_or_default(),
        (Some(_), None) => format!("Corrects version {}", r.version - 1),
        (None, None) => String::new(),
    };
    let c = &r.content;
    let printed = containment_reports::MonthlyReport {
        generated: stamp(Some(now)),
        status: r.status.label().to_owned(),
        version: r.version.to_string(),
        version_note,
        month: r.month.label(),
        supervisee: d.supervisee_name.clone(),
        cii: d.cii.clone(),
        provider: d.report.provider_name.clone(),
        officer: d.report.officer_name.clone(),
        scheduled: c.sessions.scheduled.to_string(),
        attended: c.sessions.attended.to_string(),
        missed: c.sessions.missed.to_string(),
        excused: c.sessions.excused.to_string(),
        participation: c.participation.clone(),
        dynamic_risk: c.dynamic_risk.clone(),
        polygraph: c.polygraph.clone(),
        contract_compliance: c.contract_compliance.clone(),
        self_reports: c.self_reports.clone(),
        concerns: c.concerns.clone(),
        signed: stamp(r.signed_at),
        acknowledged_by: d.report.acknowledged_by_name.clone(),
        acknowledged: stamp(r.acknowledged_at),
        officer_section: r.officer_section.clone(),
    };
    let filename = format!("monthly-report-{}-v{}.pdf", r.month, r.version);
    crate::pages::typeset_pdf(
        move || containment_reports::monthly_report_pdf(&printed),
        filename,
    )
    .await
}

async fn pdf_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    Ok(pdf_response(&state, actor, id, report).await?)
}

// ---------------------------------------------------------------- JSON API

#[derive(Debug, Serialize, Deserialize, ToSchema, Default, Clone, Copy)]
pub struct SessionCountsJson {
    pub scheduled: u32,
    pub attended: u32,
    pub missed: u32,
    pub excused: u32,
}

impl From<SessionCounts> for SessionCountsJson {
    fn from(c: SessionCounts) -> Self {
        SessionCountsJson {
            scheduled: c.scheduled,
            attended: c.attended,
            missed: c.missed,
            excused: c.excused,
        }
    }
}

/// What a report says; the same on every version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportContentJson {
    pub sessions: SessionCountsJson,
    pub participation: String,
    pub dynamic_risk: String,
    pub polygraph: String,
    pub contract_compliance: String,
    pub self_reports: String,
    pub concerns: String,
}

impl From<&ReportContent> for ReportContentJson {
    fn from(c: &ReportContent) -> Self {
        ReportContentJson {
            sessions: c.sessions.into(),
            participation: c.participation.clone(),
            dynamic_risk: c.dynamic_risk.clone(),
            polygraph: c.polygraph.clone(),
            contract_compliance: c.contract_compliance.clone(),
            self_reports: c.self_reports.clone(),
            concerns: c.concerns.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyReportJson {
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub version: i32,
    /// `draft`, `submitted` or `acknowledged` (locked).
    pub status: String,
    pub corrects_id: Option<i64>,
    pub superseded_by: Option<i64>,
    pub provider_user_id: i64,
    pub provider: String,
    pub officer_user_id: Option<i64>,
    pub officer: String,
    pub content: ReportContentJson,
    pub officer_section: String,
    pub signed_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Send it back with a change to a draft.
    pub revision: i32,
}

impl From<&MonthlyReportView> for MonthlyReportJson {
    fn from(v: &MonthlyReportView) -> Self {
        let r = &v.record;
        MonthlyReportJson {
            id: r.id,
            month: r.month.to_string(),
            version: r.version,
            status: r.status.code().to_owned(),
            corrects_id: r.corrects_id,
            superseded_by: v.superseded_by,
            provider_user_id: r.provider_user_id,
            provider: v.provider_name.clone(),
            officer_user_id: r.officer_user_id,
            officer: v.officer_name.clone(),
            content: (&r.content).into(),
            officer_section: r.officer_section.clone(),
            signed_at: r.signed_at,
            acknowledged_by: r.acknowledged_by,
            acknowledged_at: r.acknowledged_at,
            revision: r.revision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyReportsJson {
    /// The newest version of each month; null when no waiver lets the caller read monthly
    /// reports.
    pub reports: Option<Vec<MonthlyReportJson>>,
    pub may_draft: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyReportDetailJson {
    pub report: MonthlyReportJson,
    /// Every version of the month the caller may see, newest first.
    pub versions: Vec<MonthlyReportJson>,
}

/// A report's problems under the API's names: the counts are members of `sessions`.
fn api_fields(e: AppError) -> AppError {
    e.renamed(&[
        ("scheduled", "sessions.scheduled"),
        ("attended", "sessions.attended"),
        ("missed", "sessions.missed"),
        ("excused", "sessions.excused"),
    ])
}

/// A report as written. Omitted session counts are taken from the sessions recorded.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MonthlyReportBody {
    /// `YYYY-MM`; ignored when changing a draft, which keeps its month.
    #[serde(default)]
    pub month: String,
    /// Only when changing a draft: the revision it was read at.
    #[serde(default)]
    pub revision: i32,
    pub sessions: Option<SessionCountsJson>,
    #[serde(default)]
    pub participation: String,
    #[serde(default)]
    pub dynamic_risk: String,
    #[serde(default)]
    pub polygraph: String,
    #[serde(default)]
    pub contract_compliance: String,
    #[serde(default)]
    pub self_reports: String,
    #[serde(default)]
    pub concerns: String,
    /// Sign and submit it to the officer now.
    #[serde(default)]
    pub submit: bool,
}

impl MonthlyReportBody {
    fn input(&self, month: String, sessions: SessionCountsJson) -> MonthlyReportInput {
        MonthlyReportInput {
            month,
            scheduled: sessions.scheduled.to_string(),
            attended: sessions.attended.to_string(),
            missed: sessions.missed.to_string(),
            excused: sessions.excused.to_string(),
            participation: self.participation.clone(),
            dynamic_risk: self.dynamic_risk.clone(),
            polygraph: self.polygraph.clone(),
            contract_compliance: self.contract_compliance.clone(),
            self_reports: self.self_reports.clone(),
            concerns: self.concerns.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevisionBody {
    pub revision: i32,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AcknowledgementBody {
    /// The officer's section of the report.
    #[serde(default)]
    pub officer_section: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportIdJson {
    pub id: i64,
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/monthly-reports", tag = "treatment", operation_id = "list_monthly_reports", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "The newest version of each month's report, through the waiver wall; drafts only to the provider", body = MonthlyReportsJson),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn list_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<MonthlyReportsJson>, ApiError> {
    let actor = caller(&identity)?;
    let v = state.app.monthly_reports(actor, id, Utc::now()).await?;
    Ok(Json(MonthlyReportsJson {
        reports: v
            .reports
            .as_ref()
            .map(|l| l.iter().map(MonthlyReportJson::from).collect()),
        may_draft: v.may_draft,
    }))
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/monthly-reports/prefill", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), MonthQuery),
    responses((status = 200, description = "What the record says of the month: session counts, exams, self-reports", body = ReportContentJson),
              (status = 403, description = "Only the provider on the team writes reports", body = ApiErrorBody)))]
pub(crate) async fn prefill_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<ReportContentJson>, ApiError> {
    let actor = caller(&identity)?;
    let month = month_or_current(&q)?;
    let c = state
        .app
        .monthly_report_prefill(actor, id, month, Utc::now())
        .await?;
    Ok(Json((&c).into()))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/monthly-reports", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = MonthlyReportBody,
    responses((status = 201, description = "Drafted (or signed and submitted with `submit`)", body = ReportIdJson),
              (status = 403, description = "Only the provider on the team writes reports", body = ApiErrorBody),
              (status = 409, description = "The month already has a report", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn create_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MonthlyReportBody>,
) -> Result<(StatusCode, Json<ReportIdJson>), ApiError> {
    let actor = caller(&identity)?;
    let now = Utc::now();
    let sessions = match b.sessions {
        Some(s) => s,
        None => {
            let month = b.month.parse::<ReportMonth>().map_err(AppError::from)?;
            state
                .app
                .monthly_report_prefill(actor, id, month, now)
                .await?
                .sessions
                .into()
        }
    };
    let input = b.input(b.month.clone(), sessions);
    let report = state
        .app
        .draft_monthly_report(actor, id, &input, b.submit, now)
        .await
        .map_err(api_fields)?;
    Ok((StatusCode::CREATED, Json(ReportIdJson { id: report })))
}

async fn detail_json(
    state: &AppState,
    actor: &Actor,
    id: i64,
    report: i64,
) -> Result<Json<MonthlyReportDetailJson>, ApiError> {
    let d = state
        .app
        .monthly_report(actor, id, report, false, Utc::now())
        .await?;
    Ok(detail_of(&d))
}

fn detail_of(d: &MonthlyReportDetail) -> Json<MonthlyReportDetailJson> {
    Json(MonthlyReportDetailJson {
        report: (&d.report).into(),
        versions: d.versions.iter().map(MonthlyReportJson::from).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/monthly-reports/{report}", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    responses((status = 200, description = "The report with every version of its month", body = MonthlyReportDetailJson),
              (status = 403, description = "No waiver covers monthly reports for the caller", body = ApiErrorBody),
              (status = 404, description = "No such report for the caller", body = ApiErrorBody)))]
pub(crate) async fn report_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Json<MonthlyReportDetailJson>, ApiError> {
    let actor = caller(&identity)?;
    detail_json(&state, actor, id, report).await
}

#[utoipa::path(put, path = "/api/v1/supervisees/{id}/monthly-reports/{report}", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    request_body = MonthlyReportBody,
    responses((status = 200, description = "The draft as changed (signed with `submit`)", body = MonthlyReportDetailJson),
              (status = 409, description = "Signed and locked, or changed since `revision`", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn update_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<MonthlyReportBody>,
) -> Result<Json<MonthlyReportDetailJson>, ApiError> {
    let actor = caller(&identity)?;
    let now = Utc::now();
    let current = state
        .app
        .monthly_report(actor, id, report, false, now)
        .await?;
    let sessions = b
        .sessions
        .unwrap_or_else(|| current.report.record.content.sessions.into());
    let input = b.input(current.report.record.month.to_string(), sessions);
    let written = state
        .app
        .update_monthly_report(actor, id, report, b.revision, &input, b.submit, now)
        .await
        .map_err(api_fields)?;
    Ok(detail_of(&written))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/monthly-reports/{report}/submit", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    request_body = RevisionBody,
    responses((status = 200, description = "Signed and submitted to the officer", body = MonthlyReportDetailJson),
              (status = 409, description = "Already signed, or changed since `revision`", body = ApiErrorBody),
              (status = 422, description = "Sections required for a signature are empty", body = ApiErrorBody)))]
pub(crate) async fn submit_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<RevisionBody>,
) -> Result<Json<MonthlyReportDetailJson>, ApiError> {
    let actor = caller(&identity)?;
    let signed = state
        .app
        .submit_monthly_report(actor, id, report, b.revision, Utc::now())
        .await?;
    Ok(detail_of(&signed))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/monthly-reports/{report}/acknowledge", tag = "treatment", operation_id = "acknowledge_monthly_report", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    request_body = AcknowledgementBody,
    responses((status = 200, description = "Acknowledged by the officer and locked", body = MonthlyReportDetailJson),
              (status = 403, description = "Only the supervising officer on the team acknowledges", body = ApiErrorBody),
              (status = 409, description = "A draft, already acknowledged, or corrected by a newer version", body = ApiErrorBody)))]
pub(crate) async fn acknowledge_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<AcknowledgementBody>,
) -> Result<Json<MonthlyReportDetailJson>, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .acknowledge_monthly_report(actor, id, report, &b.officer_section, Utc::now())
        .await?;
    detail_json(&state, actor, id, report).await
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/monthly-reports/{report}/correct", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    responses((status = 201, description = "A new draft version of the month, starting from this one", body = ReportIdJson),
              (status = 409, description = "Still a draft, or already corrected", body = ApiErrorBody)))]
pub(crate) async fn correct_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<(StatusCode, Json<ReportIdJson>), ApiError> {
    let actor = caller(&identity)?;
    let new = state
        .app
        .correct_monthly_report(actor, id, report, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(ReportIdJson { id: new })))
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/monthly-reports/{report}/report.pdf", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Report id")),
    responses((status = 200, description = "The printable report", content_type = "application/pdf"),
              (status = 403, description = "No waiver covers monthly reports for the caller", body = ApiErrorBody)))]
pub(crate) async fn pdf_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let actor = caller(&identity)?;
    Ok(pdf_response(&state, actor, id, report).await?)
}
