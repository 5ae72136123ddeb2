//! What the system accepts from people and programs before any rule looks at it: text without
//! control characters, and dates within the years a case file can hold. Both backends store the
//! same values, and every refusal names the field.

use chrono::{Datelike, NaiveDate};

/// The earliest date any field accepts: older than any living supervisee's birth.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The latest date any field accepts: beyond any supervision term, registration or expiry.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Whether a text field may span lines (notes, reasons) or is one line (names, identifiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character `text` may not hold, if any. Control characters are refused except tab,
/// line feed, and a carriage return directly before a line feed (browsers send CRLF from text
/// areas); a single-line field refuses line breaks as well.
pub fn refused_char(text: &str, lines: Lines) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\t' => true,
            '\n' => lines == Lines::Many,
            '\r' => lines == Lines::Many && chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Some(c);
        }
    }
    None
}

/// Checks a text field; the error names the field and the character.
pub fn text(field: &str, value: &str, lines: Lines) -> Result<(), String> {
    match refused_char(value, lines) {
        None => Ok(()),
        Some(c @ ('\n' | '\r')) => Err(format!(
            "{field}: must be a single line (it holds a line break, U+{:04X})",
            u32::from(c)
        )),
        Some(c) => Err(format!(
            "{field}: holds a control character (U+{:04X}) that cannot be stored; remove it",
            u32::from(c)
        )),
    }
}

/// Checks that a date lies within [`EARLIEST_DATE`]..=[`LATEST_DATE`].
pub fn date_in_range(field: &str, d: NaiveDate) -> Result<NaiveDate, String> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&d) {
        Ok(d)
    } else {
        Err(format!(
            "{field}: {} is outside the years {} to {}",
            d.format("%Y-%m-%d"),
            EARLIEST_DATE.year(),
            LATEST_DATE.year()
        ))
    }
}

/// Reads a date written `YYYY-MM-DD` (surrounding spaces ignored) within the accepted years.
pub fn date(field: &str, value: &str) -> Result<NaiveDate, String> {
    let v = value.trim();
    text(field, v, Lines::One)?;
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("{field}: \"{v}\" is not a date (YYYY-MM-DD)"))?;
    date_in_range(field, d)
}

/// Like [`date`], with an empty value meaning no date.
pub fn optional_date(field: &str, value: &str) -> Result<Option<NaiveDate>, String> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        date(field, value).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_in_notes_are_not() {
        assert_eq!(refused_char("Ana María O'Neil – 李", Lines::One), None);
        assert_eq!(refused_char("a\tb", Lines::One), None);
        assert_eq!(refused_char("one\ntwo\r\nthree", Lines::Many), None);
        assert_eq!(refused_char("a\0b", Lines::Many), Some('\0'));
        assert_eq!(refused_char("a\u{1}", Lines::Many), Some('\u{1}'));
        assert_eq!(refused_char("page\u{c}break", Lines::Many), Some('\u{c}'));
        assert_eq!(refused_char("word\u{b}soft", Lines::Many), Some('\u{b}'));
        assert_eq!(refused_char("\u{1b}[31m", Lines::Many), Some('\u{1b}'));
        assert_eq!(refused_char("del\u{7f}", Lines::Many), Some('\u{7f}'));
        assert_eq!(refused_char("c1\u{85}", Lines::Many), Some('\u{85}'));
        assert_eq!(refused_char("c1\u{9f}", Lines::Many), Some('\u{9f}'));
        assert_eq!(refused_char("lone\rcr", Lines::Many), Some('\r'));
        assert_eq!(refused_char("ends\r", Lines::Many), Some('\r'));
        assert_eq!(refused_char("two\nlines", Lines::One), Some('\n'));
        assert_eq!(refused_char("two\r\nlines", Lines::One), Some('\r'));
    }

    #[test]
    fn a_refusal_names_the_field_and_the_character() {
        assert_eq!(
            text("notes", "a\0", Lines::Many),
            Err(
                "notes: holds a control character (U+0000) that cannot be stored; remove it".into()
            )
        );
        assert_eq!(
            text("legal_name", "A\nB", Lines::One),
            Err("legal_name: must be a single line (it holds a line break, U+000A)".into())
        );
        assert_eq!(text("notes", "fine\r\n", Lines::Many), Ok(()));
    }

    #[test]
    fn dates_are_accepted_from_1900_through_2200_only() {
        assert_eq!(date("on", "1900-01-01"), Ok(ymd(1900, 1, 1)));
        assert_eq!(date("on", " 2200-12-31 "), Ok(ymd(2200, 12, 31)));
        assert_eq!(
            date("on", "1899-12-31"),
            Err("on: 1899-12-31 is outside the years 1900 to 2200".into())
        );
        assert_eq!(
            date("on", "2201-01-01"),
            Err("on: 2201-01-01 is outside the years 1900 to 2200".into())
        );
        assert!(date("on", "-200000-01-01").is_err_and(|e| e.contains("outside the years")));
        assert!(date("on", "+200000-01-01").is_err());
        assert_eq!(
            date("on", "26/11/2026"),
            Err("on: \"26/11/2026\" is not a date (YYYY-MM-DD)".into())
        );
        assert!(date("on", "2026-01-01\0").is_err_and(|e| e.contains("U+0000")));
        assert_eq!(optional_date("on", "  "), Ok(None));
        assert_eq!(optional_date("on", "2026-02-03"), Ok(Some(ymd(2026, 2, 3))));
        assert!(date_in_range("on", ymd(-200_000, 1, 1)).is_err());
    }

    proptest! {
        #[test]
        fn every_date_in_range_round_trips(days in 0i64..=(LATEST_DATE - EARLIEST_DATE).num_days()) {
            let d = EARLIEST_DATE + chrono::Duration::days(days);
            prop_assert_eq!(date("on", &d.format("%Y-%m-%d").to_string()), Ok(d));
        }

        #[test]
        fn text_without_control_characters_is_accepted(s in "[^\\p{Cc}]*") {
            prop_assert_eq!(refused_char(&s, Lines::One), None);
        }

        #[test]
        fn any_control_character_other_than_tab_and_newline_is_found(
            before in "[a-z ]{0,8}", c in "\\p{Cc}", after in "[a-z ]{0,8}"
        ) {
            let s = format!("{before}{c}{after}");
            let expected = match c.as_str() {
                "\t" | "\n" => None,
                _ => c.chars().next(),
            };
            prop_assert_eq!(refused_char(&s, Lines::Many), expected);
        }
    }
}
