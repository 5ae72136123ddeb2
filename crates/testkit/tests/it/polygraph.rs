//! Polygraph exams: recorded only by the team's examiner with a PCSOT certification current on
//! the exam date, results of the exam type's family, disclosures behind the waiver wall, the
//! next maintenance exam and follow-up actions.

use chrono::{Duration, Months, NaiveDate, Utc};
use containment_app::{Actor, AppError, ExamInput, FollowupInput};
use containment_domain::access::TeamRole;
use containment_domain::audit::AuditContent;
use containment_domain::case::local_date;
use containment_domain::polygraph::{DisclosureCategory, ExamResult, ExamType};
use containment_storage::AuditFilter;
use containment_testkit::{AgencyKind, Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::{World, actor, case, world};

both_backends!(
    an_exam_needs_a_current_pcsot_certification_on_its_date,
    only_the_examiner_records_and_only_results_of_the_family,
    disclosures_stay_behind_the_waiver_wall,
    the_next_maintenance_exam_and_follow_up_actions,
    the_polygraph_page_and_the_obligations_agree_on_the_next_maintenance_exam,
    exams_in_the_api_and_on_the_page,
    the_team_drafts_referral_questions_that_one_exam_takes_up,
);

/// A case with the provider and the world's examiner on its team; returns its id and episode.
async fn staffed(w: &World, name: &str) -> (i64, i64) {
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
    (id, episode)
}

/// Adds a second examiner, PCSOT-certified from `issued` for a year and a half, and puts them
/// on the case's team. Returns them with their one-time password.
async fn second_examiner(w: &World, episode: i64, issued: NaiveDate) -> (Actor, String) {
    let now = Utc::now();
    let firm = w
        .app
        .agency("Truth Polygraph", AgencyKind::PolygraphFirm)
        .await;
    let (_, password) = w
        .app
        .user(firm.id, "ex2@truth.example", &[Role::PolygraphExaminer])
        .await;
    w.app
        .app
        .add_certification(
            &Actor::console(),
            &containment_app::CertificationInput {
                kind: "polygraph_pcsot".into(),
                holder_email: "ex2@truth.example".into(),
                number: "PE-2".into(),
                issued_on: issued.to_string(),
                expires_on: (issued + Duration::days(540)).to_string(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "ex2@truth.example",
            TeamRole::PolygraphExaminer,
            local_date(now),
            now,
        )
        .await
        .unwrap();
    (actor(&w.app, "ex2@truth.example").await, password)
}

/// Registering law enforcement on the episode's team, from today.
async fn deputy_on_team(w: &World, episode: i64) -> Actor {
    let now = Utc::now();
    let sheriff = w
        .app
        .agency("Sonoma County Sheriff", AgencyKind::LawEnforcement)
        .await;
    w.app
        .user(sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement])
        .await;
    w.app
        .app
        .add_team_member(
            &w.officer,
            episode,
            "dep@sheriff.example",
            TeamRole::RegisteringLawEnforcement,
            local_date(now),
            now,
        )
        .await
        .unwrap();
    actor(&w.app, "dep@sheriff.example").await
}

fn exam(exam_type: ExamType, on: NaiveDate, result: ExamResult, disclosures: &str) -> ExamInput {
    ExamInput {
        exam_type: exam_type.code().into(),
        exam_date: on.to_string(),
        referral_questions: "Since your last exam, have you had contact with a minor?".into(),
        result: result.code().into(),
        disclosures: disclosures.into(),
        disclosure_categories: if disclosures.is_empty() {
            Vec::new()
        } else {
            vec!["new_victim".into(), "unreported_offense".into()]
        },
        referral_id: String::new(),
    }
}

async fn events(w: &World, id: i64) -> Vec<AuditContent> {
    let tx = w.app.app.store().begin().await.unwrap();
    tx.audit_events(
        &AuditFilter {
            object_id: Some(id.to_string()),
            ..Default::default()
        },
        500,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.content)
    .collect()
}

async fn an_exam_needs_a_current_pcsot_certification_on_its_date(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, episode) = staffed(&w, "Certified Exam").await;
    let issued = today - Duration::days(100);
    let (examiner, _) = second_examiner(&w, episode, issued).await;

    // The day before the certification was issued: refused, with the reason.
    let day_before = issued - Duration::days(1);
    let err = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(ExamType::SexualHistory, day_before, ExamResult::Ndi, ""),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m)
            if m.to_string().contains("no current") && m.to_string().contains("PCSOT") && m.to_string().contains(&day_before.to_string())),
        "{err:?}"
    );
    // The issue day: accepted.
    let exam_id = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(ExamType::SexualHistory, issued, ExamResult::Ndi, ""),
            now,
        )
        .await
        .unwrap();
    // A date in the future is refused whatever the certification.
    let err = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(
                ExamType::Maintenance,
                today + Duration::days(1),
                ExamResult::Nsr,
                "",
            ),
            now,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");

    let view = w.app.app.exams(&w.officer, id, now).await.unwrap();
    assert_eq!(view.exams.len(), 1);
    let e = &view.exams[0];
    assert_eq!(e.id, exam_id);
    assert_eq!(e.exam_type, ExamType::SexualHistory);
    assert_eq!(e.exam_date, issued);
    assert_eq!(e.result, ExamResult::Ndi);
    assert_eq!(e.examiner_user_id, examiner.user_id().unwrap());
    assert!(e.disclosures.is_none() && !e.disclosures_withheld);
    assert!(
        events(&w, id)
            .await
            .iter()
            .any(|e| e.action == "polygraph_exam_record"
                && e.outcome == "success"
                && e.actor_user_id == examiner.user_id())
    );
}

async fn only_the_examiner_records_and_only_results_of_the_family(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = staffed(&w, "Family Case").await;
    let examiner = actor(&w.app, &w.examiner_email).await;

    let err = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(ExamType::Maintenance, today, ExamResult::Di, ""),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("screening exam") && m.to_string().contains("nsr, sr, no_opinion")),
        "{err:?}"
    );
    let err = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(ExamType::InstantOffense, today, ExamResult::Nsr, ""),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("diagnostic exam") && m.to_string().contains("ndi, di, inc")),
        "{err:?}"
    );
    // Every bad field is named at once.
    let err = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &ExamInput {
                exam_type: "lie_detector".into(),
                exam_date: "yesterday".into(),
                result: String::new(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap_err();
    let msg = err.to_string();
    for part in ["exam type", "exam date", "result", "referral questions"] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    // The officer and the provider read exams but do not record them.
    for who in [&w.officer, &w.provider] {
        let err = w
            .app
            .app
            .record_exam(
                who,
                id,
                &exam(ExamType::Maintenance, today, ExamResult::Nsr, ""),
                now,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    }
    // Someone with no relationship to the case learns nothing of it.
    let other = w
        .app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    w.app
        .user(other.id, "po@marin.example", &[Role::SupervisingOfficer])
        .await;
    let stranger = actor(&w.app, "po@marin.example").await;
    assert!(matches!(
        w.app.app.exams(&stranger, id, now).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.app.exams(&w.officer, 999_999, now).await,
        Err(AppError::NotFound)
    ));

    assert!(
        w.app
            .app
            .exams(&w.officer, id, now)
            .await
            .unwrap()
            .exams
            .is_empty(),
        "nothing refused was stored"
    );
    let ev = events(&w, id).await;
    assert!(ev.iter().any(|e| e.action == "polygraph_exam_record"
        && e.outcome == "denied"
        && e.actor_user_id == w.officer.user_id()));
    assert!(ev.iter().any(|e| e.action == "polygraph_exam_list"
        && e.outcome == "denied"
        && e.actor_user_id == stranger.user_id()));
}

async fn disclosures_stay_behind_the_waiver_wall(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, episode) = staffed(&w, "Wall Exam").await;
    let deputy = deputy_on_team(&w, episode).await;
    let examiner = actor(&w.app, &w.examiner_email).await;
    const DISCLOSED: &str = "Disclosed two victims not known to the court.";

    // Disclosures say what they are about, and categories come with disclosures.
    let mut uncategorised = exam(ExamType::SexualHistory, today, ExamResult::Di, DISCLOSED);
    uncategorised.disclosure_categories.clear();
    let err = w
        .app
        .app
        .record_exam(&examiner, id, &uncategorised, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("say what they are about"), "{err}");
    let mut empty = exam(ExamType::SexualHistory, today, ExamResult::Di, "");
    empty.disclosure_categories = vec!["new_victim".into()];
    let err = w
        .app
        .app
        .record_exam(&examiner, id, &empty, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("write the disclosures"), "{err}");

    // Recording disclosures needs no waiver: creating shows nothing that was not the author's.
    let exam_id = w
        .app
        .app
        .record_exam(
            &examiner,
            id,
            &exam(ExamType::SexualHistory, today, ExamResult::Di, DISCLOSED),
            now,
        )
        .await
        .unwrap();

    // No waiver yet: nobody reads them, not even their author; the exam itself is shown.
    for who in [&w.officer, &w.provider, &examiner] {
        let view = w.app.app.exams(who, id, now).await.unwrap();
        assert_eq!(view.exams.len(), 1);
        assert_eq!(view.exams[0].id, exam_id);
        assert_eq!(view.exams[0].disclosures, None);
        assert!(view.exams[0].disclosure_categories.is_empty());
        assert!(view.exams[0].disclosures_withheld);
        assert_eq!(view.waiver_id, None);
    }
    // They are routed: the provider and the officer are told at once, in words that do not
    // repeat what was disclosed; nobody else is.
    for (who, told) in [(&w.provider, true), (&w.officer, true), (&deputy, false)] {
        let notes = w.app.app.notifications(who, now).await.unwrap();
        let note = notes.iter().find(|n| n.kind == "disclosure");
        assert_eq!(note.is_some(), told, "{notes:?}");
        if let Some(n) = note {
            assert_eq!(n.supervisee_id, id);
            assert!(!n.message.contains("victims"), "{}", n.message);
        }
    }
    // Registering law enforcement reads neither the exams nor, without a consent, disclosures.
    let err = w.app.app.exams(&deputy, id, now).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");

    let court = containment_app::WaiverInput {
        basis: "pc_1203_067_b4".into(),
        discloser: "North Bay Treatment".into(),
        recipient_roles: vec![
            "supervising_officer".into(),
            "treatment_provider".into(),
            "polygraph_examiner".into(),
        ],
        categories: vec!["disclosures".into()],
        effective_on: today.to_string(),
        ..Default::default()
    };
    let court_id = w
        .app
        .app
        .record_waiver(&w.officer, id, &court, now)
        .await
        .unwrap();
    for who in [&w.provider, &w.officer] {
        let view = w.app.app.exams(who, id, now).await.unwrap();
        assert_eq!(view.exams[0].disclosures.as_deref(), Some(DISCLOSED));
        assert_eq!(
            view.exams[0].disclosure_categories,
            vec![
                DisclosureCategory::NewVictim,
                DisclosureCategory::UnreportedOffense
            ]
        );
        assert!(!view.exams[0].disclosures_withheld);
        assert_eq!(view.waiver_id, Some(court_id));
    }
    // The reads that included disclosures name the waiver in the audit log.
    let ev = events(&w, id).await;
    for who in [&w.provider, &w.officer] {
        assert!(
            ev.iter().any(|e| e.action == "polygraph_exam_list"
                && e.outcome == "success"
                && e.actor_user_id == who.user_id()
                && e.waiver_id == Some(court_id)),
            "{ev:?}"
        );
    }
    assert!(
        ev.iter().any(|e| e.action == "polygraph_exam_list"
            && e.actor_user_id == w.officer.user_id()
            && e.waiver_id.is_none()
            && e.detail.as_deref() == Some("1 exams, disclosures withheld")),
        "the withheld read recorded no waiver"
    );
    // The court waiver does not reach law enforcement.
    assert!(matches!(
        w.app.app.exams(&deputy, id, now).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(ev.iter().any(|e| e.action == "polygraph_exam_list"
        && e.outcome == "denied"
        && e.actor_user_id == deputy.user_id()));

    // A consent naming the deputy gives them the disclosures, never the exams.
    let consent = containment_app::WaiverInput {
        basis: "hipaa_164_508".into(),
        discloser: "Accurate Polygraph".into(),
        recipient_emails: "dep@sheriff.example".into(),
        categories: vec!["disclosures".into()],
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
    let view = w.app.app.exams(&deputy, id, now).await.unwrap();
    assert!(!view.exams_readable);
    assert!(view.exams.is_empty() && view.followups.is_empty());
    assert_eq!(view.next_maintenance, None);
    assert_eq!(view.disclosures_only.len(), 1);
    assert_eq!(view.disclosures_only[0].exam_id, exam_id);
    assert_eq!(view.disclosures_only[0].text, DISCLOSED);
    assert_eq!(view.waiver_id, Some(consent_id));
    assert!(
        events(&w, id)
            .await
            .iter()
            .any(|e| e.action == "polygraph_exam_list"
                && e.outcome == "success"
                && e.actor_user_id == deputy.user_id()
                && e.waiver_id == Some(consent_id))
    );

    // Revoked: hidden again on the next request.
    w.app
        .app
        .revoke_waiver(&w.officer, id, consent_id, "consent withdrawn", now)
        .await
        .unwrap();
    assert!(matches!(
        w.app.app.exams(&deputy, id, now).await,
        Err(AppError::Forbidden(_))
    ));
    // The core team still reads them under the court waiver.
    assert_eq!(
        w.app.app.exams(&w.provider, id, now).await.unwrap().exams[0]
            .disclosures
            .as_deref(),
        Some(DISCLOSED)
    );
}

async fn the_next_maintenance_exam_and_follow_up_actions(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = staffed(&w, "Maintenance Case").await;
    let examiner = actor(&w.app, &w.examiner_email).await;

    let view = w.app.app.exams(&w.officer, id, now).await.unwrap();
    assert!(view.exams.is_empty());
    assert_eq!(view.latest_maintenance, None);
    assert_eq!(view.next_maintenance, None, "none on record");
    assert!(!view.may_record);
    assert!(view.may_follow_up);
    assert!(
        w.app
            .app
            .exams(&examiner, id, now)
            .await
            .unwrap()
            .may_record
    );

    let first = today - Duration::days(150);
    let latest = today - Duration::days(30);
    let mut ids = Vec::new();
    for (t, on, r) in [
        (ExamType::Maintenance, first, ExamResult::Nsr),
        (ExamType::Maintenance, latest, ExamResult::Sr),
        // Neither a later monitoring exam nor a diagnostic one moves the maintenance date.
        (
            ExamType::MonitoringSpecificIssue,
            today - Duration::days(10),
            ExamResult::NoOpinion,
        ),
        (
            ExamType::InstantOffenseInvestigative,
            today - Duration::days(5),
            ExamResult::Inc,
        ),
    ] {
        ids.push(
            w.app
                .app
                .record_exam(&examiner, id, &exam(t, on, r, ""), now)
                .await
                .unwrap(),
        );
    }
    let view = w.app.app.exams(&w.officer, id, now).await.unwrap();
    assert_eq!(view.exams.len(), 4);
    assert_eq!(
        view.exams[0].exam_date,
        today - Duration::days(5),
        "newest first"
    );
    assert_eq!(view.latest_maintenance, Some(latest));
    assert_eq!(
        view.next_maintenance,
        latest.checked_add_months(Months::new(12))
    );

    // The officer, the provider and the examiner add follow-up actions.
    let sr_exam = ids[1];
    let followup = |exam: i64, owner: &str, due: NaiveDate| FollowupInput {
        exam_id: exam.to_string(),
        action: format!("Discuss the significant response ({owner})"),
        owner_role: owner.into(),
        due_on: due.to_string(),
    };
    let by_officer = w
        .app
        .app
        .add_followup(
            &w.officer,
            id,
            &followup(sr_exam, "treatment_provider", today + Duration::days(14)),
            now,
        )
        .await
        .unwrap()
        .id;
    let by_provider = w
        .app
        .app
        .add_followup(
            &w.provider,
            id,
            &followup(sr_exam, "supervising_officer", today - Duration::days(1)),
            now,
        )
        .await
        .unwrap()
        .id;
    w.app
        .app
        .add_followup(
            &examiner,
            id,
            &followup(ids[2], "polygraph_examiner", today + Duration::days(30)),
            now,
        )
        .await
        .unwrap();
    // Bad fields are named; an exam of another case is not this case's.
    let (other, _) = staffed(&w, "Other Case").await;
    let other_exam = w
        .app
        .app
        .record_exam(
            &examiner,
            other,
            &exam(ExamType::Maintenance, today, ExamResult::Nsr, ""),
            now,
        )
        .await
        .unwrap();
    let err = w
        .app
        .app
        .add_followup(
            &w.officer,
            id,
            &FollowupInput {
                exam_id: other_exam.to_string(),
                action: " ".into(),
                owner_role: "janitor".into(),
                due_on: "soon".into(),
            },
            now,
        )
        .await
        .unwrap_err();
    let msg = err.to_string();
    for part in ["exam:", "action:", "owner:", "due on"] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    let err = w
        .app
        .app
        .add_followup(
            &w.officer,
            id,
            &followup(sr_exam, "treatment_provider", latest - Duration::days(1)),
            now,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("before the exam"), "{err}");

    let view = w.app.app.exams(&w.provider, id, now).await.unwrap();
    assert_eq!(view.followups.len(), 3);
    assert_eq!(
        view.followups[0].record.id, by_provider,
        "earliest due first"
    );
    assert!(view.followups[0].overdue);
    assert_eq!(
        view.followups[0].record.owner_role,
        TeamRole::SupervisingOfficer
    );
    assert!(!view.followups[1].overdue);

    // Done once, by anyone of the core team.
    w.app
        .app
        .complete_followup(&w.provider, id, by_officer, now)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .complete_followup(&w.officer, id, by_officer, now)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        w.app
            .app
            .complete_followup(&w.officer, id, 999_999, now)
            .await,
        Err(AppError::NotFound)
    ));
    let view = w.app.app.exams(&w.officer, id, now).await.unwrap();
    let done = view
        .followups
        .iter()
        .find(|f| f.record.id == by_officer)
        .unwrap();
    assert_eq!(done.record.done_on, Some(today));
    assert_eq!(done.record.done_by, w.provider.user_id());
    assert!(done.done_by_name.is_some());
    assert!(!done.overdue);

    let ev = events(&w, id).await;
    for action in [
        "polygraph_exam_record",
        "polygraph_exam_list",
        "polygraph_followup_add",
        "polygraph_followup_done",
    ] {
        assert!(
            ev.iter()
                .any(|e| e.action == action && e.outcome == "success"),
            "{action}"
        );
    }
}

async fn exams_in_the_api_and_on_the_page(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, episode) = staffed(&w, "Api Exam").await;
    let token = |email: &'static str| {
        let app = w.app.app.clone();
        async move {
            app.create_token(
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
    };
    let examiner_token = token("ex@poly.example").await;
    let officer_token = token("po@sonoma.example").await;
    let url = w
        .app
        .url(&format!("/api/v1/supervisees/{id}/polygraph-exams"));

    let res = w
        .app
        .client
        .post(&url)
        .bearer_auth(&examiner_token)
        .json(&json!({
            "exam_type": "maintenance",
            "exam_date": today.to_string(),
            "referral_questions": "Any unreported contact with minors?",
            "result": "sr",
            "disclosures": "Admitted visiting a park.",
            "disclosure_categories": ["high_risk_behavior"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let exam_id = created["id"].as_i64().unwrap();

    let res = w
        .app
        .client
        .post(&url)
        .bearer_auth(&examiner_token)
        .json(&json!({
            "exam_type": "prior_allegation",
            "exam_date": today.to_string(),
            "referral_questions": "Q",
            "result": "nsr",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_input");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("diagnostic exam"),
        "{body}"
    );
    // The officer does not record exams.
    let res = w
        .app
        .client
        .post(&url)
        .bearer_auth(&officer_token)
        .json(&json!({
            "exam_type": "maintenance",
            "exam_date": today.to_string(),
            "referral_questions": "Q",
            "result": "nsr",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // No waiver on file: the officer gets the exam, its disclosures withheld.
    let res = w
        .app
        .client
        .get(&url)
        .bearer_auth(&officer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await.unwrap();
    assert_eq!(got["exams_readable"], true);
    assert_eq!(got["exams"][0]["id"], exam_id);
    assert_eq!(got["exams"][0]["result"], "sr");
    assert_eq!(got["exams"][0]["disclosures"], Value::Null);
    assert_eq!(got["exams"][0]["disclosures_withheld"], true);
    assert_eq!(got["latest_maintenance"], today.to_string());
    assert_eq!(
        got["next_maintenance"],
        today
            .checked_add_months(Months::new(12))
            .unwrap()
            .to_string()
    );
    let res = w
        .app
        .client
        .get(w.app.url("/api/v1/supervisees/999999/polygraph-exams"))
        .bearer_auth(&officer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let doc: Value = w
        .app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/supervisees/{id}/polygraph-exams"]["post"].is_object());

    // The page: a signed-in examiner records an exam and follows it up.
    let (_, password) = second_examiner(&w, episode, today - Duration::days(10)).await;
    let mut b = w.app.signed_in("ex2@truth.example", &password).await;
    let page_url = format!("/cases/{id}/polygraph");
    let html = b.page(&page_url).await;
    assert!(html.contains("Record an exam"), "the examiner's form");
    assert!(html.contains("id=\"next-maintenance\""));
    assert!(html.contains("Withheld"), "no waiver: disclosures withheld");
    let html = b
        .post(
            &page_url,
            &[
                ("exam_type", "maintenance"),
                ("exam_date", &today.to_string()),
                ("referral_questions", "Any new relationships?"),
                ("result", "ndi"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"form-errors\""), "{html}");
    assert!(html.contains("screening exam"));
    assert!(
        html.contains("Any new relationships?"),
        "what was typed is kept"
    );
    let res = b
        .post(
            &page_url,
            &[
                ("exam_type", "maintenance"),
                ("exam_date", &today.to_string()),
                ("referral_questions", "Any new relationships?"),
                ("result", "nsr"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("recorded."), "{html}");
    let html = b
        .post(
            &format!("{page_url}/followups"),
            &[
                ("exam_id", &exam_id.to_string()),
                ("action", "Review the park visit in group"),
                ("owner_role", "treatment_provider"),
                ("due_on", &(today + Duration::days(7)).to_string()),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Follow-up action added."), "{html}");
    assert!(html.contains("Review the park visit in group"));
    let followup = w
        .app
        .app
        .exams(&w.officer, id, now)
        .await
        .unwrap()
        .followups[0]
        .record
        .id;
    let html = b
        .post(&format!("{page_url}/followups/{followup}/done"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("marked done"), "{html}");
    assert!(html.contains(&format!(
        "Done {}",
        containment_domain::case::day_words(today)
    )));

    // Nobody off the team finds the page.
    let marin = w
        .app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    let (_, stranger_pw) = w
        .app
        .user(marin.id, "po@marin.example", &[Role::SupervisingOfficer])
        .await;
    let mut stranger = w.app.signed_in("po@marin.example", &stranger_pw).await;
    assert_eq!(
        stranger.get(&page_url).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_team_drafts_referral_questions_that_one_exam_takes_up(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, episode) = staffed(&w, "Referred Exam").await;
    let examiner = actor(&w.app, &w.examiner_email).await;
    let app = &w.app.app;
    let referral = |questions: &str| containment_app::ReferralInput {
        exam_type: "maintenance".into(),
        questions: questions.into(),
    };
    // The officer drafts; empty questions and unknown types are refused with the reasons.
    let err = app
        .draft_referral(
            &w.officer,
            id,
            &containment_app::ReferralInput {
                exam_type: "lie_detector".into(),
                questions: " ".into(),
            },
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("exam type") && err.contains("questions"),
        "{err}"
    );
    let rid = app
        .draft_referral(
            &w.officer,
            id,
            &referral("Any contact with minors since March?"),
            now,
        )
        .await
        .unwrap();
    // Law enforcement on the team is not the core team.
    let deputy = deputy_on_team(&w, episode).await;
    assert!(matches!(
        app.draft_referral(&deputy, id, &referral("Anything?"), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // The examiner sees it open and takes it up with the exam; it closes.
    let view = app.exams(&examiner, id, now).await.unwrap();
    assert_eq!(view.referrals.len(), 1);
    assert_eq!(view.referrals[0].record.id, rid);
    let mut input = exam(ExamType::Maintenance, today, ExamResult::Nsr, "");
    input.referral_id = "9999".into();
    let err = app
        .record_exam(&examiner, id, &input, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an open referral"), "{err}");
    input.referral_id = rid.to_string();
    app.record_exam(&examiner, id, &input, now).await.unwrap();
    assert!(
        app.exams(&w.officer, id, now)
            .await
            .unwrap()
            .referrals
            .is_empty()
    );
    // Taken up once only.
    let err = app
        .record_exam(&examiner, id, &input, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an open referral"), "{err}");

    // On the page the examiner's form is filled in from an open referral.
    let rid = app
        .draft_referral(&w.provider, id, &referral("Any use of dating apps?"), now)
        .await
        .unwrap();
    let (_, password) = second_examiner(&w, episode, today - Duration::days(10)).await;
    let mut b = w.app.signed_in("ex2@truth.example", &password).await;
    let html = b
        .page(&format!("/cases/{id}/polygraph?referral={rid}"))
        .await;
    assert!(
        html.contains("Taking up the team&#39;s referral")
            || html.contains("Taking up the team's referral"),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"referral_id\" value=\"{rid}\"")),
        "{html}"
    );
    assert!(
        html.contains(">Any use of dating apps?</textarea>"),
        "{html}"
    );
}

async fn the_polygraph_page_and_the_obligations_agree_on_the_next_maintenance_exam(db: TestDb) {
    let c = crate::case_overview::staffed_case(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let po = actor(&c.w.app, "po2@sonoma.example").await;
    let app = &c.w.app.app;
    // In treatment for 200 days, no exam yet: the first is due 12 months from the start (R9),
    // and the polygraph page says the same date, not "none".
    let r9_due = |list: &[containment_app::ObligationView]| {
        list.iter()
            .filter(|v| {
                v.obligation.key.rule == containment_domain::policy::RuleId::R9
                    && v.obligation.status.is_open()
            })
            .filter_map(|v| v.obligation.due)
            .min()
    };
    let owed = r9_due(&app.case_obligations(&po, c.id, today, now).await.unwrap());
    let start = today - Duration::days(200);
    assert_eq!(owed, start.checked_add_months(Months::new(12)));
    assert_eq!(
        app.exams(&po, c.id, now).await.unwrap().next_maintenance,
        owed
    );
    // After a maintenance exam the two move together.
    let examiner = actor(&c.w.app, "ex@poly.example").await;
    app.record_exam(
        &examiner,
        c.id,
        &exam(
            ExamType::Maintenance,
            today - Duration::days(10),
            ExamResult::Nsr,
            "",
        ),
        now,
    )
    .await
    .unwrap();
    let owed = r9_due(&app.case_obligations(&po, c.id, today, now).await.unwrap());
    assert!(owed.is_some());
    assert_eq!(
        app.exams(&po, c.id, now).await.unwrap().next_maintenance,
        owed
    );
}
