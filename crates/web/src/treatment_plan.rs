//! The treatment plan on the web: quick entry of sessions, intensity against the risk-level
//! recommendation, structured modules with completion, and the versioned treatment contract;
//! the same through the JSON API.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{
    ContractInput, IntensityInput, ModuleInput, PlanView, SessionInput, TreatmentRecord,
};
use containment_domain::treatment::{Attendance, CONTRACT_DUTIES, SessionFormat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError};
use crate::extract::{ApiJson, caller};
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::routes::Registry;
use crate::treatment::{RecordedJson, after};

pub(crate) fn registry() -> Registry {
    Registry::new()
        .post("/cases/{id}/sessions", Guard::SignedIn, session)
        .post(
            "/cases/{id}/treatment/{treatment}/intensity",
            Guard::SignedIn,
            intensity,
        )
        .post(
            "/cases/{id}/treatment/{treatment}/modules",
            Guard::SignedIn,
            module,
        )
        .post(
            "/cases/{id}/modules/{module}/complete",
            Guard::SignedIn,
            module_complete,
        )
        .post("/cases/{id}/contracts", Guard::SignedIn, contract)
        .post("/api/v1/supervisees/{id}/sessions", Guard::Api, session_api)
        .post(
            "/api/v1/supervisees/{id}/treatments/{treatment}/intensity",
            Guard::Api,
            intensity_api,
        )
        .post(
            "/api/v1/supervisees/{id}/treatments/{treatment}/modules",
            Guard::Api,
            module_api,
        )
        .post(
            "/api/v1/supervisees/{id}/modules/{module}/complete",
            Guard::Api,
            module_complete_api,
        )
        .post(
            "/api/v1/supervisees/{id}/contracts",
            Guard::Api,
            contract_api,
        )
}

pub(crate) struct SessionLine {
    pub on: String,
    pub attendance: &'static str,
    pub format: &'static str,
    pub treatment: String,
    pub note: String,
    /// Its author held no CASOMB certification that day (R10).
    pub uncertified: bool,
}

pub(crate) struct ModuleLine {
    pub id: i64,
    pub name: String,
    pub started: String,
    pub completed: String,
}

/// One treatment's modules, listed under it.
pub(crate) struct ModuleGroup {
    pub treatment_id: i64,
    pub title: String,
    pub modules: Vec<ModuleLine>,
}

pub(crate) struct ContractLine {
    pub version: i32,
    pub signed: String,
    pub duties: String,
    pub recorded: String,
    pub current: bool,
}

/// A treatment a session can be filed under.
pub(crate) struct TreatmentChoice {
    pub id: i64,
    pub title: String,
    pub selected: bool,
}

/// The plan's part of the treatment page.
pub(crate) struct PlanLines {
    /// What the Risk principle recommends, in words; empty when the viewer may not know.
    pub recommendation: String,
    pub recommended: Option<u32>,
    pub sessions: Option<Vec<SessionLine>>,
    pub modules: Option<Vec<ModuleGroup>>,
    pub contracts: Option<Vec<ContractLine>>,
    pub choices: Vec<TreatmentChoice>,
    pub may_record_sessions: bool,
    pub may_update: bool,
    pub may_contract: bool,
    pub attendances: &'static [Attendance],
    pub formats: &'static [SessionFormat],
    pub duties: &'static str,
}

fn title(t: &TreatmentRecord) -> String {
    format!(
        "{} treatment from {}",
        t.kind.label(),
        crate::today::day(t.start_date)
    )
}

impl PlanLines {
    pub(crate) fn new(plan: &PlanView, treatments: Option<&[TreatmentRecord]>) -> PlanLines {
        let treatments = treatments.unwrap_or_default();
        let latest_open = treatments
            .iter()
            .rev()
            .find(|t| t.end_date.is_none())
            .map(|t| t.id);
        PlanLines {
            recommendation: match plan.recommendation {
                Some(r) => match (r.level, r.sessions_per_month) {
                    (Some(level), Some(n)) => format!(
                        "Recommended for the latest Static-99R ({}): {n} sessions a month (Risk principle, program default).",
                        level.label()
                    ),
                    _ => "No Static-99R score yet: no recommended intensity.".to_owned(),
                },
                None => String::new(),
            },
            recommended: plan.recommendation.and_then(|r| r.sessions_per_month),
            sessions: plan.sessions.as_ref().map(|list| {
                list.iter()
                    .rev()
                    .map(|s| SessionLine {
                        on: crate::today::day(s.on),
                        attendance: s.attendance.label(),
                        format: s.format.label(),
                        treatment: s.treatment_id.map(|t| t.to_string()).unwrap_or_default(),
                        note: s.note.clone(),
                        uncertified: plan.uncertified_sessions.contains(&s.id),
                    })
                    .collect()
            }),
            modules: plan.modules.as_ref().map(|list| {
                treatments
                    .iter()
                    .map(|t| ModuleGroup {
                        treatment_id: t.id,
                        title: title(t),
                        modules: list
                            .iter()
                            .filter(|m| m.treatment_id == t.id)
                            .map(|m| ModuleLine {
                                id: m.id,
                                name: m.name.clone(),
                                started: crate::today::day(m.started_on),
                                completed: m
                                    .completed_on
                                    .map(crate::today::day)
                                    .unwrap_or_default(),
                            })
                            .collect(),
                    })
                    .collect()
            }),
            contracts: plan.contracts.as_ref().map(|list| {
                let current = list.last().map(|c| c.id);
                list.iter()
                    .rev()
                    .map(|c| ContractLine {
                        version: c.version,
                        signed: crate::today::day(c.signed_on),
                        duties: c.duties.clone(),
                        recorded: c.created_at.date_naive().to_string(),
                        current: Some(c.id) == current,
                    })
                    .collect()
            }),
            choices: treatments
                .iter()
                .map(|t| TreatmentChoice {
                    id: t.id,
                    title: title(t),
                    selected: Some(t.id) == latest_open,
                })
                .collect(),
            may_record_sessions: plan.may_record_sessions,
            may_update: plan.may_update,
            may_contract: plan.may_contract,
            attendances: Attendance::ALL,
            formats: SessionFormat::ALL,
            duties: CONTRACT_DUTIES,
        }
    }
}

async fn session(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = SessionInput {
        treatment_id: field(&p, "treatment_id").trim().parse().ok(),
        on: field(&p, "on"),
        attendance: field(&p, "attendance"),
        format: field(&p, "format"),
        note: field(&p, "note"),
    };
    let outcome = p
        .submit(state.app.record_session(actor, id, &input, Utc::now()))
        .await
        .map(|_| "Session recorded.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn intensity(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = IntensityInput {
        version: field(&p, "version").parse().unwrap_or(0),
        sessions_per_month: field(&p, "sessions_per_month"),
        reason: field(&p, "reason"),
    };
    let outcome = p
        .submit(
            state
                .app
                .change_intensity(actor, id, treatment, &input, Utc::now()),
        )
        .await
        .map(|()| format!("Intensity of treatment {treatment} changed."));
    after(&state, &identity, id, outcome).await
}

async fn module(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = ModuleInput {
        name: field(&p, "name"),
        started_on: field(&p, "started_on"),
        completed_on: field(&p, "completed_on"),
    };
    let outcome = p
        .submit(
            state
                .app
                .add_module(actor, id, treatment, &input, Utc::now()),
        )
        .await
        .map(|_| "Module added.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn module_complete(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, module)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let outcome = p
        .submit(state.app.complete_module(
            actor,
            id,
            module,
            &field(&p, "completed_on"),
            Utc::now(),
        ))
        .await
        .map(|()| "Module completed.".to_owned());
    after(&state, &identity, id, outcome).await
}

async fn contract(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = ContractInput {
        signed_on: field(&p, "signed_on"),
        duties: field(&p, "duties"),
    };
    let outcome = p
        .submit(state.app.record_contract(actor, id, &input, Utc::now()))
        .await
        .map(|(_, v)| {
            format!("Treatment contract version {v} recorded; it supersedes the previous one.")
        });
    after(&state, &identity, id, outcome).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionJson {
    pub id: i64,
    pub treatment_id: Option<i64>,
    pub on: NaiveDate,
    /// `attended`, `missed` or `excused`.
    pub attendance: String,
    /// `group` or `individual`.
    pub format: String,
    pub note: String,
    pub recorded_by: i64,
    /// Its author held no CASOMB certification on the session date (R10): the session needs
    /// review.
    pub recorded_uncertified: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleJson {
    pub id: i64,
    pub treatment_id: i64,
    pub name: String,
    pub started_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractJson {
    pub id: i64,
    pub version: i32,
    pub signed_on: NaiveDate,
    pub duties: String,
    pub recorded_by: i64,
    /// The version in force: the highest.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntensityRecommendationJson {
    /// The level code of the latest Static-99R (`level_i` ... `level_ivb`), if any.
    pub static99r_level: Option<String>,
    /// Null without a Static-99R score.
    pub sessions_per_month: Option<u32>,
}

/// The plan's part of the treatment view.
pub(crate) struct PlanJson {
    pub sessions: Option<Vec<SessionJson>>,
    pub modules: Option<Vec<ModuleJson>>,
    pub contracts: Option<Vec<ContractJson>>,
    pub intensity_recommendation: Option<IntensityRecommendationJson>,
}

pub(crate) fn plan_json(plan: PlanView) -> PlanJson {
    let current = plan
        .contracts
        .as_ref()
        .and_then(|list| list.last())
        .map(|c| c.id);
    let uncertified = plan.uncertified_sessions;
    PlanJson {
        sessions: plan.sessions.map(|list| {
            list.into_iter()
                .map(|s| SessionJson {
                    recorded_uncertified: uncertified.contains(&s.id),
                    id: s.id,
                    treatment_id: s.treatment_id,
                    on: s.on,
                    attendance: s.attendance.code().to_owned(),
                    format: s.format.code().to_owned(),
                    note: s.note,
                    recorded_by: s.recorded_by,
                })
                .collect()
        }),
        modules: plan.modules.map(|list| {
            list.into_iter()
                .map(|m| ModuleJson {
                    id: m.id,
                    treatment_id: m.treatment_id,
                    name: m.name,
                    started_on: m.started_on,
                    completed_on: m.completed_on,
                })
                .collect()
        }),
        contracts: plan.contracts.map(|list| {
            list.into_iter()
                .map(|c| ContractJson {
                    current: Some(c.id) == current,
                    id: c.id,
                    version: c.version,
                    signed_on: c.signed_on,
                    duties: c.duties,
                    recorded_by: c.recorded_by,
                })
                .collect()
        }),
        intensity_recommendation: plan.recommendation.map(|r| IntensityRecommendationJson {
            static99r_level: r.level.map(|l| l.code().to_owned()),
            sessions_per_month: r.sessions_per_month,
        }),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSession {
    /// The treatment the session falls under, if any.
    #[serde(default)]
    pub treatment_id: Option<i64>,
    pub on: String,
    /// `attended`, `missed` or `excused`.
    pub attendance: String,
    /// `group` or `individual`.
    pub format: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/sessions", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewSession,
    responses((status = 201, description = "Recorded", body = RecordedJson),
              (status = 403, description = "Only the treatment provider on the team records sessions", body = ApiErrorBody),
              (status = 422, description = "Invalid: in the future, before the treatment started, ...", body = ApiErrorBody)))]
pub(crate) async fn session_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<RecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = SessionInput {
        treatment_id: b.treatment_id,
        on: b.on,
        attendance: b.attendance,
        format: b.format,
        note: b.note,
    };
    let s = state
        .app
        .record_session(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedJson { id: s })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntensityChange {
    /// The treatment's version as last read.
    pub version: i32,
    pub sessions_per_month: i64,
    /// Required when the number departs from the risk-level recommendation.
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/treatments/{treatment}/intensity", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("treatment" = i64, Path, description = "Treatment id")),
    request_body = IntensityChange,
    responses((status = 204, description = "Changed; the treatment's version goes up by one"),
              (status = 409, description = "Changed by someone else first (stale version), or the treatment has ended", body = ApiErrorBody),
              (status = 422, description = "Invalid, or a departure from the recommendation without a reason", body = ApiErrorBody)))]
pub(crate) async fn intensity_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<IntensityChange>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    let input = IntensityInput {
        version: b.version,
        sessions_per_month: b.sessions_per_month.to_string(),
        reason: b.reason,
    };
    state
        .app
        .change_intensity(actor, id, treatment, &input, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewModule {
    pub name: String,
    pub started_on: String,
    /// Empty or absent while the module is under way.
    #[serde(default)]
    pub completed_on: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/treatments/{treatment}/modules", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("treatment" = i64, Path, description = "Treatment id")),
    request_body = NewModule,
    responses((status = 201, description = "Added", body = RecordedJson),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn module_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, treatment)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<NewModule>,
) -> Result<(StatusCode, Json<RecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = ModuleInput {
        name: b.name,
        started_on: b.started_on,
        completed_on: b.completed_on,
    };
    let m = state
        .app
        .add_module(actor, id, treatment, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedJson { id: m })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModuleCompletion {
    pub completed_on: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/modules/{module}/complete", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("module" = i64, Path, description = "Module id")),
    request_body = ModuleCompletion,
    responses((status = 204, description = "Completed"),
              (status = 409, description = "Already completed", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn module_complete_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, module)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<ModuleCompletion>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .complete_module(actor, id, module, &b.completed_on, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContract {
    /// The day the supervisee signed this version.
    pub signed_on: String,
    /// The duties; absent means the standard duties of the treatment contract.
    #[serde(default)]
    pub duties: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractRecordedJson {
    pub id: i64,
    pub version: i32,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/contracts", tag = "treatment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewContract,
    responses((status = 201, description = "Recorded as the next version; it supersedes the previous one", body = ContractRecordedJson),
              (status = 403, description = "Only the officer or the provider on the team records the contract", body = ApiErrorBody),
              (status = 409, description = "Someone else recorded the same version first", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn contract_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewContract>,
) -> Result<(StatusCode, Json<ContractRecordedJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = ContractInput {
        signed_on: b.signed_on,
        duties: b.duties.unwrap_or_else(|| CONTRACT_DUTIES.to_owned()),
    };
    let (c, version) = state
        .app
        .record_contract(actor, id, &input, Utc::now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ContractRecordedJson { id: c, version }),
    ))
}
