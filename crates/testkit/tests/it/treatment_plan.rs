//! The treatment plan: sessions with attendance, intensity against the risk-level
//! recommendation, modules with completion and the versioned treatment contract, each behind
//! its part of the information wall.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use containment_app::{
    Actor, AppError, ContractInput, ContractRecord, IntensityInput, IntensityRecommendation,
    ModuleInput, ScoreRecord, SessionInput, TreatmentInput,
};
use containment_domain::access::TeamRole;
use containment_domain::case::local_date;
use containment_domain::instrument::{Instrument, ScoreReason, Static99rLevel};
use containment_domain::treatment::{Attendance, CONTRACT_DUTIES, SessionCounts, SessionFormat};
use containment_storage::StorageError;
use containment_testkit::{Browser, Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::{World, actor, certify, world};
use crate::treatment::{court_waiver, setup, staffed};

both_backends!(
    sessions_are_recorded_by_the_provider_and_read_only_under_a_waiver,
    intensity_departing_from_the_risk_level_needs_a_reason,
    modules_are_completed_within_their_treatment_and_stay_behind_the_wall,
    contract_versions_supersede_and_a_version_number_is_taken_once,
    the_treatment_api_records_and_shows_the_plan,
    the_treatment_page_offers_labelled_quick_entry,
    a_session_dated_before_its_author_was_certified_is_flagged,
);

async fn enroll(w: &World, id: i64, start: NaiveDate, sessions: &str, reason: &str) -> i64 {
    w.app
        .app
        .enroll_treatment(
            &w.provider,
            id,
            &TreatmentInput {
                kind: "post_conviction".into(),
                start_date: start.to_string(),
                sessions_per_month: sessions.into(),
                intensity_reason: reason.into(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id
}

fn session(treatment: Option<i64>, on: NaiveDate, attendance: &str) -> SessionInput {
    SessionInput {
        treatment_id: treatment,
        on: on.to_string(),
        attendance: attendance.into(),
        format: "group".into(),
        note: "Worked on the relapse-prevention plan.".into(),
    }
}

/// A Static-99R at this level, scored today, straight into the store.
async fn static99r(w: &World, id: i64, level: Static99rLevel, now: DateTime<Utc>) {
    let tx = w.app.app.store().begin().await.unwrap();
    tx.create_score(
        &ScoreRecord {
            id: 0,
            supervisee_id: id,
            instrument: Instrument::Static99r,
            scored_on: local_date(now),
            reason: ScoreReason::Intake,
            scorer_user_id: w.provider.user_id().unwrap(),
            scorer_certified: true,
            uncertified_reason: None,
            release_date: None,
            answers: "{}".into(),
            total: 2,
            level: level.code().into(),
            pre2016_category: None,
            combined_level: None,
            gears_reference: None,
            created_at: now,
            recorded_by: w.provider.user_id().unwrap(),
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn sessions_are_recorded_by_the_provider_and_read_only_under_a_waiver(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = setup(&w, "Session Case").await;
    let start = today - Duration::days(30);
    let treatment = enroll(&w, id, start, "", "").await;
    // Only the provider records sessions.
    assert!(matches!(
        w.app
            .app
            .record_session(&w.officer, id, &session(None, today, "attended"), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    // Tomorrow is refused, and so is the day before the treatment started.
    let err = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &session(Some(treatment), today + Duration::days(1), "attended"),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("in the future")),
        "{err}"
    );
    let err = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &session(Some(treatment), start - Duration::days(1), "attended"),
            now,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("before the treatment started"),
        "{err}"
    );
    let err = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &SessionInput {
                format: "seminar".into(),
                ..session(Some(treatment + 1000), today, "late")
            },
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("attendance") && err.contains("session format") && err.contains("treatment:"),
        "{err}"
    );
    // Today and the first day of treatment are accepted; a session need not name a treatment.
    let today_session = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &session(Some(treatment), today, "missed"),
            now,
        )
        .await
        .unwrap();
    let first = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &session(Some(treatment), start, "attended"),
            now,
        )
        .await
        .unwrap();
    let loose = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &SessionInput {
                format: "individual".into(),
                note: String::new(),
                ..session(None, start, "excused")
            },
            now,
        )
        .await
        .unwrap();
    // The court waiver covers progress, not attendance detail: the officer sees the treatment
    // but not its sessions.
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert!(view.treatments.is_some());
    assert!(view.plan.sessions.is_none(), "no waiver covers attendance");
    // Once a waiver covers attendance detail, the officer reads them, by date then id.
    court_waiver(&w, id, &["attendance_detail"]).await;
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    let sessions = view.plan.sessions.unwrap();
    assert_eq!(
        sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![first, loose, today_session]
    );
    assert_eq!(sessions[0].treatment_id, Some(treatment));
    assert_eq!(sessions[0].attendance, Attendance::Attended);
    assert_eq!(sessions[0].format, SessionFormat::Group);
    assert_eq!(sessions[0].note, "Worked on the relapse-prevention plan.");
    assert_eq!(sessions[0].recorded_by, w.provider.user_id().unwrap());
    assert_eq!(sessions[1].treatment_id, None);
    assert_eq!(sessions[1].format, SessionFormat::Individual);
    // Law enforcement reads none of it.
    let deputy_view = w.app.app.treatment_view(&deputy, id, now).await;
    assert!(
        deputy_view.is_err() || deputy_view.unwrap().plan.sessions.is_none(),
        "no attendance for law enforcement"
    );
    // The batch loader the monthly report uses counts them by period.
    let tx = w.app.app.store().begin().await.unwrap();
    let loaded = tx.sessions_of(&[id, id + 1000]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(loaded, sessions);
    let counts = SessionCounts::between(loaded.iter().map(|s| (s.on, s.attendance)), start, today);
    assert_eq!(
        counts,
        SessionCounts {
            scheduled: 3,
            attended: 1,
            missed: 1,
            excused: 1
        }
    );
}

async fn intensity_departing_from_the_risk_level_needs_a_reason(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "Intensity Case").await;
    let start = today - Duration::days(10);
    // Without a score there is no recommendation: any number, no reason needed, and an empty
    // one stays unset.
    let view = w
        .app
        .app
        .treatment_view(&w.provider, id, now)
        .await
        .unwrap();
    assert_eq!(
        view.plan.recommendation,
        Some(IntensityRecommendation::default())
    );
    let unscored = enroll(&w, id, start, "", "").await;
    static99r(&w, id, Static99rLevel::III, now).await;
    let view = w
        .app
        .app
        .treatment_view(&w.provider, id, now)
        .await
        .unwrap();
    assert_eq!(
        view.plan.recommendation,
        Some(IntensityRecommendation {
            level: Some(Static99rLevel::III),
            sessions_per_month: Some(4)
        })
    );
    // Level III recommends 4 a month: 6 without a reason is refused, with one accepted.
    let err = w
        .app
        .app
        .enroll_treatment(
            &w.provider,
            id,
            &TreatmentInput {
                kind: "post_conviction".into(),
                start_date: start.to_string(),
                sessions_per_month: "6".into(),
                intensity_reason: "  ".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidInput(m) if m.to_string().contains("Risk principle")),
        "{err}"
    );
    let departing = enroll(
        &w,
        id,
        start,
        "6",
        "Deviant arousal needs weekly individual work.",
    )
    .await;
    // At the recommendation no reason is needed, and an empty number takes it.
    let at = enroll(&w, id, start, "4", "").await;
    let defaulted = enroll(&w, id, start, "", "").await;
    let treatments = w
        .app
        .app
        .treatment_view(&w.officer, id, now)
        .await
        .unwrap()
        .treatments
        .unwrap();
    let find = |t: i64| treatments.iter().find(|r| r.id == t).unwrap().clone();
    assert_eq!(find(unscored).sessions_per_month, None);
    assert_eq!(find(departing).sessions_per_month, Some(6));
    assert_eq!(
        find(departing).intensity_reason.as_deref(),
        Some("Deviant arousal needs weekly individual work.")
    );
    assert_eq!(find(at).sessions_per_month, Some(4));
    assert_eq!(find(at).intensity_reason, None);
    assert_eq!(find(defaulted).sessions_per_month, Some(4));
    // Changing it: the provider only, against the current version, with a reason to depart.
    let change = |version: i32, sessions: &str, reason: &str| IntensityInput {
        version,
        sessions_per_month: sessions.into(),
        reason: reason.into(),
    };
    assert!(matches!(
        w.app
            .app
            .change_intensity(&w.officer, id, at, &change(1, "4", ""), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let err = w
        .app
        .app
        .change_intensity(&w.provider, id, at, &change(1, "2", ""), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("give the reason"), "{err}");
    let err = w
        .app
        .app
        .change_intensity(&w.provider, id, at, &change(1, "", ""), now)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("sessions per month is required"),
        "{err}"
    );
    assert!(matches!(
        w.app
            .app
            .change_intensity(&w.provider, id, at, &change(1, "40", "a lot"), now)
            .await,
        Err(AppError::InvalidInput(_))
    ));
    w.app
        .app
        .change_intensity(
            &w.provider,
            id,
            at,
            &change(1, "2", "Stable for six months; stepping down."),
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .app
            .change_intensity(&w.provider, id, at, &change(1, "4", ""), now)
            .await,
        Err(AppError::Stale { current_version: 2 })
    ));
    // Back at the recommendation: no reason needed, and the old one is cleared.
    w.app
        .app
        .change_intensity(&w.provider, id, departing, &change(1, "4", ""), now)
        .await
        .unwrap();
    let treatments = w
        .app
        .app
        .treatment_view(&w.provider, id, now)
        .await
        .unwrap()
        .treatments
        .unwrap();
    let departing = treatments.iter().find(|r| r.id == departing).unwrap();
    assert_eq!(departing.sessions_per_month, Some(4));
    assert_eq!(departing.intensity_reason, None);
    assert_eq!(departing.version, 2);
    let at = treatments.iter().find(|r| r.id == at).unwrap();
    assert_eq!(at.sessions_per_month, Some(2));
    assert_eq!(
        at.intensity_reason.as_deref(),
        Some("Stable for six months; stepping down.")
    );
}

async fn modules_are_completed_within_their_treatment_and_stay_behind_the_wall(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = staffed(&w, "Module Case").await;
    let start = today - Duration::days(60);
    let treatment = enroll(&w, id, start, "", "").await;
    let module = |name: &str, started: NaiveDate, completed: &str| ModuleInput {
        name: name.into(),
        started_on: started.to_string(),
        completed_on: completed.into(),
    };
    assert!(matches!(
        w.app
            .app
            .add_module(
                &w.officer,
                id,
                treatment,
                &module("Victim empathy", today, ""),
                now
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    let err = w
        .app
        .app
        .add_module(
            &w.provider,
            id,
            treatment,
            &module(" ", start - Duration::days(1), &start.to_string()),
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("module name is required")
            && err.contains("before the treatment started")
            && !err.contains("before the module started"),
        "{err}"
    );
    assert!(matches!(
        w.app
            .app
            .add_module(
                &w.provider,
                id,
                treatment + 1000,
                &module("X", today, ""),
                now
            )
            .await,
        Err(AppError::NotFound)
    ));
    let empathy = w
        .app
        .app
        .add_module(
            &w.provider,
            id,
            treatment,
            &module("Victim empathy", start + Duration::days(10), ""),
            now,
        )
        .await
        .unwrap();
    let cycle = w
        .app
        .app
        .add_module(
            &w.provider,
            id,
            treatment,
            &module(
                "Offense cycle",
                start,
                &(start + Duration::days(20)).to_string(),
            ),
            now,
        )
        .await
        .unwrap();
    // Completing: under a waiver, not tomorrow, not before the start, the provider only, once.
    let complete = |on: NaiveDate| {
        let app = w.app.app.clone();
        let provider = w.provider.clone();
        async move {
            app.complete_module(&provider, id, empathy, &on.to_string(), now)
                .await
        }
    };
    // Updating treatment progress discloses it: the provider needs a covering waiver too.
    assert!(matches!(complete(today).await, Err(AppError::Forbidden(_))));
    // Without a waiver the officer sees neither the treatment nor its modules.
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert!(view.treatments.is_none() && view.plan.modules.is_none());
    court_waiver(&w, id, &["progress"]).await;
    let err = complete(today + Duration::days(1)).await.unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");
    let err = complete(start + Duration::days(9)).await.unwrap_err();
    assert!(
        err.to_string().contains("before the module started"),
        "{err}"
    );
    complete(today).await.unwrap();
    assert!(matches!(complete(today).await, Err(AppError::Conflict(_))));
    let modules = w
        .app
        .app
        .treatment_view(&w.officer, id, now)
        .await
        .unwrap()
        .plan
        .modules
        .unwrap();
    assert_eq!(
        modules
            .iter()
            .map(|m| (m.id, m.treatment_id, m.completed_on))
            .collect::<Vec<_>>(),
        vec![
            (cycle, treatment, Some(start + Duration::days(20))),
            (empathy, treatment, Some(today)),
        ]
    );
    assert_eq!(modules[1].completed_by, w.provider.user_id());
    let deputy_view = w.app.app.treatment_view(&deputy, id, now).await;
    assert!(
        deputy_view.is_err() || deputy_view.unwrap().plan.modules.is_none(),
        "no modules for law enforcement"
    );
}

async fn contract_versions_supersede_and_a_version_number_is_taken_once(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, deputy) = staffed(&w, "Contract Case").await;
    let examiner = actor(&w.app, &w.examiner_email).await;
    let contract = |signed: NaiveDate| ContractInput {
        signed_on: signed.to_string(),
        duties: CONTRACT_DUTIES.into(),
    };
    // The examiner reads the contract but does not write it; tomorrow and no duties are refused.
    assert!(matches!(
        w.app
            .app
            .record_contract(&examiner, id, &contract(today), now)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let err = w
        .app
        .app
        .record_contract(
            &w.officer,
            id,
            &ContractInput {
                duties: " ".into(),
                ..contract(today + Duration::days(1))
            },
            now,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("in the future") && err.contains("duties"),
        "{err}"
    );
    let (_, v1) = w
        .app
        .app
        .record_contract(&w.officer, id, &contract(today - Duration::days(90)), now)
        .await
        .unwrap();
    assert_eq!(v1, 1);
    // A new version is not signed before the one it supersedes.
    let err = w
        .app
        .app
        .record_contract(&w.provider, id, &contract(today - Duration::days(91)), now)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("before version 1 was signed"),
        "{err}"
    );
    let (_, v2) = w
        .app
        .app
        .record_contract(
            &w.provider,
            id,
            &ContractInput {
                duties: format!("{CONTRACT_DUTIES} No contact with minors without a chaperone."),
                ..contract(today)
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let contracts = w
        .app
        .app
        .treatment_view(&examiner, id, now)
        .await
        .unwrap()
        .plan
        .contracts
        .unwrap();
    assert_eq!(
        contracts.iter().map(|c| c.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let current = contracts.last().unwrap();
    assert!(current.duties.contains("chaperone"));
    assert_eq!(current.signed_on, today);
    assert_eq!(current.recorded_by, w.provider.user_id().unwrap());
    assert_eq!(contracts[0].duties, CONTRACT_DUTIES);
    let deputy_view = w.app.app.treatment_view(&deputy, id, now).await;
    assert!(deputy_view.is_err() || deputy_view.unwrap().plan.contracts.is_none());
    // Two writers who both read version 2 as the latest both try to make version 3: the
    // database takes the first and refuses the second.
    let third = |by: &Actor| ContractRecord {
        id: 0,
        supervisee_id: id,
        version: 3,
        signed_on: today,
        duties: CONTRACT_DUTIES.into(),
        recorded_by: by.user_id().unwrap(),
        created_at: now,
    };
    let tx = w.app.app.store().begin().await.unwrap();
    tx.create_contract(&third(&w.officer), now).await.unwrap();
    tx.commit().await.unwrap();
    let tx = w.app.app.store().begin().await.unwrap();
    assert!(matches!(
        tx.create_contract(&third(&w.provider), now).await,
        Err(StorageError::Conflict(_))
    ));
    drop(tx);
    let tx = w.app.app.store().begin().await.unwrap();
    let versions: Vec<i32> = tx
        .contracts_of(&[id])
        .await
        .unwrap()
        .iter()
        .map(|c| c.version)
        .collect();
    tx.commit().await.unwrap();
    assert_eq!(versions, vec![1, 2, 3]);
    // And the next one recorded through the app is version 4.
    let (_, v4) = w
        .app
        .app
        .record_contract(&w.officer, id, &contract(today), now)
        .await
        .unwrap();
    assert_eq!(v4, 4);
}

async fn the_treatment_api_records_and_shows_the_plan(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "Api Plan Case").await;
    court_waiver(&w, id, &["attendance_detail"]).await;
    static99r(&w, id, Static99rLevel::IVb, now).await;
    let treatment = enroll(&w, id, today - Duration::days(5), "", "").await;
    let token = w
        .app
        .app
        .create_token(
            &Actor::console(),
            &w.provider.user.as_ref().unwrap().email,
            "api",
            None,
            now,
        )
        .await
        .unwrap()
        .token;
    let post = |path: String, body: Value| {
        w.app
            .client
            .post(w.app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let base = format!("/api/v1/supervisees/{id}");
    let res = post(
        format!("{base}/sessions"),
        json!({"treatment_id": treatment, "on": today.to_string(), "attendance": "attended", "format": "individual"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(
        format!("{base}/sessions"),
        json!({"on": (today + Duration::days(1)).to_string(), "attendance": "attended", "format": "group"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post(
        format!("{base}/treatments/{treatment}/intensity"),
        json!({"version": 1, "sessions_per_month": 4}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post(
        format!("{base}/treatments/{treatment}/intensity"),
        json!({"version": 1, "sessions_per_month": 4, "reason": "Group only available monthly."}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = post(
        format!("{base}/treatments/{treatment}/intensity"),
        json!({"version": 1, "sessions_per_month": 8}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = post(
        format!("{base}/treatments/{treatment}/modules"),
        json!({"name": "Healthy sexuality", "started_on": today.to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let module = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = post(
        format!("{base}/modules/{module}/complete"),
        json!({"completed_on": today.to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for expected in [1, 2] {
        let res = post(
            format!("{base}/contracts"),
            json!({"signed_on": today.to_string()}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(res.json::<Value>().await.unwrap()["version"], expected);
    }
    let view: Value = w
        .app
        .client
        .get(w.app.url(&format!("{base}/treatment")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["intensity_recommendation"],
        json!({"static99r_level": "level_ivb", "sessions_per_month": 8})
    );
    let t = &view["treatments"][0];
    assert_eq!(t["sessions_per_month"], 4);
    assert_eq!(t["intensity_reason"], "Group only available monthly.");
    assert_eq!(t["version"], 2);
    assert_eq!(view["sessions"][0]["attendance"], "attended");
    assert_eq!(view["sessions"][0]["format"], "individual");
    assert_eq!(view["sessions"][0]["treatment_id"], treatment);
    assert_eq!(view["modules"][0]["name"], "Healthy sexuality");
    assert_eq!(view["modules"][0]["completed_on"], today.to_string());
    assert_eq!(view["contracts"][0]["current"], false);
    assert_eq!(view["contracts"][1]["current"], true);
    assert_eq!(view["contracts"][1]["duties"], CONTRACT_DUTIES);
}

/// Every form control of a page that a person fills in, by id, with whether a label names it;
/// and the ids used more than once.
fn controls_and_duplicate_ids(html: &str) -> (Vec<(String, bool)>, Vec<String>) {
    let attr = |tag: &str, name: &str| {
        let key = format!("{name}=\"");
        tag.find(&key).map(|at| {
            let rest = &tag[at + key.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
    };
    let mut ids = std::collections::BTreeMap::<String, usize>::new();
    let mut controls = Vec::new();
    for (at, _) in html.match_indices('<') {
        let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
        if let Some(id) = attr(tag, " id") {
            *ids.entry(id.clone()).or_default() += 1;
            let control = ["<input", "<select", "<textarea"]
                .iter()
                .any(|t| tag.starts_with(t));
            if control && attr(tag, " type").as_deref() != Some("hidden") {
                controls.push((id.clone(), html.contains(&format!("for=\"{id}\""))));
            }
        }
    }
    let duplicates = ids
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect();
    (controls, duplicates)
}

/// Posts a form of the treatment page and returns the page it answers with.
async fn page_after(b: &mut Browser, path: &str, fields: &[(&str, &str)]) -> String {
    b.post(path, fields).await.text().await.unwrap()
}

async fn the_treatment_page_offers_labelled_quick_entry(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "Page Case").await;
    court_waiver(&w, id, &["attendance_detail"]).await;
    static99r(&w, id, Static99rLevel::II, now).await;
    // A provider of the clinic who signs in through the browser.
    let added = w
        .app
        .app
        .add_user(
            &Actor::console(),
            w.provider.user.as_ref().unwrap().agency_id,
            "dr2@northbay.example",
            "Second Provider",
            &[Role::TreatmentProvider],
            now,
        )
        .await
        .unwrap();
    certify(&w.app, "casomb_provider", "dr2@northbay.example", "CP-2").await;
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
            "dr2@northbay.example",
            TeamRole::TreatmentProvider,
            today,
            now,
        )
        .await
        .unwrap();
    let treatment = enroll(&w, id, today - Duration::days(3), "", "").await;
    let mut b = w
        .app
        .signed_in("dr2@northbay.example", &added.one_time_password)
        .await;
    let path = format!("/cases/{id}/treatment");
    let html = b.page(&path).await;
    // The recommendation stands next to the field, and the quick entry defaults to today.
    assert!(html.contains("2 sessions a month"), "recommendation shown");
    assert!(html.contains(&format!(
        "id=\"session-on\" name=\"on\" type=\"date\" required value=\"{today}\""
    )));
    assert!(html.contains("<legend class=\"usa-legend\">Attendance</legend>"));
    assert!(html.contains("<legend class=\"usa-legend\">Session format</legend>"));
    assert!(
        html.contains(CONTRACT_DUTIES),
        "the contract form starts from the standard duties"
    );
    let (controls, duplicates) = controls_and_duplicate_ids(&html);
    assert!(duplicates.is_empty(), "ids used twice: {duplicates:?}");
    for (control, labelled) in &controls {
        assert!(labelled, "no label for #{control}");
    }
    for needed in [
        "session-on",
        "attendance-missed",
        "format-individual",
        "session-treatment",
        "contract-duties",
        &format!("spm-{treatment}"),
        &format!("module-name-{treatment}"),
    ] {
        assert!(
            controls.iter().any(|(c, _)| c == needed),
            "#{needed} missing"
        );
    }
    // Each form posts and comes back to the page with its notice or its errors.
    let t = treatment.to_string();
    let today_s = today.to_string();
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/sessions"),
        &[
            ("on", &today_s),
            ("attendance", "missed"),
            ("format", "group"),
            ("treatment_id", &t),
            ("note", "Sick"),
        ],
    )
    .await;
    assert!(html.contains("Session recorded."), "session notice");
    assert!(html.contains("Missed"));
    let tomorrow = (today + Duration::days(1)).to_string();
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/sessions"),
        &[
            ("on", &tomorrow),
            ("attendance", "attended"),
            ("format", "group"),
            ("treatment_id", ""),
        ],
    )
    .await;
    assert!(
        html.contains("session date: it is in the future"),
        "error shown"
    );
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/treatment/{treatment}/intensity"),
        &[
            ("version", "1"),
            ("sessions_per_month", "3"),
            ("reason", ""),
        ],
    )
    .await;
    assert!(
        html.contains("Risk principle"),
        "departure without a reason refused"
    );
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/treatment/{treatment}/intensity"),
        &[
            ("version", "1"),
            ("sessions_per_month", "3"),
            ("reason", "Transport twice a month only"),
        ],
    )
    .await;
    assert!(html.contains("Transport twice a month only"));
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/treatment/{treatment}/modules"),
        &[
            ("name", "Relapse prevention"),
            ("started_on", &today_s),
            ("completed_on", ""),
        ],
    )
    .await;
    assert!(html.contains("Relapse prevention") && html.contains("under way"));
    let module = w
        .app
        .app
        .treatment_view(&w.provider, id, now)
        .await
        .unwrap()
        .plan
        .modules
        .unwrap()[0]
        .id;
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/modules/{module}/complete"),
        &[("completed_on", &today_s)],
    )
    .await;
    assert!(html.contains("Module completed."));
    let html = page_after(
        &mut b,
        &format!("/cases/{id}/contracts"),
        &[("signed_on", &today_s), ("duties", CONTRACT_DUTIES)],
    )
    .await;
    assert!(html.contains("Treatment contract version 1 recorded"));
    assert!(html.contains("(current)"));
    let (_, duplicates) = controls_and_duplicate_ids(&html);
    assert!(duplicates.is_empty(), "ids used twice: {duplicates:?}");
}

async fn a_session_dated_before_its_author_was_certified_is_flagged(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = setup(&w, "Lapse Case").await;
    court_waiver(&w, id, &["attendance_detail"]).await;
    // The provider's certification was issued 200 days ago: the day before it, uncertified.
    let issued = today - Duration::days(200);
    let before = w
        .app
        .app
        .record_session(
            &w.provider,
            id,
            &session(None, issued - Duration::days(1), "attended"),
            now,
        )
        .await
        .unwrap();
    let on_the_day = w
        .app
        .app
        .record_session(&w.provider, id, &session(None, issued, "attended"), now)
        .await
        .unwrap();
    let view = w.app.app.treatment_view(&w.officer, id, now).await.unwrap();
    assert!(view.plan.uncertified_sessions.contains(&before));
    assert!(!view.plan.uncertified_sessions.contains(&on_the_day));
    // The API says so too.
    let token = crate::cases::api_token(&w.app, "po@sonoma.example").await;
    let got: Value = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/supervisees/{id}/treatment")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let flagged: Vec<(i64, bool)> = got["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["recorded_uncertified"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(flagged.contains(&(before, true)), "{flagged:?}");
    assert!(flagged.contains(&(on_the_day, false)), "{flagged:?}");
}
