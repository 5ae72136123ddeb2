//! Where a case stands, for the caseload: how much is overdue, what is due next, when the
//! provider last reported, the current risk levels. Each figure only as far as the viewer may
//! read what it comes from.

use std::cmp::Ordering;

use chrono::NaiveDate;
use containment_domain::access::{Action, RecordKind};
use containment_domain::calendar::Calendar;
use containment_domain::compliance::Window;
use containment_domain::instrument::Instrument;
use containment_domain::policy::RuleId;

use crate::actor::Actor;
use crate::case_access::{decide_on_case, relationships_to};
use crate::compliance::{LoadedCase, Policies, evaluate_case};

/// Where one case stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseWork {
    /// Obligations overdue that can still be met, by anyone on the team; `None` when the
    /// viewer may not read the case's obligations (nor what follows from them).
    pub overdue: Option<usize>,
    /// Obligations past doing, on record.
    pub missed: usize,
    /// The next obligation due, not yet overdue.
    pub next_due: Option<(NaiveDate, RuleId)>,
    /// The last contact the provider documented (or a signed monthly report).
    pub last_provider_contact: Option<NaiveDate>,
    /// The latest level of each instrument the viewer may see.
    pub risk: Vec<(Instrument, String)>,
}

/// Most overdue first, then soonest due; cases whose work the viewer cannot see last.
pub fn urgency(a: Option<&CaseWork>, b: Option<&CaseWork>) -> Ordering {
    let key = |w: Option<&CaseWork>| {
        let w = w.cloned().unwrap_or_default();
        (
            std::cmp::Reverse(w.overdue.unwrap_or(0)),
            w.next_due.map_or(NaiveDate::MAX, |(d, _)| d),
        )
    };
    key(a).cmp(&key(b))
}

pub(crate) fn case_work(
    actor: &Actor,
    case: &LoadedCase,
    policies: &Policies,
    calendar: &Calendar,
    today: NaiveDate,
) -> CaseWork {
    let rels = relationships_to(actor, case.owning_agency_id, &case.team, today);
    let may = |kind| decide_on_case(actor, &rels, Action::Read, kind).is_allowed();
    let mut work = CaseWork {
        risk: case
            .levels
            .iter()
            .filter(|(i, _, _)| may(crate::scores::score_kind(*i)))
            .map(|(i, _, level)| (*i, level.clone()))
            .collect(),
        ..CaseWork::default()
    };
    if !may(RecordKind::Obligation) {
        return work;
    }
    let mut overdue = 0;
    evaluate_case(case, policies, calendar, today, &mut |o| {
        if o.is_missed(today) {
            work.missed += 1;
            return;
        }
        match o.window(today) {
            Some(Window::Overdue) => overdue += 1,
            Some(_) => {
                if let Some(d) = o.due
                    && work.next_due.is_none_or(|(n, _)| d < n)
                {
                    work.next_due = Some((d, o.key.rule));
                }
            }
            None => {}
        }
    });
    work.overdue = Some(overdue);
    work.last_provider_contact = case
        .facts
        .contacts
        .iter()
        .filter(|c| c.by_provider)
        .map(|c| c.on)
        .max();
    work
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_most_overdue_comes_first_then_the_soonest_due() {
        let w = |overdue: Option<usize>, next: Option<&str>| CaseWork {
            overdue,
            next_due: next.map(|n| (d(n), RuleId::R1)),
            ..CaseWork::default()
        };
        let mut list = [
            w(Some(0), Some("2026-05-01")),
            w(None, None),
            w(Some(3), Some("2026-09-01")),
            w(Some(0), Some("2026-04-01")),
            w(Some(1), None),
        ];
        list.sort_by(|a, b| urgency(Some(a), Some(b)));
        assert_eq!(
            list.iter().map(|w| w.overdue).collect::<Vec<_>>(),
            [Some(3), Some(1), Some(0), Some(0), None]
        );
        assert_eq!(list[2].next_due.unwrap().0, d("2026-04-01"));
    }
}
