//! Today: where a person lands after signing in. Their own work, what is overdue and can still
//! be done, due today, this week and later, grouped by case, one sentence and one link a task;
//! with counts, filters and pages, the reminders and the calendar feed. `/tasks` (the old "My
//! tasks") leads here. The same through `GET /api/v1/me/tasks`.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{Task, Today, TodayQuery};
use containment_domain::compliance::Window;
use containment_domain::policy::RuleId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::compliance::place_of;
use crate::error::{ApiError, PageError};
use crate::extract::{ApiQuery, caller};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/today", Guard::SignedIn, today_page)
        .get("/tasks", Guard::SignedIn, tasks_moved)
        .post("/tasks/calendar-feed", Guard::SignedIn, create_feed)
        .post("/tasks/calendar-feed/revoke", Guard::SignedIn, revoke_feed)
        .get("/api/v1/me/tasks", Guard::Api, tasks_api)
}

/// A day as people read it: "Mar 2, 2026".
pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// When a task is due, from today.
fn due_words(due: Option<NaiveDate>, today: NaiveDate) -> String {
    let Some(due) = due else {
        return "no due date".to_owned();
    };
    let days = (due - today).num_days();
    match days {
        ..=-2 => format!("was due {} ({} days ago)", day(due), -days),
        -1 => format!("was due yesterday, {}", day(due)),
        0 => "due today".to_owned(),
        1 => format!("due tomorrow, {}", day(due)),
        2..=7 => format!("due {} (in {days} days)", day(due)),
        _ => format!("due {}", day(due)),
    }
}

/// How much more a task stands for.
fn behind(t: &Task) -> String {
    let cases = t.case_ids.len();
    match (t.more, cases) {
        (_, 2..) => format!("It covers {cases} of your cases."),
        (0, _) => String::new(),
        (1, _) => "One more of its kind follows.".to_owned(),
        (n, _) => format!("{n} more of its kind follow."),
    }
}

struct TaskLine {
    rule: &'static str,
    rule_label: &'static str,
    task: String,
    due: String,
    behind: String,
    place: String,
    window: &'static str,
}

struct CaseGroup {
    /// None for work that is the person's own (a certification).
    case_id: Option<i64>,
    name: String,
    lines: Vec<TaskLine>,
}

struct WindowGroup {
    code: &'static str,
    title: &'static str,
    total: usize,
    cases: Vec<CaseGroup>,
}

/// This page's tasks, by window and then by case, in the order they come.
fn groups(day: &Today) -> Vec<WindowGroup> {
    let mut out: Vec<WindowGroup> = Vec::new();
    for t in &day.tasks {
        if out.last().is_none_or(|g| g.code != t.window.code()) {
            out.push(WindowGroup {
                code: t.window.code(),
                title: t.window.label(),
                total: day
                    .counts
                    .get(Window::ALL.iter().position(|w| *w == t.window).unwrap_or(0))
                    .copied()
                    .unwrap_or(0),
                cases: Vec::new(),
            });
        }
        let Some(g) = out.last_mut() else { continue };
        let case = t.case();
        if g.cases.last().is_none_or(|c| c.case_id != case) {
            g.cases.push(CaseGroup {
                case_id: case,
                name: match case {
                    Some(_) => t.view.supervisee_name.clone(),
                    None => "Your certification".to_owned(),
                },
                lines: Vec::new(),
            });
        }
        if let Some(c) = g.cases.last_mut() {
            c.lines.push(TaskLine {
                rule: t.view.obligation.key.rule.code(),
                rule_label: t.view.obligation.key.rule.label(),
                task: t.task.clone(),
                due: due_words(t.view.obligation.due, day.today),
                behind: behind(t),
                place: place_of(&t.view),
                window: t.window.code(),
            });
        }
    }
    out
}

struct CountLink {
    code: &'static str,
    title: &'static str,
    count: usize,
    href: String,
    current: bool,
}

struct MissedLine {
    case_id: i64,
    name: String,
    summary: String,
    span: String,
}

/// Where an overdue team activity gets done.
fn activity_place(a: &containment_app::OverdueActivity) -> String {
    format!("/teams/{}/workplan/activities/{}", a.team_id, a.activity_id)
}

struct TeamActivityLine {
    team: String,
    title: String,
    due: String,
    place: String,
}

struct NoticeLine {
    when: String,
    message: String,
    unread: bool,
    /// Where the thing it asks for gets done.
    place: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TodayFilters {
    case: String,
    rule: String,
    window: String,
    page: String,
}

impl TodayFilters {
    fn query(&self) -> Result<TodayQuery, containment_app::AppError> {
        TodayQuery::parse(&self.case, &self.rule, &self.window, &self.page, "")
    }

    /// The filters as a query string, with another window.
    fn with_window(&self, window: &str) -> String {
        serde_urlencoded::to_string([
            ("case", self.case.as_str()),
            ("rule", self.rule.as_str()),
            ("window", window),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    layout: Layout,
    today: String,
    counts: Vec<CountLink>,
    missed_total: usize,
    missed: Vec<MissedLine>,
    groups: Vec<WindowGroup>,
    matching: usize,
    page: usize,
    pages: usize,
    /// The filters as a query string, for the page links.
    query: String,
    case: String,
    rule: String,
    window: String,
    cases: Vec<(i64, String)>,
    rules: &'static [RuleId],
    windows: &'static [Window],
    notices: Vec<NoticeLine>,
    team_activities: Vec<TeamActivityLine>,
    has_feed: bool,
    feed_url: Option<String>,
}

async fn today_page_for(
    state: &AppState,
    identity: &Identity,
    f: &TodayFilters,
    feed_url: Option<String>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let query = f.query()?;
    let day_of = state.app.today(actor, &query, now).await?;
    let notices = state.app.notifications(actor, now).await?;
    let counts = Window::ALL
        .iter()
        .zip(day_of.counts)
        .map(|(w, count)| CountLink {
            code: w.code(),
            title: w.label(),
            count,
            href: format!("/today?{}", f.with_window(w.code())),
            current: query.window == Some(*w),
        })
        .collect();
    Ok(render(&TodayPage {
        layout: Layout::new("Today", "today", identity),
        today: day(day_of.today),
        counts,
        missed_total: day_of.missed.iter().map(|m| m.count).sum(),
        missed: day_of
            .missed
            .iter()
            .map(|m| MissedLine {
                case_id: m.supervisee_id,
                name: m.supervisee_name.clone(),
                summary: m.summary(),
                span: if m.first_due == m.last_due {
                    day(m.first_due)
                } else {
                    format!("{} to {}", day(m.first_due), day(m.last_due))
                },
            })
            .collect(),
        groups: groups(&day_of),
        matching: day_of.matching,
        page: day_of.page,
        pages: day_of.pages(),
        query: serde_urlencoded::to_string([
            ("case", f.case.as_str()),
            ("rule", f.rule.as_str()),
            ("window", f.window.as_str()),
        ])
        .unwrap_or_default(),
        case: f.case.trim().to_owned(),
        rule: query.rule.map(|r| r.code().to_owned()).unwrap_or_default(),
        window: query
            .window
            .map(|w| w.code().to_owned())
            .unwrap_or_default(),
        cases: day_of.cases,
        rules: RuleId::ALL,
        windows: Window::ALL,
        notices: notices
            .into_iter()
            .map(|n| NoticeLine {
                when: crate::pages::account::when(n.created_at),
                message: n.message,
                unread: n.read_at.is_none(),
                place: containment_app::notice_place(n.supervisee_id, &n.obligation_key),
            })
            .collect(),
        team_activities: day_of
            .team_activities
            .iter()
            .map(|a| TeamActivityLine {
                team: a.team_name.clone(),
                title: a.title.clone(),
                due: due_words(Some(a.due_on), day_of.today),
                place: activity_place(a),
            })
            .collect(),
        has_feed: state.app.has_calendar_feed(actor).await?,
        feed_url,
    }))
}

async fn today_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(f): Query<TodayFilters>,
) -> Result<Response, PageError> {
    today_page_for(&state, &identity, &f, None).await
}

/// The old "My tasks" address: Today, with the same filters.
async fn tasks_moved(RawQuery(q): RawQuery) -> Response {
    match q.filter(|q| !q.is_empty()) {
        Some(q) => Redirect::to(&format!("/today?{q}")).into_response(),
        None => Redirect::to("/today").into_response(),
    }
}

async fn create_feed(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let secret = state.app.create_calendar_feed(actor, Utc::now()).await?;
    today_page_for(
        &state,
        &identity,
        &TodayFilters::default(),
        Some(format!("/calendar/{secret}.ics")),
    )
    .await
}

async fn revoke_feed(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    state.app.revoke_calendar_feed(actor, Utc::now()).await?;
    Ok(Redirect::to("/today").into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TodayParams {
    /// Only tasks on this case (a supervisee id).
    pub case: Option<String>,
    /// Only tasks of this rule, e.g. `R1`.
    pub rule: Option<String>,
    /// Only tasks due in this window: `overdue` (can still be done), `today`, `week` (the
    /// next 7 days) or `later`.
    pub window: Option<String>,
    /// 0-based page.
    pub page: Option<String>,
    /// Tasks a page, 1 to 200; default 50.
    pub per_page: Option<String>,
}

/// One task: the next one due of its kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskJson {
    #[serde(flatten)]
    pub obligation: crate::compliance::ObligationJson,
    /// `overdue`, `today`, `week` or `later`.
    pub window: String,
    /// What to do, in plain words.
    pub task: String,
    /// The page of this application where it gets done.
    pub place: String,
    /// Obligations of the same kind on the same case that follow this one.
    pub more: usize,
    /// The cases it stands for (several for a member's certification).
    pub case_ids: Vec<i64>,
}

/// Tasks per window, with the case and rule filters applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct WindowCounts {
    pub overdue: usize,
    pub today: usize,
    pub week: usize,
    pub later: usize,
}

/// Obligations of one rule on one case that can no longer be met: on record, not tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissedJson {
    pub supervisee_id: i64,
    pub rule: String,
    pub count: usize,
    pub first_due: NaiveDate,
    pub last_due: NaiveDate,
    /// E.g. "3 months of contact missed".
    pub summary: String,
}

/// The caller's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodayJson {
    pub today: NaiveDate,
    pub counts: WindowCounts,
    /// Tasks matching every filter.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    /// This page of tasks: by window, then grouped by case.
    pub tasks: Vec<TaskJson>,
    pub missed: Vec<MissedJson>,
    /// Workplan activities of the caller's teams that the caller owns and that are overdue.
    pub team_activities: Vec<TeamActivityJson>,
}

/// An overdue workplan activity the caller owns.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamActivityJson {
    pub team_id: i64,
    pub team_name: String,
    pub activity_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    /// The page of this application where it gets done.
    pub place: String,
}

#[utoipa::path(get, path = "/api/v1/me/tasks", tag = "compliance", security(("bearer" = [])),
    params(TodayParams),
    responses((status = 200, description = "What the caller can still do, by window (overdue, today, this week, later) and case, repeating obligations collapsed to the next one due; with counts and the missed obligations on record", body = TodayJson),
              (status = 422, description = "A filter that does not parse", body = crate::error::ApiErrorBody)))]
pub(crate) async fn tasks_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiQuery(p): ApiQuery<TodayParams>,
) -> Result<Json<TodayJson>, ApiError> {
    let actor = caller(&identity)?;
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    let query = TodayQuery::parse(
        &field(&p.case),
        &field(&p.rule),
        &field(&p.window),
        &field(&p.page),
        &field(&p.per_page),
    )?;
    let d = state.app.today(actor, &query, Utc::now()).await?;
    let [overdue, today, week, later] = d.counts;
    Ok(Json(TodayJson {
        today: d.today,
        counts: WindowCounts {
            overdue,
            today,
            week,
            later,
        },
        total: d.matching,
        page: d.page,
        per_page: d.per_page,
        tasks: d
            .tasks
            .iter()
            .map(|t| TaskJson {
                obligation: crate::compliance::obligation_json(&t.view),
                window: t.window.code().to_owned(),
                task: t.task.clone(),
                place: place_of(&t.view),
                more: t.more,
                case_ids: t.case_ids.clone(),
            })
            .collect(),
        missed: d
            .missed
            .iter()
            .map(|m| MissedJson {
                supervisee_id: m.supervisee_id,
                rule: m.rule.code().to_owned(),
                count: m.count,
                first_due: m.first_due,
                last_due: m.last_due,
                summary: m.summary(),
            })
            .collect(),
        team_activities: d
            .team_activities
            .iter()
            .map(|a| TeamActivityJson {
                team_id: a.team_id,
                team_name: a.team_name.clone(),
                activity_id: a.activity_id,
                title: a.title.clone(),
                due_on: a.due_on,
                place: activity_place(a),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_dates_read_from_today() {
        let today = d("2026-03-10");
        assert_eq!(
            due_words(Some(d("2026-03-01")), today),
            "was due Mar 1, 2026 (9 days ago)"
        );
        assert_eq!(
            due_words(Some(d("2026-03-09")), today),
            "was due yesterday, Mar 9, 2026"
        );
        assert_eq!(due_words(Some(today), today), "due today");
        assert_eq!(
            due_words(Some(d("2026-03-11")), today),
            "due tomorrow, Mar 11, 2026"
        );
        assert_eq!(
            due_words(Some(d("2026-03-17")), today),
            "due Mar 17, 2026 (in 7 days)"
        );
        assert_eq!(due_words(Some(d("2026-03-18")), today), "due Mar 18, 2026");
    }
}
