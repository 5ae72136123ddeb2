//! Risk scores in the JSON API: the stateless Static-99R calculator, a case's scores with their
//! chains, recording scores and steps, the printable report and the DOJ submissions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{AppError, ScoreEntry, ScoreInput, StepInput, level_label};
use containment_domain::case::local_date;
use containment_domain::instrument::{self, Static99rAnswers};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{ApiJson, ApiQuery, caller};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .post("/api/v1/instruments/static99r/score", Guard::Api, static99r)
        .get("/api/v1/supervisees/{id}/scores", Guard::Api, scores)
        .post("/api/v1/supervisees/{id}/scores", Guard::Api, record_score)
        .post(
            "/api/v1/supervisees/{id}/scores/{score}/steps",
            Guard::Api,
            record_step,
        )
        .get(
            "/api/v1/supervisees/{id}/scores/{score}/report.pdf",
            Guard::Api,
            report,
        )
        .get("/api/v1/score-submissions", Guard::Api, submissions)
}

/// The ten Static-99R answers; age follows from the two dates.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Static99rItems {
    pub date_of_birth: NaiveDate,
    /// Release from the index sex offense.
    pub release_date: NaiveDate,
    pub lived_with_partner_two_years: bool,
    pub index_nonsexual_violence: bool,
    pub prior_nonsexual_violence: bool,
    pub prior_sex_charges: u16,
    pub prior_sex_convictions: u16,
    /// Excluding the index sentencing date.
    pub prior_sentencing_dates: u16,
    pub noncontact_sex_offense: bool,
    pub unrelated_victim: bool,
    /// A stranger victim is also unrelated: `true` requires `unrelated_victim`.
    pub stranger_victim: bool,
    pub male_victim: bool,
}

impl From<&Static99rItems> for Static99rAnswers {
    fn from(i: &Static99rItems) -> Self {
        Static99rAnswers {
            date_of_birth: i.date_of_birth,
            release_date: i.release_date,
            lived_with_partner_two_years: i.lived_with_partner_two_years,
            index_nonsexual_violence: i.index_nonsexual_violence,
            prior_nonsexual_violence: i.prior_nonsexual_violence,
            prior_sex_charges: i.prior_sex_charges,
            prior_sex_convictions: i.prior_sex_convictions,
            prior_sentencing_dates: i.prior_sentencing_dates,
            noncontact_sex_offense: i.noncontact_sex_offense,
            unrelated_victim: i.unrelated_victim,
            stranger_victim: i.stranger_victim,
            male_victim: i.male_victim,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemJson {
    pub number: u8,
    pub label: String,
    pub answer: String,
    pub points: i32,
}

fn items_json(items: Vec<instrument::ItemPoints>) -> Vec<ItemJson> {
    items
        .into_iter()
        .map(|i| ItemJson {
            number: i.number,
            label: i.label.to_owned(),
            answer: i.answer,
            points: i.points,
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Static99rScore {
    pub age_at_release: u32,
    pub items: Vec<ItemJson>,
    /// From -3 to 12.
    pub total: i32,
    /// 2016 risk level code, `level_i` to `level_ivb`.
    pub level: String,
    pub level_label: String,
    /// Pre-2016 category code, for historic records.
    pub pre2016_category: String,
    /// Level IVa or IVb: a High Risk Sex Offender in CDCR practice.
    pub high_risk: bool,
}

#[utoipa::path(post, path = "/api/v1/instruments/static99r/score", tag = "scores", security(("bearer" = [])),
    request_body = Static99rItems,
    responses((status = 200, description = "Total, level and points per item; nothing is stored", body = Static99rScore),
              (status = 422, description = "Inconsistent or impossible answers (release before 18, a stranger victim not counted as unrelated)", body = ApiErrorBody)))]
pub(crate) async fn static99r(
    Extension(identity): Extension<Identity>,
    ApiJson(items): ApiJson<Static99rItems>,
) -> Result<Json<Static99rScore>, ApiError> {
    caller(&identity)?;
    let r = instrument::score_static99r(&Static99rAnswers::from(&items)).map_err(AppError::from)?;
    Ok(Json(Static99rScore {
        age_at_release: r.age_at_release,
        items: items_json(r.items),
        total: r.total,
        level: r.level.code().to_owned(),
        level_label: r.level.label().to_owned(),
        pre2016_category: r.pre2016.code().to_owned(),
        high_risk: r.level.is_high_risk(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepJson {
    pub id: i64,
    /// `provider_review`, `shared_with_officer`, `officer_receipt` or `doj_submission`.
    pub step: String,
    pub on: NaiveDate,
    pub by_user_id: i64,
    pub method: Option<String>,
    pub reference: Option<String>,
    /// The provider's written interpretation (dynamic-risk discussion): only for a caller a
    /// waiver covers.
    pub interpretation: Option<String>,
    /// There is an interpretation the caller is not covered for.
    pub interpretation_withheld: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingJson {
    pub step: String,
    /// The team role that takes the step.
    pub responsible: String,
    pub due: Option<NaiveDate>,
    pub rule: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreJson {
    pub id: i64,
    pub instrument: String,
    pub scored_on: NaiveDate,
    pub reason: String,
    pub scorer_user_id: i64,
    pub scorer_name: String,
    /// The scorer held a current SARATSO certification for the instrument that day.
    pub scorer_certified: bool,
    pub uncertified_reason: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub total: i32,
    /// Level, band or category code; empty for JSORRAT-II.
    pub level: String,
    pub level_label: String,
    pub pre2016_category: Option<String>,
    pub combined_level: Option<String>,
    pub gears_reference: Option<String>,
    pub items: Vec<ItemJson>,
    pub steps: Vec<StepJson>,
    /// Steps owed now, with who owes them and by when.
    pub waiting: Vec<WaitingJson>,
}

fn score_json(e: &ScoreEntry) -> ScoreJson {
    let r = &e.record;
    ScoreJson {
        id: r.id,
        instrument: r.instrument.code().to_owned(),
        scored_on: r.scored_on,
        reason: r.reason.code().to_owned(),
        scorer_user_id: r.scorer_user_id,
        scorer_name: e.scorer_name.clone(),
        scorer_certified: r.scorer_certified,
        uncertified_reason: r.uncertified_reason.clone(),
        release_date: r.release_date,
        total: r.total,
        level: r.level.clone(),
        level_label: level_label(r.instrument, &r.level),
        pre2016_category: r.pre2016_category.clone(),
        combined_level: r.combined_level.clone(),
        gears_reference: r.gears_reference.clone(),
        items: items_json(containment_app::score_items(r)),
        steps: e
            .steps
            .iter()
            .map(|s| StepJson {
                id: s.id,
                step: s.step.code().to_owned(),
                on: s.on,
                by_user_id: s.by_user_id,
                method: s.method.clone(),
                reference: s.reference.clone(),
                interpretation: e.interpretation(s).ok().flatten().map(str::to_owned),
                interpretation_withheld: e.interpretation(s).is_err(),
            })
            .collect(),
        waiting: e
            .waiting
            .iter()
            .map(|w| WaitingJson {
                step: w.step.code().to_owned(),
                responsible: w.responsible.code().to_owned(),
                due: w.due,
                rule: w.rule.to_owned(),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/scores", tag = "scores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "The scores the caller may read, oldest first", body = [ScoreJson]),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn scores(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ScoreJson>>, ApiError> {
    let actor = caller(&identity)?;
    let now = Utc::now();
    let view = state.app.case_view(actor, id, now, local_date(now)).await?;
    Ok(Json(view.scores.iter().map(score_json).collect()))
}

/// A score to record. Give the fields of the chosen instrument.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewScore {
    /// `static99r`, `stable2007`, `acute2007`, `lscmi`, `sra_fv` or `jsorrat2`.
    pub instrument: String,
    pub scored_on: String,
    /// `pre_sentence`, `pre_release`, `intake`, `dynamic_risk_change` or `final_before_end`.
    pub reason: String,
    /// The scorer's e-mail, when not the caller.
    #[serde(default)]
    pub scorer_email: String,
    /// Agency admins only: why a score by an uncertified scorer is recorded anyway.
    #[serde(default)]
    pub uncertified_reason: String,
    /// Static-99R: the answers (the date of birth is taken from the case).
    pub static99r: Option<Static99rCaseItems>,
    /// STABLE-2007 (13) or ACUTE-2007 (7) ratings 0-2; `null` for STABLE-2007 item 3 when no
    /// victim was 13 or younger.
    #[serde(default)]
    pub items: Vec<Option<u8>>,
    /// STABLE-2007: a victim was 13 or younger.
    #[serde(default)]
    pub child_victim: bool,
    /// STABLE-2007: the evaluator's combined level code, if any.
    #[serde(default)]
    pub combined_level: String,
    /// LS/CMI, SRA-FV, JSORRAT-II: the reported total.
    pub total: Option<i32>,
    /// LS/CMI band or SRA-FV level code.
    #[serde(default)]
    pub band: String,
    #[serde(default)]
    pub gears_reference: String,
}

/// Static-99R answers recorded on a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Static99rCaseItems {
    pub release_date: String,
    pub lived_with_partner_two_years: bool,
    pub index_nonsexual_violence: bool,
    pub prior_nonsexual_violence: bool,
    pub prior_sex_charges: u16,
    pub prior_sex_convictions: u16,
    pub prior_sentencing_dates: u16,
    pub noncontact_sex_offense: bool,
    pub unrelated_victim: bool,
    pub stranger_victim: bool,
    pub male_victim: bool,
}

fn score_input(b: NewScore) -> ScoreInput {
    let s = b.static99r.as_ref();
    ScoreInput {
        instrument: b.instrument,
        scored_on: b.scored_on,
        reason: b.reason,
        scorer_email: b.scorer_email,
        uncertified_reason: b.uncertified_reason,
        release_date: s.map(|s| s.release_date.clone()).unwrap_or_default(),
        yes_no: match s {
            Some(s) => [
                Some(s.lived_with_partner_two_years),
                Some(s.index_nonsexual_violence),
                Some(s.prior_nonsexual_violence),
                Some(s.noncontact_sex_offense),
                Some(s.unrelated_victim),
                Some(s.stranger_victim),
                Some(s.male_victim),
            ],
            None => [None; 7],
        },
        counts: match s {
            Some(s) => [
                s.prior_sex_charges.to_string(),
                s.prior_sex_convictions.to_string(),
                s.prior_sentencing_dates.to_string(),
            ],
            None => Default::default(),
        },
        child_victim: b.child_victim,
        items: b
            .items
            .iter()
            .map(|i| i.map(|v| v.to_string()).unwrap_or_default())
            .collect(),
        combined_level: b.combined_level,
        total: b.total.map(|t| t.to_string()).unwrap_or_default(),
        band: b.band,
        gears_reference: b.gears_reference,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedId {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/scores", tag = "scores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewScore,
    responses((status = 201, description = "Recorded", body = RecordedId),
              (status = 403, description = "This instrument's scores are recorded by another team member", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 422, description = "Invalid answers, or a scorer without a current SARATSO certification that day", body = ApiErrorBody)))]
pub(crate) async fn record_score(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewScore>,
) -> Result<(StatusCode, Json<RecordedId>), ApiError> {
    let actor = caller(&identity)?;
    let score = state
        .app
        .record_score(actor, id, &score_input(body), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedId { id: score })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStep {
    /// `provider_review`, `shared_with_officer`, `officer_receipt` or `doj_submission`.
    pub step: String,
    pub on: String,
    /// DOJ submission: how it was sent.
    #[serde(default)]
    pub method: String,
    /// DOJ submission: the DOJ or GEARS reference.
    #[serde(default)]
    pub reference: String,
    /// Sharing with the officer: the written interpretation (R5).
    #[serde(default)]
    pub interpretation: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/scores/{score}/steps", tag = "scores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("score" = i64, Path, description = "Score id")),
    request_body = NewStep,
    responses((status = 201, description = "Recorded", body = RecordedId),
              (status = 403, description = "The step belongs to another team role", body = ApiErrorBody),
              (status = 409, description = "Out of order, already recorded, or dated before what it follows", body = ApiErrorBody),
              (status = 422, description = "Missing date, interpretation or method", body = ApiErrorBody)))]
pub(crate) async fn record_step(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, score)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<NewStep>,
) -> Result<(StatusCode, Json<RecordedId>), ApiError> {
    let actor = caller(&identity)?;
    let input = StepInput {
        step: b.step,
        on: b.on,
        method: b.method,
        reference: b.reference,
        interpretation: b.interpretation,
    };
    let step = state
        .app
        .record_score_step(actor, id, score, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(RecordedId { id: step })))
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/scores/{score}/report.pdf", tag = "scores", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("score" = i64, Path, description = "Score id")),
    responses((status = 200, description = "The SARATSO score report (application/pdf)"),
              (status = 404, description = "No such score for the caller", body = ApiErrorBody)))]
pub(crate) async fn report(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, score)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let actor = caller(&identity)?;
    Ok(crate::scores::report_response(&state, actor, id, score).await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionRange {
    /// First day (YYYY-MM-DD); default the first of this month.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default today.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionJson {
    pub submitted_on: NaiveDate,
    pub method: String,
    pub reference: String,
    pub submitted_by: String,
    pub supervisee_id: i64,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub cii: String,
    pub cdcr: String,
    pub court_cases: String,
    pub county_of_conviction: String,
    pub county_of_registration: String,
    pub instrument: String,
    pub scored_on: NaiveDate,
    pub total: i32,
    pub level: String,
    pub scorer: String,
}

#[utoipa::path(get, path = "/api/v1/score-submissions", tag = "scores", security(("bearer" = [])),
    params(SubmissionRange),
    responses((status = 200, description = "DOJ submissions in the range on cases the caller may export", body = [SubmissionJson]),
              (status = 422, description = "A bad date or an empty range", body = ApiErrorBody)))]
pub(crate) async fn submissions(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(q): ApiQuery<SubmissionRange>,
) -> Result<Json<Vec<SubmissionJson>>, ApiError> {
    let actor = caller(&identity)?;
    let (from, to) = crate::scores::range(&crate::scores::RangeQuery {
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
    })?;
    let rows = state
        .app
        .doj_submissions(actor, from, to, Utc::now())
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| SubmissionJson {
                level: level_label(r.instrument, &r.level),
                instrument: r.instrument.code().to_owned(),
                submitted_on: r.submitted_on,
                method: r.method,
                reference: r.reference,
                submitted_by: r.submitted_by,
                supervisee_id: r.supervisee_id,
                name: r.name,
                date_of_birth: r.date_of_birth,
                cii: r.cii,
                cdcr: r.cdcr,
                court_cases: r.court_cases,
                county_of_conviction: r.county_of_conviction,
                county_of_registration: r.county_of_registration,
                scored_on: r.scored_on,
                total: r.total,
                scorer: r.scorer,
            })
            .collect(),
    ))
}
