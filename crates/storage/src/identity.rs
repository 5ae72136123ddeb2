//! Agencies and users.

use chrono::{DateTime, Utc};
use containment_domain::{AgencyKind, Email, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::entity::{agency, app_user, user_role};
use crate::{StorageError, Store};

#[derive(Debug, Clone)]
pub struct NewAgency {
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
}

impl Store {
    pub async fn count_users(&self) -> Result<u64, StorageError> {
        Ok(app_user::Entity::find().count(&self.db).await?)
    }

    /// Creates the agency and the first user in one transaction, but only while no user exists
    /// at all. Returns `None` when a user already exists (another instance may have won the race).
    pub async fn create_first_user(
        &self,
        agency: NewAgency,
        user: NewUser,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredUser>, StorageError> {
        // The write comes first: it takes SQLite's write lock (or, on PostgreSQL, makes a racing
        // instance wait on the unique agency name), so the emptiness check below cannot race.
        let txn = self.db.begin().await?;
        let new_agency = agency::ActiveModel {
            name: Set(agency.name),
            kind: Set(agency.kind.code().to_owned()),
            county: Set(agency.county),
            created_at: Set(now),
            ..Default::default()
        };
        let agency_row = match new_agency.insert(&txn).await {
            Ok(row) => row,
            Err(err) => match StorageError::from_write(err, "agency name") {
                StorageError::Conflict(_) => return Ok(None),
                other => return Err(other),
            },
        };
        if app_user::Entity::find().count(&txn).await? > 0 {
            return Ok(None);
        }
        let user_row = app_user::ActiveModel {
            agency_id: Set(agency_row.id),
            email: Set(user.email.as_str().to_owned()),
            display_name: Set(user.display_name),
            password_hash: Set(user.password_hash),
            must_change_password: Set(user.must_change_password),
            disabled_at: Set(None),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| StorageError::from_write(e, "e-mail address"))?;
        for role in &user.roles {
            user_role::ActiveModel {
                user_id: Set(user_row.id),
                role: Set(role.code().to_owned()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(Some(StoredUser {
            id: user_row.id,
            agency_id: user_row.agency_id,
            email: user.email,
            display_name: user_row.display_name,
            roles: user.roles,
            must_change_password: user_row.must_change_password,
            disabled: false,
        }))
    }

    pub async fn find_user_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<StoredUser>, StorageError> {
        let Some(row) = app_user::Entity::find()
            .filter(app_user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let roles = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(row.id))
            .order_by_asc(user_role::Column::Role)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                r.role
                    .parse::<Role>()
                    .map_err(|e| StorageError::Corrupt(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(StoredUser {
            id: row.id,
            agency_id: row.agency_id,
            email: Email::parse(&row.email).map_err(|e| StorageError::Corrupt(e.to_string()))?,
            display_name: row.display_name,
            roles,
            must_change_password: row.must_change_password,
            disabled: row.disabled_at.is_some(),
        }))
    }

    /// The stored password hash of a user, for verification in the app layer.
    pub async fn password_hash(&self, user_id: i64) -> Result<String, StorageError> {
        app_user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|u| u.password_hash)
            .ok_or(StorageError::NotFound)
    }
}
