//! The `containment` binary's commands and exit codes, run as an operator would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use containment_storage::Store;

struct Data {
    dir: std::path::PathBuf,
}

impl Data {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("containment-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Data { dir }
    }

    fn url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.join("containment.db").display()
        )
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_containment"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("CONTAINMENT_DATA_DIR", &self.dir)
            .output()
            .expect("run containment")
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
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
    // The reminder job runs on an empty database and says what it did.
    let run = data.run(&["reminders", "run"]);
    ok(&run);
    assert!(stdout(&run).contains("0 open cases evaluated, 0 notifications stored"));
    // Both are audited, and the chain holds.
    ok(&data.run(&["audit", "verify"]));
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
        let child = Command::new("sh")
            .args([
                "-c",
                "trap '' XFSZ; exec \"$0\" serve --listen \"$1\" --reminder-interval-minutes 0",
                env!("CARGO_BIN_EXE_containment"),
                &format!("127.0.0.1:{port}"),
            ])
            .env_remove("DATABASE_URL")
            .env("CONTAINMENT_DATA_DIR", &data.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", server.base))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
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
    let data = Data::new();
    ok(&data.run(&["migrate", "apply"]));
    ok(&data.run(&[
        "agency",
        "add",
        "--name",
        "Yolo County Probation",
        "--kind",
        "probation_department",
    ]));
    ok(&data.run(&[
        "user",
        "add",
        "--email",
        "officer@yolo.example",
        "--name",
        "Pat Officer",
        "--agency",
        "Yolo County Probation",
        "--role",
        "supervising_officer",
    ]));
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
