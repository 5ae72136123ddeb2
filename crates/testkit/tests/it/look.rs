//! What the pages show at a glance: the dashboard's monthly charts and rate bars (with the same
//! figures in tables and the API), the county policy form, and error pages that keep the
//! signed-in header.

use chrono::{Datelike, NaiveDate, Utc};
use containment_app::{Actor, Dimension};
use containment_domain::case::local_date;
use containment_domain::compliance::ObligationStatus;
use containment_testkit::{AgencyKind, Role, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::{actor, api_token, case, world};
use crate::compliance::{court_waiver, staffed};

both_backends!(
    the_dashboard_charts_each_rule_month_by_month_with_gaps,
    the_policy_form_opens_on_the_admins_county_and_refuses_a_number_at_its_field,
    a_holiday_ticked_on_the_form_moves_a_deadline_on_the_boundary_day,
    an_error_page_keeps_the_signed_in_header,
);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn month_of(months: &[NaiveDate], day: NaiveDate) -> usize {
    months
        .iter()
        .position(|m| m.year() == day.year() && m.month() == day.month())
        .unwrap()
}

async fn the_dashboard_charts_each_rule_month_by_month_with_gaps(db: TestDb) {
    let w = world(&db).await;
    let now = Utc::now();
    let today = local_date(now);
    let id = staffed(&w, "Charted Case").await;
    w.app
        .app
        .record_waiver(&w.officer, id, &court_waiver("2026-01-15"), now)
        .await
        .unwrap();
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, password) = w
        .app
        .user(agency, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let admin = actor(&w.app, "aa@sonoma.example").await;
    let from = d("2026-01-01");
    let dash = w.app.app.dashboard(&admin, from, today, now).await.unwrap();
    // Twelve months ending with the month of the period's end.
    assert_eq!(dash.months.len(), 12);
    assert_eq!(dash.months[11], today.with_day(1).unwrap());
    assert_eq!(dash.months, containment_app::series_months(today));
    // R2 is overdue in the month it fell due (0%), R11 met on time in its month (100%), and
    // every other month of those rules has no figure: a gap, not 0%.
    let r2_due = behind(
        &w.app.app,
        &admin,
        from,
        today,
        "R2",
        ObligationStatus::Overdue,
    )
    .await[0]
        .obligation
        .due
        .unwrap();
    let r11_due = behind(
        &w.app.app,
        &admin,
        from,
        today,
        "R11",
        ObligationStatus::MetOnTime,
    )
    .await[0]
        .obligation
        .due
        .unwrap();
    let series = |rule: &str| {
        dash.monthly_by_rule
            .iter()
            .find(|r| r.key == rule)
            .unwrap_or_else(|| panic!("{rule} charted"))
            .clone()
    };
    let r2 = series("R2");
    let r11 = series("R11");
    assert_eq!(r2.months.len(), 12);
    let r2_month = month_of(&dash.months, r2_due);
    assert_eq!(r2.months[r2_month].rate(), Some(0.0));
    assert_eq!(r2.months[r2_month].overdue, 1);
    let r11_month = month_of(&dash.months, r11_due);
    assert_eq!(r11.months[r11_month].rate(), Some(100.0));
    for (i, m) in r2.months.iter().enumerate() {
        if i != r2_month {
            assert_eq!(m.rate(), None, "month {i} of R2 is a gap");
        }
    }
    // The monthly figures agree with the period's figures by rule.
    let in_period: usize = r2.months.iter().map(|m| m.overdue).sum();
    let r2_row = dash.by_rule.iter().find(|r| r.key == "R2").unwrap();
    assert_eq!(in_period, r2_row.overdue);
    // Rules in rule order.
    let keys: Vec<&str> = dash
        .monthly_by_rule
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    let mut ordered = keys.clone();
    ordered.sort_by_key(|k| {
        containment_domain::policy::RuleId::ALL
            .iter()
            .position(|r| r.code() == *k)
    });
    assert_eq!(keys, ordered);

    // The page: an image per rule, named, with the same figures in a table beside it.
    let mut browser = w.app.signed_in("aa@sonoma.example", &password).await;
    let html = browser
        .page(&format!("/dashboard?from={from}&to={today}"))
        .await;
    assert!(!html.contains("<script>"), "no inline script");
    let chart = &html[html.find("id=\"monthly-R2\"").expect("R2's chart")..];
    let chart = &chart[..chart.find("</details>").unwrap()];
    assert!(chart.contains("role=\"img\""));
    assert!(chart.contains("aria-labelledby=\"chart-R2-title chart-R2-desc\""));
    assert!(chart.contains("<title id=\"chart-R2-title\">R2: "));
    assert!(chart.contains("The figures of R2"));
    let month_words = r2_due.format("%b %Y").to_string();
    assert!(
        chart.contains(&format!("<th scope=\"row\">{month_words}</th><td>0%</td>")),
        "{month_words} in the table: {chart}"
    );
    assert!(chart.contains("no figure"), "gaps say so in the table");
    // Officers and providers as bars beside their figures; rules and counties as before.
    let officers = &html[html.find("id=\"dim-officer\"").unwrap()..];
    let officers = &officers[..officers.find("</table>").unwrap()];
    assert!(officers.contains("class=\"rate-bar\""), "{officers}");
    // (No provider owes anything in the period here; the section is drawn by the same rows.)
    let providers = &html[html.find("id=\"dim-provider\"").unwrap()..];
    assert!(providers.contains("Nothing due in the period."));
    let rules = &html[html.find("id=\"dim-rule\"").unwrap()..];
    let rules = &rules[..rules.find("</table>").unwrap()];
    assert!(
        !rules.contains("class=\"rate-bar\""),
        "rules are charted above"
    );

    // The API gives the same series.
    let token = api_token(&w.app, "aa@sonoma.example").await;
    let body: Value = w
        .app
        .client
        .get(
            w.app
                .url(&format!("/api/v1/dashboard?from={from}&to={today}")),
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r2_json = body["monthly_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "R2")
        .unwrap();
    let months = r2_json["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(
        months[r2_month]["month"],
        r2_due.format("%Y-%m").to_string()
    );
    assert_eq!(months[r2_month]["rate"], 0.0);
    assert_eq!(months[(r2_month + 1) % 12]["rate"], Value::Null);
}

/// The obligations behind one rule's figure with one status.
async fn behind(
    app: &containment_app::App,
    admin: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    rule: &str,
    status: ObligationStatus,
) -> Vec<containment_app::ObligationView> {
    app.dashboard_list(
        admin,
        from,
        to,
        Dimension::Rule,
        rule,
        Some(status),
        Utc::now(),
    )
    .await
    .unwrap()
}

async fn the_policy_form_opens_on_the_admins_county_and_refuses_a_number_at_its_field(db: TestDb) {
    let w = world(&db).await;
    // Test agencies are in Sacramento County.
    let agency = w.officer.user.as_ref().unwrap().agency_id;
    let (_, password) = w
        .app
        .user(agency, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let mut admin = w.app.signed_in("aa@sonoma.example", &password).await;
    let html = admin.page("/admin/policy").await;
    assert!(html.contains("<h2 id=\"county-heading\">Sacramento County</h2>"));
    assert!(html.contains("<input type=\"hidden\" name=\"county\" value=\"Sacramento\">"));
    assert!(
        !html.contains("id=\"county-picker\""),
        "an agency admin sets only their county"
    );
    // Asking for another county still opens on their own.
    let other = admin.page("/admin/policy?county=Marin").await;
    assert!(other.contains("<h2 id=\"county-heading\">Sacramento County</h2>"));
    // No textarea of configuration text: checkboxes with this year's dates, number fields
    // with the law's limits.
    assert!(!html.contains("<textarea"));
    let year = local_date(Utc::now()).year();
    let juneteenth = NaiveDate::from_ymd_opt(year, 6, 19).unwrap();
    assert!(html.contains("type=\"checkbox\" name=\"holiday\" value=\"juneteenth\">"));
    assert!(html.contains("type=\"checkbox\" name=\"holiday\" value=\"christmas\" checked>"));
    assert!(
        html.contains(&juneteenth.format("%b %-d, %Y").to_string())
            || html.contains(&format!("on a Saturday in {year}")),
        "Juneteenth's day this year"
    );
    let r9 = &html[html.find("id=\"R9-months\"").expect("R9's number")..];
    let r9 = &r9[..r9.find('>').unwrap()];
    assert!(
        r9.contains("type=\"number\"") && r9.contains("min=\"1\" max=\"12\""),
        "{r9}"
    );
    assert!(html.contains("Statutory limit: at most 12."));
    let r8 = &html[html.find("id=\"R8-months\"").expect("R8's number")..];
    let r8 = &r8[..r8.find('>').unwrap()];
    assert!(r8.contains("min=\"12\"") && !r8.contains("max="), "{r8}");

    // A number beyond the law's limit is refused at its field, and nothing is stored.
    let res = admin
        .post(
            "/admin/policy",
            &[
                ("county", "Sacramento"),
                ("holiday", "christmas"),
                ("R9-months", "13"),
                ("R5-days", "20"),
                ("new_holiday_1", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    let at = |field: &str| {
        let start = html
            .find(&format!("id=\"{field}-error\""))
            .unwrap_or_else(|| panic!("{field} has its error: {html}"));
        html[start..start + 200].to_owned()
    };
    assert!(
        at("R9-months").contains("at most 12"),
        "{}",
        at("R9-months")
    );
    assert!(at("new_holiday_1").contains("not a date"));
    assert!(
        html.contains("href=\"#R9-months\""),
        "the summary links to the field"
    );
    assert!(
        html.contains("id=\"R9-months\" name=\"R9-months\" type=\"number\""),
        "the field is shown again"
    );
    assert!(html.contains("value=\"13\""), "with what was sent");
    assert!(
        html.contains("type=\"checkbox\" name=\"holiday\" value=\"new_years_day\">"),
        "unticked as sent"
    );
    assert!(
        !html.contains("id=\"R5-days-error\""),
        "a number within the law passes"
    );
    assert!(w.app.app.county_policies().await.unwrap().is_empty());

    // Within the law it is stored in the policy's usual form.
    let mut fields: Vec<(&str, &str)> = containment_domain::calendar::HolidayRule::STATE
        .iter()
        .map(|r| ("holiday", r.code()))
        .collect();
    fields.extend([
        ("county", "Sacramento"),
        ("R9-months", "6"),
        ("new_holiday_1", "2026-12-24"),
    ]);
    let html = admin
        .post("/admin/policy", &fields)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sacramento: policy saved."), "{html}");
    let stored = w.app.app.county_policies().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].county, "Sacramento");
    assert_eq!(stored[0].overrides, "R9.months = 6\n");
    assert_eq!(stored[0].calendar, "2026-12-24");
    // The form opens on what is stored.
    let html = admin.page("/admin/policy").await;
    assert!(html.contains("id=\"R9-months\" name=\"R9-months\" type=\"number\""));
    assert!(html.contains("value=\"6\""));
    assert!(html.contains("name=\"added\" value=\"2026-12-24\" checked>"));
    // Another county is refused to an agency admin.
    let res = admin
        .post(
            "/admin/policy",
            &[("county", "Marin"), ("holiday", "christmas")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A system admin picks the county, and opens on the one asked for.
    let state_it = w.app.agency("State IT", AgencyKind::StateAgency).await;
    let (_, password) = w
        .app
        .user(state_it.id, "sa@state.example", &[Role::SystemAdmin])
        .await;
    let mut sysadmin = w.app.signed_in("sa@state.example", &password).await;
    let html = sysadmin.page("/admin/policy").await;
    assert!(html.contains("id=\"county-picker\""));
    assert!(
        html.contains("<h2 id=\"county-heading\">Sacramento County</h2>"),
        "own county"
    );
    let html = sysadmin.page("/admin/policy?county=Marin").await;
    assert!(html.contains("<h2 id=\"county-heading\">Marin County</h2>"));
    assert!(html.contains("<option value=\"Marin\" selected>"));
}

async fn a_holiday_ticked_on_the_form_moves_a_deadline_on_the_boundary_day(db: TestDb) {
    let app = containment_testkit::TestApp::spawn(&db).await;
    let agency = app
        .agency(
            "Sacramento County Probation",
            AgencyKind::ProbationDepartment,
        )
        .await;
    let (_, password) = app
        .user(agency.id, "aa@sac.example", &[Role::AgencyAdmin])
        .await;
    let mut admin = app.signed_in("aa@sac.example", &password).await;
    // Juneteenth 2026 is a Friday: one working day after Thursday the 18th.
    let thursday = d("2026-06-18");
    assert_eq!(
        due(&app.app, thursday).await,
        d("2026-06-19"),
        "the state works on it"
    );
    let state: Vec<(&str, &str)> = containment_domain::calendar::HolidayRule::STATE
        .iter()
        .map(|r| ("holiday", r.code()))
        .collect();
    let mut with_juneteenth = state.clone();
    with_juneteenth.extend([("county", "Sacramento"), ("holiday", "juneteenth")]);
    let html = admin
        .post("/admin/policy", &with_juneteenth)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("policy saved"), "{html}");
    assert_eq!(
        due(&app.app, thursday).await,
        d("2026-06-22"),
        "closed Friday: Monday"
    );
    assert!(html.contains("name=\"holiday\" value=\"juneteenth\" checked>"));
    // Unticked again: Friday is a working day once more.
    let mut without = state.clone();
    without.push(("county", "Sacramento"));
    let html = admin
        .post("/admin/policy", &without)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("policy saved"), "{html}");
    assert_eq!(due(&app.app, thursday).await, d("2026-06-19"));
    // A state holiday unticked: Cesar Chavez Day 2026 (Tuesday, March 31) becomes a working
    // day, so a day after Monday the 30th is that Tuesday.
    let without_chavez: Vec<(&str, &str)> = without
        .iter()
        .copied()
        .filter(|(_, v)| *v != "cesar_chavez_day")
        .collect();
    admin.post("/admin/policy", &without_chavez).await;
    let cal = app.app.county_calendar(Some("Sacramento")).await.unwrap();
    assert_eq!(
        cal.add_working_days(d("2026-03-30"), 1).unwrap(),
        d("2026-03-31")
    );
    let stored = app.app.county_policies().await.unwrap();
    assert_eq!(stored[0].calendar, "-cesar_chavez_day");
}

/// One working day after `from` on Sacramento's calendar.
async fn due(app: &containment_app::App, from: NaiveDate) -> NaiveDate {
    app.county_calendar(Some("Sacramento"))
        .await
        .unwrap()
        .add_working_days(from, 1)
        .unwrap()
}

async fn an_error_page_keeps_the_signed_in_header(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app;
    let probation = w.officer.user.as_ref().unwrap().agency_id;
    let (_, password) = app
        .user(probation, "po2@sonoma.example", &[Role::SupervisingOfficer])
        .await;
    let mut browser = app.signed_in("po2@sonoma.example", &password).await;
    // A case of another agency is outside the officer's wall: the app does not even confirm
    // it exists (404). A page their roles do not open is refused (403), by the route's guard
    // or by the use case. Every one keeps their name, navigation and sign-out.
    let marin = app
        .agency("Marin County Probation", AgencyKind::ProbationDepartment)
        .await;
    app.user(marin.id, "po@marin.example", &[Role::SupervisingOfficer])
        .await;
    let theirs = app
        .app
        .open_case(
            &actor(app, "po@marin.example").await,
            &case("Other Case", ""),
            Utc::now(),
        )
        .await
        .unwrap();
    for (path, status, heading) in [
        (
            format!("/cases/{theirs}"),
            StatusCode::NOT_FOUND,
            "Page not found",
        ),
        (
            "/no-such-page".to_owned(),
            StatusCode::NOT_FOUND,
            "Page not found",
        ),
        ("/audit".to_owned(), StatusCode::FORBIDDEN, "Not allowed"),
        (
            "/dashboard".to_owned(),
            StatusCode::FORBIDDEN,
            "Not allowed",
        ),
    ] {
        let res = browser.get(&path).await;
        assert_eq!(res.status(), status, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(heading), "{path}: {html}");
        assert!(html.contains("Test Person"), "{path}: their name");
        assert!(
            html.contains("action=\"/sign-out\""),
            "{path}: the sign-out form"
        );
        assert!(
            html.contains("href=\"/caseload\""),
            "{path}: the navigation"
        );
    }
    // Refused by the use case (an agency admin setting another county's policy).
    let (_, password) = app
        .user(probation, "aa@sonoma.example", &[Role::AgencyAdmin])
        .await;
    let mut admin = app.signed_in("aa@sonoma.example", &password).await;
    let res = admin
        .post(
            "/admin/policy",
            &[("county", "Marin"), ("holiday", "christmas")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains("Test Person") && html.contains("action=\"/sign-out\""));
    // An anonymous visitor gets the plain page.
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(!html.contains("action=\"/sign-out\"") && !html.contains("Test Person"));
}
