//! The auditor's search pages through the whole trail, and the CSV export holds every matching
//! event: neither stops at the newest few hundred.

use chrono::Utc;
use containment_app::{Actor, Channel, Client};
use containment_storage::{AuditFilter, NewAuditEvent};
use containment_testkit::{
    AgencyKind, Backend, Browser, Role, TestApp, TestDb, both_backends, html_value_after,
};
use reqwest::StatusCode;

both_backends!(
    paging_reaches_the_oldest_event_with_no_gap_or_repeat,
    the_csv_export_holds_every_matching_event,
    the_search_names_cases_by_number_and_people_by_name,
);

/// At most this many SQL statements for one page of the search: the sign-in check, the page
/// of events, the audit append (a read and an insert; on PostgreSQL also the chain lock), and
/// the names of the people and the numbers of the cases on the page (two reads).
const AUDIT_PAGE_STATEMENTS: u64 = 7;

/// A server with `n` more events on the trail (every third one denied, one whose detail a
/// spreadsheet would run as a formula), and an auditor signed in to it.
async fn auditor_with_events(db: &TestDb, n: i64) -> (TestApp, Browser) {
    let app = TestApp::spawn(db).await;
    let agency = app
        .agency("Sonoma County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, pw) = app
        .user(agency.id, "auditor@sonoma.example", &[Role::Auditor])
        .await;
    let browser = app.signed_in("auditor@sonoma.example", &pw).await;
    let at_ms = Utc::now().timestamp_millis();
    let events = (1..=n)
        .map(|i| NewAuditEvent {
            at_ms,
            action: "supervisee_read".into(),
            object_kind: Some("supervisee".into()),
            object_id: Some(i.to_string()),
            outcome: if i % 3 == 0 { "denied" } else { "success" }.into(),
            detail: (i == 7).then(|| "=HYPERLINK(\"http://x.example\")".to_owned()),
            ..Default::default()
        })
        .collect();
    app.app.store().append_audit_events(events).await.unwrap();
    (app, browser)
}

/// The sequence numbers of the events listed on a search page, in page order.
fn listed(html: &str) -> Vec<i64> {
    html.split("<tr><td>")
        .skip(1)
        .map(|row| row[..row.find('<').unwrap()].parse().unwrap())
        .collect()
}

/// The target of the "Older" or "Newer" link.
fn link(html: &str, which: &str) -> Option<String> {
    let class = match which {
        "older" => "usa-pagination__next-page",
        _ => "usa-pagination__previous-page",
    };
    html_value_after(html, class, "href").map(|h| h.replace("&#38;", "&").replace("&amp;", "&"))
}

/// Follows `which` links from `start`; every page's events, in order, and the links followed.
async fn walk(browser: &mut Browser, start: &str, which: &str) -> (Vec<i64>, Vec<String>) {
    let mut seqs = Vec::new();
    let mut followed = Vec::new();
    let mut next = Some(start.to_owned());
    while let Some(path) = next {
        assert!(followed.len() < 50, "paging does not end: {followed:?}");
        let html = browser.page(&path).await;
        let page = listed(&html);
        assert!(
            page.len() <= 200,
            "{path}: {} events on one page",
            page.len()
        );
        if which == "newer" {
            seqs.splice(0..0, page);
        } else {
            seqs.extend(page);
        }
        next = link(&html, which);
        followed.push(path);
    }
    (seqs, followed)
}

/// The sequence numbers of the denied events on the trail, newest first.
async fn denied_events(app: &TestApp) -> Vec<i64> {
    let filter = AuditFilter {
        outcome: Some("denied".into()),
        ..Default::default()
    };
    let tx = app.app.store().begin_read().await.unwrap();
    tx.audit_events(&filter, 1_000_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.content.seq)
        .collect()
}

async fn paging_reaches_the_oldest_event_with_no_gap_or_repeat(db: TestDb) {
    let (app, mut browser) = auditor_with_events(&db, 650).await;
    let newest = app.app.store().audit_count().await.unwrap() as i64;

    let (older, pages) = walk(&mut browser, "/audit", "older").await;
    let top = older[0];
    assert!(top >= newest, "the first page starts at the newest event");
    assert_eq!(
        older,
        (1..=top).rev().collect::<Vec<_>>(),
        "every event once, newest first, down to the first"
    );
    assert!(pages.len() >= 3, "{pages:?}");
    assert!(
        pages[1..].iter().all(|p| p.contains("before=")),
        "{pages:?}"
    );

    // Back up through the "Newer" links from the oldest page: again every event once, up to
    // the searches just made.
    let oldest = pages.last().unwrap().clone();
    let (newer, _) = walk(&mut browser, &oldest, "newer").await;
    assert!(newer[0] >= top);
    assert_eq!(
        newer,
        (1..=newer[0]).rev().collect::<Vec<_>>(),
        "every event once going back up"
    );

    // Filters survive paging.
    let (denied, pages) = walk(&mut browser, "/audit?outcome=denied", "older").await;
    assert!(pages.len() >= 2, "{pages:?}");
    assert!(
        pages.iter().all(|p| p.contains("outcome=denied")),
        "{pages:?}"
    );
    assert_eq!(denied, denied_events(&app).await);
    assert!(denied.len() > 200);

    // A page deep in the trail costs no more than the first.
    let deep = &pages[pages.len() - 1];
    let store = app.app.store();
    let before = store.statements_run();
    browser.page(deep).await;
    let used = store.statements_run() - before;
    let budget = AUDIT_PAGE_STATEMENTS + u64::from(db.backend == Backend::Postgres);
    assert!(
        used <= budget,
        "one audit page ran {used} statements (at most {budget})"
    );

    // A cursor that is not a number is a message, not an error page.
    let html = browser.page("/audit?before=abc").await;
    assert!(html.contains("is not a position in the trail"));
}

/// The rows of a CSV export, after its header.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn the_csv_export_holds_every_matching_event(db: TestDb) {
    let (app, mut browser) = auditor_with_events(&db, 1200).await;

    let res = browser.get("/audit/export?format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let rows = csv_rows(&body);
    let total = app.app.store().audit_count().await.unwrap() as i64;
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..total).rev().collect::<Vec<_>>(),
        "every event up to the export, once, newest first"
    );
    // The export itself is on the trail right after the rows it wrote, with their count.
    let export = newest_event(&app).await;
    assert_eq!(export.seq, total);
    assert_eq!(export.action, "audit_export");
    assert_eq!(export.outcome, "success");
    assert!(export.actor_user_id.is_some(), "the auditor is named");
    assert_eq!(
        export.detail.as_deref(),
        Some(format!("format=csv rows={}", total - 1).as_str())
    );
    // Cells stay neutralised against formulas.
    assert!(body.contains("\"'=HYPERLINK(\"\"http://x.example\"\")\""));

    // With a filter: exactly the matching events.
    let res = browser.get("/audit/export?format=csv&outcome=denied").await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows = csv_rows(&res.text().await.unwrap());
    assert!(rows.iter().all(|r| r[9] == "denied"));
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(seqs, denied_events(&app).await);
    assert!(seqs.len() > 200, "more than the old cap of 200");
    let last = newest_event(&app).await;
    assert_eq!(last.action, "audit_export");
    assert_eq!(
        last.detail.as_deref(),
        Some(format!("outcome=denied; format=csv rows={}", seqs.len()).as_str())
    );

    // Someone who is not an auditor is refused, and the refusal is recorded.
    let stranger = Actor {
        user: None,
        channel: Channel::Token(1),
        client: Client::default(),
    };
    assert!(
        app.app
            .audit_export(
                &stranger,
                &AuditFilter::default(),
                containment_app::ExportFormat::Csv,
                None,
                Utc::now()
            )
            .await
            .is_err()
    );
    let last = newest_event(&app).await;
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("audit_export", "denied")
    );
}

async fn newest_event(app: &TestApp) -> containment_domain::audit::AuditContent {
    let tx = app.app.store().begin_read().await.unwrap();
    let mut newest = tx.audit_events(&AuditFilter::default(), 1).await.unwrap();
    newest.remove(0).content
}

/// The search shows the case an event concerns by its number and the person who acted by
/// name, not by internal ids; the export keeps the raw values.
async fn the_search_names_cases_by_number_and_people_by_name(db: TestDb) {
    let w = crate::cases::world(&db).await;
    let now = Utc::now();
    let id = w
        .app
        .app
        .open_case(
            &w.officer,
            &crate::cases::case("Audited Case", "A12345678"),
            now,
        )
        .await
        .unwrap();
    let officer = w.officer.user_id().unwrap();
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, pw) = w
        .app
        .user(agency, "auditor@sonoma.example", &[Role::Auditor])
        .await;
    let mut browser = w.app.signed_in("auditor@sonoma.example", &pw).await;
    let html = browser
        .page(&format!("/audit?object_kind=supervisee&object_id={id}"))
        .await;
    let table = &html[html.find("aria-label=\"Audit events\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("<td>case A12345678</td>"), "{table}");
    assert!(table.contains("<td>Test Person</td>"), "{table}");
    assert!(!table.contains(&format!("supervisee {id}<")), "{table}");
    assert!(!table.contains(&format!("user {officer}<")), "{table}");
    // The export keeps what the trail holds.
    let body = browser
        .get(&format!(
            "/audit/export?format=csv&object_kind=supervisee&object_id={id}"
        ))
        .await
        .text()
        .await
        .unwrap();
    let rows = csv_rows(&body);
    assert!(
        rows.iter().any(|r| r.contains(&"supervisee".to_owned())
            && r.contains(&id.to_string())
            && r.contains(&officer.to_string())),
        "{body}"
    );
}
