use super::*;
use proptest::prelude::*;
use serde::de::{IntoDeserializer, value::Error as DeError};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Age 45 at release (item 1: -1) and every other answer scoring 0: total -1.
fn baseline() -> Static99rAnswers {
    Static99rAnswers {
        date_of_birth: d(1980, 6, 15),
        release_date: d(2025, 6, 15),
        lived_with_partner_two_years: true,
        index_nonsexual_violence: false,
        prior_nonsexual_violence: false,
        prior_sex_charges: 0,
        prior_sex_convictions: 0,
        prior_sentencing_dates: 0,
        noncontact_sex_offense: false,
        unrelated_victim: false,
        stranger_victim: false,
        male_victim: false,
    }
}

fn points_of(result: &Static99rResult, number: u8) -> i32 {
    result
        .items
        .iter()
        .find(|i| i.number == number)
        .unwrap()
        .points
}

// ---------------------------------------------------------------- Static-99R items

#[test]
fn item_1_age_bands() {
    let cases = [
        (18, 1),
        (34, 1),
        (35, 0),
        (39, 0),
        (40, -1),
        (59, -1),
        (60, -3),
        (80, -3),
    ];
    for (age, points) in cases {
        assert_eq!(static99r_age_points(age), points, "age {age}");
    }
}

#[test]
fn item_5_rows_and_the_higher_row_counts() {
    // (charges, convictions, points)
    let cases = [
        (0, 0, 0),
        (1, 0, 1),
        (2, 0, 1),
        (3, 0, 2),
        (5, 0, 2),
        (6, 0, 3),
        (0, 1, 1),
        (0, 2, 2),
        (0, 3, 2),
        (0, 4, 3),
        (1, 1, 1),
        (2, 1, 1),
        (2, 2, 2),
        (3, 1, 2),
        (5, 3, 2),
        (5, 4, 3),
        (6, 1, 3),
        (2, 3, 2),
        (u16::MAX, 0, 3),
        (0, u16::MAX, 3),
    ];
    for (charges, convictions, points) in cases {
        assert_eq!(
            static99r_prior_sex_points(charges, convictions),
            points,
            "{charges} charges, {convictions} convictions"
        );
    }
}

#[test]
fn the_baseline_scores_minus_one() {
    let r = score_static99r(&baseline()).unwrap();
    assert_eq!(r.age_at_release, 45);
    assert_eq!(r.total, -1);
    assert_eq!(r.level, Static99rLevel::II);
    assert_eq!(r.pre2016, Pre2016Category::Low);
    assert_eq!(
        r.items.iter().map(|i| i.number).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<u8>>()
    );
    assert_eq!(
        r.items.iter().map(|i| i.points).collect::<Vec<_>>(),
        vec![-1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(r.items[0].answer, "45 years");
    assert_eq!(r.items[1].answer, "yes");
    assert_eq!(r.items[2].answer, "no");
    assert_eq!(r.items[4].answer, "0 charges, 0 convictions");
    assert_eq!(r.items[5].answer, "0 sentencing dates");
}

#[test]
fn each_item_changes_its_own_points_only() {
    type Change = fn(&mut Static99rAnswers);
    // (change, item number, item points, total: baseline -1 with that item's points)
    let cases: [(Change, u8, i32, i32); 16] = [
        (|a| a.lived_with_partner_two_years = false, 2, 1, 0),
        (|a| a.index_nonsexual_violence = true, 3, 1, 0),
        (|a| a.prior_nonsexual_violence = true, 4, 1, 0),
        (|a| a.prior_sex_charges = 2, 5, 1, 0),
        (|a| a.prior_sex_charges = 3, 5, 2, 1),
        (|a| a.prior_sex_charges = 6, 5, 3, 2),
        (|a| a.prior_sex_convictions = 1, 5, 1, 0),
        (|a| a.prior_sex_convictions = 4, 5, 3, 2),
        (|a| a.prior_sentencing_dates = 3, 6, 0, -1),
        (|a| a.prior_sentencing_dates = 4, 6, 1, 0),
        (|a| a.noncontact_sex_offense = true, 7, 1, 0),
        (|a| a.unrelated_victim = true, 8, 1, 0),
        (
            |a| {
                a.unrelated_victim = true;
                a.stranger_victim = true;
            },
            9,
            1,
            1,
        ),
        (|a| a.male_victim = true, 10, 1, 0),
        (|a| a.release_date = d(2015, 6, 15), 1, 0, 0),
        (|a| a.release_date = d(2040, 6, 15), 1, -3, -3),
    ];
    for (change, number, points, total) in cases {
        let mut a = baseline();
        change(&mut a);
        let r = score_static99r(&a).unwrap();
        assert_eq!(points_of(&r, number), points, "item {number} of {a:?}");
        assert_eq!(r.total, total, "total of {a:?}");
    }
}

#[test]
fn answers_are_written_out() {
    let mut a = baseline();
    a.lived_with_partner_two_years = false;
    a.prior_sex_charges = 2;
    a.prior_sex_convictions = 1;
    a.prior_sentencing_dates = 1;
    a.male_victim = true;
    let r = score_static99r(&a).unwrap();
    assert_eq!(r.items[1].answer, "no");
    assert_eq!(r.items[4].answer, "2 charges, 1 conviction");
    assert_eq!(r.items[5].answer, "1 sentencing date");
    assert_eq!(r.items[9].answer, "yes");
    assert_eq!(r.items[0].label, "Age at release from index sex offense");
}

#[test]
fn highest_and_lowest_totals() {
    let highest = Static99rAnswers {
        date_of_birth: d(2000, 1, 1),
        release_date: d(2020, 1, 1),
        lived_with_partner_two_years: false,
        index_nonsexual_violence: true,
        prior_nonsexual_violence: true,
        prior_sex_charges: 10,
        prior_sex_convictions: 5,
        prior_sentencing_dates: 9,
        noncontact_sex_offense: true,
        unrelated_victim: true,
        stranger_victim: true,
        male_victim: true,
    };
    let r = score_static99r(&highest).unwrap();
    // 1 + 1 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1
    assert_eq!(r.total, 12);
    assert_eq!(r.level, Static99rLevel::IVb);
    assert_eq!(r.pre2016, Pre2016Category::High);

    let mut lowest = baseline();
    lowest.release_date = d(2045, 1, 1);
    let r = score_static99r(&lowest).unwrap();
    assert_eq!(r.age_at_release, 64);
    assert_eq!(r.total, -3);
    assert_eq!(r.level, Static99rLevel::I);
}

// ---------------------------------------------------------------- levels

#[test]
fn level_and_category_boundaries() {
    use Pre2016Category as C;
    use Static99rLevel as L;
    let cases = [
        (-3, L::I, C::Low),
        (-2, L::I, C::Low),
        (-1, L::II, C::Low),
        (0, L::II, C::Low),
        (1, L::III, C::Low),
        (2, L::III, C::ModerateLow),
        (3, L::III, C::ModerateLow),
        (4, L::IVa, C::ModerateHigh),
        (5, L::IVa, C::ModerateHigh),
        (6, L::IVb, C::High),
        (12, L::IVb, C::High),
    ];
    for (total, level, category) in cases {
        assert_eq!(Static99rLevel::from_total(total), level, "total {total}");
        assert_eq!(
            Pre2016Category::from_total(total),
            category,
            "total {total}"
        );
    }
}

#[test]
fn above_average_or_higher_is_high_risk() {
    assert!(!Static99rLevel::I.is_high_risk());
    assert!(!Static99rLevel::II.is_high_risk());
    assert!(!Static99rLevel::III.is_high_risk());
    assert!(Static99rLevel::IVa.is_high_risk());
    assert!(Static99rLevel::IVb.is_high_risk());
}

#[test]
fn levels_never_fall_as_the_total_rises() {
    assert!(Static99rLevel::I < Static99rLevel::II);
    assert!(Static99rLevel::II < Static99rLevel::III);
    assert!(Static99rLevel::III < Static99rLevel::IVa);
    assert!(Static99rLevel::IVa < Static99rLevel::IVb);
    for t in -3..12 {
        assert!(Static99rLevel::from_total(t) <= Static99rLevel::from_total(t + 1));
        assert!(Pre2016Category::from_total(t) <= Pre2016Category::from_total(t + 1));
    }
}

// ---------------------------------------------------------------- age

#[test]
fn release_on_the_birthday_counts_the_new_year() {
    let dob = d(1970, 3, 10);
    // (release, age, points)
    let cases = [
        (d(2005, 3, 9), 34, 1),
        (d(2005, 3, 10), 35, 0),
        (d(2010, 3, 9), 39, 0),
        (d(2010, 3, 10), 40, -1),
        (d(2030, 3, 9), 59, -1),
        (d(2030, 3, 10), 60, -3),
    ];
    for (release, age, points) in cases {
        let mut a = baseline();
        a.date_of_birth = dob;
        a.release_date = release;
        let r = score_static99r(&a).unwrap();
        assert_eq!(r.age_at_release, age, "release {release}");
        assert_eq!(r.items[0].points, points, "release {release}");
        assert_eq!(r.items[0].answer, format!("{age} years"));
    }
}

#[test]
fn a_february_29_birthday_turns_on_march_1_in_common_years() {
    let dob = d(1992, 2, 29);
    assert_eq!(age_on(dob, d(2027, 2, 28)), Some(34));
    assert_eq!(age_on(dob, d(2027, 3, 1)), Some(35));
    assert_eq!(age_on(dob, d(2028, 2, 28)), Some(35));
    assert_eq!(age_on(dob, d(2028, 2, 29)), Some(36));
    assert_eq!(age_on(dob, dob), Some(0));
    assert_eq!(age_on(dob, d(1992, 2, 28)), None);

    let mut a = baseline();
    a.date_of_birth = dob;
    a.release_date = d(2027, 2, 28);
    assert_eq!(score_static99r(&a).unwrap().items[0].points, 1);
    a.release_date = d(2027, 3, 1);
    assert_eq!(score_static99r(&a).unwrap().items[0].points, 0);
}

#[test]
fn age_counts_completed_years() {
    let dob = d(2000, 12, 31);
    assert_eq!(age_on(dob, d(2001, 12, 30)), Some(0));
    assert_eq!(age_on(dob, d(2001, 12, 31)), Some(1));
    assert_eq!(age_on(dob, d(2018, 12, 30)), Some(17));
    assert_eq!(age_on(dob, d(2018, 12, 31)), Some(18));
}

// ---------------------------------------------------------------- Static-99R errors

#[test]
fn release_before_the_18th_birthday_is_refused() {
    let mut a = baseline();
    a.date_of_birth = d(2000, 5, 1);
    a.release_date = d(2018, 4, 30);
    assert!(matches!(
        score_static99r(&a),
        Err(ParseError::Invalid {
            field: "release date",
            ..
        })
    ));
    a.release_date = d(2018, 5, 1);
    let r = score_static99r(&a).unwrap();
    assert_eq!(r.age_at_release, 18);
    assert_eq!(r.items[0].points, 1);
}

#[test]
fn an_age_at_release_over_100_is_refused() {
    let mut a = baseline();
    a.date_of_birth = d(1900, 5, 1);
    // The day before the 101st birthday: 100 years old, accepted.
    a.release_date = d(2001, 4, 30);
    assert_eq!(score_static99r(&a).unwrap().age_at_release, 100);
    a.release_date = d(2001, 5, 1);
    assert_eq!(
        score_static99r(&a).unwrap_err(),
        ParseError::Invalid {
            field: "release date",
            reason: "it makes the age at release over 100; check it and the date of birth",
        }
    );
}

#[test]
fn release_before_birth_is_refused() {
    let mut a = baseline();
    a.release_date = d(1980, 6, 14);
    let err = score_static99r(&a).unwrap_err();
    assert_eq!(
        err,
        ParseError::Invalid {
            field: "release date",
            reason: "it is before the date of birth",
        }
    );
}

#[test]
fn a_stranger_victim_without_an_unrelated_victim_is_refused() {
    let mut a = baseline();
    a.stranger_victim = true;
    let err = score_static99r(&a).unwrap_err();
    assert!(matches!(
        err,
        ParseError::Invalid {
            field: "stranger victim",
            ..
        }
    ));
    assert!(err.to_string().contains("unrelated"));
}

// ---------------------------------------------------------------- proptest

fn valid_answers() -> impl Strategy<Value = Static99rAnswers> {
    (
        (0i64..40_000, 18u32..90, 0i64..366),
        any::<[bool; 5]>(),
        (0u16..12, 0u16..8, 0u16..10),
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(
                (born, age, extra),
                [lived, index, prior, noncontact, male],
                (charges, convictions, sentencing),
                (unrelated, stranger),
            )| {
                let date_of_birth = d(1930, 1, 1) + chrono::Duration::days(born);
                let release_date = birthday(date_of_birth, i32::try_from(age).unwrap()).unwrap()
                    + chrono::Duration::days(extra);
                Static99rAnswers {
                    date_of_birth,
                    release_date,
                    lived_with_partner_two_years: lived,
                    index_nonsexual_violence: index,
                    prior_nonsexual_violence: prior,
                    prior_sex_charges: charges,
                    prior_sex_convictions: convictions,
                    prior_sentencing_dates: sentencing,
                    noncontact_sex_offense: noncontact,
                    unrelated_victim: unrelated || stranger,
                    stranger_victim: stranger,
                    male_victim: male,
                }
            },
        )
}

proptest! {
    #[test]
    fn total_is_the_sum_and_sets_the_level(a in valid_answers()) {
        let r = score_static99r(&a).unwrap();
        prop_assert_eq!(r.items.len(), 10);
        prop_assert_eq!(r.total, r.items.iter().map(|i| i.points).sum::<i32>());
        prop_assert!((-3..=12).contains(&r.total));
        prop_assert_eq!(r.level, Static99rLevel::from_total(r.total));
        prop_assert_eq!(r.pre2016, Pre2016Category::from_total(r.total));
        prop_assert!(r.age_at_release >= 18);
    }

    #[test]
    fn the_day_before_a_birthday_is_a_year_younger(born in 0i64..60_000, years in 1i32..100) {
        let dob = d(1900, 1, 1) + chrono::Duration::days(born);
        let day = birthday(dob, years).unwrap();
        let expected = u32::try_from(years).unwrap();
        prop_assert_eq!(age_on(dob, day), Some(expected));
        prop_assert_eq!(age_on(dob, day.pred_opt().unwrap()), Some(expected - 1));
    }
}

// ---------------------------------------------------------------- STABLE-2007

fn stable(child_victim: bool, value: u8) -> Stable2007Answers {
    let mut items = [Some(value); 13];
    if !child_victim {
        items[2] = None;
    }
    Stable2007Answers {
        child_victim,
        items,
    }
}

#[test]
fn stable_totals_with_and_without_item_3() {
    let r = score_stable2007(&stable(true, 2)).unwrap();
    assert_eq!((r.total, r.maximum), (26, 26));
    assert_eq!(r.band, StableBand::High);
    assert_eq!(r.items.len(), 13);

    let r = score_stable2007(&stable(false, 2)).unwrap();
    assert_eq!((r.total, r.maximum), (24, 24));
    assert_eq!(r.items.len(), 13);
    assert_eq!(r.items[2].answer, "not scored");
    assert_eq!(r.items[2].points, 0);
    assert_eq!(r.items[2].label, "Emotional identification with children");

    let r = score_stable2007(&stable(false, 0)).unwrap();
    assert_eq!((r.total, r.maximum, r.band), (0, 24, StableBand::Low));
}

#[test]
fn stable_item_3_counts_when_scored() {
    let mut a = stable(true, 0);
    a.items[2] = Some(2);
    let r = score_stable2007(&a).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.items[2].number, 3);
    assert_eq!(r.items[2].answer, "2");
}

#[test]
fn stable_band_boundaries() {
    // Items 1-13 given in order with item 3 applicable; total is the sum written beside.
    let cases: [([u8; 13], i32, StableBand); 4] = [
        ([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 3, StableBand::Low),
        (
            [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            4,
            StableBand::Moderate,
        ),
        (
            [2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0],
            11,
            StableBand::Moderate,
        ),
        (
            [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0],
            12,
            StableBand::High,
        ),
    ];
    for (values, total, band) in cases {
        let a = Stable2007Answers {
            child_victim: true,
            items: values.map(Some),
        };
        let r = score_stable2007(&a).unwrap();
        assert_eq!(r.total, total, "{values:?}");
        assert_eq!(r.band, band, "{values:?}");
    }
    assert_eq!(StableBand::from_total(3), StableBand::Low);
    assert_eq!(StableBand::from_total(4), StableBand::Moderate);
    assert_eq!(StableBand::from_total(11), StableBand::Moderate);
    assert_eq!(StableBand::from_total(12), StableBand::High);
}

#[test]
fn stable_errors() {
    let mut a = stable(true, 1);
    a.items[6] = Some(3);
    assert_eq!(
        score_stable2007(&a),
        Err(ParseError::Invalid {
            field: "STABLE-2007 item 7",
            reason: "it must be 0, 1 or 2",
        })
    );

    let mut a = stable(false, 1);
    a.items[2] = Some(0);
    assert!(matches!(
        score_stable2007(&a),
        Err(ParseError::Invalid {
            field: "STABLE-2007 item 3",
            ..
        })
    ));

    let mut a = stable(true, 1);
    a.items[2] = None;
    assert_eq!(
        score_stable2007(&a),
        Err(ParseError::Missing {
            field: "STABLE-2007 item 3"
        })
    );

    for index in [0, 1, 3, 12] {
        for child_victim in [true, false] {
            let mut a = stable(child_victim, 1);
            a.items[index] = None;
            assert_eq!(
                score_stable2007(&a),
                Err(ParseError::Missing {
                    field: STABLE2007_FIELDS[index]
                }),
                "item {} missing",
                index + 1
            );
        }
    }
}

// ---------------------------------------------------------------- ACUTE-2007

#[test]
fn acute_subtotals() {
    let r = score_acute2007(&Acute2007Answers {
        items: [1, 2, 0, 1, 2, 2, 1],
    })
    .unwrap();
    // 1 + 2 + 0 + 1 = 4; 4 + 2 + 2 + 1 = 9
    assert_eq!(r.sex_violence, 4);
    assert_eq!(r.general, 9);
    assert_eq!(r.items.len(), 7);
    assert_eq!(r.items[6].number, 7);
    assert_eq!(r.items[6].label, "Substance abuse");

    let r = score_acute2007(&Acute2007Answers {
        items: [0, 0, 0, 0, 2, 2, 2],
    })
    .unwrap();
    assert_eq!((r.sex_violence, r.general), (0, 6));
}

#[test]
fn acute_ratings_above_2_are_refused() {
    assert_eq!(
        score_acute2007(&Acute2007Answers {
            items: [0, 0, 0, 0, 0, 3, 0],
        }),
        Err(ParseError::Invalid {
            field: "ACUTE-2007 item 6",
            reason: "it must be 0, 1 or 2",
        })
    );
}

// ---------------------------------------------------------------- LS/CMI, SRA-FV

#[test]
fn lscmi_range_and_reference() {
    assert_eq!(check_lscmi(0, "G-1"), Ok("G-1".to_string()));
    assert_eq!(
        check_lscmi(43, "  G-2024-0017 "),
        Ok("G-2024-0017".to_string())
    );
    assert!(matches!(
        check_lscmi(44, "G-1"),
        Err(ParseError::Invalid {
            field: "LS/CMI total",
            ..
        })
    ));
    assert!(check_lscmi(-1, "G-1").is_err());
    assert_eq!(
        check_lscmi(10, ""),
        Err(ParseError::Missing {
            field: "GEARS reference"
        })
    );
    assert!(check_lscmi(10, "   ").is_err());
    let longest = "é".repeat(64);
    assert_eq!(check_lscmi(10, &longest), Ok(longest.clone()));
    assert!(check_lscmi(10, &"x".repeat(65)).is_err());
}

#[test]
fn sra_fv_range() {
    assert!(check_sra_fv(0).is_ok());
    assert!(check_sra_fv(50).is_ok());
    assert!(check_sra_fv(-1).is_err());
    assert!(check_sra_fv(51).is_err());
}

// ---------------------------------------------------------------- JSORRAT-II

#[test]
fn jsorrat2_total_range() {
    let (dob, on) = (d(2010, 5, 10), d(2025, 1, 1));
    assert!(check_jsorrat2(0, dob, on).is_ok());
    assert!(check_jsorrat2(21, dob, on).is_ok());
    assert!(check_jsorrat2(-1, dob, on).is_err());
    assert!(check_jsorrat2(22, dob, on).is_err());
}

#[test]
fn jsorrat2_is_for_ages_12_to_17() {
    let dob = d(2008, 5, 10);
    assert!(check_jsorrat2(5, dob, d(2020, 5, 9)).is_err());
    assert!(check_jsorrat2(5, dob, d(2020, 5, 10)).is_ok());
    assert!(check_jsorrat2(5, dob, d(2026, 5, 9)).is_ok());
    assert!(check_jsorrat2(5, dob, d(2026, 5, 10)).is_err());
    assert!(check_jsorrat2(5, dob, d(2008, 5, 9)).is_err());
}

#[test]
fn jsorrat2_expires_on_the_18th_birthday() {
    assert_eq!(jsorrat2_expires_on(d(2008, 5, 10)), Some(d(2026, 5, 10)));
    assert_eq!(jsorrat2_expires_on(d(2007, 12, 31)), Some(d(2025, 12, 31)));
    // 2026 has no February 29.
    let leap = d(2008, 2, 29);
    assert_eq!(jsorrat2_expires_on(leap), Some(d(2026, 3, 1)));
    assert!(check_jsorrat2(5, leap, d(2026, 2, 28)).is_ok());
    assert!(check_jsorrat2(5, leap, d(2026, 3, 1)).is_err());
    assert_eq!(jsorrat2_expires_on(NaiveDate::MAX), None);
}

// ---------------------------------------------------------------- codes

#[test]
fn instrument_codes_match_scorer_certification() {
    assert_eq!(
        Instrument::ALL.iter().map(|i| i.code()).collect::<Vec<_>>(),
        crate::certification::INSTRUMENTS.to_vec()
    );
}

#[test]
fn instrument_kinds() {
    let dynamic: Vec<_> = Instrument::ALL
        .iter()
        .filter(|i| i.is_dynamic())
        .copied()
        .collect();
    assert_eq!(
        dynamic,
        vec![
            Instrument::Stable2007,
            Instrument::Acute2007,
            Instrument::SraFv
        ]
    );
    let violence: Vec<_> = Instrument::ALL
        .iter()
        .filter(|i| i.is_violence())
        .copied()
        .collect();
    assert_eq!(violence, vec![Instrument::LsCmi]);
}

fn round_trip<T>(all: &[T])
where
    T: Copy + fmt::Debug + PartialEq + FromStr<Err = ParseError> + fmt::Display,
{
    for value in all {
        assert_eq!(value.to_string().parse::<T>(), Ok(*value));
    }
    assert!("nonsense".parse::<T>().is_err());
    assert!("".parse::<T>().is_err());
}

#[test]
fn codes_round_trip() {
    round_trip(Instrument::ALL);
    round_trip(ScoreReason::ALL);
    round_trip(Static99rLevel::ALL);
    round_trip(Pre2016Category::ALL);
    round_trip(StableBand::ALL);
    round_trip(CombinedLevel::ALL);
    round_trip(LsCmiBand::ALL);
    round_trip(SraFvLevel::ALL);
    assert_eq!("lscmi".parse::<Instrument>(), Ok(Instrument::LsCmi));
    assert_eq!(Static99rLevel::IVa.code(), "level_iva");
    assert_eq!(
        Static99rLevel::IVb.label(),
        "Level IVb (well above average)"
    );
}

fn from_code<'de, T: Deserialize<'de>>(code: &'de str) -> Result<T, DeError> {
    T::deserialize(code.into_deserializer())
}

#[test]
fn serde_reads_the_codes_where_they_are_snake_case() {
    assert_eq!(
        from_code::<Pre2016Category>("moderate_low"),
        Ok(Pre2016Category::ModerateLow)
    );
    assert_eq!(from_code::<LsCmiBand>("very_high"), Ok(LsCmiBand::VeryHigh));
    assert_eq!(
        from_code::<SraFvLevel>("moderate"),
        Ok(SraFvLevel::Moderate)
    );
    assert_eq!(from_code::<StableBand>("high"), Ok(StableBand::High));
    assert_eq!(
        from_code::<ScoreReason>("dynamic_risk_change"),
        Ok(ScoreReason::DynamicRiskChange)
    );
    assert_eq!(from_code::<Instrument>("sra_fv"), Ok(Instrument::SraFv));
    assert_eq!(
        from_code::<Instrument>("jsorrat2"),
        Ok(Instrument::Jsorrat2)
    );
}
