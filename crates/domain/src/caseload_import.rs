//! Reading a caseload spreadsheet: the columns an agency fills in, matched by their headings in
//! people's words, and each row's cells tidied into the text the single-case form would receive.
//! Every problem names the row as the spreadsheet shows it (the heading is row 1) and the column.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::Email;
use crate::case::{CdcrNumber, CiiNumber, SupervisionKind};

/// The largest file accepted: a statewide caseload of plain rows is far smaller.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// The most supervisees one file may hold; a larger caseload is imported in parts.
pub const MAX_IMPORT_ROWS: usize = 5_000;

/// One column of the caseload file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    LegalName,
    DateOfBirth,
    Sex,
    Cii,
    Cdcr,
    CountyOfConviction,
    CountyOfRegistration,
    Juvenile,
    Aliases,
    CourtCases,
    SupervisionKind,
    SupervisingCounty,
    Court,
    PlacedOn,
    SupervisionStart,
    ExpectedEnd,
    SupervisingOfficer,
    TreatmentProvider,
    PolygraphExaminer,
}

impl Column {
    /// In the order of the template.
    pub const ALL: [Column; 19] = [
        Column::LegalName,
        Column::DateOfBirth,
        Column::Sex,
        Column::Cii,
        Column::Cdcr,
        Column::CountyOfConviction,
        Column::CountyOfRegistration,
        Column::Juvenile,
        Column::Aliases,
        Column::CourtCases,
        Column::SupervisionKind,
        Column::SupervisingCounty,
        Column::Court,
        Column::PlacedOn,
        Column::SupervisionStart,
        Column::ExpectedEnd,
        Column::SupervisingOfficer,
        Column::TreatmentProvider,
        Column::PolygraphExaminer,
    ];

    /// The heading, as the template writes it.
    pub fn header(self) -> &'static str {
        match self {
            Column::LegalName => "Legal name",
            Column::DateOfBirth => "Date of birth",
            Column::Sex => "Sex",
            Column::Cii => "CII number",
            Column::Cdcr => "CDCR number",
            Column::CountyOfConviction => "County of conviction",
            Column::CountyOfRegistration => "County of registration",
            Column::Juvenile => "Juvenile",
            Column::Aliases => "Aliases",
            Column::CourtCases => "Court case numbers",
            Column::SupervisionKind => "Supervision kind",
            Column::SupervisingCounty => "Supervising county",
            Column::Court => "Court",
            Column::PlacedOn => "Placed on",
            Column::SupervisionStart => "Supervision start",
            Column::ExpectedEnd => "Expected end",
            Column::SupervisingOfficer => "Supervising officer e-mail",
            Column::TreatmentProvider => "Treatment provider e-mail",
            Column::PolygraphExaminer => "Polygraph examiner e-mail",
        }
    }

    /// Other headings people write for the same column (compared like the heading).
    fn other_headers(self) -> &'static [&'static str] {
        match self {
            Column::LegalName => &["name", "full name"],
            Column::DateOfBirth => &["dob", "birth date"],
            Column::Cii => &["cii"],
            Column::Cdcr => &["cdcr", "cdcr no"],
            Column::Aliases => &["alias", "aka"],
            Column::CourtCases => &["court case number", "court cases", "case number"],
            Column::SupervisionKind => &["kind", "supervision type", "type of supervision"],
            Column::SupervisingCounty => &["county"],
            Column::SupervisionStart => &["start", "start date", "supervision start date"],
            Column::ExpectedEnd => &["end", "expected end date", "expiration"],
            Column::SupervisingOfficer => &["supervising officer", "officer", "officer e-mail"],
            Column::TreatmentProvider => &["treatment provider", "provider", "provider e-mail"],
            Column::PolygraphExaminer => &["polygraph examiner", "examiner", "examiner e-mail"],
            _ => &[],
        }
    }

    /// What goes in the column, for the template page and the README.
    pub fn hint(self) -> &'static str {
        match self {
            Column::LegalName => "required; as on the court record",
            Column::DateOfBirth => "required; a date",
            Column::Sex => "required; male, female, nonbinary or unknown",
            Column::Cii => {
                "CII number or CDCR number required: re-running the file matches by them"
            }
            Column::Cdcr => "e.g. AB1234",
            Column::CountyOfConviction | Column::CountyOfRegistration => "a California county",
            Column::Juvenile => "yes or no; no when left empty",
            Column::Aliases => "separated by semicolons",
            Column::CourtCases => "separated by semicolons",
            Column::SupervisionKind => {
                "required; pre-trial, probation, parole, PRCS, mandatory supervision or conditional release"
            }
            Column::SupervisingCounty => "required; a California county",
            Column::Court => "the court's name",
            Column::PlacedOn => "a date",
            Column::SupervisionStart => "required; a date",
            Column::ExpectedEnd => "a date on or after the start",
            Column::SupervisingOfficer => "the officer's sign-in e-mail",
            Column::TreatmentProvider => "a provider with a current CASOMB certification",
            Column::PolygraphExaminer => "an examiner with a current certification",
        }
    }

    /// Columns every file must have. CII and CDCR numbers: at least one of the two.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::LegalName
                | Column::DateOfBirth
                | Column::Sex
                | Column::SupervisionKind
                | Column::SupervisingCounty
                | Column::SupervisionStart
        )
    }

    fn is_date(self) -> bool {
        matches!(
            self,
            Column::DateOfBirth | Column::PlacedOn | Column::SupervisionStart | Column::ExpectedEnd
        )
    }

    fn is_email(self) -> bool {
        matches!(
            self,
            Column::SupervisingOfficer | Column::TreatmentProvider | Column::PolygraphExaminer
        )
    }

    /// The column a heading names, compared without case, spaces or punctuation.
    pub fn from_header(heading: &str) -> Option<Column> {
        let wanted = squash(heading);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL.into_iter().find(|c| {
            squash(c.header()) == wanted || c.other_headers().iter().any(|h| squash(h) == wanted)
        })
    }
}

/// Lower-case letters and digits only: "E-mail" and "email", "CDCR #" and "cdcr" compare equal.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(char::to_lowercase)
        .collect()
}

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A spreadsheet date cell.
    Date(NaiveDate),
}

/// A problem with the file, a row or one cell. `row` is the spreadsheet's row number (the heading
/// is row 1); `None` for the whole file. `column` is the heading as the file wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: Option<u32>,
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn file(message: impl Into<String>) -> Self {
        Problem {
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(row: u32, column: Column, message: impl Into<String>) -> Self {
        Problem {
            row: Some(row),
            column: Some(column.header().to_owned()),
            message: message.into(),
        }
    }
}

/// One data row, its cells tidied: dates written YYYY-MM-DD, lists one item per line, the
/// supervision kind as its code, yes/no as a flag. Validation proper is the single-case form's.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub row: u32,
    values: HashMap<Column, String>,
    pub juvenile: bool,
}

impl SheetRow {
    /// The tidied text of a column; empty when the file has no such column or the cell is empty.
    pub fn get(&self, column: Column) -> &str {
        self.values.get(&column).map_or("", String::as_str)
    }

    /// The e-mail addresses of the team columns that are filled in.
    pub fn team(&self) -> Vec<(Column, Email)> {
        [
            Column::SupervisingOfficer,
            Column::TreatmentProvider,
            Column::PolygraphExaminer,
        ]
        .into_iter()
        .filter_map(|c| Email::parse(self.get(c)).ok().map(|e| (c, e)))
        .collect()
    }
}

/// The rows of a file and every problem found without looking anything up.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
    pub problems: Vec<Problem>,
}

/// Reads a date written YYYY-MM-DD or m/d/yyyy.
pub fn spreadsheet_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%m/%d/%Y"))
        .ok()
        .filter(|_| {
            // chrono reads "1/2/26" as the year 26; a two-digit year is refused, not guessed.
            t.contains('-') || t.rsplit('/').next().is_some_and(|y| y.len() == 4)
        })
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.trim().to_owned(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
    }
}

/// The supervision kind's code from its code or its label, in any case ("Parole", "PRCS",
/// "pre-trial"); text it does not recognise is passed on for the form's own message.
fn kind_code(text: &str) -> String {
    let wanted = squash(text);
    SupervisionKind::ALL
        .into_iter()
        .find(|k| squash(k.code()) == wanted || squash(k.label()) == wanted)
        .map_or_else(|| text.to_owned(), |k| k.code().to_owned())
}

/// Reads the grid of a file: the first row holds the headings.
pub fn read_sheet(grid: &[Vec<Cell>]) -> Sheet {
    let mut sheet = Sheet::default();
    let blank = |r: &Vec<Cell>| r.iter().all(|c| cell_text(c).is_empty());
    let Some(heading_row) = grid.first().filter(|r| !blank(r)) else {
        sheet
            .problems
            .push(Problem::file("the file is empty: the first row must hold the column headings (download the template)"));
        return sheet;
    };
    let mut columns: Vec<Option<Column>> = Vec::new();
    for (i, cell) in heading_row.iter().enumerate() {
        let heading = cell_text(cell);
        let column = Column::from_header(&heading);
        if heading.is_empty() {
            if grid
                .iter()
                .skip(1)
                .any(|r| r.get(i).is_some_and(|c| !cell_text(c).is_empty()))
            {
                sheet.problems.push(Problem {
                    row: Some(1),
                    column: Some(format!("column {}", i + 1)),
                    message: "this column holds values but has no heading".into(),
                });
            }
        } else if column.is_none() {
            sheet.problems.push(Problem {
                row: Some(1),
                column: Some(heading.clone()),
                message: "unknown column: use the headings of the template".into(),
            });
        } else if columns.contains(&column) {
            sheet.problems.push(Problem {
                row: Some(1),
                column: Some(heading.clone()),
                message: "this column appears twice".into(),
            });
        }
        columns.push(column.filter(|c| !columns.contains(&Some(*c))));
    }
    for c in Column::ALL.into_iter().filter(|c| c.required()) {
        if !columns.contains(&Some(c)) {
            sheet
                .problems
                .push(Problem::at(1, c, "this column is required but missing"));
        }
    }
    if !columns.contains(&Some(Column::Cii)) && !columns.contains(&Some(Column::Cdcr)) {
        sheet.problems.push(Problem::at(
            1,
            Column::Cii,
            "the file needs a CII number or a CDCR number column",
        ));
    }
    let data: Vec<(u32, &Vec<Cell>)> = grid
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| !blank(r))
        .map(|(i, r)| (u32::try_from(i + 1).unwrap_or(u32::MAX), r))
        .collect();
    if data.is_empty() {
        sheet
            .problems
            .push(Problem::file("the file holds headings but no supervisees"));
        return sheet;
    }
    if data.len() > MAX_IMPORT_ROWS {
        sheet.problems.push(Problem::file(format!(
            "the file holds {} supervisees; import at most {MAX_IMPORT_ROWS} at a time",
            data.len()
        )));
        return sheet;
    }
    let mut seen_cii: HashMap<CiiNumber, u32> = HashMap::new();
    let mut seen_cdcr: HashMap<CdcrNumber, u32> = HashMap::new();
    for (row, cells) in data {
        let mut values = HashMap::new();
        for (i, column) in columns.iter().enumerate() {
            let (Some(column), Some(cell)) = (column, cells.get(i)) else {
                continue;
            };
            values.insert(*column, cell_text(cell));
        }
        if cells.len() > columns.len()
            && cells[columns.len()..]
                .iter()
                .any(|c| !cell_text(c).is_empty())
        {
            sheet.problems.push(Problem {
                row: Some(row),
                column: Some(format!("column {}", columns.len() + 1)),
                message: "a value beyond the last heading".into(),
            });
        }
        let mut juvenile = false;
        for (column, value) in values.iter_mut() {
            if value.is_empty() {
                continue;
            }
            if column.is_date() {
                match spreadsheet_date(value) {
                    Some(d) => *value = d.format("%Y-%m-%d").to_string(),
                    None => sheet.problems.push(Problem::at(
                        row,
                        *column,
                        format!("\"{value}\" is not a date: write it as 2026-12-02 or 12/2/2026"),
                    )),
                }
            } else if column.is_email() {
                if let Err(e) = Email::parse(value) {
                    sheet
                        .problems
                        .push(Problem::at(row, *column, e.to_string()));
                }
            } else {
                match column {
                    Column::Sex => *value = value.to_lowercase(),
                    Column::SupervisionKind => *value = kind_code(value),
                    Column::Aliases | Column::CourtCases => {
                        *value = value
                            .split([';', '\n'])
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .collect::<Vec<_>>()
                            .join("\n");
                    }
                    Column::Juvenile => match squash(value).as_str() {
                        "yes" | "y" | "true" | "1" => juvenile = true,
                        "no" | "n" | "false" | "0" => {}
                        _ => sheet.problems.push(Problem::at(
                            row,
                            Column::Juvenile,
                            format!("\"{value}\": write yes or no"),
                        )),
                    },
                    _ => {}
                }
            }
        }
        let cii = values.get(&Column::Cii).map_or("", String::as_str);
        let cdcr = values.get(&Column::Cdcr).map_or("", String::as_str);
        if cii.is_empty() && cdcr.is_empty() {
            sheet.problems.push(Problem::at(
                row,
                Column::Cii,
                "give a CII number or a CDCR number: a re-run matches supervisees by them",
            ));
        }
        if let Ok(n) = CiiNumber::parse(cii) {
            if let Some(first) = seen_cii.get(&n) {
                sheet.problems.push(Problem::at(
                    row,
                    Column::Cii,
                    format!("CII number {n} is also in row {first}"),
                ));
            } else {
                seen_cii.insert(n, row);
            }
        }
        if let Ok(n) = CdcrNumber::parse(cdcr) {
            if let Some(first) = seen_cdcr.get(&n) {
                sheet.problems.push(Problem::at(
                    row,
                    Column::Cdcr,
                    format!("CDCR number {n} is also in row {first}"),
                ));
            } else {
                seen_cdcr.insert(n, row);
            }
        }
        sheet.rows.push(SheetRow {
            row,
            values,
            juvenile,
        });
    }
    sheet
        .problems
        .sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    sheet
}

/// The template's example row, one value per column of [`Column::ALL`], as a person would type
/// them.
pub const TEMPLATE_EXAMPLE: [&str; Column::ALL.len()] = [
    "Pat Example",
    "1980-04-01",
    "male",
    "A12345678",
    "AB1234",
    "Sonoma",
    "Sonoma",
    "no",
    "Pat E.; P. Example",
    "SCR-123456",
    "probation",
    "Sonoma",
    "Sonoma County Superior Court",
    "2026-01-05",
    "2026-01-05",
    "2029-01-04",
    "officer@example.org",
    "provider@example.org",
    "examiner@example.org",
];

/// The template: the headings and one example row, as CSV.
pub fn template_csv() -> String {
    let headings: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    let example = TEMPLATE_EXAMPLE;
    let quote = |v: &str| {
        if v.contains([',', '"', '\n']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_owned()
        }
    };
    let line = |vs: &[&str]| vs.iter().map(|v| quote(v)).collect::<Vec<_>>().join(",");
    format!("{}\r\n{}\r\n", line(&headings), line(&example))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| r.iter().map(|c| Cell::Text((*c).to_owned())).collect())
            .collect()
    }

    const HEAD: &[&str] = &[
        "Legal name",
        "date of birth",
        "SEX",
        "CII",
        "Supervision kind",
        "Supervising county",
        "Supervision start",
        "Supervising officer e-mail",
    ];

    #[test]
    fn headings_match_without_case_or_punctuation() {
        assert_eq!(Column::from_header(" cdcr # "), Some(Column::Cdcr));
        assert_eq!(
            Column::from_header("Supervising Officer Email"),
            Some(Column::SupervisingOfficer)
        );
        assert_eq!(Column::from_header("DOB"), Some(Column::DateOfBirth));
        assert_eq!(Column::from_header("Shoe size"), None);
        for c in Column::ALL {
            assert_eq!(Column::from_header(c.header()), Some(c));
        }
    }

    #[test]
    fn us_and_iso_dates_are_read_and_two_digit_years_are_not() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2);
        assert_eq!(spreadsheet_date("2026-12-02"), d);
        assert_eq!(spreadsheet_date("12/2/2026"), d);
        assert_eq!(spreadsheet_date("12/02/2026"), d);
        assert_eq!(spreadsheet_date("12/2/26"), None);
        assert_eq!(spreadsheet_date("2/30/2026"), None);
        assert_eq!(spreadsheet_date("Dec 2, 2026"), None);
    }

    #[test]
    fn a_good_row_is_tidied_for_the_form() {
        let sheet = read_sheet(&grid(&[
            HEAD,
            &[
                "Pat Doe",
                "4/1/1980",
                "Male",
                "a1234567",
                "Post-release community supervision",
                "sonoma",
                "2026-01-05",
                "Officer@Example.org",
            ],
        ]));
        assert_eq!(sheet.problems, []);
        let row = &sheet.rows[0];
        assert_eq!(row.row, 2);
        assert_eq!(row.get(Column::DateOfBirth), "1980-04-01");
        assert_eq!(row.get(Column::Sex), "male");
        assert_eq!(row.get(Column::SupervisionKind), "prcs");
        assert_eq!(row.get(Column::Cdcr), "");
        assert_eq!(row.team().len(), 1);
    }

    #[test]
    fn every_problem_names_its_row_and_column() {
        let sheet = read_sheet(&grid(&[
            &["Legal name", "Sex", "CII number", "Shoe size", "Juvenile"],
            &["A", "male", "A1234567", "9", "maybe"],
            &["", "", "", "", ""],
            &["B", "male", "a 1234567", "10", "no"],
            &["C", "male", "", "", ""],
        ]));
        let found: Vec<(Option<u32>, Option<&str>)> = sheet
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (Some(1), Some("Date of birth")),
                (Some(1), Some("Shoe size")),
                (Some(1), Some("Supervising county")),
                (Some(1), Some("Supervision kind")),
                (Some(1), Some("Supervision start")),
                (Some(2), Some("Juvenile")),
                (Some(4), Some("CII number")),
                (Some(5), Some("CII number")),
            ]
        );
        assert!(sheet.problems[6].message.contains("also in row 2"));
    }

    #[test]
    fn empty_files_and_bad_dates_and_emails_are_problems() {
        assert_eq!(read_sheet(&[]).problems[0].row, None);
        assert_eq!(read_sheet(&grid(&[&["", ""]])).problems[0].row, None);
        assert!(
            read_sheet(&grid(&[HEAD])).problems[0]
                .message
                .contains("no supervisees")
        );
        let sheet = read_sheet(&grid(&[
            HEAD,
            &[
                "A",
                "1980-13-01",
                "male",
                "A1234567",
                "parole",
                "Marin",
                "2026-01-05",
                "not an address",
            ],
        ]));
        let cols: Vec<_> = sheet.problems.iter().map(|p| p.column.clone()).collect();
        assert_eq!(
            cols,
            [
                Some("Date of birth".to_owned()),
                Some("Supervising officer e-mail".to_owned())
            ]
        );
    }

    #[test]
    fn spreadsheet_date_cells_are_dates() {
        let mut g = grid(&[HEAD]);
        g.push(vec![
            Cell::Text("A".into()),
            Cell::Date(NaiveDate::from_ymd_opt(1980, 4, 1).unwrap_or_default()),
            Cell::Text("male".into()),
            Cell::Text("A1234567".into()),
            Cell::Text("parole".into()),
            Cell::Text("Marin".into()),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default()),
        ]);
        let sheet = read_sheet(&g);
        assert_eq!(sheet.problems, []);
        assert_eq!(sheet.rows[0].get(Column::SupervisionStart), "2026-01-05");
    }

    #[test]
    fn the_template_reads_back_without_problems() {
        let text = template_csv();
        let g: Vec<Vec<Cell>> = text
            .lines()
            .map(|l| {
                // The example holds no quoted commas except the alias list.
                l.split(',').map(|c| Cell::Text(c.to_owned())).collect()
            })
            .collect();
        let sheet = read_sheet(&g);
        assert_eq!(sheet.problems, []);
        assert_eq!(sheet.rows.len(), 1);
    }
}
