//! Secrets at rest: TOTP secrets encrypted and recovery codes keyed under the key file, both
//! moved to a new key by rotation without locking anyone out; API tokens that end with the
//! password or the authenticator they were made under; private database files.

use chrono::{DateTime, Duration, Utc};
use containment_app::actor::secret_hash;
use containment_app::{
    AccountAction, Actor, App, AppError, AuditVerdict, Client, CreatedUser, Keyring, Resealed,
    StoredUser, totp_code,
};
use containment_testkit::{
    AgencyKind, Backend, NEW_PASSWORD, ResponseExt, Role, TestApp, TestDb, both_backends,
};
use reqwest::StatusCode;

both_backends!(
    totp_secrets_are_encrypted_and_recovery_codes_keyed,
    secrets_stored_before_encryption_are_sealed_without_locking_anyone_out,
    rotation_moves_secrets_to_the_new_key_and_old_checkpoints_still_verify,
    an_enrollment_begun_under_a_lost_key_starts_afresh,
    api_tokens_end_when_the_password_changes_or_an_administrator_resets_mfa,
);

/// An account enrolled through the use cases.
struct Enrolled {
    user: StoredUser,
    password: String,
    secret: String,
    codes: Vec<String>,
}

/// Adds an account, in an agency of its own, at `t`.
async fn account(app: &App, email: &str, t: DateTime<Utc>) -> CreatedUser {
    let console = Actor::console();
    let agency = app
        .add_agency(
            &console,
            &format!("Agency of {email}"),
            AgencyKind::ProbationDepartment,
            None,
            t,
        )
        .await
        .unwrap();
    app.add_user(
        &console,
        agency.id,
        email,
        "Robin",
        &[Role::SupervisingOfficer],
        t,
    )
    .await
    .unwrap()
}

/// Adds an account and enrolls its authenticator at `t`.
async fn enrolled(app: &App, email: &str, t: DateTime<Utc>) -> Enrolled {
    let created = account(app, email, t).await;
    let signed = app
        .sign_in(email, &created.one_time_password, &Client::default(), t)
        .await
        .unwrap();
    let enrollment = app.begin_enrollment(created.user.id, t).await.unwrap();
    let code = totp_code(&enrollment.secret_base32, t).unwrap();
    let codes = app
        .confirm_enrollment(signed.session.id, &code, &Client::default(), t)
        .await
        .unwrap();
    Enrolled {
        user: created.user,
        password: created.one_time_password,
        secret: enrollment.secret_base32,
        codes,
    }
}

/// Signs `who` in with the password and then `second` (a TOTP or recovery code).
async fn second_factor(
    app: &App,
    who: &Enrolled,
    second: &str,
    t: DateTime<Utc>,
) -> Result<(), AppError> {
    let signed = app
        .sign_in(
            who.user.email.as_str(),
            &who.password,
            &Client::default(),
            t,
        )
        .await?;
    app.verify_mfa(signed.session.id, second, &Client::default(), t)
        .await
}

/// Signs `who` in with the authenticator's code at `t`.
async fn with_totp(app: &App, who: &Enrolled, t: DateTime<Utc>) -> Result<(), AppError> {
    second_factor(app, who, &totp_code(&who.secret, t).unwrap(), t).await
}

async fn stored_totp(app: &App, user_id: i64) -> String {
    let tx = app.store().begin_read().await.unwrap();
    tx.credentials(user_id).await.unwrap().totp_secret.unwrap()
}

async fn stored_codes(app: &App) -> Vec<String> {
    let tx = app.store().begin_read().await.unwrap();
    tx.recovery_code_hashes()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, h)| h)
        .collect()
}

async fn totp_secrets_are_encrypted_and_recovery_codes_keyed(db: TestDb) {
    let app = db.app().await;
    let t = Utc::now();
    let who = enrolled(&app, "r@lassen.example", t).await;

    let stored = stored_totp(&app, who.user.id).await;
    assert!(stored.starts_with("enc1:"), "{stored}");
    assert!(
        !stored.contains(&who.secret),
        "the secret is not stored readable"
    );
    assert_eq!(Keyring::totp_key_id(&stored), db.keys().current_id());

    // Ten codes of 16 characters of Crockford base 32 (80 bits), in four groups.
    let codes = &who.codes;
    assert_eq!(codes.len(), 10);
    for code in codes {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4, "{code}");
        assert!(groups.iter().all(|g| {
            g.len() == 4
                && g.chars()
                    .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
        }));
    }
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    // Stored keyed: not the plain hash a copy of the database could be searched against.
    let stored_codes = stored_codes(&app).await;
    let key = db.keys().current_id().unwrap().to_owned();
    assert!(
        stored_codes
            .iter()
            .all(|h| h.starts_with(&format!("{key}:")))
    );
    for code in codes {
        let plain = secret_hash(&code.replace('-', "").to_lowercase());
        assert!(stored_codes.iter().all(|h| !h.contains(&plain)));
    }

    // The codes work as typed by people, once each.
    let typed = codes[0].replace('-', " ").to_lowercase();
    second_factor(&app, &who, &typed, t + Duration::seconds(1))
        .await
        .unwrap();
    assert!(matches!(
        second_factor(&app, &who, &codes[0], t + Duration::seconds(2)).await,
        Err(AppError::InvalidCode)
    ));
    // The authenticator still works through the encrypted secret.
    with_totp(&app, &who, t + Duration::seconds(60))
        .await
        .unwrap();
}

async fn secrets_stored_before_encryption_are_sealed_without_locking_anyone_out(db: TestDb) {
    let app = db.app().await;
    let t = Utc::now();
    let who = enrolled(&app, "p@plumas.example", t).await;
    // The database as the previous release left it: the TOTP secret in plain base32, and a
    // 10-hex-digit recovery code under a plain SHA-256.
    let sealed = stored_totp(&app, who.user.id).await;
    let tx = app.store().begin().await.unwrap();
    assert!(
        tx.reseal_totp_secret(who.user.id, &sealed, who.secret.clone())
            .await
            .unwrap()
    );
    tx.replace_recovery_codes(who.user.id, vec![secret_hash("ab12c9f3e0")])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Until the next start seals them, the old forms still sign in.
    let t1 = t + Duration::seconds(30);
    with_totp(&app, &who, t1).await.unwrap();

    let done = app.reseal_secrets(t1).await.unwrap();
    assert_eq!(
        done,
        Resealed {
            totp_secrets: 1,
            recovery_codes: 1,
            unreadable: 0
        }
    );
    let stored = stored_totp(&app, who.user.id).await;
    assert!(stored.starts_with("enc1:") && !stored.contains(&who.secret));
    let codes = stored_codes(&app).await;
    assert_eq!(codes.len(), 1);
    assert_eq!(Keyring::recovery_key_id(&codes[0]), db.keys().current_id());
    assert_eq!(
        app.reseal_secrets(t1).await.unwrap(),
        Resealed::default(),
        "a second start finds nothing to do"
    );

    // After sealing, the same authenticator and the old recovery code still work.
    let t2 = t + Duration::seconds(60);
    with_totp(&app, &who, t2).await.unwrap();
    second_factor(&app, &who, "AB12C-9F3E0", t2).await.unwrap();
    let events = app
        .audit_search(&Actor::console(), &Default::default(), t2)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.content.action == "secrets_resealed"
        && e.content.detail.as_deref() == Some("totp_secrets=1 recovery_codes=1")));
}

async fn rotation_moves_secrets_to_the_new_key_and_old_checkpoints_still_verify(db: TestDb) {
    let app = db.app().await;
    let t = Utc::now();
    let who = enrolled(&app, "m@modoc.example", t).await;
    assert!(matches!(
        app.verify_audit(None, t).await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
    let old_key = db.keys().current_id().unwrap().to_owned();

    let rotated = db.keys().rotated(t).unwrap();
    let new_key = rotated.current_id().unwrap().to_owned();
    assert_ne!(new_key, old_key);
    let app = App::open(&db.url, false).await.unwrap().with_keys(rotated);
    let (resealed, verdict) = app.adopt_rotated_key(t).await.unwrap();
    assert_eq!(resealed.totp_secrets, 1);
    match verdict {
        AuditVerdict::Intact { head, .. } => assert_eq!(head.key_id, new_key),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Keyring::totp_key_id(&stored_totp(&app, who.user.id).await),
        Some(new_key.as_str())
    );
    // The checkpoint signed with the old key and the one with the new key both check out.
    match app.verify_audit(None, t).await.unwrap() {
        AuditVerdict::Intact { checkpoints, .. } => assert_eq!(checkpoints, 2),
        other => panic!("{other:?}"),
    }
    // Nobody is locked out: the authenticator, and a recovery code keyed with the old key.
    let t1 = t + Duration::seconds(30);
    with_totp(&app, &who, t1).await.unwrap();
    second_factor(&app, &who, &who.codes[3], t1).await.unwrap();
    // The old key alone no longer opens the secret.
    let stale = App::open(&db.url, false)
        .await
        .unwrap()
        .with_keys(db.keys());
    assert!(matches!(
        with_totp(&stale, &who, t + Duration::seconds(60)).await,
        Err(AppError::InvalidCode)
    ));
    let events = app
        .audit_search(&Actor::console(), &Default::default(), t1)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.content.action == "keys_rotated"
        && e.content.object_id.as_deref() == Some(new_key.as_str())));
}

async fn an_enrollment_begun_under_a_lost_key_starts_afresh(db: TestDb) {
    let app = db.app().await;
    let t = Utc::now();
    let created = account(&app, "t@trinity.example", t).await;
    let begun = app.begin_enrollment(created.user.id, t).await.unwrap();
    assert_eq!(
        app.begin_enrollment(created.user.id, t)
            .await
            .unwrap()
            .secret_base32,
        begun.secret_base32,
        "a page reload resumes the same enrollment"
    );
    // The key file was lost and replaced before the person finished enrolling.
    let replaced = App::open(&db.url, false)
        .await
        .unwrap()
        .with_keys(Keyring::generate(t).unwrap());
    let fresh = replaced.begin_enrollment(created.user.id, t).await.unwrap();
    assert_ne!(fresh.secret_base32, begun.secret_base32);
    assert_eq!(
        Keyring::totp_key_id(&stored_totp(&replaced, created.user.id).await),
        replaced.keys().current_id()
    );
}

async fn api_tokens_end_when_the_password_changes_or_an_administrator_resets_mfa(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Sierra County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (officer, otp) = app
        .user(agency.id, "o@sierra.example", &[Role::SupervisingOfficer])
        .await;
    let (colleague, _) = app
        .user(agency.id, "c@sierra.example", &[Role::SupervisingOfficer])
        .await;
    let mut browser = app.signed_in("o@sierra.example", &otp).await;
    let console = Actor::console();
    let token = |user: &StoredUser| {
        let app = app.app.clone();
        let email = user.email.clone();
        async move {
            app.create_token(&Actor::console(), &email, "sync", None, Utc::now())
                .await
                .unwrap()
                .token
        }
    };
    let me = |token: String| {
        let client = app.client.clone();
        let url = app.url("/api/v1/me");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let before = token(&officer).await;
    let colleagues = token(&colleague).await;
    assert_eq!(me(before.clone()).await, StatusCode::OK);

    browser.page("/account").await;
    browser
        .post(
            "/account/password",
            &[
                ("current", NEW_PASSWORD),
                ("new", "quartz meadow lantern 17"),
                ("confirm", "quartz meadow lantern 17"),
            ],
        )
        .await
        .expect_redirect("/account");
    assert_eq!(me(before).await, StatusCode::UNAUTHORIZED);

    let after = token(&officer).await;
    assert_eq!(me(after.clone()).await, StatusCode::OK);
    app.app
        .administer_user(&console, officer.id, AccountAction::ResetMfa, Utc::now())
        .await
        .unwrap();
    assert_eq!(me(after).await, StatusCode::UNAUTHORIZED);
    // Only that person's tokens end.
    assert_eq!(me(colleagues).await, StatusCode::OK);
}

/// The SQLite database and the WAL and shared-memory files beside it are made readable by
/// their owner only.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let app = db.app().await;
    app.add_agency(
        &Actor::console(),
        "Alpine County Probation",
        AgencyKind::ProbationDepartment,
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    let dir = db.sqlite_dir().unwrap().to_owned();
    for name in ["test.db", "test.db-wal", "test.db-shm"] {
        let mode = std::fs::metadata(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    app.store().clone().close().await.unwrap();
    db.drop_database().await;
}
