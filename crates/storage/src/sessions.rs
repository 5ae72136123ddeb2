//! Server-side sessions and API tokens. Only SHA-256 hashes of their secrets are stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{api_token, user_session};
use crate::{StorageError, Tx};

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub now: DateTime<Utc>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSessionRecord {
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the password was last entered in this session (sign-in, unlock, re-authentication).
    pub password_at: DateTime<Utc>,
    /// When the second factor was verified; `None` while it is still owed.
    pub mfa_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub csrf_token: String,
    /// Whether the session's person is a member, leader or staff of a team above the case (for
    /// the navigation; the team pages decide access themselves). Known only from the sign-in
    /// check of each request; false elsewhere.
    pub on_team: bool,
}

impl From<user_session::Model> for UserSessionRecord {
    fn from(m: user_session::Model) -> Self {
        UserSessionRecord {
            id: m.id,
            user_id: m.user_id,
            created_at: m.created_at,
            last_seen_at: m.last_seen_at,
            password_at: m.password_at,
            mfa_at: m.mfa_at,
            ended_at: m.ended_at,
            client_addr: m.client_addr,
            user_agent: m.user_agent,
            csrf_token: m.csrf_token,
            on_team: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the token, enough to recognise it in a list.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenRecord {
    fn from(m: api_token::Model) -> Self {
        TokenRecord {
            id: m.id,
            user_id: m.user_id,
            name: m.name,
            prefix: m.prefix,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            last_used_at: m.last_used_at,
        }
    }
}

impl Tx {
    pub async fn create_user_session(
        &self,
        s: NewSession,
    ) -> Result<UserSessionRecord, StorageError> {
        let row = user_session::ActiveModel {
            token_hash: Set(s.token_hash),
            user_id: Set(s.user_id),
            created_at: Set(s.now),
            last_seen_at: Set(s.now),
            password_at: Set(s.now),
            mfa_at: Set(None),
            ended_at: Set(None),
            ended_reason: Set(None),
            client_addr: Set(s.client_addr),
            user_agent: Set(s.user_agent),
            csrf_token: Set(s.csrf_token),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.into())
    }

    pub async fn session(&self, id: i64) -> Result<Option<UserSessionRecord>, StorageError> {
        Ok(user_session::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(Into::into))
    }

    async fn set_session(
        &self,
        id: i64,
        column: user_session::Column,
        value: Expr,
    ) -> Result<(), StorageError> {
        user_session::Entity::update_many()
            .col_expr(column, value)
            .filter(user_session::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    pub async fn touch_session(&self, id: i64, now: DateTime<Utc>) -> Result<(), StorageError> {
        self.set_session(id, user_session::Column::LastSeenAt, Expr::value(now))
            .await
    }

    pub async fn mark_session_mfa(&self, id: i64, now: DateTime<Utc>) -> Result<(), StorageError> {
        self.set_session(id, user_session::Column::MfaAt, Expr::value(Some(now)))
            .await
    }

    /// The second factor is owed again in this session (after replacing the authenticator).
    pub async fn clear_session_mfa(&self, id: i64) -> Result<(), StorageError> {
        self.set_session(
            id,
            user_session::Column::MfaAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .await
    }

    /// The password was entered again in this session: it is unlocked and counts as recent.
    pub async fn mark_session_password(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.set_session(id, user_session::Column::PasswordAt, Expr::value(now))
            .await?;
        self.touch_session(id, now).await
    }

    /// Ends sessions still open: one (`only`), or all of a user except `keep`.
    pub async fn end_sessions(
        &self,
        user_id: i64,
        only: Option<i64>,
        keep: Option<i64>,
        now: DateTime<Utc>,
        reason: &str,
    ) -> Result<u64, StorageError> {
        let mut update = user_session::Entity::update_many()
            .col_expr(user_session::Column::EndedAt, Expr::value(Some(now)))
            .col_expr(
                user_session::Column::EndedReason,
                Expr::value(Some(reason.to_owned())),
            )
            .filter(user_session::Column::UserId.eq(user_id))
            .filter(user_session::Column::EndedAt.is_null());
        if let Some(id) = only {
            update = update.filter(user_session::Column::Id.eq(id));
        }
        if let Some(id) = keep {
            update = update.filter(user_session::Column::Id.ne(id));
        }
        Ok(update.exec(&self.txn).await?.rows_affected)
    }

    /// A user's sessions that have not been ended, newest first.
    pub async fn open_sessions(
        &self,
        user_id: i64,
    ) -> Result<Vec<UserSessionRecord>, StorageError> {
        Ok(user_session::Entity::find()
            .filter(user_session::Column::UserId.eq(user_id))
            .filter(user_session::Column::EndedAt.is_null())
            .order_by_desc(user_session::Column::LastSeenAt)
            .all(&self.txn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn create_token(
        &self,
        user_id: i64,
        name: String,
        token_hash: String,
        prefix: String,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<TokenRecord, StorageError> {
        let row = api_token::ActiveModel {
            user_id: Set(user_id),
            name: Set(name),
            token_hash: Set(token_hash),
            prefix: Set(prefix),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(row.into())
    }

    pub async fn token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<TokenRecord>, StorageError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .one(&self.txn)
            .await?
            .map(Into::into))
    }

    pub async fn tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenRecord>, StorageError> {
        let mut query = api_token::Entity::find().order_by_desc(api_token::Column::Id);
        if let Some(user_id) = user_id {
            query = query.filter(api_token::Column::UserId.eq(user_id));
        }
        Ok(query
            .all(&self.txn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn token(&self, id: i64) -> Result<Option<TokenRecord>, StorageError> {
        Ok(api_token::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(Into::into))
    }

    pub async fn revoke_token(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        let res = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Revokes every token of an account still in force; returns how many.
    pub async fn revoke_user_tokens(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let res = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
            .filter(api_token::Column::UserId.eq(user_id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected)
    }

    pub async fn touch_token(&self, id: i64, now: DateTime<Utc>) -> Result<(), StorageError> {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_token::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }
}
