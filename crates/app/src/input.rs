//! Reading typed-in values: every form and API body says the same thing about a bad date.

use chrono::NaiveDate;

/// A required date written YYYY-MM-DD; a problem is added to `errors`.
pub(crate) fn date(field: &str, v: &str, errors: &mut Vec<String>) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        errors.push(format!("{field} is required"));
        return None;
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| errors.push(format!("{field}: \"{v}\" is not a date (YYYY-MM-DD)")))
        .ok()
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
        assert_eq!(optional_date("referral", "  ", &mut errors), None);
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        not_future("on", Some(today), today, &mut errors);
        not_future("on", today.succ_opt(), today, &mut errors);
        assert_eq!(
            errors,
            [
                "start is required",
                "end: \"26/11/2026\" is not a date (YYYY-MM-DD)",
                "on: it is in the future"
            ]
        );
    }
}
