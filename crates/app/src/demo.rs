//! Realistic synthetic data: agencies in several counties, people in every role, and supervisees
//! with supervision episodes, containment teams, court waivers and risk scores with their chains. Deterministic for a given seed, so
//! benchmarks and demonstrations are repeatable. Every name is invented.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use containment_domain::access::TeamRole;
use containment_domain::access::{InformationCategory, WaiverId};
use containment_domain::audit::Outcome;
use containment_domain::case::{CdcrNumber, CiiNumber, County, CourtCaseNumber, SupervisionKind};
use containment_domain::certification::{CertificationKind, ProviderLevel};
use containment_domain::instrument::{
    self, Instrument, ScoreReason, Stable2007Answers, Static99rAnswers,
};
use containment_domain::monthly_report::{ReportMonth, ReportStatus};
use containment_domain::policy::PolicyPackId;
use containment_domain::score_chain::ChainStep;
use containment_domain::treatment::{Attendance, SessionCounts, SessionFormat, TreatmentKind};
use containment_domain::waiver::{COURT_WAIVER_ROLES, LegalBasis, Waiver};
use containment_domain::{AgencyKind, Email, Role};
use containment_storage::{
    MonthlyReportRecord, NewAgency, NewCertification, NewEpisode, NewSupervisee, NewUser,
    ReportContent, ScoreRecord, SessionRecord, StepRecord, TreatmentRecord, Tx, WaiverRecord,
};

use crate::actor::{Actor, AuditEntry};
use crate::{App, AppError, password};

/// The password every demo account shares. Demo data is for demonstrations and benchmarks only.
pub const DEMO_PASSWORD: &str = "demo containment 2026";

/// Cases written per transaction.
const BATCH: usize = 500;

/// Transactions written at the same time on a backend that takes concurrent writers.
const CONCURRENT_BATCHES: usize = 4;

const COUNTIES: [&str; 6] = [
    "Sacramento",
    "Los Angeles",
    "San Diego",
    "Fresno",
    "Alameda",
    "Riverside",
];
const GIVEN: [&str; 24] = [
    "James",
    "Robert",
    "Michael",
    "David",
    "Jose",
    "Daniel",
    "Anthony",
    "Christopher",
    "Juan",
    "Kevin",
    "Brian",
    "Luis",
    "Steven",
    "Mark",
    "Eric",
    "Thomas",
    "Carlos",
    "Jason",
    "Ryan",
    "Paul",
    "Marcus",
    "Andre",
    "Victor",
    "Samuel",
];
const FAMILY: [&str; 24] = [
    "Garcia",
    "Smith",
    "Hernandez",
    "Johnson",
    "Lopez",
    "Williams",
    "Martinez",
    "Brown",
    "Gonzalez",
    "Jones",
    "Rodriguez",
    "Miller",
    "Nguyen",
    "Davis",
    "Perez",
    "Wilson",
    "Sanchez",
    "Anderson",
    "Ramirez",
    "Thomas",
    "Flores",
    "Taylor",
    "Rivera",
    "Moore",
];

/// SplitMix64: small, fast, and good enough for synthetic records.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What `containment demo` created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub agencies: usize,
    pub users: usize,
    pub supervisees: usize,
    pub team_members: usize,
    pub waivers: usize,
    pub scores: usize,
    pub treatments: usize,
    pub sessions: usize,
    pub monthly_reports: usize,
    /// Teams above the case, and the activities of their workplans.
    pub teams: usize,
    pub team_activities: usize,
    /// Sign-in e-mails of one account per role, for trying the system.
    pub sample_accounts: Vec<(Role, String)>,
}

struct Staff {
    /// (user id, county index)
    officers: Vec<(i64, usize)>,
    providers: Vec<i64>,
    examiners: Vec<i64>,
    /// Law enforcement per county index.
    police: Vec<i64>,
    /// Probation department id per county index, then the parole agency.
    probation: Vec<i64>,
    parole: i64,
    parole_agents: Vec<i64>,
}

fn email(name: &str) -> Result<Email, AppError> {
    Ok(Email::parse(name)?)
}

impl App {
    /// Fills the database with `supervisees` synthetic cases (and the agencies and people they
    /// need). Refuses a database that already holds demo data. `progress` is called after each
    /// batch with the number of cases written so far.
    pub async fn generate_demo(
        &self,
        supervisees: usize,
        seed: u64,
        now: DateTime<Utc>,
        mut progress: impl FnMut(usize),
    ) -> Result<DemoSummary, AppError> {
        let mut rng = Rng(seed);
        let mut summary = DemoSummary::default();
        let password_hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
        let today = containment_domain::case::local_date(now);

        let tx = self.store.begin().await?;
        if tx
            .agency_by_name("Sacramento County Probation Department (demo)")
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(
                "this database already holds demo data".into(),
            ));
        }
        let mut user_no = 0usize;
        let mut add_user = |tx_agency: i64, role: Role, label: &str| {
            user_no += 1;
            let first = GIVEN[user_no % GIVEN.len()];
            let last = FAMILY[(user_no / GIVEN.len() + user_no * 7) % FAMILY.len()];
            (
                tx_agency,
                format!(
                    "{}.{}{}@demo.example",
                    role.code().replace('_', "-"),
                    label,
                    user_no
                ),
                format!("{first} {last}"),
                role,
            )
        };
        let mut pending: Vec<(i64, String, String, Role)> = Vec::new();
        let officers_per_county = (supervisees / COUNTIES.len() / 60).max(2);
        let mut probation = Vec::new();
        let mut county_of_officer = Vec::new();
        for (ci, county) in COUNTIES.iter().enumerate() {
            let agency = tx
                .create_agency(
                    NewAgency {
                        name: format!("{county} County Probation Department (demo)"),
                        kind: AgencyKind::ProbationDepartment,
                        county: Some((*county).to_owned()),
                    },
                    now,
                )
                .await?;
            probation.push(agency.id);
            pending.push(add_user(agency.id, Role::AgencyAdmin, "admin"));
            pending.push(add_user(agency.id, Role::OfficerSupervisor, "sup"));
            for _ in 0..officers_per_county {
                pending.push(add_user(agency.id, Role::SupervisingOfficer, "po"));
                county_of_officer.push(ci);
            }
            let sheriff = tx
                .create_agency(
                    NewAgency {
                        name: format!("{county} County Sheriff's Office (demo)"),
                        kind: AgencyKind::LawEnforcement,
                        county: Some((*county).to_owned()),
                    },
                    now,
                )
                .await?;
            pending.push(add_user(sheriff.id, Role::LawEnforcement, "le"));
            summary.agencies += 2;
        }
        let parole = tx
            .create_agency(
                NewAgency {
                    name: "Division of Adult Parole Operations (demo)".into(),
                    kind: AgencyKind::Parole,
                    county: None,
                },
                now,
            )
            .await?;
        for _ in 0..(supervisees / 200).max(2) {
            pending.push(add_user(parole.id, Role::SupervisingOfficer, "agent"));
        }
        let mut provider_agencies = Vec::new();
        for name in [
            "Pacific Behavioral Health",
            "Valley Treatment Associates",
            "Coastal Recovery Clinic",
            "Sierra Counseling Group",
        ] {
            let a = tx
                .create_agency(
                    NewAgency {
                        name: format!("{name} (demo)"),
                        kind: AgencyKind::TreatmentProvider,
                        county: None,
                    },
                    now,
                )
                .await?;
            provider_agencies.push(a.id);
        }
        for i in 0..(supervisees / 40).max(4) {
            pending.push(add_user(
                provider_agencies[i % provider_agencies.len()],
                Role::TreatmentProvider,
                "tp",
            ));
        }
        let mut poly_agencies = Vec::new();
        for name in ["Golden State Polygraph", "Accurate Truth Verification"] {
            let a = tx
                .create_agency(
                    NewAgency {
                        name: format!("{name} (demo)"),
                        kind: AgencyKind::PolygraphFirm,
                        county: None,
                    },
                    now,
                )
                .await?;
            poly_agencies.push(a.id);
        }
        for i in 0..(supervisees / 150).max(2) {
            pending.push(add_user(
                poly_agencies[i % poly_agencies.len()],
                Role::PolygraphExaminer,
                "ex",
            ));
        }
        let advocacy = tx
            .create_agency(
                NewAgency {
                    name: "Survivors' Advocacy Network (demo)".into(),
                    kind: AgencyKind::VictimAdvocacy,
                    county: None,
                },
                now,
            )
            .await?;
        pending.push(add_user(advocacy.id, Role::VictimAdvocate, "va"));
        let board = tx
            .create_agency(
                NewAgency {
                    name: "State Oversight Board (demo)".into(),
                    kind: AgencyKind::StateAgency,
                    county: None,
                },
                now,
            )
            .await?;
        pending.push(add_user(board.id, Role::Auditor, "audit"));
        pending.push(add_user(board.id, Role::SystemAdmin, "sysadmin"));
        summary.agencies += 4 + 2 + 3;

        let mut staff = Staff {
            officers: Vec::new(),
            providers: Vec::new(),
            examiners: Vec::new(),
            police: Vec::new(),
            probation,
            parole: parole.id,
            parole_agents: Vec::new(),
        };
        let mut officer_index = 0;
        // The first account of each role in each agency, for the demo team.
        let mut first_of: Vec<(i64, Role, i64)> = Vec::new();
        for (agency_id, address, name, role) in pending {
            let user = tx
                .create_user(
                    agency_id,
                    NewUser {
                        email: email(&address)?,
                        display_name: name,
                        password_hash: password_hash.clone(),
                        must_change_password: false,
                        roles: vec![role],
                    },
                    now,
                )
                .await?;
            summary.users += 1;
            if !first_of
                .iter()
                .any(|(a, r, _)| *a == agency_id && *r == role)
            {
                first_of.push((agency_id, role, user.id));
            }
            if !summary.sample_accounts.iter().any(|(r, _)| *r == role) {
                summary.sample_accounts.push((role, user.email.to_string()));
            }
            match role {
                Role::SupervisingOfficer if agency_id == parole.id => {
                    staff.parole_agents.push(user.id)
                }
                Role::SupervisingOfficer => {
                    staff
                        .officers
                        .push((user.id, county_of_officer[officer_index]));
                    officer_index += 1;
                }
                Role::TreatmentProvider => staff.providers.push(user.id),
                Role::PolygraphExaminer => staff.examiners.push(user.id),
                Role::LawEnforcement => staff.police.push(user.id),
                _ => {}
            }
        }
        // Certifications (R10): most current, a few expiring within the warning window, and a
        // very few lapsed while still assigned, as a real registry would show.
        let mut cert_no = 0usize;
        for (holders, kind) in [
            (&staff.providers, CertificationKind::CasombProvider),
            (&staff.examiners, CertificationKind::PolygraphPcsot),
        ] {
            for user_id in holders.iter() {
                cert_no += 1;
                let roll = rng.below(100);
                let expires = if roll < 3 {
                    today - Duration::days(i64::try_from(1 + rng.below(30)).unwrap_or(1))
                } else if roll < 10 {
                    today + Duration::days(i64::try_from(1 + rng.below(60)).unwrap_or(1))
                } else {
                    today + Duration::days(i64::try_from(61 + rng.below(600)).unwrap_or(61))
                };
                tx.create_certification(
                    NewCertification {
                        kind,
                        holder_user_id: Some(*user_id),
                        holder_agency_id: None,
                        level: (kind == CertificationKind::CasombProvider)
                            .then_some(ProviderLevel::Independent),
                        instrument: None,
                        supervisor_user_id: None,
                        number: format!("DEMO-{cert_no:06}"),
                        issued_on: expires - Duration::days(700),
                        expires_on: expires,
                    },
                    now,
                )
                .await?;
            }
        }
        // SARATSO scorer certifications: officers score static risk, providers dynamic and
        // violence risk.
        let officer_ids: Vec<i64> = staff
            .officers
            .iter()
            .map(|(id, _)| *id)
            .chain(staff.parole_agents.iter().copied())
            .collect();
        for (holders, instruments) in [
            (&officer_ids, &[Instrument::Static99r][..]),
            (
                &staff.providers,
                &[Instrument::Stable2007, Instrument::LsCmi][..],
            ),
        ] {
            for user_id in holders.iter() {
                for instrument in instruments {
                    cert_no += 1;
                    tx.create_certification(
                        NewCertification {
                            kind: CertificationKind::SaratsoScorer,
                            holder_user_id: Some(*user_id),
                            holder_agency_id: None,
                            level: None,
                            instrument: Some(instrument.code().to_owned()),
                            supervisor_user_id: None,
                            number: format!("DEMO-{cert_no:06}"),
                            issued_on: today - Duration::days(365 * 6),
                            expires_on: today + Duration::days(365),
                        },
                        now,
                    )
                    .await?;
                }
            }
        }
        for agency_id in &provider_agencies {
            cert_no += 1;
            tx.create_certification(
                NewCertification {
                    kind: CertificationKind::CasombProgram,
                    holder_user_id: None,
                    holder_agency_id: Some(*agency_id),
                    level: None,
                    instrument: None,
                    supervisor_user_id: None,
                    number: format!("DEMO-{cert_no:06}"),
                    issued_on: today - Duration::days(200),
                    expires_on: today + Duration::days(500),
                },
                now,
            )
            .await?;
        }
        let (teams, activities) =
            demo_team(&tx, &first_of, &staff, advocacy.id, today, now).await?;
        summary.teams += teams;
        summary.team_activities += activities;
        AuditEntry::new("demo_data", Outcome::Success, now)
            .by(&Actor::console())
            .object("database", "demo")
            .detail(format!("{supervisees} supervisees, seed {seed}"))
            .write(&tx)
            .await?;
        tx.commit().await?;

        // Batches are written side by side where the database takes concurrent writers; each
        // has its own generator, seeded from the seed and the batch's number, so the data
        // depend on the seed alone, not on which batch finishes first.
        let staff = std::sync::Arc::new(staff);
        let writers = match self.store.backend() {
            containment_storage::Backend::Postgres => CONCURRENT_BATCHES,
            containment_storage::Backend::Sqlite => 1,
        };
        let mut batches = tokio::task::JoinSet::new();
        let (mut next, mut batch_no) = (0usize, 0u64);
        loop {
            while batches.len() < writers && next < supervisees {
                let cases = next..(next + BATCH).min(supervisees);
                next = cases.end;
                let rng = Rng(rng.0 ^ batch_no.wrapping_mul(0xD1B5_4A32_D192_ED03));
                batch_no += 1;
                let (app, staff) = (self.clone(), staff.clone());
                batches.spawn(async move { app.demo_batch(rng, &staff, cases, today, now).await });
            }
            let Some(done) = batches.join_next().await else {
                break;
            };
            let made =
                done.map_err(|e| AppError::Internal(format!("a demo batch failed: {e}")))??;
            summary.supervisees += made.cases;
            summary.team_members += made.members;
            summary.waivers += made.waivers;
            summary.scores += made.scores;
            summary.treatments += made.treatments;
            summary.sessions += made.sessions;
            summary.monthly_reports += made.reports;
            progress(summary.supervisees);
        }
        Ok(summary)
    }

    /// Writes the demo cases numbered `cases` in one transaction.
    async fn demo_batch(
        &self,
        mut rng: Rng,
        staff: &Staff,
        cases: std::ops::Range<usize>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<DemoCase, AppError> {
        let tx = self.store.begin().await?;
        let mut batch = DemoCase::default();
        let mut sessions = Vec::new();
        for n in cases {
            let made = self
                .demo_case(&tx, &mut rng, staff, n, today, now, &mut sessions)
                .await?;
            batch.cases += 1;
            batch.members += made.members;
            batch.waivers += made.waivers;
            batch.scores += made.scores;
            batch.treatments += made.treatments;
            batch.sessions += made.sessions;
            batch.reports += made.reports;
        }
        tx.create_sessions(&sessions, now).await?;
        // Last, so batches written side by side wait on the counter only to commit.
        tx.mark_case_facts_changed().await?;
        tx.commit().await?;
        Ok(batch)
    }

    /// One demo case; its treatment sessions are added to `sessions`, written with the batch.
    #[allow(clippy::too_many_arguments)]
    async fn demo_case(
        &self,
        tx: &Tx,
        rng: &mut Rng,
        staff: &Staff,
        n: usize,
        today: NaiveDate,
        now: DateTime<Utc>,
        sessions: &mut Vec<SessionRecord>,
    ) -> Result<DemoCase, AppError> {
        let parolee = rng.chance(15) && !staff.parole_agents.is_empty();
        let ci = rng.below(COUNTIES.len());
        let county = County::parse(COUNTIES[ci])?;
        let age_days = 365 * (20 + rng.below(50)) + rng.below(365);
        let dob = today - Duration::days(i64::try_from(age_days).unwrap_or(10_000));
        let start = today - Duration::days(i64::try_from(rng.below(365 * 5)).unwrap_or(0));
        let kind = if parolee {
            SupervisionKind::Parole
        } else {
            *rng.pick(&[
                SupervisionKind::Probation,
                SupervisionKind::Probation,
                SupervisionKind::Probation,
                SupervisionKind::Prcs,
                SupervisionKind::MandatorySupervision,
                SupervisionKind::PreTrial,
            ])
        };
        let cii = CiiNumber::parse(&format!("A{:08}", 10_000_000 + n))?;
        let cdcr = if parolee || rng.chance(20) {
            let letters = ["AA", "AB", "BH", "CD", "F", "G", "H", "K", "T", "V"];
            let l = *rng.pick(&letters);
            let digits = 6 - l.len();
            let modulus = 10usize.pow(u32::try_from(digits).unwrap_or(4));
            Some(CdcrNumber::parse(&format!(
                "{l}{:0width$}",
                n % modulus,
                width = digits
            ))?)
        } else {
            None
        };
        // CDCR numbers generated this way can repeat; keep them unique by dropping repeats.
        let cdcr = match &cdcr {
            Some(c)
                if tx
                    .supervisee_with_identifier(None, Some(c))
                    .await?
                    .is_some() =>
            {
                None
            }
            _ => cdcr,
        };
        let year = start.format("%y");
        let court_case = CourtCaseNumber::parse(&format!("{year}FE{:06}", n))?;
        let agency = if parolee {
            staff.parole
        } else {
            staff.probation[ci]
        };
        let supervisee_id = tx
            .create_supervisee(
                NewSupervisee {
                    legal_name: format!(
                        "{} {} {}",
                        rng.pick(&GIVEN),
                        rng.pick(&GIVEN)[..1].to_owned() + ".",
                        rng.pick(&FAMILY)
                    ),
                    date_of_birth: dob,
                    sex: if rng.chance(97) {
                        "male".into()
                    } else {
                        "female".into()
                    },
                    cii: Some(cii),
                    cdcr,
                    county_of_conviction: Some(county),
                    county_of_registration: Some(county),
                    juvenile: false,
                    aliases: if rng.chance(30) {
                        vec![format!("{} {}", rng.pick(&GIVEN), rng.pick(&FAMILY))]
                    } else {
                        Vec::new()
                    },
                    court_cases: vec![court_case],
                    owning_agency_id: agency,
                },
                now,
            )
            .await?;
        let episode = tx
            .create_episode(
                NewEpisode {
                    supervisee_id,
                    kind,
                    supervising_agency_id: agency,
                    county,
                    court: Some(format!("{} County Superior Court", COUNTIES[ci])),
                    placed_on: Some(start),
                    start_date: start,
                    expected_end: Some(start + Duration::days(365 * 3)),
                },
                now,
            )
            .await?;
        let officer = if parolee {
            *rng.pick(&staff.parole_agents)
        } else {
            let local: Vec<i64> = staff
                .officers
                .iter()
                .filter(|(_, c)| *c == ci)
                .map(|(id, _)| *id)
                .collect();
            *rng.pick(&local)
        };
        let mut members = vec![(officer, TeamRole::SupervisingOfficer)];
        if kind.is_post_conviction() && rng.chance(90) {
            members.push((*rng.pick(&staff.providers), TeamRole::TreatmentProvider));
        }
        if kind.is_post_conviction() && rng.chance(80) {
            members.push((*rng.pick(&staff.examiners), TeamRole::PolygraphExaminer));
        }
        if rng.chance(30) {
            members.push((staff.police[ci], TeamRole::RegisteringLawEnforcement));
        }
        for (user_id, role) in &members {
            tx.add_team_member(episode.id, *user_id, *role, start, now)
                .await?;
        }
        let provider = members
            .iter()
            .find(|(_, r)| *r == TeamRole::TreatmentProvider)
            .map(|(id, _)| *id);
        let mut made = DemoCase {
            members: members.len(),
            ..DemoCase::default()
        };
        // The court waiver (R11) for most post-conviction cases.
        if kind.is_post_conviction() && rng.chance(92) {
            tx.create_waiver(
                &WaiverRecord {
                    rule: Waiver {
                        id: WaiverId(0),
                        basis: if parolee {
                            LegalBasis::Pc3008d
                        } else {
                            LegalBasis::Pc1203067b4
                        },
                        recipient_roles: COURT_WAIVER_ROLES.to_vec(),
                        recipient_users: Vec::new(),
                        recipient_agencies: Vec::new(),
                        categories: vec![
                            InformationCategory::Progress,
                            InformationCategory::AttendanceDetail,
                            InformationCategory::DynamicRiskDiscussion,
                            InformationCategory::Disclosures,
                            InformationCategory::MonthlyReports,
                        ],
                        effective_on: start,
                        expires_on: None,
                        ends_with_supervision: true,
                        revoked_on: None,
                    },
                    supervisee_id,
                    discloser: "Treatment provider".into(),
                    purpose: "Containment team communication (PC 1203.067(b)(4))".into(),
                    revocable: false,
                    revoked_by: None,
                    revocation_reason: None,
                    signed_on: Some(start),
                    document_sha256: None,
                    supersedes_id: None,
                    created_by: officer,
                },
                now,
            )
            .await?;
            made.waivers += 1;
        }
        // A Static-99R before supervision started, reviewed by the provider at intake.
        let release = start - Duration::days(i64::try_from(rng.below(30)).unwrap_or(0));
        let charges = u16::try_from(rng.below(4)).unwrap_or(0);
        let answers = Static99rAnswers {
            date_of_birth: dob,
            release_date: release,
            lived_with_partner_two_years: rng.chance(50),
            index_nonsexual_violence: rng.chance(20),
            prior_nonsexual_violence: rng.chance(30),
            prior_sex_charges: charges,
            prior_sex_convictions: charges.min(u16::try_from(rng.below(2)).unwrap_or(0)),
            prior_sentencing_dates: u16::try_from(rng.below(7)).unwrap_or(0),
            noncontact_sex_offense: rng.chance(15),
            unrelated_victim: rng.chance(60),
            stranger_victim: false,
            male_victim: rng.chance(15),
        };
        let answers = Static99rAnswers {
            stranger_victim: answers.unrelated_victim && rng.chance(40),
            ..answers
        };
        if let Ok(r) = instrument::score_static99r(&answers) {
            let scored_on = start - Duration::days(i64::try_from(rng.below(40)).unwrap_or(0));
            let id = tx
                .create_score(
                    &ScoreRecord {
                        id: 0,
                        supervisee_id,
                        instrument: Instrument::Static99r,
                        scored_on,
                        reason: if parolee {
                            ScoreReason::PreRelease
                        } else {
                            ScoreReason::PreSentence
                        },
                        scorer_user_id: officer,
                        scorer_certified: true,
                        uncertified_reason: None,
                        release_date: Some(release),
                        answers: serde_json::to_string(&answers).unwrap_or_default(),
                        total: r.total,
                        level: r.level.code().to_owned(),
                        pre2016_category: Some(r.pre2016.code().to_owned()),
                        combined_level: None,
                        gears_reference: None,
                        created_at: now,
                        recorded_by: officer,
                    },
                    now,
                )
                .await?;
            made.scores += 1;
            if let Some(p) = provider
                && rng.chance(85)
            {
                let on = (start + Duration::days(20)).min(today);
                demo_step(tx, id, supervisee_id, ChainStep::ProviderReview, on, p, now).await?;
            }
        }
        // A STABLE-2007 at intake, followed along its chain as far as the case has got.
        let intake = start + Duration::days(i64::try_from(30 + rng.below(60)).unwrap_or(30));
        if let Some(p) = provider
            && intake <= today
        {
            let child_victim = rng.chance(40);
            let mut items = [None; 13];
            for (i, item) in items.iter_mut().enumerate() {
                if i != 2 || child_victim {
                    *item = u8::try_from(rng.below(3)).ok();
                }
            }
            let answers = Stable2007Answers {
                child_victim,
                items,
            };
            if let Ok(r) = instrument::score_stable2007(&answers) {
                let id = tx
                    .create_score(
                        &ScoreRecord {
                            id: 0,
                            supervisee_id,
                            instrument: Instrument::Stable2007,
                            scored_on: intake,
                            reason: ScoreReason::Intake,
                            scorer_user_id: p,
                            scorer_certified: true,
                            uncertified_reason: None,
                            release_date: None,
                            answers: serde_json::to_string(&answers).unwrap_or_default(),
                            total: r.total,
                            level: r.band.code().to_owned(),
                            pre2016_category: None,
                            combined_level: None,
                            gears_reference: None,
                            created_at: now,
                            recorded_by: p,
                        },
                        now,
                    )
                    .await?;
                made.scores += 1;
                let shared = intake + Duration::days(i64::try_from(rng.below(35)).unwrap_or(0));
                let received = shared + Duration::days(i64::try_from(rng.below(4)).unwrap_or(0));
                let doj = received + Duration::days(i64::try_from(rng.below(9)).unwrap_or(0));
                let (by_doj, doj_by) = match PolicyPackId::in_force_on(intake) {
                    PolicyPackId::Ca2012 => (received, officer),
                    PolicyPackId::Ca2025 => (shared, p),
                };
                let steps = [
                    (ChainStep::SharedWithOfficer, shared, p),
                    (ChainStep::OfficerReceipt, received, officer),
                    (ChainStep::DojSubmission, doj.max(by_doj), doj_by),
                ];
                for (step, on, by) in steps {
                    if on > today || rng.chance(8) {
                        break;
                    }
                    demo_step(tx, id, supervisee_id, step, on, by, now).await?;
                }
            }
        }
        if let Some(p) = provider
            && kind.is_post_conviction()
        {
            demo_treatment(
                tx,
                rng,
                &mut made,
                sessions,
                supervisee_id,
                p,
                officer,
                start,
                today,
                now,
            )
            .await?;
        }
        Ok(made)
    }
}

/// One local policy team in the first demo county, with members from the demo agencies, a
/// chair, staff, a judge and a legislator's aide kept informed, and a workplan of a few
/// activities, one of them overdue. Returns the teams and activities made.
async fn demo_team(
    tx: &Tx,
    first_of: &[(i64, Role, i64)],
    staff: &Staff,
    advocacy: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    use containment_domain::team::{
        ActivityStatus, Jurisdiction, LeaderKind, MemberRole, MemberStanding, TeamLevel,
    };
    use containment_storage::{
        ActivityNoteRecord, ActivityRecord, LeaderTermRecord, RosterRecord, StaffRecord, TeamRecord,
    };
    let probation = staff.probation.first().copied().unwrap_or_default();
    let of = |agency: Option<i64>, role: Role| {
        first_of
            .iter()
            .find(|(a, r, _)| agency.is_none_or(|x| x == *a) && *r == role)
            .map(|(_, _, u)| *u)
    };
    let (Some(admin), Some(chair), Some(officer)) = (
        of(Some(probation), Role::AgencyAdmin),
        of(Some(probation), Role::OfficerSupervisor),
        staff.officers.first().map(|(u, _)| *u),
    ) else {
        return Ok((0, 0));
    };
    let since = today - Duration::days(180);
    let team = tx
        .create_team(
            &TeamRecord {
                id: 0,
                name: format!("{} County SOMT Policy Team (demo)", COUNTIES[0]),
                level: TeamLevel::LocalPolicy,
                jurisdiction: Jurisdiction::County(County::parse(COUNTIES[0])?),
                parent_id: None,
                mission: "Protect the community by managing people convicted of sex offenses \
                          through a victim-centred, collaborative containment approach."
                    .into(),
                vision: "No more victims.".into(),
                norms: "Decisions by consensus using thumbs: up in favour, sideways not feeling \
                        strongly, down opposed; we discuss until no one is down. The moderator \
                        rotates every year; staff circulate the agenda a week ahead."
                    .into(),
                created_by: admin,
                created_at: now,
                version: 1,
            },
            now,
        )
        .await?;
    let mut goals = Vec::new();
    for (i, g) in [
        "Share case information across agencies",
        "Cross-train the team's members",
        "Adopt a county containment protocol",
    ]
    .iter()
    .enumerate()
    {
        goals.push(
            tx.add_goal(team, i32::try_from(i).unwrap_or_default(), g, now)
                .await?,
        );
    }
    tx.add_leader_term(
        &LeaderTermRecord {
            id: 0,
            team_id: team,
            user_id: chair,
            kind: LeaderKind::Chair,
            start_on: since,
            end_on: None,
            appointed_by: admin,
        },
        now,
    )
    .await?;
    tx.add_staff(
        &StaffRecord {
            id: 0,
            team_id: team,
            user_id: officer,
            start_on: since,
            end_on: None,
            added_by: admin,
        },
        now,
    )
    .await?;
    let provider = staff.providers.first().copied();
    let examiner = staff.examiners.first().copied();
    let police = staff.police.first().copied();
    let advocate = of(Some(advocacy), Role::VictimAdvocate);
    let user_agency = |u: i64| {
        first_of
            .iter()
            .find(|(_, _, x)| *x == u)
            .map(|(a, _, _)| *a)
    };
    // (user, or someone from outside by name and organization), role, standing.
    type Line<'a> = (
        Option<i64>,
        Option<(&'a str, &'a str)>,
        MemberRole,
        MemberStanding,
    );
    let mut lines: Vec<Line> = vec![
        (
            Some(officer),
            None,
            MemberRole::SupervisingOfficer,
            MemberStanding::Representative,
        ),
        (
            provider,
            None,
            MemberRole::TreatmentProvider,
            MemberStanding::Representative,
        ),
        (
            examiner,
            None,
            MemberRole::PolygraphExaminer,
            MemberStanding::Representative,
        ),
        (
            police,
            None,
            MemberRole::LawEnforcement,
            MemberStanding::Representative,
        ),
        (
            advocate,
            None,
            MemberRole::VictimAdvocacyOrganization,
            MemberStanding::Representative,
        ),
    ];
    lines.retain(|l| l.0.is_some());
    lines.push((
        None,
        Some(("Hon. Maria Delgado", "Superior Court (demo)")),
        MemberRole::Judge,
        MemberStanding::Informed,
    ));
    lines.push((
        None,
        Some((
            "Aide to the district's Assemblymember",
            "State Assembly (demo)",
        )),
        MemberRole::LegislativeStaff,
        MemberStanding::Informed,
    ));
    for (user, outside, role, standing) in lines {
        tx.add_to_roster(
            &RosterRecord {
                id: 0,
                team_id: team,
                user_id: user,
                agency_id: user.and_then(user_agency),
                external_name: outside.map(|(n, _)| n.to_owned()),
                external_email: None,
                organization: outside.map(|(_, o)| o.to_owned()),
                role,
                standing,
                start_on: since,
                end_on: None,
                added_by: chair,
            },
            now,
        )
        .await?;
    }
    let owner_provider = provider.unwrap_or(officer);
    let plan = [
        (
            goals[0],
            "Agree on a release for sharing case information",
            officer,
            today - Duration::days(60),
            today - Duration::days(10),
            ActivityStatus::InProgress,
        ),
        (
            goals[0],
            "Set the monthly case review calendar",
            officer,
            today - Duration::days(20),
            today + Duration::days(10),
            ActivityStatus::Planned,
        ),
        (
            goals[1],
            "Hold a cross-training on STABLE-2007 scoring",
            owner_provider,
            today - Duration::days(90),
            today - Duration::days(30),
            ActivityStatus::Done,
        ),
        (
            goals[2],
            "Draft the county containment protocol",
            chair,
            today - Duration::days(30),
            today + Duration::days(45),
            ActivityStatus::Planned,
        ),
    ];
    let mut made = 0;
    for (goal_id, title, owner, start, due, status) in plan {
        let id = tx
            .create_activity(
                &ActivityRecord {
                    id: 0,
                    team_id: team,
                    goal_id,
                    title: title.into(),
                    deliverables: "A written document circulated to the members.".into(),
                    owner_user_id: owner,
                    start_on: start,
                    due_on: due,
                    status,
                    created_by: officer,
                    version: 1,
                },
                now,
            )
            .await?;
        made += 1;
        if status != ActivityStatus::Planned {
            tx.add_activity_note(
                &ActivityNoteRecord {
                    id: 0,
                    activity_id: id,
                    on: start + Duration::days(7),
                    body: "Work started; a draft is with county counsel.".into(),
                    status: Some(status),
                    author_user_id: owner,
                    created_at: now,
                },
                now,
            )
            .await?;
        }
    }
    Ok((1, made))
}

/// Treatment with the team's provider: weekly group sessions of the last eight weeks, and the
/// reports of the last two months, signed early in the month after and mostly acknowledged.
#[allow(clippy::too_many_arguments)]
async fn demo_treatment(
    tx: &Tx,
    rng: &mut Rng,
    made: &mut DemoCase,
    batch_sessions: &mut Vec<SessionRecord>,
    supervisee_id: i64,
    provider: i64,
    officer: i64,
    supervision_start: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let days = |n: usize| Duration::days(i64::try_from(n).unwrap_or(0));
    let start = (supervision_start + days(10 + rng.below(30))).min(today);
    let treatment_id = tx
        .create_treatment(
            &TreatmentRecord {
                id: 0,
                supervisee_id,
                kind: TreatmentKind::PostConviction,
                provider_user_id: provider,
                referral_date: Some(supervision_start),
                start_date: start,
                intensity: "Weekly group".into(),
                targets: "Sexual self-regulation; intimacy deficits".into(),
                responsivity: String::new(),
                end_date: None,
                end_outcome: None,
                end_reason: None,
                created_by: provider,
                version: 1,
                sessions_per_month: Some(4),
                intensity_reason: None,
            },
            now,
        )
        .await?;
    made.treatments += 1;
    let mut sessions = Vec::new();
    let mut on = (today - days(7 * 8)).max(start);
    while on <= today {
        let attendance = match rng.below(20) {
            0 => Attendance::Missed,
            1 => Attendance::Excused,
            _ => Attendance::Attended,
        };
        batch_sessions.push(SessionRecord {
            id: 0,
            supervisee_id,
            treatment_id: Some(treatment_id),
            on,
            attendance,
            format: SessionFormat::Group,
            note: String::new(),
            recorded_by: provider,
            created_at: now,
        });
        sessions.push((on, attendance));
        made.sessions += 1;
        on += days(7);
    }
    let this_month = ReportMonth::of(today);
    for month in [this_month.previous().previous(), this_month.previous()] {
        let signed_on = month.next().first_day() + days(1 + rng.below(5));
        if month < ReportMonth::of(start) || signed_on > today || rng.chance(10) {
            continue;
        }
        let signed_at = signed_on.and_hms_opt(17, 0, 0).map_or(now, |t| t.and_utc());
        let id = tx
            .create_monthly_report(
                &MonthlyReportRecord {
                    id: 0,
                    supervisee_id,
                    month,
                    version: 1,
                    status: ReportStatus::Draft,
                    corrects_id: None,
                    provider_user_id: provider,
                    officer_user_id: None,
                    content: ReportContent {
                        sessions: SessionCounts::between(
                            sessions.iter().copied(),
                            month.first_day(),
                            month.last_day(),
                        ),
                        participation: "Attends group; working on the relapse-prevention module."
                            .into(),
                        dynamic_risk: "No change.".into(),
                        concerns: "None.".into(),
                        ..ReportContent::default()
                    },
                    officer_section: String::new(),
                    author_id: provider,
                    signed_at: None,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    revision: 1,
                    created_at: signed_at,
                    updated_at: signed_at,
                },
                signed_at,
            )
            .await?;
        tx.submit_monthly_report(id, 1, Some(officer), signed_at)
            .await?;
        if signed_on < today && rng.chance(90) {
            tx.acknowledge_monthly_report(
                id,
                officer,
                "",
                (signed_at + Duration::days(1)).min(now),
            )
            .await?;
        }
        made.reports += 1;
    }
    Ok(())
}

/// What one demo case holds.
#[derive(Debug, Default)]
struct DemoCase {
    cases: usize,
    members: usize,
    waivers: usize,
    scores: usize,
    treatments: usize,
    sessions: usize,
    reports: usize,
}

async fn demo_step(
    tx: &Tx,
    score_id: i64,
    supervisee_id: i64,
    step: ChainStep,
    on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let doj = step == ChainStep::DojSubmission;
    tx.create_score_step(
        &StepRecord {
            id: 0,
            risk_score_id: score_id,
            supervisee_id,
            step,
            on,
            by_user_id: by,
            method: doj.then(|| "SARATSO database".to_owned()),
            reference: doj.then(|| format!("DOJ-{score_id:08}")),
            interpretation: (step == ChainStep::SharedWithOfficer).then(|| {
                containment_domain::wall::TreatmentField::ScoreInterpretation.wall(
                    Some(by),
                    "Dynamic needs as scored; supervision and treatment intensity to match."
                        .to_owned(),
                )
            }),
            created_at: now,
        },
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_generator_is_deterministic_and_in_range() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        let xs: Vec<u64> = (0..100).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        let mut r = Rng(1);
        assert!((0..1000).all(|_| r.below(6) < 6));
        let hits = (0..10_000).filter(|_| r.chance(30)).count();
        assert!((2_500..3_500).contains(&hits), "{hits}");
    }
}
