//! The team form's suggestions: a search among the people a case works with, never a list of
//! everyone.

use chrono::Utc;
use containment_app::{AccountAction, Actor, AppError, TEAM_CANDIDATE_LIMIT};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_storage::AuditFilter;
use containment_testkit::{AgencyKind, Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::{World, actor, api_token, case, certify, world};

both_backends!(
    team_candidates_come_from_the_case_s_county_and_partners,
    only_those_who_staff_the_team_search_and_the_page_lists_nobody,
);

/// Adds an account with a name of its own.
async fn person(w: &World, agency_id: i64, email: &str, name: &str, role: Role) -> i64 {
    w.app
        .app
        .add_user(
            &Actor::console(),
            agency_id,
            email,
            name,
            &[role],
            Utc::now(),
        )
        .await
        .unwrap()
        .user
        .id
}

async fn agency(w: &World, name: &str, kind: AgencyKind, county: Option<&str>) -> i64 {
    w.app
        .app
        .add_agency(&Actor::console(), name, kind, county, Utc::now())
        .await
        .unwrap()
        .id
}

/// E-mail addresses found for `text` in `role` on case `id`, as the officer searches.
async fn found(w: &World, id: i64, role: TeamRole, text: &str) -> Vec<String> {
    w.app
        .app
        .team_candidates(&w.officer, id, role, text, Utc::now())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.email.to_string())
        .collect()
}

/// A case in Sonoma with a treatment agency in the county, one serving the whole state, one in
/// Marin that works with nobody here, and a disabled provider.
async fn sonoma_case(w: &World) -> i64 {
    let local = agency(
        w,
        "Sonoma Counseling",
        AgencyKind::TreatmentProvider,
        Some("Sonoma"),
    )
    .await;
    let statewide = agency(
        w,
        "Golden State Therapy",
        AgencyKind::TreatmentProvider,
        None,
    )
    .await;
    let marin = agency(
        w,
        "Marin Therapy",
        AgencyKind::TreatmentProvider,
        Some("Marin"),
    )
    .await;
    person(
        w,
        local,
        "dana.reyes@sonomacounseling.example",
        "Dana Reyes",
        Role::TreatmentProvider,
    )
    .await;
    let gone = person(
        w,
        local,
        "dario@sonomacounseling.example",
        "Dario Left",
        Role::TreatmentProvider,
    )
    .await;
    w.app
        .app
        .administer_user(&Actor::console(), gone, AccountAction::Disable, Utc::now())
        .await
        .unwrap();
    // Holds another role: never offered as a provider.
    person(
        w,
        local,
        "darla@sonomacounseling.example",
        "Darla Office",
        Role::AgencyAdmin,
    )
    .await;
    person(
        w,
        statewide,
        "daphne@goldenstate.example",
        "Daphne Statewide",
        Role::TreatmentProvider,
    )
    .await;
    person(
        w,
        marin,
        "dave@marintherapy.example",
        "Dave Marin",
        Role::TreatmentProvider,
    )
    .await;
    w.app
        .app
        .open_case(&w.officer, &case("John Doe", "A12345678"), Utc::now())
        .await
        .unwrap()
}

async fn team_candidates_come_from_the_case_s_county_and_partners(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let id = sonoma_case(&w).await;
    let provider = TeamRole::TreatmentProvider;

    // A name prefix finds the provider of the case's county.
    assert_eq!(
        found(&w, id, provider, "Dan").await,
        ["dana.reyes@sonomacounseling.example"]
    );
    // Part of an e-mail address too, in any case; the disabled account and the agency
    // administrator are not offered.
    assert_eq!(
        found(&w, id, provider, "SONOMACOUNS").await,
        ["dana.reyes@sonomacounseling.example"]
    );
    // Statewide agencies qualify; Marin's provider works with nobody here.
    assert_eq!(
        found(&w, id, provider, "da").await,
        [
            "dana.reyes@sonomacounseling.example",
            "daphne@goldenstate.example"
        ]
    );
    assert!(found(&w, id, provider, "dave").await.is_empty());
    assert!(found(&w, id, provider, "marin").await.is_empty());
    // Wildcards are taken literally.
    assert!(found(&w, id, provider, "d%").await.is_empty());
    assert!(found(&w, id, provider, "__").await.is_empty());
    // The role decides who is offered: nobody above examines polygraphs.
    assert!(
        found(&w, id, TeamRole::PolygraphExaminer, "da")
            .await
            .is_empty()
    );
    // One letter would list most people.
    assert!(matches!(
        w.app
            .app
            .team_candidates(&w.officer, id, provider, " d ", now)
            .await,
        Err(AppError::InvalidInput(_))
    ));

    // Once Marin's provider serves on another case of the same agency, they are a partner.
    certify(
        &w.app,
        "casomb_provider",
        "dave@marintherapy.example",
        "CP-M1",
    )
    .await;
    let other = w
        .app
        .app
        .open_case(&w.officer, &case("Other Case", "A23456789"), now)
        .await
        .unwrap();
    let episode = w
        .app
        .app
        .case_view(&w.officer, other, now, local_date(now))
        .await
        .unwrap()
        .episodes[0]
        .id;
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dave@marintherapy.example",
            provider,
            local_date(now),
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        found(&w, id, provider, "dave").await,
        ["dave@marintherapy.example"]
    );

    // At most ten, those starting with the text first.
    let local = w
        .app
        .app
        .agency_by_name("Sonoma Counseling")
        .await
        .unwrap()
        .unwrap()
        .id;
    for n in 0..12 {
        person(
            &w,
            local,
            &format!("provider{n:02}@sonomacounseling.example"),
            &format!("Audra Ortiz {n:02}"),
            Role::TreatmentProvider,
        )
        .await;
    }
    person(
        &w,
        local,
        "zed@sonomacounseling.example",
        "Ortiz Zed",
        Role::TreatmentProvider,
    )
    .await;
    let ortiz = found(&w, id, provider, "ortiz").await;
    assert_eq!(ortiz.len() as u64, TEAM_CANDIDATE_LIMIT);
    assert_eq!(ortiz[0], "zed@sonomacounseling.example", "{ortiz:?}");

    // Officers come from the case's own agency only.
    assert_eq!(
        found(&w, id, TeamRole::SupervisingOfficer, "po@").await,
        ["po@sonoma.example"]
    );
}

async fn only_those_who_staff_the_team_search_and_the_page_lists_nobody(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let id = sonoma_case(&w).await;
    let provider = TeamRole::TreatmentProvider;

    // A provider unrelated to the case learns nothing; once on its team, they still may not
    // staff it.
    assert!(matches!(
        w.app
            .app
            .team_candidates(&w.provider, id, provider, "da", now)
            .await,
        Err(AppError::NotFound)
    ));
    let episode = w
        .app
        .app
        .case_view(&w.officer, id, now, local_date(now))
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
            provider,
            local_date(now),
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .team_candidates(&w.provider, id, provider, "da", now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // Searches are reads of the case: audited, refused ones too.
    let tx = w.app.app.store().begin().await.unwrap();
    let events = tx
        .audit_events(
            &AuditFilter {
                object_kind: Some("supervisee".into()),
                object_id: Some(id.to_string()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
    drop(tx);
    let searches: Vec<&str> = events
        .iter()
        .filter(|e| e.content.action == "team_candidates_read")
        .map(|e| e.content.outcome.as_str())
        .collect();
    assert_eq!(searches, ["denied", "denied"]);

    // The JSON API: the officer's token finds the provider; the provider's is refused.
    let officer_token = api_token(&w.app, "po@sonoma.example").await;
    let res = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/supervisees/{id}/team-candidates?role=treatment_provider&q=dan"
        )))
        .bearer_auth(&officer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["email"], "dana.reyes@sonomacounseling.example");
    assert_eq!(body[0]["display_name"], "Dana Reyes");
    assert_eq!(body[0]["agency_name"], "Sonoma Counseling");
    assert_eq!(body.as_array().unwrap().len(), 1);
    let res = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/supervisees/{id}/team-candidates?role=treatment_provider&q=d"
        )))
        .bearer_auth(&officer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let provider_token = api_token(&w.app, "dr@northbay.example").await;
    let res = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/supervisees/{id}/team-candidates?role=treatment_provider&q=dan"
        )))
        .bearer_auth(&provider_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The page: a second officer on the team sees the form but no list of people; the
    // suggestions come from the fragment, as htmx asks for them with the form's field names.
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
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "po2@sonoma.example",
            TeamRole::SupervisingOfficer,
            local_date(now),
            now,
        )
        .await
        .unwrap();
    let mut b = w
        .app
        .signed_in("po2@sonoma.example", &second.one_time_password)
        .await;
    let page = b.page(&format!("/cases/{id}/team")).await;
    assert!(page.contains("Add a team member"));
    for email in [
        "dave@marintherapy.example",
        "dana.reyes@sonomacounseling.example",
        "ex@poly.example",
    ] {
        assert!(!page.contains(email), "{email} is listed on the page");
    }
    assert!(page.contains(&format!("hx-get=\"/cases/{id}/team-candidates\"")));
    let options = b
        .page(&format!(
            "/cases/{id}/team-candidates?member_email=Dan&team_role=treatment_provider"
        ))
        .await;
    assert!(
        options.contains(
            "<option value=\"dana.reyes@sonomacounseling.example\">Dana Reyes (Sonoma Counseling)</option>"
        ),
        "{options}"
    );
    assert!(!options.contains("<html"), "a fragment, not a page");
    // Too little typed: no suggestions, not an error.
    let options = b
        .page(&format!(
            "/cases/{id}/team-candidates?member_email=D&team_role=treatment_provider"
        ))
        .await;
    assert!(!options.contains("<option"), "{options}");
    // Someone not on the team gets what the case page gives them.
    let poly = actor(&w.app, "ex@poly.example")
        .await
        .user
        .unwrap()
        .agency_id;
    let outsider = w
        .app
        .app
        .add_user(
            &Actor::console(),
            poly,
            "ex2@poly.example",
            "Second Examiner",
            &[Role::PolygraphExaminer],
            now,
        )
        .await
        .unwrap();
    let mut stranger = w
        .app
        .signed_in("ex2@poly.example", &outsider.one_time_password)
        .await;
    assert_eq!(
        stranger
            .get(&format!(
                "/cases/{id}/team-candidates?role=treatment_provider&q=dan"
            ))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
