//! Risk assessment instruments used under SARATSO: scoring Static-99R, STABLE-2007 and
//! ACUTE-2007 from their items, and range checks for scores computed elsewhere (LS/CMI, SRA-FV,
//! JSORRAT-II).
//!
//! Ages are always derived from the date of birth and a given date, never typed in, so a score
//! can be re-checked from the record. Combined Static-99R + STABLE-2007 levels are entered by the
//! evaluator, never computed here: the combination has no published formula.

#[cfg(test)]
mod tests;

use std::{fmt, str::FromStr};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::identity::code_enum;

code_enum! {
    /// The instruments a SARATSO scorer may be certified for; codes match
    /// [`crate::certification::INSTRUMENTS`].
    Instrument, "instrument" {
        Static99r => "static99r", "Static-99R";
        Stable2007 => "stable2007", "STABLE-2007";
        Acute2007 => "acute2007", "ACUTE-2007";
        LsCmi => "lscmi", "LS/CMI";
        SraFv => "sra_fv", "SRA-FV";
        Jsorrat2 => "jsorrat2", "JSORRAT-II";
    }
}

impl Instrument {
    /// Instruments measuring changeable factors, which are re-scored when those factors change.
    pub fn is_dynamic(self) -> bool {
        matches!(
            self,
            Instrument::Stable2007 | Instrument::Acute2007 | Instrument::SraFv
        )
    }

    /// Instruments assessing general and violent recidivism rather than sexual recidivism.
    pub fn is_violence(self) -> bool {
        self == Instrument::LsCmi
    }
}

code_enum! {
    /// Why a score was taken; SARATSO sets when scoring is due.
    ScoreReason, "reason" {
        PreSentence => "pre_sentence", "Pre-sentence";
        PreRelease => "pre_release", "Pre-release";
        Intake => "intake", "Treatment intake";
        DynamicRiskChange => "dynamic_risk_change", "Dynamic risk factor changed";
        FinalBeforeEnd => "final_before_end", "Final score before supervision ends";
    }
}

code_enum! {
    /// Static-99R risk levels of the 2016 revision, ordered from lowest to highest risk.
    Static99rLevel, "Static-99R level" {
        I => "level_i", "Level I (very low)";
        II => "level_ii", "Level II (below average)";
        III => "level_iii", "Level III (average)";
        IVa => "level_iva", "Level IVa (above average)";
        IVb => "level_ivb", "Level IVb (well above average)";
    }
}

impl Static99rLevel {
    /// The 2016 level of a total. Totals outside -3..=12 cannot be scored; they fall in the
    /// nearest end level.
    pub fn from_total(total: i32) -> Self {
        match total {
            ..=-2 => Static99rLevel::I,
            -1..=0 => Static99rLevel::II,
            1..=3 => Static99rLevel::III,
            4..=5 => Static99rLevel::IVa,
            6.. => Static99rLevel::IVb,
        }
    }

    /// Above average or higher: a High Risk Sex Offender in CDCR practice.
    pub fn is_high_risk(self) -> bool {
        matches!(self, Static99rLevel::IVa | Static99rLevel::IVb)
    }
}

code_enum! {
    /// Static-99R categories used before 2016, still found on historic records.
    Pre2016Category, "pre-2016 Static-99R category" {
        Low => "low", "Low";
        ModerateLow => "moderate_low", "Moderate-low";
        ModerateHigh => "moderate_high", "Moderate-high";
        High => "high", "High";
    }
}

impl Pre2016Category {
    /// The pre-2016 category of a total; totals outside -3..=12 fall in the nearest end.
    pub fn from_total(total: i32) -> Self {
        match total {
            ..=1 => Pre2016Category::Low,
            2..=3 => Pre2016Category::ModerateLow,
            4..=5 => Pre2016Category::ModerateHigh,
            6.. => Pre2016Category::High,
        }
    }
}

code_enum! {
    /// STABLE-2007 bands of the total.
    StableBand, "STABLE-2007 band" {
        Low => "low", "Low";
        Moderate => "moderate", "Moderate";
        High => "high", "High";
    }
}

impl StableBand {
    /// The band of a STABLE-2007 total: 0-3 low, 4-11 moderate, 12 and over high.
    pub fn from_total(total: i32) -> Self {
        match total {
            ..=3 => StableBand::Low,
            4..=11 => StableBand::Moderate,
            12.. => StableBand::High,
        }
    }
}

code_enum! {
    /// The combined Static-99R + STABLE-2007 level as entered by the evaluator.
    CombinedLevel, "combined Static-99R and STABLE-2007 level" {
        I => "level_i", "Level I (very low)";
        II => "level_ii", "Level II (below average)";
        III => "level_iii", "Level III (average)";
        IVa => "level_iva", "Level IVa (above average)";
        IVb => "level_ivb", "Level IVb (well above average)";
    }
}

code_enum! {
    /// LS/CMI bands as reported with the score.
    LsCmiBand, "LS/CMI band" {
        VeryLow => "very_low", "Very low";
        Low => "low", "Low";
        Medium => "medium", "Medium";
        High => "high", "High";
        VeryHigh => "very_high", "Very high";
    }
}

code_enum! {
    /// SRA-FV levels on historic records.
    SraFvLevel, "SRA-FV level" {
        Low => "low", "Low";
        Moderate => "moderate", "Moderate";
        High => "high", "High";
    }
}

/// One scored item, kept with the answer it was scored from so the sheet can be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemPoints {
    /// The item's number on the instrument's coding form, from 1.
    pub number: u8,
    pub label: &'static str,
    pub answer: String,
    pub points: i32,
}

/// Static-99R item labels, in coding-form order.
pub const STATIC99R_ITEMS: [&str; 10] = [
    "Age at release from index sex offense",
    "Ever lived with an intimate partner for 2 years",
    "Index non-sexual violence, any conviction",
    "Prior non-sexual violence, any conviction",
    "Prior sex offenses",
    "Prior sentencing dates, excluding index",
    "Any convictions for non-contact sex offenses",
    "Any unrelated victims",
    "Any stranger victims",
    "Any male victims",
];

/// The facts a Static-99R is scored from. Age is not an answer: it follows from the two dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Static99rAnswers {
    pub date_of_birth: NaiveDate,
    /// Release from the index sex offense.
    pub release_date: NaiveDate,
    pub lived_with_partner_two_years: bool,
    pub index_nonsexual_violence: bool,
    pub prior_nonsexual_violence: bool,
    pub prior_sex_charges: u16,
    pub prior_sex_convictions: u16,
    /// Excluding the index sentencing date.
    pub prior_sentencing_dates: u16,
    pub noncontact_sex_offense: bool,
    pub unrelated_victim: bool,
    /// A stranger victim is also unrelated, so this requires `unrelated_victim`.
    pub stranger_victim: bool,
    pub male_victim: bool,
}

/// A scored Static-99R.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Static99rResult {
    pub age_at_release: u32,
    /// The ten items, in order.
    pub items: Vec<ItemPoints>,
    /// From -3 to 12.
    pub total: i32,
    pub level: Static99rLevel,
    pub pre2016: Pre2016Category,
}

/// Completed years of age on a day, or `None` before birth. Someone born on February 29 gains
/// a year on March 1 in years without that day, as the day after February 28.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < date_of_birth {
        return None;
    }
    let mut years = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The day someone reaches `years` of age, consistent with [`age_on`] for February 29 births.
fn birthday(date_of_birth: NaiveDate, years: i32) -> Option<NaiveDate> {
    let year = date_of_birth.year().checked_add(years)?;
    NaiveDate::from_ymd_opt(year, date_of_birth.month(), date_of_birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Item 1 points for completed years of age at release. Ages under 18 are refused by
/// [`score_static99r`]; here they get the youngest band's points.
pub fn static99r_age_points(age_years: u32) -> i32 {
    match age_years {
        ..=34 => 1,
        35..=39 => 0,
        40..=59 => -1,
        60.. => -3,
    }
}

/// Item 5 points: charges and convictions each give a row, and the higher row counts.
pub fn static99r_prior_sex_points(charges: u16, convictions: u16) -> i32 {
    let by_charges = match charges {
        0 => 0,
        1..=2 => 1,
        3..=5 => 2,
        6.. => 3,
    };
    let by_convictions = match convictions {
        0 => 0,
        1 => 1,
        2..=3 => 2,
        4.. => 3,
    };
    by_charges.max(by_convictions)
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

fn counted(n: u16, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Scores a Static-99R. Refuses releases before the 18th birthday (the instrument is for
/// adults) and a stranger victim without an unrelated victim, rather than guessing which
/// answer is wrong.
/// Oldest plausible age at release: beyond it a date was mistyped.
pub const MAX_AGE_AT_RELEASE: u32 = 100;

pub fn score_static99r(a: &Static99rAnswers) -> Result<Static99rResult, ParseError> {
    let age = age_on(a.date_of_birth, a.release_date).ok_or(ParseError::Invalid {
        field: "release date",
        reason: "it is before the date of birth",
    })?;
    if age < 18 {
        return Err(ParseError::Invalid {
            field: "release date",
            reason: "it is before the 18th birthday; Static-99R is scored only for adults",
        });
    }
    if age > MAX_AGE_AT_RELEASE {
        return Err(ParseError::Invalid {
            field: "release date",
            reason: "it makes the age at release over 100; check it and the date of birth",
        });
    }
    if a.stranger_victim && !a.unrelated_victim {
        return Err(ParseError::Invalid {
            field: "stranger victim",
            reason: "a stranger victim is also an unrelated victim, but no unrelated victim \
                     was recorded",
        });
    }

    let flag = |value: bool| i32::from(value);
    let answers: [(String, i32); 10] = [
        (format!("{age} years"), static99r_age_points(age)),
        (
            yes_no(a.lived_with_partner_two_years),
            flag(!a.lived_with_partner_two_years),
        ),
        (
            yes_no(a.index_nonsexual_violence),
            flag(a.index_nonsexual_violence),
        ),
        (
            yes_no(a.prior_nonsexual_violence),
            flag(a.prior_nonsexual_violence),
        ),
        (
            format!(
                "{}, {}",
                counted(a.prior_sex_charges, "charge", "charges"),
                counted(a.prior_sex_convictions, "conviction", "convictions")
            ),
            static99r_prior_sex_points(a.prior_sex_charges, a.prior_sex_convictions),
        ),
        (
            counted(
                a.prior_sentencing_dates,
                "sentencing date",
                "sentencing dates",
            ),
            flag(a.prior_sentencing_dates >= 4),
        ),
        (
            yes_no(a.noncontact_sex_offense),
            flag(a.noncontact_sex_offense),
        ),
        (yes_no(a.unrelated_victim), flag(a.unrelated_victim)),
        (yes_no(a.stranger_victim), flag(a.stranger_victim)),
        (yes_no(a.male_victim), flag(a.male_victim)),
    ];
    let items: Vec<ItemPoints> = answers
        .into_iter()
        .zip(STATIC99R_ITEMS)
        .zip(1u8..)
        .map(|(((answer, points), label), number)| ItemPoints {
            number,
            label,
            answer,
            points,
        })
        .collect();
    let total = items.iter().map(|i| i.points).sum();
    Ok(Static99rResult {
        age_at_release: age,
        items,
        total,
        level: Static99rLevel::from_total(total),
        pre2016: Pre2016Category::from_total(total),
    })
}

/// STABLE-2007 item labels, in coding-form order.
pub const STABLE2007_ITEMS: [&str; 13] = [
    "Significant social influences",
    "Capacity for relationship stability",
    "Emotional identification with children",
    "Hostility toward women",
    "General social rejection",
    "Lack of concern for others",
    "Impulsive acts",
    "Poor cognitive problem solving",
    "Negative emotionality",
    "Sex drive/preoccupation",
    "Sex as coping",
    "Deviant sexual interests",
    "Cooperation with supervision",
];

/// Names used in error messages, so the scorer can find the item on the form.
const STABLE2007_FIELDS: [&str; 13] = [
    "STABLE-2007 item 1",
    "STABLE-2007 item 2",
    "STABLE-2007 item 3",
    "STABLE-2007 item 4",
    "STABLE-2007 item 5",
    "STABLE-2007 item 6",
    "STABLE-2007 item 7",
    "STABLE-2007 item 8",
    "STABLE-2007 item 9",
    "STABLE-2007 item 10",
    "STABLE-2007 item 11",
    "STABLE-2007 item 12",
    "STABLE-2007 item 13",
];

/// The item scored only when a victim was 13 or younger.
const CHILD_ITEM: u8 = 3;

/// STABLE-2007 ratings, each 0, 1 or 2. Item 3 is given only when a victim was 13 or younger;
/// every other item is always given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stable2007Answers {
    /// A victim was 13 or younger.
    pub child_victim: bool,
    pub items: [Option<u8>; 13],
}

/// A scored STABLE-2007.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stable2007Result {
    /// All thirteen items; item 3 reads "not scored" with 0 points when it does not apply.
    pub items: Vec<ItemPoints>,
    pub total: i32,
    /// 26, or 24 when item 3 is not scored.
    pub maximum: i32,
    pub band: StableBand,
}

fn rating(field: &'static str, value: u8) -> Result<i32, ParseError> {
    if value > 2 {
        return Err(ParseError::Invalid {
            field,
            reason: "it must be 0, 1 or 2",
        });
    }
    Ok(i32::from(value))
}

/// Scores a STABLE-2007. Item 3 must be rated exactly when a victim was 13 or younger.
pub fn score_stable2007(a: &Stable2007Answers) -> Result<Stable2007Result, ParseError> {
    let mut items = Vec::with_capacity(13);
    for ((value, label), (field, number)) in a
        .items
        .iter()
        .zip(STABLE2007_ITEMS)
        .zip(STABLE2007_FIELDS.into_iter().zip(1u8..))
    {
        let applies = number != CHILD_ITEM || a.child_victim;
        let (answer, points) = match (value, applies) {
            (Some(v), true) => (v.to_string(), rating(field, *v)?),
            (None, true) => return Err(ParseError::Missing { field }),
            (Some(_), false) => {
                return Err(ParseError::Invalid {
                    field,
                    reason: "it is scored only when a victim was 13 or younger",
                });
            }
            (None, false) => ("not scored".to_string(), 0),
        };
        items.push(ItemPoints {
            number,
            label,
            answer,
            points,
        });
    }
    let total = items.iter().map(|i| i.points).sum();
    Ok(Stable2007Result {
        items,
        total,
        maximum: if a.child_victim { 26 } else { 24 },
        band: StableBand::from_total(total),
    })
}

/// ACUTE-2007 item labels, in coding-form order; the first four are the sex/violence items.
pub const ACUTE2007_ITEMS: [&str; 7] = [
    "Victim access",
    "Hostility",
    "Sexual preoccupation",
    "Rejection of supervision",
    "Emotional collapse",
    "Collapse of social supports",
    "Substance abuse",
];

const ACUTE2007_FIELDS: [&str; 7] = [
    "ACUTE-2007 item 1",
    "ACUTE-2007 item 2",
    "ACUTE-2007 item 3",
    "ACUTE-2007 item 4",
    "ACUTE-2007 item 5",
    "ACUTE-2007 item 6",
    "ACUTE-2007 item 7",
];

/// ACUTE-2007 ratings, each 0, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acute2007Answers {
    pub items: [u8; 7],
}

/// A scored ACUTE-2007: the two sums only, since bands are set by the scorer's manual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acute2007Result {
    pub items: Vec<ItemPoints>,
    /// Items 1-4.
    pub sex_violence: i32,
    /// All seven items.
    pub general: i32,
}

/// Sums an ACUTE-2007 rating.
pub fn score_acute2007(a: &Acute2007Answers) -> Result<Acute2007Result, ParseError> {
    let mut items = Vec::with_capacity(7);
    for ((value, label), (field, number)) in a
        .items
        .iter()
        .zip(ACUTE2007_ITEMS)
        .zip(ACUTE2007_FIELDS.into_iter().zip(1u8..))
    {
        items.push(ItemPoints {
            number,
            label,
            answer: value.to_string(),
            points: rating(field, *value)?,
        });
    }
    let sex_violence = items.iter().take(4).map(|i| i.points).sum();
    let general = items.iter().map(|i| i.points).sum();
    Ok(Acute2007Result {
        items,
        sex_violence,
        general,
    })
}

/// Longest GEARS reference accepted, in characters.
pub const GEARS_REFERENCE_MAX: usize = 64;

/// Checks an LS/CMI total (0 to 43) and its GEARS reference; returns the trimmed reference.
/// The score is computed in GEARS, so only its range is checked here.
pub fn check_lscmi(total: i32, gears_reference: &str) -> Result<String, ParseError> {
    if !(0..=43).contains(&total) {
        return Err(ParseError::Invalid {
            field: "LS/CMI total",
            reason: "it must be from 0 to 43",
        });
    }
    let reference = gears_reference.trim();
    if reference.is_empty() {
        return Err(ParseError::Missing {
            field: "GEARS reference",
        });
    }
    if reference.chars().count() > GEARS_REFERENCE_MAX {
        return Err(ParseError::Invalid {
            field: "GEARS reference",
            reason: "it is longer than 64 characters",
        });
    }
    Ok(reference.to_string())
}

/// Checks an SRA-FV total from a historic record. No range is fixed for these records, so any
/// total from 0 to 50 is accepted: wide enough for any version, narrow enough to catch typos.
pub fn check_sra_fv(total: i32) -> Result<(), ParseError> {
    if !(0..=50).contains(&total) {
        return Err(ParseError::Invalid {
            field: "SRA-FV total",
            reason: "it must be from 0 to 50",
        });
    }
    Ok(())
}

/// Checks a JSORRAT-II score: a total from 0 to 21, scored at age 12 through 17. The
/// instrument is for juvenile males; sex is not part of this check.
pub fn check_jsorrat2(
    total: i32,
    date_of_birth: NaiveDate,
    scored_on: NaiveDate,
) -> Result<(), ParseError> {
    if !(0..=21).contains(&total) {
        return Err(ParseError::Invalid {
            field: "JSORRAT-II total",
            reason: "it must be from 0 to 21",
        });
    }
    match age_on(date_of_birth, scored_on) {
        None => Err(ParseError::Invalid {
            field: "JSORRAT-II scoring date",
            reason: "it is before the date of birth",
        }),
        Some(..12) => Err(ParseError::Invalid {
            field: "JSORRAT-II scoring date",
            reason: "it is before the 12th birthday; JSORRAT-II is for youths aged 12 to 17",
        }),
        Some(18..) => Err(ParseError::Invalid {
            field: "JSORRAT-II scoring date",
            reason: "it is on or after the 18th birthday, when JSORRAT-II scores expire",
        }),
        Some(_) => Ok(()),
    }
}

/// The 18th birthday, from which a JSORRAT-II score no longer applies. A February 29 birth
/// expires on March 1, as 18 years after a leap year is never one.
pub fn jsorrat2_expires_on(date_of_birth: NaiveDate) -> Option<NaiveDate> {
    birthday(date_of_birth, 18)
}
