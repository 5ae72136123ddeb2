//! The information wall, walked: two richly filled cases (one under a court waiver covering
//! every category, one with no waiver at all), every GET route of the web and the API, and a
//! caller of every kind. A text of a treatment information category that reaches a caller no
//! waiver covers fails the test, whichever page or field carries it.

use chrono::{Duration, Utc};
use containment_app::{
    ContactInput, DocumentInput, ExamInput, MonthlyReportInput, ScoreInput, SessionInput,
    StepInput, TreatmentInput,
};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::monthly_report::ReportMonth;
use containment_testkit::{AgencyKind, Browser, Role, TestApp, TestDb, both_backends};

use crate::cases::{World, actor, api_token, case, certify};
use crate::treatment::court_waiver;

both_backends!(no_treatment_text_reaches_a_caller_no_waiver_covers);

/// The categories as the waiver form names them, and a word for each in the marks.
const CATEGORIES: [(&str, &str); 6] = [
    ("progress", "Progress"),
    ("attendance_detail", "Attendance"),
    ("dynamic_risk_discussion", "Discussion"),
    ("disclosures", "Disclosure"),
    ("monthly_reports", "Monthly"),
    ("substance_use", "Substance"),
];

/// The text planted in one category on one case. Letters only, so HTML, JSON and PDF text
/// all carry it unchanged.
fn mark(category: &str, case: &str) -> String {
    format!("Wallmark{category}{case}q")
}

/// The records of one case, with a mark of its category in each text that carries treatment
/// information. Returns the marks that were stored, and the ids the routes need.
struct Filled {
    marks: Vec<String>,
    score: i64,
    report: Option<i64>,
    document: Option<i64>,
}

async fn fill(w: &World, id: i64, case: &str, examiner: &containment_app::Actor) -> Filled {
    let app = &w.app.app;
    let now = Utc::now();
    let today = local_date(now);
    let mut marks = Vec::new();
    let m = |word: &str| mark(word, case);

    // A dynamic score shared with its written interpretation (dynamic-risk discussion).
    let score = app
        .record_score(
            &w.provider,
            id,
            &ScoreInput {
                instrument: "stable2007".into(),
                scored_on: (today - Duration::days(20)).to_string(),
                reason: "intake".into(),
                items: [
                    "1", "0", "", "0", "0", "2", "0", "0", "1", "0", "0", "0", "0",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let mut stored = |ok: bool, word: &str| {
        if ok && !marks.contains(&m(word)) {
            marks.push(m(word));
        }
    };
    let shared = app
        .record_score_step(
            &w.provider,
            id,
            score,
            &StepInput {
                step: "shared_with_officer".into(),
                on: (today - Duration::days(10)).to_string(),
                interpretation: m("Discussion"),
                ..Default::default()
            },
            now,
        )
        .await;
    stored(shared.is_ok(), "Discussion");

    // The monthly communication's notes (dynamic-risk discussion, the same mark).
    let contact = app
        .record_contact(
            &w.provider,
            id,
            &ContactInput {
                on: (today - Duration::days(3)).to_string(),
                mode: "phone".into(),
                topics: vec!["dynamic_risk".into()],
                notes: m("Discussion"),
            },
            now,
        )
        .await;
    stored(contact.is_ok(), "Discussion");

    // Treatment progress: the enrollment's targets and an assessment's summary.
    let start = today - Duration::days(60);
    let enrolled = app
        .enroll_treatment(
            &w.provider,
            id,
            &TreatmentInput {
                kind: "post_conviction".into(),
                start_date: start.to_string(),
                referral_date: (start - Duration::days(5)).to_string(),
                intensity: "Weekly group".into(),
                targets: m("Progress"),
                ..Default::default()
            },
            now,
        )
        .await;
    stored(enrolled.is_ok(), "Progress");
    let assessment = app
        .refer_assessment(
            &w.officer,
            id,
            "psychosexual",
            &(today - Duration::days(30)).to_string(),
            now,
        )
        .await
        .unwrap();
    let completed = app
        .complete_assessment(
            &w.provider,
            id,
            assessment,
            &(today - Duration::days(2)).to_string(),
            &["1".to_owned(), "4".to_owned()],
            &m("Progress"),
            now,
        )
        .await;
    stored(completed.is_ok(), "Progress");

    // Attendance detail: a session's note.
    let session = app
        .record_session(
            &w.provider,
            id,
            &SessionInput {
                on: (today - Duration::days(1)).to_string(),
                attendance: "attended".into(),
                format: "group".into(),
                note: m("Attendance"),
                ..Default::default()
            },
            now,
        )
        .await;
    stored(session.is_ok(), "Attendance");

    // Disclosures made in a polygraph exam.
    let exam = app
        .record_exam(
            examiner,
            id,
            &ExamInput {
                exam_type: "maintenance".into(),
                exam_date: (today - Duration::days(4)).to_string(),
                referral_questions: "Since your last exam, have you had contact with a minor?"
                    .into(),
                result: "sr".into(),
                disclosures: m("Disclosure"),
                disclosure_categories: vec!["high_risk_behavior".into()],
                referral_id: String::new(),
            },
            now,
        )
        .await;
    stored(exam.is_ok(), "Disclosure");

    // The provider's monthly report.
    let report = app
        .draft_monthly_report(
            &w.provider,
            id,
            &MonthlyReportInput {
                month: ReportMonth::of(today).to_string(),
                scheduled: "1".into(),
                attended: "1".into(),
                missed: "0".into(),
                excused: "0".into(),
                participation: m("Monthly"),
                dynamic_risk: "Stable.".into(),
                concerns: "None this month.".into(),
                ..Default::default()
            },
            true,
            now,
        )
        .await
        .map_err(|e| eprintln!("monthly report on case {case}: {e}"))
        .ok();
    stored(report.is_some(), "Monthly");

    // A substance-use treatment record, described in its description.
    let document = app
        .upload_document(
            &w.provider,
            id,
            &DocumentInput {
                kind: "substance_use_record".into(),
                file_name: "sud.pdf".into(),
                description: m("Substance"),
                ..Default::default()
            },
            b"%PDF-1.4\n%substance use record\n".to_vec(),
            now,
        )
        .await
        .ok();
    stored(document.is_some(), "Substance");
    Filled {
        marks,
        score,
        report,
        document,
    }
}

/// Opens a case with provider, examiner and deputy on its team, and `extra` members.
async fn staffed(w: &World, name: &str, extra: &[(&str, TeamRole)]) -> i64 {
    let now = Utc::now();
    let today = local_date(now);
    let app = &w.app.app;
    let id = app
        .open_case(&w.officer, &case(name, ""), now)
        .await
        .unwrap();
    let episode = app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    let core = [
        ("dr@northbay.example", TeamRole::TreatmentProvider),
        ("ex@poly.example", TeamRole::PolygraphExaminer),
        ("dep@sheriff.example", TeamRole::RegisteringLawEnforcement),
    ];
    for (email, role) in core.iter().chain(extra) {
        app.add_team_member(&w.officer, episode, email, *role, today, now)
            .await
            .unwrap();
    }
    id
}

/// One caller: a signed-in browser for the pages and a token for the API.
struct Caller {
    name: &'static str,
    browser: Browser,
    token: String,
    /// The marks this caller may read.
    covered: Vec<String>,
}

impl Caller {
    /// The body of `path` as text (PDFs as their text), or `None` for a route the caller is not
    /// answered with a body on.
    async fn read(&mut self, app: &TestApp, path: &str) -> Option<String> {
        let res = if path.starts_with("/api/") {
            app.client
                .get(app.url(path))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap()
        } else {
            self.browser.get(path).await
        };
        assert!(
            !res.status().is_server_error(),
            "{} GET {path}: {}",
            self.name,
            res.status()
        );
        let is_pdf = res
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or_default().contains("pdf"));
        let body = res.bytes().await.unwrap();
        // Generated reports are read as text; an uploaded file is returned as it was given.
        if is_pdf && !path.contains("/documents/") {
            return pdf_text(&body);
        }
        Some(String::from_utf8_lossy(&body).into_owned())
    }
}

/// The text of a PDF, through poppler's `pdftotext` (installed by CI; elsewhere the PDF is
/// skipped when it is missing).
fn pdf_text(pdf: &[u8]) -> Option<String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let file = std::env::temp_dir().join(format!(
        "wall-{}-{}.pdf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&file);
    match out {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) if std::env::var_os("CI").is_none() => None,
        Err(e) => panic!("pdftotext is needed in CI: {e}"),
    }
}

/// Every registered GET route with its parameters filled for one case; routes that name
/// records of another kind are left out.
fn case_paths(id: i64, filled: &Filled) -> Vec<String> {
    containment_web::routes()
        .into_iter()
        .filter(|r| r.method == "GET")
        .filter_map(|r| {
            let mut path = r.path.replace("{id}", &id.to_string());
            path = path.replace("{score}", &filled.score.to_string());
            if path.contains("{report}") {
                path = path.replace("{report}", &filled.report?.to_string());
            }
            if path.contains("{doc}") {
                path = path.replace("{doc}", &filled.document?.to_string());
            }
            (!path.contains('{') && path != "/sign-out").then_some(path)
        })
        .collect()
}

async fn no_treatment_text_reaches_a_caller_no_waiver_covers(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let probation = app
        .agency("Sonoma County Probation", AgencyKind::ProbationDepartment)
        .await;
    let clinic = app
        .agency("North Bay Treatment", AgencyKind::TreatmentProvider)
        .await;
    let poly = app
        .agency("Accurate Polygraph", AgencyKind::PolygraphFirm)
        .await;
    let advocacy = app
        .agency("Sonoma Victim Services", AgencyKind::VictimAdvocacy)
        .await;
    let sheriff = app
        .agency("Sonoma County Sheriff", AgencyKind::LawEnforcement)
        .await;
    let mut passwords = std::collections::HashMap::new();
    for (agency, email, roles) in [
        (
            probation.id,
            "po@sonoma.example",
            &[Role::SupervisingOfficer][..],
        ),
        (clinic.id, "dr@northbay.example", &[Role::TreatmentProvider]),
        (poly.id, "ex@poly.example", &[Role::PolygraphExaminer]),
        (advocacy.id, "va@victims.example", &[Role::VictimAdvocate]),
        (sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement]),
        (probation.id, "admin@sonoma.example", &[Role::AgencyAdmin]),
        (
            probation.id,
            "sup@sonoma.example",
            &[Role::OfficerSupervisor],
        ),
        (
            probation.id,
            "other@sonoma.example",
            &[Role::SupervisingOfficer],
        ),
    ] {
        let (_, password) = app.user(agency, email, roles).await;
        passwords.insert(email, password);
    }
    certify(&app, "casomb_provider", "dr@northbay.example", "CP-1").await;
    certify(&app, "polygraph_pcsot", "ex@poly.example", "PE-1").await;
    app.app
        .add_certification(
            &containment_app::Actor::console(),
            &containment_app::CertificationInput {
                kind: "saratso_scorer".into(),
                holder_email: "dr@northbay.example".into(),
                instrument: "stable2007".into(),
                number: "S-1".into(),
                issued_on: (local_date(Utc::now()) - Duration::days(400)).to_string(),
                expires_on: (local_date(Utc::now()) + Duration::days(400)).to_string(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let w = World {
        officer: actor(&app, "po@sonoma.example").await,
        provider: actor(&app, "dr@northbay.example").await,
        examiner_email: "ex@poly.example".into(),
        app,
    };
    let examiner = actor(&w.app, "ex@poly.example").await;

    // Case A: a court waiver covers every category for officer, provider and examiner, and a
    // victim advocate sits on the team. Case B: the same team, no waiver at all.
    let waived = staffed(
        &w,
        "Waived Case",
        &[("va@victims.example", TeamRole::VictimAdvocate)],
    )
    .await;
    court_waiver(
        &w,
        waived,
        &CATEGORIES
            .iter()
            .map(|(code, _)| *code)
            .filter(|code| *code != "substance_use")
            .collect::<Vec<_>>(),
    )
    .await;
    // Substance-use information needs its own 42 CFR part 2 consent.
    w.app
        .app
        .record_waiver(
            &w.officer,
            waived,
            &containment_app::WaiverInput {
                basis: "cfr42_2_31".into(),
                discloser: "North Bay Treatment".into(),
                recipient_roles: vec![
                    "supervising_officer".into(),
                    "treatment_provider".into(),
                    "polygraph_examiner".into(),
                ],
                categories: vec!["substance_use".into()],
                purpose: "supervision".into(),
                effective_on: "2026-01-15".into(),
                revocable: true,
                signed_on: "2026-01-15".into(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let unwaived = staffed(&w, "Unwaived Case", &[]).await;
    let filled_a = fill(&w, waived, "A", &examiner).await;
    let filled_b = fill(&w, unwaived, "B", &examiner).await;
    assert_eq!(
        filled_a.marks.len(),
        CATEGORIES.len(),
        "every category is on the waived case: {:?}",
        filled_a.marks
    );

    let callers = [
        (
            "officer with and without a waiver",
            "po@sonoma.example",
            true,
        ),
        ("law enforcement on the team", "dep@sheriff.example", false),
        ("victim advocate on the team", "va@victims.example", false),
        ("agency admin", "admin@sonoma.example", false),
        ("officer supervisor", "sup@sonoma.example", false),
        ("officer off the team", "other@sonoma.example", false),
    ];
    let mut paths: Vec<String> = case_paths(waived, &filled_a);
    paths.extend(case_paths(unwaived, &filled_b));
    paths.sort();
    paths.dedup();
    for (name, email, covered_on_a) in callers {
        let mut caller = Caller {
            name,
            browser: w.app.signed_in(email, &passwords[email]).await,
            token: api_token(&w.app, email).await,
            covered: if covered_on_a {
                filled_a.marks.clone()
            } else {
                Vec::new()
            },
        };
        let mut seen: Vec<String> = Vec::new();
        for path in &paths {
            let Some(body) = caller.read(&w.app, path).await else {
                continue;
            };
            for mark in filled_a.marks.iter().chain(&filled_b.marks) {
                if body.contains(mark.as_str()) {
                    assert!(
                        caller.covered.contains(mark),
                        "{} read {mark} on GET {path}, which no waiver lets them",
                        caller.name
                    );
                    seen.push(mark.clone());
                }
            }
        }
        // Someone who may not see the team or the waivers is told so, not that there are none.
        if email == "va@victims.example" {
            let html = caller.browser.page(&format!("/cases/{waived}")).await;
            assert!(html.contains("id=\"team-hidden\""), "{html}");
            let waivers = caller
                .browser
                .page(&format!("/cases/{waived}/waivers"))
                .await;
            assert!(waivers.contains("id=\"waivers-hidden\""));
            assert!(!html.contains("No one is on the team yet"));
            assert!(
                !html.contains("id=\"team-gaps\""),
                "no gaps from a hidden team"
            );
        }
        if email == "po@sonoma.example" {
            let html = caller.browser.page(&format!("/cases/{waived}")).await;
            assert!(!html.contains("id=\"team-hidden\""));
            let waivers = caller
                .browser
                .page(&format!("/cases/{waived}/waivers"))
                .await;
            assert!(!waivers.contains("id=\"waivers-hidden\""));
        }
        // The covered caller does read each mark somewhere: the walk reaches them all, and the
        // case read that showed the written interpretation names the waiver that allowed it.
        if covered_on_a {
            let tx = w.app.app.store().begin_read().await.unwrap();
            let events = tx
                .audit_events(
                    &containment_storage::AuditFilter {
                        object_id: Some(waived.to_string()),
                        ..Default::default()
                    },
                    1000,
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert!(
                events
                    .iter()
                    .any(|e| e.content.action == "case_read" && e.content.waiver_id.is_some()),
                "the case read is audited with its waiver"
            );
        }
        for mark in &caller.covered {
            assert!(
                seen.contains(mark),
                "{} never read {mark} on any page",
                caller.name
            );
        }
    }
}
