//! Every rule on its boundary days, in both packs.

use chrono::NaiveDate;

use super::*;
use crate::score_chain::StepDone;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn run_with(facts: &CaseFacts, today: &str, calendar: &Calendar, o: &Overrides) -> Vec<Obligation> {
    obligations(
        facts,
        &Context {
            calendar,
            overrides: o,
            today: d(today),
        },
    )
}

fn run(facts: &CaseFacts, today: &str) -> Vec<Obligation> {
    run_with(facts, today, &Calendar::california(), &Overrides::default())
}

fn only(obs: &[Obligation], rule: RuleId) -> Vec<Obligation> {
    obs.iter().copied().filter(|o| o.key.rule == rule).collect()
}

fn one(obs: &[Obligation], rule: RuleId) -> Obligation {
    let found = only(obs, rule);
    assert_eq!(found.len(), 1, "{rule}: {found:?}");
    found[0]
}

const OFFICER: i64 = 1;
const PROVIDER: i64 = 2;
const EXAMINER: i64 = 3;

fn episode(kind: SupervisionKind, start: &str) -> EpisodeFact {
    EpisodeFact {
        id: 10,
        kind,
        placed_on: Some(d(start)),
        start: d(start),
        expected_end: None,
        actual_end: None,
    }
}

fn member(user_id: i64, role: TeamRole, start: &str) -> MemberFact {
    MemberFact {
        user_id,
        role,
        start: d(start),
        end: None,
    }
}

fn treatment(start: &str) -> TreatmentFact {
    TreatmentFact {
        id: 7,
        post_conviction: true,
        start: d(start),
        end: None,
        provider_user_id: Some(PROVIDER),
    }
}

fn base(start: &str) -> CaseFacts {
    CaseFacts {
        supervisee_id: 1,
        date_of_birth: Some(d("1980-01-01")),
        male: true,
        episodes: vec![episode(SupervisionKind::Probation, start)],
        team: vec![
            member(OFFICER, TeamRole::SupervisingOfficer, start),
            member(PROVIDER, TeamRole::TreatmentProvider, start),
            member(EXAMINER, TeamRole::PolygraphExaminer, start),
        ],
        ..CaseFacts::default()
    }
}

fn score(id: i64, instrument: Instrument, on: &str, steps: &[(ChainStepAlias, &str)]) -> ScoreFact {
    ScoreFact {
        id,
        instrument,
        scored_on: d(on),
        steps: steps
            .iter()
            .map(|(s, on)| StepDone {
                step: *s,
                on: d(on),
            })
            .collect(),
    }
}

type ChainStepAlias = crate::score_chain::ChainStep;
use crate::score_chain::ChainStep as Step;

#[test]
fn a_deadline_is_met_on_its_due_date_and_overdue_the_day_after() {
    let due = Some(d("2026-03-31"));
    assert_eq!(
        status(due, Some(d("2026-03-31")), d("2026-05-01")),
        ObligationStatus::MetOnTime
    );
    assert_eq!(
        status(due, Some(d("2026-04-01")), d("2026-05-01")),
        ObligationStatus::MetLate
    );
    assert_eq!(
        status(due, None, d("2026-03-31")),
        ObligationStatus::DueSoon
    );
    assert_eq!(
        status(due, None, d("2026-04-01")),
        ObligationStatus::Overdue
    );
    assert_eq!(
        status(due, None, d("2026-03-24")),
        ObligationStatus::DueSoon
    );
    assert_eq!(
        status(due, None, d("2026-03-23")),
        ObligationStatus::Upcoming
    );
}

#[test]
fn r1_every_month_of_treatment_needs_a_contact_both_sides_document() {
    for (start, pack) in [
        ("2024-01-10", PolicyPackId::Ca2012),
        ("2026-01-10", PolicyPackId::Ca2025),
    ] {
        let year = &start[..4];
        let mut f = base(start);
        f.treatments = vec![treatment(start)];
        f.contacts = vec![
            // January: documented by both, on the last day.
            ContactFact {
                on: d(&format!("{year}-01-31")),
                by_provider: true,
                by_officer: true,
            },
            // February: the provider's note only.
            ContactFact {
                on: d(&format!("{year}-02-10")),
                by_provider: true,
                by_officer: false,
            },
        ];
        let on_due = run(
            &f,
            &format!("{year}-02-{}", if year == "2024" { 29 } else { 28 }),
        );
        let months = only(&on_due, RuleId::R1);
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].status, ObligationStatus::MetOnTime);
        assert_eq!(months[0].pack, pack);
        // On the month's last day it is due; the day after, overdue and unconfirmed.
        assert_eq!(months[1].status, ObligationStatus::DueSoon);
        let after = run(&f, &format!("{year}-03-01"));
        let months = only(&after, RuleId::R1);
        assert_eq!(months.len(), 3);
        assert_eq!(months[1].status, ObligationStatus::Overdue);
        assert_eq!(months[1].note, Note::Unconfirmed);
        assert!(months[1].explain().contains("unconfirmed"));
        assert_eq!(months[1].responsible_user, Some(OFFICER));
        // March, with no contact yet, is upcoming.
        assert_eq!(months[2].status, ObligationStatus::Upcoming);
        // A month without any contact is overdue once over.
        let april = run(&f, &format!("{year}-04-01"));
        assert_eq!(
            only(&april, RuleId::R1)[2].status,
            ObligationStatus::Overdue
        );
        assert_eq!(only(&april, RuleId::R1)[2].note, Note::None);
        // February is reminded through March; from April on it is a missed month on record.
        let february = &only(&after, RuleId::R1)[1];
        assert!(february.worth_reminding(d(&format!("{year}-03-31"))));
        assert!(!february.worth_reminding(d(&format!("{year}-04-01"))));
        assert!(only(&april, RuleId::R1)[2].worth_reminding(d(&format!("{year}-04-30"))));
    }
}

#[test]
fn r2_static_99r_before_sentencing() {
    for start in ["2024-02-01", "2026-02-01"] {
        let mut f = base(start);
        let day_before = d(start).pred_opt().unwrap().to_string();
        f.scores = vec![score(1, Instrument::Static99r, &day_before, &[])];
        let o = one(&run(&f, "2026-06-01"), RuleId::R2);
        assert_eq!(o.due, Some(d(&day_before)));
        assert_eq!(o.status, ObligationStatus::MetOnTime);
        f.scores = vec![score(1, Instrument::Static99r, start, &[])];
        assert_eq!(
            one(&run(&f, "2026-06-01"), RuleId::R2).status,
            ObligationStatus::MetLate
        );
        f.scores.clear();
        assert_eq!(
            one(&run(&f, "2026-06-01"), RuleId::R2).status,
            ObligationStatus::Overdue
        );
    }
    // A juvenile is scored with JSORRAT-II; no Static-99R is owed for a woman.
    let mut f = base("2026-02-01");
    f.juvenile = true;
    f.scores = vec![score(1, Instrument::Jsorrat2, "2026-01-20", &[])];
    let o = one(&run(&f, "2026-06-01"), RuleId::R2);
    assert_eq!(
        (o.status, o.note),
        (ObligationStatus::MetOnTime, Note::Juvenile)
    );
    let mut f = base("2026-02-01");
    f.male = false;
    assert!(only(&run(&f, "2026-06-01"), RuleId::R2).is_empty());
}

#[test]
fn r3_the_provider_reviews_the_static_99r_by_the_end_of_intake() {
    for (start, due) in [("2024-01-05", "2024-02-04"), ("2026-01-05", "2026-02-04")] {
        let mut f = base(start);
        f.treatments = vec![treatment(start)];
        f.scores = vec![score(
            1,
            Instrument::Static99r,
            "2023-12-01",
            &[(Step::ProviderReview, due)],
        )];
        let o = one(&run(&f, "2026-06-01"), RuleId::R3);
        assert_eq!(o.due, Some(d(due)));
        assert_eq!(o.status, ObligationStatus::MetOnTime);
        let late = d(due).succ_opt().unwrap().to_string();
        f.scores = vec![score(
            1,
            Instrument::Static99r,
            "2023-12-01",
            &[(Step::ProviderReview, &late)],
        )];
        assert_eq!(
            one(&run(&f, "2026-06-01"), RuleId::R3).status,
            ObligationStatus::MetLate
        );
    }
}

#[test]
fn r4_dynamic_and_violence_scores_within_90_days_never_past_120() {
    for year in ["2024", "2026"] {
        let start = format!("{year}-01-01");
        let mut f = base(&start);
        f.treatments = vec![treatment(&start)];
        let day = |n: u64| (d(&start) + chrono::Days::new(n)).to_string();
        f.scores = vec![
            score(1, Instrument::Stable2007, &day(90), &[]),
            score(2, Instrument::LsCmi, &day(91), &[]),
        ];
        let obs = only(&run(&f, "2026-12-01"), RuleId::R4);
        let dynamic = obs.iter().find(|o| o.key.part == 0).unwrap();
        let violence = obs.iter().find(|o| o.key.part == 1).unwrap();
        assert_eq!(dynamic.due, Some(d(&day(90))));
        assert_eq!(dynamic.status, ObligationStatus::MetOnTime);
        assert_eq!(violence.status, ObligationStatus::MetLate);
        assert_eq!(violence.note, Note::Part(1));
        assert!(
            violence.explain().contains("(violence score: LS/CMI)"),
            "{}",
            violence.explain()
        );
        // Day 121 is past the limit.
        f.scores = vec![score(2, Instrument::LsCmi, &day(121), &[])];
        let obs = only(&run(&f, "2026-12-01"), RuleId::R4);
        assert_eq!(
            obs.iter().find(|o| o.key.part == 1).unwrap().note,
            Note::PastLimit
        );
        // Unscored: overdue from day 91; past the limit from day 121.
        f.scores.clear();
        let on_120 = only(&run(&f, &day(120)), RuleId::R4);
        assert_eq!(on_120[0].status, ObligationStatus::Overdue);
        assert_eq!(on_120[0].note, Note::Part(0));
        let on_121 = only(&run(&f, &day(121)), RuleId::R4);
        assert_eq!(on_121[0].note, Note::PastLimit);
        assert!(
            on_121[0]
                .explain()
                .contains("(dynamic score: STABLE-2007 or SRA-FV; past the 120-day limit)"),
            "{}",
            on_121[0].explain()
        );
    }
}

#[test]
fn r4_a_final_dynamic_score_in_the_six_months_before_supervision_ends() {
    let mut f = base("2024-01-01");
    f.episodes[0].expected_end = Some(d("2027-01-01"));
    f.treatments = vec![treatment("2024-01-01")];
    f.scores = vec![score(1, Instrument::Stable2007, "2026-07-01", &[])];
    let final_score = |obs: &[Obligation]| {
        obs.iter()
            .copied()
            .find(|o| o.key.rule == RuleId::R4 && o.key.part == 2)
    };
    // 2026-07-01 is exactly six months before the end: inside the window.
    let o = final_score(&run(&f, "2026-12-01")).unwrap();
    assert_eq!(
        (o.due, o.status),
        (Some(d("2027-01-01")), ObligationStatus::MetOnTime)
    );
    f.scores = vec![score(1, Instrument::Stable2007, "2026-06-30", &[])];
    let o = final_score(&run(&f, "2026-12-01")).unwrap();
    assert_eq!(o.status, ObligationStatus::Upcoming);
    // Long before the window opens, nothing is shown.
    assert!(final_score(&run(&f, "2025-06-01")).is_none());
}

#[test]
fn r5_a_score_shared_on_day_30_is_on_time_and_on_day_31_late() {
    for (scored, day30, day31) in [
        ("2024-03-01", "2024-03-31", "2024-04-01"),
        ("2026-03-02", "2026-04-01", "2026-04-02"),
    ] {
        let mut f = base("2023-01-01");
        f.scores = vec![score(
            1,
            Instrument::Stable2007,
            scored,
            &[(Step::SharedWithOfficer, day30)],
        )];
        let o = one(&run(&f, "2026-12-01"), RuleId::R5);
        assert_eq!(
            (o.due, o.status),
            (Some(d(day30)), ObligationStatus::MetOnTime)
        );
        assert_eq!(o.pack, PolicyPackId::in_force_on(d(scored)));
        f.scores = vec![score(
            1,
            Instrument::Stable2007,
            scored,
            &[(Step::SharedWithOfficer, day31)],
        )];
        assert_eq!(
            one(&run(&f, "2026-12-01"), RuleId::R5).status,
            ObligationStatus::MetLate
        );
        // Not shared: due on day 30, overdue on day 31.
        f.scores = vec![score(1, Instrument::Stable2007, scored, &[])];
        assert_eq!(
            one(&run(&f, day30), RuleId::R5).status,
            ObligationStatus::DueSoon
        );
        assert_eq!(
            one(&run(&f, day31), RuleId::R5).status,
            ObligationStatus::Overdue
        );
        assert_eq!(
            one(&run(&f, day31), RuleId::R5).responsible_user,
            Some(PROVIDER)
        );
    }
}

fn r6a_due(received: &str, calendar: &Calendar) -> (NaiveDate, Obligation) {
    let mut f = base("2023-01-01");
    f.scores = vec![score(
        1,
        Instrument::Stable2007,
        "2024-06-01",
        &[
            (Step::SharedWithOfficer, "2024-06-05"),
            (Step::OfficerReceipt, received),
        ],
    )];
    let obs = run_with(&f, "2025-06-01", calendar, &Overrides::default());
    assert!(
        only(&obs, RuleId::R6b).is_empty(),
        "a 2024 score follows ca-2012"
    );
    let o = one(&obs, RuleId::R6a);
    (o.due.unwrap(), o)
}

#[test]
fn r6a_five_working_days_across_holidays() {
    let state = Calendar::california();
    // Fri 22 Nov 2024; Thanksgiving 28-29: Mon 25, Tue 26, Wed 27, Mon 2, Tue 3 Dec.
    assert_eq!(r6a_due("2024-11-22", &state).0, d("2024-12-03"));
    // Fri 20 Dec: Mon 23, Tue 24, (25 Christmas) Thu 26, Fri 27, Mon 30.
    assert_eq!(r6a_due("2024-12-20", &state).0, d("2024-12-30"));
    // Tue 24 Dec: Thu 26, Fri 27, Mon 30, Tue 31, (1 Jan) Thu 2 Jan 2025.
    assert_eq!(r6a_due("2024-12-24", &state).0, d("2025-01-02"));
    // A county that observes Juneteenth: Mon 17 Jun 2024 -> Tue 25 Jun instead of Mon 24.
    assert_eq!(r6a_due("2024-06-17", &state).0, d("2024-06-24"));
    let county = Calendar::parse_county("juneteenth").unwrap();
    assert_eq!(r6a_due("2024-06-17", &county).0, d("2024-06-25"));
    // Submitted on the due date: on time; the day after: late.
    let mut f = base("2023-01-01");
    let steps = |doj: &str| {
        vec![score(
            1,
            Instrument::Stable2007,
            "2024-11-01",
            &[
                (Step::SharedWithOfficer, "2024-11-20"),
                (Step::OfficerReceipt, "2024-11-22"),
                (Step::DojSubmission, doj),
            ],
        )]
    };
    f.scores = steps("2024-12-03");
    let o = one(&run(&f, "2025-06-01"), RuleId::R6a);
    assert_eq!(
        (o.status, o.responsible),
        (ObligationStatus::MetOnTime, TeamRole::SupervisingOfficer)
    );
    f.scores = steps("2024-12-04");
    assert_eq!(
        one(&run(&f, "2025-06-01"), RuleId::R6a).status,
        ObligationStatus::MetLate
    );
    // LS/CMI goes to DOJ by the online scoring itself under ca-2012.
    f.scores = vec![score(
        2,
        Instrument::LsCmi,
        "2024-11-01",
        &[(Step::OfficerReceipt, "2024-11-22")],
    )];
    assert!(only(&run(&f, "2025-06-01"), RuleId::R6a).is_empty());
}

#[test]
fn r6b_the_provider_sends_both_scores_within_30_days_under_2025() {
    let mut f = base("2024-01-01");
    f.scores = vec![
        score(
            1,
            Instrument::Stable2007,
            "2025-01-02",
            &[(Step::DojSubmission, "2025-02-01")],
        ),
        score(
            2,
            Instrument::LsCmi,
            "2025-01-02",
            &[(Step::DojSubmission, "2025-02-02")],
        ),
    ];
    let obs = only(&run(&f, "2025-06-01"), RuleId::R6b);
    assert_eq!(obs.len(), 2);
    assert_eq!(obs[0].due, Some(d("2025-02-01")));
    assert_eq!(obs[0].status, ObligationStatus::MetOnTime);
    assert_eq!(obs[1].status, ObligationStatus::MetLate);
    assert_eq!(obs[0].responsible, TeamRole::TreatmentProvider);
    assert!(only(&run(&f, "2025-06-01"), RuleId::R6a).is_empty());
    assert!(obs[0].explain().contains("ca-2025"));
}

#[test]
fn r7_assessment_within_90_days_of_referral_never_past_120() {
    for year in ["2024", "2026"] {
        let referred = d(&format!("{year}-01-01"));
        let day = |n: u64| referred + chrono::Days::new(n);
        let mut f = base("2023-01-01");
        f.assessments = vec![AssessmentFact {
            id: 1,
            referred_on: referred,
            completed_on: Some(day(90)),
        }];
        let o = one(&run(&f, "2026-12-01"), RuleId::R7);
        assert_eq!(
            (o.due, o.status),
            (Some(day(90)), ObligationStatus::MetOnTime)
        );
        f.assessments[0].completed_on = Some(day(91));
        let o = one(&run(&f, "2026-12-01"), RuleId::R7);
        assert_eq!((o.status, o.note), (ObligationStatus::MetLate, Note::None));
        f.assessments[0].completed_on = Some(day(121));
        assert_eq!(
            one(&run(&f, "2026-12-01"), RuleId::R7).note,
            Note::PastLimit
        );
        f.assessments[0].completed_on = None;
        let o = one(&run(&f, &day(120).to_string()), RuleId::R7);
        assert_eq!((o.status, o.note), (ObligationStatus::Overdue, Note::None));
    }
}

#[test]
fn r8_a_transfer_within_the_bridge_is_one_continuous_treatment() {
    for (year, pack) in [(2024, PolicyPackId::Ca2012), (2026, PolicyPackId::Ca2025)] {
        let y = |md: &str| d(&format!("{year}-{md}"));
        let next = |md: &str| format!("{}-{md}", year + 1);
        let mut f = base(&format!("{year}-01-02"));
        let mut first = treatment(&format!("{year}-01-10"));
        first.end = Some((y("06-30"), TreatmentEnd::Transferred));
        let mut second = treatment(&format!("{year}-06-30"));
        second.id = 8;
        second.end = Some((d(&next("01-10")), TreatmentEnd::Completed));
        // The new program starts the day the transfer ends, or 7 days later: one treatment,
        // a year from the first start, met when the second completes.
        for start in ["06-30", "07-07"] {
            second.start = y(start);
            f.treatments = vec![first.clone(), second.clone()];
            let r8 = only(&run(&f, &next("03-01")), RuleId::R8);
            assert_eq!(r8.len(), 1, "{start}: {r8:?}");
            assert_eq!(r8[0].key.subject, Subject::Treatment(7));
            assert_eq!(r8[0].pack, pack);
            assert_eq!(
                (r8[0].status, r8[0].met_on),
                (ObligationStatus::MetOnTime, Some(d(&next("01-10"))))
            );
        }
        // Eight days later: a break. The first ended short (overdue only after its year), the
        // second is judged on its own.
        second.start = y("07-08");
        f.treatments = vec![first.clone(), second.clone()];
        let r8 = only(&run(&f, &format!("{year}-09-01")), RuleId::R8);
        assert_eq!(r8.len(), 2);
        assert_eq!(
            (r8[0].status, r8[0].note),
            (
                ObligationStatus::Upcoming,
                Note::EndedShort(TreatmentEnd::Transferred)
            )
        );
        let r8 = only(&run(&f, &next("01-11")), RuleId::R8);
        assert_eq!(r8[0].status, ObligationStatus::Overdue);
    }
}

#[test]
fn r8_a_year_of_treatment_and_completion_since_july_2012() {
    let mut f = base("2025-01-01");
    let mut t = treatment("2025-01-10");
    t.end = Some((d("2026-01-09"), TreatmentEnd::Completed));
    f.treatments = vec![t.clone()];
    let o = one(&run(&f, "2026-06-01"), RuleId::R8);
    assert_eq!(
        (o.status, o.note),
        (
            ObligationStatus::Overdue,
            Note::EndedShort(TreatmentEnd::Completed)
        )
    );
    t.end = Some((d("2026-01-10"), TreatmentEnd::Completed));
    f.treatments = vec![t.clone()];
    assert_eq!(
        one(&run(&f, "2026-06-01"), RuleId::R8).status,
        ObligationStatus::MetOnTime
    );
    t.end = Some((d("2026-02-01"), TreatmentEnd::Terminated));
    f.treatments = vec![t.clone()];
    assert_eq!(
        one(&run(&f, "2026-06-01"), RuleId::R8).status,
        ObligationStatus::Overdue
    );
    // Still in treatment: nothing is late.
    t.end = None;
    f.treatments = vec![t.clone()];
    assert_eq!(
        one(&run(&f, "2026-06-01"), RuleId::R8).status,
        ObligationStatus::Upcoming
    );
    // Ended short, but the year is not over yet: not overdue before its due date.
    t.end = Some((d("2025-06-01"), TreatmentEnd::Terminated));
    f.treatments = vec![t.clone()];
    let o = one(&run(&f, "2025-12-01"), RuleId::R8);
    assert_eq!(
        (o.status, o.due),
        (ObligationStatus::Upcoming, Some(d("2026-01-10")))
    );
    assert_eq!(
        one(&run(&f, "2026-01-10"), RuleId::R8).status,
        ObligationStatus::DueSoon
    );
    assert_eq!(
        one(&run(&f, "2026-01-11"), RuleId::R8).status,
        ObligationStatus::Overdue
    );
    // Placed before 2012-07-01: one year suffices, completion is not required.
    let mut f = base("2011-06-01");
    let mut t = treatment("2011-07-01");
    t.end = Some((d("2012-07-01"), TreatmentEnd::Terminated));
    f.treatments = vec![t];
    assert_eq!(
        one(&run(&f, "2013-01-01"), RuleId::R8).status,
        ObligationStatus::MetOnTime
    );
    // A term shorter than a year: its end is enough.
    let mut f = base("2025-01-01");
    f.episodes[0].expected_end = Some(d("2025-06-30"));
    let mut t = treatment("2025-01-10");
    t.end = Some((d("2025-06-30"), TreatmentEnd::Completed));
    f.treatments = vec![t];
    assert_eq!(
        one(&run(&f, "2026-01-01"), RuleId::R8).status,
        ObligationStatus::MetOnTime
    );
}

#[test]
fn r9_a_maintenance_polygraph_every_12_months_or_as_the_county_sets() {
    let mut f = base("2026-01-15");
    f.treatments = vec![treatment("2026-01-15")];
    f.maintenance_polygraphs = vec![d("2027-01-15")];
    let obs = only(&run(&f, "2027-02-01"), RuleId::R9);
    assert_eq!(obs.len(), 2);
    assert_eq!(
        (obs[0].due, obs[0].status),
        (Some(d("2027-01-15")), ObligationStatus::MetOnTime)
    );
    assert_eq!(
        (obs[1].due, obs[1].status),
        (Some(d("2028-01-15")), ObligationStatus::Upcoming)
    );
    f.maintenance_polygraphs = vec![d("2027-01-16")];
    assert_eq!(
        only(&run(&f, "2027-02-01"), RuleId::R9)[0].status,
        ObligationStatus::MetLate
    );
    f.maintenance_polygraphs.clear();
    assert_eq!(
        only(&run(&f, "2027-01-16"), RuleId::R9)[0].status,
        ObligationStatus::Overdue
    );
    // A county polygraphs every 6 months.
    let six = Overrides::parse("R9.months = 6").unwrap();
    let obs = run_with(&f, "2026-07-16", &Calendar::california(), &six);
    let o = only(&obs, RuleId::R9)[0];
    assert_eq!(
        (o.due, o.status),
        (Some(d("2026-07-15")), ObligationStatus::Overdue)
    );
    assert_eq!(o.responsible_user, Some(EXAMINER));
}

#[test]
fn r10_certifications_warn_60_days_ahead_and_lapse_the_day_after_expiry() {
    let mut f = base("2026-01-01");
    let cert = |expires: &str| CertificationFact {
        user_id: PROVIDER,
        kind: CertificationKind::CasombProvider,
        issued_on: d("2025-01-01"),
        expires_on: d(expires),
        revoked_on: None,
    };
    let provider = |f: &CaseFacts, today: &str| {
        only(&run(f, today), RuleId::R10)
            .into_iter()
            .find(|o| o.key.subject == Subject::Member(PROVIDER))
            .unwrap()
    };
    f.certifications = vec![cert("2026-08-30")];
    assert_eq!(provider(&f, "2026-07-01").status, ObligationStatus::DueSoon); // 60 days
    assert_eq!(
        provider(&f, "2026-06-30").status,
        ObligationStatus::Upcoming
    ); // 61 days
    assert_eq!(provider(&f, "2026-08-30").status, ObligationStatus::DueSoon);
    let lapsed = provider(&f, "2026-08-31");
    assert_eq!(lapsed.status, ObligationStatus::Overdue);
    assert_eq!(lapsed.responsible_user, Some(PROVIDER));
    assert_eq!(
        lapsed.note,
        Note::Certification(CertificationKind::CasombProvider)
    );
}

#[test]
fn r10_a_renewal_without_a_gap_continues_the_certification() {
    for year in [2024, 2026] {
        let y = |md: &str| d(&format!("{year}-{md}"));
        let next = |md: &str| d(&format!("{}-{md}", year + 1));
        let mut f = base(&format!("{year}-01-02"));
        let cert = |issued: NaiveDate, expires: NaiveDate| CertificationFact {
            user_id: PROVIDER,
            kind: CertificationKind::CasombProvider,
            issued_on: issued,
            expires_on: expires,
            revoked_on: None,
        };
        let provider = |f: &CaseFacts, today: NaiveDate| {
            only(&run(f, &today.to_string()), RuleId::R10)
                .into_iter()
                .find(|o| o.key.subject == Subject::Member(PROVIDER))
                .unwrap()
        };
        // Renewed to start the day after the expiry: the deadline is the renewal's end.
        f.certifications = vec![
            cert(y("01-01"), y("12-31")),
            cert(next("01-01"), next("12-31")),
        ];
        let o = provider(&f, y("12-15"));
        assert_eq!(
            (o.status, o.due),
            (ObligationStatus::Upcoming, Some(next("12-31")))
        );
        let o = provider(&f, y("10-01"));
        assert_eq!(
            (o.status, o.due),
            (ObligationStatus::Upcoming, Some(next("12-31")))
        );
        // Renewed to start two days after: a day's lapse, overdue on it and not before.
        f.certifications[1].issued_on = next("01-02");
        let o = provider(&f, y("12-31"));
        assert_eq!(
            (o.status, o.due),
            (ObligationStatus::DueSoon, Some(y("12-31")))
        );
        let o = provider(&f, next("01-01"));
        assert_eq!(
            (o.status, o.due),
            (ObligationStatus::Overdue, Some(y("12-31")))
        );
        let o = provider(&f, next("01-02"));
        assert_eq!(
            (o.status, o.due),
            (ObligationStatus::Upcoming, Some(next("12-31")))
        );
    }
}

#[test]
fn r10_a_lapse_while_serving_stays_on_the_record() {
    for year in [2024, 2026] {
        let y = |md: &str| d(&format!("{year}-{md}"));
        let mut f = base(&format!("{year}-01-02"));
        let cert = |issued: NaiveDate, expires: NaiveDate| CertificationFact {
            user_id: PROVIDER,
            kind: CertificationKind::CasombProvider,
            issued_on: issued,
            expires_on: expires,
            revoked_on: None,
        };
        f.certifications = vec![
            cert(y("01-01") - chrono::Days::new(365), y("06-30")),
            cert(y("08-01"), y("12-31") + chrono::Days::new(700)),
        ];
        let provider = |f: &CaseFacts, today: NaiveDate| -> Vec<Obligation> {
            only(&run(f, &today.to_string()), RuleId::R10)
                .into_iter()
                .filter(|o| o.key.subject == Subject::Member(PROVIDER))
                .collect()
        };
        // Inside the lapse: only the current certification is owed, overdue.
        let during = provider(&f, y("07-31"));
        assert_eq!(during.len(), 1);
        assert_eq!(during[0].status, ObligationStatus::Overdue);
        // Certified again: the lapse stays on the record, met late, with its dates.
        let after = provider(&f, y("08-01"));
        assert_eq!(after.len(), 2, "{after:?}");
        assert_eq!(after[0].status, ObligationStatus::Upcoming);
        let lapse = after[1];
        assert_eq!(
            (lapse.status, lapse.due, lapse.met_on),
            (
                ObligationStatus::MetLate,
                Some(y("07-01")),
                Some(y("08-01"))
            )
        );
        assert!(
            lapse.explain().contains(&format!(
                "served uncertified from Jul 1, {year} to Jul 31, {year}"
            )),
            "{}",
            lapse.explain()
        );
        // No lapse at all: nothing more.
        f.certifications[1].issued_on = y("07-01");
        assert_eq!(provider(&f, y("10-01")).len(), 1);
    }
}

#[test]
fn r11_the_court_waiver_is_on_file_by_the_first_day() {
    let mut f = base("2026-01-01");
    f.court_waivers = vec![(d("2026-01-01"), None)];
    assert_eq!(
        one(&run(&f, "2026-03-01"), RuleId::R11).status,
        ObligationStatus::MetOnTime
    );
    f.court_waivers = vec![(d("2026-01-02"), None)];
    assert_eq!(
        one(&run(&f, "2026-03-01"), RuleId::R11).status,
        ObligationStatus::MetLate
    );
    f.court_waivers.clear();
    assert_eq!(
        one(&run(&f, "2026-01-01"), RuleId::R11).status,
        ObligationStatus::DueSoon
    );
    assert_eq!(
        one(&run(&f, "2026-01-02"), RuleId::R11).status,
        ObligationStatus::Overdue
    );
}

#[test]
fn r12_officer_provider_and_examiner_from_the_first_day() {
    let mut f = base("2026-01-01");
    assert_eq!(
        one(&run(&f, "2026-03-01"), RuleId::R12).status,
        ObligationStatus::MetOnTime
    );
    f.team[2].start = d("2026-01-05");
    let o = one(&run(&f, "2026-03-01"), RuleId::R12);
    assert_eq!(
        (o.status, o.met_on),
        (ObligationStatus::MetLate, Some(d("2026-01-05")))
    );
    // The examiner leaves: the team is incomplete today.
    f.team[2].end = Some(d("2026-02-01"));
    let o = one(&run(&f, "2026-03-01"), RuleId::R12);
    assert_eq!(
        (o.status, o.note),
        (
            ObligationStatus::Overdue,
            Note::Gap {
                from: d("2026-02-02"),
                to: d("2026-03-01"),
                missing: [false, false, true],
                earlier: 1,
            }
        )
    );
    assert!(
        o.explain()
            .contains("no polygraph examiner from Feb 2, 2026 to Mar 1, 2026 and one earlier gap"),
        "{}",
        o.explain()
    );
}

#[test]
fn r12_every_day_of_supervision_counts_not_only_the_first() {
    for (year, pack) in [
        ("2024", PolicyPackId::Ca2012),
        ("2026", PolicyPackId::Ca2025),
    ] {
        let y = |md: &str| d(&format!("{year}-{md}"));
        let mut f = base(&format!("{year}-01-02"));
        // The examiner ends on 30 June; the next one starts on 1 July: no day is missed.
        f.team[2].end = Some(y("06-30"));
        f.team.push(member(
            4,
            TeamRole::PolygraphExaminer,
            &format!("{year}-07-01"),
        ));
        let o = one(&run(&f, &format!("{year}-10-01")), RuleId::R12);
        assert_eq!((o.status, o.pack), (ObligationStatus::MetOnTime, pack));
        // The next one starts on 1 August: July had no examiner, and R12 was met late on the
        // day the team was whole again.
        f.team[3].start = y("08-01");
        let o = one(&run(&f, &format!("{year}-10-01")), RuleId::R12);
        assert_eq!(
            (o.status, o.met_on),
            (ObligationStatus::MetLate, Some(y("08-01")))
        );
        assert_eq!(
            o.note,
            Note::Gap {
                from: y("07-01"),
                to: y("07-31"),
                missing: [false, false, true],
                earlier: 0,
            }
        );
        // Seen from inside the gap, it is open.
        let o = one(&run(&f, &format!("{year}-07-15")), RuleId::R12);
        assert_eq!((o.status, o.met_on), (ObligationStatus::Overdue, None));
        // A one-day gap is a gap.
        f.team[3].start = y("07-02");
        let o = one(&run(&f, &format!("{year}-10-01")), RuleId::R12);
        assert_eq!(o.met_on, Some(y("07-02")));
        assert!(
            o.explain()
                .contains(&format!("no polygraph examiner on Jul 1, {year}"))
        );
    }
}

#[test]
fn r13_self_reports_are_acknowledged_within_2_working_days() {
    let mut f = base("2026-01-01");
    // Wed 25 Nov 2026; Thanksgiving 26-27: Mon 30 (1), Tue 1 Dec (2).
    f.self_reports = vec![SelfReportFact {
        id: 4,
        reported_on: d("2026-11-25"),
        provider_ack: Some(d("2026-12-01")),
        officer_ack: Some(d("2026-12-02")),
    }];
    let obs = only(&run(&f, "2026-12-10"), RuleId::R13);
    assert_eq!(obs.len(), 2);
    assert_eq!(obs[0].due, Some(d("2026-12-01")));
    assert_eq!(
        (obs[0].status, obs[0].responsible_user),
        (ObligationStatus::MetOnTime, Some(PROVIDER))
    );
    assert_eq!(
        (obs[1].status, obs[1].responsible_user),
        (ObligationStatus::MetLate, Some(OFFICER))
    );
    // In the 2012 pack too: Fri 20 Dec 2024 -> Mon 23 (1), Tue 24 (2).
    f.self_reports = vec![SelfReportFact {
        id: 5,
        reported_on: d("2024-12-20"),
        provider_ack: None,
        officer_ack: None,
    }];
    let obs = only(&run(&f, "2024-12-26"), RuleId::R13);
    assert_eq!(obs[0].due, Some(d("2024-12-24")));
    assert_eq!(obs[0].pack, PolicyPackId::Ca2012);
    assert_eq!(obs[0].status, ObligationStatus::Overdue);
}

#[test]
fn exemptions_apply_by_key_or_by_period_and_never_hide_what_was_met() {
    let mut f = base("2026-01-10");
    f.treatments = vec![treatment("2026-01-10")];
    let feb = ObligationKey {
        rule: RuleId::R1,
        subject: Subject::Month(2026 * 12 + 1),
        part: 0,
    };
    f.exemptions = vec![ExemptionFact {
        rule: RuleId::R1,
        key: Some(feb),
        from: d("2026-02-01"),
        until: None,
    }];
    let months = only(&run(&f, "2026-04-15"), RuleId::R1);
    assert_eq!(months[0].status, ObligationStatus::Overdue);
    assert_eq!(months[1].status, ObligationStatus::Exempted);
    assert_eq!(months[2].status, ObligationStatus::Overdue);
    // A period exemption covers what falls due in it.
    f.exemptions = vec![ExemptionFact {
        rule: RuleId::R1,
        key: None,
        from: d("2026-03-01"),
        until: Some(d("2026-04-30")),
    }];
    let months = only(&run(&f, "2026-05-15"), RuleId::R1);
    let statuses: Vec<_> = months.iter().map(|o| o.status).collect();
    assert_eq!(
        statuses,
        vec![
            ObligationStatus::Overdue,
            ObligationStatus::Overdue,
            ObligationStatus::Exempted,
            ObligationStatus::Exempted,
            ObligationStatus::Upcoming
        ]
    );
    // Met on time stays met.
    f.contacts = vec![ContactFact {
        on: d("2026-03-03"),
        by_provider: true,
        by_officer: true,
    }];
    assert_eq!(
        only(&run(&f, "2026-05-15"), RuleId::R1)[2].status,
        ObligationStatus::MetOnTime
    );
}

#[test]
fn obligation_keys_read_back_from_their_text() {
    let key = ObligationKey {
        rule: RuleId::R6a,
        subject: Subject::Score(12),
        part: 0,
    };
    assert_eq!(key.to_string(), "R6a:score:12:0");
    assert_eq!("R6a:score:12:0".parse::<ObligationKey>(), Ok(key));
    assert!("R6a:score".parse::<ObligationKey>().is_err());
    assert!("R99:score:1:0".parse::<ObligationKey>().is_err());
}

#[test]
fn every_explanation_cites_its_rule_and_source() {
    let mut f = base("2026-01-10");
    f.treatments = vec![treatment("2026-01-10")];
    f.scores = vec![score(1, Instrument::Stable2007, "2026-02-01", &[])];
    f.self_reports = vec![SelfReportFact {
        id: 1,
        reported_on: d("2026-03-02"),
        provider_ack: None,
        officer_ack: None,
    }];
    f.assessments = vec![AssessmentFact {
        id: 1,
        referred_on: d("2026-01-10"),
        completed_on: None,
    }];
    let obs = run(&f, "2026-04-01");
    let rules: std::collections::BTreeSet<RuleId> = obs.iter().map(|o| o.key.rule).collect();
    for r in [
        RuleId::R1,
        RuleId::R2,
        RuleId::R3,
        RuleId::R4,
        RuleId::R5,
        RuleId::R6b,
        RuleId::R7,
        RuleId::R8,
        RuleId::R9,
        RuleId::R11,
        RuleId::R12,
        RuleId::R13,
    ] {
        assert!(rules.contains(&r), "{r}");
    }
    for o in &obs {
        let text = o.explain();
        assert!(text.starts_with(o.key.rule.code()), "{text}");
        let source = &o.pack.pack().rule(o.key.rule).unwrap().source;
        assert!(text.contains(source.as_str()), "{text}");
        assert!(text.ends_with(").") && !text.contains(".."), "{text}");
    }
    // The to-do order puts overdue first, then by date.
    let mut sorted = obs.clone();
    sorted.sort_by(task_order);
    let first_open = sorted
        .iter()
        .position(|o| o.status != ObligationStatus::Overdue)
        .unwrap_or(0);
    assert!(
        sorted[..first_open]
            .iter()
            .all(|o| o.status == ObligationStatus::Overdue)
    );
}

#[test]
fn as_of_a_past_day_ignores_what_was_dated_after_it() {
    let mut f = base("2026-01-01");
    f.treatments = vec![treatment("2026-01-10")];
    f.contacts = vec![ContactFact {
        on: d("2026-07-31"),
        by_provider: true,
        by_officer: true,
    }];
    let july = |obs: &[Obligation]| {
        only(obs, RuleId::R1)
            .into_iter()
            .find(|o| o.key.subject == Subject::Month(2026 * 12 + 6))
            .unwrap()
    };
    // Read on 15 July with everything recorded since, July looks met already.
    assert_eq!(
        july(&run(&f, "2026-07-15")).status,
        ObligationStatus::MetOnTime
    );
    // As of 15 July, the contact of the 31st has not happened.
    let o = july(&run(&f.as_of(d("2026-07-15")), "2026-07-15"));
    assert_eq!((o.status, o.met_on), (ObligationStatus::Upcoming, None));
    // On the 31st itself it counts.
    let o = july(&run(&f.as_of(d("2026-07-31")), "2026-07-31"));
    assert_eq!(o.met_on, Some(d("2026-07-31")));
    // What ended or was acknowledged later is still open on the day.
    f.treatments[0].end = Some((d("2026-08-01"), TreatmentEnd::Terminated));
    assert_eq!(f.as_of(d("2026-07-31")).treatments[0].end, None);
    f.team[2].end = Some(d("2026-08-01"));
    assert_eq!(f.as_of(d("2026-07-31")).team[2].end, None);
    assert_eq!(f.as_of(d("2026-08-02")).team[2].end, Some(d("2026-08-01")));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    fn end_of(code: u8) -> TreatmentEnd {
        match code % 4 {
            0 => TreatmentEnd::Completed,
            1 => TreatmentEnd::Terminated,
            2 => TreatmentEnd::Transferred,
            _ => TreatmentEnd::SupervisionEnded,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the history, no obligation reads overdue on or before its due date.
        #[test]
        fn nothing_is_overdue_before_it_is_due(
            start in 0i64..1500,
            first_len in proptest::option::of(1i64..700),
            first_end in 0u8..4,
            second_after in proptest::option::of(0i64..30),
            examiner_gap in proptest::option::of((30i64..400, 0i64..60)),
            cert in proptest::option::of((-400i64..400, 1i64..800)),
            renewal_after in proptest::option::of(0i64..5),
            today_after in 0i64..1200,
        ) {
            let day0 = d("2023-01-01") + chrono::Days::new(u64::try_from(start).unwrap());
            let at = |n: i64| if n >= 0 {
                day0 + chrono::Days::new(u64::try_from(n).unwrap())
            } else {
                day0 - chrono::Days::new(u64::try_from(-n).unwrap())
            };
            let mut f = base(&day0.to_string());
            let mut t = treatment(&day0.to_string());
            if let Some(len) = first_len {
                t.end = Some((at(len), end_of(first_end)));
                if let Some(after) = second_after {
                    let mut next = treatment(&at(len + after).to_string());
                    next.id = 8;
                    f.treatments.push(next);
                }
            }
            f.treatments.insert(0, t);
            if let Some((ends, gap)) = examiner_gap {
                f.team[2].end = Some(at(ends));
                f.team.push(MemberFact {
                    user_id: 9,
                    role: TeamRole::PolygraphExaminer,
                    start: at(ends + 1 + gap),
                    end: None,
                });
            }
            if let Some((issued, len)) = cert {
                f.certifications.push(CertificationFact {
                    user_id: PROVIDER,
                    kind: CertificationKind::CasombProvider,
                    issued_on: at(issued),
                    expires_on: at(issued + len),
                    revoked_on: None,
                });
                if let Some(after) = renewal_after {
                    f.certifications.push(CertificationFact {
                        user_id: PROVIDER,
                        kind: CertificationKind::CasombProvider,
                        issued_on: at(issued + len + 1 + after),
                        expires_on: at(issued + len + 700),
                        revoked_on: None,
                    });
                }
            }
            let today = at(today_after);
            for o in run(&f, &today.to_string()) {
                if o.status == ObligationStatus::Overdue {
                    prop_assert!(
                        o.due.is_some_and(|due| due < today),
                        "{} overdue on {today} though due {:?}: {}",
                        o.key, o.due, o.explain()
                    );
                }
            }
        }
    }
}
