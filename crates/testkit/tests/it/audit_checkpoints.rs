//! Signed checkpoints: an audit chain cut short, or rewritten with every later hash recomputed,
//! passes the hash chain but not its signed checkpoints, nor an anchor kept elsewhere.

use chrono::{TimeZone, Utc};
use containment_app::{
    Actor, App, AuditVerdict, AuditVerification, CheckpointOrigin, Client, HeadFault, Keyring,
};
use containment_domain::audit::{SignedHead, chain_hash};
use containment_testkit::{AgencyKind, Backend, Role, TestDb, both_backends};

both_backends!(
    an_untouched_chain_verifies_through_its_checkpoints,
    a_deleted_tail_is_found,
    a_rewritten_and_rehashed_chain_is_found,
    a_forged_checkpoint_is_found,
    an_anchor_round_trips_and_outlasts_deleted_checkpoints,
    the_database_refuses_changes_to_checkpoints,
);

/// An app with an agency, an account and a few sign-in attempts: a dozen events.
async fn app_with_history(db: &TestDb) -> App {
    let app = db.app().await;
    let console = Actor::console();
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let agency = app
        .add_agency(
            &console,
            "Kern County Probation",
            AgencyKind::ProbationDepartment,
            None,
            t,
        )
        .await
        .unwrap();
    app.add_user(
        &console,
        agency.id,
        "k@kern.example",
        "Kim",
        &[Role::SupervisingOfficer],
        t,
    )
    .await
    .unwrap();
    more_events(&app, 4).await;
    app
}

/// `n` failed sign-ins: `n` events.
async fn more_events(app: &App, n: usize) {
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    for _ in 0..n {
        let _ = app
            .sign_in(
                "nobody@kern.example",
                "not a password",
                &Client::default(),
                t,
            )
            .await;
    }
}

async fn verify(app: &App) -> AuditVerdict {
    app.verify_audit(None, Utc::now()).await.unwrap()
}

fn intact(v: AuditVerdict) -> SignedHead {
    match v {
        AuditVerdict::Intact { head, .. } => head,
        other => panic!("expected an intact chain, got {other:?}"),
    }
}

fn broken(v: AuditVerdict) -> (i64, &'static str) {
    match v {
        AuditVerdict::Broken(b) => (b.seq, b.reason),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

/// What the hash chain alone says, as `audit verify` did before checkpoints.
async fn chain_alone_holds(app: &App) -> bool {
    matches!(
        app.store().verify_audit_chain().await.unwrap(),
        AuditVerification::Intact { .. }
    )
}

async fn checkpoint_rows(app: &App) -> usize {
    app.store().audit_checkpoints().await.unwrap().len()
}

async fn an_untouched_chain_verifies_through_its_checkpoints(db: TestDb) {
    let app = app_with_history(&db).await;
    let first = intact(verify(&app).await);
    let events = app.store().audit_count().await.unwrap();
    assert_eq!(first.head.seq, i64::try_from(events).unwrap());
    assert_eq!(checkpoint_rows(&app).await, 1, "verify signs the head");

    // The interval job signs only when the chain grew, and then the new head.
    let again = intact(
        app.checkpoint_audit(CheckpointOrigin::Interval, Utc::now())
            .await
            .unwrap(),
    );
    assert_eq!(again, first, "nothing new: the last checkpoint stands");
    assert_eq!(checkpoint_rows(&app).await, 1);
    more_events(&app, 3).await;
    let grown = intact(
        app.checkpoint_audit(CheckpointOrigin::Interval, Utc::now())
            .await
            .unwrap(),
    );
    assert_eq!(grown.head.seq, first.head.seq + 3);
    assert_eq!(checkpoint_rows(&app).await, 2);

    more_events(&app, 2).await;
    match verify(&app).await {
        AuditVerdict::Intact {
            events,
            checkpoints,
            head,
        } => {
            assert_eq!(events, app.store().audit_count().await.unwrap());
            assert_eq!(checkpoints, 2);
            assert_eq!(head.head.seq, grown.head.seq + 2);
        }
        other => panic!("expected an intact chain, got {other:?}"),
    }
    // Another instance with the same key file agrees.
    let other = App::open(&db.url, false)
        .await
        .unwrap()
        .with_keys(db.keys());
    intact(verify(&other).await);
}

async fn a_deleted_tail_is_found(db: TestDb) {
    let app = app_with_history(&db).await;
    // Removing only events appended after the newest checkpoint is beyond what it can show:
    // that window is what the checkpoint interval bounds.
    let signed = intact(verify(&app).await);
    more_events(&app, 2).await;
    app.store()
        .tamper_audit_for_tests(&format!(
            "DELETE FROM audit_event WHERE seq > {}",
            signed.head.seq
        ))
        .await
        .unwrap();
    intact(verify(&app).await);

    more_events(&app, 3).await;
    let signed = intact(verify(&app).await);
    more_events(&app, 2).await;
    // An attacker with database access removes the newest events: those after the checkpoint
    // and the last two it covers.
    let keep = signed.head.seq - 2;
    app.store()
        .tamper_audit_for_tests(&format!("DELETE FROM audit_event WHERE seq > {keep}"))
        .await
        .unwrap();
    assert!(
        chain_alone_holds(&app).await,
        "the shortened chain still links"
    );
    let (seq, reason) = broken(verify(&app).await);
    assert_eq!(seq, keep + 1, "the first missing event");
    assert!(
        reason.contains("ends before a signed checkpoint"),
        "{reason}"
    );
    // The interval job sees it too, and signs nothing.
    let rows = checkpoint_rows(&app).await;
    broken(
        app.checkpoint_audit(CheckpointOrigin::Interval, Utc::now())
            .await
            .unwrap(),
    );
    assert_eq!(checkpoint_rows(&app).await, rows);
}

async fn a_rewritten_and_rehashed_chain_is_found(db: TestDb) {
    let app = app_with_history(&db).await;
    intact(verify(&app).await);
    more_events(&app, 2).await;
    // The attacker changes event 3 and recomputes every hash after it, so every link holds.
    let tx = app.store().begin().await.unwrap();
    let mut events = tx.audit_events(&Default::default(), 1000).await.unwrap();
    drop(tx);
    events.sort_by_key(|e| e.content.seq);
    let mut sql = String::new();
    let mut prev = events[1].hash.clone();
    for e in events.iter_mut().skip(2) {
        if e.content.seq == 3 {
            e.content.outcome = "denied".into();
        }
        let hash = chain_hash(&prev, &e.content);
        sql.push_str(&format!(
            "UPDATE audit_event SET outcome = '{}', prev_hash = '{prev}', hash = '{hash}' \
             WHERE seq = {};",
            e.content.outcome, e.content.seq
        ));
        prev = hash;
    }
    app.store().tamper_audit_for_tests(&sql).await.unwrap();
    assert!(
        chain_alone_holds(&app).await,
        "the rehashed chain links throughout"
    );
    let (_, reason) = broken(verify(&app).await);
    assert!(
        reason.contains("differs from a signed checkpoint"),
        "{reason}"
    );
    broken(
        app.checkpoint_audit(CheckpointOrigin::Interval, Utc::now())
            .await
            .unwrap(),
    );
}

async fn a_forged_checkpoint_is_found(db: TestDb) {
    let app = app_with_history(&db).await;
    let genuine = intact(verify(&app).await);
    let insert = |s: &SignedHead| {
        format!(
            "INSERT INTO audit_checkpoint (seq, hash, at_ms, key_id, signature, origin) \
             VALUES ({}, '{}', {}, '{}', '{}', 'verify')",
            s.head.seq, s.head.hash, s.at_ms, s.key_id, s.signature
        )
    };
    // Without the key, the attacker can only guess a signature under the real key's id...
    let guessed = SignedHead {
        at_ms: genuine.at_ms + 1,
        signature: "ab".repeat(32),
        ..genuine.clone()
    };
    app.store().execute_admin(&insert(&guessed)).await.unwrap();
    assert_eq!(
        verify(&app).await,
        AuditVerdict::Forged {
            what: "checkpoint",
            seq: genuine.head.seq,
            fault: HeadFault::BadSignature,
        }
    );

    // ...or sign with a key of their own.
    app.store()
        .tamper_audit_for_tests(&format!(
            "DELETE FROM audit_checkpoint WHERE signature = '{}'",
            guessed.signature
        ))
        .await
        .unwrap();
    intact(verify(&app).await);
    let own = Keyring::generate(Utc::now()).unwrap();
    let signed = own.sign_head(genuine.head.clone(), 1).unwrap();
    app.store().execute_admin(&insert(&signed)).await.unwrap();
    assert_eq!(
        verify(&app).await,
        AuditVerdict::Forged {
            what: "checkpoint",
            seq: genuine.head.seq,
            fault: HeadFault::UnknownKey,
        }
    );
}

async fn an_anchor_round_trips_and_outlasts_deleted_checkpoints(db: TestDb) {
    let app = app_with_history(&db).await;
    let anchored = intact(
        app.checkpoint_audit(CheckpointOrigin::Anchor, Utc::now())
            .await
            .unwrap(),
    );
    let line = anchored.anchor_line();
    let anchor = SignedHead::parse_anchor(&line).unwrap();
    assert_eq!(anchor, anchored);
    more_events(&app, 3).await;
    let verified = app.verify_audit(Some(&anchor), Utc::now()).await.unwrap();
    assert_eq!(intact(verified).head.seq, anchor.head.seq + 3);

    // Someone with database access removes the newest events and every checkpoint: the
    // database alone can no longer tell, but the anchor kept outside can.
    app.store()
        .tamper_audit_for_tests(&format!(
            "DELETE FROM audit_event WHERE seq >= {}; DELETE FROM audit_checkpoint",
            anchor.head.seq
        ))
        .await
        .unwrap();
    let (seq, reason) = broken(app.verify_audit(Some(&anchor), Utc::now()).await.unwrap());
    assert_eq!(seq, anchor.head.seq);
    assert!(
        reason.contains("ends before a signed checkpoint"),
        "{reason}"
    );
    intact(verify(&app).await);

    // An anchor edited to match the shortened chain no longer carries a valid signature.
    let moved = SignedHead {
        head: containment_domain::audit::ChainHead {
            seq: anchor.head.seq - 1,
            hash: app
                .store()
                .last_audit_checkpoint()
                .await
                .unwrap()
                .unwrap()
                .head
                .hash,
        },
        ..anchor.clone()
    };
    assert_eq!(
        app.verify_audit(Some(&moved), Utc::now()).await.unwrap(),
        AuditVerdict::Forged {
            what: "anchor",
            seq: moved.head.seq,
            fault: HeadFault::BadSignature,
        }
    );
}

async fn the_database_refuses_changes_to_checkpoints(db: TestDb) {
    let app = app_with_history(&db).await;
    intact(verify(&app).await);
    let store = app.store();
    assert!(
        store
            .execute_admin("UPDATE audit_checkpoint SET seq = 1")
            .await
            .is_err()
    );
    assert!(
        store
            .execute_admin("DELETE FROM audit_checkpoint")
            .await
            .is_err()
    );
    if db.backend == Backend::Postgres {
        assert!(
            store
                .execute_admin("TRUNCATE audit_checkpoint")
                .await
                .is_err()
        );
    }
    assert_eq!(checkpoint_rows(&app).await, 1);
}
