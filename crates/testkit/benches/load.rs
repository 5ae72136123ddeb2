//! Throughput and latency of the real server under concurrent signed-in clients, on demo data
//! (20,000 supervisees by default; `CONTAINMENT_BENCH_SUPERVISEES` changes it). Each scenario
//! lasts `CONTAINMENT_BENCH_SECONDS` (default 10):
//!
//! - a. the case page, the caseload and the API case read each alone, closed loop (peak);
//! - b. the case page at a fixed offered rate (open loop, latency from the scheduled instant);
//! - c. case page and caseload clients while a supervisor reloads the dashboard and the reminder
//!   job runs over and over in the same process, each run over every case;
//!
//! and first, on the quiet server, once each: the reminder job's full run and a run with nothing
//! changed, the dashboard worked out and viewed again.
//!
//! Prints figures and asserts nothing about speed, but fails at the end when any response was
//! not 2xx (a 5xx, or a sign-in redirect or 403 that means the set-up is wrong) or any request
//! failed. Runs on SQLite, and on PostgreSQL too when `TEST_DATABASE_URL` is set.
//!
//! `cargo bench -p containment-testkit --bench load`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use containment_app::{Actor, CaseloadQuery, Channel, DEMO_PASSWORD, Role, StoredUser};
use containment_testkit::{Backend, Browser, TestApp, TestDb};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// Concurrent clients in the closed-loop scenarios.
const CLIENTS: usize = 32;
/// Officers signed in; their sessions are shared out among the clients.
const OFFICERS: usize = 8;
/// Sessions per officer: one enrolls TOTP, the others use its recovery codes (ten per account).
const SESSIONS_PER_OFFICER: usize = CLIENTS / OFFICERS;
/// Cases requested per officer, all from the officer's own caseload.
const CASES_PER_OFFICER: u64 = 200;
/// The offered rate of the open-loop scenario.
const OPEN_LOOP_RATE: u32 = 300;
/// Open-loop requests in flight at most, so a slow server cannot exhaust sockets; the wait for a
/// slot counts in the latency, which is measured from the scheduled instant.
const OPEN_LOOP_IN_FLIGHT: usize = 256;
/// How long open-loop requests may wait for a slot after the last one was due.
const OPEN_LOOP_DRAIN: Duration = Duration::from_secs(120);
/// A request that takes longer than this counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Upper bound of requests per closed-loop client, next to the time bound.
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Case,
    Caseload,
    Api,
    Dashboard,
}

impl Page {
    fn label(self) -> &'static str {
        match self {
            Page::Case => "GET /cases/{id}",
            Page::Caseload => "GET /caseload",
            Page::Api => "GET /api/v1/supervisees/{id}",
            Page::Dashboard => "GET /dashboard",
        }
    }
}

/// One signed-in client: a browser session or an API token, and the cases it may read.
#[derive(Debug, Clone)]
struct Session {
    base: String,
    client: reqwest::Client,
    bearer: Option<String>,
    cases: Arc<Vec<i64>>,
}

impl Session {
    fn from_browser(browser: Browser, cases: Arc<Vec<i64>>) -> Session {
        Session {
            base: browser.base,
            client: browser.client,
            bearer: None,
            cases,
        }
    }

    /// The path of the `n`th request of `page`, spreading case reads over the session's cases.
    fn path(&self, page: Page, n: usize) -> String {
        // A multiplicative step visits every case in a shuffled order.
        let case = || self.cases[n.wrapping_mul(7919) % self.cases.len()];
        match page {
            Page::Case => format!("/cases/{}", case()),
            Page::Caseload => "/caseload".to_owned(),
            Page::Api => format!("/api/v1/supervisees/{}", case()),
            Page::Dashboard => "/dashboard".to_owned(),
        }
    }

    /// GETs the `n`th path of `page` and reads the whole body.
    async fn request(&self, page: Page, n: usize) -> Outcome {
        let path = self.path(page, n);
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        let sent = async {
            let res = req.send().await?;
            let status = res.status();
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            res.bytes().await?;
            Ok::<_, reqwest::Error>((status, location))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, sent).await {
            Ok(Ok((status, location))) => Outcome::Status {
                status,
                location,
                path,
            },
            Ok(Err(e)) => Outcome::Failed(format!("GET {path}: {e}")),
            Err(_) => Outcome::Failed(format!("GET {path}: no answer within {REQUEST_TIMEOUT:?}")),
        }
    }
}

#[derive(Debug)]
enum Outcome {
    Status {
        status: reqwest::StatusCode,
        location: Option<String>,
        path: String,
    },
    Failed(String),
}

/// What one page received in one scenario.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    redirects: u64,
    to_sign_in: u64,
    client_errors: u64,
    forbidden: u64,
    server_errors: u64,
    failed: u64,
    /// Open-loop requests never sent because the server fell too far behind the offered rate.
    unsent: u64,
    first_problem: Option<String>,
}

impl Tally {
    fn record(&mut self, latency: Duration, outcome: Outcome) {
        let problem = match outcome {
            Outcome::Status { status, .. } if status.is_success() => {
                self.latencies.push(latency);
                return;
            }
            Outcome::Status {
                status,
                location,
                path,
            } => {
                self.latencies.push(latency);
                if status.is_redirection() {
                    self.redirects += 1;
                    if location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/sign-in"))
                    {
                        self.to_sign_in += 1;
                    }
                } else if status.is_client_error() {
                    self.client_errors += 1;
                    if status == reqwest::StatusCode::FORBIDDEN {
                        self.forbidden += 1;
                    }
                } else if status.is_server_error() {
                    self.server_errors += 1;
                }
                let to = location.map(|l| format!(" -> {l}")).unwrap_or_default();
                format!("GET {path}: {status}{to}")
            }
            Outcome::Failed(message) => {
                self.failed += 1;
                message
            }
        };
        self.first_problem.get_or_insert(problem);
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.redirects += other.redirects;
        self.to_sign_in += other.to_sign_in;
        self.client_errors += other.client_errors;
        self.forbidden += other.forbidden;
        self.server_errors += other.server_errors;
        self.failed += other.failed;
        self.unsent += other.unsent;
        if self.first_problem.is_none() {
            self.first_problem = other.first_problem;
        }
    }

    /// Anything but a 2xx answer means the server or the set-up is broken.
    fn failing(&self) -> bool {
        self.redirects + self.client_errors + self.server_errors + self.failed > 0
    }
}

/// One row of the printed table.
#[derive(Debug)]
struct Row {
    scenario: String,
    page: &'static str,
    elapsed: Duration,
    tally: Tally,
}

fn print_header() {
    println!(
        "{:<22} {:<30} {:>8} {:>8} {:>8} {:>8} {:>5} {:>7} {:>5} {:>5} {:>5} {:>5}",
        "scenario",
        "page",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "3xx",
        "sign-in",
        "4xx",
        "403",
        "5xx",
        "err"
    );
}

fn print_row(row: &mut Row) {
    let t = &mut row.tally;
    t.latencies.sort();
    let n = t.latencies.len();
    let ms = |q: usize| {
        if n == 0 {
            "-".to_owned()
        } else {
            let d = t.latencies[(n * q / 100).min(n - 1)];
            format!("{:.1}", d.as_secs_f64() * 1000.0)
        }
    };
    println!(
        "{:<22} {:<30} {:>8} {:>8.1} {:>8} {:>8} {:>5} {:>7} {:>5} {:>5} {:>5} {:>5}",
        row.scenario,
        row.page,
        n,
        n as f64 / row.elapsed.as_secs_f64(),
        ms(50),
        ms(99),
        t.redirects,
        t.to_sign_in,
        t.client_errors,
        t.forbidden,
        t.server_errors,
        t.failed
    );
}

/// `clients` tasks, each requesting `page` back to back until `until`.
fn closed_loop(
    sessions: &[Session],
    clients: usize,
    page: Page,
    until: Instant,
) -> Vec<JoinHandle<Tally>> {
    (0..clients)
        .map(|i| {
            let session = sessions[i % sessions.len()].clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                for n in 0..MAX_REQUESTS_PER_CLIENT {
                    if Instant::now() >= until {
                        break;
                    }
                    let t = Instant::now();
                    let outcome = session.request(page, n * clients + i).await;
                    tally.record(t.elapsed(), outcome);
                }
                tally
            })
        })
        .collect()
}

async fn joined(handles: Vec<JoinHandle<Tally>>) -> Tally {
    let mut total = Tally::default();
    for handle in handles {
        total.merge(handle.await.expect("client task"));
    }
    total
}

/// Requests `page` at `rate` per second for `duration` whatever the answers, each on its own
/// task, and times each from the instant it was due, so a stalled server shows in the latency.
/// Requests still waiting for a slot `OPEN_LOOP_DRAIN` after the last was due are not sent: they
/// measure a server that fell behind, not an error, and are counted apart.
async fn open_loop(sessions: &[Session], page: Page, rate: u32, duration: Duration) -> Tally {
    let total = (f64::from(rate) * duration.as_secs_f64()).round() as usize;
    let give_up = Instant::now() + duration + OPEN_LOOP_DRAIN;
    let slots = Arc::new(Semaphore::new(OPEN_LOOP_IN_FLIGHT));
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut handles = Vec::with_capacity(total);
    for n in 0..total {
        let due = ticks.tick().await;
        let session = sessions[n % sessions.len()].clone();
        let nth = n / sessions.len();
        let slots = slots.clone();
        handles.push(tokio::spawn(async move {
            let Ok(slot) = tokio::time::timeout_at(give_up, slots.acquire_owned()).await else {
                return None;
            };
            let outcome = session.request(page, nth).await;
            drop(slot);
            Some((due.elapsed(), outcome))
        }));
    }
    let mut tally = Tally::default();
    for handle in handles {
        match handle.await.expect("request task") {
            Some((latency, outcome)) => tally.record(latency, outcome),
            None => tally.unsent += 1,
        }
    }
    tally
}

fn console_actor(user: &StoredUser) -> Actor {
    Actor {
        user: Some(user.clone()),
        channel: Channel::Console,
        client: Default::default(),
    }
}

/// The ids of up to `limit` cases on `user`'s caseload today.
async fn caseload_ids(app: &TestApp, user: &StoredUser, limit: u64) -> (Vec<i64>, u64) {
    let now = Utc::now();
    let query = CaseloadQuery {
        per_page: limit,
        ..Default::default()
    };
    let (rows, total) = app
        .app
        .caseload(
            &console_actor(user),
            &query,
            now,
            containment_domain::case::local_date(now),
        )
        .await
        .unwrap();
    (
        rows.into_iter().map(|e| e.row.supervisee_id).collect(),
        total,
    )
}

async fn run(backend: Backend, supervisees: usize, duration: Duration) -> Vec<Row> {
    let Some(db) = TestDb::create(backend).await else {
        return Vec::new();
    };
    let app = TestApp::spawn(&db).await;
    let started = std::time::Instant::now();
    let summary = app
        .app
        .generate_demo(supervisees, 42, Utc::now(), |_| {})
        .await
        .unwrap();
    println!(
        "\n{}: {} supervisees, {} team memberships generated in {:.1} s",
        backend.name(),
        summary.supervisees,
        summary.team_members,
        started.elapsed().as_secs_f64()
    );

    // The officers with the largest caseloads, each with the cases it may see.
    let users = app.app.users(&Actor::console()).await.unwrap();
    let mut officers = Vec::new();
    for user in users
        .iter()
        .filter(|u| u.roles.contains(&Role::SupervisingOfficer) && !u.disabled)
    {
        let (ids, total) = caseload_ids(&app, user, CASES_PER_OFFICER).await;
        if !ids.is_empty() {
            officers.push((user.clone(), Arc::new(ids), total));
        }
    }
    officers.sort_by_key(|(_, _, total)| std::cmp::Reverse(*total));
    officers.truncate(OFFICERS);
    assert!(!officers.is_empty(), "no officer has a caseload");

    let sign_in_started = std::time::Instant::now();
    let mut sessions = Vec::new();
    for (officer, cases, _) in &officers {
        let email = officer.email.to_string();
        let (browser, codes) = app.signed_in_enrolled(&email, DEMO_PASSWORD).await;
        sessions.push(Session::from_browser(browser, cases.clone()));
        for code in codes.iter().take(SESSIONS_PER_OFFICER - 1) {
            let mut browser = app.browser();
            browser.sign_in_recovery(&email, DEMO_PASSWORD, code).await;
            sessions.push(Session::from_browser(browser, cases.clone()));
        }
    }
    let (api_officer, api_cases, _) = &officers[0];
    let token = app
        .app
        .create_token(
            &Actor::console(),
            &api_officer.email,
            "load benchmark",
            None,
            Utc::now(),
        )
        .await
        .unwrap()
        .token;
    let api = [Session {
        base: app.url(""),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        bearer: Some(token),
        cases: api_cases.clone(),
    }];
    // The dashboard of the busiest officer's agency, seen by its supervisor.
    let supervisor = users
        .iter()
        .filter(|u| {
            u.roles.contains(&Role::OfficerSupervisor) || u.roles.contains(&Role::AgencyAdmin)
        })
        .max_by_key(|u| {
            (
                u.agency_id == officers[0].0.agency_id,
                u.roles.contains(&Role::OfficerSupervisor),
            )
        })
        .expect("a supervisor or agency admin");
    let (browser, _) = app
        .signed_in_enrolled(&supervisor.email.to_string(), DEMO_PASSWORD)
        .await;
    let dashboard = [Session::from_browser(browser, Arc::new(Vec::new()))];
    println!(
        "{} sessions of {} officers (caseloads {}), an API token and a supervisor signed in in {:.1} s",
        sessions.len(),
        officers.len(),
        officers
            .iter()
            .map(|(_, _, total)| total.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        sign_in_started.elapsed().as_secs_f64()
    );

    let mut rows = Vec::new();
    let name = |s: &str| format!("{} {s}", backend.name());

    // 0. On a quiet server, once each: the reminder job's full run and a run with nothing
    // changed since; the dashboard worked out from the case facts, then viewed again.
    let quiet = name("0. quiet, once each");
    let once = |page: &'static str, took: Duration| Row {
        scenario: quiet.clone(),
        page,
        elapsed: took,
        tally: Tally {
            latencies: vec![took],
            ..Tally::default()
        },
    };
    for page in ["reminder job (full run)", "reminder job (nothing changed)"] {
        let t = std::time::Instant::now();
        app.app.run_reminders(Utc::now()).await.unwrap();
        rows.push(once(page, t.elapsed()));
    }
    for page in ["GET /dashboard (worked out)", "GET /dashboard (again)"] {
        let t = Instant::now();
        let outcome = dashboard[0].request(Page::Dashboard, 0).await;
        let took = t.elapsed();
        let mut tally = Tally::default();
        tally.record(took, outcome);
        rows.push(Row {
            tally,
            ..once(page, took)
        });
    }

    // a. Each page alone, as fast as the clients go.
    for (page, pool) in [
        (Page::Case, &sessions[..]),
        (Page::Caseload, &sessions[..]),
        (Page::Api, &api[..]),
    ] {
        let start = Instant::now();
        let tally = joined(closed_loop(pool, CLIENTS, page, start + duration)).await;
        rows.push(Row {
            scenario: name(&format!("a. alone x{CLIENTS}")),
            page: page.label(),
            elapsed: start.elapsed(),
            tally,
        });
    }

    // b. The case page at a fixed offered rate.
    let start = Instant::now();
    let tally = open_loop(&sessions, Page::Case, OPEN_LOOP_RATE, duration).await;
    rows.push(Row {
        scenario: name(&format!("b. open {OPEN_LOOP_RATE}/s")),
        page: Page::Case.label(),
        elapsed: start.elapsed(),
        tally,
    });

    // c. Case pages and caseloads while the dashboard is reloaded and the reminder job runs.
    let start = Instant::now();
    let until = start + duration;
    let half = CLIENTS / 2;
    let case_clients = closed_loop(&sessions, half, Page::Case, until);
    let caseload_clients = closed_loop(
        &sessions[half % sessions.len()..],
        half,
        Page::Caseload,
        until,
    );
    let dashboard_client = closed_loop(&dashboard, 1, Page::Dashboard, until);
    // Each run goes over every case, as the first run after a change does: a fresh instance
    // on the same database remembers no earlier run.
    let store = app.app.store().clone();
    let reminders = tokio::spawn(async move {
        let mut tally = Tally::default();
        let mut notifications = 0;
        for _ in 0..MAX_REQUESTS_PER_CLIENT {
            if Instant::now() >= until {
                break;
            }
            let t = Instant::now();
            let reminder_app = containment_app::App::new(store.clone());
            match reminder_app.run_reminders(Utc::now()).await {
                Ok(run) => {
                    notifications += run.created;
                    tally.latencies.push(t.elapsed());
                }
                Err(e) => tally.record(t.elapsed(), Outcome::Failed(format!("reminder job: {e}"))),
            }
        }
        (tally, notifications)
    });
    let mixed = name("c. mixed");
    for (page, handles) in [
        (Page::Case, case_clients),
        (Page::Caseload, caseload_clients),
        (Page::Dashboard, dashboard_client),
    ] {
        rows.push(Row {
            scenario: mixed.clone(),
            page: page.label(),
            elapsed: Duration::ZERO,
            tally: joined(handles).await,
        });
    }
    let (tally, notifications) = reminders.await.expect("reminder task");
    rows.push(Row {
        scenario: mixed.clone(),
        page: "reminder job (runs)",
        elapsed: Duration::ZERO,
        tally,
    });
    let elapsed = start.elapsed();
    for row in rows.iter_mut().filter(|r| r.scenario == mixed) {
        row.elapsed = elapsed;
    }
    println!("the reminder job created {notifications} notifications during the mixed scenario");

    drop(app);
    db.drop_database().await;
    rows
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let supervisees = std::env::var("CONTAINMENT_BENCH_SUPERVISEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seconds: f64 = std::env::var("CONTAINMENT_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(10.0);
    let duration = Duration::from_secs_f64(seconds);
    let mut rows = Vec::new();
    for backend in containment_testkit::bench_backends() {
        rows.extend(run(backend, supervisees, duration).await);
    }

    println!(
        "\n{supervisees} supervisees, {seconds} s per scenario, latency of the open loop from the scheduled instant\n"
    );
    print_header();
    for row in &mut rows {
        print_row(row);
    }
    for row in rows.iter().filter(|r| r.tally.unsent > 0) {
        println!(
            "{} / {}: {} requests not sent, the server fell more than {OPEN_LOOP_DRAIN:?} behind",
            row.scenario, row.page, row.tally.unsent
        );
    }
    let problems: Vec<String> = rows
        .iter()
        .filter(|r| r.tally.failing())
        .map(|r| {
            format!(
                "{} / {}: {}",
                r.scenario,
                r.page,
                r.tally.first_problem.as_deref().unwrap_or("?")
            )
        })
        .collect();
    if !problems.is_empty() {
        panic!(
            "answers other than 2xx, or failed requests (first of each):\n{}",
            problems.join("\n")
        );
    }
}
