//! The compliance engine at work on stored cases: obligations, tasks, exemptions, the
//! dashboard, reminders from several workers, the calendar feed and county policy.

use chrono::{Duration, NaiveDate, Utc};
use containment_app::{Actor, AppError, ScoreInput, StepInput};
use containment_domain::case::local_date;
use containment_domain::compliance::ObligationStatus;
use containment_domain::policy::RuleId;
use containment_storage::AuditFilter;
use containment_testkit::{Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::{World, actor, case, world};

both_backends!(
    obligations_follow_what_is_recorded,
    exemptions_are_asked_for_decided_by_another_and_applied,
    the_dashboard_counts_per_rule_and_lists_what_is_behind,
    reminders_are_stored_once_by_two_workers_at_once,
    reminders_are_emailed_once_by_two_workers_and_retried_after_a_failure,
    the_calendar_feed_is_private_and_revocable,
    a_county_changes_its_calendar_and_the_change_is_audited,
);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A probation case placed 2026-01-15 with officer, provider and examiner added today.
pub(crate) async fn staffed(w: &World, name: &str) -> i64 {
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
        (
            "dr@northbay.example",
            containment_domain::access::TeamRole::TreatmentProvider,
        ),
        (
            w.examiner_email.as_str(),
            containment_domain::access::TeamRole::PolygraphExaminer,
        ),
    ] {
        w.app
            .app
            .add_team_member(&w.officer, episode, email, role, today, now)
            .await
            .unwrap();
    }
    id
}

fn find(
    list: &[containment_app::ObligationView],
    rule: RuleId,
) -> &containment_app::ObligationView {
    list.iter()
        .find(|v| v.obligation.key.rule == rule)
        .unwrap_or_else(|| panic!("{rule} missing"))
}

pub(crate) fn court_waiver(on: &str) -> containment_app::WaiverInput {
    containment_app::WaiverInput {
        basis: "pc_1203_067_b4".into(),
        discloser: "North Bay Treatment".into(),
        recipient_roles: vec![
            "supervising_officer".into(),
            "treatment_provider".into(),
            "polygraph_examiner".into(),
        ],
        categories: vec!["progress".into()],
        effective_on: on.into(),
        ..Default::default()
    }
}

pub(crate) async fn certify_scorer(w: &World, email: &str, instrument: &str, issued: NaiveDate) {
    w.app
        .app
        .add_certification(
            &Actor::console(),
            &containment_app::CertificationInput {
                kind: "saratso_scorer".into(),
                holder_email: email.into(),
                instrument: instrument.into(),
                number: format!("S-{instrument}-{email}-{issued}"),
                issued_on: issued.to_string(),
                expires_on: (issued + Duration::days(1500)).to_string(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

async fn obligations_follow_what_is_recorded(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "Duty Case").await;
    let list = w
        .app
        .app
        .case_obligations(&w.officer, id, today, now)
        .await
        .unwrap();
    // Placed 2026-01-15: no Static-99R the day before, no waiver on the first day.
    let r2 = find(&list, RuleId::R2);
    assert_eq!(r2.obligation.due, Some(d("2026-01-14")));
    assert_eq!(r2.obligation.status, ObligationStatus::Overdue);
    assert_eq!(r2.obligation.responsible_user, w.officer.user_id());
    assert!(r2.explanation.contains("PC 290.04"), "{}", r2.explanation);
    assert_eq!(
        find(&list, RuleId::R11).obligation.status,
        ObligationStatus::Overdue
    );
    // The team was completed today, not on the first day.
    let r12 = find(&list, RuleId::R12);
    assert_eq!(
        (r12.obligation.status, r12.obligation.met_on),
        (ObligationStatus::MetLate, Some(today))
    );
    // Overdue first.
    assert_eq!(list[0].obligation.status, ObligationStatus::Overdue);

    // As of before placement, R2 is not yet late.
    let early = w
        .app
        .app
        .case_obligations(&w.officer, id, d("2026-01-10"), now)
        .await
        .unwrap();
    assert_eq!(
        find(&early, RuleId::R2).obligation.status,
        ObligationStatus::DueSoon
    );

    // The court waiver on the first day meets R11.
    w.app
        .app
        .record_waiver(&w.officer, id, &court_waiver("2026-01-15"), now)
        .await
        .unwrap();
    // A STABLE-2007 scored 40 days ago and not shared: R5 and R6b are overdue for the provider.
    certify_scorer(&w, "dr@northbay.example", "stable2007", d("2025-01-01")).await;
    let scored = today - Duration::days(40);
    let score = w
        .app
        .app
        .record_score(
            &w.provider,
            id,
            &ScoreInput {
                instrument: "stable2007".into(),
                scored_on: scored.to_string(),
                reason: "intake".into(),
                items: [
                    "1", "1", "", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1",
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
    let list = w
        .app
        .app
        .case_obligations(&w.provider, id, today, now)
        .await
        .unwrap();
    assert_eq!(
        find(&list, RuleId::R11).obligation.status,
        ObligationStatus::MetOnTime
    );
    let r5 = find(&list, RuleId::R5);
    assert_eq!(r5.obligation.due, Some(scored + Duration::days(30)));
    assert_eq!(r5.obligation.status, ObligationStatus::Overdue);
    assert_eq!(r5.score_id, Some(score));
    assert_eq!(
        find(&list, RuleId::R6b).obligation.status,
        ObligationStatus::Overdue
    );
    // Sharing today meets R5, late.
    w.app
        .app
        .record_score_step(
            &w.provider,
            id,
            score,
            &StepInput {
                step: "shared_with_officer".into(),
                on: today.to_string(),
                interpretation: "Moderate needs.".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let list = w
        .app
        .app
        .case_obligations(&w.provider, id, today, now)
        .await
        .unwrap();
    assert_eq!(
        find(&list, RuleId::R5).obligation.status,
        ObligationStatus::MetLate
    );

    // Tasks: the officer owes R2, the provider R6b; each sees only their own.
    let officer_tasks = w.app.app.my_tasks(&w.officer, now).await.unwrap();
    assert!(
        officer_tasks
            .iter()
            .any(|t| t.obligation.key.rule == RuleId::R2)
    );
    assert!(
        officer_tasks
            .iter()
            .all(|t| t.obligation.responsible_user == w.officer.user_id())
    );
    let provider_tasks = w.app.app.my_tasks(&w.provider, now).await.unwrap();
    assert!(
        provider_tasks
            .iter()
            .any(|t| t.obligation.key.rule == RuleId::R6b)
    );
    assert!(
        provider_tasks
            .iter()
            .all(|t| t.obligation.key.rule != RuleId::R2)
    );

    // Law enforcement on the team does not read obligations.
    let sheriff = w
        .app
        .agency(
            "Sonoma County Sheriff",
            containment_testkit::AgencyKind::LawEnforcement,
        )
        .await;
    w.app
        .user(sheriff.id, "dep@sheriff.example", &[Role::LawEnforcement])
        .await;
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
            "dep@sheriff.example",
            containment_domain::access::TeamRole::RegisteringLawEnforcement,
            today,
            now,
        )
        .await
        .unwrap();
    let deputy = actor(&w.app, "dep@sheriff.example").await;
    assert!(
        w.app
            .app
            .case_obligations(&deputy, id, today, now)
            .await
            .is_err()
    );

    // The API: obligations with ?as_of, and my tasks.
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
    let get = |path: String| {
        let client = w.app.client.clone();
        let url = w.app.url(&path);
        let token = token.clone();
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let got: Value = get(format!(
        "/api/v1/supervisees/{id}/obligations?as_of=2026-01-10"
    ))
    .await
    .json()
    .await
    .unwrap();
    let r2 = got
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "R2")
        .unwrap();
    assert_eq!(r2["status"], "due_soon");
    assert_eq!(r2["due"], "2026-01-14");

    assert!(r2["key"].as_str().unwrap().starts_with("R2:episode:"));
    let res = get(format!(
        "/api/v1/supervisees/{id}/obligations?as_of=yesterday"
    ))
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let tasks: Value = get("/api/v1/me/tasks".into()).await.json().await.unwrap();
    assert!(
        tasks["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["rule"] == "R2" && t["status"] == "overdue" && t["window"] == "overdue")
    );
    // As of a day before the score was recorded, R2 was still open; recorded since, it is met.
    let r2_of = |got: Value| {
        got.as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule"] == "R2")
            .cloned()
            .unwrap()
    };
    let scored_on = "2026-01-12";
    certify_scorer(&w, "po@sonoma.example", "static99r", d("2025-01-01")).await;
    assert_eq!(
        w.app
            .app
            .record_score(
                &w.officer,
                id,
                &containment_app::ScoreInput {
                    instrument: "static99r".into(),
                    scored_on: scored_on.into(),
                    reason: "intake".into(),
                    release_date: "2025-12-01".into(),
                    yes_no: [Some(false); 7],
                    counts: ["0".into(), "0".into(), "1".into()],
                    ..Default::default()
                },
                now,
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Ok(())
    );
    let before: Value = get(format!(
        "/api/v1/supervisees/{id}/obligations?as_of=2026-01-11"
    ))
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r2_of(before)["status"], "due_soon");
    let on_the_day: Value = get(format!(
        "/api/v1/supervisees/{id}/obligations?as_of={scored_on}"
    ))
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r2_of(on_the_day)["status"], "met_on_time");
}

async fn exemptions_are_asked_for_decided_by_another_and_applied(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "Exempt Case").await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "sup@sonoma.example", &[Role::OfficerSupervisor])
        .await;
    w.app
        .user(agency, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let supervisor = actor(&w.app, "sup@sonoma.example").await;
    let other_officer = actor(&w.app, "po2@sonoma.example").await;
    let list = w
        .app
        .app
        .case_obligations(&w.officer, id, today, now)
        .await
        .unwrap();
    let key = find(&list, RuleId::R2).obligation.key.to_string();

    // Bad requests are refused with every reason.
    let err = w
        .app
        .app
        .request_exemption(&w.officer, id, "", &key, "2026-02-30", "", " ", now)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a date") && err.contains("reason"),
        "{err}"
    );
    let exemption = w
        .app
        .app
        .request_exemption(
            &w.officer,
            id,
            "",
            &key,
            "2026-01-01",
            "",
            "Transferred in from another state already scored there",
            now,
        )
        .await
        .unwrap();
    // Requested is not yet exempted.
    let status =
        |list: &[containment_app::ObligationView]| find(list, RuleId::R2).obligation.status;
    assert_eq!(
        status(
            &w.app
                .app
                .case_obligations(&w.officer, id, today, now)
                .await
                .unwrap()
        ),
        ObligationStatus::Overdue
    );
    // The requester cannot decide it, nor an officer who does not supervise.
    assert!(matches!(
        w.app
            .app
            .decide_exemption(&w.officer, exemption, true, "", now)
            .await,
        Err(AppError::Forbidden(_) | AppError::NotFound)
    ));
    assert!(
        w.app
            .app
            .decide_exemption(&other_officer, exemption, true, "", now)
            .await
            .is_err()
    );
    // The supervisor sees it waiting, must give a reason to refuse, and approves.
    let pending = w
        .app
        .app
        .exemptions_to_decide(&supervisor, now)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1, "Exempt Case");
    assert!(matches!(
        w.app
            .app
            .decide_exemption(&supervisor, exemption, false, " ", now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
    let decided = w
        .app
        .app
        .decide_exemption(&supervisor, exemption, true, "Documented", now)
        .await
        .unwrap();
    assert_eq!(decided.decision, "approved");
    assert_eq!(decided.decided_by, supervisor.user_id());
    assert!(matches!(
        w.app
            .app
            .decide_exemption(&supervisor, exemption, false, "changed my mind", now)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(
        status(
            &w.app
                .app
                .case_obligations(&w.officer, id, today, now)
                .await
                .unwrap()
        ),
        ObligationStatus::Exempted
    );
    // Off the officer's task list, and audited.
    assert!(
        w.app
            .app
            .my_tasks(&w.officer, now)
            .await
            .unwrap()
            .iter()
            .all(|t| t.obligation.key.to_string() != key)
    );
    let tx = w.app.app.store().begin().await.unwrap();
    let events = tx
        .audit_events(
            &AuditFilter {
                object_id: Some(id.to_string()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
    for action in ["exemption_request", "exemption_decide"] {
        assert!(
            events
                .iter()
                .any(|e| e.content.action == action && e.content.outcome == "success"),
            "{action}"
        );
    }
}

async fn the_dashboard_counts_per_rule_and_lists_what_is_behind(db: TestDb) {
    use containment_app::Dimension;
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "Counted Case").await;
    w.app
        .app
        .record_waiver(&w.officer, id, &court_waiver("2026-01-15"), now)
        .await
        .unwrap();
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let admin = actor(&w.app, "aa@sonoma.example").await;
    assert!(matches!(
        w.app
            .app
            .dashboard(&w.officer, d("2026-01-01"), today, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let dash = w
        .app
        .app
        .dashboard(&admin, d("2026-01-01"), today, now)
        .await
        .unwrap();
    assert_eq!(dash.cases, 1);
    let row = |code: &str| dash.by_rule.iter().find(|r| r.key == code).unwrap().clone();
    // R2 overdue, R11 met on time, R12 met late (the team was completed today).
    assert_eq!((row("R2").overdue, row("R2").rate()), (1, Some(0.0)));
    assert_eq!(
        (row("R11").met_on_time, row("R11").rate()),
        (1, Some(100.0))
    );
    assert_eq!(row("R12").met_late, 1);
    assert_eq!(dash.by_county[0].label, "Sonoma");
    assert_eq!(
        dash.total.met_on_time + dash.total.met_late + dash.total.overdue,
        3
    );
    // The list behind R2's overdue figure.
    let behind = w
        .app
        .app
        .dashboard_list(
            &admin,
            d("2026-01-01"),
            today,
            Dimension::Rule,
            "R2",
            Some(ObligationStatus::Overdue),
            now,
        )
        .await
        .unwrap();
    assert_eq!(behind.len(), 1);
    assert_eq!(behind[0].supervisee_id, id);
    // A period before the case owes nothing.
    let empty = w
        .app
        .app
        .dashboard(&admin, d("2025-01-01"), d("2025-12-31"), now)
        .await
        .unwrap();
    assert!(empty.by_rule.is_empty());
    assert!(matches!(
        w.app
            .app
            .dashboard(&admin, today, d("2026-01-01"), now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
}

async fn reminders_are_stored_once_by_two_workers_at_once(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    for n in 0..6 {
        staffed(&w, &format!("Remind Case {n}")).await;
    }
    // A second instance of the application on the same database.
    let second = containment_app::App::open(&db.url, false).await.unwrap();
    let (a, b) = tokio::join!(w.app.app.run_reminders(now), second.run_reminders(now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.cases, 6);
    let officer_notes = w.app.app.notifications(&w.officer, now).await.unwrap();
    // Each case owes the officer R2 and R11, overdue: twelve reminders, not more.
    assert_eq!(officer_notes.len(), 12, "{officer_notes:?}");
    assert_eq!(a.created + b.created, 12 + count_others(&w, now).await);
    assert!(officer_notes.iter().all(|n| n.kind == "overdue"));
    assert!(officer_notes[0].message.contains("is overdue"));
    // A later run adds nothing for the same due dates; with nothing changed since, it does not
    // even go over the cases again.
    let again = w.app.app.run_reminders(now).await.unwrap();
    assert_eq!((again.cases, again.created), (0, 0));
    // The second instance went over them all too.
    assert_eq!(second.run_reminders(now).await.unwrap().cases, 0);
    // Reading marks them read.
    let read = w.app.app.notifications(&w.officer, now).await.unwrap();
    assert!(read.iter().all(|n| n.read_at.is_some()));
    // A new case is a change: the next run goes over every case and reminds of the new one's.
    staffed(&w, "Remind Case 6").await;
    let others = count_others(&w, now).await;
    let after = w.app.app.run_reminders(now).await.unwrap();
    assert_eq!(after.cases, 7);
    assert_eq!(after.created, 2 + count_others(&w, now).await - others);
    // So does the next day's first run, and then none until something changes.
    let tomorrow = now + chrono::Duration::days(1);
    assert_eq!(w.app.app.run_reminders(tomorrow).await.unwrap().cases, 7);
    assert_eq!(w.app.app.run_reminders(tomorrow).await.unwrap().cases, 0);
}

/// Notifications stored for everyone but the officer.
async fn count_others(w: &World, now: chrono::DateTime<Utc>) -> usize {
    let mut n = 0;
    for email in ["dr@northbay.example", "ex@poly.example"] {
        let who = actor(&w.app, email).await;
        n += w.app.app.notifications(&who, now).await.unwrap().len();
    }
    n
}

async fn the_calendar_feed_is_private_and_revocable(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let id = staffed(&w, "Feed Case").await;
    let secret = w
        .app
        .app
        .create_calendar_feed(&w.officer, now)
        .await
        .unwrap();
    let res = w.app.get(&format!("/calendar/{secret}.ics")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = res.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(body.contains("DTSTART;VALUE=DATE:20260114"), "{body}");
    assert!(body.contains(&format!("(case {id})")), "{body}");
    assert!(!body.contains("Feed Case"), "no names leave the system");
    assert!(body.trim_end().ends_with("END:VCALENDAR"));
    // A wrong secret, and the revoked one, find nothing.
    assert_eq!(
        w.app.get("/calendar/0123456789abcdef.ics").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        w.app
            .app
            .revoke_calendar_feed(&w.officer, now)
            .await
            .unwrap()
    );
    assert_eq!(
        w.app.get(&format!("/calendar/{secret}.ics")).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_county_changes_its_calendar_and_the_change_is_audited(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "County Case").await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "sys@state.example", &[Role::SystemAdmin])
        .await;
    let sysadmin = actor(&w.app, "sys@state.example").await;
    // A 2024 STABLE-2007 received Friday 22 Nov 2024: due Tue 3 Dec under the state calendar.
    certify_scorer(&w, "dr@northbay.example", "stable2007", d("2024-01-02")).await;
    let score = w
        .app
        .app
        .record_score(
            &w.provider,
            id,
            &ScoreInput {
                instrument: "stable2007".into(),
                scored_on: "2024-11-01".into(),
                reason: "intake".into(),
                items: [
                    "0", "0", "", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
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
    for (step, on, by) in [
        ("shared_with_officer", "2024-11-20", &w.provider),
        ("officer_receipt", "2024-11-22", &w.officer),
    ] {
        w.app
            .app
            .record_score_step(
                by,
                id,
                score,
                &StepInput {
                    step: step.into(),
                    on: on.into(),
                    interpretation: "Low.".into(),
                    ..Default::default()
                },
                now,
            )
            .await
            .unwrap();
    }
    let due = |app: containment_app::App, officer: Actor| async move {
        let list = app
            .case_obligations(&officer, id, today, now)
            .await
            .unwrap();
        find(&list, RuleId::R6a).obligation.due
    };
    assert_eq!(
        due(w.app.app.clone(), w.officer.clone()).await,
        Some(d("2024-12-03"))
    );
    // Bad text is refused with the line; officers may not set policy.
    let err = w
        .app
        .app
        .set_county_policy(&sysadmin, "Sonoma", "R9.weeks = 6", "bastille_day", now)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("numbers") && err.contains("calendar"), "{err}");
    // A county may not loosen a statutory deadline.
    let err = w
        .app
        .app
        .set_county_policy(&sysadmin, "Sonoma", "R5.days = 100000", "", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("at most 30")),
        "{err:?}"
    );
    assert!(matches!(
        w.app
            .app
            .set_county_policy(&w.officer, "Sonoma", "", "", now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // Sonoma closes on Monday 2 Dec 2024: the deadline moves a day.
    w.app
        .app
        .set_county_policy(
            &sysadmin,
            "sonoma county",
            "R9.months = 6",
            "2024-12-02",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        due(w.app.app.clone(), w.officer.clone()).await,
        Some(d("2024-12-04"))
    );
    // Sonoma polygraphs every 6 months: the polygraph page says so too.
    let examiner = actor(&w.app, "ex@poly.example").await;
    w.app
        .app
        .record_exam(
            &examiner,
            id,
            &containment_app::ExamInput {
                exam_type: "maintenance".into(),
                exam_date: today.to_string(),
                referral_questions: "Any contact with minors?".into(),
                result: "nsr".into(),
                disclosures: String::new(),
                disclosure_categories: Vec::new(),
                referral_id: String::new(),
            },
            now,
        )
        .await
        .unwrap();
    let exams = w.app.app.exams(&examiner, id, now).await.unwrap();
    assert_eq!(
        exams.next_maintenance,
        today.checked_add_months(chrono::Months::new(6))
    );
    let policies = w.app.app.county_policies().await.unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].county, "Sonoma");
    assert_eq!(policies[0].overrides.trim(), "R9.months = 6");
    let tx = w.app.app.store().begin().await.unwrap();
    let events = tx
        .audit_events(
            &AuditFilter {
                object_kind: Some("county".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert!(events.iter().any(|e| {
        e.content.action == "county_policy_set"
            && e.content.outcome == "success"
            && e.content
                .detail
                .as_deref()
                .unwrap_or_default()
                .contains("R9.months = 6")
    }));
    assert!(
        events
            .iter()
            .any(|e| e.content.action == "county_policy_set" && e.content.outcome == "denied")
    );
}

/// A mail relay that accepts everything and keeps (recipient, message) pairs.
async fn fake_relay() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 relay ready\r\n").await;
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store
                                .lock()
                                .unwrap()
                                .push((rcpt.clone(), std::mem::take(&mut data)));
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = if line.starts_with("EHLO") {
                        b"250-relay\r\n250 OK\r\n"
                    } else if let Some(to) = line.strip_prefix("RCPT TO:") {
                        rcpt = to.trim_matches(|c| c == '<' || c == '>').to_owned();
                        b"250 OK\r\n"
                    } else if line == "DATA" {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if line == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, got)
}

async fn reminders_are_emailed_once_by_two_workers_and_retried_after_a_failure(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    for n in 0..3 {
        staffed(&w, &format!("Mail Case {n}")).await;
    }
    // First the relay is down: nothing is lost, the sends wait for the next run.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = |port: u16| {
        containment_app::MailConfig::parse(
            &format!("smtp://127.0.0.1:{port}"),
            "containment@agency.example",
            "https://containment.agency.example",
        )
        .and_then(containment_app::MailConfig::allow_plain)
        .unwrap()
    };
    let down = containment_app::App::open(&db.url, false)
        .await
        .unwrap()
        .with_mail(config(closed));
    let first = down.run_reminders(now).await.unwrap();
    assert!(first.created > 0);
    assert_eq!(first.emailed, 0);
    assert!(first.email_failures > 0);
    // Then two workers with a working relay: every notification is mailed exactly once.
    let (port, got) = fake_relay().await;
    let a = containment_app::App::open(&db.url, false)
        .await
        .unwrap()
        .with_mail(config(port));
    let b = containment_app::App::open(&db.url, false)
        .await
        .unwrap()
        .with_mail(config(port));
    let (ra, rb) = tokio::join!(a.run_reminders(now), b.run_reminders(now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(
        ra.created + rb.created,
        0,
        "the notifications exist already"
    );
    assert_eq!(ra.emailed + rb.emailed, first.created);
    let messages = got.lock().unwrap().clone();
    assert_eq!(messages.len(), first.created);
    let to_officer: Vec<_> = messages
        .iter()
        .filter(|(to, _)| to == "po@sonoma.example")
        .collect();
    // Three cases, each owing the officer R2 and R11.
    assert_eq!(to_officer.len(), 6);
    let (_, text) = to_officer[0];
    assert!(text.contains("Subject: Containment: R"), "{text}");
    assert!(
        text.contains("https://containment.agency.example/cases/"),
        "{text}"
    );
    assert!(
        !text.contains("Mail Case"),
        "no names leave the system: {text}"
    );
    // A later run sends nothing again.
    let again = a.run_reminders(now).await.unwrap();
    assert_eq!((again.emailed, again.email_failures), (0, 0));
    assert_eq!(got.lock().unwrap().len(), first.created);
}
