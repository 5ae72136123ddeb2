//! Exports: the file format asked for, and how reading a list for a download is written on the
//! audit trail (its own action, with the format and the number of rows).

use crate::AppError;

/// The file formats a list can be downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// `csv` or `xlsx`; CSV when nothing is given.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "csv" => Ok(ExportFormat::Csv),
            "xlsx" => Ok(ExportFormat::Xlsx),
            other => Err(AppError::invalid_at(
                "format",
                format!("format: \"{other}\" is not a download format; choose csv or xlsx"),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// Why a list is read: to show it (a page or an API answer) or to export it as a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    View,
    Export(ExportFormat),
}

impl Reading {
    /// The audit action: the page's own, or the export's.
    pub(crate) fn action(self, view: &'static str, export: &'static str) -> &'static str {
        match self {
            Reading::View => view,
            Reading::Export(_) => export,
        }
    }

    /// The audit detail, with the format and row count of an export.
    pub(crate) fn detail(self, detail: Option<String>, rows: usize) -> Option<String> {
        match self {
            Reading::View => detail,
            Reading::Export(f) => {
                let export = format!("format={} rows={rows}", f.code());
                Some(match detail {
                    Some(d) => format!("{d}; {export}"),
                    None => export,
                })
            }
        }
    }
}
