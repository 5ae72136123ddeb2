//! Refused requests on the audit trail: the guard's role check, the anti-forgery check and
//! refused API tokens each leave an event, within a rate limit per source.

use chrono::{Duration, Utc};
use containment_app::{Actor, App, AuditVerdict, RefusalLimits, StoredUser};
use containment_domain::Email;
use containment_domain::audit::{AuditContent, StoredAuditEvent};
use containment_storage::AuditFilter;
use containment_testkit::{AgencyKind, Browser, Role, TestApp, TestDb, both_backends};
use reqwest::StatusCode;

both_backends!(
    each_kind_of_refusal_leaves_one_event,
    a_flood_of_refusals_writes_the_limit_and_a_summary_of_the_rest,
);

/// Every event on the trail, oldest first.
async fn trail(app: &App) -> Vec<StoredAuditEvent> {
    let tx = app.store().begin_read().await.unwrap();
    let mut events = tx
        .audit_events(&AuditFilter::default(), 1_000_000)
        .await
        .unwrap();
    events.reverse();
    events
}

/// Events of `action` appended after the first `since` events.
async fn new_events(app: &App, since: usize, action: &str) -> Vec<StoredAuditEvent> {
    trail(app)
        .await
        .into_iter()
        .skip(since)
        .filter(|e| e.content.action == action)
        .collect()
}

/// An officer of a probation department, signed in.
async fn signed_in_officer(app: &TestApp, email: &str) -> (StoredUser, Browser) {
    let agency = app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (officer, password) = app
        .user(agency.id, email, &[Role::SupervisingOfficer])
        .await;
    let browser = app.signed_in(email, &password).await;
    (officer, browser)
}

/// The one event of `action` appended after the first `since` events.
async fn one_new_event(app: &App, since: usize, action: &str) -> AuditContent {
    let mut events = new_events(app, since, action).await;
    assert_eq!(events.len(), 1, "one {action}: {events:#?}");
    events.remove(0).content
}

async fn each_kind_of_refusal_leaves_one_event(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let (officer, mut browser) = signed_in_officer(&app, "po@marin.example").await;
    let console = Actor::console();
    let email = Email::parse("po@marin.example").unwrap();
    let token = app
        .app
        .create_token(&console, &email, "valid", None, Utc::now())
        .await
        .unwrap();
    let revoked = app
        .app
        .create_token(&console, &email, "revoked", None, Utc::now())
        .await
        .unwrap();
    app.app
        .revoke_token(&console, revoked.record.id, Utc::now())
        .await
        .unwrap();
    let expired = app
        .app
        .create_token(
            &console,
            &email,
            "expired",
            Some(1),
            Utc::now() - Duration::days(3),
        )
        .await
        .unwrap();

    // The role check of a page: one event naming who, the route and the method.
    let seen = trail(&app.app).await.len();
    let res = browser.get("/audit").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let c = one_new_event(&app.app, seen, "access_denied").await;
    assert_eq!(c.actor_user_id, Some(officer.id));
    assert!(c.session_id.is_some());
    assert_eq!(c.outcome, "denied");
    assert_eq!(c.object_kind.as_deref(), Some("route"));
    assert_eq!(c.object_id.as_deref(), Some("/audit"));
    assert_eq!(c.detail.as_deref(), Some("method=GET"));
    assert_eq!(c.client_addr.as_deref(), Some("127.0.0.1"));

    // Administration (recorded by the route's template, not the path with its id) and the
    // dashboard.
    for (path, route) in [
        (format!("/admin/users/{}", officer.id), "/admin/users/{id}"),
        ("/admin/agencies".to_owned(), "/admin/agencies"),
        ("/dashboard".to_owned(), "/dashboard"),
        ("/dashboard/list".to_owned(), "/dashboard/list"),
    ] {
        let seen = trail(&app.app).await.len();
        let res = browser.get(&path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let c = one_new_event(&app.app, seen, "access_denied").await;
        assert_eq!(c.object_id.as_deref(), Some(route), "{path}");
    }

    // The role check of the API.
    let seen = trail(&app.app).await.len();
    let res = app
        .client
        .get(app.url("/api/v1/dashboard"))
        .bearer_auth(&token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let c = one_new_event(&app.app, seen, "access_denied").await;
    assert_eq!(c.token_id, Some(token.record.id));
    assert_eq!(c.actor_user_id, Some(officer.id));
    assert_eq!(c.object_id.as_deref(), Some("/api/v1/dashboard"));

    // A form without the session's anti-forgery token.
    let seen = trail(&app.app).await.len();
    let res = browser
        .client
        .post(browser.url("/account/password"))
        .form(&[("csrf_token", "forged"), ("current", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let c = one_new_event(&app.app, seen, "csrf_refused").await;
    assert_eq!(c.actor_user_id, Some(officer.id));
    assert_eq!(c.outcome, "denied");
    assert_eq!(c.object_id.as_deref(), Some("/account/password"));
    assert_eq!(c.detail.as_deref(), Some("method=POST"));

    // Before sign-in, without the pre-authentication cookie.
    let seen = trail(&app.app).await.len();
    let res = app
        .client
        .post(app.url("/sign-in"))
        .form(&[("email", "po@marin.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let c = one_new_event(&app.app, seen, "csrf_refused").await;
    assert_eq!(c.actor_user_id, None);

    // Unknown, revoked and expired tokens: 401, with whose token it was when known.
    for (secret, reason, owner, token_id) in [
        ("ctk_not_a_token", "unknown_token", None, None),
        (
            revoked.token.as_str(),
            "revoked",
            Some(officer.id),
            Some(revoked.record.id),
        ),
        (
            expired.token.as_str(),
            "expired",
            Some(officer.id),
            Some(expired.record.id),
        ),
    ] {
        let seen = trail(&app.app).await.len();
        let res = app
            .client
            .put(app.url("/api/v1/supervisees/12"))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{reason}");
        let c = one_new_event(&app.app, seen, "token_refused").await;
        assert_eq!(c.outcome, "failure");
        assert_eq!(c.actor_user_id, owner, "{reason}");
        assert_eq!(c.token_id, token_id, "{reason}");
        assert_eq!(
            c.object_id.as_deref(),
            Some("/api/v1/supervisees/{id}"),
            "{reason}"
        );
        assert_eq!(
            c.detail.as_deref(),
            Some(format!("method=PUT reason={reason}").as_str())
        );
    }

    // A case the officer may not see is refused by the application, which audits it as a
    // denied operation on the case: the web layer adds nothing to that.
    let seen = trail(&app.app).await.len();
    let res = browser.get("/cases/999999").await;
    assert!(res.status().is_client_error());
    let after = trail(&app.app).await;
    assert!(
        after[seen..].iter().all(|e| !matches!(
            e.content.action.as_str(),
            "access_denied" | "csrf_refused" | "token_refused"
        )),
        "{:#?}",
        &after[seen..]
    );

    // A request that passes writes no refusal.
    let seen = trail(&app.app).await.len();
    browser.page("/account").await;
    assert!(
        trail(&app.app)
            .await
            .iter()
            .skip(seen)
            .all(|e| e.content.object_kind.as_deref() != Some("route"))
    );
}

async fn a_flood_of_refusals_writes_the_limit_and_a_summary_of_the_rest(db: TestDb) {
    // A window far longer than the flood takes, so it cannot close halfway through.
    let limits = RefusalLimits {
        per_source: 20,
        window: Duration::hours(6),
        ..RefusalLimits::default()
    };
    let opened = db.app().await;
    let app = TestApp::serve(opened.with_refusal_limits(limits)).await;
    let (_, mut browser) = signed_in_officer(&app, "po@napa.example").await;
    let before = trail(&app.app).await.len();

    for _ in 0..500 {
        let res = app
            .client
            .get(app.url("/api/v1/caseload"))
            .bearer_auth("ctk_guessed")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Another source (the same address, as a signed-in person) keeps its own allowance.
    for _ in 0..3 {
        assert_eq!(browser.get("/audit").await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        new_events(&app.app, before, "token_refused").await.len(),
        20
    );
    assert_eq!(new_events(&app.app, before, "access_denied").await.len(), 3);
    assert!(
        new_events(&app.app, before, "refusals_dropped")
            .await
            .is_empty(),
        "the window is still open"
    );
    assert_eq!(
        trail(&app.app).await.len() - before,
        23,
        "the dropped refusals cost no write"
    );

    // When the window is over, the dropped ones are written as one count.
    app.app
        .close_refusal_window(Utc::now() + Duration::hours(7))
        .await
        .unwrap();
    let c = one_new_event(&app.app, before, "refusals_dropped").await;
    assert_eq!(c.client_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(c.actor_user_id, None);
    assert!(
        c.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("dropped=480 window=")),
        "{:?}",
        c.detail
    );
    assert!(matches!(
        app.app.verify_audit(None, Utc::now()).await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
}
