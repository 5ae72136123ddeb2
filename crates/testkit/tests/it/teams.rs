//! Teams above the case: who sees and changes which team, the jurisdiction and statewide rules,
//! chair rotation with its history, someone informed who is not a member, workplan progress and
//! overdue activities on their owner's Today page, and the audit trail of it all.

use chrono::{Duration, NaiveDate, Utc};
use containment_app::{
    ActivityInput, Actor, App, AppError, LeaderInput, MemberInput, NoteInput, TeamInput,
};
use containment_domain::access::TeamStanding;
use containment_domain::audit::StoredAuditEvent;
use containment_domain::case::local_date;
use containment_domain::{AgencyKind, Email};
use containment_storage::AuditFilter;
use containment_testkit::{Role, TestApp, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::actor;

both_backends!(
    members_see_their_team_and_nobody_else_does,
    a_level_and_its_jurisdiction_must_agree_and_the_state_has_one_statewide_team,
    chair_rotation_keeps_the_history_and_a_judge_is_informed_not_a_member,
    workplan_progress_and_overdue_on_the_due_date_boundary,
    an_overdue_activity_shows_on_its_owners_today_page_only,
    reads_writes_and_refusals_are_audited,
    the_demo_data_has_a_local_policy_team_with_a_workplan,
);

struct Teams {
    app: TestApp,
    admin: Actor,
    chair: Actor,
    staff: Actor,
    member: Actor,
    outsider: Actor,
    judge: Actor,
    kern_admin: Actor,
    state_admin: Actor,
    passwords: Vec<(String, String)>,
}

impl Teams {
    fn password(&self, email: &str) -> String {
        self.passwords
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, p)| p.clone())
            .unwrap()
    }
}

async fn agency(app: &TestApp, name: &str, kind: AgencyKind, county: Option<&str>) -> i64 {
    app.app
        .add_agency(&Actor::console(), name, kind, county, Utc::now())
        .await
        .unwrap()
        .id
}

async fn setup(db: &TestDb) -> Teams {
    let app = TestApp::spawn(db).await;
    let fresno = agency(
        &app,
        "Fresno County Probation",
        AgencyKind::ProbationDepartment,
        Some("Fresno"),
    )
    .await;
    let court = agency(
        &app,
        "Fresno Superior Court",
        AgencyKind::Court,
        Some("Fresno"),
    )
    .await;
    let kern = agency(
        &app,
        "Kern County Probation",
        AgencyKind::ProbationDepartment,
        Some("Kern"),
    )
    .await;
    let board = agency(&app, "CASOMB", AgencyKind::StateAgency, None).await;
    let mut passwords = Vec::new();
    for (agency, email, roles) in [
        (fresno, "admin@fresno.example", &[Role::AgencyAdmin][..]),
        (
            fresno,
            "chair@fresno.example",
            &[Role::OfficerSupervisor][..],
        ),
        (
            fresno,
            "staff@fresno.example",
            &[Role::SupervisingOfficer][..],
        ),
        (
            fresno,
            "member@fresno.example",
            &[Role::SupervisingOfficer][..],
        ),
        (
            fresno,
            "outsider@fresno.example",
            &[Role::SupervisingOfficer][..],
        ),
        (court, "judge@court.example", &[Role::Prosecutor][..]),
        (kern, "admin@kern.example", &[Role::AgencyAdmin][..]),
        (board, "admin@casomb.example", &[Role::AgencyAdmin][..]),
    ] {
        let (_, pw) = app.user(agency, email, roles).await;
        passwords.push((email.to_owned(), pw));
    }
    Teams {
        admin: actor(&app, "admin@fresno.example").await,
        chair: actor(&app, "chair@fresno.example").await,
        staff: actor(&app, "staff@fresno.example").await,
        member: actor(&app, "member@fresno.example").await,
        outsider: actor(&app, "outsider@fresno.example").await,
        judge: actor(&app, "judge@court.example").await,
        kern_admin: actor(&app, "admin@kern.example").await,
        state_admin: actor(&app, "admin@casomb.example").await,
        app,
        passwords,
    }
}

fn today() -> NaiveDate {
    local_date(Utc::now())
}

fn local_team(name: &str) -> TeamInput {
    TeamInput {
        name: name.into(),
        level: "local_policy".into(),
        jurisdiction: "Fresno".into(),
        mission: "Protect the community through collaboration.".into(),
        vision: "No more victims.".into(),
        goals: "Share case information\nTrain together".into(),
        norms: "Decisions by consensus (thumbs).".into(),
        version: 0,
    }
}

fn member(email: &str, role: &str, standing: &str) -> MemberInput {
    MemberInput {
        user_email: email.into(),
        role: role.into(),
        standing: standing.into(),
        start_on: (today() - Duration::days(30)).to_string(),
        ..Default::default()
    }
}

/// A Fresno local policy team with its chair, staff, a member and an informed judge.
async fn staffed_team(t: &Teams) -> i64 {
    let app = &t.app.app;
    let now = Utc::now();
    let id = app
        .create_team(&t.admin, &local_team("Fresno SOMT Policy Team"), now)
        .await
        .unwrap();
    app.appoint_team_leader(
        &t.admin,
        id,
        &LeaderInput {
            user_email: "chair@fresno.example".into(),
            kind: "chair".into(),
            start_on: (today() - Duration::days(60)).to_string(),
        },
        now,
    )
    .await
    .unwrap();
    app.add_team_staff(
        &t.admin,
        id,
        &LeaderInput {
            user_email: "staff@fresno.example".into(),
            kind: String::new(),
            start_on: (today() - Duration::days(60)).to_string(),
        },
        now,
    )
    .await
    .unwrap();
    app.add_roster_member(
        &t.chair,
        id,
        &member(
            "member@fresno.example",
            "supervising_officer",
            "representative",
        ),
        now,
    )
    .await
    .unwrap();
    app.add_roster_member(
        &t.staff,
        id,
        &member("judge@court.example", "judge", "informed"),
        now,
    )
    .await
    .unwrap();
    id
}

async fn trail(app: &App) -> Vec<StoredAuditEvent> {
    let tx = app.store().begin_read().await.unwrap();
    let mut events = tx
        .audit_events(&AuditFilter::default(), 1_000_000)
        .await
        .unwrap();
    events.reverse();
    events
}

async fn token(app: &TestApp, email: &str) -> String {
    app.app
        .create_token(
            &Actor::console(),
            &Email::parse(email).unwrap(),
            "teams",
            None,
            Utc::now(),
        )
        .await
        .unwrap()
        .token
}

async fn members_see_their_team_and_nobody_else_does(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let id = staffed_team(&t).await;
    let kern_team = app
        .create_team(
            &t.kern_admin,
            &TeamInput {
                jurisdiction: "Kern".into(),
                ..local_team("Kern SOMT Policy Team")
            },
            now,
        )
        .await
        .unwrap();

    // A member sees their team, and not another county's.
    let mine = app.teams(&t.member, now).await.unwrap();
    let names: Vec<&str> = mine.teams.iter().map(|s| s.team.name.as_str()).collect();
    assert_eq!(names, ["Fresno SOMT Policy Team"]);
    assert_eq!(mine.teams[0].standings, [TeamStanding::Member]);
    assert!(mine.may_create_in.is_none());
    let view = app.team_view(&t.member, id, now).await.unwrap();
    assert!(!view.may_edit && !view.may_appoint);
    assert!(matches!(
        app.team_view(&t.member, kern_team, now).await,
        Err(AppError::NotFound)
    ));
    // A member does not edit the team.
    assert!(matches!(
        app.update_team(
            &t.member,
            id,
            &TeamInput {
                version: view.team.version,
                ..local_team("Renamed")
            },
            now
        )
        .await,
        Err(AppError::Forbidden(_))
    ));

    // Someone not on it gets what a stranger to a case gets: not found, by page and API.
    assert!(matches!(
        app.team_view(&t.outsider, id, now).await,
        Err(AppError::NotFound)
    ));
    assert!(app.teams(&t.outsider, now).await.unwrap().teams.is_empty());
    let outsider_token = token(&t.app, "outsider@fresno.example").await;
    let res = t
        .app
        .client
        .get(t.app.url(&format!("/api/v1/teams/{id}")))
        .bearer_auth(&outsider_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let mut outsider = t
        .app
        .signed_in(
            "outsider@fresno.example",
            &t.password("outsider@fresno.example"),
        )
        .await;
    assert_eq!(
        outsider.get(&format!("/teams/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let member_token = token(&t.app, "member@fresno.example").await;
    let body: Value = t
        .app
        .client
        .get(t.app.url(&format!("/api/v1/teams/{id}")))
        .bearer_auth(&member_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["name"], "Fresno SOMT Policy Team");
    assert_eq!(body["jurisdiction"], "Fresno");

    // The county's admin sees every team of the county; another county's admin sees none of
    // them and cannot create one for this county.
    let admin_view = app.teams(&t.admin, now).await.unwrap();
    assert_eq!(admin_view.teams.len(), 1);
    assert_eq!(admin_view.may_create_in.map(|j| j.code()), Some("Fresno"));
    assert!(matches!(
        app.team_view(&t.kern_admin, id, now).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        app.create_team(&t.kern_admin, &local_team("Not theirs"), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let kern_token = token(&t.app, "admin@kern.example").await;
    let res = t
        .app
        .client
        .post(t.app.url("/api/v1/teams"))
        .bearer_auth(&kern_token)
        .json(&json!({"name": "Not theirs", "level": "local_policy", "jurisdiction": "Fresno"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // An officer holds no admin role: the route refuses them.
    let res = t
        .app
        .client
        .post(t.app.url("/api/v1/teams"))
        .bearer_auth(&member_token)
        .json(&json!({"name": "Mine", "level": "local_policy", "jurisdiction": "Fresno"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The chair adds a sub-team; members of the team see its name, not the sub-team itself.
    let sub = app
        .create_sub_team(
            &t.chair,
            id,
            &TeamInput {
                name: "Training working group".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let mine = app.teams(&t.member, now).await.unwrap();
    assert_eq!(
        mine.teams[0].sub_teams,
        [(sub, "Training working group".to_owned())]
    );
    assert!(matches!(
        app.team_view(&t.member, sub, now).await,
        Err(AppError::NotFound)
    ));
    // The chair of the team above leads the sub-team too; it works at the parent's level.
    let sub_view = app.team_view(&t.chair, sub, now).await.unwrap();
    assert!(sub_view.may_edit);
    assert_eq!(sub_view.team.jurisdiction.code(), "Fresno");
    assert_eq!(sub_view.parent.map(|p| p.0), Some(id));
    // A member cannot add a sub-team.
    assert!(matches!(
        app.create_sub_team(&t.member, id, &local_team("Mine"), now)
            .await,
        Err(AppError::Forbidden(_))
    ));

    // The member's page lists the team; an unknown API field is refused.
    let mut browser = t
        .app
        .signed_in(
            "member@fresno.example",
            &t.password("member@fresno.example"),
        )
        .await;
    let html = browser.page("/teams").await;
    assert!(html.contains("Fresno SOMT Policy Team"), "{html}");
    assert!(html.contains("Training working group"), "{html}");
    assert!(!html.contains("Kern SOMT Policy Team"), "{html}");
    assert!(!html.contains("Create a team"), "{html}");
    // "Teams" is in the header of those on a team and of agency admins, not of others.
    let nav = r#"href="/teams" class="usa-nav-link"#;
    assert!(browser.page("/today").await.contains(nav));
    assert!(!outsider.page("/today").await.contains(nav));
    let mut judge = t
        .app
        .signed_in("judge@court.example", &t.password("judge@court.example"))
        .await;
    assert!(
        !judge.page("/today").await.contains(nav),
        "informed is not on the team"
    );
    let mut admin = t
        .app
        .signed_in("admin@fresno.example", &t.password("admin@fresno.example"))
        .await;
    let html = admin.page("/teams").await;
    assert!(
        html.contains(nav) && html.contains("Create a team"),
        "{html}"
    );
    let admin_token = token(&t.app, "admin@fresno.example").await;
    let res = t
        .app
        .client
        .post(t.app.url("/api/v1/teams"))
        .bearer_auth(&admin_token)
        .json(&json!({"name": "X", "level": "local_policy", "jurisdiction": "Fresno", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_level_and_its_jurisdiction_must_agree_and_the_state_has_one_statewide_team(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let at = |e: Result<i64, AppError>, field: &str| match e {
        Err(AppError::InvalidInput(p)) => {
            assert!(p.message_at(field).is_some(), "{field}: {p:?}")
        }
        other => panic!("expected a refusal at {field}, got {other:?}"),
    };
    // A statewide team for one county, a county team for the state: refused at the field.
    at(
        app.create_team(
            &t.admin,
            &TeamInput {
                level: "statewide_policy".into(),
                ..local_team("Statewide")
            },
            now,
        )
        .await,
        "jurisdiction",
    );
    at(
        app.create_team(
            &t.state_admin,
            &TeamInput {
                jurisdiction: "state".into(),
                ..local_team("Local for the state")
            },
            now,
        )
        .await,
        "jurisdiction",
    );
    at(
        app.create_team(
            &t.admin,
            &TeamInput {
                jurisdiction: "Gotham".into(),
                ..local_team("Nowhere")
            },
            now,
        )
        .await,
        "jurisdiction",
    );
    // The same through the API: 422 naming the field, and nothing stored.
    let admin_token = token(&t.app, "admin@fresno.example").await;
    let res = t
        .app
        .client
        .post(t.app.url("/api/v1/teams"))
        .bearer_auth(&admin_token)
        .json(&json!({"name": "Statewide", "level": "statewide_policy", "jurisdiction": "Fresno"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "jurisdiction", "{body}");
    // The page keeps what was typed and shows the message at the field.
    let mut browser = t
        .app
        .signed_in("admin@fresno.example", &t.password("admin@fresno.example"))
        .await;
    let res = browser
        .post(
            "/teams",
            &[
                ("name", "Statewide from Fresno"),
                ("level", "statewide_policy"),
                ("jurisdiction", "Fresno"),
                ("mission", "Kept mission"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("jurisdiction-error"), "{html}");
    assert!(html.contains("Kept mission"), "{html}");
    assert!(app.teams(&t.admin, now).await.unwrap().teams.is_empty());

    // A county admin founds no statewide team; the state agency's admin founds the one.
    assert!(matches!(
        app.create_team(
            &t.admin,
            &TeamInput {
                level: "statewide_policy".into(),
                jurisdiction: "state".into(),
                ..local_team("Statewide")
            },
            now
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
    let statewide = TeamInput {
        level: "statewide_policy".into(),
        jurisdiction: "state".into(),
        ..local_team("California SOMB Policy Team")
    };
    let first = app
        .create_team(&t.state_admin, &statewide, now)
        .await
        .unwrap();
    at(
        app.create_team(
            &t.state_admin,
            &TeamInput {
                name: "A second one".into(),
                ..statewide.clone()
            },
            now,
        )
        .await,
        "level",
    );
    // Several local teams live beside it.
    app.create_team(&t.admin, &local_team("Fresno one"), now)
        .await
        .unwrap();
    app.create_team(&t.admin, &local_team("Fresno two"), now)
        .await
        .unwrap();
    assert_eq!(app.teams(&t.admin, now).await.unwrap().teams.len(), 2);
    let state = app.teams(&t.state_admin, now).await.unwrap();
    assert_eq!(
        state.teams.iter().map(|s| s.team.id).collect::<Vec<_>>(),
        [first]
    );
}

async fn chair_rotation_keeps_the_history_and_a_judge_is_informed_not_a_member(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let id = staffed_team(&t).await;
    // Only the jurisdiction's admin appoints: not the chair, not a member.
    let rotation = LeaderInput {
        user_email: "member@fresno.example".into(),
        kind: "moderator".into(),
        start_on: (today() - Duration::days(10)).to_string(),
    };
    assert!(matches!(
        app.appoint_team_leader(&t.chair, id, &rotation, now).await,
        Err(AppError::Forbidden(_))
    ));
    // A term cannot start before the one in force.
    match app
        .appoint_team_leader(
            &t.admin,
            id,
            &LeaderInput {
                start_on: (today() - Duration::days(90)).to_string(),
                ..rotation.clone()
            },
            now,
        )
        .await
    {
        Err(AppError::InvalidInput(p)) => assert!(p.message_at("start_on").is_some(), "{p:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    app.appoint_team_leader(&t.admin, id, &rotation, now)
        .await
        .unwrap();
    let view = app.team_view(&t.admin, id, now).await.unwrap();
    let terms: Vec<(String, Option<NaiveDate>, bool)> = view
        .terms
        .iter()
        .map(|t| (t.record.kind.code().to_owned(), t.record.end_on, t.current))
        .collect();
    assert_eq!(
        terms,
        [
            (
                "chair".to_owned(),
                Some(today() - Duration::days(11)),
                false
            ),
            ("moderator".to_owned(), None, true),
        ],
        "the old term ends the day before the new one and stays"
    );
    assert_eq!(view.current_leader().unwrap().person.name, "Test Person");
    // The former chair no longer leads; the new moderator does.
    assert!(matches!(
        app.team_view(&t.chair, id, now).await,
        Err(AppError::NotFound)
    ));
    assert!(app.team_view(&t.member, id, now).await.unwrap().may_edit);
    // The page shows the history.
    let mut browser = t
        .app
        .signed_in(
            "member@fresno.example",
            &t.password("member@fresno.example"),
        )
        .await;
    let html = browser.page(&format!("/teams/{id}")).await;
    assert!(html.contains("Past terms"), "{html}");
    assert!(html.contains("Moderator: Test Person"), "{html}");

    // The judge is shown, informed, but is no member: sees nothing of the team.
    let judge = view
        .roster
        .iter()
        .find(|r| r.record.role.code() == "judge")
        .unwrap();
    assert_eq!(judge.record.standing.code(), "informed");
    assert!(html.contains("Informed, not a member"), "{html}");
    assert!(matches!(
        app.team_view(&t.judge, id, now).await,
        Err(AppError::NotFound)
    ));
    assert!(app.teams(&t.judge, now).await.unwrap().teams.is_empty());
    assert!(matches!(
        app.workplan(&t.judge, id, now).await,
        Err(AppError::NotFound)
    ));
    // A judge is never put on as a member.
    match app
        .add_roster_member(
            &t.staff,
            id,
            &member("outsider@fresno.example", "judge", "representative"),
            now,
        )
        .await
    {
        Err(AppError::InvalidInput(p)) => assert!(p.message_at("standing").is_some(), "{p:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Someone from outside who does not sign in is listed by name.
    app.add_roster_member(
        &t.staff,
        id,
        &MemberInput {
            external_name: "Aide to Assemblymember Ruiz".into(),
            external_email: "aide@assembly.example".into(),
            organization: "California State Assembly".into(),
            role: "legislative_staff".into(),
            standing: "informed".into(),
            start_on: today().to_string(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    // Ending a membership asks to confirm, then keeps the line as history.
    let line = view
        .roster
        .iter()
        .find(|r| r.record.role.code() == "supervising_officer")
        .unwrap()
        .record
        .id;
    let mut staff = t
        .app
        .signed_in("staff@fresno.example", &t.password("staff@fresno.example"))
        .await;
    let confirm = staff.page(&format!("/teams/{id}/members/{line}/end")).await;
    assert!(confirm.contains("End the place"), "{confirm}");
    let res = staff
        .post(
            &format!("/teams/{id}/members/{line}/end"),
            &[("end_on", &today().to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = app.team_view(&t.admin, id, now).await.unwrap();
    let ended = after.roster.iter().find(|r| r.record.id == line).unwrap();
    assert_eq!(ended.record.end_on, Some(today()));
    assert!(
        after
            .roster
            .iter()
            .any(|r| r.person.name == "Aide to Assemblymember Ruiz")
    );
}

fn activity(goal: i64, owner: i64, title: &str, due: NaiveDate) -> ActivityInput {
    ActivityInput {
        goal_id: goal.to_string(),
        title: title.into(),
        deliverables: "A written protocol".into(),
        owner_user_id: owner.to_string(),
        start_on: (today() - Duration::days(40)).to_string(),
        due_on: due.to_string(),
        status: String::new(),
        version: 0,
    }
}

async fn workplan_progress_and_overdue_on_the_due_date_boundary(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let id = staffed_team(&t).await;
    let view = app.team_view(&t.staff, id, now).await.unwrap();
    let share = view.goals[0].goal.id;
    let train = view.goals[1].goal.id;
    let member = t.member.user_id().unwrap();
    let d = today();
    let yesterday = app
        .create_activity(
            &t.staff,
            id,
            &activity(share, member, "Due yesterday", d - Duration::days(1)),
            now,
        )
        .await
        .unwrap();
    let due_today = app
        .create_activity(&t.staff, id, &activity(share, member, "Due today", d), now)
        .await
        .unwrap();
    app.create_activity(
        &t.chair,
        id,
        &activity(share, member, "Due tomorrow", d + Duration::days(1)),
        now,
    )
    .await
    .unwrap();
    let done = app
        .create_activity(
            &t.staff,
            id,
            &activity(train, member, "Done late", d - Duration::days(5)),
            now,
        )
        .await
        .unwrap();
    let dropped = app
        .create_activity(
            &t.staff,
            id,
            &activity(train, member, "Dropped", d - Duration::days(5)),
            now,
        )
        .await
        .unwrap();
    for (a, status) in [(done, "done"), (dropped, "dropped")] {
        app.record_activity_note(
            &t.staff,
            id,
            a,
            &NoteInput {
                on: d.to_string(),
                body: String::new(),
                status: status.into(),
            },
            now,
        )
        .await
        .unwrap();
    }
    let plan = app.workplan(&t.member, id, now).await.unwrap();
    let overdue: Vec<(&str, bool)> = plan
        .goals
        .iter()
        .flat_map(|g| g.activities.iter())
        .map(|a| (a.activity.title.as_str(), a.overdue))
        .collect();
    assert_eq!(
        overdue,
        [
            ("Due yesterday", true),
            ("Due today", false),
            ("Due tomorrow", false),
            ("Done late", false),
            ("Dropped", false),
        ],
        "the day after the due date is overdue; the day and the day before are not"
    );
    let progress: Vec<(usize, usize, usize)> = plan
        .goals
        .iter()
        .map(|g| (g.progress.done, g.progress.total, g.progress.overdue))
        .collect();
    assert_eq!(progress, [(0, 3, 1), (1, 2, 0)]);
    let team = app.team_view(&t.member, id, now).await.unwrap();
    assert_eq!(
        team.goals
            .iter()
            .map(|g| (g.progress.done, g.progress.total, g.progress.overdue))
            .collect::<Vec<_>>(),
        [(0, 3, 1), (1, 2, 0)],
        "the team page shows the same at a glance"
    );
    // Members read the plan but do not plan; the owner records notes and moves the status.
    assert!(!plan.may_plan);
    assert!(matches!(
        app.create_activity(&t.member, id, &activity(share, member, "Mine", d), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    app.record_activity_note(
        &t.member,
        id,
        due_today,
        &NoteInput {
            on: d.to_string(),
            body: "Draft circulated.".into(),
            status: "in_progress".into(),
        },
        now,
    )
    .await
    .unwrap();
    // An owner must be on the team; a note cannot be dated in the future.
    match app
        .create_activity(
            &t.staff,
            id,
            &activity(share, t.outsider.user_id().unwrap(), "Theirs", d),
            now,
        )
        .await
    {
        Err(AppError::InvalidInput(p)) => {
            assert!(p.message_at("owner_user_id").is_some(), "{p:?}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match app
        .record_activity_note(
            &t.member,
            id,
            yesterday,
            &NoteInput {
                on: (d + Duration::days(1)).to_string(),
                body: "Tomorrow".into(),
                status: String::new(),
            },
            now,
        )
        .await
    {
        Err(AppError::InvalidInput(p)) => assert!(p.message_at("on").is_some(), "{p:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Notes are kept, with the status they set.
    let plan = app.workplan(&t.staff, id, now).await.unwrap();
    let line = plan
        .goals
        .iter()
        .flat_map(|g| g.activities.iter())
        .find(|a| a.activity.id == due_today)
        .unwrap();
    assert_eq!(line.activity.status.code(), "in_progress");
    assert_eq!(line.notes.len(), 1);
    assert_eq!(line.notes[0].0.body, "Draft circulated.");
    // A stale edit is refused.
    assert!(matches!(
        app.update_activity(
            &t.staff,
            id,
            due_today,
            &ActivityInput {
                version: 1,
                ..activity(share, member, "Renamed", d)
            },
            now
        )
        .await,
        Err(AppError::Stale { .. })
    ));
    // The workplan through the API.
    let tok = token(&t.app, "member@fresno.example").await;
    let body: Value = t
        .app
        .client
        .get(t.app.url(&format!("/api/v1/teams/{id}/workplan")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["goals"][0]["overdue"], 1, "{body}");
    assert_eq!(body["goals"][1]["done"], 1, "{body}");
}

async fn an_overdue_activity_shows_on_its_owners_today_page_only(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let id = staffed_team(&t).await;
    let goal = app.team_view(&t.staff, id, now).await.unwrap().goals[0]
        .goal
        .id;
    let d = today();
    let late = app
        .create_activity(
            &t.staff,
            id,
            &activity(
                goal,
                t.member.user_id().unwrap(),
                "Draft the MOU",
                d - Duration::days(1),
            ),
            now,
        )
        .await
        .unwrap();
    app.create_activity(
        &t.staff,
        id,
        &activity(
            goal,
            t.member.user_id().unwrap(),
            "Book the training room",
            d,
        ),
        now,
    )
    .await
    .unwrap();
    let mut owner = t
        .app
        .signed_in(
            "member@fresno.example",
            &t.password("member@fresno.example"),
        )
        .await;
    let html = owner.page("/today").await;
    assert!(html.contains("Team activities overdue"), "{html}");
    assert!(html.contains("Draft the MOU"), "{html}");
    assert!(
        html.contains(&format!("/teams/{id}/workplan/activities/{late}")),
        "{html}"
    );
    assert!(
        !html.contains("Book the training room"),
        "due today is not overdue"
    );
    let page = owner
        .page(&format!("/teams/{id}/workplan/activities/{late}"))
        .await;
    assert!(
        page.contains("Record the note"),
        "the owner may record a note"
    );
    // Someone else's Today does not show it, though they are on the team.
    let mut staff = t
        .app
        .signed_in("staff@fresno.example", &t.password("staff@fresno.example"))
        .await;
    let html = staff.page("/today").await;
    assert!(!html.contains("Draft the MOU"), "{html}");
    // The API's Today carries it too, for the owner only.
    let tok = token(&t.app, "member@fresno.example").await;
    let body: Value = t
        .app
        .client
        .get(t.app.url("/api/v1/me/tasks"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["team_activities"][0]["activity_id"], late, "{body}");
    assert_eq!(body["team_activities"].as_array().unwrap().len(), 1);
    // Whoever leaves the team no longer has its activities on their Today page.
    let line = app
        .team_view(&t.staff, id, now)
        .await
        .unwrap()
        .roster
        .iter()
        .find(|r| r.record.user_id == t.member.user_id())
        .unwrap()
        .record
        .id;
    app.end_roster_member(
        &t.staff,
        id,
        line,
        &(d - Duration::days(1)).to_string(),
        now,
    )
    .await
    .unwrap();
    assert!(!owner.page("/today").await.contains("Draft the MOU"));
    app.add_roster_member(
        &t.staff,
        id,
        &member("member@fresno.example", "supervising_officer", "designee"),
        now,
    )
    .await
    .unwrap();
    assert!(owner.page("/today").await.contains("Draft the MOU"));
    // Once done, it leaves the Today page.
    app.record_activity_note(
        &t.member,
        id,
        late,
        &NoteInput {
            on: d.to_string(),
            body: "Signed by all parties.".into(),
            status: "done".into(),
        },
        now,
    )
    .await
    .unwrap();
    assert!(!owner.page("/today").await.contains("Draft the MOU"));
}

async fn reads_writes_and_refusals_are_audited(db: TestDb) {
    let t = setup(&db).await;
    let app = &t.app.app;
    let now = Utc::now();
    let id = staffed_team(&t).await;
    let before = trail(app).await.len();
    app.team_view(&t.member, id, now).await.unwrap();
    app.workplan(&t.member, id, now).await.unwrap();
    app.teams(&t.member, now).await.unwrap();
    let _ = app.team_view(&t.outsider, id, now).await;
    let _ = app
        .update_team(&t.member, id, &local_team("Renamed"), now)
        .await;
    let events: Vec<(String, String, Option<String>, Option<i64>)> = trail(app)
        .await
        .into_iter()
        .skip(before)
        .map(|e| {
            (
                e.content.action,
                e.content.outcome,
                e.content.object_id,
                e.content.actor_user_id,
            )
        })
        .collect();
    let member = t.member.user_id();
    let team = Some(id.to_string());
    assert_eq!(
        events,
        [
            ("team_read".into(), "success".into(), team.clone(), member),
            (
                "workplan_read".into(),
                "success".into(),
                team.clone(),
                member
            ),
            ("teams_list".into(), "success".into(), None, member),
            (
                "team_read".into(),
                "denied".into(),
                team.clone(),
                t.outsider.user_id()
            ),
            ("team_update".into(), "denied".into(), team.clone(), member),
        ]
    );
    // The writes of the setup left theirs.
    let actions: Vec<String> = trail(app)
        .await
        .into_iter()
        .map(|e| e.content.action)
        .collect();
    for a in [
        "team_create",
        "team_leader_appoint",
        "team_staff_add",
        "team_roster_add",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
    // A refusal by the route's guard: an officer asking for the form to create a team.
    let before = trail(app).await.len();
    let mut officer = t
        .app
        .signed_in(
            "outsider@fresno.example",
            &t.password("outsider@fresno.example"),
        )
        .await;
    assert_eq!(
        officer.get("/teams/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let denied: Vec<StoredAuditEvent> = trail(app)
        .await
        .into_iter()
        .skip(before)
        .filter(|e| e.content.action == "access_denied")
        .collect();
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].content.actor_user_id, t.outsider.user_id());
}

async fn the_demo_data_has_a_local_policy_team_with_a_workplan(db: TestDb) {
    let app = db.app().await;
    let now = Utc::now();
    let summary = app.generate_demo(12, 5, now, |_| {}).await.unwrap();
    assert_eq!((summary.teams, summary.team_activities), (1, 4));
    // The county's agency admin sees it, with members from several agencies and a judge kept
    // informed.
    let admin = summary
        .sample_accounts
        .iter()
        .find(|(r, _)| *r == Role::AgencyAdmin)
        .map(|(_, e)| e.clone())
        .unwrap();
    let user = app.user_by_email(&Actor::console(), &admin).await.unwrap();
    let admin = Actor {
        user: Some(user),
        channel: containment_app::Channel::Token(0),
        client: Default::default(),
    };
    let teams = app.teams(&admin, now).await.unwrap();
    assert_eq!(teams.teams.len(), 1);
    let team = &teams.teams[0].team;
    assert_eq!(team.level.code(), "local_policy");
    let view = app.team_view(&admin, team.id, now).await.unwrap();
    let organizations: std::collections::BTreeSet<&str> = view
        .roster
        .iter()
        .map(|r| r.person.organization.as_str())
        .collect();
    assert!(organizations.len() >= 4, "{organizations:?}");
    assert!(
        view.roster
            .iter()
            .any(|r| r.record.role.code() == "judge" && r.record.standing.code() == "informed")
    );
    assert!(view.current_leader().is_some());
    let overdue: usize = view.goals.iter().map(|g| g.progress.overdue).sum();
    assert_eq!(overdue, 1, "one activity of the workplan is overdue");
}
