use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Checks the weekday written next to each expected date, so a wrong note fails loudly.
fn dates_checked(expected: &[(NaiveDate, Weekday)]) -> Vec<NaiveDate> {
    expected
        .iter()
        .map(|(date, weekday)| {
            assert_eq!(date.weekday(), *weekday, "{date} is not a {weekday}");
            *date
        })
        .collect()
}

fn dates_of(holidays: &[Holiday]) -> Vec<NaiveDate> {
    holidays.iter().map(|h| h.date).collect()
}

#[test]
fn state_holidays_2025() {
    use Weekday::*;
    let expected = dates_checked(&[
        (d(2025, 1, 1), Wed),
        (d(2025, 1, 20), Mon),
        (d(2025, 2, 17), Mon),
        (d(2025, 3, 31), Mon),
        (d(2025, 5, 26), Mon),
        (d(2025, 7, 4), Fri),
        (d(2025, 9, 1), Mon),
        (d(2025, 11, 11), Tue),
        (d(2025, 11, 27), Thu),
        (d(2025, 11, 28), Fri),
        (d(2025, 12, 25), Thu),
    ]);
    assert_eq!(
        dates_of(&Calendar::california().holidays_in(2025)),
        expected
    );
}

#[test]
fn state_holidays_2026_have_no_day_off_for_a_saturday_fourth_of_july() {
    use Weekday::*;
    let expected = dates_checked(&[
        (d(2026, 1, 1), Thu),
        (d(2026, 1, 19), Mon),
        (d(2026, 2, 16), Mon),
        (d(2026, 3, 31), Tue),
        (d(2026, 5, 25), Mon),
        (d(2026, 9, 7), Mon),
        (d(2026, 11, 11), Wed),
        (d(2026, 11, 26), Thu),
        (d(2026, 11, 27), Fri),
        (d(2026, 12, 25), Fri),
    ]);
    assert_eq!(d(2026, 7, 4).weekday(), Sat);
    assert_eq!(
        dates_of(&Calendar::california().holidays_in(2026)),
        expected
    );
}

#[test]
fn state_holidays_2027_move_a_sunday_fourth_and_drop_a_saturday_christmas() {
    use Weekday::*;
    let expected = dates_checked(&[
        (d(2027, 1, 1), Fri),
        (d(2027, 1, 18), Mon),
        (d(2027, 2, 15), Mon),
        (d(2027, 3, 31), Wed),
        (d(2027, 5, 31), Mon),
        (d(2027, 7, 5), Mon), // 4 July is a Sunday
        (d(2027, 9, 6), Mon),
        (d(2027, 11, 11), Thu),
        (d(2027, 11, 25), Thu),
        (d(2027, 11, 26), Fri),
    ]);
    assert_eq!(d(2027, 7, 4).weekday(), Sun);
    assert_eq!(d(2027, 12, 25).weekday(), Sat);
    let holidays = Calendar::california().holidays_in(2027);
    assert_eq!(dates_of(&holidays), expected);
    assert_eq!(holidays[5].name, "Independence Day (observed)");
    assert_eq!(holidays[0].name, "New Year's Day");
}

#[test]
fn state_holidays_2028_move_a_saturday_veterans_day_to_friday() {
    use Weekday::*;
    let expected = dates_checked(&[
        (d(2028, 1, 17), Mon),
        (d(2028, 2, 21), Mon),
        (d(2028, 3, 31), Fri),
        (d(2028, 5, 29), Mon),
        (d(2028, 7, 4), Tue),
        (d(2028, 9, 4), Mon),
        (d(2028, 11, 10), Fri), // 11 November is a Saturday
        (d(2028, 11, 23), Thu),
        (d(2028, 11, 24), Fri),
        (d(2028, 12, 25), Mon),
    ]);
    assert_eq!(d(2028, 1, 1).weekday(), Sat);
    assert_eq!(d(2028, 11, 11).weekday(), Sat);
    assert_eq!(
        dates_of(&Calendar::california().holidays_in(2028)),
        expected
    );
}

#[test]
fn weekend_moves() {
    assert_eq!(d(2023, 1, 1).weekday(), Weekday::Sun);
    assert_eq!(
        HolidayRule::NewYearsDay.observed_in(2023),
        Some(d(2023, 1, 2))
    );
    assert_eq!(d(2022, 12, 25).weekday(), Weekday::Sun);
    assert_eq!(
        HolidayRule::Christmas.observed_in(2022),
        Some(d(2022, 12, 26))
    );
    assert_eq!(d(2023, 11, 11).weekday(), Weekday::Sat);
    assert_eq!(
        HolidayRule::VeteransDay.observed_in(2023),
        Some(d(2023, 11, 10))
    );
    assert_eq!(HolidayRule::IndependenceDay.observed_in(2026), None);
    assert_eq!(HolidayRule::Christmas.observed_in(2027), None);
    assert_eq!(HolidayRule::NewYearsDay.observed_in(2028), None);
    // Cesar Chavez Day 2024 is a Sunday.
    assert_eq!(
        HolidayRule::CesarChavezDay.observed_in(2024),
        Some(d(2024, 4, 1))
    );
    let state_2023 = Calendar::california().holidays_in(2023);
    assert!(state_2023.contains(&Holiday {
        date: d(2023, 1, 2),
        name: "New Year's Day (observed)".into()
    }));
    assert!(!Calendar::california().is_holiday(d(2023, 1, 1)));
}

#[test]
fn county_rules_fall_where_expected() {
    // Juneteenth 2022 is a Sunday (moves), 2027 a Saturday (no day off), 2026 a Friday.
    assert_eq!(d(2022, 6, 19).weekday(), Weekday::Sun);
    assert_eq!(
        HolidayRule::Juneteenth.observed_in(2022),
        Some(d(2022, 6, 20))
    );
    assert_eq!(d(2027, 6, 19).weekday(), Weekday::Sat);
    assert_eq!(HolidayRule::Juneteenth.observed_in(2027), None);
    assert_eq!(
        HolidayRule::Juneteenth.observed_in(2026),
        Some(d(2026, 6, 19))
    );
    // Lincoln's Birthday 2023 is a Sunday.
    assert_eq!(d(2023, 2, 12).weekday(), Weekday::Sun);
    assert_eq!(
        HolidayRule::LincolnsBirthday.observed_in(2023),
        Some(d(2023, 2, 13))
    );
    // September 2026 starts on a Tuesday: Fridays 4, 11, 18, 25.
    assert_eq!(
        HolidayRule::NativeAmericanDay.observed_in(2026),
        Some(d(2026, 9, 25))
    );
    // October 2026 starts on a Thursday: Mondays 5, 12.
    assert_eq!(
        HolidayRule::IndigenousPeoplesDay.observed_in(2026),
        Some(d(2026, 10, 12))
    );
    assert_eq!(HolidayRule::STATE.len(), 11);
    assert!(!HolidayRule::STATE.contains(&HolidayRule::Juneteenth));
}

#[test]
fn five_working_days_across_thanksgiving() {
    let cal = Calendar::california();
    // Mon 2026-11-23: Tue 24 (1), Wed 25 (2), Thu 26 and Fri 27 off, weekend,
    // Mon 30 (3), Tue Dec 1 (4), Wed Dec 2 (5).
    assert_eq!(cal.add_working_days(d(2026, 11, 23), 5), d(2026, 12, 2));
    // Wed 2026-11-18: Thu 19 (1), Fri 20 (2), Mon 23 (3), Tue 24 (4), Wed 25 (5).
    assert_eq!(cal.add_working_days(d(2026, 11, 18), 5), d(2026, 11, 25));
    assert_eq!(cal.working_days_between(d(2026, 11, 23), d(2026, 12, 2)), 5);
}

#[test]
fn working_days_across_christmas_and_new_year() {
    let cal = Calendar::california();
    // Tue 2026-12-22: Wed 23 (1), Thu 24 (2), Fri 25 off, weekend, Mon 28 (3), Tue 29 (4),
    // Wed 30 (5).
    assert_eq!(cal.add_working_days(d(2026, 12, 22), 5), d(2026, 12, 30));
    // Going on: Thu 31 (6), Fri 2027-01-01 off, weekend, Mon 4 (7), Tue 5 (8), Wed 6 (9),
    // Thu 7 (10).
    assert_eq!(cal.add_working_days(d(2026, 12, 22), 10), d(2027, 1, 7));
    // 2027: Christmas and the next New Year's Day are Saturdays, so there is no day off and
    // Fri Dec 24 and Fri Dec 31 are working days.
    // Thu 2027-12-23: Fri 24 (1), Mon 27 (2), Tue 28 (3), Wed 29 (4), Thu 30 (5).
    assert_eq!(cal.add_working_days(d(2027, 12, 23), 5), d(2027, 12, 30));
    // Mon 2027-12-27: Tue 28 (1), Wed 29 (2), Thu 30 (3), Fri 31 (4), Mon 2028-01-03 (5).
    assert_eq!(cal.add_working_days(d(2027, 12, 27), 5), d(2028, 1, 3));
    assert!(cal.is_working_day(d(2027, 12, 24)));
    assert!(cal.is_working_day(d(2027, 12, 31)));
}

#[test]
fn working_days_across_a_county_holiday() {
    let state = Calendar::california();
    let county = Calendar::parse_county("juneteenth").unwrap();
    assert_eq!(d(2026, 6, 19).weekday(), Weekday::Fri);
    // Tue 2026-06-16, state: Wed 17 (1), Thu 18 (2), Fri 19 (3), Mon 22 (4), Tue 23 (5).
    assert_eq!(state.add_working_days(d(2026, 6, 16), 5), d(2026, 6, 23));
    // County: Wed 17 (1), Thu 18 (2), Fri 19 off, Mon 22 (3), Tue 23 (4), Wed 24 (5).
    assert_eq!(county.add_working_days(d(2026, 6, 16), 5), d(2026, 6, 24));
    assert_eq!(
        county.working_days_between(d(2026, 6, 16), d(2026, 6, 24)),
        5
    );
    assert_eq!(
        state.working_days_between(d(2026, 6, 16), d(2026, 6, 24)),
        6
    );
}

#[test]
fn zero_days_returns_the_start_even_on_a_holiday_and_between_is_antisymmetric() {
    let cal = Calendar::california();
    assert_eq!(cal.add_working_days(d(2026, 12, 25), 0), d(2026, 12, 25));
    assert_eq!(cal.add_working_days(d(2026, 12, 26), 0), d(2026, 12, 26));
    // From a Saturday, the first working day is the Monday.
    assert_eq!(cal.add_working_days(d(2026, 12, 26), 1), d(2026, 12, 28));
    assert_eq!(cal.working_days_between(d(2026, 1, 1), d(2026, 1, 1)), 0);
    assert_eq!(
        cal.working_days_between(d(2026, 12, 30), d(2026, 12, 22)),
        -5
    );
    // 2026 has 261 weekdays and 10 weekday holidays.
    assert_eq!(
        cal.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
        251
    );
}

#[test]
fn parse_county_adds_and_removes_rules_and_dates() {
    let cal = Calendar::parse_county(
        "juneteenth, Native_American_Day\n -cesar_chavez_day,,2026-12-24\t-2026-11-27",
    )
    .unwrap();
    let mut rules: Vec<HolidayRule> = HolidayRule::STATE
        .into_iter()
        .filter(|r| *r != HolidayRule::CesarChavezDay)
        .collect();
    rules.extend([HolidayRule::Juneteenth, HolidayRule::NativeAmericanDay]);
    assert_eq!(
        cal,
        Calendar::new(&rules, &[d(2026, 12, 24)], &[d(2026, 11, 27)])
    );
    let holidays = cal.holidays_in(2026);
    let dates = dates_of(&holidays);
    assert!(dates.contains(&d(2026, 6, 19)));
    assert!(dates.contains(&d(2026, 9, 25)));
    assert!(!dates.contains(&d(2026, 3, 31)));
    assert!(!dates.contains(&d(2026, 11, 27)));
    assert!(dates.contains(&d(2026, 11, 26)));
    assert!(holidays.contains(&Holiday {
        date: d(2026, 12, 24),
        name: "County holiday".into()
    }));
    assert!(cal.is_working_day(d(2026, 11, 27)));
    assert!(cal.is_working_day(d(2026, 3, 31)));
    assert!(!cal.is_working_day(d(2026, 12, 24)));
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn parse_county_later_entries_override_earlier_ones() {
    assert_eq!(Calendar::parse_county("").unwrap(), Calendar::california());
    assert_eq!(
        Calendar::parse_county("juneteenth -juneteenth").unwrap(),
        Calendar::california()
    );
    assert_eq!(
        Calendar::parse_county("-christmas christmas").unwrap(),
        Calendar::california()
    );
    let cal = Calendar::parse_county("2026-12-24 -2026-12-24").unwrap();
    assert!(cal.is_working_day(d(2026, 12, 24)));
    let cal = Calendar::parse_county("-2026-12-24 2026-12-24").unwrap();
    assert!(!cal.is_working_day(d(2026, 12, 24)));
    // Removing a date that is a rule's holiday only in name does nothing: 2023-01-01 is a
    // Sunday and the day off is the Monday.
    let cal = Calendar::parse_county("-2023-01-01").unwrap();
    assert!(cal.is_holiday(d(2023, 1, 2)));
}

#[test]
fn parse_county_names_the_bad_entry() {
    let err = Calendar::parse_county("juneteenth, groundhog_day").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("\"groundhog_day\""), "{message}");
    assert!(message.contains("juneteenth"), "{message}");
    assert!(message.contains("holiday must be one of"), "{message}");

    let err = Calendar::parse_county("-2026-02-30").unwrap_err();
    assert_eq!(
        err,
        CalendarError::UnknownEntry {
            entry: "-2026-02-30".into(),
            reason: ParseError::Invalid {
                field: "holiday date",
                reason: "it must be a real date written YYYY-MM-DD",
            },
        }
    );
    assert!(err.to_string().contains("\"-2026-02-30\""), "{err}");

    let err = Calendar::parse_county("-").unwrap_err();
    assert!(err.to_string().contains("\"-\""), "{err}");
    assert!(Calendar::parse_county("2026/12/24").is_err());
}

#[test]
fn added_dates_do_not_move_and_may_fall_on_weekends() {
    // 2026-12-26 is a Saturday: a holiday, but it costs no working day.
    let cal = Calendar::new(&HolidayRule::STATE, &[d(2026, 12, 26)], &[]);
    assert!(cal.is_holiday(d(2026, 12, 26)));
    assert!(!cal.is_holiday(d(2026, 12, 28)));
    assert_eq!(
        cal.working_days_between(d(2026, 12, 22), d(2026, 12, 31)),
        Calendar::california().working_days_between(d(2026, 12, 22), d(2026, 12, 31))
    );
    // An added date equal to a rule's day keeps the rule's name and is counted once.
    let cal = Calendar::new(&HolidayRule::STATE, &[d(2026, 12, 25)], &[]);
    let christmas: Vec<_> = cal
        .holidays_in(2026)
        .into_iter()
        .filter(|h| h.date == d(2026, 12, 25))
        .collect();
    assert_eq!(christmas.len(), 1);
    assert_eq!(christmas[0].name, "Christmas Day");
    assert_eq!(cal.add_working_days(d(2026, 12, 22), 5), d(2026, 12, 30));
}

#[test]
fn extreme_dates_do_not_panic() {
    let cal = Calendar::parse_county("juneteenth 2026-12-24 -2026-12-25").unwrap();
    assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
    assert_eq!(cal.add_working_days(NaiveDate::MIN, 0), NaiveDate::MIN);
    assert_eq!(
        cal.add_working_days(d(2026, 1, 1), u32::MAX),
        NaiveDate::MAX
    );
    let first = cal.add_working_days(NaiveDate::MIN, 1);
    assert!(cal.is_working_day(first));
    let whole = cal.working_days_between(NaiveDate::MIN, NaiveDate::MAX);
    let middle = d(2026, 6, 1);
    assert_eq!(
        whole,
        cal.working_days_between(NaiveDate::MIN, middle)
            + cal.working_days_between(middle, NaiveDate::MAX)
    );
    assert_eq!(
        cal.working_days_between(NaiveDate::MAX, NaiveDate::MIN),
        -whole
    );
    for year in [i32::MIN, -262_145, NaiveDate::MIN.year(), 0, 1, 9999] {
        let _ = cal.holidays_in(year);
        for rule in HolidayRule::ALL {
            let _ = rule.observed_in(year);
        }
    }
    assert!(cal.holidays_in(i32::MAX).is_empty());
    let _ = cal.is_working_day(NaiveDate::MIN);
    let _ = cal.is_working_day(NaiveDate::MAX);
}

#[test]
fn constants_match_chrono() {
    assert_eq!(day_number(d(2000, 1, 1)), CYCLE_BASE);
    assert_eq!(CYCLE_START_YEAR, 2000);
    assert_eq!(
        day_number(d(2400, 1, 1)) - day_number(d(2000, 1, 1)),
        CYCLE_DAYS
    );
    assert_eq!(CYCLE_DAYS % 7, 0);
    assert_eq!(d(1, 1, 1).weekday(), Weekday::Mon);
    assert_eq!(day_number(d(1, 1, 1)), 1);
}

#[test]
fn calendar_is_send_sync_and_debug_shows_the_configuration() {
    fn shared<T: Send + Sync>() {}
    shared::<Calendar>();
    let text = format!("{:?}", Calendar::parse_county("juneteenth").unwrap());
    assert!(text.contains("Juneteenth") && text.len() < 500, "{text}");
    assert_eq!(Calendar::default(), Calendar::california());
}

#[test]
fn every_rule_code_round_trips() {
    for rule in HolidayRule::ALL {
        assert_eq!(rule.code().parse::<HolidayRule>(), Ok(*rule));
    }
}

/// The obvious implementation: walk day by day, asking `holidays_in` for each year met.
struct Oracle<'a> {
    cal: &'a Calendar,
    years: HashMap<i32, BTreeSet<NaiveDate>>,
}

impl<'a> Oracle<'a> {
    fn new(cal: &'a Calendar) -> Self {
        Oracle {
            cal,
            years: HashMap::new(),
        }
    }

    fn is_working_day(&mut self, date: NaiveDate) -> bool {
        let cal = self.cal;
        let holidays = self.years.entry(date.year()).or_insert_with(|| {
            cal.holidays_in(date.year())
                .into_iter()
                .map(|h| h.date)
                .collect()
        });
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
    }

    fn add_working_days(&mut self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        let mut counted = 0;
        while counted < n {
            date = date.succ_opt().unwrap();
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        date
    }

    fn working_days_between(&mut self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let mut count = 0;
        let mut date = a;
        while date < b {
            date = date.succ_opt().unwrap();
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }
}

fn date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDate> {
    let lo = d(*years.start(), 1, 1).num_days_from_ce();
    let hi = d(*years.end(), 12, 31).num_days_from_ce();
    (lo..=hi).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

/// A county configuration as text: toggled rules, and single dates near `near` added or removed
/// (some of them state holidays, so removals matter).
fn county_config(near: NaiveDate) -> impl Strategy<Value = String> {
    (
        0u32..(1 << 15),
        prop::collection::vec(0u64..400, 0..4),
        prop::collection::vec(0u64..400, 0..3),
        prop::collection::vec(0usize..20, 0..3),
        prop::sample::select(vec![",", " ", "\n", " ,\n\t"]),
    )
        .prop_map(move |(mask, added, removed, picks, separator)| {
            let mut entries: Vec<String> = Vec::new();
            for (i, rule) in HolidayRule::ALL.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    let sign = if HolidayRule::STATE.contains(rule) {
                        "-"
                    } else {
                        ""
                    };
                    entries.push(format!("{sign}{}", rule.code()));
                }
            }
            // County dates are written YYYY-MM-DD: none later than the last day of year 9999.
            let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
            let at = |offset: u64| near.checked_add_days(Days::new(offset)).unwrap().min(last);
            entries.extend(added.into_iter().map(|o| at(o).to_string()));
            entries.extend(removed.into_iter().map(|o| format!("-{}", at(o))));
            let state = Calendar::california().holidays_in(near.year());
            for pick in picks {
                if !state.is_empty() {
                    entries.push(format!("-{}", state[pick % state.len()].date));
                }
            }
            entries.join(separator)
        })
}

fn start_and_county(
    years: std::ops::RangeInclusive<i32>,
) -> impl Strategy<Value = (NaiveDate, String)> {
    date_in(years).prop_flat_map(|start| (Just(start), county_config(start)))
}

fn check_against_oracle(
    cal: &Calendar,
    start: NaiveDate,
    n: u32,
    other: NaiveDate,
) -> Result<(), TestCaseError> {
    let mut oracle = Oracle::new(cal);
    prop_assert_eq!(cal.is_working_day(start), oracle.is_working_day(start));
    prop_assert_eq!(cal.is_working_day(other), oracle.is_working_day(other));
    let end = cal.add_working_days(start, n);
    prop_assert_eq!(end, oracle.add_working_days(start, n));
    if n >= 1 {
        prop_assert!(cal.is_working_day(end), "{} + {} = {}", start, n, end);
    }
    prop_assert_eq!(cal.working_days_between(start, end), i64::from(n));
    prop_assert_eq!(cal.working_days_between(end, start), -i64::from(n));
    prop_assert_eq!(
        cal.working_days_between(start, other),
        oracle.working_days_between(start, other)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_the_day_by_day_oracle(
        (start, config) in start_and_county(1990..=2100),
        n in 0u32..60,
        span in -1500i64..1500,
    ) {
        let cal = Calendar::parse_county(&config).unwrap();
        let other = start + chrono::Duration::days(span);
        check_against_oracle(&cal, start, n, other)?;
    }

    #[test]
    fn state_calendar_matches_the_oracle_over_long_spans_and_large_n(
        start in date_in(1990..=2100),
        n in 0u32..400,
        span in -4000i64..4000,
    ) {
        let cal = Calendar::california();
        let other = start + chrono::Duration::days(span);
        check_against_oracle(&cal, start, n, other)?;
    }

    #[test]
    fn matches_the_oracle_in_any_year(
        (start, config) in start_and_county(1..=9999),
        n in 0u32..30,
        span in -800i64..800,
    ) {
        let cal = Calendar::parse_county(&config).unwrap();
        let other = start + chrono::Duration::days(span);
        check_against_oracle(&cal, start, n, other)?;
    }

    #[test]
    fn holidays_in_is_sorted_and_agrees_with_is_holiday(
        (start, config) in start_and_county(1..=9999),
    ) {
        let cal = Calendar::parse_county(&config).unwrap();
        let year = start.year();
        let holidays = cal.holidays_in(year);
        prop_assert!(holidays.windows(2).all(|w| w[0].date < w[1].date));
        let listed: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.date).collect();
        let mut date = d(year, 1, 1);
        while date.year() == year {
            prop_assert_eq!(cal.is_holiday(date), listed.contains(&date), "{}", date);
            date = date.succ_opt().unwrap();
        }
    }
}

#[test]
fn a_county_calendar_writes_itself_back_as_its_configuration() {
    let cal =
        Calendar::parse_county("juneteenth, -cesar_chavez_day 2026-12-24 -2026-11-27").unwrap();
    let text = cal.to_county_config();
    assert_eq!(
        text,
        "-cesar_chavez_day\njuneteenth\n2026-12-24\n-2026-11-27"
    );
    assert_eq!(Calendar::parse_county(&text).unwrap(), cal);
    assert_eq!(Calendar::california().to_county_config(), "");
}

proptest! {
    #[test]
    fn any_county_calendar_reads_back_from_its_configuration(
        (_, config) in start_and_county(2020..=2030)
    ) {
        let cal = Calendar::parse_county(&config).unwrap();
        prop_assert_eq!(Calendar::parse_county(&cal.to_county_config()).unwrap(), cal);
    }
}
