//! Working days for deadlines: Monday to Friday, minus the days California state offices close
//! (Gov. Code 19853, CalHR) and whatever a county adds or drops. Deadlines are whole dates, so
//! everything here works on `NaiveDate` and never on a time of day.
//!
//! Holiday rules repeat exactly every 400 years (the Gregorian cycle is a whole number of weeks),
//! so a calendar keeps one cycle of rule-observed days and answers any date chrono can represent
//! with binary searches, without loops over days or years.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::{fmt, str::FromStr};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::identity::code_enum;

code_enum! {
    /// Named holiday rules (state ones and county options).
    HolidayRule, "holiday" {
        NewYearsDay => "new_years_day", "New Year's Day";
        MartinLutherKingJrDay => "mlk_day", "Martin Luther King Jr. Day";
        PresidentsDay => "presidents_day", "Presidents' Day";
        CesarChavezDay => "cesar_chavez_day", "Cesar Chavez Day";
        MemorialDay => "memorial_day", "Memorial Day";
        IndependenceDay => "independence_day", "Independence Day";
        LaborDay => "labor_day", "Labor Day";
        VeteransDay => "veterans_day", "Veterans Day";
        Thanksgiving => "thanksgiving", "Thanksgiving Day";
        DayAfterThanksgiving => "day_after_thanksgiving", "Day after Thanksgiving";
        Christmas => "christmas", "Christmas Day";
        Juneteenth => "juneteenth", "Juneteenth";
        NativeAmericanDay => "native_american_day", "Native American Day";
        LincolnsBirthday => "lincolns_birthday", "Lincoln's Birthday";
        IndigenousPeoplesDay => "indigenous_peoples_day", "Indigenous Peoples' Day";
    }
}

impl HolidayRule {
    /// The days California state offices close: the default calendar.
    pub const STATE: [HolidayRule; 11] = [
        HolidayRule::NewYearsDay,
        HolidayRule::MartinLutherKingJrDay,
        HolidayRule::PresidentsDay,
        HolidayRule::CesarChavezDay,
        HolidayRule::MemorialDay,
        HolidayRule::IndependenceDay,
        HolidayRule::LaborDay,
        HolidayRule::VeteransDay,
        HolidayRule::Thanksgiving,
        HolidayRule::DayAfterThanksgiving,
        HolidayRule::Christmas,
    ];

    /// The calendar date of the holiday in `year`, before any weekend move.
    fn nominal_in(self, year: i32) -> Option<NaiveDate> {
        use HolidayRule::*;
        match self {
            NewYearsDay => NaiveDate::from_ymd_opt(year, 1, 1),
            MartinLutherKingJrDay => NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Mon, 3),
            PresidentsDay => NaiveDate::from_weekday_of_month_opt(year, 2, Weekday::Mon, 3),
            LincolnsBirthday => NaiveDate::from_ymd_opt(year, 2, 12),
            CesarChavezDay => NaiveDate::from_ymd_opt(year, 3, 31),
            MemorialDay => last_weekday_of(year, 5, 31, Weekday::Mon),
            Juneteenth => NaiveDate::from_ymd_opt(year, 6, 19),
            IndependenceDay => NaiveDate::from_ymd_opt(year, 7, 4),
            LaborDay => NaiveDate::from_weekday_of_month_opt(year, 9, Weekday::Mon, 1),
            NativeAmericanDay => NaiveDate::from_weekday_of_month_opt(year, 9, Weekday::Fri, 4),
            IndigenousPeoplesDay => NaiveDate::from_weekday_of_month_opt(year, 10, Weekday::Mon, 2),
            VeteransDay => NaiveDate::from_ymd_opt(year, 11, 11),
            Thanksgiving => NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4),
            DayAfterThanksgiving => {
                NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)?.succ_opt()
            }
            Christmas => NaiveDate::from_ymd_opt(year, 12, 25),
        }
    }

    /// The observed day off in `year`: a Sunday holiday moves to Monday, Veterans Day on a
    /// Saturday moves to the Friday before, and any other Saturday holiday gives no day off
    /// (`None`). Rules apply to every year; none has a first year of observance here.
    pub fn observed_in(self, year: i32) -> Option<NaiveDate> {
        let date = self.nominal_in(year)?;
        match date.weekday() {
            Weekday::Sun => date.succ_opt(),
            Weekday::Sat if self == HolidayRule::VeteransDay => date.pred_opt(),
            Weekday::Sat => None,
            _ => Some(date),
        }
    }
}

/// The last `weekday` on or before `month`/`last_day` of `year`.
fn last_weekday_of(year: i32, month: u32, last_day: u32, weekday: Weekday) -> Option<NaiveDate> {
    let end = NaiveDate::from_ymd_opt(year, month, last_day)?;
    let back = (end.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
    end.checked_sub_days(Days::new(u64::from(back)))
}

/// One observed day off, with the name a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// Name given to single dates a county adds.
const ADDED_NAME: &str = "County holiday";

/// Years in one Gregorian cycle, and its length in days (exactly 20 871 weeks).
const CYCLE_YEARS: i32 = 400;
const CYCLE_DAYS: i64 = 146_097;
/// First year of the cycle kept by each calendar; any cycle works, this one is recent.
const CYCLE_START_YEAR: i32 = 2000;

/// Why a county calendar configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar entry \"{entry}\" is not recognised: {reason}")]
    UnknownEntry { entry: String, reason: ParseError },
}

/// A working-day calendar: a set of rules plus single added and removed dates.
///
/// A removed date wins over a rule and over an added date. Single added dates are taken as
/// written: they do not move off weekends.
#[derive(Clone)]
pub struct Calendar {
    rules: Vec<HolidayRule>,
    added: BTreeSet<NaiveDate>,
    removed: BTreeSet<NaiveDate>,
    /// Day offsets from the cycle start of every rule-observed day in one 400-year cycle,
    /// sorted. Rule-observed days are never on a weekend. Shared so clones stay cheap.
    cycle: Arc<[u32]>,
    /// Day numbers (from the common era) of added weekday holidays no rule already gives.
    extra: Vec<i64>,
    /// Day numbers of rule-observed days that were removed.
    dropped: Vec<i64>,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("rules", &self.rules)
            .field("added", &self.added)
            .field("removed", &self.removed)
            .finish_non_exhaustive()
    }
}

/// Two calendars are equal when they close on the same configuration; the rest is derived.
impl PartialEq for Calendar {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules && self.added == other.added && self.removed == other.removed
    }
}

impl Eq for Calendar {}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::california()
    }
}

impl Calendar {
    /// The state default: the days California state offices close.
    pub fn california() -> Self {
        Calendar::new(&HolidayRule::STATE, &[], &[])
    }

    pub fn new(rules: &[HolidayRule], added: &[NaiveDate], removed: &[NaiveDate]) -> Self {
        let rules: BTreeSet<HolidayRule> = rules.iter().copied().collect();
        Calendar::build(
            rules,
            added.iter().copied().collect(),
            removed.iter().copied().collect(),
        )
    }

    fn build(
        rules: BTreeSet<HolidayRule>,
        added: BTreeSet<NaiveDate>,
        removed: BTreeSet<NaiveDate>,
    ) -> Self {
        let rules: Vec<HolidayRule> = rules.into_iter().collect();
        let mut cycle: Vec<u32> = Vec::with_capacity(rules.len() * CYCLE_YEARS as usize);
        for year in CYCLE_START_YEAR..CYCLE_START_YEAR + CYCLE_YEARS {
            for rule in &rules {
                if let Some(date) = rule.observed_in(year) {
                    // Observed days stay inside their year, so the offset is within the cycle.
                    if let Ok(offset) = u32::try_from(day_number(date) - CYCLE_BASE) {
                        cycle.push(offset);
                    }
                }
            }
        }
        cycle.sort_unstable();
        cycle.dedup();
        let mut calendar = Calendar {
            rules,
            added,
            removed,
            cycle: cycle.into(),
            extra: Vec::new(),
            dropped: Vec::new(),
        };
        calendar.dropped = calendar
            .removed
            .iter()
            .map(|d| day_number(*d))
            .filter(|d| calendar.is_rule_day(*d))
            .collect();
        calendar.extra = calendar
            .added
            .iter()
            .filter(|d| !calendar.removed.contains(d) && is_weekday(**d))
            .map(|d| day_number(*d))
            .filter(|d| !calendar.is_rule_day(*d))
            .collect();
        calendar
    }

    /// A county calendar from configuration text: comma/whitespace/newline-separated entries,
    /// each either a rule code to add ("juneteenth"), "-" + a rule code to remove
    /// ("-cesar_chavez_day"), a date to add ("2026-12-24"), or "-" + a date to remove. Starts
    /// from the state default; entries apply in order, so a later entry overrides an earlier one.
    /// Codes are matched case-insensitively.
    pub fn parse_county(config: &str) -> Result<Self, CalendarError> {
        let mut rules: BTreeSet<HolidayRule> = HolidayRule::STATE.into_iter().collect();
        let mut added = BTreeSet::new();
        let mut removed = BTreeSet::new();
        let entries = config
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty());
        for entry in entries {
            let (remove, body) = match entry.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, entry),
            };
            let refuse = |reason| CalendarError::UnknownEntry {
                entry: entry.to_string(),
                reason,
            };
            if body.starts_with(|c: char| c.is_ascii_digit()) {
                let date = NaiveDate::parse_from_str(body, "%Y-%m-%d").map_err(|_| {
                    refuse(ParseError::Invalid {
                        field: "holiday date",
                        reason: "it must be a real date written YYYY-MM-DD",
                    })
                })?;
                if remove {
                    added.remove(&date);
                    removed.insert(date);
                } else {
                    removed.remove(&date);
                    added.insert(date);
                }
            } else {
                let rule: HolidayRule = body.to_ascii_lowercase().parse().map_err(refuse)?;
                if remove {
                    rules.remove(&rule);
                } else {
                    rules.insert(rule);
                }
            }
        }
        Ok(Calendar::build(rules, added, removed))
    }

    /// The county configuration text [`Calendar::parse_county`] reads back as this calendar:
    /// one entry a line, the rules added to or dropped from the state default, then the dates
    /// added, then the dates removed.
    pub fn to_county_config(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        for rule in HolidayRule::ALL {
            let state = HolidayRule::STATE.contains(rule);
            let kept = self.rules.contains(rule);
            if kept && !state {
                lines.push(rule.code().to_owned());
            } else if state && !kept {
                lines.push(format!("-{}", rule.code()));
            }
        }
        lines.extend(self.added.iter().map(|d| d.to_string()));
        lines.extend(self.removed.iter().map(|d| format!("-{d}")));
        lines.join("\n")
    }

    /// The rules in force, in their declared order.
    pub fn rules(&self) -> &[HolidayRule] {
        &self.rules
    }

    /// Single dates added on top of the rules.
    pub fn added(&self) -> &BTreeSet<NaiveDate> {
        &self.added
    }

    /// Single dates that are working days whatever the rules say.
    pub fn removed(&self) -> &BTreeSet<NaiveDate> {
        &self.removed
    }

    /// The observed days off in `year`, sorted by date. A day a rule moved off a weekend is
    /// named "(observed)"; an added date a rule already gives keeps the rule's name.
    pub fn holidays_in(&self, year: i32) -> Vec<Holiday> {
        let mut out: Vec<Holiday> = Vec::new();
        for rule in &self.rules {
            let (Some(nominal), Some(date)) = (rule.nominal_in(year), rule.observed_in(year))
            else {
                continue;
            };
            if self.removed.contains(&date) {
                continue;
            }
            let name = if date == nominal {
                rule.label().to_string()
            } else {
                format!("{} (observed)", rule.label())
            };
            out.push(Holiday { date, name });
        }
        for date in self.added.iter().filter(|d| d.year() == year) {
            if !self.removed.contains(date) && !out.iter().any(|h| h.date == *date) {
                out.push(Holiday {
                    date: *date,
                    name: ADDED_NAME.to_string(),
                });
            }
        }
        out.sort_by_key(|h| h.date);
        out.dedup_by_key(|h| h.date);
        out
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        !self.removed.contains(&date)
            && (self.added.contains(&date) || self.is_rule_day(day_number(date)))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        is_weekday(date) && !self.is_holiday(date)
    }

    /// The date `n` working days after `start` (start itself is not counted; n = 0 returns
    /// start even if start is not a working day). Example: received Wed 2026-11-18, 5 working
    /// days is Wed 2026-11-25; received Mon 2026-11-23, Thanksgiving and the day after push 5
    /// working days to Wed 2026-12-02. Saturates at the last date chrono can represent.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut current = start;
        let mut remaining = i64::from(n);
        // Jump over weekdays, then again over the holidays the jump crossed, until none is left.
        // Each round moves forward at least one weekday, and holidays are sparse, so it ends fast.
        while remaining > 0 {
            let Some(next) = add_weekdays(current, remaining) else {
                return NaiveDate::MAX;
            };
            remaining = self.weekday_holidays(day_number(current) + 1, day_number(next));
            current = next;
        }
        current
    }

    /// The number of working days d with a < d <= b; negative of that for b < a; 0 when equal.
    /// Invariant: `working_days_between(a, add_working_days(a, n)) == n`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let (a, b) = (day_number(a), day_number(b));
        if a == b {
            return 0;
        }
        weekdays_through(b) - weekdays_through(a) - self.weekday_holidays(a + 1, b)
    }

    /// Whether some rule gives the day with this number off (before removals).
    fn is_rule_day(&self, day: i64) -> bool {
        let offset = (day - CYCLE_BASE).rem_euclid(CYCLE_DAYS);
        u32::try_from(offset).is_ok_and(|o| self.cycle.binary_search(&o).is_ok())
    }

    /// Rule-observed days with a number below `day`, counted from the cycle start (negative
    /// before it). Only differences of this are meaningful.
    fn rule_days_before(&self, day: i64) -> i64 {
        let d = day - CYCLE_BASE;
        let cycles = d.div_euclid(CYCLE_DAYS);
        let rest = d.rem_euclid(CYCLE_DAYS);
        let within = self.cycle.partition_point(|o| i64::from(*o) < rest);
        cycles * self.cycle.len() as i64 + within as i64
    }

    /// Holidays on a weekday with day numbers in `lo..=hi`: the days that are not weekends but
    /// still not working days.
    fn weekday_holidays(&self, lo: i64, hi: i64) -> i64 {
        if hi < lo {
            return 0;
        }
        let in_range = |days: &[i64]| {
            (days.partition_point(|d| *d <= hi) - days.partition_point(|d| *d < lo)) as i64
        };
        self.rule_days_before(hi + 1) - self.rule_days_before(lo) + in_range(&self.extra)
            - in_range(&self.dropped)
    }
}

/// Day number of the cycle start, 1 January of `CYCLE_START_YEAR` (2000-01-01 is day 730 120 of
/// the common era), written out so no fallible call is needed.
const CYCLE_BASE: i64 = 730_120;

fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Weekdays with a day number up to and including `day`, offset by a constant; only differences
/// are meaningful. Day 1 of the common era (0001-01-01) is a Monday.
fn weekdays_through(day: i64) -> i64 {
    let from_monday = day - 1;
    from_monday.div_euclid(7) * 5 + (from_monday.rem_euclid(7) + 1).min(5)
}

/// The `k`-th weekday after `date` (k >= 1), or `None` past chrono's last date.
fn add_weekdays(date: NaiveDate, k: i64) -> Option<NaiveDate> {
    let weekday = i64::from(date.weekday().num_days_from_monday());
    // From a weekend day, counting goes as from the Friday before.
    let back = (weekday - 4).max(0);
    let from_friday_or_earlier = weekday - back;
    let total = from_friday_or_earlier + k;
    let forward = total / 5 * 7 + total % 5 - from_friday_or_earlier - back;
    date.checked_add_days(Days::new(u64::try_from(forward).ok()?))
}

#[cfg(test)]
mod tests;
