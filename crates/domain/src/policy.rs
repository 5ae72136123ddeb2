//! Policy packs: the rule sets in force for a period, kept as data files embedded in the binary.
//! `ca-2012` holds the seeds' rules; `ca-2025` holds SB 1473 (Ch. 191, Stats. 2024), in force
//! from 2025-01-01. The pack that applies to an event is chosen by the event's date, and a
//! county may override a rule's number (for example a polygraph every 6 months).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::{fmt, str::FromStr};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::identity::code_enum;

code_enum! {
    /// The policy packs this software knows.
    PolicyPackId, "policy pack" {
        Ca2012 => "ca-2012", "California 2012 (PC 290.09, 1203.067, 3008, 9003)";
        Ca2025 => "ca-2025", "California 2025 (SB 1473, Ch. 191, Stats. 2024)";
    }
}

code_enum! {
    /// The compliance rules (DOMAIN.md section 4).
    RuleId, "rule" {
        R1 => "R1", "Monthly provider-officer communication";
        R2 => "R2", "Static-99R before supervision";
        R3 => "R3", "Provider review of the Static-99R";
        R4 => "R4", "Dynamic and violence scoring";
        R5 => "R5", "Score shared with the officer";
        R6a => "R6a", "Officer sends the dynamic score to DOJ";
        R6b => "R6b", "Provider sends scores to DOJ";
        R7 => "R7", "Comprehensive assessment";
        R8 => "R8", "Length and completion of treatment";
        R9 => "R9", "Maintenance polygraph";
        R10 => "R10", "Current certifications";
        R11 => "R11", "Waiver on file";
        R12 => "R12", "Complete containment team";
        R13 => "R13", "Self-report acknowledged";
    }
}

/// The first day of the 2025 rules.
pub const CA_2025_EFFECTIVE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

impl PolicyPackId {
    /// The pack that governs an event dated `on`.
    pub fn in_force_on(on: NaiveDate) -> Self {
        if on < CA_2025_EFFECTIVE {
            PolicyPackId::Ca2012
        } else {
            PolicyPackId::Ca2025
        }
    }

    /// The pack's rules.
    pub fn pack(self) -> &'static PolicyPack {
        let packs = packs();
        match self {
            PolicyPackId::Ca2012 => &packs[0],
            PolicyPackId::Ca2025 => &packs[1],
        }
    }
}

/// One rule of a pack as its data file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRule {
    pub rule: RuleId,
    pub obligation: String,
    pub when: String,
    /// Team role code of who is responsible.
    pub responsible: String,
    /// The legal source, cited in every explanation.
    pub source: String,
    /// The rule's numbers, by name.
    pub params: BTreeMap<String, i64>,
}

/// A policy pack as its data file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPack {
    pub id: PolicyPackId,
    pub title: String,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    pub rules: Vec<PackRule>,
}

impl PolicyPack {
    pub fn rule(&self, rule: RuleId) -> Option<&PackRule> {
        self.rules.iter().find(|r| r.rule == rule)
    }
}

const FILES: [&str; 2] = [
    include_str!("../packs/ca-2012.json"),
    include_str!("../packs/ca-2025.json"),
];

fn load() -> Result<Vec<PolicyPack>, String> {
    FILES
        .iter()
        .map(|f| serde_json::from_str::<PolicyPack>(f).map_err(|e| e.to_string()))
        .collect()
}

/// The embedded packs, in `PolicyPackId` order. The files are checked by a test, so a broken
/// file never ships; should one fail anyway, an empty pack stands in (every rule then reads its
/// built-in default) rather than stopping the service.
pub fn packs() -> &'static [PolicyPack; 2] {
    static PACKS: OnceLock<[PolicyPack; 2]> = OnceLock::new();
    PACKS.get_or_init(|| {
        let empty = |id| PolicyPack {
            id,
            title: String::new(),
            effective_from: NaiveDate::MIN,
            effective_until: None,
            rules: Vec::new(),
        };
        match load() {
            Ok(v) if v.len() == 2 => {
                let mut it = v.into_iter();
                [
                    it.next().unwrap_or_else(|| empty(PolicyPackId::Ca2012)),
                    it.next().unwrap_or_else(|| empty(PolicyPackId::Ca2025)),
                ]
            }
            _ => [empty(PolicyPackId::Ca2012), empty(PolicyPackId::Ca2025)],
        }
    })
}

/// Which way a county may move a rule's number. The packs state the law; a county may only make
/// it stricter (a shorter deadline, a more frequent interval, a longer minimum), never looser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A statutory deadline or interval: the county's value may be at most the law's.
    AtMost,
    /// A statutory minimum duration: the county's value may be at least the law's.
    AtLeast,
    /// Local practice, not set by law (how early to warn): any positive value.
    Local,
}

/// How the law bounds `rule.param`.
pub fn limit_of(rule: RuleId, param: &str) -> Limit {
    match (rule, param) {
        (RuleId::R8, "months") => Limit::AtLeast,
        (RuleId::R10, "warning_days") | (RuleId::R8, "transfer_bridge_days") => Limit::Local,
        _ => Limit::AtMost,
    }
}

/// The law's value of `rule.param`: the strictest any pack states.
pub fn statutory_value(rule: RuleId, param: &str) -> Option<i64> {
    let values = packs()
        .iter()
        .filter_map(|p| p.rule(rule).and_then(|r| r.params.get(param)).copied());
    match limit_of(rule, param) {
        Limit::AtMost => values.min(),
        Limit::AtLeast => values.max(),
        Limit::Local => None,
    }
}

/// Whether a county may set `rule.param` to `value`: a positive whole number, within the
/// law's limit in the direction the law allows ([`limit_of`]). The message says the limit.
pub fn check_value(rule: RuleId, param: &str, value: i64) -> Result<(), String> {
    if value <= 0 {
        return Err("the value must be a positive whole number".to_owned());
    }
    match (limit_of(rule, param), statutory_value(rule, param)) {
        (Limit::AtMost, Some(law)) if value > law => Err(format!(
            "the law sets at most {law}; a county may shorten it, not lengthen it"
        )),
        (Limit::AtLeast, Some(law)) if value < law => Err(format!(
            "the law sets at least {law}; a county may lengthen it, not shorten it"
        )),
        _ => Ok(()),
    }
}

/// The values a county may give `rule.param`: (least, greatest), the greatest `None` when the
/// law sets no ceiling.
pub fn bounds(rule: RuleId, param: &str) -> (i64, Option<i64>) {
    match (limit_of(rule, param), statutory_value(rule, param)) {
        (Limit::AtMost, Some(law)) => (1, Some(law)),
        (Limit::AtLeast, Some(law)) => (law, None),
        _ => (1, None),
    }
}

/// Every number a county may change: each (rule, parameter) any pack defines, in rule order.
pub fn parameters() -> Vec<(RuleId, String)> {
    let mut out: Vec<(RuleId, String)> = Vec::new();
    for rule in RuleId::ALL {
        for pack in packs() {
            if let Some(r) = pack.rule(*rule) {
                for name in r.params.keys() {
                    if !out.iter().any(|(x, n)| x == rule && n == name) {
                        out.push((*rule, name.clone()));
                    }
                }
            }
        }
    }
    out
}

/// A county's changes to rule numbers: (rule, parameter) -> value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    pub values: BTreeMap<(RuleId, String), i64>,
}

impl Overrides {
    /// Parses `R9.months = 6` lines (blank lines and `#` comments allowed). Only parameters a
    /// pack defines may be overridden, only with a positive number, and only in the direction
    /// the law allows ([`limit_of`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut values = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let bad = |why: &str| format!("line {}: \"{line}\": {why}", n + 1);
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| bad("write RULE.parameter = number"))?;
            let (rule, param) = name
                .trim()
                .split_once('.')
                .ok_or_else(|| bad("write RULE.parameter = number"))?;
            let rule: RuleId = rule
                .trim()
                .parse()
                .map_err(|e: ParseError| bad(&e.to_string()))?;
            let param = param.trim().to_owned();
            let known = packs()
                .iter()
                .any(|p| p.rule(rule).is_some_and(|r| r.params.contains_key(&param)));
            if !known {
                return Err(bad("no pack has this parameter for this rule"));
            }
            let value: i64 = value
                .trim()
                .parse()
                .map_err(|_| bad("the value must be a positive whole number"))?;
            check_value(rule, &param, value).map_err(|e| bad(&e))?;
            values.insert((rule, param), value);
        }
        Ok(Overrides { values })
    }

    /// The text form `parse` reads.
    pub fn to_text(&self) -> String {
        self.values
            .iter()
            .map(|((r, p), v)| format!("{}.{p} = {v}\n", r.code()))
            .collect()
    }
}

/// A rule's number: the county's override, else the pack's value, else `default`.
pub fn param(
    pack: PolicyPackId,
    rule: RuleId,
    name: &str,
    overrides: &Overrides,
    default: i64,
) -> i64 {
    overrides
        .values
        .get(&(rule, name.to_owned()))
        .copied()
        .or_else(|| {
            pack.pack()
                .rule(rule)
                .and_then(|r| r.params.get(name).copied())
        })
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pack_follows_the_event_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            PolicyPackId::in_force_on(d("2024-12-31")),
            PolicyPackId::Ca2012
        );
        assert_eq!(
            PolicyPackId::in_force_on(d("2025-01-01")),
            PolicyPackId::Ca2025
        );
        assert_eq!(
            PolicyPackId::in_force_on(d("2025-01-02")),
            PolicyPackId::Ca2025
        );
        assert_eq!("ca-2012".parse::<PolicyPackId>(), Ok(PolicyPackId::Ca2012));
    }

    #[test]
    fn the_embedded_files_load_with_every_rule() {
        let loaded = load().unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[0].id, PolicyPackId::Ca2012);
        assert_eq!(loaded[1].id, PolicyPackId::Ca2025);
        for rule in RuleId::ALL {
            let in_2012 = loaded[0].rule(*rule).is_some();
            let in_2025 = loaded[1].rule(*rule).is_some();
            match rule {
                RuleId::R6a => assert!(in_2012 && !in_2025),
                RuleId::R6b => assert!(!in_2012 && in_2025),
                _ => assert!(in_2012 && in_2025, "{rule}"),
            }
        }
        assert_eq!(
            loaded[0].effective_until,
            loaded[1].effective_from.pred_opt()
        );
        assert_eq!(
            param(
                PolicyPackId::Ca2012,
                RuleId::R6a,
                "working_days",
                &Overrides::default(),
                0
            ),
            5
        );
        assert_eq!(
            param(
                PolicyPackId::Ca2025,
                RuleId::R6b,
                "days",
                &Overrides::default(),
                0
            ),
            30
        );
    }

    #[test]
    fn a_county_overrides_a_number_the_packs_define() {
        let o = Overrides::parse("# Sonoma\nR9.months = 6\n\n").unwrap();
        assert_eq!(param(PolicyPackId::Ca2025, RuleId::R9, "months", &o, 12), 6);
        assert_eq!(
            param(
                PolicyPackId::Ca2025,
                RuleId::R9,
                "months",
                &Overrides::default(),
                0
            ),
            12
        );
        assert_eq!(Overrides::parse(&o.to_text()).unwrap(), o);
        for (bad, says) in [
            ("R9.weeks = 6", "no pack has"),
            ("R99.months = 6", "rule must be one of"),
            ("R9.months = 0", "positive"),
            ("R9.months = six", "positive"),
            ("R9 months 6", "RULE.parameter"),
        ] {
            let err = Overrides::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn every_number_has_bounds_from_the_law() {
        let all = parameters();
        assert!(all.contains(&(RuleId::R9, "months".to_owned())));
        assert!(all.contains(&(RuleId::R8, "months".to_owned())));
        let unique: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "each number once");
        assert_eq!(bounds(RuleId::R9, "months"), (1, Some(12)));
        assert_eq!(bounds(RuleId::R5, "days"), (1, Some(30)));
        assert_eq!(bounds(RuleId::R8, "months"), (12, None));
        assert_eq!(bounds(RuleId::R10, "warning_days"), (1, None));
        for (rule, param) in &all {
            let (least, most) = bounds(*rule, param);
            assert!(check_value(*rule, param, least).is_ok(), "{rule}.{param}");
            assert!(
                check_value(*rule, param, least - 1).is_err(),
                "{rule}.{param}"
            );
            if let Some(most) = most {
                assert!(check_value(*rule, param, most).is_ok(), "{rule}.{param}");
                assert!(
                    check_value(*rule, param, most + 1).is_err(),
                    "{rule}.{param}"
                );
            }
        }
    }

    #[test]
    fn a_county_only_tightens_the_law() {
        // Deadlines and intervals: at most the law's number.
        for ok in [
            "R5.days = 30",
            "R5.days = 1",
            "R13.working_days = 2",
            "R9.months = 12",
        ] {
            assert!(Overrides::parse(ok).is_ok(), "{ok}");
        }
        for (loose, law) in [
            ("R5.days = 31", "at most 30"),
            ("R5.days = 100000", "at most 30"),
            ("R13.working_days = 3", "at most 2"),
            ("R9.months = 13", "at most 12"),
            ("R4.limit_days = 121", "at most 120"),
        ] {
            let err = Overrides::parse(loose).unwrap_err();
            assert!(
                err.contains(law) && err.contains("not lengthen"),
                "{loose}: {err}"
            );
        }
        // The minimum length of treatment: at least the law's year.
        assert!(Overrides::parse("R8.months = 12").is_ok());
        assert!(Overrides::parse("R8.months = 18").is_ok());
        let err = Overrides::parse("R8.months = 11").unwrap_err();
        assert!(
            err.contains("at least 12") && err.contains("not shorten"),
            "{err}"
        );
        // How early to warn is local practice.
        assert!(Overrides::parse("R10.warning_days = 200").is_ok());
        assert_eq!(limit_of(RuleId::R10, "warning_days"), Limit::Local);
        assert_eq!(statutory_value(RuleId::R5, "days"), Some(30));
    }
}
