//! Today: a person's own work, by window and case, repeating obligations collapsed, missed
//! months summed up, filters and pages, on the page, in the API and as the landing page.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use containment_app::{ScoreInput, Task, TodayQuery};
use containment_domain::case::local_date;
use containment_domain::compliance::{Window, month_name, month_of};
use containment_domain::policy::RuleId;
use containment_testkit::{NEW_PASSWORD, ResponseExt, Role, TestDb, both_backends, recovery_codes};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::{World, actor, api_token, world};
use crate::compliance::{certify_scorer, staffed};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

both_backends!(
    today_collapses_repeating_work_and_sums_up_missed_months,
    today_windows_turn_on_the_boundary_days,
    today_filters_and_pages,
    everyone_lands_on_today_and_sees_only_their_own_work,
    missed_months_are_summed_up_on_the_case_and_counted_on_the_dashboard,
    the_caseload_puts_the_most_overdue_first_with_its_figures,
    the_caseload_and_the_dashboard_follow_every_change_through_any_instance,
);

/// Noon in California on `day`.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(20, 0, 0).unwrap().and_utc()
}

fn all() -> TodayQuery {
    TodayQuery {
        per_page: 200,
        ..Default::default()
    }
}

fn of_rule(tasks: &[Task], rule: RuleId) -> Vec<&Task> {
    tasks
        .iter()
        .filter(|t| t.view.obligation.key.rule == rule)
        .collect()
}

async fn enroll(w: &World, id: i64, start: NaiveDate) {
    w.app
        .app
        .enroll_treatment(
            &w.provider,
            id,
            &containment_app::TreatmentInput {
                kind: "post_conviction".into(),
                start_date: start.to_string(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

async fn today_collapses_repeating_work_and_sums_up_missed_months(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let first = staffed(&w, "Monthly Case").await;
    let second = staffed(&w, "Second Case").await;
    let start = today - Duration::days(200);
    enroll(&w, first, start).await;
    let app = &w.app.app;

    // The officer owes a contact every month of treatment: last month (overdue, still to be
    // documented) stands for this month too; every month before it is missed, on record.
    let day = app.today(&w.officer, &all(), now).await.unwrap();
    let r1 = of_rule(&day.tasks, RuleId::R1);
    assert_eq!(r1.len(), 1, "{r1:?}");
    assert_eq!(r1[0].window, Window::Overdue);
    assert_eq!(r1[0].more, 1);
    assert!(
        r1[0].task.contains(&month_name(month_of(today) - 1)),
        "{}",
        r1[0].task
    );
    let months = usize::try_from(month_of(today) - month_of(start) + 1).unwrap();
    assert_eq!(day.missed.len(), 1, "{:?}", day.missed);
    let missed = &day.missed[0];
    assert_eq!(
        (missed.supervisee_id, missed.rule, missed.count),
        (first, RuleId::R1, months - 2)
    );
    assert_eq!(
        missed.summary(),
        format!("{} months of contact missed", months - 2)
    );
    // Missed months are no tasks, not even in the calendar feed's list.
    let feed = app.my_tasks(&w.officer, now).await.unwrap();
    assert_eq!(
        feed.iter()
            .filter(|v| v.obligation.key.rule == RuleId::R1)
            .count(),
        2
    );
    // Every task is the officer's own, by window, each case's together within a window.
    assert!(
        day.tasks
            .iter()
            .all(|t| t.view.obligation.responsible_user == w.officer.user_id())
    );
    let rank = |w: Window| Window::ALL.iter().position(|x| *x == w).unwrap();
    for pair in day.tasks.windows(2) {
        assert!(rank(pair[0].window) <= rank(pair[1].window));
    }
    let mut seen: Vec<(Window, Option<i64>)> = Vec::new();
    for t in &day.tasks {
        let k = (t.window, t.case());
        if seen.last() != Some(&k) {
            assert!(!seen.contains(&k), "{k:?} split in two");
            seen.push(k);
        }
    }

    // The provider's treatment goes on: nothing to do for R8 yet. Their certification is one
    // task for both cases.
    let provider = app.today(&w.provider, &all(), now).await.unwrap();
    assert!(of_rule(&provider.tasks, RuleId::R8).is_empty());
    let r10 = of_rule(&provider.tasks, RuleId::R10);
    assert_eq!(r10.len(), 1, "{r10:?}");
    let mut covered = r10[0].case_ids.clone();
    covered.sort_unstable();
    assert_eq!(covered, vec![first, second]);
    assert_eq!(r10[0].case(), None);
    // The examiner: one certification line, one maintenance exam for the one treatment.
    let examiner = actor(&w.app, &w.examiner_email).await;
    let exams = app.today(&examiner, &all(), now).await.unwrap();
    assert_eq!(of_rule(&exams.tasks, RuleId::R10).len(), 1);
    let r9 = of_rule(&exams.tasks, RuleId::R9);
    assert_eq!(r9.len(), 1);
    assert_eq!(r9[0].case(), Some(first));

    // The case's obligations page sums the missed months up in one line.
    let token = api_token(&w.app, "po@sonoma.example").await;
    let got: Value = w
        .app
        .client
        .get(w.app.url("/api/v1/me/tasks"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["missed"][0]["rule"], "R1");
    assert_eq!(got["missed"][0]["count"], months - 2);
    let r1 = got["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["rule"] == "R1")
        .unwrap();
    assert_eq!(
        (r1["window"].as_str(), r1["more"].as_u64()),
        (Some("overdue"), Some(1))
    );
    assert_eq!(r1["place"], format!("/cases/{first}/treatment"));
}

async fn today_windows_turn_on_the_boundary_days(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "Boundary Case").await;
    certify_scorer(
        &w,
        "dr@northbay.example",
        "stable2007",
        today - Duration::days(400),
    )
    .await;
    // Scored 20 days ago: the provider gives it to the officer within 30 days (R5).
    let scored = today - Duration::days(20);
    w.app
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
    let due = scored + Duration::days(30);
    let r5 = TodayQuery {
        rule: Some(RuleId::R5),
        ..all()
    };
    for (day, window) in [
        (due - Duration::days(8), Window::Later),
        (due - Duration::days(7), Window::Week),
        (due - Duration::days(1), Window::Week),
        (due, Window::Today),
        (due + Duration::days(1), Window::Overdue),
    ] {
        let got = w.app.app.today(&w.provider, &r5, noon(day)).await.unwrap();
        assert_eq!(got.tasks.len(), 1, "{day}");
        assert_eq!(got.tasks[0].window, window, "{day}");
        assert_eq!(got.tasks[0].view.obligation.due, Some(due));
        let count = got.counts[Window::ALL.iter().position(|x| *x == window).unwrap()];
        assert_eq!(count, 1, "{day}");
        // Only that window, when asked for it.
        let only = TodayQuery {
            window: Some(window),
            ..r5.clone()
        };
        assert_eq!(
            w.app
                .app
                .today(&w.provider, &only, noon(day))
                .await
                .unwrap()
                .matching,
            1
        );
    }
}

async fn today_filters_and_pages(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let first = staffed(&w, "Alpha Case").await;
    let second = staffed(&w, "Beta Case").await;
    let app = &w.app.app;
    let everything = app.today(&w.officer, &all(), now).await.unwrap();
    assert!(everything.matching >= 4, "{:?}", everything.tasks);
    assert_eq!(everything.counts.iter().sum::<usize>(), everything.matching);
    assert_eq!(
        everything
            .cases
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>(),
        ["Alpha Case", "Beta Case"]
    );
    // One a page: every task once, in the same order.
    let mut paged = Vec::new();
    for page in 0..everything.matching + 1 {
        let got = app
            .today(
                &w.officer,
                &TodayQuery {
                    page,
                    per_page: 1,
                    ..Default::default()
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(got.matching, everything.matching);
        assert_eq!(got.pages(), everything.matching);
        paged.extend(got.tasks.into_iter().map(|t| t.view.obligation.key));
    }
    assert_eq!(
        paged,
        everything
            .tasks
            .iter()
            .map(|t| t.view.obligation.key)
            .collect::<Vec<_>>()
    );
    // By case, by rule.
    let beta = app
        .today(
            &w.officer,
            &TodayQuery {
                case: Some(second),
                ..all()
            },
            now,
        )
        .await
        .unwrap();
    assert!(beta.matching > 0);
    assert!(beta.tasks.iter().all(|t| t.case_ids == vec![second]));
    let r2 = app
        .today(
            &w.officer,
            &TodayQuery {
                rule: Some(RuleId::R2),
                ..all()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(r2.matching, 2);
    assert!(
        r2.tasks
            .iter()
            .all(|t| t.view.obligation.key.rule == RuleId::R2)
    );
    assert_eq!(r2.counts.iter().sum::<usize>(), 2);

    // The same through the API, and the page.
    let token = api_token(&w.app, "po@sonoma.example").await;
    let get = |path: String| {
        let client = w.app.client.clone();
        let url = w.app.url(&path);
        let token = token.clone();
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let got: Value = get(format!("/api/v1/me/tasks?case={first}&rule=R2&per_page=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["total"], 1);
    assert_eq!(got["tasks"][0]["supervisee_id"], first);
    assert_eq!(got["tasks"][0]["window"], "overdue");
    assert_eq!(
        got["tasks"][0]["task"],
        "Score the Static-99R before supervision starts"
    );
    assert_eq!(got["counts"]["overdue"], 1);
    let res = get("/api/v1/me/tasks?window=soon&per_page=0".into()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("window") && message.contains("per_page"),
        "{message}"
    );
}

async fn everyone_lands_on_today_and_sees_only_their_own_work(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let id = staffed(&w, "Landing Case").await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, otp) = w
        .app
        .user(agency, "sup@sonoma.example", &[Role::OfficerSupervisor])
        .await;

    // Signing in ends on Today.
    let mut b = w.app.browser();
    b.sign_in_password("sup@sonoma.example", &otp)
        .await
        .expect_redirect("/sign-in/enroll");
    let codes = recovery_codes(&b.enroll().await);
    let res = b
        .post(
            "/account/password",
            &[
                ("current", &otp),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    res.expect_redirect("/account");
    let mut again = w.app.browser();
    again
        .sign_in_recovery("sup@sonoma.example", NEW_PASSWORD, &codes[0])
        .await;
    // A supervisor on no team has no tasks of their own, even asking for a case of theirs.
    let html = again.page(&format!("/today?case={id}")).await;
    assert!(html.contains("<h1>Today</h1>"), "{html}");
    assert!(html.contains("Nothing to do that matches"), "{html}");
    assert!(!html.contains("Landing Case"), "{html}");
    let supervisor = actor(&w.app, "sup@sonoma.example").await;
    let day = w.app.app.today(&supervisor, &all(), now).await.unwrap();
    assert_eq!((day.matching, day.missed.len()), (0, 0));
    // The old address leads here, filters and all.
    again.get("/tasks").await.expect_redirect("/today");
    again
        .get("/tasks?window=overdue")
        .await
        .expect_redirect("/today?window=overdue");
    // A bad filter is refused, not a server error.
    assert_eq!(
        again.get("/today?window=someday").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // An officer's page: counts, the case, one sentence and one link a task.
    let (_, p) = w
        .app
        .user(agency, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let mut officer = w.app.signed_in("po2@sonoma.example", &p).await;
    let html = officer.page("/today").await;
    assert!(
        html.contains("Nothing to do."),
        "a new officer has no work: {html}"
    );
    let po2 = actor(&w.app, "po2@sonoma.example").await;
    let own = w
        .app
        .app
        .open_case(&po2, &crate::cases::case("Own Case", ""), now)
        .await
        .unwrap();
    let html = officer.page("/today").await;
    assert!(
        html.contains(&format!("href=\"/cases/{own}\">Own Case</a>")),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "href=\"/cases/{own}/scores/new?instrument=static99r\">Score the Static-99R before supervision starts"
        )),
        "{html}"
    );
    assert!(
        !html.contains("Landing Case"),
        "another officer's case: {html}"
    );
    let overdue = containment_testkit::html_text_after(
        &html,
        "id=\"count-overdue\"><span class=\"app-counts__number\">",
    )
    .unwrap();
    assert_eq!(overdue, "3", "R2, R11 and R12 are overdue");
    let day = w.app.app.today(&w.officer, &all(), now).await.unwrap();
    assert!(day.matching > 0);
    assert!(
        day.tasks
            .iter()
            .all(|t| t.view.obligation.responsible_user == w.officer.user_id())
    );
    let provider = w.app.app.today(&w.provider, &all(), now).await.unwrap();
    assert!(provider.tasks.iter().all(|t| {
        t.view.obligation.responsible_user == w.provider.user_id()
            && t.view.obligation.key.rule != RuleId::R2
    }));
    // Audited as a read of the person's tasks.
    let tx = w.app.app.store().begin().await.unwrap();
    let events = tx
        .audit_events(&containment_storage::AuditFilter::default(), 500)
        .await
        .unwrap();
    assert!(events.iter().any(|e| {
        e.content.action == "tasks_read"
            && e.content
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("today:"))
    }));
}

async fn missed_months_are_summed_up_on_the_case_and_counted_on_the_dashboard(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, p) = w
        .app
        .user(agency, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    w.app
        .user(agency, "sup@sonoma.example", &[Role::OfficerSupervisor])
        .await;
    let mut browser = w.app.signed_in("po2@sonoma.example", &p).await;
    let po2 = actor(&w.app, "po2@sonoma.example").await;
    let app = &w.app.app;
    let id = app
        .open_case(&po2, &crate::cases::case("Missed Case", ""), now)
        .await
        .unwrap();
    let episode = app.case_view(&po2, id, now, today).await.unwrap().episodes[0].id;
    app.add_team_member(
        &po2,
        episode,
        "dr@northbay.example",
        containment_domain::access::TeamRole::TreatmentProvider,
        today,
        now,
    )
    .await
    .unwrap();
    let start = today - Duration::days(200);
    enroll(&w, id, start).await;
    let missed = usize::try_from(month_of(today) - month_of(start) - 1).unwrap();
    let summary = format!("{missed} months of contact missed");

    // The obligations page: one line for the missed months, each still behind a disclosure,
    // and only the two months that can still be documented among the open ones.
    let html = browser.page(&format!("/cases/{id}/obligations")).await;
    assert!(html.contains("id=\"missed-heading\""), "{html}");
    assert!(html.contains(&summary), "{html}");
    let open = &html[html.find("id=\"open-obligations\"").unwrap()
        ..html.find("id=\"missed-heading\"").unwrap()];
    assert_eq!(open.matches(">R1</abbr>").count(), 2, "{open}");
    let behind = &html[html.find("id=\"missed-obligations\"").unwrap()..];
    assert_eq!(
        behind[..behind.find("</table>").unwrap()]
            .matches(">R1</abbr>")
            .count(),
        missed
    );
    // The case page says it once too.
    let html = browser.page(&format!("/cases/{id}")).await;
    let line = containment_testkit::html_text_after(&html, "id=\"case-missed\">").unwrap();
    assert!(line.contains(&summary), "{line}");
    // Its overview names the two that can still be met, each in one sentence.
    let open = &html[html.find("id=\"obligations-region\"").unwrap()..];
    assert_eq!(open.matches("data-rule=\"R1\"").count(), 2, "{open}");

    // The dashboard counts them among the overdue, as missed.
    let supervisor = actor(&w.app, "sup@sonoma.example").await;
    let dash = app
        .dashboard(&supervisor, start - Duration::days(31), today, now)
        .await
        .unwrap();
    assert_eq!(dash.total.missed, missed);
    let r1 = dash.by_rule.iter().find(|r| r.key == "R1").unwrap();
    assert_eq!((r1.missed, r1.overdue), (missed, missed + 1));
    let token = api_token(&w.app, "sup@sonoma.example").await;
    let got: Value = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/dashboard?from={}&to={today}",
            start - Duration::days(31)
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["total"]["missed"], missed);
}

async fn the_caseload_puts_the_most_overdue_first_with_its_figures(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let app = &w.app.app;
    // Staffed today: R2 and R11 overdue, the team met late (R12).
    let adam = staffed(&w, "Adam Staffed").await;
    // No provider, no examiner: R12 is overdue too.
    let zed = app
        .open_case(&w.officer, &crate::cases::case("Zed Unstaffed", ""), now)
        .await
        .unwrap();
    // A court waiver meets R11; the provider documents a contact three days ago.
    let mid = staffed(&w, "Mid Waived").await;
    app.record_waiver(
        &w.officer,
        mid,
        &crate::compliance::court_waiver("2026-01-15"),
        now,
    )
    .await
    .unwrap();
    enroll(&w, mid, today - Duration::days(10)).await;
    let contact_on = today - Duration::days(3);
    app.record_contact(
        &w.provider,
        mid,
        &containment_app::ContactInput {
            on: contact_on.to_string(),
            mode: "phone".into(),
            topics: vec!["progress".into()],
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    // A Static-99R on Adam's case, scored before placement: R2 is met, the level shows.
    certify_scorer(&w, "po@sonoma.example", "static99r", d("2025-01-01")).await;
    app.record_score(&w.officer, adam, &static99r_at_intake(), now)
        .await
        .unwrap();

    let token = api_token(&w.app, "po@sonoma.example").await;
    let get = |path: &str| {
        let req = w.app.client.get(w.app.url(path)).bearer_auth(&token);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let page = get("/api/v1/caseload").await;
    let items = page["items"].as_array().unwrap();
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["legal_name"].as_str().unwrap())
        .collect();
    // Most overdue first: Zed (R2, R11, R12), then Adam (R11), Mid (R2) by the sooner due.
    assert_eq!(names[0], "Zed Unstaffed", "{page}");
    assert_eq!(items[0]["overdue"], 3, "{page}");
    let overdue: Vec<u64> = items
        .iter()
        .map(|i| i["overdue"].as_u64().unwrap())
        .collect();
    assert!(overdue.windows(2).all(|p| p[0] >= p[1]), "{overdue:?}");
    let of = |id: i64| items.iter().find(|i| i["supervisee_id"] == id).unwrap();
    assert_eq!(of(zed)["team_gaps"].as_array().unwrap().len(), 2);
    assert_eq!(of(mid)["last_provider_contact"], contact_on.to_string());
    assert!(of(adam)["last_provider_contact"].is_null());
    assert_eq!(
        of(adam)["risk_levels"]["static99r"],
        "level_ii",
        "{}",
        of(adam)
    );
    assert!(of(adam)["next_due"].is_string());
    // By name when asked.
    let by_name = get("/api/v1/caseload?sort=name").await;
    assert_eq!(by_name["items"][0]["legal_name"], "Adam Staffed");
    // Pages follow the urgency order.
    let query = containment_app::CaseloadQuery {
        sort: containment_app::CaseloadSort::Urgency,
        per_page: 2,
        page: 1,
        ..Default::default()
    };
    let (rows, total) = app.caseload(&w.officer, &query, now, today).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].row.legal_name, names[2]);
}

/// The caseload's figures are worked out once per snapshot of the case facts and kept: a change
/// made through this instance or through another one sharing the database shows at once, while
/// the reminder job, which changes no case fact, leaves what was worked out in place.
async fn the_caseload_and_the_dashboard_follow_every_change_through_any_instance(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let here = &w.app.app;
    let elsewhere = containment_app::App::new(here.store().clone());
    // Staffed today: R2 (no Static-99R) and R11 (no waiver) are overdue.
    let adam = staffed(&w, "Adam Staffed").await;
    let overdue = |app: containment_app::App| {
        let officer = w.officer.clone();
        async move {
            let (rows, _) = app
                .caseload(
                    &officer,
                    &containment_app::CaseloadQuery::default(),
                    now,
                    today,
                )
                .await
                .unwrap();
            let row = rows.iter().find(|r| r.row.supervisee_id == adam).unwrap();
            row.work.overdue.unwrap()
        }
    };
    let generation = || async {
        let tx = here.store().begin_read().await.unwrap();
        let g = tx.case_facts_generation().await.unwrap();
        tx.commit().await.unwrap();
        g
    };
    // The supervisor's dashboard counts the same overdue obligations, for the period that
    // holds today.
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    w.app
        .user(agency, "sup@sonoma.example", &[Role::OfficerSupervisor])
        .await;
    let supervisor = actor(&w.app, "sup@sonoma.example").await;
    let dashboard_overdue = |app: containment_app::App| {
        let supervisor = supervisor.clone();
        async move {
            let dash = app
                .dashboard(
                    &supervisor,
                    d("2000-01-01"),
                    today + Duration::days(365),
                    now,
                )
                .await
                .unwrap();
            dash.total.overdue
        }
    };
    let first = overdue(here.clone()).await;
    assert!(first >= 2, "{first}");
    assert_eq!(overdue(here.clone()).await, first, "read again, unchanged");
    let dash_first = dashboard_overdue(here.clone()).await;
    assert!(dash_first >= 2, "{dash_first}");
    assert_eq!(dashboard_overdue(here.clone()).await, dash_first);

    // The reminder job writes notifications only: the figures stay worked out.
    let before = generation().await;
    elsewhere.run_reminders(now).await.unwrap();
    assert_eq!(generation().await, before);

    // Another instance records the court waiver (R11 met): this one shows it at once.
    elsewhere
        .record_waiver(
            &w.officer,
            adam,
            &crate::compliance::court_waiver("2026-01-15"),
            now,
        )
        .await
        .unwrap();
    assert!(generation().await > before);
    assert_eq!(overdue(here.clone()).await, first - 1);
    assert_eq!(dashboard_overdue(here.clone()).await, dash_first - 1);

    // A Static-99R scored here (R2 met) shows here and on the other instance.
    certify_scorer(&w, "po@sonoma.example", "static99r", d("2025-01-01")).await;
    here.record_score(&w.officer, adam, &static99r_at_intake(), now)
        .await
        .unwrap();
    assert_eq!(overdue(here.clone()).await, first - 2);
    assert_eq!(overdue(elsewhere.clone()).await, first - 2);
    assert_eq!(dashboard_overdue(elsewhere.clone()).await, dash_first - 2);
    assert_eq!(dashboard_overdue(here.clone()).await, dash_first - 2);
}

/// A Static-99R scored at intake, before placement: level II.
fn static99r_at_intake() -> ScoreInput {
    ScoreInput {
        instrument: "static99r".into(),
        scored_on: "2026-01-12".into(),
        reason: "intake".into(),
        release_date: "2025-12-01".into(),
        yes_no: [Some(false); 7],
        counts: ["0".into(), "0".into(), "1".into()],
        ..Default::default()
    }
}
