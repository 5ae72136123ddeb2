//! The caseload, opening a case, and the case page with its containment team.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use containment_app::{AppError, CaseInput, CaseSection, CaseView, CaseloadQuery, CaseloadSort};
use containment_domain::Role;
use containment_domain::access::{InformationCategory, TeamRole};
use containment_domain::case::{COUNTIES, SupervisionKind, local_date};
use containment_domain::input;
use containment_domain::waiver::LegalBasis;
use serde::Deserialize;

use super::account::signed_in;
use super::{Layout, render};
use crate::AppState;
use crate::error::{FormErrors, PageError, form_errors};
use crate::form::{field, fields, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

/// Who may open cases (the app layer also checks the agency is a supervising one).
pub(crate) const CASE_OPENERS: &[Role] = &[
    Role::SupervisingOfficer,
    Role::OfficerSupervisor,
    Role::AgencyAdmin,
];

pub(super) fn registry() -> Registry {
    Registry::new()
        .get("/caseload", Guard::SignedIn, caseload)
        .get("/cases/new", Guard::AnyRole(CASE_OPENERS), new_case_form)
        .post("/cases", Guard::AnyRole(CASE_OPENERS), open_case)
        .get("/cases/{id}", Guard::SignedIn, case_page)
        .get("/cases/{id}/details", Guard::SignedIn, details_page)
        .get("/cases/{id}/team", Guard::SignedIn, team_page)
        .get("/cases/{id}/waivers", Guard::SignedIn, waivers_page)
        .get("/cases/{id}/timeline", Guard::SignedIn, timeline_page)
        .post("/cases/{id}/team", Guard::SignedIn, add_member)
        .get(
            "/cases/{id}/team-candidates",
            Guard::SignedIn,
            team_candidates,
        )
        .get(
            "/cases/{id}/team/{member}/end",
            Guard::SignedIn,
            end_member_confirm,
        )
        .post("/cases/{id}/team/{member}/end", Guard::SignedIn, end_member)
        .get("/cases/{id}/edit", Guard::SignedIn, edit_form)
        .post("/cases/{id}/waivers", Guard::SignedIn, record_waiver)
        .post(
            "/cases/{id}/episodes/{episode}/end",
            Guard::SignedIn,
            end_supervision,
        )
        .post(
            "/cases/{id}/episodes/{episode}",
            Guard::SignedIn,
            correct_supervision,
        )
        .get(
            "/cases/{id}/waivers/{waiver}/revoke",
            Guard::SignedIn,
            revoke_waiver_confirm,
        )
        .post(
            "/cases/{id}/waivers/{waiver}/revoke",
            Guard::SignedIn,
            revoke_waiver,
        )
        .post("/cases/{id}/edit", Guard::SignedIn, edit)
        .post("/cases/{id}/episodes", Guard::SignedIn, open_episode)
}

const PER_PAGE: u64 = 25;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub(crate) struct CaseloadFilters {
    pub(crate) q: String,
    pub(crate) county: String,
    pub(crate) kind: String,
    pub(crate) gaps: String,
    pub(crate) waiver: String,
    pub(crate) sort: String,
    pub(crate) page: String,
}

impl CaseloadFilters {
    pub(crate) fn from_api(
        q: String,
        county: String,
        kind: String,
        gaps: String,
        sort: String,
        page: u64,
    ) -> Self {
        CaseloadFilters {
            q,
            county,
            kind,
            gaps: if gaps == "0" || gaps == "false" {
                String::new()
            } else {
                gaps
            },
            // The API sets the waiver filter on the query itself.
            waiver: String::new(),
            sort,
            page: page.to_string(),
        }
    }
}

struct FiltersView {
    q: String,
    county: String,
    kind: String,
    gaps: bool,
    waiver: bool,
    sort: String,
}

struct CaseloadLine {
    id: i64,
    name: String,
    dob: String,
    cii: String,
    cdcr: String,
    kind: &'static str,
    county: String,
    since: String,
    my_roles: String,
    gaps: String,
    /// Overdue obligations that can still be met; `None` when the viewer may not read them.
    overdue: Option<usize>,
    missed: usize,
    next_due: String,
    last_contact: String,
    risk: String,
}

/// A case's figures in words for the caseload.
fn work_words(w: &containment_app::CaseWork) -> (String, String, String) {
    use crate::today::day;
    let hidden = "—".to_owned();
    let next = match (w.overdue, w.next_due) {
        (None, _) => hidden.clone(),
        (Some(_), Some((d, rule))) => format!("{} ({})", day(d), rule.code()),
        (Some(_), None) => "Nothing".to_owned(),
    };
    let contact = match (w.overdue, w.last_provider_contact) {
        (None, _) => hidden,
        (Some(_), Some(d)) => day(d),
        (Some(_), None) => "None yet".to_owned(),
    };
    let risk = w
        .risk
        .iter()
        .filter_map(|(i, level)| {
            let label = containment_app::level_label(*i, level);
            (!label.is_empty()).then(|| format!("{}: {label}", i.label()))
        })
        .collect::<Vec<_>>()
        .join("; ");
    (next, contact, risk)
}

#[derive(Template)]
#[template(path = "caseload.html")]
struct CaseloadPage {
    layout: Layout,
    f: FiltersView,
    counties: &'static [&'static str],
    kinds: [SupervisionKind; 6],
    rows: Vec<CaseloadLine>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
    may_open: bool,
}

pub(crate) fn role_labels(roles: &[TeamRole]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn caseload_query(f: &CaseloadFilters) -> Result<CaseloadQuery, AppError> {
    let kind = if f.kind.trim().is_empty() {
        None
    } else {
        Some(SupervisionKind::parse(&f.kind)?)
    };
    let county = if f.county.trim().is_empty() {
        None
    } else {
        Some(
            containment_domain::case::County::parse(&f.county)?
                .name()
                .to_owned(),
        )
    };
    Ok(CaseloadQuery {
        search: Some(f.q.trim().to_owned()).filter(|q| !q.is_empty()),
        county,
        kind,
        team_gaps: !f.gaps.is_empty(),
        waiver_missing: !f.waiver.is_empty(),
        sort: match f.sort.as_str() {
            "name" => CaseloadSort::Name,
            "start" => CaseloadSort::StartDate,
            "county" => CaseloadSort::County,
            _ => CaseloadSort::Urgency,
        },
        page: f.page.parse().unwrap_or(0),
        per_page: PER_PAGE,
    })
}

async fn caseload(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(f): Query<CaseloadFilters>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let query = caseload_query(&f)?;
    let now = Utc::now();
    let (entries, total) = state
        .app
        .caseload(actor, &query, now, local_date(now))
        .await?;
    let rows = entries
        .into_iter()
        .map(|e| {
            let (next_due, last_contact, risk) = work_words(&e.work);
            CaseloadLine {
                id: e.row.supervisee_id,
                name: e.row.legal_name,
                dob: e.row.date_of_birth.to_string(),
                cii: e.row.cii.unwrap_or_default(),
                cdcr: e.row.cdcr.unwrap_or_default(),
                kind: e.row.kind.label(),
                county: e.row.county,
                since: crate::today::day(e.row.start_date),
                my_roles: role_labels(&e.my_roles),
                gaps: role_labels(&e.team_gaps),
                overdue: e.work.overdue,
                missed: e.work.missed,
                next_due,
                last_contact,
                risk,
            }
        })
        .collect();
    let pages = total.div_ceil(PER_PAGE);
    let query_string = serde_urlencoded::to_string([
        ("q", &f.q),
        ("county", &f.county),
        ("kind", &f.kind),
        ("gaps", &f.gaps),
        ("waiver", &f.waiver),
        ("sort", &f.sort),
    ])
    .unwrap_or_default();
    Ok(render(&CaseloadPage {
        layout: Layout::new("My caseload", "caseload", &identity),
        f: FiltersView {
            q: f.q.clone(),
            county: f.county.clone(),
            kind: f.kind.clone(),
            gaps: !f.gaps.is_empty(),
            waiver: !f.waiver.is_empty(),
            sort: if f.sort.is_empty() {
                "urgency".into()
            } else {
                f.sort.clone()
            },
        },
        counties: &COUNTIES,
        kinds: SupervisionKind::ALL,
        rows,
        total,
        page: query.page,
        pages,
        query: query_string,
        may_open: CASE_OPENERS.iter().any(|r| actor.has_role(*r)),
    }))
}

/// The open-case form as entered, for redisplay.
#[derive(Debug, Default, Clone)]
struct CaseForm {
    legal_name: String,
    date_of_birth: String,
    sex: String,
    cii: String,
    cdcr: String,
    court_cases: String,
    aliases: String,
    county_of_conviction: String,
    county_of_registration: String,
    juvenile: bool,
    kind: String,
    county: String,
    court: String,
    placed_on: String,
    start_date: String,
    expected_end: String,
    assign_me: bool,
}

impl CaseForm {
    fn from_pairs(p: &[(String, String)]) -> Self {
        let get = |k: &str| {
            p.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        CaseForm {
            legal_name: get("legal_name"),
            date_of_birth: get("date_of_birth"),
            sex: get("sex"),
            cii: get("cii"),
            cdcr: get("cdcr"),
            court_cases: get("court_cases"),
            aliases: get("aliases"),
            county_of_conviction: get("county_of_conviction"),
            county_of_registration: get("county_of_registration"),
            juvenile: !get("juvenile").is_empty(),
            kind: get("kind"),
            county: get("county"),
            court: get("court"),
            placed_on: get("placed_on"),
            start_date: get("start_date"),
            expected_end: get("expected_end"),
            assign_me: !get("assign_me").is_empty(),
        }
    }

    fn input(&self) -> CaseInput {
        CaseInput {
            legal_name: self.legal_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            sex: self.sex.clone(),
            cii: self.cii.clone(),
            cdcr: self.cdcr.clone(),
            county_of_conviction: self.county_of_conviction.clone(),
            county_of_registration: self.county_of_registration.clone(),
            juvenile: self.juvenile,
            aliases: self.aliases.clone(),
            court_cases: self.court_cases.clone(),
            kind: self.kind.clone(),
            county: self.county.clone(),
            court: self.court.clone(),
            placed_on: self.placed_on.clone(),
            start_date: self.start_date.clone(),
            expected_end: self.expected_end.clone(),
            assign_me: self.assign_me,
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewCasePage {
    layout: Layout,
    f: CaseForm,
    counties: &'static [&'static str],
    kinds: [SupervisionKind; 6],
    may_assign_me: bool,
    duplicate_of: Option<i64>,
    errors: crate::error::FormErrors,
}

fn new_case_page(
    identity: &Identity,
    f: CaseForm,
    errors: crate::error::FormErrors,
    duplicate_of: Option<i64>,
) -> Response {
    let may_assign_me = identity.actor().is_some_and(|a| {
        TeamRole::SupervisingOfficer
            .serving_roles()
            .iter()
            .any(|r| a.has_role(*r))
    });
    render(&NewCasePage {
        layout: Layout::new("Open a case", "caseload", identity),
        f,
        counties: &COUNTIES,
        kinds: SupervisionKind::ALL,
        may_assign_me,
        duplicate_of,
        errors,
    })
}

async fn new_case_form(Extension(identity): Extension<Identity>) -> Response {
    let f = CaseForm {
        kind: "probation".into(),
        sex: "male".into(),
        start_date: local_date(Utc::now()).to_string(),
        ..Default::default()
    };
    new_case_page(&identity, f, crate::error::FormErrors::new(), None)
}

async fn open_case(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let pairs = pairs(&body);
    let form = CaseForm::from_pairs(&pairs);
    match pairs
        .submit(state.app.open_case(actor, &form.input(), Utc::now()))
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(AppError::InvalidInput(msg)) => Ok(new_case_page(
            &identity,
            form,
            crate::error::FormErrors::from(msg),
            None,
        )),
        Err(e @ AppError::Duplicate { existing_id, .. }) => Ok(new_case_page(
            &identity,
            form,
            crate::error::FormErrors::from(vec![e.to_string()]),
            Some(existing_id),
        )),
        Err(e) => Err(e.into()),
    }
}

struct EpisodeLine {
    id: i64,
    version: i32,
    open: bool,
    kind: &'static str,
    county: String,
    court: String,
    placed_on: String,
    start: String,
    expected_end: String,
    status: String,
    /// The values as the correction form shows them (empty when not recorded).
    court_value: String,
    placed_on_value: String,
    expected_end_value: String,
}

struct MemberLine {
    id: i64,
    role: &'static str,
    name: String,
    from: String,
    until: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    s: containment_app::SuperviseeRecord,
    /// The date of birth as people read it.
    born: String,
    view: CaseView,
    gaps: String,
    episodes: Vec<EpisodeLine>,
    team: Vec<MemberLine>,
    current_episode_id: Option<i64>,
    team_roles: &'static [TeamRole],
    today: NaiveDate,
    may_edit: bool,
    waivers: Vec<WaiverLine>,
    access_lines: Vec<String>,
    bases: &'static [LegalBasis],
    categories: &'static [InformationCategory],
    notice: Option<String>,
    errors: crate::error::FormErrors,
    documents: Vec<DocumentLine>,
    any_cori: bool,
    any_part2: bool,
    cori_mark: &'static str,
    part2_notice: &'static str,
    upload_kinds: Vec<(&'static str, &'static str)>,
    timeline: Vec<TimelineLine>,
    score_groups: Vec<ScoreGroup>,
    may_score: Vec<(&'static str, &'static str)>,
    /// Which part of the case the page shows (a code of [`SECTIONS`]).
    section: &'static str,
    /// The parts the viewer may open: (code, address, label).
    nav: Vec<(&'static str, String, &'static str)>,
    /// Who is on the team today: (role, name).
    members: Vec<(&'static str, String)>,
    /// The overview's obligations, contact and exam; `None` when the viewer may not read the
    /// obligations (or the page is another part).
    overview: Option<Overview>,
    /// What can no longer be met, one line per rule.
    missed: Vec<crate::compliance::MissedLine>,
    supervision_kinds: &'static [SupervisionKind],
}

/// The top of the case: what is overdue and due next in one sentence each, self-reports
/// waiting for an acknowledgement, the last contact and the last exam.
struct Overview {
    overdue: Vec<crate::compliance::Sentence>,
    next_due: Vec<crate::compliance::Sentence>,
    self_reports: Vec<crate::compliance::Sentence>,
    last_contact: String,
    last_polygraph: String,
}

/// How many obligations due next the overview names.
const NEXT_DUE_SHOWN: usize = 5;

/// The parts of the case page: code, address after `/cases/{id}`, label, and whether the part
/// is about the obligations (offered only to who may read them).
const SECTIONS: [(&str, &str, &str, bool); 11] = [
    ("overview", "", "Overview", false),
    ("details", "/details", "Details", false),
    ("team", "/team", "Team", false),
    ("scores", "/scores", "Risk scores", false),
    ("obligations", "/obligations", "Obligations", true),
    ("waivers", "/waivers", "Waivers", false),
    ("documents", "/documents", "Documents", false),
    ("treatment", "/treatment", "Treatment", true),
    (
        "monthly-reports",
        "/monthly-reports",
        "Monthly reports",
        true,
    ),
    ("polygraph", "/polygraph", "Polygraph", true),
    ("timeline", "/timeline", "Timeline", false),
];

fn section_code(section: CaseSection) -> &'static str {
    match section {
        CaseSection::Overview => "overview",
        CaseSection::Details => "details",
        CaseSection::Team => "team",
        CaseSection::Scores => "scores",
        CaseSection::Waivers => "waivers",
        CaseSection::Documents => "documents",
        CaseSection::Timeline => "timeline",
    }
}

/// The scores of one instrument on the case page, newest first, with their chart.
struct ScoreGroup {
    label: &'static str,
    code: &'static str,
    chart: String,
    latest: String,
    rows: Vec<ScoreLine>,
}

struct ScoreLine {
    id: i64,
    scored_on: String,
    total: i32,
    level: String,
    reason: &'static str,
    scorer: String,
    certified: bool,
    waiting: String,
    overdue: bool,
}

struct DocumentLine {
    id: i64,
    kind: &'static str,
    cori: bool,
    part2: bool,
    file_name: String,
    size: String,
    sha256: String,
    sha_short: String,
    uploaded: String,
    waiver: String,
}

struct TimelineLine {
    at: String,
    /// The day for machines (the `datetime` attribute).
    datetime: String,
    who: String,
    what: &'static str,
    detail: String,
}

/// A size as a person reads it.
fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_owned(), crate::today::day)
}

/// The case page after a form: the notice on success, the problems above the forms on bad
/// input or a conflict; anything else is an error page.
pub(crate) async fn case_page_after(
    state: &AppState,
    identity: &Identity,
    id: i64,
    section: CaseSection,
    outcome: Result<String, AppError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(notice) => {
            case_page_for(
                state,
                identity,
                id,
                section,
                Some(notice),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let errors = crate::error::FormErrors::from(msg);
            case_page_for(state, identity, id, section, None, errors).await
        }
        Err(e @ AppError::Conflict(_)) => {
            case_page_for(
                state,
                identity,
                id,
                section,
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn case_page_for(
    state: &AppState,
    identity: &Identity,
    id: i64,
    section: CaseSection,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let today = local_date(now);
    let view = state.app.case_page(actor, id, section, now, today).await?;
    let episodes = view
        .episodes
        .iter()
        .map(|e| EpisodeLine {
            id: e.id,
            version: e.version,
            open: e.actual_end.is_none(),
            kind: e.kind.label(),
            county: e.county.clone(),
            court: e.court.clone().unwrap_or_else(|| "—".into()),
            placed_on: opt_date(e.placed_on),
            start: crate::today::day(e.start_date),
            expected_end: opt_date(e.expected_end),
            status: match (&e.actual_end, &e.end_reason) {
                (Some(end), Some(reason)) => format!("Ended {end}: {reason}"),
                (Some(end), None) => format!("Ended {end}"),
                _ => "Active".to_owned(),
            },
            court_value: e.court.clone().unwrap_or_default(),
            placed_on_value: e.placed_on.map(|d| d.to_string()).unwrap_or_default(),
            expected_end_value: e.expected_end.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let team = view
        .team
        .iter()
        .map(|m| MemberLine {
            id: m.id,
            role: m.team_role.label(),
            name: m.user_name.clone(),
            from: crate::today::day(m.start_date),
            until: opt_date(m.end_date),
            active: m.end_date.is_none(),
        })
        .collect();
    let documents: Vec<DocumentLine> = view
        .documents
        .iter()
        .map(|d| {
            let r = &d.record;
            DocumentLine {
                id: r.id,
                kind: r.kind.label(),
                cori: r.kind.is_cori(),
                part2: r.kind.record_kind()
                    == containment_domain::access::RecordKind::SubstanceUseTreatment,
                file_name: r.file_name.clone(),
                size: human_size(r.size_bytes),
                sha_short: r.sha256.chars().take(12).collect(),
                sha256: r.sha256.clone(),
                uploaded: crate::today::day(containment_app::uploaded_on(r)),
                waiver: r
                    .waiver_id
                    .map(|w| {
                        view.waivers
                            .iter()
                            .find(|x| x.rule.id.0 == w)
                            .map_or_else(|| "a waiver".to_owned(), record_name)
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let timeline = view
        .timeline
        .iter()
        .map(|t| TimelineLine {
            at: t
                .at
                .map_or_else(|| crate::today::day(t.on), crate::pages::account::when),
            datetime: t.on.to_string(),
            who: t.who.clone().unwrap_or_default(),
            what: t.what,
            detail: t.detail.clone().unwrap_or_default(),
        })
        .collect();
    let today_for_scores = today;
    let mut score_groups: Vec<ScoreGroup> = Vec::new();
    for instrument in containment_domain::instrument::Instrument::ALL {
        let entries: Vec<&containment_app::ScoreEntry> = view
            .scores
            .iter()
            .filter(|e| e.record.instrument == *instrument)
            .collect();
        let Some(last) = entries.last() else {
            continue;
        };
        let points: Vec<(NaiveDate, i32)> = entries
            .iter()
            .map(|e| (e.record.scored_on, e.record.total))
            .collect();
        score_groups.push(ScoreGroup {
            label: instrument.label(),
            code: instrument.code(),
            chart: crate::scores::chart_svg(*instrument, &points),
            latest: {
                let level = containment_app::level_label(*instrument, &last.record.level);
                let on = crate::today::day(last.record.scored_on);
                if level.is_empty() {
                    format!("{} on {on}", last.record.total)
                } else {
                    format!("{} ({level}) on {on}", last.record.total)
                }
            },
            rows: entries
                .iter()
                .rev()
                .map(|e| ScoreLine {
                    id: e.record.id,
                    scored_on: crate::today::day(e.record.scored_on),
                    total: e.record.total,
                    level: containment_app::level_label(*instrument, &e.record.level),
                    reason: e.record.reason.label(),
                    scorer: e.scorer_name.clone(),
                    certified: e.record.scorer_certified,
                    waiting: e
                        .waiting
                        .iter()
                        .map(|w| {
                            format!(
                                "{} ({}{})",
                                w.step.label(),
                                w.responsible.label(),
                                w.due
                                    .map(|d| format!(", due {}", crate::today::day(d)))
                                    .unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    overdue: e
                        .waiting
                        .iter()
                        .any(|w| w.due.is_some_and(|d| today_for_scores > d)),
                })
                .collect(),
        });
    }
    let visible_scores: Vec<i64> = view.scores.iter().map(|e| e.record.id).collect();
    let overview = view.obligations.as_ref().map(|list| {
        let open: Vec<&containment_app::ObligationView> = list
            .iter()
            .filter(|v| v.obligation.status.is_open() && !v.obligation.is_missed(today))
            .collect();
        let sentence = |v: &&containment_app::ObligationView| {
            crate::compliance::sentence(v, today, &visible_scores, &view.may_score)
        };
        let is_self_report = |v: &&&containment_app::ObligationView| {
            v.obligation.key.rule == containment_domain::policy::RuleId::R13
        };
        let overdue_now =
            |v: &&&containment_app::ObligationView| v.obligation.due.is_some_and(|d| today > d);
        let mut next: Vec<&&containment_app::ObligationView> = open
            .iter()
            .filter(|v| !is_self_report(v) && !overdue_now(v) && v.obligation.due.is_some())
            .collect();
        next.sort_by_key(|v| v.obligation.due);
        Overview {
            overdue: open
                .iter()
                .filter(|v| !is_self_report(v) && overdue_now(v))
                .map(sentence)
                .collect(),
            next_due: next
                .into_iter()
                .take(NEXT_DUE_SHOWN)
                .map(sentence)
                .collect(),
            self_reports: open.iter().filter(is_self_report).map(sentence).collect(),
            last_contact: view
                .last_contact
                .map_or_else(|| "none on record".to_owned(), crate::today::day),
            last_polygraph: view
                .last_maintenance_polygraph
                .map_or_else(|| "none on record".to_owned(), crate::today::day),
        }
    });
    let members = if view.may_read_team {
        let mut m: Vec<(&'static str, String)> = view
            .team
            .iter()
            .filter(|m| m.active_on(today))
            .map(|m| (m.team_role.label(), m.user_name.clone()))
            .collect();
        m.sort();
        m
    } else {
        Vec::new()
    };
    let nav = SECTIONS
        .iter()
        .filter(|(_, _, _, obligations)| !obligations || view.may_read_obligations)
        .map(|(code, tail, label, _)| (*code, format!("/cases/{id}{tail}"), *label))
        .collect();
    let missed = view
        .obligations
        .as_ref()
        .map(|list| {
            containment_app::missed_of(list, today)
                .iter()
                .map(crate::compliance::missed_line)
                .collect()
        })
        .unwrap_or_default();
    Ok(render(&CasePage {
        supervision_kinds: &SupervisionKind::ALL,
        section: section_code(section),
        nav,
        members,
        overview,
        missed,
        may_score: view
            .may_score
            .iter()
            .map(|i| (i.code(), i.label()))
            .collect(),
        score_groups,
        any_cori: documents.iter().any(|d| d.cori),
        any_part2: documents.iter().any(|d| d.part2),
        documents,
        cori_mark: containment_domain::document::CORI_MARK,
        part2_notice: containment_domain::waiver::PART2_NOTICE,
        upload_kinds: view
            .upload_kinds
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        timeline,
        layout: Layout::new(view.supervisee.legal_name.clone(), "caseload", identity),
        born: crate::today::day(view.supervisee.date_of_birth),
        s: view.supervisee.clone(),
        gaps: role_labels(&view.team_gaps),
        current_episode_id: view.current_episode().map(|e| e.id),
        episodes,
        team,
        team_roles: &TEAM_ROLES,
        today,
        may_edit: view.may_manage_team,
        waivers: view.waivers.iter().map(|w| waiver_line(w, today)).collect(),
        access_lines: view
            .treatment_access
            .iter()
            .filter_map(|(c, w)| {
                w.map(|w| {
                    let under = view.waivers.iter().find(|x| x.rule.id == w).map_or_else(
                        || "a waiver on file".to_owned(),
                        |x| format!("the {}", record_name(x)),
                    );
                    format!("{} (under {under})", c.label())
                })
            })
            .collect(),
        bases: LegalBasis::ALL,
        categories: InformationCategory::ALL,
        notice,
        errors,
        view,
    }))
}

const TEAM_ROLES: [TeamRole; 8] = [
    TeamRole::TreatmentProvider,
    TeamRole::PolygraphExaminer,
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProgram,
    TeamRole::RegisteringLawEnforcement,
    TeamRole::VictimAdvocate,
    TeamRole::Prosecutor,
    TeamRole::Other,
];

async fn case_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_page_for(
        &state,
        &identity,
        id,
        CaseSection::Overview,
        None,
        FormErrors::new(),
    )
    .await
}

/// One part of the case page, read and audited like the overview.
pub(crate) async fn case_section_page(
    state: &AppState,
    identity: &Identity,
    id: i64,
    section: CaseSection,
) -> Result<Response, PageError> {
    case_page_for(state, identity, id, section, None, FormErrors::new()).await
}

async fn details_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_section_page(&state, &identity, id, CaseSection::Details).await
}

async fn team_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_section_page(&state, &identity, id, CaseSection::Team).await
}

async fn waivers_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_section_page(&state, &identity, id, CaseSection::Waivers).await
}

async fn timeline_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_section_page(&state, &identity, id, CaseSection::Timeline).await
}

async fn add_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let get = |k: &str| {
        p.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let role = match get("team_role").parse::<TeamRole>() {
        Ok(r) => r,
        Err(e) => {
            return case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Team,
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await;
        }
    };
    let Ok(episode_id) = get("episode_id").parse::<i64>() else {
        return Err(AppError::NotFound.into());
    };
    let start = match input::date("From", &get("start_date")) {
        Ok(d) => d,
        Err(e) => {
            return case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Team,
                None,
                crate::error::FormErrors::from(e),
            )
            .await;
        }
    };
    match p
        .submit(state.app.add_team_member(
            actor,
            episode_id,
            &get("member_email"),
            role,
            start,
            Utc::now(),
        ))
        .await
    {
        Ok(_) => {
            case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Team,
                Some(format!("{} added to the team.", role.label())),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Team,
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The team form's suggestions: `<option>`s for its datalist.
#[derive(Template)]
#[template(path = "_team_candidates.html")]
struct CandidateOptions {
    /// (e-mail, name and agency)
    candidates: Vec<(String, String)>,
}

/// Suggestions for the e-mail field of the team form, asked for by htmx as the person types.
/// Takes `role` and `q`, or the form's own field names (`team_role`, `member_email`), which is
/// what htmx sends.
async fn team_candidates(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let get = |names: [&str; 2]| {
        params
            .iter()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let found = match get(["role", "team_role"]).parse::<TeamRole>() {
        Ok(role) => {
            state
                .app
                .team_candidates(actor, id, role, get(["q", "member_email"]), Utc::now())
                .await
        }
        Err(e) => Err(e.into()),
    };
    let candidates = match found {
        Ok(people) => people
            .into_iter()
            .map(|c| {
                (
                    c.email.to_string(),
                    format!("{} ({})", c.display_name, c.agency_name),
                )
            })
            .collect(),
        // Too little typed yet: nothing to suggest, which is not an error while typing.
        Err(AppError::InvalidInput(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(render(&CandidateOptions { candidates }))
}

#[derive(Template)]
#[template(path = "team_end.html")]
struct TeamEndPage {
    layout: Layout,
    id: i64,
    member: i64,
    case_name: String,
    name: String,
    role: &'static str,
    since: String,
    /// A role R12 requires on the team.
    required: bool,
    end_date: String,
    errors: crate::error::FormErrors,
}

/// What ending a membership does, asked before it is done: it cannot be undone.
async fn end_member_confirm(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let today = local_date(Utc::now()).to_string();
    end_member_page(&state, &identity, id, member, today, FormErrors::new()).await
}

/// The confirmation, again with its problems when the end was refused.
async fn end_member_page(
    state: &AppState,
    identity: &Identity,
    id: i64,
    member: i64,
    end_date: String,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let today = local_date(now);
    let view = state.app.case_view(actor, id, now, today).await?;
    if !view.may_manage_team {
        return Err(AppError::Forbidden("not allowed: you do not staff this team".into()).into());
    }
    let m = view
        .team
        .iter()
        .find(|m| m.id == member && m.end_date.is_none())
        .ok_or(AppError::NotFound)?;
    let post_conviction = view
        .episodes
        .iter()
        .any(|e| e.id == m.episode_id && e.kind.is_post_conviction());
    Ok(render(&TeamEndPage {
        layout: Layout::new(
            format!("End {}'s membership", m.user_name),
            "caseload",
            identity,
        ),
        id,
        member,
        case_name: view.supervisee.legal_name.clone(),
        name: m.user_name.clone(),
        role: m.team_role.label(),
        since: crate::today::day(m.start_date),
        required: post_conviction && containment_app::REQUIRED_TEAM_ROLES.contains(&m.team_role),
        end_date,
        errors,
    }))
}

async fn end_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let typed = field(&p, "end_date");
    let end = match input::optional_date("end date", &typed) {
        Ok(d) => d.unwrap_or_else(|| local_date(Utc::now())),
        Err(e) => {
            let errors = AppError::invalid_at("end_date", e);
            return end_member_page(&state, &identity, id, member, typed, form_errors(errors)?)
                .await;
        }
    };
    match p
        .submit(
            state
                .app
                .end_team_member(actor, id, member, end, Utc::now()),
        )
        .await
    {
        Ok(()) => {
            case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Team,
                Some("The membership was ended; it stays in the team's history.".into()),
                FormErrors::new(),
            )
            .await
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            end_member_page(&state, &identity, id, member, typed, form_errors(e)?).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "case_edit.html")]
struct EditPage {
    layout: Layout,
    id: i64,
    name: String,
    version: i32,
    f: CaseForm,
    /// (field, value now stored, value entered) for fields changed by someone else.
    changed: Vec<(&'static str, String, String)>,
    errors: crate::error::FormErrors,
}

fn form_of(s: &containment_app::SuperviseeRecord) -> CaseForm {
    CaseForm {
        legal_name: s.legal_name.clone(),
        date_of_birth: s.date_of_birth.to_string(),
        sex: s.sex.clone(),
        cii: s.cii.clone().unwrap_or_default(),
        cdcr: s.cdcr.clone().unwrap_or_default(),
        county_of_conviction: s.county_of_conviction.clone().unwrap_or_default(),
        county_of_registration: s.county_of_registration.clone().unwrap_or_default(),
        juvenile: s.juvenile,
        aliases: s.aliases.join("\n"),
        court_cases: s.court_cases.join("\n"),
        ..Default::default()
    }
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let now = Utc::now();
    let view = state.app.case_view(actor, id, now, local_date(now)).await?;
    let s = &view.supervisee;
    Ok(render(&EditPage {
        layout: Layout::new(format!("Edit {}", s.legal_name), "caseload", &identity),
        id,
        name: s.legal_name.clone(),
        version: s.version,
        f: form_of(s),
        changed: Vec::new(),
        errors: crate::error::FormErrors::new(),
    }))
}

async fn edit(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let pairs = pairs(&body);
    let form = CaseForm::from_pairs(&pairs);
    let version: i32 = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let now = Utc::now();
    match pairs
        .submit(
            state
                .app
                .edit_supervisee(actor, id, version, &form.input(), now),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/details")).into_response()),
        Err(AppError::Stale { current_version }) => {
            let view = state.app.case_view(actor, id, now, local_date(now)).await?;
            let theirs = form_of(&view.supervisee);
            let mut changed = Vec::new();
            for (field, a, b) in [
                ("Legal name", &theirs.legal_name, &form.legal_name),
                ("Date of birth", &theirs.date_of_birth, &form.date_of_birth),
                ("Sex", &theirs.sex, &form.sex),
                ("CII number", &theirs.cii, &form.cii),
                ("CDCR number", &theirs.cdcr, &form.cdcr),
                (
                    "County of conviction",
                    &theirs.county_of_conviction,
                    &form.county_of_conviction,
                ),
                (
                    "County of registration",
                    &theirs.county_of_registration,
                    &form.county_of_registration,
                ),
            ] {
                if a.trim() != b.trim() {
                    changed.push((field, a.clone(), b.clone()));
                }
            }
            if changed.is_empty() {
                changed.push((
                    "Record",
                    format!("version {current_version}"),
                    format!("version {version}"),
                ));
            }
            Ok(render(&EditPage {
                layout: Layout::new(format!("Edit {}", theirs.legal_name), "caseload", &identity),
                id,
                name: theirs.legal_name.clone(),
                version: current_version,
                f: form,
                changed,
                errors: crate::error::FormErrors::new(),
            }))
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Duplicate { .. })) => {
            Ok(render(&EditPage {
                layout: Layout::new("Edit supervisee", "caseload", &identity),
                id,
                name: form.legal_name.clone(),
                version,
                errors: crate::error::form_errors(e)?,
                f: form,
                changed: Vec::new(),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

struct WaiverLine {
    id: i64,
    /// How a person names it: "Treatment information waiver signed Dec 2, 2026".
    name: String,
    /// The same inside a sentence: "treatment information waiver signed Dec 2, 2026".
    phrase: String,
    basis: &'static str,
    recipients: String,
    categories: String,
    period: String,
    status: String,
    revocable: bool,
}

/// A waiver's name in lower case, as it reads inside a sentence.
fn record_name(w: &containment_app::WaiverRecord) -> String {
    containment_domain::waiver::waiver_name(w.rule.basis, w.signed_on, w.rule.effective_on)
}

/// `s` with its first letter made upper case, to open a sentence or a cell.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn waiver_line(w: &containment_app::WaiverRecord, today: NaiveDate) -> WaiverLine {
    let rule = &w.rule;
    let mut recipients: Vec<String> = rule
        .recipient_roles
        .iter()
        .map(|r| r.label().to_owned())
        .collect();
    if !rule.recipient_users.is_empty() {
        recipients.push(format!("{} named people", rule.recipient_users.len()));
    }
    let period = match (rule.expires_on, rule.ends_with_supervision) {
        (Some(e), _) => format!(
            "{} to {}",
            crate::today::day(rule.effective_on),
            crate::today::day(e)
        ),
        (None, true) => format!(
            "from {} until supervision ends",
            crate::today::day(rule.effective_on)
        ),
        (None, false) => format!("from {}", crate::today::day(rule.effective_on)),
    };
    let status = match rule.revoked_on {
        Some(r) => format!("revoked {}", crate::today::day(r)),
        None if rule.in_force_on(today, None) => "in force".to_owned(),
        None if today < rule.effective_on => "not yet in force".to_owned(),
        None => "ended".to_owned(),
    };
    WaiverLine {
        id: rule.id.0,
        name: capitalized(&record_name(w)),
        phrase: record_name(w),
        basis: rule.basis.label(),
        recipients: recipients.join(", "),
        categories: rule
            .categories
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
        period,
        status,
        revocable: w.revocable && rule.revoked_on.is_none(),
    }
}

async fn record_waiver(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let one = |k: &str| field(&p, k);
    let many = |k: &str| fields(&p, k);
    let input = containment_app::WaiverInput {
        basis: one("basis"),
        discloser: one("discloser"),
        recipient_roles: many("recipient_role"),
        recipient_emails: one("recipient_emails"),
        categories: many("category"),
        purpose: one("purpose"),
        effective_on: one("effective_on"),
        expires_on: one("expires_on"),
        ends_with_supervision: !one("ends_with_supervision").is_empty(),
        revocable: !one("revocable").is_empty(),
        signed_on: one("signed_on"),
    };
    // The notice names the waiver as the table does: by its kind and signing day, read from
    // the input the application has just accepted.
    let name = input.basis.parse::<LegalBasis>().ok().and_then(|basis| {
        let day = |v: &str| {
            containment_domain::input::optional_date("", v)
                .ok()
                .flatten()
        };
        let effective = day(&input.effective_on)?;
        Some(containment_domain::waiver::waiver_name(
            basis,
            day(&input.signed_on),
            effective,
        ))
    });
    let outcome = p
        .submit(state.app.record_waiver(actor, id, &input, Utc::now()))
        .await
        .map(|_| match name {
            Some(name) => format!("{} recorded.", capitalized(&name)),
            None => "Waiver recorded.".to_owned(),
        });
    case_page_after(&state, &identity, id, CaseSection::Waivers, outcome).await
}

#[derive(Template)]
#[template(path = "waiver_revoke.html")]
struct WaiverRevokePage {
    layout: Layout,
    id: i64,
    case_name: String,
    w: WaiverLine,
    /// A court-ordered waiver (R11 asks for one in force).
    court_ordered: bool,
    reason: String,
    errors: FormErrors,
}

/// What revoking a waiver does, asked before it is done: it cannot be undone.
async fn revoke_waiver_confirm(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, waiver)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    revoke_waiver_page(
        &state,
        &identity,
        id,
        waiver,
        String::new(),
        FormErrors::new(),
    )
    .await
}

async fn revoke_waiver_page(
    state: &AppState,
    identity: &Identity,
    id: i64,
    waiver: i64,
    reason: String,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let today = local_date(now);
    let view = state.app.case_view(actor, id, now, today).await?;
    if !view.may_manage_team {
        return Err(AppError::Forbidden("not allowed: you do not manage this case".into()).into());
    }
    let record = view
        .waivers
        .iter()
        .find(|w| w.rule.id.0 == waiver)
        .ok_or(AppError::NotFound)?;
    let w = waiver_line(record, today);
    if !w.revocable {
        return Err(AppError::NotFound.into());
    }
    Ok(render(&WaiverRevokePage {
        layout: Layout::new(
            format!("Revoke the {}", record_name(record)),
            "caseload",
            identity,
        ),
        id,
        case_name: view.supervisee.legal_name.clone(),
        court_ordered: record.rule.basis.is_court_ordered(),
        w,
        reason,
        errors,
    }))
}

async fn revoke_waiver(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, waiver)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let reason = field(&p, "reason");
    match p
        .submit(
            state
                .app
                .revoke_waiver(actor, id, waiver, &reason, Utc::now()),
        )
        .await
    {
        Ok(()) => {
            case_page_after(
                &state,
                &identity,
                id,
                CaseSection::Waivers,
                Ok("Waiver revoked from today.".to_owned()),
            )
            .await
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            revoke_waiver_page(&state, &identity, id, waiver, reason, form_errors(e)?).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn end_supervision(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, episode)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let get = |k: &str| {
        p.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let end = match input::date("End date", &get("actual_end")) {
        Ok(d) => d,
        Err(e) => {
            return case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Details,
                None,
                crate::error::FormErrors::from(e),
            )
            .await;
        }
    };
    let version = get("version").parse().unwrap_or(0);
    match p
        .submit(state.app.end_supervision(
            actor,
            id,
            episode,
            version,
            end,
            &get("reason"),
            Utc::now(),
        ))
        .await
    {
        Ok(()) => {
            case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Details,
                Some(format!("Supervision ended on {end}.")),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_) | AppError::Stale { .. })) => {
            case_page_for(
                &state,
                &identity,
                id,
                CaseSection::Details,
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn correct_supervision(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, episode)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = containment_app::EpisodeCorrection {
        court: field(&p, "court"),
        placed_on: field(&p, "placed_on"),
        expected_end: field(&p, "expected_end"),
    };
    let version = field(&p, "version").parse().unwrap_or(0);
    let outcome = p
        .submit(
            state
                .app
                .correct_supervision(actor, id, episode, version, &input, Utc::now()),
        )
        .await
        .map(|()| "Supervision details corrected.".to_owned());
    case_page_after(&state, &identity, id, CaseSection::Details, outcome).await
}

async fn open_episode(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = CaseForm::from_pairs(&p);
    let outcome = p
        .submit(state.app.open_episode(actor, id, &f.input(), Utc::now()))
        .await
        .map(|_| "Supervision opened.".to_owned());
    case_page_after(&state, &identity, id, CaseSection::Details, outcome).await
}
