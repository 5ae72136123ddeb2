//! The audit trail: written with every action, append-only, and verifiable.

use chrono::{Duration, TimeZone, Utc};
use containment_app::{Actor, App, AuditVerdict, Client};
use containment_testkit::{AgencyKind, Backend, Role, TestDb, both_backends};

both_backends!(
    sign_ins_and_admin_actions_are_audited,
    the_database_refuses_changes_to_audit_events,
    verify_accepts_an_intact_chain,
    verify_finds_an_edited_event,
    verify_finds_a_deleted_event,
    verify_finds_an_inserted_event,
    concurrent_instances_keep_one_unbroken_chain,
);

/// An app with some history: an agency, two accounts and a few sign-ins.
async fn app_with_history(db: &TestDb) -> App {
    let app = db.app().await;
    let console = Actor::console();
    let t = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let agency = app
        .add_agency(
            &console,
            "Tulare County Probation",
            AgencyKind::ProbationDepartment,
            None,
            t,
        )
        .await
        .unwrap();
    let created = app
        .add_user(
            &console,
            agency.id,
            "t@tulare.example",
            "Terry",
            &[Role::SupervisingOfficer],
            t,
        )
        .await
        .unwrap();
    let client = Client::default();
    let _ = app
        .sign_in("t@tulare.example", "wrong one!", &client, t)
        .await;
    let _ = app
        .sign_in("t@tulare.example", &created.one_time_password, &client, t)
        .await;
    let _ = app
        .sign_in("nobody@tulare.example", "whatever!", &client, t)
        .await;
    app
}

async fn verify(app: &App) -> AuditVerdict {
    app.verify_audit(None, Utc::now()).await.unwrap()
}

/// The number of events of an intact chain.
fn intact(v: AuditVerdict) -> u64 {
    match v {
        AuditVerdict::Intact { events, .. } => events,
        other => panic!("expected an intact chain, got {other:?}"),
    }
}

async fn sign_ins_and_admin_actions_are_audited(db: TestDb) {
    let app = app_with_history(&db).await;
    let events = app
        .audit_search(&Actor::console(), &Default::default(), Utc::now())
        .await
        .unwrap();
    let seen: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.content.action.as_str(),
                e.content.outcome.as_str(),
                e.content.detail.as_deref(),
            )
        })
        .collect();
    for expected in [
        ("agency_create", "success", None),
        ("user_create", "success", None),
        ("sign_in", "failure", Some("wrong_password")),
        ("sign_in_password", "success", None),
        ("sign_in", "failure", Some("unknown_account")),
    ] {
        assert!(
            seen.contains(&expected),
            "{expected:?} missing from {seen:#?}"
        );
    }
    // Timestamps are UTC milliseconds; sequence numbers have no gaps.
    let mut seqs: Vec<i64> = events.iter().map(|e| e.content.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(events.iter().all(|e| e.content.at_ms > 1_700_000_000_000));

    // Non-auditors cannot read the trail; the refusal itself is recorded.
    let officer = Actor {
        user: None,
        channel: containment_app::Channel::Token(1),
        client: Client::default(),
    };
    assert!(
        app.audit_search(&officer, &Default::default(), Utc::now())
            .await
            .is_err()
    );
    let newest = app
        .audit_search(&Actor::console(), &Default::default(), Utc::now())
        .await
        .unwrap();
    assert!(
        newest
            .iter()
            .any(|e| e.content.action == "audit_search" && e.content.outcome == "denied")
    );
}

async fn the_database_refuses_changes_to_audit_events(db: TestDb) {
    let app = app_with_history(&db).await;
    let store = app.store();
    assert!(
        store
            .execute_admin("UPDATE audit_event SET action = 'x' WHERE seq = 1")
            .await
            .is_err()
    );
    assert!(
        store
            .execute_admin("DELETE FROM audit_event WHERE seq = 1")
            .await
            .is_err()
    );
    if db.backend == Backend::Postgres {
        assert!(store.execute_admin("TRUNCATE audit_event").await.is_err());
    }
    intact(verify(&app).await);
}

async fn verify_accepts_an_intact_chain(db: TestDb) {
    let app = app_with_history(&db).await;
    let count = app.store().audit_count().await.unwrap();
    assert!(count >= 5);
    assert_eq!(intact(verify(&app).await), count);
}

fn broken_at(v: AuditVerdict) -> u64 {
    match v {
        AuditVerdict::Broken(b) => b.position,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

async fn verify_finds_an_edited_event(db: TestDb) {
    let app = app_with_history(&db).await;
    app.store()
        .tamper_audit_for_tests("UPDATE audit_event SET outcome = 'success' WHERE seq = 3")
        .await
        .unwrap();
    assert_eq!(broken_at(verify(&app).await), 3);
}

async fn verify_finds_a_deleted_event(db: TestDb) {
    let app = app_with_history(&db).await;
    app.store()
        .tamper_audit_for_tests("DELETE FROM audit_event WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(broken_at(verify(&app).await), 2);
}

async fn verify_finds_an_inserted_event(db: TestDb) {
    let app = app_with_history(&db).await;
    // Make room at sequence 3 and insert a forged event that links correctly to event 2 and
    // carries a correct hash of its own content.
    let tx = app.store().begin().await.unwrap();
    let events = tx.audit_events(&Default::default(), 100).await.unwrap();
    drop(tx);
    let second = events.iter().find(|e| e.content.seq == 2).unwrap();
    let mut forged = second.content.clone();
    forged.seq = 3;
    forged.action = "sign_in".into();
    forged.detail = Some("forged".into());
    forged.actor_user_id = None;
    forged.session_id = None;
    forged.token_id = None;
    forged.client_addr = None;
    forged.waiver_id = None;
    let hash = containment_domain::audit::chain_hash(&second.hash, &forged);
    app.store()
        .tamper_audit_for_tests(&format!(
            "UPDATE audit_event SET seq = seq + 1000000 WHERE seq >= 3; \
             UPDATE audit_event SET seq = seq - 999999 WHERE seq >= 1000000; \
             INSERT INTO audit_event (seq, at_ms, actor_user_id, session_id, token_id, client_addr, \
               action, object_kind, object_id, outcome, waiver_id, detail, prev_hash, hash) \
             VALUES (3, {}, NULL, NULL, NULL, NULL, 'sign_in', {}, {}, '{}', NULL, 'forged', '{}', '{}')",
            forged.at_ms,
            forged.object_kind.as_deref().map_or("NULL".into(), |k| format!("'{k}'")),
            forged.object_id.as_deref().map_or("NULL".into(), |k| format!("'{k}'")),
            forged.outcome,
            second.hash,
            hash,
        ))
        .await
        .unwrap();
    // The forged event itself checks out; the one after it no longer links.
    assert_eq!(broken_at(verify(&app).await), 4);
}

async fn concurrent_instances_keep_one_unbroken_chain(db: TestDb) {
    let app = app_with_history(&db).await;
    let before = app.store().audit_count().await.unwrap();
    let mut tasks = Vec::new();
    for instance in 0..3 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let app = App::open(&url, false).await.unwrap();
            let t = Utc::now() + Duration::seconds(instance);
            for _ in 0..8 {
                let _ = app
                    .sign_in("ghost@tulare.example", "no such pw", &Client::default(), t)
                    .await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let after = app.store().audit_count().await.unwrap();
    assert_eq!(after, before + 24);
    assert_eq!(intact(verify(&app).await), after);
}
