//! Teams above the case: case management, local policy and statewide policy teams, with their
//! charter, members by agency, chair or moderator terms, staff and sub-teams; and their workplans.
//!
//! Who may do what is the domain's team grant table (`access::rules::TEAM_GRANTS`): the actor's
//! standing to a team is worked out here ([`App::team_standings`]), the decision is the policy's.
//! Every read and write is audited under its own action, every refusal as denied.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use containment_domain::access::{self, Action, Decision, RecordKind, Subject, TeamStanding};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::team::{
    ActivityStatus, GoalProgress, Jurisdiction, LeaderKind, MemberRole, MemberStanding, TeamLevel,
    goal_progress, is_overdue, jurisdiction_mismatch,
};
use containment_domain::{Email, Role};
use containment_storage::{
    ActivityNoteRecord, ActivityRecord, GoalRecord, LeaderTermRecord, RosterRecord, StaffRecord,
    StorageError, TeamRecord, Tx,
};

use crate::actor::{Actor, AuditEntry};
use crate::input::{date, line};
use crate::{App, AppError, Problems};

/// Longest name, and longest charter text.
const NAME_MAX: usize = 200;
const TEXT_MAX: usize = 8000;
const GOALS_MAX: usize = 30;

/// A team's name and charter as typed in.
#[derive(Debug, Clone, Default)]
pub struct TeamInput {
    pub name: String,
    /// Ignored for a sub-team, which works at its parent's level.
    pub level: String,
    /// A county, or `state`; ignored for a sub-team.
    pub jurisdiction: String,
    pub mission: String,
    pub vision: String,
    /// One goal a line.
    pub goals: String,
    pub norms: String,
    /// The team's version the editor saw (updates only).
    pub version: i32,
}

/// Someone to put on a team: a user of the deployment by e-mail, or someone from outside named
/// in free text.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    pub user_email: String,
    pub external_name: String,
    pub external_email: String,
    pub organization: String,
    pub role: String,
    pub standing: String,
    pub start_on: String,
}

/// A chair or moderator for a new term (rotation), or a staff member.
#[derive(Debug, Clone, Default)]
pub struct LeaderInput {
    pub user_email: String,
    /// `chair` or `moderator`; ignored for staff.
    pub kind: String,
    pub start_on: String,
}

/// A workplan activity as typed in.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub goal_id: String,
    pub title: String,
    pub deliverables: String,
    /// A user id among the team's members, chair and staff.
    pub owner_user_id: String,
    pub start_on: String,
    pub due_on: String,
    /// Empty on creation means planned.
    pub status: String,
    /// The activity's version the editor saw (edits only).
    pub version: i32,
}

/// A dated note on an activity, optionally moving its status.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub on: String,
    pub body: String,
    /// Empty keeps the status.
    pub status: String,
}

/// A person as a team page names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub user_id: Option<i64>,
    pub name: String,
    /// An e-mail address for someone from outside (users are reached in the application).
    pub email: Option<String>,
    /// The agency, or the organization typed in for someone from outside.
    pub organization: String,
}

/// One roster line.
#[derive(Debug, Clone)]
pub struct RosterLine {
    pub record: RosterRecord,
    pub person: PersonName,
    pub active: bool,
}

/// One leader term, with the person.
#[derive(Debug, Clone)]
pub struct TermLine {
    pub record: LeaderTermRecord,
    pub person: PersonName,
    pub current: bool,
}

/// One staff line.
#[derive(Debug, Clone)]
pub struct StaffLine {
    pub record: StaffRecord,
    pub person: PersonName,
    pub active: bool,
}

/// A goal with its progress at a glance.
#[derive(Debug, Clone)]
pub struct GoalLine {
    pub goal: GoalRecord,
    pub progress: GoalProgress,
}

/// A team as one viewer may see it.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub team: TeamRecord,
    pub parent: Option<(i64, String)>,
    /// Goals on the charter, by position, with the workplan's progress.
    pub goals: Vec<GoalLine>,
    /// Everyone listed, past and present, by agency then name.
    pub roster: Vec<RosterLine>,
    /// Every term, oldest first: the history of the chair and moderators.
    pub terms: Vec<TermLine>,
    pub staff: Vec<StaffLine>,
    /// Sub-teams by name.
    pub sub_teams: Vec<(i64, String)>,
    pub today: NaiveDate,
    /// The chair or staff: edits the team, its members, sub-teams and workplan.
    pub may_edit: bool,
    /// The jurisdiction's agency admin: appoints the chair and staff.
    pub may_appoint: bool,
}

impl TeamView {
    pub fn current_leader(&self) -> Option<&TermLine> {
        self.terms.iter().rev().find(|t| t.current)
    }
}

/// A team in a list, with how the viewer stands to it.
#[derive(Debug, Clone)]
pub struct TeamSummary {
    pub team: TeamRecord,
    pub standings: Vec<TeamStanding>,
    pub sub_teams: Vec<(i64, String)>,
}

/// The teams a person sees.
#[derive(Debug, Clone)]
pub struct TeamsView {
    pub teams: Vec<TeamSummary>,
    /// The jurisdiction the viewer may create teams for (an agency admin's).
    pub may_create_in: Option<Jurisdiction>,
}

/// One activity with its notes.
#[derive(Debug, Clone)]
pub struct ActivityLine {
    pub activity: ActivityRecord,
    pub owner: PersonName,
    pub notes: Vec<(ActivityNoteRecord, String)>,
    pub overdue: bool,
    /// The viewer may record a note or a status on it.
    pub may_note: bool,
}

/// A goal and its activities.
#[derive(Debug, Clone)]
pub struct WorkplanGoal {
    pub goal: GoalRecord,
    pub progress: GoalProgress,
    pub activities: Vec<ActivityLine>,
}

/// A team's workplan as one viewer may see it.
#[derive(Debug, Clone)]
pub struct WorkplanView {
    pub team: TeamRecord,
    /// Goals on the charter, then retired goals that still have activities.
    pub goals: Vec<WorkplanGoal>,
    pub today: NaiveDate,
    /// The chair or staff: adds and edits activities.
    pub may_plan: bool,
    /// Who may own an activity: the team's members, chair and staff.
    pub owners: Vec<PersonName>,
}

/// An overdue activity on its owner's Today page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueActivity {
    pub team_id: i64,
    pub team_name: String,
    pub activity_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
}

/// How the actor stands to one team on one day, and the team.
#[derive(Debug, Clone)]
struct TeamAccess {
    team: TeamRecord,
    standings: Vec<TeamStanding>,
}

impl TeamAccess {
    fn decide(&self, actor: &Actor, action: Action, kind: RecordKind) -> Decision {
        decide_team(actor, &self.standings, action, kind)
    }
}

fn decide_team(
    actor: &Actor,
    standings: &[TeamStanding],
    action: Action,
    kind: RecordKind,
) -> Decision {
    match actor.policy_actor() {
        Some(who) => access::decide(&who, &Subject::Team { standings }, action, kind),
        None => Decision::Deny {
            reason: access::DenyReason::NotOnTeam,
            visibility: access::Visibility::NotFound,
        },
    }
}

/// Audits a refusal on a team, commits it and answers as the policy chose (404 hides the team).
async fn refuse(
    tx: Tx,
    actor: &Actor,
    audit: &str,
    team_id: i64,
    decision: &Decision,
    now: DateTime<Utc>,
) -> AppError {
    let detail = match decision {
        Decision::Deny { reason, .. } => reason.code(),
        Decision::Allow { .. } => "allowed",
    };
    let write = AuditEntry::new(audit, Outcome::Denied, now)
        .by(actor)
        .object("team", team_id)
        .detail(detail)
        .write(&tx)
        .await;
    if let Err(e) = write {
        return e;
    }
    if let Err(e) = tx.commit().await {
        return e.into();
    }
    match decision {
        Decision::Deny {
            visibility: access::Visibility::Forbidden,
            reason,
        } => AppError::Forbidden(format!("not allowed: {reason}")),
        _ => AppError::NotFound,
    }
}

/// Audits the work done on a team and commits.
async fn finish(
    tx: Tx,
    actor: &Actor,
    audit: &str,
    team_id: i64,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    AuditEntry::new(audit, Outcome::Success, now)
        .by(actor)
        .object("team", team_id)
        .detail(detail)
        .write(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

fn text_field(name: &str, label: &str, v: &str, max: usize, errors: &mut Problems) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        errors.at(name, format!("{label}: at most {max} characters"));
    }
    v.chars().take(max).collect()
}

/// The goals typed one a line: trimmed, empty lines and repeats dropped.
fn goal_lines(v: &str, errors: &mut Problems) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in v.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if l.chars().count() > 500 {
            errors.at("goals", "goals: each goal at most 500 characters");
            continue;
        }
        if !out.iter().any(|g| g == l) {
            out.push(l.to_owned());
        }
    }
    if out.len() > GOALS_MAX {
        errors.at("goals", format!("goals: at most {GOALS_MAX}"));
    }
    out
}

fn parsed<T: std::str::FromStr<Err = containment_domain::ParseError>>(
    name: &str,
    v: &str,
    errors: &mut Problems,
) -> Option<T> {
    v.parse::<T>()
        .map_err(|e| errors.at(name, e.to_string()))
        .ok()
}

impl App {
    /// How `actor` stands to `team` on `day`: as admin of an agency in its jurisdiction, as its
    /// chair, moderator or staff (or those of a team above it), as a member (not someone only
    /// informed).
    async fn team_standings(
        &self,
        tx: &Tx,
        actor: &Actor,
        team: &TeamRecord,
        day: NaiveDate,
    ) -> Result<Vec<TeamStanding>, AppError> {
        let Some(user) = actor.user.as_ref() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if user.roles.contains(&Role::AgencyAdmin)
            && self.admin_jurisdiction(tx, actor).await? == Some(team.jurisdiction)
        {
            out.push(TeamStanding::AdminOfJurisdiction);
        }
        // The team and the teams above it: their chair and staff lead the sub-teams too.
        let mut line = vec![team.id];
        let mut parent = team.parent_id;
        while let Some(p) = parent {
            if line.contains(&p) || line.len() > 16 {
                break;
            }
            line.push(p);
            parent = tx.team_above_case(p).await?.and_then(|t| t.parent_id);
        }
        if tx
            .leader_terms_of(&line)
            .await?
            .iter()
            .any(|t| t.user_id == user.id && t.active_on(day))
        {
            out.push(TeamStanding::Chair);
        }
        if tx
            .staff_of(&line)
            .await?
            .iter()
            .any(|s| s.user_id == user.id && s.active_on(day))
        {
            out.push(TeamStanding::Staff);
        }
        if tx.roster_of(&[team.id]).await?.iter().any(|r| {
            r.user_id == Some(user.id) && r.standing != MemberStanding::Informed && r.active_on(day)
        }) {
            out.push(TeamStanding::Member);
        }
        Ok(out)
    }

    /// The jurisdiction an agency admin may create teams for: their agency's.
    async fn admin_jurisdiction(
        &self,
        tx: &Tx,
        actor: &Actor,
    ) -> Result<Option<Jurisdiction>, AppError> {
        let Some(user) = actor.user.as_ref() else {
            return Ok(None);
        };
        if !user.roles.contains(&Role::AgencyAdmin) {
            return Ok(None);
        }
        Ok(tx
            .agency(user.agency_id)
            .await?
            .and_then(|a| Jurisdiction::of_agency(a.kind, a.county.as_deref())))
    }

    /// Opens a team for `audit`, deciding `action` on `kind`: a refusal is audited and answered.
    async fn open_team(
        &self,
        actor: &Actor,
        audit: &str,
        team_id: i64,
        action: Action,
        kind: RecordKind,
        now: DateTime<Utc>,
    ) -> Result<(Tx, TeamAccess), AppError> {
        let tx = match action {
            Action::Read => self.store.begin_read().await?,
            _ => self.store.begin().await?,
        };
        let Some(team) = tx.team_above_case(team_id).await? else {
            let unknown = decide_team(actor, &[], action, kind);
            return Err(refuse(tx, actor, audit, team_id, &unknown, now).await);
        };
        let standings = self
            .team_standings(&tx, actor, &team, local_date(now))
            .await?;
        let access = TeamAccess { team, standings };
        let decision = access.decide(actor, action, kind);
        if !decision.is_allowed() {
            return Err(refuse(tx, actor, audit, team_id, &decision, now).await);
        }
        Ok((tx, access))
    }

    /// A user of the deployment named by e-mail, for a field.
    async fn user_named(
        &self,
        tx: &Tx,
        field: &str,
        email: &str,
        errors: &mut Problems,
    ) -> Result<Option<containment_storage::StoredUser>, AppError> {
        let Ok(email) = Email::parse(email) else {
            errors.at(field, format!("{field}: not an e-mail address"));
            return Ok(None);
        };
        match tx.user_by_email(&email).await? {
            Some(u) if !u.disabled => Ok(Some(u)),
            _ => {
                errors.at(
                    field,
                    format!("{field}: nobody with this e-mail address can sign in here"),
                );
                Ok(None)
            }
        }
    }

    /// Names for people on teams: users by display name and agency, outsiders as typed.
    async fn people(
        &self,
        tx: &Tx,
        user_ids: impl IntoIterator<Item = i64>,
    ) -> Result<BTreeMap<i64, PersonName>, AppError> {
        let agencies: BTreeMap<i64, String> = tx
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let ids: Vec<i64> = user_ids
            .into_iter()
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        let mut out = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for (id, name, agency) in tx.user_names_and_agencies(&ids).await? {
            out.insert(
                id,
                PersonName {
                    user_id: Some(id),
                    name,
                    email: None,
                    organization: agencies.get(&agency).cloned().unwrap_or_default(),
                },
            );
        }
        Ok(out)
    }

    /// The teams the actor sees: those they belong to, lead or staff, and, for an agency admin,
    /// every team of their jurisdiction; each with its sub-teams' names.
    pub async fn teams(&self, actor: &Actor, now: DateTime<Utc>) -> Result<TeamsView, AppError> {
        let user = actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        let today = local_date(now);
        let tx = self.store.begin_read().await?;
        let places = tx.team_places(user.id).await?;
        let mut ids: Vec<i64> = places
            .roster
            .iter()
            .filter(|r| r.standing != MemberStanding::Informed && r.active_on(today))
            .map(|r| r.team_id)
            .chain(
                places
                    .terms
                    .iter()
                    .filter(|t| t.active_on(today))
                    .map(|t| t.team_id),
            )
            .chain(
                places
                    .staff
                    .iter()
                    .filter(|s| s.active_on(today))
                    .map(|s| s.team_id),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let jurisdiction = self.admin_jurisdiction(&tx, actor).await?;
        // Sub-teams of the teams one leads are theirs to lead too.
        let led: Vec<i64> = places
            .terms
            .iter()
            .filter(|t| t.active_on(today))
            .map(|t| t.team_id)
            .chain(
                places
                    .staff
                    .iter()
                    .filter(|s| s.active_on(today))
                    .map(|s| s.team_id),
            )
            .collect();
        let found = tx.teams_where(&ids, &led, jurisdiction.as_slice()).await?;
        let found_ids: Vec<i64> = found.iter().map(|t| t.id).collect();
        let subs = tx.teams_where(&[], &found_ids, &[]).await?;
        let mut teams = Vec::new();
        for team in found {
            let standings = self.team_standings(&tx, actor, &team, today).await?;
            if standings.is_empty() {
                continue;
            }
            teams.push(TeamSummary {
                sub_teams: subs
                    .iter()
                    .filter(|s| s.parent_id == Some(team.id))
                    .map(|s| (s.id, s.name.clone()))
                    .collect(),
                team,
                standings,
            });
        }
        AuditEntry::new("teams_list", Outcome::Success, now)
            .by(actor)
            .detail(format!("{} teams", teams.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(TeamsView {
            teams,
            may_create_in: jurisdiction,
        })
    }

    /// Checks a team's name and charter; the goals come back one a line.
    fn charter(
        input: &TeamInput,
        errors: &mut Problems,
    ) -> (String, String, String, String, Vec<String>) {
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.at("name", "name is required");
        } else if name.chars().count() > NAME_MAX {
            errors.at("name", format!("name: at most {NAME_MAX} characters"));
        }
        line("name", "name", &name, errors);
        let mission = text_field("mission", "mission", &input.mission, TEXT_MAX, errors);
        let vision = text_field("vision", "vision", &input.vision, TEXT_MAX, errors);
        let norms = text_field("norms", "operating norms", &input.norms, TEXT_MAX, errors);
        let goals = goal_lines(&input.goals, errors);
        (name, mission, vision, norms, goals)
    }

    /// An agency admin founds a team for their agency's jurisdiction (a county; the state for a
    /// state agency). One statewide team per deployment. Returns its id.
    pub async fn create_team(
        &self,
        actor: &Actor,
        input: &TeamInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let tx = self.store.begin().await?;
        // Deny by default: only an agency admin founds a team, whatever was sent.
        if !actor.has_role(Role::AgencyAdmin) {
            let d = decide_team(actor, &[], Action::Create, RecordKind::Team);
            let d = forbidden_if_hidden(d);
            return Err(refuse(tx, actor, "team_create", 0, &d, now).await);
        }
        let mut errors = Problems::new();
        let level = parsed::<TeamLevel>("level", &input.level, &mut errors);
        let jurisdiction = parsed::<Jurisdiction>("jurisdiction", &input.jurisdiction, &mut errors);
        if let (Some(l), Some(j)) = (level, jurisdiction)
            && let Some(why) = jurisdiction_mismatch(l, j)
        {
            errors.at("jurisdiction", format!("jurisdiction: {why}"));
        }
        let (name, mission, vision, norms, goals) = Self::charter(input, &mut errors);
        let (Some(level), Some(jurisdiction), true) = (level, jurisdiction, errors.is_empty())
        else {
            return Err(AppError::InvalidInput(errors));
        };
        let standings: Vec<TeamStanding> =
            match self.admin_jurisdiction(&tx, actor).await? == Some(jurisdiction) {
                true => vec![TeamStanding::AdminOfJurisdiction],
                false => Vec::new(),
            };
        // The jurisdiction is no secret: another county's admin is told no, not "not found".
        let d = forbidden_if_hidden(decide_team(
            actor,
            &standings,
            Action::Create,
            RecordKind::Team,
        ));
        if !d.is_allowed() {
            return Err(refuse(tx, actor, "team_create", 0, &d, now).await);
        }
        let record = TeamRecord {
            id: 0,
            name,
            level,
            jurisdiction,
            parent_id: None,
            mission,
            vision,
            norms,
            created_by: author,
            created_at: now,
            version: 1,
        };
        let id = match tx.create_team(&record, now).await {
            Ok(id) => id,
            Err(StorageError::Conflict(_)) => {
                return Err(AppError::invalid_at(
                    "level",
                    "level: this deployment already has its statewide policy team; add a sub-team to it instead",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        for (i, g) in goals.iter().enumerate() {
            tx.add_goal(id, i32::try_from(i).unwrap_or(i32::MAX), g, now)
                .await?;
        }
        finish(
            tx,
            actor,
            "team_create",
            id,
            format!("{} in {}", level.code(), jurisdiction.code()),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The chair or staff of a team adds a sub-team (working group, subcommittee) under it; it
    /// works at the team's level and in its jurisdiction.
    pub async fn create_sub_team(
        &self,
        actor: &Actor,
        parent_id: i64,
        input: &TeamInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let (tx, parent) = self
            .open_team(
                actor,
                "subteam_create",
                parent_id,
                Action::Create,
                RecordKind::Team,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let (name, mission, vision, norms, goals) = Self::charter(input, &mut errors);
        errors.check()?;
        let id = tx
            .create_team(
                &TeamRecord {
                    id: 0,
                    name,
                    level: parent.team.level,
                    jurisdiction: parent.team.jurisdiction,
                    parent_id: Some(parent_id),
                    mission,
                    vision,
                    norms,
                    created_by: author,
                    created_at: now,
                    version: 1,
                },
                now,
            )
            .await?;
        for (i, g) in goals.iter().enumerate() {
            tx.add_goal(id, i32::try_from(i).unwrap_or(i32::MAX), g, now)
                .await?;
        }
        finish(
            tx,
            actor,
            "subteam_create",
            parent_id,
            format!("sub-team {id}"),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The team as the viewer may see it.
    pub async fn team_view(
        &self,
        actor: &Actor,
        team_id: i64,
        now: DateTime<Utc>,
    ) -> Result<TeamView, AppError> {
        let (tx, access) = self
            .open_team(
                actor,
                "team_read",
                team_id,
                Action::Read,
                RecordKind::Team,
                now,
            )
            .await?;
        let today = local_date(now);
        let team = access.team.clone();
        let parent = match team.parent_id {
            Some(p) => tx.team_above_case(p).await?.map(|t| (t.id, t.name)),
            None => None,
        };
        let goals = tx.goals_of(team_id).await?;
        let activities = tx.activities_of(team_id).await?;
        let roster = tx.roster_of(&[team_id]).await?;
        let terms = tx.leader_terms_of(&[team_id]).await?;
        let staff = tx.staff_of(&[team_id]).await?;
        let sub_teams = tx
            .teams_where(&[], &[team_id], &[])
            .await?
            .into_iter()
            .filter(|t| t.parent_id == Some(team_id))
            .map(|t| (t.id, t.name))
            .collect();
        let people = self
            .people(
                &tx,
                roster
                    .iter()
                    .filter_map(|r| r.user_id)
                    .chain(terms.iter().map(|t| t.user_id))
                    .chain(staff.iter().map(|s| s.user_id)),
            )
            .await?;
        let agencies: BTreeMap<i64, String> = tx
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let person = |id: i64| {
            people.get(&id).cloned().unwrap_or(PersonName {
                user_id: Some(id),
                name: "Unknown person".to_owned(),
                email: None,
                organization: String::new(),
            })
        };
        let mut roster: Vec<RosterLine> = roster
            .into_iter()
            .map(|r| {
                let p = match r.user_id {
                    Some(u) => {
                        let mut p = person(u);
                        if let Some(a) = r.agency_id.and_then(|a| agencies.get(&a)) {
                            p.organization = a.clone();
                        }
                        p
                    }
                    None => PersonName {
                        user_id: None,
                        name: r.external_name.clone().unwrap_or_default(),
                        email: r.external_email.clone(),
                        organization: r
                            .agency_id
                            .and_then(|a| agencies.get(&a).cloned())
                            .or_else(|| r.organization.clone())
                            .unwrap_or_default(),
                    },
                };
                RosterLine {
                    active: r.active_on(today),
                    record: r,
                    person: p,
                }
            })
            .collect();
        roster.sort_by(|a, b| {
            (&a.person.organization, &a.person.name, a.record.id).cmp(&(
                &b.person.organization,
                &b.person.name,
                b.record.id,
            ))
        });
        let goals: Vec<GoalLine> = goals
            .into_iter()
            .filter(|g| !g.retired)
            .map(|g| GoalLine {
                progress: goal_progress(
                    activities
                        .iter()
                        .filter(|a| a.goal_id == g.id)
                        .map(|a| (a.status, a.due_on)),
                    today,
                ),
                goal: g,
            })
            .collect();
        let view = TeamView {
            parent,
            goals,
            roster,
            terms: terms
                .into_iter()
                .map(|t| TermLine {
                    current: t.active_on(today),
                    person: person(t.user_id),
                    record: t,
                })
                .collect(),
            staff: staff
                .into_iter()
                .map(|s| StaffLine {
                    active: s.active_on(today),
                    person: person(s.user_id),
                    record: s,
                })
                .collect(),
            sub_teams,
            today,
            may_edit: access
                .decide(actor, Action::Update, RecordKind::Team)
                .is_allowed(),
            may_appoint: access
                .decide(actor, Action::Administer, RecordKind::Team)
                .is_allowed(),
            team,
        };
        finish(
            tx,
            actor,
            "team_read",
            team_id,
            "charter and roster".into(),
            now,
        )
        .await?;
        Ok(view)
    }

    /// The chair or staff change the team's name and charter; goals keep their ids (and their
    /// activities) by title, a goal taken off is retired, not deleted.
    pub async fn update_team(
        &self,
        actor: &Actor,
        team_id: i64,
        input: &TeamInput,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, access) = self
            .open_team(
                actor,
                "team_update",
                team_id,
                Action::Update,
                RecordKind::Team,
                now,
            )
            .await?;
        if access.team.version != input.version {
            return Err(AppError::Stale {
                current_version: access.team.version,
            });
        }
        let mut errors = Problems::new();
        let (name, mission, vision, norms, goals) = Self::charter(input, &mut errors);
        errors.check()?;
        if !tx
            .update_team(team_id, input.version, &name, &mission, &vision, &norms)
            .await?
        {
            return Err(AppError::Stale {
                current_version: access.team.version + 1,
            });
        }
        let existing = tx.goals_of(team_id).await?;
        for (i, title) in goals.iter().enumerate() {
            let position = i32::try_from(i).unwrap_or(i32::MAX);
            match existing.iter().find(|g| &g.title == title) {
                Some(g) => tx.place_goal(g.id, position, false).await?,
                None => {
                    tx.add_goal(team_id, position, title, now).await?;
                }
            }
        }
        for g in existing.iter().filter(|g| !goals.contains(&g.title)) {
            tx.place_goal(g.id, g.position, true).await?;
        }
        finish(tx, actor, "team_update", team_id, "charter".into(), now).await
    }

    /// The chair or staff put someone on the team: a user of the deployment (their agency comes
    /// with them), or someone from outside by name. A judge is only ever informed.
    pub async fn add_roster_member(
        &self,
        actor: &Actor,
        team_id: i64,
        input: &MemberInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let (tx, _) = self
            .open_team(
                actor,
                "team_roster_add",
                team_id,
                Action::Update,
                RecordKind::Team,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let role = parsed::<MemberRole>("role", &input.role, &mut errors);
        let standing = parsed::<MemberStanding>("standing", &input.standing, &mut errors);
        if let (Some(r), Some(s)) = (role, standing)
            && r.only_informed()
            && s != MemberStanding::Informed
        {
            errors.at(
                "standing",
                "standing: a judge is informed, not a member: choose \"Informed, not a member\"",
            );
        }
        let start = date("start_on", "start date", &input.start_on, &mut errors);
        let email = input.user_email.trim();
        let external = input.external_name.trim();
        let (user, external_name, external_email) = match (email.is_empty(), external.is_empty()) {
            (false, true) => (
                self.user_named(&tx, "user_email", email, &mut errors)
                    .await?,
                None,
                None,
            ),
            (true, false) => {
                line("external_name", "name", external, &mut errors);
                if external.chars().count() > NAME_MAX {
                    errors.at(
                        "external_name",
                        format!("name: at most {NAME_MAX} characters"),
                    );
                }
                let mail = input.external_email.trim();
                let mail = match mail.is_empty() {
                    true => None,
                    false => match Email::parse(mail) {
                        Ok(m) => Some(m.as_str().to_owned()),
                        Err(_) => {
                            errors.at("external_email", "e-mail: not an e-mail address");
                            None
                        }
                    },
                };
                (None, Some(external.to_owned()), mail)
            }
            (false, false) => {
                errors.at(
                    "user_email",
                    "person: name either a user of this application or someone from outside, not both",
                );
                (None, None, None)
            }
            (true, true) => {
                errors.at(
                    "user_email",
                    "person: give the e-mail of a user of this application, or the name of someone from outside",
                );
                (None, None, None)
            }
        };
        let organization = text_field(
            "organization",
            "organization",
            &input.organization,
            NAME_MAX,
            &mut errors,
        );
        line("organization", "organization", &organization, &mut errors);
        if let Some(u) = &user
            && tx
                .roster_of(&[team_id])
                .await?
                .iter()
                .any(|r| r.user_id == Some(u.id) && r.end_on.is_none())
        {
            errors.at("user_email", "person: already on this team");
        }
        let (Some(role), Some(standing), Some(start), true) =
            (role, standing, start, errors.is_empty())
        else {
            return Err(AppError::InvalidInput(errors));
        };
        let id = tx
            .add_to_roster(
                &RosterRecord {
                    id: 0,
                    team_id,
                    user_id: user.as_ref().map(|u| u.id),
                    agency_id: user.as_ref().map(|u| u.agency_id),
                    external_name,
                    external_email,
                    organization: (!organization.is_empty()).then_some(organization),
                    role,
                    standing,
                    start_on: start,
                    end_on: None,
                    added_by: author,
                },
                now,
            )
            .await?;
        finish(
            tx,
            actor,
            "team_roster_add",
            team_id,
            format!("member {id} ({}, {})", role.code(), standing.code()),
            now,
        )
        .await?;
        Ok(id)
    }

    /// One roster line of a team, for the confirmation before ending it.
    pub async fn roster_member(
        &self,
        actor: &Actor,
        team_id: i64,
        member_id: i64,
        now: DateTime<Utc>,
    ) -> Result<RosterLine, AppError> {
        let view = self.team_view(actor, team_id, now).await?;
        view.roster
            .into_iter()
            .find(|r| r.record.id == member_id)
            .ok_or(AppError::NotFound)
    }

    /// The chair or staff end someone's place on the team on a day; the line stays as history.
    pub async fn end_roster_member(
        &self,
        actor: &Actor,
        team_id: i64,
        member_id: i64,
        end_on: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _) = self
            .open_team(
                actor,
                "team_roster_end",
                team_id,
                Action::Update,
                RecordKind::Team,
                now,
            )
            .await?;
        let Some(row) = tx
            .roster_of(&[team_id])
            .await?
            .into_iter()
            .find(|r| r.id == member_id)
        else {
            return Err(AppError::NotFound);
        };
        if row.end_on.is_some() {
            return Err(AppError::Conflict(
                "this membership has already ended".into(),
            ));
        }
        let mut errors = Problems::new();
        let end = date("end_on", "last day", end_on, &mut errors);
        if end.is_some_and(|e| e < row.start_on) {
            errors.at("end_on", "last day: it is before the membership started");
        }
        let (Some(end), true) = (end, errors.is_empty()) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !tx.end_roster(member_id, end).await? {
            return Err(AppError::Conflict(
                "this membership has already ended".into(),
            ));
        }
        finish(
            tx,
            actor,
            "team_roster_end",
            team_id,
            format!("member {member_id}"),
            now,
        )
        .await
    }

    /// The jurisdiction's agency admin appoints a chair or moderator for a new term: the term
    /// in force ends the day before (rotation), and stays in the history.
    pub async fn appoint_team_leader(
        &self,
        actor: &Actor,
        team_id: i64,
        input: &LeaderInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let (tx, _) = self
            .open_team(
                actor,
                "team_leader_appoint",
                team_id,
                Action::Administer,
                RecordKind::Team,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let kind = parsed::<LeaderKind>("kind", &input.kind, &mut errors);
        let start = date("start_on", "term start", &input.start_on, &mut errors);
        let user = self
            .user_named(&tx, "user_email", &input.user_email, &mut errors)
            .await?;
        let terms = tx.leader_terms_of(&[team_id]).await?;
        let open = terms.iter().rev().find(|t| t.end_on.is_none()).cloned();
        if let (Some(s), Some(latest)) = (start, terms.iter().map(|t| t.start_on).max())
            && s <= latest
        {
            errors.at(
                "start_on",
                format!("term start: it must come after the latest term started ({latest})"),
            );
        }
        let (Some(kind), Some(start), Some(user), true) = (kind, start, user, errors.is_empty())
        else {
            return Err(AppError::InvalidInput(errors));
        };
        if let Some(o) = open {
            tx.end_leader_term(o.id, start - Duration::days(1)).await?;
        }
        let id = tx
            .add_leader_term(
                &LeaderTermRecord {
                    id: 0,
                    team_id,
                    user_id: user.id,
                    kind,
                    start_on: start,
                    end_on: None,
                    appointed_by: author,
                },
                now,
            )
            .await?;
        finish(
            tx,
            actor,
            "team_leader_appoint",
            team_id,
            format!("{} term {id}", kind.code()),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The jurisdiction's agency admin adds a staff member to the team.
    pub async fn add_team_staff(
        &self,
        actor: &Actor,
        team_id: i64,
        input: &LeaderInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let (tx, _) = self
            .open_team(
                actor,
                "team_staff_add",
                team_id,
                Action::Administer,
                RecordKind::Team,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let start = date("start_on", "start date", &input.start_on, &mut errors);
        let user = self
            .user_named(&tx, "user_email", &input.user_email, &mut errors)
            .await?;
        if let Some(u) = &user
            && tx
                .staff_of(&[team_id])
                .await?
                .iter()
                .any(|s| s.user_id == u.id && s.end_on.is_none())
        {
            errors.at("user_email", "person: already on this team's staff");
        }
        let (Some(start), Some(user), true) = (start, user, errors.is_empty()) else {
            return Err(AppError::InvalidInput(errors));
        };
        let id = tx
            .add_staff(
                &StaffRecord {
                    id: 0,
                    team_id,
                    user_id: user.id,
                    start_on: start,
                    end_on: None,
                    added_by: author,
                },
                now,
            )
            .await?;
        finish(
            tx,
            actor,
            "team_staff_add",
            team_id,
            format!("staff {id}"),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The jurisdiction's agency admin ends a staff member's time on the team.
    pub async fn end_team_staff(
        &self,
        actor: &Actor,
        team_id: i64,
        staff_id: i64,
        end_on: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _) = self
            .open_team(
                actor,
                "team_staff_end",
                team_id,
                Action::Administer,
                RecordKind::Team,
                now,
            )
            .await?;
        let Some(row) = tx
            .staff_of(&[team_id])
            .await?
            .into_iter()
            .find(|s| s.id == staff_id)
        else {
            return Err(AppError::NotFound);
        };
        let mut errors = Problems::new();
        let end = date("end_on", "last day", end_on, &mut errors);
        if end.is_some_and(|e| e < row.start_on) {
            errors.at("end_on", "last day: it is before they started");
        }
        let (Some(end), true) = (end, errors.is_empty()) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !tx.end_staff(staff_id, end).await? {
            return Err(AppError::Conflict(
                "this staff member has already left".into(),
            ));
        }
        finish(
            tx,
            actor,
            "team_staff_end",
            team_id,
            format!("staff {staff_id}"),
            now,
        )
        .await
    }
}

/// A denial that would hide the record, shown as a plain refusal: for what is no secret.
fn forbidden_if_hidden(d: Decision) -> Decision {
    match d {
        Decision::Deny {
            visibility: access::Visibility::NotFound,
            ..
        } => Decision::Deny {
            reason: access::DenyReason::NotPermitted {
                action: Action::Create,
                kind: RecordKind::Team,
            },
            visibility: access::Visibility::Forbidden,
        },
        other => other,
    }
}

impl App {
    /// People who may own an activity of the team on `day`: members, chair and staff.
    async fn possible_owners(
        &self,
        tx: &Tx,
        team_id: i64,
        day: NaiveDate,
    ) -> Result<Vec<PersonName>, AppError> {
        let ids: Vec<i64> = tx
            .roster_of(&[team_id])
            .await?
            .iter()
            .filter(|r| r.standing != MemberStanding::Informed && r.active_on(day))
            .filter_map(|r| r.user_id)
            .chain(
                tx.leader_terms_of(&[team_id])
                    .await?
                    .iter()
                    .filter(|t| t.active_on(day))
                    .map(|t| t.user_id),
            )
            .chain(
                tx.staff_of(&[team_id])
                    .await?
                    .iter()
                    .filter(|s| s.active_on(day))
                    .map(|s| s.user_id),
            )
            .collect();
        let mut out: Vec<PersonName> = self.people(tx, ids).await?.into_values().collect();
        out.sort_by(|a, b| (&a.name, a.user_id).cmp(&(&b.name, b.user_id)));
        Ok(out)
    }

    /// The team's workplan: goals, their activities with notes, progress at a glance.
    pub async fn workplan(
        &self,
        actor: &Actor,
        team_id: i64,
        now: DateTime<Utc>,
    ) -> Result<WorkplanView, AppError> {
        let (tx, access) = self
            .open_team(
                actor,
                "workplan_read",
                team_id,
                Action::Read,
                RecordKind::TeamWorkplan,
                now,
            )
            .await?;
        let today = local_date(now);
        let goals = tx.goals_of(team_id).await?;
        let activities = tx.activities_of(team_id).await?;
        let ids: Vec<i64> = activities.iter().map(|a| a.id).collect();
        let notes = tx.activity_notes_of(&ids).await?;
        let people = self
            .people(
                &tx,
                activities
                    .iter()
                    .map(|a| a.owner_user_id)
                    .chain(notes.iter().map(|n| n.author_user_id)),
            )
            .await?;
        let name = |id: i64| {
            people.get(&id).cloned().unwrap_or(PersonName {
                user_id: Some(id),
                name: "Unknown person".to_owned(),
                email: None,
                organization: String::new(),
            })
        };
        let user = actor.user_id();
        let mut out = Vec::new();
        for g in goals {
            let mine: Vec<&ActivityRecord> =
                activities.iter().filter(|a| a.goal_id == g.id).collect();
            if g.retired && mine.is_empty() {
                continue;
            }
            let lines = mine
                .iter()
                .map(|a| {
                    let mut standings = access.standings.clone();
                    if Some(a.owner_user_id) == user {
                        standings.push(TeamStanding::ActivityOwner);
                    }
                    ActivityLine {
                        owner: name(a.owner_user_id),
                        notes: notes
                            .iter()
                            .filter(|n| n.activity_id == a.id)
                            .map(|n| (n.clone(), name(n.author_user_id).name))
                            .collect(),
                        overdue: is_overdue(a.status, a.due_on, today),
                        may_note: decide_team(
                            actor,
                            &standings,
                            Action::Update,
                            RecordKind::TeamActivityProgress,
                        )
                        .is_allowed(),
                        activity: (*a).clone(),
                    }
                })
                .collect();
            out.push(WorkplanGoal {
                progress: goal_progress(mine.iter().map(|a| (a.status, a.due_on)), today),
                goal: g,
                activities: lines,
            });
        }
        let may_plan = access
            .decide(actor, Action::Create, RecordKind::TeamWorkplan)
            .is_allowed();
        let owners = match may_plan {
            true => self.possible_owners(&tx, team_id, today).await?,
            false => Vec::new(),
        };
        let view = WorkplanView {
            team: access.team.clone(),
            goals: out,
            today,
            may_plan,
            owners,
        };
        finish(
            tx,
            actor,
            "workplan_read",
            team_id,
            format!("{} activities", ids.len()),
            now,
        )
        .await?;
        Ok(view)
    }

    /// Checks an activity as typed in against the team's goals and possible owners.
    async fn activity_fields(
        &self,
        tx: &Tx,
        team_id: i64,
        input: &ActivityInput,
        today: NaiveDate,
        errors: &mut Problems,
    ) -> Result<
        Option<(
            i64,
            String,
            String,
            i64,
            NaiveDate,
            NaiveDate,
            ActivityStatus,
        )>,
        AppError,
    > {
        let goals = tx.goals_of(team_id).await?;
        let goal = match input.goal_id.trim().parse::<i64>() {
            Ok(g) if goals.iter().any(|x| x.id == g) => Some(g),
            _ => {
                errors.at("goal_id", "goal: choose one of the team's goals");
                None
            }
        };
        let title = input.title.trim().to_owned();
        if title.is_empty() {
            errors.at("title", "activity is required");
        } else if title.chars().count() > NAME_MAX {
            errors.at("title", format!("activity: at most {NAME_MAX} characters"));
        }
        line("title", "activity", &title, errors);
        let deliverables = text_field(
            "deliverables",
            "deliverables",
            &input.deliverables,
            TEXT_MAX,
            errors,
        );
        let owners = self.possible_owners(tx, team_id, today).await?;
        let owner = match input.owner_user_id.trim().parse::<i64>() {
            Ok(o) if owners.iter().any(|p| p.user_id == Some(o)) => Some(o),
            _ => {
                errors.at(
                    "owner_user_id",
                    "owner: choose a member, the chair or a staff member of this team",
                );
                None
            }
        };
        let start = date("start_on", "start date", &input.start_on, errors);
        let due = date("due_on", "due date", &input.due_on, errors);
        if let (Some(s), Some(d)) = (start, due)
            && d < s
        {
            errors.at("due_on", "due date: it is before the start date");
        }
        let status = match input.status.trim() {
            "" => Some(ActivityStatus::Planned),
            s => parsed::<ActivityStatus>("status", s, errors),
        };
        Ok(match (goal, owner, start, due, status, errors.is_empty()) {
            (Some(g), Some(o), Some(s), Some(d), Some(st), true) => {
                Some((g, title, deliverables, o, s, d, st))
            }
            _ => None,
        })
    }

    /// The chair or staff add an activity under one of the team's goals.
    pub async fn create_activity(
        &self,
        actor: &Actor,
        team_id: i64,
        input: &ActivityInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let (tx, _) = self
            .open_team(
                actor,
                "workplan_activity_create",
                team_id,
                Action::Create,
                RecordKind::TeamWorkplan,
                now,
            )
            .await?;
        let mut errors = Problems::new();
        let Some((goal_id, title, deliverables, owner, start, due, status)) = self
            .activity_fields(&tx, team_id, input, local_date(now), &mut errors)
            .await?
        else {
            return Err(AppError::InvalidInput(errors));
        };
        let id = tx
            .create_activity(
                &ActivityRecord {
                    id: 0,
                    team_id,
                    goal_id,
                    title,
                    deliverables,
                    owner_user_id: owner,
                    start_on: start,
                    due_on: due,
                    status,
                    created_by: author,
                    version: 1,
                },
                now,
            )
            .await?;
        finish(
            tx,
            actor,
            "workplan_activity_create",
            team_id,
            format!("activity {id}"),
            now,
        )
        .await?;
        Ok(id)
    }

    /// The chair or staff edit an activity (goal, title, deliverables, owner, dates, status);
    /// a stale version is refused.
    pub async fn update_activity(
        &self,
        actor: &Actor,
        team_id: i64,
        activity_id: i64,
        input: &ActivityInput,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _) = self
            .open_team(
                actor,
                "workplan_activity_update",
                team_id,
                Action::Update,
                RecordKind::TeamWorkplan,
                now,
            )
            .await?;
        let Some(current) = tx
            .activity(activity_id)
            .await?
            .filter(|a| a.team_id == team_id)
        else {
            return Err(AppError::NotFound);
        };
        if current.version != input.version {
            return Err(AppError::Stale {
                current_version: current.version,
            });
        }
        let mut errors = Problems::new();
        let Some((goal_id, title, deliverables, owner, start, due, status)) = self
            .activity_fields(&tx, team_id, input, local_date(now), &mut errors)
            .await?
        else {
            return Err(AppError::InvalidInput(errors));
        };
        if !tx
            .update_activity(&ActivityRecord {
                goal_id,
                title,
                deliverables,
                owner_user_id: owner,
                start_on: start,
                due_on: due,
                status,
                ..current.clone()
            })
            .await?
        {
            return Err(AppError::Stale {
                current_version: current.version + 1,
            });
        }
        finish(
            tx,
            actor,
            "workplan_activity_update",
            team_id,
            format!("activity {activity_id}"),
            now,
        )
        .await
    }

    /// The chair, staff or the activity's owner record a dated note, optionally moving its
    /// status. Notes are kept.
    pub async fn record_activity_note(
        &self,
        actor: &Actor,
        team_id: i64,
        activity_id: i64,
        input: &NoteInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let author = actor.author()?;
        let audit = "workplan_note_add";
        let tx = self.store.begin().await?;
        let Some(team) = tx.team_above_case(team_id).await? else {
            let d = decide_team(actor, &[], Action::Update, RecordKind::TeamActivityProgress);
            return Err(refuse(tx, actor, audit, team_id, &d, now).await);
        };
        let today = local_date(now);
        let mut standings = self.team_standings(&tx, actor, &team, today).await?;
        let activity = tx
            .activity(activity_id)
            .await?
            .filter(|a| a.team_id == team_id);
        if activity.as_ref().is_some_and(|a| a.owner_user_id == author) {
            standings.push(TeamStanding::ActivityOwner);
        }
        let d = decide_team(
            actor,
            &standings,
            Action::Update,
            RecordKind::TeamActivityProgress,
        );
        if !d.is_allowed() {
            return Err(refuse(tx, actor, audit, team_id, &d, now).await);
        }
        let Some(activity) = activity else {
            return Err(AppError::NotFound);
        };
        let mut errors = Problems::new();
        let on = date("on", "date", &input.on, &mut errors);
        crate::input::not_future("on", "date", on, today, &mut errors);
        let body = text_field("body", "note", &input.body, TEXT_MAX, &mut errors);
        let status = match input.status.trim() {
            "" => None,
            s => parsed::<ActivityStatus>("status", s, &mut errors),
        };
        if body.is_empty() && status.is_none() {
            errors.at("body", "note: write what happened, or change the status");
        }
        let (Some(on), true) = (on, errors.is_empty()) else {
            return Err(AppError::InvalidInput(errors));
        };
        let changed = status.filter(|s| *s != activity.status);
        if let Some(s) = changed
            && !tx
                .update_activity(&ActivityRecord {
                    status: s,
                    ..activity.clone()
                })
                .await?
        {
            return Err(AppError::Stale {
                current_version: activity.version + 1,
            });
        }
        let id = tx
            .add_activity_note(
                &ActivityNoteRecord {
                    id: 0,
                    activity_id,
                    on,
                    body,
                    status: changed,
                    author_user_id: author,
                    created_at: now,
                },
                now,
            )
            .await?;
        finish(
            tx,
            actor,
            audit,
            team_id,
            format!(
                "activity {activity_id} note {id}{}",
                changed
                    .map(|s| format!(", now {}", s.code()))
                    .unwrap_or_default()
            ),
            now,
        )
        .await?;
        Ok(id)
    }

    /// Open activities the user owns whose due date has passed, for their Today page; read in
    /// the caller's transaction.
    pub(crate) async fn overdue_team_activities(
        &self,
        tx: &Tx,
        user: i64,
        today: NaiveDate,
    ) -> Result<Vec<OverdueActivity>, AppError> {
        let mut list = tx.overdue_activities_of(user, today).await?;
        if list.is_empty() {
            return Ok(Vec::new());
        }
        // Only on teams the person is still on: a link they could not follow is not offered.
        let places = tx.team_places(user).await?;
        let on: BTreeSet<i64> = places
            .roster
            .iter()
            .filter(|r| r.standing != MemberStanding::Informed && r.active_on(today))
            .map(|r| r.team_id)
            .chain(
                places
                    .terms
                    .iter()
                    .filter(|t| t.active_on(today))
                    .map(|t| t.team_id),
            )
            .chain(
                places
                    .staff
                    .iter()
                    .filter(|s| s.active_on(today))
                    .map(|s| s.team_id),
            )
            .collect();
        list.retain(|a| on.contains(&a.team_id));
        let mut names: BTreeMap<i64, String> = BTreeMap::new();
        let mut out = Vec::new();
        for a in list {
            if !names.contains_key(&a.team_id)
                && let Some(t) = tx.team_above_case(a.team_id).await?
            {
                names.insert(t.id, t.name);
            }
            out.push(OverdueActivity {
                team_id: a.team_id,
                team_name: names.get(&a.team_id).cloned().unwrap_or_default(),
                activity_id: a.id,
                title: a.title,
                due_on: a.due_on,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_are_read_one_a_line_without_repeats() {
        let mut errors = Problems::new();
        assert_eq!(
            goal_lines(
                " Share case information \n\nShare case information\nTrain together ",
                &mut errors
            ),
            vec!["Share case information", "Train together"]
        );
        assert!(errors.is_empty());
        let many = (0..=GOALS_MAX)
            .map(|i| format!("goal {i}\n"))
            .collect::<String>();
        goal_lines(&many, &mut errors);
        assert!(errors.message_at("goals").is_some());
    }
}
