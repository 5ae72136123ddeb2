//! The `containment` binary's commands and exit codes, run as an operator would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use containment_storage::Store;
use containment_testkit::{postgres_server_url, with_database_name};

struct Data {
    dir: std::path::PathBuf,
    /// A PostgreSQL database to use instead of the data folder's SQLite file.
    database: Option<String>,
    /// Removed when the test ends: the data folder or the folder it is to be made in.
    root: std::path::PathBuf,
}

impl Data {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("containment-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Data {
            root: dir.clone(),
            dir,
            database: None,
        }
    }

    /// A data folder that does not exist yet, for the first start to make.
    fn unmade() -> Self {
        let root =
            std::env::temp_dir().join(format!("containment-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&root).unwrap();
        Data {
            dir: root.join("data"),
            root,
            database: None,
        }
    }

    fn url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.join("containment.db").display()
        )
    }

    /// Points a command at this data folder, and at this database when it is not the folder's
    /// own SQLite file.
    fn configure<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.env("CONTAINMENT_DATA_DIR", &self.dir);
        match &self.database {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.configure(&mut Command::new(env!("CARGO_BIN_EXE_containment")))
            .args(args)
            .output()
            .expect("run containment")
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn help_lists_every_command() {
    let data = Data::new();
    let help = data.run(&["--help"]);
    ok(&help);
    let text = stdout(&help);
    for cmd in ["serve", "migrate", "user", "agency", "token", "audit"] {
        assert!(text.contains(cmd), "--help lacks {cmd}");
    }
    for sub in [
        ["user", "--help"],
        ["token", "--help"],
        ["audit", "--help"],
        ["serve", "--help"],
    ] {
        ok(&data.run(&sub));
    }
}

/// A command that only reads, pointed at a data folder that holds no database, says so and
/// leaves nothing behind: no folder, no empty database that would later look like a real one.
#[test]
fn reading_commands_refuse_a_missing_database_and_create_nothing() {
    let data = Data::unmade();
    let file = data.dir.join("containment.db");
    for args in [
        &["migrate", "status"][..],
        &["audit", "verify"][..],
        &["agency", "list"][..],
        &["user", "list"][..],
        &["backup", "/nonexistent/never-written.backup.gz"][..],
    ] {
        failed_with(
            &data.run(args),
            1,
            &format!("no database at {}", file.display()),
        );
        assert!(
            !data.dir.exists(),
            "`{}` made the data folder",
            args.join(" ")
        );
    }
    // The commands that set a database up still make it.
    ok(&data.run(&["migrate", "apply"]));
    assert!(file.exists());
    ok(&data.run(&["migrate", "status"]));
}

#[tokio::test]
async fn operators_manage_accounts_and_verify_the_audit_trail() {
    let data = Data::new();
    // Administrative commands refuse an unmigrated database.
    let early = data.run(&["agency", "list"]);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("migrate apply"));

    ok(&data.run(&["migrate", "apply"]));
    ok(&data.run(&["migrate", "status"]));
    ok(&data.run(&[
        "agency",
        "add",
        "--name",
        "Shasta County Probation",
        "--kind",
        "probation_department",
        "--county",
        "Shasta",
    ]));
    let bad_kind = data.run(&["agency", "add", "--name", "X", "--kind", "sheriff"]);
    assert!(!bad_kind.status.success());
    assert!(String::from_utf8_lossy(&bad_kind.stderr).contains("probation_department"));

    let added = data.run(&[
        "user",
        "add",
        "--email",
        "PO@Shasta.example",
        "--name",
        "Sam Officer",
        "--agency",
        "Shasta County Probation",
        "--role",
        "supervising_officer",
    ]);
    ok(&added);
    assert!(stdout(&added).contains("one-time password: "));
    let duplicate = data.run(&[
        "user",
        "add",
        "--email",
        "po@shasta.example",
        "--name",
        "Again",
        "--agency",
        "Shasta County Probation",
        "--role",
        "supervising_officer",
    ]);
    assert!(!duplicate.status.success(), "e-mail addresses are unique");

    let list = stdout(&data.run(&["user", "list"]));
    assert!(list.contains("po@shasta.example") && list.contains("supervising_officer"));
    let token = data.run(&[
        "token",
        "create",
        "--user",
        "po@shasta.example",
        "--expires-days",
        "30",
    ]);
    ok(&token);
    assert!(stdout(&token).trim().starts_with("ctk_"));
    assert!(stdout(&data.run(&["token", "list"])).contains("ctk_"));
    ok(&data.run(&["user", "disable", "po@shasta.example"]));
    assert!(stdout(&data.run(&["user", "list"])).contains("disabled"));
    ok(&data.run(&["user", "enable", "po@shasta.example"]));
    ok(&data.run(&["user", "unlock", "po@shasta.example"]));
    ok(&data.run(&["user", "reset-mfa", "po@shasta.example"]));
    assert!(
        !data
            .run(&["user", "disable", "nobody@shasta.example"])
            .status
            .success()
    );

    let verified = data.run(&["audit", "verify"]);
    ok(&verified);
    assert!(stdout(&verified).contains("intact"));

    let store = Store::connect(&data.url()).await.unwrap();
    store
        .tamper_audit_for_tests("UPDATE audit_event SET action = 'agency_list' WHERE seq = 2")
        .await
        .unwrap();
    store.close().await.unwrap();
    let broken = data.run(&["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stdout(&broken).contains("position 2"),
        "{}",
        stdout(&broken)
    );
}

#[test]
fn county_policy_and_reminders_from_the_command_line() {
    let data = Data::new();
    ok(&data.run(&["migrate", "apply"]));
    let set = data.run(&[
        "policy",
        "set",
        "--county",
        "sonoma",
        "--numbers",
        "R9.months = 6",
        "--calendar",
        "juneteenth",
    ]);
    ok(&set);
    assert!(stdout(&set).contains("Sonoma: policy saved") || stdout(&set).contains("sonoma"));
    let list = data.run(&["policy", "list"]);
    ok(&list);
    let text = stdout(&list);
    assert!(
        text.contains("Sonoma") && text.contains("R9.months = 6") && text.contains("juneteenth"),
        "{text}"
    );
    // A bad number is refused with the reason and exit 2; the saved policy stays.
    let bad = data.run(&[
        "policy",
        "set",
        "--county",
        "Sonoma",
        "--numbers",
        "R9.weeks = 6",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no pack has this parameter"));
    assert!(stdout(&data.run(&["policy", "list"])).contains("R9.months = 6"));
    // The calendar the county's due dates use: Sonoma's adds Juneteenth, the state's has not.
    let sonoma = data.run(&["calendar", "--county", "Sonoma", "--year", "2026"]);
    ok(&sonoma);
    assert!(
        stdout(&sonoma).contains("2026-06-19\tFri\tJuneteenth"),
        "{}",
        stdout(&sonoma)
    );
    assert!(String::from_utf8_lossy(&sonoma.stderr).contains("Sonoma County's calendar"));
    let state = data.run(&["calendar", "--year", "2026"]);
    ok(&state);
    assert!(!stdout(&state).contains("Juneteenth"));
    assert!(stdout(&state).contains("2026-03-31\tTue\tCesar Chavez Day"));
    for (county, due) in [("Sonoma", "2026-06-22"), ("Marin", "2026-06-19")] {
        let answer = data.run(&[
            "calendar",
            "add-working-days",
            "2026-06-18",
            "1",
            "--county",
            county,
        ]);
        ok(&answer);
        assert_eq!(stdout(&answer).trim(), due, "{county}");
    }
    let unknown = data.run(&["calendar", "--county", "Atlantis"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("county"));
    let not_a_day = data.run(&["calendar", "add-working-days", "2026-02-30", "1"]);
    assert_eq!(not_a_day.status.code(), Some(2), "clap refuses it as usage");
    // The reminder job runs on an empty database and says what it did.
    let run = data.run(&["reminders", "run"]);
    ok(&run);
    assert!(stdout(&run).contains("0 open cases evaluated, 0 notifications stored"));
    // Both are audited, and the chain holds.
    ok(&data.run(&["audit", "verify"]));
}

/// Whether a server answers on this local port within ten seconds.
async fn serving(port: u16) -> bool {
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// The server as an operator runs it, on a free local port, with SIGXFSZ ignored so that a
/// file-size limit makes its writes fail the way a full disk does instead of killing it.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    async fn start(data: &Data) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new("sh");
        let child = data
            .configure(&mut command)
            .args([
                "-c",
                "trap '' XFSZ; exec \"$0\" serve --listen \"$1\" --reminder-interval-minutes 0",
                env!("CARGO_BIN_EXE_containment"),
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        assert!(serving(port).await, "the server did not start");
        server
    }

    /// Sets the largest file the server may write (`None`: no limit), as a disk that fills up
    /// or is freed again.
    fn limit_file_size(&self, bytes: Option<u64>) {
        let limit = bytes.map_or("unlimited".to_owned(), |b| format!("{b}:unlimited"));
        let out = Command::new("prlimit")
            .args([
                "--pid",
                &self.child.id().to_string(),
                &format!("--fsize={limit}"),
            ])
            .output()
            .expect("prlimit (util-linux) runs");
        ok(&out);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The disk fills while people write, then space is freed. Writes the database could not make
/// durable are answered 503, never acknowledged; the server serves again once space is back;
/// and after a kill -9 and a restart every acknowledged write is there and the audit trail
/// verifies. (A failed commit used to leave a pooled connection inside a transaction that never
/// committed, so later writes were acknowledged and lost.)
#[tokio::test]
async fn a_full_disk_loses_no_acknowledged_write() {
    let data = with_officer("Yolo County Probation", "officer@yolo.example");
    let token = data.run(&["token", "create", "--user", "officer@yolo.example"]);
    ok(&token);
    let token = stdout(&token).trim().to_owned();
    let client = reqwest::Client::new();
    let mut n = 0;
    let mut acknowledged: Vec<i64> = Vec::new();
    let mut write = async |server: &Server| {
        n += 1;
        let res = client
            .post(format!("{}/api/v1/supervisees", server.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "legal_name": format!("Person Number {n}"), "date_of_birth": "1980-03-04",
                "sex": "male", "supervision_kind": "probation", "county": "Yolo",
                "start_date": "2026-01-05", "assign_me": true
            }))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap();
        match status {
            201 => acknowledged.push(body["id"].as_i64().unwrap()),
            503 => assert_eq!(body["error"], "service_unavailable"),
            other => panic!("a write answered {other}: {body}"),
        }
        status
    };

    let server = Server::start(&data).await;
    for _ in 0..20 {
        assert_eq!(write(&server).await, 201);
    }
    let largest = std::fs::read_dir(&data.dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok().map(|m| m.len()))
        .max()
        .unwrap();
    server.limit_file_size(Some(largest + 4096));
    let mut refused = 0;
    for _ in 0..200 {
        if write(&server).await == 503 {
            refused += 1;
        }
    }
    assert!(refused > 0, "no write failed on the full disk");
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(
        ready.status().as_u16(),
        503,
        "readiness proves the write path"
    );

    server.limit_file_size(None);
    for _ in 0..50 {
        assert_eq!(
            write(&server).await,
            201,
            "writes resume once space is freed"
        );
    }
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    drop(server); // kill -9

    let server = Server::start(&data).await;
    for id in &acknowledged {
        let res = client
            .get(format!("{}/api/v1/supervisees/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            200,
            "acknowledged case {id} was lost"
        );
    }
    drop(server);
    ok(&data.run(&["audit", "verify"]));
}

/// How many times the kill -9 test stops the server under writes.
const KILLS: u64 = 24;

/// Several clients create cases while the server is killed with SIGKILL at a different moment
/// each time, `KILLS` times over, and started again. Every create the server acknowledged (201)
/// is there afterwards with what was written, nothing it answered was a 500, and the audit trail
/// verifies.
async fn kill_9_under_writes(data: Data) {
    let data = with_officer_in(data, "Napa County Probation", "officer@napa.example");
    let token = data.run(&["token", "create", "--user", "officer@napa.example"]);
    ok(&token);
    let token = stdout(&token).trim().to_owned();
    let client = reqwest::Client::new();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(i64, String)>::new()));
    // Creates sent and not yet answered, and their sum at the moments of the kills.
    let in_flight = std::sync::Arc::new(AtomicU64::new(0));
    let mut under_way = 0u64;
    for cycle in 0..KILLS {
        let server = Server::start(&data).await;
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..4u64 {
            let (client, token, base) = (client.clone(), token.clone(), server.base.clone());
            let (acknowledged, in_flight) = (acknowledged.clone(), in_flight.clone());
            writers.spawn(async move {
                for n in 0.. {
                    let name = format!("Person Cycle{cycle} Writer{writer} Number{n}");
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let sent = client
                        .post(format!("{base}/api/v1/supervisees"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({
                            "legal_name": name, "date_of_birth": "1980-03-04",
                            "sex": "male", "supervision_kind": "probation", "county": "Napa",
                            "start_date": "2026-01-05", "assign_me": true
                        }))
                        .send()
                        .await;
                    // The server was killed: this create goes unanswered (its outcome is
                    // unknown and the test expects nothing of it), and this writer stops until
                    // the next start.
                    let Ok(res) = sent else { break };
                    let status = res.status().as_u16();
                    let Ok(body) = res.json::<serde_json::Value>().await else {
                        break;
                    };
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    match status {
                        201 => acknowledged
                            .lock()
                            .unwrap()
                            .push((body["id"].as_i64().unwrap(), name)),
                        503 => assert_eq!(body["error"], "service_unavailable"),
                        other => panic!("a create answered {other}: {body}"),
                    }
                }
            });
        }
        // Kill at a different point of the writes each cycle: early, mid-stream, late.
        tokio::time::sleep(std::time::Duration::from_millis(60 + (cycle * 37) % 400)).await;
        under_way += in_flight.load(Ordering::SeqCst);
        drop(server); // kill -9
        while let Some(writer) = writers.join_next().await {
            writer.expect("a writer never panics");
        }
        in_flight.store(0, Ordering::SeqCst);
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!(
        "{KILLS} kills: {} creates acknowledged, {under_way} under way when killed",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() as u64 > KILLS && under_way > 0,
        "the kills fell while writes were under way"
    );
    let server = Server::start(&data).await;
    for (id, name) in &acknowledged {
        let res = client
            .get(format!("{}/api/v1/supervisees/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            200,
            "acknowledged case {id} was lost"
        );
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            body["legal_name"],
            name.as_str(),
            "case {id} holds what was written"
        );
    }
    drop(server);
    ok(&data.run(&["audit", "verify"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_writes_loses_nothing_acknowledged_on_sqlite() {
    kill_9_under_writes(Data::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_writes_loses_nothing_acknowledged_on_postgres() {
    let Some(server) = postgres_server_url() else {
        eprintln!("skipped: needs TEST_DATABASE_URL");
        return;
    };
    let name = format!(
        "containment_k_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..20]
    );
    let admin = Store::connect(&server).await.unwrap();
    admin
        .execute_admin(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let mut data = Data::new();
    data.database = Some(with_database_name(&server, &name));
    kill_9_under_writes(data).await;
    admin
        .execute_admin(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.ok();
}

/// A migrated database with one agency and one supervising officer in it.
fn with_officer(agency: &str, email: &str) -> Data {
    with_officer_in(Data::new(), agency, email)
}

/// `data` migrated, with one agency and one supervising officer in it.
fn with_officer_in(data: Data, agency: &str, email: &str) -> Data {
    ok(&data.run(&["migrate", "apply"]));
    ok(&data.run(&[
        "agency",
        "add",
        "--name",
        agency,
        "--kind",
        "probation_department",
    ]));
    ok(&data.run(&[
        "user",
        "add",
        "--email",
        email,
        "--name",
        "Pat Officer",
        "--agency",
        agency,
        "--role",
        "supervising_officer",
    ]));
    data
}

fn with_one_account() -> Data {
    with_officer("Lassen County Probation", "po@lassen.example")
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE, as when
/// `head` has read what it wanted and left.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn run_into(data: &Data, args: &[&str], stdout: Stdio, stderr: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_containment"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("CONTAINMENT_DATA_DIR", &data.dir)
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .expect("run containment")
}

/// `containment user list | head`: a reader that leaves early ends the command quietly, with
/// SIGPIPE's status, not with a panic; a closed standard error does not stop a command either.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    let data = with_one_account();
    let out = run_into(
        &data,
        &["user", "list"],
        Stdio::from(closed_pipe()),
        Stdio::piped(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(stderr.trim().is_empty(), "quietly: {stderr}");

    let out = run_into(
        &data,
        &["user", "unlock", "po@lassen.example"],
        Stdio::piped(),
        Stdio::from(closed_pipe()),
    );
    assert_eq!(out.status.code(), Some(0), "the unlock itself succeeded");
}

/// Numbers beyond what a command accepts are clear errors, never an overflow panic.
#[test]
fn out_of_range_numbers_are_clear_errors() {
    let data = with_one_account();
    let out = data.run(&[
        "token",
        "create",
        "--user",
        "po@lassen.example",
        "--expires-days",
        "4000000000",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("--expires-days") && stderr.contains("3650"),
        "{stderr}"
    );
    ok(&data.run(&[
        "token",
        "create",
        "--user",
        "po@lassen.example",
        "--expires-days",
        "3650",
    ]));
    let out = data.run(&[
        "serve",
        "--reminder-interval-minutes",
        "18446744073709551615",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--reminder-interval-minutes"), "{stderr}");
    let out = data.run(&["serve", "--trusted-proxy", "10.0.0.0/33"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("prefix length"), "{stderr}");
}

/// A plain-SMTP relay (no STARTTLS) is refused at start-up with the reason, unless
/// --smtp-insecure says plain is acceptable.
#[test]
fn serve_refuses_a_relay_without_starttls() {
    let data = with_one_account();
    let relay = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = relay.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for conn in relay.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = std::io::BufReader::new(conn.try_clone().unwrap());
            let _ = conn.write_all(b"220 plain relay\r\n");
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                let reply: &[u8] = if line.starts_with("EHLO") {
                    b"250-plain relay\r\n250 AUTH PLAIN\r\n"
                } else {
                    b"221 bye\r\n"
                };
                let _ = conn.write_all(reply);
                line.clear();
            }
        }
    });
    let out = data.run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--smtp-url",
        &format!("smtp://127.0.0.1:{port}"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("does not offer STARTTLS") && stderr.contains("--smtp-insecure"),
        "{stderr}"
    );
    let out = data.run(&[
        "serve",
        "--smtp-insecure",
        "--smtp-url",
        "smtps://relay.example",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("smtp:// only"));
}

/// Started by a service manager (standard error is not a terminal), `serve` writes the first
/// administrator's one-time password to a file only its account can read and logs the file's
/// path, never the password.
#[cfg(unix)]
#[tokio::test]
async fn the_first_password_goes_to_a_private_file_not_the_log() {
    let data = Data::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_containment"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--reminder-interval-minutes",
            "0",
            "--admin-email",
            "root@agency.example",
        ])
        .env_remove("DATABASE_URL")
        .env("CONTAINMENT_DATA_DIR", &data.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let up = serving(port).await;
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(up, "the server did not start");
    let log = String::from_utf8_lossy(&out.stderr);

    let file = data.dir.join("first-admin-password.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(mode(&file), 0o600, "only the service account reads it");
    let password = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("one-time password:"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(text.contains("root@agency.example"));
    assert!(log.contains("first-admin-password.txt"), "{log}");
    assert!(
        !log.contains(&password),
        "the password is not in the log: {log}"
    );

    // It is the account's real password.
    let app = containment_app::App::open(&data.url(), false)
        .await
        .unwrap();
    let signed_in = app
        .sign_in(
            "root@agency.example",
            &password,
            &containment_app::Client::default(),
            chrono::Utc::now(),
        )
        .await;
    assert!(signed_in.is_ok(), "{signed_in:?}");
}

/// The mode bits of a file or folder.
#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn failed_with(o: &Output, code: i32, text: &str) {
    let all = format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(code), "{all}");
    assert!(all.contains(text), "expected {text:?} in: {all}");
}

/// The first start makes the data folder (0700), the database with its WAL and shared-memory
/// files (0600) and the key file (0600). The trail's signed head goes out as an anchor line and
/// comes back to catch a cut made in the database; keys rotate; a lost key file is refused.
#[cfg(unix)]
#[tokio::test]
async fn the_key_file_signs_the_trail_and_everything_on_disk_is_private() {
    let data = Data::unmade();
    let server = Server::start(&data).await;
    assert_eq!(mode(&data.dir), 0o700, "data folder");
    for name in [
        "containment.db",
        "containment.db-wal",
        "containment.db-shm",
        "containment.key",
    ] {
        assert_eq!(mode(&data.dir.join(name)), 0o600, "{name}");
    }
    drop(server);
    ok(&data.run(&[
        "agency",
        "add",
        "--name",
        "Inyo County Probation",
        "--kind",
        "probation_department",
    ]));

    let anchor = data.run(&["audit", "anchor"]);
    ok(&anchor);
    let line = stdout(&anchor);
    assert!(
        line.starts_with("{\"containment_audit_anchor\":1,"),
        "{line}"
    );
    let anchor_file = data.root.join("anchor.jsonl");
    std::fs::write(&anchor_file, &line).unwrap();
    let anchor_arg = anchor_file.to_str().unwrap();
    ok(&data.run(&[
        "agency",
        "add",
        "--name",
        "Mono County Probation",
        "--kind",
        "probation_department",
    ]));
    let verified = data.run(&["audit", "verify", "--anchor", anchor_arg]);
    ok(&verified);
    assert!(stdout(&verified).contains("and the anchor"));

    // A new key signs from now on; what the old one signed still checks out.
    let rotated = data.run(&["keys", "rotate"]);
    ok(&rotated);
    assert!(stdout(&rotated).contains("2 keys"), "{}", stdout(&rotated));
    assert_eq!(mode(&data.dir.join("containment.key")), 0o600);
    ok(&data.run(&["audit", "verify", "--anchor", anchor_arg]));

    // The newest event is removed in the database: the last checkpoint catches it.
    let store = Store::connect(&data.url()).await.unwrap();
    let newest = store.audit_count().await.unwrap();
    store
        .tamper_audit_for_tests(&format!("DELETE FROM audit_event WHERE seq = {newest}"))
        .await
        .unwrap();
    failed_with(
        &data.run(&["audit", "verify"]),
        1,
        "ends before a signed checkpoint",
    );
    // With the checkpoints removed as well, the database alone cannot tell; the anchor can.
    let anchored: serde_json::Value = serde_json::from_str(&line).unwrap();
    store
        .tamper_audit_for_tests(&format!(
            "DELETE FROM audit_event WHERE seq >= {}; DELETE FROM audit_checkpoint",
            anchored["seq"]
        ))
        .await
        .unwrap();
    store.close().await.unwrap();
    ok(&data.run(&["audit", "verify"]));
    failed_with(
        &data.run(&["audit", "verify", "--anchor", anchor_arg]),
        1,
        "BROKEN",
    );
    let garbage = data.root.join("garbage");
    std::fs::write(&garbage, "hello").unwrap();
    failed_with(
        &data.run(&["audit", "verify", "--anchor", garbage.to_str().unwrap()]),
        1,
        "not a Containment audit anchor",
    );

    // A database that uses keys never gets a fresh key file by accident.
    let key_file = data.dir.join("containment.key");
    std::fs::rename(&key_file, data.root.join("moved.key")).unwrap();
    failed_with(
        &data.run(&["audit", "verify"]),
        1,
        "Restore the key file from the backup",
    );
    assert!(!key_file.exists());
    failed_with(&data.run(&["keys", "rotate"]), 1, "does not exist");
    // Only on purpose: the checkpoints of the lost key can then no longer be checked.
    ok(&data.run(&["keys", "create"]));
    assert_eq!(mode(&key_file), 0o600);
    failed_with(&data.run(&["keys", "create"]), 1, "exists already");
    failed_with(
        &data.run(&["audit", "verify"]),
        1,
        "a key the key file does not hold",
    );
}

/// `backup` and `restore` as an operator runs them: a backup restores into a new data folder
/// that holds the deployment's key file, verifies and serves its accounts; the restore refuses
/// a database with data (until `--force`), a missing file and a file that is not a backup, each
/// with exit status 1 and a message saying why.
#[test]
fn backup_and_restore_from_the_command_line() {
    let empty = Data::new();
    let nothing = empty.root.join("empty.backup.gz");
    failed_with(
        &empty.run(&["backup", nothing.to_str().unwrap()]),
        1,
        "no database at",
    );
    assert!(!nothing.exists(), "a failed backup leaves no file");
    let data = with_one_account();
    ok(&data.run(&["audit", "verify"]));
    let file = data.root.join("nightly.backup.gz");
    let file = file.to_str().unwrap();
    let made = data.run(&["backup", file]);
    ok(&made);
    assert!(stdout(&made).contains("backup written to"));
    failed_with(&data.run(&["backup", file]), 1, "already exists");

    // Without the key file the data comes back, but the trail's checkpoints cannot be checked.
    let keyless = Data::new();
    failed_with(&keyless.run(&["restore", file]), 1, "could not be verified");

    let restored = Data::new();
    std::fs::copy(
        data.dir.join("containment.key"),
        restored.dir.join("containment.key"),
    )
    .unwrap();
    let done = restored.run(&["restore", file]);
    ok(&done);
    assert!(stdout(&done).contains("audit chain intact in the target"));
    assert!(stdout(&restored.run(&["user", "list"])).contains("po@lassen.example"));
    ok(&restored.run(&["audit", "verify"]));
    ok(&restored.run(&["migrate", "status"]));

    failed_with(&restored.run(&["restore", file]), 1, "--force");
    ok(&restored.run(&["restore", "--force", file]));
    let missing = data.root.join("no-such.backup.gz");
    failed_with(
        &restored.run(&["restore", "--force", missing.to_str().unwrap()]),
        1,
        "cannot read",
    );
    let notes = data.root.join("notes.csv");
    std::fs::write(&notes, "kind,holder_email\n").unwrap();
    failed_with(
        &restored.run(&["restore", "--force", notes.to_str().unwrap()]),
        1,
        "not a Containment backup",
    );
    ok(&restored.run(&["audit", "verify"]));
}

/// `copy --to` between two SQLite files (the PostgreSQL direction is in the integration suite):
/// refused onto itself and onto a target with data unless `--force`, and verified at the end.
#[test]
fn copy_from_the_command_line() {
    let data = with_one_account();
    let target = data.root.join("copy.db");
    let to = format!("sqlite://{}", target.display());
    let copied = data.run(&["copy", "--to", &to]);
    ok(&copied);
    assert!(stdout(&copied).contains("audit chain intact in the target"));
    failed_with(&data.run(&["copy", "--to", &to]), 1, "--force");
    ok(&data.run(&["copy", "--force", "--to", &to]));
    failed_with(
        &data.run(&["copy", "--to", &data.url()]),
        1,
        "names the database",
    );
    failed_with(
        &data.run(&["copy", "--to", "mysql://x"]),
        1,
        "unsupported database URL",
    );
}

/// The rows of the tables a caseload import writes to: supervisees, their episodes and teams.
async fn case_rows(data: &Data) -> Vec<(String, u64)> {
    let store = Store::connect(&data.url()).await.unwrap();
    let counts = store.table_row_counts().await.unwrap();
    store.close().await.unwrap();
    counts
        .into_iter()
        .filter(|(t, _)| ["supervisee", "supervision_episode", "team_member"].contains(&t.as_str()))
        .collect()
}

/// `import caseload` from the command line: a bad file exits 2 with row, column and problem on
/// standard error and writes nothing; a dry run writes nothing; the import writes every row and
/// running it again creates nothing.
#[tokio::test]
async fn import_caseload_from_the_command_line() {
    let data = with_officer("Kings County Probation", "po@kings.example");
    let head = "Legal name,Date of birth,Sex,CII number,Supervision kind,Supervising county,\
Supervision start,Supervising officer e-mail";
    let good = [
        "Morgan Imported,1982-03-14,male,A11223344,probation,Kings,2026-01-05,po@kings.example",
        "Riley Imported,11/30/1979,female,A55667788,probation,Kings,2026-01-05,po@kings.example",
    ];
    let bad_row = "Riley Imported,1979-13-40,female,A55667788,probation,Kings,2026-01-05,nobody@kings.example";
    let file = |name: &str, rows: &[&str]| {
        let path = data.root.join(name);
        std::fs::write(&path, format!("{head}\n{}\n", rows.join("\n"))).unwrap();
        path.display().to_string()
    };
    let bad = file("bad.csv", &[good[0], bad_row]);
    let fixed = file("fixed.csv", &good);
    let empty = case_rows(&data).await;
    assert_eq!(empty.len(), 3, "{empty:?}");
    assert!(empty.iter().all(|(_, n)| *n == 0), "{empty:?}");
    let import = |path: &str, extra: &[&str]| {
        let mut args = vec![
            "import",
            "caseload",
            path,
            "--agency",
            "Kings County Probation",
        ];
        args.extend_from_slice(extra);
        data.run(&args)
    };

    let refused = import(&bad, &[]);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("Nothing was imported"), "{err}");
    let problem_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("3 ")).collect();
    assert!(
        problem_lines
            .iter()
            .any(|l| l.contains("Date of birth") && l.contains("not a date")),
        "{err}"
    );
    assert!(
        problem_lines
            .iter()
            .any(|l| l.contains("Supervising officer e-mail")
                && l.contains("no account has the e-mail address nobody@kings.example")),
        "{err}"
    );
    assert!(
        !err.lines().any(|l| l.starts_with("2 ")),
        "row 2 is fine: {err}"
    );
    assert_eq!(
        case_rows(&data).await,
        empty,
        "a refused file writes nothing"
    );

    let dry = import(&fixed, &["--dry-run"]);
    ok(&dry);
    let out = stdout(&dry);
    assert!(out.contains("row 2\tnew\tMorgan Imported"), "{out}");
    assert!(out.contains("row 3\tnew\tRiley Imported"), "{out}");
    assert!(
        out.contains(
            "Kings County Probation: 2 supervisees would be imported (dry run), 0 already on file"
        ),
        "{out}"
    );
    assert_eq!(case_rows(&data).await, empty, "a dry run writes nothing");

    // The agency by its id as well as by its name.
    let listed = stdout(&data.run(&["agency", "list"]));
    let id = listed
        .lines()
        .find(|l| l.contains("Kings County Probation"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let done = data.run(&["import", "caseload", &fixed, "--agency", &id]);
    ok(&done);
    let out = stdout(&done);
    assert!(
        out.contains("Kings County Probation: 2 supervisees imported, 0 already on file"),
        "{out}"
    );
    assert!(
        out.contains("Morgan Imported") && out.contains("record "),
        "{out}"
    );
    let written = case_rows(&data).await;
    assert!(
        written.iter().all(|(_, n)| *n == 2),
        "two of each: {written:?}"
    );

    let again = import(&fixed, &[]);
    ok(&again);
    let out = stdout(&again);
    assert!(
        out.contains("0 supervisees imported, 2 already on file"),
        "{out}"
    );
    assert!(out.contains("already on file (same CII number)"), "{out}");
    assert_eq!(case_rows(&data).await, written, "a re-run creates nothing");
    ok(&data.run(&["audit", "verify"]));
}
