//! Risk scores: computed from their items, valid only from a certified scorer, and followed
//! through their chain to DOJ under the rules of their scoring date.

use chrono::{Duration, NaiveDate, Utc};
use containment_app::{Actor, AppError, ScoreInput, StepInput};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::instrument::Instrument;
use containment_domain::score_chain::ChainStep;
use containment_testkit::{Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::{World, actor, case, world};

both_backends!(
    a_static_99r_needs_a_certified_scorer_on_its_scoring_date,
    a_stable_2007_goes_from_scoring_to_doj,
    the_2012_rules_give_the_officer_five_working_days,
    scores_in_the_api_and_the_printable_report,
);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn certify_scorer(w: &World, email: &str, instrument: &str, issued: NaiveDate) {
    w.app
        .app
        .add_certification(
            &Actor::console(),
            &containment_app::CertificationInput {
                kind: "saratso_scorer".into(),
                holder_email: email.into(),
                instrument: instrument.into(),
                number: format!("S-{instrument}-{email}"),
                issued_on: issued.to_string(),
                expires_on: (issued + Duration::days(730)).to_string(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

/// A case with the provider and examiner on its team; returns its id.
async fn staffed_case(w: &World, name: &str) -> i64 {
    let now = Utc::now();
    let today = local_date(now);
    let id = w
        .app
        .app
        .open_case(&w.officer, &case(name, ""), now)
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
        (w.examiner_email.as_str(), TeamRole::PolygraphExaminer),
    ] {
        w.app
            .app
            .add_team_member(&w.officer, episode, email, role, today, now)
            .await
            .unwrap();
    }
    id
}

pub(crate) fn static99r(scored_on: &str) -> ScoreInput {
    ScoreInput {
        instrument: "static99r".into(),
        scored_on: scored_on.into(),
        reason: "pre_sentence".into(),
        // Born 1980-02-29, released 2026-01-10: 45 years, -1.
        release_date: "2026-01-10".into(),
        // Lived with a partner (0), index violence (1), prior violence (0), non-contact (0),
        // unrelated (1), stranger (1), male (0).
        yes_no: [
            Some(true),
            Some(true),
            Some(false),
            Some(false),
            Some(true),
            Some(true),
            Some(false),
        ],
        // 3 charges, 1 conviction: the higher row is 3-5 charges, 2 points; 4 sentencing
        // dates: 1.
        counts: ["3".into(), "1".into(), "4".into()],
        ..Default::default()
    }
}

async fn a_static_99r_needs_a_certified_scorer_on_its_scoring_date(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed_case(&w, "Score Case").await;
    let admin_user = w
        .app
        .user(
            w.officer.user.as_ref().unwrap().agency_id,
            "admin@sonoma.example",
            &[Role::AgencyAdmin],
        )
        .await;
    let admin = actor(&w.app, &admin_user.0.email.to_string()).await;

    // Not certified at all: refused, with the reason.
    let err = w
        .app
        .app
        .record_score(&w.officer, id, &static99r(&today.to_string()), now)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("no current SARATSO certification for Static-99R")),
        "{err:?}"
    );
    // Certified from 100 days ago: the day before is refused, the first day accepted.
    let issued = today - Duration::days(100);
    certify_scorer(&w, "po@sonoma.example", "static99r", issued).await;
    let day_before = (issued - Duration::days(1)).to_string();
    assert!(matches!(
        w.app
            .app
            .record_score(&w.officer, id, &static99r(&day_before), now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
    let score = w
        .app
        .app
        .record_score(&w.officer, id, &static99r(&issued.to_string()), now)
        .await
        .unwrap();
    // The provider does not score static risk; a STABLE-2007 certification for the officer
    // would not make a Static-99R valid either.
    assert!(matches!(
        w.app
            .app
            .record_score(&w.provider, id, &static99r(&today.to_string()), now)
            .await,
        Err(AppError::Forbidden(_) | AppError::NotFound)
    ));
    // Bad answers are refused field by field and nothing is stored.
    let mut bad = static99r(&today.to_string());
    bad.yes_no[4] = Some(false); // stranger victim but not unrelated
    bad.counts[0] = "many".into();
    bad.yes_no[0] = None;
    let err = w
        .app
        .app
        .record_score(&w.officer, id, &bad, now)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("item 2: answer yes or no"), "{msg}");
    assert!(msg.contains("prior sex charges"), "{msg}");
    let mut future = static99r(&(today + Duration::days(1)).to_string());
    future.reason = "intake".into();
    assert!(
        w.app
            .app
            .record_score(&w.officer, id, &future, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("in the future")
    );

    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    assert_eq!(view.scores.len(), 1);
    let s = &view.scores[0];
    assert_eq!(s.record.id, score);
    // -1 + 0 + 1 + 0 + 2 + 1 + 0 + 1 + 1 + 0 = 5: Level IVa, pre-2016 moderate-high.
    assert_eq!(s.record.total, 5);
    assert_eq!(s.record.level, "level_iva");
    assert_eq!(s.record.pre2016_category.as_deref(), Some("moderate_high"));
    assert!(s.record.scorer_certified);
    let items = containment_app::score_items(&s.record);
    assert_eq!(items.len(), 10);
    assert_eq!(items[0].points, -1);
    assert_eq!(items[4].points, 2);
    // R3: the provider reviews it.
    assert_eq!(s.waiting.len(), 1);
    assert_eq!(s.waiting[0].step, ChainStep::ProviderReview);
    assert_eq!(s.waiting[0].responsible, TeamRole::TreatmentProvider);
    assert!(s.may_record.is_empty(), "the officer does not review");

    // The officer cannot take the provider's step; the provider can, once.
    let review = StepInput {
        step: "provider_review".into(),
        on: today.to_string(),
        ..Default::default()
    };
    assert!(matches!(
        w.app
            .app
            .record_score_step(&w.officer, id, score, &review, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    w.app
        .app
        .record_score_step(&w.provider, id, score, &review, now)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .record_score_step(&w.provider, id, score, &review, now)
            .await,
        Err(AppError::Conflict(_))
    ));
    let view = w
        .app
        .app
        .case_view(&w.provider, id, now, today)
        .await
        .unwrap();
    assert!(view.scores[0].waiting.is_empty());

    // An uncertified score: refused for the officer even with a reason; the owning agency's
    // admin records it, marked as such.
    let mut cdcr = static99r(&(issued - Duration::days(30)).to_string());
    cdcr.uncertified_reason = "Scored by CDCR before release; scorer not in our registry".into();
    assert!(
        w.app
            .app
            .record_score(&w.officer, id, &cdcr, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("only the owning agency's admin")
    );
    cdcr.scorer_email = "po@sonoma.example".into();
    let historic = w
        .app
        .app
        .record_score(&admin, id, &cdcr, now)
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    let h = view
        .scores
        .iter()
        .find(|s| s.record.id == historic)
        .unwrap();
    assert!(!h.record.scorer_certified);
    assert_eq!(h.record.recorded_by, admin.user_id().unwrap());
    assert_eq!(h.record.scorer_user_id, w.officer.user_id().unwrap());
    assert!(
        view.timeline
            .iter()
            .any(|t| t.what == "Risk score recorded")
    );
}

pub(crate) fn stable(scored_on: NaiveDate, child_victim: bool) -> ScoreInput {
    let mut items: Vec<String> = [
        "1", "2", "1", "0", "1", "1", "2", "1", "0", "1", "1", "0", "1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if !child_victim {
        items[2] = String::new();
    }
    ScoreInput {
        instrument: "stable2007".into(),
        scored_on: scored_on.to_string(),
        reason: "intake".into(),
        child_victim,
        items,
        ..Default::default()
    }
}

async fn a_stable_2007_goes_from_scoring_to_doj(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed_case(&w, "Stable Case").await;
    certify_scorer(
        &w,
        "dr@northbay.example",
        "stable2007",
        today - Duration::days(400),
    )
    .await;
    let scored = today - Duration::days(20);
    // The officer records no dynamic scores.
    assert!(
        w.app
            .app
            .record_score(&w.officer, id, &stable(scored, true), now)
            .await
            .is_err()
    );
    // A rating more or fewer than the 13 items is refused, naming the count.
    for count in [12, 14] {
        let mut odd = stable(scored, true);
        odd.items.resize(count, "0".into());
        let err = w
            .app
            .app
            .record_score(&w.provider, id, &odd, now)
            .await
            .unwrap_err();
        // One problem, whose sentence holds "; ": it reaches the form whole.
        let AppError::InvalidInput(problems) = &err else {
            panic!("{err:?}")
        };
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        let whole = format!("STABLE-2007 has 13 items; {count} ratings were given");
        assert!(messages.iter().any(|m| m.contains(&whole)), "{messages:?}");
    }
    // Item 3 given without a child victim is refused; without it the maximum is 24.
    let mut wrong = stable(scored, false);
    wrong.items[2] = "1".into();
    assert!(
        w.app
            .app
            .record_score(&w.provider, id, &wrong, now)
            .await
            .is_err()
    );
    let without = w
        .app
        .app
        .record_score(&w.provider, id, &stable(scored, false), now)
        .await
        .unwrap();
    let with = w
        .app
        .app
        .record_score(&w.provider, id, &stable(scored, true), now)
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    let total = |sid: i64| {
        view.scores
            .iter()
            .find(|s| s.record.id == sid)
            .map(|s| (s.record.total, s.record.level.clone()))
            .unwrap()
    };
    // 1+2+0+1+1+2+1+0+1+1+0+1 = 11 (moderate); with item 3 rated 1: 12 (high).
    assert_eq!(total(without), (11, "moderate".into()));
    assert_eq!(total(with), (12, "high".into()));

    // Under the 2025 rules the provider owes both the sharing (30 days) and DOJ (30 days).
    let s = view.scores.iter().find(|s| s.record.id == with).unwrap();
    let steps: Vec<(ChainStep, Option<NaiveDate>)> =
        s.waiting.iter().map(|w| (w.step, w.due)).collect();
    assert_eq!(
        steps,
        vec![
            (
                ChainStep::SharedWithOfficer,
                Some(scored + Duration::days(30))
            ),
            (ChainStep::DojSubmission, Some(scored + Duration::days(30))),
        ]
    );
    assert!(s.may_record.is_empty(), "the officer takes neither step");

    let step = |step: &str, on: NaiveDate| StepInput {
        step: step.into(),
        on: on.to_string(),
        ..Default::default()
    };
    // Receipt before sharing is out of order; sharing needs the written interpretation.
    assert!(matches!(
        w.app
            .app
            .record_score_step(&w.officer, id, with, &step("officer_receipt", today), now)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert!(
        w.app
            .app
            .record_score_step(
                &w.provider,
                id,
                with,
                &step("shared_with_officer", today),
                now
            )
            .await
            .unwrap_err()
            .to_string()
            .contains("interpretation")
    );
    let mut share = step("shared_with_officer", scored + Duration::days(2));
    share.interpretation = "High on the dynamic factors of sexual self-regulation.".into();
    w.app
        .app
        .record_score_step(&w.provider, id, with, &share, now)
        .await
        .unwrap();
    // A receipt dated before the sharing is refused.
    assert!(matches!(
        w.app
            .app
            .record_score_step(
                &w.officer,
                id,
                with,
                &step("officer_receipt", scored + Duration::days(1)),
                now
            )
            .await,
        Err(AppError::Conflict(_))
    ));
    w.app
        .app
        .record_score_step(
            &w.officer,
            id,
            with,
            &step("officer_receipt", scored + Duration::days(3)),
            now,
        )
        .await
        .unwrap();
    // DOJ under 2025: the provider, with the method; the officer may not.
    let mut doj = step("doj_submission", scored + Duration::days(5));
    assert!(
        w.app
            .app
            .record_score_step(&w.provider, id, with, &doj, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("method")
    );
    doj.method = "SARATSO database".into();
    doj.reference = "DOJ-2026-0001".into();
    assert!(matches!(
        w.app
            .app
            .record_score_step(&w.officer, id, with, &doj, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    w.app
        .app
        .record_score_step(&w.provider, id, with, &doj, now)
        .await
        .unwrap();
    let view = w
        .app
        .app
        .case_view(&w.officer, id, now, today)
        .await
        .unwrap();
    let s = view.scores.iter().find(|s| s.record.id == with).unwrap();
    assert!(s.waiting.is_empty());
    assert_eq!(s.steps.len(), 3);

    // The submission appears in the export for the officer, not for an unrelated officer.
    let rows = w
        .app
        .app
        .doj_submissions(&w.officer, scored, today, now)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].instrument, Instrument::Stable2007);
    assert_eq!(rows[0].reference, "DOJ-2026-0001");
    assert_eq!(rows[0].total, 12);
    let stranger_agency = w
        .app
        .agency(
            "Marin County Probation",
            containment_testkit::AgencyKind::ProbationDepartment,
        )
        .await;
    w.app
        .user(
            stranger_agency.id,
            "po@marin.example",
            &[Role::SupervisingOfficer],
        )
        .await;
    let stranger = actor(&w.app, "po@marin.example").await;
    assert!(
        w.app
            .app
            .doj_submissions(&stranger, scored, today, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        w.app
            .app
            .doj_submissions(&w.officer, today, scored, now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
}

async fn the_2012_rules_give_the_officer_five_working_days(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed_case(&w, "Old Rules Case").await;
    certify_scorer(&w, "dr@northbay.example", "stable2007", d("2024-01-02")).await;
    let score = w
        .app
        .app
        .record_score(&w.provider, id, &stable(d("2024-11-01"), false), now)
        .await
        .unwrap();
    let mut share = StepInput {
        step: "shared_with_officer".into(),
        on: "2024-11-20".into(),
        interpretation: "Moderate.".into(),
        ..Default::default()
    };
    w.app
        .app
        .record_score_step(&w.provider, id, score, &share, now)
        .await
        .unwrap();
    // Under ca-2012 the DOJ step waits on the officer's receipt.
    share.step = "doj_submission".into();
    share.method = "SARATSO database".into();
    assert!(matches!(
        w.app
            .app
            .record_score_step(&w.provider, id, score, &share, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    w.app
        .app
        .record_score_step(
            &w.officer,
            id,
            score,
            &StepInput {
                step: "officer_receipt".into(),
                on: "2024-11-22".into(),
                ..Default::default()
            },
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
    let s = &view.scores[0];
    assert_eq!(s.waiting.len(), 1);
    assert_eq!(s.waiting[0].step, ChainStep::DojSubmission);
    assert_eq!(s.waiting[0].responsible, TeamRole::SupervisingOfficer);
    // Received Friday 22 Nov 2024; Thanksgiving and the day after are holidays: due Tue 3 Dec.
    assert_eq!(s.waiting[0].due, Some(d("2024-12-03")));
    assert_eq!(s.may_record, vec![ChainStep::DojSubmission]);
}

async fn scores_in_the_api_and_the_printable_report(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed_case(&w, "Api Score Case").await;
    certify_scorer(
        &w,
        "po@sonoma.example",
        "static99r",
        today - Duration::days(10),
    )
    .await;
    let token = w
        .app
        .app
        .create_token(
            &Actor::console(),
            &containment_domain::Email::parse("po@sonoma.example").unwrap(),
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let post = |path: String, body: Value| {
        let client = w.app.client.clone();
        let url = w.app.url(&path);
        let token = token.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // The stateless calculator: age 35.0 at release gives 0 for item 1.
    let res = post(
        "/api/v1/instruments/static99r/score".into(),
        json!({
            "date_of_birth": "1990-03-15", "release_date": "2025-03-15",
            "lived_with_partner_two_years": false, "index_nonsexual_violence": false,
            "prior_nonsexual_violence": false, "prior_sex_charges": 0, "prior_sex_convictions": 0,
            "prior_sentencing_dates": 0, "noncontact_sex_offense": false, "unrelated_victim": false,
            "stranger_victim": false, "male_victim": false
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["age_at_release"], 35);
    assert_eq!(got["items"][0]["points"], 0);
    assert_eq!(got["total"], 1);
    assert_eq!(got["level"], "level_iii");
    assert_eq!(got["high_risk"], false);
    let res = post(
        "/api/v1/instruments/static99r/score".into(),
        json!({
            "date_of_birth": "2010-01-01", "release_date": "2025-03-15",
            "lived_with_partner_two_years": false, "index_nonsexual_violence": false,
            "prior_nonsexual_violence": false, "prior_sex_charges": 0, "prior_sex_convictions": 0,
            "prior_sentencing_dates": 0, "noncontact_sex_offense": false, "unrelated_victim": false,
            "stranger_victim": false, "male_victim": false
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Recording through the API, then reading it back with its chain.
    let res = post(
        format!("/api/v1/supervisees/{id}/scores"),
        json!({
            "instrument": "static99r", "scored_on": today.to_string(), "reason": "pre_sentence",
            "static99r": {
                "release_date": "2026-01-10", "lived_with_partner_two_years": true,
                "index_nonsexual_violence": false, "prior_nonsexual_violence": false,
                "prior_sex_charges": 0, "prior_sex_convictions": 0, "prior_sentencing_dates": 0,
                "noncontact_sex_offense": false, "unrelated_victim": false,
                "stranger_victim": false, "male_victim": false
            }
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let score = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let list: Value = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/supervisees/{id}/scores")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], score);
    // Age 45 at release (-1), everything else 0: -1, Level II.
    assert_eq!(list[0]["total"], -1);
    assert_eq!(list[0]["level"], "level_ii");
    assert_eq!(list[0]["waiting"][0]["step"], "provider_review");
    assert_eq!(list[0]["waiting"][0]["responsible"], "treatment_provider");
    // The provider's step is refused to the officer: 403 in the API's error format.
    let res = post(
        format!("/api/v1/supervisees/{id}/scores/{score}/steps"),
        json!({"step": "provider_review", "on": today.to_string()}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");

    // The printable report.
    let res = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/supervisees/{id}/scores/{score}/report.pdf"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["x-record-notice"]
            .to_str()
            .unwrap()
            .contains("re-disseminate")
    );
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}
