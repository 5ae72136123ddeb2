//! Reading typed-in values: every form and API body says the same thing about a bad date (the
//! wording and the accepted years are `containment_domain::input`'s).

use crate::Problems;
use chrono::NaiveDate;
use containment_domain::input;

use crate::AppError;

/// A required date written YYYY-MM-DD, within the accepted years; a problem is added to
/// `errors`.
/// `name` is the form field and JSON member, `label` the words the message uses.
pub(crate) fn date(name: &str, label: &str, v: &str, errors: &mut Problems) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        errors.at(name, format!("{label} is required"));
        return None;
    }
    input::date(label, v).map_err(|e| errors.at(name, e)).ok()
}

/// A date the caller already holds as a date (a form or body read it), checked against the
/// accepted years like every typed-in date.
pub(crate) fn in_range(field: &str, d: NaiveDate) -> Result<NaiveDate, AppError> {
    input::date_in_range(field, d).map_err(AppError::invalid)
}

/// A single-line text field (a name, a number): no control characters, no line breaks.
pub(crate) fn one_line(field: &str, v: &str) -> Result<(), AppError> {
    input::text(field, v, input::Lines::One).map_err(AppError::invalid)
}

/// Like [`one_line`], adding the problem to `errors`.
pub(crate) fn line(name: &str, label: &str, v: &str, errors: &mut Problems) {
    if let Err(e) = input::text(label, v, input::Lines::One) {
        errors.at(name, e);
    }
}

/// A date that may be left empty.
pub(crate) fn optional_date(
    name: &str,
    label: &str,
    v: &str,
    errors: &mut Problems,
) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        None
    } else {
        date(name, label, v, errors)
    }
}

/// Refuses a date after `today` (the agency's day in California).
pub(crate) fn not_future(
    name: &str,
    label: &str,
    d: Option<NaiveDate>,
    today: NaiveDate,
    errors: &mut Problems,
) {
    if d.is_some_and(|d| d > today) {
        errors.at(name, format!("{label}: it is in the future"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_with_one_message_per_problem() {
        let mut errors = Problems::new();
        assert_eq!(
            date("start_date", "start", " 2026-11-26 ", &mut errors),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(date("start_date", "start", "", &mut errors), None);
        assert_eq!(date("end_date", "end", "26/11/2026", &mut errors), None);
        assert_eq!(date("end_date", "end", "2201-01-01", &mut errors), None);
        assert_eq!(
            optional_date("referral_date", "referral", "  ", &mut errors),
            None
        );
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        not_future("on", "on", Some(today), today, &mut errors);
        not_future("on", "on", today.succ_opt(), today, &mut errors);
        let got: Vec<(Option<String>, String)> =
            errors.into_iter().map(|p| (p.field, p.message)).collect();
        let at = |f: &str, m: &str| (Some(f.to_owned()), m.to_owned());
        assert_eq!(
            got,
            [
                at("start_date", "start is required"),
                at("end_date", "end: \"26/11/2026\" is not a date (YYYY-MM-DD)"),
                at(
                    "end_date",
                    "end: 2201-01-01 is outside the years 1900 to 2200"
                ),
                at("on", "on: it is in the future")
            ]
        );
    }
}
