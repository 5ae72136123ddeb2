//! Importing an existing caseload from CSV and XLSX: every kind of bad row named by row and
//! column, all rows or none, matched by CII or CDCR on a re-run, dry runs that write nothing,
//! and only agency admins.

use std::io::Write as _;

use chrono::{Duration, NaiveDate, Utc};
use containment_app::{Actor, AppError, CaseloadImport};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::caseload_import::MAX_IMPORT_BYTES;
use containment_storage::AuditFilter;
use containment_testkit::{AgencyKind, Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::{World, actor, api_token, case, world};

both_backends!(
    a_clean_file_imports_once_and_a_rerun_creates_nothing,
    every_kind_of_bad_row_is_named_and_nothing_is_written,
    a_row_shows_all_its_problems_at_once,
    problems_with_the_file_as_a_whole_are_reported,
    an_xlsx_workbook_with_date_cells_imports,
    only_agency_admins_import_and_the_api_answers_the_report,
    the_template_comes_as_csv_and_as_a_workbook_that_read_alike,
);

const HEAD: &str = "Legal name,Date of birth,Sex,CII number,CDCR number,Supervision kind,\
Supervising county,Supervision start,Expected end,Aliases,Supervising officer e-mail,\
Treatment provider e-mail,Polygraph examiner e-mail";

/// A start date inside the test certifications' validity (issued 200 days ago).
fn start() -> NaiveDate {
    local_date(Utc::now()) - Duration::days(30)
}

fn us(d: NaiveDate) -> String {
    d.format("%-m/%-d/%Y").to_string()
}

/// A good row for `name` with `cii`, its whole team named.
fn row(name: &str, cii: &str) -> String {
    format!(
        "{name},1980-02-29,male,{cii},,probation,Sonoma,{},,\"A; B\",po@sonoma.example,dr@northbay.example,ex@poly.example",
        us(start())
    )
}

async fn admin(w: &World) -> Actor {
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    actor(&w.app, "aa@sonoma.example").await
}

async fn import(w: &World, who: &Actor, file: &str, dry_run: bool) -> CaseloadImport {
    w.app
        .app
        .import_caseload(who, None, file.as_bytes(), dry_run, Utc::now())
        .await
        .unwrap()
}

/// (row, column) of each problem.
fn places(r: &CaseloadImport) -> Vec<(Option<u32>, Option<String>)> {
    r.problems
        .iter()
        .map(|p| (p.row, p.column.clone()))
        .collect()
}

async fn import_events(w: &World) -> Vec<(String, String, Option<String>)> {
    let tx = w.app.app.store().begin().await.unwrap();
    let events = tx
        .audit_events(
            &AuditFilter {
                object_kind: Some("agency".into()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
    drop(tx);
    events
        .into_iter()
        .filter(|e| e.content.action == "caseload_import")
        .map(|e| (e.content.action, e.content.outcome, e.content.detail))
        .collect()
}

async fn a_clean_file_imports_once_and_a_rerun_creates_nothing(db: TestDb) {
    let w = world(&db).await;
    let aa = admin(&w).await;
    let file = format!(
        "{HEAD}\n{}\n{}\n",
        row("Pat One", "A1000001"),
        row("Sam Two", "A1000002")
    );
    // The dry run shows what would be created and writes none of it.
    let dry = import(&w, &aa, &file, true).await;
    assert_eq!(dry.problems, []);
    assert!(!dry.committed);
    assert_eq!(dry.created.len(), 2);
    assert_eq!(dry.created[0].row, 2);
    assert_eq!(dry.created[1].team.len(), 3);
    assert!(dry.created.iter().all(|c| c.supervisee_id.is_none()));

    let done = import(&w, &aa, &file, false).await;
    assert_eq!(done.problems, []);
    assert!(done.committed);
    assert_eq!(done.created.len(), 2, "the dry run wrote nothing");
    let id = done.created[0].supervisee_id.unwrap();
    let view = w
        .app
        .app
        .case_view(&aa, id, Utc::now(), local_date(Utc::now()))
        .await
        .unwrap();
    assert_eq!(view.supervisee.legal_name, "Pat One");
    assert_eq!(view.supervisee.aliases, ["A", "B"]);
    assert_eq!(view.episodes[0].start_date, start());
    let mut roles: Vec<TeamRole> = view.team.iter().map(|m| m.team_role).collect();
    roles.sort();
    assert_eq!(roles.len(), 3);
    assert!(view.team_gaps.is_empty());
    // The officer named in the file sees the case.
    assert!(
        w.app
            .app
            .case_view(&w.officer, id, Utc::now(), local_date(Utc::now()))
            .await
            .is_ok()
    );

    // Re-run, with a CDCR-only newcomer: the two are matched, one is created.
    let again = format!(
        "{file}Lee Three,1975-05-05,female,,AB1234,parole,Sonoma,{},,,,,\n",
        start()
    );
    let rerun = import(&w, &aa, &again, false).await;
    assert_eq!(rerun.problems, []);
    assert_eq!(rerun.matched.len(), 2);
    assert_eq!(rerun.matched[0].supervisee_id, id);
    assert_eq!(rerun.created.len(), 1);
    let rerun = import(&w, &aa, &again, false).await;
    assert_eq!((rerun.created.len(), rerun.matched.len()), (0, 3));

    // One event per import with counts, and each case's own events.
    let events = import_events(&w).await;
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|(_, outcome, _)| outcome == "success"));
    assert!(
        events
            .iter()
            .any(|(_, _, d)| d.as_deref()
                == Some("import: 2 rows, 2 created, 0 matched, 0 problems"))
    );
    assert!(
        events
            .iter()
            .all(|(_, _, d)| !d.as_deref().unwrap_or("").contains("Pat"))
    );
}

async fn every_kind_of_bad_row_is_named_and_nothing_is_written(db: TestDb) {
    let w = world(&db).await;
    let aa = admin(&w).await;
    // On file already, under another name.
    w.app
        .app
        .open_case(&w.officer, &case("Chris Onfile", "A2000009"), Utc::now())
        .await
        .unwrap();
    // A provider without a certification.
    let clinic = w
        .app
        .agency("Uncertified Care", AgencyKind::TreatmentProvider)
        .await;
    w.app
        .user(clinic.id, "new@care.example", &[Role::TreatmentProvider])
        .await;
    let s = us(start());
    let file = [
        HEAD.to_owned(),
        row("Good Row", "A2000001"), // 2
        format!("Bad Date,2/30/1980,male,A2000002,,probation,Sonoma,{s},,,,,"), // 3
        format!("Bad County,1980-01-01,male,A2000003,,probation,Gotham,{s},,,,,"), // 4
        format!("Nobody,1980-01-01,male,A2000004,,probation,Sonoma,{s},,,nobody@x.example,,"), // 5
        format!("Uncertified,1980-01-01,male,A2000005,,probation,Sonoma,{s},,,,new@care.example,"), // 6
        format!("Wrong Role,1980-01-01,male,A2000006,,probation,Sonoma,{s},,,,po@sonoma.example,"), // 7
        format!("Twice,1980-01-01,male,A2000001,,probation,Sonoma,{s},,,,,"), // 8
        format!("Other Name,1980-01-01,male,A2000009,,probation,Sonoma,{s},,,,,"), // 9
        format!("No Number,1980-01-01,male,,,probation,Sonoma,{s},,,,,"),     // 10
        format!("Ends Early,1980-01-01,male,A2000011,,probation,Sonoma,{s},2001-01-01,,,,"), // 11
        format!("Bad Kind,1980-01-01,male,A2000012,,house arrest,Sonoma,{s},,,,,"), // 12
        format!("Bad Sex,1980-01-01,x,A2000013,,probation,Sonoma,{s},,,,,"),  // 13
    ]
    .join("\n");
    for dry_run in [true, false] {
        let r = import(&w, &aa, &file, dry_run).await;
        assert!(!r.committed);
        let col = |c: &str| Some(c.to_owned());
        assert_eq!(
            places(&r),
            [
                (Some(3), col("Date of birth")),
                (Some(4), col("Supervising county")),
                (Some(5), col("Supervising officer e-mail")),
                (Some(6), col("Treatment provider e-mail")),
                (Some(7), col("Treatment provider e-mail")),
                (Some(8), col("CII number")),
                (Some(9), col("CII number")),
                (Some(10), col("CII number")),
                (Some(11), col("Expected end")),
                (Some(12), col("Supervision kind")),
                (Some(13), col("Sex")),
            ],
            "{:#?}",
            r.problems
        );
        let message = |row: u32| {
            r.problems
                .iter()
                .find(|p| p.row == Some(row))
                .unwrap()
                .message
                .clone()
        };
        assert!(message(3).contains("not a date"), "{}", message(3));
        assert!(message(5).contains("no account"), "{}", message(5));
        assert!(message(6).contains("R10"), "{}", message(6));
        assert!(
            message(7).contains("does not hold a role"),
            "{}",
            message(7)
        );
        assert!(message(8).contains("also in row 2"), "{}", message(8));
        assert!(
            message(9).contains("different legal name"),
            "{}",
            message(9)
        );
    }
    // The good row was not written: importing it alone creates it now.
    let r = import(
        &w,
        &aa,
        &format!("{HEAD}\n{}", row("Good Row", "A2000001")),
        false,
    )
    .await;
    assert_eq!((r.created.len(), r.matched.len()), (1, 0));
    let events = import_events(&w).await;
    assert_eq!(events.iter().filter(|(_, o, _)| o == "failure").count(), 2);
}

/// A row whose case part is refused still has its accounts checked: one check shows the bad
/// date and the unknown e-mail together, not one after the other.
async fn a_row_shows_all_its_problems_at_once(db: TestDb) {
    let w = world(&db).await;
    let aa = admin(&w).await;
    let s = us(start());
    let file = [
        HEAD.to_owned(),
        format!("Two Faults,1979-13-40,male,A3000001,,probation,Sonoma,{s},,,nobody@x.example,,"),
        format!("Three Faults,2/30/1980,male,A3000002,,probation,Gotham,{s},,,po@sonoma.example,,ghost@x.example"),
    ]
    .join("\n");
    let r = import(&w, &aa, &file, true).await;
    let col = |c: &str| Some(c.to_owned());
    assert_eq!(
        places(&r),
        [
            (Some(2), col("Date of birth")),
            (Some(2), col("Supervising officer e-mail")),
            (Some(3), col("Date of birth")),
            (Some(3), col("Polygraph examiner e-mail")),
            (Some(3), col("Supervising county")),
        ],
        "{:#?}",
        r.problems
    );
    assert!(r.problems[1].message.contains("nobody@x.example"));
    assert!(r.problems[3].message.contains("ghost@x.example"));
    assert!(r.created.is_empty() && !r.committed);
}

async fn problems_with_the_file_as_a_whole_are_reported(db: TestDb) {
    let w = world(&db).await;
    let aa = admin(&w).await;
    let first = |r: &CaseloadImport| r.problems[0].message.clone();
    // Empty, headings only, not a spreadsheet, an old workbook, too large.
    for (file, says) in [
        (b"".to_vec(), "empty"),
        (b" \r\n".to_vec(), "empty"),
        (format!("{HEAD}\n").into_bytes(), "no supervisees"),
        (b"%PDF-1.7\n\0\x01binary".to_vec(), "not a CSV or XLSX"),
        (vec![0xD0, 0xCF, 0x11, 0xE0, 0, 0], ".xls"),
        (vec![b'a'; MAX_IMPORT_BYTES + 1], "too large"),
    ] {
        let r = w
            .app
            .app
            .import_caseload(&aa, None, &file, false, Utc::now())
            .await
            .unwrap();
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!(r.problems[0].row, None);
        assert!(first(&r).contains(says), "{}", first(&r));
        assert!(r.created.is_empty());
    }
    // A missing required column and an unknown one, named in the heading row.
    let r = import(
        &w,
        &aa,
        "Name,Sex,CII,Shoe size\nPat,male,A3000001,9\n",
        false,
    )
    .await;
    let col = |c: &str| (Some(1), Some(c.to_owned()));
    assert_eq!(
        places(&r),
        [
            col("Date of birth"),
            col("Shoe size"),
            col("Supervising county"),
            col("Supervision kind"),
            col("Supervision start"),
        ]
    );
    assert!(r.problems[1].message.contains("unknown column"));
}

/// A workbook with one sheet: text cells inline, `Date` cells as serial numbers in the built-in
/// date format (numFmtId 14), as spreadsheet programs save them.
fn xlsx(rows: &[Vec<XCell>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, cells) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in cells.iter().enumerate() {
            let at = format!("{}{}", char::from(b'A' + c as u8), r + 1);
            match cell {
                XCell::Text(t) => sheet.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{t}</t></is></c>"
                )),
                XCell::Number(n) => sheet.push_str(&format!("<c r=\"{at}\"><v>{n}</v></c>")),
                XCell::Date(d) => {
                    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
                    let serial = (*d - epoch).num_days();
                    sheet.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"));
                }
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Caseload" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/styles.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

enum XCell {
    Text(&'static str),
    Number(f64),
    Date(NaiveDate),
}

async fn an_xlsx_workbook_with_date_cells_imports(db: TestDb) {
    let w = world(&db).await;
    let aa = admin(&w).await;
    use XCell::{Date, Number, Text};
    let dob = NaiveDate::from_ymd_opt(1979, 7, 4).unwrap();
    let book = xlsx(&[
        vec![
            Text("Legal name"),
            Text("Date of birth"),
            Text("Sex"),
            Text("CII number"),
            Text("Supervision kind"),
            Text("Supervising county"),
            Text("Supervision start"),
            Text("Supervising officer e-mail"),
        ],
        // The CII number typed as a number, the dates as date cells.
        vec![
            Text("Robin Sheet"),
            Date(dob),
            Text("female"),
            Number(40_000_001.0),
            Text("Parole"),
            Text("Sonoma County"),
            Date(start()),
            Text("po@sonoma.example"),
        ],
    ]);
    let r = w
        .app
        .app
        .import_caseload(&aa, None, &book, false, Utc::now())
        .await
        .unwrap();
    assert_eq!(r.problems, [], "{:?}", r.problems);
    assert_eq!(r.created.len(), 1);
    assert_eq!(r.created[0].cii.as_deref(), Some("40000001"));
    assert_eq!(r.created[0].start, start());
    let id = r.created[0].supervisee_id.unwrap();
    let view = w
        .app
        .app
        .case_view(&aa, id, Utc::now(), local_date(Utc::now()))
        .await
        .unwrap();
    assert_eq!(view.supervisee.date_of_birth, dob);
    // A bad date cell in a workbook is named like a CSV one.
    let bad = xlsx(&[
        vec![
            Text("Legal name"),
            Text("Date of birth"),
            Text("Sex"),
            Text("CII"),
            Text("Supervision kind"),
            Text("Supervising county"),
            Text("Supervision start"),
        ],
        vec![
            Text("Robin Two"),
            Text("soon"),
            Text("female"),
            Text("A40000002"),
            Text("parole"),
            Text("Sonoma"),
            Date(start()),
        ],
    ]);
    let r = w
        .app
        .app
        .import_caseload(&aa, None, &bad, true, Utc::now())
        .await
        .unwrap();
    assert_eq!(places(&r), [(Some(2), Some("Date of birth".to_owned()))]);
}

async fn only_agency_admins_import_and_the_api_answers_the_report(db: TestDb) {
    let w = world(&db).await;
    admin(&w).await;
    let file = format!("{HEAD}\n{}\n", row("Pat Api", "A5000001"));
    // An officer may open cases one by one but not import a caseload; the refusal is audited.
    assert!(matches!(
        w.app
            .app
            .import_caseload(&w.officer, None, file.as_bytes(), true, Utc::now())
            .await,
        Err(AppError::Forbidden(_))
    ));
    let events = import_events(&w).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, "denied");

    let http = reqwest::Client::new();
    let url = w.app.url("/api/v1/imports/caseload");
    let officer_token = api_token(&w.app, "po@sonoma.example").await;
    let res = http
        .post(&url)
        .bearer_auth(&officer_token)
        .header("content-type", "text/csv")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let token = api_token(&w.app, "aa@sonoma.example").await;
    let post = |query: &'static str, body: String| {
        http.post(format!("{url}{query}"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let res = post("?dry_run=true", file.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["committed"], false);
    assert_eq!(body["created"][0]["row"], 2);
    assert_eq!(body["created"][0]["supervisee_id"], Value::Null);

    let res = post("", file.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["committed"], true);
    assert!(body["created"][0]["supervisee_id"].as_i64().is_some());

    let res = post(
        "",
        format!(
            "{HEAD}\nBad,1980-01-01,male,A5000002,,probation,Mars,{},,,,,\n",
            start()
        ),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "import_problems");
    assert_eq!(body["problems"][0]["row"], 2);
    assert_eq!(body["problems"][0]["column"], "Supervising county");
}

/// The template downloads as CSV and as a workbook; the workbook's first sheet holds the same
/// headings and example row, a second sheet says what goes in each column, and the import reads
/// both files to the same report (the example's accounts do not exist here, so that report
/// names the example row's e-mail columns and nothing about the file itself).
async fn the_template_comes_as_csv_and_as_a_workbook_that_read_alike(db: TestDb) {
    let w = world(&db).await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, password) = w
        .app
        .user(agency, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let admin = actor(&w.app, "aa@sonoma.example").await;
    let mut browser = w.app.signed_in("aa@sonoma.example", &password).await;
    let page = browser.page("/admin/import").await;
    assert!(
        page.contains("href=\"/admin/import/template.xlsx\""),
        "{page}"
    );
    assert!(page.contains("href=\"/admin/import/template.csv\""));

    let csv = browser.get("/admin/import/template.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    let res = browser.get("/admin/import/template.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("caseload-template.xlsx")
    );
    let workbook = res.bytes().await.unwrap().to_vec();

    let mut book = calamine::Xlsx::new(std::io::Cursor::new(workbook.clone())).unwrap();
    use calamine::Reader;
    assert_eq!(book.sheet_names(), ["Caseload", "Columns"]);
    let sheet = book.worksheet_range("Caseload").unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    let lines: Vec<Vec<String>> = csv
        .lines()
        .map(|l| {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert_eq!(cells, lines, "the same headings and example row");
    let help = book.worksheet_range("Columns").unwrap();
    assert_eq!(help.rows().count(), 1 + lines[0].len());

    let from_csv = import(&w, &admin, &csv, true).await;
    let from_xlsx = w
        .app
        .app
        .import_caseload(&admin, None, &workbook, true, Utc::now())
        .await
        .unwrap();
    assert_eq!(places(&from_csv), places(&from_xlsx));
    assert!(!from_xlsx.problems.is_empty());
    for p in &from_xlsx.problems {
        assert_eq!(p.row, Some(2), "{p:?}");
        assert!(
            p.column.as_deref().is_some_and(|c| c.contains("e-mail")),
            "{p:?}"
        );
    }
}
