//! The life of a score after it is scored: the provider's review of the Static-99R (R3), the
//! provider sharing a dynamic or violence score with its written interpretation (R5), the
//! officer's receipt, and the submission to DOJ (R6a under ca-2012, R6b under ca-2025). Which
//! DOJ rule applies follows the scoring date.

use std::{fmt, str::FromStr};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::access::TeamRole;
use crate::calendar::Calendar;
use crate::identity::code_enum;
use crate::instrument::Instrument;
use crate::policy::{Overrides, PolicyPackId, RuleId, param};

/// Calendar days the provider has to give a score to the officer (R5).
pub const SHARE_DAYS: u64 = 30;
/// Working days the officer has to send a dynamic score to DOJ after receiving it (R6a).
pub const OFFICER_DOJ_WORKING_DAYS: u32 = 5;
/// Days the provider has to send dynamic and violence scores to DOJ after scoring (R6b).
pub const PROVIDER_DOJ_DAYS: u64 = 30;

code_enum! {
    /// A step of a score's chain.
    ChainStep, "step" {
        ProviderReview => "provider_review", "Provider's review of the Static-99R (R3)";
        SharedWithOfficer => "shared_with_officer", "Shared with the officer, with interpretation (R5)";
        OfficerReceipt => "officer_receipt", "Received by the officer";
        DojSubmission => "doj_submission", "Submitted to DOJ (R6)";
    }
}

/// A recorded step: what and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDone {
    pub step: ChainStep,
    pub on: NaiveDate,
}

/// What a score waits on next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub step: ChainStep,
    /// Who must take the step.
    pub responsible: TeamRole,
    /// The last day it is on time, when a rule sets one.
    pub due: Option<NaiveDate>,
    /// The rule and its source, in one sentence.
    pub rule: &'static str,
}

/// The steps a score of this instrument goes through, in order, under the pack in force on
/// its scoring date.
pub fn steps_for(instrument: Instrument, scored_on: NaiveDate) -> &'static [ChainStep] {
    let pack = PolicyPackId::in_force_on(scored_on);
    match instrument {
        Instrument::Static99r => &[ChainStep::ProviderReview],
        Instrument::Stable2007 | Instrument::SraFv => &[
            ChainStep::SharedWithOfficer,
            ChainStep::OfficerReceipt,
            ChainStep::DojSubmission,
        ],
        // Under ca-2012 the online scoring itself sends LS/CMI to DOJ.
        Instrument::LsCmi => match pack {
            PolicyPackId::Ca2012 => &[ChainStep::SharedWithOfficer, ChainStep::OfficerReceipt],
            PolicyPackId::Ca2025 => &[
                ChainStep::SharedWithOfficer,
                ChainStep::OfficerReceipt,
                ChainStep::DojSubmission,
            ],
        },
        Instrument::Acute2007 | Instrument::Jsorrat2 => &[],
    }
}

/// The step that must be recorded before this one: the officer receives what the provider
/// shared, and under ca-2012 sends to DOJ what they received. Under ca-2025 the provider's DOJ
/// submission waits on nothing.
pub fn prerequisite(step: ChainStep, scored_on: NaiveDate) -> Option<ChainStep> {
    match (step, PolicyPackId::in_force_on(scored_on)) {
        (ChainStep::OfficerReceipt, _) => Some(ChainStep::SharedWithOfficer),
        (ChainStep::DojSubmission, PolicyPackId::Ca2012) => Some(ChainStep::OfficerReceipt),
        _ => None,
    }
}

/// Who takes a step of a score scored on `scored_on`.
pub fn responsible_for(step: ChainStep, scored_on: NaiveDate) -> TeamRole {
    match step {
        ChainStep::ProviderReview | ChainStep::SharedWithOfficer => TeamRole::TreatmentProvider,
        ChainStep::OfficerReceipt => TeamRole::SupervisingOfficer,
        ChainStep::DojSubmission => match PolicyPackId::in_force_on(scored_on) {
            PolicyPackId::Ca2012 => TeamRole::SupervisingOfficer,
            PolicyPackId::Ca2025 => TeamRole::TreatmentProvider,
        },
    }
}

fn done_on(done: &[StepDone], step: ChainStep) -> Option<NaiveDate> {
    done.iter().filter(|d| d.step == step).map(|d| d.on).min()
}

/// The due date of a step, given what is done; `None` when no rule sets one or it cannot be
/// known yet (the receipt that starts R6a's clock has not happened).
pub fn due_date(
    step: ChainStep,
    scored_on: NaiveDate,
    done: &[StepDone],
    calendar: &Calendar,
    overrides: &Overrides,
) -> Option<NaiveDate> {
    let pack = PolicyPackId::in_force_on(scored_on);
    let days = |rule: RuleId, default: u64| {
        u64::try_from(param(
            pack,
            rule,
            "days",
            overrides,
            i64::try_from(default).unwrap_or(30),
        ))
        .unwrap_or(default)
    };
    match step {
        // R3 runs from treatment intake, which the treatment record supplies.
        ChainStep::ProviderReview | ChainStep::OfficerReceipt => None,
        ChainStep::SharedWithOfficer => {
            scored_on.checked_add_days(Days::new(days(RuleId::R5, SHARE_DAYS)))
        }
        ChainStep::DojSubmission => match PolicyPackId::in_force_on(scored_on) {
            PolicyPackId::Ca2012 => {
                let wd = param(
                    pack,
                    RuleId::R6a,
                    "working_days",
                    overrides,
                    i64::from(OFFICER_DOJ_WORKING_DAYS),
                );
                done_on(done, ChainStep::OfficerReceipt).map(|r| {
                    calendar
                        .add_working_days(r, u32::try_from(wd).unwrap_or(OFFICER_DOJ_WORKING_DAYS))
                })
            }
            PolicyPackId::Ca2025 => {
                scored_on.checked_add_days(Days::new(days(RuleId::R6b, PROVIDER_DOJ_DAYS)))
            }
        },
    }
}

fn rule_text(step: ChainStep, scored_on: NaiveDate) -> &'static str {
    match (step, PolicyPackId::in_force_on(scored_on)) {
        (ChainStep::ProviderReview, _) => {
            "R3: the provider reviews the Static-99R by the end of the intake assessment (PC 290.09(b)(2))."
        }
        (ChainStep::SharedWithOfficer, _) => {
            "R5: the provider gives the score with a written interpretation to the officer within 30 days of scoring (PC 290.09(b)(2))."
        }
        (ChainStep::OfficerReceipt, _) => {
            "The officer acknowledges receiving the score, which starts the DOJ clock under the 2012 rules."
        }
        (ChainStep::DojSubmission, PolicyPackId::Ca2012) => {
            "R6a (ca-2012): the officer sends the dynamic score to DOJ within 5 working days of receiving it (PC 290.09(b)(2))."
        }
        (ChainStep::DojSubmission, PolicyPackId::Ca2025) => {
            "R6b (ca-2025): the provider sends dynamic and violence scores to the SARATSO/GEARS database within 30 days of the assessment (SB 1473)."
        }
    }
}

/// The steps not yet done whose prerequisite is, with who must take each and by when; empty
/// when the chain is complete.
pub fn waiting_on(
    instrument: Instrument,
    scored_on: NaiveDate,
    done: &[StepDone],
    calendar: &Calendar,
    overrides: &Overrides,
) -> Vec<Waiting> {
    steps_for(instrument, scored_on)
        .iter()
        .filter(|s| done_on(done, **s).is_none())
        .filter(|s| prerequisite(**s, scored_on).is_none_or(|p| done_on(done, p).is_some()))
        .map(|step| Waiting {
            step: *step,
            responsible: responsible_for(*step, scored_on),
            due: due_date(*step, scored_on, done, calendar, overrides),
            rule: rule_text(*step, scored_on),
        })
        .collect()
}

/// Why a step cannot be recorded now, if it cannot: it must belong to the instrument's chain,
/// follow its prerequisite, not be recorded twice, and not be dated before the scoring or
/// the step before it.
pub fn check_step(
    instrument: Instrument,
    scored_on: NaiveDate,
    done: &[StepDone],
    step: ChainStep,
    on: NaiveDate,
) -> Result<(), &'static str> {
    if !steps_for(instrument, scored_on).contains(&step) {
        return Err("this step is not part of this instrument's chain");
    }
    if done_on(done, step).is_some() {
        return Err("this step is already recorded");
    }
    if on < scored_on {
        return Err("a step cannot be dated before the score");
    }
    if let Some(prev) = prerequisite(step, scored_on) {
        match done_on(done, prev) {
            None => return Err("the step before it is not recorded yet"),
            Some(d) if on < d => return Err("a step cannot be dated before the step before it"),
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn done(list: &[(ChainStep, &str)]) -> Vec<StepDone> {
        list.iter()
            .map(|(step, on)| StepDone {
                step: *step,
                on: d(on),
            })
            .collect()
    }

    #[test]
    fn a_stable_score_shares_within_30_days() {
        let cal = Calendar::california();
        let waiting = waiting_on(
            Instrument::Stable2007,
            d("2026-03-02"),
            &[],
            &cal,
            &Overrides::default(),
        );
        // Under ca-2025 the provider owes both the sharing and the DOJ submission at once.
        assert_eq!(waiting.len(), 2);
        let w = &waiting[0];
        assert_eq!(w.step, ChainStep::SharedWithOfficer);
        assert_eq!(waiting[1].step, ChainStep::DojSubmission);
        // A county that gives 20 days instead.
        let county = Overrides::parse("R5.days = 20").unwrap();
        let waiting = waiting_on(Instrument::Stable2007, d("2026-03-02"), &[], &cal, &county);
        assert_eq!(waiting[0].due, Some(d("2026-03-22")));
        assert_eq!(
            waiting[1].due,
            Some(d("2026-04-01")),
            "R6b keeps its 30 days"
        );
        assert_eq!(waiting[1].due, Some(d("2026-04-01")));
        assert_eq!(w.responsible, TeamRole::TreatmentProvider);
        // 2 March + 30 days = 1 April: met on the 1st, late on the 2nd.
        assert_eq!(w.due, Some(d("2026-04-01")));
    }

    #[test]
    fn under_2012_the_officer_sends_to_doj_within_5_working_days_of_receipt() {
        let cal = Calendar::california();
        // Scored 2024-11-01, received Friday 2024-11-22; Thanksgiving 28 and 29 Nov are
        // holidays: Mon 25, Tue 26, Wed 27, Mon 2 Dec, Tue 3 Dec.
        let steps = done(&[
            (ChainStep::SharedWithOfficer, "2024-11-20"),
            (ChainStep::OfficerReceipt, "2024-11-22"),
        ]);
        let waiting = waiting_on(
            Instrument::Stable2007,
            d("2024-11-01"),
            &steps,
            &cal,
            &Overrides::default(),
        );
        assert_eq!(waiting.len(), 1);
        let w = &waiting[0];
        assert_eq!(w.step, ChainStep::DojSubmission);
        assert_eq!(w.responsible, TeamRole::SupervisingOfficer);
        assert_eq!(w.due, Some(d("2024-12-03")));
        assert!(w.rule.starts_with("R6a"));
    }

    #[test]
    fn under_2025_the_provider_sends_to_doj_within_30_days_of_scoring() {
        let cal = Calendar::california();
        let steps = done(&[
            (ChainStep::SharedWithOfficer, "2025-01-10"),
            (ChainStep::OfficerReceipt, "2025-01-12"),
        ]);
        let waiting = waiting_on(
            Instrument::Stable2007,
            d("2025-01-02"),
            &steps,
            &cal,
            &Overrides::default(),
        );
        assert_eq!(waiting.len(), 1);
        let w = &waiting[0];
        assert_eq!(w.responsible, TeamRole::TreatmentProvider);
        assert_eq!(w.due, Some(d("2025-02-01")));
        assert!(w.rule.starts_with("R6b"));
        // The last day of 2024 still follows the 2012 rules.
        assert_eq!(
            responsible_for(ChainStep::DojSubmission, d("2024-12-31")),
            TeamRole::SupervisingOfficer
        );
    }

    #[test]
    fn lscmi_goes_to_doj_by_itself_under_2012_only() {
        assert_eq!(
            steps_for(Instrument::LsCmi, d("2024-06-01")),
            &[ChainStep::SharedWithOfficer, ChainStep::OfficerReceipt]
        );
        assert!(steps_for(Instrument::LsCmi, d("2025-06-01")).contains(&ChainStep::DojSubmission));
        assert!(steps_for(Instrument::Jsorrat2, d("2025-06-01")).is_empty());
        assert_eq!(
            steps_for(Instrument::Static99r, d("2025-06-01")),
            &[ChainStep::ProviderReview]
        );
    }

    #[test]
    fn a_complete_chain_waits_on_nothing() {
        let cal = Calendar::california();
        let steps = done(&[(ChainStep::ProviderReview, "2026-02-01")]);
        assert!(
            waiting_on(
                Instrument::Static99r,
                d("2026-01-15"),
                &steps,
                &cal,
                &Overrides::default()
            )
            .is_empty()
        );
        // Before the 2024 receipt the 2012 DOJ step is not yet owed, nor its date known.
        let shared = done(&[(ChainStep::SharedWithOfficer, "2024-11-20")]);
        let waiting = waiting_on(
            Instrument::Stable2007,
            d("2024-11-01"),
            &shared,
            &cal,
            &Overrides::default(),
        );
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].step, ChainStep::OfficerReceipt);
        assert_eq!(
            due_date(
                ChainStep::DojSubmission,
                d("2024-11-01"),
                &shared,
                &cal,
                &Overrides::default()
            ),
            None
        );
    }

    #[test]
    fn steps_go_in_order_once_and_not_before_the_score() {
        let scored = d("2026-03-02");
        let i = Instrument::Stable2007;
        assert_eq!(
            check_step(i, scored, &[], ChainStep::OfficerReceipt, d("2026-03-05")),
            Err("the step before it is not recorded yet")
        );
        assert_eq!(
            check_step(
                i,
                scored,
                &[],
                ChainStep::SharedWithOfficer,
                d("2026-03-01")
            ),
            Err("a step cannot be dated before the score")
        );
        assert_eq!(
            check_step(i, scored, &[], ChainStep::ProviderReview, d("2026-03-05")),
            Err("this step is not part of this instrument's chain")
        );
        let shared = done(&[(ChainStep::SharedWithOfficer, "2026-03-10")]);
        assert_eq!(
            check_step(
                i,
                scored,
                &shared,
                ChainStep::SharedWithOfficer,
                d("2026-03-11")
            ),
            Err("this step is already recorded")
        );
        assert_eq!(
            check_step(
                i,
                scored,
                &shared,
                ChainStep::OfficerReceipt,
                d("2026-03-09")
            ),
            Err("a step cannot be dated before the step before it")
        );
        assert_eq!(
            check_step(
                i,
                scored,
                &shared,
                ChainStep::OfficerReceipt,
                d("2026-03-10")
            ),
            Ok(())
        );
        // Under ca-2025 the provider may submit to DOJ before the officer's receipt; under
        // ca-2012 the officer submits only what they received.
        assert_eq!(
            check_step(
                i,
                scored,
                &shared,
                ChainStep::DojSubmission,
                d("2026-03-11")
            ),
            Ok(())
        );
        let old = d("2024-03-02");
        let shared_2024 = done(&[(ChainStep::SharedWithOfficer, "2024-03-10")]);
        assert_eq!(
            check_step(
                i,
                old,
                &shared_2024,
                ChainStep::DojSubmission,
                d("2024-03-11")
            ),
            Err("the step before it is not recorded yet")
        );
    }
}
