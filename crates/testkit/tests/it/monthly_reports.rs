//! The Monthly Progress/Communication Report: drafted and signed by the provider, acknowledged
//! by the officer and then locked, corrected only by a new version, and shown only through the
//! information wall.

use chrono::Utc;
use containment_app::{Actor, AppError, MonthlyReportInput};
use containment_domain::case::local_date;
use containment_domain::monthly_report::{ReportMonth, ReportStatus};
use containment_domain::policy::RuleId;
use containment_testkit::{ResponseExt, TestDb, both_backends};
use reqwest::StatusCode;

use crate::cases::{World, api_token, world};
use crate::treatment::{court_waiver, setup};

both_backends!(
    a_monthly_report_is_signed_acknowledged_locked_and_corrected_by_a_new_version,
    monthly_reports_stay_behind_the_wall,
    a_report_starts_from_the_sessions_and_self_reports_of_its_month,
    a_signed_report_documents_the_month_s_communication_once_acknowledged,
    the_officer_is_reminded_of_each_case_s_month_without_communication,
    the_acknowledgement_deadline_follows_the_countys_calendar,
    signing_shows_the_answers_first_and_signs_only_from_there,
);

fn report(month: ReportMonth) -> MonthlyReportInput {
    MonthlyReportInput {
        month: month.to_string(),
        scheduled: "4".into(),
        attended: "3".into(),
        missed: "1".into(),
        excused: "0".into(),
        participation: "Completed the victim-empathy module; engaged in group.".into(),
        dynamic_risk: "Intimacy deficits improving.".into(),
        ..Default::default()
    }
}

async fn status_of(w: &World, actor: &Actor, id: i64, report: i64) -> ReportStatus {
    w.app
        .app
        .monthly_report(actor, id, report, false, Utc::now())
        .await
        .unwrap()
        .report
        .record
        .status
}

async fn a_monthly_report_is_signed_acknowledged_locked_and_corrected_by_a_new_version(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let this_month = ReportMonth::of(local_date(now));
    let (id, _) = setup(&w, "Reported Case").await;
    court_waiver(&w, id, &["monthly_reports"]).await;
    let app = &w.app.app;

    // The officer acknowledges reports; the provider writes them.
    assert!(matches!(
        app.draft_monthly_report(&w.officer, id, &report(this_month), false, now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // The month must have begun: this month is accepted (below), next month is not.
    let err = app
        .draft_monthly_report(&w.provider, id, &report(this_month.next()), false, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("month that has begun"), "{err}");
    // Counts must add up.
    let mut wrong = report(this_month);
    wrong.excused = "1".into();
    let err = app
        .draft_monthly_report(&w.provider, id, &wrong, false, now)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("add up to 5, not the 4 scheduled"),
        "{err}"
    );
    // A count that is not a number is named at its field, and not added up besides.
    let mut typo = report(this_month);
    typo.attended = "three".into();
    match app
        .draft_monthly_report(&w.provider, id, &typo, false, now)
        .await
    {
        Err(AppError::InvalidInput(problems)) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            let at = problems.message_at("attended").unwrap_or_default();
            assert!(at.contains("\"three\" is not a number of sessions"), "{at}");
        }
        other => panic!("{other:?}"),
    }
    // Signing needs the concerns section; the draft keeps nothing half-signed.
    let err = app
        .draft_monthly_report(&w.provider, id, &report(this_month), true, now)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("concerns and recommendations"),
        "{err}"
    );

    let v1 = app
        .draft_monthly_report(&w.provider, id, &report(this_month), false, now)
        .await
        .unwrap();
    // One report per month: a second one is refused, pointing at the first.
    let err = app
        .draft_monthly_report(&w.provider, id, &report(this_month), false, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("its draft is in the list")
            && !m.contains(&v1.to_string())),
        "{err}"
    );
    // A draft is the provider side's own: the officer does not see it yet.
    let officer_list = app.monthly_reports(&w.officer, id, now).await.unwrap();
    assert_eq!(officer_list.reports.map(|r| r.len()), Some(0));
    assert!(matches!(
        app.monthly_report(&w.officer, id, v1, false, now).await,
        Err(AppError::NotFound)
    ));

    // Editing the draft: at the revision read, and signing it.
    let mut input = report(this_month);
    input.concerns = "None.".into();
    assert!(matches!(
        app.update_monthly_report(&w.provider, id, v1, 9, &input, true, now)
            .await,
        Err(AppError::Stale { current_version: 1 })
    ));
    app.update_monthly_report(&w.provider, id, v1, 1, &input, true, now)
        .await
        .unwrap();
    assert_eq!(
        status_of(&w, &w.officer, id, v1).await,
        ReportStatus::Submitted
    );
    // Signed: the provider can no longer change it in place.
    let err = app
        .update_monthly_report(&w.provider, id, v1, 3, &input, false, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("locked")),
        "{err}"
    );
    // The officer was told.
    let tasks = app.notifications(&w.officer, now).await.unwrap();
    assert!(
        tasks
            .iter()
            .any(|n| n.kind == "monthly_report" && n.supervisee_id == id),
        "{tasks:?}"
    );

    // Only the officer acknowledges, once; the report is then locked.
    assert!(matches!(
        app.acknowledge_monthly_report(&w.provider, id, v1, "", now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    app.acknowledge_monthly_report(&w.officer, id, v1, "Seen at the home visit.", now)
        .await
        .unwrap();
    let err = app
        .acknowledge_monthly_report(&w.officer, id, v1, "again", now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("locked")),
        "{err}"
    );
    let signed = app
        .monthly_report(&w.officer, id, v1, false, now)
        .await
        .unwrap();
    assert_eq!(signed.report.record.status, ReportStatus::Acknowledged);
    assert_eq!(
        signed.report.record.officer_section,
        "Seen at the home visit."
    );
    assert_eq!(signed.report.record.content.sessions.attended, 3);
    assert!(!signed.report.may_acknowledge);

    // A correction is a new version; the acknowledged one stays as it was.
    assert!(matches!(
        app.correct_monthly_report(&w.officer, id, v1, now).await,
        Err(AppError::Forbidden(_))
    ));
    let v2 = app
        .correct_monthly_report(&w.provider, id, v1, now)
        .await
        .unwrap();
    let err = app
        .correct_monthly_report(&w.provider, id, v1, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("version 2")),
        "{err}"
    );
    let mut corrected = input.clone();
    corrected.missed = "0".into();
    corrected.excused = "1".into();
    corrected.concerns = "None; the missed session was excused (illness).".into();
    app.update_monthly_report(&w.provider, id, v2, 1, &corrected, true, now)
        .await
        .unwrap();
    let detail = app
        .monthly_report(&w.officer, id, v2, false, now)
        .await
        .unwrap();
    assert_eq!(detail.report.record.version, 2);
    assert_eq!(detail.report.record.corrects_id, Some(v1));
    assert!(detail.report.may_acknowledge);
    assert_eq!(detail.versions.len(), 2);
    let old = app
        .monthly_report(&w.officer, id, v1, false, now)
        .await
        .unwrap();
    assert_eq!(old.report.superseded_by, Some(v2));
    assert_eq!(
        old.report.record, signed.report.record,
        "version 1 is unchanged"
    );
    app.acknowledge_monthly_report(&w.officer, id, v2, "", now)
        .await
        .unwrap();
    // The list shows the month once, at its newest version.
    let list = app
        .monthly_reports(&w.officer, id, now)
        .await
        .unwrap()
        .reports
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].record.id, v2);
    assert_eq!(list[0].record.content.sessions.excused, 1);

    // Last month can still be reported on.
    let last = app
        .draft_monthly_report(&w.provider, id, &report(this_month.previous()), false, now)
        .await
        .unwrap();
    assert_eq!(
        status_of(&w, &w.provider, id, last).await,
        ReportStatus::Draft
    );
}

async fn monthly_reports_stay_behind_the_wall(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let this_month = ReportMonth::of(local_date(now));
    let (id, deputy) = setup(&w, "Walled Case").await;
    let app = &w.app.app;
    let consent = |email: &str| containment_app::WaiverInput {
        basis: "hipaa_164_508".into(),
        discloser: "North Bay Treatment".into(),
        recipient_emails: email.into(),
        categories: vec!["monthly_reports".into()],
        effective_on: local_date(now).to_string(),
        revocable: true,
        ..Default::default()
    };
    let mut input = report(this_month);
    input.concerns = "None.".into();
    // No waiver covers monthly reports: a report nobody could read is not started.
    let err = app
        .draft_monthly_report(&w.provider, id, &input, true, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("waiver")),
        "{err:?}"
    );
    // A consent naming the provider only.
    app.record_waiver(&w.officer, id, &consent("dr@northbay.example"), now)
        .await
        .unwrap();
    let rid = app
        .draft_monthly_report(&w.provider, id, &input, true, now)
        .await
        .unwrap();
    // No waiver lets the officer read monthly reports yet: they see none of them.
    let v = app.monthly_reports(&w.officer, id, now).await.unwrap();
    assert!(v.reports.is_none());
    assert!(matches!(
        app.monthly_report(&w.officer, id, rid, false, now).await,
        Err(AppError::Forbidden(_))
    ));
    // The supervisee's own consent names the officer; it can be withdrawn.
    let waiver = app
        .record_waiver(&w.officer, id, &consent("po@sonoma.example"), now)
        .await
        .unwrap();
    assert!(
        app.monthly_report(&w.officer, id, rid, false, now)
            .await
            .is_ok()
    );
    assert!(
        app.monthly_report(&w.officer, id, rid, true, now)
            .await
            .is_ok()
    );
    // Law enforcement on the team is not a recipient of the consent.
    assert!(
        app.monthly_reports(&deputy, id, now)
            .await
            .unwrap()
            .reports
            .is_none()
    );
    assert!(
        app.monthly_report(&deputy, id, rid, false, now)
            .await
            .is_err()
    );
    assert!(
        app.monthly_report(&deputy, id, rid, true, now)
            .await
            .is_err()
    );

    // Through the API too, the printable report included.
    let officer_token = api_token(&w.app, "po@sonoma.example").await;
    let deputy_token = api_token(&w.app, "dep@sheriff.example").await;
    let get = |path: String, token: String| {
        let client = w.app.client.clone();
        let url = w.app.url(&path);
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let pdf_path = format!("/api/v1/supervisees/{id}/monthly-reports/{rid}/report.pdf");
    let res = get(pdf_path.clone(), officer_token.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
    let res = get(pdf_path.clone(), deputy_token.clone()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = get(
        format!("/api/v1/supervisees/{id}/monthly-reports"),
        deputy_token,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["reports"].is_null(), "{body}");

    // Revoking the waiver hides them again, from the next request on.
    app.revoke_waiver(&w.officer, id, waiver, "withdrawn", now)
        .await
        .unwrap();
    assert!(
        app.monthly_reports(&w.officer, id, now)
            .await
            .unwrap()
            .reports
            .is_none()
    );
    let res = get(pdf_path, officer_token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The provider's acknowledgement step is untouched by the wall's answer to the officer:
    // the officer cannot acknowledge what they may not read.
    assert!(matches!(
        app.acknowledge_monthly_report(&w.officer, id, rid, "", now)
            .await,
        Err(AppError::Forbidden(_))
    ));
}

async fn a_report_starts_from_the_sessions_and_self_reports_of_its_month(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let month = ReportMonth::of(today);
    let (id, _) = setup(&w, "Prefilled Case").await;
    court_waiver(&w, id, &["monthly_reports", "attendance_detail"]).await;
    let app = &w.app.app;
    // The month's first and current days count; the last day of the month before does not.
    for (on, attendance) in [
        (month.first_day(), "attended"),
        (today, "missed"),
        (today, "excused"),
        (month.previous().last_day(), "attended"),
    ] {
        app.record_session(
            &w.provider,
            id,
            &containment_app::SessionInput {
                on: on.to_string(),
                attendance: attendance.into(),
                format: "group".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    }
    app.record_self_report(
        &w.officer,
        id,
        &containment_app::SelfReportInput {
            reported_on: today.to_string(),
            category: "high_risk_situation".into(),
            behavior: "Went to a family party where children were present".into(),
            reported_to: "officer".into(),
        },
        now,
    )
    .await
    .unwrap();
    let pre = app
        .monthly_report_prefill(&w.provider, id, month, now)
        .await
        .unwrap();
    assert_eq!(
        pre.sessions,
        containment_domain::treatment::SessionCounts {
            scheduled: 3,
            attended: 1,
            missed: 1,
            excused: 1
        }
    );
    assert!(
        pre.self_reports
            .contains("High-risk situation: Went to a family party"),
        "{}",
        pre.self_reports
    );
    let last = app
        .monthly_report_prefill(&w.provider, id, month.previous(), now)
        .await
        .unwrap();
    assert_eq!(last.sessions.scheduled, 1);
    assert_eq!(last.self_reports, "");
    // Only the provider side starts a report.
    assert!(matches!(
        app.monthly_report_prefill(&w.officer, id, month, now).await,
        Err(AppError::Forbidden(_))
    ));
}

async fn a_signed_report_documents_the_month_s_communication_once_acknowledged(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let month = ReportMonth::of(today);
    let (id, _) = setup(&w, "Communicated Case").await;
    court_waiver(&w, id, &["monthly_reports"]).await;
    let app = &w.app.app;
    app.enroll_treatment(
        &w.provider,
        id,
        &containment_app::TreatmentInput {
            kind: "post_conviction".into(),
            start_date: month.first_day().to_string(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let r1 = || async {
        app.case_obligations(&w.officer, id, today, now)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.obligation.key.rule == RuleId::R1)
            .unwrap()
    };
    assert!(r1().await.obligation.met_on.is_none());
    let mut input = report(month);
    input.concerns = "None.".into();
    let rid = app
        .draft_monthly_report(&w.provider, id, &input, false, now)
        .await
        .unwrap();
    // A draft communicates nothing yet.
    let o = r1().await;
    assert!(o.obligation.met_on.is_none());
    assert!(!o.explanation.contains("unconfirmed"), "{}", o.explanation);
    // Signed: documented by the provider's side only.
    app.submit_monthly_report(&w.provider, id, rid, 1, now)
        .await
        .unwrap();
    let o = r1().await;
    assert!(o.obligation.met_on.is_none());
    assert!(o.explanation.contains("unconfirmed"), "{}", o.explanation);
    // Acknowledged: both sides, on the day it was signed.
    app.acknowledge_monthly_report(&w.officer, id, rid, "", now)
        .await
        .unwrap();
    assert_eq!(r1().await.obligation.met_on, Some(today));
}

async fn the_officer_is_reminded_of_each_case_s_month_without_communication(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let last_month = ReportMonth::of(today).previous();
    let app = &w.app.app;
    // Two cases of the same officer in treatment since last month, with no contact at all.
    let (first, _) = setup(&w, "First Month Case").await;
    let second = app
        .open_case(
            &w.officer,
            &crate::cases::case("Second Month Case", ""),
            now,
        )
        .await
        .unwrap();
    let episode = app
        .case_view(&w.officer, second, now, today)
        .await
        .unwrap()
        .episodes[0]
        .id;
    app.add_team_member(
        &w.officer,
        episode,
        "dr@northbay.example",
        containment_domain::access::TeamRole::TreatmentProvider,
        today,
        now,
    )
    .await
    .unwrap();
    for id in [first, second] {
        app.enroll_treatment(
            &w.provider,
            id,
            &containment_app::TreatmentInput {
                kind: "post_conviction".into(),
                start_date: last_month.first_day().to_string(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    }
    let run = app.run_reminders(now).await.unwrap();
    assert!(run.created >= 2, "{run:?}");
    // R1's key names the month only: each case still gets its own reminder.
    let key = |n: &containment_app::NotificationRecord| {
        n.kind == "overdue" && n.obligation_key.starts_with("R1:month:")
    };
    let notes = app.notifications(&w.officer, now).await.unwrap();
    let mut cases: Vec<i64> = notes
        .iter()
        .filter(|n| key(n) && n.due_on == last_month.last_day())
        .map(|n| n.supervisee_id)
        .collect();
    cases.sort_unstable();
    assert_eq!(cases, [first, second], "{notes:?}");
    // A second run adds nothing.
    assert_eq!(app.run_reminders(now).await.unwrap().created, 0);
}

async fn the_acknowledgement_deadline_follows_the_countys_calendar(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "County Ack Case").await;
    court_waiver(&w, id, &["monthly_reports"]).await;
    // Sonoma closes on the next working day.
    let state = containment_domain::calendar::Calendar::california();
    let closed = state.add_working_days(today, 1);
    w.app
        .app
        .set_county_policy(&Actor::console(), "Sonoma", "", &closed.to_string(), now)
        .await
        .unwrap();
    w.app
        .app
        .draft_monthly_report(
            &w.provider,
            id,
            &MonthlyReportInput {
                concerns: "None.".into(),
                ..report(ReportMonth::of(today))
            },
            true,
            now,
        )
        .await
        .unwrap();
    let note = w
        .app
        .app
        .notifications(&w.officer, now)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind == "monthly_report")
        .unwrap();
    // Five working days of Sonoma's: one more day than the state's five.
    assert_eq!(note.due_on, state.add_working_days(today, 6));
}

/// The report id in a redirect to `/cases/{id}/monthly-reports/{report}/check`.
fn checked_report(res: &reqwest::Response, case: i64) -> i64 {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap();
    let rest = to
        .strip_prefix(&format!("/cases/{case}/monthly-reports/"))
        .unwrap_or_else(|| panic!("{to}"));
    rest.strip_suffix("/check")
        .unwrap_or_else(|| panic!("{to}"))
        .parse()
        .unwrap()
}

/// True when `html` shows a date in ISO form (2026-12-02) anywhere a person reads.
pub(crate) fn shows_iso_date(html: &str) -> bool {
    let b = html.as_bytes();
    b.windows(10).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
    })
}

/// Whether a person reading `html` sees an ISO date: the text between the tags, leaving out
/// what only machines read (input values and limits, `datetime` attributes, links).
pub(crate) fn reads_iso_date(html: &str) -> Option<String> {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let b = text.as_bytes();
    b.windows(10)
        .position(|w| {
            w.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
        })
        .map(|at| {
            let from = at.saturating_sub(80);
            String::from_utf8_lossy(&b[from..(at + 40).min(b.len())]).into_owned()
        })
}

async fn signing_shows_the_answers_first_and_signs_only_from_there(db: TestDb) {
    let mut c = crate::case_overview::staffed_case(&db).await;
    let id = c.id;
    let po = crate::cases::actor(&c.w.app, "po2@sonoma.example").await;
    crate::treatment::court_waiver_by(&c.w, &po, id, &["monthly_reports"]).await;
    let now = Utc::now();
    let month = ReportMonth::of(local_date(now)).to_string();

    // The form's buttons save, or go on to check the answers: none of them signs.
    let form = c
        .provider
        .page(&format!("/cases/{id}/monthly-reports/new?month={month}"))
        .await;
    assert!(form.contains("Continue to check your answers"), "{form}");
    assert!(!form.contains("value=\"sign\""), "{form}");
    let typed = [
        ("month", month.as_str()),
        ("scheduled", "2"),
        ("attended", "2"),
        ("missed", "0"),
        ("excused", "0"),
        (
            "participation",
            "Engaged in group; began the relapse-prevention module.",
        ),
        ("dynamic_risk", "Stable."),
        ("concerns", ""),
        ("action", "review"),
    ];
    let res = c
        .provider
        .post(&format!("/cases/{id}/monthly-reports"), &typed)
        .await;
    let rid = checked_report(&res, id);
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Draft
    );
    let check = format!("/cases/{id}/monthly-reports/{rid}/check");

    // Not ready to sign (no concerns): back at the form, the problem at its field, what was
    // typed kept, and still a draft.
    let html = c.provider.page(&check).await;
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("id=\"concerns-error\""), "{html}");
    assert!(
        html.contains("began the relapse-prevention module"),
        "{html}"
    );
    assert!(!html.contains("id=\"sign-form\""), "{html}");
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Draft
    );

    let revision = containment_testkit::html_value_after(&html, "name=\"revision\"", "value")
        .expect("the draft's revision");
    let mut typed = typed.to_vec();
    typed.retain(|(k, _)| *k != "concerns");
    typed.push(("concerns", "None."));
    typed.push(("revision", revision.as_str()));
    let res = c
        .provider
        .post(&format!("/cases/{id}/monthly-reports/{rid}"), &typed)
        .await;
    assert_eq!(checked_report(&res, id), rid);
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Draft,
        "checking signs nothing"
    );

    // Every section as it will be signed, each with a Change link to its field, and one button.
    let html = c.provider.page(&check).await;
    assert!(html.contains("Check your answers before signing"), "{html}");
    for (label, answer, field) in [
        (
            "Sessions this month",
            "2 scheduled: 2 attended, 0 missed, 0 excused",
            "scheduled",
        ),
        (
            "Participation and progress on treatment modules and targets",
            "began the relapse-prevention module",
            "participation",
        ),
        ("Changes in dynamic risk factors", "Stable.", "dynamic_risk"),
        (
            "Polygraph results and disclosures this month",
            "Nothing reported.",
            "polygraph",
        ),
        (
            "Compliance with the treatment contract",
            "Nothing reported.",
            "contract_compliance",
        ),
        ("Self-reports", "Nothing reported.", "self_reports"),
        ("Concerns and recommendations", "None.", "concerns"),
    ] {
        assert!(html.contains(label), "{label} in {html}");
        let shown = containment_testkit::html_text_after(
            &html,
            &format!(
                "id=\"answer-{}\">",
                if field == "scheduled" {
                    "sessions"
                } else {
                    field
                }
            ),
        )
        .unwrap_or_default();
        assert!(shown.contains(answer), "{field}: {shown}");
        assert!(
            html.contains(&format!(
                "href=\"/cases/{id}/monthly-reports/{rid}#{field}\""
            )),
            "a Change link to {field}"
        );
    }
    let main = &html[html.find("Check your answers before signing").unwrap()..];
    assert_eq!(main.matches("type=\"submit\"").count(), 1, "one button");
    assert!(html.contains(">Sign and submit</button>"), "{html}");
    assert!(html.contains(&format!(
        "action=\"/cases/{id}/monthly-reports/{rid}/sign\""
    )));
    assert!(
        !shows_iso_date(&html.replace(&month, "")),
        "no ISO date on the page"
    );
    assert!(!html.contains(&format!("report {rid}")), "no internal id");
    let revision = containment_testkit::html_value_after(&html, "name=\"revision\"", "value")
        .expect("the revision shown");

    // Changed after it was shown (another tab): not signed, shown again.
    let res = c
        .provider
        .post(
            &format!("/cases/{id}/monthly-reports/{rid}/sign"),
            &[("revision", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("changed after it was shown to you"), "{html}");
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Draft
    );

    // The officer cannot sign it for the provider.
    c.officer
        .page(&format!("/cases/{id}/monthly-reports"))
        .await;
    let res = c
        .officer
        .post(
            &format!("/cases/{id}/monthly-reports/{rid}/sign"),
            &[("revision", revision.as_str())],
        )
        .await;
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Draft
    );

    // The button signs it.
    c.provider.page(&check).await;
    let res = c
        .provider
        .post(
            &format!("/cases/{id}/monthly-reports/{rid}/sign"),
            &[("revision", revision.as_str())],
        )
        .await;
    res.expect_redirect(&format!("/cases/{id}/monthly-reports/{rid}?notice=signed"));
    assert_eq!(
        status_of(&c.w, &c.provider_actor, id, rid).await,
        ReportStatus::Submitted
    );
    let html = c
        .provider
        .page(&format!("/cases/{id}/monthly-reports/{rid}?notice=signed"))
        .await;
    assert!(
        html.contains("Report signed and submitted to the officer."),
        "{html}"
    );
    assert!(
        !shows_iso_date(&html),
        "signed time as people read it: {html}"
    );
    assert!(html.contains("Pacific time"), "{html}");
    // A signed report has nothing left to check: the page leads to the report.
    let res = c.provider.get(&check).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
