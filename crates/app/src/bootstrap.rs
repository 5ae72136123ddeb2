//! The first administrator of a new installation.

use chrono::{DateTime, Utc};
use containment_domain::audit::Outcome;
use containment_domain::{AgencyKind, Email, Role};
use containment_storage::{NewAgency, NewUser, StorageError};

use crate::actor::{Actor, AuditEntry};
use crate::{App, AppError, password};

/// The name of the agency that holds the first administrator.
pub const FIRST_AGENCY_NAME: &str = "System administration";

/// Credentials of a just-created first administrator, to be shown once to the operator.
#[derive(Debug)]
pub struct FirstAdmin {
    pub email: Email,
    pub one_time_password: String,
}

impl App {
    /// Creates the first system administrator when the database holds no user at all. The
    /// password is random, returned once, stored only as an Argon2id hash, and must be changed at
    /// first sign-in. Returns `None` when users already exist. Several instances starting at once
    /// create exactly one administrator.
    pub async fn ensure_first_admin(
        &self,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<Option<FirstAdmin>, AppError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let one_time_password = password::generate_one_time()?;
        let password_hash = password::hash(one_time_password.clone()).await?;
        // The write comes first: it takes SQLite's write lock, or makes a racing PostgreSQL
        // instance wait on the unique agency name, so the emptiness check cannot race.
        let tx = self.store.begin().await?;
        let agency = match tx
            .create_agency(
                NewAgency {
                    name: FIRST_AGENCY_NAME.to_owned(),
                    kind: AgencyKind::StateAgency,
                    county: None,
                },
                now,
            )
            .await
        {
            Ok(agency) => agency,
            Err(StorageError::Conflict(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        if tx.count_users().await? > 0 {
            return Ok(None);
        }
        let user = tx
            .create_user(
                agency.id,
                NewUser {
                    email: email.clone(),
                    display_name: "System administrator".to_owned(),
                    password_hash,
                    must_change_password: true,
                    roles: vec![Role::SystemAdmin],
                },
                now,
            )
            .await?;
        AuditEntry::new("first_admin_created", Outcome::Success, now)
            .by(&Actor::console())
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(Some(FirstAdmin {
            email: user.email,
            one_time_password,
        }))
    }
}
