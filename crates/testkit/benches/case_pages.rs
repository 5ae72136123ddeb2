//! Server time and size of the caseload, case pages and Today with a statewide data set (20,000
//! supervisees by default; `CONTAINMENT_BENCH_SUPERVISEES` changes it). Prints figures; asserts
//! nothing about speed. Runs on SQLite, and on PostgreSQL too when `TEST_DATABASE_URL` is set.
//! Today's goals for the busiest officer: under 150 KB and under 100 ms.
//!
//! `cargo bench -p containment-testkit --bench case_pages`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::{Duration, Instant};

use chrono::Utc;
use containment_app::{Actor, DEMO_PASSWORD, Role};
use containment_testkit::{Backend, TestApp, TestDb};

fn figures(label: &str, mut samples: Vec<Duration>) {
    sized(label, samples.as_mut_slice(), None);
}

/// Prints the timings and, for a page, its size.
fn sized(label: &str, samples: &mut [Duration], bytes: Option<usize>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    let size = bytes.map_or_else(String::new, |b| format!("   {:>7.1} KB", b as f64 / 1024.0));
    println!(
        "{label:<44} median {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms{size}",
        ms(median),
        ms(p95),
        ms(*samples.last().unwrap())
    );
}

async fn run(backend: Backend, supervisees: usize) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let app = TestApp::spawn(&db).await;
    let started = Instant::now();
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
    // The busiest officer: the one with the largest caseload.
    let (officer, total, _) = app.busiest_officer().await.expect("an officer with cases");
    let busiest = (officer.email.to_string(), total);
    let busiest_agency = officer.agency_id;
    println!("signed in as the busiest officer: {} cases", busiest.1);
    let mut browser = app.browser();
    browser.sign_in_password(&busiest.0, DEMO_PASSWORD).await;
    browser.enroll().await;
    let html = browser.page("/caseload").await;
    let case_path = html
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|id| id.chars().all(|c| c.is_ascii_digit()))
        .map(|id| format!("/cases/{id}"))
        .expect("a case on the caseload");

    for (label, path) in [
        ("GET /caseload (page 1)", "/caseload".to_owned()),
        (
            "GET /caseload?page=3&sort=county",
            "/caseload?page=3&sort=county".to_owned(),
        ),
        (
            "GET /caseload?q=garcia&gaps=1",
            "/caseload?q=garcia&gaps=1".to_owned(),
        ),
        (
            "GET /caseload?q=A10000123 (CII)",
            "/caseload?q=A10000123".to_owned(),
        ),
        ("GET /cases/{id}", case_path.clone()),
        (
            "GET /cases/{id}/obligations",
            format!("{case_path}/obligations"),
        ),
        (
            "GET /cases/{id}/treatment",
            format!("{case_path}/treatment"),
        ),
        (
            "GET /cases/{id}/monthly-reports",
            format!("{case_path}/monthly-reports"),
        ),
        (
            "GET /cases/{id}/polygraph",
            format!("{case_path}/polygraph"),
        ),
        ("GET /today (the officer's day)", "/today".to_owned()),
        (
            "GET /today?window=overdue",
            "/today?window=overdue".to_owned(),
        ),
    ] {
        let mut samples = Vec::new();
        let mut bytes = 0;
        for _ in 0..40 {
            let t = Instant::now();
            let res = browser.get(&path).await;
            assert!(res.status().is_success(), "{path}: {}", res.status());
            bytes = res.bytes().await.unwrap().len();
            samples.push(t.elapsed());
        }
        sized(label, &mut samples, Some(bytes));
    }
    // The agency dashboard of the largest probation department, and one run of the reminder
    // job over every open case, timed inside the application.
    let admin = app
        .app
        .users(&Actor::console())
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.roles.contains(&Role::AgencyAdmin))
        .max_by_key(|u| u.agency_id == busiest_agency)
        .unwrap();
    let admin = Actor {
        user: Some(admin),
        channel: containment_app::Channel::Console,
        client: Default::default(),
    };
    let now = Utc::now();
    let from = containment_domain::case::local_date(now) - chrono::Duration::days(90);
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let d = app
            .app
            .dashboard(&admin, from, containment_domain::case::local_date(now), now)
            .await
            .unwrap();
        samples.push(t.elapsed());
        assert!(d.cases > 0);
    }
    figures("dashboard of one agency (90 days)", samples);
    let t = Instant::now();
    let run = app.app.run_reminders(now).await.unwrap();
    println!(
        "reminder job: {} open cases, {} notifications in {:.2} s",
        run.cases,
        run.created,
        t.elapsed().as_secs_f64()
    );
    drop(app);
    db.drop_database().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let supervisees = std::env::var("CONTAINMENT_BENCH_SUPERVISEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    for backend in containment_testkit::bench_backends() {
        run(backend, supervisees).await;
    }
}
