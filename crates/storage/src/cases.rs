//! Supervisees, supervision episodes, containment teams and the caseload.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::TeamRole;
use containment_domain::case::{CdcrNumber, CiiNumber, County, CourtCaseNumber, SupervisionKind};
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Statement,
};

use crate::entity::{
    app_user, court_case, supervisee, supervisee_alias, supervision_episode, team_member,
};
use crate::{Backend, StorageError, Tx};

#[derive(Debug, Clone)]
pub struct NewSupervisee {
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
    pub owning_agency_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuperviseeRecord {
    pub id: i64,
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub cii: Option<String>,
    pub cdcr: Option<String>,
    pub county_of_conviction: Option<String>,
    pub county_of_registration: Option<String>,
    pub juvenile: bool,
    pub owning_agency_id: i64,
    pub aliases: Vec<String>,
    pub court_cases: Vec<String>,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct NewEpisode {
    pub supervisee_id: i64,
    pub kind: SupervisionKind,
    pub supervising_agency_id: i64,
    pub county: County,
    pub court: Option<String>,
    pub placed_on: Option<NaiveDate>,
    pub start_date: NaiveDate,
    pub expected_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeRecord {
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: SupervisionKind,
    pub supervising_agency_id: i64,
    pub county: String,
    pub court: Option<String>,
    pub placed_on: Option<NaiveDate>,
    pub start_date: NaiveDate,
    pub expected_end: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMemberRecord {
    pub id: i64,
    pub episode_id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub agency_id: i64,
    pub team_role: TeamRole,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl TeamMemberRecord {
    /// On the team on `day`: started, and not ended before it.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start_date <= day && self.end_date.is_none_or(|end| end >= day)
    }
}

/// How the caseload is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseloadSort {
    #[default]
    Name,
    StartDate,
    County,
    /// Most overdue first, then soonest due: the caller orders and pages the cases, so every
    /// matching case comes back, by name.
    Urgency,
}

#[derive(Debug, Clone, Default)]
pub struct CaseloadQuery {
    /// Name (part of the legal name or an alias), CII, CDCR or court case number.
    pub search: Option<String>,
    pub county: Option<String>,
    pub kind: Option<SupervisionKind>,
    /// Only cases missing an officer, a provider or an examiner.
    pub team_gaps: bool,
    /// Only cases without a court-ordered waiver in force (R11).
    pub waiver_missing: bool,
    pub sort: CaseloadSort,
    /// 0-based.
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadRow {
    pub supervisee_id: i64,
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub cii: Option<String>,
    pub cdcr: Option<String>,
    pub episode_id: i64,
    pub kind: SupervisionKind,
    pub county: String,
    pub start_date: NaiveDate,
}

fn corrupt(e: impl ToString) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn episode_record(m: supervision_episode::Model) -> Result<EpisodeRecord, StorageError> {
    Ok(EpisodeRecord {
        kind: SupervisionKind::parse(&m.kind).map_err(corrupt)?,
        id: m.id,
        supervisee_id: m.supervisee_id,
        supervising_agency_id: m.supervising_agency_id,
        county: m.county,
        court: m.court,
        placed_on: m.placed_on,
        start_date: m.start_date,
        expected_end: m.expected_end,
        actual_end: m.actual_end,
        end_reason: m.end_reason,
        version: m.version,
    })
}

/// A team member is on the team on `day` when started and not yet ended.
fn active_member(table: Alias, day: NaiveDate) -> Cond {
    Cond::all()
        .add(Expr::col((table.clone(), team_member::Column::StartDate)).lte(day))
        .add(
            Cond::any()
                .add(Expr::col((table.clone(), team_member::Column::EndDate)).is_null())
                .add(Expr::col((table, team_member::Column::EndDate)).gte(day)),
        )
}

/// `EXISTS` an active member with `role` on the episode `e`.
fn has_role(role: TeamRole, day: NaiveDate) -> SelectStatement {
    let t = Alias::new("g");
    Query::select()
        .expr(Expr::val(1))
        .from_as(team_member::Entity, t.clone())
        .and_where(
            Expr::col((t.clone(), team_member::Column::EpisodeId))
                .equals((Alias::new("e"), supervision_episode::Column::Id)),
        )
        .and_where(Expr::col((t.clone(), team_member::Column::TeamRole)).eq(role.code()))
        .cond_where(active_member(t, day))
        .to_owned()
}

impl Tx {
    /// The supervisee already holding this CII or CDCR number, if any.
    pub async fn supervisee_with_identifier(
        &self,
        cii: Option<&CiiNumber>,
        cdcr: Option<&CdcrNumber>,
    ) -> Result<Option<(i64, &'static str)>, StorageError> {
        if let Some(cii) = cii
            && let Some(m) = supervisee::Entity::find()
                .filter(supervisee::Column::CiiNumber.eq(cii.as_str()))
                .one(&self.txn)
                .await?
        {
            return Ok(Some((m.id, "CII number")));
        }
        if let Some(cdcr) = cdcr
            && let Some(m) = supervisee::Entity::find()
                .filter(supervisee::Column::CdcrNumber.eq(cdcr.as_str()))
                .one(&self.txn)
                .await?
        {
            return Ok(Some((m.id, "CDCR number")));
        }
        Ok(None)
    }

    pub async fn create_supervisee(
        &self,
        s: NewSupervisee,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = supervisee::ActiveModel {
            legal_name: Set(s.legal_name),
            date_of_birth: Set(s.date_of_birth),
            sex: Set(s.sex),
            cii_number: Set(s.cii.map(|c| c.as_str().to_owned())),
            cdcr_number: Set(s.cdcr.map(|c| c.as_str().to_owned())),
            county_of_conviction: Set(s.county_of_conviction.map(|c| c.name().to_owned())),
            county_of_registration: Set(s.county_of_registration.map(|c| c.name().to_owned())),
            juvenile: Set(s.juvenile),
            owning_agency_id: Set(s.owning_agency_id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "CII or CDCR number"))?;
        for name in s.aliases {
            supervisee_alias::ActiveModel {
                supervisee_id: Set(row.id),
                name: Set(name),
                ..Default::default()
            }
            .insert(&self.txn)
            .await?;
        }
        for number in s.court_cases {
            court_case::ActiveModel {
                supervisee_id: Set(row.id),
                number: Set(number.as_str().to_owned()),
                ..Default::default()
            }
            .insert(&self.txn)
            .await
            .map_err(|e| StorageError::from_write(e, "court case number"))?;
        }
        Ok(row.id)
    }

    pub async fn supervisee(&self, id: i64) -> Result<Option<SuperviseeRecord>, StorageError> {
        let Some(m) = supervisee::Entity::find_by_id(id).one(&self.txn).await? else {
            return Ok(None);
        };
        // Aliases and court case numbers in one statement.
        let (first, second) = match self.backend {
            Backend::Sqlite => ("?", "?"),
            Backend::Postgres => ("$1", "$1"),
        };
        let rows = self
            .txn
            .query_all_raw(Statement::from_sql_and_values(
                self.db_backend(),
                format!(
                    "SELECT 0 AS part, id, name AS text FROM supervisee_alias \
                     WHERE supervisee_id = {first} \
                     UNION ALL SELECT 1 AS part, id, number AS text FROM court_case \
                     WHERE supervisee_id = {second} ORDER BY part, id"
                ),
                match self.backend {
                    Backend::Sqlite => vec![id.into(), id.into()],
                    Backend::Postgres => vec![id.into()],
                },
            ))
            .await?;
        let (mut aliases, mut court_cases) = (Vec::new(), Vec::new());
        for row in rows {
            let part: i32 = row.try_get("", "part")?;
            let text: String = row.try_get("", "text")?;
            if part == 0 {
                aliases.push(text);
            } else {
                court_cases.push(text);
            }
        }
        Ok(Some(SuperviseeRecord {
            id: m.id,
            legal_name: m.legal_name,
            date_of_birth: m.date_of_birth,
            sex: m.sex,
            cii: m.cii_number,
            cdcr: m.cdcr_number,
            county_of_conviction: m.county_of_conviction,
            county_of_registration: m.county_of_registration,
            juvenile: m.juvenile,
            owning_agency_id: m.owning_agency_id,
            aliases,
            court_cases,
            version: m.version,
        }))
    }

    /// Several supervisees at once, without their aliases and court case numbers (for
    /// evaluating many cases; `supervisee` reads one in full).
    pub async fn supervisees_brief(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SuperviseeRecord>, StorageError> {
        Ok(supervisee::Entity::find()
            .filter(supervisee::Column::Id.is_in(ids.iter().copied()))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|m| SuperviseeRecord {
                id: m.id,
                legal_name: m.legal_name,
                date_of_birth: m.date_of_birth,
                sex: m.sex,
                cii: m.cii_number,
                cdcr: m.cdcr_number,
                county_of_conviction: m.county_of_conviction,
                county_of_registration: m.county_of_registration,
                juvenile: m.juvenile,
                owning_agency_id: m.owning_agency_id,
                aliases: Vec::new(),
                court_cases: Vec::new(),
                version: m.version,
            })
            .collect())
    }

    /// The episodes of several supervisees, newest first within each.
    pub async fn episodes_of(&self, ids: &[i64]) -> Result<Vec<EpisodeRecord>, StorageError> {
        supervision_episode::Entity::find()
            .filter(supervision_episode::Column::SuperviseeId.is_in(ids.iter().copied()))
            .order_by_desc(supervision_episode::Column::StartDate)
            .order_by_desc(supervision_episode::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(episode_record)
            .collect()
    }

    pub async fn create_episode(
        &self,
        e: NewEpisode,
        now: DateTime<Utc>,
    ) -> Result<EpisodeRecord, StorageError> {
        let row = supervision_episode::ActiveModel {
            supervisee_id: Set(e.supervisee_id),
            kind: Set(e.kind.code().to_owned()),
            supervising_agency_id: Set(e.supervising_agency_id),
            county: Set(e.county.name().to_owned()),
            court: Set(e.court),
            placed_on: Set(e.placed_on),
            start_date: Set(e.start_date),
            expected_end: Set(e.expected_end),
            actual_end: Set(None),
            end_reason: Set(None),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        episode_record(row)
    }

    /// A supervisee's episodes, newest first.
    pub async fn episodes(&self, supervisee_id: i64) -> Result<Vec<EpisodeRecord>, StorageError> {
        supervision_episode::Entity::find()
            .filter(supervision_episode::Column::SuperviseeId.eq(supervisee_id))
            .order_by_desc(supervision_episode::Column::StartDate)
            .order_by_desc(supervision_episode::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(episode_record)
            .collect()
    }

    pub async fn episode(&self, id: i64) -> Result<Option<EpisodeRecord>, StorageError> {
        supervision_episode::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(episode_record)
            .transpose()
    }

    pub async fn add_team_member(
        &self,
        episode_id: i64,
        user_id: i64,
        role: TeamRole,
        start_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        let row = team_member::ActiveModel {
            episode_id: Set(episode_id),
            user_id: Set(user_id),
            team_role: Set(role.code().to_owned()),
            start_date: Set(start_date),
            end_date: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.id)
    }

    /// Ends a membership on `end_date` (the last day on the team). False if already ended.
    pub async fn end_team_member(
        &self,
        member_id: i64,
        end_date: NaiveDate,
    ) -> Result<bool, StorageError> {
        let res = team_member::Entity::update_many()
            .col_expr(team_member::Column::EndDate, Expr::value(Some(end_date)))
            .filter(team_member::Column::Id.eq(member_id))
            .filter(team_member::Column::EndDate.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Every membership of the episodes, past and present, with the members' names.
    pub async fn team(&self, episode_ids: &[i64]) -> Result<Vec<TeamMemberRecord>, StorageError> {
        if episode_ids.is_empty() {
            return Ok(Vec::new());
        }
        // One statement: each membership with its member's name and agency.
        team_member::Entity::find()
            .filter(team_member::Column::EpisodeId.is_in(episode_ids.iter().copied()))
            .find_also_related(app_user::Entity)
            .order_by_asc(team_member::Column::StartDate)
            .order_by_asc(team_member::Column::Id)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|(m, user)| {
                Ok(TeamMemberRecord {
                    team_role: m.team_role.parse().map_err(corrupt)?,
                    id: m.id,
                    episode_id: m.episode_id,
                    user_id: m.user_id,
                    user_name: user
                        .as_ref()
                        .map(|u| u.display_name.clone())
                        .unwrap_or_default(),
                    agency_id: user.map_or(0, |u| u.agency_id),
                    start_date: m.start_date,
                    end_date: m.end_date,
                })
            })
            .collect()
    }

    /// The cases `user_id` is on the team of on `day` (open episodes only), filtered, sorted and
    /// paged; with the total count of matching cases.
    pub async fn caseload(
        &self,
        user_id: i64,
        day: NaiveDate,
        q: &CaseloadQuery,
    ) -> Result<(Vec<CaseloadRow>, u64), StorageError> {
        self.caseload_rows(user_id, day, q, true).await
    }

    /// As [`Self::caseload`]; unpaged (every matching case, for an export) when `paged` is
    /// false.
    pub async fn caseload_rows(
        &self,
        user_id: i64,
        day: NaiveDate,
        q: &CaseloadQuery,
        paged: bool,
    ) -> Result<(Vec<CaseloadRow>, u64), StorageError> {
        let s = Alias::new("s");
        let e = Alias::new("e");
        let tm = Alias::new("tm");
        let mut base = Query::select();
        base.from_as(team_member::Entity, tm.clone())
            .join_as(
                JoinType::InnerJoin,
                supervision_episode::Entity,
                e.clone(),
                Expr::col((e.clone(), supervision_episode::Column::Id))
                    .equals((tm.clone(), team_member::Column::EpisodeId)),
            )
            .join_as(
                JoinType::InnerJoin,
                supervisee::Entity,
                s.clone(),
                Expr::col((s.clone(), supervisee::Column::Id))
                    .equals((e.clone(), supervision_episode::Column::SuperviseeId)),
            )
            .and_where(Expr::col((tm.clone(), team_member::Column::UserId)).eq(user_id))
            .cond_where(active_member(tm.clone(), day))
            .cond_where(
                Cond::any()
                    .add(Expr::col((e.clone(), supervision_episode::Column::ActualEnd)).is_null())
                    .add(Expr::col((e.clone(), supervision_episode::Column::ActualEnd)).gte(day)),
            );
        if let Some(search) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let upper = search.to_uppercase();
            let compact: String = upper
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            let like = format!("%{}%", search.to_lowercase().replace(['%', '_'], ""));
            let alias_match = Query::select()
                .expr(Expr::val(1))
                .from_as(supervisee_alias::Entity, Alias::new("a"))
                .and_where(
                    Expr::col((Alias::new("a"), supervisee_alias::Column::SuperviseeId))
                        .equals((s.clone(), supervisee::Column::Id)),
                )
                .and_where(
                    Expr::expr(Func::lower(Expr::col((
                        Alias::new("a"),
                        supervisee_alias::Column::Name,
                    ))))
                    .like(like.clone()),
                )
                .to_owned();
            let case_match = Query::select()
                .expr(Expr::val(1))
                .from_as(court_case::Entity, Alias::new("c"))
                .and_where(
                    Expr::col((Alias::new("c"), court_case::Column::SuperviseeId))
                        .equals((s.clone(), supervisee::Column::Id)),
                )
                .and_where(
                    Expr::col((Alias::new("c"), court_case::Column::Number)).eq(upper.clone()),
                )
                .to_owned();
            base.cond_where(
                Cond::any()
                    .add(
                        Expr::expr(Func::lower(Expr::col((
                            s.clone(),
                            supervisee::Column::LegalName,
                        ))))
                        .like(like),
                    )
                    .add(Expr::col((s.clone(), supervisee::Column::CiiNumber)).eq(compact.clone()))
                    .add(Expr::col((s.clone(), supervisee::Column::CdcrNumber)).eq(compact))
                    .add(Expr::exists(alias_match))
                    .add(Expr::exists(case_match)),
            );
        }
        if let Some(county) = &q.county {
            base.and_where(
                Expr::col((e.clone(), supervision_episode::Column::County)).eq(county.clone()),
            );
        }
        if let Some(kind) = q.kind {
            base.and_where(
                Expr::col((e.clone(), supervision_episode::Column::Kind)).eq(kind.code()),
            );
        }
        if q.team_gaps {
            // Pending charges need no containment team (R12 applies after conviction).
            base.and_where(
                Expr::col((e.clone(), supervision_episode::Column::Kind))
                    .ne(SupervisionKind::PreTrial.code()),
            );
            base.cond_where(
                Cond::any()
                    .add(Expr::exists(has_role(TeamRole::SupervisingOfficer, day)).not())
                    .add(Expr::exists(has_role(TeamRole::TreatmentProvider, day)).not())
                    .add(Expr::exists(has_role(TeamRole::PolygraphExaminer, day)).not()),
            );
        }

        if q.waiver_missing {
            let w = Alias::new("w");
            let in_force = Query::select()
                .expr(Expr::val(1))
                .from_as(crate::entity::waiver::Entity, w.clone())
                .and_where(
                    Expr::col((w.clone(), crate::entity::waiver::Column::SuperviseeId))
                        .equals((s.clone(), supervisee::Column::Id)),
                )
                .and_where(
                    Expr::col((w.clone(), crate::entity::waiver::Column::Basis))
                        .is_in(["pc_1203_067_b4", "pc_3008_d"]),
                )
                .and_where(
                    Expr::col((w.clone(), crate::entity::waiver::Column::EffectiveOn)).lte(day),
                )
                .cond_where(
                    Cond::any()
                        .add(
                            Expr::col((w.clone(), crate::entity::waiver::Column::ExpiresOn))
                                .is_null(),
                        )
                        .add(
                            Expr::col((w.clone(), crate::entity::waiver::Column::ExpiresOn))
                                .gte(day),
                        ),
                )
                .cond_where(
                    Cond::any()
                        .add(
                            Expr::col((w.clone(), crate::entity::waiver::Column::RevokedOn))
                                .is_null(),
                        )
                        .add(Expr::col((w, crate::entity::waiver::Column::RevokedOn)).gt(day)),
                )
                .to_owned();
            base.and_where(Expr::exists(in_force).not());
        }

        let mut count = base.clone();
        count.expr_as(
            Expr::col((e.clone(), supervision_episode::Column::Id)).count_distinct(),
            Alias::new("n"),
        );
        let total: i64 = match self.txn.query_one(&count).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };

        let mut page = base;
        page.distinct()
            .expr_as(
                Expr::col((s.clone(), supervisee::Column::Id)),
                Alias::new("sid"),
            )
            .expr_as(
                Expr::col((s.clone(), supervisee::Column::LegalName)),
                Alias::new("legal_name"),
            )
            .expr_as(
                Expr::col((s.clone(), supervisee::Column::DateOfBirth)),
                Alias::new("dob"),
            )
            .expr_as(
                Expr::col((s.clone(), supervisee::Column::CiiNumber)),
                Alias::new("cii"),
            )
            .expr_as(
                Expr::col((s.clone(), supervisee::Column::CdcrNumber)),
                Alias::new("cdcr"),
            )
            .expr_as(
                Expr::col((e.clone(), supervision_episode::Column::Id)),
                Alias::new("eid"),
            )
            .expr_as(
                Expr::col((e.clone(), supervision_episode::Column::Kind)),
                Alias::new("kind"),
            )
            .expr_as(
                Expr::col((e.clone(), supervision_episode::Column::County)),
                Alias::new("county"),
            )
            .expr_as(
                Expr::col((e.clone(), supervision_episode::Column::StartDate)),
                Alias::new("start_date"),
            );
        match q.sort {
            CaseloadSort::Name | CaseloadSort::Urgency => {
                page.order_by(Alias::new("legal_name"), Order::Asc)
            }
            CaseloadSort::StartDate => page.order_by(Alias::new("start_date"), Order::Desc),
            CaseloadSort::County => page
                .order_by(Alias::new("county"), Order::Asc)
                .order_by(Alias::new("legal_name"), Order::Asc),
        };
        page.order_by(Alias::new("eid"), Order::Asc);
        if paged && q.sort != CaseloadSort::Urgency {
            let per_page = q.per_page.clamp(1, 200);
            page.limit(per_page).offset(q.page.saturating_mul(per_page));
        }
        let rows = self.txn.query_all(&page).await?;
        let rows = rows
            .into_iter()
            .map(|r| {
                Ok(CaseloadRow {
                    supervisee_id: r.try_get("", "sid")?,
                    legal_name: r.try_get("", "legal_name")?,
                    date_of_birth: r.try_get("", "dob")?,
                    cii: r.try_get("", "cii")?,
                    cdcr: r.try_get("", "cdcr")?,
                    episode_id: r.try_get("", "eid")?,
                    kind: SupervisionKind::parse(&r.try_get::<String>("", "kind")?)
                        .map_err(corrupt)?,
                    county: r.try_get("", "county")?,
                    start_date: r.try_get("", "start_date")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }
}

/// The editable identity fields of a supervisee.
#[derive(Debug, Clone)]
pub struct SuperviseeChanges {
    pub legal_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub cii: Option<CiiNumber>,
    pub cdcr: Option<CdcrNumber>,
    pub county_of_conviction: Option<County>,
    pub county_of_registration: Option<County>,
    pub juvenile: bool,
    /// Replaces the aliases when given.
    pub aliases: Option<Vec<String>>,
    /// Replaces the court case numbers when given.
    pub court_cases: Option<Vec<CourtCaseNumber>>,
}

impl Tx {
    /// Applies `changes` only if the record is still at `expected_version`, and bumps the
    /// version. Returns false (and changes nothing) when someone else changed it first.
    pub async fn update_supervisee(
        &self,
        id: i64,
        expected_version: i32,
        changes: SuperviseeChanges,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let res = supervisee::Entity::update_many()
            .col_expr(
                supervisee::Column::LegalName,
                Expr::value(changes.legal_name),
            )
            .col_expr(
                supervisee::Column::DateOfBirth,
                Expr::value(changes.date_of_birth),
            )
            .col_expr(supervisee::Column::Sex, Expr::value(changes.sex))
            .col_expr(
                supervisee::Column::CiiNumber,
                Expr::value(changes.cii.map(|c| c.as_str().to_owned())),
            )
            .col_expr(
                supervisee::Column::CdcrNumber,
                Expr::value(changes.cdcr.map(|c| c.as_str().to_owned())),
            )
            .col_expr(
                supervisee::Column::CountyOfConviction,
                Expr::value(changes.county_of_conviction.map(|c| c.name().to_owned())),
            )
            .col_expr(
                supervisee::Column::CountyOfRegistration,
                Expr::value(changes.county_of_registration.map(|c| c.name().to_owned())),
            )
            .col_expr(supervisee::Column::Juvenile, Expr::value(changes.juvenile))
            .col_expr(supervisee::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                supervisee::Column::Version,
                Expr::col(supervisee::Column::Version).add(1),
            )
            .filter(supervisee::Column::Id.eq(id))
            .filter(supervisee::Column::Version.eq(expected_version))
            .exec(&self.txn)
            .await
            .map_err(|e| StorageError::from_write(e, "CII or CDCR number"))?;
        if res.rows_affected != 1 {
            return Ok(false);
        }
        if let Some(aliases) = changes.aliases {
            supervisee_alias::Entity::delete_many()
                .filter(supervisee_alias::Column::SuperviseeId.eq(id))
                .exec(&self.txn)
                .await?;
            for name in aliases {
                supervisee_alias::ActiveModel {
                    supervisee_id: Set(id),
                    name: Set(name),
                    ..Default::default()
                }
                .insert(&self.txn)
                .await?;
            }
        }
        if let Some(numbers) = changes.court_cases {
            court_case::Entity::delete_many()
                .filter(court_case::Column::SuperviseeId.eq(id))
                .exec(&self.txn)
                .await?;
            for number in numbers {
                court_case::ActiveModel {
                    supervisee_id: Set(id),
                    number: Set(number.as_str().to_owned()),
                    ..Default::default()
                }
                .insert(&self.txn)
                .await
                .map_err(|e| StorageError::from_write(e, "court case number"))?;
            }
        }
        Ok(true)
    }
}

impl Tx {
    /// Supervisee ids of open episodes on whose team `user_id` serves on `day`.
    pub async fn open_cases_served_by(
        &self,
        user_id: i64,
        day: NaiveDate,
    ) -> Result<Vec<i64>, StorageError> {
        let members = team_member::Entity::find()
            .filter(team_member::Column::UserId.eq(user_id))
            .filter(team_member::Column::StartDate.lte(day))
            .filter(
                Cond::any()
                    .add(team_member::Column::EndDate.is_null())
                    .add(team_member::Column::EndDate.gte(day)),
            )
            .all(&self.txn)
            .await?;
        let episode_ids: Vec<i64> = members.iter().map(|m| m.episode_id).collect();
        let mut ids: Vec<i64> = supervision_episode::Entity::find()
            .filter(supervision_episode::Column::Id.is_in(episode_ids))
            .filter(supervision_episode::Column::ActualEnd.is_null())
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|e| e.supervisee_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

impl Tx {
    /// Corrects an episode's court, placement date and expected end if it is still at
    /// `expected_version`; false when someone changed it first.
    pub async fn correct_episode(
        &self,
        id: i64,
        expected_version: i32,
        court: Option<String>,
        placed_on: Option<NaiveDate>,
        expected_end: Option<NaiveDate>,
    ) -> Result<bool, StorageError> {
        let res = supervision_episode::Entity::update_many()
            .col_expr(supervision_episode::Column::Court, Expr::value(court))
            .col_expr(
                supervision_episode::Column::PlacedOn,
                Expr::value(placed_on),
            )
            .col_expr(
                supervision_episode::Column::ExpectedEnd,
                Expr::value(expected_end),
            )
            .col_expr(
                supervision_episode::Column::Version,
                Expr::col(supervision_episode::Column::Version).add(1),
            )
            .filter(supervision_episode::Column::Id.eq(id))
            .filter(supervision_episode::Column::Version.eq(expected_version))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Ends an episode on `actual_end` for `reason` if it is still at `expected_version`, and
    /// ends its open team memberships the same day. False when someone changed it first.
    pub async fn end_episode(
        &self,
        id: i64,
        expected_version: i32,
        actual_end: NaiveDate,
        reason: &str,
    ) -> Result<bool, StorageError> {
        let res = supervision_episode::Entity::update_many()
            .col_expr(
                supervision_episode::Column::ActualEnd,
                Expr::value(Some(actual_end)),
            )
            .col_expr(
                supervision_episode::Column::EndReason,
                Expr::value(Some(reason.to_owned())),
            )
            .col_expr(
                supervision_episode::Column::Version,
                Expr::col(supervision_episode::Column::Version).add(1),
            )
            .filter(supervision_episode::Column::Id.eq(id))
            .filter(supervision_episode::Column::Version.eq(expected_version))
            .filter(supervision_episode::Column::ActualEnd.is_null())
            .exec(&self.txn)
            .await?;
        if res.rows_affected != 1 {
            return Ok(false);
        }
        team_member::Entity::update_many()
            .col_expr(team_member::Column::EndDate, Expr::value(Some(actual_end)))
            .filter(team_member::Column::EpisodeId.eq(id))
            .filter(team_member::Column::EndDate.is_null())
            .exec(&self.txn)
            .await?;
        Ok(true)
    }
}
