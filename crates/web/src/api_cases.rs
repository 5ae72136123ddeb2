//! The case file in the JSON API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::extract::{ApiJson, ApiQuery};
use chrono::{NaiveDate, Utc};
use containment_app::{AppError, CaseInput, CaseView};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::caller;
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::cases::{CaseloadFilters, caseload_query};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/api/v1/caseload", Guard::Api, caseload)
        .post("/api/v1/supervisees", Guard::Api, open_case)
        .get("/api/v1/supervisees/{id}", Guard::Api, supervisee)
        .put("/api/v1/supervisees/{id}", Guard::Api, update_supervisee)
        .post(
            "/api/v1/supervisees/{id}/waivers",
            Guard::Api,
            record_waiver,
        )
        .post(
            "/api/v1/supervisees/{id}/episodes",
            Guard::Api,
            open_episode,
        )
        .post(
            "/api/v1/supervisees/{id}/episodes/{episode}/end",
            Guard::Api,
            end_supervision,
        )
        .put(
            "/api/v1/supervisees/{id}/episodes/{episode}",
            Guard::Api,
            correct_supervision,
        )
        .post(
            "/api/v1/supervisees/{id}/waivers/{waiver}/revoke",
            Guard::Api,
            revoke_waiver,
        )
        .get("/api/v1/certifications", Guard::Api, certifications)
        .post(
            "/api/v1/certifications",
            Guard::ApiRole(CERT_MANAGERS),
            add_certification,
        )
        .post(
            "/api/v1/certifications/import",
            Guard::ApiRole(CERT_MANAGERS),
            import_certifications,
        )
        .post(
            "/api/v1/supervisees/{id}/team-members",
            Guard::Api,
            add_member,
        )
        .post(
            "/api/v1/supervisees/{id}/team-members/{member}/end",
            Guard::Api,
            end_member,
        )
        .get(
            "/api/v1/supervisees/{id}/team-candidates",
            Guard::Api,
            team_candidates,
        )
}

const CERT_MANAGERS: &[containment_domain::Role] = &[
    containment_domain::Role::SystemAdmin,
    containment_domain::Role::AgencyAdmin,
];

/// Query of the caseload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseloadParams {
    /// Part of a name, or a CII, CDCR or court case number.
    pub q: Option<String>,
    /// A California county.
    pub county: Option<String>,
    /// A supervision kind code (e.g. `probation`).
    pub kind: Option<String>,
    /// `1` for cases missing an officer, a provider or an examiner.
    pub gaps: Option<String>,
    /// `1` for cases without a court-ordered waiver in force (R11).
    pub waiver_missing: Option<String>,
    /// `urgency` (default: most overdue first, then soonest due), `name`, `start` or `county`.
    pub sort: Option<String>,
    /// 0-based page of 25.
    pub page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadItem {
    pub supervisee_id: i64,
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub cii_number: Option<String>,
    pub cdcr_number: Option<String>,
    pub episode_id: i64,
    pub supervision_kind: String,
    pub county: String,
    pub start_date: NaiveDate,
    /// Team roles the caller holds on this case.
    pub my_roles: Vec<String>,
    /// Required team roles nobody fills today.
    pub team_gaps: Vec<String>,
    /// Obligations overdue that can still be met, by anyone on the team; null when the caller
    /// may not read the case's obligations.
    pub overdue: Option<usize>,
    /// Obligations past doing, on record as missed.
    pub missed: usize,
    /// The next obligation due (not yet overdue): its due date and rule.
    pub next_due: Option<NaiveDate>,
    pub next_due_rule: Option<String>,
    /// The last contact the provider documented (or a signed monthly report).
    pub last_provider_contact: Option<NaiveDate>,
    /// The latest level of each instrument the caller may see, e.g. `{"static99r": "IVa"}`.
    pub risk_levels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadPage {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub items: Vec<CaseloadItem>,
}

#[utoipa::path(get, path = "/api/v1/caseload", tag = "cases", security(("bearer" = [])),
    params(CaseloadParams),
    responses((status = 200, description = "The caller's open cases", body = CaseloadPage),
              (status = 422, description = "A filter is not valid", body = ApiErrorBody)))]
pub(crate) async fn caseload(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(p): ApiQuery<CaseloadParams>,
) -> Result<Json<CaseloadPage>, ApiError> {
    let actor = caller(&identity)?;
    let filters = CaseloadFilters::from_api(
        p.q.unwrap_or_default(),
        p.county.unwrap_or_default(),
        p.kind.unwrap_or_default(),
        p.gaps.unwrap_or_default(),
        p.sort.unwrap_or_default(),
        p.page.unwrap_or(0),
    );
    let mut query = caseload_query(&filters)?;
    query.waiver_missing = p
        .waiver_missing
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let now = Utc::now();
    let (entries, total) = state
        .app
        .caseload(actor, &query, now, local_date(now))
        .await?;
    let codes = |roles: &[TeamRole]| roles.iter().map(|r| r.code().to_owned()).collect();
    Ok(Json(CaseloadPage {
        total,
        page: query.page,
        per_page: query.per_page,
        items: entries
            .into_iter()
            .map(|e| CaseloadItem {
                my_roles: codes(&e.my_roles),
                team_gaps: codes(&e.team_gaps),
                overdue: e.work.overdue,
                missed: e.work.missed,
                next_due: e.work.next_due.map(|(d, _)| d),
                next_due_rule: e.work.next_due.map(|(_, r)| r.code().to_owned()),
                last_provider_contact: e.work.last_provider_contact,
                risk_levels: e
                    .work
                    .risk
                    .iter()
                    .map(|(i, l)| (i.code().to_owned(), l.clone()))
                    .collect(),
                supervisee_id: e.row.supervisee_id,
                legal_name: e.row.legal_name,
                date_of_birth: e.row.date_of_birth,
                cii_number: e.row.cii,
                cdcr_number: e.row.cdcr,
                episode_id: e.row.episode_id,
                supervision_kind: e.row.kind.code().to_owned(),
                county: e.row.county,
                start_date: e.row.start_date,
            })
            .collect(),
    }))
}

/// A new case: the supervisee and the first supervision episode (supervised by the caller's
/// agency). Dates are `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCase {
    pub legal_name: String,
    pub date_of_birth: String,
    /// `male`, `female`, `nonbinary` or `unknown`.
    pub sex: String,
    #[serde(default)]
    pub cii_number: Option<String>,
    #[serde(default)]
    pub cdcr_number: Option<String>,
    #[serde(default)]
    pub county_of_conviction: Option<String>,
    #[serde(default)]
    pub county_of_registration: Option<String>,
    #[serde(default)]
    pub juvenile: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub court_case_numbers: Vec<String>,
    /// Supervision kind code, e.g. `probation`.
    pub supervision_kind: String,
    /// Supervising county.
    pub county: String,
    #[serde(default)]
    pub court: Option<String>,
    #[serde(default)]
    pub placed_on: Option<String>,
    pub start_date: String,
    #[serde(default)]
    pub expected_end: Option<String>,
    /// Put the caller on the team as supervising officer.
    #[serde(default)]
    pub assign_me: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/supervisees", tag = "cases", security(("bearer" = [])),
    request_body = NewCase,
    responses((status = 201, description = "Case opened", body = Created),
              (status = 403, description = "The caller's roles do not open cases", body = ApiErrorBody),
              (status = 409, description = "A supervisee with this CII or CDCR number exists; `message` names the record", body = ApiErrorBody),
              (status = 422, description = "Invalid input", body = ApiErrorBody)))]
pub(crate) async fn open_case(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiJson(c): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let actor = caller(&identity)?;
    let input = CaseInput {
        legal_name: c.legal_name,
        date_of_birth: c.date_of_birth,
        sex: c.sex,
        cii: c.cii_number.unwrap_or_default(),
        cdcr: c.cdcr_number.unwrap_or_default(),
        county_of_conviction: c.county_of_conviction.unwrap_or_default(),
        county_of_registration: c.county_of_registration.unwrap_or_default(),
        juvenile: c.juvenile,
        aliases: c.aliases.join("\n"),
        court_cases: c.court_case_numbers.join("\n"),
        kind: c.supervision_kind,
        county: c.county,
        court: c.court.unwrap_or_default(),
        placed_on: c.placed_on.unwrap_or_default(),
        start_date: c.start_date,
        expected_end: c.expected_end.unwrap_or_default(),
        assign_me: c.assign_me,
        ..Default::default()
    };
    let id = state
        .app
        .open_case(actor, &input, Utc::now())
        .await
        .map_err(|e| e.renamed(CASE_FIELDS_IN_THE_API))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The case form's field names and the API's, where they differ.
const CASE_FIELDS_IN_THE_API: &[(&str, &str)] = &[
    ("cii", "cii_number"),
    ("cdcr", "cdcr_number"),
    ("court_cases", "court_case_numbers"),
    ("kind", "supervision_kind"),
];

#[derive(Debug, Serialize, ToSchema)]
pub struct Episode {
    pub id: i64,
    pub kind: String,
    pub supervising_agency_id: i64,
    pub county: String,
    pub court: Option<String>,
    pub placed_on: Option<NaiveDate>,
    pub start_date: NaiveDate,
    pub expected_end: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    pub id: i64,
    pub episode_id: i64,
    pub user_id: i64,
    pub name: String,
    pub team_role: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Supervisee {
    pub id: i64,
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub cii_number: Option<String>,
    pub cdcr_number: Option<String>,
    pub county_of_conviction: Option<String>,
    pub county_of_registration: Option<String>,
    pub juvenile: bool,
    pub aliases: Vec<String>,
    pub court_case_numbers: Vec<String>,
    pub owning_agency_id: i64,
    pub version: i32,
    pub episodes: Vec<Episode>,
    pub team: Vec<TeamMember>,
    /// Required team roles nobody fills today on the current episode.
    pub team_gaps: Vec<String>,
    /// Members serving without a current required certification (R10).
    pub certification_issues: Vec<String>,
    /// Waivers and consents on file (empty when the caller may not read them).
    pub waivers: Vec<WaiverJson>,
    /// No court waiver covering provider, officer and examiner is in force (R11).
    pub waiver_missing: bool,
    /// Treatment information categories the caller may read today, with the waiver allowing it.
    pub treatment_access: Vec<TreatmentAccess>,
    /// Documents the caller may read, newest first (contents at `.../documents/{id}/content`).
    pub documents: Vec<crate::documents::DocumentJson>,
    /// The case's history as its records tell it, what the caller may see, newest first.
    pub timeline: Vec<TimelineEvent>,
}

/// One thing that happened on the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// The day it happened (California).
    pub on: NaiveDate,
    /// The moment, for records kept to the minute (an upload, a signature).
    pub at: Option<chrono::DateTime<Utc>>,
    /// Who did it, when the record names them.
    pub by: Option<String>,
    pub what: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TreatmentAccess {
    pub category: String,
    pub waiver_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaiverJson {
    pub id: i64,
    pub basis: String,
    pub discloser: String,
    pub recipient_roles: Vec<String>,
    pub recipient_user_ids: Vec<i64>,
    pub categories: Vec<String>,
    pub purpose: String,
    pub effective_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub ends_with_supervision: bool,
    pub revocable: bool,
    pub revoked_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
}

fn supervisee_json(v: CaseView) -> Supervisee {
    let s = v.supervisee;
    Supervisee {
        documents: v
            .documents
            .iter()
            .map(crate::documents::document_json)
            .collect(),
        timeline: v
            .timeline
            .iter()
            .map(|t| TimelineEvent {
                on: t.on,
                at: t.at,
                by: t.who.clone(),
                what: t.what.to_owned(),
                detail: t.detail.clone(),
            })
            .collect(),
        id: s.id,
        legal_name: s.legal_name,
        date_of_birth: s.date_of_birth,
        sex: s.sex,
        cii_number: s.cii,
        cdcr_number: s.cdcr,
        county_of_conviction: s.county_of_conviction,
        county_of_registration: s.county_of_registration,
        juvenile: s.juvenile,
        aliases: s.aliases,
        court_case_numbers: s.court_cases,
        owning_agency_id: s.owning_agency_id,
        version: s.version,
        episodes: v
            .episodes
            .into_iter()
            .map(|e| Episode {
                id: e.id,
                kind: e.kind.code().to_owned(),
                supervising_agency_id: e.supervising_agency_id,
                county: e.county,
                court: e.court,
                placed_on: e.placed_on,
                start_date: e.start_date,
                expected_end: e.expected_end,
                actual_end: e.actual_end,
                end_reason: e.end_reason,
                version: e.version,
            })
            .collect(),
        team: v
            .team
            .into_iter()
            .map(|m| TeamMember {
                id: m.id,
                episode_id: m.episode_id,
                user_id: m.user_id,
                name: m.user_name,
                team_role: m.team_role.code().to_owned(),
                start_date: m.start_date,
                end_date: m.end_date,
            })
            .collect(),
        team_gaps: v.team_gaps.iter().map(|r| r.code().to_owned()).collect(),
        certification_issues: v.certification_issues,
        waiver_missing: v.waiver_missing,
        treatment_access: v
            .treatment_access
            .iter()
            .filter_map(|(c, w)| {
                w.map(|w| TreatmentAccess {
                    category: c.code().to_owned(),
                    waiver_id: w.0,
                })
            })
            .collect(),
        waivers: v
            .waivers
            .into_iter()
            .map(|w| WaiverJson {
                id: w.rule.id.0,
                basis: w.rule.basis.code().to_owned(),
                discloser: w.discloser,
                recipient_roles: w
                    .rule
                    .recipient_roles
                    .iter()
                    .map(|r| r.code().to_owned())
                    .collect(),
                recipient_user_ids: w.rule.recipient_users.iter().map(|u| u.0).collect(),
                categories: w
                    .rule
                    .categories
                    .iter()
                    .map(|c| c.code().to_owned())
                    .collect(),
                purpose: w.purpose,
                effective_on: w.rule.effective_on,
                expires_on: w.rule.expires_on,
                ends_with_supervision: w.rule.ends_with_supervision,
                revocable: w.revocable,
                revoked_on: w.rule.revoked_on,
                signed_on: w.signed_on,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    responses((status = 200, description = "The case as the caller may see it", body = Supervisee),
              (status = 404, description = "No such case, or none the caller is related to", body = ApiErrorBody)))]
pub(crate) async fn supervisee(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<Supervisee>, ApiError> {
    let actor = caller(&identity)?;
    let now = Utc::now();
    let view = state.app.case_view(actor, id, now, local_date(now)).await?;
    Ok(Json(supervisee_json(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTeamMember {
    pub episode_id: i64,
    /// The member's sign-in e-mail.
    pub email: String,
    /// Team role code, e.g. `treatment_provider`.
    pub team_role: String,
    pub start_date: NaiveDate,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/team-members", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewTeamMember,
    responses((status = 201, description = "Added", body = Created),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 409, description = "Already on the team in this role", body = ApiErrorBody),
              (status = 422, description = "The person cannot serve in this role", body = ApiErrorBody)))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(m): ApiJson<NewTeamMember>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let actor = caller(&identity)?;
    let role: TeamRole = m.team_role.parse().map_err(AppError::from)?;
    // Refused before the case is read, so a bad body leaves no trace.
    containment_domain::input::date_in_range("start_date", m.start_date)
        .map_err(AppError::invalid)?;
    let now = Utc::now();
    // The episode must belong to the case in the path.
    let view = state.app.case_view(actor, id, now, local_date(now)).await?;
    if !view.episodes.iter().any(|e| e.id == m.episode_id) {
        return Err(AppError::NotFound.into());
    }
    let member = state
        .app
        .add_team_member(actor, m.episode_id, &m.email, role, m.start_date, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: member })))
}

/// What the team form's suggestions search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamCandidateParams {
    /// Team role code the person would serve in, e.g. `treatment_provider`.
    pub role: String,
    /// At least two characters found anywhere in the person's name or e-mail address.
    pub q: String,
}

/// Someone who could join the team in the role asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCandidateJson {
    /// The sign-in e-mail, as `team-members` expects it.
    pub email: String,
    pub display_name: String,
    pub agency_name: String,
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/team-candidates", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), TeamCandidateParams),
    responses((status = 200, description = "At most ten active people holding the role, of the case's own agencies or those on its team, or (providers, examiners, law enforcement, victim advocates, prosecutors) of agencies of that kind in the case's county, statewide, or already working with the owning agency; those starting with `q` first", body = [TeamCandidateJson]),
              (status = 403, description = "The caller may not staff this case's team", body = ApiErrorBody),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 422, description = "Unknown role, or fewer than two characters to search for", body = ApiErrorBody)))]
pub(crate) async fn team_candidates(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<TeamCandidateParams>,
) -> Result<Json<Vec<TeamCandidateJson>>, ApiError> {
    let actor = caller(&identity)?;
    let role: TeamRole = p.role.parse().map_err(AppError::from)?;
    let found = state
        .app
        .team_candidates(actor, id, role, &p.q, Utc::now())
        .await?;
    Ok(Json(
        found
            .into_iter()
            .map(|c| TeamCandidateJson {
                email: c.email.to_string(),
                display_name: c.display_name,
                agency_name: c.agency_name,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndMembership {
    /// The member's last day on the team.
    pub end_date: NaiveDate,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/team-members/{member}/end", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("member" = i64, Path, description = "Team membership id")),
    request_body = EndMembership,
    responses((status = 204, description = "Ended; kept in the team's history"),
              (status = 404, description = "No such membership for the caller", body = ApiErrorBody),
              (status = 409, description = "Already ended", body = ApiErrorBody)))]
pub(crate) async fn end_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
    ApiJson(e): ApiJson<EndMembership>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .end_team_member(actor, id, member, e.end_date, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New identity fields of a supervisee, with the version they were based on.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SuperviseeUpdate {
    /// The `version` read before editing. A stale version is refused with 409 `stale`.
    pub version: i32,
    pub legal_name: String,
    pub date_of_birth: String,
    pub sex: String,
    #[serde(default)]
    pub cii_number: Option<String>,
    #[serde(default)]
    pub cdcr_number: Option<String>,
    #[serde(default)]
    pub county_of_conviction: Option<String>,
    #[serde(default)]
    pub county_of_registration: Option<String>,
    #[serde(default)]
    pub juvenile: bool,
    /// Replaces the aliases; leave out to keep them.
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    /// Replaces the court case numbers; leave out to keep them.
    #[serde(default)]
    pub court_case_numbers: Option<Vec<String>>,
}

#[utoipa::path(put, path = "/api/v1/supervisees/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = SuperviseeUpdate,
    responses((status = 200, description = "Saved; the record with its new version", body = Supervisee),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 409, description = "`stale`: changed by someone else since `version` (see `current_version`); or `duplicate`", body = ApiErrorBody),
              (status = 422, description = "Invalid input", body = ApiErrorBody)))]
pub(crate) async fn update_supervisee(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(u): ApiJson<SuperviseeUpdate>,
) -> Result<Json<Supervisee>, ApiError> {
    let actor = caller(&identity)?;
    let input = CaseInput {
        legal_name: u.legal_name,
        date_of_birth: u.date_of_birth,
        sex: u.sex,
        cii: u.cii_number.unwrap_or_default(),
        cdcr: u.cdcr_number.unwrap_or_default(),
        county_of_conviction: u.county_of_conviction.unwrap_or_default(),
        county_of_registration: u.county_of_registration.unwrap_or_default(),
        juvenile: u.juvenile,
        keep_aliases: u.aliases.is_none(),
        keep_court_cases: u.court_case_numbers.is_none(),
        aliases: u.aliases.unwrap_or_default().join("\n"),
        court_cases: u.court_case_numbers.unwrap_or_default().join("\n"),
        ..Default::default()
    };
    let now = Utc::now();
    let written = state
        .app
        .edit_supervisee(actor, id, u.version, &input, now)
        .await
        .map_err(|e| e.renamed(CASE_FIELDS_IN_THE_API))?;
    let mut view = state.app.case_view(actor, id, now, local_date(now)).await?;
    // The case as this change left it (read in its transaction), not as a later change by
    // someone else may already have made it.
    view.supervisee = written;
    Ok(Json(supervisee_json(view)))
}

/// A certification in the registry, with its status today.
#[derive(Debug, Serialize, ToSchema)]
pub struct Certification {
    pub id: i64,
    /// `casomb_provider`, `casomb_program`, `polygraph_pcsot` or `saratso_scorer`.
    pub kind: String,
    pub holder_user_id: Option<i64>,
    pub holder_agency_id: Option<i64>,
    pub holder: String,
    pub level: Option<String>,
    pub instrument: Option<String>,
    pub number: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// `current`, `expires in N days`, `expired`, ...
    pub status: String,
    pub valid_today: bool,
    /// Open cases on whose team the holder serves although this certification is not valid.
    pub lapsed_on_cases: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/certifications", tag = "certifications", security(("bearer" = [])),
    responses((status = 200, description = "The registry as the caller may see it", body = [Certification])))]
pub(crate) async fn certifications(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Json<Vec<Certification>>, ApiError> {
    let actor = caller(&identity)?;
    let now = Utc::now();
    let entries = state
        .app
        .certification_registry(actor, local_date(now), now)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| Certification {
                id: e.record.id,
                kind: e.record.kind.code().to_owned(),
                holder_user_id: e.record.holder_user_id,
                holder_agency_id: e.record.holder_agency_id,
                holder: e.holder,
                level: e.record.level.map(|l| l.code().to_owned()),
                instrument: e.record.instrument,
                number: e.record.number,
                issued_on: e.record.issued_on,
                expires_on: e.record.expires_on,
                status: e.status.label(),
                valid_today: e.status.is_valid(),
                lapsed_on_cases: e.lapsed_on_cases,
            })
            .collect(),
    ))
}

/// A certification to record. Dates are `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCertificationBody {
    pub kind: String,
    #[serde(default)]
    pub holder_email: String,
    #[serde(default)]
    pub holder_agency: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub instrument: String,
    #[serde(default)]
    pub supervisor_email: String,
    pub number: String,
    pub issued_on: String,
    pub expires_on: String,
}

#[utoipa::path(post, path = "/api/v1/certifications", tag = "certifications", security(("bearer" = [])),
    request_body = NewCertificationBody,
    responses((status = 201, description = "Recorded", body = Created),
              (status = 409, description = "The number is already recorded for this kind", body = ApiErrorBody),
              (status = 422, description = "Invalid; `message` lists every problem", body = ApiErrorBody)))]
pub(crate) async fn add_certification(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiJson(b): ApiJson<NewCertificationBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let actor = caller(&identity)?;
    let input = containment_app::CertificationInput {
        kind: b.kind,
        holder_email: b.holder_email,
        holder_agency: b.holder_agency,
        level: b.level,
        instrument: b.instrument,
        supervisor_email: b.supervisor_email,
        number: b.number,
        issued_on: b.issued_on,
        expires_on: b.expires_on,
    };
    let id = state
        .app
        .add_certification(actor, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub imported: usize,
}

#[utoipa::path(post, path = "/api/v1/certifications/import", tag = "certifications", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "Header row: kind,holder_email,holder_agency,level,instrument,supervisor_email,number,issued_on,expires_on"),
    responses((status = 200, description = "Every row recorded", body = Imported),
              (status = 422, description = "Nothing recorded; `message` lists each problem with its row number", body = ApiErrorBody)))]
pub(crate) async fn import_certifications(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: String,
) -> Result<Json<Imported>, ApiError> {
    let actor = caller(&identity)?;
    let imported = state
        .app
        .import_certifications(actor, &body, Utc::now())
        .await?;
    Ok(Json(Imported { imported }))
}

/// A waiver or consent to record. Court-ordered bases (`pc_1203_067_b4`, `pc_3008_d`) may name
/// only the provider, program, officer and examiner roles, are never revocable and end with
/// supervision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWaiver {
    pub basis: String,
    pub discloser: String,
    #[serde(default)]
    pub recipient_roles: Vec<String>,
    #[serde(default)]
    pub recipient_emails: Vec<String>,
    pub categories: Vec<String>,
    #[serde(default)]
    pub purpose: String,
    pub effective_on: String,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub ends_with_supervision: bool,
    #[serde(default)]
    pub revocable: bool,
    #[serde(default)]
    pub signed_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/waivers", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewWaiver,
    responses((status = 201, description = "Recorded", body = Created),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 422, description = "Invalid; `message` lists every problem", body = ApiErrorBody)))]
pub(crate) async fn record_waiver(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(w): ApiJson<NewWaiver>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let actor = caller(&identity)?;
    let input = containment_app::WaiverInput {
        basis: w.basis,
        discloser: w.discloser,
        recipient_roles: w.recipient_roles,
        recipient_emails: w.recipient_emails.join("\n"),
        categories: w.categories,
        purpose: w.purpose,
        effective_on: w.effective_on,
        expires_on: w.expires_on.unwrap_or_default(),
        ends_with_supervision: w.ends_with_supervision,
        revocable: w.revocable,
        signed_on: w.signed_on.unwrap_or_default(),
    };
    let waiver = state
        .app
        .record_waiver(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: waiver })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Revocation {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/waivers/{waiver}/revoke", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("waiver" = i64, Path, description = "Waiver id")),
    request_body = Revocation,
    responses((status = 204, description = "Revoked from today; in force no more from the next request"),
              (status = 404, description = "No such waiver for the caller", body = ApiErrorBody),
              (status = 409, description = "Not revocable (court-ordered, or recorded as such) or already revoked", body = ApiErrorBody)))]
pub(crate) async fn revoke_waiver(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, waiver)): Path<(i64, i64)>,
    ApiJson(r): ApiJson<Revocation>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .revoke_waiver(actor, id, waiver, &r.reason, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndSupervision {
    /// The episode's `version` as read; a stale one is refused with 409 `stale`.
    pub version: i32,
    /// The last day of supervision.
    pub actual_end: NaiveDate,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/episodes/{episode}/end", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("episode" = i64, Path, description = "Episode id")),
    request_body = EndSupervision,
    responses((status = 204, description = "Ended; its team memberships end the same day"),
              (status = 404, description = "No such episode for the caller", body = ApiErrorBody),
              (status = 409, description = "Already ended, or `stale`", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn end_supervision(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, episode)): Path<(i64, i64)>,
    ApiJson(e): ApiJson<EndSupervision>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .end_supervision(
            actor,
            id,
            episode,
            e.version,
            e.actual_end,
            &e.reason,
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Corrections to an episode: its court, placement date and expected end. Omitted or null
/// values are cleared.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EpisodeCorrectionBody {
    /// The episode's `version` as read; a stale one is refused with 409 `stale`.
    pub version: i32,
    #[serde(default)]
    pub court: Option<String>,
    /// YYYY-MM-DD, not in the future.
    #[serde(default)]
    pub placed_on: Option<String>,
    /// YYYY-MM-DD, not before the start.
    #[serde(default)]
    pub expected_end: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/supervisees/{id}/episodes/{episode}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), ("episode" = i64, Path, description = "Episode id")),
    request_body = EpisodeCorrectionBody,
    responses((status = 204, description = "Corrected"),
              (status = 404, description = "No such episode for the caller", body = ApiErrorBody),
              (status = 409, description = "`stale`: changed since `version` was read", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn correct_supervision(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, episode)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<EpisodeCorrectionBody>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    let input = containment_app::EpisodeCorrection {
        court: b.court.unwrap_or_default(),
        placed_on: b.placed_on.unwrap_or_default(),
        expected_end: b.expected_end.unwrap_or_default(),
    };
    state
        .app
        .correct_supervision(actor, id, episode, b.version, &input, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new supervision episode on a case whose previous one ended.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEpisodeBody {
    /// Supervision kind code, e.g. `parole`.
    pub kind: String,
    pub county: String,
    #[serde(default)]
    pub court: Option<String>,
    #[serde(default)]
    pub placed_on: Option<String>,
    pub start_date: String,
    #[serde(default)]
    pub expected_end: Option<String>,
    /// Put the caller on the team as supervising officer.
    #[serde(default)]
    pub assign_me: bool,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/episodes", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewEpisodeBody,
    responses((status = 201, description = "Opened", body = Created),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody),
              (status = 409, description = "The current supervision has not ended", body = ApiErrorBody),
              (status = 422, description = "Invalid; `message` lists every problem", body = ApiErrorBody)))]
pub(crate) async fn open_episode(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewEpisodeBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let actor = caller(&identity)?;
    let input = CaseInput {
        kind: b.kind,
        county: b.county,
        court: b.court.unwrap_or_default(),
        placed_on: b.placed_on.unwrap_or_default(),
        start_date: b.start_date,
        expected_end: b.expected_end.unwrap_or_default(),
        assign_me: b.assign_me,
        ..Default::default()
    };
    let episode = state
        .app
        .open_episode(actor, id, &input, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: episode })))
}
