//! The JSON API's contract: every action a person can take on a page, a program can take
//! through the API (or the table below says why not); the served OpenAPI document is valid
//! OpenAPI 3.1, describes every API route with its parameters where they are sent, and lists
//! every status a route answers.

use std::collections::{BTreeMap, BTreeSet};

use containment_testkit::{AgencyKind, Role, TestApp, TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cases::api_token;

both_backends!(
    the_served_openapi_document_is_valid_and_describes_every_api_route,
    every_status_an_api_route_answers_is_documented,
);

/// The official OpenAPI 3.1 schema (2022-10-07), vendored so the check runs offline.
const OPENAPI_31_SCHEMA: &str = include_str!("../schemas/openapi-3.1.json");

/// Each state-changing page route and the API route that does the same through the same use
/// case.
#[rustfmt::skip]
const PAGE_TO_API: &[(&str, &str)] = &[
    ("POST /cases",                                         "POST /api/v1/supervisees"),
    ("POST /cases/{id}/edit",                               "PUT /api/v1/supervisees/{id}"),
    ("POST /cases/{id}/team",                               "POST /api/v1/supervisees/{id}/team-members"),
    ("POST /cases/{id}/team/{member}/end",                  "POST /api/v1/supervisees/{id}/team-members/{member}/end"),
    ("POST /cases/{id}/waivers",                            "POST /api/v1/supervisees/{id}/waivers"),
    ("POST /cases/{id}/waivers/{waiver}/revoke",            "POST /api/v1/supervisees/{id}/waivers/{waiver}/revoke"),
    ("POST /cases/{id}/episodes",                           "POST /api/v1/supervisees/{id}/episodes"),
    ("POST /cases/{id}/episodes/{episode}",                 "PUT /api/v1/supervisees/{id}/episodes/{episode}"),
    ("POST /cases/{id}/episodes/{episode}/end",             "POST /api/v1/supervisees/{id}/episodes/{episode}/end"),
    ("POST /cases/{id}/documents",                          "POST /api/v1/supervisees/{id}/documents"),
    ("POST /cases/{id}/treatment",                          "POST /api/v1/supervisees/{id}/treatments"),
    ("POST /cases/{id}/treatment/{treatment}/end",          "POST /api/v1/supervisees/{id}/treatments/{treatment}/end"),
    ("POST /cases/{id}/treatment/{treatment}/intensity",    "POST /api/v1/supervisees/{id}/treatments/{treatment}/intensity"),
    ("POST /cases/{id}/treatment/{treatment}/modules",      "POST /api/v1/supervisees/{id}/treatments/{treatment}/modules"),
    ("POST /cases/{id}/modules/{module}/complete",          "POST /api/v1/supervisees/{id}/modules/{module}/complete"),
    ("POST /cases/{id}/sessions",                           "POST /api/v1/supervisees/{id}/sessions"),
    ("POST /cases/{id}/contracts",                          "POST /api/v1/supervisees/{id}/contracts"),
    ("POST /cases/{id}/contacts",                           "POST /api/v1/supervisees/{id}/contacts"),
    ("POST /cases/{id}/contacts/{contact}/confirm",         "POST /api/v1/supervisees/{id}/contacts/{contact}/confirm"),
    ("POST /cases/{id}/self-reports",                       "POST /api/v1/supervisees/{id}/self-reports"),
    ("POST /cases/{id}/self-reports/{report}/acknowledge",  "POST /api/v1/supervisees/{id}/self-reports/{report}/acknowledge"),
    ("POST /cases/{id}/assessments",                        "POST /api/v1/supervisees/{id}/assessments"),
    ("POST /cases/{id}/assessments/{assessment}/complete",  "POST /api/v1/supervisees/{id}/assessments/{assessment}/complete"),
    ("POST /cases/{id}/polygraph",                          "POST /api/v1/supervisees/{id}/polygraph-exams"),
    ("POST /cases/{id}/polygraph/referrals",                "POST /api/v1/supervisees/{id}/polygraph-referrals"),
    ("POST /cases/{id}/polygraph/followups",                "POST /api/v1/supervisees/{id}/polygraph-followups"),
    ("POST /cases/{id}/polygraph/followups/{followup}/done", "POST /api/v1/supervisees/{id}/polygraph-followups/{followup}/complete"),
    ("POST /cases/{id}/monthly-reports",                    "POST /api/v1/supervisees/{id}/monthly-reports"),
    ("POST /cases/{id}/monthly-reports/{report}",           "PUT /api/v1/supervisees/{id}/monthly-reports/{report}"),
    ("POST /cases/{id}/monthly-reports/{report}/sign",      "POST /api/v1/supervisees/{id}/monthly-reports/{report}/submit"),
    ("POST /cases/{id}/monthly-reports/{report}/acknowledge", "POST /api/v1/supervisees/{id}/monthly-reports/{report}/acknowledge"),
    ("POST /cases/{id}/monthly-reports/{report}/correct",   "POST /api/v1/supervisees/{id}/monthly-reports/{report}/correct"),
    ("POST /cases/{id}/scores",                             "POST /api/v1/supervisees/{id}/scores"),
    ("POST /cases/{id}/scores/{score}/steps",               "POST /api/v1/supervisees/{id}/scores/{score}/steps"),
    ("POST /cases/{id}/exemptions",                         "POST /api/v1/supervisees/{id}/exemptions"),
    ("POST /exemptions/{id}/decision",                      "POST /api/v1/exemptions/{id}/decision"),
    ("POST /certifications",                                "POST /api/v1/certifications"),
    ("POST /certifications/import",                         "POST /api/v1/certifications/import"),
    ("POST /instruments/static99r/tally",                   "POST /api/v1/instruments/static99r/score"),
    ("POST /account/tokens/{id}/revoke",                    "DELETE /api/v1/tokens/{id}"),
    ("POST /tasks/calendar-feed/revoke",                    "DELETE /api/v1/me/calendar-feed"),
    ("POST /admin/agencies",                                "POST /api/v1/agencies"),
    ("POST /admin/policy",                                  "PUT /api/v1/county-policies/{county}"),
    ("POST /admin/import",                                  "POST /api/v1/imports/caseload"),
    ("POST /teams",                                         "POST /api/v1/teams"),
    ("POST /teams/{id}/edit",                               "PUT /api/v1/teams/{id}"),
    ("POST /teams/{id}/sub-teams",                          "POST /api/v1/teams/{id}/sub-teams"),
    ("POST /teams/{id}/members",                            "POST /api/v1/teams/{id}/members"),
    ("POST /teams/{id}/members/{member}/end",               "POST /api/v1/teams/{id}/members/{member}/end"),
    ("POST /teams/{id}/leaders",                            "POST /api/v1/teams/{id}/leaders"),
    ("POST /teams/{id}/staff",                              "POST /api/v1/teams/{id}/staff"),
    ("POST /teams/{id}/staff/{staff}/end",                  "POST /api/v1/teams/{id}/staff/{staff}/end"),
    ("POST /teams/{id}/workplan/activities",                "POST /api/v1/teams/{id}/activities"),
    ("POST /teams/{id}/workplan/activities/{activity}/edit", "PUT /api/v1/teams/{id}/activities/{activity}"),
    ("POST /teams/{id}/workplan/activities/{activity}/notes", "POST /api/v1/teams/{id}/activities/{activity}/notes"),
];

/// State-changing page routes with no API counterpart, each with the reason. A program
/// authenticates with a bearer token: a single secret, without a second factor and without a
/// browser session. So what signs a person in, and what creates or changes the credentials and
/// rights that guard an account, stays with a person signed in with both factors (or with the
/// console commands): a leaked token must not be able to mint more credentials, lift its own
/// account's second factor or grant rights.
#[rustfmt::skip]
const NO_API_COUNTERPART: &[(&str, &str)] = &[
    ("POST /sign-in",                    "browser sign-in: a program presents its token instead"),
    ("POST /sign-in/mfa",                "the browser's second factor: tokens are issued after it"),
    ("POST /sign-in/enroll",             "a person enrolls their authenticator app in the browser"),
    ("POST /unlock",                     "unlocks an idle browser session with the password; tokens have no session"),
    ("POST /sign-out",                   "ends the browser session; a program revokes its token (DELETE /api/v1/tokens/{id})"),
    ("POST /account/password",           "the password guards the account: a token must not change it"),
    ("POST /account/mfa/reset",          "a token must not lift the second factor of its own account"),
    ("POST /account/sessions/{id}/end",  "browser sessions; programs have tokens, revoked with DELETE /api/v1/tokens/{id}"),
    ("POST /account/tokens",             "a token is minted by a person signed in with both factors (or `containment token create`), never by another token"),
    ("POST /tasks/calendar-feed",        "the feed address is a credential like a token, issued to the person; revoking it has an API route"),
    ("POST /admin/users",                "accounts and their roles are granted by an administrator signed in with both factors, or on the console"),
    ("POST /admin/users/{id}/{action}",  "unlocking, disabling, resetting the second factor and changing roles: as for creating accounts"),
];

fn registered() -> BTreeSet<String> {
    containment_web::routes()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn every_state_changing_page_route_has_an_api_counterpart() {
    let routes = containment_web::routes();
    let registered = registered();
    let api: BTreeSet<String> = routes
        .iter()
        .filter(|r| r.guard.is_api())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let mapped: BTreeSet<&str> = PAGE_TO_API.iter().map(|(page, _)| *page).collect();
    let excepted: BTreeSet<&str> = NO_API_COUNTERPART.iter().map(|(page, _)| *page).collect();
    assert_eq!(
        mapped.len(),
        PAGE_TO_API.len(),
        "a page route is mapped twice"
    );
    assert!(
        mapped.is_disjoint(&excepted),
        "a page route is both mapped and excepted: {:?}",
        mapped.intersection(&excepted).collect::<Vec<_>>()
    );

    let mut problems = Vec::new();
    for r in &routes {
        let key = format!("{} {}", r.method, r.path);
        let changes_state = r.method != "GET" && r.method != "HEAD";
        if changes_state
            && !r.path.starts_with("/api/")
            && !mapped.contains(key.as_str())
            && !excepted.contains(key.as_str())
        {
            problems.push(format!(
                "{key}: no API counterpart (add one, or an exception with its reason)"
            ));
        }
    }
    for (page, counterpart) in PAGE_TO_API {
        if !registered.contains(*page) {
            problems.push(format!("{page}: mapped but no longer registered"));
        }
        if !api.contains(*counterpart) {
            problems.push(format!(
                "{page}: its counterpart {counterpart} is not a registered API route"
            ));
        }
    }
    for (page, reason) in NO_API_COUNTERPART {
        if !registered.contains(*page) {
            problems.push(format!("{page}: excepted but no longer registered"));
        }
        assert!(!reason.trim().is_empty(), "{page}: an exception says why");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The registered routes the OpenAPI document describes: the API but the document itself and
/// the Swagger UI, and the health checks.
fn documented_routes() -> Vec<containment_web::RouteInfo> {
    containment_web::routes()
        .into_iter()
        .filter(|r| {
            (r.path.starts_with("/api/v1") && r.path != "/api/v1/openapi.json")
                || r.path == "/healthz"
                || r.path == "/readyz"
        })
        .collect()
}

/// `{name}` segments of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// Every `$ref` in `v`, with where it stands.
fn refs<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref"
                    && let Some(r) = child.as_str()
                {
                    out.push((at.clone(), r));
                } else {
                    refs(child, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

async fn served_document(app: &TestApp) -> Value {
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn the_served_openapi_document_is_valid_and_describes_every_api_route(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let doc = served_document(&app).await;

    // Valid against the OpenAPI 3.1 schema, by a validator that knows nothing of utoipa.
    let schema: Value = serde_json::from_str(OPENAPI_31_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );
    // The validator is not vacuous: a path parameter that is not required is refused.
    let mut broken = doc.clone();
    broken["paths"]["/api/v1/supervisees/{id}"]["get"]["parameters"][0]["required"] = json!(false);
    assert!(
        !validator.is_valid(&broken),
        "the schema check must catch this"
    );
    // What that schema leaves open: each component schema is a JSON Schema (2020-12, the
    // dialect of OpenAPI 3.1), each reference points into the document, operation ids are
    // unique.
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        if let Err(e) = jsonschema::draft202012::meta::validate(s) {
            panic!("components/schemas/{name} is not a JSON Schema: {e}");
        }
    }
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(!found.is_empty());
    for (at, r) in found {
        let target = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: {r} is not local"));
        assert!(doc.pointer(target).is_some(), "{at}: {r} points nowhere");
    }
    let mut ids = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} names both {other} and {method} {path}");
            }
        }
    }

    // Each registered API route is described, with exactly its path's parameters as path
    // parameters; whatever else it takes is a query parameter or the body.
    let mut problems = Vec::new();
    for r in documented_routes() {
        let Some(op) = doc["paths"][r.path].get(r.method.to_lowercase()) else {
            problems.push(format!("{} {}: not in the document", r.method, r.path));
            continue;
        };
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path: BTreeSet<String> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        let expected = template_params(r.path);
        if in_path != expected {
            problems.push(format!(
                "{} {}: path parameters {in_path:?}, the path has {expected:?}",
                r.method, r.path
            ));
        }
        for p in &params {
            let place = p["in"].as_str().unwrap_or_default();
            if !["path", "query", "header"].contains(&place) {
                problems.push(format!("{} {}: parameter {p} in {place}", r.method, r.path));
            }
        }
        if r.guard.is_api() && op["security"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{} {}: needs a token, says none", r.method, r.path));
        }
    }
    // And nothing is described that is not served.
    let served: BTreeSet<(String, String)> = documented_routes()
        .iter()
        .map(|r| (r.method.to_lowercase(), r.path.to_owned()))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if !served.contains(&(method.clone(), path.clone())) {
                problems.push(format!("{method} {path}: described but not served"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The caseload's filters, as one example, are query parameters a program can send.
    let caseload = &doc["paths"]["/api/v1/caseload"]["get"]["parameters"];
    assert!(
        caseload
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "county" && p["in"] == "query" && p["required"] == false),
        "{caseload}"
    );
}

/// The documented statuses of an operation.
fn documented(doc: &Value, method: &str, path: &str) -> BTreeSet<u16> {
    doc["paths"][path][method.to_lowercase()]["responses"]
        .as_object()
        .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
        .unwrap_or_default()
}

async fn every_status_an_api_route_answers_is_documented(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let agency = app
        .agency("Yolo County Probation", AgencyKind::ProbationDepartment)
        .await;
    app.user(agency.id, "po@yolo.example", &[Role::SupervisingOfficer])
        .await;
    app.user(agency.id, "aa@yolo.example", &[Role::AgencyAdmin])
        .await;
    let callers = [
        None,
        Some("not-a-token".to_owned()),
        Some(api_token(&app, "po@yolo.example").await),
        Some(api_token(&app, "aa@yolo.example").await),
    ];
    let doc = served_document(&app).await;

    let mut problems = Vec::new();
    for r in documented_routes() {
        let listed = documented(&doc, r.method, r.path);
        let numbers = r.path.replace("{county}", "Nowhere");
        let mut paths = vec![
            template_params(&numbers)
                .iter()
                .fold(numbers.clone(), |p, name| {
                    p.replace(&format!("{{{name}}}"), "999999")
                }),
        ];
        if !template_params(&numbers).is_empty() {
            paths.push(
                template_params(&numbers)
                    .iter()
                    .fold(numbers.clone(), |p, name| {
                        p.replace(&format!("{{{name}}}"), "x")
                    }),
            );
        }
        let method = Method::from_bytes(r.method.as_bytes()).unwrap();
        for path in &paths {
            for caller in &callers {
                // No body, and an empty JSON object: what a careless program sends.
                for body in [None, Some(json!({}))] {
                    let mut req = app.client.request(method.clone(), app.url(path));
                    if let Some(t) = caller {
                        req = req.bearer_auth(t);
                    }
                    if let Some(b) = &body {
                        req = req.json(b);
                    }
                    let res = req.send().await.unwrap();
                    let status = res.status();
                    let is_json = res
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/json"));
                    let text = res.text().await.unwrap();
                    let what = format!(
                        "{} {path} ({}, {}): {status}",
                        r.method,
                        if caller.is_some() {
                            "token"
                        } else {
                            "no token"
                        },
                        if body.is_some() { "{}" } else { "no body" },
                    );
                    if !listed.contains(&status.as_u16()) {
                        problems.push(format!("{what} is not documented ({listed:?})"));
                    }
                    if status.is_client_error() || status.is_server_error() {
                        let err: Value = serde_json::from_str(&text).unwrap_or_default();
                        if !is_json || !err["error"].is_string() || !err["message"].is_string() {
                            problems.push(format!("{what} is not an API error: {text:.120}"));
                        }
                    }
                }
            }
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
