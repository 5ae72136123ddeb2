//! Retrying a create is safe: the same `Idempotency-Key` and body get the first answer again,
//! a different body with the key is refused, a failed request frees its key, and keys belong to
//! one account and last a day.

use chrono::{Duration, Utc};
use containment_app::{IdempotencyClaim, StoredAnswer};
use containment_domain::case::local_date;
use containment_testkit::{TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::{World, api_token, world};

both_backends!(
    the_same_create_sent_twice_makes_one_record,
    a_key_is_for_one_request_of_one_account,
    a_failed_request_frees_its_key,
    concurrent_retries_make_one_record,
    keys_expire_after_a_day_and_abandoned_claims_are_taken_over,
);

fn person(name: &str) -> Value {
    json!({
        "legal_name": name, "date_of_birth": "1975-06-01", "sex": "male",
        "supervision_kind": "probation", "county": "Sonoma",
        "start_date": local_date(Utc::now()).to_string(),
        "court": "Sonoma County Superior Court", "assign_me": true
    })
}

async fn create(
    w: &World,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    let mut req = w
        .app
        .client
        .post(w.app.url("/api/v1/supervisees"))
        .bearer_auth(token)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let replayed = res
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, res.json().await.unwrap_or(Value::Null))
}

/// How many open cases named `name` the token's account sees.
async fn cases_named(w: &World, token: &str, name: &str) -> u64 {
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/caseload"))
        .query(&[("q", name)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["total"]
        .as_u64()
        .unwrap()
}

async fn the_same_create_sent_twice_makes_one_record(db: TestDb) {
    let w = world(&db).await;
    let token = api_token(&w.app, "po@sonoma.example").await;
    let body = person("Retry Person");
    let (first, replayed, answer) = create(&w, &token, Some("7f3c-retry-1"), &body).await;
    assert_eq!(first, StatusCode::CREATED, "{answer}");
    assert_eq!(replayed, None);
    let before = w.app.app.store().audit_count().await.unwrap();
    let (again, replayed, same) = create(&w, &token, Some("7f3c-retry-1"), &body).await;
    assert_eq!(again, StatusCode::CREATED);
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(same, answer, "the first answer, the same record");
    assert_eq!(cases_named(&w, &token, "Retry Person").await, 1);
    // The replay is on the audit trail (one event, not a second creation).
    assert_eq!(w.app.app.store().audit_count().await.unwrap(), before + 2);
    // Without a key, the same body is a second request as before.
    let (status, _, _) = create(&w, &token, None, &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(cases_named(&w, &token, "Retry Person").await, 2);
}

async fn a_key_is_for_one_request_of_one_account(db: TestDb) {
    let w = world(&db).await;
    let token = api_token(&w.app, "po@sonoma.example").await;
    let (status, _, _) = create(&w, &token, Some("key-A"), &person("Keyed One")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, answer) = create(&w, &token, Some("key-A"), &person("Keyed Two")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"], "idempotency_key_reused");
    assert_eq!(cases_named(&w, &token, "Keyed Two").await, 0);
    // Another account's key of the same name is its own.
    let other = api_token(&w.app, "po@sonoma.example").await;
    assert_eq!(cases_named(&w, &other, "Keyed One").await, 1);
    let app = &w.app;
    let agency = app
        .agency(
            "Marin County Probation",
            containment_testkit::AgencyKind::ProbationDepartment,
        )
        .await;
    app.user(
        agency.id,
        "po@marin.example",
        &[containment_testkit::Role::SupervisingOfficer],
    )
    .await;
    let marin = api_token(app, "po@marin.example").await;
    let mut body = person("Keyed One");
    body["county"] = json!("Marin");
    let (status, replayed, _) = create(&w, &marin, Some("key-A"), &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replayed, None);
    // A malformed key is refused before anything runs.
    for bad in ["has space", &"k".repeat(256)] {
        let (status, _, answer) = create(&w, &token, Some(bad), &person("Bad Key")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key")
        );
    }
    assert_eq!(cases_named(&w, &token, "Bad Key").await, 0);
}

async fn a_failed_request_frees_its_key(db: TestDb) {
    let w = world(&db).await;
    let token = api_token(&w.app, "po@sonoma.example").await;
    let mut wrong = person("Fixed Later");
    wrong["date_of_birth"] = json!("1875-01-01");
    let (status, _, _) = create(&w, &token, Some("key-F"), &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Corrected and sent again with the same key: it runs.
    let (status, replayed, answer) =
        create(&w, &token, Some("key-F"), &person("Fixed Later")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(replayed, None);
    assert_eq!(cases_named(&w, &token, "Fixed Later").await, 1);
}

async fn concurrent_retries_make_one_record(db: TestDb) {
    let w = world(&db).await;
    let token = api_token(&w.app, "po@sonoma.example").await;
    let body = person("Impatient Client");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let req = w
            .app
            .client
            .post(w.app.url("/api/v1/supervisees"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "key-C")
            .json(&body);
        tasks.spawn(async move {
            let res = req.send().await.unwrap();
            (
                res.status(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        });
    }
    let answers = tasks.join_all().await;
    let mut ids = Vec::new();
    for (status, answer) in &answers {
        match *status {
            StatusCode::CREATED => ids.push(answer["id"].clone()),
            StatusCode::CONFLICT => assert_eq!(answer["error"], "idempotency_key_in_use"),
            other => panic!("{other}: {answer}"),
        }
    }
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(cases_named(&w, &token, "Impatient Client").await, 1);
}

async fn keys_expire_after_a_day_and_abandoned_claims_are_taken_over(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app.app;
    let now = Utc::now();
    let claim = |at, fingerprint: &'static str| {
        let officer = w.officer.clone();
        async move {
            app.claim_idempotency_key(&officer, "key-T", fingerprint, "/api/v1/supervisees", at)
                .await
                .unwrap()
        }
    };
    assert_eq!(claim(now, "one").await, IdempotencyClaim::Claimed);
    // Unanswered: the same request waits, another is refused, until the claim is abandoned.
    assert_eq!(
        claim(now + Duration::minutes(4), "one").await,
        IdempotencyClaim::InProgress
    );
    assert_eq!(
        claim(now + Duration::minutes(4), "two").await,
        IdempotencyClaim::OtherRequest
    );
    assert_eq!(
        claim(now + Duration::minutes(6), "one").await,
        IdempotencyClaim::Claimed
    );
    let answer = StoredAnswer {
        status: 201,
        content_type: Some("application/json".into()),
        body: br#"{"id":1}"#.to_vec(),
    };
    app.keep_idempotent_answer(&w.officer, "key-T", &answer)
        .await
        .unwrap();
    let later = now + Duration::minutes(6);
    assert_eq!(
        claim(later + Duration::hours(23), "one").await,
        IdempotencyClaim::Answered(answer)
    );
    // A day after its use the key is forgotten: a new request may take it.
    assert_eq!(
        claim(later + Duration::hours(24) + Duration::minutes(1), "two").await,
        IdempotencyClaim::Claimed
    );
}
