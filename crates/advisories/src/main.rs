//! `containment-advisories [--db DIR] [--lock FILE] [--config FILE]`: exits 1 when a locked
//! crate has a known vulnerability that `.cargo/audit.toml` does not accept with a reason, 2 when
//! the inputs cannot be read. Defaults suit the project root: `../shared/advisory-db`,
//! `Cargo.lock`, `.cargo/audit.toml`; `CONTAINMENT_ADVISORY_DB` overrides the database.

#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use containment_advisories::{CheckError, check, read_database, read_ignores, read_lock};

struct Options {
    db: PathBuf,
    lock: PathBuf,
    config: PathBuf,
}

fn options() -> Result<Options, CheckError> {
    let mut o = Options {
        db: std::env::var_os("CONTAINMENT_ADVISORY_DB")
            .map_or_else(|| PathBuf::from("../shared/advisory-db"), PathBuf::from),
        lock: PathBuf::from("Cargo.lock"),
        config: PathBuf::from(".cargo/audit.toml"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .map(PathBuf::from)
            .ok_or_else(|| CheckError(format!("{flag} needs a value")));
        match flag.as_str() {
            "--db" => o.db = value?,
            "--lock" => o.lock = value?,
            "--config" => o.config = value?,
            other => {
                return Err(CheckError(format!(
                    "unknown argument {other}; use --db DIR, --lock FILE, --config FILE"
                )));
            }
        }
    }
    Ok(o)
}

fn run() -> Result<bool, CheckError> {
    let o = options()?;
    let lock = std::fs::read_to_string(&o.lock)
        .map_err(|e| CheckError(format!("{}: {e}", o.lock.display())))?;
    let (locked, members) = read_lock(&lock)?;
    let ignores = match std::fs::read_to_string(&o.config) {
        Ok(text) => read_ignores(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => return Err(CheckError(format!("{}: {e}", o.config.display()))),
    };
    let advisories = read_database(&o.db)?;
    let report = check(&locked, &members, &advisories, &ignores);
    for f in &report.informational {
        let kind = f.advisory.informational.as_deref().unwrap_or("notice");
        eprintln!("warning ({kind}): {f}");
    }
    for f in &report.ignored {
        eprintln!("accepted in {}: {f}", o.config.display());
    }
    for id in &report.unused_ignores {
        eprintln!(
            "warning: {id} is ignored in {} but matches no locked crate any more: remove it",
            o.config.display()
        );
    }
    for f in &report.vulnerabilities {
        println!("vulnerable: {f}");
    }
    println!(
        "{} advisories checked against {} crates: {} vulnerabilities, {} accepted, {} warnings",
        advisories.len(),
        locked.len(),
        report.vulnerabilities.len(),
        report.ignored.len(),
        report.informational.len()
    );
    Ok(report.vulnerabilities.is_empty())
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "Upgrade the crates above (cargo update -p NAME, or a newer parent crate). Only \
                 when no fixed version exists, accept the advisory in .cargo/audit.toml with a \
                 comment saying why it cannot be reached."
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
