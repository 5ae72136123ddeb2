//! Treatment, the monthly communication and self-reports: the one-year rule, confirmation by
//! the other side, both acknowledgements, and the information wall.

use chrono::{Datelike, Duration, Utc};
use containment_app::{
    Actor, AppError, ContactInput, SelfReportInput, TreatmentEndInput, TreatmentInput,
};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::compliance::ObligationStatus;
use containment_domain::policy::RuleId;
use containment_testkit::{AgencyKind, Role, TestDb, both_backends};

use crate::cases::{World, actor, case, world};

both_backends!(
    treatment_ends_before_a_year_only_with_a_reason_and_stays_behind_the_wall,
    a_contact_is_unconfirmed_until_the_other_side_confirms_it,
    a_self_report_notifies_both_and_waits_for_both_acknowledgements,
    the_self_report_notice_gives_the_countys_deadline,
    an_assessment_is_due_in_90_days_and_completed_by_the_provider,
);

/// A case with provider, examiner and a deputy on the team and a court waiver covering
/// progress and dynamic-risk discussion; returns its id and the deputy.
pub(crate) async fn setup(w: &World, name: &str) -> (i64, Actor) {
    let (id, deputy) = staffed(w, name).await;
    court_waiver(w, id, &["progress", "dynamic_risk_discussion"]).await;
    (id, deputy)
}

/// Records a court waiver letting officer, provider and examiner receive these categories.
pub(crate) async fn court_waiver(w: &World, id: i64, categories: &[&str]) {
    court_waiver_by(w, &w.officer, id, categories).await;
}

/// The same, recorded by this officer on the team.
pub(crate) async fn court_waiver_by(
    w: &World,
    officer: &containment_app::Actor,
    id: i64,
    categories: &[&str],
) {
    w.app
        .app
        .record_waiver(
            officer,
            id,
            &containment_app::WaiverInput {
                basis: "pc_1203_067_b4".into(),
                discloser: "North Bay Treatment".into(),
                recipient_roles: vec![
                    "supervising_officer".into(),
                    "treatment_provider".into(),
                    "polygraph_examiner".into(),
                ],
                categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                effective_on: "2026-01-15".into(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

/// A case with provider, examiner and a deputy on the team and no waiver; returns its id and
/// the deputy.
pub(crate) async fn staffed(w: &World, name: &str) -> (i64, Actor) {
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
    let sheriff = w
        .app
        .agency("Sonoma County Sheriff", AgencyKind::LawEnforcement)
        .await;
    w.app
        .user(sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement])
        .await;
    for (email, role) in [
        ("dr@northbay.example", TeamRole::TreatmentProvider),
        (w.examiner_email.as_str(), TeamRole::PolygraphExaminer),
        ("dep@sheriff.example", TeamRole::RegisteringLawEnforcement),
    ] {
        w.app
            .app
            .add_team_member(&w.officer, episode, email, role, today, now)
            .await
            .unwrap();
    }
    (id, actor(&w.app, "dep@sheriff.example").await)
}

async fn treatment_ends_before_a_year_only_with_a_reason_and_stays_behind_the_wall(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = setup(&w, "Treated Case").await;
    let start = today - Duration::days(200);
    let input = TreatmentInput {
        kind: "post_conviction".into(),
        start_date: start.to_string(),
        referral_date: (start - Duration::days(10)).to_string(),
        intensity: "Weekly group (moderate risk)".into(),
        targets: "Sexual self-regulation; intimacy deficits".into(),
        ..Default::default()
    };
    // The officer does not enroll people in treatment.
    assert!(matches!(
        w.app
            .app
            .enroll_treatment(&w.officer, id, &input, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // The treating provider is the team's, certified on the start date (issued 200 days ago):
    // the day before is refused, the day itself accepted below.
    let mut early = input.clone();
    early.start_date = (start - Duration::days(1)).to_string();
    let err = w
        .app
        .app
        .enroll_treatment(&w.provider, id, &early, now)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("certification on the start date"),
        "{err}"
    );
    let mut elsewhere = input.clone();
    elsewhere.provider_email = "po@sonoma.example".into();
    let err = w
        .app
        .app
        .enroll_treatment(&w.provider, id, &elsewhere, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("on this case's team"), "{err}");
    let treatment = w
        .app
        .app
        .enroll_treatment(&w.provider, id, &input, now)
        .await
        .unwrap()
        .id;
    let end = |version: i32, reason: &str| TreatmentEndInput {
        version,
        end_date: today.to_string(),
        outcome: "terminated".into(),
        reason: reason.into(),
    };
    // Ending after 200 days needs a reason; a stale version is refused.
    let err = w
        .app
        .app
        .end_treatment(&w.provider, id, treatment, &end(1, " "), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("before one year (R8)"), "{err}");
    assert!(matches!(
        w.app
            .app
            .end_treatment(&w.provider, id, treatment, &end(7, "moved away"), now)
            .await,
        Err(AppError::Stale { current_version: 1 })
    ));
    w.app
        .app
        .end_treatment(
            &w.provider,
            id,
            treatment,
            &end(1, "Absconded; warrant issued"),
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .end_treatment(&w.provider, id, treatment, &end(2, "again"), now)
            .await,
        Err(AppError::Conflict(_))
    ));
    // The case shows it: R8 is not met, and is not overdue before its year is out (a new
    // treatment may still make it up).
    let list = w
        .app
        .app
        .case_obligations(&w.officer, id, today, now)
        .await
        .unwrap();
    let r8 = list
        .iter()
        .find(|o| o.obligation.key.rule == RuleId::R8)
        .unwrap();
    assert_eq!(r8.obligation.status, ObligationStatus::Upcoming);
    assert_eq!(r8.obligation.met_on, None);
    assert!(
        r8.explanation.contains("treatment ended: terminated"),
        "{}",
        r8.explanation
    );
    // The officer reads it under the court waiver; law enforcement does not.
    let officer_view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    let treatments = officer_view.treatments.unwrap();
    assert_eq!(
        treatments[0].end_reason.as_deref(),
        Some("Absconded; warrant issued")
    );
    let deputy_view = w.app.app.treatment_view(&deputy, id, now).await;
    assert!(
        deputy_view.is_err() || deputy_view.unwrap().treatments.is_none(),
        "no treatment information for law enforcement"
    );

    // A termination always says why, whatever the kind of treatment; a transfer need not.
    let pre_trial = |start: chrono::NaiveDate| TreatmentInput {
        kind: "pre_trial".into(),
        start_date: start.to_string(),
        ..Default::default()
    };
    for (outcome, reason, refused) in [
        ("terminated", "", true),
        ("terminated", "Stopped attending", false),
        ("transferred", "", false),
    ] {
        let t = w
            .app
            .app
            .enroll_treatment(&w.provider, id, &pre_trial(today - Duration::days(30)), now)
            .await
            .unwrap()
            .id;
        let result = w
            .app
            .app
            .end_treatment(
                &w.provider,
                id,
                t,
                &TreatmentEndInput {
                    version: 1,
                    end_date: today.to_string(),
                    outcome: outcome.into(),
                    reason: reason.into(),
                },
                now,
            )
            .await;
        assert_eq!(result.is_err(), refused, "{outcome} {reason:?}: {result:?}");
        if refused {
            assert!(
                result
                    .unwrap_err()
                    .to_string()
                    .contains("why the provider terminated"),
            );
            w.app
                .app
                .end_treatment(
                    &w.provider,
                    id,
                    t,
                    &TreatmentEndInput {
                        version: 1,
                        end_date: today.to_string(),
                        outcome: "transferred".into(),
                        reason: String::new(),
                    },
                    now,
                )
                .await
                .unwrap();
        }
    }
}

async fn a_contact_is_unconfirmed_until_the_other_side_confirms_it(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "Contact Case").await;
    let first_of_month = today.with_day(1).unwrap();
    w.app
        .app
        .enroll_treatment(
            &w.provider,
            id,
            &TreatmentInput {
                kind: "post_conviction".into(),
                start_date: first_of_month.to_string(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let input = ContactInput {
        on: first_of_month.to_string(),
        mode: "phone".into(),
        topics: vec!["progress".into(), "dynamic_risk".into()],
        notes: "Attending; disclosed deviant fantasies managed with coping plan.".into(),
    };
    // Bad input refused with the reasons.
    let err = w
        .app
        .app
        .record_contact(
            &w.provider,
            id,
            &ContactInput {
                on: "tomorrow".into(),
                mode: "carrier_pigeon".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a date") && err.contains("contact mode") && err.contains("topics"),
        "{err}"
    );
    let contact = w
        .app
        .app
        .record_contact(&w.provider, id, &input, now)
        .await
        .unwrap();
    let r1 = |who: Actor| {
        let app = w.app.app.clone();
        async move {
            app.case_obligations(&who, id, today, now)
                .await
                .unwrap()
                .into_iter()
                .find(|o| o.obligation.key.rule == RuleId::R1)
                .unwrap()
        }
    };
    // One side only: unconfirmed, the month not met.
    let month = r1(w.officer.clone()).await;
    assert!(month.obligation.met_on.is_none());
    assert!(
        month.explanation.contains("unconfirmed"),
        "{}",
        month.explanation
    );
    // The provider cannot confirm their own note; the officer can, once.
    assert!(matches!(
        w.app
            .app
            .confirm_contact(&w.provider, id, contact, now)
            .await,
        Err(AppError::Conflict(_))
    ));
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert!(view.contacts[0].may_confirm);
    w.app
        .app
        .confirm_contact(&w.officer, id, contact, now)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .confirm_contact(&w.officer, id, contact, now)
            .await,
        Err(AppError::Conflict(_))
    ));
    let month = r1(w.officer.clone()).await;
    assert_eq!(month.obligation.status, ObligationStatus::MetOnTime);
    assert_eq!(month.obligation.met_on, Some(first_of_month));
    // The notes travel only under the waiver: the examiner's waiver covers them, and the
    // court waiver does not reach law enforcement.
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert!(view.contacts[0].confirmed);
    assert!(
        view.contacts[0]
            .record
            .notes
            .open(&view.clearance)
            .unwrap()
            .contains("coping plan")
    );
}

async fn a_self_report_notifies_both_and_waits_for_both_acknowledgements(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = setup(&w, "Report Case").await;
    let input = SelfReportInput {
        reported_on: today.to_string(),
        category: "contact_with_minors".into(),
        behavior: "Stayed at a family party where children were present.".into(),
        reported_to: "provider, by phone".into(),
    };
    // Law enforcement does not record self-reports.
    assert!(
        w.app
            .app
            .record_self_report(&deputy, id, &input, now)
            .await
            .is_err()
    );
    let report = w
        .app
        .app
        .record_self_report(&w.provider, id, &input, now)
        .await
        .unwrap();
    // Both are notified at once.
    for who in [&w.officer, &w.provider] {
        let notes = w.app.app.notifications(who, now).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.kind == "self_report" && n.message.contains("R13")),
            "{notes:?}"
        );
    }
    let r13 = |who: Actor| {
        let app = w.app.app.clone();
        async move {
            app.case_obligations(&who, id, today, now)
                .await
                .unwrap()
                .into_iter()
                .filter(|o| o.obligation.key.rule == RuleId::R13)
                .map(|o| (o.obligation.key.part, o.obligation.met_on))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(r13(w.officer.clone()).await, vec![(0, None), (1, None)]);
    w.app
        .app
        .acknowledge_self_report(&w.provider, id, report, now)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .acknowledge_self_report(&w.provider, id, report, now)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(
        r13(w.officer.clone()).await,
        vec![(0, Some(today)), (1, None)]
    );
    w.app
        .app
        .acknowledge_self_report(&w.officer, id, report, now)
        .await
        .unwrap();
    assert_eq!(
        r13(w.officer.clone()).await,
        vec![(0, Some(today)), (1, Some(today))]
    );
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert_eq!(view.self_reports.unwrap()[0].officer_ack_on, Some(today));
}

async fn an_assessment_is_due_in_90_days_and_completed_by_the_provider(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = setup(&w, "Assessed Case").await;
    let referred = today - Duration::days(100);
    // Law enforcement does not refer; a bad kind is refused.
    assert!(
        w.app
            .app
            .refer_assessment(&deputy, id, "psychosexual", &referred.to_string(), now)
            .await
            .is_err()
    );
    assert!(matches!(
        w.app
            .app
            .refer_assessment(&w.officer, id, "tarot", &referred.to_string(), now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
    let a = w
        .app
        .app
        .refer_assessment(&w.officer, id, "psychosexual", &referred.to_string(), now)
        .await
        .unwrap();
    let r7 = |who: Actor| {
        let app = w.app.app.clone();
        async move {
            app.case_obligations(&who, id, today, now)
                .await
                .unwrap()
                .into_iter()
                .find(|o| o.obligation.key.rule == RuleId::R7)
                .unwrap()
        }
    };
    // Referred 100 days ago: due on day 90, overdue now.
    let open = r7(w.officer.clone()).await;
    assert_eq!(open.obligation.due, Some(referred + Duration::days(90)));
    assert_eq!(open.obligation.status, ObligationStatus::Overdue);
    // Only the provider completes it, with the areas covered, never before the referral.
    let areas: Vec<String> = ["1", "2", "8", "12", "20"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert!(matches!(
        w.app
            .app
            .complete_assessment(&w.officer, id, a, &today.to_string(), &areas, "", now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let err = w
        .app
        .app
        .complete_assessment(
            &w.provider,
            id,
            a,
            &(referred - Duration::days(1)).to_string(),
            &["21".to_owned()],
            "",
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("before the referral") && err.contains("20 areas"),
        "{err}"
    );
    w.app
        .app
        .complete_assessment(
            &w.provider,
            id,
            a,
            &today.to_string(),
            &areas,
            "Moderate risk; deviant arousal to be addressed.",
            now,
        )
        .await
        .unwrap();
    // Completed on day 100: met late, within the 120-day limit.
    let done = r7(w.officer.clone()).await;
    assert_eq!(done.obligation.status, ObligationStatus::MetLate);
    assert_eq!(done.obligation.met_on, Some(today));
    assert!(
        !done.explanation.contains("120-day limit"),
        "{}",
        done.explanation
    );
    assert!(matches!(
        w.app
            .app
            .complete_assessment(&w.provider, id, a, &today.to_string(), &areas, "", now)
            .await,
        Err(AppError::Conflict(_))
    ));
    // The officer reads the areas under the court waiver.
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    let assessment = &view.assessments[0];
    assert_eq!(
        assessment.areas.open(&view.clearance),
        Some(&vec![1, 2, 8, 12, 20])
    );
    assert!(
        assessment
            .summary
            .open(&view.clearance)
            .unwrap()
            .contains("deviant arousal")
    );
}

async fn the_self_report_notice_gives_the_countys_deadline(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "County Report Case").await;
    // The case is Sonoma's; Sonoma wants self-reports acknowledged within one working day.
    w.app
        .app
        .set_county_policy(&Actor::console(), "Sonoma", "R13.working_days = 1", "", now)
        .await
        .unwrap();
    w.app
        .app
        .record_self_report(
            &w.provider,
            id,
            &SelfReportInput {
                reported_on: today.to_string(),
                category: "contact_with_minors".into(),
                behavior: "Went to a park near a school.".into(),
                reported_to: "both".into(),
            },
            now,
        )
        .await
        .unwrap();
    let obligation_due = w
        .app
        .app
        .case_obligations(&w.officer, id, today, now)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.obligation.key.rule == RuleId::R13)
        .and_then(|o| o.obligation.due)
        .unwrap();
    let state = containment_domain::calendar::Calendar::california();
    assert_eq!(obligation_due, state.add_working_days(today, 1));
    let note = w
        .app
        .app
        .notifications(&w.officer, now)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind == "self_report")
        .unwrap();
    assert_eq!(note.due_on, obligation_due);
    assert!(
        note.message
            .contains(&obligation_due.format("%b %-d, %Y").to_string()),
        "{}",
        note.message
    );
    // The case is named by its number, never by its internal id.
    // No CII or CDCR number on this case: its court case number.
    assert!(
        note.message.starts_with("Case SCR-123456: Self-report"),
        "{}",
        note.message
    );
    assert!(
        !note.message.contains(&format!("case {id}")),
        "{}",
        note.message
    );
}
