//! The JSON API's contract: every action a person can take on a page, a program can take
//! through the API (or the table below says why not).

use std::collections::BTreeSet;

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
