//! `/metrics` on its own listener: requests by route pattern with latency histograms, the pool,
//! reminder runs and audit group commits, and nothing that names a person or a record.

use std::sync::Arc;

use chrono::Utc;
use containment_testkit::{AgencyKind, Role, TestApp, TestDb, both_backends};
use containment_web::{HttpMetrics, WebConfig, metrics_router};
use reqwest::StatusCode;

use crate::cases::api_token;

both_backends!(metrics_count_by_route_pattern_and_name_no_one);

/// The value of the line that starts with `series` (name and labels as written).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_by_route_pattern_and_name_no_one(db: TestDb) {
    let counts = Arc::new(HttpMetrics::default());
    let app = TestApp::serve_with(
        db.app().await,
        WebConfig {
            secure_cookies: false,
            metrics: Some(counts.clone()),
            ..Default::default()
        },
    )
    .await;
    let agency = app
        .agency("Sonoma County Probation", AgencyKind::ProbationDepartment)
        .await;
    app.user(agency.id, "po@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let token = api_token(&app, "po@sonoma.example").await;
    for path in [
        "/api/v1/caseload?q=Jane%20Doe",
        "/api/v1/caseload",
        "/api/v1/supervisees/987654",
        "/no/such/page/Jane-Doe",
    ] {
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(res.status() != StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    }
    app.app.run_reminders(Utc::now()).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(containment_web::serve(
        listener,
        metrics_router(app.app.clone(), counts),
        std::future::pending::<()>(),
    ));
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();

    let caseload = "method=\"GET\",route=\"/api/v1/caseload\"";
    assert_eq!(
        value(
            &text,
            &format!("containment_http_requests_total{{{caseload},status=\"200\"}}")
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "containment_http_requests_total{method=\"GET\",route=\"/api/v1/supervisees/{id}\",status=\"404\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "containment_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ),
        Some(1.0),
        "{text}"
    );
    // The histogram's buckets grow to its count.
    let inf = value(
        &text,
        &format!("containment_http_request_duration_seconds_bucket{{{caseload},le=\"+Inf\"}}"),
    );
    assert_eq!(inf, Some(2.0));
    assert_eq!(
        value(
            &text,
            &format!("containment_http_request_duration_seconds_count{{{caseload}}}")
        ),
        Some(2.0)
    );
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| {
            l.starts_with(&format!(
                "containment_http_request_duration_seconds_bucket{{{caseload}"
            ))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(buckets.len(), 12);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    // The pool, the reminder run and the audit trail's group commits.
    let max = value(&text, "containment_db_pool_max_connections").unwrap();
    assert!(max >= 1.0);
    assert_eq!(
        value(&text, "containment_reminder_run_duration_seconds_count"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "containment_reminder_run_failures_total"),
        Some(0.0)
    );
    assert!(
        value(&text, "containment_audit_appended_events_total").unwrap() >= 1.0,
        "{text}"
    );
    // Nothing of a person or a record: no concrete path, query or name.
    for private in ["987654", "Jane", "Doe", "po@sonoma", "q="] {
        assert!(!text.contains(private), "{private} in the metrics");
    }
}
