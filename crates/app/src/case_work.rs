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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use containment_storage::TeamMemberRecord;

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

/// Where a case stands as anyone may see it, worked out once per snapshot of the case facts:
/// what [`CaseWork`] shows, before the viewer's rights are applied.
#[derive(Debug, Clone)]
pub(crate) struct CaseStanding {
    pub owning_agency_id: i64,
    /// The team of every episode, as stored.
    pub team: Vec<TeamMemberRecord>,
    /// The latest score of each instrument: instrument, day scored, level.
    pub levels: Vec<(Instrument, NaiveDate, String)>,
    pub overdue: usize,
    pub missed: usize,
    pub next_due: Option<(NaiveDate, RuleId)>,
    pub last_provider_contact: Option<NaiveDate>,
}

pub(crate) fn standing(
    case: LoadedCase,
    policies: &Policies,
    calendar: &Calendar,
    today: NaiveDate,
) -> CaseStanding {
    let mut overdue = 0;
    let mut missed = 0;
    let mut next_due: Option<(NaiveDate, RuleId)> = None;
    evaluate_case(&case, policies, calendar, today, &mut |o| {
        if o.is_missed(today) {
            missed += 1;
            return;
        }
        match o.window(today) {
            Some(Window::Overdue) => overdue += 1,
            Some(_) => {
                if let Some(d) = o.due
                    && next_due.is_none_or(|(n, _)| d < n)
                {
                    next_due = Some((d, o.key.rule));
                }
            }
            None => {}
        }
    });
    let last_provider_contact = case
        .facts
        .contacts
        .iter()
        .filter(|c| c.by_provider)
        .map(|c| c.on)
        .max();
    CaseStanding {
        owning_agency_id: case.owning_agency_id,
        team: case.team,
        levels: case.levels,
        overdue,
        missed,
        next_due,
        last_provider_contact,
    }
}

/// Where the case stands as `actor` may see it.
pub(crate) fn case_work(actor: &Actor, case: &CaseStanding, today: NaiveDate) -> CaseWork {
    let rels = relationships_to(actor, case.owning_agency_id, &case.team, today);
    let may = |kind| decide_on_case(actor, &rels, Action::Read, kind).is_allowed();
    let risk = case
        .levels
        .iter()
        .filter(|(i, _, _)| may(crate::scores::score_kind(*i)))
        .map(|(i, _, level)| (*i, level.clone()))
        .collect();
    if !may(RecordKind::Obligation) {
        return CaseWork {
            risk,
            ..CaseWork::default()
        };
    }
    CaseWork {
        overdue: Some(case.overdue),
        missed: case.missed,
        next_due: case.next_due,
        last_provider_contact: case.last_provider_contact,
        risk,
    }
}

/// What was worked out from the latest snapshot of the case facts this process has seen, on
/// one day: the standing of each case (the caseload), the agency's dashboard figures. A snapshot
/// of a later generation (someone changed a case, a certification or a county's policy) or a new
/// day starts afresh; a request reading an older snapshot neither uses nor fills it. Every
/// instance keeps its own, and the generation is read from the database in the request's own
/// snapshot, so a change made through another instance is seen.
#[derive(Debug)]
pub(crate) struct SnapshotCache<K, V> {
    inner: Mutex<Snapshot<K, V>>,
    /// Past this many entries the cache starts afresh.
    most: usize,
}

/// Where each case stands, by case id.
pub(crate) type StandingCache = SnapshotCache<i64, Arc<CaseStanding>>;

#[derive(Debug)]
struct Snapshot<K, V> {
    generation: i64,
    today: Option<NaiveDate>,
    entries: HashMap<K, V>,
}

/// More cases than a statewide deployment holds.
const MOST_CACHED: usize = 200_000;

impl Default for StandingCache {
    fn default() -> Self {
        Self::new(MOST_CACHED)
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> SnapshotCache<K, V> {
    pub(crate) fn new(most: usize) -> Self {
        Self {
            inner: Mutex::new(Snapshot {
                generation: 0,
                today: None,
                entries: HashMap::new(),
            }),
            most,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Snapshot<K, V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached values of `keys` for this generation and day; the keys not found are
    /// returned to be worked out.
    pub(crate) fn get(
        &self,
        generation: i64,
        today: NaiveDate,
        keys: &[K],
    ) -> (HashMap<K, V>, Vec<K>) {
        let mut snapshot = self.lock();
        if snapshot.generation != generation || snapshot.today != Some(today) {
            let later =
                generation >= snapshot.generation && snapshot.today.is_none_or(|day| today >= day);
            if !later {
                // An older snapshot than the cache's: worked out afresh, not kept.
                return (HashMap::new(), keys.to_vec());
            }
            snapshot.generation = generation;
            snapshot.today = Some(today);
            snapshot.entries.clear();
        }
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for key in keys {
            match snapshot.entries.get(key) {
                Some(v) => {
                    found.insert(key.clone(), v.clone());
                }
                None => missing.push(key.clone()),
            }
        }
        (found, missing)
    }

    /// The cached value of one key for this generation and day.
    pub(crate) fn get_one(&self, generation: i64, today: NaiveDate, key: &K) -> Option<V> {
        let (mut found, _) = self.get(generation, today, std::slice::from_ref(key));
        found.remove(key)
    }

    /// Keeps values worked out from a snapshot of `generation` on `today`.
    pub(crate) fn put(
        &self,
        generation: i64,
        today: NaiveDate,
        worked_out: impl IntoIterator<Item = (K, V)>,
    ) {
        let mut snapshot = self.lock();
        if snapshot.generation != generation || snapshot.today != Some(today) {
            return;
        }
        if snapshot.entries.len() > self.most {
            snapshot.entries.clear();
        }
        snapshot.entries.extend(worked_out);
    }
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

    fn standing(overdue: usize) -> Arc<CaseStanding> {
        Arc::new(CaseStanding {
            owning_agency_id: 1,
            team: Vec::new(),
            levels: Vec::new(),
            overdue,
            missed: 0,
            next_due: None,
            last_provider_contact: None,
        })
    }

    fn cached(cache: &StandingCache, generation: i64, day: &str, ids: &[i64]) -> Vec<usize> {
        let (found, _) = cache.get(generation, d(day), ids);
        let mut overdue: Vec<usize> = found.values().map(|s| s.overdue).collect();
        overdue.sort_unstable();
        overdue
    }

    #[test]
    fn standings_are_kept_for_one_generation_and_one_day() {
        let cache = StandingCache::default();
        let (found, missing) = cache.get(5, d("2026-12-03"), &[1, 2]);
        assert!(found.is_empty());
        assert_eq!(missing, [1, 2]);
        cache.put(5, d("2026-12-03"), [(1, standing(3)), (2, standing(4))]);
        assert_eq!(cached(&cache, 5, "2026-12-03", &[1, 2, 9]), [3, 4]);
        let (_, missing) = cache.get(5, d("2026-12-03"), &[1, 2, 9]);
        assert_eq!(missing, [9]);
        // A request reading an older snapshot neither uses nor fills what is kept.
        assert!(cached(&cache, 4, "2026-12-03", &[1, 2]).is_empty());
        cache.put(4, d("2026-12-03"), [(9, standing(7))]);
        assert_eq!(cached(&cache, 5, "2026-12-03", &[9]), Vec::<usize>::new());
        // A later generation starts afresh, and so does the next day.
        assert!(cached(&cache, 6, "2026-12-03", &[1, 2]).is_empty());
        cache.put(6, d("2026-12-03"), [(1, standing(1))]);
        assert_eq!(cached(&cache, 6, "2026-12-03", &[1]), [1]);
        assert!(cached(&cache, 6, "2026-12-04", &[1]).is_empty());
        // What was kept under the day before is gone, not brought back.
        assert!(cached(&cache, 6, "2026-12-03", &[1]).is_empty());
        assert!(cached(&cache, 6, "2026-12-04", &[1]).is_empty());
    }
}
