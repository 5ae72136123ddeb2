//! The actions that had only a form, through the JSON API: treatment enrollment and its end,
//! polygraph follow-up actions and their completion, agencies, county policy and the calendar
//! feed. Each answers with the record it created or changed, and refuses as the page does.

use chrono::{Duration, Utc};
use containment_app::ExamInput;
use containment_domain::case::local_date;
use containment_testkit::{AgencyKind, Role, TestApp, TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cases::{actor, api_token, world};
use crate::treatment::{setup, staffed};

both_backends!(
    treatment_is_enrolled_and_ended_through_the_api,
    polygraph_follow_ups_are_added_and_completed_through_the_api,
    agencies_are_added_through_the_api_by_system_admins_only,
    county_policy_is_set_through_the_api_for_the_admin_s_own_county,
    the_calendar_feed_is_revoked_through_the_api,
    a_put_answers_with_what_it_wrote_while_others_write,
);

/// Sends `body` (if any) with the token; answers the status and the JSON body (null if none).
async fn call(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, json)
}

async fn treatment_is_enrolled_and_ended_through_the_api(db: TestDb) {
    let w = world(&db).await;
    let today = local_date(Utc::now());
    let (id, _) = setup(&w, "Api Treated").await;
    let provider = api_token(&w.app, "dr@northbay.example").await;
    let officer = api_token(&w.app, "po@sonoma.example").await;
    let start = today - Duration::days(200);
    let enrollment = json!({
        "kind": "post_conviction",
        "start_date": start.to_string(),
        "referral_date": (start - Duration::days(10)).to_string(),
        "intensity": "Weekly group",
        "targets": "Intimacy deficits",
    });
    let path = format!("/api/v1/supervisees/{id}/treatments");

    // The officer does not enroll people in treatment.
    let (status, body) = call(
        &w.app,
        Method::POST,
        &officer,
        &path,
        Some(enrollment.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");

    let (status, t) = call(&w.app, Method::POST, &provider, &path, Some(enrollment)).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert!(t["id"].as_i64().is_some_and(|i| i > 0));
    assert_eq!(t["kind"], "post_conviction");
    assert_eq!(t["start_date"], start.to_string());
    assert_eq!(t["provider_user_id"], w.provider.user_id().unwrap());
    assert_eq!(t["intensity"], "Weekly group");
    assert_eq!(t["version"], 1);
    assert_eq!(t["end_date"], Value::Null);
    let treatment = t["id"].as_i64().unwrap();
    let listed = w.app.app.treatment_view(&w.officer, id, Utc::now()).await;
    assert_eq!(
        listed.unwrap().treatments.unwrap()[0].id,
        treatment,
        "stored as answered"
    );

    let end = format!("/api/v1/supervisees/{id}/treatments/{treatment}/end");
    let ending = |version: i32, reason: &str| {
        json!({
            "version": version,
            "end_date": today.to_string(),
            "outcome": "terminated",
            "reason": reason,
        })
    };
    // A stale version is refused with the current one; so is a termination without a reason.
    let (status, body) = call(
        &w.app,
        Method::POST,
        &provider,
        &end,
        Some(ending(7, "moved away")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "stale");
    assert_eq!(body["current_version"], 1);
    let (status, body) = call(&w.app, Method::POST, &provider, &end, Some(ending(1, " "))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("reason"),
        "{body}"
    );

    let (status, t) = call(
        &w.app,
        Method::POST,
        &provider,
        &end,
        Some(ending(1, "Absconded")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["id"], treatment);
    assert_eq!(t["end_date"], today.to_string());
    assert_eq!(t["end_outcome"], "terminated");
    assert_eq!(t["end_reason"], "Absconded");
    assert_eq!(t["version"], 2);
    let (status, body) = call(
        &w.app,
        Method::POST,
        &provider,
        &end,
        Some(ending(2, "again")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "already ended: {body}");
}

async fn polygraph_follow_ups_are_added_and_completed_through_the_api(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = staffed(&w, "Api Examined").await;
    let examiner = actor(&w.app, &w.examiner_email).await;
    let exam = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &ExamInput {
                exam_type: "maintenance".into(),
                exam_date: (today - Duration::days(3)).to_string(),
                referral_questions: "Any contact with minors?".into(),
                result: "nsr".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let officer = api_token(&w.app, "po@sonoma.example").await;
    let provider = api_token(&w.app, "dr@northbay.example").await;
    let path = format!("/api/v1/supervisees/{id}/polygraph-followups");
    let followup = |due: chrono::NaiveDate| {
        json!({
            "exam_id": exam,
            "action": "Discuss the exam in group",
            "owner_role": "treatment_provider",
            "due_on": due.to_string(),
        })
    };

    // Due before the exam: refused, naming the field.
    let (status, body) = call(
        &w.app,
        Method::POST,
        &officer,
        &path,
        Some(followup(today - Duration::days(4))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("due on"),
        "{body}"
    );

    let due = today + Duration::days(14);
    let (status, f) = call(&w.app, Method::POST, &officer, &path, Some(followup(due))).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    assert!(f["id"].as_i64().is_some_and(|i| i > 0));
    assert_eq!(f["exam_id"], exam);
    assert_eq!(f["owner_role"], "treatment_provider");
    assert_eq!(f["due_on"], due.to_string());
    assert_eq!(f["done_on"], Value::Null);
    let followup_id = f["id"].as_i64().unwrap();

    let done = format!("{path}/{followup_id}/complete");
    let (status, f) = call(&w.app, Method::POST, &provider, &done, None).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(f["id"], followup_id);
    assert_eq!(f["done_on"], today.to_string());
    assert_eq!(f["done_by"], w.provider.user_id().unwrap());
    let view = w.app.app.exams(&w.officer, id, now).await.unwrap();
    assert_eq!(view.followups[0].record.done_on, Some(today), "stored");

    // Done once; an unknown one is not found.
    let (status, body) = call(&w.app, Method::POST, &officer, &done, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");
    let (status, body) = call(
        &w.app,
        Method::POST,
        &officer,
        &format!("{path}/999999/complete"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

async fn agencies_are_added_through_the_api_by_system_admins_only(db: TestDb) {
    let w = world(&db).await;
    let state = w
        .app
        .agency("Department of Justice", AgencyKind::StateAgency)
        .await;
    w.app
        .user(state.id, "sys@doj.example", &[Role::SystemAdmin])
        .await;
    let sys = api_token(&w.app, "sys@doj.example").await;
    let officer = api_token(&w.app, "po@sonoma.example").await;
    let agency = json!({
        "name": "Marin County Probation",
        "kind": "probation_department",
        "county": "Marin",
    });

    let (status, body) = call(
        &w.app,
        Method::POST,
        &officer,
        "/api/v1/agencies",
        Some(agency.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, a) = call(
        &w.app,
        Method::POST,
        &sys,
        "/api/v1/agencies",
        Some(agency.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert!(a["id"].as_i64().is_some_and(|i| i > 0));
    assert_eq!(a["name"], "Marin County Probation");
    assert_eq!(a["kind"], "probation_department");
    assert_eq!(a["county"], "Marin");
    let stored = w
        .app
        .app
        .agency_by_name("Marin County Probation")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json!(stored.id), a["id"]);

    let (status, body) = call(&w.app, Method::POST, &sys, "/api/v1/agencies", Some(agency)).await;
    assert_eq!(status, StatusCode::CONFLICT, "the name is taken: {body}");
    let (status, body) = call(
        &w.app,
        Method::POST,
        &sys,
        "/api/v1/agencies",
        Some(json!({"name": "Somewhere", "kind": "bakery"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("kind"), "{body}");
}

async fn county_policy_is_set_through_the_api_for_the_admin_s_own_county(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    // The test kit's agencies serve Sacramento County.
    let agency = app
        .agency(
            "Sacramento County Probation",
            AgencyKind::ProbationDepartment,
        )
        .await;
    app.user(agency.id, "aa@sac.example", &[Role::AgencyAdmin])
        .await;
    let admin = api_token(&app, "aa@sac.example").await;
    let body = json!({"overrides": "R9.months = 6", "calendar": "juneteenth"});

    let (status, err) = call(
        &app,
        Method::PUT,
        &admin,
        "/api/v1/county-policies/Sonoma",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another county's: {err}");
    assert_eq!(err["error"], "forbidden");

    let (status, p) = call(
        &app,
        Method::PUT,
        &admin,
        "/api/v1/county-policies/sacramento",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["county"], "Sacramento");
    assert!(
        p["overrides"].as_str().unwrap().contains("R9.months = 6"),
        "{p}"
    );
    assert_eq!(p["calendar"], "juneteenth");
    let admin_id = app
        .app
        .user_by_email(&containment_app::Actor::console(), "aa@sac.example")
        .await
        .unwrap()
        .id;
    assert_eq!(p["updated_by"], admin_id);
    let stored = app.app.county_policies().await.unwrap();
    assert!(
        stored
            .iter()
            .any(|s| s.county == "Sacramento" && s.calendar == "juneteenth")
    );

    let (status, err) = call(
        &app,
        Method::PUT,
        &admin,
        "/api/v1/county-policies/Sacramento",
        Some(json!({"overrides": "R9.months = soon"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

async fn the_calendar_feed_is_revoked_through_the_api(db: TestDb) {
    let w = world(&db).await;
    let secret = w
        .app
        .app
        .create_calendar_feed(&w.officer, Utc::now())
        .await
        .unwrap();
    let feed = format!("/calendar/{secret}.ics");
    assert_eq!(w.app.get(&feed).await.status(), StatusCode::OK);
    let officer = api_token(&w.app, "po@sonoma.example").await;

    let (status, body) = call(
        &w.app,
        Method::DELETE,
        &officer,
        "/api/v1/me/calendar-feed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_ne!(
        w.app.get(&feed).await.status(),
        StatusCode::OK,
        "the address answers no more"
    );
    let (status, body) = call(
        &w.app,
        Method::DELETE,
        &officer,
        "/api/v1/me/calendar-feed",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing left to revoke: {body}"
    );
    assert_eq!(body["error"], "not_found");
}

/// Four clients edit one case as fast as they can, each retrying on 409 with the version it is
/// told. Every 200 answers with the name that request wrote and the version it made, never with
/// a change another client committed a moment later.
async fn a_put_answers_with_what_it_wrote_while_others_write(db: TestDb) {
    let w = world(&db).await;
    let (id, _) = setup(&w, "Raced Edit").await;
    let officer = api_token(&w.app, "po@sonoma.example").await;
    let (status, first) = call(
        &w.app,
        Method::GET,
        &officer,
        &format!("/api/v1/supervisees/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let start_version = first["version"].as_i64().unwrap();
    let date_of_birth = first["date_of_birth"].as_str().unwrap().to_owned();
    let sex = first["sex"].as_str().unwrap().to_owned();
    const EDITS_EACH: usize = 15;
    let edit = |client: &'static str| {
        let (app, officer, date_of_birth, sex) =
            (&w.app, officer.clone(), date_of_birth.clone(), sex.clone());
        async move {
            let path = format!("/api/v1/supervisees/{id}");
            let mut version = start_version;
            let mut answers = Vec::new();
            while answers.len() < EDITS_EACH {
                let name = format!("Raced Edit {client} {}", answers.len());
                let (status, body) = call(
                    app,
                    Method::PUT,
                    &officer,
                    &path,
                    Some(json!({
                        "version": version,
                        "legal_name": name,
                        "date_of_birth": date_of_birth,
                        "sex": sex,
                    })),
                )
                .await;
                match status {
                    StatusCode::OK => {
                        answers.push((name, version, body));
                        version += 1;
                    }
                    StatusCode::CONFLICT => {
                        version = body["current_version"].as_i64().unwrap();
                    }
                    other => panic!("{other}: {body}"),
                }
            }
            answers
        }
    };
    let (a, b, c, d) = tokio::join!(edit("A"), edit("B"), edit("C"), edit("D"));
    let mut versions = Vec::new();
    for (name, sent, body) in a.into_iter().chain(b).chain(c).chain(d) {
        assert_eq!(body["legal_name"], name.as_str(), "{body}");
        assert_eq!(body["version"].as_i64(), Some(sent + 1), "{body}");
        versions.push(sent + 1);
    }
    // Each version was made by exactly one answered edit.
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions.len(), 4 * EDITS_EACH);
}
