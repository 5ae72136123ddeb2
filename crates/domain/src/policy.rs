//! Policy packs: the rule sets in force for a period. `ca-2012` holds the seeds' rules;
//! `ca-2025` holds SB 1473 (Ch. 191, Stats. 2024), in force from 2025-01-01. The pack that
//! applies to an event is chosen by the event's date.

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
}
