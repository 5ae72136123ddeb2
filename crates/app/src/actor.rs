//! Who is acting, and the audit record of what they did.

use chrono::{DateTime, Utc};
use containment_domain::audit::Outcome;
use containment_domain::{Role, access};
use containment_storage::{NewAuditEvent, StoredUser, Tx};
use sha2::{Digest, Sha256};

use crate::AppError;

/// Where a request came from, known before anyone is signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub addr: Option<String>,
    pub user_agent: Option<String>,
}

/// How the actor proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A signed-in browser session.
    Session(i64),
    /// A bearer API token.
    Token(i64),
    /// The command line on the server: database access already implies operator rights.
    Console,
}

/// A person (or the server console) acting in the system.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` only for the console.
    pub user: Option<StoredUser>,
    pub channel: Channel,
    pub client: Client,
}

impl Actor {
    pub fn console() -> Self {
        Actor {
            user: None,
            channel: Channel::Console,
            client: Client {
                addr: Some("console".to_owned()),
                user_agent: None,
            },
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The account a record names as its author. The console acts for no person, so work that
    /// records who did it is refused from there rather than stored under no one.
    pub fn author(&self) -> Result<i64, crate::AppError> {
        self.user_id().ok_or_else(|| {
            crate::AppError::Forbidden(
                "this is recorded in a person's name: sign in to do it, not from the console"
                    .into(),
            )
        })
    }

    pub fn is_console(&self) -> bool {
        self.channel == Channel::Console
    }

    /// The actor as the domain access policy sees them; `None` for the console.
    pub fn policy_actor(&self) -> Option<access::Actor> {
        self.user.as_ref().map(|u| access::Actor {
            user: access::UserId(u.id),
            agency: access::AgencyId(u.agency_id),
            roles: u.roles.clone(),
        })
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.user.as_ref().is_some_and(|u| u.roles.contains(&role))
    }

    pub fn session_id(&self) -> Option<i64> {
        match self.channel {
            Channel::Session(id) => Some(id),
            _ => None,
        }
    }

    pub fn token_id(&self) -> Option<i64> {
        match self.channel {
            Channel::Token(id) => Some(id),
            _ => None,
        }
    }
}

/// One audit record under construction.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    event: NewAuditEvent,
}

impl AuditEntry {
    pub fn new(action: &str, outcome: Outcome, now: DateTime<Utc>) -> Self {
        AuditEntry {
            event: NewAuditEvent {
                at_ms: now.timestamp_millis(),
                action: action.to_owned(),
                outcome: outcome.code().to_owned(),
                ..Default::default()
            },
        }
    }

    pub fn by(mut self, actor: &Actor) -> Self {
        self.event.actor_user_id = actor.user_id();
        self.event.session_id = actor.session_id();
        self.event.token_id = actor.token_id();
        self.event.client_addr = actor.client.addr.clone();
        self
    }

    pub fn by_user(
        mut self,
        user_id: Option<i64>,
        session_id: Option<i64>,
        client: &Client,
    ) -> Self {
        self.event.actor_user_id = user_id;
        self.event.session_id = session_id;
        self.event.client_addr = client.addr.clone();
        self
    }

    pub fn object(mut self, kind: &str, id: impl ToString) -> Self {
        self.event.object_kind = Some(kind.to_owned());
        self.event.object_id = Some(id.to_string());
        self
    }

    pub fn waiver(mut self, waiver_id: Option<i64>) -> Self {
        self.event.waiver_id = waiver_id;
        self
    }

    /// A short, non-personal note (a reason code, a changed field's name). Never case content.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.event.detail = Some(detail.into());
        self
    }

    /// As [`Self::detail`], when there is one.
    pub fn detail_opt(mut self, detail: Option<String>) -> Self {
        self.event.detail = detail;
        self
    }

    /// The event, for appending outside a transaction of its own.
    pub(crate) fn into_event(self) -> NewAuditEvent {
        self.event
    }

    /// Appends the event in `tx`. Every change of case data writes its event in its own
    /// transaction, so a successful write event other than those of [`changes_no_case_facts`]
    /// also marks the case facts changed: whatever was worked out from them before is stale.
    pub async fn write(self, tx: &Tx) -> Result<(), AppError> {
        let changes_facts = !tx.is_read()
            && self.event.outcome == Outcome::Success.code()
            && !changes_no_case_facts(&self.event.action);
        tx.append_audit(self.event).await?;
        if changes_facts {
            tx.mark_case_facts_changed().await?;
        }
        Ok(())
    }
}

/// Events whose transactions write nothing the compliance engine reads: signing in and out,
/// accounts, tokens, feeds, reminders, and reads. Any other successful write event counts as a
/// change, so a new kind of change is never missed; these are only the frequent ones worth
/// naming (the reminder job would otherwise make every cached result stale on each run).
fn changes_no_case_facts(action: &str) -> bool {
    const UNRELATED: &[&str] = &[
        "account_locked",
        "api_request_replay",
        "calendar_feed_create",
        "calendar_feed_revoke",
        "mfa_enrolled",
        "mfa_enrollment_started",
        "mfa_reset_by_user",
        "password_changed",
        "reminders_run",
        "session_ended",
        "session_expired",
        "session_unlocked",
        "sign_in",
        "sign_in_password",
        "sign_out",
        "token_created",
        "token_revoked",
        // Teams above the case and their workplans hold no case facts.
        "team_create",
        "subteam_create",
        "team_update",
        "team_roster_add",
        "team_roster_end",
        "team_leader_appoint",
        "team_staff_add",
        "team_staff_end",
        "workplan_activity_create",
        "workplan_activity_update",
        "workplan_note_add",
    ];
    UNRELATED.contains(&action)
        || ["_read", "_list", "_search", "_export"]
            .iter()
            .any(|suffix| action.ends_with(suffix))
}

/// Hex SHA-256, for storing secrets that are only ever compared (session and API tokens,
/// recovery codes): they carry enough entropy that a fast hash is safe.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_authors_nothing() {
        assert!(matches!(
            Actor::console().author(),
            Err(crate::AppError::Forbidden(_))
        ));
    }
}
