//! Opening cases, reading them through the access policy, the containment team, and the
//! caseload.

use crate::Problems;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::AgencyKind;
use containment_domain::access::{self, Action, RecordKind, Relationship, Subject, TeamRole};
use containment_domain::audit::Outcome;
use containment_domain::case::{
    CdcrNumber, CiiNumber, County, CourtCaseNumber, SupervisionKind, local_date,
};
use containment_domain::wall::Clearance;
use containment_storage::{
    CandidateSearch, CaseloadQuery, CaseloadRow, EpisodeRecord, NewEpisode, NewSupervisee,
    OutsideAgencies, StoredUser, SuperviseeChanges, SuperviseeRecord, TeamCandidate,
    TeamMemberRecord, Tx,
};

use crate::actor::{Actor, AuditEntry};
use crate::case_access::{Grant, Operation, ops};
use crate::input::{in_range, line, optional_date};
use crate::{App, AppError, Reading};

/// What a person types to open a case. Text as entered; everything is validated here.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub legal_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub cii: String,
    pub cdcr: String,
    pub county_of_conviction: String,
    pub county_of_registration: String,
    pub juvenile: bool,
    /// One per line.
    pub aliases: String,
    /// One per line.
    pub court_cases: String,
    pub kind: String,
    pub county: String,
    pub court: String,
    pub placed_on: String,
    pub start_date: String,
    pub expected_end: String,
    /// Put the person opening the case on the team as supervising officer.
    pub assign_me: bool,
    /// When editing: leave the aliases as they are instead of replacing them.
    pub keep_aliases: bool,
    /// When editing: leave the court case numbers as they are instead of replacing them.
    pub keep_court_cases: bool,
}

/// Court case numbers and aliases, one per line, checked.
fn court_cases_and_aliases(
    input: &CaseInput,
    errors: &mut Problems,
) -> (Vec<CourtCaseNumber>, Vec<String>) {
    let mut court_cases = Vec::new();
    for l in lines(&input.court_cases) {
        match CourtCaseNumber::parse(l) {
            Ok(c) if !court_cases.contains(&c) => court_cases.push(c),
            Ok(_) => {}
            Err(e) => errors.at("court_cases", e.to_string()),
        }
    }
    let mut aliases: Vec<String> = Vec::new();
    for a in lines(&input.aliases) {
        let a: String = a.chars().take(200).collect();
        if !aliases.contains(&a) {
            aliases.push(a);
        }
    }
    (court_cases, aliases)
}

/// A new case whose every field passed the checks of the case form.
#[derive(Debug, Clone)]
pub(crate) struct CheckedCase {
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub cii: Option<CiiNumber>,
    pub cdcr: Option<CdcrNumber>,
    pub county_of_conviction: Option<County>,
    pub county_of_registration: Option<County>,
    pub juvenile: bool,
    pub aliases: Vec<String>,
    pub court_cases: Vec<CourtCaseNumber>,
    pub kind: SupervisionKind,
    pub county: County,
    pub court: Option<String>,
    pub placed_on: Option<NaiveDate>,
    pub start: NaiveDate,
    pub expected_end: Option<NaiveDate>,
}

/// The checks of the case form, shared by the form, the API and the caseload import: each
/// problem names the form field it is about.
pub(crate) fn check_case(input: &CaseInput, today: NaiveDate) -> Result<CheckedCase, Problems> {
    let mut errors = Problems::new();
    let legal_name = input.legal_name.trim().to_owned();
    if legal_name.is_empty() || legal_name.chars().count() > 200 {
        errors.at("legal_name", "legal name: 1 to 200 characters");
    }
    line("legal_name", "legal name", &legal_name, &mut errors);
    let dob = optional_date(
        "date_of_birth",
        "date of birth",
        &input.date_of_birth,
        &mut errors,
    );
    if dob.is_none() && input.date_of_birth.trim().is_empty() {
        errors.at("date_of_birth", "date of birth is required");
    }
    if let Some(d) = dob
        && d > today
    {
        errors.at("date_of_birth", "date of birth: it is in the future");
    }
    let sex = match input.sex.trim() {
        s @ ("male" | "female" | "nonbinary" | "unknown") => s.to_owned(),
        _ => {
            errors.at("sex", "sex: choose male, female, nonbinary or unknown");
            String::new()
        }
    };
    let cii = optional("cii", &input.cii, CiiNumber::parse, &mut errors);
    let cdcr = optional("cdcr", &input.cdcr, CdcrNumber::parse, &mut errors);
    let conviction = optional(
        "county_of_conviction",
        &input.county_of_conviction,
        County::parse,
        &mut errors,
    );
    let registration = optional(
        "county_of_registration",
        &input.county_of_registration,
        County::parse,
        &mut errors,
    );
    let (court_cases, aliases) = court_cases_and_aliases(input, &mut errors);
    let Supervision {
        kind,
        county,
        placed_on,
        start,
        expected_end,
    } = check_supervision(input, &mut errors);
    match (dob, kind, county, start) {
        (Some(date_of_birth), Some(kind), Some(county), Some(start)) if errors.is_empty() => {
            Ok(CheckedCase {
                legal_name,
                date_of_birth,
                sex,
                cii,
                cdcr,
                county_of_conviction: conviction,
                county_of_registration: registration,
                juvenile: input.juvenile,
                aliases,
                court_cases,
                kind,
                county,
                court: Some(input.court.trim().to_owned()).filter(|c| !c.is_empty()),
                placed_on,
                start,
                expected_end,
            })
        }
        _ => Err(errors),
    }
}

/// The supervision fields of the case form, each `None` when it is missing or refused (the
/// problem is in `errors`): shared by opening a case and opening a later supervision.
struct Supervision {
    kind: Option<SupervisionKind>,
    county: Option<County>,
    placed_on: Option<NaiveDate>,
    start: Option<NaiveDate>,
    expected_end: Option<NaiveDate>,
}

fn check_supervision(input: &CaseInput, errors: &mut Problems) -> Supervision {
    let kind = SupervisionKind::parse(&input.kind)
        .map_err(|e| errors.at("kind", e.to_string()))
        .ok();
    let county = County::parse(&input.county)
        .map_err(|e| errors.at("county", format!("supervising {e}")))
        .ok();
    let placed_on = optional_date("placed_on", "placed on", &input.placed_on, errors);
    let start = optional_date("start_date", "supervision start", &input.start_date, errors);
    if start.is_none() && input.start_date.trim().is_empty() {
        errors.at("start_date", "supervision start date is required");
    }
    let expected_end = optional_date("expected_end", "expected end", &input.expected_end, errors);
    if let (Some(s), Some(e)) = (start, expected_end)
        && e < s
    {
        errors.at("expected_end", "expected end: it is before the start date");
    }
    Supervision {
        kind,
        county,
        placed_on,
        start,
        expected_end,
    }
}

/// Writes a checked case: the supervisee owned by `agency_id` and the first supervision episode
/// with that agency supervising. Returns the supervisee id and the episode.
pub(crate) async fn create_case(
    tx: &Tx,
    case: CheckedCase,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Result<(i64, EpisodeRecord), AppError> {
    let supervisee_id = tx
        .create_supervisee(
            NewSupervisee {
                legal_name: case.legal_name,
                date_of_birth: case.date_of_birth,
                sex: case.sex,
                cii: case.cii,
                cdcr: case.cdcr,
                county_of_conviction: case.county_of_conviction,
                county_of_registration: case.county_of_registration,
                juvenile: case.juvenile,
                aliases: case.aliases,
                court_cases: case.court_cases,
                owning_agency_id: agency_id,
            },
            now,
        )
        .await?;
    let episode = tx
        .create_episode(
            NewEpisode {
                supervisee_id,
                kind: case.kind,
                supervising_agency_id: agency_id,
                county: case.county,
                court: case.court,
                placed_on: case.placed_on,
                start_date: case.start,
                expected_end: case.expected_end,
            },
            now,
        )
        .await?;
    Ok((supervisee_id, episode))
}

/// Why `member` cannot serve as `role` on a team from `start_date`, if they cannot: a disabled
/// account, no role that serves it, or no certification valid on every day from the start to
/// today (R10). The same refusal for the team form and the caseload import.
pub(crate) async fn team_member_refusal(
    tx: &Tx,
    member: &StoredUser,
    role: TeamRole,
    start_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    if member.disabled {
        return Ok(Some(format!("{}'s account is disabled", member.email)));
    }
    if !role
        .serving_roles()
        .iter()
        .any(|r| member.roles.contains(r))
    {
        return Ok(Some(format!(
            "{} does not hold a role that can serve as {}",
            member.display_name,
            role.label()
        )));
    }
    if let Some(kind) = crate::certifications::required_for(role) {
        let certs = if kind.held_by_agency() {
            tx.certifications_of(&[], &[member.agency_id]).await?
        } else {
            tx.certifications_of(&[member.id], &[]).await?
        };
        let today = local_date(now);
        if !crate::certifications::holds_valid(&certs, kind, &[start_date, today]) {
            return Ok(Some(format!(
                "{} cannot serve as {}: no {} is valid {} (R10); record a current one in the certification registry first",
                member.display_name,
                role.label(),
                kind.label(),
                if start_date < today {
                    format!(
                        "on every day from {start_date} to today (a renewal must follow without a gap)"
                    )
                } else {
                    "on that day".to_owned()
                },
            )));
        }
    }
    Ok(None)
}

/// The roles a team must hold on every day of post-conviction supervision (R12).
pub use containment_domain::compliance::REQUIRED_ROLES as REQUIRED_TEAM_ROLES;

/// The most people one team-candidate search offers.
pub const TEAM_CANDIDATE_LIMIT: u64 = 10;

/// The fewest characters a team-candidate search needs: one letter would list most people.
pub const TEAM_CANDIDATE_MIN_CHARS: usize = 2;

/// The kind of agency that usually supplies a team role from outside the supervising agency:
/// providers and examiners mostly work for private firms. Officers come from the supervising
/// agency itself, and "other" members only from agencies already serving the case.
pub(crate) fn supplying_agency_kind(role: TeamRole) -> Option<AgencyKind> {
    match role {
        TeamRole::TreatmentProvider | TeamRole::TreatmentProgram => {
            Some(AgencyKind::TreatmentProvider)
        }
        TeamRole::PolygraphExaminer => Some(AgencyKind::PolygraphFirm),
        TeamRole::RegisteringLawEnforcement => Some(AgencyKind::LawEnforcement),
        TeamRole::VictimAdvocate => Some(AgencyKind::VictimAdvocacy),
        TeamRole::Prosecutor => Some(AgencyKind::Prosecutor),
        TeamRole::SupervisingOfficer | TeamRole::Other => None,
    }
}

/// A case as one viewer may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub supervisee: SuperviseeRecord,
    pub episodes: Vec<EpisodeRecord>,
    /// Every membership of every episode, past and present.
    pub team: Vec<TeamMemberRecord>,
    /// Required roles nobody fills on the current episode today.
    pub team_gaps: Vec<TeamRole>,
    pub may_manage_team: bool,
    /// Whether the viewer may see the team (when not, `team` is empty and the page says so).
    pub may_read_team: bool,
    /// Whether the viewer may see the waivers (when not, `waivers` is empty and the page says
    /// so).
    pub may_read_waivers: bool,
    /// Whether the viewer may read the case's obligations (and the pages about them).
    pub may_read_obligations: bool,
    /// Active members serving without a valid required certification today (R10).
    pub certification_issues: Vec<String>,
    /// The case's waivers and consents (empty when the viewer may not read them).
    pub waivers: Vec<containment_storage::WaiverRecord>,
    /// No court waiver covering provider, officer and examiner is in force (R11).
    pub waiver_missing: bool,
    /// For each treatment information category: the waiver under which the viewer may read it
    /// today, or `None`.
    pub treatment_access: Vec<(access::InformationCategory, Option<access::WaiverId>)>,
    /// How the viewer stands to the case.
    pub relationships: Vec<Relationship>,
    /// The documents the viewer may read, newest first.
    pub documents: Vec<crate::DocumentEntry>,
    /// The kinds of document the viewer may add.
    pub upload_kinds: Vec<containment_domain::document::DocumentKind>,
    /// The changes recorded on the case that the viewer may see, newest first.
    pub timeline: Vec<crate::TimelineEntry>,
    /// The risk scores the viewer may read, oldest first, with their chains.
    pub scores: Vec<crate::ScoreEntry>,
    /// The instruments the viewer may record scores of.
    pub may_score: Vec<containment_domain::instrument::Instrument>,
    /// Every obligation of the case, most urgent first; `None` when the viewer may not read
    /// them.
    pub obligations: Option<Vec<crate::ObligationView>>,
    /// The last provider-officer contact on record (either side, or a signed monthly report),
    /// read with the obligations.
    pub last_contact: Option<NaiveDate>,
    /// The last maintenance polygraph exam on record, read with the obligations.
    pub last_maintenance_polygraph: Option<NaiveDate>,
}

/// The parts of the case page, each shown on its own (the overview first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseSection {
    /// Team, risk levels, what is overdue and due next, last contact and polygraph.
    Overview,
    /// Identity and supervision.
    Details,
    Team,
    Scores,
    Waivers,
    Documents,
    Timeline,
}

/// What one read of the case loads besides the case itself.
#[derive(Debug, Clone, Copy)]
struct Parts {
    obligations: bool,
    certifications: bool,
    scores: bool,
    documents: bool,
    timeline: bool,
}

impl Parts {
    const EVERYTHING_BUT_OBLIGATIONS: Parts = Parts {
        obligations: false,
        certifications: true,
        scores: true,
        documents: true,
        timeline: true,
    };
    const NOTHING: Parts = Parts {
        obligations: false,
        certifications: false,
        scores: false,
        documents: false,
        timeline: false,
    };
}

impl CaseSection {
    fn parts(self) -> Parts {
        match self {
            CaseSection::Overview => Parts {
                obligations: true,
                certifications: true,
                scores: true,
                ..Parts::NOTHING
            },
            CaseSection::Team => Parts {
                certifications: true,
                ..Parts::NOTHING
            },
            CaseSection::Scores => Parts {
                scores: true,
                ..Parts::NOTHING
            },
            CaseSection::Documents => Parts {
                documents: true,
                ..Parts::NOTHING
            },
            CaseSection::Timeline => Parts {
                timeline: true,
                ..Parts::NOTHING
            },
            CaseSection::Details | CaseSection::Waivers => Parts::NOTHING,
        }
    }
}

/// Active members of `team` serving without the certification their role requires on `day`
/// (R10), in people's words.
fn certification_issues(
    team: &[TeamMemberRecord],
    certifications: &[containment_storage::CertificationRecord],
    day: NaiveDate,
) -> Vec<String> {
    let mut issues = Vec::new();
    for m in team.iter().filter(|m| m.active_on(day)) {
        let Some(kind) = crate::certifications::required_for(m.team_role) else {
            continue;
        };
        let held: Vec<_> = certifications
            .iter()
            .filter(|c| {
                if kind.held_by_agency() {
                    c.holder_agency_id == Some(m.agency_id)
                } else {
                    c.holder_user_id == Some(m.user_id)
                }
            })
            .cloned()
            .collect();
        if !crate::certifications::holds_valid(&held, kind, &[day]) {
            issues.push(format!(
                "{} serves as {} without a current {}",
                m.user_name,
                m.team_role.label(),
                kind.label()
            ));
        }
    }
    issues
}

impl CaseView {
    pub fn current_episode(&self) -> Option<&EpisodeRecord> {
        self.episodes.iter().find(|e| e.actual_end.is_none())
    }
}

/// A caseload line with its team gaps.
/// Corrections to an episode as typed in; empty dates clear them.
#[derive(Debug, Clone, Default)]
pub struct EpisodeCorrection {
    pub court: String,
    pub placed_on: String,
    pub expected_end: String,
}

#[derive(Debug, Clone)]
pub struct CaseloadEntry {
    pub row: CaseloadRow,
    pub team_gaps: Vec<TeamRole>,
    pub my_roles: Vec<TeamRole>,
    /// Where the case stands: what is overdue, next due, the last contact, risk levels.
    pub work: crate::case_work::CaseWork,
}

fn optional<T>(
    name: &str,
    input: &str,
    parse: impl Fn(&str) -> Result<T, containment_domain::ParseError>,
    errors: &mut Problems,
) -> Option<T> {
    if input.trim().is_empty() {
        return None;
    }
    match parse(input) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.at(name, e.to_string());
            None
        }
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Team gaps of `episode` on `day`: required roles no active member fills.
pub fn team_gaps(
    episode: &EpisodeRecord,
    team: &[TeamMemberRecord],
    day: NaiveDate,
) -> Vec<TeamRole> {
    // Pending charges need no containment team: R12 applies after conviction.
    if !episode.kind.is_post_conviction() {
        return Vec::new();
    }
    REQUIRED_TEAM_ROLES
        .into_iter()
        .filter(|role| {
            !team
                .iter()
                .any(|m| m.episode_id == episode.id && m.active_on(day) && m.team_role == *role)
        })
        .collect()
}

impl App {
    /// Opens a case: the supervisee, the first supervision episode with the actor's agency
    /// supervising, and (optionally) the actor as supervising officer.
    pub async fn open_case(
        &self,
        actor: &Actor,
        input: &CaseInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let user = actor.user.clone().ok_or(AppError::Unauthenticated)?;
        let case = check_case(input, local_date(now)).map_err(AppError::InvalidInput)?;
        let tx = self.store.begin().await?;
        let agency = tx.agency(user.agency_id).await?.ok_or(AppError::NotFound)?;
        let decision = {
            let subject = Subject::Agency {
                agency: access::AgencyId(user.agency_id),
            };
            match actor.policy_actor() {
                Some(who) => access::decide(&who, &subject, Action::Create, RecordKind::Supervisee),
                None => return Err(AppError::Unauthenticated),
            }
        };
        let supervising = matches!(
            agency.kind,
            AgencyKind::ProbationDepartment | AgencyKind::Parole | AgencyKind::StateAgency
        );
        if !decision.is_allowed() || !supervising {
            AuditEntry::new("case_open", Outcome::Denied, now)
                .by(actor)
                .object("agency", user.agency_id)
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(
                "only officers and administrators of a supervising agency open cases".into(),
            ));
        }
        if let Some((existing_id, what)) = tx
            .supervisee_with_identifier(case.cii.as_ref(), case.cdcr.as_ref())
            .await?
        {
            return Err(AppError::Duplicate { existing_id, what });
        }
        let start = case.start;
        let (supervisee_id, episode) = create_case(&tx, case, agency.id, now).await?;
        if input.assign_me {
            if !TeamRole::SupervisingOfficer
                .serving_roles()
                .iter()
                .any(|r| user.roles.contains(r))
            {
                return Err(AppError::invalid(
                    "only a supervising officer can be put on the team as its officer",
                ));
            }
            tx.add_team_member(
                episode.id,
                user.id,
                TeamRole::SupervisingOfficer,
                start,
                now,
            )
            .await?;
        }
        AuditEntry::new("case_open", Outcome::Success, now)
            .by(actor)
            .object("supervisee", supervisee_id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(supervisee_id)
    }

    /// Changes a supervisee's identity fields, if the record is still at `version`.
    pub async fn edit_supervisee(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        version: i32,
        input: &CaseInput,
        now: DateTime<Utc>,
    ) -> Result<SuperviseeRecord, AppError> {
        let mut errors = Problems::new();
        let legal_name = input.legal_name.trim().to_owned();
        if legal_name.is_empty() || legal_name.chars().count() > 200 {
            errors.at("legal_name", "legal name: 1 to 200 characters");
        }
        line("legal_name", "legal name", &legal_name, &mut errors);
        let dob = optional_date(
            "date_of_birth",
            "date of birth",
            &input.date_of_birth,
            &mut errors,
        );
        if dob.is_none() && input.date_of_birth.trim().is_empty() {
            errors.at("date_of_birth", "date of birth is required");
        }
        if !matches!(
            input.sex.trim(),
            "male" | "female" | "nonbinary" | "unknown"
        ) {
            errors.at("sex", "sex: choose male, female, nonbinary or unknown");
        }
        let cii = optional("cii", &input.cii, CiiNumber::parse, &mut errors);
        let cdcr = optional("cdcr", &input.cdcr, CdcrNumber::parse, &mut errors);
        let conviction = optional(
            "county_of_conviction",
            &input.county_of_conviction,
            County::parse,
            &mut errors,
        );
        let registration = optional(
            "county_of_registration",
            &input.county_of_registration,
            County::parse,
            &mut errors,
        );
        let (court_cases, aliases) = court_cases_and_aliases(input, &mut errors);
        let Some(dob) = dob else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let (tx, case, grant) = self
            .authorize(actor, ops::SUPERVISEE_UPDATE, supervisee_id, now)
            .await?;
        let current = case.supervisee;
        if current.version != version {
            return Err(AppError::Stale {
                current_version: current.version,
            });
        }
        if let Some((other, what)) = tx
            .supervisee_with_identifier(cii.as_ref(), cdcr.as_ref())
            .await?
            && other != supervisee_id
        {
            return Err(AppError::Duplicate {
                existing_id: other,
                what,
            });
        }
        let changed = tx
            .update_supervisee(
                supervisee_id,
                version,
                SuperviseeChanges {
                    legal_name,
                    date_of_birth: dob,
                    sex: input.sex.trim().to_owned(),
                    cii,
                    cdcr,
                    county_of_conviction: conviction,
                    county_of_registration: registration,
                    juvenile: input.juvenile,
                    aliases: (!input.keep_aliases).then_some(aliases),
                    court_cases: (!input.keep_court_cases).then_some(court_cases),
                },
                now,
            )
            .await?;
        if !changed {
            let latest = tx
                .supervisee(supervisee_id)
                .await?
                .map_or(version, |s| s.version);
            return Err(AppError::Stale {
                current_version: latest,
            });
        }
        grant.audit().write(&tx).await?;
        let updated = tx
            .supervisee(supervisee_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// The case as the actor may see it; denied reads are audited and answered 404 when the
    /// actor has no relationship to the case (ids cannot be probed).
    pub async fn case_view(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<CaseView, AppError> {
        self.case_view_with(
            actor,
            supervisee_id,
            now,
            today,
            Parts::EVERYTHING_BUT_OBLIGATIONS,
        )
        .await
    }

    /// One part of the case page: the case as [`App::case_view`] gives it, reading only what
    /// `section` shows (the overview also computes the obligations, `None` when the viewer may
    /// not read them). Every section is audited as a read of the case.
    pub async fn case_page(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        section: CaseSection,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<CaseView, AppError> {
        self.case_view_with(actor, supervisee_id, now, today, section.parts())
            .await
    }

    async fn case_view_with(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
        today: NaiveDate,
        parts: Parts,
    ) -> Result<CaseView, AppError> {
        let op = ops::CASE_READ;
        let tx = self.store.begin_read().await?;
        let (tx, case) = self
            .load_case(tx, actor, op.audit, supervisee_id, now, today)
            .await?;
        let (tx, grant) = case.grant(tx, actor, op, now).await?;
        let decide = |action, kind| case.decide(actor, action, kind);
        let may_manage_team = decide(Action::Create, RecordKind::TeamMembership).is_allowed();
        let may_read_team = decide(Action::Read, RecordKind::TeamMembership).is_allowed();
        let may_read_waivers = decide(Action::Read, RecordKind::Waiver).is_allowed();
        let may_read_obligations_at_all = decide(Action::Read, RecordKind::Obligation).is_allowed();
        let may_read_obligations = parts.obligations && may_read_obligations_at_all;
        let clearance = Clearance::from_decisions(actor.user_id(), |category| {
            let d = decide(Action::Read, category.record_kind());
            d.is_allowed().then(|| d.waiver())
        });
        let treatment_access = access::InformationCategory::ALL
            .iter()
            .map(|&category| (category, clearance.waiver_for(category)))
            .collect();
        let waiver_missing = !crate::waivers::court_waiver_in_force(&case.coverage);
        let team = if may_read_team {
            case.team.clone()
        } else {
            Vec::new()
        };
        // Gaps are shown only to whoever may see the team: they would tell who is on it.
        let team_gaps = case
            .episodes
            .iter()
            .find(|e| e.actual_end.is_none())
            .filter(|_| may_read_team)
            .map(|e| team_gaps(e, &team, today))
            .unwrap_or_default();
        // Every member's certifications, and their agencies', in one read: the page's R10
        // warnings and the obligations both use them.
        let mut user_ids: Vec<i64> = case.team.iter().map(|m| m.user_id).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let mut agency_ids: Vec<i64> = case.team.iter().map(|m| m.agency_id).collect();
        agency_ids.sort_unstable();
        agency_ids.dedup();
        let certifications = if parts.certifications || may_read_obligations {
            tx.certifications_of(&user_ids, &agency_ids).await?
        } else {
            Vec::new()
        };
        let certification_issues = certification_issues(&team, &certifications, today);
        let documents = if parts.documents {
            crate::documents::visible_documents(actor, &case, tx.documents(supervisee_id).await?)
        } else {
            Vec::new()
        };
        let timeline = if parts.timeline {
            crate::timeline::timeline(&tx, actor, &case).await?
        } else {
            Vec::new()
        };
        let (policies, stored_scores, steps, scores) = if parts.scores || may_read_obligations {
            let policies = crate::compliance::load_policies(&tx).await?;
            let stored_scores = tx.scores(supervisee_id).await?;
            let steps = if stored_scores.is_empty() {
                Vec::new()
            } else {
                tx.score_steps(supervisee_id).await?
            };
            let scores = crate::scores::visible_scores(
                &tx,
                actor,
                &case,
                &stored_scores,
                &steps,
                &policies,
                &self.calendar,
            )
            .await?;
            (Some(policies), stored_scores, steps, scores)
        } else {
            (None, Vec::new(), Vec::new(), Vec::new())
        };
        let mut last_contact = None;
        let mut last_maintenance_polygraph = None;
        let obligations = match policies {
            Some(policies) if may_read_obligations => {
                let records = crate::compliance::CaseRecords {
                    supervisees: vec![case.supervisee.clone()],
                    episodes: case.episodes.clone(),
                    team: case.team.clone(),
                    certifications,
                    waivers: case.waivers.clone(),
                    scores: stored_scores,
                    steps,
                    treatment: crate::compliance::TreatmentRecords::load(&tx, &[supervisee_id])
                        .await?,
                };
                let (list, facts) = self.case_obligations_of(records, &policies, today);
                if let Some(facts) = facts {
                    last_contact = facts.contacts.iter().map(|c| c.on).max();
                    last_maintenance_polygraph = facts.maintenance_polygraphs.iter().max().copied();
                }
                grant
                    .audit_as(ops::OBLIGATIONS_READ)
                    .detail(format!("as of {today}"))
                    .write(&tx)
                    .await?;
                Some(list)
            }
            _ => None,
        };
        let may_score = containment_domain::instrument::Instrument::ALL
            .iter()
            .copied()
            .filter(|i| decide(Action::Create, crate::score_kind(*i)).is_allowed())
            .collect();
        let upload_kinds = containment_domain::document::DocumentKind::ALL
            .iter()
            .copied()
            .filter(|k| decide(Action::Create, k.record_kind()).is_allowed())
            .collect();
        // A written interpretation shown with a score is dynamic-risk discussion: the read names
        // the waiver that let it through.
        let discussion_shown = scores.iter().any(|entry| {
            entry
                .steps
                .iter()
                .any(|step| matches!(entry.interpretation(step), Ok(Some(_))))
        });
        // Treatment information on the timeline (sessions, treatment, reports) likewise.
        let timeline_waiver = access::InformationCategory::ALL.iter().find_map(|c| {
            timeline
                .iter()
                .any(|e| e.kind == c.record_kind())
                .then(|| clearance.waiver_for(*c))
                .flatten()
        });
        grant
            .audit()
            .waiver(
                discussion_shown
                    .then(|| {
                        clearance.waiver_for(access::InformationCategory::DynamicRiskDiscussion)
                    })
                    .flatten()
                    .or(timeline_waiver)
                    .map(|w| w.0),
            )
            .write(&tx)
            .await?;
        tx.commit().await?;
        let crate::case_access::CaseAccess {
            supervisee,
            relationships,
            episodes,
            waivers,
            ..
        } = case;
        Ok(CaseView {
            scores,
            may_score,
            documents,
            upload_kinds,
            timeline,
            supervisee,
            episodes,
            team,
            team_gaps,
            may_manage_team,
            may_read_team,
            may_read_waivers,
            may_read_obligations: may_read_obligations_at_all,
            certification_issues,
            waivers: if may_read_waivers {
                waivers
            } else {
                Vec::new()
            },
            waiver_missing,
            treatment_access,
            relationships,
            obligations,
            last_contact,
            last_maintenance_polygraph,
        })
    }

    /// Opens a new supervision episode on a case whose previous one has ended (probation
    /// followed by parole, a new grant after a violation), supervised by the actor's agency.
    pub async fn open_episode(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &CaseInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let mut errors = Problems::new();
        let Supervision {
            kind,
            county,
            placed_on,
            start,
            expected_end,
        } = check_supervision(input, &mut errors);
        let (tx, _, grant) = self
            .authorize(actor, ops::EPISODE_OPEN, supervisee_id, now)
            .await?;
        let episodes = tx.episodes(supervisee_id).await?;
        if episodes.iter().any(|e| e.actual_end.is_none()) {
            return Err(AppError::Conflict(
                "the current supervision has not ended: end it before opening another".into(),
            ));
        }
        if let (Some(s), Some(last)) = (start, episodes.iter().filter_map(|e| e.actual_end).max())
            && s <= last
        {
            errors.at(
                "start_date",
                format!(
                    "supervision start: the previous supervision ended on {last}; start after it"
                ),
            );
        }
        let (Some(kind), Some(county), Some(start)) = (kind, county, start) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let episode = tx
            .create_episode(
                NewEpisode {
                    supervisee_id,
                    kind,
                    supervising_agency_id: user.agency_id,
                    county,
                    court: Some(input.court.trim().to_owned()).filter(|c| !c.is_empty()),
                    placed_on,
                    start_date: start,
                    expected_end,
                },
                now,
            )
            .await?;
        if input.assign_me
            && TeamRole::SupervisingOfficer
                .serving_roles()
                .iter()
                .any(|r| user.roles.contains(r))
        {
            tx.add_team_member(
                episode.id,
                user.id,
                TeamRole::SupervisingOfficer,
                start,
                now,
            )
            .await?;
        }
        grant
            .audit()
            .detail(format!("episode {} ({})", episode.id, kind.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(episode.id)
    }

    /// Puts a person on the team of an episode in a team role they can serve in.
    pub async fn add_team_member(
        &self,
        actor: &Actor,
        episode_id: i64,
        member_email: &str,
        role: TeamRole,
        start_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let email = containment_domain::Email::parse(member_email)?;
        in_range("start_date", start_date)?;
        let tx = self.store.begin().await?;
        let episode = tx.episode(episode_id).await?.ok_or(AppError::NotFound)?;
        let (tx, _, grant) = self
            .authorize_in(tx, actor, ops::TEAM_MEMBER_ADD, episode.supervisee_id, now)
            .await?;
        if episode.actual_end.is_some() {
            return Err(AppError::invalid("this supervision episode has ended"));
        }
        let member: StoredUser = tx.user_by_email(&email).await?.ok_or_else(|| {
            AppError::invalid(format!("no account has the e-mail address {email}"))
        })?;
        if let Some(refusal) = team_member_refusal(&tx, &member, role, start_date, now).await? {
            return Err(AppError::invalid(refusal));
        }
        let current = tx.team(&[episode.id]).await?;
        if current
            .iter()
            .any(|m| m.user_id == member.id && m.team_role == role && m.end_date.is_none())
        {
            return Err(AppError::Conflict(format!(
                "{} is already on the team as {}",
                member.display_name,
                role.label()
            )));
        }
        let id = tx
            .add_team_member(episode.id, member.id, role, start_date, now)
            .await?;
        grant
            .audit()
            .detail(format!("team_member {id} {}", role.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends supervision: the episode's actual end and reason, and the end of its team
    /// memberships on that day. Refused when the episode changed since `version` was read.
    #[allow(clippy::too_many_arguments)]
    pub async fn end_supervision(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        episode_id: i64,
        version: i32,
        actual_end: NaiveDate,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 300 {
            return Err(AppError::invalid(
                "reason: say why supervision ended (completed, revoked, transferred, ...)",
            ));
        }
        in_range("actual_end", actual_end)?;
        let (tx, episode, grant) = self
            .episode_to_update(actor, ops::SUPERVISION_END, supervisee_id, episode_id, now)
            .await?;
        if episode.actual_end.is_some() {
            return Err(AppError::Conflict(
                "this supervision has already ended".into(),
            ));
        }
        if actual_end < episode.start_date {
            return Err(AppError::invalid(
                "end date: it is before supervision started",
            ));
        }
        if episode.version != version
            || !tx
                .end_episode(episode_id, version, actual_end, reason)
                .await?
        {
            let current = tx.episode(episode_id).await?.map_or(version, |e| e.version);
            return Err(AppError::Stale {
                current_version: current,
            });
        }
        grant
            .audit()
            .detail(format!("episode {episode_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case's episode, for someone the policy lets update supervision episodes.
    async fn episode_to_update<'a>(
        &self,
        actor: &'a Actor,
        op: Operation,
        supervisee_id: i64,
        episode_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, EpisodeRecord, Grant<'a>), AppError> {
        let (tx, _, grant) = self.authorize(actor, op, supervisee_id, now).await?;
        let episode = tx
            .episode(episode_id)
            .await?
            .filter(|e| e.supervisee_id == supervisee_id)
            .ok_or(AppError::NotFound)?;
        Ok((tx, episode, grant))
    }

    /// Corrects an episode's court, placement date and expected end (the kind, county and start
    /// make a different supervision: end this one and open another). Refused when the episode
    /// changed since `version` was read.
    #[allow(clippy::too_many_arguments)]
    pub async fn correct_supervision(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        episode_id: i64,
        version: i32,
        input: &EpisodeCorrection,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, episode, grant) = self
            .episode_to_update(
                actor,
                ops::SUPERVISION_CORRECT,
                supervisee_id,
                episode_id,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let placed_on = optional_date("placed_on", "placed on", &input.placed_on, &mut errors);
        if placed_on.is_some_and(|d| d > local_date(now)) {
            errors.at("placed_on", "placed on: it is in the future");
        }
        let expected_end = optional_date(
            "expected_end",
            "expected end",
            &input.expected_end,
            &mut errors,
        );
        if expected_end.is_some_and(|e| e < episode.start_date) {
            errors.at(
                "expected_end",
                format!(
                    "expected end: it is before the start date {}",
                    episode.start_date
                ),
            );
        }
        let court: String = input.court.trim().chars().take(200).collect();
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        if episode.version != version
            || !tx
                .correct_episode(
                    episode_id,
                    version,
                    Some(court).filter(|c| !c.is_empty()),
                    placed_on,
                    expected_end,
                )
                .await?
        {
            let current = tx.episode(episode_id).await?.map_or(version, |e| e.version);
            return Err(AppError::Stale {
                current_version: current,
            });
        }
        let changed: Vec<&str> = [
            (
                "court",
                episode.court.as_deref().unwrap_or("") != input.court.trim(),
            ),
            ("placed on", episode.placed_on != placed_on),
            ("expected end", episode.expected_end != expected_end),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.then_some(f))
        .collect();
        grant
            .audit()
            .detail(format!("episode {episode_id}: {}", changed.join(", ")))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a membership; the history is kept.
    pub async fn end_team_member(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        member_id: i64,
        end_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        in_range("end_date", end_date)?;
        let (tx, _, grant) = self
            .authorize(actor, ops::TEAM_MEMBER_END, supervisee_id, now)
            .await?;
        let ids: Vec<i64> = tx
            .episodes(supervisee_id)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        let member = tx
            .team(&ids)
            .await?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(AppError::NotFound)?;
        if end_date < member.start_date {
            return Err(AppError::invalid_at(
                "end_date",
                "the end date is before the member's start date",
            ));
        }
        if !tx.end_team_member(member_id, end_date).await? {
            return Err(AppError::Conflict(
                "this membership has already ended".into(),
            ));
        }
        grant
            .audit()
            .detail(format!("team_member {member_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor's caseload: open cases where they are on the team today.
    pub async fn caseload(
        &self,
        actor: &Actor,
        query: &CaseloadQuery,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<(Vec<CaseloadEntry>, u64), AppError> {
        self.caseload_read(actor, query, now, today, Reading::View)
            .await
    }

    /// Where each case of `ids` stands on `today`, from this snapshot: the engine runs only
    /// over the cases whose standing this process has not worked out from the same generation
    /// of the case facts today, with a handful of statements for all of them.
    async fn standings(
        &self,
        tx: &Tx,
        ids: &[i64],
        today: NaiveDate,
    ) -> Result<HashMap<i64, std::sync::Arc<crate::case_work::CaseStanding>>, AppError> {
        let generation = tx.case_facts_generation().await?;
        let (mut found, missing) = self.standings.get(generation, today, ids);
        if missing.is_empty() {
            return Ok(found);
        }
        let policies = crate::compliance::load_policies(tx).await?;
        let worked_out: Vec<(i64, std::sync::Arc<crate::case_work::CaseStanding>)> =
            crate::compliance::load_cases(tx, &missing)
                .await?
                .into_iter()
                .map(|case| {
                    let id = case.facts.supervisee_id;
                    let standing =
                        crate::case_work::standing(case, &policies, &self.calendar, today);
                    (id, std::sync::Arc::new(standing))
                })
                .collect();
        found.extend(worked_out.iter().cloned());
        self.standings.put(generation, today, worked_out);
        Ok(found)
    }

    /// The caseload shown (one page of it) or exported: an export holds every page, in the
    /// page's order, and is audited as `export_caseload` with its format and row count.
    pub async fn caseload_read(
        &self,
        actor: &Actor,
        query: &CaseloadQuery,
        now: DateTime<Utc>,
        today: NaiveDate,
        reading: Reading,
    ) -> Result<(Vec<CaseloadEntry>, u64), AppError> {
        let user_id = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let paged = reading == Reading::View;
        let tx = self.store.begin_read().await?;
        let (rows, total) = tx.caseload_rows(user_id, today, query, paged).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.supervisee_id).collect();
        let standings = self.standings(&tx, &ids, today).await?;
        let mut by_id: HashMap<i64, crate::case_work::CaseWork> = standings
            .iter()
            .map(|(id, standing)| (*id, crate::case_work::case_work(actor, standing, today)))
            .collect();
        let (rows, total) = if paged && query.sort == containment_storage::CaseloadSort::Urgency {
            let mut rows = rows;
            rows.sort_by(|a, b| {
                let (wa, wb) = (by_id.get(&a.supervisee_id), by_id.get(&b.supervisee_id));
                crate::case_work::urgency(wa, wb).then(a.legal_name.cmp(&b.legal_name))
            });
            let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
            let per_page = usize::try_from(query.per_page.clamp(1, 200)).unwrap_or(25);
            let skip = usize::try_from(query.page)
                .unwrap_or(usize::MAX)
                .saturating_mul(per_page);
            (rows.into_iter().skip(skip).take(per_page).collect(), total)
        } else {
            (rows, total)
        };
        let entries: Vec<CaseloadEntry> = rows
            .into_iter()
            .map(|row| {
                let members: Vec<TeamMemberRecord> = standings
                    .get(&row.supervisee_id)
                    .map(|s| {
                        s.team
                            .iter()
                            .filter(|m| m.episode_id == row.episode_id)
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                let gaps = REQUIRED_TEAM_ROLES
                    .into_iter()
                    .filter(|_| row.kind.is_post_conviction())
                    .filter(|r| {
                        !members
                            .iter()
                            .any(|m| m.team_role == *r && m.active_on(today))
                    })
                    .collect();
                let my_roles = members
                    .iter()
                    .filter(|m| m.user_id == user_id && m.active_on(today))
                    .map(|m| m.team_role)
                    .collect();
                CaseloadEntry {
                    work: by_id.remove(&row.supervisee_id).unwrap_or_default(),
                    row,
                    team_gaps: gaps,
                    my_roles,
                }
            })
            .collect();
        AuditEntry::new(
            reading.action("caseload_read", "export_caseload"),
            Outcome::Success,
            now,
        )
        .by(actor)
        .object("caseload", user_id)
        .detail_opt(reading.detail(None, entries.len()))
        .write(&tx)
        .await?;
        tx.commit().await?;
        Ok((entries, total))
    }

    /// People who could join the case's team as `role` and whose name or e-mail address contains
    /// `query` (at least [`TEAM_CANDIDATE_MIN_CHARS`] characters): the team form's suggestions,
    /// at most [`TEAM_CANDIDATE_LIMIT`], those starting with the text first. Only someone who may
    /// staff the team may search, and each search is audited as a read of the case.
    ///
    /// Only people the case plausibly works with are offered, so the form never lists who works
    /// where across the state. Their account must be active, hold a role that serves as `role`,
    /// and belong to
    /// - one of the case's own agencies: the owning agency and every episode's supervising
    ///   agency, or the agency of anyone on its team in any episode (so officers come from the
    ///   agencies supervising the case, e.g. parole before a transfer to probation); or,
    /// - for roles usually filled from a separate agency (`supplying_agency_kind`: providers,
    ///   examiners, law enforcement, victim advocates, prosecutors), an agency of that kind that
    ///   is in the county of an open episode, records no county (it serves the whole state), or
    ///   already has someone on the team of another case the owning agency holds.
    ///
    /// Anyone else can still be added by typing their e-mail address in full.
    pub async fn team_candidates(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        role: TeamRole,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<TeamCandidate>, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::TEAM_CANDIDATES_READ, supervisee_id, now)
            .await?;
        let supervisee = case.supervisee;
        let text = query.trim();
        let length = text.chars().count();
        if length < TEAM_CANDIDATE_MIN_CHARS {
            return Err(AppError::invalid(format!(
                "search: type at least {TEAM_CANDIDATE_MIN_CHARS} letters of a name or e-mail address"
            )));
        }
        if length > 100 {
            return Err(AppError::invalid("search: at most 100 characters"));
        }
        let episodes = tx.episodes(supervisee_id).await?;
        let episode_ids: Vec<i64> = episodes.iter().map(|e| e.id).collect();
        let mut agency_ids = vec![supervisee.owning_agency_id];
        agency_ids.extend(episodes.iter().map(|e| e.supervising_agency_id));
        agency_ids.extend(tx.team(&episode_ids).await?.iter().map(|m| m.agency_id));
        agency_ids.sort_unstable();
        agency_ids.dedup();
        let outside = supplying_agency_kind(role).map(|kind| OutsideAgencies {
            kind,
            counties: episodes
                .iter()
                .filter(|e| e.actual_end.is_none())
                .map(|e| e.county.clone())
                .collect(),
            partner_of: supervisee.owning_agency_id,
        });
        let found = tx
            .team_candidates(&CandidateSearch {
                text: text.to_owned(),
                roles: role.serving_roles().to_vec(),
                agency_ids,
                outside,
                limit: TEAM_CANDIDATE_LIMIT,
            })
            .await?;
        grant
            .audit()
            .detail(format!("{}: {} found", role.code(), found.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }
}
