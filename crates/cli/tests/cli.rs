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
