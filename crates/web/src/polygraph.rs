//! Polygraph exams on the web: the case's exams with the next maintenance date, the examiner's
//! form to record one, and follow-up actions; with the exams through the JSON API.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use containment_app::{
    AppError, ExamInput, ExamsView, FollowupInput, FollowupRecord, ReferralInput,
};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::polygraph::{
    DisclosureCategory, ExamResult, ExamType, is_screening_result,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api_scores::RecordedId;
use crate::error::{ApiError, ApiErrorBody, PageError};
use crate::extract::{ApiJson, caller};
use crate::form::{field, fields, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/cases/{id}/polygraph", Guard::SignedIn, polygraph_page)
        .post("/cases/{id}/polygraph", Guard::SignedIn, record_exam)
        .post(
            "/cases/{id}/polygraph/followups",
            Guard::SignedIn,
            add_followup,
        )
        .post(
            "/cases/{id}/polygraph/referrals",
            Guard::SignedIn,
            draft_referral,
        )
        .post(
            "/api/v1/supervisees/{id}/polygraph-referrals",
            Guard::Api,
            draft_referral_api,
        )
        .post(
            "/cases/{id}/polygraph/followups/{followup}/done",
            Guard::SignedIn,
            complete_followup,
        )
        .get(
            "/api/v1/supervisees/{id}/polygraph-exams",
            Guard::Api,
            exams_api,
        )
        .post(
            "/api/v1/supervisees/{id}/polygraph-exams",
            Guard::Api,
            record_exam_api,
        )
        .post(
            "/api/v1/supervisees/{id}/polygraph-followups",
            Guard::Api,
            add_followup_api,
        )
        .post(
            "/api/v1/supervisees/{id}/polygraph-followups/{followup}/complete",
            Guard::Api,
            complete_followup_api,
        )
}

/// An exam as shown on the page.
struct ExamLine {
    id: i64,
    exam_type: &'static str,
    exam_date: String,
    examiner: String,
    questions: String,
    result: &'static str,
    disclosures: Option<String>,
    categories: String,
    withheld: bool,
}

/// A follow-up action as shown on the page.
struct FollowupLine {
    id: i64,
    exam_id: i64,
    action: String,
    owner: &'static str,
    due_on: String,
    done: String,
    overdue: bool,
}

/// An open referral as shown on the page.
struct ReferralLine {
    id: i64,
    exam_type: &'static str,
    questions: String,
    drafted: String,
}

#[derive(Template)]
#[template(path = "polygraph.html")]
struct PolygraphPage {
    referrals: Vec<ReferralLine>,
    layout: Layout,
    supervisee_id: i64,
    name: String,
    exams_readable: bool,
    exams: Vec<ExamLine>,
    disclosures_only: Vec<(i64, String, String, String)>,
    disclosure_categories: &'static [DisclosureCategory],
    followups: Vec<FollowupLine>,
    latest_maintenance: String,
    next_maintenance: String,
    maintenance_overdue: bool,
    may_record: bool,
    may_follow_up: bool,
    exam_types: &'static [ExamType],
    screening_results: Vec<ExamResult>,
    diagnostic_results: Vec<ExamResult>,
    team_roles: &'static [TeamRole],
    today: NaiveDate,
    values: Vec<(String, String)>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

impl PolygraphPage {
    fn value(&self, name: &str) -> String {
        field(&self.values, name)
    }

    fn selected(&self, name: &str, v: &str) -> bool {
        field(&self.values, name) == v
    }

    fn checked(&self, name: &str, v: &str) -> bool {
        self.values.iter().any(|(n, x)| n == name && x == v)
    }
}

fn codes(categories: &[DisclosureCategory]) -> Vec<String> {
    categories.iter().map(|c| c.code().to_owned()).collect()
}

fn labels(categories: &[DisclosureCategory]) -> String {
    categories
        .iter()
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The page for the view, with what was typed kept on a refusal.
fn page(
    identity: &Identity,
    view: ExamsView,
    values: Vec<(String, String)>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
    now: DateTime<Utc>,
) -> Response {
    let today = local_date(now);
    let (screening_results, diagnostic_results) = ExamResult::ALL
        .iter()
        .copied()
        .partition(|r| is_screening_result(*r));
    render(&PolygraphPage {
        layout: Layout::new(
            format!("Polygraph exams of {}", view.name),
            "caseload",
            identity,
        ),
        supervisee_id: view.supervisee_id,
        exams_readable: view.exams_readable,
        exams: view
            .exams
            .into_iter()
            .map(|e| ExamLine {
                id: e.id,
                exam_type: e.exam_type.label(),
                exam_date: crate::today::day(e.exam_date),
                examiner: e.examiner_name,
                questions: e.referral_questions,
                result: e.result.label(),
                disclosures: e.disclosures,
                categories: labels(&e.disclosure_categories),
                withheld: e.disclosures_withheld,
            })
            .collect(),
        disclosures_only: view
            .disclosures_only
            .into_iter()
            .map(|d| {
                (
                    d.exam_id,
                    crate::today::day(d.exam_date),
                    labels(&d.categories),
                    d.text,
                )
            })
            .collect(),
        followups: view
            .followups
            .into_iter()
            .map(|f| FollowupLine {
                id: f.record.id,
                exam_id: f.record.exam_id,
                action: f.record.action,
                owner: f.record.owner_role.label(),
                due_on: crate::today::day(f.record.due_on),
                done: match (f.record.done_on, f.done_by_name) {
                    (Some(on), Some(by)) => format!("Done {} by {by}", crate::today::day(on)),
                    (Some(on), None) => format!("Done {}", crate::today::day(on)),
                    _ => String::new(),
                },
                overdue: f.overdue,
            })
            .collect(),
        latest_maintenance: view
            .latest_maintenance
            .map(crate::today::day)
            .unwrap_or_default(),
        next_maintenance: view
            .next_maintenance
            .map_or_else(|| "none on record".to_owned(), crate::today::day),
        maintenance_overdue: view.next_maintenance.is_some_and(|d| d < today),
        may_record: view.may_record,
        may_follow_up: view.may_follow_up,
        name: view.name,
        exam_types: ExamType::ALL,
        disclosure_categories: DisclosureCategory::ALL,
        referrals: view
            .referrals
            .iter()
            .map(|r| ReferralLine {
                id: r.record.id,
                exam_type: r.record.exam_type.label(),
                questions: r.record.questions.clone(),
                drafted: format!(
                    "{} on {}",
                    r.drafted_by_name,
                    local_date(r.record.drafted_at)
                ),
            })
            .collect(),
        screening_results,
        diagnostic_results,
        team_roles: TeamRole::ALL,
        today,
        values,
        notice,
        errors,
    })
}

async fn page_for(
    state: &AppState,
    identity: &Identity,
    id: i64,
    values: Vec<(String, String)>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let view = state.app.exams(actor, id, now).await?;
    Ok(page(identity, view, values, notice, errors, now))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    /// An open referral whose type and questions fill the exam form.
    referral: String,
}

async fn polygraph_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let now = Utc::now();
    let view = state.app.exams(actor, id, now).await?;
    let mut values = vec![("exam_date".to_owned(), local_date(now).to_string())];
    if let Some(r) = view
        .referrals
        .iter()
        .find(|r| r.record.id.to_string() == q.referral.trim())
    {
        values.push(("exam_type".into(), r.record.exam_type.code().into()));
        values.push(("referral_questions".into(), r.record.questions.clone()));
        values.push(("referral_id".into(), r.record.id.to_string()));
    }
    Ok(page(
        &identity,
        view,
        values,
        None,
        crate::error::FormErrors::new(),
        now,
    ))
}

async fn draft_referral(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = ReferralInput {
        exam_type: field(&p, "referral_exam_type"),
        questions: field(&p, "questions"),
    };
    match p
        .submit(state.app.draft_referral(actor, id, &input, Utc::now()))
        .await
    {
        Ok(_) => {
            let values = vec![("exam_date".to_owned(), local_date(Utc::now()).to_string())];
            page_for(
                &state,
                &identity,
                id,
                values,
                Some("Referral drafted: the examiner takes it up with the exam.".to_owned()),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let errors = crate::error::FormErrors::from(msg);
            page_for(&state, &identity, id, p.into_pairs(), None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

fn exam_input(p: &[(String, String)]) -> ExamInput {
    ExamInput {
        exam_type: field(p, "exam_type"),
        exam_date: field(p, "exam_date"),
        referral_questions: field(p, "referral_questions"),
        result: field(p, "result"),
        disclosures: field(p, "disclosures"),
        disclosure_categories: fields(p, "disclosure_categories"),
        referral_id: field(p, "referral_id"),
    }
}

async fn record_exam(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    match p
        .submit(
            state
                .app
                .record_exam(actor, id, &exam_input(&p), Utc::now()),
        )
        .await
    {
        Ok(_) => {
            page_for(
                &state,
                &identity,
                id,
                Vec::new(),
                Some("Exam recorded.".to_owned()),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let errors = crate::error::FormErrors::from(msg);
            page_for(&state, &identity, id, p.into_pairs(), None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_followup(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = FollowupInput {
        exam_id: field(&p, "exam_id"),
        action: field(&p, "action"),
        owner_role: field(&p, "owner_role"),
        due_on: field(&p, "due_on"),
    };
    match p
        .submit(state.app.add_followup(actor, id, &input, Utc::now()))
        .await
    {
        Ok(_) => {
            page_for(
                &state,
                &identity,
                id,
                Vec::new(),
                Some("Follow-up action added.".into()),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let errors = crate::error::FormErrors::from(msg);
            page_for(&state, &identity, id, p.into_pairs(), None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn complete_followup(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, followup)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    match state
        .app
        .complete_followup(actor, id, followup, Utc::now())
        .await
    {
        Ok(_) => {
            page_for(
                &state,
                &identity,
                id,
                Vec::new(),
                Some("Follow-up action marked done.".into()),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e @ AppError::Conflict(_)) => {
            page_for(
                &state,
                &identity,
                id,
                Vec::new(),
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A polygraph exam in the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExamJson {
    pub id: i64,
    /// `instant_offense`, `instant_offense_investigative`, `prior_allegation`,
    /// `sexual_history`, `maintenance` or `monitoring_specific_issue`.
    pub exam_type: String,
    pub exam_date: NaiveDate,
    pub examiner_user_id: i64,
    pub examiner_name: String,
    pub referral_questions: String,
    /// Screening exams: `nsr`, `sr`, `no_opinion`; diagnostic exams: `ndi`, `di`, `inc`.
    pub result: String,
    pub result_label: String,
    /// The disclosures, when there are some and a waiver lets the caller read them.
    pub disclosures: Option<String>,
    /// What they are about; empty when withheld.
    pub disclosure_categories: Vec<String>,
    /// Disclosures were made but no waiver lets the caller read them.
    pub disclosures_withheld: bool,
    pub recorded_at: DateTime<Utc>,
}

/// Disclosures given to a caller who may read them (a consent names them) but not the exams.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureJson {
    pub exam_id: i64,
    pub exam_date: NaiveDate,
    pub disclosures: String,
    pub disclosure_categories: Vec<String>,
}

/// A follow-up action agreed after an exam.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowupJson {
    pub id: i64,
    pub exam_id: i64,
    pub action: String,
    /// The team role that owns it.
    pub owner_role: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<i64>,
}

impl From<FollowupRecord> for FollowupJson {
    fn from(f: FollowupRecord) -> Self {
        FollowupJson {
            id: f.id,
            exam_id: f.exam_id,
            action: f.action,
            owner_role: f.owner_role.code().to_owned(),
            due_on: f.due_on,
            done_on: f.done_on,
            done_by: f.done_by,
        }
    }
}

/// A case's polygraph exams as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolygraphExamsJson {
    /// The caller reads the exams; when false only `disclosures_only` is filled.
    pub exams_readable: bool,
    /// Newest exam date first.
    pub exams: Vec<ExamJson>,
    pub disclosures_only: Vec<DisclosureJson>,
    pub followups: Vec<FollowupJson>,
    /// Referral questions drafted by the team that no exam has taken up yet.
    pub referrals: Vec<ReferralJson>,
    pub latest_maintenance: Option<NaiveDate>,
    /// Twelve months after the latest maintenance exam; `null` when none is on record.
    pub next_maintenance: Option<NaiveDate>,
    /// The waiver that let the disclosures through, when some were given.
    pub waiver_id: Option<i64>,
}

fn exams_json(view: ExamsView) -> PolygraphExamsJson {
    PolygraphExamsJson {
        referrals: view
            .referrals
            .iter()
            .map(|r| ReferralJson {
                id: r.record.id,
                exam_type: r.record.exam_type.code().to_owned(),
                questions: r.record.questions.clone(),
                drafted_by: r.record.drafted_by,
                drafted_at: r.record.drafted_at,
            })
            .collect(),
        exams_readable: view.exams_readable,
        exams: view
            .exams
            .into_iter()
            .map(|e| ExamJson {
                id: e.id,
                exam_type: e.exam_type.code().to_owned(),
                exam_date: e.exam_date,
                examiner_user_id: e.examiner_user_id,
                examiner_name: e.examiner_name,
                referral_questions: e.referral_questions,
                result: e.result.code().to_owned(),
                result_label: e.result.label().to_owned(),
                disclosures: e.disclosures,
                disclosure_categories: codes(&e.disclosure_categories),
                disclosures_withheld: e.disclosures_withheld,
                recorded_at: e.recorded_at,
            })
            .collect(),
        disclosures_only: view
            .disclosures_only
            .into_iter()
            .map(|d| DisclosureJson {
                exam_id: d.exam_id,
                exam_date: d.exam_date,
                disclosures: d.text,
                disclosure_categories: codes(&d.categories),
            })
            .collect(),
        followups: view
            .followups
            .into_iter()
            .map(|f| f.record.into())
            .collect(),
        latest_maintenance: view.latest_maintenance,
        next_maintenance: view.next_maintenance,
        waiver_id: view.waiver_id,
    }
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/polygraph-exams", tag = "polygraph", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "The exams, follow-ups and next maintenance date; disclosures only under a covering waiver", body = PolygraphExamsJson),
              (status = 403, description = "The caller's roles do not read polygraph exams or disclosures on this case", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn exams_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<PolygraphExamsJson>, ApiError> {
    let actor = caller(&identity)?;
    let view = state.app.exams(actor, id, Utc::now()).await?;
    Ok(Json(exams_json(view)))
}

/// An exam to record, given by the caller (the examiner on the team).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewExam {
    /// `instant_offense`, `instant_offense_investigative`, `prior_allegation`,
    /// `sexual_history`, `maintenance` or `monitoring_specific_issue`.
    pub exam_type: String,
    /// YYYY-MM-DD, not in the future; the examiner's PCSOT certification must be current that day.
    pub exam_date: String,
    pub referral_questions: String,
    /// Screening exams (maintenance, monitoring): `nsr`, `sr` or `no_opinion`; diagnostic
    /// exams: `ndi`, `di` or `inc`.
    pub result: String,
    /// What the supervisee disclosed, if anything.
    #[serde(default)]
    pub disclosures: String,
    /// What the disclosures are about, one or more of `unreported_offense`, `new_victim`,
    /// `contact_with_minors`, `high_risk_behavior`, `sexual_material`, `substance_use`,
    /// `supervision_violation`, `sexual_history`, `other`; required with disclosures.
    #[serde(default)]
    pub disclosure_categories: Vec<String>,
    /// The open referral (questions drafted by the team) this exam takes up.
    #[serde(default)]
    pub referral_id: Option<i64>,
}

/// Questions the team drafts for the examiner.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReferral {
    /// The exam asked for (see `NewExam::exam_type`).
    pub exam_type: String,
    pub questions: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralJson {
    pub id: i64,
    pub exam_type: String,
    pub questions: String,
    pub drafted_by: i64,
    pub drafted_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/polygraph-referrals", tag = "polygraph", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewReferral,
    responses((status = 201, description = "Drafted; open until an exam takes it up", body = RecordedId),
              (status = 403, description = "Only the officer, the provider and the examiner on the team draft referrals", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn draft_referral_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewReferral>,
) -> Result<(StatusCode, Json<RecordedId>), ApiError> {
    let actor = caller(&identity)?;
    let input = ReferralInput {
        exam_type: b.exam_type,
        questions: b.questions,
    };
    let r = state
        .app
        .draft_referral(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedId { id: r })))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/polygraph-exams", tag = "polygraph", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewExam,
    responses((status = 201, description = "Recorded", body = RecordedId),
              (status = 403, description = "Only the polygraph examiner on the team records exams", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 409, description = "The referral was taken up by another exam meanwhile", body = ApiErrorBody),
              (status = 422, description = "Invalid fields, a result of the wrong family, or no current PCSOT certification on the exam date", body = ApiErrorBody)))]
pub(crate) async fn record_exam_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewExam>,
) -> Result<(StatusCode, Json<RecordedId>), ApiError> {
    let actor = caller(&identity)?;
    let input = ExamInput {
        exam_type: b.exam_type,
        exam_date: b.exam_date,
        referral_questions: b.referral_questions,
        result: b.result,
        disclosures: b.disclosures,
        disclosure_categories: b.disclosure_categories,
        referral_id: b.referral_id.map(|r| r.to_string()).unwrap_or_default(),
    };
    let exam = state.app.record_exam(actor, id, &input, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(RecordedId { id: exam })))
}

/// A follow-up action agreed after one of the case's exams.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFollowup {
    /// The exam it follows (an exam of this case).
    pub exam_id: i64,
    /// What is to be done.
    pub action: String,
    /// The team role that owns it, e.g. `supervising_officer`, `treatment_provider`,
    /// `polygraph_examiner`.
    pub owner_role: String,
    /// YYYY-MM-DD, not before the exam.
    pub due_on: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/polygraph-followups", tag = "polygraph", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewFollowup,
    responses((status = 201, description = "Added; the follow-up action as stored", body = FollowupJson),
              (status = 403, description = "Only the officer, the provider and the examiner on the team keep follow-up actions", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 422, description = "Invalid; `message` lists every problem", body = ApiErrorBody)))]
pub(crate) async fn add_followup_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewFollowup>,
) -> Result<(StatusCode, Json<FollowupJson>), ApiError> {
    let actor = caller(&identity)?;
    let input = FollowupInput {
        exam_id: b.exam_id.to_string(),
        action: b.action,
        owner_role: b.owner_role,
        due_on: b.due_on,
    };
    let f = state
        .app
        .add_followup(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/polygraph-followups/{followup}/complete", tag = "polygraph", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("followup" = i64, Path, description = "Follow-up action id")),
    responses((status = 200, description = "Done today, by the caller; the follow-up action as it now stands", body = FollowupJson),
              (status = 403, description = "Only the officer, the provider and the examiner on the team keep follow-up actions", body = ApiErrorBody),
              (status = 404, description = "No such case or follow-up action for the caller", body = ApiErrorBody),
              (status = 409, description = "Already done", body = ApiErrorBody)))]
pub(crate) async fn complete_followup_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, followup)): Path<(i64, i64)>,
) -> Result<Json<FollowupJson>, ApiError> {
    let actor = caller(&identity)?;
    let f = state
        .app
        .complete_followup(actor, id, followup, Utc::now())
        .await?;
    Ok(Json(f.into()))
}
