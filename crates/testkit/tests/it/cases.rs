//! Opening cases, the containment team, who sees a case, and the caseload.

use chrono::{Duration, NaiveDate, Utc};
use containment_app::{Actor, AppError, CaseInput, CaseloadQuery, CaseloadSort};
use containment_domain::access::TeamRole;
use containment_domain::case::{SupervisionKind, local_date};
use containment_testkit::{AgencyKind, Role, TestApp, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    a_pre_trial_case_has_no_team_gaps,
    ending_a_membership_says_what_will_happen_first,
    revoking_a_waiver_says_what_will_happen_first,
    assignment_reads_a_renewal_without_a_gap_as_continuous,
    an_officer_opens_a_case_and_sees_the_team_gaps,
    duplicate_identifiers_are_refused_with_the_existing_record,
    invalid_input_is_refused_field_by_field_and_nothing_is_stored,
    a_provider_sees_a_case_only_while_on_its_team,
    only_people_holding_the_role_join_a_team_in_it,
    other_agencies_cannot_probe_a_case,
    the_caseload_searches_filters_sorts_and_pages,
    the_case_api_speaks_json_errors,
    demo_data_is_complete_and_repeatable,
    a_stale_edit_is_refused_and_changes_nothing,
    assignment_needs_a_current_certification_and_lapses_show,
    certification_import_is_all_or_nothing,
    waivers_open_treatment_information_to_those_named_only,
    ending_supervision_closes_the_case_and_its_team,
    documents_keep_their_hash_and_stay_behind_the_wall,
    supervision_details_are_corrected_at_the_version_read,
);

pub(crate) struct World {
    pub app: TestApp,
    pub officer: Actor,
    pub provider: Actor,
    pub examiner_email: String,
}

pub(crate) async fn actor(app: &TestApp, email: &str) -> Actor {
    let user = app
        .app
        .user_by_email(&Actor::console(), email)
        .await
        .unwrap();
    Actor {
        user: Some(user),
        channel: containment_app::Channel::Token(0),
        client: Default::default(),
    }
}

/// An API token of the account with this e-mail address.
pub(crate) async fn api_token(app: &TestApp, email: &str) -> String {
    app.app
        .create_token(
            &Actor::console(),
            &containment_domain::Email::parse(email).unwrap(),
            "api",
            None,
            Utc::now(),
        )
        .await
        .unwrap()
        .token
}

pub(crate) async fn world(db: &TestDb) -> World {
    let app = TestApp::spawn(db).await;
    let probation = app
        .agency("Sonoma County Probation", AgencyKind::ProbationDepartment)
        .await;
    let clinic = app
        .agency("North Bay Treatment", AgencyKind::TreatmentProvider)
        .await;
    let poly = app
        .agency("Accurate Polygraph", AgencyKind::PolygraphFirm)
        .await;
    app.user(
        probation.id,
        "po@sonoma.example",
        &[Role::SupervisingOfficer],
    )
    .await;
    app.user(clinic.id, "dr@northbay.example", &[Role::TreatmentProvider])
        .await;
    app.user(poly.id, "ex@poly.example", &[Role::PolygraphExaminer])
        .await;
    // Both hold current certifications, as R10 requires for assignment.
    certify(&app, "casomb_provider", "dr@northbay.example", "CP-1").await;
    certify(&app, "polygraph_pcsot", "ex@poly.example", "PE-1").await;
    World {
        officer: actor(&app, "po@sonoma.example").await,
        provider: actor(&app, "dr@northbay.example").await,
        examiner_email: "ex@poly.example".into(),
        app,
    }
}

/// Records a certification valid from a year ago for a year and a half from now.
pub(crate) async fn certify(app: &TestApp, kind: &str, email: &str, number: &str) {
    let today = local_date(Utc::now());
    app.app
        .add_certification(
            &Actor::console(),
            &containment_app::CertificationInput {
                kind: kind.into(),
                holder_email: email.into(),
                level: if kind == "casomb_provider" {
                    "independent".into()
                } else {
                    String::new()
                },
                number: number.into(),
                issued_on: (today - Duration::days(200)).to_string(),
                expires_on: (today + Duration::days(500)).to_string(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

pub(crate) fn case(name: &str, cii: &str) -> CaseInput {
    CaseInput {
        legal_name: name.into(),
        date_of_birth: "1980-02-29".into(),
        sex: "male".into(),
        cii: cii.into(),
        cdcr: String::new(),
        county_of_conviction: "Sonoma".into(),
        county_of_registration: "Sonoma".into(),
        juvenile: false,
        aliases: "Johnny D\nJ. Doe".into(),
        court_cases: "SCR-123456".into(),
        kind: "probation".into(),
        county: "Sonoma".into(),
        court: "Sonoma County Superior Court".into(),
        placed_on: "2026-01-15".into(),
        start_date: "2026-01-15".into(),
        expected_end: "2029-01-15".into(),
        assign_me: true,
        ..Default::default()
    }
}

/// Ending a membership cannot be undone: the case page links to a page that says what will
/// happen (the person loses the case, the team lacks a required role) and asks for the last day;
/// a refused date is shown at its field on that page, and nothing ends by looking.
async fn ending_a_membership_says_what_will_happen_first(db: TestDb) {
    let w = world(&db).await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, otp) = w
        .app
        .user(agency, "po5@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let po5 = actor(&w.app, "po5@sonoma.example").await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&po5, &case("Confirm Person", "A42345678"), now)
        .await
        .unwrap();
    let view = w.app.app.case_view(&po5, id, now, today).await.unwrap();
    w.app
        .app
        .add_team_member(
            &po5,
            view.episodes[0].id,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today - Duration::days(10),
            now,
        )
        .await
        .unwrap();
    let active = async || {
        let view = w.app.app.case_view(&po5, id, now, today).await.unwrap();
        view.team
            .iter()
            .find(|m| m.team_role == TeamRole::TreatmentProvider)
            .map(|m| (m.id, m.end_date.is_none()))
            .unwrap()
    };
    let (m, still) = active().await;
    assert!(still);
    let mut b = w.app.signed_in("po5@sonoma.example", &otp).await;
    let html = b.page(&format!("/cases/{id}/team")).await;
    assert!(
        html.contains(&format!("href=\"/cases/{id}/team/{m}/end\"")),
        "{html}"
    );
    let html = b.page(&format!("/cases/{id}/team/{m}/end")).await;
    assert!(html.contains("What will happen"), "{html}");
    assert!(
        html.contains("R12"),
        "a required role says the team will lack it"
    );
    assert!(
        html.contains(&format!("value=\"{today}\"")),
        "the last day defaults to today"
    );
    assert!(active().await.1, "nothing ends by looking");

    let early = (today - Duration::days(30)).to_string();
    let res = b
        .post(
            &format!("/cases/{id}/team/{m}/end"),
            &[("end_date", &early)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"end_date-error\""), "{html}");
    let message = html
        .split("id=\"end_date-error\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default();
    assert!(message.contains("start date"), "{message}");
    assert!(
        html.contains(&format!("value=\"{early}\"")),
        "what was typed is kept"
    );
    assert!(active().await.1, "a refused end ends nothing");

    let res = b
        .post(
            &format!("/cases/{id}/team/{m}/end"),
            &[("end_date", &today.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!active().await.1, "confirmed, the membership ended");
    // The membership is ended: its confirmation page is gone.
    assert_eq!(
        b.get(&format!("/cases/{id}/team/{m}/end")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Revoking a waiver cannot be undone: the case links to a page that shows the waiver, says what
/// its recipients lose, and asks for the reason; a missing reason is shown at its field there.
async fn revoking_a_waiver_says_what_will_happen_first(db: TestDb) {
    let w = world(&db).await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, otp) = w
        .app
        .user(agency, "po6@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let po6 = actor(&w.app, "po6@sonoma.example").await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&po6, &case("Consent Person", "A52345678"), now)
        .await
        .unwrap();
    let waiver = w
        .app
        .app
        .record_waiver(
            &po6,
            id,
            &containment_app::WaiverInput {
                basis: "hipaa_164_508".into(),
                discloser: "Consent Person".into(),
                recipient_roles: vec!["supervising_officer".into()],
                categories: vec!["progress".into()],
                purpose: "coordination".into(),
                effective_on: today.to_string(),
                revocable: true,
                signed_on: today.to_string(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let revoked = async || {
        let view = w.app.app.case_view(&po6, id, now, today).await.unwrap();
        view.waivers
            .iter()
            .find(|x| x.rule.id.0 == waiver)
            .map(|x| x.rule.revoked_on.is_some())
            .unwrap()
    };
    let mut b = w.app.signed_in("po6@sonoma.example", &otp).await;
    let html = b.page(&format!("/cases/{id}/waivers")).await;
    let link = format!("href=\"/cases/{id}/waivers/{waiver}/revoke\"");
    assert!(html.contains(&link), "{html}");
    let html = b
        .page(&format!("/cases/{id}/waivers/{waiver}/revoke"))
        .await;
    assert!(html.contains("What will happen"), "{html}");
    assert!(
        html.contains("Progress") || html.contains("progress"),
        "names what is lost"
    );
    assert!(!revoked().await, "nothing is revoked by looking");

    let res = b
        .post(
            &format!("/cases/{id}/waivers/{waiver}/revoke"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    assert!(!revoked().await);

    let res = b
        .post(
            &format!("/cases/{id}/waivers/{waiver}/revoke"),
            &[("reason", "The supervisee withdrew consent in writing")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert!(revoked().await);
    assert_eq!(
        b.get(&format!("/cases/{id}/waivers/{waiver}/revoke"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a revoked waiver has nothing left to revoke"
    );
}

/// R12 asks for a full team after conviction: a pre-trial case with only its officer is not
/// flagged, on the case or in the caseload's "team gaps" filter, while a probation case is.
async fn a_pre_trial_case_has_no_team_gaps(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let mut pending = case("Pending Person", "A22345678");
    pending.kind = "pre_trial".into();
    let pending = w
        .app
        .app
        .open_case(&w.officer, &pending, now)
        .await
        .unwrap();
    let convicted = w
        .app
        .app
        .open_case(&w.officer, &case("Convicted Person", "A32345678"), now)
        .await
        .unwrap();
    let gaps = async |id: i64| {
        w.app
            .app
            .case_view(&w.officer, id, now, today)
            .await
            .unwrap()
            .team_gaps
    };
    assert_eq!(gaps(pending).await, Vec::<TeamRole>::new());
    assert_eq!(
        gaps(convicted).await,
        vec![TeamRole::TreatmentProvider, TeamRole::PolygraphExaminer]
    );
    let query = CaseloadQuery {
        team_gaps: true,
        per_page: 25,
        ..Default::default()
    };
    let (rows, total) = w
        .app
        .app
        .caseload(&w.officer, &query, now, today)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].row.supervisee_id, convicted);
    let query = CaseloadQuery {
        per_page: 25,
        ..Default::default()
    };
    let (rows, _) = w
        .app
        .app
        .caseload(&w.officer, &query, now, today)
        .await
        .unwrap();
    let pending_row = rows
        .iter()
        .find(|r| r.row.supervisee_id == pending)
        .unwrap();
    assert!(pending_row.team_gaps.is_empty(), "{pending_row:?}");
}

async fn an_officer_opens_a_case_and_sees_the_team_gaps(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("John Doe", "A12345678"), now)
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert_eq!(view.supervisee.cii.as_deref(), Some("A12345678"));
    assert_eq!(view.supervisee.aliases, vec!["Johnny D", "J. Doe"]);
    assert_eq!(view.supervisee.court_cases, vec!["SCR-123456"]);
    assert_eq!(view.episodes.len(), 1);
    assert_eq!(view.team.len(), 1);
    assert_eq!(view.team[0].team_role, TeamRole::SupervisingOfficer);
    assert_eq!(
        view.team_gaps,
        vec![TeamRole::TreatmentProvider, TeamRole::PolygraphExaminer]
    );
    assert!(view.may_manage_team);

    let episode = view.episodes[0].id;
    let start = today - Duration::days(1);
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            start,
            now,
        )
        .await
        .unwrap();
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            &w.examiner_email,
            TeamRole::PolygraphExaminer,
            start,
            now,
        )
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert!(view.team_gaps.is_empty(), "{:?}", view.team_gaps);
    // The same person in the same role twice is refused.
    let again = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            start,
            now,
        )
        .await;
    assert!(matches!(again, Err(AppError::Conflict(_))));

    // Through the browser: another officer of the agency does not see the case; opening one
    // puts it on their caseload with the team gaps shown.
    let second = w
        .app
        .app
        .add_user(
            &Actor::console(),
            w.officer.user.as_ref().unwrap().agency_id,
            "po2@sonoma.example",
            "Second PO",
            &[Role::SupervisingOfficer],
            now,
        )
        .await
        .unwrap();
    let mut b = w
        .app
        .signed_in("po2@sonoma.example", &second.one_time_password)
        .await;
    assert_eq!(
        b.get(&format!("/cases/{id}")).await.status(),
        StatusCode::NOT_FOUND,
        "not on the team"
    );
    b.page("/cases/new").await;
    let res = b
        .post(
            "/cases",
            &[
                ("legal_name", "Browser Case"),
                ("date_of_birth", "1990-05-05"),
                ("sex", "male"),
                ("kind", "probation"),
                ("county", "sonoma"),
                ("start_date", "2026-03-01"),
                ("assign_me", "1"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let html = b.page(&location).await;
    assert!(html.contains("Browser Case"));
    assert!(html.contains("The containment team is incomplete"));
    let list = b.page("/caseload").await;
    assert!(list.contains("Browser Case") && !list.contains("John Doe"));
}

async fn duplicate_identifiers_are_refused_with_the_existing_record(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let first = w
        .app
        .app
        .open_case(&w.officer, &case("Rick Roe", "A11111111"), now)
        .await
        .unwrap();
    let err = w
        .app
        .app
        .open_case(&w.officer, &case("Richard Roe", " a1111-1111 "), now)
        .await
        .unwrap_err();
    match err {
        AppError::Duplicate { existing_id, what } => {
            assert_eq!(existing_id, first);
            assert_eq!(what, "CII number");
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    let mut with_cdcr = case("Sam Poe", "");
    with_cdcr.cdcr = "AB1234".into();
    let second = w
        .app
        .app
        .open_case(&w.officer, &with_cdcr, now)
        .await
        .unwrap();
    let mut again = case("Samuel Poe", "");
    again.cdcr = "ab 1234".into();
    assert!(matches!(
        w.app.app.open_case(&w.officer, &again, now).await,
        Err(AppError::Duplicate { existing_id, .. }) if existing_id == second
    ));
}

async fn invalid_input_is_refused_field_by_field_and_nothing_is_stored(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let mut bad = case("", "123");
    bad.date_of_birth = "1980-13-40".into();
    bad.county = "Gotham".into();
    bad.kind = "house_arrest".into();
    bad.expected_end = "2020-01-01".into();
    let err = w
        .app
        .app
        .open_case(&w.officer, &bad, now)
        .await
        .unwrap_err();
    let AppError::InvalidInput(msg) = err else {
        panic!("expected invalid input")
    };
    // Each problem is named by the form field (and JSON member) it is about, in the words of
    // the form.
    for (field, words) in [
        ("legal_name", "legal name"),
        ("date_of_birth", "date of birth"),
        ("cii", "CII number"),
        ("county", "county"),
        ("kind", "supervision kind"),
    ] {
        let at = msg.message_at(field);
        assert!(
            at.is_some_and(|m| m.contains(words)),
            "{field}: {at:?} in {msg}"
        );
    }
    let (rows, total) = w
        .app
        .app
        .caseload(
            &w.officer,
            &CaseloadQuery {
                per_page: 25,
                ..Default::default()
            },
            now,
            local_date(now),
        )
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (0, 0));
    // A provider cannot open cases at all.
    let refused = w
        .app
        .app
        .open_case(&w.provider, &case("Ann Other", ""), now)
        .await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
}

async fn a_provider_sees_a_case_only_while_on_its_team(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Tom Poe", "A22222222"), now)
        .await
        .unwrap();
    assert!(matches!(
        w.app.app.case_view(&w.provider, id, now, today).await,
        Err(AppError::NotFound)
    ));
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    let member = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today - Duration::days(30),
            now,
        )
        .await
        .unwrap();
    let seen = w
        .app
        .app
        .case_view(&w.provider, id, now, today)
        .await
        .unwrap();
    assert_eq!(seen.supervisee.legal_name, "Tom Poe");
    assert!(!seen.may_manage_team, "providers do not staff the team");
    // Ended yesterday: not on the team today, so the case is gone for the provider again.
    w.app
        .app
        .end_team_member(&w.officer, id, member, today - Duration::days(1), now)
        .await
        .unwrap();
    assert!(matches!(
        w.app.app.case_view(&w.provider, id, now, today).await,
        Err(AppError::NotFound)
    ));
    let history = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .team;
    assert!(
        history
            .iter()
            .any(|m| m.id == member && m.end_date == Some(today - Duration::days(1))),
        "history kept"
    );
    // Ending twice is refused.
    assert!(matches!(
        w.app
            .app
            .end_team_member(&w.officer, id, member, today, now)
            .await,
        Err(AppError::Conflict(_))
    ));
}

async fn only_people_holding_the_role_join_a_team_in_it(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Pat Poe", ""), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    let err = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            &w.examiner_email,
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::InvalidInput(ref m) if m.to_string().to_lowercase().contains("treatment provider")),
        "{err:?}"
    );
    let err = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "nobody@nowhere.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::InvalidInput(_)));
    // A provider on the team cannot add members.
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    let err = w
        .app
        .app
        .add_team_member(
            &w.provider,
            episode,
            &w.examiner_email,
            TeamRole::PolygraphExaminer,
            today,
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
}

async fn other_agencies_cannot_probe_a_case(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let other = w
        .app
        .agency(
            "Mendocino County Probation",
            AgencyKind::ProbationDepartment,
        )
        .await;
    w.app
        .user(other.id, "po@mendo.example", &[Role::SupervisingOfficer])
        .await;
    w.app
        .user(other.id, "admin@mendo.example", &[Role::AgencyAdmin])
        .await;
    let stranger = actor(&w.app, "po@mendo.example").await;
    let other_admin = actor(&w.app, "admin@mendo.example").await;
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Lee Poe", ""), now)
        .await
        .unwrap();
    for who in [&stranger, &other_admin] {
        assert!(matches!(
            w.app.app.case_view(who, id, now, today).await,
            Err(AppError::NotFound)
        ));
    }
    // A missing id answers exactly the same.
    assert!(matches!(
        w.app.app.case_view(&stranger, 987_654, now, today).await,
        Err(AppError::NotFound)
    ));
    let denied = w
        .app
        .app
        .audit_search(&Actor::console(), &Default::default(), now)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.content.action == "case_read" && e.content.outcome == "denied")
        .count();
    assert_eq!(denied, 3);
    // The owning agency's admin may read it without being on the team.
    w.app
        .user(
            w.officer.user.as_ref().unwrap().agency_id,
            "admin@sonoma.example",
            &[Role::AgencyAdmin],
        )
        .await;
    let own_admin = actor(&w.app, "admin@sonoma.example").await;
    assert!(
        w.app
            .app
            .case_view(&own_admin, id, now, today)
            .await
            .is_ok()
    );
}

async fn the_caseload_searches_filters_sorts_and_pages(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    for i in 0..30 {
        let mut c = case(
            &format!("Person {i:02}"),
            &format!("A{:08}", 30_000_000 + i),
        );
        c.aliases = format!("Alias{i:02}");
        c.court_cases = format!("CR-{i:04}");
        if i % 3 == 0 {
            c.county = "Marin".into();
            c.kind = "parole".into();
        }
        c.start_date = format!("2026-01-{:02}", (i % 28) + 1);
        w.app.app.open_case(&w.officer, &c, now).await.unwrap();
    }
    let q = |f: fn(&mut CaseloadQuery)| {
        let mut query = CaseloadQuery {
            per_page: 25,
            ..Default::default()
        };
        f(&mut query);
        query
    };
    let load = |query: CaseloadQuery| {
        let app = w.app.app.clone();
        let officer = w.officer.clone();
        async move { app.caseload(&officer, &query, now, today).await.unwrap() }
    };
    let (rows, total) = load(q(|_| {})).await;
    assert_eq!((rows.len(), total), (25, 30));
    assert_eq!(rows[0].row.legal_name, "Person 00");
    assert!(
        rows.iter()
            .all(|r| r.team_gaps.len() == 2 && r.my_roles == vec![TeamRole::SupervisingOfficer])
    );
    let (rows, _) = load(q(|q| q.page = 1)).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].row.legal_name, "Person 25");

    for (search, expect) in [
        ("person 07", "Person 07"),
        ("A30000011", "Person 11"),
        ("cr-0012", "Person 12"),
        ("alias13", "Person 13"),
    ] {
        let s = search.to_owned();
        let (rows, total) = load(CaseloadQuery {
            search: Some(s),
            per_page: 25,
            ..Default::default()
        })
        .await;
        assert_eq!(total, 1, "{search}");
        assert_eq!(rows[0].row.legal_name, expect);
    }
    let (_, total) = load(CaseloadQuery {
        county: Some("Marin".into()),
        per_page: 25,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 10);
    let (_, total) = load(CaseloadQuery {
        kind: Some(SupervisionKind::Parole),
        per_page: 25,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 10);
    let (rows, _) = load(CaseloadQuery {
        sort: CaseloadSort::StartDate,
        per_page: 25,
        ..Default::default()
    })
    .await;
    assert!(
        rows.windows(2)
            .all(|w| w[0].row.start_date >= w[1].row.start_date)
    );

    // Fill one team completely: the gaps filter drops it.
    let (rows, _) = load(CaseloadQuery {
        search: Some("Person 05".into()),
        per_page: 25,
        ..Default::default()
    })
    .await;
    let episode = rows[0].row.episode_id;
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            &w.examiner_email,
            TeamRole::PolygraphExaminer,
            today,
            now,
        )
        .await
        .unwrap();
    let (_, total) = load(CaseloadQuery {
        team_gaps: true,
        per_page: 25,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 29);
    // The provider's caseload holds just that case.
    let (rows, total) = w
        .app
        .app
        .caseload(
            &w.provider,
            &CaseloadQuery {
                per_page: 25,
                ..Default::default()
            },
            now,
            today,
        )
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].my_roles, vec![TeamRole::TreatmentProvider]);
}

async fn the_case_api_speaks_json_errors(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let console = Actor::console();
    let token = w
        .app
        .app
        .create_token(
            &console,
            &w.officer.user.as_ref().unwrap().email,
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let post = |path: &str, body: Value| {
        w.app
            .client
            .post(w.app.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let body = json!({
        "legal_name": "Api Person", "date_of_birth": "1975-06-01", "sex": "male",
        "cii_number": "A44444444", "supervision_kind": "probation", "county": "Sonoma",
        "start_date": "2026-02-01", "court_case_numbers": ["SCR-9"], "assign_me": true
    });
    let res = post("/api/v1/supervisees", body.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = post("/api/v1/supervisees", body).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"], "duplicate");
    assert!(err["message"].as_str().unwrap().contains(&id.to_string()));

    let res = post("/api/v1/supervisees", json!({"legal_name": 5}))
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_json");

    let got: Value = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/supervisees/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["legal_name"], "Api Person");
    assert_eq!(
        got["team_gaps"],
        json!(["treatment_provider", "polygraph_examiner"])
    );
    let episode = got["episodes"][0]["id"].as_i64().unwrap();
    let res = post(
        &format!("/api/v1/supervisees/{id}/team-members"),
        json!({"episode_id": episode, "email": "dr@northbay.example", "team_role": "treatment_provider", "start_date": local_date(now).to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let page: Value = w
        .app
        .client
        .get(w.app.url("/api/v1/caseload?q=api"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["team_gaps"], json!(["polygraph_examiner"]));
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/caseload?kind=house_arrest"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/caseload?page=minus"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_query");
}

async fn demo_data_is_complete_and_repeatable(db: TestDb) {
    let app = db.app().await;
    let now = Utc::now();
    let mut seen = Vec::new();
    let summary = app
        .generate_demo(600, 9, now, |n| seen.push(n))
        .await
        .unwrap();
    assert_eq!(summary.supervisees, 600);
    // Progress after each of the two batches (which may finish in either order where they
    // are written side by side), counting the cases written so far.
    assert_eq!(seen.len(), 2, "progress after each batch: {seen:?}");
    assert!(seen[0] == 500 || seen[0] == 100, "{seen:?}");
    assert_eq!(seen[1], 600);
    for role in Role::ALL {
        if *role != Role::Prosecutor {
            assert!(
                summary.sample_accounts.iter().any(|(r, _)| r == role),
                "{role:?}"
            );
        }
    }
    assert!(summary.team_members >= 600);
    // Court waivers on most post-conviction cases; a Static-99R on every case and a
    // STABLE-2007 on most with a provider.
    assert!(summary.waivers > 300, "{}", summary.waivers);
    assert!(summary.scores > 900, "{}", summary.scores);
    // A second run on the same database is refused instead of doubling the data.
    assert!(matches!(
        app.generate_demo(10, 9, now, |_| {}).await,
        Err(AppError::Conflict(_))
    ));
    // Every case has a supervising officer whose caseload lists it.
    let officer_email = &summary
        .sample_accounts
        .iter()
        .find(|(r, _)| *r == Role::SupervisingOfficer)
        .unwrap()
        .1;
    let officer = app
        .user_by_email(&Actor::console(), officer_email)
        .await
        .unwrap();
    let actor = Actor {
        user: Some(officer),
        channel: containment_app::Channel::Token(0),
        client: Default::default(),
    };
    let (_, total) = app
        .caseload(
            &actor,
            &CaseloadQuery {
                per_page: 25,
                ..Default::default()
            },
            now,
            local_date(now),
        )
        .await
        .unwrap();
    assert!(total > 0);
    // The same seed gives the same people.
    let first = app
        .caseload(
            &actor,
            &CaseloadQuery {
                per_page: 5,
                ..Default::default()
            },
            now,
            local_date(now),
        )
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|e| (e.row.legal_name, e.row.cii))
        .collect::<Vec<_>>();
    assert_eq!(first.len(), 5);
    // The officer's cases show their scores, each valid and on its way along its chain.
    let (entries, _) = app
        .caseload(
            &actor,
            &CaseloadQuery {
                per_page: 25,
                ..Default::default()
            },
            now,
            local_date(now),
        )
        .await
        .unwrap();
    let mut statics = 0;
    for e in entries {
        let view = app
            .case_view(&actor, e.row.supervisee_id, now, local_date(now))
            .await
            .unwrap();
        for s in &view.scores {
            assert!(s.record.scorer_certified);
            assert_eq!(
                containment_app::score_items(&s.record)
                    .iter()
                    .map(|i| i.points)
                    .sum::<i32>(),
                s.record.total
            );
            statics += usize::from(
                s.record.instrument == containment_domain::instrument::Instrument::Static99r,
            );
        }
    }
    assert!(statics > 0);
    assert!(matches!(
        app.verify_audit(None, Utc::now()).await.unwrap(),
        containment_app::AuditVerdict::Intact { .. }
    ));
}

async fn a_stale_edit_is_refused_and_changes_nothing(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Vera Stale", "A55555555"), now)
        .await
        .unwrap();
    let v1 = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .supervisee
        .version;
    assert_eq!(v1, 1);

    // Two editors load version 1; the first saves, the second is refused.
    let mut first = case("Vera Stale-Smith", "A55555555");
    first.county_of_registration = "Napa".into();
    let saved = w
        .app
        .app
        .edit_supervisee(&w.officer, id, v1, &first, now)
        .await
        .unwrap();
    assert_eq!(
        (saved.version, saved.legal_name.as_str()),
        (2, "Vera Stale-Smith")
    );
    let second = case("Vera Overwrite", "A55555555");
    let err = w
        .app
        .app
        .edit_supervisee(&w.officer, id, v1, &second, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Stale { current_version: 2 }),
        "{err:?}"
    );
    let now_stored = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .supervisee;
    assert_eq!(
        now_stored.legal_name, "Vera Stale-Smith",
        "nothing overwritten"
    );
    assert_eq!(now_stored.county_of_registration.as_deref(), Some("Napa"));

    // Taking another case's CII is refused as a duplicate.
    let other = w
        .app
        .app
        .open_case(&w.officer, &case("Otto Other", "A66666666"), now)
        .await
        .unwrap();
    let steal = case("Otto Other", "A55555555");
    assert!(matches!(
        w.app.app.edit_supervisee(&w.officer, other, 1, &steal, now).await,
        Err(AppError::Duplicate { existing_id, .. }) if existing_id == id
    ));
    // A provider on the team reads but does not edit identity data.
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .edit_supervisee(&w.provider, id, 2, &first, now)
            .await,
        Err(AppError::Forbidden(_))
    ));

    // The API answers 409 with the current version.
    let token = w
        .app
        .app
        .create_token(
            &Actor::console(),
            &w.officer.user.as_ref().unwrap().email,
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let body = |version: i32, name: &str| json!({"version": version, "legal_name": name, "date_of_birth": "1980-02-29", "sex": "male", "cii_number": "A55555555"});
    let res = w
        .app
        .client
        .put(w.app.url(&format!("/api/v1/supervisees/{id}")))
        .bearer_auth(&token)
        .json(&body(1, "Api Overwrite"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"], "stale");
    assert_eq!(err["current_version"], 2);
    let res = w
        .app
        .client
        .put(w.app.url(&format!("/api/v1/supervisees/{id}")))
        .bearer_auth(&token)
        .json(&body(2, "Vera Api"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(
        (saved["version"].as_i64(), saved["legal_name"].as_str()),
        (Some(3), Some("Vera Api"))
    );

    // The web form shows what changed and keeps the person's entries.
    let pw = w
        .app
        .app
        .add_user(
            &Actor::console(),
            w.officer.user.as_ref().unwrap().agency_id,
            "po3@sonoma.example",
            "Third PO",
            &[Role::SupervisingOfficer],
            now,
        )
        .await
        .unwrap();
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "po3@sonoma.example",
            TeamRole::SupervisingOfficer,
            today,
            now,
        )
        .await
        .unwrap();
    let mut b = w
        .app
        .signed_in("po3@sonoma.example", &pw.one_time_password)
        .await;
    b.page(&format!("/cases/{id}/edit")).await;
    let res = b
        .post(
            &format!("/cases/{id}/edit"),
            &[
                ("version", "1"),
                ("legal_name", "Browser Overwrite"),
                ("date_of_birth", "1980-02-29"),
                ("sex", "male"),
                ("cii", "A55555555"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else changed this record"));
    assert!(html.contains("Vera Api") && html.contains("Browser Overwrite"));
    assert!(
        html.contains("name=\"version\" value=\"3\""),
        "the form now carries the current version"
    );
    // Aliases and court case numbers are edited too; a bad number changes nothing.
    let mut lists = first.clone();
    lists.aliases = "V. Smith\nV. Smith\nVera S.".into();
    lists.court_cases = "SCR-777777\n!!".into();
    assert!(matches!(
        w.app
            .app
            .edit_supervisee(&w.officer, id, 3, &lists, now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
    lists.court_cases = "SCR-777777".into();
    let saved = w
        .app
        .app
        .edit_supervisee(&w.officer, id, 3, &lists, now)
        .await
        .unwrap();
    assert_eq!(saved.version, 4);
    assert_eq!(saved.aliases, vec!["V. Smith", "Vera S."]);
    assert_eq!(saved.court_cases, vec!["SCR-777777"]);
    // Left out (as the API may), they are kept.
    let mut keep = first.clone();
    keep.aliases = String::new();
    keep.court_cases = String::new();
    keep.keep_aliases = true;
    keep.keep_court_cases = true;
    let saved = w
        .app
        .app
        .edit_supervisee(&w.officer, id, 4, &keep, now)
        .await
        .unwrap();
    assert_eq!(saved.aliases, vec!["V. Smith", "Vera S."]);
    assert_eq!(saved.court_cases, vec!["SCR-777777"]);
}

async fn assignment_needs_a_current_certification_and_lapses_show(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let clinic = w
        .app
        .app
        .agency_by_name("North Bay Treatment")
        .await
        .unwrap()
        .unwrap();
    w.app
        .user(
            clinic.id,
            "new@northbay.example",
            &[Role::TreatmentProvider],
        )
        .await;
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Cert Case", ""), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;

    // No certification at all: refused, with the reason.
    let err = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "new@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("R10") && m.to_string().contains("CASOMB")),
        "{err:?}"
    );

    // A certification that expired yesterday: still refused. One that expires today: accepted.
    let record = |number: &str, expires: chrono::NaiveDate| containment_app::CertificationInput {
        kind: "casomb_provider".into(),
        holder_email: "new@northbay.example".into(),
        level: "independent".into(),
        number: number.into(),
        issued_on: (expires - Duration::days(700)).to_string(),
        expires_on: expires.to_string(),
        ..Default::default()
    };
    w.app
        .app
        .add_certification(
            &Actor::console(),
            &record("CP-OLD", today - Duration::days(1)),
            now,
        )
        .await
        .unwrap();
    assert!(
        w.app
            .app
            .add_team_member(
                &w.officer,
                episode,
                "new@northbay.example",
                TeamRole::TreatmentProvider,
                today,
                now
            )
            .await
            .is_err()
    );
    w.app
        .app
        .add_certification(&Actor::console(), &record("CP-TODAY", today), now)
        .await
        .unwrap();
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "new@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    assert!(
        w.app
            .app
            .case_view(&w.officer, id, now, today)
            .await
            .unwrap()
            .certification_issues
            .is_empty()
    );

    // Tomorrow the certification has lapsed while assigned: the case says so, and so does the
    // registry (with the case), while the holder gets the warning before that.
    let tomorrow = today + Duration::days(1);
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, tomorrow)
        .await
        .unwrap();
    assert_eq!(
        view.certification_issues.len(),
        1,
        "{:?}",
        view.certification_issues
    );
    assert!(view.certification_issues[0].contains("without a current CASOMB"));
    let registry = w
        .app
        .app
        .certification_registry(&Actor::console(), tomorrow, now)
        .await
        .unwrap();
    let lapsed = registry
        .iter()
        .find(|e| e.record.number == "CP-TODAY")
        .unwrap();
    assert!(!lapsed.status.is_valid());
    assert_eq!(lapsed.lapsed_on_cases, vec![id]);
    let mine = w
        .app
        .app
        .certification_registry(&actor(&w.app, "new@northbay.example").await, today, now)
        .await
        .unwrap();
    assert_eq!(mine.len(), 2, "holders see their own certifications");
    assert!(mine.iter().any(|e| e.status
        == containment_domain::certification::CertificationStatus::ExpiringSoon { days_left: 0 }));

    // An examiner needs the PCSOT training, not a provider certification.
    let err = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dr@northbay.example",
            TeamRole::PolygraphExaminer,
            today,
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::InvalidInput(_)));
}

async fn certification_import_is_all_or_nothing(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let clinic = w
        .app
        .app
        .agency_by_name("North Bay Treatment")
        .await
        .unwrap()
        .unwrap();
    w.app
        .user(
            clinic.id,
            "assoc@northbay.example",
            &[Role::TreatmentProvider],
        )
        .await;
    let header = containment_app::CSV_COLUMNS.join(",");
    let good = format!(
        "{header}\n\
         casomb_provider,assoc@northbay.example,,associate,,dr@northbay.example,CP-100,2026-01-01,2027-12-31\n\
         casomb_program,,North Bay Treatment,,,,PG-7,2026-01-01,2027-12-31\n\
         saratso_scorer,dr@northbay.example,,,stable2007,,SS-9,2026-01-01,2028-06-30\n"
    );
    let bad = format!(
        "{header}\n\
         casomb_provider,assoc@northbay.example,,associate,,dr@northbay.example,CP-200,2026-01-01,2027-12-31\n\
         casomb_provider,nobody@northbay.example,,independent,,,CP-201,2026-01-01,2027-12-31\n\
         casomb_provider,assoc@northbay.example,,student,,,CP-202,2026-01-01,2027-12-31\n\
         cpr_card,dr@northbay.example,,,,,X-1,2026-01-01,2027-01-01\n"
    );
    let err = w
        .app
        .app
        .import_certifications(&Actor::console(), &bad, now)
        .await
        .unwrap_err();
    let AppError::InvalidInput(report) = err else {
        panic!("expected a row report")
    };
    let report = report.to_string();
    assert!(
        report.contains("row 3:") && report.contains("nobody@northbay.example"),
        "{report}"
    );
    assert!(
        report.contains("row 4:") && report.contains("supervising provider"),
        "{report}"
    );
    assert!(
        report.contains("row 4:") && report.contains("12 months"),
        "{report}"
    );
    assert!(
        report.contains("row 5:") && report.contains("certification kind"),
        "{report}"
    );
    assert!(
        !report.contains("row 2:"),
        "the valid row has no complaint: {report}"
    );
    let registry = w
        .app
        .app
        .certification_registry(&Actor::console(), today, now)
        .await
        .unwrap();
    assert!(
        !registry.iter().any(|e| e.record.number == "CP-200"),
        "nothing of the bad file was applied"
    );

    assert_eq!(
        w.app
            .app
            .import_certifications(&Actor::console(), &good, now)
            .await
            .unwrap(),
        3
    );
    // Importing the same numbers again is refused as a whole.
    assert!(
        w.app
            .app
            .import_certifications(&Actor::console(), &good, now)
            .await
            .is_err()
    );
    let missing_column = "kind,number\ncasomb_program,1\n";
    let err = w
        .app
        .app
        .import_certifications(&Actor::console(), missing_column, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("holder_email"));
    // Through the API: the registry lists them with status; a bad file answers 422 by row.
    let token = w
        .app
        .app
        .create_token(
            &Actor::console(),
            &containment_domain::Email::parse("dr@northbay.example").unwrap(),
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let list: Value = w
        .app
        .client
        .get(w.app.url("/api/v1/certifications"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&"SS-9") && numbers.contains(&"CP-1"),
        "the holder's own: {numbers:?}"
    );
    assert!(!numbers.contains(&"PE-1"), "not someone else's");
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/certifications/import"))
        .bearer_auth(&token)
        .body(bad.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a provider does not import"
    );
    // An agency admin may not record certifications for another agency's people.
    let probation = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(probation, "admin@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let admin = actor(&w.app, "admin@sonoma.example").await;
    let single =
        format!("{header}\npolygraph_pcsot,ex@poly.example,,,,,PE-77,2026-01-01,2030-01-01\n");
    let err = w
        .app
        .app
        .import_certifications(&admin, &single, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("own agency"), "{err}");
}

async fn waivers_open_treatment_information_to_those_named_only(db: TestDb) {
    use containment_domain::access::InformationCategory;
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let sheriff = w
        .app
        .agency("Sonoma County Sheriff", AgencyKind::LawEnforcement)
        .await;
    w.app
        .user(sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement])
        .await;
    let deputy = actor(&w.app, "dep@sheriff.example").await;
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Wall Case", ""), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    for (email, role) in [
        ("dr@northbay.example", TeamRole::TreatmentProvider),
        ("dep@sheriff.example", TeamRole::RegisteringLawEnforcement),
    ] {
        w.app
            .app
            .add_team_member(&w.officer, episode, email, role, today, now)
            .await
            .unwrap();
    }
    let access = |who: Actor| {
        let app = w.app.app.clone();
        async move {
            let view = app.case_view(&who, id, now, today).await.unwrap();
            let allowed: Vec<InformationCategory> = view
                .treatment_access
                .iter()
                .filter(|(_, w)| w.is_some())
                .map(|(c, _)| *c)
                .collect();
            (allowed, view.waiver_missing)
        }
    };
    let (provider_sees, missing) = access(w.provider.clone()).await;
    assert!(
        provider_sees.is_empty(),
        "no waiver, no treatment information"
    );
    assert!(missing, "R11: no court waiver on file");

    let court = |roles: &[&str], categories: &[&str]| containment_app::WaiverInput {
        basis: "pc_1203_067_b4".into(),
        discloser: "North Bay Treatment".into(),
        recipient_roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        effective_on: today.to_string(),
        revocable: true,
        ..Default::default()
    };
    // The court waiver cannot reach law enforcement, nor substance-use information.
    let err = w
        .app
        .app
        .record_waiver(
            &w.officer,
            id,
            &court(
                &["treatment_provider", "registering_law_enforcement"],
                &["progress"],
            ),
            now,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("separate consent"), "{err}");
    let err = w
        .app
        .app
        .record_waiver(
            &w.officer,
            id,
            &court(&["treatment_provider"], &["substance_use"]),
            now,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("42 CFR"), "{err}");
    // A provider cannot record one (the officer keeps the case's waivers).
    assert!(
        w.app
            .app
            .record_waiver(
                &w.provider,
                id,
                &court(&["treatment_provider"], &["progress"]),
                now
            )
            .await
            .is_err()
    );

    let court_id = w
        .app
        .app
        .record_waiver(
            &w.officer,
            id,
            &court(
                &[
                    "supervising_officer",
                    "treatment_provider",
                    "polygraph_examiner",
                ],
                &["progress", "monthly_reports", "disclosures"],
            ),
            now,
        )
        .await
        .unwrap();
    let (provider_sees, missing) = access(w.provider.clone()).await;
    assert_eq!(
        provider_sees,
        vec![
            InformationCategory::Progress,
            InformationCategory::Disclosures,
            InformationCategory::MonthlyReports
        ]
    );
    assert!(!missing);
    let (deputy_sees, _) = access(deputy.clone()).await;
    assert!(
        deputy_sees.is_empty(),
        "law enforcement is not covered by the court waiver"
    );
    // Court-ordered: not revocable before supervision ends.
    let err = w
        .app
        .app
        .revoke_waiver(&w.officer, id, court_id, "asked to", now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("court-ordered")),
        "{err:?}"
    );

    // A separate consent naming the deputy opens progress to them, until it is revoked.
    let consent = containment_app::WaiverInput {
        basis: "hipaa_164_508".into(),
        discloser: "North Bay Treatment".into(),
        recipient_emails: "dep@sheriff.example".into(),
        categories: vec!["progress".into()],
        effective_on: today.to_string(),
        revocable: true,
        ..Default::default()
    };
    let consent_id = w
        .app
        .app
        .record_waiver(&w.officer, id, &consent, now)
        .await
        .unwrap();
    let (deputy_sees, _) = access(deputy.clone()).await;
    assert_eq!(deputy_sees, vec![InformationCategory::Progress]);
    w.app
        .app
        .revoke_waiver(&w.officer, id, consent_id, "consent withdrawn", now)
        .await
        .unwrap();
    let (deputy_sees, _) = access(deputy.clone()).await;
    assert!(
        deputy_sees.is_empty(),
        "the revocation takes effect on the next request"
    );
    assert!(matches!(
        w.app
            .app
            .revoke_waiver(&w.officer, id, consent_id, "again", now)
            .await,
        Err(AppError::Conflict(_))
    ));
    // A consent effective tomorrow is not in force today.
    let mut later = consent.clone();
    later.effective_on = (today + Duration::days(1)).to_string();
    w.app
        .app
        .record_waiver(&w.officer, id, &later, now)
        .await
        .unwrap();
    assert!(access(deputy.clone()).await.0.is_empty());
    // Everything stays on file, revoked ones included.
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert_eq!(view.waivers.len(), 3);
    assert!(view.waivers.iter().any(|r| r.rule.revoked_on == Some(today)
        && r.revocation_reason.as_deref() == Some("consent withdrawn")));

    // The API shows the same, with the waiver behind each category.
    let token = w
        .app
        .app
        .create_token(
            &Actor::console(),
            &containment_domain::Email::parse("dr@northbay.example").unwrap(),
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let got: Value = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/supervisees/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["waiver_missing"], false);
    assert_eq!(
        got["treatment_access"][0],
        json!({"category": "progress", "waiver_id": court_id})
    );
}

async fn ending_supervision_closes_the_case_and_its_team(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("End Case", ""), now)
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    let episode = &view.episodes[0];
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode.id,
            "dr@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    let court = containment_app::WaiverInput {
        basis: "pc_1203_067_b4".into(),
        discloser: "North Bay Treatment".into(),
        recipient_roles: vec![
            "supervising_officer".into(),
            "treatment_provider".into(),
            "polygraph_examiner".into(),
        ],
        categories: vec!["progress".into()],
        effective_on: today.to_string(),
        ..Default::default()
    };
    let court_id = w
        .app
        .app
        .record_waiver(&w.officer, id, &court, now)
        .await
        .unwrap();

    // Bad input and a provider's attempt are refused; nothing changes.
    assert!(
        w.app
            .app
            .end_supervision(&w.officer, id, episode.id, episode.version, today, " ", now)
            .await
            .is_err()
    );
    assert!(
        w.app
            .app
            .end_supervision(
                &w.officer,
                id,
                episode.id,
                episode.version,
                episode.start_date - Duration::days(1),
                "completed",
                now
            )
            .await
            .is_err()
    );
    assert!(matches!(
        w.app
            .app
            .end_supervision(
                &w.provider,
                id,
                episode.id,
                episode.version,
                today,
                "completed",
                now
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    w.app
        .app
        .end_supervision(
            &w.officer,
            id,
            episode.id,
            episode.version,
            today,
            "completed successfully",
            now,
        )
        .await
        .unwrap();
    // A second attempt, or one from a stale version, is refused.
    assert!(matches!(
        w.app
            .app
            .end_supervision(
                &w.officer,
                id,
                episode.id,
                episode.version,
                today,
                "again",
                now
            )
            .await,
        Err(AppError::Conflict(_))
    ));

    // Today is still the last day: the case is on the caseload and the team serves.
    let q = CaseloadQuery {
        per_page: 25,
        ..Default::default()
    };
    let (_, total) = w
        .app
        .app
        .caseload(&w.officer, &q, now, today)
        .await
        .unwrap();
    assert_eq!(total, 1);
    // Tomorrow it is closed: off the caseload, the provider no longer on the team, and the
    // court waiver over, so it may now be revoked.
    let tomorrow = today + Duration::days(1);
    let (_, total) = w
        .app
        .app
        .caseload(&w.officer, &q, now, tomorrow)
        .await
        .unwrap();
    assert_eq!(total, 0);
    assert!(matches!(
        w.app.app.case_view(&w.provider, id, now, tomorrow).await,
        Err(AppError::NotFound)
    ));
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert_eq!(
        view.episodes[0].end_reason.as_deref(),
        Some("completed successfully")
    );
    assert!(
        view.team.iter().all(|m| m.end_date == Some(today)),
        "memberships end with supervision"
    );
    assert_eq!(view.waivers.len(), 1);
    // Once the case is closed the officer is off its team; the owning agency's administrator
    // keeps it. The court waiver ended with supervision by itself: it is no longer in force
    // and, being court-ordered, is not revoked but simply over.
    w.app
        .user(
            w.officer.user.as_ref().unwrap().agency_id,
            "admin@sonoma.example",
            &[Role::AgencyAdmin],
        )
        .await;
    let admin = actor(&w.app, "admin@sonoma.example").await;
    let closed = w
        .app
        .app
        .case_view(&admin, id, now, tomorrow)
        .await
        .unwrap();
    assert!(
        closed.waiver_missing,
        "no court waiver in force after supervision ended"
    );
    let later = now + Duration::days(1);
    assert!(matches!(
        w.app
            .app
            .revoke_waiver(&admin, id, court_id, "supervision over", later)
            .await,
        Err(AppError::Conflict(_))
    ));

    // A new supervision opens after the last one ended, never while one is open.
    let parole = |start: NaiveDate| CaseInput {
        kind: "parole".into(),
        county: "Sonoma".into(),
        start_date: start.to_string(),
        ..Default::default()
    };
    let err = w
        .app
        .app
        .open_episode(&admin, id, &parole(today), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("start after it"), "{err}");
    let next = w
        .app
        .app
        .open_episode(&admin, id, &parole(tomorrow), now)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .open_episode(&admin, id, &parole(tomorrow + Duration::days(1)), now)
            .await,
        Err(AppError::Conflict(_))
    ));
    let view = w
        .app
        .app
        .case_view(&admin, id, now, tomorrow)
        .await
        .unwrap();
    assert_eq!(view.episodes.len(), 2);
    assert_eq!(view.current_episode().map(|e| e.id), Some(next));
    assert!(view.timeline.iter().any(|t| t.what == "Supervision began"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

async fn documents_keep_their_hash_and_stay_behind_the_wall(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let sheriff = w
        .app
        .agency("Sonoma County Sheriff", AgencyKind::LawEnforcement)
        .await;
    w.app
        .user(sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement])
        .await;
    let deputy = actor(&w.app, "dep@sheriff.example").await;
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Paper Case", ""), now)
        .await
        .unwrap();
    let other = w
        .app
        .app
        .open_case(&w.officer, &case("Other Case", ""), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    for (email, role) in [
        ("dr@northbay.example", TeamRole::TreatmentProvider),
        ("dep@sheriff.example", TeamRole::RegisteringLawEnforcement),
    ] {
        w.app
            .app
            .add_team_member(&w.officer, episode, email, role, today, now)
            .await
            .unwrap();
    }
    let waiver_input = containment_app::WaiverInput {
        basis: "pc_1203_067_b4".into(),
        discloser: "North Bay Treatment".into(),
        recipient_roles: vec![
            "supervising_officer".into(),
            "treatment_provider".into(),
            "polygraph_examiner".into(),
        ],
        categories: vec!["progress".into()],
        effective_on: today.to_string(),
        ..Default::default()
    };
    let waiver = w
        .app
        .app
        .record_waiver(&w.officer, id, &waiver_input, now)
        .await
        .unwrap();
    let other_waiver = w
        .app
        .app
        .record_waiver(&w.officer, other, &waiver_input, now)
        .await
        .unwrap();
    let token = |email: &'static str| {
        let app = w.app.app.clone();
        async move {
            app.create_token(
                &Actor::console(),
                &containment_domain::Email::parse(email).unwrap(),
                "api",
                None,
                now,
            )
            .await
            .unwrap()
            .token
        }
    };
    let officer_token = token("po@sonoma.example").await;
    let provider_token = token("dr@northbay.example").await;
    let upload = |query: String, body: Vec<u8>| {
        let client = w.app.client.clone();
        let url = w
            .app
            .url(&format!("/api/v1/supervisees/{id}/documents?{query}"));
        let token = officer_token.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };

    // The signed waiver: stored, and its hash recorded on the waiver.
    let signed = b"%PDF-1.7\nsigned waiver of the supervisee".to_vec();
    let res = upload(
        format!("kind=signed_waiver&waiver_id={waiver}&file_name=scan%2Fwaiver.PDF"),
        signed.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    let recorded = view.waivers.iter().find(|r| r.rule.id.0 == waiver).unwrap();
    assert_eq!(
        recorded.document_sha256.as_deref(),
        Some(sha256_hex(&signed).as_str())
    );
    assert_eq!(view.documents[0].record.file_name, "waiver.pdf");

    // A rap sheet given to the provider for scoring is CORI.
    let rap = b"\x89PNG\r\n\x1a\nrap sheet image".to_vec();
    let rap_id = w
        .app
        .app
        .upload_document(
            &w.officer,
            id,
            &containment_app::DocumentInput {
                kind: "rap_sheet".into(),
                file_name: "rap.png".into(),
                ..Default::default()
            },
            rap.clone(),
            now,
        )
        .await
        .unwrap();

    // Bad files are refused with a reason, and nothing is stored.
    for (query, body, status, says) in [
        (
            "kind=police_report".to_owned(),
            b"<html>not a scan</html>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a PDF",
        ),
        (
            "kind=police_report".to_owned(),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file is required",
        ),
        (
            "kind=signed_waiver".to_owned(),
            signed.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "which waiver",
        ),
        (
            format!("kind=signed_waiver&waiver_id={other_waiver}"),
            signed.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no waiver",
        ),
        (
            "kind=tax_return".to_owned(),
            signed.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "document kind",
        ),
    ] {
        let res = upload(query.clone(), body).await;
        assert_eq!(res.status(), status, "{query}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
    let mut huge = b"%PDF-".to_vec();
    huge.resize(containment_domain::document::MAX_DOCUMENT_BYTES + 1, b' ');
    let res = upload("kind=police_report".into(), huge).await;
    assert!(
        res.status() == StatusCode::PAYLOAD_TOO_LARGE
            || res.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.status()
    );
    assert_eq!(
        w.app
            .app
            .documents(&w.officer, id, now)
            .await
            .unwrap()
            .len(),
        2
    );
    // The provider reads CORI but may not add it (only the officer's side passes it on).
    assert!(matches!(
        w.app
            .app
            .upload_document(
                &w.provider,
                id,
                &containment_app::DocumentInput {
                    kind: "police_report".into(),
                    ..Default::default()
                },
                signed.clone(),
                now
            )
            .await,
        Err(AppError::Forbidden(_) | AppError::NotFound)
    ));

    // The provider downloads the rap sheet: same bytes, with the CORI mark.
    let res = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/supervisees/{id}/documents/{rap_id}/content"
        )))
        .bearer_auth(&provider_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["x-record-notice"]
            .to_str()
            .unwrap()
            .contains("Do not re-disseminate")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("CORI-do-not-redisseminate-rap.png")
    );
    assert_eq!(res.headers()["x-content-sha256"], sha256_hex(&rap).as_str());
    assert_eq!(res.bytes().await.unwrap().as_ref(), rap.as_slice());
    let listed: Value = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/supervisees/{id}/documents")))
        .bearer_auth(&provider_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["kind"], "rap_sheet");
    assert_eq!(listed[0]["cori"], true);
    assert!(listed[0]["notice"].as_str().unwrap().contains("11075"));
    assert_eq!(listed[1]["notice"], Value::Null);

    // Law enforcement on the team sees neither document, and cannot fetch one by its id.
    let deputy_view = w.app.app.case_view(&deputy, id, now, today).await.unwrap();
    assert!(deputy_view.documents.is_empty());
    assert!(
        w.app
            .app
            .document_content(&deputy, id, rap_id, now)
            .await
            .is_err()
    );
    // A document id of another case is not found through this one.
    assert!(matches!(
        w.app
            .app
            .document_content(&w.officer, other, rap_id, now)
            .await,
        Err(AppError::NotFound)
    ));

    // The timeline: the officer sees every change; the deputy only what they may read.
    let whats =
        |v: &containment_app::CaseView| v.timeline.iter().map(|t| t.what).collect::<Vec<_>>();
    let officer_view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert_eq!(
        whats(&officer_view),
        vec![
            "Document added",
            "Document added",
            "Waiver recorded",
            "Team member assigned",
            "Team member assigned",
            // Opened in the application today; supervision began, with its officer, before.
            "Case opened",
            "Team member assigned",
            "Supervision began",
        ]
    );
    assert!(officer_view.timeline[..2].iter().any(|t| {
        t.detail
            .as_deref()
            .is_some_and(|d| d.contains("criminal history (rap sheet)"))
    }));
    // The case's opening names no one; a team change names the member and their role.
    assert_eq!(officer_view.timeline[5].who, None);
    assert_eq!(
        officer_view.timeline[3].detail.as_deref(),
        Some("Test Person, registering law enforcement")
    );
    // Law enforcement may see supervision status, not the team, waivers or documents.
    assert_eq!(
        whats(&deputy_view),
        vec!["Case opened", "Supervision began"]
    );
}

async fn supervision_details_are_corrected_at_the_version_read(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Corrected Case", ""), now)
        .await
        .unwrap();
    let episode = || async {
        w.app
            .app
            .case_view(&w.officer, id, now, today)
            .await
            .unwrap()
            .episodes[0]
            .clone()
    };
    let e = episode().await;
    let correction = |court: &str, placed_on: NaiveDate, expected_end: &str| {
        containment_app::EpisodeCorrection {
            court: court.into(),
            placed_on: placed_on.to_string(),
            expected_end: expected_end.into(),
        }
    };
    let good = correction(
        "Sonoma County Superior Court",
        today,
        &(e.start_date + Duration::days(3 * 365)).to_string(),
    );
    // The provider off the team may not; bad dates are refused with their reasons.
    assert!(
        w.app
            .app
            .correct_supervision(&w.provider, id, e.id, e.version, &good, now)
            .await
            .is_err()
    );
    let err = w
        .app
        .app
        .correct_supervision(
            &w.officer,
            id,
            e.id,
            e.version,
            &correction(
                "",
                today + Duration::days(1),
                &(e.start_date - Duration::days(1)).to_string(),
            ),
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("placed on: it is in the future")
            && err.contains("expected end: it is before"),
        "{err}"
    );
    // Placed today and ending on the start day are the boundaries that pass.
    w.app
        .app
        .correct_supervision(&w.officer, id, e.id, e.version, &good, now)
        .await
        .unwrap();
    let after = episode().await;
    assert_eq!(after.court.as_deref(), Some("Sonoma County Superior Court"));
    assert_eq!(after.placed_on, Some(today));
    assert_eq!(after.version, e.version + 1);
    // The version read before is stale now.
    assert!(matches!(
        w.app
            .app
            .correct_supervision(&w.officer, id, e.id, e.version, &good, now)
            .await,
        Err(AppError::Stale { .. })
    ));
    // Through the API: clearing the expected end, at the current version.
    let token = api_token(&w.app, "po@sonoma.example").await;
    let res = w
        .app
        .client
        .put(
            w.app
                .url(&format!("/api/v1/supervisees/{id}/episodes/{}", e.id)),
        )
        .bearer_auth(&token)
        .json(&json!({
            "version": after.version,
            "court": "Sonoma County Superior Court",
            "placed_on": today.to_string(),
            "expected_end": after.start_date.to_string(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(episode().await.expected_end, Some(after.start_date));
}

async fn assignment_reads_a_renewal_without_a_gap_as_continuous(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let clinic = w
        .app
        .app
        .agency_by_name("North Bay Treatment")
        .await
        .unwrap()
        .unwrap();
    for email in ["renewed@northbay.example", "lapsed@northbay.example"] {
        w.app
            .user(clinic.id, email, &[Role::TreatmentProvider])
            .await;
    }
    let certify =
        |email: &str, number: &str, from: i64, to: i64| containment_app::CertificationInput {
            kind: "casomb_provider".into(),
            holder_email: email.into(),
            level: "independent".into(),
            number: number.into(),
            issued_on: (today + Duration::days(from)).to_string(),
            expires_on: (today + Duration::days(to)).to_string(),
            ..Default::default()
        };
    // Renewed the day after the first certificate expired; the other a day later than that.
    for input in [
        certify("renewed@northbay.example", "CP-R1", -700, -20),
        certify("renewed@northbay.example", "CP-R2", -19, 700),
        certify("lapsed@northbay.example", "CP-L1", -700, -20),
        certify("lapsed@northbay.example", "CP-L2", -18, 700),
    ] {
        w.app
            .app
            .add_certification(&Actor::console(), &input, now)
            .await
            .unwrap();
    }
    let id = w
        .app
        .app
        .open_case(&w.officer, &case("Renewal Case", ""), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    // Serving from 30 days ago: one certificate covers the start, the renewal covers today.
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "renewed@northbay.example",
            TeamRole::TreatmentProvider,
            today - Duration::days(30),
            now,
        )
        .await
        .unwrap();
    // A day without certification between them: refused.
    let err = w
        .app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "lapsed@northbay.example",
            TeamRole::TreatmentProvider,
            today - Duration::days(30),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("R10")),
        "{err:?}"
    );
}
