//! Evaluates every obligation of 20 000 active cases with five years of history each and prints
//! the time. Run with `cargo bench -p containment-domain --bench compliance`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use chrono::{Days, NaiveDate};
use containment_domain::access::TeamRole;
use containment_domain::calendar::Calendar;
use containment_domain::case::SupervisionKind;
use containment_domain::certification::CertificationKind;
use containment_domain::compliance::{
    AssessmentFact, CaseFacts, CertificationFact, ContactFact, Context, EpisodeFact, MemberFact,
    ObligationStatus, ScoreFact, SelfReportFact, TreatmentFact, evaluate,
};
use containment_domain::instrument::Instrument;
use containment_domain::policy::Overrides;
use containment_domain::score_chain::{ChainStep, StepDone};

const CASES: usize = 20_000;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn day(start: NaiveDate, n: u64) -> NaiveDate {
    start.checked_add_days(Days::new(n)).unwrap()
}

fn case(n: usize, today: NaiveDate, rng: &mut Rng) -> CaseFacts {
    let start = today
        .checked_sub_days(Days::new(5 * 365 + rng.below(60)))
        .unwrap();
    let id = i64::try_from(n).unwrap();
    let (officer, provider, examiner) = (1 + id % 500, 1000 + id % 300, 2000 + id % 80);
    let mut scores = vec![ScoreFact {
        id: id * 100,
        instrument: Instrument::Static99r,
        scored_on: day(start, 0).pred_opt().unwrap(),
        steps: vec![StepDone {
            step: ChainStep::ProviderReview,
            on: day(start, 25),
        }],
    }];
    for k in 0..10u64 {
        let on = day(start, 60 + k * 180);
        let instrument = if k % 2 == 0 {
            Instrument::Stable2007
        } else {
            Instrument::LsCmi
        };
        scores.push(ScoreFact {
            id: id * 100 + i64::try_from(k).unwrap() + 1,
            instrument,
            scored_on: on,
            steps: vec![
                StepDone {
                    step: ChainStep::SharedWithOfficer,
                    on: day(on, rng.below(35)),
                },
                StepDone {
                    step: ChainStep::OfficerReceipt,
                    on: day(on, 36),
                },
                StepDone {
                    step: ChainStep::DojSubmission,
                    on: day(on, 38 + rng.below(5)),
                },
            ],
        });
    }
    CaseFacts {
        supervisee_id: id,
        date_of_birth: Some(NaiveDate::from_ymd_opt(1975, 5, 5).unwrap()),
        male: true,
        juvenile: false,
        episodes: vec![EpisodeFact {
            id,
            kind: SupervisionKind::Probation,
            placed_on: Some(start),
            start,
            expected_end: Some(day(start, 6 * 365)),
            actual_end: None,
        }],
        team: vec![
            MemberFact {
                user_id: officer,
                role: TeamRole::SupervisingOfficer,
                start,
                end: None,
            },
            MemberFact {
                user_id: provider,
                role: TeamRole::TreatmentProvider,
                start,
                end: None,
            },
            MemberFact {
                user_id: examiner,
                role: TeamRole::PolygraphExaminer,
                start,
                end: None,
            },
        ],
        certifications: vec![
            CertificationFact {
                user_id: provider,
                kind: CertificationKind::CasombProvider,
                issued_on: start,
                expires_on: day(today, rng.below(700)),
                revoked_on: None,
            },
            CertificationFact {
                user_id: examiner,
                kind: CertificationKind::PolygraphPcsot,
                issued_on: start,
                expires_on: day(today, rng.below(700)),
                revoked_on: None,
            },
        ],
        court_waivers: vec![(start, None)],
        scores,
        treatments: vec![TreatmentFact {
            id,
            post_conviction: true,
            start: day(start, 14),
            end: None,
            provider_user_id: Some(provider),
        }],
        // About 12 contacts a year, a few documented by one side only.
        contacts: (0..60u64)
            .map(|m| ContactFact {
                on: day(start, 20 + m * 30 + rng.below(8)),
                by_provider: true,
                by_officer: rng.below(20) != 0,
            })
            .collect(),
        assessments: vec![AssessmentFact {
            id,
            referred_on: day(start, 14),
            completed_on: Some(day(start, 70 + rng.below(60))),
        }],
        maintenance_polygraphs: (0..5u64)
            .map(|k| day(start, 300 + k * 360 + rng.below(30)))
            .collect(),
        self_reports: (0..2u64)
            .map(|k| SelfReportFact {
                id: id * 10 + i64::try_from(k).unwrap(),
                reported_on: day(start, 400 + k * 500),
                provider_ack: Some(day(start, 401 + k * 500)),
                officer_ack: Some(day(start, 402 + k * 500 + rng.below(3))),
            })
            .collect(),
        exemptions: Vec::new(),
    }
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut rng = Rng(7);
    let started = Instant::now();
    let cases: Vec<CaseFacts> = (0..CASES).map(|n| case(n, today, &mut rng)).collect();
    println!(
        "built {CASES} cases with five years of history in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let calendar = Calendar::california();
    let overrides = Overrides::default();
    let ctx = Context {
        calendar: &calendar,
        overrides: &overrides,
        today,
    };
    for round in 1..=3 {
        let mut counts = [0usize; 7];
        let started = Instant::now();
        for facts in &cases {
            evaluate(facts, &ctx, &mut |o| {
                counts[ObligationStatus::ALL
                    .iter()
                    .position(|s| *s == o.status)
                    .unwrap_or(0)] += 1;
            });
        }
        let elapsed = started.elapsed();
        let total: usize = counts.iter().sum();
        println!(
            "round {round}: evaluated {total} obligations of {CASES} cases in {:.0} ms ({:.1} µs a case)",
            elapsed.as_secs_f64() * 1000.0,
            elapsed.as_secs_f64() * 1e6 / CASES as f64
        );
        if round == 3 {
            for (status, n) in ObligationStatus::ALL.iter().zip(counts) {
                println!("  {:<15} {n}", status.label());
            }
        }
    }
}
