//! Agencies, users, roles, credentials and sign-in attempts.

use chrono::{DateTime, Utc};
use containment_domain::security::Factor;
use containment_domain::{AgencyKind, Email, Role};
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{
    agency, app_user, recovery_code, sign_in_attempt, supervisee, supervision_episode, team_member,
    user_role,
};
use crate::{StorageError, Store, Tx};

#[derive(Debug, Clone)]
pub struct NewAgency {
    pub name: String,
    pub kind: AgencyKind,
    pub county: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyRecord {
    pub id: i64,
    pub name: String,
    pub kind: AgencyKind,
    pub county: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: i64,
    pub agency_id: i64,
    pub email: Email,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked: bool,
    pub mfa_enrolled: bool,
}

/// Someone the team form may offer: who they are and where they work, nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamCandidate {
    pub user_id: i64,
    pub email: Email,
    pub display_name: String,
    pub agency_name: String,
}

/// What the team-candidate search looks for and in which agencies.
#[derive(Debug, Clone, Default)]
pub struct CandidateSearch {
    /// Typed text, found anywhere in a name or e-mail address regardless of case.
    pub text: String,
    /// Agency roles that can serve in the team role sought.
    pub roles: Vec<Role>,
    /// Agencies whose people qualify outright.
    pub agency_ids: Vec<i64>,
    /// Agencies of one kind that qualify by where they work or whom they already work with.
    pub outside: Option<OutsideAgencies>,
    pub limit: u64,
}

/// Agencies of `kind` in one of `counties` (or recording no county: they serve the whole
/// state), or with someone on the team of a case `partner_of` owns.
#[derive(Debug, Clone)]
pub struct OutsideAgencies {
    pub kind: AgencyKind,
    pub counties: Vec<String>,
    pub partner_of: i64,
}

impl OutsideAgencies {
    /// The ids of these agencies, as a subquery that does not depend on the person row: each
    /// agency is looked at once per search, not once per person.
    fn ids(&self) -> SelectStatement {
        let a = Alias::new("oa");
        let p = Alias::new("p");
        let t = Alias::new("t");
        let e = Alias::new("e");
        let s = Alias::new("s");
        let partnered = Query::select()
            .expr(Expr::val(1))
            .from_as(app_user::Entity, p.clone())
            .join_as(
                JoinType::InnerJoin,
                team_member::Entity,
                t.clone(),
                Expr::col((t.clone(), team_member::Column::UserId))
                    .equals((p.clone(), app_user::Column::Id)),
            )
            .join_as(
                JoinType::InnerJoin,
                supervision_episode::Entity,
                e.clone(),
                Expr::col((e.clone(), supervision_episode::Column::Id))
                    .equals((t, team_member::Column::EpisodeId)),
            )
            .join_as(
                JoinType::InnerJoin,
                supervisee::Entity,
                s.clone(),
                Expr::col((s.clone(), supervisee::Column::Id))
                    .equals((e, supervision_episode::Column::SuperviseeId)),
            )
            .and_where(
                Expr::col((p, app_user::Column::AgencyId)).equals((a.clone(), agency::Column::Id)),
            )
            .and_where(Expr::col((s, supervisee::Column::OwningAgencyId)).eq(self.partner_of))
            .to_owned();
        Query::select()
            .column((a.clone(), agency::Column::Id))
            .from_as(agency::Entity, a.clone())
            .and_where(Expr::col((a.clone(), agency::Column::Kind)).eq(self.kind.code()))
            .cond_where(
                Cond::any()
                    .add(Expr::col((a.clone(), agency::Column::County)).is_null())
                    .add(
                        Expr::expr(Func::lower(Expr::col((a, agency::Column::County))))
                            .is_in(self.counties.iter().map(|c| c.to_lowercase())),
                    )
                    .add(Expr::exists(partnered)),
            )
            .to_owned()
    }
}

/// `text` with the LIKE wildcards and the escape character taken literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What sign-in checks against. Kept apart from [`StoredUser`] so it is read only where needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

fn corrupt(e: impl ToString) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn agency_record(row: agency::Model) -> Result<AgencyRecord, StorageError> {
    Ok(AgencyRecord {
        id: row.id,
        kind: row.kind.parse().map_err(corrupt)?,
        name: row.name,
        county: row.county,
    })
}

impl Store {
    pub async fn count_users(&self) -> Result<u64, StorageError> {
        Ok(app_user::Entity::find().count(&self.db).await?)
    }
}

impl Tx {
    pub async fn create_agency(
        &self,
        agency: NewAgency,
        now: DateTime<Utc>,
    ) -> Result<AgencyRecord, StorageError> {
        let row = agency::ActiveModel {
            name: Set(agency.name),
            kind: Set(agency.kind.code().to_owned()),
            county: Set(agency.county),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "agency name"))?;
        agency_record(row)
    }

    pub async fn agencies(&self) -> Result<Vec<AgencyRecord>, StorageError> {
        agency::Entity::find()
            .order_by_asc(agency::Column::Name)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(agency_record)
            .collect()
    }

    pub async fn agency(&self, id: i64) -> Result<Option<AgencyRecord>, StorageError> {
        agency::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(agency_record)
            .transpose()
    }

    pub async fn agency_by_name(&self, name: &str) -> Result<Option<AgencyRecord>, StorageError> {
        agency::Entity::find()
            .filter(agency::Column::Name.eq(name))
            .one(&self.txn)
            .await?
            .map(agency_record)
            .transpose()
    }

    pub async fn count_users(&self) -> Result<u64, StorageError> {
        Ok(app_user::Entity::find().count(&self.txn).await?)
    }

    pub async fn create_user(
        &self,
        agency_id: i64,
        user: NewUser,
        now: DateTime<Utc>,
    ) -> Result<StoredUser, StorageError> {
        let row = app_user::ActiveModel {
            agency_id: Set(agency_id),
            email: Set(user.email.as_str().to_owned()),
            display_name: Set(user.display_name),
            password_hash: Set(user.password_hash),
            must_change_password: Set(user.must_change_password),
            password_changed_at: Set(None),
            disabled_at: Set(None),
            locked_at: Set(None),
            totp_secret: Set(None),
            totp_enrolled_at: Set(None),
            totp_last_step: Set(None),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&self.txn)
        .await
        .map_err(|e| StorageError::from_write(e, "e-mail address"))?;
        let mut roles = user.roles;
        roles.sort();
        roles.dedup();
        for role in &roles {
            user_role::ActiveModel {
                user_id: Set(row.id),
                role: Set(role.code().to_owned()),
            }
            .insert(&self.txn)
            .await?;
        }
        self.user(row.id).await?.ok_or(StorageError::NotFound)
    }

    async fn roles_of(&self, user_id: i64) -> Result<Vec<Role>, StorageError> {
        user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .order_by_asc(user_role::Column::Role)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|r| r.role.parse::<Role>().map_err(corrupt))
            .collect()
    }

    async fn stored_user(&self, row: app_user::Model) -> Result<StoredUser, StorageError> {
        let roles = self.roles_of(row.id).await?;
        user_of(row, roles)
    }

    /// The session with this token hash and its account with the account's roles, in one
    /// statement: every signed-in request reads it.
    pub async fn session_and_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(crate::UserSessionRecord, Option<StoredUser>)>, StorageError> {
        use sea_orm::{FromQueryResult, JoinType, QuerySelect, QueryTrait, RelationTrait};
        let statement = crate::entity::user_session::Entity::find()
            .filter(crate::entity::user_session::Column::TokenHash.eq(token_hash))
            .find_also_related(app_user::Entity)
            .join(JoinType::LeftJoin, app_user::Relation::Role.def())
            .column_as(user_role::Column::Role, "C_role")
            // In the same statement: whether the person sits on a team above the case now.
            .column_as(sea_orm::sea_query::Expr::cust(ON_TEAM_SQL), "C_on_team")
            .build(self.db_backend());
        let rows = SessionRow::find_by_statement(statement)
            .all(&self.txn)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut session = crate::UserSessionRecord::from(first.session.clone());
        session.on_team = first.on_team != 0;
        let user = match first.user.clone() {
            Some(row) => {
                let mut roles = rows
                    .iter()
                    .filter_map(|r| r.role.as_deref())
                    .map(|r| r.parse::<Role>().map_err(corrupt))
                    .collect::<Result<Vec<Role>, _>>()?;
                roles.sort_by_key(|r| r.code());
                Some(user_of(row, roles)?)
            }
            None => None,
        };
        Ok(Some((session, user)))
    }

    /// The display name and agency of these users, in one statement.
    pub async fn user_names_and_agencies(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, String, i64)>, StorageError> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name, u.agency_id))
            .collect())
    }

    /// The display names of these users, in one statement.
    pub async fn user_names(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StorageError> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// One account with its roles, in one statement (every request's sign-in check reads it).
    pub async fn user(&self, id: i64) -> Result<Option<StoredUser>, StorageError> {
        let Some((row, roles)) = app_user::Entity::find_by_id(id)
            .find_with_related(user_role::Entity)
            .all(&self.txn)
            .await?
            .pop()
        else {
            return Ok(None);
        };
        let mut roles = roles
            .into_iter()
            .map(|r| r.role.parse::<Role>().map_err(corrupt))
            .collect::<Result<Vec<Role>, _>>()?;
        roles.sort_by_key(|r| r.code());
        Ok(Some(user_of(row, roles)?))
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StorageError> {
        match app_user::Entity::find()
            .filter(app_user::Column::Email.eq(email.as_str()))
            .one(&self.txn)
            .await?
        {
            Some(row) => Ok(Some(self.stored_user(row).await?)),
            None => Ok(None),
        }
    }

    /// Users, optionally of one agency, by e-mail.
    pub async fn users(&self, agency_id: Option<i64>) -> Result<Vec<StoredUser>, StorageError> {
        let mut query = app_user::Entity::find().order_by_asc(app_user::Column::Email);
        if let Some(agency_id) = agency_id {
            query = query.filter(app_user::Column::AgencyId.eq(agency_id));
        }
        let rows = query.all(&self.txn).await?;
        self.with_roles(rows).await
    }

    /// People the team form may offer: active accounts holding one of `search.roles`, in one of
    /// the agencies `search` allows, whose name or e-mail contains `search.text` (any case).
    /// Those whose name or e-mail starts with it come first; at most `search.limit`.
    pub async fn team_candidates(
        &self,
        search: &CandidateSearch,
    ) -> Result<Vec<TeamCandidate>, StorageError> {
        let u = Alias::new("u");
        let a = Alias::new("a");
        let r = Alias::new("r");
        let text = escape_like(&search.text.to_lowercase());
        let contains = || LikeExpr::new(format!("%{text}%")).escape('\\');
        let starts = || LikeExpr::new(format!("{text}%")).escape('\\');
        let name = || {
            Expr::expr(Func::lower(Expr::col((
                u.clone(),
                app_user::Column::DisplayName,
            ))))
        };
        let email = || Expr::expr(Func::lower(Expr::col((u.clone(), app_user::Column::Email))));
        let holds_role = Query::select()
            .expr(Expr::val(1))
            .from_as(user_role::Entity, r.clone())
            .and_where(
                Expr::col((r.clone(), user_role::Column::UserId))
                    .equals((u.clone(), app_user::Column::Id)),
            )
            .and_where(
                Expr::col((r, user_role::Column::Role))
                    .is_in(search.roles.iter().map(|role| role.code())),
            )
            .to_owned();
        let mut agencies = Cond::any().add(
            Expr::col((u.clone(), app_user::Column::AgencyId))
                .is_in(search.agency_ids.iter().copied()),
        );
        if let Some(outside) = &search.outside {
            agencies = agencies
                .add(Expr::col((u.clone(), app_user::Column::AgencyId)).in_subquery(outside.ids()));
        }
        let mut query = Query::select();
        query
            .expr_as(
                Expr::col((u.clone(), app_user::Column::Id)),
                Alias::new("id"),
            )
            .expr_as(
                Expr::col((u.clone(), app_user::Column::Email)),
                Alias::new("email"),
            )
            .expr_as(
                Expr::col((u.clone(), app_user::Column::DisplayName)),
                Alias::new("display_name"),
            )
            .expr_as(
                Expr::col((a.clone(), agency::Column::Name)),
                Alias::new("agency_name"),
            )
            .from_as(app_user::Entity, u.clone())
            .join_as(
                JoinType::InnerJoin,
                agency::Entity,
                a.clone(),
                Expr::col((a.clone(), agency::Column::Id))
                    .equals((u.clone(), app_user::Column::AgencyId)),
            )
            .and_where(Expr::col((u.clone(), app_user::Column::DisabledAt)).is_null())
            .and_where(Expr::exists(holds_role))
            .cond_where(
                Cond::any()
                    .add(name().like(contains()))
                    .add(email().like(contains())),
            )
            .cond_where(agencies)
            .order_by_expr(
                Expr::case(
                    Cond::any()
                        .add(name().like(starts()))
                        .add(email().like(starts())),
                    0,
                )
                .finally(1)
                .into(),
                Order::Asc,
            )
            .order_by_expr(name(), Order::Asc)
            .order_by((u, app_user::Column::Email), Order::Asc)
            .limit(search.limit);
        self.txn
            .query_all(&query)
            .await?
            .into_iter()
            .map(|row| {
                Ok(TeamCandidate {
                    user_id: row.try_get("", "id")?,
                    email: Email::parse(&row.try_get::<String>("", "email")?).map_err(corrupt)?,
                    display_name: row.try_get("", "display_name")?,
                    agency_name: row.try_get("", "agency_name")?,
                })
            })
            .collect()
    }

    /// Attaches roles to many users with one query.
    async fn with_roles(
        &self,
        rows: Vec<app_user::Model>,
    ) -> Result<Vec<StoredUser>, StorageError> {
        let mut roles: std::collections::HashMap<i64, Vec<Role>> = std::collections::HashMap::new();
        for chunk in rows.chunks(500) {
            let ids: Vec<i64> = chunk.iter().map(|r| r.id).collect();
            for r in user_role::Entity::find()
                .filter(user_role::Column::UserId.is_in(ids))
                .order_by_asc(user_role::Column::Role)
                .all(&self.txn)
                .await?
            {
                roles
                    .entry(r.user_id)
                    .or_default()
                    .push(r.role.parse::<Role>().map_err(corrupt)?);
            }
        }
        rows.into_iter()
            .map(|row| {
                let own = roles.remove(&row.id).unwrap_or_default();
                user_of(row, own)
            })
            .collect()
    }

    pub async fn credentials(&self, user_id: i64) -> Result<Credentials, StorageError> {
        let row = app_user::Entity::find_by_id(user_id)
            .one(&self.txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        Ok(Credentials {
            password_hash: row.password_hash,
            totp_secret: row.totp_secret,
            totp_last_step: row.totp_last_step,
        })
    }

    async fn update_user(
        &self,
        user_id: i64,
        column: app_user::Column,
        value: Expr,
    ) -> Result<(), StorageError> {
        let res = app_user::Entity::update_many()
            .col_expr(column, value)
            .col_expr(
                app_user::Column::Version,
                Expr::col(app_user::Column::Version).add(1),
            )
            .filter(app_user::Column::Id.eq(user_id))
            .exec(&self.txn)
            .await?;
        if res.rows_affected == 1 {
            Ok(())
        } else {
            Err(StorageError::NotFound)
        }
    }

    pub async fn set_user_disabled(
        &self,
        user_id: i64,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        self.update_user(user_id, app_user::Column::DisabledAt, Expr::value(at))
            .await
    }

    pub async fn set_user_locked(
        &self,
        user_id: i64,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        self.update_user(user_id, app_user::Column::LockedAt, Expr::value(at))
            .await
    }

    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: String,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.update_user(
            user_id,
            app_user::Column::PasswordHash,
            Expr::value(password_hash),
        )
        .await?;
        self.update_user(
            user_id,
            app_user::Column::MustChangePassword,
            Expr::value(must_change),
        )
        .await?;
        self.update_user(
            user_id,
            app_user::Column::PasswordChangedAt,
            Expr::value(Some(now)),
        )
        .await
    }

    /// Stores a TOTP secret; `enrolled_at` is set once the first code from it was verified.
    pub async fn set_totp(
        &self,
        user_id: i64,
        secret: Option<String>,
        enrolled_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        self.update_user(user_id, app_user::Column::TotpSecret, Expr::value(secret))
            .await?;
        self.update_user(
            user_id,
            app_user::Column::TotpEnrolledAt,
            Expr::value(enrolled_at),
        )
        .await?;
        self.update_user(
            user_id,
            app_user::Column::TotpLastStep,
            Expr::value(None::<i64>),
        )
        .await
    }

    /// Records `step` as the last TOTP time step used, only if it is later than the one before.
    /// Returns false for a replayed (or older) code, atomically even under concurrent requests.
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StorageError> {
        let res = app_user::Entity::update_many()
            .col_expr(app_user::Column::TotpLastStep, Expr::value(step))
            .filter(app_user::Column::Id.eq(user_id))
            .filter(
                app_user::Column::TotpLastStep
                    .is_null()
                    .or(app_user::Column::TotpLastStep.lt(step)),
            )
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn record_sign_in_attempt(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
        factor: Factor,
        success: bool,
    ) -> Result<(), StorageError> {
        sign_in_attempt::ActiveModel {
            user_id: Set(user_id),
            at: Set(at),
            success: Set(success),
            factor: Set(factor.code().to_owned()),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(())
    }

    /// Failed attempts at `factor` at or after `since` that came after the user's last success
    /// at that same factor.
    pub async fn recent_failures(
        &self,
        user_id: i64,
        factor: Factor,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StorageError> {
        let rows = sign_in_attempt::Entity::find()
            .filter(sign_in_attempt::Column::UserId.eq(user_id))
            .filter(sign_in_attempt::Column::Factor.eq(factor.code()))
            .filter(sign_in_attempt::Column::At.gte(since))
            .order_by_asc(sign_in_attempt::Column::At)
            .order_by_asc(sign_in_attempt::Column::Id)
            .all(&self.txn)
            .await?;
        let mut failures = Vec::new();
        for row in rows {
            if row.success {
                failures.clear();
            } else {
                failures.push(row.at);
            }
        }
        Ok(failures)
    }

    pub async fn replace_recovery_codes(
        &self,
        user_id: i64,
        code_hashes: Vec<String>,
    ) -> Result<(), StorageError> {
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&self.txn)
            .await?;
        for code_hash in code_hashes {
            recovery_code::ActiveModel {
                user_id: Set(user_id),
                code_hash: Set(code_hash),
                used_at: Set(None),
                ..Default::default()
            }
            .insert(&self.txn)
            .await?;
        }
        Ok(())
    }

    /// Marks an unused recovery code as used; false when no such unused code exists. A code is
    /// known by its hash under each key that may have made it: `code_hashes` lists them all.
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hashes: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let Some(row) = recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::CodeHash.is_in(code_hashes.iter().cloned()))
            .filter(recovery_code::Column::UsedAt.is_null())
            .one(&self.txn)
            .await?
        else {
            return Ok(false);
        };
        // Claimed by its id and only while still unused, so two requests cannot both spend it.
        let res = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(now)))
            .filter(recovery_code::Column::Id.eq(row.id))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Every stored recovery-code hash with its row id, used or not.
    pub async fn recovery_code_hashes(&self) -> Result<Vec<(i64, String)>, StorageError> {
        Ok(recovery_code::Entity::find()
            .select_only()
            .column(recovery_code::Column::Id)
            .column(recovery_code::Column::CodeHash)
            .order_by_asc(recovery_code::Column::Id)
            .into_tuple::<(i64, String)>()
            .all(&self.txn)
            .await?)
    }

    /// Replaces one recovery-code hash with another form of the same code, only while it still
    /// holds `old`.
    pub async fn rehash_recovery_code(
        &self,
        id: i64,
        old: &str,
        new: String,
    ) -> Result<bool, StorageError> {
        let res = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::CodeHash, Expr::value(new))
            .filter(recovery_code::Column::Id.eq(id))
            .filter(recovery_code::Column::CodeHash.eq(old))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Every stored TOTP secret (in its stored form) with its account id.
    pub async fn totp_secrets(&self) -> Result<Vec<(i64, String)>, StorageError> {
        Ok(app_user::Entity::find()
            .select_only()
            .column(app_user::Column::Id)
            .column(app_user::Column::TotpSecret)
            .filter(app_user::Column::TotpSecret.is_not_null())
            .order_by_asc(app_user::Column::Id)
            .into_tuple::<(i64, String)>()
            .all(&self.txn)
            .await?)
    }

    /// Replaces the stored form of an account's TOTP secret (the same secret, sealed anew),
    /// only while it still holds `old`. Enrollment and the replay guard stay as they are.
    pub async fn reseal_totp_secret(
        &self,
        user_id: i64,
        old: &str,
        new: String,
    ) -> Result<bool, StorageError> {
        let res = app_user::Entity::update_many()
            .col_expr(app_user::Column::TotpSecret, Expr::value(Some(new)))
            .filter(app_user::Column::Id.eq(user_id))
            .filter(app_user::Column::TotpSecret.eq(old))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn unused_recovery_codes(&self, user_id: i64) -> Result<u64, StorageError> {
        Ok(recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::UsedAt.is_null())
            .count(&self.txn)
            .await?)
    }
}

fn user_of(row: app_user::Model, roles: Vec<Role>) -> Result<StoredUser, StorageError> {
    Ok(StoredUser {
        roles,
        id: row.id,
        agency_id: row.agency_id,
        email: Email::parse(&row.email).map_err(corrupt)?,
        display_name: row.display_name,
        must_change_password: row.must_change_password,
        disabled: row.disabled_at.is_some(),
        locked: row.locked_at.is_some(),
        mfa_enrolled: row.totp_enrolled_at.is_some(),
    })
}

/// A session joined with its account and one of the account's roles.
struct SessionRow {
    session: crate::entity::user_session::Model,
    user: Option<app_user::Model>,
    role: Option<String>,
    on_team: i32,
}

/// 1 when the session's person is on a team above the case (a member, not only informed; a
/// chair or moderator; staff) in a line not yet ended, else 0. Every such table has an index on
/// `user_id`.
const ON_TEAM_SQL: &str = "CASE WHEN EXISTS (SELECT 1 FROM team_roster r \
    WHERE r.user_id = \"user_session\".\"user_id\" AND r.end_on IS NULL AND r.standing <> 'informed') \
    OR EXISTS (SELECT 1 FROM team_leader_term t WHERE t.user_id = \"user_session\".\"user_id\" AND t.end_on IS NULL) \
    OR EXISTS (SELECT 1 FROM team_staff s WHERE s.user_id = \"user_session\".\"user_id\" AND s.end_on IS NULL) \
    THEN 1 ELSE 0 END";

impl sea_orm::FromQueryResult for SessionRow {
    fn from_query_result(res: &sea_orm::QueryResult, _pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(SessionRow {
            session: crate::entity::user_session::Model::from_query_result(res, "A_")?,
            user: app_user::Model::from_query_result_optional(res, "B_")?,
            role: res.try_get("", "C_role")?,
            on_team: res.try_get("", "C_on_team")?,
        })
    }
}
