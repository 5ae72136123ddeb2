//! Compliance: the obligations of a case, "my tasks", the agency dashboard, exemptions, county
//! policies and the reminder job. The rules themselves live in the domain; this module gathers
//! each case's facts from storage, runs the engine and checks who may see what.

use crate::Problems;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use containment_domain::Role;
use containment_domain::access::{Action, RecordKind, Relationship, TeamRole};
use containment_domain::audit::Outcome;
use containment_domain::calendar::{Calendar, HolidayRule};
use containment_domain::case::{County, local_date};
use containment_domain::certification::CertificationKind;
use containment_domain::compliance::{
    self, AssessmentFact, CaseFacts, CertificationFact, ContactFact, Context, EpisodeFact,
    ExemptionFact, MemberFact, Obligation, ObligationKey, ObligationStatus, ScoreFact,
    SelfReportFact, TreatmentFact,
};
use containment_domain::policy::{Overrides, RuleId};
use containment_domain::score_chain::StepDone;
use containment_storage::facts::CaseFact;
use containment_storage::{
    CertificationRecord, CountyPolicyRecord, EpisodeRecord, ExemptionRecord, NotificationRecord,
    ScoreRecord, StepRecord, SuperviseeRecord, TeamMemberRecord, Tx, WaiverRecord,
};

use crate::actor::{Actor, AuditEntry};
use crate::case_access::ops;
use crate::{App, AppError, Reading};

/// An obligation with what a person reads about it.
#[derive(Debug, Clone)]
pub struct ObligationView {
    pub supervisee_id: i64,
    pub supervisee_name: String,
    pub obligation: Obligation,
    pub explanation: String,
    pub responsible_name: Option<String>,
    /// Score the obligation is about, for a link to where it gets done.
    pub score_id: Option<i64>,
    /// Whether the reader may open the place where it gets done (the score it is about, or
    /// the form that records the missing score). False only where that is known to be refused.
    pub openable: bool,
}

/// The county policies in force: overrides and calendars by county.
#[derive(Debug)]
pub(crate) struct Policies {
    by_county: HashMap<String, (Overrides, Calendar)>,
    default_overrides: Overrides,
}

/// The county whose policy governs a case: its open episode's, else its latest episode's.
pub(crate) fn case_county(episodes: &[containment_storage::EpisodeRecord]) -> Option<&str> {
    episodes
        .iter()
        .find(|e| e.actual_end.is_none())
        .or_else(|| episodes.iter().max_by_key(|e| e.start_date))
        .map(|e| e.county.as_str())
}

impl Policies {
    /// The county's rule numbers (the packs' own when it has no policy).
    pub(crate) fn overrides_for(&self, county: Option<&str>) -> &Overrides {
        county
            .and_then(|c| self.by_county.get(c))
            .map_or(&self.default_overrides, |(o, _)| o)
    }

    pub(crate) fn for_county<'a>(
        &'a self,
        county: Option<&str>,
        default_calendar: &'a Calendar,
    ) -> (&'a Overrides, &'a Calendar) {
        match county.and_then(|c| self.by_county.get(c)) {
            Some((o, c)) => (o, c),
            None => (&self.default_overrides, default_calendar),
        }
    }
}

pub(crate) async fn load_policies(tx: &Tx) -> Result<Policies, AppError> {
    let mut by_county = HashMap::new();
    for p in tx.county_policies().await? {
        // Stored text was validated when saved; anything unreadable falls back to the state's.
        let overrides = Overrides::parse(&p.overrides).unwrap_or_default();
        let calendar =
            Calendar::parse_county(&p.calendar).unwrap_or_else(|_| Calendar::california());
        by_county.insert(p.county, (overrides, calendar));
    }
    Ok(Policies {
        by_county,
        default_overrides: Overrides::default(),
    })
}

/// One case's facts for the engine, with its county and the names of its team.
pub(crate) struct LoadedCase {
    pub facts: CaseFacts,
    pub name: String,
    pub county: Option<String>,
    pub names: HashMap<i64, String>,
    pub owning_agency_id: i64,
    /// The team of every episode, as stored.
    pub team: Vec<TeamMemberRecord>,
    /// The latest score of each instrument: instrument, day scored, level.
    pub levels: Vec<(
        containment_domain::instrument::Instrument,
        NaiveDate,
        String,
    )>,
}

/// Cases loaded per round of queries.
const LOAD_CHUNK: usize = 400;

/// Many cases' facts with a handful of queries per chunk, not per case; in the order of `ids`
/// (unknown ids are left out).
pub(crate) async fn load_cases(tx: &Tx, ids: &[i64]) -> Result<Vec<LoadedCase>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LOAD_CHUNK) {
        load_chunk(tx, chunk, &mut out).await?;
    }
    Ok(out)
}

fn group<T>(items: Vec<T>, key: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut map: HashMap<i64, Vec<T>> = HashMap::new();
    for item in items {
        map.entry(key(&item)).or_default().push(item);
    }
    map
}

/// What the engine reads about a set of cases, as stored.
#[derive(Default)]
pub(crate) struct CaseRecords {
    pub supervisees: Vec<SuperviseeRecord>,
    pub episodes: Vec<EpisodeRecord>,
    pub team: Vec<TeamMemberRecord>,
    /// Certifications of the team's members (their own and their agencies').
    pub certifications: Vec<CertificationRecord>,
    pub waivers: Vec<WaiverRecord>,
    pub scores: Vec<ScoreRecord>,
    pub steps: Vec<StepRecord>,
    pub treatment: TreatmentRecords,
}

impl CaseRecords {
    /// The records of one case whose access was already read: only what `case` does not hold
    /// is read (certifications, scores and steps, and the treatment side in one statement).
    pub(crate) async fn of_case(
        tx: &Tx,
        case: &crate::case_access::CaseAccess,
    ) -> Result<CaseRecords, AppError> {
        let id = case.supervisee.id;
        let mut user_ids: Vec<i64> = case.team.iter().map(|m| m.user_id).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let mut agency_ids: Vec<i64> = case.team.iter().map(|m| m.agency_id).collect();
        agency_ids.sort_unstable();
        agency_ids.dedup();
        let scores = tx.scores(id).await?;
        let steps = if scores.is_empty() {
            Vec::new()
        } else {
            tx.score_steps(id).await?
        };
        Ok(CaseRecords {
            supervisees: vec![case.supervisee.clone()],
            episodes: case.episodes.clone(),
            team: case.team.clone(),
            certifications: tx.certifications_of(&user_ids, &agency_ids).await?,
            waivers: case.waivers.clone(),
            scores,
            steps,
            treatment: TreatmentRecords::load(tx, &[id]).await?,
        })
    }
}

/// The treatment side of the cases' records, read in one statement.
#[derive(Default)]
pub(crate) struct TreatmentRecords {
    facts: Vec<(i64, CaseFact)>,
}

impl TreatmentRecords {
    pub(crate) async fn load(tx: &Tx, ids: &[i64]) -> Result<Self, AppError> {
        Ok(TreatmentRecords {
            facts: tx.case_facts_of(ids).await?,
        })
    }
}

/// One case's treatment facts, by kind.
#[derive(Default)]
struct TreatmentFacts {
    exemptions: Vec<ExemptionFact>,
    treatments: Vec<TreatmentFact>,
    contacts: Vec<ContactFact>,
    self_reports: Vec<SelfReportFact>,
    polygraphs: Vec<NaiveDate>,
    assessments: Vec<AssessmentFact>,
}

fn treatment_facts(records: TreatmentRecords) -> HashMap<i64, TreatmentFacts> {
    let mut by_case: HashMap<i64, TreatmentFacts> = HashMap::new();
    let mut reports = Vec::new();
    for (id, fact) in records.facts {
        let f = by_case.entry(id).or_default();
        match fact {
            CaseFact::Exemption(e) => f.exemptions.push(e),
            CaseFact::Treatment(t) => f.treatments.push(t),
            CaseFact::Contact(c) => f.contacts.push(c),
            // A signed monthly report is the provider's written communication to the officer
            // on the day it was signed; the officer's acknowledgement documents the officer's
            // side (R1).
            CaseFact::SignedReport(signed, acknowledged) => reports.push((
                id,
                ContactFact {
                    on: local_date(signed),
                    by_provider: true,
                    by_officer: acknowledged.is_some(),
                },
            )),
            CaseFact::SelfReport(r) => f.self_reports.push(r),
            CaseFact::MaintenancePolygraph(d) => f.polygraphs.push(d),
            CaseFact::Assessment(a) => f.assessments.push(a),
        }
    }
    for (id, contact) in reports {
        by_case.entry(id).or_default().contacts.push(contact);
    }
    by_case
}

async fn load_chunk(tx: &Tx, ids: &[i64], out: &mut Vec<LoadedCase>) -> Result<(), AppError> {
    let supervisees = tx.supervisees_brief(ids).await?;
    let episodes = tx.episodes_of(ids).await?;
    let episode_ids: Vec<i64> = episodes.iter().map(|e| e.id).collect();
    let mut team = Vec::new();
    for chunk in episode_ids.chunks(LOAD_CHUNK) {
        team.extend(tx.team(chunk).await?);
    }
    let mut user_ids: Vec<i64> = team.iter().map(|m| m.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut certifications = Vec::new();
    for chunk in user_ids.chunks(LOAD_CHUNK) {
        certifications.extend(tx.certifications_of(chunk, &[]).await?);
    }
    let records = CaseRecords {
        supervisees,
        episodes,
        team,
        certifications,
        waivers: tx.waivers_of(ids).await?,
        scores: tx.scores_of(ids).await?,
        steps: tx.score_steps_of(ids).await?,
        treatment: TreatmentRecords::load(tx, ids).await?,
    };
    assemble(ids, records, out);
    Ok(())
}

/// The engine's facts of each case in `ids` (in that order) from their stored records.
pub(crate) fn assemble(ids: &[i64], records: CaseRecords, out: &mut Vec<LoadedCase>) {
    let CaseRecords {
        supervisees,
        episodes,
        team: team_all,
        certifications,
        waivers,
        scores,
        steps,
        treatment,
    } = records;
    let supervisees: HashMap<i64, _> = supervisees.into_iter().map(|s| (s.id, s)).collect();
    let episode_owner: HashMap<i64, i64> =
        episodes.iter().map(|e| (e.id, e.supervisee_id)).collect();
    let certifications: Vec<CertificationFact> = certifications
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                CertificationKind::CasombProvider | CertificationKind::PolygraphPcsot
            )
        })
        .filter_map(|c| {
            Some(CertificationFact {
                user_id: c.holder_user_id?,
                kind: c.kind,
                issued_on: c.issued_on,
                expires_on: c.expires_on,
                revoked_on: c.revoked_on,
            })
        })
        .collect();
    let mut episodes = group(episodes, |e| e.supervisee_id);
    let mut team = group(team_all, |m| {
        episode_owner.get(&m.episode_id).copied().unwrap_or(0)
    });
    let mut waivers = group(waivers, |w| w.supervisee_id);
    let mut scores = group(scores, |s| s.supervisee_id);
    let mut steps = group(steps, |s| s.supervisee_id);
    let mut treatment = treatment_facts(treatment);
    for id in ids {
        let Some(s) = supervisees.get(id) else {
            continue;
        };
        let episodes = episodes.remove(id).unwrap_or_default();
        let team = team.remove(id).unwrap_or_default();
        let waivers = waivers.remove(id).unwrap_or_default();
        let scores = scores.remove(id).unwrap_or_default();
        let steps = steps.remove(id).unwrap_or_default();
        let TreatmentFacts {
            exemptions,
            treatments,
            contacts,
            self_reports,
            polygraphs,
            assessments,
        } = treatment.remove(id).unwrap_or_default();
        let members: Vec<i64> = team.iter().map(|m| m.user_id).collect();
        let county = case_county(&episodes).map(str::to_owned);
        let mut levels: Vec<(
            containment_domain::instrument::Instrument,
            NaiveDate,
            String,
        )> = Vec::new();
        for sc in &scores {
            match levels.iter_mut().find(|(i, _, _)| *i == sc.instrument) {
                Some(l) if l.1 <= sc.scored_on => {
                    *l = (sc.instrument, sc.scored_on, sc.level.clone())
                }
                Some(_) => {}
                None => levels.push((sc.instrument, sc.scored_on, sc.level.clone())),
            }
        }
        let facts = CaseFacts {
            supervisee_id: *id,
            date_of_birth: Some(s.date_of_birth),
            male: s.sex == "male",
            juvenile: s.juvenile,
            episodes: episodes
                .iter()
                .map(|e| EpisodeFact {
                    id: e.id,
                    kind: e.kind,
                    placed_on: e.placed_on,
                    start: e.start_date,
                    expected_end: e.expected_end,
                    actual_end: e.actual_end,
                })
                .collect(),
            team: team
                .iter()
                .map(|m| MemberFact {
                    user_id: m.user_id,
                    role: m.team_role,
                    start: m.start_date,
                    end: m.end_date,
                })
                .collect(),
            certifications: certifications
                .iter()
                .filter(|c| members.contains(&c.user_id))
                .cloned()
                .collect(),
            court_waivers: waivers
                .iter()
                .filter(|w| {
                    w.rule.basis.is_court_ordered()
                        && crate::cases::REQUIRED_TEAM_ROLES
                            .iter()
                            .all(|r| w.rule.recipient_roles.contains(r))
                })
                .map(|w| {
                    let last = match (
                        w.rule.expires_on,
                        w.rule.revoked_on.and_then(|r| r.pred_opt()),
                    ) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    (w.rule.effective_on, last)
                })
                .collect(),
            scores: scores
                .iter()
                .map(|sc| ScoreFact {
                    id: sc.id,
                    instrument: sc.instrument,
                    scored_on: sc.scored_on,
                    steps: steps
                        .iter()
                        .filter(|st| st.risk_score_id == sc.id)
                        .map(|st| StepDone {
                            step: st.step,
                            on: st.on,
                        })
                        .collect(),
                })
                .collect(),
            exemptions,
            treatments,
            contacts,
            self_reports,
            maintenance_polygraphs: polygraphs,
            assessments,
        };
        out.push(LoadedCase {
            facts,
            name: s.legal_name.clone(),
            county,
            names: team
                .iter()
                .map(|m| (m.user_id, m.user_name.clone()))
                .collect(),
            owning_agency_id: s.owning_agency_id,
            team,
            levels,
        });
    }
}

pub(crate) fn view(case: &LoadedCase, o: Obligation) -> ObligationView {
    ObligationView {
        supervisee_id: case.facts.supervisee_id,
        supervisee_name: case.name.clone(),
        explanation: o.explain(),
        responsible_name: o.responsible_user.and_then(|u| case.names.get(&u).cloned()),
        score_id: match o.key.subject {
            compliance::Subject::Score(id) => Some(id),
            _ => None,
        },
        openable: true,
        obligation: o,
    }
}

/// Evaluates a loaded case as of `today`.
pub(crate) fn evaluate_case(
    case: &LoadedCase,
    policies: &Policies,
    calendar: &Calendar,
    today: NaiveDate,
    emit: &mut dyn FnMut(Obligation),
) {
    let (overrides, calendar) = policies.for_county(case.county.as_deref(), calendar);
    compliance::evaluate(
        &case.facts,
        &Context {
            calendar,
            overrides,
            today,
        },
        emit,
    );
}

/// A county's policy as chosen on the form: typed, so only the law's limits remain to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountyPolicyChoice {
    /// The holiday rules the county observes (the state's and any it adds).
    pub observed: BTreeSet<HolidayRule>,
    /// Single dates the county closes on.
    pub added: BTreeSet<NaiveDate>,
    /// Single dates the county works although a rule makes them a holiday.
    pub removed: BTreeSet<NaiveDate>,
    /// The numbers the county changes: (rule, parameter) -> value.
    pub numbers: BTreeMap<(RuleId, String), i64>,
}

/// The form field of a rule's number, e.g. `R9-months`: where its problem is shown.
pub fn policy_field(rule: RuleId, param: &str) -> String {
    format!("{}-{param}", rule.code())
}

/// Whose county policy an actor sets, and where the policy page opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyScope {
    /// The county of the actor's agency, if any.
    pub own: Option<String>,
    /// Whether the actor may set any county's policy (system admins).
    pub any_county: bool,
}

/// One row of the dashboard: obligations due in the period for one value of a dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateRow {
    pub key: String,
    pub label: String,
    pub met_on_time: usize,
    pub met_late: usize,
    pub overdue: usize,
    /// Of the overdue, those that can no longer be met (months of contact long gone).
    pub missed: usize,
    pub open: usize,
    pub exempted: usize,
}

impl RateRow {
    /// Met on time among those decided (met or overdue), as a percentage.
    pub fn rate(&self) -> Option<f64> {
        let counted = self.met_on_time + self.met_late + self.overdue;
        (counted > 0).then(|| 100.0 * self.met_on_time as f64 / counted as f64)
    }

    fn count(&mut self, o: &Obligation, today: NaiveDate) {
        if o.is_missed(today) {
            self.missed += 1;
        }
        self.add(o.status);
    }

    fn add(&mut self, status: ObligationStatus) {
        match status {
            ObligationStatus::MetOnTime => self.met_on_time += 1,
            ObligationStatus::MetLate => self.met_late += 1,
            ObligationStatus::Overdue => self.overdue += 1,
            ObligationStatus::Exempted => self.exempted += 1,
            ObligationStatus::DueSoon | ObligationStatus::Upcoming => self.open += 1,
            ObligationStatus::NotApplicable => {}
        }
    }
}

/// The dashboard's dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Rule,
    Officer,
    Provider,
    County,
}

impl Dimension {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "rule" => Ok(Dimension::Rule),
            "officer" => Ok(Dimension::Officer),
            "provider" => Ok(Dimension::Provider),
            "county" => Ok(Dimension::County),
            _ => Err(AppError::invalid(
                "dimension: one of rule, officer, provider, county",
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Dimension::Rule => "rule",
            Dimension::Officer => "officer",
            Dimension::Provider => "provider",
            Dimension::County => "county",
        }
    }
}

/// Dashboards worked out per (agency, first day, last day) of the period.
pub(crate) type DashboardCache =
    crate::case_work::SnapshotCache<(i64, NaiveDate, NaiveDate), Arc<Dashboard>>;

/// Periods kept per snapshot: a handful of agencies times the periods people look at.
pub(crate) const MOST_DASHBOARDS_CACHED: usize = 256;

/// Compliance rates of an agency's cases for obligations due in a period.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub cases: usize,
    pub total: RateRow,
    pub by_rule: Vec<RateRow>,
    pub by_officer: Vec<RateRow>,
    pub by_provider: Vec<RateRow>,
    pub by_county: Vec<RateRow>,
    /// The first day of each of the 12 months ending with the month of the period's end.
    pub months: Vec<NaiveDate>,
    /// Per rule, its figures for each of `months` (obligations due that month), in rule order;
    /// rules with nothing due in those months are left out.
    pub monthly_by_rule: Vec<RuleMonths>,
}

/// One rule's figures month by month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleMonths {
    pub key: String,
    pub label: String,
    /// One row per month of [`Dashboard::months`].
    pub months: Vec<RateRow>,
}

/// Months in the dashboard's monthly series.
pub const SERIES_MONTHS: u32 = 12;

/// The first days of the `SERIES_MONTHS` months ending with the month of `end`.
pub fn series_months(end: NaiveDate) -> Vec<NaiveDate> {
    let last = end.with_day(1).unwrap_or(end);
    (0..SERIES_MONTHS)
        .rev()
        .filter_map(|back| last.checked_sub_months(chrono::Months::new(back)))
        .collect()
}

/// Index of the month of `date` among `months` (first days, ascending, consecutive).
fn month_index(months: &[NaiveDate], date: NaiveDate) -> Option<usize> {
    let first = months.first()?;
    let diff = (date.year() - first.year()) * 12 + date.month() as i32 - first.month() as i32;
    usize::try_from(diff).ok().filter(|i| *i < months.len())
}

/// Which value of a dimension an obligation falls under, if any.
fn dimension_value(d: Dimension, case: &LoadedCase, o: &Obligation) -> Option<(String, String)> {
    match d {
        Dimension::Rule => Some((o.key.rule.code().to_owned(), o.key.rule.label().to_owned())),
        Dimension::Officer | Dimension::Provider => {
            let role = if d == Dimension::Officer {
                TeamRole::SupervisingOfficer
            } else {
                TeamRole::TreatmentProvider
            };
            if o.responsible != role {
                return None;
            }
            let user = o.responsible_user?;
            Some((
                user.to_string(),
                case.names
                    .get(&user)
                    .cloned()
                    .unwrap_or_else(|| format!("user {user}")),
            ))
        }
        Dimension::County => case.county.clone().map(|c| (c.clone(), c)),
    }
}

/// An exemption request whose fields passed the checks.
#[derive(Debug)]
struct ExemptionAsked {
    rule: RuleId,
    key: Option<ObligationKey>,
    from: NaiveDate,
    until: Option<NaiveDate>,
    reason: String,
}

/// Checks an exemption request's fields.
fn exemption_fields(
    rule: &str,
    key: &str,
    from: &str,
    until: &str,
    reason: &str,
) -> Result<ExemptionAsked, AppError> {
    let mut errors = Problems::new();
    let key = match key.trim() {
        "" => None,
        k => k
            .parse::<ObligationKey>()
            .map_err(|e| errors.push(e.to_string()))
            .ok(),
    };
    let rule = match (rule.trim(), key) {
        ("", Some(k)) => Some(k.rule),
        (r, _) => r
            .parse::<RuleId>()
            .map_err(|e| errors.push(e.to_string()))
            .ok(),
    };
    if let (Some(r), Some(k)) = (rule, key)
        && k.rule != r
    {
        errors.push("the obligation belongs to another rule");
    }
    let date = |field: &str, label: &str, v: &str, errors: &mut Problems| -> Option<NaiveDate> {
        containment_domain::input::date(label, v)
            .map_err(|e| errors.at(field, e))
            .ok()
    };
    let from = date("from", "from", from, &mut errors);
    let until = if until.trim().is_empty() {
        None
    } else {
        date("until", "until", until, &mut errors)
    };
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        errors.at("until", "until: it is before the start");
    }
    let reason = reason.trim();
    if reason.is_empty() {
        errors.at("reason", "reason: say why the obligation should not apply");
    }
    match (rule, from) {
        (Some(rule), Some(from)) if errors.is_empty() => Ok(ExemptionAsked {
            rule,
            key,
            from,
            until,
            reason: reason.chars().take(1000).collect(),
        }),
        _ => Err(AppError::InvalidInput(errors)),
    }
}

/// What one run of the reminder job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderRun {
    pub cases: usize,
    pub created: usize,
    /// Notifications e-mailed by this run (when mail is configured).
    pub emailed: usize,
    /// Sends that failed; they are retried by a later run.
    pub email_failures: usize,
}

/// Whether the reminder job of this process went over every case in a snapshot of the case
/// facts on a day: kept as the caseload's standings are, one entry at most.
pub(crate) type Reminded = crate::case_work::SnapshotCache<(), ()>;

/// Which obligations behind the dashboard's figures to list.
#[derive(Debug, Clone, Copy)]
pub struct DashboardList<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: Dimension,
    /// The figure's key in the dimension; empty for all.
    pub value: &'a str,
    pub status: Option<ObligationStatus>,
}

/// How long an instance holds a notification it is e-mailing before another may retry it.
const EMAIL_LEASE_MINUTES: i64 = 10;
/// Notifications older than this are not e-mailed any more.
const EMAIL_WITHIN_DAYS: i64 = 7;

/// Cases evaluated per transaction by the reminder job.
const REMINDER_BATCH: usize = 400;

/// Reminder batches in flight at once on a backend that takes concurrent writers.
const REMINDER_BATCHES_AT_ONCE: usize = 3;

impl App {
    /// The obligations of one case as of `as_of`, each explained.
    pub async fn case_obligations(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        as_of: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<ObligationView>, AppError> {
        self.case_obligations_read(actor, supervisee_id, as_of, now, Reading::View)
            .await
    }

    /// As [`Self::case_obligations`], shown or exported (audited as `export_obligations`).
    pub async fn case_obligations_read(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        reading: Reading,
    ) -> Result<Vec<ObligationView>, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::OBLIGATIONS_READ, supervisee_id, now)
            .await?;
        let policies = load_policies(&tx).await?;
        let records = CaseRecords::of_case(&tx, &case).await?;
        // What the reader may open: a score they may read, a form for a score they may record.
        let may = |action: Action, instrument: containment_domain::instrument::Instrument| {
            case.decide(actor, action, crate::score_kind(instrument))
                .is_allowed()
        };
        let readable_scores: Vec<i64> = records
            .scores
            .iter()
            .filter(|s| may(Action::Read, s.instrument))
            .map(|s| s.id)
            .collect();
        let openable = |v: &ObligationView| match (v.obligation.key.rule, v.score_id) {
            (_, Some(score)) => readable_scores.contains(&score),
            (RuleId::R2, None) => may(
                Action::Create,
                containment_domain::instrument::Instrument::Static99r,
            ),
            (RuleId::R4, None) => may(
                Action::Create,
                containment_domain::instrument::Instrument::Stable2007,
            ),
            _ => true,
        };
        let mut cases = Vec::new();
        assemble(&[supervisee_id], records, &mut cases);
        let mut loaded = cases.pop().ok_or(AppError::NotFound)?;
        // A past day is a snapshot: what was recorded with a later date did not exist yet.
        if as_of < local_date(now) {
            loaded.facts = loaded.facts.as_of(as_of);
        }
        let mut out = Vec::new();
        evaluate_case(&loaded, &policies, &self.calendar, as_of, &mut |o| {
            let mut v = view(&loaded, o);
            v.openable = openable(&v);
            out.push(v);
        });
        out.sort_by(|a, b| compliance::task_order(&a.obligation, &b.obligation));
        grant
            .audit_as(match reading {
                Reading::View => ops::OBLIGATIONS_READ,
                Reading::Export(_) => ops::OBLIGATIONS_EXPORT,
            })
            .detail_opt(reading.detail(Some(format!("as of {as_of}")), out.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The obligations of the one case in `records`, most urgent first,
    /// with the facts they were computed from (the case page shows its last contact and exam).
    pub(crate) fn case_obligations_of(
        &self,
        records: CaseRecords,
        policies: &Policies,
        today: NaiveDate,
    ) -> (Vec<ObligationView>, Option<CaseFacts>) {
        let ids: Vec<i64> = records.supervisees.iter().map(|s| s.id).collect();
        let mut loaded = Vec::new();
        assemble(&ids, records, &mut loaded);
        let mut out = Vec::new();
        for case in &loaded {
            evaluate_case(case, policies, &self.calendar, today, &mut |o| {
                out.push(view(case, o));
            });
        }
        out.sort_by(|a, b| compliance::task_order(&a.obligation, &b.obligation));
        (out, loaded.into_iter().next().map(|c| c.facts))
    }

    /// The agency whose dashboard the actor may see in aggregate.
    fn dashboard_agency(&self, actor: &Actor) -> Result<i64, AppError> {
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if !(actor.has_role(Role::AgencyAdmin) || actor.has_role(Role::OfficerSupervisor)) {
            return Err(AppError::Forbidden(
                "the dashboard is for officer supervisors and agency admins".into(),
            ));
        }
        Ok(user.agency_id)
    }

    /// The agency's cases for the dashboard, when the actor may see them in aggregate.
    async fn dashboard_cases(&self, tx: &Tx, actor: &Actor) -> Result<Vec<i64>, AppError> {
        let agency = self.dashboard_agency(actor)?;
        Ok(tx.case_ids_of_agency(agency).await?)
    }

    /// Compliance rates of the actor's agency for obligations due from `from` to `to`.
    pub async fn dashboard(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, AppError> {
        self.dashboard_read(actor, from, to, now, Reading::View)
            .await
    }

    /// As [`Self::dashboard`], shown or exported (audited as `export_dashboard`, counting a row
    /// for the total and one for each figure of each section).
    pub async fn dashboard_read(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
        reading: Reading,
    ) -> Result<Dashboard, AppError> {
        if to < from {
            return Err(AppError::invalid("to: the period ends before it starts"));
        }
        let today = local_date(now);
        let agency = self.dashboard_agency(actor)?;
        let tx = self.store.begin_read().await?;
        let generation = tx.case_facts_generation().await?;
        let key = (agency, from, to);
        let dash = match self.dashboards.get_one(generation, today, &key) {
            Some(dash) => dash,
            None => {
                let dash = Arc::new(
                    self.work_out_dashboard(&tx, agency, from, to, today)
                        .await?,
                );
                self.dashboards
                    .put(generation, today, [(key, Arc::clone(&dash))]);
                dash
            }
        };
        let rows = 1
            + dash.by_rule.len()
            + dash.by_officer.len()
            + dash.by_provider.len()
            + dash.by_county.len();
        AuditEntry::new(
            reading.action("dashboard_read", "export_dashboard"),
            Outcome::Success,
            now,
        )
        .by(actor)
        .detail_opt(reading.detail(Some(format!("{from} to {to}")), rows))
        .write(&tx)
        .await?;
        tx.commit().await?;
        Ok(Dashboard::clone(&dash))
    }

    /// The dashboard's figures for the agency's cases, worked out from this snapshot.
    async fn work_out_dashboard(
        &self,
        tx: &Tx,
        agency: i64,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Dashboard, AppError> {
        let ids = tx.case_ids_of_agency(agency).await?;
        let policies = load_policies(tx).await?;
        let mut dash = Dashboard {
            cases: ids.len(),
            ..Dashboard::default()
        };
        let mut maps: [HashMap<String, RateRow>; 4] = Default::default();
        let dims = [
            Dimension::Rule,
            Dimension::Officer,
            Dimension::Provider,
            Dimension::County,
        ];
        let months = series_months(to);
        // Rule position -> figures per month, filled in the same pass as the period's figures.
        let mut monthly: HashMap<usize, Vec<RateRow>> = HashMap::new();
        for loaded in load_cases(tx, &ids).await? {
            evaluate_case(&loaded, &policies, &self.calendar, today, &mut |o| {
                if let Some(m) = o.due.and_then(|d| month_index(&months, d)) {
                    let rule = RuleId::ALL
                        .iter()
                        .position(|x| *x == o.key.rule)
                        .unwrap_or(usize::MAX);
                    monthly
                        .entry(rule)
                        .or_insert_with(|| vec![RateRow::default(); months.len()])[m]
                        .count(&o, today);
                }
                if !o.due.is_some_and(|d| d >= from && d <= to) {
                    return;
                }
                dash.total.count(&o, today);
                for (map, d) in maps.iter_mut().zip(dims) {
                    if let Some((key, label)) = dimension_value(d, &loaded, &o) {
                        let row = map.entry(key.clone()).or_insert_with(|| RateRow {
                            key,
                            label,
                            ..RateRow::default()
                        });
                        row.count(&o, today);
                    }
                }
            });
        }
        let [rules, officers, providers, counties] = maps;
        let sorted = |m: HashMap<String, RateRow>, by_rule: bool| {
            let mut v: Vec<RateRow> = m.into_values().collect();
            if by_rule {
                v.sort_by_key(|r| {
                    RuleId::ALL
                        .iter()
                        .position(|x| x.code() == r.key)
                        .unwrap_or(usize::MAX)
                });
            } else {
                v.sort_by(|a, b| a.label.cmp(&b.label));
            }
            v
        };
        dash.by_rule = sorted(rules, true);
        dash.by_officer = sorted(officers, false);
        dash.by_provider = sorted(providers, false);
        dash.by_county = sorted(counties, false);
        let mut monthly: Vec<(usize, Vec<RateRow>)> = monthly.into_iter().collect();
        monthly.sort_by_key(|(rule, _)| *rule);
        dash.monthly_by_rule = monthly
            .into_iter()
            .filter_map(|(i, rows)| {
                let rule = RuleId::ALL.get(i)?;
                Some(RuleMonths {
                    key: rule.code().to_owned(),
                    label: rule.label().to_owned(),
                    months: rows,
                })
            })
            .collect();
        dash.months = months;
        Ok(dash)
    }

    /// The obligations behind one number of the dashboard.
    #[allow(clippy::too_many_arguments)]
    pub async fn dashboard_list(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        dimension: Dimension,
        value: &str,
        status: Option<ObligationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ObligationView>, AppError> {
        let list = DashboardList {
            from,
            to,
            dimension,
            value,
            status,
        };
        self.dashboard_list_read(actor, &list, now, Reading::View)
            .await
    }

    /// As [`Self::dashboard_list`], shown or exported (audited as `export_dashboard_list`).
    pub async fn dashboard_list_read(
        &self,
        actor: &Actor,
        list: &DashboardList<'_>,
        now: DateTime<Utc>,
        reading: Reading,
    ) -> Result<Vec<ObligationView>, AppError> {
        let DashboardList {
            from,
            to,
            dimension,
            value,
            status,
        } = *list;
        let today = local_date(now);
        let tx = self.store.begin_read().await?;
        let ids = self.dashboard_cases(&tx, actor).await?;
        let policies = load_policies(&tx).await?;
        let mut out = Vec::new();
        for loaded in load_cases(&tx, &ids).await? {
            evaluate_case(&loaded, &policies, &self.calendar, today, &mut |o| {
                let in_period = o.due.is_some_and(|d| d >= from && d <= to);
                let matches = value.is_empty()
                    || dimension_value(dimension, &loaded, &o).is_some_and(|(k, _)| k == value);
                if in_period && matches && status.is_none_or(|s| s == o.status) {
                    out.push(view(&loaded, o));
                }
            });
        }
        out.sort_by(|a, b| compliance::task_order(&a.obligation, &b.obligation));
        let detail = format!("{} {value}: {} obligations", dimension.code(), out.len());
        AuditEntry::new(
            reading.action("dashboard_list", "export_dashboard_list"),
            Outcome::Success,
            now,
        )
        .by(actor)
        .detail_opt(reading.detail(Some(detail), out.len()))
        .write(&tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Asks for an exemption: one obligation (by key) or a rule for a period.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_exemption(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        rule: &str,
        key: &str,
        from: &str,
        until: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::EXEMPTION_REQUEST, supervisee_id, now)
            .await?;
        let ExemptionAsked {
            rule,
            key,
            from,
            until,
            reason,
        } = exemption_fields(rule, key, from, until, reason)?;
        let id = tx
            .create_exemption(
                &ExemptionRecord {
                    id: 0,
                    supervisee_id,
                    rule,
                    obligation_key: key.map(|k| k.to_string()),
                    from,
                    until,
                    reason,
                    requested_by: actor.author()?,
                    requested_at: now,
                    decision: "requested".into(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!(
                "exemption {id}: {}",
                key.map_or_else(|| rule.code().to_owned(), |k| k.to_string())
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether the actor approves exemptions on this case (the domain's step grants say who).
    fn approves(actor: &Actor, relationships: &[Relationship]) -> bool {
        crate::case_access::takes(
            actor,
            relationships,
            containment_domain::access::Step::DecideExemption,
        )
    }

    /// Approves or rejects a request; never one's own.
    pub async fn decide_exemption(
        &self,
        actor: &Actor,
        exemption_id: i64,
        approve: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<ExemptionRecord, AppError> {
        let tx = self.store.begin().await?;
        let record = tx
            .exemption(exemption_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let op = ops::EXEMPTION_DECIDE;
        let (tx, case) = self
            .load_case(
                tx,
                actor,
                op.audit,
                record.supervisee_id,
                now,
                local_date(now),
            )
            .await?;
        // The officer's supervisor or the owning agency's admin decides, not the team.
        let decision = match case.decide(actor, Action::Read, RecordKind::Obligation) {
            read if !read.is_allowed() || Self::approves(actor, &case.relationships) => read,
            _ => containment_domain::access::Decision::Deny {
                reason: containment_domain::access::DenyReason::NotPermitted {
                    action: Action::Update,
                    kind: RecordKind::Obligation,
                },
                visibility: containment_domain::access::Visibility::Forbidden,
            },
        };
        let (tx, grant) = case.grant_with(tx, actor, op, &decision, now).await?;
        if actor.user_id() == Some(record.requested_by) {
            return Err(AppError::Forbidden(
                "an exemption is decided by someone other than who asked for it".into(),
            ));
        }
        if !approve && note.trim().is_empty() {
            return Err(AppError::invalid("note: say why the exemption is refused"));
        }
        if !tx
            .decide_exemption(exemption_id, approve, actor.author()?, note.trim(), now)
            .await?
        {
            return Err(AppError::Conflict(
                "this request was already decided".into(),
            ));
        }
        grant
            .audit()
            .detail(format!(
                "exemption {exemption_id} {}",
                if approve { "approved" } else { "rejected" }
            ))
            .write(&tx)
            .await?;
        let updated = tx
            .exemption(exemption_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// The case's exemptions, for those who may read its obligations.
    pub async fn exemptions(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Vec<ExemptionRecord>, bool), AppError> {
        let (tx, case, _) = self
            .authorize(actor, ops::EXEMPTIONS_READ, supervisee_id, now)
            .await?;
        let list = tx.exemptions(supervisee_id).await?;
        let approves = Self::approves(actor, &case.relationships);
        tx.commit().await?;
        Ok((list, approves))
    }

    /// Requests waiting for the actor's decision, with the case names.
    pub async fn exemptions_to_decide(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<(ExemptionRecord, String)>, AppError> {
        let tx = self.store.begin_read().await?;
        let today = local_date(now);
        let mut out = Vec::new();
        for e in tx.pending_exemptions().await? {
            let Some(s) = tx.supervisee(e.supervisee_id).await? else {
                continue;
            };
            let rels = self.relationships(&tx, actor, &s, today).await?;
            if Self::approves(actor, &rels) && actor.user_id() != Some(e.requested_by) {
                out.push((e, s.legal_name));
            }
        }
        AuditEntry::new("exemptions_pending_read", Outcome::Success, now)
            .by(actor)
            .detail(format!("{} requests", out.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// County policies, for the admin page.
    pub async fn county_policies(&self) -> Result<Vec<CountyPolicyRecord>, AppError> {
        let tx = self.store.begin_read().await?;
        let list = tx.county_policies().await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Sets a county's overrides and calendar: system admins anywhere, agency admins for their
    /// agency's county. Both texts are validated first; the change is audited with its content.
    pub async fn set_county_policy(
        &self,
        actor: &Actor,
        county: &str,
        overrides: &str,
        calendar: &str,
        now: DateTime<Utc>,
    ) -> Result<CountyPolicyRecord, AppError> {
        self.store_county_policy(
            actor,
            county,
            || {
                let mut errors = Problems::new();
                let parsed =
                    Overrides::parse(overrides).map_err(|e| errors.push(format!("numbers: {e}")));
                let cal = Calendar::parse_county(calendar)
                    .map_err(|e| errors.push(format!("calendar: {e}")));
                let (Ok(parsed), Ok(_)) = (parsed, cal) else {
                    return Err(AppError::InvalidInput(errors));
                };
                let calendar_text: String = calendar
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
                Ok((parsed, calendar_text))
            },
            now,
        )
        .await
    }

    /// As [`Self::set_county_policy`], from the county policy form: the holidays observed, the
    /// single dates added and removed, and the numbers changed. A number beyond the law's limit
    /// is refused at its field ([`policy_field`]); the policy is stored in the same text form
    /// the console and the API write.
    pub async fn set_county_policy_choice(
        &self,
        actor: &Actor,
        county: &str,
        choice: &CountyPolicyChoice,
        now: DateTime<Utc>,
    ) -> Result<CountyPolicyRecord, AppError> {
        self.store_county_policy(
            actor,
            county,
            || {
                let mut errors = Problems::new();
                for ((rule, param), value) in &choice.numbers {
                    if !containment_domain::policy::parameters()
                        .iter()
                        .any(|(r, p)| r == rule && p == param)
                    {
                        errors.push(format!(
                            "{}.{param}: no pack has this number for this rule",
                            rule.code()
                        ));
                    } else if let Err(e) =
                        containment_domain::policy::check_value(*rule, param, *value)
                    {
                        errors.at(
                            &policy_field(*rule, param),
                            format!("{}.{param}: {e}", rule.code()),
                        );
                    }
                }
                if !errors.is_empty() {
                    return Err(AppError::InvalidInput(errors));
                }
                let rules: Vec<HolidayRule> = choice.observed.iter().copied().collect();
                let added: Vec<NaiveDate> = choice.added.iter().copied().collect();
                let removed: Vec<NaiveDate> = choice.removed.iter().copied().collect();
                let calendar = Calendar::new(&rules, &added, &removed);
                Ok((
                    Overrides {
                        values: choice.numbers.clone(),
                    },
                    calendar.to_county_config(),
                ))
            },
            now,
        )
        .await
    }

    /// Checks who may set the county's policy, then validates and stores it with its audit
    /// event. A refusal is audited; invalid input is not stored.
    async fn store_county_policy(
        &self,
        actor: &Actor,
        county: &str,
        validate: impl FnOnce() -> Result<(Overrides, String), AppError>,
        now: DateTime<Utc>,
    ) -> Result<CountyPolicyRecord, AppError> {
        let tx = self.store.begin().await?;
        if !(actor.is_console()
            || actor.has_role(Role::SystemAdmin)
            || actor.has_role(Role::AgencyAdmin))
        {
            AuditEntry::new("county_policy_set", Outcome::Denied, now)
                .by(actor)
                .object("county", county.trim().chars().take(40).collect::<String>())
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(
                "county policy is set by a system admin or an agency admin".into(),
            ));
        }
        let county = County::parse(county)?;
        let allowed = actor.is_console()
            || actor.has_role(Role::SystemAdmin)
            || match actor.user.as_ref() {
                Some(u) if actor.has_role(Role::AgencyAdmin) => tx
                    .agency(u.agency_id)
                    .await?
                    .and_then(|a| a.county)
                    .is_some_and(|c| c == county.name()),
                _ => false,
            };
        if !allowed {
            AuditEntry::new("county_policy_set", Outcome::Denied, now)
                .by(actor)
                .object("county", county.name())
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(
                "county policy is set by a system admin or an admin of an agency in that county"
                    .into(),
            ));
        }
        let (parsed, calendar_text) = validate()?;
        tx.set_county_policy(
            county.name(),
            &parsed.to_text(),
            &calendar_text,
            // County policy is also set from the console, which is no account: stored as 0,
            // while the audit event below names the console.
            actor.user_id().unwrap_or(0),
            now,
        )
        .await?;
        AuditEntry::new("county_policy_set", Outcome::Success, now)
            .by(actor)
            .object("county", county.name())
            .detail(format!(
                "numbers: [{}]; calendar: [{}]",
                parsed.to_text().trim().replace('\n', ", "),
                calendar_text.replace('\n', ", ")
            ))
            .write(&tx)
            .await?;
        // The answer is the policy as this change left it, read before anyone else can change it.
        let saved = tx
            .county_policies()
            .await?
            .into_iter()
            .find(|p| p.county == county.name())
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Which counties' policy the actor sets: any county for a system admin (and the console),
    /// only the county of their agency for an agency admin. `own` is the county of the actor's
    /// agency, if it has one: where the policy page opens.
    pub async fn county_policy_scope(&self, actor: &Actor) -> Result<PolicyScope, AppError> {
        let tx = self.store.begin_read().await?;
        let own = match actor.user.as_ref() {
            Some(u) => tx.agency(u.agency_id).await?.and_then(|a| a.county),
            None => None,
        };
        tx.commit().await?;
        Ok(PolicyScope {
            own,
            any_county: actor.is_console() || actor.has_role(Role::SystemAdmin),
        })
    }

    /// The reminder job: for every open case, a notification to whoever owes an obligation
    /// due within a week, and another once it is overdue. Each (person, obligation, kind, due
    /// date) is stored at most once, so several workers may run at the same time; each batch
    /// commits on its own, so a worker that dies loses nothing the next run will not redo.
    /// A run on the day and the snapshot of the case facts this process last went over in
    /// full evaluates no case (it could owe no new reminder) and only sends pending e-mail.
    pub async fn run_reminders(&self, now: DateTime<Utc>) -> Result<ReminderRun, AppError> {
        use std::sync::atomic::Ordering;
        let started = std::time::Instant::now();
        let run = self.remind(now).await;
        let stats = self.reminder_stats();
        stats.duration.observe(started.elapsed());
        match &run {
            Ok(r) => stats
                .notifications
                .fetch_add(r.created as u64, Ordering::Relaxed),
            Err(_) => stats.failures.fetch_add(1, Ordering::Relaxed),
        };
        run
    }

    async fn remind(&self, now: DateTime<Utc>) -> Result<ReminderRun, AppError> {
        let today = local_date(now);
        let (generation, ids, policies) = {
            let tx = self.store.begin_read().await?;
            let generation = tx.case_facts_generation().await?;
            // Nothing changed since a run of this process went over every case today: the
            // same facts on the same day owe the same reminders, all stored already.
            let ids = if self.reminded.get_one(generation, today, &()).is_some() {
                Vec::new()
            } else {
                tx.open_case_ids().await?
            };
            let policies = load_policies(&tx).await?;
            tx.commit().await?;
            (generation, ids, std::sync::Arc::new(policies))
        };
        let mut run = ReminderRun::default();
        // Batches run side by side where the database takes concurrent writers (one read while
        // another writes); on SQLite one at a time, leaving the other core to requests.
        let at_once = match self.store.backend() {
            containment_storage::Backend::Postgres => REMINDER_BATCHES_AT_ONCE,
            containment_storage::Backend::Sqlite => 1,
        };
        let mut batches = ids.chunks(REMINDER_BATCH).map(<[i64]>::to_vec);
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < at_once {
                let Some(batch) = batches.next() else { break };
                let (app, policies) = (self.clone(), policies.clone());
                running.spawn(async move { app.remind_batch(&batch, &policies, today, now).await });
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            let (cases, created) =
                done.map_err(|e| AppError::Internal(format!("a reminder batch failed: {e}")))??;
            run.cases += cases;
            run.created += created;
        }
        self.reminded.put(generation, today, [((), ())]);
        if let Some(mail) = self.mail.clone() {
            let (sent, failed) = self.send_pending_emails(&mail, now).await?;
            run.emailed = sent;
            run.email_failures = failed;
        }
        let tx = self.store.begin().await?;
        AuditEntry::new("reminders_run", Outcome::Success, now)
            .by(&Actor::console())
            .detail(format!(
                "{} cases, {} notifications, {} e-mailed, {} e-mail failures",
                run.cases, run.created, run.emailed, run.email_failures
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(run)
    }

    /// One batch of the reminder job: the cases read without the write lock, their
    /// notifications written in a short write transaction of their own, so requests are not
    /// held behind the job. Returns the cases evaluated and the notifications stored.
    async fn remind_batch(
        &self,
        batch: &[i64],
        policies: &Policies,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize), AppError> {
        let loaded_cases = {
            let tx = self.store.begin_read().await?;
            let loaded = load_cases(&tx, batch).await?;
            tx.commit().await?;
            loaded
        };
        let cases = loaded_cases.len();
        let mut due: Vec<(i64, Obligation)> = Vec::new();
        for loaded in loaded_cases {
            let id = loaded.facts.supervisee_id;
            evaluate_case(&loaded, policies, &self.calendar, today, &mut |o| {
                if matches!(
                    o.status,
                    ObligationStatus::DueSoon | ObligationStatus::Overdue
                ) && o.responsible_user.is_some()
                    && o.worth_reminding(today)
                {
                    due.push((id, o));
                }
            });
        }
        let notes: Vec<NotificationRecord> = due
            .into_iter()
            .filter_map(|(supervisee_id, o)| {
                let (user, due_on) = (o.responsible_user?, o.due?);
                let overdue = o.status == ObligationStatus::Overdue;
                Some(NotificationRecord {
                    id: 0,
                    user_id: user,
                    supervisee_id,
                    obligation_key: o.key.to_string(),
                    kind: if overdue { "overdue" } else { "due_soon" }.into(),
                    due_on,
                    // The case is named when the reminder is read (`notifications`), by its number.
                    message: format!(
                        "{} {}: {}",
                        o.key.rule.code(),
                        if overdue { "is overdue" } else { "is due soon" },
                        o.explain()
                    ),
                    created_at: now,
                    read_at: None,
                })
            })
            .collect();
        if notes.is_empty() {
            return Ok((cases, 0));
        }
        let tx = self.store.begin().await?;
        let created = usize::try_from(tx.notify_many(&notes, now).await?).unwrap_or(0);
        tx.commit().await?;
        Ok((cases, created))
    }

    /// E-mails the notifications not yet sent. Each is claimed under a lease first, so
    /// several instances never send the same one, and one whose instance died is retried once
    /// its lease runs out; a failed send is given back for the next run.
    async fn send_pending_emails(
        &self,
        mail: &crate::MailConfig,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize), AppError> {
        let (mut sent, mut failed) = (0, 0);
        loop {
            let tx = self.store.begin().await?;
            let batch = tx
                .claim_emails(
                    now,
                    now - chrono::Duration::days(EMAIL_WITHIN_DAYS),
                    now + chrono::Duration::minutes(EMAIL_LEASE_MINUTES),
                    100,
                )
                .await?;
            tx.commit().await?;
            if batch.is_empty() {
                return Ok((sent, failed));
            }
            for (n, address) in batch {
                let Ok(to) = containment_domain::Email::parse(&address) else {
                    failed += 1;
                    continue;
                };
                let rule = n
                    .obligation_key
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let what = match n.kind.as_str() {
                    "overdue" => "is overdue",
                    "self_report" => "needs your acknowledgement",
                    _ => "is due soon",
                };
                let number = {
                    let tx = self.store.begin_read().await?;
                    let numbers = case_numbers(&tx, &[n.supervisee_id]).await?;
                    tx.commit().await?;
                    numbers.get(&n.supervisee_id).cloned().unwrap_or_default()
                };
                let subject = format!("Containment: {rule} {what}, case {number}");
                let body = format!(
                    "{rule} {what} on case {number}, due {}.\n\nOpen {}{} to do it.\n\nThis message names no one: sign in to read the case.\n",
                    containment_domain::case::day_words(n.due_on),
                    mail.public_url,
                    notice_place(n.supervisee_id, &n.obligation_key)
                );
                let outcome = crate::mail::send(mail, &to, &subject, &body).await;
                let tx = self.store.begin().await?;
                match outcome {
                    Ok(()) => {
                        tx.mark_emailed(n.id, now).await?;
                        sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(
                            error = %crate::mail::loggable(&e),
                            "reminder e-mail not sent; retried later"
                        );
                        tx.release_email(n.id).await?;
                        failed += 1;
                    }
                }
                tx.commit().await?;
            }
            if failed > 0 {
                // The relay is failing: leave the rest for the next run.
                return Ok((sent, failed));
            }
        }
    }

    /// Makes (or replaces) the actor's private calendar feed; returns its secret, shown once.
    pub async fn create_calendar_feed(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<String, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let secret = crate::actor::random_hex(32)?;
        let tx = self.store.begin().await?;
        tx.set_calendar_feed(user, &crate::actor::secret_hash(&secret), now)
            .await?;
        AuditEntry::new("calendar_feed_create", Outcome::Success, now)
            .by(actor)
            .object("user", user)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Revokes the actor's calendar feed; its address stops working at once.
    pub async fn revoke_calendar_feed(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let had = tx.revoke_calendar_feed(user).await?;
        AuditEntry::new("calendar_feed_revoke", Outcome::Success, now)
            .by(actor)
            .object("user", user)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(had)
    }

    pub async fn has_calendar_feed(&self, actor: &Actor) -> Result<bool, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin_read().await?;
        let has = tx.has_calendar_feed(user).await?;
        tx.commit().await?;
        Ok(has)
    }

    /// The tasks behind a calendar feed secret, as its owner would see them; `NotFound` for an
    /// unknown or revoked secret, or an owner who may no longer sign in.
    pub async fn calendar_feed_tasks(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ObligationView>, AppError> {
        let tx = self.store.begin_read().await?;
        let owner = tx
            .calendar_feed_owner(&crate::actor::secret_hash(secret.trim()))
            .await?;
        let user = match owner {
            Some((id, _)) => tx.user(id).await?,
            None => None,
        };
        tx.commit().await?;
        let Some(user) = user.filter(|u| !u.disabled) else {
            return Err(AppError::NotFound);
        };
        let actor = Actor {
            user: Some(user),
            channel: crate::actor::Channel::Console,
            client: Default::default(),
        };
        self.my_tasks(&actor, now).await
    }

    /// The actor's notifications, newest first; reading marks them read.
    pub async fn notifications(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<NotificationRecord>, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let mut list = tx.notifications(user, 50).await?;
        tx.mark_notifications_read(user, now).await?;
        let mut ids: Vec<i64> = list.iter().map(|n| n.supervisee_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let numbers = case_numbers(&tx, &ids).await?;
        tx.commit().await?;
        // People know a case by its number, never by the record's internal id.
        for n in &mut list {
            if let Some(number) = numbers.get(&n.supervisee_id) {
                n.message = format!("Case {number}: {}", n.message);
            }
        }
        Ok(list)
    }
}

/// How people name each case: its CII number, else its CDCR number, else its first court case
/// number. Two statements, however many cases; the second only for cases with neither number.
pub(crate) async fn case_numbers(
    tx: &Tx,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut unnumbered = Vec::new();
    for s in tx.supervisees_brief(ids).await? {
        match s.cii.or(s.cdcr) {
            Some(n) => {
                out.insert(s.id, n);
            }
            None => unnumbered.push(s.id),
        }
    }
    for id in unnumbered {
        let number = tx
            .supervisee(id)
            .await?
            .and_then(|s| s.court_cases.into_iter().next())
            .unwrap_or_else(|| "without a number".to_owned());
        out.insert(id, number);
    }
    Ok(out)
}

/// Where the thing a notification asks for gets done, from its obligation key.
pub fn notice_place(case_id: i64, key: &str) -> String {
    let part = key.split(':').next().unwrap_or_default();
    match part {
        "R2" | "R3" | "R4" | "R5" | "R6a" | "R6b" => format!("/cases/{case_id}/scores"),
        "R10" => "/certifications".to_owned(),
        "R11" => format!("/cases/{case_id}/waivers"),
        "R12" => format!("/cases/{case_id}/team"),
        "R1" | "R7" | "R8" | "R13" => format!("/cases/{case_id}/treatment"),
        "R9" | "disclosure" => format!("/cases/{case_id}/polygraph"),
        "monthly_report" => match key.split(':').nth(1) {
            Some(report) => format!("/cases/{case_id}/monthly-reports/{report}"),
            None => format!("/cases/{case_id}/monthly-reports"),
        },
        _ => format!("/cases/{case_id}/obligations"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_is_the_twelve_months_ending_with_the_period_and_crosses_the_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let months = series_months(d("2026-03-17"));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], d("2025-04-01"));
        assert_eq!(months[11], d("2026-03-01"));
        assert_eq!(month_index(&months, d("2025-04-01")), Some(0));
        assert_eq!(month_index(&months, d("2025-12-31")), Some(8));
        assert_eq!(month_index(&months, d("2026-01-01")), Some(9));
        assert_eq!(month_index(&months, d("2026-03-31")), Some(11));
        assert_eq!(month_index(&months, d("2025-03-31")), None, "before");
        assert_eq!(month_index(&months, d("2026-04-01")), None, "after");
    }

    #[test]
    fn exemption_requests_are_checked_field_by_field() {
        let ok = exemption_fields(
            "",
            "R5:score:3:0",
            "2026-01-01",
            "",
            "supervisee hospitalized",
        );
        let asked = ok.unwrap();
        assert_eq!(asked.rule, RuleId::R5);
        assert_eq!(asked.key.unwrap().to_string(), "R5:score:3:0");
        let err = exemption_fields("R9", "R5:score:3:0", "2026-13-01", "2025-01-01", " ")
            .unwrap_err()
            .to_string();
        assert!(err.contains("another rule"), "{err}");
        assert!(err.contains("not a date"), "{err}");
        assert!(err.contains("reason"), "{err}");
        assert!(
            exemption_fields("R9", "", "2026-02-01", "2026-01-01", "x")
                .unwrap_err()
                .to_string()
                .contains("before the start")
        );
    }

    #[test]
    fn the_rate_counts_met_on_time_among_what_was_decided() {
        let mut r = RateRow::default();
        for s in [
            ObligationStatus::MetOnTime,
            ObligationStatus::MetOnTime,
            ObligationStatus::MetLate,
            ObligationStatus::Overdue,
            ObligationStatus::Upcoming,
            ObligationStatus::Exempted,
        ] {
            r.add(s);
        }
        assert_eq!(r.rate(), Some(50.0));
        assert_eq!((r.open, r.exempted), (1, 1));
        assert_eq!(RateRow::default().rate(), None);
    }
}
