//! The working-day calendar is visible: a county's holidays and a due date counted in working
//! days, through the API and on the county policy page, from the same calendar the county's due
//! dates use.

use chrono::Utc;
use containment_app::Actor;
use containment_testkit::{AgencyKind, Role, TestApp, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::api_token;

both_backends!(
    a_countys_calendar_answers_holidays_and_working_days,
    the_policy_page_shows_the_holidays_in_force,
    calendar_questions_out_of_bounds_are_refused_by_name,
);

/// Sonoma observes Juneteenth and works on Cesar Chavez Day; the state does the opposite.
async fn sonoma(db: &TestDb) -> (TestApp, String) {
    let app = TestApp::spawn(db).await;
    let probation = app
        .agency("Sonoma County Probation", AgencyKind::ProbationDepartment)
        .await;
    app.user(
        probation.id,
        "po@sonoma.example",
        &[Role::SupervisingOfficer],
    )
    .await;
    app.app
        .set_county_policy(
            &Actor::console(),
            "Sonoma",
            "",
            "juneteenth\n-cesar_chavez_day",
            Utc::now(),
        )
        .await
        .unwrap();
    let token = api_token(&app, "po@sonoma.example").await;
    (app, token)
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn dates(answer: &Value) -> Vec<String> {
    answer["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_countys_calendar_answers_holidays_and_working_days(db: TestDb) {
    let (app, token) = sonoma(&db).await;
    let (status, county) = get(
        &app,
        &token,
        "/api/v1/calendar/holidays?county=sonoma&year=2026",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{county}");
    assert_eq!(county["county"], "Sonoma");
    assert_eq!(county["calendar"], "county");
    let days = dates(&county);
    assert!(days.contains(&"2026-06-19".to_owned()), "{days:?}");
    assert!(!days.contains(&"2026-03-31".to_owned()), "{days:?}");
    let (_, state) = get(&app, &token, "/api/v1/calendar/holidays?year=2026").await;
    assert_eq!(state["calendar"], "state");
    assert_eq!(state["county"], Value::Null);
    let days = dates(&state);
    assert!(days.contains(&"2026-03-31".to_owned()), "{days:?}");
    assert!(!days.contains(&"2026-06-19".to_owned()), "{days:?}");
    // A county without a policy of its own counts on the state's calendar, and says so.
    let (_, marin) = get(
        &app,
        &token,
        "/api/v1/calendar/holidays?county=Marin%20County&year=2026",
    )
    .await;
    assert_eq!(marin["county"], "Marin");
    assert_eq!(marin["calendar"], "state");
    assert_eq!(dates(&marin), dates(&state));

    // The day before each holiday, one working day on: the holiday is skipped where observed.
    for (from, county, due) in [
        ("2026-03-30", "Sonoma", "2026-03-31"),
        ("2026-03-30", "", "2026-04-01"),
        ("2026-06-18", "Sonoma", "2026-06-22"),
        ("2026-06-18", "", "2026-06-19"),
        // Friday before Christmas week: five working days skip the weekend and Christmas.
        ("2026-12-18", "Sonoma", "2026-12-28"),
        // Zero days is the day itself.
        ("2026-12-25", "Sonoma", "2026-12-25"),
    ] {
        let (status, answer) = get(
            &app,
            &token,
            &format!(
                "/api/v1/calendar/add-working-days?date={from}&days={}&county={county}",
                match from {
                    "2026-12-18" => 5,
                    "2026-12-25" => 0,
                    _ => 1,
                }
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["due"], due, "{from} in {county:?}: {answer}");
        assert_eq!(answer["date"], from);
    }
}

async fn the_policy_page_shows_the_holidays_in_force(db: TestDb) {
    let (app, _) = sonoma(&db).await;
    let (_, password) = app
        .user(
            app.agency("State IT", AgencyKind::StateAgency).await.id,
            "admin@state.example",
            &[Role::SystemAdmin],
        )
        .await;
    let mut browser = app.signed_in("admin@state.example", &password).await;
    let html = browser.page("/admin/policy").await;
    let year = containment_domain::case::local_date(Utc::now())
        .format("%Y")
        .to_string();
    let next = (year.parse::<i32>().unwrap() + 1).to_string();
    let holidays = &html[html.find("Holidays in force").expect("holidays section")..];
    let state = &holidays[..holidays.find("Sonoma County").expect("Sonoma's calendar")];
    assert!(state.contains("State calendar") && state.contains("Cesar Chavez Day"));
    assert!(
        !state.contains("Juneteenth"),
        "the state does not observe it"
    );
    let sonoma = &holidays[holidays.find("Sonoma County").unwrap()..];
    let sonoma = &sonoma[..sonoma.find("packs-heading").unwrap()];
    assert!(sonoma.contains("Juneteenth") && !sonoma.contains("Cesar Chavez"));
    for y in [&year, &next] {
        assert!(sonoma.contains(&format!("<caption>{y}</caption>")), "{y}");
        assert!(
            sonoma.contains(&format!("Jan {y}")),
            "New Year's Day of {y}"
        );
    }
}

async fn calendar_questions_out_of_bounds_are_refused_by_name(db: TestDb) {
    let (app, token) = sonoma(&db).await;
    for (path, status, words) in [
        (
            "/api/v1/calendar/holidays?county=Atlantis",
            StatusCode::UNPROCESSABLE_ENTITY,
            "county",
        ),
        (
            "/api/v1/calendar/holidays?year=1899",
            StatusCode::UNPROCESSABLE_ENTITY,
            "year: 1899",
        ),
        (
            "/api/v1/calendar/holidays?year=soon",
            StatusCode::BAD_REQUEST,
            "year",
        ),
        (
            "/api/v1/calendar/add-working-days?date=2026-02-30&days=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "date: \"2026-02-30\" is not a date",
        ),
        (
            "/api/v1/calendar/add-working-days?date=2026-02-02&days=3001",
            StatusCode::UNPROCESSABLE_ENTITY,
            "days: 3001",
        ),
        (
            "/api/v1/calendar/add-working-days?date=2026-02-02&days=-1",
            StatusCode::BAD_REQUEST,
            "days",
        ),
        (
            "/api/v1/calendar/add-working-days?days=1",
            StatusCode::BAD_REQUEST,
            "date",
        ),
    ] {
        let (got, answer) = get(&app, &token, path).await;
        assert_eq!(got, status, "{path}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{path}: {message}");
        assert!(
            !message.contains("u32") && !message.contains("i32"),
            "{path}: {message}"
        );
    }
}
