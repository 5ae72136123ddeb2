//! Reading typed-in values: every form and API body says the same thing about a bad date (the
//! wording and the accepted years are `containment_domain::input`'s).

use chrono::NaiveDate;
use containment_domain::input;

use crate::AppError;

/// A required date written YYYY-MM-DD, within the accepted years; a problem is added to
/// `errors`.
pub(crate) fn date(field: &str, v: &str, errors: &mut Vec<String>) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        errors.push(format!("{field} is required"));
        return None;
    }
    input::date(field, v).map_err(|e| errors.push(e)).ok()
}

/// A date the caller already holds as a date (a form or body read it), checked against the
/// accepted years like every typed-in date.
pub(crate) fn in_range(field: &str, d: NaiveDate) -> Result<NaiveDate, AppError> {
    input::date_in_range(field, d).map_err(AppError::InvalidInput)
}

/// A single-line text field (a name, a number): no control characters, no line breaks.
pub(crate) fn one_line(field: &str, v: &str) -> Result<(), AppError> {
    input::text(field, v, input::Lines::One).map_err(AppError::InvalidInput)
}

/// Like [`one_line`], adding the problem to `errors`.
pub(crate) fn line(field: &str, v: &str, errors: &mut Vec<String>) {
    if let Err(AppError::InvalidInput(e)) = one_line(field, v) {
        errors.push(e);
    }
}

/// A date that may be left empty.
pub(crate) fn optional_date(field: &str, v: &str, errors: &mut Vec<String>) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        None
    } else {
        date(field, v, errors)
    }
}

/// Refuses a date after `today` (the agency's day in California).
pub(crate) fn not_future(
    field: &str,
    d: Option<NaiveDate>,
    today: NaiveDate,
    errors: &mut Vec<String>,
) {
    if d.is_some_and(|d| d > today) {
        errors.push(format!("{field}: it is in the future"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_with_one_message_per_problem() {
        let mut errors = Vec::new();
        assert_eq!(
            date("start", " 2026-11-26 ", &mut errors),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(date("start", "", &mut errors), None);
        assert_eq!(date("end", "26/11/2026", &mut errors), None);
        assert_eq!(date("end", "2201-01-01", &mut errors), None);
        assert_eq!(optional_date("referral", "  ", &mut errors), None);
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        not_future("on", Some(today), today, &mut errors);
        not_future("on", today.succ_opt(), today, &mut errors);
        assert_eq!(
            errors,
            [
                "start is required",
                "end: \"26/11/2026\" is not a date (YYYY-MM-DD)",
                "end: 2201-01-01 is outside the years 1900 to 2200",
                "on: it is in the future"
            ]
        );
    }
}
