//! Connecting, migrating and bootstrapping, on each backend.

use chrono::{TimeZone, Utc};
use containment_app::App;
use containment_domain::Email;
use containment_testkit::{Backend, TestDb, both_backends, postgres_server_url, run_on};

both_backends!(
    migrations_apply_and_are_idempotent,
    sqlite_connection_settings_take_effect,
    first_admin_is_created_once,
    concurrent_instances_migrate_and_bootstrap_once,
    every_foreign_key_and_filtered_column_leads_an_index,
);

async fn migrations_apply_and_are_idempotent(db: TestDb) {
    let store = db.connect().await;
    let before = store.migration_states().await.unwrap();
    assert!(!before.is_empty());
    assert!(
        before.iter().all(|m| !m.applied),
        "a new database has nothing applied"
    );
    assert_eq!(store.pending_migrations().await.unwrap(), before.len());

    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    let after = store.migration_states().await.unwrap();
    assert!(after.iter().all(|m| m.applied));
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    let tables: Vec<_> = store
        .schema_shape()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.table)
        .collect();
    for table in [
        "agency",
        "app_user",
        "user_role",
        "user_session",
        "api_token",
        "audit_event",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} missing");
    }
}

async fn sqlite_connection_settings_take_effect(db: TestDb) {
    let store = db.connect().await;
    if db.backend != Backend::Sqlite {
        assert_eq!(store.sqlite_pragma("journal_mode").await.unwrap(), None);
        return;
    }
    assert_eq!(
        store
            .sqlite_pragma("journal_mode")
            .await
            .unwrap()
            .as_deref(),
        Some("wal")
    );
    assert_eq!(
        store
            .sqlite_pragma("foreign_keys")
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );
    let timeout: i64 = store
        .sqlite_pragma("busy_timeout")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(timeout >= 5000, "busy_timeout is {timeout} ms");
}

async fn first_admin_is_created_once(db: TestDb) {
    let app = App::open(&db.url, true).await.unwrap();
    let email = Email::parse("Admin@County.example").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
    let first = app
        .ensure_first_admin(&email, now)
        .await
        .unwrap()
        .expect("created");
    assert_eq!(first.email.as_str(), "admin@county.example");
    assert_eq!(first.one_time_password.len(), 23);

    let tx = app.store().begin().await.unwrap();
    let stored = tx.user_by_email(&email).await.unwrap().unwrap();
    assert_eq!(stored.roles, vec![containment_domain::Role::SystemAdmin]);
    assert!(stored.must_change_password);
    assert!(!stored.disabled);
    let hash = tx.credentials(stored.id).await.unwrap().password_hash;
    drop(tx);
    assert!(hash.starts_with("$argon2id$"), "only a hash is stored");
    assert!(!hash.contains(&first.one_time_password));
    assert!(
        containment_app::password::verify(first.one_time_password.clone(), hash)
            .await
            .unwrap()
    );

    // A second start finds the administrator and prints nothing.
    assert!(app.ensure_first_admin(&email, now).await.unwrap().is_none());
    let other = Email::parse("second@county.example").unwrap();
    assert!(app.ensure_first_admin(&other, now).await.unwrap().is_none());
    assert_eq!(app.store().count_users().await.unwrap(), 1);
}

async fn concurrent_instances_migrate_and_bootstrap_once(db: TestDb) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
    let email = Email::parse("admin@localhost").unwrap();
    let mut starts = Vec::new();
    for _ in 0..3 {
        let url = db.url.clone();
        let email = email.clone();
        starts.push(tokio::spawn(async move {
            let app = App::open(&url, true).await.expect("instance starts");
            app.ensure_first_admin(&email, now)
                .await
                .expect("bootstrap")
        }));
    }
    let mut created = 0;
    for start in starts {
        if start.await.unwrap().is_some() {
            created += 1;
        }
    }
    assert_eq!(created, 1, "exactly one instance creates the administrator");
    let store = db.connect().await;
    assert_eq!(store.count_users().await.unwrap(), 1);
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
}

/// Both backends end with the same tables, columns, type families, nullability and keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_end_with_the_same_schema() {
    if postgres_server_url().is_none() {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    }
    run_on(Backend::Sqlite, |sqlite| async move {
        let sqlite_shape = sqlite.migrated().await.schema_shape().await.unwrap();
        run_on(Backend::Postgres, |pg| async move {
            let pg_shape = pg.migrated().await.schema_shape().await.unwrap();
            assert!(!pg_shape.is_empty());
            assert!(
                sqlite_shape.iter().all(|c| !c.family.starts_with("other:")),
                "unmapped SQLite type in {sqlite_shape:#?}"
            );
            assert_eq!(sqlite_shape, pg_shape);
        })
        .await;
    })
    .await;
}

/// Columns the storage queries filter on (`grep -n "Column::.*Id.eq\|Column::.*Id.is_in"
/// crates/storage/src/*.rs`, and the columns hand-built queries join on), declared foreign keys
/// or not. Each entry must be the leading columns of an index, in any order: `audit_event`'s
/// object is always looked up by kind and id together.
const FILTERED_COLUMNS: &[(&str, &[&str])] = &[
    ("api_token", &["user_id"]),
    ("app_user", &["agency_id"]),
    ("assessment", &["supervisee_id"]),
    ("audit_event", &["actor_user_id"]),
    ("audit_event", &["object_kind", "object_id"]),
    ("calendar_feed", &["user_id"]),
    ("case_document", &["supervisee_id"]),
    ("certification", &["holder_agency_id"]),
    ("certification", &["holder_user_id"]),
    ("contact", &["supervisee_id"]),
    ("court_case", &["supervisee_id"]),
    ("exemption", &["supervisee_id"]),
    ("monthly_report", &["supervisee_id"]),
    ("notification", &["user_id"]),
    ("polygraph_exam", &["supervisee_id"]),
    ("polygraph_followup", &["supervisee_id"]),
    ("polygraph_referral", &["supervisee_id"]),
    ("recovery_code", &["user_id"]),
    ("risk_score", &["supervisee_id"]),
    ("score_step", &["supervisee_id"]),
    ("self_report", &["supervisee_id"]),
    ("sign_in_attempt", &["user_id"]),
    ("supervisee", &["owning_agency_id"]),
    ("supervisee_alias", &["supervisee_id"]),
    ("supervision_episode", &["supervisee_id"]),
    ("team_member", &["episode_id"]),
    ("team_member", &["user_id"]),
    ("team", &["jurisdiction"]),
    ("team", &["parent_id"]),
    ("team_activity", &["owner_user_id", "due_on"]),
    ("team_activity", &["team_id"]),
    ("team_goal", &["team_id"]),
    ("team_leader_term", &["team_id"]),
    ("team_leader_term", &["user_id"]),
    ("team_roster", &["team_id"]),
    ("team_roster", &["user_id"]),
    ("team_staff", &["team_id"]),
    ("team_staff", &["user_id"]),
    ("treatment", &["supervisee_id"]),
    ("treatment_contract", &["supervisee_id"]),
    ("treatment_module", &["supervisee_id"]),
    ("treatment_session", &["supervisee_id"]),
    ("user_role", &["user_id"]),
    ("user_session", &["user_id"]),
    ("waiver", &["supervisee_id"]),
];

async fn every_foreign_key_and_filtered_column_leads_an_index(db: TestDb) {
    let store = db.migrated().await;
    let indexes = store.index_shapes().await.unwrap();
    let shape = store.schema_shape().await.unwrap();
    let mut wanted: Vec<(String, Vec<String>, String)> = store
        .foreign_key_shapes()
        .await
        .unwrap()
        .into_iter()
        .map(|fk| {
            let why = format!("foreign key to {}", fk.references);
            (fk.table, fk.columns, why)
        })
        .collect();
    assert!(wanted.len() > 20, "the schema reader found only {wanted:?}");
    for (table, columns) in FILTERED_COLUMNS {
        // A listed column that no longer exists is a mistake in the list, not a pass.
        for column in *columns {
            assert!(
                shape
                    .iter()
                    .any(|c| c.table == *table && c.column == *column),
                "{table}.{column} is listed as filtered but does not exist"
            );
        }
        wanted.push((
            (*table).to_owned(),
            columns.iter().map(|c| (*c).to_owned()).collect(),
            "filtered on".to_owned(),
        ));
    }
    let mut missing: Vec<String> = wanted
        .iter()
        .filter(|(table, columns, _)| {
            !indexes.iter().any(|ix| {
                ix.table == *table
                    && ix.columns.len() >= columns.len()
                    && columns
                        .iter()
                        .all(|c| ix.columns[..columns.len()].contains(c))
            })
        })
        .map(|(table, columns, why)| format!("{table}({}): {why}", columns.join(", ")))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "columns that lead no index on {}:\n{}",
        db.backend.name(),
        missing.join("\n")
    );
}
