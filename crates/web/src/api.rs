//! The JSON API: discovery, the caller's own account and tokens, administration reads. Every
//! route but discovery needs `Authorization: Bearer <token>`.

use crate::extract::ApiJson;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use containment_app::{AgencyRecord, AppError, StoredUser, TokenRecord};
use containment_domain::{AgencyKind, Role};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::caller;
use crate::guard::Guard;
use crate::health::{self, HealthStatus};
use crate::identity::Identity;
use crate::routes::{Registry, RouteInfo};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Containment API",
        description = "Case management for California containment teams. Authenticate with \
            `Authorization: Bearer <token>` (create tokens on your account page or with \
            `containment token create`); a token acts with its user's permissions and no more. \
            Errors are `{\"error\": \"snake_case_code\", \"message\": \"...\"}` with a 4xx or 5xx status.",
    ),
    paths(
        api_root, me, my_tokens, revoke_token, users, add_agency, health::healthz, health::readyz,
        crate::api_cases::caseload, crate::exports::export_caseload, crate::exports::export_obligations,
        crate::exports::export_dashboard, crate::exports::export_dashboard_list, crate::exports::export_audit,
        crate::api_cases::open_case, crate::api_cases::supervisee,
        crate::api_cases::update_supervisee, crate::api_cases::certifications,
        crate::api_cases::record_waiver, crate::api_cases::revoke_waiver,
        crate::api_cases::end_supervision, crate::api_cases::open_episode,
        crate::api_cases::correct_supervision,
        crate::api_cases::add_certification, crate::api_cases::import_certifications,
        crate::api_cases::add_member, crate::api_cases::end_member,
        crate::api_cases::team_candidates,
        crate::documents::list_api, crate::documents::upload_api, crate::documents::content_api,
        crate::api_scores::static99r, crate::api_scores::scores, crate::api_scores::record_score,
        crate::api_scores::record_step, crate::api_scores::report, crate::api_scores::submissions,
        crate::compliance::obligations_api, crate::today::tasks_api, crate::compliance::dashboard_api,
        crate::compliance::request_exemption_api, crate::compliance::decide_exemption_api,
        crate::treatment::view_api, crate::treatment::contact_api, crate::treatment::confirm_api,
        crate::treatment::self_report_api, crate::treatment::acknowledge_api,
        crate::treatment::refer_api, crate::treatment::complete_api,
        crate::monthly_reports::list_api, crate::monthly_reports::prefill_api,
        crate::monthly_reports::create_api, crate::monthly_reports::report_api,
        crate::monthly_reports::update_api, crate::monthly_reports::submit_api,
        crate::monthly_reports::acknowledge_api, crate::monthly_reports::correct_api,
        crate::monthly_reports::pdf_api,
        crate::treatment_plan::session_api, crate::treatment_plan::intensity_api,
        crate::treatment_plan::module_api, crate::treatment_plan::module_complete_api,
        crate::treatment_plan::contract_api,
        crate::teams::teams_api, crate::teams::create_team_api, crate::teams::team_api,
        crate::teams::update_team_api, crate::teams::create_sub_team_api,
        crate::teams::add_member_api, crate::teams::end_member_api,
        crate::teams::appoint_leader_api, crate::teams::add_staff_api,
        crate::teams::end_staff_api, crate::teams::workplan_api,
        crate::teams::create_activity_api, crate::teams::update_activity_api,
        crate::teams::add_note_api,
        crate::polygraph::exams_api, crate::polygraph::record_exam_api,
        crate::polygraph::draft_referral_api,
        crate::treatment::enroll_api, crate::treatment::end_api,
        crate::polygraph::add_followup_api, crate::polygraph::complete_followup_api,
        crate::compliance::revoke_feed_api, crate::compliance::set_policy_api,
        crate::calendar::holidays_api, crate::calendar::add_working_days_api,
        crate::caseload_import::import_api,
    ),
    components(schemas(
        ApiRoot, ApiErrorBody, HealthStatus, Me, Token, User, NewAgency, Agency,
        crate::api_cases::CaseloadPage, crate::api_cases::CaseloadItem, crate::api_cases::NewCase,
        crate::api_cases::Created, crate::api_cases::Supervisee, crate::api_cases::Episode,
        crate::api_cases::TeamMember, crate::api_cases::NewTeamMember, crate::api_cases::EndMembership,
        crate::api_cases::TeamCandidateJson,
        crate::api_cases::SuperviseeUpdate, crate::api_cases::Certification,
        crate::api_cases::NewCertificationBody, crate::api_cases::Imported,
        crate::api_cases::NewWaiver, crate::api_cases::Revocation, crate::api_cases::WaiverJson,
        crate::api_cases::TreatmentAccess, crate::api_cases::EndSupervision, crate::api_cases::NewEpisodeBody,
        crate::api_cases::EpisodeCorrectionBody,
        crate::documents::DocumentJson, crate::documents::StoredDocument, crate::api_cases::TimelineEvent,
        crate::api_scores::Static99rItems, crate::api_scores::ItemJson, crate::api_scores::Static99rScore,
        crate::api_scores::StepJson, crate::api_scores::WaitingJson, crate::api_scores::ScoreJson,
        crate::api_scores::NewScore, crate::api_scores::Static99rCaseItems, crate::api_scores::RecordedId,
        crate::api_scores::NewStep, crate::api_scores::SubmissionJson,
        crate::compliance::ObligationJson, crate::compliance::RateJson, crate::compliance::DashboardJson,
        crate::compliance::RuleMonthsJson, crate::compliance::MonthRateJson,
        crate::compliance::NewExemption, crate::compliance::ExemptionId, crate::compliance::ExemptionDecision,
        crate::treatment::ContactJson, crate::treatment::TreatmentJson, crate::treatment::SelfReportJson,
        crate::treatment::TreatmentViewJson, crate::treatment::NewContact, crate::treatment::RecordedJson,
        crate::treatment::NewSelfReport, crate::treatment::NewAssessment,
        crate::treatment::AssessmentCompletion, crate::treatment::AssessmentJson,
        crate::monthly_reports::SessionCountsJson, crate::monthly_reports::ReportContentJson,
        crate::monthly_reports::MonthlyReportJson, crate::monthly_reports::MonthlyReportsJson,
        crate::monthly_reports::MonthlyReportDetailJson, crate::monthly_reports::MonthlyReportBody,
        crate::monthly_reports::RevisionBody, crate::monthly_reports::AcknowledgementBody,
        crate::monthly_reports::ReportIdJson, crate::monthly_reports::MonthQuery,
        crate::treatment_plan::SessionJson, crate::treatment_plan::ModuleJson,
        crate::treatment_plan::ContractJson, crate::treatment_plan::IntensityRecommendationJson,
        crate::treatment_plan::NewSession, crate::treatment_plan::IntensityChange,
        crate::treatment_plan::NewModule, crate::treatment_plan::ModuleCompletion,
        crate::treatment_plan::NewContract, crate::treatment_plan::ContractRecordedJson,
        crate::teams::TeamsJson, crate::teams::TeamListItemJson, crate::teams::SubTeamJson,
        crate::teams::TeamBody, crate::teams::CreatedJson, crate::teams::GoalJson,
        crate::teams::MemberJson, crate::teams::TermJson, crate::teams::StaffJson,
        crate::teams::TeamJson, crate::teams::NewMember, crate::teams::Ending,
        crate::teams::NewLeader, crate::teams::NoteJson, crate::teams::ActivityJson,
        crate::teams::WorkplanGoalJson, crate::teams::WorkplanJson, crate::teams::ActivityBody,
        crate::teams::NewNote, crate::today::TeamActivityJson,
        crate::polygraph::PolygraphExamsJson, crate::polygraph::ExamJson, crate::polygraph::DisclosureJson,
        crate::polygraph::FollowupJson, crate::polygraph::NewExam,
        crate::polygraph::NewReferral, crate::polygraph::ReferralJson,
        crate::treatment::NewTreatment, crate::treatment::TreatmentEnding,
        crate::polygraph::NewFollowup, crate::compliance::CountyPolicyBody,
        crate::compliance::CountyPolicyJson, crate::calendar::HolidayJson,
        crate::calendar::HolidaysJson, crate::calendar::WorkingDaysJson,
        crate::compliance::CountyPolicyJson, crate::today::TodayJson, crate::today::TaskJson,
        crate::today::WindowCounts, crate::today::MissedJson,
        crate::caseload_import::CaseloadImportJson, crate::caseload_import::ImportedJson,
        crate::caseload_import::MatchedJson, crate::caseload_import::ImportProblemJson,
    )),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "api", description = "Discovery"),
        (name = "exports", description = "Lists as CSV or XLSX files, audited as exports"),
        (name = "account", description = "The caller's own account and tokens"),
        (name = "administration", description = "Accounts, for administrators"),
        (name = "cases", description = "Supervisees, supervision episodes and containment teams"),
        (name = "certifications", description = "The certification registry (R10)"),
        (name = "scores", description = "Risk instruments (SARATSO) and each score's chain to DOJ"),
        (name = "compliance", description = "Obligations (R1-R13), tasks, the dashboard and exemptions"),
        (name = "treatment", description = "Treatment, its sessions, intensity, modules and contract, provider-officer contacts and self-reports"),
        (name = "polygraph", description = "Polygraph exams, their disclosures (behind the waiver wall) and follow-up actions"),
        (name = "teams", description = "Teams above the case (case management, local and statewide policy teams), their members, leaders, staff, sub-teams and workplans"),
        (name = "operations", description = "Health checks for load balancers"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Lists on every operation the answers it shares with others, so the document names every
/// status a route gives: 401 without a valid token and 503 when the database is away (every
/// token is checked against it); 403 where a role guard or the caller's part on a case decides;
/// 404 where the path names a record; 400 for a path segment that is not a number; 400 and 422
/// for query parameters; 400, 415 and 422 for a JSON body that is malformed, not JSON, or of
/// the wrong shape. An operation's own description of a status is kept.
#[derive(Debug)]
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let (_, routes) = crate::registry().into_parts();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in [
                ("GET", &mut item.get),
                ("PUT", &mut item.put),
                ("POST", &mut item.post),
                ("DELETE", &mut item.delete),
            ] {
                let Some(op) = op.as_mut() else {
                    continue;
                };
                let Some(guard) = routes
                    .iter()
                    .find(|r| r.method == method && r.path == path)
                    .map(|r| r.guard)
                else {
                    continue;
                };
                if method == "POST" && guard.is_api() {
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_parameter().into());
                }
                for (status, description) in shared_answers(path, guard, op) {
                    if !op.responses.responses.contains_key(status) {
                        let response = utoipa::openapi::ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/json",
                                utoipa::openapi::Content::new(Some(
                                    utoipa::openapi::Ref::from_schema_name("ApiErrorBody"),
                                )),
                            )
                            .build();
                        op.responses
                            .responses
                            .insert(status.to_owned(), response.into());
                    }
                }
            }
        }
    }
}

/// The optional `Idempotency-Key` header every POST of the API takes.
fn idempotency_parameter() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the same key with the same request within 24 hours gets the \
             first answer again (with `Idempotent-Replayed: true`) instead of acting twice; the \
             same key with a different request is refused with 422. A failed request frees its \
             key. Keys belong to the caller's account: 1 to 255 visible ASCII characters, e.g. a \
             UUID.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build()
}

/// The statuses an operation answers besides its own, with why.
fn shared_answers(
    path: &str,
    guard: Guard,
    op: &utoipa::openapi::path::Operation,
) -> Vec<(&'static str, &'static str)> {
    let params = serde_json::to_value(&op.parameters).unwrap_or_default();
    let params = params.as_array().cloned().unwrap_or_default();
    let path_params: Vec<_> = params.iter().filter(|p| p["in"] == "path").collect();
    let json_body = serde_json::to_value(&op.request_body)
        .unwrap_or_default()
        .pointer("/content/application~1json")
        .is_some();
    let mut answers = Vec::new();
    if guard.is_api() {
        answers.push(("401", "No valid API token"));
        answers.push((
            "503",
            "The database is not reachable; nothing was saved, try again in a moment",
        ));
    }
    if matches!(guard, Guard::ApiRole(_))
        || path.starts_with("/api/v1/supervisees/{id}")
        || path.starts_with("/api/v1/exemptions/{id}")
    {
        answers.push((
            "403",
            "The caller's roles, or their part on the case, do not allow this",
        ));
    }
    if !path_params.is_empty() {
        answers.push(("404", "No such record for the caller"));
    }
    if path_params.iter().any(|p| p["schema"]["type"] == "integer") {
        answers.push(("400", "A path segment is not a number"));
    }
    if params.iter().any(|p| p["in"] == "query") {
        answers.push(("400", "A query parameter is malformed"));
        answers.push(("422", "A query parameter's value is not valid"));
    }
    let keyed = serde_json::to_value(&op.parameters)
        .unwrap_or_default()
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
    if keyed {
        answers.push((
            "409",
            "A request with the same Idempotency-Key is still being answered",
        ));
        answers.push((
            "422",
            "The Idempotency-Key is malformed, or was used for a different request",
        ));
    }
    if json_body {
        answers.push(("400", "The body is not well-formed JSON"));
        answers.push(("415", "The body is not sent as `application/json`"));
        answers.push(("422", "A field of the body is missing or of the wrong type"));
    }
    answers
}

const ADMINS: &[Role] = &[Role::SystemAdmin, Role::AgencyAdmin];
const SYSTEM_ADMINS: &[Role] = &[Role::SystemAdmin];

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/api/v1", Guard::Public, api_root)
        .get("/api/v1/me", Guard::Api, me)
        .get("/api/v1/tokens", Guard::Api, my_tokens)
        .delete("/api/v1/tokens/{id}", Guard::Api, revoke_token)
        .get("/api/v1/users", Guard::ApiRole(ADMINS), users)
        .post(
            "/api/v1/agencies",
            Guard::ApiRole(SYSTEM_ADMINS),
            add_agency,
        )
}

/// The OpenAPI document and the vendored Swagger UI: public, static.
pub(crate) fn docs() -> (Router<AppState>, Vec<RouteInfo>) {
    (
        Router::new()
            .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", ApiDoc::openapi())),
        vec![
            RouteInfo {
                method: "GET",
                path: "/api/v1/openapi.json",
                guard: Guard::Public,
            },
            RouteInfo {
                method: "GET",
                path: "/api/docs/",
                guard: Guard::Public,
            },
        ],
    )
}

/// Where a program starts: the version and where the API is described.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiRoot {
    #[schema(example = "Containment")]
    pub name: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The OpenAPI document of this API.
    #[schema(example = "/api/v1/openapi.json")]
    pub openapi: &'static str,
    /// Interactive documentation for people.
    #[schema(example = "/api/docs/")]
    pub docs: &'static str,
}

#[utoipa::path(get, path = "/api/v1", tag = "api",
    responses((status = 200, description = "API discovery document", body = ApiRoot)))]
pub(crate) async fn api_root() -> Json<ApiRoot> {
    Json(ApiRoot {
        name: "Containment",
        version: env!("CARGO_PKG_VERSION"),
        openapi: "/api/v1/openapi.json",
        docs: "/api/docs/",
    })
}

/// The account a token acts as.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub agency_id: i64,
    /// Role codes, e.g. `supervising_officer`.
    pub roles: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, description = "The token's account", body = Me),
        (status = 401, description = "No valid token", body = ApiErrorBody)))]
pub(crate) async fn me(Extension(identity): Extension<Identity>) -> Result<Json<Me>, ApiError> {
    let actor = caller(&identity)?;
    let u = actor.user.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Send a valid API token.",
        )
    })?;
    Ok(Json(Me {
        id: u.id,
        email: u.email.to_string(),
        display_name: u.display_name.clone(),
        agency_id: u.agency_id,
        roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
    }))
}

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRecord> for Token {
    fn from(t: TokenRecord) -> Self {
        Token {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The caller's tokens", body = [Token])))]
pub(crate) async fn my_tokens(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Json<Vec<Token>>, ApiError> {
    let actor = caller(&identity)?;
    Ok(Json(
        state
            .app
            .tokens(actor, None)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of yours", body = ApiErrorBody),
        (status = 409, description = "Already revoked", body = ApiErrorBody)))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state.app.revoke_token(actor, id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An account, as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub agency_id: i64,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub locked: bool,
    pub mfa_enrolled: bool,
}

impl From<StoredUser> for User {
    fn from(u: StoredUser) -> Self {
        User {
            id: u.id,
            email: u.email.to_string(),
            display_name: u.display_name,
            agency_id: u.agency_id,
            roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
            disabled: u.disabled,
            locked: u.locked,
            mfa_enrolled: u.mfa_enrolled,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "Accounts the caller administers", body = [User]),
        (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub(crate) async fn users(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Json<Vec<User>>, ApiError> {
    let actor = caller(&identity)?;
    Ok(Json(
        state
            .app
            .users(actor)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// An agency to add to the directory.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    /// 1 to 200 characters, unique.
    pub name: String,
    /// `probation_department`, `parole`, `treatment_provider`, `polygraph_firm`,
    /// `law_enforcement`, `victim_advocacy`, `court`, `prosecutor` or `state_agency`.
    pub kind: String,
    /// The California county it serves, if one.
    #[serde(default)]
    pub county: Option<String>,
}

/// An agency of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub county: Option<String>,
}

impl From<AgencyRecord> for Agency {
    fn from(a: AgencyRecord) -> Self {
        Agency {
            id: a.id,
            name: a.name,
            kind: a.kind.code().to_owned(),
            county: a.county,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/agencies", tag = "administration", security(("bearer" = [])),
    request_body = NewAgency,
    responses(
        (status = 201, description = "Added; the agency as stored", body = Agency),
        (status = 403, description = "Not a system administrator", body = ApiErrorBody),
        (status = 409, description = "An agency of this name exists", body = ApiErrorBody),
        (status = 422, description = "Invalid name or kind", body = ApiErrorBody)))]
pub(crate) async fn add_agency(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiJson(b): ApiJson<NewAgency>,
) -> Result<(StatusCode, Json<Agency>), ApiError> {
    let actor = caller(&identity)?;
    let kind = b
        .kind
        .parse::<AgencyKind>()
        .map_err(|e| AppError::invalid(format!("kind: {e}")))?;
    let agency = state
        .app
        .add_agency(actor, &b.name, kind, b.county.as_deref(), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(agency.into())))
}
