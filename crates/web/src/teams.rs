//! Teams above the case on the web and through the JSON API: the teams a person belongs to (and,
//! for an agency admin, the county's), a team's charter, members by agency, chair or moderator
//! terms, staff and sub-teams, and its workplan with progress per goal.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use containment_app::{
    ActivityInput, AppError, LeaderInput, MemberInput, NoteInput, PersonName, TeamInput, TeamView,
    WorkplanView,
};
use containment_domain::Role;
use containment_domain::access::TeamStanding;
use containment_domain::team::{ActivityStatus, LeaderKind, MemberRole, MemberStanding, TeamLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, FormErrors, PageError, form_errors};
use crate::extract::{ApiJson, caller};
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;
use crate::today::day;

const ADMIN: &[Role] = &[Role::AgencyAdmin];

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/teams", Guard::SignedIn, teams_page)
        .get("/teams/new", Guard::AnyRole(ADMIN), new_team_page)
        .post("/teams", Guard::AnyRole(ADMIN), create_team)
        .get("/teams/{id}", Guard::SignedIn, team_page)
        .get("/teams/{id}/edit", Guard::SignedIn, edit_team_page)
        .post("/teams/{id}/edit", Guard::SignedIn, edit_team)
        .get(
            "/teams/{id}/sub-teams/new",
            Guard::SignedIn,
            new_sub_team_page,
        )
        .post("/teams/{id}/sub-teams", Guard::SignedIn, create_sub_team)
        .get("/teams/{id}/members/new", Guard::SignedIn, new_member_page)
        .post("/teams/{id}/members", Guard::SignedIn, add_member)
        .get(
            "/teams/{id}/members/{member}/end",
            Guard::SignedIn,
            end_member_page,
        )
        .post(
            "/teams/{id}/members/{member}/end",
            Guard::SignedIn,
            end_member,
        )
        .get("/teams/{id}/leaders/new", Guard::SignedIn, new_leader_page)
        .post("/teams/{id}/leaders", Guard::SignedIn, appoint_leader)
        .get("/teams/{id}/staff/new", Guard::SignedIn, new_staff_page)
        .post("/teams/{id}/staff", Guard::SignedIn, add_staff)
        .get(
            "/teams/{id}/staff/{staff}/end",
            Guard::SignedIn,
            end_staff_page,
        )
        .post("/teams/{id}/staff/{staff}/end", Guard::SignedIn, end_staff)
        .get("/teams/{id}/workplan", Guard::SignedIn, workplan_page)
        .post(
            "/teams/{id}/workplan/activities",
            Guard::SignedIn,
            create_activity,
        )
        .get(
            "/teams/{id}/workplan/activities/{activity}",
            Guard::SignedIn,
            activity_page,
        )
        .post(
            "/teams/{id}/workplan/activities/{activity}/edit",
            Guard::SignedIn,
            edit_activity,
        )
        .post(
            "/teams/{id}/workplan/activities/{activity}/notes",
            Guard::SignedIn,
            add_note,
        )
        .get("/api/v1/teams", Guard::Api, teams_api)
        .post("/api/v1/teams", Guard::ApiRole(ADMIN), create_team_api)
        .get("/api/v1/teams/{id}", Guard::Api, team_api)
        .put("/api/v1/teams/{id}", Guard::Api, update_team_api)
        .post(
            "/api/v1/teams/{id}/sub-teams",
            Guard::Api,
            create_sub_team_api,
        )
        .post("/api/v1/teams/{id}/members", Guard::Api, add_member_api)
        .post(
            "/api/v1/teams/{id}/members/{member}/end",
            Guard::Api,
            end_member_api,
        )
        .post("/api/v1/teams/{id}/leaders", Guard::Api, appoint_leader_api)
        .post("/api/v1/teams/{id}/staff", Guard::Api, add_staff_api)
        .post(
            "/api/v1/teams/{id}/staff/{staff}/end",
            Guard::Api,
            end_staff_api,
        )
        .get("/api/v1/teams/{id}/workplan", Guard::Api, workplan_api)
        .post(
            "/api/v1/teams/{id}/activities",
            Guard::Api,
            create_activity_api,
        )
        .put(
            "/api/v1/teams/{id}/activities/{activity}",
            Guard::Api,
            update_activity_api,
        )
        .post(
            "/api/v1/teams/{id}/activities/{activity}/notes",
            Guard::Api,
            add_note_api,
        )
}

/// How a viewer stands to a team, in words.
fn standing_words(s: &[TeamStanding]) -> String {
    let words: Vec<&str> = s
        .iter()
        .map(|s| match s {
            TeamStanding::AdminOfJurisdiction => "administrator in its jurisdiction",
            TeamStanding::Chair => "chair or moderator",
            TeamStanding::Staff => "staff",
            TeamStanding::Member => "member",
            TeamStanding::ActivityOwner => "activity owner",
        })
        .collect();
    words.join(", ")
}

fn person_words(p: &PersonName) -> String {
    match (&p.email, p.organization.is_empty()) {
        (Some(e), false) => format!("{} ({}, {e})", p.name, p.organization),
        (Some(e), true) => format!("{} ({e})", p.name),
        (None, false) => format!("{} ({})", p.name, p.organization),
        (None, true) => p.name.clone(),
    }
}

struct TeamItem {
    id: i64,
    name: String,
    level: &'static str,
    jurisdiction: String,
    standing: String,
    sub_teams: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    layout: Layout,
    teams: Vec<TeamItem>,
    may_create: bool,
    jurisdiction: String,
}

async fn teams_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.teams(actor, Utc::now()).await?;
    Ok(render(&TeamsPage {
        layout: Layout::new("Teams", "teams", &identity),
        teams: v
            .teams
            .into_iter()
            .map(|t| TeamItem {
                id: t.team.id,
                name: t.team.name,
                level: t.team.level.label(),
                jurisdiction: t.team.jurisdiction.label(),
                standing: standing_words(&t.standings),
                sub_teams: t.sub_teams,
            })
            .collect(),
        may_create: v.may_create_in.is_some(),
        jurisdiction: v.may_create_in.map(|j| j.label()).unwrap_or_default(),
    }))
}

/// The team form's values, kept as typed.
#[derive(Debug, Clone, Default)]
struct TeamForm {
    name: String,
    level: String,
    jurisdiction: String,
    mission: String,
    vision: String,
    goals: String,
    norms: String,
    version: i32,
}

impl TeamForm {
    fn read(p: &[(String, String)]) -> Self {
        TeamForm {
            name: field(p, "name"),
            level: field(p, "level"),
            jurisdiction: field(p, "jurisdiction"),
            mission: field(p, "mission"),
            vision: field(p, "vision"),
            goals: field(p, "goals"),
            norms: field(p, "norms"),
            version: field(p, "version").trim().parse().unwrap_or(0),
        }
    }

    fn input(&self) -> TeamInput {
        TeamInput {
            name: self.name.clone(),
            level: self.level.clone(),
            jurisdiction: self.jurisdiction.clone(),
            mission: self.mission.clone(),
            vision: self.vision.clone(),
            goals: self.goals.clone(),
            norms: self.norms.clone(),
            version: self.version,
        }
    }
}

#[derive(Template)]
#[template(path = "team_form.html")]
struct TeamFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    /// A new top-level team: level and jurisdiction are chosen.
    founding: bool,
    errors: FormErrors,
    f: TeamForm,
    levels: &'static [TeamLevel],
    /// The charter's text areas: name, label, rows, value.
    texts: Vec<(&'static str, &'static str, usize, String)>,
}

impl TeamFormPage {
    fn with_texts(mut self) -> Self {
        self.texts = self.f.texts();
        self
    }
}

impl TeamForm {
    fn texts(&self) -> Vec<(&'static str, &'static str, usize, String)> {
        vec![
            ("mission", "Mission", 3, self.mission.clone()),
            ("vision", "Vision", 3, self.vision.clone()),
            ("goals", "Goals (one a line)", 4, self.goals.clone()),
            ("norms", "Operating norms", 4, self.norms.clone()),
        ]
    }
}

async fn new_team_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.teams(actor, Utc::now()).await?;
    Ok(render(
        &TeamFormPage {
            layout: Layout::new("Create a team", "teams", &identity),
            heading: "Create a team".into(),
            action: "/teams".into(),
            cancel: "/teams".into(),
            founding: true,
            errors: FormErrors::new(),
            f: TeamForm {
                jurisdiction: v
                    .may_create_in
                    .map(|j| j.code().to_owned())
                    .unwrap_or_default(),
                ..Default::default()
            },
            levels: TeamLevel::ALL,
            texts: Vec::new(),
        }
        .with_texts(),
    ))
}

async fn create_team(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = TeamForm::read(&p);
    match p
        .submit(state.app.create_team(actor, &f.input(), Utc::now()))
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(
                    &TeamFormPage {
                        layout: Layout::new("Create a team", "teams", &identity),
                        heading: "Create a team".into(),
                        action: "/teams".into(),
                        cancel: "/teams".into(),
                        founding: true,
                        errors,
                        f,
                        levels: TeamLevel::ALL,
                        texts: Vec::new(),
                    }
                    .with_texts(),
                ),
            )
                .into_response())
        }
    }
}

struct RosterItem {
    id: i64,
    person: String,
    role: &'static str,
    standing: &'static str,
    informed: bool,
    since: String,
    until: String,
    active: bool,
}

struct AgencyGroup {
    name: String,
    members: Vec<RosterItem>,
}

struct TermItem {
    kind: &'static str,
    person: String,
    from: String,
    until: String,
    current: bool,
}

struct StaffItem {
    id: i64,
    person: String,
    since: String,
    until: String,
    active: bool,
}

struct GoalItem {
    title: String,
    done: usize,
    total: usize,
    overdue: usize,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    id: i64,
    name: String,
    level: &'static str,
    jurisdiction: String,
    parent: Option<(i64, String)>,
    mission: String,
    vision: String,
    norms: String,
    goals: Vec<GoalItem>,
    agencies: Vec<AgencyGroup>,
    leader: Option<TermItem>,
    terms: Vec<TermItem>,
    staff: Vec<StaffItem>,
    sub_teams: Vec<(i64, String)>,
    may_edit: bool,
    may_appoint: bool,
    notice: String,
}

fn until(d: Option<NaiveDate>) -> String {
    d.map(day).unwrap_or_default()
}

fn team_page_of(v: TeamView, identity: &Identity, notice: String) -> TeamPage {
    let mut agencies: Vec<AgencyGroup> = Vec::new();
    for r in &v.roster {
        let org = match r.person.organization.is_empty() {
            true => "No agency".to_owned(),
            false => r.person.organization.clone(),
        };
        let item = RosterItem {
            id: r.record.id,
            person: match &r.person.email {
                Some(e) => format!("{} ({e})", r.person.name),
                None => r.person.name.clone(),
            },
            role: r.record.role.label(),
            standing: r.record.standing.label(),
            informed: r.record.standing == MemberStanding::Informed,
            since: day(r.record.start_on),
            until: until(r.record.end_on),
            active: r.active,
        };
        match agencies.iter_mut().find(|g| g.name == org) {
            Some(g) => g.members.push(item),
            None => agencies.push(AgencyGroup {
                name: org,
                members: vec![item],
            }),
        }
    }
    let term = |t: &containment_app::TermLine| TermItem {
        kind: t.record.kind.label(),
        person: person_words(&t.person),
        from: day(t.record.start_on),
        until: until(t.record.end_on),
        current: t.current,
    };
    TeamPage {
        layout: Layout::new(v.team.name.clone(), "teams", identity),
        id: v.team.id,
        level: v.team.level.label(),
        jurisdiction: v.team.jurisdiction.label(),
        parent: v.parent.clone(),
        mission: v.team.mission.clone(),
        vision: v.team.vision.clone(),
        norms: v.team.norms.clone(),
        goals: v
            .goals
            .iter()
            .map(|g| GoalItem {
                title: g.goal.title.clone(),
                done: g.progress.done,
                total: g.progress.total,
                overdue: g.progress.overdue,
            })
            .collect(),
        agencies,
        leader: v.current_leader().map(term),
        terms: v.terms.iter().rev().map(term).collect(),
        staff: v
            .staff
            .iter()
            .map(|s| StaffItem {
                id: s.record.id,
                person: person_words(&s.person),
                since: day(s.record.start_on),
                until: until(s.record.end_on),
                active: s.active,
            })
            .collect(),
        sub_teams: v.sub_teams.clone(),
        may_edit: v.may_edit,
        may_appoint: v.may_appoint,
        name: v.team.name,
        notice,
    }
}

async fn team_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.team_view(actor, id, Utc::now()).await?;
    Ok(render(&team_page_of(v, &identity, String::new())))
}

async fn edit_team_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.team_view(actor, id, Utc::now()).await?;
    if !v.may_edit {
        return Err(
            AppError::Forbidden("only the team's chair or staff edit the team".into()).into(),
        );
    }
    Ok(render(
        &TeamFormPage {
            layout: Layout::new(format!("Edit {}", v.team.name), "teams", &identity),
            heading: format!("Edit {}", v.team.name),
            action: format!("/teams/{id}/edit"),
            cancel: format!("/teams/{id}"),
            founding: false,
            errors: FormErrors::new(),
            f: TeamForm {
                name: v.team.name.clone(),
                level: v.team.level.code().to_owned(),
                jurisdiction: v.team.jurisdiction.code().to_owned(),
                mission: v.team.mission.clone(),
                vision: v.team.vision.clone(),
                goals: v
                    .goals
                    .iter()
                    .map(|g| g.goal.title.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
                norms: v.team.norms.clone(),
                version: v.team.version,
            },
            levels: TeamLevel::ALL,
            texts: Vec::new(),
        }
        .with_texts(),
    ))
}

async fn edit_team(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = TeamForm::read(&p);
    match p
        .submit(state.app.update_team(actor, id, &f.input(), Utc::now()))
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(
                    &TeamFormPage {
                        layout: Layout::new("Edit the team", "teams", &identity),
                        heading: "Edit the team".into(),
                        action: format!("/teams/{id}/edit"),
                        cancel: format!("/teams/{id}"),
                        founding: false,
                        errors,
                        f,
                        levels: TeamLevel::ALL,
                        texts: Vec::new(),
                    }
                    .with_texts(),
                ),
            )
                .into_response())
        }
    }
}

async fn new_sub_team_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let v = state.app.team_view(actor, id, Utc::now()).await?;
    if !v.may_edit {
        return Err(
            AppError::Forbidden("only the team's chair or staff add sub-teams".into()).into(),
        );
    }
    Ok(render(
        &TeamFormPage {
            layout: Layout::new("Add a sub-team", "teams", &identity),
            heading: format!("Add a sub-team to {}", v.team.name),
            action: format!("/teams/{id}/sub-teams"),
            cancel: format!("/teams/{id}"),
            founding: false,
            errors: FormErrors::new(),
            f: TeamForm::default(),
            levels: TeamLevel::ALL,
            texts: Vec::new(),
        }
        .with_texts(),
    ))
}

async fn create_sub_team(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = TeamForm::read(&p);
    match p
        .submit(state.app.create_sub_team(actor, id, &f.input(), Utc::now()))
        .await
    {
        Ok(sub) => Ok(Redirect::to(&format!("/teams/{sub}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(
                    &TeamFormPage {
                        layout: Layout::new("Add a sub-team", "teams", &identity),
                        heading: "Add a sub-team".into(),
                        action: format!("/teams/{id}/sub-teams"),
                        cancel: format!("/teams/{id}"),
                        founding: false,
                        errors,
                        f,
                        levels: TeamLevel::ALL,
                        texts: Vec::new(),
                    }
                    .with_texts(),
                ),
            )
                .into_response())
        }
    }
}

/// Which person form a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PersonKind {
    Member,
    Leader,
    Staff,
}

#[derive(Debug, Clone, Default)]
struct PersonForm {
    user_email: String,
    external_name: String,
    external_email: String,
    organization: String,
    role: String,
    standing: String,
    kind: String,
    start_on: String,
}

impl PersonForm {
    fn read(p: &[(String, String)]) -> Self {
        PersonForm {
            user_email: field(p, "user_email"),
            external_name: field(p, "external_name"),
            external_email: field(p, "external_email"),
            organization: field(p, "organization"),
            role: field(p, "role"),
            standing: field(p, "standing"),
            kind: field(p, "kind"),
            start_on: field(p, "start_on"),
        }
    }
}

#[derive(Template)]
#[template(path = "team_person.html")]
struct PersonPage {
    layout: Layout,
    id: i64,
    team: String,
    heading: &'static str,
    action: &'static str,
    member: bool,
    leader: bool,
    errors: FormErrors,
    f: PersonForm,
    roles: &'static [MemberRole],
    standings: &'static [MemberStanding],
    kinds: &'static [LeaderKind],
    /// Someone from outside: name, label, value.
    outside: Vec<(&'static str, &'static str, String)>,
}

fn person_page(
    identity: &Identity,
    id: i64,
    team: String,
    kind: PersonKind,
    errors: FormErrors,
    f: PersonForm,
) -> PersonPage {
    let (heading, action) = match kind {
        PersonKind::Member => ("Add a member", "members"),
        PersonKind::Leader => ("Appoint a chair or moderator", "leaders"),
        PersonKind::Staff => ("Add staff", "staff"),
    };
    PersonPage {
        layout: Layout::new(heading, "teams", identity),
        id,
        team,
        heading,
        action,
        member: kind == PersonKind::Member,
        leader: kind == PersonKind::Leader,
        errors,
        roles: MemberRole::ALL,
        standings: MemberStanding::ALL,
        kinds: LeaderKind::ALL,
        outside: vec![
            ("external_name", "Name", f.external_name.clone()),
            (
                "external_email",
                "E-mail (optional)",
                f.external_email.clone(),
            ),
            (
                "organization",
                "Organization (optional)",
                f.organization.clone(),
            ),
        ],
        f,
    }
}

async fn person_form(
    state: &AppState,
    identity: &Identity,
    id: i64,
    kind: PersonKind,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let v = state.app.team_view(actor, id, Utc::now()).await?;
    let allowed = match kind {
        PersonKind::Member => v.may_edit,
        PersonKind::Leader | PersonKind::Staff => v.may_appoint,
    };
    if !allowed {
        return Err(AppError::Forbidden(match kind {
            PersonKind::Member => "only the team's chair or staff change its members".into(),
            _ => "only an agency admin in the team's jurisdiction appoints its chair and staff"
                .into(),
        })
        .into());
    }
    Ok(render(&person_page(
        identity,
        id,
        v.team.name,
        kind,
        FormErrors::new(),
        PersonForm {
            start_on: v.today.to_string(),
            standing: MemberStanding::Representative.code().to_owned(),
            ..Default::default()
        },
    )))
}

async fn new_member_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    person_form(&state, &identity, id, PersonKind::Member).await
}

async fn new_leader_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    person_form(&state, &identity, id, PersonKind::Leader).await
}

async fn new_staff_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    person_form(&state, &identity, id, PersonKind::Staff).await
}

async fn person_submit(
    state: &AppState,
    identity: &Identity,
    id: i64,
    kind: PersonKind,
    body: &[u8],
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let p = pairs(body);
    let f = PersonForm::read(&p);
    let now = Utc::now();
    let outcome = match kind {
        PersonKind::Member => {
            p.submit(state.app.add_roster_member(
                actor,
                id,
                &MemberInput {
                    user_email: f.user_email.clone(),
                    external_name: f.external_name.clone(),
                    external_email: f.external_email.clone(),
                    organization: f.organization.clone(),
                    role: f.role.clone(),
                    standing: f.standing.clone(),
                    start_on: f.start_on.clone(),
                },
                now,
            ))
            .await
        }
        PersonKind::Leader | PersonKind::Staff => {
            let input = LeaderInput {
                user_email: f.user_email.clone(),
                kind: f.kind.clone(),
                start_on: f.start_on.clone(),
            };
            match kind {
                PersonKind::Leader => {
                    p.submit(state.app.appoint_team_leader(actor, id, &input, now))
                        .await
                }
                _ => {
                    p.submit(state.app.add_team_staff(actor, id, &input, now))
                        .await
                }
            }
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&person_page(identity, id, String::new(), kind, errors, f)),
            )
                .into_response())
        }
    }
}

async fn add_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    person_submit(&state, &identity, id, PersonKind::Member, &body).await
}

async fn appoint_leader(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    person_submit(&state, &identity, id, PersonKind::Leader, &body).await
}

async fn add_staff(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    person_submit(&state, &identity, id, PersonKind::Staff, &body).await
}

#[derive(Template)]
#[template(path = "team_end_place.html")]
struct EndPage {
    layout: Layout,
    id: i64,
    team: String,
    person: String,
    place: String,
    since: String,
    action: String,
    end_on: String,
    errors: FormErrors,
}

async fn end_form(
    state: &AppState,
    identity: &Identity,
    id: i64,
    row: i64,
    staff: bool,
    errors: FormErrors,
    end_on: Option<String>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let v = state.app.team_view(actor, id, Utc::now()).await?;
    let allowed = if staff { v.may_appoint } else { v.may_edit };
    if !allowed {
        return Err(AppError::Forbidden("you may not change this team's people".into()).into());
    }
    let (person, place, since) = if staff {
        let s = v
            .staff
            .iter()
            .find(|s| s.record.id == row && s.record.end_on.is_none())
            .ok_or(AppError::NotFound)?;
        (
            person_words(&s.person),
            "staff".to_owned(),
            day(s.record.start_on),
        )
    } else {
        let r = v
            .roster
            .iter()
            .find(|r| r.record.id == row && r.record.end_on.is_none())
            .ok_or(AppError::NotFound)?;
        (
            r.person.name.clone(),
            format!("{}, {}", r.record.role.label(), r.record.standing.label()),
            day(r.record.start_on),
        )
    };
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((
        status,
        render(&EndPage {
            layout: Layout::new(format!("End {person}'s place"), "teams", identity),
            id,
            team: v.team.name,
            person,
            place,
            since,
            action: match staff {
                true => format!("/teams/{id}/staff/{row}/end"),
                false => format!("/teams/{id}/members/{row}/end"),
            },
            end_on: end_on.unwrap_or_else(|| v.today.to_string()),
            errors,
        }),
    )
        .into_response())
}

async fn end_member_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    end_form(
        &state,
        &identity,
        id,
        member,
        false,
        FormErrors::new(),
        None,
    )
    .await
}

async fn end_staff_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, staff)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    end_form(&state, &identity, id, staff, true, FormErrors::new(), None).await
}

async fn end_submit(
    state: &AppState,
    identity: &Identity,
    id: i64,
    row: i64,
    staff: bool,
    body: &[u8],
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let p = pairs(body);
    let end_on = field(&p, "end_on");
    let now = Utc::now();
    let outcome = match staff {
        true => {
            p.submit(state.app.end_team_staff(actor, id, row, &end_on, now))
                .await
        }
        false => {
            p.submit(state.app.end_roster_member(actor, id, row, &end_on, now))
                .await
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            end_form(state, identity, id, row, staff, errors, Some(end_on)).await
        }
    }
}

async fn end_member(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    end_submit(&state, &identity, id, member, false, &body).await
}

async fn end_staff(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, staff)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    end_submit(&state, &identity, id, staff, true, &body).await
}

// The workplan.

struct NoteItem {
    on: String,
    author: String,
    body: String,
    status: String,
}

struct ActivityItem {
    id: i64,
    title: String,
    deliverables: String,
    owner: String,
    start: String,
    due: String,
    status: &'static str,
    overdue: bool,
    notes: Vec<NoteItem>,
}

struct WorkplanGoalItem {
    id: i64,
    title: String,
    retired: bool,
    done: usize,
    total: usize,
    overdue: usize,
    activities: Vec<ActivityItem>,
}

#[derive(Debug, Clone, Default)]
struct ActivityForm {
    goal_id: String,
    title: String,
    deliverables: String,
    owner_user_id: String,
    start_on: String,
    due_on: String,
    status: String,
    version: i32,
}

impl ActivityForm {
    fn read(p: &[(String, String)]) -> Self {
        ActivityForm {
            goal_id: field(p, "goal_id"),
            title: field(p, "title"),
            deliverables: field(p, "deliverables"),
            owner_user_id: field(p, "owner_user_id"),
            start_on: field(p, "start_on"),
            due_on: field(p, "due_on"),
            status: field(p, "status"),
            version: field(p, "version").trim().parse().unwrap_or(0),
        }
    }

    fn input(&self) -> ActivityInput {
        ActivityInput {
            goal_id: self.goal_id.clone(),
            title: self.title.clone(),
            deliverables: self.deliverables.clone(),
            owner_user_id: self.owner_user_id.clone(),
            start_on: self.start_on.clone(),
            due_on: self.due_on.clone(),
            status: self.status.clone(),
            version: self.version,
        }
    }
}

#[derive(Template)]
#[template(path = "workplan.html")]
struct WorkplanPage {
    layout: Layout,
    id: i64,
    team: String,
    goals: Vec<WorkplanGoalItem>,
    may_plan: bool,
    owners: Vec<(i64, String)>,
    statuses: &'static [ActivityStatus],
    errors: FormErrors,
    f: ActivityForm,
    goal_choices: Vec<(i64, String)>,
    dates: Vec<(&'static str, &'static str, String)>,
}

impl ActivityForm {
    fn dates(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("start_on", "Starts", self.start_on.clone()),
            ("due_on", "Due", self.due_on.clone()),
        ]
    }
}

impl WorkplanPage {
    /// The goals an activity may be put under: those on the charter.
    fn goal_options(&self) -> Vec<(i64, String)> {
        self.goals
            .iter()
            .filter(|g| !g.retired)
            .map(|g| (g.id, g.title.clone()))
            .collect()
    }
}

fn activity_items(v: &WorkplanView) -> Vec<WorkplanGoalItem> {
    v.goals
        .iter()
        .map(|g| WorkplanGoalItem {
            id: g.goal.id,
            title: g.goal.title.clone(),
            retired: g.goal.retired,
            done: g.progress.done,
            total: g.progress.total,
            overdue: g.progress.overdue,
            activities: g
                .activities
                .iter()
                .map(|a| ActivityItem {
                    id: a.activity.id,
                    title: a.activity.title.clone(),
                    deliverables: a.activity.deliverables.clone(),
                    owner: a.owner.name.clone(),
                    start: day(a.activity.start_on),
                    due: day(a.activity.due_on),
                    status: a.activity.status.label(),
                    overdue: a.overdue,
                    notes: a
                        .notes
                        .iter()
                        .rev()
                        .map(|(n, author)| NoteItem {
                            on: day(n.on),
                            author: author.clone(),
                            body: n.body.clone(),
                            status: n.status.map(|s| s.label().to_owned()).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn owners_of(v: &WorkplanView) -> Vec<(i64, String)> {
    v.owners
        .iter()
        .filter_map(|p| p.user_id.map(|id| (id, person_words(p))))
        .collect()
}

async fn workplan_render(
    state: &AppState,
    identity: &Identity,
    id: i64,
    errors: FormErrors,
    f: ActivityForm,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let v = state.app.workplan(actor, id, Utc::now()).await?;
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut page = WorkplanPage {
        layout: Layout::new(format!("Workplan of {}", v.team.name), "teams", identity),
        id,
        team: v.team.name.clone(),
        goals: activity_items(&v),
        may_plan: v.may_plan,
        owners: owners_of(&v),
        statuses: ActivityStatus::ALL,
        dates: f.dates(),
        errors,
        f,
        goal_choices: Vec::new(),
    };
    page.goal_choices = page.goal_options();
    Ok((status, render(&page)).into_response())
}

async fn workplan_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    workplan_render(
        &state,
        &identity,
        id,
        FormErrors::new(),
        ActivityForm::default(),
    )
    .await
}

async fn create_activity(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = ActivityForm::read(&p);
    match p
        .submit(state.app.create_activity(actor, id, &f.input(), Utc::now()))
        .await
    {
        Ok(a) => Ok(Redirect::to(&format!("/teams/{id}/workplan/activities/{a}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            workplan_render(&state, &identity, id, errors, f).await
        }
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    layout: Layout,
    id: i64,
    team: String,
    goal: String,
    a: ActivityItem,
    may_note: bool,
    may_plan: bool,
    goal_choices: Vec<(i64, String)>,
    owners: Vec<(i64, String)>,
    dates: Vec<(&'static str, &'static str, String)>,
    statuses: &'static [ActivityStatus],
    errors: FormErrors,
    /// Which form the errors are about: `note` or `edit`.
    failed: &'static str,
    note_on: String,
    note_body: String,
    note_status: String,
    f: ActivityForm,
}

#[allow(clippy::too_many_arguments)]
async fn activity_render(
    state: &AppState,
    identity: &Identity,
    id: i64,
    activity: i64,
    errors: FormErrors,
    failed: &'static str,
    note: (String, String, String),
    edit: Option<ActivityForm>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let v = state.app.workplan(actor, id, Utc::now()).await?;
    let items = activity_items(&v);
    let Some((goal, a, line)) = v.goals.iter().zip(items).find_map(|(g, item)| {
        let line = g
            .activities
            .iter()
            .find(|l| l.activity.id == activity)?
            .clone();
        let a = item.activities.into_iter().find(|x| x.id == activity)?;
        Some((item.title, a, line))
    }) else {
        return Err(AppError::NotFound.into());
    };
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let r = &line.activity;
    let f = edit.unwrap_or(ActivityForm {
        goal_id: r.goal_id.to_string(),
        title: r.title.clone(),
        deliverables: r.deliverables.clone(),
        owner_user_id: r.owner_user_id.to_string(),
        start_on: r.start_on.to_string(),
        due_on: r.due_on.to_string(),
        status: r.status.code().to_owned(),
        version: r.version,
    });
    Ok((
        status,
        render(&ActivityPage {
            layout: Layout::new(a.title.clone(), "teams", identity),
            id,
            team: v.team.name.clone(),
            goal,
            may_note: line.may_note,
            may_plan: v.may_plan,
            goal_choices: v
                .goals
                .iter()
                .filter(|g| !g.goal.retired)
                .map(|g| (g.goal.id, g.goal.title.clone()))
                .collect(),
            owners: owners_of(&v),
            statuses: ActivityStatus::ALL,
            errors,
            failed,
            note_on: match note.0.is_empty() {
                true => v.today.to_string(),
                false => note.0,
            },
            note_body: note.1,
            note_status: note.2,
            dates: f.dates(),
            f,
            a,
        }),
    )
        .into_response())
}

async fn activity_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, activity)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    activity_render(
        &state,
        &identity,
        id,
        activity,
        FormErrors::new(),
        "",
        Default::default(),
        None,
    )
    .await
}

async fn edit_activity(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, activity)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let f = ActivityForm::read(&p);
    match p
        .submit(
            state
                .app
                .update_activity(actor, id, activity, &f.input(), Utc::now()),
        )
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/teams/{id}/workplan/activities/{activity}")).into_response(),
        ),
        Err(e) => {
            let errors = form_errors(e)?;
            activity_render(
                &state,
                &identity,
                id,
                activity,
                errors,
                "edit",
                Default::default(),
                Some(f),
            )
            .await
        }
    }
}

async fn add_note(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, activity)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = NoteInput {
        on: field(&p, "on"),
        body: field(&p, "body"),
        status: field(&p, "status"),
    };
    match p
        .submit(
            state
                .app
                .record_activity_note(actor, id, activity, &input, Utc::now()),
        )
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/teams/{id}/workplan/activities/{activity}")).into_response(),
        ),
        Err(e) => {
            let errors = form_errors(e)?;
            activity_render(
                &state,
                &identity,
                id,
                activity,
                errors,
                "note",
                (input.on, input.body, input.status),
                None,
            )
            .await
        }
    }
}

// The JSON API.

/// A team in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamListItemJson {
    pub id: i64,
    pub name: String,
    /// `case_management`, `local_policy` or `statewide_policy`.
    pub level: String,
    /// A county's name, or `state`.
    pub jurisdiction: String,
    pub parent_id: Option<i64>,
    /// How the caller stands to it: `admin_of_jurisdiction`, `chair`, `staff`, `member`.
    pub standings: Vec<String>,
    pub sub_teams: Vec<SubTeamJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubTeamJson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamsJson {
    pub teams: Vec<TeamListItemJson>,
    /// The jurisdiction the caller may create teams for (agency admins), if any.
    pub may_create_in: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, description = "The teams the caller belongs to, leads or staffs, and, for an agency admin, the teams of the agency's jurisdiction", body = TeamsJson)))]
pub(crate) async fn teams_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Json<TeamsJson>, ApiError> {
    let actor = caller(&identity)?;
    let v = state.app.teams(actor, Utc::now()).await?;
    Ok(Json(TeamsJson {
        teams: v
            .teams
            .into_iter()
            .map(|t| TeamListItemJson {
                id: t.team.id,
                name: t.team.name,
                level: t.team.level.code().to_owned(),
                jurisdiction: t.team.jurisdiction.code().to_owned(),
                parent_id: t.team.parent_id,
                standings: t.standings.iter().map(|s| s.code().to_owned()).collect(),
                sub_teams: t
                    .sub_teams
                    .into_iter()
                    .map(|(id, name)| SubTeamJson { id, name })
                    .collect(),
            })
            .collect(),
        may_create_in: v.may_create_in.map(|j| j.code().to_owned()),
    }))
}

/// A new team, or a team's new name and charter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamBody {
    pub name: String,
    /// `case_management`, `local_policy` or `statewide_policy` (new top-level teams only).
    #[serde(default)]
    pub level: String,
    /// A California county, or `state` for the statewide policy team (new top-level teams only).
    #[serde(default)]
    pub jurisdiction: String,
    #[serde(default)]
    pub mission: String,
    #[serde(default)]
    pub vision: String,
    #[serde(default)]
    pub goals: Vec<String>,
    #[serde(default)]
    pub norms: String,
    /// The team's version as last read (updates only).
    #[serde(default)]
    pub version: i32,
}

impl TeamBody {
    fn input(self) -> TeamInput {
        TeamInput {
            name: self.name,
            level: self.level,
            jurisdiction: self.jurisdiction,
            mission: self.mission,
            vision: self.vision,
            goals: self.goals.join("\n"),
            norms: self.norms,
            version: self.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    request_body = TeamBody,
    responses((status = 201, description = "Created", body = CreatedJson),
              (status = 403, description = "Only an agency admin creates teams, for the agency's own jurisdiction", body = ApiErrorBody),
              (status = 422, description = "Invalid: a level that does not fit the jurisdiction, a second statewide team, ...", body = ApiErrorBody)))]
pub(crate) async fn create_team_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    ApiJson(b): ApiJson<TeamBody>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let id = state.app.create_team(actor, &b.input(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/sub-teams", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The parent team's id")),
    request_body = TeamBody,
    responses((status = 201, description = "Created at the parent's level and in its jurisdiction", body = CreatedJson),
              (status = 403, description = "Only the chair or staff add sub-teams", body = ApiErrorBody),
              (status = 404, description = "No such team, or not one of the caller's", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn create_sub_team_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TeamBody>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let sub = state
        .app
        .create_sub_team(actor, id, &b.input(), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: sub })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoalJson {
    pub id: i64,
    pub title: String,
    /// Activities done, of all under the goal, and how many are overdue today.
    pub done: usize,
    pub total: usize,
    pub overdue: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberJson {
    pub id: i64,
    /// Null for someone from outside the deployment.
    pub user_id: Option<i64>,
    pub name: String,
    /// The e-mail of someone from outside, as recorded.
    pub external_email: Option<String>,
    pub agency_id: Option<i64>,
    pub organization: String,
    pub role: String,
    /// `representative`, `designee`, or `informed` (shown, not a member).
    pub standing: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermJson {
    pub user_id: i64,
    pub name: String,
    /// `chair` or `moderator`.
    pub kind: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffJson {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamJson {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub jurisdiction: String,
    pub parent_id: Option<i64>,
    pub mission: String,
    pub vision: String,
    pub norms: String,
    pub version: i32,
    pub goals: Vec<GoalJson>,
    /// Everyone listed, past and present.
    pub members: Vec<MemberJson>,
    /// Every chair or moderator term, oldest first.
    pub leader_terms: Vec<TermJson>,
    pub staff: Vec<StaffJson>,
    pub sub_teams: Vec<SubTeamJson>,
}

fn team_json(v: TeamView) -> TeamJson {
    TeamJson {
        id: v.team.id,
        name: v.team.name,
        level: v.team.level.code().to_owned(),
        jurisdiction: v.team.jurisdiction.code().to_owned(),
        parent_id: v.team.parent_id,
        mission: v.team.mission,
        vision: v.team.vision,
        norms: v.team.norms,
        version: v.team.version,
        goals: v
            .goals
            .into_iter()
            .map(|g| GoalJson {
                id: g.goal.id,
                title: g.goal.title,
                done: g.progress.done,
                total: g.progress.total,
                overdue: g.progress.overdue,
            })
            .collect(),
        members: v
            .roster
            .into_iter()
            .map(|r| MemberJson {
                id: r.record.id,
                user_id: r.record.user_id,
                name: r.person.name,
                external_email: r.record.external_email,
                agency_id: r.record.agency_id,
                organization: r.person.organization,
                role: r.record.role.code().to_owned(),
                standing: r.record.standing.code().to_owned(),
                start_on: r.record.start_on,
                end_on: r.record.end_on,
            })
            .collect(),
        leader_terms: v
            .terms
            .into_iter()
            .map(|t| TermJson {
                user_id: t.record.user_id,
                name: t.person.name,
                kind: t.record.kind.code().to_owned(),
                start_on: t.record.start_on,
                end_on: t.record.end_on,
                current: t.current,
            })
            .collect(),
        staff: v
            .staff
            .into_iter()
            .map(|s| StaffJson {
                id: s.record.id,
                user_id: s.record.user_id,
                name: s.person.name,
                start_on: s.record.start_on,
                end_on: s.record.end_on,
            })
            .collect(),
        sub_teams: v
            .sub_teams
            .into_iter()
            .map(|(id, name)| SubTeamJson { id, name })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    responses((status = 200, description = "The team: charter, goals with workplan progress, members, leader terms, staff, sub-teams", body = TeamJson),
              (status = 404, description = "No such team, or the caller does not belong to it", body = ApiErrorBody)))]
pub(crate) async fn team_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<TeamJson>, ApiError> {
    let actor = caller(&identity)?;
    Ok(Json(team_json(
        state.app.team_view(actor, id, Utc::now()).await?,
    )))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    request_body = TeamBody,
    responses((status = 204, description = "Changed; the version goes up by one"),
              (status = 403, description = "Only the chair or staff edit the team", body = ApiErrorBody),
              (status = 409, description = "Changed by someone else first (stale version)", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn update_team_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TeamBody>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .update_team(actor, id, &b.input(), Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Someone to put on the team: `user_email` for a user of this deployment, or `external_name`
/// (with an optional `external_email` and `organization`) for someone from outside.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMember {
    #[serde(default)]
    pub user_email: String,
    #[serde(default)]
    pub external_name: String,
    #[serde(default)]
    pub external_email: String,
    #[serde(default)]
    pub organization: String,
    /// E.g. `prosecutor`, `judge`, `schools`, `mental_health`, `legislative_staff`.
    pub role: String,
    /// `representative`, `designee` or `informed`; a judge is always `informed`.
    pub standing: String,
    pub start_on: String,
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    request_body = NewMember,
    responses((status = 201, description = "Added", body = CreatedJson),
              (status = 403, description = "Only the chair or staff change the members", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn add_member_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewMember>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let m = state
        .app
        .add_roster_member(
            actor,
            id,
            &MemberInput {
                user_email: b.user_email,
                external_name: b.external_name,
                external_email: b.external_email,
                organization: b.organization,
                role: b.role,
                standing: b.standing,
                start_on: b.start_on,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: m })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Ending {
    /// The last day.
    pub end_on: String,
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members/{member}/end", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("member" = i64, Path, description = "Member line id")),
    request_body = Ending,
    responses((status = 204, description = "Ended; the line stays in the team's history"),
              (status = 409, description = "Already ended", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn end_member_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, member)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<Ending>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .end_roster_member(actor, id, member, &b.end_on, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A chair or moderator's new term (the one in force ends the day before), or a staff member.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLeader {
    pub user_email: String,
    /// `chair` or `moderator` (leaders only).
    #[serde(default)]
    pub kind: String,
    pub start_on: String,
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/leaders", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    request_body = NewLeader,
    responses((status = 201, description = "Appointed; the previous term ends the day before and stays in the history", body = CreatedJson),
              (status = 403, description = "Only an agency admin in the team's jurisdiction appoints", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn appoint_leader_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewLeader>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let t = state
        .app
        .appoint_team_leader(
            actor,
            id,
            &LeaderInput {
                user_email: b.user_email,
                kind: b.kind,
                start_on: b.start_on,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: t })))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/staff", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    request_body = NewLeader,
    responses((status = 201, description = "Added", body = CreatedJson),
              (status = 403, description = "Only an agency admin in the team's jurisdiction appoints staff", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn add_staff_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewLeader>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let s = state
        .app
        .add_team_staff(
            actor,
            id,
            &LeaderInput {
                user_email: b.user_email,
                kind: b.kind,
                start_on: b.start_on,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: s })))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/staff/{staff}/end", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("staff" = i64, Path, description = "Staff line id")),
    request_body = Ending,
    responses((status = 204, description = "Ended"),
              (status = 409, description = "Already ended", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn end_staff_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, staff)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<Ending>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .end_team_staff(actor, id, staff, &b.end_on, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteJson {
    pub on: NaiveDate,
    pub author: String,
    pub body: String,
    /// The status the activity was given with this note, if it changed.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityJson {
    pub id: i64,
    pub goal_id: i64,
    pub title: String,
    pub deliverables: String,
    pub owner_user_id: i64,
    pub owner: String,
    pub start_on: NaiveDate,
    pub due_on: NaiveDate,
    /// `planned`, `in_progress`, `done` or `dropped`.
    pub status: String,
    /// The due date has passed and it is neither done nor dropped.
    pub overdue: bool,
    pub version: i32,
    /// Oldest first.
    pub notes: Vec<NoteJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkplanGoalJson {
    pub id: i64,
    pub title: String,
    /// Taken off the charter; kept for its activities.
    pub retired: bool,
    pub done: usize,
    pub total: usize,
    pub overdue: usize,
    pub activities: Vec<ActivityJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkplanJson {
    pub team_id: i64,
    pub today: NaiveDate,
    pub goals: Vec<WorkplanGoalJson>,
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/workplan", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    responses((status = 200, description = "Goals with progress at a glance and their activities with notes", body = WorkplanJson),
              (status = 404, description = "No such team, or the caller does not belong to it", body = ApiErrorBody)))]
pub(crate) async fn workplan_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Json<WorkplanJson>, ApiError> {
    let actor = caller(&identity)?;
    let v = state.app.workplan(actor, id, Utc::now()).await?;
    Ok(Json(WorkplanJson {
        team_id: v.team.id,
        today: v.today,
        goals: v
            .goals
            .into_iter()
            .map(|g| WorkplanGoalJson {
                id: g.goal.id,
                title: g.goal.title,
                retired: g.goal.retired,
                done: g.progress.done,
                total: g.progress.total,
                overdue: g.progress.overdue,
                activities: g
                    .activities
                    .into_iter()
                    .map(|a| ActivityJson {
                        id: a.activity.id,
                        goal_id: a.activity.goal_id,
                        title: a.activity.title,
                        deliverables: a.activity.deliverables,
                        owner_user_id: a.activity.owner_user_id,
                        owner: a.owner.name,
                        start_on: a.activity.start_on,
                        due_on: a.activity.due_on,
                        status: a.activity.status.code().to_owned(),
                        overdue: a.overdue,
                        version: a.activity.version,
                        notes: a
                            .notes
                            .into_iter()
                            .map(|(n, author)| NoteJson {
                                on: n.on,
                                author,
                                body: n.body,
                                status: n.status.map(|s| s.code().to_owned()),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityBody {
    pub goal_id: i64,
    pub title: String,
    #[serde(default)]
    pub deliverables: String,
    /// A member, the chair or a staff member of the team.
    pub owner_user_id: i64,
    pub start_on: String,
    pub due_on: String,
    /// `planned` (the default on creation), `in_progress`, `done` or `dropped`.
    #[serde(default)]
    pub status: String,
    /// The activity's version as last read (edits only).
    #[serde(default)]
    pub version: i32,
}

impl ActivityBody {
    fn input(self) -> ActivityInput {
        ActivityInput {
            goal_id: self.goal_id.to_string(),
            title: self.title,
            deliverables: self.deliverables,
            owner_user_id: self.owner_user_id.to_string(),
            start_on: self.start_on,
            due_on: self.due_on,
            status: self.status,
            version: self.version,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/activities", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    request_body = ActivityBody,
    responses((status = 201, description = "Added to the workplan", body = CreatedJson),
              (status = 403, description = "Only the chair or staff plan activities", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn create_activity_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ActivityBody>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let a = state
        .app
        .create_activity(actor, id, &b.input(), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: a })))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/activities/{activity}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("activity" = i64, Path, description = "Activity id")),
    request_body = ActivityBody,
    responses((status = 204, description = "Changed; the version goes up by one"),
              (status = 403, description = "Only the chair or staff edit activities", body = ApiErrorBody),
              (status = 409, description = "Changed by someone else first (stale version)", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn update_activity_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, activity)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<ActivityBody>,
) -> Result<StatusCode, ApiError> {
    let actor = caller(&identity)?;
    state
        .app
        .update_activity(actor, id, activity, &b.input(), Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNote {
    /// The day the note is about; not in the future.
    pub on: String,
    #[serde(default)]
    pub body: String,
    /// A new status, if it changes: `planned`, `in_progress`, `done` or `dropped`.
    #[serde(default)]
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/activities/{activity}/notes", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("activity" = i64, Path, description = "Activity id")),
    request_body = NewNote,
    responses((status = 201, description = "Recorded; notes are kept", body = CreatedJson),
              (status = 403, description = "Only the chair, staff or the activity's owner record notes", body = ApiErrorBody),
              (status = 422, description = "Invalid", body = ApiErrorBody)))]
pub(crate) async fn add_note_api(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, activity)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let actor = caller(&identity)?;
    let n = state
        .app
        .record_activity_note(
            actor,
            id,
            activity,
            &NoteInput {
                on: b.on,
                body: b.body,
                status: b.status,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: n })))
}
