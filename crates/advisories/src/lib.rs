//! Reads `Cargo.lock` and an offline copy of the RustSec advisory database
//! (<https://github.com/rustsec/advisory-db>) and lists the locked crates with a known
//! vulnerability. CI runs it from `scripts/test`, so a new advisory against any dependency fails
//! the build without network access or a separately installed tool.
//!
//! Version ranges follow RustSec: a locked version is affected unless it matches one of the
//! advisory's `patched` or `unaffected` requirements. Requirements are read with semver's syntax
//! but compared by plain version order, so a pre-release of a patched version (`0.41.0-rc.1`
//! against `>= 0.41.0`) still counts as affected, and one past it as patched.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use serde::Deserialize;

/// A crate version in the lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: Version,
    /// Who depends on it, as `name version`.
    pub dependents: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LockFile {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Debug, Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// What went wrong reading the inputs; the check cannot answer then.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckError(pub String);

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckError {}

fn fail(message: impl Into<String>) -> CheckError {
    CheckError(message.into())
}

/// The crates.io packages of a lock file (workspace members and git sources are not published
/// there, so no advisory names them), each with the packages that depend on it.
pub fn read_lock(text: &str) -> Result<(Vec<Locked>, Vec<String>), CheckError> {
    let lock: LockFile =
        toml::from_str(text).map_err(|e| fail(format!("Cargo.lock is not readable: {e}")))?;
    let mut dependents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &lock.package {
        for d in &p.dependencies {
            // A dependency is `name` or `name version` (when several versions are locked).
            dependents
                .entry(d.clone())
                .or_default()
                .push(format!("{} {}", p.name, p.version));
        }
    }
    let mut members = Vec::new();
    let mut locked = Vec::new();
    for p in lock.package {
        let Some(source) = p.source.as_deref() else {
            members.push(format!("{} {}", p.name, p.version));
            continue;
        };
        if !source.starts_with("registry+https://github.com/rust-lang/crates.io-index")
            && !source.starts_with("sparse+https://index.crates.io/")
        {
            continue;
        }
        let version = Version::parse(&p.version)
            .map_err(|e| fail(format!("Cargo.lock: {} {}: {e}", p.name, p.version)))?;
        let mut by = dependents.get(&p.name).cloned().unwrap_or_default();
        by.extend(
            dependents
                .get(&format!("{} {}", p.name, p.version))
                .cloned()
                .unwrap_or_default(),
        );
        locked.push(Locked {
            name: p.name,
            version,
            dependents: by,
        });
    }
    Ok((locked, members))
}

/// One advisory as the database states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    pub id: String,
    pub package: String,
    pub title: String,
    /// `unmaintained`, `unsound` or `notice` for advisories that are not vulnerabilities.
    pub informational: Option<String>,
    pub withdrawn: bool,
    pub patched: Vec<VersionReq>,
    pub unaffected: Vec<VersionReq>,
}

#[derive(Debug, Deserialize)]
struct AdvisoryFile {
    advisory: AdvisoryHead,
    #[serde(default)]
    versions: VersionsSection,
}

#[derive(Debug, Deserialize)]
struct AdvisoryHead {
    id: String,
    package: String,
    informational: Option<String>,
    withdrawn: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct VersionsSection {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Reads one advisory: a TOML block fenced with ```` ```toml ```` followed by Markdown whose
/// first heading is the title (older advisories are plain `.toml` files with a `title` key).
pub fn parse_advisory(text: &str) -> Result<Advisory, CheckError> {
    let (front, rest) = match text.trim_start().strip_prefix("```toml") {
        Some(body) => {
            let end = body
                .find("\n```")
                .ok_or_else(|| fail("the TOML block is not closed"))?;
            (&body[..end], &body[end + 4..])
        }
        None => (text, ""),
    };
    let file: AdvisoryFile =
        toml::from_str(front).map_err(|e| fail(format!("not a RustSec advisory: {e}")))?;
    let reqs = |list: &[String]| -> Result<Vec<VersionReq>, CheckError> {
        list.iter()
            .map(|r| {
                VersionReq::parse(r)
                    .map_err(|e| fail(format!("{}: version range \"{r}\": {e}", file.advisory.id)))
            })
            .collect()
    };
    let title = rest
        .lines()
        .find_map(|l| l.trim().strip_prefix("# "))
        .unwrap_or_default()
        .trim()
        .to_owned();
    Ok(Advisory {
        patched: reqs(&file.versions.patched)?,
        unaffected: reqs(&file.versions.unaffected)?,
        id: file.advisory.id,
        package: file.advisory.package,
        title,
        informational: file.advisory.informational.map(|i| i.trim().to_owned()),
        withdrawn: file.advisory.withdrawn.is_some(),
    })
}

/// The smallest version below which `major.minor.patch` and its pre-releases lie: `x.y.z-0`.
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    let mut v = Version::new(major, minor, patch);
    v.pre = Prerelease::new("0").unwrap_or(Prerelease::EMPTY);
    v
}

fn exact(c: &Comparator, minor: u64, patch: u64) -> Version {
    let mut v = Version::new(c.major, minor, patch);
    v.pre = c.pre.clone();
    v
}

/// Whether `v` satisfies one comparator, by plain version order (see the module comment).
fn comparator_holds(c: &Comparator, v: &Version) -> bool {
    // Build metadata never orders versions.
    let v = &Version {
        build: semver::BuildMetadata::EMPTY,
        ..v.clone()
    };
    let next_major = || floor(c.major.saturating_add(1), 0, 0);
    let next_minor = |m: u64| floor(c.major, m.saturating_add(1), 0);
    match (c.op, c.minor, c.patch) {
        (Op::Exact, Some(m), Some(p)) => *v == exact(c, m, p),
        (Op::Exact | Op::Wildcard | Op::Tilde, Some(m), None) => {
            *v >= Version::new(c.major, m, 0) && *v < next_minor(m)
        }
        (Op::Exact | Op::Wildcard | Op::Tilde | Op::Caret, None, _) => {
            *v >= Version::new(c.major, 0, 0) && *v < next_major()
        }
        (Op::Greater, Some(m), Some(p)) => *v > exact(c, m, p),
        (Op::Greater, Some(m), None) => *v >= next_minor(m),
        (Op::Greater, None, _) => *v >= next_major(),
        (Op::GreaterEq, Some(m), p) => *v >= exact(c, m, p.unwrap_or(0)),
        (Op::GreaterEq, None, _) => *v >= Version::new(c.major, 0, 0),
        (Op::Less, Some(m), Some(p)) => *v < exact(c, m, p),
        (Op::Less, Some(m), None) => *v < floor(c.major, m, 0),
        (Op::Less, None, _) => *v < floor(c.major, 0, 0),
        (Op::LessEq, Some(m), Some(p)) => *v <= exact(c, m, p),
        (Op::LessEq, Some(m), None) => *v < next_minor(m),
        (Op::LessEq, None, _) => *v < next_major(),
        (Op::Tilde, Some(m), Some(p)) => *v >= exact(c, m, p) && *v < next_minor(m),
        (Op::Caret, Some(m), Some(p)) => {
            let upper = if c.major > 0 {
                next_major()
            } else if m > 0 {
                next_minor(m)
            } else {
                floor(0, 0, p.saturating_add(1))
            };
            *v >= exact(c, m, p) && *v < upper
        }
        (Op::Caret, Some(m), None) => {
            let upper = if c.major > 0 {
                next_major()
            } else {
                next_minor(m)
            };
            *v >= Version::new(c.major, m, 0) && *v < upper
        }
        (Op::Wildcard, Some(m), Some(_)) => *v >= Version::new(c.major, m, 0) && *v < next_minor(m),
        // `Op` is non-exhaustive: an operator semver adds later is not understood, and
        // "matches nothing" keeps the version counted as affected rather than hiding it.
        _ => false,
    }
}

/// Whether `v` satisfies every comparator of `req` (`*` and an empty requirement match all).
pub fn req_holds(req: &VersionReq, v: &Version) -> bool {
    req.comparators.iter().all(|c| comparator_holds(c, v))
}

impl Advisory {
    /// Whether `version` of the advisory's package is affected.
    pub fn affects(&self, version: &Version) -> bool {
        !self
            .patched
            .iter()
            .chain(&self.unaffected)
            .any(|r| req_holds(r, version))
    }

    fn ranges(&self) -> String {
        let list: Vec<String> = self.patched.iter().map(ToString::to_string).collect();
        if list.is_empty() {
            "no patched version".to_owned()
        } else {
            format!("patched: {}", list.join(", "))
        }
    }
}

/// Every advisory under `db/crates/<package>/`.
pub fn read_database(db: &Path) -> Result<Vec<Advisory>, CheckError> {
    let crates = db.join("crates");
    let entries = std::fs::read_dir(&crates).map_err(|e| {
        fail(format!(
            "no advisory database at {}: {e}. Point --db at a copy of \
             https://github.com/rustsec/advisory-db",
            db.display()
        ))
    })?;
    let mut advisories = Vec::new();
    for dir in entries {
        let dir = dir.map_err(|e| fail(e.to_string()))?.path();
        if !dir.is_dir() {
            continue;
        }
        let files = std::fs::read_dir(&dir).map_err(|e| fail(e.to_string()))?;
        for file in files {
            let path = file.map_err(|e| fail(e.to_string()))?.path();
            let is_advisory = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("RUSTSEC-") && (n.ends_with(".md") || n.ends_with(".toml"))
            });
            if !is_advisory {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| fail(format!("{}: {e}", path.display())))?;
            let advisory =
                parse_advisory(&text).map_err(|e| fail(format!("{}: {e}", path.display())))?;
            advisories.push(advisory);
        }
    }
    if advisories.is_empty() {
        return Err(fail(format!(
            "the advisory database at {} holds no advisories",
            db.display()
        )));
    }
    Ok(advisories)
}

/// Advisories the project accepts, from `.cargo/audit.toml` (the file `cargo audit` reads too).
/// Every ignored id must be explained by a comment that names it.
pub fn read_ignores(text: &str) -> Result<BTreeSet<String>, CheckError> {
    #[derive(Deserialize)]
    struct AuditToml {
        #[serde(default)]
        advisories: Ignores,
    }
    #[derive(Default, Deserialize)]
    struct Ignores {
        #[serde(default)]
        ignore: Vec<String>,
    }
    let config: AuditToml =
        toml::from_str(text).map_err(|e| fail(format!(".cargo/audit.toml: {e}")))?;
    let comments: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('#').map(|(_, c)| c))
        .collect();
    for id in &config.advisories.ignore {
        let explained = comments
            .iter()
            .any(|c| c.contains(id.as_str()) && c.len() > id.len() + 10);
        if !explained {
            return Err(fail(format!(
                ".cargo/audit.toml ignores {id} without a reason: add a comment naming it and \
                 saying why no fix is possible"
            )));
        }
    }
    Ok(config.advisories.ignore.into_iter().collect())
}

/// One locked crate an advisory affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub advisory: Advisory,
    pub name: String,
    pub version: Version,
    /// How a workspace crate reaches it, from the affected crate up.
    pub path: Vec<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {} ({})",
            self.advisory.id,
            self.name,
            self.version,
            self.advisory.title,
            self.advisory.ranges()
        )?;
        if !self.path.is_empty() {
            write!(f, "\n    via {}", self.path.join(" <- "))?;
        }
        Ok(())
    }
}

/// The shortest chain of dependents from `start` up to a workspace member.
fn path_to_member(start: &Locked, locked: &[Locked], members: &[String]) -> Vec<String> {
    let by_key: BTreeMap<String, &Locked> = locked
        .iter()
        .map(|l| (format!("{} {}", l.name, l.version), l))
        .collect();
    let first = format!("{} {}", start.name, start.version);
    let mut queue = VecDeque::from([vec![first]]);
    let mut seen = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        let Some(last) = path.last() else { continue };
        if members.contains(last) {
            return path;
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        let dependents = match by_key.get(last) {
            Some(l) => l.dependents.clone(),
            None => Vec::new(),
        };
        for d in dependents {
            let mut next = path.clone();
            next.push(d);
            queue.push_back(next);
        }
    }
    Vec::new()
}

/// What the check found: vulnerabilities (the build fails on any not ignored), informational
/// advisories (reported only), and ignores that no longer match anything.
#[derive(Debug, Default)]
pub struct Report {
    pub vulnerabilities: Vec<Finding>,
    pub ignored: Vec<Finding>,
    pub informational: Vec<Finding>,
    pub unused_ignores: Vec<String>,
}

pub fn check(
    locked: &[Locked],
    members: &[String],
    advisories: &[Advisory],
    ignores: &BTreeSet<String>,
) -> Report {
    let mut report = Report::default();
    let mut used = BTreeSet::new();
    for a in advisories.iter().filter(|a| !a.withdrawn) {
        for l in locked
            .iter()
            .filter(|l| l.name == a.package && a.affects(&l.version))
        {
            let finding = Finding {
                advisory: a.clone(),
                name: l.name.clone(),
                version: l.version.clone(),
                path: path_to_member(l, locked, members),
            };
            if ignores.contains(&a.id) {
                used.insert(a.id.clone());
                report.ignored.push(finding);
            } else if a.informational.is_some() {
                report.informational.push(finding);
            } else {
                report.vulnerabilities.push(finding);
            }
        }
    }
    report.unused_ignores = ignores.difference(&used).cloned().collect();
    for list in [
        &mut report.vulnerabilities,
        &mut report.ignored,
        &mut report.informational,
    ] {
        list.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
    }
    report
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn holds(req: &str, version: &str) -> bool {
        req_holds(&VersionReq::parse(req).unwrap(), &v(version))
    }

    fn advisory(patched: &[&str], unaffected: &[&str]) -> Advisory {
        Advisory {
            id: "RUSTSEC-0000-0001".into(),
            package: "demo".into(),
            title: "demo".into(),
            informational: None,
            withdrawn: false,
            patched: patched
                .iter()
                .map(|r| VersionReq::parse(r).unwrap())
                .collect(),
            unaffected: unaffected
                .iter()
                .map(|r| VersionReq::parse(r).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_lower_bound_splits_at_the_patched_version_and_its_prereleases() {
        let a = advisory(&[">= 0.41.0"], &[]);
        assert!(a.affects(&v("0.38.4")));
        assert!(a.affects(&v("0.40.99")));
        assert!(
            a.affects(&v("0.41.0-rc.1")),
            "a pre-release precedes the fix"
        );
        assert!(!a.affects(&v("0.41.0")));
        assert!(
            !a.affects(&v("0.41.1-alpha")),
            "past the fix, pre-release or not"
        );
        assert!(!a.affects(&v("0.42.0")));
        assert!(!a.affects(&v("1.0.0")));
    }

    #[test]
    fn several_patched_lines_and_unaffected_ranges_are_each_honoured() {
        let a = advisory(&["^1.2.3", ">= 2.0.1"], &["< 0.3.0"]);
        assert!(!a.affects(&v("0.2.9")), "unaffected");
        assert!(a.affects(&v("0.3.0")), "first affected");
        assert!(a.affects(&v("1.2.2")));
        assert!(!a.affects(&v("1.2.3")));
        assert!(!a.affects(&v("1.99.0")));
        assert!(a.affects(&v("2.0.0-beta.1")));
        assert!(a.affects(&v("2.0.0")), "the 2.0 line fixed only at 2.0.1");
        assert!(!a.affects(&v("2.0.1")));
        assert!(!a.affects(&v("2.0.1+build.5")), "build metadata is ignored");
    }

    #[test]
    fn caret_and_tilde_bounds_follow_cargo() {
        assert!(holds("^0.9.2", "0.9.2"));
        assert!(holds("^0.9.2", "0.9.9"));
        assert!(!holds("^0.9.2", "0.10.0"));
        assert!(!holds("^0.9.2", "0.9.1"));
        assert!(holds("^0.0.3", "0.0.3"));
        assert!(!holds("^0.0.3", "0.0.4"));
        assert!(holds("^1.4", "1.9.0"));
        assert!(!holds("^1.4", "1.3.9"));
        assert!(!holds("^1.4", "2.0.0-alpha"));
        assert!(holds("~1.4.2", "1.4.7"));
        assert!(!holds("~1.4.2", "1.5.0"));
        assert!(!holds("~1.4.2", "1.4.1"));
        assert!(holds("~1", "1.9.9"));
        assert!(!holds("~1", "2.0.0"));
    }

    #[test]
    fn partial_versions_cover_their_whole_line() {
        assert!(holds("=1.2", "1.2.9"));
        assert!(!holds("=1.2", "1.3.0"));
        assert!(holds("1.2.*", "1.2.0"));
        assert!(!holds("1.2.*", "1.3.0-rc.1"));
        assert!(holds(">1.2", "1.3.0"));
        assert!(!holds(">1.2", "1.2.9"));
        assert!(holds("<=1.2", "1.2.9"));
        assert!(!holds("<=1.2", "1.3.0-alpha"));
        assert!(holds("<1.2", "1.1.9"));
        assert!(!holds("<1.2", "1.2.0-alpha"));
        assert!(holds(">=1", "1.0.0"));
        assert!(!holds(">=1", "0.9.9"));
        assert!(holds("<2", "1.9.9"));
        assert!(!holds("<2", "2.0.0-0"));
        assert!(holds(">= 1.0.0, < 1.5.2", "1.5.1"));
        assert!(!holds(">= 1.0.0, < 1.5.2", "1.5.2"));
        assert!(!holds(">= 1.0.0, < 1.5.2", "0.9.0"));
        assert!(holds("=1.2.3-rc.1", "1.2.3-rc.1"));
        assert!(!holds("=1.2.3-rc.1", "1.2.3"));
    }

    #[test]
    fn an_advisory_file_is_read_with_its_title() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-2026-0194\"\npackage = \"quick-xml\"\n\
                    date = \"2026-06-29\"\n\n[versions]\npatched = [\">= 0.41.0\"]\n```\n\n\
                    # Quadratic run time\n\nDetails.\n";
        let a = parse_advisory(text).unwrap();
        assert_eq!(a.id, "RUSTSEC-2026-0194");
        assert_eq!(a.package, "quick-xml");
        assert_eq!(a.title, "Quadratic run time");
        assert_eq!(a.informational, None);
        assert!(!a.withdrawn);
        assert!(a.affects(&v("0.38.4")));
        let withdrawn = parse_advisory(
            "```toml\n[advisory]\nid = \"X\"\npackage = \"p\"\nwithdrawn = \"2020-10-22\"\n\
             informational = \"unsound\"\n[versions]\npatched = []\n```\n# T\n",
        )
        .unwrap();
        assert!(withdrawn.withdrawn);
        assert_eq!(withdrawn.informational.as_deref(), Some("unsound"));
        assert!(
            withdrawn.affects(&v("9.9.9")),
            "no patched version: all affected"
        );
        assert!(parse_advisory("```toml\n[advisory]\nid = \"X\"\n").is_err());
        assert!(
            parse_advisory(
                "```toml\n[advisory]\nid = \"X\"\npackage = \"p\"\n[versions]\npatched = [\"no\"]\n```"
            )
            .is_err()
        );
    }

    const LOCK: &str = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["typst", "quick-xml 0.42.0"]

[[package]]
name = "typst"
version = "0.14.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["quick-xml 0.38.4"]

[[package]]
name = "quick-xml"
version = "0.38.4"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "quick-xml"
version = "0.42.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "forked"
version = "0.1.0"
source = "git+https://example.org/forked#abc"
"#;

    #[test]
    fn only_affected_crates_io_versions_are_reported_with_their_path() {
        let (locked, members) = read_lock(LOCK).unwrap();
        assert_eq!(members, ["app 0.1.0"]);
        assert_eq!(locked.len(), 3, "the git source is not on crates.io");
        let mut xml = advisory(&[">= 0.41.0"], &[]);
        xml.package = "quick-xml".into();
        let mut fork = advisory(&[], &[]);
        fork.package = "forked".into();
        fork.id = "RUSTSEC-0000-0002".into();
        let report = check(&locked, &members, &[xml.clone(), fork], &BTreeSet::new());
        assert_eq!(report.vulnerabilities.len(), 1);
        let f = &report.vulnerabilities[0];
        assert_eq!(f.version, v("0.38.4"));
        assert_eq!(f.path, ["quick-xml 0.38.4", "typst 0.14.2", "app 0.1.0"]);
        assert!(f.to_string().contains("patched: >=0.41.0"));

        let ignores = BTreeSet::from([xml.id.clone(), "RUSTSEC-0000-0009".to_owned()]);
        let report = check(&locked, &members, &[xml], &ignores);
        assert!(report.vulnerabilities.is_empty());
        assert_eq!(report.ignored.len(), 1);
        assert_eq!(report.unused_ignores, ["RUSTSEC-0000-0009"]);
    }

    #[test]
    fn informational_and_withdrawn_advisories_do_not_fail_the_check() {
        let (locked, members) = read_lock(LOCK).unwrap();
        let mut unmaintained = advisory(&[], &[]);
        unmaintained.package = "typst".into();
        unmaintained.informational = Some("unmaintained".into());
        let mut withdrawn = advisory(&[], &[]);
        withdrawn.package = "typst".into();
        withdrawn.withdrawn = true;
        let report = check(
            &locked,
            &members,
            &[unmaintained, withdrawn],
            &BTreeSet::new(),
        );
        assert!(report.vulnerabilities.is_empty());
        assert_eq!(report.informational.len(), 1);
    }

    #[test]
    fn an_ignore_needs_a_reason() {
        let ok = "[advisories]\n# RUSTSEC-2026-0194: only reached through CSL styles we never load\n\
                  ignore = [\"RUSTSEC-2026-0194\"]\n";
        assert_eq!(
            read_ignores(ok).unwrap(),
            BTreeSet::from(["RUSTSEC-2026-0194".to_owned()])
        );
        let bare = "[advisories]\nignore = [\"RUSTSEC-2026-0194\"]\n";
        assert!(
            read_ignores(bare)
                .unwrap_err()
                .0
                .contains("without a reason")
        );
        assert!(read_ignores("").unwrap().is_empty());
    }

    #[test]
    fn a_missing_database_is_an_error_not_a_pass() {
        let e = read_database(Path::new("/nonexistent/advisory-db")).unwrap_err();
        assert!(e.0.contains("no advisory database"));
        let empty = std::env::temp_dir().join(format!("advisories-empty-{}", std::process::id()));
        std::fs::create_dir_all(empty.join("crates")).unwrap();
        let e = read_database(&empty).unwrap_err();
        assert!(e.0.contains("holds no advisories"));
        let _ = std::fs::remove_dir_all(&empty);
    }
}
