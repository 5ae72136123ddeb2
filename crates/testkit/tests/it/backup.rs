//! Backups, restores and copies between backends: taken while writes go on, they restore to a
//! database that serves, holds every row with its ids and passes the audit verification.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use containment_app::{
    Actor, App, ArchiveError, AuditVerdict, CaseloadQuery, Channel, Keyring, Store,
};
use containment_domain::case::local_date;
use containment_testkit::{AgencyKind, Backend, Role, TestDb, both_backends, run_on};
use serde_json::Value;
use tokio::sync::mpsc;

both_backends!(
    a_backup_taken_under_writes_restores_to_a_database_that_serves,
    restore_refuses_a_database_that_holds_data,
    a_damaged_or_foreign_file_changes_nothing,
    every_table_of_the_schema_is_in_the_archive,
    a_backup_of_an_older_schema_restores_and_migrates,
    tables_read_in_many_batches_lose_no_row,
);

/// Writes that go on beside a backup: agencies added one after the other, each with its audit
/// event in the same transaction.
struct Writes {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Writes {
    fn start(app: App) -> Writes {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let (stop, done) = (stop.clone(), done.clone());
            async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    app.add_agency(
                        &Actor::console(),
                        &format!("Writer agency {n}"),
                        AgencyKind::ProbationDepartment,
                        None,
                        Utc::now(),
                    )
                    .await
                    .expect("a write beside the backup");
                    done.store(n, Ordering::Relaxed);
                }
            }
        });
        Writes { stop, done, task }
    }

    /// Waits until at least `n` writes are acknowledged.
    async fn reach(&self, n: u64) {
        while self.done.load(Ordering::Relaxed) < n {
            assert!(!self.task.is_finished(), "the writer stopped");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn count(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("the writer never failed");
        self.done.load(Ordering::Relaxed)
    }
}

/// A database filled as a deployment would be: demo cases and people, audited actions and a
/// signed checkpoint.
async fn filled(db: &TestDb) -> App {
    let app = db.app().await;
    app.generate_demo(12, 3, Utc::now(), |_| {})
        .await
        .expect("demo data");
    app.add_agency(
        &Actor::console(),
        "Inyo County Probation",
        AgencyKind::ProbationDepartment,
        Some("Inyo"),
        Utc::now(),
    )
    .await
    .unwrap();
    intact(&app).await;
    app
}

async fn intact(app: &App) -> u64 {
    match app.verify_audit(None, Utc::now()).await.unwrap() {
        AuditVerdict::Intact { events, .. } => events,
        other => panic!("the audit trail does not verify: {other:?}"),
    }
}

/// A filled database and a backup of it in a scratch folder.
async fn backed_up(db: &TestDb) -> (App, PathBuf, PathBuf) {
    let app = filled(db).await;
    let dir = scratch_dir();
    let path = backup_path(&dir);
    app.backup_to_file(&Actor::console(), &path, Utc::now())
        .await
        .unwrap();
    (app, dir, path)
}

fn backup_path(dir: &Path) -> PathBuf {
    dir.join(format!("backup-{}.gz", uuid::Uuid::new_v4().simple()))
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "containment-backup-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The application on an empty database of `backend` that shares `keys` (the deployment's key
/// file), unmigrated, as `containment restore` opens it.
async fn empty_target(backend: Backend, keys: Keyring) -> (TestDb, App) {
    let target = TestDb::create(backend)
        .await
        .expect("the backend is set up");
    let app = App::open(&target.url, false).await.unwrap().with_keys(keys);
    (target, app)
}

/// The lines of a backup file.
fn file_lines(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    std::io::BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The archive of a database, read into memory.
async fn archive_lines(store: &Store) -> Vec<String> {
    archive_lines_in_batches(store, 500).await
}

async fn archive_lines_in_batches(store: &Store, batch: u64) -> Vec<String> {
    let (sender, mut receiver) = mpsc::channel(16);
    let collect = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(line) = receiver.recv().await {
            lines.push(line);
        }
        lines
    });
    store
        .write_archive_in_batches(&sender, Utc::now(), batch)
        .await
        .unwrap();
    drop(sender);
    collect.await.unwrap()
}

/// Each table's rows, as maps of column to value, in key order.
type Tables = BTreeMap<String, Vec<serde_json::Map<String, Value>>>;

fn tables(lines: &[String]) -> Tables {
    let mut out = Tables::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in &lines[1..] {
        let value: Value = serde_json::from_str(line).unwrap();
        match value {
            Value::Array(cells) => {
                let (table, columns) = current.as_ref().unwrap();
                let row = columns.iter().cloned().zip(cells).collect();
                out.get_mut(table).unwrap().push(row);
            }
            head if head["table"].is_string() => {
                let table = head["table"].as_str().unwrap().to_owned();
                let columns = head["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c[0].as_str().unwrap().to_owned())
                    .collect();
                out.insert(table.clone(), Vec::new());
                current = Some((table, columns));
            }
            _ => current = None,
        }
    }
    out
}

/// PostgreSQL keeps timestamps to the microsecond: values are compared at that precision.
fn to_microseconds(tables: &mut Tables) {
    for rows in tables.values_mut() {
        for row in rows {
            for value in row.values_mut() {
                if let Some(t) = value
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                {
                    let t = t.with_timezone(&Utc);
                    let micros = t.timestamp_micros();
                    let t = DateTime::<Utc>::from_timestamp_micros(micros).unwrap();
                    *value = Value::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
                }
            }
        }
    }
}

/// `after` holds every row of `before` unchanged, and nothing else but the restore's own
/// additions to the trail: its audit event and the checkpoints of verifications since.
fn carried_over(before: &Tables, after: &Tables) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, rows) in before {
        let restored = &after[table];
        match table.as_str() {
            "audit_event" | "audit_checkpoint" => {
                assert_eq!(
                    &restored[..rows.len()],
                    &rows[..],
                    "{table}: the trail as it was"
                );
                if table == "audit_event" {
                    let added: Vec<&Value> = restored[rows.len()..]
                        .iter()
                        .map(|r| &r["action"])
                        .collect();
                    assert_eq!(added, vec!["database_restored"], "only the restore is new");
                }
            }
            "readiness_probe" => {}
            // The restore itself changes every case's facts: the counter moves on from the
            // backup's, never back.
            "case_facts_generation" => {
                let generation = |t: &[serde_json::Map<String, Value>]| {
                    t.first().map_or(0, |r| r["generation"].as_i64().unwrap())
                };
                assert!(
                    generation(restored) > generation(rows),
                    "{restored:?} {rows:?}"
                );
            }
            _ => assert_eq!(restored, rows, "{table}: every row with its ids"),
        }
    }
}

/// The writer agencies of a snapshot; asserts that every one has its audit event and every
/// agency-creating event its agency, as one transaction wrote them.
fn writer_agencies(t: &Tables) -> usize {
    let ids: Vec<String> = t["agency"].iter().map(|a| a["id"].to_string()).collect();
    let created: Vec<String> = t["audit_event"]
        .iter()
        .filter(|e| e["action"] == "agency_create" && e["outcome"] == "success")
        .map(|e| e["object_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &created {
        assert!(ids.contains(id), "an event without its agency {id}");
    }
    let writers: Vec<String> = t["agency"]
        .iter()
        .filter(|a| a["name"].as_str().unwrap().starts_with("Writer agency"))
        .map(|a| a["id"].to_string())
        .collect();
    for id in &writers {
        assert!(created.contains(id), "agency {id} without its event");
    }
    writers.len()
}

/// A supervising officer of the demo data, acting through the API.
async fn officer(app: &App) -> Actor {
    let officer = app
        .users(&Actor::console())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.roles.contains(&Role::SupervisingOfficer))
        .expect("an officer");
    let user = app
        .user_by_email(&Actor::console(), officer.email.as_str())
        .await
        .unwrap();
    Actor {
        user: Some(user),
        channel: Channel::Token(0),
        client: Default::default(),
    }
}

/// The first case of the officer's caseload.
async fn first_case(app: &App, actor: &Actor) -> i64 {
    let now = Utc::now();
    let (entries, total) = app
        .caseload(
            actor,
            &CaseloadQuery {
                per_page: 25,
                ..Default::default()
            },
            now,
            local_date(now),
        )
        .await
        .unwrap();
    assert!(total > 0, "the officer's caseload is there");
    entries[0].row.supervisee_id
}

/// The restored database serves: an officer of the demo reads their caseload and a case, and
/// new records get ids past every id carried over (a counter left behind would collide).
async fn serves(app: &App) {
    let actor = officer(app).await;
    let now = Utc::now();
    let id = first_case(app, &actor).await;
    let case = app
        .case_view(&actor, id, now, local_date(now))
        .await
        .unwrap();
    assert_eq!(case.supervisee.id, id);
    for county in ["Mono", "Alpine"] {
        app.add_agency(
            &Actor::console(),
            &format!("{county} County Probation"),
            AgencyKind::ProbationDepartment,
            Some(county),
            now,
        )
        .await
        .unwrap();
    }
    attach_document(app).await;
}

/// Stores a document (binary content) on the officer's first case; returns its id and bytes.
async fn attach_document(app: &App) -> (i64, Vec<u8>) {
    let actor = officer(app).await;
    let case = first_case(app, &actor).await;
    let mut content = b"\x89PNG\r\n\x1a\n".to_vec();
    content.extend((0..=255u8).cycle().take(70_000));
    let id = app
        .upload_document(
            &actor,
            case,
            &containment_app::DocumentInput {
                kind: "rap_sheet".into(),
                file_name: "rap.png".into(),
                ..Default::default()
            },
            content.clone(),
            Utc::now(),
        )
        .await
        .unwrap();
    (id, content)
}

async fn a_backup_taken_under_writes_restores_to_a_database_that_serves(db: TestDb) {
    let app = filled(&db).await;
    let dir = scratch_dir();
    let path = backup_path(&dir);
    let writes = Writes::start(db.app().await);
    writes.reach(3).await;
    let before = writes.count();
    let summary = app
        .backup_to_file(&Actor::console(), &path, Utc::now())
        .await
        .unwrap();
    let after = writes.count();
    let total = writes.stop().await;
    assert!(total >= after);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup is readable by its owner only");
    }
    let archived = tables(&file_lines(&path));
    assert_eq!(
        summary.rows,
        archived.values().map(|r| r.len() as u64).sum::<u64>()
    );
    // One snapshot: every agency a writer added has its audit event, and the backup holds
    // what was acknowledged before it began, perhaps more, never what came after it ended.
    let writers = writer_agencies(&archived) as u64;
    assert!(
        writers >= before && writers <= after,
        "{before} <= {writers} <= {after}"
    );
    // The backup's own event is in it.
    assert!(
        archived["audit_event"]
            .iter()
            .any(|e| e["action"] == "database_backup")
    );

    let (target, restored) = empty_target(db.backend, db.keys()).await;
    let loaded = restored
        .restore_from_file(&Actor::console(), &path, false, Utc::now())
        .await
        .unwrap();
    assert_eq!(loaded.rows, summary.rows);
    assert_eq!(loaded.migrations, summary.migrations);
    assert_eq!(
        restored.store().pending_migrations().await.unwrap(),
        0,
        "the migrations' state came along"
    );
    let events = intact(&restored).await;
    assert_eq!(events as usize, archived["audit_event"].len() + 1);
    carried_over(&archived, &tables(&archive_lines(restored.store()).await));
    serves(&restored).await;
    intact(&restored).await;
    restored.store().clone().close().await.ok();
    target.drop_database().await;
    let _ = std::fs::remove_dir_all(dir);
}

async fn restore_refuses_a_database_that_holds_data(db: TestDb) {
    let (app, dir, path) = backed_up(&db).await;
    // A backup never replaces a file.
    let again = app
        .backup_to_file(&Actor::console(), &path, Utc::now())
        .await;
    assert!(matches!(again, Err(ArchiveError::Io(m)) if m.contains("already exists")));

    let (target, other) = empty_target(db.backend, db.keys()).await;
    other.migrate().await.unwrap();
    // A migrated database without rows is empty.
    other
        .restore_from_file(&Actor::console(), &path, false, Utc::now())
        .await
        .unwrap();
    let counts = other.store().table_row_counts().await.unwrap();
    let refused = other
        .restore_from_file(&Actor::console(), &path, false, Utc::now())
        .await;
    match refused {
        Err(ArchiveError::NotEmpty(tables)) => {
            assert!(tables.contains(&"agency".to_owned()), "{tables:?}")
        }
        other => panic!("a database with data is refused, got {other:?}"),
    }
    assert_eq!(other.store().table_row_counts().await.unwrap(), counts);

    // Forced, everything is replaced: what only the target had is gone.
    other
        .add_agency(
            &Actor::console(),
            "Only in the target",
            AgencyKind::Court,
            None,
            Utc::now(),
        )
        .await
        .unwrap();
    other
        .restore_from_file(&Actor::console(), &path, true, Utc::now())
        .await
        .unwrap();
    let now_there = tables(&archive_lines(other.store()).await);
    assert!(
        !now_there["agency"]
            .iter()
            .any(|a| a["name"] == "Only in the target")
    );
    carried_over(&tables(&file_lines(&path)), &now_there);
    intact(&other).await;
    // Only the console restores.
    let officer = Actor {
        user: None,
        channel: Channel::Token(0),
        client: Default::default(),
    };
    assert!(matches!(
        other
            .restore_from_file(&officer, &path, true, Utc::now())
            .await,
        Err(ArchiveError::Forbidden(_))
    ));
    other.store().clone().close().await.ok();
    target.drop_database().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Writes `lines` as a backup file would hold them.
fn write_gz(path: &Path, lines: &[String]) {
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    for line in lines {
        gz.write_all(line.as_bytes()).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    gz.finish().unwrap();
}

async fn a_damaged_or_foreign_file_changes_nothing(db: TestDb) {
    let (app, dir, path) = backed_up(&db).await;
    let lines = file_lines(&path);
    let before = app.store().table_row_counts().await.unwrap();
    let restore = |file: PathBuf| {
        let app = app.clone();
        async move {
            app.restore_from_file(&Actor::console(), &file, true, Utc::now())
                .await
        }
    };

    // Cut short: the trailer is missing.
    let cut = dir.join("cut.gz");
    write_gz(&cut, &lines[..lines.len() / 2]);
    let r = restore(cut).await;
    assert!(
        matches!(&r, Err(ArchiveError::Format(m)) if m.contains("incomplete")),
        "{r:?}"
    );
    // A value changed: the checksum no longer matches.
    let mut altered = lines.clone();
    let row = altered
        .iter()
        .position(|l| l.contains("Inyo County Probation"))
        .unwrap();
    altered[row] = altered[row].replace("Inyo County Probation", "Mono County Probation");
    let changed = dir.join("changed.gz");
    write_gz(&changed, &altered);
    let r = restore(changed).await;
    assert!(
        matches!(&r, Err(ArchiveError::Format(m)) if m.contains("checksum")),
        "{r:?}"
    );
    // The gzip stream itself broken off mid-way.
    let bytes = std::fs::read(&path).unwrap();
    let torn = dir.join("torn.gz");
    std::fs::write(&torn, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert!(matches!(restore(torn).await, Err(ArchiveError::Format(_))));
    // Not a backup at all.
    let text = dir.join("notes.txt");
    std::fs::write(&text, "supervisee,notes\n").unwrap();
    let r = restore(text).await;
    assert!(
        matches!(&r, Err(ArchiveError::Format(m)) if m.contains("not a Containment backup")),
        "{r:?}"
    );
    let other_json = dir.join("other.gz");
    write_gz(&other_json, &["{\"hello\":1}".to_owned()]);
    assert!(matches!(
        restore(other_json).await,
        Err(ArchiveError::Format(_))
    ));
    // From a newer release.
    let mut newer = lines.clone();
    let mut header: Value = serde_json::from_str(&newer[0]).unwrap();
    header["migrations"]
        .as_array_mut()
        .unwrap()
        .push(Value::from("m20991231_000999_future"));
    newer[0] = header.to_string();
    let future = dir.join("future.gz");
    write_gz(&future, &newer);
    assert!(matches!(
        restore(future).await,
        Err(ArchiveError::NewerRelease(m)) if m == "m20991231_000999_future"
    ));
    assert!(matches!(
        restore(dir.join("missing.gz")).await,
        Err(ArchiveError::Io(m)) if m.contains("cannot read")
    ));

    // Every refusal left the database as it was, and it still verifies.
    assert_eq!(app.store().table_row_counts().await.unwrap(), before);
    intact(&app).await;
    let _ = std::fs::remove_dir_all(dir);
}

async fn every_table_of_the_schema_is_in_the_archive(db: TestDb) {
    let store = db.migrated().await;
    let mut schema: Vec<String> = store
        .schema_shape()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.table)
        .collect();
    schema.push("seaql_migrations".to_owned());
    schema.sort();
    schema.dedup();
    let archived = tables(&archive_lines(&store).await);
    assert_eq!(archived.keys().cloned().collect::<Vec<_>>(), schema);
    // Every column's type is one the archive carries.
    for c in store.schema_shape().await.unwrap() {
        assert!(
            containment_storage::ARCHIVE_FAMILIES.contains(&c.family.as_str()),
            "{}.{} is {}",
            c.table,
            c.column,
            c.family
        );
    }
}

/// A deployment on SQLite moves to PostgreSQL while writes go on, and back again: every table,
/// row and id, the migrations' state and a trail that verifies, on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_from_sqlite_to_postgres_and_back() {
    run_on(Backend::Sqlite, |db| async move {
        let Some(pg) = TestDb::create(Backend::Postgres).await else {
            eprintln!("skipped: copying to PostgreSQL needs TEST_DATABASE_URL");
            return;
        };
        let app = filled(&db).await;
        let document = attach_document(&app).await;
        let writes = Writes::start(db.app().await);
        writes.reach(3).await;
        let target = Store::connect(&pg.url).await.unwrap();
        let copied = app
            .copy_to(&Actor::console(), &target, false, Utc::now())
            .await
            .unwrap();
        writes.stop().await;
        let on_pg = App::new(target).with_keys(db.keys());
        let pg_events = intact(&on_pg).await;
        assert_eq!(on_pg.store().pending_migrations().await.unwrap(), 0);
        let mut pg_tables = tables(&archive_lines(on_pg.store()).await);
        assert_eq!(
            copied.rows,
            pg_tables.values().map(|r| r.len() as u64).sum::<u64>() - 2,
            "every row, with the restore's event and the verification's checkpoint besides"
        );
        assert!(writer_agencies(&pg_tables) >= 3);
        serves(&on_pg).await;
        // The document's bytes arrive as they were.
        let doc = pg_tables["case_document"]
            .iter()
            .find(|d| d["id"] == document.0)
            .unwrap();
        assert_eq!(doc["content"], Value::from(hex::encode(&document.1)));

        // Refused into a target with data, unless forced.
        let (back_db, back) = empty_target(Backend::Sqlite, db.keys()).await;
        back.migrate().await.unwrap();
        back.add_agency(
            &Actor::console(),
            "Here first",
            AgencyKind::Court,
            None,
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(matches!(
            on_pg
                .copy_to(&Actor::console(), back.store(), false, Utc::now())
                .await,
            Err(ArchiveError::NotEmpty(_))
        ));
        pg_tables = tables(&archive_lines(on_pg.store()).await);
        on_pg
            .copy_to(&Actor::console(), back.store(), true, Utc::now())
            .await
            .unwrap();
        intact(&back).await;
        let mut back_tables = tables(&archive_lines(back.store()).await);
        // The copy's own event on PostgreSQL came after the snapshot's start: it is in the
        // copy, and the restore's event after it.
        to_microseconds(&mut pg_tables);
        to_microseconds(&mut back_tables);
        let copy_event = back_tables["audit_event"][pg_tables["audit_event"].len()].clone();
        assert_eq!(copy_event["action"], "database_copy");
        back_tables
            .get_mut("audit_event")
            .unwrap()
            .remove(pg_tables["audit_event"].len());
        carried_over(&pg_tables, &back_tables);
        assert!(pg_events > 0);
        back.store().clone().close().await.ok();
        back_db.drop_database().await;
        on_pg.store().clone().close().await.ok();
        pg.drop_database().await;
    })
    .await;
}

/// Rewrites the archive as the release before the newest migration would have written it: that
/// migration's table gone, its bookkeeping row and header entry too, the trailer recomputed.
fn one_release_older(lines: &[String]) -> (Vec<String>, String) {
    use sha2::{Digest, Sha256};
    let mut header: Value = serde_json::from_str(&lines[0]).unwrap();
    let newest = header["migrations"]
        .as_array_mut()
        .unwrap()
        .pop()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    // The newest migration makes these tables. When a later migration lands, name what it
    // makes.
    let its_tables: &[&str] = match newest.as_str() {
        "m20261203_000023_teams" => &[
            "team",
            "team_goal",
            "team_roster",
            "team_leader_term",
            "team_staff",
            "team_activity",
            "team_activity_note",
        ],
        other => panic!("a new migration {other}: say here which tables it makes"),
    };
    let mut out = vec![header.to_string()];
    let mut skipping = false;
    let (mut tables, mut rows) = (0u64, 0u64);
    for line in &lines[1..lines.len() - 1] {
        let value: Value = serde_json::from_str(line).unwrap();
        if value["table"].is_string() {
            skipping = its_tables.iter().any(|t| value["table"] == *t);
            if !skipping {
                tables += 1;
            }
        }
        if skipping || (value.is_array() && value[0] == newest.as_str()) {
            continue;
        }
        if value.is_array() {
            rows += 1;
        }
        if value["end"] == "seaql_migrations" {
            out.push(serde_json::json!({"end": "seaql_migrations", "rows": value["rows"].as_u64().unwrap() - 1}).to_string());
            continue;
        }
        out.push(line.clone());
    }
    let mut hash = Sha256::new();
    for line in &out {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    out.push(
        serde_json::json!({
            "end_of_archive": true,
            "tables": tables,
            "rows": rows,
            "sha256": hex::encode(hash.finalize()),
        })
        .to_string(),
    );
    (out, newest)
}

async fn a_backup_of_an_older_schema_restores_and_migrates(db: TestDb) {
    let (_, dir, path) = backed_up(&db).await;
    let (older, newest) = one_release_older(&file_lines(&path));
    let old_file = dir.join("older.gz");
    write_gz(&old_file, &older);
    let (target, restored) = empty_target(db.backend, db.keys()).await;
    let loaded = restored
        .restore_from_file(&Actor::console(), &old_file, false, Utc::now())
        .await
        .unwrap();
    assert!(!loaded.migrations.contains(&newest));
    let states = restored.migration_states().await.unwrap();
    let pending: Vec<&str> = states
        .iter()
        .filter(|m| !m.applied)
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(
        pending,
        vec![newest.as_str()],
        "restored at the backup's schema"
    );
    restored.migrate().await.unwrap();
    intact(&restored).await;
    serves(&restored).await;
    restored.store().clone().close().await.ok();
    target.drop_database().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Every table read a few rows at a time (keys of one column and of several, text and integer,
/// binary content): the archive has each row of the database once, in key order, and restores.
async fn tables_read_in_many_batches_lose_no_row(db: TestDb) {
    let app = filled(&db).await;
    for _ in 0..3 {
        attach_document(&app).await;
    }
    let small_batches = archive_lines_in_batches(app.store(), 2).await;
    let archived = tables(&small_batches);
    let counts = app.store().table_row_counts().await.unwrap();
    for (table, count) in &counts {
        assert_eq!(archived[table].len() as u64, *count, "{table}");
    }
    assert!(counts.iter().filter(|(_, n)| *n > 4).count() > 10);
    assert!(archived["user_role"].len() > 4, "a key of two columns");
    // The same lines as read in the usual batches.
    let mut usual = archive_lines(app.store()).await;
    let mut small = small_batches;
    for lines in [&mut usual, &mut small] {
        lines.remove(0);
        lines.pop();
    }
    assert_eq!(small, usual);
}
