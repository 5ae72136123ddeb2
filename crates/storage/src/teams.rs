//! Teams above the case: the team and its charter, goals, roster, leader terms and staff; the
//! workplan's activities and their dated notes. Nothing is deleted: rows end on a date.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::team::{
    ActivityStatus, Jurisdiction, LeaderKind, MemberRole, MemberStanding, TeamLevel,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{
    team, team_activity, team_activity_note, team_goal, team_leader_term, team_roster, team_staff,
};
use crate::{StorageError, Tx};

fn corrupt(e: containment_domain::ParseError) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// A team above the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: i64,
    pub name: String,
    pub level: TeamLevel,
    pub jurisdiction: Jurisdiction,
    /// The team this one is a sub-team (working group, subcommittee) of.
    pub parent_id: Option<i64>,
    pub mission: String,
    pub vision: String,
    pub norms: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

fn team_record(m: team::Model) -> Result<TeamRecord, StorageError> {
    Ok(TeamRecord {
        id: m.id,
        name: m.name,
        level: m.level.parse().map_err(corrupt)?,
        jurisdiction: m.jurisdiction.parse().map_err(corrupt)?,
        parent_id: m.parent_id,
        mission: m.mission,
        vision: m.vision,
        norms: m.norms,
        created_by: m.created_by,
        created_at: m.created_at,
        version: m.version,
    })
}

/// One of a team's goals; a goal taken off the charter stays (retired) for its activities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalRecord {
    pub id: i64,
    pub team_id: i64,
    pub position: i32,
    pub title: String,
    pub retired: bool,
}

/// Someone on a team: a user of the deployment, or a person from outside named in free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRecord {
    pub id: i64,
    pub team_id: i64,
    pub user_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub external_name: Option<String>,
    pub external_email: Option<String>,
    /// The organization of someone from outside the deployment's agencies.
    pub organization: Option<String>,
    pub role: MemberRole,
    pub standing: MemberStanding,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub added_by: i64,
}

impl RosterRecord {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start_on <= day && self.end_on.is_none_or(|e| day <= e)
    }
}

fn roster_record(m: team_roster::Model) -> Result<RosterRecord, StorageError> {
    Ok(RosterRecord {
        id: m.id,
        team_id: m.team_id,
        user_id: m.user_id,
        agency_id: m.agency_id,
        external_name: m.external_name,
        external_email: m.external_email,
        organization: m.organization,
        role: m.role.parse().map_err(corrupt)?,
        standing: m.standing.parse().map_err(corrupt)?,
        start_on: m.start_on,
        end_on: m.end_on,
        added_by: m.added_by,
    })
}

/// One term of a chair or moderator; rotation is a new term, the old one kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderTermRecord {
    pub id: i64,
    pub team_id: i64,
    pub user_id: i64,
    pub kind: LeaderKind,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub appointed_by: i64,
}

impl LeaderTermRecord {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start_on <= day && self.end_on.is_none_or(|e| day <= e)
    }
}

/// Someone who plans agendas and keeps records for a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: i64,
    pub team_id: i64,
    pub user_id: i64,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub added_by: i64,
}

impl StaffRecord {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start_on <= day && self.end_on.is_none_or(|e| day <= e)
    }
}

/// One activity of a team's workplan, under one goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: i64,
    pub team_id: i64,
    pub goal_id: i64,
    pub title: String,
    pub deliverables: String,
    pub owner_user_id: i64,
    pub start_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: ActivityStatus,
    pub created_by: i64,
    pub version: i32,
}

fn activity_record(m: team_activity::Model) -> Result<ActivityRecord, StorageError> {
    Ok(ActivityRecord {
        id: m.id,
        team_id: m.team_id,
        goal_id: m.goal_id,
        title: m.title,
        deliverables: m.deliverables,
        owner_user_id: m.owner_user_id,
        start_on: m.start_on,
        due_on: m.due_on,
        status: m.status.parse().map_err(corrupt)?,
        created_by: m.created_by,
        version: m.version,
    })
}

/// A dated note on an activity, with the status it was given then (if it changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityNoteRecord {
    pub id: i64,
    pub activity_id: i64,
    pub on: NaiveDate,
    pub body: String,
    pub status: Option<ActivityStatus>,
    pub author_user_id: i64,
    pub created_at: DateTime<Utc>,
}

/// Where one person stands on teams: the rows that name them.
#[derive(Debug, Clone, Default)]
pub struct TeamPlaces {
    pub roster: Vec<RosterRecord>,
    pub terms: Vec<LeaderTermRecord>,
    pub staff: Vec<StaffRecord>,
}

impl Tx {
    /// Stores a team; `id`, `created_at` and `version` of the argument are ignored. A second
    /// statewide team (not a sub-team) is refused with [`StorageError::Conflict`].
    pub async fn create_team(
        &self,
        t: &TeamRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let statewide =
            (t.level == TeamLevel::StatewidePolicy && t.parent_id.is_none()).then_some(1);
        let row = team::ActiveModel {
            name: Set(t.name.clone()),
            level: Set(t.level.code().to_owned()),
            jurisdiction: Set(t.jurisdiction.code().to_owned()),
            parent_id: Set(t.parent_id),
            statewide_key: Set(statewide),
            mission: Set(t.mission.clone()),
            vision: Set(t.vision.clone()),
            norms: Set(t.norms.clone()),
            created_by: Set(t.created_by),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "statewide team"))?;
        Ok(row.id)
    }

    pub async fn team_above_case(&self, id: i64) -> Result<Option<TeamRecord>, StorageError> {
        team::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(team_record)
            .transpose()
    }

    /// Teams by id, sub-teams of any of `parents`, and teams of any of `jurisdictions`; by name.
    pub async fn teams_where(
        &self,
        ids: &[i64],
        parents: &[i64],
        jurisdictions: &[Jurisdiction],
    ) -> Result<Vec<TeamRecord>, StorageError> {
        if ids.is_empty() && parents.is_empty() && jurisdictions.is_empty() {
            return Ok(Vec::new());
        }
        team::Entity::find()
            .filter(
                Condition::any()
                    .add(team::Column::Id.is_in(ids.iter().copied()))
                    .add(team::Column::ParentId.is_in(parents.iter().copied()))
                    .add(
                        team::Column::Jurisdiction
                            .is_in(jurisdictions.iter().map(|j| j.code().to_owned())),
                    ),
            )
            .order_by_asc(team::Column::Name)
            .order_by_asc(team::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(team_record)
            .collect()
    }

    /// Changes a team's name and charter if it is still at `version`; false otherwise.
    pub async fn update_team(
        &self,
        id: i64,
        version: i32,
        name: &str,
        mission: &str,
        vision: &str,
        norms: &str,
    ) -> Result<bool, StorageError> {
        let res = team::Entity::update_many()
            .col_expr(team::Column::Name, Expr::value(name))
            .col_expr(team::Column::Mission, Expr::value(mission))
            .col_expr(team::Column::Vision, Expr::value(vision))
            .col_expr(team::Column::Norms, Expr::value(norms))
            .col_expr(
                team::Column::Version,
                Expr::col(team::Column::Version).add(1),
            )
            .filter(team::Column::Id.eq(id))
            .filter(team::Column::Version.eq(version))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// The goals of a team, retired ones included, by position.
    pub async fn goals_of(&self, team_id: i64) -> Result<Vec<GoalRecord>, StorageError> {
        Ok(team_goal::Entity::find()
            .filter(team_goal::Column::TeamId.eq(team_id))
            .order_by_asc(team_goal::Column::Position)
            .order_by_asc(team_goal::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| GoalRecord {
                id: m.id,
                team_id: m.team_id,
                position: m.position,
                title: m.title,
                retired: m.retired,
            })
            .collect())
    }

    pub async fn add_goal(
        &self,
        team_id: i64,
        position: i32,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_goal::ActiveModel {
            team_id: Set(team_id),
            position: Set(position),
            title: Set(title.to_owned()),
            retired: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Moves a goal to `position`, on the charter or retired from it.
    pub async fn place_goal(
        &self,
        id: i64,
        position: i32,
        retired: bool,
    ) -> Result<(), StorageError> {
        team_goal::Entity::update_many()
            .col_expr(team_goal::Column::Position, Expr::value(position))
            .col_expr(team_goal::Column::Retired, Expr::value(retired))
            .filter(team_goal::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// The rosters of several teams, by team then start.
    pub async fn roster_of(&self, team_ids: &[i64]) -> Result<Vec<RosterRecord>, StorageError> {
        team_roster::Entity::find()
            .filter(team_roster::Column::TeamId.is_in(team_ids.iter().copied()))
            .order_by_asc(team_roster::Column::TeamId)
            .order_by_asc(team_roster::Column::StartOn)
            .order_by_asc(team_roster::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(roster_record)
            .collect()
    }

    /// Stores someone on a team; `id` of the argument is ignored.
    pub async fn add_to_roster(
        &self,
        r: &RosterRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_roster::ActiveModel {
            team_id: Set(r.team_id),
            user_id: Set(r.user_id),
            agency_id: Set(r.agency_id),
            external_name: Set(r.external_name.clone()),
            external_email: Set(r.external_email.clone()),
            organization: Set(r.organization.clone()),
            role: Set(r.role.code().to_owned()),
            standing: Set(r.standing.code().to_owned()),
            start_on: Set(r.start_on),
            end_on: Set(r.end_on),
            added_by: Set(r.added_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Ends a roster row not yet ended; false otherwise.
    pub async fn end_roster(&self, id: i64, on: NaiveDate) -> Result<bool, StorageError> {
        let res = team_roster::Entity::update_many()
            .col_expr(team_roster::Column::EndOn, Expr::value(Some(on)))
            .filter(team_roster::Column::Id.eq(id))
            .filter(team_roster::Column::EndOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// The leader terms of several teams, by team then start.
    pub async fn leader_terms_of(
        &self,
        team_ids: &[i64],
    ) -> Result<Vec<LeaderTermRecord>, StorageError> {
        team_leader_term::Entity::find()
            .filter(team_leader_term::Column::TeamId.is_in(team_ids.iter().copied()))
            .order_by_asc(team_leader_term::Column::TeamId)
            .order_by_asc(team_leader_term::Column::StartOn)
            .order_by_asc(team_leader_term::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| {
                Ok(LeaderTermRecord {
                    id: m.id,
                    team_id: m.team_id,
                    user_id: m.user_id,
                    kind: m.kind.parse().map_err(corrupt)?,
                    start_on: m.start_on,
                    end_on: m.end_on,
                    appointed_by: m.appointed_by,
                })
            })
            .collect()
    }

    pub async fn add_leader_term(
        &self,
        t: &LeaderTermRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_leader_term::ActiveModel {
            team_id: Set(t.team_id),
            user_id: Set(t.user_id),
            kind: Set(t.kind.code().to_owned()),
            start_on: Set(t.start_on),
            end_on: Set(t.end_on),
            appointed_by: Set(t.appointed_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Ends a term not yet ended on `on`; false otherwise.
    pub async fn end_leader_term(&self, id: i64, on: NaiveDate) -> Result<bool, StorageError> {
        let res = team_leader_term::Entity::update_many()
            .col_expr(team_leader_term::Column::EndOn, Expr::value(Some(on)))
            .filter(team_leader_term::Column::Id.eq(id))
            .filter(team_leader_term::Column::EndOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// The staff of several teams, by team then start.
    pub async fn staff_of(&self, team_ids: &[i64]) -> Result<Vec<StaffRecord>, StorageError> {
        Ok(team_staff::Entity::find()
            .filter(team_staff::Column::TeamId.is_in(team_ids.iter().copied()))
            .order_by_asc(team_staff::Column::TeamId)
            .order_by_asc(team_staff::Column::StartOn)
            .order_by_asc(team_staff::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| StaffRecord {
                id: m.id,
                team_id: m.team_id,
                user_id: m.user_id,
                start_on: m.start_on,
                end_on: m.end_on,
                added_by: m.added_by,
            })
            .collect())
    }

    pub async fn add_staff(
        &self,
        s: &StaffRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_staff::ActiveModel {
            team_id: Set(s.team_id),
            user_id: Set(s.user_id),
            start_on: Set(s.start_on),
            end_on: Set(s.end_on),
            added_by: Set(s.added_by),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Ends a staff row not yet ended; false otherwise.
    pub async fn end_staff(&self, id: i64, on: NaiveDate) -> Result<bool, StorageError> {
        let res = team_staff::Entity::update_many()
            .col_expr(team_staff::Column::EndOn, Expr::value(Some(on)))
            .filter(team_staff::Column::Id.eq(id))
            .filter(team_staff::Column::EndOn.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Every roster, term and staff row naming `user_id`, ended ones included.
    pub async fn team_places(&self, user_id: i64) -> Result<TeamPlaces, StorageError> {
        let roster = team_roster::Entity::find()
            .filter(team_roster::Column::UserId.eq(user_id))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(roster_record)
            .collect::<Result<_, _>>()?;
        let term_teams: Vec<i64> = team_leader_term::Entity::find()
            .filter(team_leader_term::Column::UserId.eq(user_id))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| m.team_id)
            .collect();
        let terms = self
            .leader_terms_of(&term_teams)
            .await?
            .into_iter()
            .filter(|t| t.user_id == user_id)
            .collect();
        let staff_teams: Vec<i64> = team_staff::Entity::find()
            .filter(team_staff::Column::UserId.eq(user_id))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| m.team_id)
            .collect();
        let staff = self
            .staff_of(&staff_teams)
            .await?
            .into_iter()
            .filter(|s| s.user_id == user_id)
            .collect();
        Ok(TeamPlaces {
            roster,
            terms,
            staff,
        })
    }

    /// A team's activities, by due date then id.
    pub async fn activities_of(&self, team_id: i64) -> Result<Vec<ActivityRecord>, StorageError> {
        team_activity::Entity::find()
            .filter(team_activity::Column::TeamId.eq(team_id))
            .order_by_asc(team_activity::Column::DueOn)
            .order_by_asc(team_activity::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(activity_record)
            .collect()
    }

    pub async fn activity(&self, id: i64) -> Result<Option<ActivityRecord>, StorageError> {
        team_activity::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(activity_record)
            .transpose()
    }

    /// Open activities `owner` owns that were due before `today`, by due date.
    pub async fn overdue_activities_of(
        &self,
        owner: i64,
        today: NaiveDate,
    ) -> Result<Vec<ActivityRecord>, StorageError> {
        team_activity::Entity::find()
            .filter(team_activity::Column::OwnerUserId.eq(owner))
            .filter(team_activity::Column::DueOn.lt(today))
            .filter(team_activity::Column::Status.is_in([
                ActivityStatus::Planned.code(),
                ActivityStatus::InProgress.code(),
            ]))
            .order_by_asc(team_activity::Column::DueOn)
            .order_by_asc(team_activity::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(activity_record)
            .collect()
    }

    /// Stores an activity; `id` and `version` of the argument are ignored.
    pub async fn create_activity(
        &self,
        a: &ActivityRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_activity::ActiveModel {
            team_id: Set(a.team_id),
            goal_id: Set(a.goal_id),
            title: Set(a.title.clone()),
            deliverables: Set(a.deliverables.clone()),
            owner_user_id: Set(a.owner_user_id),
            start_on: Set(a.start_on),
            due_on: Set(a.due_on),
            status: Set(a.status.code().to_owned()),
            created_by: Set(a.created_by),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Rewrites an activity (goal, title, deliverables, owner, dates, status) if it is still at
    /// `a.version`; false otherwise.
    pub async fn update_activity(&self, a: &ActivityRecord) -> Result<bool, StorageError> {
        let res = team_activity::Entity::update_many()
            .col_expr(team_activity::Column::GoalId, Expr::value(a.goal_id))
            .col_expr(team_activity::Column::Title, Expr::value(a.title.clone()))
            .col_expr(
                team_activity::Column::Deliverables,
                Expr::value(a.deliverables.clone()),
            )
            .col_expr(
                team_activity::Column::OwnerUserId,
                Expr::value(a.owner_user_id),
            )
            .col_expr(team_activity::Column::StartOn, Expr::value(a.start_on))
            .col_expr(team_activity::Column::DueOn, Expr::value(a.due_on))
            .col_expr(team_activity::Column::Status, Expr::value(a.status.code()))
            .col_expr(
                team_activity::Column::Version,
                Expr::col(team_activity::Column::Version).add(1),
            )
            .filter(team_activity::Column::Id.eq(a.id))
            .filter(team_activity::Column::Version.eq(a.version))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Notes of several activities, oldest first.
    pub async fn activity_notes_of(
        &self,
        activity_ids: &[i64],
    ) -> Result<Vec<ActivityNoteRecord>, StorageError> {
        team_activity_note::Entity::find()
            .filter(team_activity_note::Column::ActivityId.is_in(activity_ids.iter().copied()))
            .order_by_asc(team_activity_note::Column::OnDate)
            .order_by_asc(team_activity_note::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| {
                Ok(ActivityNoteRecord {
                    id: m.id,
                    activity_id: m.activity_id,
                    on: m.on_date,
                    body: m.body,
                    status: m.status.map(|s| s.parse().map_err(corrupt)).transpose()?,
                    author_user_id: m.author_user_id,
                    created_at: m.created_at,
                })
            })
            .collect()
    }

    pub async fn add_activity_note(
        &self,
        n: &ActivityNoteRecord,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_activity_note::ActiveModel {
            activity_id: Set(n.activity_id),
            on_date: Set(n.on),
            body: Set(n.body.clone()),
            status: Set(n.status.map(|s| s.code().to_owned())),
            author_user_id: Set(n.author_user_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }
}
