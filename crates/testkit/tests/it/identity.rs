//! Signing in, second factor, sessions, lockout, anti-forgery and API tokens.

use chrono::{DateTime, Duration, TimeZone, Utc};
use containment_app::{
    AccountAction, Actor, App, AppError, Client, NextStep, SessionCheck, totp_code,
};
use containment_testkit::{
    AgencyKind, NEW_PASSWORD, ResponseExt, Role, TestApp, TestDb, both_backends,
};
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    the_sixth_attempt_after_five_failures_is_refused_until_unlocked,
    failures_spread_beyond_fifteen_minutes_do_not_lock,
    wrong_second_factor_codes_lock_whatever_the_password_step_did,
    second_factor_failures_older_than_fifteen_minutes_do_not_count,
    a_replayed_totp_code_is_refused,
    recovery_codes_work_once,
    sessions_lock_when_idle_and_end_after_twelve_hours,
    sign_in_through_the_browser_with_totp,
    failed_sign_in_says_the_same_whatever_the_cause,
    forms_without_the_anti_forgery_token_are_refused,
    disabling_an_account_ends_its_sessions_at_once,
    users_see_and_end_their_other_sessions,
    api_tokens_act_as_their_user_and_no_more,
    probing_another_agencys_account_gets_404_and_is_audited,
    weak_new_passwords_are_refused_with_a_reason,
    people_replace_their_authenticator_after_entering_the_password,
    an_action_whose_audit_event_cannot_be_written_fails,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
}

fn client() -> Client {
    Client {
        addr: Some("192.0.2.10".into()),
        user_agent: Some("test".into()),
    }
}

/// An agency and one account in it, created by the console; returns (app, email, password).
async fn account(db: &TestDb, roles: &[Role]) -> (App, String, String, i64) {
    let app = db.app().await;
    let console = Actor::console();
    let agency = app
        .add_agency(
            &console,
            "Sacramento County Probation",
            AgencyKind::ProbationDepartment,
            Some("Sacramento"),
            t0(),
        )
        .await
        .unwrap();
    let created = app
        .add_user(
            &console,
            agency.id,
            "officer@saccounty.example",
            "Pat Officer",
            roles,
            t0(),
        )
        .await
        .unwrap();
    (
        app,
        "officer@saccounty.example".into(),
        created.one_time_password,
        created.user.id,
    )
}

/// Signs in and enrolls TOTP at `at`; returns the session id and the secret.
async fn enrolled(
    app: &App,
    email: &str,
    password: &str,
    user_id: i64,
    at: DateTime<Utc>,
) -> (i64, String) {
    let signed = app.sign_in(email, password, &client(), at).await.unwrap();
    assert_eq!(signed.next, NextStep::EnrollMfa);
    let enrollment = app.begin_enrollment(user_id, at).await.unwrap();
    assert!(enrollment.url.starts_with("otpauth://totp/"));
    let code = totp_code(&enrollment.secret_base32, at).unwrap();
    let codes = app
        .confirm_enrollment(signed.session.id, &code, &client(), at)
        .await
        .unwrap();
    assert_eq!(codes.len(), containment_app::RECOVERY_CODES);
    (signed.session.id, enrollment.secret_base32)
}

async fn audit_actions(app: &App) -> Vec<(String, String)> {
    app.audit_search(&Actor::console(), &Default::default(), Utc::now())
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.content.action, e.content.outcome))
        .collect()
}

async fn the_sixth_attempt_after_five_failures_is_refused_until_unlocked(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::SupervisingOfficer]).await;
    for i in 0..5 {
        let err = app
            .sign_in(
                &email,
                "wrong password",
                &client(),
                t0() + Duration::minutes(i),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::SignInFailed));
    }
    // The sixth attempt, with the right password, is refused: the account is locked.
    let err = app
        .sign_in(&email, &password, &client(), t0() + Duration::minutes(5))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::SignInFailed));
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&("account_locked".into(), "success".into())));

    // Only an administrator unlocks it; time alone does not.
    let later = t0() + Duration::hours(3);
    assert!(
        app.sign_in(&email, &password, &client(), later)
            .await
            .is_err()
    );
    app.administer_user(&Actor::console(), user_id, AccountAction::Unlock, later)
        .await
        .unwrap();
    assert!(
        app.sign_in(&email, &password, &client(), later)
            .await
            .is_ok()
    );
}

/// Signs in with the right password at `at` and offers a wrong second-factor `code`.
async fn wrong_code_after_right_password(
    app: &App,
    email: &str,
    password: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let signed = app.sign_in(email, password, &client(), at).await?;
    assert_eq!(signed.next, NextStep::VerifyMfa);
    app.verify_mfa(signed.session.id, code, &client(), at).await
}

async fn wrong_second_factor_codes_lock_whatever_the_password_step_did(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::SupervisingOfficer]).await;
    let start = t0() + Duration::minutes(1);
    let (_, secret) = enrolled(&app, &email, &password, user_id, t0()).await;
    // Each guess comes after a correct password, which used to wipe the count. TOTP codes and
    // recovery codes count together.
    let guesses = ["000000", "zzzzz-zzzzz", "111111", "999999"];
    for (i, guess) in guesses.iter().enumerate() {
        let at = start + Duration::minutes(i as i64);
        let err = wrong_code_after_right_password(&app, &email, &password, guess, at)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::InvalidCode), "{err:?}");
    }
    // Four failures: the right code still works.
    let at = start + Duration::minutes(4);
    let signed = app.sign_in(&email, &password, &client(), at).await.unwrap();
    let right = totp_code(&secret, at).unwrap();
    app.verify_mfa(signed.session.id, &right, &client(), at)
        .await
        .unwrap();

    // A success at the second factor forgives earlier second-factor failures: five more are needed.
    for i in 0..5 {
        let at = start + Duration::minutes(5 + i);
        let err = wrong_code_after_right_password(&app, &email, &password, "123456", at)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::InvalidCode), "{err:?}");
    }
    // Locked: the password no longer opens a session, and each failure was audited.
    let at = start + Duration::minutes(10);
    assert!(matches!(
        app.sign_in(&email, &password, &client(), at).await,
        Err(AppError::SignInFailed)
    ));
    let events = app
        .audit_search(&Actor::console(), &Default::default(), Utc::now())
        .await
        .unwrap();
    let failures: Vec<String> = events
        .iter()
        .filter(|e| e.content.action == "sign_in" && e.content.outcome == "failure")
        .filter_map(|e| e.content.detail.clone())
        .collect();
    assert_eq!(
        failures.iter().filter(|d| *d == "wrong_totp_code").count(),
        8,
        "{failures:?}"
    );
    assert_eq!(
        failures
            .iter()
            .filter(|d| *d == "wrong_recovery_code")
            .count(),
        1,
        "{failures:?}"
    );
    assert!(events.iter().any(|e| e.content.action == "account_locked"
        && e.content.detail.as_deref() == Some("too_many_second_factor_failures")));
}

async fn second_factor_failures_older_than_fifteen_minutes_do_not_count(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::SupervisingOfficer]).await;
    enrolled(&app, &email, &password, user_id, t0()).await;
    let start = t0() + Duration::minutes(1);
    // The first of five failures is exactly 15 minutes before the fifth: no lock.
    for minute in [0, 5, 10, 14, 15] {
        let _ = wrong_code_after_right_password(
            &app,
            &email,
            &password,
            "000000",
            start + Duration::minutes(minute),
        )
        .await;
    }
    let at = start + Duration::minutes(15);
    assert!(app.sign_in(&email, &password, &client(), at).await.is_ok());
    // One more within the window of the last four: locked.
    let _ = wrong_code_after_right_password(&app, &email, &password, "000000", at).await;
    assert!(matches!(
        app.sign_in(&email, &password, &client(), at).await,
        Err(AppError::SignInFailed)
    ));
}

async fn failures_spread_beyond_fifteen_minutes_do_not_lock(db: TestDb) {
    let (app, email, password, _) = account(&db, &[Role::SupervisingOfficer]).await;
    // Five failures, but the first is exactly 15 minutes before the fifth.
    for minute in [0, 5, 10, 14, 15] {
        let _ = app
            .sign_in(
                &email,
                "wrong password",
                &client(),
                t0() + Duration::minutes(minute),
            )
            .await;
    }
    assert!(
        app.sign_in(&email, &password, &client(), t0() + Duration::minutes(16))
            .await
            .is_ok()
    );

    // Four failures, a success, then four more: the success resets the count.
    let (app2, email2, password2, _) = (app, email, password, ());
    for minute in 20..24 {
        let _ = app2
            .sign_in(
                &email2,
                "nope nope",
                &client(),
                t0() + Duration::minutes(minute),
            )
            .await;
    }
    assert!(
        app2.sign_in(&email2, &password2, &client(), t0() + Duration::minutes(24))
            .await
            .is_ok()
    );
    for minute in 25..29 {
        let _ = app2
            .sign_in(
                &email2,
                "nope nope",
                &client(),
                t0() + Duration::minutes(minute),
            )
            .await;
    }
    assert!(
        app2.sign_in(&email2, &password2, &client(), t0() + Duration::minutes(29))
            .await
            .is_ok()
    );
}

async fn a_replayed_totp_code_is_refused(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::SupervisingOfficer]).await;
    let at = t0();
    let (_, secret) = enrolled(&app, &email, &password, user_id, at).await;

    // A second sign-in 5 seconds later, in the same 30-second step: the code used for the
    // enrollment cannot be used again.
    let again = at + Duration::seconds(5);
    let second = app
        .sign_in(&email, &password, &client(), again)
        .await
        .unwrap();
    assert_eq!(second.next, NextStep::VerifyMfa);
    let same_code = totp_code(&secret, at).unwrap();
    let err = app
        .verify_mfa(second.session.id, &same_code, &client(), again)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::InvalidCode));

    // The next step's code works, once.
    let next = at + Duration::seconds(30);
    let next_code = totp_code(&secret, next).unwrap();
    app.verify_mfa(second.session.id, &next_code, &client(), next)
        .await
        .unwrap();
    let third = app
        .sign_in(&email, &password, &client(), next)
        .await
        .unwrap();
    let err = app
        .verify_mfa(third.session.id, &next_code, &client(), next)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::InvalidCode));

    // A wrong code is refused too.
    let err = app
        .verify_mfa(third.session.id, "000000", &client(), next)
        .await;
    assert!(err.is_err());
}

async fn recovery_codes_work_once(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::TreatmentProvider]).await;
    let signed = app
        .sign_in(&email, &password, &client(), t0())
        .await
        .unwrap();
    let enrollment = app.begin_enrollment(user_id, t0()).await.unwrap();
    let code = totp_code(&enrollment.secret_base32, t0()).unwrap();
    let codes = app
        .confirm_enrollment(signed.session.id, &code, &client(), t0())
        .await
        .unwrap();

    let at = t0() + Duration::minutes(1);
    let s = app.sign_in(&email, &password, &client(), at).await.unwrap();
    app.verify_mfa(s.session.id, &codes[0].to_uppercase(), &client(), at)
        .await
        .unwrap();
    let s2 = app.sign_in(&email, &password, &client(), at).await.unwrap();
    assert!(
        app.verify_mfa(s2.session.id, &codes[0], &client(), at)
            .await
            .is_err()
    );
    app.verify_mfa(s2.session.id, &codes[1], &client(), at)
        .await
        .unwrap();
}

async fn sessions_lock_when_idle_and_end_after_twelve_hours(db: TestDb) {
    let (app, email, password, user_id) = account(&db, &[Role::SupervisingOfficer]).await;
    let signed = app
        .sign_in(&email, &password, &client(), t0())
        .await
        .unwrap();
    let enrollment = app.begin_enrollment(user_id, t0()).await.unwrap();
    let code = totp_code(&enrollment.secret_base32, t0()).unwrap();
    app.confirm_enrollment(signed.session.id, &code, &client(), t0())
        .await
        .unwrap();
    let token = signed.token;
    let check = |at: DateTime<Utc>| {
        let app = app.clone();
        let token = token.clone();
        async move { app.check_session(&token, &client(), at).await.unwrap() }
    };
    assert!(matches!(
        check(t0() + Duration::minutes(10)).await,
        SessionCheck::Active { .. }
    ));
    // 29 min 59 s after the last activity: still active.
    assert!(matches!(
        check(t0() + Duration::minutes(39) + Duration::seconds(59)).await,
        SessionCheck::Active { .. }
    ));
    // 30 minutes after the last activity: locked, not ended.
    let idle = t0() + Duration::minutes(39) + Duration::seconds(59) + Duration::minutes(30);
    assert!(matches!(check(idle).await, SessionCheck::Locked { .. }));
    assert!(
        app.unlock_session(signed.session.id, "wrong", &client(), idle)
            .await
            .is_err()
    );
    app.unlock_session(signed.session.id, &password, &client(), idle)
        .await
        .unwrap();
    assert!(matches!(check(idle).await, SessionCheck::Active { .. }));

    // Kept busy, it still ends 12 hours after sign-in.
    let mut at = idle;
    while at + Duration::minutes(20) < t0() + Duration::hours(12) {
        at += Duration::minutes(20);
        assert!(
            matches!(check(at).await, SessionCheck::Active { .. }),
            "{at}"
        );
    }
    let almost = t0() + Duration::hours(12) - Duration::seconds(1);
    assert!(matches!(check(almost).await, SessionCheck::Active { .. }));
    assert!(matches!(
        check(t0() + Duration::hours(12)).await,
        SessionCheck::Invalid
    ));
    // Ended for good.
    assert!(matches!(
        check(t0() + Duration::hours(12) + Duration::seconds(1)).await,
        SessionCheck::Invalid
    ));
}

async fn sign_in_through_the_browser_with_totp(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Fresno County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, password) = app
        .user(agency.id, "po@fresno.example", &[Role::SupervisingOfficer])
        .await;

    let mut b = app.browser();
    let html = b.page("/sign-in").await;
    assert!(html.contains("System use notice"));
    // Without accepting the notice nothing happens.
    let res = b
        .post(
            "/sign-in",
            &[("email", "po@fresno.example"), ("password", &password)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("accept it"));

    b.sign_in_password("po@fresno.example", &password)
        .await
        .expect_redirect("/sign-in/enroll");
    // Before the second factor, signed-in pages send the person back to it.
    b.get("/account").await.expect_redirect("/sign-in/enroll");
    let html = b.page("/sign-in/enroll").await;
    assert!(html.contains("<svg"), "QR code inline");
    let recovery = b.enroll().await;
    assert!(
        recovery.contains("/account/password"),
        "continue to the password change"
    );
    // The one-time password must be replaced before anything else.
    b.get("/account").await.expect_redirect("/account/password");
    let res = b
        .post(
            "/account/password",
            &[
                ("current", &password),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    res.expect_redirect("/account");
    let html = b.page("/account").await;
    assert!(html.contains("po@fresno.example"));

    // Sign out ends the session.
    b.post("/sign-out", &[]).await.expect_redirect("/sign-in");
    b.get("/account").await.expect_redirect("/sign-in");
}

async fn failed_sign_in_says_the_same_whatever_the_cause(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Kern County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (user, password) = app
        .user(agency.id, "a@kern.example", &[Role::SupervisingOfficer])
        .await;
    app.app
        .administer_user(
            &Actor::console(),
            user.id,
            AccountAction::Disable,
            Utc::now(),
        )
        .await
        .unwrap();
    let mut messages = Vec::new();
    for (email, pw) in [
        ("nobody@kern.example", "whatever pass"),
        ("a@kern.example", "wrong password"),
        ("a@kern.example", password.as_str()),
        ("not an email", "whatever pass"),
    ] {
        let mut b = app.browser();
        let res = b.sign_in_password(email, pw).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        let start = html.find("usa-alert__text\">").unwrap();
        messages.push(html[start..start + 120].to_owned());
    }
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:#?}");
}

async fn forms_without_the_anti_forgery_token_are_refused(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Yolo County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, password) = app
        .user(agency.id, "y@yolo.example", &[Role::SupervisingOfficer])
        .await;
    let mut b = app.signed_in("y@yolo.example", &password).await;
    b.page("/account").await;

    let res = b
        .client
        .post(b.url("/account/tokens"))
        .form(&[("name", "no token")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = b
        .client
        .post(b.url("/account/tokens"))
        .form(&[("name", "forged"), ("csrf_token", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Nothing was created.
    let html = b.page("/account").await;
    assert!(html.contains("You have no API tokens."));
    // With the token it works.
    let res = b
        .post(
            "/account/tokens",
            &[("name", "report sync"), ("expires_days", "30")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("ctk_"));

    // The sign-in form needs the pre-authentication cookie's token as well.
    let res = app
        .client
        .post(app.url("/sign-in"))
        .form(&[
            ("email", "y@yolo.example"),
            ("password", NEW_PASSWORD),
            ("accept_notice", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn disabling_an_account_ends_its_sessions_at_once(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Placer County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (user, password) = app
        .user(agency.id, "p@placer.example", &[Role::SupervisingOfficer])
        .await;
    let mut b = app.signed_in("p@placer.example", &password).await;
    assert_eq!(b.get("/account").await.status(), StatusCode::OK);
    app.app
        .administer_user(
            &Actor::console(),
            user.id,
            AccountAction::Disable,
            Utc::now(),
        )
        .await
        .unwrap();
    b.get("/account").await.expect_redirect("/sign-in");
    // Enabling does not bring the old session back.
    app.app
        .administer_user(
            &Actor::console(),
            user.id,
            AccountAction::Enable,
            Utc::now(),
        )
        .await
        .unwrap();
    b.get("/account").await.expect_redirect("/sign-in");
}

async fn users_see_and_end_their_other_sessions(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Napa County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (user, password) = app
        .user(agency.id, "n@napa.example", &[Role::SupervisingOfficer])
        .await;
    let mut laptop = app.signed_in("n@napa.example", &password).await;
    // A second browser signs in with the new password and a recovery code (the TOTP step of
    // this 30-second window was used by the first).
    let at = Utc::now();
    let signed = app
        .app
        .sign_in("n@napa.example", NEW_PASSWORD, &client(), at)
        .await
        .unwrap();
    let next_code = totp_code(&laptop.totp_secret, at + Duration::seconds(30)).unwrap();
    app.app
        .verify_mfa(
            signed.session.id,
            &next_code,
            &client(),
            at + Duration::seconds(30),
        )
        .await
        .unwrap();
    let html = laptop.page("/account").await;
    assert_eq!(
        html.matches("/account/sessions/").count(),
        1,
        "one other session listed"
    );
    let res = laptop
        .post(&format!("/account/sessions/{}/end", signed.session.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let check = app
        .app
        .check_session(&signed.token, &client(), Utc::now())
        .await
        .unwrap();
    assert!(matches!(check, SessionCheck::Invalid));
    // Someone else's session id is not found.
    let res = laptop.post("/account/sessions/999999/end", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let _ = user;
}

async fn api_tokens_act_as_their_user_and_no_more(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (officer, _) = app
        .user(agency.id, "o@marin.example", &[Role::SupervisingOfficer])
        .await;
    let (_, _) = app
        .user(agency.id, "admin@marin.example", &[Role::AgencyAdmin])
        .await;
    let console = Actor::console();
    let now = Utc::now();
    let officer_token = app
        .app
        .create_token(&console, &officer.email, "sync", Some(30), now)
        .await
        .unwrap();
    let admin_email = containment_domain::Email::parse("admin@marin.example").unwrap();
    let admin_token = app
        .app
        .create_token(&console, &admin_email, "ops", None, now)
        .await
        .unwrap();

    let get = |path: &'static str, token: Option<String>| {
        let client = app.client.clone();
        let url = app.url(path);
        async move {
            let mut req = client.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap()
        }
    };
    let res = get("/api/v1/me", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unauthenticated"
    );

    let me: Value = get("/api/v1/me", Some(officer_token.token.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "o@marin.example");
    assert_eq!(me["roles"], serde_json::json!(["supervising_officer"]));
    // The officer's token cannot do what only administrators can.
    let res = get("/api/v1/users", Some(officer_token.token.clone())).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");
    let users: Value = get("/api/v1/users", Some(admin_token.token.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        2,
        "only the admin's own agency"
    );

    // A token cannot revoke another user's token.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{}", admin_token.record.id)))
        .bearer_auth(&officer_token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Revoked: refused at once.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{}", officer_token.record.id)))
        .bearer_auth(&officer_token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get("/api/v1/me", Some(officer_token.token.clone()))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Expired: refused.
    let old = app
        .app
        .create_token(
            &console,
            &admin_email,
            "old",
            Some(1),
            now - Duration::days(2),
        )
        .await
        .unwrap();
    assert_eq!(
        get("/api/v1/me", Some(old.token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The database keeps only hashes.
    let tokens = app.app.tokens(&console, None).await.unwrap();
    assert!(
        tokens
            .iter()
            .all(|t| t.prefix.len() == 12 && !admin_token.token.eq(&t.prefix))
    );
}

async fn probing_another_agencys_account_gets_404_and_is_audited(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let a = app
        .agency("Alameda County Probation", AgencyKind::ProbationDepartment)
        .await;
    let b_agency = app
        .agency("Butte County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, password) = app
        .user(a.id, "admin@alameda.example", &[Role::AgencyAdmin])
        .await;
    let (other, _) = app
        .user(b_agency.id, "po@butte.example", &[Role::SupervisingOfficer])
        .await;
    let (own, _) = app
        .user(a.id, "po@alameda.example", &[Role::SupervisingOfficer])
        .await;
    let mut browser = app.signed_in("admin@alameda.example", &password).await;

    assert_eq!(
        browser
            .get(&format!("/admin/users/{}", own.id))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        browser
            .get(&format!("/admin/users/{}", other.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    browser.page("/admin/users").await;
    let res = browser
        .post(&format!("/admin/users/{}/disable", other.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = browser
        .post(&format!("/admin/users/{}/disable", 987_654), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "same answer as a missing id"
    );
    let denied: Vec<_> = app
        .app
        .audit_search(&Actor::console(), &Default::default(), Utc::now())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.content.outcome == "denied")
        .collect();
    assert!(
        denied
            .iter()
            .any(|e| e.content.object_id.as_deref() == Some(&other.id.to_string()))
    );
    // The other agency's account is untouched.
    let still = app
        .app
        .user_by_id(&Actor::console(), other.id)
        .await
        .unwrap();
    assert!(!still.disabled);
}

async fn weak_new_passwords_are_refused_with_a_reason(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Solano County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, password) = app
        .user(agency.id, "s@solano.example", &[Role::SupervisingOfficer])
        .await;
    let mut b = app.browser();
    b.sign_in_password("s@solano.example", &password).await;
    b.enroll().await;
    b.page("/account/password").await;
    for (new, reason) in [
        ("short", "at least 8"),
        ("password123", "common"),
        ("iloveyou", "common"),
    ] {
        let res = b
            .post(
                "/account/password",
                &[("current", &password), ("new", new), ("confirm", new)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains(reason), "{new}: {html}");
    }
    let res = b
        .post(
            "/account/password",
            &[
                ("current", &password),
                ("new", NEW_PASSWORD),
                ("confirm", "different one 9"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("not the same"));
}

async fn people_replace_their_authenticator_after_entering_the_password(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Lake County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, password) = app
        .user(agency.id, "l@lake.example", &[Role::SupervisingOfficer])
        .await;
    let mut b = app.signed_in("l@lake.example", &password).await;
    let old_secret = b.totp_secret.clone();
    b.page("/account").await;
    let res = b
        .post("/account/mfa/reset", &[("password", "not my password")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("the password is not right")
    );
    b.get("/account").await;
    let res = b
        .post("/account/mfa/reset", &[("password", NEW_PASSWORD)])
        .await;
    res.expect_redirect("/sign-in/enroll");
    // Until the new authenticator is enrolled, nothing else opens.
    b.get("/account").await.expect_redirect("/sign-in/enroll");
    b.enroll().await;
    assert_ne!(b.totp_secret, old_secret, "a new secret");
    assert_eq!(b.get("/account").await.status(), StatusCode::OK);
}

async fn an_action_whose_audit_event_cannot_be_written_fails(db: TestDb) {
    let app = App::open(&db.url, true).await.unwrap();
    // Play a broken audit trail: every insert into it fails.
    let sql = match db.backend {
        containment_testkit::Backend::Sqlite => {
            "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        }
        containment_testkit::Backend::Postgres => {
            "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        }
    };
    app.store().execute_admin(sql).await.unwrap();
    let res = app
        .add_agency(
            &Actor::console(),
            "Inyo County Probation",
            AgencyKind::ProbationDepartment,
            None,
            t0(),
        )
        .await;
    assert!(res.is_err(), "the action fails with its audit event");
    assert!(
        app.agency_by_name("Inyo County Probation")
            .await
            .unwrap()
            .is_none(),
        "and nothing of it was stored"
    );
}
