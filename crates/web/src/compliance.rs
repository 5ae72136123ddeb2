//! Compliance on the web: the private calendar feed of a person's tasks, a case's
//! obligations with exemption requests, the approvers' queue, the agency dashboard with the
//! list behind every number, county policy, and the same through the JSON API.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use chrono::{Datelike, NaiveDate, Utc};
use containment_app::{
    AppError, CountyPolicyRecord, Dashboard, Dimension, ObligationView, RateRow,
};
use containment_domain::case::{COUNTIES, local_date};
use containment_domain::compliance::{ObligationStatus, Subject};
use containment_domain::policy::RuleId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, PageError};
use crate::extract::{ApiJson, ApiQuery, caller};
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/calendar/{secret}", Guard::Public, calendar_feed)
        .get("/cases/{id}/obligations", Guard::SignedIn, obligations_page)
        .post("/cases/{id}/exemptions", Guard::SignedIn, request_exemption)
        .post(
            "/exemptions/{id}/decision",
            Guard::SignedIn,
            decide_exemption,
        )
        .get("/exemptions", Guard::SignedIn, exemptions_page)
        .get(
            "/dashboard",
            Guard::AnyRole(DASHBOARD_READERS),
            dashboard_page,
        )
        .get(
            "/dashboard/list",
            Guard::AnyRole(DASHBOARD_READERS),
            dashboard_list_page,
        )
        .get("/admin/policy", Guard::AnyRole(POLICY_ADMINS), policy_page)
        .post("/admin/policy", Guard::AnyRole(POLICY_ADMINS), set_policy)
        .get(
            "/api/v1/supervisees/{id}/obligations",
            Guard::Api,
            obligations_api,
        )
        .get(
            "/api/v1/dashboard",
            Guard::ApiRole(DASHBOARD_READERS),
            dashboard_api,
        )
        .post(
            "/api/v1/supervisees/{id}/exemptions",
            Guard::Api,
            request_exemption_api,
        )
        .post(
            "/api/v1/exemptions/{id}/decision",
            Guard::Api,
            decide_exemption_api,
        )
        .delete("/api/v1/me/calendar-feed", Guard::Api, revoke_feed_api)
        .put(
            "/api/v1/county-policies/{county}",
            Guard::ApiRole(POLICY_ADMINS),
            set_policy_api,
        )
}

/// Who sees the agency's cases in aggregate. The app layer checks the same; the guard refuses
/// everyone else first, so the refusal is on the audit trail.
pub(crate) const DASHBOARD_READERS: &[containment_domain::Role] = &[
    containment_domain::Role::AgencyAdmin,
    containment_domain::Role::OfficerSupervisor,
];

/// Who sets county policy (the app layer also checks an agency admin's county).
const POLICY_ADMINS: &[containment_domain::Role] = &[
    containment_domain::Role::SystemAdmin,
    containment_domain::Role::AgencyAdmin,
];

/// Where an obligation gets done.
pub(crate) fn place_of(v: &ObligationView) -> String {
    let id = v.supervisee_id;
    let o = &v.obligation;
    match (o.key.rule, v.score_id) {
        (_, Some(score)) => format!("/cases/{id}/scores/{score}"),
        (RuleId::R2, _) => format!("/cases/{id}/scores/new?instrument=static99r"),
        (RuleId::R4, _) => format!("/cases/{id}/scores/new?instrument=stable2007"),
        (RuleId::R10, _) => "/certifications".to_owned(),
        (RuleId::R11, _) => format!("/cases/{id}/waivers"),
        (RuleId::R12, _) => format!("/cases/{id}/team"),
        (RuleId::R1 | RuleId::R7 | RuleId::R8 | RuleId::R13, _) => {
            format!("/cases/{id}/treatment")
        }
        (RuleId::R9, _) => format!("/cases/{id}/polygraph"),
        _ => format!("/cases/{id}/obligations"),
    }
}

/// An obligation in one plain sentence (who owes what by when), with the rule, its source and
/// its policy pack for a "why" disclosure.
pub(crate) struct Sentence {
    pub(crate) rule: &'static str,
    pub(crate) text: String,
    pub(crate) overdue: bool,
    pub(crate) why: String,
    /// Where it gets done; `None` when the viewer could not open it (a score they may not read).
    pub(crate) place: Option<String>,
}

/// What an obligation asks for, in a few words.
fn what_is_owed(o: &containment_domain::compliance::Obligation) -> String {
    let month = |m: i32| {
        NaiveDate::from_ymd_opt(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1).map_or_else(
            || subject_words(o.key.subject),
            |d| d.format("%B %Y").to_string(),
        )
    };
    match (o.key.rule, o.key.subject) {
        (RuleId::R1, Subject::Month(m)) => format!("the progress contact for {}", month(m)),
        (RuleId::R1, _) => "the month's progress contact".to_owned(),
        (RuleId::R2, _) => "the Static-99R score".to_owned(),
        (RuleId::R3, _) => "the review of the Static-99R score".to_owned(),
        (RuleId::R4, _) if o.key.part == 0 => {
            "the dynamic risk score (STABLE-2007 or SRA-FV)".to_owned()
        }
        (RuleId::R4, _) => "the violence risk score (LS/CMI)".to_owned(),
        (RuleId::R5, _) => "the score with its written interpretation to the officer".to_owned(),
        (RuleId::R6a, _) => "the dynamic score sent to DOJ".to_owned(),
        (RuleId::R6b, _) => "the dynamic and violence scores sent to DOJ".to_owned(),
        (RuleId::R7, _) => "the comprehensive assessment".to_owned(),
        (RuleId::R8, _) => "the completion of treatment".to_owned(),
        (RuleId::R9, _) => "the next maintenance polygraph exam".to_owned(),
        (RuleId::R10, _) => "a current certification".to_owned(),
        (RuleId::R11, _) => "a court waiver covering provider, officer and examiner".to_owned(),
        (RuleId::R12, _) => "a complete containment team".to_owned(),
        (RuleId::R13, Subject::SelfReport(id)) => {
            format!("an acknowledgement of self-report {id}")
        }
        (RuleId::R13, _) => "an acknowledgement of a self-report".to_owned(),
    }
}

/// The obligation as a sentence: "The treatment provider owes the progress contact for
/// November 2026 by Dec 10, 2026." `readable_scores` are the scores the viewer may open and
/// `may_score` the instruments they may record: the link is offered only when it leads somewhere
/// the viewer may go.
pub(crate) fn sentence(
    v: &ObligationView,
    today: NaiveDate,
    readable_scores: &[i64],
    may_score: &[containment_domain::instrument::Instrument],
) -> Sentence {
    use crate::today::day;
    use containment_domain::instrument::Instrument;
    let o = &v.obligation;
    let role = o.responsible.label();
    let who = match &v.responsible_name {
        Some(name) => format!("{name}, the {role},"),
        None => {
            let mut c = role.chars();
            c.next().map_or_else(String::new, |f| {
                format!("The {}{}", f.to_lowercase(), c.as_str())
            })
        }
    };
    let when = o.due.map(|d| format!(" by {}", day(d))).unwrap_or_default();
    let pack = o.pack.pack();
    let rule = pack.rule(o.key.rule);
    let (obligation, source) =
        rule.map_or(("", ""), |r| (r.obligation.as_str(), r.source.as_str()));
    let place = match (o.key.rule, v.score_id) {
        (_, Some(score)) if !readable_scores.contains(&score) => None,
        (RuleId::R2, None) if !may_score.contains(&Instrument::Static99r) => None,
        (RuleId::R4, None) if !may_score.contains(&Instrument::Stable2007) => None,
        _ => Some(place_of(v)),
    };
    Sentence {
        rule: o.key.rule.code(),
        text: format!("{who} owes {}{when}.", what_is_owed(o)),
        overdue: o.due.is_some_and(|d| today > d),
        why: format!(
            "{} ({}): {obligation}. Source: {source}. Policy pack: {}.",
            o.key.rule.code(),
            o.key.rule.label(),
            o.pack.label()
        ),
        place,
    }
}

/// An obligation as a table row.
pub(crate) struct ObligationLine {
    pub(crate) key: String,
    pub(crate) rule: &'static str,
    pub(crate) rule_label: &'static str,
    pub(crate) case_id: i64,
    pub(crate) case_name: String,
    pub(crate) due: String,
    pub(crate) status: &'static str,
    pub(crate) status_code: &'static str,
    pub(crate) open: bool,
    pub(crate) who: String,
    pub(crate) subject: String,
    pub(crate) explanation: String,
    pub(crate) place: String,
}

pub(crate) fn line(v: &ObligationView) -> ObligationLine {
    let o = &v.obligation;
    ObligationLine {
        key: o.key.to_string(),
        rule: o.key.rule.code(),
        rule_label: o.key.rule.label(),
        case_id: v.supervisee_id,
        case_name: v.supervisee_name.clone(),
        due: o.due.map(|d| d.to_string()).unwrap_or_default(),
        status: o.status.label(),
        status_code: o.status.code(),
        open: o.status.is_open(),
        who: v
            .responsible_name
            .clone()
            .map(|n| format!("{n} ({})", o.responsible.label()))
            .unwrap_or_else(|| o.responsible.label().to_owned()),
        subject: subject_words(o.key.subject),
        explanation: v.explanation.clone(),
        place: place_of(v),
    }
}

/// Text escaped for an iCalendar value (RFC 5545 3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// A content line folded at 75 octets (RFC 5545 3.1).
fn ics_line(out: &mut String, line: &str) {
    let mut count = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if count + len > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(c);
        count += len;
    }
    out.push_str("\r\n");
}

/// The feed: one all-day event per open task. Supervisees are named by case number only, since
/// calendar programs keep copies outside this system.
pub(crate) fn ics(tasks: &[ObligationView], now: chrono::DateTime<Utc>) -> String {
    let mut out = String::new();
    ics_line(&mut out, "BEGIN:VCALENDAR");
    ics_line(&mut out, "VERSION:2.0");
    ics_line(&mut out, "PRODID:-//Containment//Deadlines//EN");
    ics_line(&mut out, "CALSCALE:GREGORIAN");
    ics_line(&mut out, "X-WR-CALNAME:Containment deadlines");
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    for t in tasks {
        let Some(due) = t.obligation.due else {
            continue;
        };
        let o = &t.obligation;
        ics_line(&mut out, "BEGIN:VEVENT");
        ics_line(
            &mut out,
            &format!("UID:{}-{}@containment", o.key, t.supervisee_id),
        );
        ics_line(&mut out, &format!("DTSTAMP:{stamp}"));
        ics_line(
            &mut out,
            &format!("DTSTART;VALUE=DATE:{}", due.format("%Y%m%d")),
        );
        if let Some(next) = due.succ_opt() {
            ics_line(
                &mut out,
                &format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")),
            );
        }
        ics_line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                ics_text(&format!(
                    "{} {} (case {}){}",
                    o.key.rule.code(),
                    o.key.rule.label(),
                    t.supervisee_id,
                    if o.status == ObligationStatus::Overdue {
                        ": overdue"
                    } else {
                        ""
                    }
                ))
            ),
        );
        ics_line(
            &mut out,
            &format!("DESCRIPTION:{}", ics_text(&format!("Open {}", place_of(t)))),
        );
        ics_line(&mut out, "END:VEVENT");
    }
    ics_line(&mut out, "END:VCALENDAR");
    out
}

async fn calendar_feed(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let secret = secret.trim_end_matches(".ics");
    let now = Utc::now();
    let tasks = state.app.calendar_feed_tasks(secret, now).await?;
    let mut res = ics(&tasks, now).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AsOf {
    as_of: String,
}

pub(crate) fn as_of(v: &str) -> Result<NaiveDate, AppError> {
    if v.trim().is_empty() {
        return Ok(local_date(Utc::now()));
    }
    containment_domain::input::date("as_of", v).map_err(AppError::invalid)
}

struct ExemptionLine {
    id: i64,
    what: String,
    period: String,
    reason: String,
    decision: String,
    pending: bool,
}

fn exemption_line(e: &containment_app::ExemptionRecord) -> ExemptionLine {
    ExemptionLine {
        id: e.id,
        what: e
            .obligation_key
            .clone()
            .unwrap_or_else(|| format!("every {} obligation due in the period", e.rule.code())),
        period: match e.until {
            Some(u) => format!("{} to {u}", e.from),
            None => format!("from {}", e.from),
        },
        reason: e.reason.clone(),
        decision: match (&e.decision[..], &e.decision_note) {
            ("requested", _) => "waiting for a decision".to_owned(),
            (d, Some(n)) if !n.is_empty() => format!("{d}: {n}"),
            (d, _) => d.to_owned(),
        },
        pending: e.decision == "requested",
    }
}

/// One rule's missed obligations on a case, in one line.
pub(crate) struct MissedLine {
    pub(crate) summary: String,
    pub(crate) span: String,
}

pub(crate) fn missed_line(m: &containment_app::Missed) -> MissedLine {
    use crate::today::day;
    MissedLine {
        summary: m.summary(),
        span: if m.first_due == m.last_due {
            format!("due {}", day(m.first_due))
        } else {
            format!("due {} to {}", day(m.first_due), day(m.last_due))
        },
    }
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct ObligationsPage {
    layout: Layout,
    case_id: i64,
    name: String,
    as_of: NaiveDate,
    open: Vec<ObligationLine>,
    missed: Vec<MissedLine>,
    missed_rows: Vec<ObligationLine>,
    closed: Vec<ObligationLine>,
    rules: &'static [RuleId],
    exemptions: Vec<ExemptionLine>,
    approves: bool,
    today: NaiveDate,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

async fn obligations_page_for(
    state: &AppState,
    identity: &Identity,
    id: i64,
    date: NaiveDate,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let list = state.app.case_obligations(actor, id, date, now).await?;
    let (exemptions, approves) = state.app.exemptions(actor, id, now).await?;
    let name = list
        .first()
        .map(|v| v.supervisee_name.clone())
        .unwrap_or_else(|| format!("case {id}"));
    // What can no longer be met is summed up apart from what is still to do.
    let missed = containment_app::missed_of(&list, date);
    let (open, closed): (Vec<_>, Vec<_>) = list.iter().partition(|v| v.obligation.status.is_open());
    let (missed_rows, open): (Vec<_>, Vec<_>) =
        open.into_iter().partition(|v| v.obligation.is_missed(date));
    let mut closed: Vec<ObligationLine> = closed.into_iter().map(line).collect();
    closed.sort_by(|a, b| b.due.cmp(&a.due));
    Ok(render(&ObligationsPage {
        layout: Layout::new(format!("Obligations of {name}"), "caseload", identity),
        case_id: id,
        name,
        as_of: date,
        open: open.into_iter().map(line).collect(),
        missed: missed.iter().map(missed_line).collect(),
        missed_rows: missed_rows.into_iter().map(line).collect(),
        closed,
        rules: RuleId::ALL,
        exemptions: exemptions.iter().map(exemption_line).collect(),
        approves,
        today: local_date(now),
        notice,
        errors,
    }))
}

async fn obligations_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<AsOf>,
) -> Result<Response, PageError> {
    let date = as_of(&q.as_of)?;
    obligations_page_for(
        &state,
        &identity,
        id,
        date,
        None,
        crate::error::FormErrors::new(),
    )
    .await
}

async fn request_exemption(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let today = local_date(Utc::now());
    match p
        .submit(state.app.request_exemption(
            actor,
            id,
            &field(&p, "rule"),
            &field(&p, "obligation"),
            &field(&p, "from"),
            &field(&p, "until"),
            &field(&p, "reason"),
            Utc::now(),
        ))
        .await
    {
        Ok(e) => {
            obligations_page_for(
                &state,
                &identity,
                id,
                today,
                Some(format!(
                    "Exemption {e} requested; an officer supervisor or agency admin decides it."
                )),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(m)) => {
            let errors = crate::error::FormErrors::from(m);
            obligations_page_for(&state, &identity, id, today, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide_exemption(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let approve = field(&p, "decision") == "approve";
    match p
        .submit(
            state
                .app
                .decide_exemption(actor, id, approve, &field(&p, "note"), Utc::now()),
        )
        .await
    {
        Ok(e) => {
            Ok(Redirect::to(&format!("/cases/{}/obligations", e.supervisee_id)).into_response())
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            exemptions_page_for(
                &state,
                &identity,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

struct PendingLine {
    e: ExemptionLine,
    case_id: i64,
    case_name: String,
}

#[derive(Template)]
#[template(path = "exemptions.html")]
struct ExemptionsPage {
    layout: Layout,
    pending: Vec<PendingLine>,
    errors: crate::error::FormErrors,
}

async fn exemptions_page_for(
    state: &AppState,
    identity: &Identity,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let list = state.app.exemptions_to_decide(actor, Utc::now()).await?;
    Ok(render(&ExemptionsPage {
        layout: Layout::new("Exemptions to decide", "dashboard", identity),
        pending: list
            .iter()
            .map(|(e, name)| PendingLine {
                e: exemption_line(e),
                case_id: e.supervisee_id,
                case_name: name.clone(),
            })
            .collect(),
        errors,
    }))
}

async fn exemptions_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    exemptions_page_for(&state, &identity, crate::error::FormErrors::new()).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First due date counted (YYYY-MM-DD); default the first of the month a quarter ago.
    pub from: String,
    /// Last due date counted; default today.
    pub to: String,
}

pub(crate) fn period(p: &Period) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = local_date(Utc::now());
    let default_from = today
        .checked_sub_months(chrono::Months::new(3))
        .and_then(|d| d.with_day(1))
        .unwrap_or(today);
    let parse = |field: &str, v: &str, default: NaiveDate| {
        if v.trim().is_empty() {
            return Ok(default);
        }
        containment_domain::input::date(field, v).map_err(AppError::invalid)
    };
    Ok((
        parse("from", &p.from, default_from)?,
        parse("to", &p.to, today)?,
    ))
}

struct RateLine {
    key: String,
    label: String,
    rate: String,
    met_on_time: usize,
    met_late: usize,
    overdue: usize,
    missed: usize,
    open: usize,
    exempted: usize,
}

fn rate_line(r: &RateRow) -> RateLine {
    RateLine {
        key: r.key.clone(),
        label: r.label.clone(),
        rate: r
            .rate()
            .map_or_else(|| "—".to_owned(), |v| format!("{v:.0}%")),
        met_on_time: r.met_on_time,
        met_late: r.met_late,
        overdue: r.overdue,
        missed: r.missed,
        open: r.open,
        exempted: r.exempted,
    }
}

struct Section {
    code: &'static str,
    title: &'static str,
    rows: Vec<RateLine>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    from: NaiveDate,
    to: NaiveDate,
    cases: usize,
    total: RateLine,
    sections: Vec<Section>,
}

async fn dashboard_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<Period>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (from, to) = period(&q)?;
    let d: Dashboard = state.app.dashboard(actor, from, to, Utc::now()).await?;
    Ok(render(&DashboardPage {
        layout: Layout::new("Compliance dashboard", "dashboard", &identity),
        from,
        to,
        cases: d.cases,
        total: rate_line(&d.total),
        sections: vec![
            Section {
                code: "rule",
                title: "By rule",
                rows: d.by_rule.iter().map(rate_line).collect(),
            },
            Section {
                code: "officer",
                title: "By officer",
                rows: d.by_officer.iter().map(rate_line).collect(),
            },
            Section {
                code: "provider",
                title: "By provider",
                rows: d.by_provider.iter().map(rate_line).collect(),
            },
            Section {
                code: "county",
                title: "By county",
                rows: d.by_county.iter().map(rate_line).collect(),
            },
        ],
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) dimension: String,
    pub(crate) value: String,
    pub(crate) status: String,
}

#[derive(Template)]
#[template(path = "dashboard_list.html")]
struct DashboardListPage {
    layout: Layout,
    title: String,
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<ObligationLine>,
    /// The list's filters, for its downloads.
    query: String,
}

async fn dashboard_list_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (from, to) = period(&Period {
        from: q.from.clone(),
        to: q.to.clone(),
    })?;
    let dimension = Dimension::parse(if q.dimension.is_empty() {
        "rule"
    } else {
        &q.dimension
    })?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(s.parse::<ObligationStatus>().map_err(AppError::from)?),
    };
    let rows = state
        .app
        .dashboard_list(actor, from, to, dimension, &q.value, status, Utc::now())
        .await?;
    Ok(render(&DashboardListPage {
        layout: Layout::new("Obligations behind the figure", "dashboard", &identity),
        title: format!(
            "{}{}{}",
            if q.value.is_empty() {
                "All".to_owned()
            } else {
                format!("{} {}", dimension.code(), q.value)
            },
            status
                .map(|s| format!(", {}", s.label().to_lowercase()))
                .unwrap_or_default(),
            format_args!(", due {from} to {to}")
        ),
        query: serde_urlencoded::to_string([
            ("from", from.to_string()),
            ("to", to.to_string()),
            ("dimension", dimension.code().to_owned()),
            ("value", q.value.clone()),
            ("status", q.status.clone()),
        ])
        .unwrap_or_default(),
        from,
        to,
        rows: rows.iter().map(line).collect(),
    }))
}

struct PolicyLine {
    county: String,
    overrides: String,
    calendar: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    layout: Layout,
    policies: Vec<PolicyLine>,
    counties: &'static [&'static str],
    packs: Vec<PackLine>,
    calendars: Vec<CalendarLine>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

/// A calendar in force and its holidays this year and next.
struct CalendarLine {
    title: String,
    years: Vec<(i32, Vec<(String, String)>)>,
}

struct PackLine {
    id: &'static str,
    title: String,
    period: String,
    rules: Vec<(String, String, String, String)>,
}

async fn policy_page_for(
    state: &AppState,
    identity: &Identity,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    signed_in(identity)?;
    let policies = state.app.county_policies().await?;
    let this_year = local_date(Utc::now()).year();
    let mut calendars = Vec::new();
    for c in state.app.calendars_in_force().await? {
        let mut years = Vec::new();
        for year in [this_year, this_year + 1] {
            let days = c
                .holidays_in(year)?
                .into_iter()
                .map(|h| (h.date.format("%a %-d %b %Y").to_string(), h.name))
                .collect();
            years.push((year, days));
        }
        calendars.push(CalendarLine {
            title: match c.county {
                Some(county) => format!("{county} County"),
                None => "State calendar (every county without a calendar of its own)".to_owned(),
            },
            years,
        });
    }
    Ok(render(&PolicyPage {
        layout: Layout::new("County policy", "admin", identity),
        policies: policies
            .into_iter()
            .map(|p| PolicyLine {
                county: p.county,
                overrides: p.overrides,
                calendar: p.calendar,
                updated: crate::pages::account::when(p.updated_at),
            })
            .collect(),
        counties: &COUNTIES,
        packs: containment_domain::policy::packs()
            .iter()
            .map(|p| PackLine {
                id: p.id.code(),
                title: p.title.clone(),
                period: match p.effective_until {
                    Some(u) => format!("{} to {u}", p.effective_from),
                    None => format!("from {}", p.effective_from),
                },
                rules: p
                    .rules
                    .iter()
                    .map(|r| {
                        (
                            r.rule.code().to_owned(),
                            format!("{} {}", r.obligation, r.when),
                            r.params
                                .iter()
                                .map(|(k, v)| {
                                    use containment_domain::policy::{Limit, limit_of};
                                    let bound = match limit_of(r.rule, k) {
                                        Limit::AtMost => {
                                            " (statutory limit: a county may lower it)"
                                        }
                                        Limit::AtLeast => {
                                            " (statutory minimum: a county may raise it)"
                                        }
                                        Limit::Local => " (local practice)",
                                    };
                                    format!("{}.{k} = {v}{bound}", r.rule.code())
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                            r.source.clone(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        calendars,
        notice,
        errors,
    }))
}

async fn policy_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    policy_page_for(&state, &identity, None, crate::error::FormErrors::new()).await
}

async fn set_policy(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let county = field(&p, "county");
    match p
        .submit(state.app.set_county_policy(
            actor,
            &county,
            &field(&p, "overrides"),
            &field(&p, "calendar"),
            Utc::now(),
        ))
        .await
    {
        Ok(()) => {
            policy_page_for(
                &state,
                &identity,
                Some(format!("{county}: policy saved.")),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(m)) => {
            policy_page_for(&state, &identity, None, crate::error::FormErrors::from(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An obligation in the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationJson {
    /// Stable key, e.g. `R5:score:12:0`; exemptions name it.
    pub key: String,
    pub rule: String,
    pub pack: String,
    pub supervisee_id: i64,
    /// Team role that owes it.
    pub responsible: String,
    pub responsible_user_id: Option<i64>,
    pub due: Option<NaiveDate>,
    pub met_on: Option<NaiveDate>,
    /// `overdue`, `due_soon`, `upcoming`, `met_late`, `met_on_time`, `exempted` or
    /// `not_applicable`.
    pub status: String,
    pub explanation: String,
}

pub(crate) fn obligation_json(v: &ObligationView) -> ObligationJson {
    let o = &v.obligation;
    ObligationJson {
        key: o.key.to_string(),
        rule: o.key.rule.code().to_owned(),
        pack: o.pack.code().to_owned(),
        supervisee_id: v.supervisee_id,
        responsible: o.responsible.code().to_owned(),
        responsible_user_id: o.responsible_user,
        due: o.due,
        met_on: o.met_on,
        status: o.status.code().to_owned(),
        explanation: v.explanation.clone(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Evaluate as of this day (YYYY-MM-DD); default today.
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/supervisees/{id}/obligations", tag = "compliance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id"), AsOfParams),
    responses((status = 200, description = "Every obligation of the case, overdue first", body = [ObligationJson]),
              (status = 404, description = "No such case for the caller", body = ApiErrorBody)))]
pub(crate) async fn obligations_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<AsOfParams>,
) -> Result<Json<Vec<ObligationJson>>, ApiError> {
    let actor = caller(&identity)?;
    let date = as_of(q.as_of.as_deref().unwrap_or_default())?;
    let list = state
        .app
        .case_obligations(actor, id, date, Utc::now())
        .await?;
    Ok(Json(list.iter().map(obligation_json).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateJson {
    pub key: String,
    pub label: String,
    /// Met on time among met and overdue, in percent; null when none were due.
    pub rate: Option<f64>,
    pub met_on_time: usize,
    pub met_late: usize,
    pub overdue: usize,
    /// Of the overdue, those that can no longer be met: on record as missed, not tasks.
    pub missed: usize,
    pub open: usize,
    pub exempted: usize,
}

fn rate_json(r: &RateRow) -> RateJson {
    RateJson {
        key: r.key.clone(),
        label: r.label.clone(),
        rate: r.rate(),
        met_on_time: r.met_on_time,
        met_late: r.met_late,
        overdue: r.overdue,
        missed: r.missed,
        open: r.open,
        exempted: r.exempted,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardJson {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cases: usize,
    pub total: RateJson,
    pub by_rule: Vec<RateJson>,
    pub by_officer: Vec<RateJson>,
    pub by_provider: Vec<RateJson>,
    pub by_county: Vec<RateJson>,
}

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "compliance", security(("bearer" = [])),
    params(Period),
    responses((status = 200, description = "Compliance of the caller's agency for obligations due in the period", body = DashboardJson),
              (status = 403, description = "Not an officer supervisor or agency admin", body = ApiErrorBody)))]
pub(crate) async fn dashboard_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<DashboardJson>, ApiError> {
    let actor = caller(&identity)?;
    let (from, to) = period(&q)?;
    let d = state.app.dashboard(actor, from, to, Utc::now()).await?;
    Ok(Json(DashboardJson {
        from,
        to,
        cases: d.cases,
        total: rate_json(&d.total),
        by_rule: d.by_rule.iter().map(rate_json).collect(),
        by_officer: d.by_officer.iter().map(rate_json).collect(),
        by_provider: d.by_provider.iter().map(rate_json).collect(),
        by_county: d.by_county.iter().map(rate_json).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewExemption {
    /// One obligation's key; or leave it out and give `rule` for a period.
    #[serde(default)]
    pub obligation: String,
    #[serde(default)]
    pub rule: String,
    pub from: String,
    #[serde(default)]
    pub until: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExemptionId {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/supervisees/{id}/exemptions", tag = "compliance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Supervisee id")),
    request_body = NewExemption,
    responses((status = 201, description = "Requested; it applies once approved", body = ExemptionId),
              (status = 422, description = "Invalid request", body = ApiErrorBody)))]
pub(crate) async fn request_exemption_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewExemption>,
) -> Result<(StatusCode, Json<ExemptionId>), ApiError> {
    let actor = caller(&identity)?;
    let e = state
        .app
        .request_exemption(
            actor,
            id,
            &b.rule,
            &b.obligation,
            &b.from,
            &b.until,
            &b.reason,
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ExemptionId { id: e })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExemptionDecision {
    pub approve: bool,
    /// Required when refusing.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/exemptions/{id}/decision", tag = "compliance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Exemption id")),
    request_body = ExemptionDecision,
    responses((status = 204, description = "Decided"),
              (status = 403, description = "Not an approver for the case, or the requester", body = ApiErrorBody),
              (status = 409, description = "Already decided", body = ApiErrorBody)))]
pub(crate) async fn decide_exemption_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ExemptionDecision>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .decide_exemption(actor, id, b.approve, &b.note, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "compliance", security(("bearer" = [])),
    responses((status = 204, description = "Revoked: the feed's address answers no more"),
              (status = 404, description = "The caller has no calendar feed", body = ApiErrorBody)))]
pub(crate) async fn revoke_feed_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    if state.app.revoke_calendar_feed(actor, Utc::now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "You have no calendar feed to revoke.",
        ))
    }
}

/// A county's overrides of the policy pack and its calendar.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CountyPolicyBody {
    /// One number a line, e.g. `R9.months = 6`; empty for none.
    #[serde(default)]
    pub overrides: String,
    /// One calendar entry a line, on top of the state calendar: a holiday to add
    /// (`juneteenth`, `native_american_day`, `lincolns_birthday`, `indigenous_peoples_day`, or
    /// a date), or one to drop with a leading minus (`-cesar_chavez_day`); empty for none.
    #[serde(default)]
    pub calendar: String,
}

/// A county's policy as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountyPolicyJson {
    pub county: String,
    pub overrides: String,
    pub calendar: String,
    pub updated_at: chrono::DateTime<Utc>,
    pub updated_by: i64,
}

impl From<CountyPolicyRecord> for CountyPolicyJson {
    fn from(p: CountyPolicyRecord) -> Self {
        CountyPolicyJson {
            county: p.county,
            overrides: p.overrides,
            calendar: p.calendar,
            updated_at: p.updated_at,
            updated_by: p.updated_by,
        }
    }
}

#[utoipa::path(put, path = "/api/v1/county-policies/{county}", tag = "compliance", security(("bearer" = [])),
    params(("county" = String, Path, description = "California county, e.g. `Sonoma`")),
    request_body = CountyPolicyBody,
    responses((status = 200, description = "Saved; the county's policy as stored", body = CountyPolicyJson),
              (status = 403, description = "Not a system admin, nor an admin of an agency in this county", body = ApiErrorBody),
              (status = 422, description = "Unknown county, or numbers or calendar entries that do not parse; `message` names each", body = ApiErrorBody)))]
pub(crate) async fn set_policy_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(county): Path<String>,
    ApiJson(b): ApiJson<CountyPolicyBody>,
) -> Result<Json<CountyPolicyJson>, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .set_county_policy(actor, &county, &b.overrides, &b.calendar, Utc::now())
        .await?;
    let saved = containment_domain::case::County::parse(&county)
        .ok()
        .map(|c| c.name().to_owned());
    state
        .app
        .county_policies()
        .await?
        .into_iter()
        .find(|p| Some(&p.county) == saved.as_ref())
        .map(|p| Json(p.into()))
        .ok_or_else(|| AppError::NotFound.into())
}

/// The subject of an obligation in words, for exemption forms.
pub(crate) fn subject_words(s: Subject) -> String {
    match s {
        Subject::Month(m) => format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
        Subject::Score(id) => format!("score {id}"),
        Subject::Episode(id) => format!("episode {id}"),
        Subject::Treatment(id) => format!("treatment {id}"),
        Subject::Exam(id) => format!("exam {}", id % 1000 + 1),
        Subject::Assessment(id) => format!("assessment {id}"),
        Subject::Member(id) => format!("member {id}"),
        Subject::SelfReport(id) => format!("self-report {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_are_escaped_and_folded_at_75_octets() {
        let mut out = String::new();
        ics_line(
            &mut out,
            &format!("SUMMARY:{}", ics_text(&"a;b,c\\d\n".repeat(12))),
        );
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(out.starts_with("SUMMARY:a\\;b\\,c\\\\d\\n"));
        assert!(out.contains("\r\n "));
    }
}
