//! Downloads: the caseload, a case's obligations, the dashboard with its lists and the audit
//! search as CSV and XLSX, with the page's filters, the notices their rows call for, an audit
//! event of their own, and the page's refusals.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, Utc};
use containment_app::{DocumentInput, ScoreInput};
use containment_storage::AuditFilter;
use containment_testkit::{Role, TestApp, TestDb, both_backends};
use reqwest::{Response, StatusCode};

use crate::cases::{api_token, world};
use crate::compliance::{certify_scorer, staffed};

both_backends!(each_list_downloads_as_csv_and_xlsx_with_its_notices_and_audit);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn newest(app: &TestApp) -> containment_domain::audit::AuditContent {
    let tx = app.app.store().begin_read().await.unwrap();
    tx.audit_events(&AuditFilter::default(), 1)
        .await
        .unwrap()
        .remove(0)
        .content
}

async fn api(app: &TestApp, token: &str, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// A download's body after checking what every download carries.
async fn file(res: Response, content_type: &str, name_starts: &str) -> Vec<u8> {
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type)
    );
    assert_eq!(h["cache-control"], "no-store");
    let disposition = h["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{name_starts}")),
        "{disposition}"
    );
    res.bytes().await.unwrap().to_vec()
}

fn csv_lines(body: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn sheet(body: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book = Xlsx::new(Cursor::new(body)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(c: &Data) -> String {
    c.to_string()
}

async fn each_list_downloads_as_csv_and_xlsx_with_its_notices_and_audit(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let scored = staffed(&w, "Alex Scored").await;
    let plain = staffed(&w, "Blair Plain").await;
    certify_scorer(
        &w,
        "po@sonoma.example",
        "static99r",
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    )
    .await;
    w.app
        .app
        .record_score(
            &w.officer,
            scored,
            &ScoreInput {
                instrument: "static99r".into(),
                scored_on: "2026-01-12".into(),
                reason: "intake".into(),
                release_date: "2025-12-01".into(),
                yes_no: [Some(false); 7],
                counts: ["0".into(), "0".into(), "1".into()],
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let officer = api_token(&w.app, "po@sonoma.example").await;

    // The caseload, every page, CORI-marked since a Static-99R level shows.
    let body = file(
        api(
            &w.app,
            &officer,
            "/api/v1/caseload/export?format=csv&sort=name",
        )
        .await,
        "text/csv",
        "CORI-do-not-redisseminate-caseload-",
    )
    .await;
    let lines = csv_lines(&body);
    assert!(lines[0][0].starts_with("NOTICE: CORI"), "{:?}", lines[0]);
    assert_eq!(lines[1][0], "supervisee_id");
    assert_eq!(lines.len(), 4, "notice, header and both cases");
    assert_eq!(lines[2][1], "Alex Scored");
    assert_eq!(lines[2][2], "1980-02-29", "dates are ISO");
    assert!(lines[2][15].contains("Static-99R"), "{:?}", lines[2]);
    assert_eq!(lines[3][1], "Blair Plain");
    let e = newest(&w.app).await;
    assert_eq!(e.action, "export_caseload");
    assert_eq!(e.detail.as_deref(), Some("format=csv rows=2"));

    // The page's filters hold; a list without a Static-99R level carries no mark.
    let body = file(
        api(
            &w.app,
            &officer,
            "/api/v1/caseload/export?format=csv&q=blair",
        )
        .await,
        "text/csv",
        "caseload-",
    )
    .await;
    let lines = csv_lines(&body);
    assert_eq!(lines[0][0], "supervisee_id", "no notice");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1][1], "Blair Plain");

    // XLSX: the notice first, then the bold header, and dates as date cells.
    let rows = sheet(
        file(
            api(
                &w.app,
                &officer,
                "/api/v1/caseload/export?format=xlsx&sort=name",
            )
            .await,
            XLSX,
            "CORI-do-not-redisseminate-caseload-",
        )
        .await,
    );
    assert!(text(&rows[0][0]).starts_with("CORI"));
    assert_eq!(text(&rows[1][0]), "supervisee_id");
    assert_eq!(text(&rows[2][1]), "Alex Scored");
    assert!(
        matches!(rows[2][2], Data::DateTime(_)),
        "date of birth is a date cell: {:?}",
        rows[2][2]
    );
    if let Data::DateTime(d) = &rows[2][2] {
        // Excel's serial day number of 1980-02-29.
        assert_eq!(d.as_f64(), 29280.0);
    }
    assert_eq!(
        newest(&w.app).await.detail.as_deref(),
        Some("format=xlsx rows=2")
    );

    // A bad format is a message, not a file.
    let res = api(&w.app, &officer, "/api/v1/caseload/export?format=pdf").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A case's obligations, in both formats, without marks.
    let path = format!("/api/v1/supervisees/{plain}/obligations/export?format=csv");
    let body = file(
        api(&w.app, &officer, &path).await,
        "text/csv",
        "obligations-case-",
    )
    .await;
    let lines = csv_lines(&body);
    assert_eq!(lines[0][2], "rule");
    assert!(lines.len() > 1);
    let e = newest(&w.app).await;
    assert_eq!(e.action, "export_obligations");
    assert_eq!(e.object_id.as_deref(), Some(plain.to_string().as_str()));
    assert!(
        e.detail
            .as_deref()
            .unwrap()
            .ends_with(&format!("format=csv rows={}", lines.len() - 1))
    );
    let path = format!("/api/v1/supervisees/{plain}/obligations/export?format=xlsx");
    let rows = sheet(
        file(
            api(&w.app, &officer, &path).await,
            XLSX,
            "obligations-case-",
        )
        .await,
    );
    assert_eq!(text(&rows[0][0]), "supervisee_id");
    assert_eq!(rows.len(), lines.len());

    // Someone off the team gets the case page's refusal, on the trail.
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "other@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let other = api_token(&w.app, "other@sonoma.example").await;
    let path = format!("/api/v1/supervisees/{plain}/obligations/export?format=csv");
    let res = api(&w.app, &other, &path).await;
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
    assert_eq!(newest(&w.app).await.outcome, "denied");

    // The dashboard is for supervisors: the officer is refused (and recorded) ...
    let res = api(&w.app, &officer, "/api/v1/dashboard/export?format=csv").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(newest(&w.app).await.outcome, "denied");
    // ... a supervisor downloads the figures and the list behind them from the pages.
    let (_, pw) = w
        .app
        .user(agency, "sup@sonoma.example", &[Role::OfficerSupervisor])
        .await;
    let mut sup = w.app.signed_in("sup@sonoma.example", &pw).await;
    let html = sup.page("/dashboard").await;
    assert!(html.contains("/dashboard/export?format=xlsx"));
    let body = file(
        sup.get("/dashboard/export?format=csv&from=2026-01-01")
            .await,
        "text/csv",
        "dashboard-2026-01-01-to-",
    )
    .await;
    let lines = csv_lines(&body);
    assert_eq!(lines[0][0], "section");
    assert_eq!(lines[1][0], "total");
    assert!(lines.iter().any(|l| l[0] == "rule" && l[1] == "R2"));
    let e = newest(&w.app).await;
    assert_eq!(e.action, "export_dashboard");
    assert!(
        e.detail
            .unwrap()
            .ends_with(&format!("rows={}", lines.len() - 1))
    );
    let rows = sheet(
        file(
            sup.get("/dashboard/list/export?format=xlsx&from=2026-01-01&dimension=rule&value=R2")
                .await,
            XLSX,
            "dashboard-list-",
        )
        .await,
    );
    assert_eq!(text(&rows[0][2]), "rule");
    assert!(rows.len() > 1);
    assert!(
        rows[1..].iter().all(|r| text(&r[2]) == "R2"),
        "the figure's filter holds"
    );
    assert_eq!(newest(&w.app).await.action, "export_dashboard_list");
    let html = sup
        .page("/dashboard/list?from=2026-01-01&dimension=rule&value=R2")
        .await;
    assert!(html.contains("/dashboard/list/export?format=csv&amp;from=2026-01-01"));

    // The audit search: the 42 CFR 2.32 notice once an event names a substance-use record.
    let (_, pw) = w
        .app
        .user(agency, "aud@sonoma.example", &[Role::Auditor])
        .await;
    let mut auditor = w.app.signed_in("aud@sonoma.example", &pw).await;
    let body = file(
        auditor.get("/audit/export?format=csv").await,
        "text/csv",
        "audit-",
    )
    .await;
    assert_eq!(csv_lines(&body)[0][0], "seq", "no substance-use record yet");
    w.app
        .app
        .upload_document(
            &w.provider,
            plain,
            &DocumentInput {
                kind: "substance_use_record".into(),
                file_name: "sud.pdf".into(),
                ..Default::default()
            },
            b"%PDF-1.4\n%substance use record\n".to_vec(),
            now,
        )
        .await
        .unwrap();
    let res = auditor.get("/audit/export?format=csv").await;
    assert!(res.headers().contains_key("x-record-notice"));
    let lines = csv_lines(&file(res, "text/csv", "audit-").await);
    assert!(lines[0][0].starts_with("NOTICE: This record which has been disclosed"));
    assert_eq!(lines[1][0], "seq");
    let rows = sheet(
        file(
            auditor.get("/audit/export?format=xlsx").await,
            XLSX,
            "audit-",
        )
        .await,
    );
    assert!(text(&rows[0][0]).contains("42 CFR part 2"));
    assert_eq!(text(&rows[1][0]), "seq");
    assert!(matches!(rows[2][1], Data::DateTime(_)), "{:?}", rows[2][1]);
    let e = newest(&w.app).await;
    assert_eq!(e.action, "audit_export");
    assert!(e.detail.unwrap().starts_with("format=xlsx rows="));
    // Filtered to refusals only, no row names the record: no notice.
    let lines = csv_lines(
        &file(
            auditor.get("/audit/export?format=csv&outcome=denied").await,
            "text/csv",
            "audit-",
        )
        .await,
    );
    assert_eq!(lines[0][0], "seq");
    assert!(lines[1..].iter().all(|l| l[9] == "denied"));
    // Who may not search the trail may not export it.
    let res = sup.get("/audit/export?format=csv").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(newest(&w.app).await.outcome, "denied");
}
