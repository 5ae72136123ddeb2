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
        due: o
            .due
            .map(containment_domain::case::day_words)
            .unwrap_or_default(),
        status: o.status.label(),
        status_code: o.status.code(),
        open: o.status.is_open() && v.openable,
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
        .unwrap_or_else(|| "the case".to_owned());
    // What can no longer be met is summed up apart from what is still to do.
    let missed = containment_app::missed_of(&list, date);
    let (open, closed): (Vec<_>, Vec<_>) = list.iter().partition(|v| v.obligation.status.is_open());
    let (missed_rows, open): (Vec<_>, Vec<_>) =
        open.into_iter().partition(|v| v.obligation.is_missed(date));
    let mut closed = closed;
    closed.sort_by_key(|v| std::cmp::Reverse(v.obligation.due));
    let closed: Vec<ObligationLine> = closed.into_iter().map(line).collect();
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
    /// The rate as a bar (inline SVG, hidden from screen readers: the figure is in text).
    bar: String,
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
        bar: crate::chart::rate_bar(r.rate()),
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
    /// Whether each row shows its rate as a bar too.
    bars: bool,
    rows: Vec<RateLine>,
}

/// One rule's on-time rate month by month: the chart and the same figures as a table.
struct RuleChart {
    key: String,
    label: String,
    svg: String,
    months: Vec<MonthLine>,
}

struct MonthLine {
    month: String,
    rate: String,
    met_on_time: usize,
    met_late: usize,
    overdue: usize,
}

fn rule_chart(r: &containment_app::RuleMonths, months: &[NaiveDate]) -> RuleChart {
    let points: Vec<crate::chart::MonthPoint> = months
        .iter()
        .zip(&r.months)
        .enumerate()
        .map(|(i, (m, row))| crate::chart::MonthPoint {
            month: m.format("%b").to_string(),
            year: (i == 0 || m.month() == 1).then(|| m.year()),
            rate: row.rate(),
        })
        .collect();
    let title = format!(
        "{}: {}, on time month by month from {} to {}",
        r.key,
        r.label,
        months
            .first()
            .map(|m| m.format("%b %Y").to_string())
            .unwrap_or_default(),
        months
            .last()
            .map(|m| m.format("%b %Y").to_string())
            .unwrap_or_default(),
    );
    RuleChart {
        svg: crate::chart::month_chart(&format!("chart-{}", r.key), &title, &points),
        key: r.key.clone(),
        label: r.label.clone(),
        months: months
            .iter()
            .zip(&r.months)
            .map(|(m, row)| MonthLine {
                month: m.format("%b %Y").to_string(),
                rate: row
                    .rate()
                    .map_or_else(|| "no figure".to_owned(), |v| format!("{v:.0}%")),
                met_on_time: row.met_on_time,
                met_late: row.met_late,
                overdue: row.overdue,
            })
            .collect(),
    }
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
    charts: Vec<RuleChart>,
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
                bars: false,
                rows: d.by_rule.iter().map(rate_line).collect(),
            },
            Section {
                code: "officer",
                title: "By officer",
                bars: true,
                rows: d.by_officer.iter().map(rate_line).collect(),
            },
            Section {
                code: "provider",
                title: "By provider",
                bars: true,
                rows: d.by_provider.iter().map(rate_line).collect(),
            },
            Section {
                code: "county",
                title: "By county",
                bars: false,
                rows: d.by_county.iter().map(rate_line).collect(),
            },
        ],
        charts: d
            .monthly_by_rule
            .iter()
            .map(|r| rule_chart(r, &d.months))
            .collect(),
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
            format_args!(
                ", due {} to {}",
                crate::today::day(from),
                crate::today::day(to)
            )
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

/// A holiday rule on the form: a checkbox, with its day in the year shown.
struct HolidayChoice {
    code: &'static str,
    name: &'static str,
    /// "Fri, Jun 19, 2026", or why there is no day off that year.
    day: String,
    state: bool,
    checked: bool,
}

/// A single date already on the county's calendar: a checkbox to keep it.
struct DateChoice {
    value: String,
    day: String,
    checked: bool,
}

/// A rule's number on the form.
struct NumberField {
    field: String,
    rule: &'static str,
    rule_label: &'static str,
    param: String,
    value: String,
    min: i64,
    max: Option<i64>,
    /// The pack's number, shown when the field is empty.
    placeholder: String,
    hint: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    layout: Layout,
    policies: Vec<PolicyLine>,
    counties: &'static [&'static str],
    /// The county the form is for; empty when the admin has no county to set.
    county: String,
    any_county: bool,
    year: i32,
    holidays: Vec<HolidayChoice>,
    added: Vec<DateChoice>,
    removed: Vec<DateChoice>,
    new_holidays: Vec<(String, String)>,
    numbers: Vec<NumberField>,
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

/// Names of the date fields that add a local holiday.
const NEW_HOLIDAY_FIELDS: [&str; 2] = ["new_holiday_1", "new_holiday_2"];

/// What the policy form shows: the county's stored policy, or what was sent with a problem.
#[derive(Debug, Default)]
struct PolicyForm {
    observed: std::collections::BTreeSet<containment_domain::calendar::HolidayRule>,
    added: Vec<(NaiveDate, bool)>,
    removed: Vec<(NaiveDate, bool)>,
    new_holidays: Vec<String>,
    /// Field name -> text.
    numbers: std::collections::HashMap<String, String>,
}

impl PolicyForm {
    /// The county's policy as stored (the state calendar and the packs' numbers if none).
    fn stored(policy: Option<&CountyPolicyRecord>) -> Self {
        use containment_domain::calendar::Calendar;
        use containment_domain::policy::Overrides;
        let calendar = policy
            .and_then(|p| Calendar::parse_county(&p.calendar).ok())
            .unwrap_or_else(Calendar::california);
        let overrides = policy
            .and_then(|p| Overrides::parse(&p.overrides).ok())
            .unwrap_or_default();
        PolicyForm {
            observed: calendar.rules().iter().copied().collect(),
            added: calendar.added().iter().map(|d| (*d, true)).collect(),
            removed: calendar.removed().iter().map(|d| (*d, true)).collect(),
            new_holidays: Vec::new(),
            numbers: overrides
                .values
                .iter()
                .map(|((r, p), v)| (containment_app::policy_field(*r, p), v.to_string()))
                .collect(),
        }
    }

    /// The form as sent, on top of the stored policy (so a date unticked stays on the form,
    /// unticked), and the choice it makes, or the problems at their fields.
    fn sent(
        stored: PolicyForm,
        p: &[(String, String)],
    ) -> (
        Self,
        Result<containment_app::CountyPolicyChoice, containment_app::Problems>,
    ) {
        use containment_domain::calendar::HolidayRule;
        let mut errors = containment_app::Problems::new();
        let mut choice = containment_app::CountyPolicyChoice::default();
        for code in crate::form::fields(p, "holiday") {
            match code.parse::<HolidayRule>() {
                Ok(rule) => {
                    choice.observed.insert(rule);
                }
                Err(e) => errors.at("holidays", e.to_string()),
            }
        }
        let dates =
            |name: &str, stored: &[(NaiveDate, bool)], errors: &mut containment_app::Problems| {
                let sent: Vec<NaiveDate> = crate::form::fields(p, name)
                    .iter()
                    .filter_map(|v| {
                        containment_domain::input::date(name, v)
                            .map_err(|e| errors.at(name, e))
                            .ok()
                    })
                    .collect();
                let mut all: Vec<(NaiveDate, bool)> =
                    stored.iter().map(|(d, _)| (*d, sent.contains(d))).collect();
                for d in &sent {
                    if !all.iter().any(|(x, _)| x == d) {
                        all.push((*d, true));
                    }
                }
                all
            };
        let added = dates("added", &stored.added, &mut errors);
        let removed = dates("removed", &stored.removed, &mut errors);
        choice.added = added.iter().filter(|(_, c)| *c).map(|(d, _)| *d).collect();
        choice.removed = removed
            .iter()
            .filter(|(_, c)| *c)
            .map(|(d, _)| *d)
            .collect();
        let mut new_holidays = Vec::new();
        for name in NEW_HOLIDAY_FIELDS {
            let v = field(p, name);
            if !v.trim().is_empty() {
                match containment_domain::input::date("holiday to add", &v) {
                    Ok(d) => {
                        choice.removed.remove(&d);
                        choice.added.insert(d);
                    }
                    Err(e) => errors.at(name, e),
                }
            }
            new_holidays.push(v);
        }
        let mut numbers = std::collections::HashMap::new();
        for (rule, param) in containment_domain::policy::parameters() {
            let name = containment_app::policy_field(rule, &param);
            let v = field(p, &name);
            let text = v.trim();
            if !text.is_empty() {
                match text.parse::<i64>() {
                    Ok(n) => {
                        // The law's limit is checked here too, so every problem of the form
                        // shows at once; the use case checks it again.
                        if let Err(e) = containment_domain::policy::check_value(rule, &param, n) {
                            errors.at(&name, format!("{}.{param}: {e}", rule.code()));
                        }
                        choice.numbers.insert((rule, param.clone()), n);
                    }
                    Err(_) => errors.at(
                        &name,
                        format!(
                            "{}.{param}: enter a whole number, or leave it empty for the pack's",
                            rule.code()
                        ),
                    ),
                }
            }
            numbers.insert(name, v);
        }
        let form = PolicyForm {
            observed: choice.observed.clone(),
            added,
            removed,
            new_holidays,
            numbers,
        };
        let result = if errors.is_empty() {
            Ok(choice)
        } else {
            Err(errors)
        };
        (form, result)
    }
}

/// The readable day of a date, e.g. "Fri, Jun 19, 2026".
fn day_words(d: NaiveDate) -> String {
    d.format("%a, %b %-d, %Y").to_string()
}

fn number_fields(form: &PolicyForm) -> Vec<NumberField> {
    use containment_domain::policy::{Limit, PolicyPackId, bounds, limit_of, statutory_value};
    let pack = PolicyPackId::in_force_on(local_date(Utc::now())).pack();
    containment_domain::policy::parameters()
        .into_iter()
        .map(|(rule, param)| {
            let field = containment_app::policy_field(rule, &param);
            let (min, max) = bounds(rule, &param);
            let in_pack = pack.rule(rule).and_then(|r| r.params.get(&param)).copied();
            let law = statutory_value(rule, &param);
            let hint = match (limit_of(rule, &param), law) {
                (Limit::AtMost, Some(law)) => {
                    format!("Statutory limit: at most {law}. A county may lower it, not raise it.")
                }
                (Limit::AtLeast, Some(law)) => format!(
                    "Statutory minimum: at least {law}. A county may raise it, not lower it."
                ),
                _ => "Local practice: any whole number from 1.".to_owned(),
            };
            let hint = match in_pack {
                Some(v) => format!("{hint} Leave empty to follow the policy pack ({v})."),
                None => format!("{hint} Leave empty to follow the policy pack."),
            };
            NumberField {
                value: form.numbers.get(&field).cloned().unwrap_or_default(),
                field,
                rule: rule.code(),
                rule_label: rule.label(),
                param,
                min,
                max,
                placeholder: in_pack.map(|v| v.to_string()).unwrap_or_default(),
                hint,
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PolicyQuery {
    county: String,
    year: String,
}

/// The county the page is for: the one asked for (system admins), else the admin's own.
fn policy_county(scope: &containment_app::PolicyScope, asked: &str) -> String {
    let asked = containment_domain::case::County::parse(asked)
        .ok()
        .map(|c| c.name().to_owned());
    match (scope.any_county, asked, scope.own.clone()) {
        (true, Some(c), _) => c,
        (_, _, Some(own)) => own,
        (true, None, None) => COUNTIES[0].to_owned(),
        (false, _, None) => String::new(),
    }
}

fn policy_year(asked: &str) -> i32 {
    let this_year = local_date(Utc::now()).year();
    asked
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (this_year - 5..=this_year + 5).contains(y))
        .unwrap_or(this_year)
}

#[allow(clippy::too_many_arguments)]
async fn policy_page_for(
    state: &AppState,
    identity: &Identity,
    county: String,
    any_county: bool,
    year: i32,
    form: Option<PolicyForm>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    use containment_domain::calendar::HolidayRule;
    signed_in(identity)?;
    let policies = state.app.county_policies().await?;
    let form =
        form.unwrap_or_else(|| PolicyForm::stored(policies.iter().find(|p| p.county == county)));
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
    let date_choices = |list: &[(NaiveDate, bool)]| {
        list.iter()
            .map(|(d, checked)| DateChoice {
                value: d.to_string(),
                day: day_words(*d),
                checked: *checked,
            })
            .collect::<Vec<_>>()
    };
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
        county,
        any_county,
        year,
        holidays: HolidayRule::ALL
            .iter()
            .map(|rule| HolidayChoice {
                code: rule.code(),
                name: rule.label(),
                day: match rule.observed_in(year) {
                    Some(d) => day_words(d),
                    None => format!("on a Saturday in {year}: no day off"),
                },
                state: HolidayRule::STATE.contains(rule),
                checked: form.observed.contains(rule),
            })
            .collect(),
        added: date_choices(&form.added),
        removed: date_choices(&form.removed),
        new_holidays: NEW_HOLIDAY_FIELDS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                (
                    (*name).to_owned(),
                    form.new_holidays.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        numbers: number_fields(&form),
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
    Query(q): Query<PolicyQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let scope = state.app.county_policy_scope(actor).await?;
    let county = policy_county(&scope, &q.county);
    policy_page_for(
        &state,
        &identity,
        county,
        scope.any_county,
        policy_year(&q.year),
        None,
        None,
        crate::error::FormErrors::new(),
    )
    .await
}

async fn set_policy(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let scope = state.app.county_policy_scope(actor).await?;
    let p = pairs(&body);
    let county = field(&p, "county");
    let year = policy_year(&field(&p, "year"));
    let stored = state
        .app
        .county_policies()
        .await?
        .into_iter()
        .find(|x| x.county == county);
    let (form, choice) = PolicyForm::sent(PolicyForm::stored(stored.as_ref()), &p);
    let result = match choice {
        Ok(choice) => {
            p.submit(
                state
                    .app
                    .set_county_policy_choice(actor, &county, &choice, Utc::now()),
            )
            .await
        }
        Err(problems) => match p.check() {
            Ok(()) => Err(AppError::InvalidInput(problems)),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(_) => {
            policy_page_for(
                &state,
                &identity,
                county.clone(),
                scope.any_county,
                year,
                None,
                Some(format!("{county}: policy saved.")),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e) => {
            let errors = crate::error::form_errors(e)?;
            let shown = policy_county(&scope, &county);
            let form = (shown == county).then_some(form);
            policy_page_for(
                &state,
                &identity,
                shown,
                scope.any_county,
                year,
                form,
                None,
                errors,
            )
            .await
        }
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
    /// Per rule, the on-time rate for each of the 12 months ending with the month of `to`
    /// (obligations due that month); rules with nothing due in those months are left out.
    pub monthly_by_rule: Vec<RuleMonthsJson>,
}

/// One rule's figures month by month.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleMonthsJson {
    pub rule: String,
    pub label: String,
    pub months: Vec<MonthRateJson>,
}

/// A month's figures of one rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthRateJson {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Met on time among met and overdue, in percent; null when none were due that month.
    pub rate: Option<f64>,
    pub met_on_time: usize,
    pub met_late: usize,
    pub overdue: usize,
    pub open: usize,
    pub exempted: usize,
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
        monthly_by_rule: d
            .monthly_by_rule
            .iter()
            .map(|r| RuleMonthsJson {
                rule: r.key.clone(),
                label: r.label.clone(),
                months: d
                    .months
                    .iter()
                    .zip(&r.months)
                    .map(|(m, row)| MonthRateJson {
                        month: m.format("%Y-%m").to_string(),
                        rate: row.rate(),
                        met_on_time: row.met_on_time,
                        met_late: row.met_late,
                        overdue: row.overdue,
                        open: row.open,
                        exempted: row.exempted,
                    })
                    .collect(),
            })
            .collect(),
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
    let saved = state
        .app
        .set_county_policy(actor, &county, &b.overrides, &b.calendar, Utc::now())
        .await?;
    Ok(Json(saved.into()))
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
