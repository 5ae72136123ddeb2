//! Ordinary bad input (a NUL byte or another control character in text, a year like -200000 or
//! beyond 2200) is refused with 422 naming the field, on every kind of write route and on both
//! backends, and nothing is stored.

use chrono::{Datelike, Duration, Utc};
use containment_app::{Actor, AppError, CaseloadQuery, ContactInput, TreatmentInput};
use containment_domain::case::local_date;
use containment_testkit::{Backend, Role, TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cases::{World, actor, api_token, world};
use crate::treatment::{court_waiver, setup, staffed};

both_backends!(
    every_json_write_route_refuses_control_characters_and_out_of_range_dates,
    web_forms_show_the_refusal_at_the_form_and_store_nothing,
    the_database_refusing_a_value_is_invalid_input_not_a_failure,
    a_token_lives_ten_years_at_most,
    every_json_write_route_refuses_unknown_fields_in_plain_words,
    problems_are_named_by_field_in_the_api_and_at_the_field_on_the_page,
);

#[derive(Clone, Copy, Debug)]
enum Who {
    Officer,
    Provider,
    Examiner,
}

#[derive(Clone, Copy, Debug)]
enum DateShape {
    Day,
    Month,
}

/// One write route: a body it accepts, a text field and (optionally) a date field in it, and
/// the name the refusal of each must carry.
struct Route {
    who: Who,
    method: Method,
    path: String,
    body: Value,
    /// JSON pointer of a text field, and the name the message gives it.
    text: (&'static str, &'static str),
    /// JSON pointer of a date field, the name the message gives it, and its shape.
    date: Option<(&'static str, &'static str, DateShape)>,
    /// The status the unchanged body gets (checked after the refusals), when it is sent.
    accepted: Option<StatusCode>,
}

fn set(body: &Value, pointer: &str, v: &str) -> Value {
    let mut b = body.clone();
    *b.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} not in {body}")) = Value::String(v.to_owned());
    b
}

/// Case, team, court waiver, a treatment and a Static-99R scorer certification: enough for
/// every route to accept its body.
struct Fixture {
    w: World,
    id: i64,
    episode: i64,
    treatment: i64,
    officer: String,
    provider: String,
    examiner: String,
}

/// Enrolls the case in treatment with the team's provider from today.
async fn enroll(w: &World, id: i64) -> i64 {
    let now = Utc::now();
    w.app
        .app
        .enroll_treatment(
            &w.provider,
            id,
            &TreatmentInput {
                kind: "post_conviction".into(),
                start_date: local_date(now).to_string(),
                intensity: "Weekly group".into(),
                targets: "Sexual self-regulation".into(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap()
        .id
}

async fn fixture(db: &TestDb) -> Fixture {
    let w = world(db).await;
    let now = Utc::now();
    let today = local_date(now);
    let (id, _) = staffed(&w, "Bad Input Case").await;
    court_waiver(
        &w,
        id,
        &[
            "progress",
            "attendance_detail",
            "dynamic_risk_discussion",
            "disclosures",
            "monthly_reports",
        ],
    )
    .await;
    let treatment = enroll(&w, id).await;
    w.app
        .app
        .add_certification(
            &Actor::console(),
            &containment_app::CertificationInput {
                kind: "saratso_scorer".into(),
                holder_email: "po@sonoma.example".into(),
                instrument: "static99r".into(),
                number: "S-1".into(),
                issued_on: (today - Duration::days(30)).to_string(),
                expires_on: (today + Duration::days(700)).to_string(),
                ..Default::default()
            },
            now,
        )
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
    let officer = api_token(&w.app, "po@sonoma.example").await;
    let provider = api_token(&w.app, "dr@northbay.example").await;
    let examiner = api_token(&w.app, &w.examiner_email).await;
    Fixture {
        w,
        id,
        episode,
        treatment,
        officer,
        provider,
        examiner,
    }
}

impl Fixture {
    async fn send(&self, r: &Route, body: &Value) -> (StatusCode, Value) {
        let token = match r.who {
            Who::Officer => &self.officer,
            Who::Provider => &self.provider,
            Who::Examiner => &self.examiner,
        };
        let res = self
            .w
            .app
            .client
            .request(r.method.clone(), self.w.app.url(&r.path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn audit_count(&self) -> u64 {
        self.w.app.app.store().audit_count().await.unwrap()
    }

    fn routes(&self) -> Vec<Route> {
        let today = local_date(Utc::now());
        let day = today.to_string();
        let (id, ep, tr) = (self.id, self.episode, self.treatment);
        vec![
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: "/api/v1/supervisees".into(),
                body: json!({
                    "legal_name": "New Person", "date_of_birth": "1975-06-01", "sex": "male",
                    "supervision_kind": "probation", "county": "Sonoma", "start_date": day,
                    "aliases": ["Newbie"], "court": "Sonoma County Superior Court"
                }),
                text: ("/legal_name", "legal_name"),
                date: Some(("/date_of_birth", "date of birth", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: "/api/v1/supervisees".into(),
                body: json!({
                    "legal_name": "Other Person", "date_of_birth": "1975-06-01", "sex": "male",
                    "supervision_kind": "probation", "county": "Sonoma", "start_date": day,
                    "aliases": ["Alias One"]
                }),
                text: ("/aliases/0", "aliases[0]"),
                date: Some(("/start_date", "supervision start", DateShape::Day)),
                accepted: None,
            },
            Route {
                who: Who::Officer,
                method: Method::PUT,
                path: format!("/api/v1/supervisees/{id}"),
                body: json!({
                    "version": 1, "legal_name": "Bad Input Case", "date_of_birth": "1980-02-29",
                    "sex": "male", "county_of_conviction": "Sonoma"
                }),
                text: ("/legal_name", "legal_name"),
                date: Some(("/date_of_birth", "date of birth", DateShape::Day)),
                accepted: Some(StatusCode::OK),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/waivers"),
                body: json!({
                    "basis": "hipaa_164_508", "discloser": "North Bay Treatment",
                    "recipient_emails": ["dep@sheriff.example"], "categories": ["progress"],
                    "purpose": "Coordination with registering law enforcement",
                    "effective_on": day, "revocable": true, "signed_on": day
                }),
                text: ("/purpose", "purpose"),
                date: Some(("/effective_on", "effective", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Officer,
                method: Method::PUT,
                path: format!("/api/v1/supervisees/{id}/episodes/{ep}"),
                body: json!({"version": 1, "court": "Sonoma Superior", "placed_on": "2026-01-15"}),
                text: ("/court", "court"),
                date: Some(("/placed_on", "placed on", DateShape::Day)),
                accepted: Some(StatusCode::NO_CONTENT),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/team-members"),
                body: json!({
                    "episode_id": ep, "email": "dr@northbay.example",
                    "team_role": "treatment_program", "start_date": day
                }),
                text: ("/email", "email"),
                date: Some(("/start_date", "start_date", DateShape::Day)),
                accepted: None,
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/scores"),
                body: json!({
                    "instrument": "static99r", "scored_on": day, "reason": "pre_sentence",
                    "gears_reference": "G-1",
                    "static99r": {
                        "release_date": "2026-01-10", "lived_with_partner_two_years": true,
                        "index_nonsexual_violence": true, "prior_nonsexual_violence": false,
                        "prior_sex_charges": 3, "prior_sex_convictions": 1,
                        "prior_sentencing_dates": 4, "noncontact_sex_offense": false,
                        "unrelated_victim": true, "stranger_victim": true, "male_victim": false
                    }
                }),
                text: ("/gears_reference", "gears_reference"),
                date: Some(("/static99r/release_date", "release", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/exemptions"),
                body: json!({
                    "rule": "R9", "obligation": "", "from": day, "until": "",
                    "reason": "Hospitalized"
                }),
                text: ("/reason", "reason"),
                date: Some(("/from", "from", DateShape::Day)),
                accepted: None,
            },
            Route {
                who: Who::Provider,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/contacts"),
                body: json!({"on": day, "mode": "phone", "topics": ["progress"], "notes": "Attending."}),
                text: ("/notes", "notes"),
                date: Some(("/on", "date", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/self-reports"),
                body: json!({
                    "reported_on": day, "category": "substance_use",
                    "behavior": "Two beers at a wedding.", "reported_to": "officer, in person"
                }),
                text: ("/behavior", "behavior"),
                date: Some(("/reported_on", "reported on", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Provider,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/sessions"),
                body: json!({
                    "treatment_id": tr, "on": day, "attendance": "attended", "format": "group",
                    "note": "Worked on the relapse-prevention plan."
                }),
                text: ("/note", "note"),
                date: Some(("/on", "session date", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Provider,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/treatments/{tr}/modules"),
                body: json!({"name": "Victim empathy", "started_on": day, "completed_on": ""}),
                text: ("/name", "name"),
                date: Some(("/started_on", "started on", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Provider,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/contracts"),
                body: json!({"signed_on": day, "duties": "Attend every session."}),
                text: ("/duties", "duties"),
                date: Some(("/signed_on", "signed on", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Provider,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/monthly-reports"),
                body: json!({
                    "month": format!("{:04}-{:02}", today.year(), today.month()),
                    "participation": "Engaged.", "concerns": "None."
                }),
                text: ("/concerns", "concerns"),
                date: Some(("/month", "month", DateShape::Month)),
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/polygraph-referrals"),
                body: json!({"exam_type": "maintenance", "questions": "Any contact with minors?"}),
                text: ("/questions", "questions"),
                date: None,
                accepted: Some(StatusCode::CREATED),
            },
            Route {
                who: Who::Examiner,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/polygraph-exams"),
                body: json!({
                    "exam_type": "maintenance", "exam_date": day,
                    "referral_questions": "Any contact with minors?", "result": "nsr",
                    "disclosures": ""
                }),
                text: ("/referral_questions", "referral_questions"),
                date: Some(("/exam_date", "exam date", DateShape::Day)),
                accepted: None,
            },
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/assessments"),
                body: json!({"kind": "psychosexual", "referred_on": day}),
                text: ("/kind", "kind"),
                date: Some(("/referred_on", "referred on", DateShape::Day)),
                accepted: Some(StatusCode::CREATED),
            },
            // Ending supervision last: it closes the team the other routes need.
            Route {
                who: Who::Officer,
                method: Method::POST,
                path: format!("/api/v1/supervisees/{id}/episodes/{ep}/end"),
                body: json!({"version": 2, "actual_end": day, "reason": "Completed"}),
                text: ("/reason", "reason"),
                date: Some(("/actual_end", "actual_end", DateShape::Day)),
                accepted: Some(StatusCode::NO_CONTENT),
            },
        ]
    }
}

const CONTROL_CHARACTERS: [(&str, &str); 4] = [
    ("bad\u{0}value", "U+0000"),
    ("bell\u{7}", "U+0007"),
    ("vertical\u{b}tab", "U+000B"),
    ("c1\u{85}", "U+0085"),
];

const BAD_DAYS: [&str; 4] = ["-200000-01-01", "2201-01-01", "1899-12-31", "+200000-01-01"];
const BAD_MONTHS: [&str; 3] = ["1899-12", "2201-01", "0001-01"];

async fn every_json_write_route_refuses_control_characters_and_out_of_range_dates(db: TestDb) {
    let f = fixture(&db).await;
    for r in f.routes() {
        let what = format!("{} {}", r.method, r.path);
        let before = f.audit_count().await;
        let (pointer, name) = r.text;
        for (value, code) in CONTROL_CHARACTERS {
            let (status, body) = f.send(&r, &set(&r.body, pointer, value)).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what} {pointer} {code}: {body}"
            );
            assert_eq!(body["error"], "invalid_input", "{what}: {body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(&format!("{name}: holds a control character ({code})")),
                "{what}: {message}"
            );
        }
        if let Some((pointer, name, shape)) = r.date {
            let values: &[&str] = match shape {
                DateShape::Day => &BAD_DAYS,
                DateShape::Month => &BAD_MONTHS,
            };
            for value in values {
                let (status, body) = f.send(&r, &set(&r.body, pointer, value)).await;
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{what} {value}: {body}"
                );
                assert_eq!(body["error"], "invalid_input", "{what} {value}: {body}");
                let message = body["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains(name) && message.contains("1900") && message.contains("2200"),
                    "{what} {value}: {message}"
                );
            }
        }
        assert_eq!(
            f.audit_count().await,
            before,
            "{what}: a refused write left a trace"
        );
        if let Some(expected) = r.accepted {
            let (status, body) = f.send(&r, &r.body).await;
            assert_eq!(
                status, expected,
                "{what} accepts its body unchanged: {body}"
            );
            assert!(
                f.audit_count().await > before,
                "{what}: the accepted write is audited"
            );
        }
    }
    // Nothing of the refused values reached the case.
    let now = Utc::now();
    let view =
        f.w.app
            .app
            .case_view(&f.w.officer, f.id, now, local_date(now))
            .await
            .unwrap();
    assert_eq!(view.supervisee.legal_name, "Bad Input Case");
    assert_eq!(
        view.supervisee.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(1980, 2, 29).unwrap()
    );
}

/// Words of Rust's that a reader of the API cannot know.
const RUST_WORDS: [&str; 14] = [
    "u8",
    "u16",
    "u32",
    "u64",
    "i32",
    "i64",
    "usize",
    "f64",
    "struct",
    "enum",
    "NaiveDate",
    "Option",
    "Vec",
    "String",
];

fn rust_words(message: &str) -> Vec<&'static str> {
    let words: Vec<&str> = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    RUST_WORDS
        .into_iter()
        .filter(|w| words.contains(w))
        .collect()
}

async fn every_json_write_route_refuses_unknown_fields_in_plain_words(db: TestDb) {
    let f = fixture(&db).await;
    for r in f.routes() {
        let what = format!("{} {}", r.method, r.path);
        let before = f.audit_count().await;
        // A misspelt field is named, with every other one, and nothing is written.
        let mut body = r.body.clone();
        body["reaason"] = json!("typed in the wrong field");
        body["extra"] = json!({"nested": 1});
        let (status, answer) = f.send(&r, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
        assert_eq!(answer["error"], "unknown_field", "{what}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("`reaason`") && message.contains("`extra`"),
            "{what}: {message}"
        );
        // A body of the wrong shape, and a text field given a number, are described in plain
        // words with the field's name.
        let (status, answer) = f.send(&r, &json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains("expected an object"), "{what}: {message}");
        assert_eq!(rust_words(message), Vec::<&str>::new(), "{what}: {message}");
        let (pointer, _) = r.text;
        let mut wrong = r.body.clone();
        *wrong.pointer_mut(pointer).unwrap() = json!(7);
        let (status, answer) = f.send(&r, &wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        let field = pointer.trim_start_matches('/').replace('/', ".");
        let field = field.split('.').next().unwrap_or_default();
        assert!(
            message.contains(field) && message.contains("expected a string"),
            "{what}: {message}"
        );
        assert_eq!(rust_words(message), Vec::<&str>::new(), "{what}: {message}");
        assert_eq!(
            f.audit_count().await,
            before,
            "{what}: a refusal left a trace"
        );
    }
    // Numbers out of their type's range say the range, and a date not written as one says how.
    let items = json!({
        "date_of_birth": "1970-01-01", "release_date": "2020-01-01",
        "lived_with_partner_two_years": true, "index_nonsexual_violence": false,
        "prior_nonsexual_violence": false, "prior_sex_charges": 70000,
        "prior_sex_convictions": 0, "prior_sentencing_dates": 0,
        "noncontact_sex_offense": false, "unrelated_victim": false, "stranger_victim": false,
        "male_victim": false
    });
    let score = Route {
        who: Who::Officer,
        method: Method::POST,
        path: "/api/v1/instruments/static99r/score".into(),
        body: items.clone(),
        text: ("", ""),
        date: None,
        accepted: None,
    };
    let (status, answer) = f.send(&score, &items).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("prior_sex_charges") && message.contains("from 0 to 65535"),
        "{message}"
    );
    let mut items = items;
    items["prior_sex_charges"] = json!(1);
    items["release_date"] = json!("01/02/2020");
    let (status, answer) = f.send(&score, &items).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("release_date") && message.contains("YYYY-MM-DD"),
        "{message}"
    );
}

async fn web_forms_show_the_refusal_at_the_form_and_store_nothing(db: TestDb) {
    let w = world(&db).await;
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, otp) = w
        .app
        .user(agency, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let mut b = w.app.signed_in("po2@sonoma.example", &otp).await;
    let today = local_date(Utc::now()).to_string();
    let case_form = |name: &str, dob: &str| {
        vec![
            ("legal_name", name.to_owned()),
            ("date_of_birth", dob.to_owned()),
            ("sex", "female".to_owned()),
            ("kind", "probation".to_owned()),
            ("county", "Sonoma".to_owned()),
            ("start_date", today.clone()),
            ("aliases", "First alias\r\nSecond alias".to_owned()),
            ("assign_me", "yes".to_owned()),
        ]
    };
    let po2 = actor(&w.app, "po2@sonoma.example").await;
    let caseload = async || {
        let now = Utc::now();
        let query = CaseloadQuery::default();
        w.app
            .app
            .caseload(&po2, &query, now, local_date(now))
            .await
            .unwrap()
            .1
    };
    for (fields, expected) in [
        (
            case_form("Form\u{0}Person", "1975-06-01"),
            "legal_name: holds a control character (U+0000)",
        ),
        (
            case_form("Form Person", "-200000-01-01"),
            "date of birth: -200000-01-01 is outside the years 1900 to 2200",
        ),
        (
            case_form("Form Person", "2201-01-01"),
            "date of birth: 2201-01-01 is outside the years 1900 to 2200",
        ),
    ] {
        b.page("/cases/new").await;
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = b.post("/cases", &form).await;
        assert_eq!(res.status(), StatusCode::OK, "the form is shown again");
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"form-errors\""), "{html}");
        assert!(html.contains(expected), "{expected}");
        assert!(
            html.contains("name=\"legal_name\""),
            "the form itself is shown again"
        );
    }
    assert_eq!(caseload().await, 0, "no case was opened");

    // A CRLF from a text area is an ordinary line break: the case opens.
    b.page("/cases/new").await;
    let fields = case_form("Form Person", "1975-06-01");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = b.post("/cases", &form).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/cases/").parse().unwrap();

    assert_eq!(caseload().await, 1);
    // A waiver on that case: a control character in the purpose, a year past 2200 or before 1900.
    let waiver = async |b: &mut containment_testkit::Browser, purpose: &str, effective: &str| {
        b.page(&format!("/cases/{id}")).await;
        let res = b
            .post(
                &format!("/cases/{id}/waivers"),
                &[
                    ("basis", "hipaa_164_508"),
                    ("discloser", "Form Person"),
                    ("category", "progress"),
                    ("recipient_emails", "po@sonoma.example"),
                    ("purpose", purpose),
                    ("effective_on", effective),
                    ("revocable", "yes"),
                ],
            )
            .await;
        res.text().await.unwrap()
    };
    for (purpose, effective, expected) in [
        (
            "Coordination\u{1b}[31m",
            today.as_str(),
            "purpose: holds a control character (U+001B)",
        ),
        (
            "Coordination",
            "2201-01-01",
            "2201-01-01 is outside the years 1900 to 2200",
        ),
        (
            "Coordination",
            "1899-12-31",
            "1899-12-31 is outside the years 1900 to 2200",
        ),
    ] {
        let html = waiver(&mut b, purpose, effective).await;
        assert!(html.contains("id=\"form-errors\""));
        assert!(html.contains(expected), "{expected}");
    }
    let now = Utc::now();
    let view = w
        .app
        .app
        .case_view(&po2, id, now, local_date(now))
        .await
        .unwrap();
    assert!(view.waivers.is_empty(), "no waiver was stored");
    // The same form with good values is recorded: the refusals were the values'.
    let html = waiver(&mut b, "Coordination", &today).await;
    assert!(!html.contains("id=\"form-errors\""), "{html}");
    let view = w
        .app
        .app
        .case_view(&po2, id, now, local_date(now))
        .await
        .unwrap();
    assert_eq!(view.waivers.len(), 1);
}

/// Input is checked before it reaches the database; should a value slip through (a caller of the
/// application layer that skipped the checks), PostgreSQL's refusal is invalid input, not 500.
async fn the_database_refusing_a_value_is_invalid_input_not_a_failure(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let (id, _) = setup(&w, "Backstop Case").await;
    enroll(&w, id).await;
    // Contact notes are free text the application passes on as written.
    let outcome = w
        .app
        .app
        .record_contact(
            &w.provider,
            id,
            &ContactInput {
                on: local_date(now).to_string(),
                mode: "phone".into(),
                topics: vec!["progress".into()],
                notes: "nul\u{0}byte".into(),
            },
            now,
        )
        .await;
    match db.backend {
        Backend::Postgres => match outcome {
            Err(AppError::InvalidInput(m)) => {
                assert!(
                    m.to_string()
                        .contains("does not accept text holding a character"),
                    "{m}"
                )
            }
            other => panic!("expected invalid input, got {other:?}"),
        },
        // SQLite stores any text: nothing to back up there.
        Backend::Sqlite => assert!(outcome.is_ok(), "{outcome:?}"),
    }
}

/// Token lifetimes end within ten years: 4,000,000,000 days overflowed the date and panicked.
async fn a_token_lives_ten_years_at_most(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let owner = containment_domain::Email::parse("po@sonoma.example").unwrap();
    let console = Actor::console();
    let create = |days: u32| {
        w.app
            .app
            .create_token(&console, &owner, "ci", Some(days), now)
    };
    for days in [0, 3651, 4_000_000_000, u32::MAX] {
        match create(days).await {
            Err(AppError::InvalidInput(m)) => assert!(m.to_string().contains("3650"), "{m}"),
            other => panic!("{days} days: expected invalid input, got {other:?}"),
        }
    }
    let token = create(3650).await.unwrap();
    // PostgreSQL keeps microseconds: within a second of ten years from now.
    let lifetime = token.record.expires_at.map(|e| (e - now).num_seconds());
    assert!(
        lifetime.is_some_and(|s| (s - 3650 * 86_400).abs() <= 1),
        "{lifetime:?}"
    );
}

/// Each problem carries its field: the API's `fields` list names the body member, and the page
/// lists every problem under "There is a problem", each linking to its field, with the message
/// again at the field and what was typed kept.
async fn problems_are_named_by_field_in_the_api_and_at_the_field_on_the_page(db: TestDb) {
    let f = fixture(&db).await;
    let today = local_date(Utc::now()).to_string();
    let open = Route {
        who: Who::Officer,
        method: Method::POST,
        path: "/api/v1/supervisees".into(),
        body: Value::Null,
        text: ("", ""),
        date: None,
        accepted: None,
    };
    let body = json!({
        "legal_name": "Field Person", "date_of_birth": "1975-06-01", "sex": "male",
        "supervision_kind": "house_arrest", "county": "Gotham", "start_date": today,
        "cii_number": "12"
    });
    let before = f.audit_count().await;
    let (status, answer) = f.send(&open, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"], "invalid_input");
    let fields: Vec<&str> = answer["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        ["cii_number", "supervision_kind", "county"],
        "{answer}"
    );
    for p in answer["fields"].as_array().into_iter().flatten() {
        assert!(
            !p["message"].as_str().unwrap_or_default().is_empty(),
            "{answer}"
        );
    }
    assert_eq!(f.audit_count().await, before, "nothing was written");

    // The page: the summary links to each field, the message is at the field, values are kept.
    let agency = f.w.officer.user.as_ref().unwrap().agency_id;
    let (_, otp) =
        f.w.app
            .user(agency, "po3@sonoma.example", &[Role::SupervisingOfficer])
            .await;
    let mut b = f.w.app.signed_in("po3@sonoma.example", &otp).await;
    b.page("/cases/new").await;
    let res = b
        .post(
            "/cases",
            &[
                ("legal_name", "Field Person"),
                ("date_of_birth", "1975-06-01"),
                ("sex", "male"),
                ("cii", "12"),
                ("kind", "probation"),
                ("county", "Gotham"),
                ("start_date", &today),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    for field in ["cii", "county"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field} has its message at the field"
        );
        assert!(
            html.contains(&format!(
                "aria-describedby=\"{field}-error\" aria-invalid=\"true\""
            )),
            "{field}"
        );
    }
    assert!(
        !html.contains("id=\"legal_name-error\""),
        "a good field has no message"
    );
    assert!(
        html.contains("value=\"Field Person\""),
        "what was typed is kept"
    );
}
