//! Printable documents, typeset with Typst from templates and fonts embedded in the binary:
//! nothing is fetched at run time.

use serde::Serialize;
use typst::layout::PagedDocument;
use typst_as_lib::TypstEngine;

static FONTS: [&[u8]; 3] = [
    include_bytes!("../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../fonts/LiberationSans-Italic.ttf"),
];

static SCORE_REPORT: &str = include_str!("../templates/score_report.typ");
static MONTHLY_REPORT: &str = include_str!("../templates/monthly_report.typ");

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the document could not be typeset: {0}")]
    Typeset(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// One item of an instrument as printed.
#[derive(Debug, Clone, Serialize)]
pub struct ReportItem {
    pub number: u8,
    pub label: String,
    pub answer: String,
    pub points: i32,
}

/// One recorded step of a score's chain as printed.
#[derive(Debug, Clone, Serialize)]
pub struct ReportStep {
    pub on: String,
    pub step: String,
    pub by: String,
    pub detail: String,
}

/// The SARATSO score report: the fields of the score submission form, every value already
/// formatted for print (empty text prints as a dash).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScoreReport {
    pub generated: String,
    pub name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub cii: String,
    pub cdcr: String,
    pub case_number: String,
    pub county_of_conviction: String,
    pub county_of_registration: String,
    pub sentencing_date: String,
    pub supervision_status: String,
    pub agency: String,
    pub instrument: String,
    pub total: String,
    pub level: String,
    pub other_level: String,
    pub scored_on: String,
    pub reason: String,
    pub release_date: String,
    pub scorer: String,
    pub certified: String,
    pub uncertified_reason: String,
    pub items: Vec<ReportItem>,
    pub steps: Vec<ReportStep>,
    pub waiting: Vec<String>,
    /// The no-re-dissemination mark, when the report holds criminal history (CORI).
    pub cori_mark: String,
}

fn render<T: Serialize>(template: &'static str, data: &T) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_string(data).map_err(|e| ReportError::Typeset(e.to_string()))?;
    let engine = TypstEngine::builder()
        .main_file(template)
        .fonts(FONTS)
        .build();
    let mut inputs = typst::foundations::Dict::new();
    inputs.insert(
        "data".into(),
        typst::foundations::IntoValue::into_value(json),
    );
    let doc: PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| ReportError::Typeset(e.to_string()))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

/// The score report as a PDF.
pub fn score_report_pdf(report: &ScoreReport) -> Result<Vec<u8>, ReportError> {
    render(SCORE_REPORT, report)
}

/// The Monthly Progress/Communication Report, every value already formatted for print (empty
/// text prints as a dash or "Nothing reported").
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonthlyReport {
    pub generated: String,
    pub status: String,
    pub version: String,
    /// "Corrects version 1", "Superseded by version 3", or empty.
    pub version_note: String,
    pub month: String,
    pub supervisee: String,
    pub cii: String,
    pub provider: String,
    pub officer: String,
    pub scheduled: String,
    pub attended: String,
    pub missed: String,
    pub excused: String,
    pub participation: String,
    pub dynamic_risk: String,
    pub polygraph: String,
    pub contract_compliance: String,
    pub self_reports: String,
    pub concerns: String,
    pub signed: String,
    pub acknowledged_by: String,
    pub acknowledged: String,
    pub officer_section: String,
}

/// The monthly report as a PDF.
pub fn monthly_report_pdf(report: &MonthlyReport) -> Result<Vec<u8>, ReportError> {
    render(MONTHLY_REPORT, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_report_typesets_to_a_pdf_holding_its_fields() {
        let report = ScoreReport {
            name: "Casey Example".into(),
            instrument: "Static-99R".into(),
            total: "4".into(),
            level: "Level IVa (above average)".into(),
            items: vec![ReportItem {
                number: 1,
                label: "Age at release".into(),
                answer: "34 years".into(),
                points: 1,
            }],
            cori_mark: "CORI: do not re-disseminate".into(),
            ..Default::default()
        };
        let pdf = score_report_pdf(&report).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 5_000, "fonts are embedded: {} bytes", pdf.len());
    }
}
