//! Lists as files. A table of typed cells (text, number, date) is written as CSV or XLSX:
//!
//! - CSV (RFC 4180, UTF-8): a text cell starting with `= + - @`, a tab or a carriage return is
//!   prefixed with `'` so spreadsheet programs do not run it as a formula; dates are ISO
//!   (`2026-01-05`). The notices the rows call for come first, one line each (a single cell
//!   starting `NOTICE:`), before the header line.
//! - XLSX: the same notices as the first rows (merged across the table, wrapped) and in the
//!   printed footer of every page; then the header row, bold and frozen with the notices above
//!   it; dates are real date cells shown as `yyyy-mm-dd`.
//!
//! Every file is sent with `Cache-Control: no-store`, a file name without personal data, and
//! the notices also in `X-Record-Notice` headers for programs.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use containment_app::{AppError, ExportFormat};
use containment_domain::document::CORI_MARK;
use containment_domain::waiver::PART2_NOTICE;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::documents::NOTICE_HEADER;

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// A moment in UTC.
    Timestamp(NaiveDateTime),
    Empty,
}

impl Cell {
    pub(crate) fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    pub(crate) fn int(n: impl Into<i64>) -> Self {
        // Counts and ids stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        Cell::Number(n.into() as f64)
    }

    pub(crate) fn count(n: usize) -> Self {
        Cell::int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    pub(crate) fn date(d: Option<NaiveDate>) -> Self {
        d.map_or(Cell::Empty, Cell::Date)
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => neutralised(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Timestamp(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A text cell made safe from formula injection.
pub(crate) fn neutralised(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// A notice a file carries because of what its rows hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// Criminal offender record information, or figures scored from it (PC 11075, 11076).
    Cori,
    /// Information identifying someone as a patient of substance-use treatment (42 CFR 2.32).
    Part2,
}

impl Notice {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Notice::Cori => CORI_MARK,
            Notice::Part2 => PART2_NOTICE,
        }
    }

    /// The printed footer holds at most 255 characters: the short form.
    fn footer(self) -> &'static str {
        match self {
            Notice::Cori => "CORI: do not re-disseminate (PC 11075, 11076)",
            Notice::Part2 => "42 CFR part 2: further disclosure prohibited (42 CFR 2.32)",
        }
    }
}

/// A column: its header and its width in characters (XLSX).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) width: u16,
}

pub(crate) const fn col(name: &'static str, width: u16) -> Column {
    Column { name, width }
}

/// The largest XLSX export: a sheet holds 1,048,576 rows, and the workbook is built in memory,
/// so larger lists go out as CSV (streamed).
pub(crate) const XLSX_MAX_ROWS: u64 = 100_000;

pub(crate) fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("spreadsheet: {e}"))
}

fn csv_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("csv: {e}"))
}

struct XlsxSheet {
    sheet: Worksheet,
    row: u32,
    date: Format,
    timestamp: Format,
}

enum Writer {
    Csv(Box<csv::Writer<Vec<u8>>>),
    Xlsx(Box<XlsxSheet>),
}

/// A table being written, row by row.
pub(crate) struct Sheet {
    writer: Writer,
    columns: usize,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("columns", &self.columns)
            .finish()
    }
}

impl Sheet {
    /// A table named `name` (the XLSX sheet's name) with these columns and notices.
    pub(crate) fn new(
        format: ExportFormat,
        name: &str,
        columns: &[Column],
        notices: &[Notice],
    ) -> Result<Self, AppError> {
        let writer = match format {
            ExportFormat::Csv => {
                let mut w = Box::new(csv_writer());
                for n in notices {
                    w.write_record([format!("NOTICE: {}", n.text())])
                        .map_err(csv_error)?;
                }
                w.write_record(columns.iter().map(|c| c.name))
                    .map_err(csv_error)?;
                Writer::Csv(w)
            }
            ExportFormat::Xlsx => Writer::Xlsx(Box::new(xlsx_sheet(name, columns, notices)?)),
        };
        Ok(Sheet {
            writer,
            columns: columns.len(),
        })
    }

    pub(crate) fn row(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        match &mut self.writer {
            Writer::Csv(w) => w
                .write_record(cells.iter().map(Cell::csv))
                .map_err(csv_error),
            Writer::Xlsx(x) => {
                for (i, cell) in cells.iter().enumerate() {
                    let c = u16::try_from(i).unwrap_or(u16::MAX);
                    let r = x.row;
                    match cell {
                        Cell::Text(s) => x.sheet.write_string(r, c, s).map(|_| ()),
                        Cell::Number(n) => x.sheet.write_number(r, c, *n).map(|_| ()),
                        Cell::Date(d) => x
                            .sheet
                            .write_datetime_with_format(r, c, d, &x.date)
                            .map(|_| ()),
                        Cell::Timestamp(t) => x
                            .sheet
                            .write_datetime_with_format(r, c, t, &x.timestamp)
                            .map(|_| ()),
                        Cell::Empty => Ok(()),
                    }
                    .map_err(xlsx_error)?;
                }
                x.row = x.row.saturating_add(1);
                Ok(())
            }
        }
    }

    /// CSV written so far, to send while the rest is read; nothing for XLSX, which is whole
    /// only at the end.
    pub(crate) fn take_chunk(&mut self) -> Result<Vec<u8>, AppError> {
        match &mut self.writer {
            Writer::Csv(w) => std::mem::replace(w.as_mut(), csv_writer())
                .into_inner()
                .map_err(csv_error),
            Writer::Xlsx(_) => Ok(Vec::new()),
        }
    }

    /// The rest of the file.
    pub(crate) fn finish(self) -> Result<Vec<u8>, AppError> {
        match self.writer {
            Writer::Csv(w) => w.into_inner().map_err(csv_error),
            Writer::Xlsx(x) => {
                let mut book = Workbook::new();
                book.push_worksheet(x.sheet);
                book.save_to_buffer().map_err(xlsx_error)
            }
        }
    }
}

/// Records of any length (a notice is one cell), CRLF-terminated, quoted where needed.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn xlsx_sheet(name: &str, columns: &[Column], notices: &[Notice]) -> Result<XlsxSheet, AppError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(name).map_err(xlsx_error)?;
    let last = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    let notice_format = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let mut row = 0u32;
    for n in notices {
        if last > 0 {
            sheet
                .merge_range(row, 0, row, last, n.text(), &notice_format)
                .map_err(xlsx_error)?;
        } else {
            sheet
                .write_string_with_format(row, 0, n.text(), &notice_format)
                .map_err(xlsx_error)?;
        }
        // Room for the wrapped text across the table's width.
        let width: u32 = columns.iter().map(|c| u32::from(c.width)).sum();
        let lines = u32::try_from(n.text().len()).unwrap_or(u32::MAX) / width.max(1) + 1;
        sheet
            .set_row_height(row, f64::from(15 * lines.min(12)))
            .map_err(xlsx_error)?;
        row += 1;
    }
    if !notices.is_empty() {
        let footer: Vec<&str> = notices.iter().map(|n| n.footer()).collect();
        sheet.set_footer(format!("&C{}", footer.join(" / ")));
    }
    let bold = Format::new().set_bold();
    for (i, c) in columns.iter().enumerate() {
        let i = u16::try_from(i).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(row, i, c.name, &bold)
            .map_err(xlsx_error)?;
        sheet
            .set_column_width(i, f64::from(c.width))
            .map_err(xlsx_error)?;
    }
    row += 1;
    sheet.set_freeze_panes(row, 0).map_err(xlsx_error)?;
    Ok(XlsxSheet {
        sheet,
        row,
        date: Format::new().set_num_format("yyyy-mm-dd"),
        timestamp: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
    })
}

/// A whole table as a file.
pub(crate) fn table_file(
    format: ExportFormat,
    name: &str,
    columns: &[Column],
    notices: &[Notice],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, AppError> {
    let mut sheet = Sheet::new(format, name, columns, notices)?;
    for r in rows {
        sheet.row(&r)?;
    }
    sheet.finish()
}

/// The response carrying an export: `stem` names the file (no personal data), prefixed when it
/// holds CORI as a downloaded CORI document is.
pub(crate) fn download(
    format: ExportFormat,
    stem: &str,
    notices: &[Notice],
    body: impl Into<Body>,
) -> Response {
    let mut headers = HeaderMap::new();
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let prefix = if notices.contains(&Notice::Cori) {
        "CORI-do-not-redisseminate-"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{prefix}{stem}.{ext}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for n in notices {
        if let Ok(v) = HeaderValue::from_str(n.text()) {
            headers.append(NOTICE_HEADER, v);
        }
    }
    (headers, body.into()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_that_look_like_formulas_are_neutralised() {
        for (input, out) in [
            ("plain", "plain"),
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
        ] {
            assert_eq!(Cell::text(input).csv(), out);
        }
        // Numbers and dates are written by us and never escaped.
        assert_eq!(Cell::int(-2).csv(), "-2");
        assert_eq!(Cell::Number(12.5).csv(), "12.5");
    }

    #[test]
    fn csv_puts_notices_before_the_header() -> Result<(), AppError> {
        let file = table_file(
            ExportFormat::Csv,
            "T",
            &[col("a", 5), col("b", 5)],
            &[Notice::Cori],
            [vec![Cell::text("x, \"y\""), Cell::Date(NaiveDate::MIN)]],
        )?;
        let text = String::from_utf8(file).map_err(csv_error)?;
        let mut lines = text.split("\r\n");
        assert!(lines.next().is_some_and(|l| l.contains("NOTICE: CORI")));
        assert_eq!(lines.next(), Some("a,b"));
        assert!(
            lines
                .next()
                .is_some_and(|l| l.starts_with("\"x, \"\"y\"\"\","))
        );
        Ok(())
    }

    #[test]
    fn xlsx_is_a_zip_workbook() -> Result<(), AppError> {
        let file = table_file(
            ExportFormat::Xlsx,
            "T",
            &[col("a", 5)],
            &[Notice::Part2],
            [vec![Cell::int(3)]],
        )?;
        assert!(file.starts_with(b"PK"));
        Ok(())
    }
}
