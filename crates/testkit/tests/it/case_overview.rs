//! The case page opens on an overview (team, risk levels, what is overdue and due next in one
//! sentence each, last contact and exam); its other parts are pages of their own, each read
//! audited, each closed to people outside the case, and no page offers a link its reader
//! cannot follow.

use chrono::{Datelike, Duration, Utc};
use containment_app::{Actor, ContactInput};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::policy::RuleId;
use containment_testkit::{AgencyKind, Browser, Role, TestDb, both_backends};
use reqwest::StatusCode;

use crate::cases::{World, actor, case, certify, world};
use crate::compliance::certify_scorer;

both_backends!(
    the_overview_names_the_team_risk_overdue_work_and_last_contact,
    every_part_of_the_case_is_audited_and_closed_to_outsiders,
    no_part_of_the_case_offers_a_link_its_reader_cannot_follow,
    a_supervisor_is_offered_only_links_they_can_follow,
    the_timeline_tells_the_case_s_work_in_people_s_words,
    a_waiver_is_named_by_its_kind_and_signing_day_not_its_id,
    a_demo_case_shows_its_history_and_law_enforcement_no_treatment,
    a_filled_case_reads_its_dates_as_people_write_them,
);

/// The case's parts besides the overview, as the navigation names them.
const PARTS: [&str; 6] = [
    "/details",
    "/team",
    "/scores",
    "/waivers",
    "/documents",
    "/timeline",
];

pub(crate) struct Case {
    pub w: World,
    pub id: i64,
    pub officer: Browser,
    pub provider: Browser,
    pub outsider: Browser,
    pub provider_actor: Actor,
    pub contact_on: chrono::NaiveDate,
}

/// A case opened by an officer, staffed with a provider and an examiner, in treatment for 200
/// days, with a Static-99R, a STABLE-2007 the provider has not yet shared and one contact; plus
/// an officer of another county, who has nothing to do with it.
pub(crate) async fn staffed_case(db: &TestDb) -> Case {
    let w = world(db).await;
    let now = Utc::now();
    let today = local_date(now);
    let probation = w.officer.user.as_ref().unwrap().agency_id;
    let clinic = w.provider.user.as_ref().unwrap().agency_id;
    let (_, po_otp) = w
        .app
        .user(probation, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let (_, dr_otp) = w
        .app
        .user(clinic, "dr2@northbay.example", &[Role::TreatmentProvider])
        .await;
    certify(&w.app, "casomb_provider", "dr2@northbay.example", "CP-2").await;
    let marin = w
        .app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, out_otp) = w
        .app
        .user(marin.id, "po@marin.example", &[Role::SupervisingOfficer])
        .await;
    let po = actor(&w.app, "po2@sonoma.example").await;
    let dr = actor(&w.app, "dr2@northbay.example").await;
    let app = &w.app.app;
    let id = app
        .open_case(&po, &case("Overview Case", ""), now)
        .await
        .unwrap();
    let episode = app.case_view(&po, id, now, today).await.unwrap().episodes[0].id;
    for (email, role) in [
        ("dr2@northbay.example", TeamRole::TreatmentProvider),
        ("ex@poly.example", TeamRole::PolygraphExaminer),
    ] {
        app.add_team_member(&po, episode, email, role, today, now)
            .await
            .unwrap();
    }
    app.enroll_treatment(
        &dr,
        id,
        &containment_app::TreatmentInput {
            kind: "post_conviction".into(),
            start_date: (today - Duration::days(200)).to_string(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let scored = today - Duration::days(20);
    certify_scorer(&w, "po2@sonoma.example", "static99r", scored).await;
    app.record_score(&po, id, &crate::scores::static99r(&scored.to_string()), now)
        .await
        .unwrap();
    certify_scorer(&w, "dr2@northbay.example", "stable2007", scored).await;
    app.record_score(&dr, id, &crate::scores::stable(scored, false), now)
        .await
        .unwrap();
    let contact_on = today - Duration::days(3);
    app.record_contact(
        &dr,
        id,
        &ContactInput {
            on: contact_on.to_string(),
            mode: "phone".into(),
            topics: vec!["progress".into()],
            notes: "Attending.".into(),
        },
        now,
    )
    .await
    .unwrap();
    Case {
        officer: w.app.signed_in("po2@sonoma.example", &po_otp).await,
        provider: w.app.signed_in("dr2@northbay.example", &dr_otp).await,
        outsider: w.app.signed_in("po@marin.example", &out_otp).await,
        provider_actor: dr,
        w,
        id,
        contact_on,
    }
}

/// The part of `html` from the element with this id to the end of the list it opens.
fn list<'a>(html: &'a str, id: &str) -> &'a str {
    let from = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find("</ul>").or_else(|| rest.find("</p>")).unwrap()]
}

async fn the_overview_names_the_team_risk_overdue_work_and_last_contact(db: TestDb) {
    let mut c = staffed_case(&db).await;
    let today = local_date(Utc::now());
    let html = c.officer.page(&format!("/cases/{}", c.id)).await;

    let team = list(&html, "overview-team");
    for role in [
        "supervising officer",
        "treatment provider",
        "polygraph examiner",
    ] {
        assert!(team.contains(role), "{role} in {team}");
    }
    // The latest level of each instrument, dated as people read dates.
    let risk = list(&html, "overview-risk");
    assert!(risk.contains("Static-99R"), "{risk}");
    let scored = (today - Duration::days(20))
        .format("%b %-d, %Y")
        .to_string();
    assert!(risk.contains(&format!("on {scored}")), "{risk}");
    let provider_html = c.provider.page(&format!("/cases/{}", c.id)).await;
    assert!(
        list(&provider_html, "overview-risk").contains("STABLE-2007"),
        "the provider sees the score they recorded"
    );

    // Last month's contact is owed and overdue, said in one sentence with its reasons behind
    // a disclosure.
    let last_month = today.with_day(1).unwrap() - Duration::days(1);
    let overdue = list(&html, "overview-overdue");
    let month = last_month.format("%B %Y").to_string();
    assert!(
        overdue.contains(&format!("owes the progress contact for {month} by ")),
        "{overdue}"
    );
    assert!(overdue.contains("Overdue"), "{overdue}");
    let why = &html[html.find("id=\"overview-overdue\"").unwrap()..];
    let why = &why[why.find("<details").unwrap()..why.find("</details>").unwrap()];
    assert!(why.contains("Why"), "{why}");
    assert!(why.contains("Policy pack: California"), "{why}");
    // What is due next comes in the same words, with a date people read.
    let next = list(&html, "overview-next-due");
    assert!(next.contains(" owes "), "{next}");
    assert!(
        next.contains(&format!(", {}.", today.year()))
            || next.contains(&format!(", {}.", today.year() + 1)),
        "{next}"
    );

    let contact =
        containment_testkit::html_text_after(&html, "id=\"overview-last-contact\">").unwrap();
    assert_eq!(contact, c.contact_on.format("%b %-d, %Y").to_string());
    assert!(html.contains("id=\"overview-last-polygraph\""));

    // The details are on their own pages, not on the overview.
    for absent in [
        "id=\"documents-heading\"",
        "id=\"timeline-heading\"",
        "id=\"waivers-heading\"",
        "id=\"person-heading\"",
    ] {
        assert!(!html.contains(absent), "{absent} on the overview");
    }
    for part in PARTS {
        assert!(
            html.contains(&format!("href=\"/cases/{}{part}\"", c.id)),
            "the overview links to {part}"
        );
    }
    // A page of the case says which part it is.
    let details = c.officer.page(&format!("/cases/{}/details", c.id)).await;
    assert!(details.contains("id=\"person-heading\""));
    assert!(details.contains(&format!(
        "href=\"/cases/{}/details\" aria-current=\"page\"",
        c.id
    )));
    assert!(!details.contains("id=\"overview-team\""));
}

/// How many reads of the case the audit trail holds.
async fn case_reads(c: &Case) -> usize {
    let tx = c.w.app.app.store().begin_read().await.unwrap();
    let events = tx
        .audit_events(
            &containment_storage::AuditFilter {
                object_id: Some(c.id.to_string()),
                ..Default::default()
            },
            10_000,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events
        .iter()
        .filter(|e| e.content.action == "case_read")
        .count()
}

async fn every_part_of_the_case_is_audited_and_closed_to_outsiders(db: TestDb) {
    let mut c = staffed_case(&db).await;
    for part in std::iter::once("").chain(PARTS) {
        let path = format!("/cases/{}{part}", c.id);
        let before = case_reads(&c).await;
        let res = c.officer.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Overview Case"), "{path}");
        assert_eq!(case_reads(&c).await, before + 1, "{path} is audited once");

        let res = c.outsider.get(&path).await;
        assert!(
            matches!(res.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {}",
            res.status()
        );
        assert!(
            !res.text().await.unwrap().contains("Overview Case"),
            "{path}"
        );
    }
    // The refusals are on record too.
    let tx = c.w.app.app.store().begin_read().await.unwrap();
    let refused = tx
        .audit_events(
            &containment_storage::AuditFilter {
                object_id: Some(c.id.to_string()),
                outcome: Some("denied".into()),
                ..Default::default()
            },
            10_000,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        refused.len() > PARTS.len(),
        "{} refusals on record",
        refused.len()
    );
}

/// Every address under `/cases/` that `html` links to.
fn case_links(html: &str) -> Vec<String> {
    let mut out: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/cases/"))
        .map(|href| {
            let href = href.split('#').next().unwrap_or(href);
            href.replace("&amp;", "&")
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn no_part_of_the_case_offers_a_link_its_reader_cannot_follow(db: TestDb) {
    let mut c = staffed_case(&db).await;
    let id = c.id;
    // The provider owes the officer the STABLE-2007 (R5): the provider is led to it, and
    // whatever the officer is offered opens for them.
    let owed =
        c.w.app
            .app
            .case_obligations(&c.provider_actor, id, local_date(Utc::now()), Utc::now())
            .await
            .unwrap();
    let score = owed
        .iter()
        .find(|v| v.obligation.key.rule == RuleId::R5 && v.obligation.status.is_open())
        .and_then(|v| v.score_id)
        .expect("the provider owes the officer the score (R5)");
    let score_path = format!("/cases/{id}/scores/{score}");
    for (who, browser) in [("officer", &mut c.officer), ("provider", &mut c.provider)] {
        let mut links = Vec::new();
        // The parts, and the full list of obligations with a link to each one's place.
        for part in std::iter::once("").chain(PARTS).chain(["/obligations"]) {
            let html = browser.page(&format!("/cases/{id}{part}")).await;
            links.extend(case_links(&html));
        }
        links.sort();
        links.dedup();
        assert!(links.len() > PARTS.len(), "{who}: {links:?}");
        for link in &links {
            let status = browser.get(link).await.status();
            assert_ne!(
                status,
                StatusCode::FORBIDDEN,
                "{who} is offered {link}, which refuses them"
            );
        }
        if who == "provider" {
            assert!(
                links.contains(&score_path),
                "the provider is led to {score_path}"
            );
        }
    }
}

/// Every address on the site that `html` links to (pages, not assets or fragments).
fn site_links(html: &str) -> Vec<String> {
    let mut out: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("/assets/"))
        .map(|href| {
            let href = href.split('#').next().unwrap_or(href);
            href.replace("&amp;", "&")
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn a_supervisor_is_offered_only_links_they_can_follow(db: TestDb) {
    let c = staffed_case(&db).await;
    let id = c.id;
    // The supervisor of the case's officer, in the same probation department.
    let probation = actor(&c.w.app, "po2@sonoma.example")
        .await
        .user
        .unwrap()
        .agency_id;
    let (_, sup_otp) =
        c.w.app
            .user(probation, "sup@sonoma.example", &[Role::OfficerSupervisor])
            .await;
    let mut sup = c.w.app.signed_in("sup@sonoma.example", &sup_otp).await;
    // The case has open obligations the supervisor sees (the officer's contact of last month,
    // the provider's score), each with an Open link where it has a place.
    let mut links = Vec::new();
    let mut opens = 0;
    for page in [
        "/today".to_owned(),
        format!("/cases/{id}"),
        format!("/cases/{id}/obligations"),
    ] {
        let html = sup.page(&page).await;
        opens += html.matches(">Open<").count();
        links.extend(site_links(&html));
    }
    assert!(
        opens > 0,
        "the supervisor is shown obligations with Open links"
    );
    links.sort();
    links.dedup();
    for link in &links {
        if link.starts_with("/sign-out") || link.contains("/export") {
            continue;
        }
        let status = sup.get(link).await.status();
        assert_ne!(
            status,
            StatusCode::FORBIDDEN,
            "the supervisor is offered {link}, which refuses them"
        );
        assert!(!status.is_server_error(), "{link}: {status}");
    }
}

async fn the_timeline_tells_the_case_s_work_in_people_s_words(db: TestDb) {
    let mut c = staffed_case(&db).await;
    let id = c.id;
    let po = actor(&c.w.app, "po2@sonoma.example").await;
    crate::treatment::court_waiver_by(&c.w, &po, id, &["progress"]).await;
    // A document whose kind's name has brackets of its own.
    c.w.app
        .app
        .upload_document(
            &po,
            id,
            &containment_app::DocumentInput {
                kind: "rap_sheet".into(),
                file_name: "rap.png".into(),
                ..Default::default()
            },
            b"\x89PNG\r\n\x1a\nrap sheet image".to_vec(),
            Utc::now(),
        )
        .await
        .unwrap();
    let html = c.officer.page(&format!("/cases/{id}/timeline")).await;
    let list = &html[html.find("id=\"timeline\"").expect("a timeline")..];
    let list = &list[..list.find("</ol>").unwrap()];
    for what in [
        "Case opened",
        "Team member assigned",
        "Treatment enrollment recorded",
        "Provider-officer contact documented",
        "Risk score recorded</strong> by",
        ": Static-99R",
        "Document added</strong> by Test Person: criminal history (rap sheet)",
        "Pacific time",
    ] {
        assert!(list.contains(what), "{what} in {list}");
    }
    for doubled in ["((", "))", "[[", "]]"] {
        assert!(!list.contains(doubled), "{doubled} in {list}");
    }
    assert_eq!(
        crate::monthly_reports::reads_iso_date(list),
        None,
        "an ISO date in {list}"
    );
    for id_like in [
        "score ",
        "episode ",
        "treatment ",
        "team_member",
        "report ",
        "waiver ",
    ] {
        let mut rest = list;
        while let Some(at) = rest.find(id_like) {
            let after = &rest[at + id_like.len()..];
            assert!(
                !after.starts_with(|ch: char| ch.is_ascii_digit()),
                "an internal id after {id_like:?} in {list}"
            );
            rest = after;
        }
    }
}

/// Whether `text` names a waiver by an internal number ("waiver 12", "Waiver 12 recorded").
fn names_a_waiver_by_number(text: &str) -> bool {
    let lower = text.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("waiver ") {
        let after = &rest[at + "waiver ".len()..];
        if after.starts_with(|ch: char| ch.is_ascii_digit()) {
            return true;
        }
        rest = after;
    }
    false
}

async fn a_waiver_is_named_by_its_kind_and_signing_day_not_its_id(db: TestDb) {
    let mut c = staffed_case(&db).await;
    let id = c.id;
    c.officer.page(&format!("/cases/{id}/waivers")).await;
    let res = c
        .officer
        .post(
            &format!("/cases/{id}/waivers"),
            &[
                ("basis", "hipaa_164_508"),
                ("discloser", "Overview Case"),
                ("recipient_role", "supervising_officer"),
                ("category", "progress"),
                ("purpose", "Coordination"),
                ("effective_on", "2026-03-05"),
                ("signed_on", "2026-03-02"),
                ("revocable", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let name = "HIPAA authorization signed Mar 2, 2026";
    assert!(html.contains(&format!("{name} recorded.")), "{html}");
    // The table names it the same way; its access line says which waiver lets it through.
    assert!(html.contains(&format!("<td>{name}</td>")), "{html}");
    assert!(
        html.contains(&format!("progress (under the {name})")),
        "{html}"
    );
    assert!(!names_a_waiver_by_number(&html), "{html}");
    let po = actor(&c.w.app, "po2@sonoma.example").await;
    let view =
        c.w.app
            .app
            .case_view(&po, id, Utc::now(), local_date(Utc::now()))
            .await
            .unwrap();
    let waiver = view.waivers[0].rule.id.0;
    assert!(
        !html.contains(&format!("<td>{waiver}</td>")),
        "the id is not a column: {html}"
    );
    // Asking to revoke it names it, and so does the signed copy among the documents.
    let html = c
        .officer
        .page(&format!("/cases/{id}/waivers/{waiver}/revoke"))
        .await;
    assert!(html.contains(&format!("Revoke the {name}?")), "{html}");
    assert!(!names_a_waiver_by_number(&html), "{html}");
    c.w.app
        .app
        .upload_document(
            &po,
            id,
            &containment_app::DocumentInput {
                kind: "signed_waiver".into(),
                waiver_id: Some(waiver),
                file_name: "consent.pdf".into(),
                ..Default::default()
            },
            b"%PDF-1.4\n%%EOF\n".to_vec(),
            Utc::now(),
        )
        .await
        .unwrap();
    let html = c.officer.page(&format!("/cases/{id}/documents")).await;
    assert!(html.contains(&format!("for the {name}")), "{html}");
    assert!(
        html.contains(&format!(">{name}: ")),
        "the upload form offers it by name: {html}"
    );
    assert!(!names_a_waiver_by_number(&html), "{html}");
}

/// What the timeline tells of treatment: only those the waivers let through may see it.
const TREATMENT_ENTRIES: [&str; 4] = [
    "Treatment enrollment recorded",
    "Treatment session recorded",
    "Treatment ended",
    "Monthly report signed and submitted",
];

/// A case the demo loader wrote (records only, none of them through the application's use
/// cases, so none with an event on the audit trail) tells its past on the timeline, each entry
/// on the day it happened; law enforcement on the team sees the case's history without its
/// treatment.
async fn a_demo_case_shows_its_history_and_law_enforcement_no_treatment(db: TestDb) {
    let app = containment_testkit::TestApp::spawn(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    app.app.generate_demo(40, 7, now, |_| {}).await.unwrap();
    let users = app.app.users(&Actor::console()).await.unwrap();
    let as_actor = |id: i64| Actor {
        user: users.iter().find(|u| u.id == id).cloned(),
        channel: containment_app::Channel::Console,
        client: Default::default(),
    };
    let query = containment_app::CaseloadQuery {
        per_page: 500,
        ..Default::default()
    };
    // A case with a provider who has held sessions, and law enforcement on its team.
    let mut found = None;
    for officer in users
        .iter()
        .filter(|u| u.roles.contains(&Role::SupervisingOfficer))
    {
        let (rows, _) = app
            .app
            .caseload(&as_actor(officer.id), &query, now, today)
            .await
            .unwrap();
        for row in rows {
            let id = row.row.supervisee_id;
            let view = app
                .app
                .case_view(&as_actor(officer.id), id, now, today)
                .await
                .unwrap();
            let member = |role| {
                view.team
                    .iter()
                    .find(|m| m.team_role == role && m.end_date.is_none())
                    .map(|m| m.user_id)
            };
            if let (Some(provider), Some(deputy)) = (
                member(TeamRole::TreatmentProvider),
                member(TeamRole::RegisteringLawEnforcement),
            ) {
                let provider_view = app
                    .app
                    .case_view(&as_actor(provider), id, now, today)
                    .await
                    .unwrap();
                if provider_view
                    .timeline
                    .iter()
                    .any(|t| t.what == "Treatment session recorded")
                {
                    found = Some((id, officer.id, provider_view, deputy));
                    break;
                }
            }
        }
        if found.is_some() {
            break;
        }
    }
    let (id, officer, provider_view, deputy) =
        found.expect("a demo case in treatment with law enforcement on its team");
    let whats: Vec<&str> = provider_view.timeline.iter().map(|t| t.what).collect();
    for what in [
        "Case opened",
        "Supervision began",
        "Team member assigned",
        "Treatment enrollment recorded",
        "Treatment session recorded",
    ] {
        assert!(whats.contains(&what), "{what} in {whats:?}");
    }
    // Each on the day it happened, newest first: the history reaches back before today.
    assert!(
        provider_view
            .timeline
            .iter()
            .any(|t| t.on < today - Duration::days(30))
    );
    assert!(
        provider_view
            .timeline
            .windows(2)
            .all(|w| w[0].on >= w[1].on),
        "newest first"
    );
    // The officer's page shows it too, in people's words.
    let officer_view = app
        .app
        .case_view(&as_actor(officer), id, now, today)
        .await
        .unwrap();
    let officer_whats: Vec<&str> = officer_view.timeline.iter().map(|t| t.what).collect();
    assert!(
        officer_whats.contains(&"Waiver recorded"),
        "{officer_whats:?}"
    );
    assert!(
        officer_whats.contains(&"Risk score recorded"),
        "{officer_whats:?}"
    );
    // Law enforcement: the case, its supervision and risk scores (DOMAIN.md section 2), no
    // treatment, no team, no waivers.
    let deputy_view = app
        .app
        .case_view(&as_actor(deputy), id, now, today)
        .await
        .unwrap();
    let deputy_whats: Vec<&str> = deputy_view.timeline.iter().map(|t| t.what).collect();
    assert!(
        deputy_whats.contains(&"Supervision began"),
        "{deputy_whats:?}"
    );
    for hidden in TREATMENT_ENTRIES
        .iter()
        .chain(&["Waiver recorded", "Team member assigned"])
    {
        assert!(
            !deputy_whats.contains(hidden),
            "{hidden} in {deputy_whats:?}"
        );
    }
}

/// Every page of a filled case, as the officer and the provider read them: no date in ISO
/// form in what a person reads (input values and `datetime` attributes are for machines).
async fn a_filled_case_reads_its_dates_as_people_write_them(db: TestDb) {
    let mut c = staffed_case(&db).await;
    let id = c.id;
    let now = Utc::now();
    let today = local_date(now);
    let app = &c.w.app.app;
    let po = actor(&c.w.app, "po2@sonoma.example").await;
    crate::treatment::court_waiver_by(
        &c.w,
        &po,
        id,
        &[
            "progress",
            "attendance_detail",
            "monthly_reports",
            "disclosures",
        ],
    )
    .await;
    let examiner = actor(&c.w.app, "ex@poly.example").await;
    app.record_exam(
        &examiner,
        id,
        &containment_app::ExamInput {
            exam_type: "maintenance".into(),
            exam_date: today.to_string(),
            referral_questions: "Any contact with a minor?".into(),
            result: "nsr".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    app.upload_document(
        &po,
        id,
        &containment_app::DocumentInput {
            kind: "court_order".into(),
            file_name: "order.pdf".into(),
            ..Default::default()
        },
        b"%PDF-1.4\n%%EOF\n".to_vec(),
        now,
    )
    .await
    .unwrap();
    let view = app.case_view(&po, id, now, today).await.unwrap();
    let mut pages: Vec<String> = [
        "",
        "/details",
        "/team",
        "/scores",
        "/waivers",
        "/documents",
        "/timeline",
        "/treatment",
        "/polygraph",
        "/obligations",
        "/monthly-reports",
    ]
    .iter()
    .map(|part| format!("/cases/{id}{part}"))
    .collect();
    pages.extend(
        view.scores
            .iter()
            .map(|s| format!("/cases/{id}/scores/{}", s.record.id)),
    );
    for page in &pages {
        let html = c.officer.page(page).await;
        assert!(html.contains("<h1>"), "{page}: {html}");
        assert_eq!(
            crate::monthly_reports::reads_iso_date(&html),
            None,
            "an ISO date on the officer's {page}"
        );
    }
    // The provider's pages, and the monthly report as it is pre-filled from the records.
    let month = today.format("%Y-%m").to_string();
    for page in [
        format!("/cases/{id}/treatment"),
        format!("/cases/{id}/polygraph"),
        format!("/cases/{id}/scores"),
        format!("/cases/{id}/monthly-reports/new?month={month}"),
    ] {
        let html = c.provider.page(&page).await;
        assert!(html.contains("<h1>"), "{page}: {html}");
        assert_eq!(
            crate::monthly_reports::reads_iso_date(&html),
            None,
            "an ISO date on the provider's {page}"
        );
    }
}
