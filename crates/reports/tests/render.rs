//! The printed monthly report is checked the way a person sees it: the PDF is rendered to an
//! image by Poppler (`pdftoppm`, from Debian's poppler-utils) and the page is measured, and its
//! text is read back (`pdftotext`). Without Poppler the test says so and passes, except in CI
//! (`CI` set), where a missing renderer fails it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use containment_reports::{MonthlyReport, monthly_report_pdf};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "containment-render-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn poppler() -> bool {
    let found = Command::new("pdftoppm").arg("-v").output().is_ok()
        && Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftoppm/pdftotext (poppler-utils) are required in CI"
        );
        eprintln!("skipped: pdftoppm and pdftotext (apt-get install -y poppler-utils) are missing");
    }
    found
}

/// A grey-scale page: width, height, one byte per pixel (0 black, 255 white).
struct Page {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Page {
    /// Share of dark pixels in the rows from `top` to `bottom` (fractions of the height).
    fn ink(&self, top: f64, bottom: f64) -> f64 {
        self.darker_than(128, top, bottom)
    }

    /// Share of pixels darker than `level` in the rows from `top` to `bottom`.
    fn darker_than(&self, level: u8, top: f64, bottom: f64) -> f64 {
        let (from, to) = (
            (self.height as f64 * top) as usize,
            (self.height as f64 * bottom) as usize,
        );
        let rows = &self.pixels[from * self.width..to * self.width];
        rows.iter().filter(|p| **p < level).count() as f64 / rows.len() as f64
    }
}

/// Parses a binary PGM (P5) as pdftoppm writes it.
fn read_pgm(path: &Path) -> Page {
    let bytes = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(bytes[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5", "a binary grey-scale image");
    assert_eq!(fields[3], "255");
    let (width, height): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..].to_vec();
    assert_eq!(pixels.len(), width * height);
    Page {
        width,
        height,
        pixels,
    }
}

/// Renders every page at 50 dpi and returns them with the PDF's text.
fn render(report: &MonthlyReport, scratch: &Scratch) -> (Vec<Page>, String) {
    let pdf = monthly_report_pdf(report).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let file = scratch.0.join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let prefix = scratch.0.join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "50", "-gray"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm renders the PDF");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    let text_file = scratch.0.join("report.txt");
    let status = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg(&text_file)
        .status()
        .unwrap();
    assert!(status.success(), "pdftotext reads the PDF");
    (
        pages.iter().map(|p| read_pgm(p)).collect(),
        std::fs::read_to_string(text_file).unwrap(),
    )
}

fn filled() -> MonthlyReport {
    let long = "Attended every group session and completed the relapse-prevention module; \
                identified two high-risk situations at work and discussed coping plans. "
        .repeat(3);
    MonthlyReport {
        generated: "2026-11-26 09:30".into(),
        status: "Acknowledged".into(),
        version: "2".into(),
        version_note: "Corrects version 1".into(),
        month: "November 2026".into(),
        supervisee: "Casey Example".into(),
        cii: "A12345678".into(),
        provider: "Pat Provider".into(),
        officer: "Olive Officer".into(),
        scheduled: "5".into(),
        attended: "4".into(),
        missed: "0".into(),
        excused: "1".into(),
        participation: long,
        dynamic_risk: "Stable; intimacy deficits improving.".into(),
        polygraph: "2026-11-05 Maintenance exam: No significant response".into(),
        contract_compliance: "In compliance.".into(),
        self_reports: "2026-11-10 High-risk situation: attended a family party with minors present"
            .into(),
        concerns: "None.".into(),
        signed: "2026-11-25 16:02".into(),
        acknowledged_by: "Olive Officer".into(),
        acknowledged: "2026-11-26 08:15".into(),
        officer_section: "Discussed at the home visit; no further action.".into(),
    }
}

#[test]
fn the_monthly_report_prints_as_a_letter_page_form_with_its_content() {
    if !poppler() {
        return;
    }
    let scratch = Scratch::new("filled");
    let (pages, text) = render(&filled(), &scratch);
    assert_eq!(pages.len(), 1, "a month's report fits one page");
    let page = &pages[0];
    // US letter at 50 dpi: 425 x 550 pixels.
    assert_eq!((page.width, page.height), (425, 550));
    // Printed, not blank, not a black box.
    let ink = page.ink(0.0, 1.0);
    assert!((0.02..0.35).contains(&ink), "ink coverage {ink:.3}");
    // Margins stay white (0.75 in left of 8.5 in is 8.8 %): nothing runs off the page.
    let left_margin: usize = (0..page.height)
        .map(|y| {
            page.pixels[y * page.width..y * page.width + page.width * 6 / 100]
                .iter()
                .filter(|p| **p < 128)
                .count()
        })
        .sum();
    assert_eq!(left_margin, 0, "the left margin is empty");
    // The title band and the body carry ink; the running header and footer too.
    assert!(page.ink(0.07, 0.14) > 0.01, "title");
    assert!(page.ink(0.4, 0.6) > 0.01, "body");
    // The running header and footer are set in grey.
    assert!(page.darker_than(220, 0.0, 0.07) > 0.0, "header");
    assert!(page.darker_than(220, 0.93, 1.0) > 0.0, "footer");

    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Monthly Progress / Communication Report",
        "Casey Example",
        "A12345678",
        "November 2026",
        "Pat Provider",
        "Olive Officer",
        "Corrects version 1",
        "CHANGES IN DYNAMIC RISK FACTORS",
        "No significant response",
        "OFFICER SECTION",
        "Discussed at the home visit",
        "Page 1 of 1",
    ] {
        assert!(words.contains(expected), "{expected:?} in {words}");
    }
}

#[test]
fn an_empty_report_prints_its_blank_form_with_less_ink() {
    if !poppler() {
        return;
    }
    let scratch = Scratch::new("empty");
    let (pages, text) = render(&MonthlyReport::default(), &scratch);
    assert_eq!(pages.len(), 1);
    let blank = pages[0].ink(0.0, 1.0);
    let scratch_full = Scratch::new("full");
    let (full, _) = render(&filled(), &scratch_full);
    assert!(
        blank < full[0].ink(0.0, 1.0),
        "content adds ink: {blank:.3} blank"
    );
    assert!(blank > 0.01, "the form itself is drawn: {blank:.3}");
    assert!(text.contains("Nothing reported."));
}
