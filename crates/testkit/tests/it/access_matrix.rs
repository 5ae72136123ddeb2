//! Every registered route against every kind of caller. The table below is the specification;
//! a route missing from it (or listed but no longer registered) fails the coverage test, so no
//! route can ship without a decision on who may call it.

use chrono::Utc;
use containment_app::Actor;
use containment_domain::Email;
use containment_testkit::{
    AgencyKind, Browser, NEW_PASSWORD, Role, TestApp, TestDb, both_backends,
};
use reqwest::{Method, StatusCode};

both_backends!(every_route_answers_each_caller_as_specified);

/// The callers, in table column order.
const CALLERS: [&str; 8] = [
    "anonymous",
    "mfa_pending",
    "officer",
    "agency_admin",
    "auditor",
    "system_admin",
    "officer_token",
    "admin_token",
];

/// What a caller gets:
/// A = past the guard (the handler answered, whatever it said, never 401/403/5xx),
/// L = sent to sign in (or to finish signing in), H = sent to Today (where a signed-in person
/// lands),
/// F = 403, U = 401.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str)] = &[
    // method, path,                             anon pend off  aadm aud  sys  otok atok
    ("GET",    "/",                               "A A A A A A A A"),
    ("GET",    "/sign-in",                        "A A H H H H A A"),
    ("POST",   "/sign-in",                        "A A A A A A F F"),
    ("GET",    "/sign-in/mfa",                    "L A H H H H L L"),
    ("POST",   "/sign-in/mfa",                    "L A H H H H F F"),
    ("GET",    "/sign-in/enroll",                 "L L H H H H L L"),
    ("POST",   "/sign-in/enroll",                 "L A H H H H F F"),
    ("GET",    "/unlock",                         "L L H H H H L L"),
    ("POST",   "/unlock",                         "L L H H H H F F"),
    ("GET",    "/account",                        "L L A A A A L L"),
    ("GET",    "/account/password",               "L L A A A A L L"),
    ("POST",   "/account/password",               "L L A A A A F F"),
    ("POST",   "/account/sessions/{id}/end",      "L L A A A A F F"),
    ("POST",   "/account/tokens",                 "L L A A A A F F"),
    ("POST",   "/account/mfa/reset",              "L L A A A A F F"),
    ("POST",   "/account/tokens/{id}/revoke",     "L L A A A A F F"),
    ("GET",    "/admin/users",                    "L L F A F A L L"),
    ("POST",   "/admin/users",                    "L L F A F A F F"),
    ("GET",    "/admin/users/{id}",               "L L F A F A L L"),
    ("POST",   "/admin/users/{id}/{action}",      "L L F A F A F F"),
    ("GET",    "/admin/agencies",                 "L L F F F A L L"),
    ("GET",    "/admin/import",                   "L L F A F F L L"),
    ("POST",   "/admin/import",                   "L L F A F F F F"),
    ("GET",    "/admin/import/template.csv",      "L L F A F F L L"),
    ("GET",    "/admin/import/template.xlsx",     "L L F A F F L L"),
    ("POST",   "/admin/agencies",                 "L L F F F A F F"),
    ("GET",    "/audit",                          "L L F F A F L L"),
    ("GET",    "/audit/export",                   "L L F F A F L L"),
    ("GET",    "/api/v1/audit/export",            "U U U U U U F F"),
    ("GET",    "/healthz",                        "A A A A A A A A"),
    ("GET",    "/readyz",                         "A A A A A A A A"),
    ("GET",    "/api/v1",                         "A A A A A A A A"),
    ("GET",    "/api/v1/openapi.json",            "A A A A A A A A"),
    ("GET",    "/api/docs/",                      "A A A A A A A A"),
    ("GET",    "/api/v1/me",                      "U U U U U U A A"),
    ("POST",   "/api/v1/imports/caseload",        "U U U U U U F A"),
    ("GET",    "/api/v1/tokens",                  "U U U U U U A A"),
    ("DELETE", "/api/v1/tokens/{id}",             "U U U U U U A A"),
    ("GET",    "/api/v1/users",                   "U U U U U U F A"),
    ("GET",    "/assets/{*path}",                 "A A A A A A A A"),
    ("GET",    "/caseload",                       "L L A A A A L L"),
    ("GET",    "/cases/new",                      "L L A A F F L L"),
    ("POST",   "/cases",                          "L L A A F F F F"),
    ("GET",    "/cases/{id}",                     "L L A A A A L L"),
    ("GET",    "/cases/{id}/details",             "L L A A A A L L"),
    ("GET",    "/cases/{id}/team",                "L L A A A A L L"),
    ("GET",    "/cases/{id}/scores",              "L L A A A A L L"),
    ("GET",    "/cases/{id}/waivers",             "L L A A A A L L"),
    ("GET",    "/cases/{id}/documents",           "L L A A A A L L"),
    ("GET",    "/cases/{id}/timeline",            "L L A A A A L L"),
    ("POST",   "/cases/{id}/team",                "L L A A A A F F"),
    ("GET",    "/cases/{id}/team/{member}/end",   "L L A A A A L L"),
    ("POST",   "/cases/{id}/team/{member}/end",   "L L A A A A F F"),
    ("GET",    "/cases/{id}/team-candidates",     "L L A A A A L L"),
    ("GET",    "/cases/{id}/edit",                "L L A A A A L L"),
    ("POST",   "/cases/{id}/edit",                "L L A A A A F F"),
    ("POST",   "/cases/{id}/waivers",             "L L A A A A F F"),
    ("POST",   "/cases/{id}/episodes/{episode}/end", "L L A A A A F F"),
    ("POST",   "/cases/{id}/episodes/{episode}", "L L A A A A F F"),
    ("GET",    "/cases/{id}/waivers/{waiver}/revoke", "L L A A A A L L"),
    ("POST",   "/cases/{id}/waivers/{waiver}/revoke", "L L A A A A F F"),
    ("POST",   "/cases/{id}/documents",           "L L A A A A F F"),
    ("POST",   "/cases/{id}/episodes",            "L L A A A A F F"),
    ("GET",    "/cases/{id}/treatment",           "L L A A A A L L"),
    ("POST",   "/cases/{id}/treatment",           "L L A A A A F F"),
    ("POST",   "/cases/{id}/treatment/{treatment}/end", "L L A A A A F F"),
    ("POST",   "/cases/{id}/polygraph/referrals", "L L A A A A F F"),
    ("GET",    "/cases/{id}/monthly-reports",     "L L A A A A L L"),
    ("POST",   "/cases/{id}/monthly-reports",     "L L A A A A F F"),
    ("GET",    "/cases/{id}/monthly-reports/new", "L L A A A A L L"),
    ("GET",    "/cases/{id}/monthly-reports/{report}", "L L A A A A L L"),
    ("POST",   "/cases/{id}/monthly-reports/{report}", "L L A A A A F F"),
    ("GET",    "/cases/{id}/monthly-reports/{report}/check", "L L A A A A L L"),
    ("POST",   "/cases/{id}/monthly-reports/{report}/sign", "L L A A A A F F"),
    ("POST",   "/cases/{id}/monthly-reports/{report}/acknowledge", "L L A A A A F F"),
    ("POST",   "/cases/{id}/monthly-reports/{report}/correct", "L L A A A A F F"),
    ("GET",    "/cases/{id}/monthly-reports/{report}/report.pdf", "L L A A A A L L"),
    ("POST",   "/cases/{id}/contacts",            "L L A A A A F F"),
    ("POST",   "/cases/{id}/contacts/{contact}/confirm", "L L A A A A F F"),
    ("POST",   "/cases/{id}/self-reports",        "L L A A A A F F"),
    ("POST",   "/cases/{id}/assessments",         "L L A A A A F F"),
    ("POST",   "/cases/{id}/assessments/{assessment}/complete", "L L A A A A F F"),
    ("POST",   "/cases/{id}/self-reports/{report}/acknowledge", "L L A A A A F F"),
    ("POST",   "/cases/{id}/sessions",            "L L A A A A F F"),
    ("POST",   "/cases/{id}/treatment/{treatment}/intensity", "L L A A A A F F"),
    ("POST",   "/cases/{id}/treatment/{treatment}/modules", "L L A A A A F F"),
    ("POST",   "/cases/{id}/modules/{module}/complete", "L L A A A A F F"),
    ("POST",   "/cases/{id}/contracts",           "L L A A A A F F"),
    ("GET",    "/cases/{id}/documents/{doc}",     "L L A A A A L L"),
    ("GET",    "/cases/{id}/scores/new",          "L L A A A A L L"),
    ("POST",   "/cases/{id}/scores",              "L L A A A A F F"),
    ("POST",   "/instruments/static99r/tally",    "L L A A A A F F"),
    ("GET",    "/cases/{id}/scores/{score}",      "L L A A A A L L"),
    ("POST",   "/cases/{id}/scores/{score}/steps", "L L A A A A F F"),
    ("GET",    "/cases/{id}/scores/{score}/report.pdf", "L L A A A A L L"),
    ("GET",    "/scores/submissions",             "L L A A A A L L"),
    ("GET",    "/scores/submissions.csv",         "L L A A A A L L"),
    ("GET",    "/today",                          "L L A A A A L L"),
    ("GET",    "/tasks",                          "L L H H H H L L"),
    ("POST",   "/tasks/calendar-feed",            "L L A A A A F F"),
    ("POST",   "/tasks/calendar-feed/revoke",     "L L H H H H F F"),
    ("GET",    "/calendar/{secret}",              "A A A A A A A A"),
    ("GET",    "/cases/{id}/obligations",         "L L A A A A L L"),
    ("POST",   "/cases/{id}/exemptions",          "L L A A A A F F"),
    ("POST",   "/exemptions/{id}/decision",       "L L A A A A F F"),
    ("GET",    "/exemptions",                     "L L A A A A L L"),
    ("GET",    "/dashboard",                      "L L F A F F L L"),
    ("GET",    "/dashboard/list",                 "L L F A F F L L"),
    ("GET",    "/dashboard/export",               "L L F A F F L L"),
    ("GET",    "/dashboard/list/export",          "L L F A F F L L"),
    ("GET",    "/caseload/export",                "L L A A A A L L"),
    ("GET",    "/cases/{id}/obligations/export",  "L L A A A A L L"),
    ("GET",    "/admin/policy",                   "L L F A F A L L"),
    ("POST",   "/admin/policy",                   "L L F A F A F F"),
    ("GET",    "/certifications",                 "L L A A A A L L"),
    ("POST",   "/certifications",                 "L L F A F A F F"),
    ("POST",   "/certifications/import",          "L L F A F A F F"),
    ("GET",    "/api/v1/caseload",                "U U U U U U A A"),
    ("PUT",    "/api/v1/supervisees/{id}",        "U U U U U U A A"),
    ("GET",    "/api/v1/certifications",          "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/waivers", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/episodes", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/treatment", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/polygraph-referrals", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/monthly-reports", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/monthly-reports", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/monthly-reports/prefill", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/monthly-reports/{report}", "U U U U U U A A"),
    ("PUT",    "/api/v1/supervisees/{id}/monthly-reports/{report}", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/monthly-reports/{report}/submit", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/monthly-reports/{report}/acknowledge", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/monthly-reports/{report}/correct", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/monthly-reports/{report}/report.pdf", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/contacts", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/contacts/{contact}/confirm", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/self-reports", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/assessments", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/assessments/{assessment}/complete", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/self-reports/{report}/acknowledge", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/sessions", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/treatments/{treatment}/intensity", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/treatments/{treatment}/modules", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/modules/{module}/complete", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/contracts", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/episodes/{episode}/end", "U U U U U U A A"),
    ("PUT",    "/api/v1/supervisees/{id}/episodes/{episode}", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/waivers/{waiver}/revoke", "U U U U U U A A"),
    ("POST",   "/api/v1/certifications",          "U U U U U U F A"),
    ("POST",   "/api/v1/certifications/import",   "U U U U U U F A"),
    ("POST",   "/api/v1/supervisees",             "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}",        "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/team-members", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/team-members/{member}/end", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/team-candidates", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/documents", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/documents", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/documents/{doc}/content", "U U U U U U A A"),
    ("POST",   "/api/v1/instruments/static99r/score", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/scores", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/scores", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/scores/{score}/steps", "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/scores/{score}/report.pdf", "U U U U U U A A"),
    ("GET",    "/api/v1/score-submissions",       "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/obligations", "U U U U U U A A"),
    ("GET",    "/api/v1/me/tasks",                "U U U U U U A A"),
    ("GET",    "/api/v1/calendar/holidays",       "U U U U U U A A"),
    ("GET",    "/api/v1/calendar/add-working-days", "U U U U U U A A"),
    ("GET",    "/api/v1/dashboard",               "U U U U U U F A"),
    ("GET",    "/api/v1/dashboard/export",        "U U U U U U F A"),
    ("GET",    "/api/v1/dashboard/list/export",   "U U U U U U F A"),
    ("GET",    "/api/v1/caseload/export",         "U U U U U U A A"),
    ("GET",    "/api/v1/supervisees/{id}/obligations/export", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/exemptions", "U U U U U U A A"),
    ("POST",   "/api/v1/exemptions/{id}/decision", "U U U U U U A A"),
    ("GET",    "/cases/{id}/polygraph",           "L L A A A A L L"),
    ("POST",   "/cases/{id}/polygraph",           "L L A A A A F F"),
    ("POST",   "/cases/{id}/polygraph/followups", "L L A A A A F F"),
    ("POST",   "/cases/{id}/polygraph/followups/{followup}/done", "L L A A A A F F"),
    ("GET",    "/api/v1/supervisees/{id}/polygraph-exams", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/polygraph-exams", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/polygraph-followups", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/polygraph-followups/{followup}/complete", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/treatments", "U U U U U U A A"),
    ("POST",   "/api/v1/supervisees/{id}/treatments/{treatment}/end", "U U U U U U A A"),
    ("POST",   "/api/v1/agencies",                "U U U U U U F F"),
    ("PUT",    "/api/v1/county-policies/{county}", "U U U U U U F A"),
    ("DELETE", "/api/v1/me/calendar-feed",        "U U U U U U A A"),
    ("GET",    "/teams",                          "L L A A A A L L"),
    ("GET",    "/teams/new",                      "L L F A F F L L"),
    ("POST",   "/teams",                          "L L F A F F F F"),
    ("GET",    "/teams/{id}",                     "L L A A A A L L"),
    ("GET",    "/teams/{id}/edit",                "L L A A A A L L"),
    ("POST",   "/teams/{id}/edit",                "L L A A A A F F"),
    ("GET",    "/teams/{id}/sub-teams/new",       "L L A A A A L L"),
    ("POST",   "/teams/{id}/sub-teams",           "L L A A A A F F"),
    ("GET",    "/teams/{id}/members/new",         "L L A A A A L L"),
    ("POST",   "/teams/{id}/members",             "L L A A A A F F"),
    ("GET",    "/teams/{id}/members/{member}/end", "L L A A A A L L"),
    ("POST",   "/teams/{id}/members/{member}/end", "L L A A A A F F"),
    ("GET",    "/teams/{id}/leaders/new",         "L L A A A A L L"),
    ("POST",   "/teams/{id}/leaders",             "L L A A A A F F"),
    ("GET",    "/teams/{id}/staff/new",           "L L A A A A L L"),
    ("POST",   "/teams/{id}/staff",               "L L A A A A F F"),
    ("GET",    "/teams/{id}/staff/{staff}/end",   "L L A A A A L L"),
    ("POST",   "/teams/{id}/staff/{staff}/end",   "L L A A A A F F"),
    ("GET",    "/teams/{id}/workplan",            "L L A A A A L L"),
    ("POST",   "/teams/{id}/workplan/activities", "L L A A A A F F"),
    ("GET",    "/teams/{id}/workplan/activities/{activity}", "L L A A A A L L"),
    ("POST",   "/teams/{id}/workplan/activities/{activity}/edit", "L L A A A A F F"),
    ("POST",   "/teams/{id}/workplan/activities/{activity}/notes", "L L A A A A F F"),
    ("GET",    "/api/v1/teams",                   "U U U U U U A A"),
    ("POST",   "/api/v1/teams",                   "U U U U U U F A"),
    ("GET",    "/api/v1/teams/{id}",              "U U U U U U A A"),
    ("PUT",    "/api/v1/teams/{id}",              "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/sub-teams",    "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/members",      "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/members/{member}/end", "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/leaders",      "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/staff",        "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/staff/{staff}/end", "U U U U U U A A"),
    ("GET",    "/api/v1/teams/{id}/workplan",     "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/activities",   "U U U U U U A A"),
    ("PUT",    "/api/v1/teams/{id}/activities/{activity}", "U U U U U U A A"),
    ("POST",   "/api/v1/teams/{id}/activities/{activity}/notes", "U U U U U U A A"),
    // Last: it ends the callers' sessions.
    ("POST",   "/sign-out",                       "L L L L L L F F"),
];

#[test]
fn every_registered_route_is_in_the_matrix() {
    let registered: std::collections::BTreeSet<(String, String)> = containment_web::routes()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let specified: std::collections::BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = registered.difference(&specified).collect();
    let stale: Vec<_> = specified.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without an access decision in the matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that no longer exist: {stale:?}"
    );
    for (_, _, row) in MATRIX {
        assert_eq!(row.split(' ').count(), CALLERS.len());
    }
}

enum Caller {
    Browser(Browser),
    Token(reqwest::Client, String, String),
}

fn classify(status: StatusCode, location: Option<&str>) -> &'static str {
    match (status.as_u16(), location) {
        (401, _) => "U",
        (403, _) => "F",
        (300..=399, Some(l))
            if l.starts_with("/sign-in") || l == "/unlock" || l == "/account/password" =>
        {
            "L"
        }
        (300..=399, Some("/today")) => "H",
        (500..=599, _) => "5xx",
        _ => "A",
    }
}

async fn every_route_answers_each_caller_as_specified(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency(
            "Riverside County Probation",
            AgencyKind::ProbationDepartment,
        )
        .await;
    let (_, officer_pw) = app
        .user(
            agency.id,
            "po@riverside.example",
            &[Role::SupervisingOfficer],
        )
        .await;
    let (_, aadm_pw) = app
        .user(agency.id, "aa@riverside.example", &[Role::AgencyAdmin])
        .await;
    let (_, aud_pw) = app
        .user(agency.id, "audit@riverside.example", &[Role::Auditor])
        .await;
    let (_, sys_pw) = app
        .user(agency.id, "sys@riverside.example", &[Role::SystemAdmin])
        .await;
    let (pending_user, pending_pw) = app
        .user(
            agency.id,
            "pend@riverside.example",
            &[Role::SupervisingOfficer],
        )
        .await;
    let (target, _) = app
        .user(
            agency.id,
            "target@riverside.example",
            &[Role::SupervisingOfficer],
        )
        .await;

    let mut anonymous = app.browser();
    anonymous.page("/sign-in").await;
    // Enrolled earlier, now signed in with the password only: the second factor is owed.
    let mut pending = app.signed_in("pend@riverside.example", &pending_pw).await;
    pending.post("/sign-out", &[]).await;
    pending.page("/sign-in").await;
    pending
        .post(
            "/sign-in",
            &[
                ("email", "pend@riverside.example"),
                ("password", NEW_PASSWORD),
                ("accept_notice", "yes"),
            ],
        )
        .await;
    pending.page("/sign-in/mfa").await;
    let _ = pending_user;

    let token_for = |email: &'static str| {
        let app = app.app.clone();
        async move {
            app.create_token(
                &Actor::console(),
                &Email::parse(email).unwrap(),
                "matrix",
                None,
                Utc::now(),
            )
            .await
            .unwrap()
            .token
        }
    };
    let mut callers = [
        Caller::Browser(anonymous),
        Caller::Browser(pending),
        Caller::Browser(app.signed_in("po@riverside.example", &officer_pw).await),
        Caller::Browser(app.signed_in("aa@riverside.example", &aadm_pw).await),
        Caller::Browser(app.signed_in("audit@riverside.example", &aud_pw).await),
        Caller::Browser(app.signed_in("sys@riverside.example", &sys_pw).await),
        Caller::Token(
            app.client.clone(),
            app.url(""),
            token_for("po@riverside.example").await,
        ),
        Caller::Token(
            app.client.clone(),
            app.url(""),
            token_for("aa@riverside.example").await,
        ),
    ];

    let mut failures = Vec::new();
    for (method, pattern, row) in MATRIX {
        let path = pattern
            .replace("/admin/users/{id}", &format!("/admin/users/{}", target.id))
            .replace("{id}", "999999")
            .replace("{action}", "unlock")
            .replace("{member}", "999999")
            .replace("{waiver}", "999999")
            .replace("{episode}", "999999")
            .replace("{followup}", "999999")
            .replace("{staff}", "999999")
            .replace("{activity}", "999999")
            .replace("{*path}", "app.css");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for ((caller, name), expected) in callers.iter_mut().zip(CALLERS).zip(row.split(' ')) {
            let res = match caller {
                Caller::Browser(b) => {
                    if method == Method::GET {
                        b.get(&path).await
                    } else {
                        let form = [("csrf_token", b.csrf.clone())];
                        b.client
                            .request(method.clone(), b.url(&path))
                            .form(&form)
                            .send()
                            .await
                            .unwrap()
                    }
                }
                Caller::Token(client, base, token) => client
                    .request(method.clone(), format!("{base}{path}"))
                    .bearer_auth(&*token)
                    .send()
                    .await
                    .unwrap(),
            };
            let location = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let got = classify(res.status(), location.as_deref());
            if got != expected {
                failures.push(format!(
                    "{method} {path} as {name}: expected {expected}, got {got} ({} {location:?})",
                    res.status()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix mismatches:\n{}",
        failures.join("\n")
    );
}
