//! Treatment on the web: enrollment and its end, the monthly provider-officer contacts with
//! confirmation by the other side, and self-reports with both acknowledgements; the same through
//! the JSON API.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{
    AppError, ContactInput, SelfReportInput, TreatmentEndInput, TreatmentInput, TreatmentRecord,
    TreatmentView,
};
use containment_domain::case::local_date;
use containment_domain::compliance::TreatmentEnd;
use containment_domain::treatment::{
    ASSESSMENT_AREAS, AssessmentKind, ContactMode, ContactTopic, SelfReportCategory, TreatmentKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError, form_errors};
use crate::extract::{ApiJson, caller};
use crate::form::{field, fields, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;
use crate::treatment_plan::{
    ContractJson, IntensityRecommendationJson, ModuleJson, PlanLines, SessionJson, plan_json,
};

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/cases/{id}/treatment", Guard::SignedIn, page)
        .post("/cases/{id}/treatment", Guard::SignedIn, enroll)
        .post(
            "/cases/{id}/treatment/{treatment}/end",
            Guard::SignedIn,
            end,
        )
        .post("/cases/{id}/contacts", Guard::SignedIn, contact)
        .post(
            "/cases/{id}/contacts/{contact}/confirm",
            Guard::SignedIn,
            confirm,
        )
        .post("/cases/{id}/assessments", Guard::SignedIn, refer)
        .post(
            "/cases/{id}/assessments/{assessment}/complete",
            Guard::SignedIn,
            complete,
        )
        .post("/cases/{id}/self-reports", Guard::SignedIn, self_report)
        .post(
            "/cases/{id}/self-reports/{report}/acknowledge",
            Guard::SignedIn,
            acknowledge,
        )
        .get("/api/v1/supervisees/{id}/treatment", Guard::Api, view_api)
        .post(
            "/api/v1/supervisees/{id}/treatments",
            Guard::Api,
            enroll_api,
        )
        .post(
            "/api/v1/supervisees/{id}/treatments/{treatment}/end",
            Guard::Api,
            end_api,
        )
        .post(
            "/api/v1/supervisees/{id}/assessments",
            Guard::Api,
            refer_api,
        )
        .post(
            "/api/v1/supervisees/{id}/assessments/{assessment}/complete",
            Guard::Api,
            complete_api,
        )
        .post("/api/v1/supervisees/{id}/contacts", Guard::Api, contact_api)
        .post(
            "/api/v1/supervisees/{id}/contacts/{contact}/confirm",
            Guard::Api,
            confirm_api,
        )
        .post(
            "/api/v1/supervisees/{id}/self-reports",
            Guard::Api,
            self_report_api,
        )
        .post(
            "/api/v1/supervisees/{id}/self-reports/{report}/acknowledge",
            Guard::Api,
            acknowledge_api,
        )
}

struct TreatmentLine {
    id: i64,
    version: i32,
    kind: &'static str,
    start: String,
    referral: String,
    intensity: String,
    sessions_per_month: String,
    intensity_reason: String,
    targets: String,
    ended: String,
    open: bool,
}

struct ContactLine {
    id: i64,
    on: String,
    mode: &'static str,
    side: &'static str,
    topics: String,
    notes: String,
    status: &'static str,
    may_confirm: bool,
    withheld: bool,
}

struct ReportLine {
    id: i64,
    on: String,
    category: &'static str,
    behavior: String,
    reported_to: String,
    provider_ack: String,
    officer_ack: String,
    may_ack: bool,
}

struct AssessmentLine {
    id: i64,
    kind: &'static str,
    referred: String,
    completed: String,
    areas: String,
    summary: String,
    open: bool,
}

#[derive(Template)]
#[template(path = "treatment.html")]
struct TreatmentPage {
    assessments: Vec<AssessmentLine>,
    assessment_kinds: &'static [AssessmentKind],
    areas: &'static [&'static str],
    may_refer: bool,
    layout: Layout,
    case_id: i64,
    treatments: Option<Vec<TreatmentLine>>,
    contacts: Vec<ContactLine>,
    reports: Option<Vec<ReportLine>>,
    may_enroll: bool,
    may_contact: bool,
    may_report: bool,
    kinds: &'static [TreatmentKind],
    ends: &'static [TreatmentEnd],
    modes: &'static [ContactMode],
    topics: &'static [ContactTopic],
    categories: &'static [SelfReportCategory],
    today: NaiveDate,
    notice: Option<String>,
    errors: crate::error::FormErrors,
    plan: PlanLines,
}

fn opt(d: Option<NaiveDate>) -> String {
    d.map(crate::today::day).unwrap_or_default()
}

async fn page_for(
    state: &AppState,
    identity: &Identity,
    id: i64,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let v: TreatmentView = state.app.treatment_view(actor, id, now).await?;
    let side = v.side;
    Ok(render(&TreatmentPage {
        assessments: v
            .assessments
            .iter()
            .map(|a| AssessmentLine {
                id: a.id,
                kind: a.kind.label(),
                referred: crate::today::day(a.referred_on),
                completed: opt(a.completed_on),
                areas: a
                    .areas
                    .open(&v.clearance)
                    .map(|areas| {
                        areas
                            .iter()
                            .map(u8::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                summary: a.summary.open(&v.clearance).cloned().unwrap_or_default(),
                open: a.completed_on.is_none(),
            })
            .collect(),
        assessment_kinds: AssessmentKind::ALL,
        areas: &ASSESSMENT_AREAS,
        may_refer: v.may_refer,
        layout: Layout::new("Treatment and communication", "caseload", identity),
        case_id: id,
        treatments: v.treatments.as_ref().map(|list| {
            list.iter()
                .map(|t| TreatmentLine {
                    id: t.id,
                    version: t.version,
                    kind: t.kind.label(),
                    start: crate::today::day(t.start_date),
                    referral: opt(t.referral_date),
                    intensity: t.intensity.clone(),
                    sessions_per_month: t
                        .sessions_per_month
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    intensity_reason: t.intensity_reason.clone().unwrap_or_default(),
                    targets: t.targets.clone(),
                    ended: match (t.end_date, t.end_outcome, &t.end_reason) {
                        (Some(d), Some(o), Some(r)) => format!("{} on {d}: {r}", o.label()),
                        (Some(d), Some(o), None) => format!("{} on {d}", o.label()),
                        _ => String::new(),
                    },
                    open: t.end_date.is_none(),
                })
                .collect()
        }),
        contacts: v
            .contacts
            .iter()
            .map(|c| ContactLine {
                id: c.record.id,
                on: crate::today::day(c.record.on),
                mode: c.record.mode.label(),
                side: c.record.documented_side.label(),
                topics: c
                    .record
                    .topics
                    .open(&v.clearance)
                    .map(|topics| {
                        topics
                            .iter()
                            .map(|t| t.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                notes: c
                    .record
                    .notes
                    .open(&v.clearance)
                    .cloned()
                    .unwrap_or_default(),
                status: if c.confirmed {
                    "confirmed by both sides"
                } else {
                    "unconfirmed"
                },
                may_confirm: c.may_confirm,
                withheld: c.details_withheld,
            })
            .collect(),
        reports: v.self_reports.as_ref().map(|list| {
            list.iter()
                .map(|r| ReportLine {
                    id: r.id,
                    on: crate::today::day(r.reported_on),
                    category: r.category.label(),
                    behavior: r.behavior.clone(),
                    reported_to: r.reported_to.clone(),
                    provider_ack: opt(r.provider_ack_on),
                    officer_ack: opt(r.officer_ack_on),
                    may_ack: match side {
                        Some(containment_domain::treatment::ContactSide::Provider) => {
                            r.provider_ack_on.is_none()
                        }
                        Some(containment_domain::treatment::ContactSide::Officer) => {
                            r.officer_ack_on.is_none()
                        }
                        None => false,
                    },
                })
                .collect()
        }),
        may_enroll: v.may_enroll,
        may_contact: side.is_some(),
        may_report: v.may_report,
        kinds: TreatmentKind::ALL,
        ends: TreatmentEnd::ALL,
        modes: ContactMode::ALL,
        topics: ContactTopic::ALL,
        categories: SelfReportCategory::ALL,
        today: local_date(now),
        notice,
        errors,
        plan: PlanLines::new(&v.plan, v.treatments.as_deref()),
    }))
}

async fn page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    page_for(&state, &identity, id, None, crate::error::FormErrors::new()).await
}

pub(crate) async fn after(
    state: &AppState,
    identity: &Identity,
    id: i64,
    outcome: Result<String, AppError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(n) => {
            page_for(
                state,
                identity,
                id,
                Some(n),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e) => page_for(state, identity, id, None, form_errors(e)?).await,
    }
}

async fn enroll(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = TreatmentInput {
        kind: field(&p, "kind"),
        provider_email: field(&p, "provider_email"),
        referral_date: field(&p, "referral_date"),
        start_date: field(&p, "start_date"),
        intensity: field(&p, "intensity"),
        sessions_per_month: field(&p, "sessions_per_month"),
        intensity_reason: field(&p, "intensity_reason"),
        targets: field(&p, "targets"),
        responsivity: field(&p, "responsivity"),
    };
    let outcome = p
        .submit(state.app.enroll_treatment(actor, id, &input, Utc::now()))
        .await
        .map(|t| format!("{} treatment recorded.", t.kind.label()));
    after(&state, &identity, id, outcome).await
}

async fn end(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = TreatmentEndInput {
        version: field(&p, "version").parse().unwrap_or(0),
        end_date: field(&p, "end_date"),
        outcome: field(&p, "outcome"),
        reason: field(&p, "reason"),
    };
    let outcome = p
        .submit(
            state
                .app
                .end_treatment(actor, id, treatment, &input, Utc::now()),
        )
        .await
        .map(|_| "Treatment ended.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn contact(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = ContactInput {
        on: field(&p, "on"),
        mode: field(&p, "mode"),
        topics: fields(&p, "topic"),
        notes: field(&p, "notes"),
    };
    let outcome = p
        .submit(state.app.record_contact(actor, id, &input, Utc::now()))
        .await
        .map(|_| {
            "Contact documented; it reads unconfirmed until the other side confirms it.".to_owned()
        });
    after(&state, &identity, id, outcome).await
}

async fn confirm(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let outcome = state
        .app
        .confirm_contact(actor, id, contact, Utc::now())
        .await
        .map(|()| "Contact confirmed.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn refer(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let outcome = p
        .submit(state.app.refer_assessment(
            actor,
            id,
            &field(&p, "kind"),
            &field(&p, "referred_on"),
            Utc::now(),
        ))
        .await
        .map(|_| "Assessment referred; due within 90 days (R7).".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn complete(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, assessment)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let outcome = p
        .submit(state.app.complete_assessment(
            actor,
            id,
            assessment,
            &field(&p, "completed_on"),
            &fields(&p, "area"),
            &field(&p, "summary"),
            Utc::now(),
        ))
        .await
        .map(|()| "Assessment completed.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn self_report(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = SelfReportInput {
        reported_on: field(&p, "reported_on"),
        category: field(&p, "category"),
        behavior: field(&p, "behavior"),
        reported_to: field(&p, "reported_to"),
    };
    let outcome = p
        .submit(state.app.record_self_report(actor, id, &input, Utc::now()))
        .await
        .map(|_| "Self-report recorded; the provider and the officer are notified.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn acknowledge(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let outcome = state
        .app
        .acknowledge_self_report(actor, id, report, Utc::now())
        .await
        .map(|()| "Self-report acknowledged.".to_owned());
    after(&state, &identity, id, outcome).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactJson {
    pub id: i64,
    pub on: NaiveDate,
    pub mode: String,
    /// Which side documented it: `provider` or `officer`.
    pub documented_side: String,
    pub confirmed: bool,
    /// Empty when the caller's waivers do not cover dynamic-risk discussion.
    pub topics: Vec<String>,
    pub notes: String,
    pub details_withheld: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TreatmentJson {
    pub id: i64,
    pub kind: String,
    pub provider_user_id: i64,
    pub referral_date: Option<NaiveDate>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub end_outcome: Option<String>,
    pub end_reason: Option<String>,
    pub version: i32,
    /// Free-text notes on the intensity.
    pub intensity: String,
    /// Null on enrollments made before intensity was structured.
    pub sessions_per_month: Option<i32>,
    /// Why the intensity departs from the risk-level recommendation.
    pub intensity_reason: Option<String>,
}

impl From<TreatmentRecord> for TreatmentJson {
    fn from(t: TreatmentRecord) -> Self {
        TreatmentJson {
            id: t.id,
            kind: t.kind.code().to_owned(),
            provider_user_id: t.provider_user_id,
            referral_date: t.referral_date,
            start_date: t.start_date,
            end_date: t.end_date,
            end_outcome: t.end_outcome.map(|o| o.code().to_owned()),
            end_reason: t.end_reason,
            version: t.version,
            intensity: t.intensity,
            sessions_per_month: t.sessions_per_month,
            intensity_reason: t.intensity_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SelfReportJson {
    pub id: i64,
    pub reported_on: NaiveDate,
    pub category: String,
    pub behavior: String,
    pub reported_to: String,
    pub provider_ack_on: Option<NaiveDate>,
    pub officer_ack_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentJson {
    pub id: i64,
    pub kind: String,
    pub referred_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    /// Areas covered (1-20); empty when the caller's waivers do not cover treatment progress.
    pub areas: Vec<u8>,
    pub summary: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TreatmentViewJson {
    pub assessments: Vec<AssessmentJson>,
    /// Null when no waiver lets the caller read treatment progress.
    pub treatments: Option<Vec<TreatmentJson>>,
    pub contacts: Vec<ContactJson>,
    pub self_reports: Option<Vec<SelfReportJson>>,
    /// Sessions by date; null when no waiver lets the caller read attendance detail.
    pub sessions: Option<Vec<SessionJson>>,
    /// Modules by start; null when no waiver lets the caller read treatment progress.
    pub modules: Option<Vec<ModuleJson>>,
    /// Contract versions, oldest first; null when the caller may not read the contract.
    pub contracts: Option<Vec<ContractJson>>,
    /// Null when the caller may not read risk scores.
    pub intensity_recommendation: Option<IntensityRecommendationJson>,
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/treatment", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "Treatments, contacts, self-reports, sessions, modules and contract versions as the caller may see them", body = TreatmentViewJson),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn view_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<TreatmentViewJson>, ApiError> {
    let actor = caller(&identity)?;
    let mut v = state.app.treatment_view(actor, id, Utc::now()).await?;
    let plan = plan_json(std::mem::take(&mut v.plan));
    let clearance = std::mem::take(&mut v.clearance);
    Ok(Json(TreatmentViewJson {
        sessions: plan.sessions,
        modules: plan.modules,
        contracts: plan.contracts,
        intensity_recommendation: plan.intensity_recommendation,
        assessments: v
            .assessments
            .iter()
            .map(|a| AssessmentJson {
                id: a.id,
                kind: a.kind.code().to_owned(),
                referred_on: a.referred_on,
                completed_on: a.completed_on,
                areas: a.areas.open(&v.clearance).cloned().unwrap_or_default(),
                summary: a.summary.open(&v.clearance).cloned().unwrap_or_default(),
            })
            .collect(),
        treatments: v
            .treatments
            .map(|list| list.into_iter().map(TreatmentJson::from).collect()),
        contacts: v
            .contacts
            .into_iter()
            .map(|c| ContactJson {
                id: c.record.id,
                on: c.record.on,
                mode: c.record.mode.code().to_owned(),
                documented_side: c.record.documented_side.code().to_owned(),
                confirmed: c.confirmed,
                topics: c
                    .record
                    .topics
                    .open(&clearance)
                    .map(|topics| topics.iter().map(|t| t.code().to_owned()).collect())
                    .unwrap_or_default(),
                notes: c.record.notes.open(&clearance).cloned().unwrap_or_default(),
                details_withheld: c.details_withheld,
            })
            .collect(),
        self_reports: v.self_reports.map(|list| {
            list.into_iter()
                .map(|r| SelfReportJson {
                    id: r.id,
                    reported_on: r.reported_on,
                    category: r.category.code().to_owned(),
                    behavior: r.behavior,
                    reported_to: r.reported_to,
                    provider_ack_on: r.provider_ack_on,
                    officer_ack_on: r.officer_ack_on,
                })
                .collect()
        }),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContact {
    pub on: String,
    /// `in_person`, `phone`, `video`, `secure_email` or `team_meeting`.
    pub mode: String,
    /// Any of `progress`, `dynamic_risk`, `polygraph`, `violations`, `other`.
    pub topics: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedJson {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/contacts", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewContact,
    responses((status = 201, description = "Documented from the caller's side; unconfirmed until the other side confirms", body = RecordedJson),
              (status = 403, description = "Only the provider or the officer on the team documents contacts", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn contact_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<RecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = ContactInput {
        on: b.on,
        mode: b.mode,
        topics: b.topics,
        notes: b.notes,
    };
    let c = state
        .app
        .record_contact(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedJson { id: c })))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/contacts/{contact}/confirm", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("contact" = i64, Path, description = "Contact id")),
    responses((status = 204, description = "Confirmed"),
              (status = 409, description = "Documented by the caller's own side, or already confirmed", body = ApiErrorBody)))]
pub(crate) async fn confirm_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .confirm_contact(actor, id, contact, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSelfReport {
    pub reported_on: String,
    pub category: String,
    pub behavior: String,
    #[serde(default)]
    pub reported_to: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/self-reports", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewSelfReport,
    responses((status = 201, description = "Recorded; provider and officer notified", body = RecordedJson),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn self_report_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewSelfReport>,
) -> Result<(StatusCode, Json<RecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = SelfReportInput {
        reported_on: b.reported_on,
        category: b.category,
        behavior: b.behavior,
        reported_to: b.reported_to,
    };
    let r = state
        .app
        .record_self_report(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedJson { id: r })))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/self-reports/{report}/acknowledge", tag = "treatment", operation_id = "acknowledge_self_report", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("report" = i64, Path, description = "Self-report id")),
    responses((status = 204, description = "Acknowledged for the caller's side"),
              (status = 409, description = "This side already acknowledged it", body = ApiErrorBody)))]
pub(crate) async fn acknowledge_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, report)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .acknowledge_self_report(actor, id, report, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAssessment {
    /// `psychosexual` or `sexual_violence_risk`.
    pub kind: String,
    pub referred_on: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/assessments", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewAssessment,
    responses((status = 201, description = "Referred; due within 90 days, never past 120 (R7)", body = RecordedJson),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn refer_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewAssessment>,
) -> Result<(StatusCode, Json<RecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let a = state
        .app
        .refer_assessment(actor, id, &b.kind, &b.referred_on, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedJson { id: a })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentCompletion {
    pub completed_on: String,
    /// The areas covered, numbered 1 to 20 as in the assessment standard.
    pub areas: Vec<u8>,
    #[serde(default)]
    pub summary: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/assessments/{assessment}/complete", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("assessment" = i64, Path, description = "Assessment id")),
    request_body = AssessmentCompletion,
    responses((status = 204, description = "Completed"),
              (status = 409, description = "Already completed", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn complete_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, assessment)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<AssessmentCompletion>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    let areas: Vec<String> = b.areas.iter().map(u8::to_string).collect();
    state
        .app
        .complete_assessment(
            actor,
            id,
            assessment,
            &b.completed_on,
            &areas,
            &b.summary,
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An enrollment in treatment, by the treatment provider on the team.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTreatment {
    /// `pre_trial` or `post_conviction` (needs an open post-conviction supervision).
    pub kind: String,
    /// The treating provider's e-mail address; left out, the caller treats.
    #[serde(default)]
    pub provider_email: String,
    /// YYYY-MM-DD, not after the start.
    #[serde(default)]
    pub referral_date: String,
    /// YYYY-MM-DD, not in the future; the provider's CASOMB certification must be current
    /// that day (R10).
    pub start_date: String,
    /// Free-text notes on the intensity (format, schedule).
    #[serde(default)]
    pub intensity: String,
    /// Sessions a month; left out, the risk level's recommendation applies.
    #[serde(default)]
    pub sessions_per_month: Option<u32>,
    /// Why the sessions a month depart from the recommendation, when they do.
    #[serde(default)]
    pub intensity_reason: String,
    /// Treatment targets (criminogenic needs).
    #[serde(default)]
    pub targets: String,
    /// How delivery fits the person (Responsivity principle).
    #[serde(default)]
    pub responsivity: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/treatments", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewTreatment,
    responses((status = 201, description = "Enrolled; the treatment as stored", body = TreatmentJson),
              (status = 403, description = "Only the treatment provider on the team enrolls", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 422, description = "Invalid; `message` lists every problem (a provider not on the team or not certified on the start date among them)", body = ApiErrorBody)))]
pub(crate) async fn enroll_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewTreatment>,
) -> Result<(StatusCode, Json<TreatmentJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = TreatmentInput {
        kind: b.kind,
        provider_email: b.provider_email,
        referral_date: b.referral_date,
        start_date: b.start_date,
        intensity: b.intensity,
        sessions_per_month: b
            .sessions_per_month
            .map(|n| n.to_string())
            .unwrap_or_default(),
        intensity_reason: b.intensity_reason,
        targets: b.targets,
        responsivity: b.responsivity,
    };
    let t = state
        .app
        .enroll_treatment(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// The end of a treatment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TreatmentEnding {
    /// The version read; a treatment changed since is refused as `stale`.
    pub version: i32,
    /// YYYY-MM-DD, not in the future nor before the start.
    pub end_date: String,
    /// `completed`, `terminated`, `transferred` or `supervision_ended`.
    pub outcome: String,
    /// Required when terminated, and when post-conviction treatment ends before one year (R8).
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/treatments/{treatment}/end", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("treatment" = i64, Path, description = "Treatment id")),
    request_body = TreatmentEnding,
    responses((status = 200, description = "Ended; the treatment with its new version", body = TreatmentJson),
              (status = 403, description = "Only the treatment provider on the team ends treatment", body = ApiErrorBody),
              (status = 404, description = "No such case or treatment for the caller", body = ApiErrorBody),
              (status = 409, description = "Already ended, or `stale`: changed since `version` (see `current_version`)", body = ApiErrorBody),
              (status = 422, description = "Invalid, or a reason is missing; `message` lists every problem", body = ApiErrorBody)))]
pub(crate) async fn end_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<TreatmentEnding>,
) -> Result<Json<TreatmentJson>, ApiError> {
    let actor = caller(&identity)?;
    let input = TreatmentEndInput {
        version: b.version,
        end_date: b.end_date,
        outcome: b.outcome,
        reason: b.reason,
    };
    let t = state
        .app
        .end_treatment(actor, id, treatment, &input, Utc::now())
        .await?;
    Ok(Json(t.into()))
}
