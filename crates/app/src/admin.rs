//! Administration of agencies and accounts, and the auditor's view of the trail.

use chrono::{DateTime, Utc};
use containment_domain::access::{self, Action, AgencyId, Decision, RecordKind, Subject, UserId};
use containment_domain::audit::{Outcome, StoredAuditEvent};
use containment_domain::{AgencyKind, Email, Role};
use containment_storage::{
    AgencyRecord, AuditCursor, AuditFilter, AuditPage, NewAgency, NewUser, StoredUser, Tx,
};

use crate::actor::{Actor, AuditEntry};
use crate::input::one_line;
use crate::{App, AppError, ExportFormat, Reading, password};
use containment_domain::document::DocumentKind;

/// Most events one page of the audit search shows.
pub const AUDIT_PAGE: u64 = 200;

/// Events an audit export reads at a time: its memory use, whatever the trail's length.
pub const AUDIT_EXPORT_BATCH: u64 = 500;

/// A new account and its one-time password, to hand to the person once.
#[derive(Debug)]
pub struct CreatedUser {
    pub user: StoredUser,
    pub one_time_password: String,
}

/// Asks the domain access policy. The console (whoever runs the binary on the server already
/// holds the database) is allowed everything administrative.
fn decide(actor: &Actor, subject: &Subject<'_>, action: Action, kind: RecordKind) -> Decision {
    match actor.policy_actor() {
        Some(who) => access::decide(&who, subject, action, kind),
        None if actor.is_console() => Decision::Allow {
            role: None,
            reason: "server console",
            waiver: None,
        },
        None => Decision::Deny {
            reason: access::DenyReason::NotPermitted { action, kind },
            visibility: access::Visibility::NotFound,
        },
    }
}

fn account(user: &StoredUser) -> Subject<'static> {
    Subject::Account {
        user: UserId(user.id),
        agency: AgencyId(user.agency_id),
    }
}

/// A denied request is audited and answered as the policy says: "not found" where the record's
/// existence must not be revealed (so ids of other agencies cannot be probed), else forbidden.
async fn deny(
    tx: Tx,
    actor: &Actor,
    action: &str,
    kind: &str,
    id: i64,
    now: DateTime<Utc>,
    decision: &Decision,
) -> AppError {
    let answer = match decision {
        Decision::Deny {
            visibility: access::Visibility::Forbidden,
            reason,
        } => AppError::Forbidden(format!("not allowed: {reason}")),
        _ => AppError::NotFound,
    };
    let written = AuditEntry::new(action, Outcome::Denied, now)
        .by(actor)
        .object(kind, id)
        .write(&tx)
        .await;
    match written {
        Ok(()) => match tx.commit().await {
            Ok(()) => answer,
            Err(e) => e.into(),
        },
        Err(e) => e,
    }
}

impl App {
    pub async fn add_agency(
        &self,
        actor: &Actor,
        name: &str,
        kind: AgencyKind,
        county: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AgencyRecord, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid("agency name: 1 to 200 characters"));
        }
        one_line("agency name", name)?;
        one_line("county", county.unwrap_or_default())?;
        let county = county
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let tx = self.store.begin().await?;
        let decision = decide(actor, &Subject::System, Action::Create, RecordKind::Agency);
        if !decision.is_allowed() {
            return Err(deny(tx, actor, "agency_create", "agency", 0, now, &decision).await);
        }
        let agency = tx
            .create_agency(
                NewAgency {
                    name: name.to_owned(),
                    kind,
                    county,
                },
                now,
            )
            .await?;
        AuditEntry::new("agency_create", Outcome::Success, now)
            .by(actor)
            .object("agency", agency.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(agency)
    }

    /// Agencies the actor may see in administration: all for system administrators, their own
    /// for agency administrators.
    pub async fn agencies(&self, actor: &Actor) -> Result<Vec<AgencyRecord>, AppError> {
        let tx = self.store.begin_read().await?;
        let all = tx.agencies().await?;
        Ok(all
            .into_iter()
            .filter(|a| {
                let subject = Subject::Agency {
                    agency: AgencyId(a.id),
                };
                decide(actor, &subject, Action::Read, RecordKind::Agency).is_allowed()
                    && decide(actor, &subject, Action::Create, RecordKind::User).is_allowed()
            })
            .collect())
    }

    pub async fn agency_by_name(&self, name: &str) -> Result<Option<AgencyRecord>, AppError> {
        let tx = self.store.begin_read().await?;
        Ok(tx.agency_by_name(name.trim()).await?)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_user(
        &self,
        actor: &Actor,
        agency_id: i64,
        email: &str,
        display_name: &str,
        roles: &[Role],
        now: DateTime<Utc>,
    ) -> Result<CreatedUser, AppError> {
        let email = Email::parse(email)?;
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(AppError::invalid("name: 1 to 200 characters"));
        }
        one_line("name", display_name)?;
        if roles.is_empty() {
            return Err(AppError::invalid("roles: choose at least one role"));
        }
        let tx = self.store.begin().await?;
        // `Subject` may borrow non-`Send` waiver data, so it is not kept across an await.
        let decision = decide(
            actor,
            &Subject::Agency {
                agency: AgencyId(agency_id),
            },
            Action::Create,
            RecordKind::User,
        );
        if tx.agency(agency_id).await?.is_none() || !decision.is_allowed() {
            return Err(deny(
                tx,
                actor,
                "user_create",
                "agency",
                agency_id,
                now,
                &decision,
            )
            .await);
        }
        let may_assign = |role: Role| match actor.policy_actor() {
            Some(who) => access::may_assign_role(&who, role),
            None => actor.is_console(),
        };
        if let Some(role) = roles.iter().find(|r| !may_assign(**r)) {
            return Err(AppError::Forbidden(format!(
                "your roles do not allow granting the {} role",
                role.label()
            )));
        }
        let one_time_password = password::generate_one_time()?;
        let user = tx
            .create_user(
                agency_id,
                NewUser {
                    email,
                    display_name: display_name.to_owned(),
                    password_hash: password::hash(one_time_password.clone()).await?,
                    must_change_password: true,
                    roles: roles.to_vec(),
                },
                now,
            )
            .await?;
        AuditEntry::new("user_create", Outcome::Success, now)
            .by(actor)
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(CreatedUser {
            user,
            one_time_password,
        })
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<StoredUser>, AppError> {
        if !(actor.is_console()
            || actor.has_role(Role::SystemAdmin)
            || actor.has_role(Role::AgencyAdmin))
        {
            return Err(AppError::Forbidden("administrators only".into()));
        }
        let tx = self.store.begin_read().await?;
        let scope = match actor.user.as_ref() {
            Some(u) if !actor.has_role(Role::SystemAdmin) => Some(u.agency_id),
            _ => None,
        };
        Ok(tx
            .users(scope)
            .await?
            .into_iter()
            .filter(|u| decide(actor, &account(u), Action::Read, RecordKind::User).is_allowed())
            .collect())
    }

    pub async fn user_by_email(&self, actor: &Actor, email: &str) -> Result<StoredUser, AppError> {
        let email = Email::parse(email)?;
        let tx = self.store.begin_read().await?;
        match tx.user_by_email(&email).await? {
            Some(u) if decide(actor, &account(&u), Action::Read, RecordKind::User).is_allowed() => {
                Ok(u)
            }
            _ => Err(AppError::NotFound),
        }
    }

    pub async fn user_by_id(&self, actor: &Actor, user_id: i64) -> Result<StoredUser, AppError> {
        let tx = self.store.begin_read().await?;
        match tx.user(user_id).await? {
            Some(u) if decide(actor, &account(&u), Action::Read, RecordKind::User).is_allowed() => {
                Ok(u)
            }
            _ => Err(AppError::NotFound),
        }
    }

    /// The administrative account actions.
    pub async fn administer_user(
        &self,
        actor: &Actor,
        user_id: i64,
        action: AccountAction,
        now: DateTime<Utc>,
    ) -> Result<StoredUser, AppError> {
        let tx = self.store.begin().await?;
        let target = tx.user(user_id).await?;
        let decision = match &target {
            Some(u) => decide(actor, &account(u), Action::Administer, RecordKind::User),
            None => Decision::Deny {
                reason: access::DenyReason::OtherAgency,
                visibility: access::Visibility::NotFound,
            },
        };
        let target = match target {
            Some(u) if decision.is_allowed() => u,
            _ => {
                return Err(deny(tx, actor, action.code(), "user", user_id, now, &decision).await);
            }
        };
        match action {
            AccountAction::Disable => {
                tx.set_user_disabled(user_id, Some(now)).await?;
                tx.end_sessions(user_id, None, None, now, "user_disabled")
                    .await?;
            }
            AccountAction::Enable => tx.set_user_disabled(user_id, None).await?,
            AccountAction::Unlock => tx.set_user_locked(user_id, None).await?,
            AccountAction::ResetMfa => {
                tx.set_totp(user_id, None, None).await?;
                tx.replace_recovery_codes(user_id, Vec::new()).await?;
                tx.end_sessions(user_id, None, None, now, "mfa_reset")
                    .await?;
                // Whoever took the authenticator may have made tokens with it: they end too.
                tx.revoke_user_tokens(user_id, now).await?;
            }
            AccountAction::EndSessions => {
                tx.end_sessions(user_id, None, None, now, "ended_by_admin")
                    .await?;
            }
        }
        AuditEntry::new(action.code(), Outcome::Success, now)
            .by(actor)
            .object("user", target.id)
            .write(&tx)
            .await?;
        let updated = tx.user(user_id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// The newest page of audit events matching `filter`, for auditors (and the console).
    pub async fn audit_search(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredAuditEvent>, AppError> {
        Ok(self.audit_page(actor, filter, None, now).await?.events)
    }

    /// [`App::audit_page`] with the names people read for the page's events: the person who
    /// acted by name (users named as objects too), and each case by its number (the CII
    /// number, else the CDCR number, else the court case number). The raw ids stay in the
    /// export.
    pub async fn audit_page_named(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        cursor: Option<AuditCursor>,
        now: DateTime<Utc>,
    ) -> Result<(AuditPage, AuditNames), AppError> {
        let page = self.audit_page(actor, filter, cursor, now).await?;
        let id_of = |kind: &str, e: &StoredAuditEvent| {
            (e.content.object_kind.as_deref() == Some(kind))
                .then(|| e.content.object_id.as_deref()?.parse::<i64>().ok())
                .flatten()
        };
        let mut users: Vec<i64> = page
            .events
            .iter()
            .flat_map(|e| [e.content.actor_user_id, id_of("user", e)])
            .flatten()
            .collect();
        users.sort_unstable();
        users.dedup();
        let mut cases: Vec<i64> = page
            .events
            .iter()
            .filter_map(|e| id_of("supervisee", e))
            .collect();
        cases.sort_unstable();
        cases.dedup();
        let tx = self.store.begin_read().await?;
        let names = AuditNames {
            people: if users.is_empty() {
                Default::default()
            } else {
                tx.user_names(&users).await?.into_iter().collect()
            },
            cases: crate::compliance::case_numbers(&tx, &cases).await?,
        };
        tx.commit().await?;
        Ok((page, names))
    }

    /// One page of audit events matching `filter` from `cursor`, newest first, with the cursors
    /// of the pages before and after it. Each page viewed is audited.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        cursor: Option<AuditCursor>,
        now: DateTime<Utc>,
    ) -> Result<AuditPage, AppError> {
        let tx = self.store.begin_read().await?;
        let decision = decide(actor, &Subject::System, Action::Read, RecordKind::AuditLog);
        if !decision.is_allowed() {
            return Err(deny(tx, actor, "audit_search", "audit_log", 0, now, &decision).await);
        }
        let page = tx.audit_page(filter, cursor, AUDIT_PAGE).await?;
        AuditEntry::new("audit_search", Outcome::Success, now)
            .by(actor)
            .object("audit_log", "search")
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Every audit event matching `filter`, newest first, read in batches from one snapshot.
    /// The export is on the trail before its first row is read, so one cut short is recorded
    /// too.
    ///
    /// The rows are counted in the snapshot the export then reads, so the count on the trail
    /// is the file's; an XLSX export holds at most `max_rows` (larger ones are refused before
    /// anything is written).
    pub async fn audit_export(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        format: ExportFormat,
        max_rows: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<AuditExport, AppError> {
        let decision = decide(actor, &Subject::System, Action::Read, RecordKind::AuditLog);
        if !decision.is_allowed() {
            let tx = self.store.begin_read().await?;
            return Err(deny(tx, actor, "audit_export", "audit_log", 0, now, &decision).await);
        }
        let tx = self.store.begin_read().await?;
        let (rows, part2) = tx
            .audit_match_count(filter, DocumentKind::SubstanceUseRecord.code())
            .await?;
        if let Some(max) = max_rows.filter(|max| rows > *max) {
            return Err(AppError::invalid_at(
                "format",
                format!(
                    "format: the search matches {rows} events and a spreadsheet holds at most {max}; \
                 narrow the search (dates, user, outcome) or download CSV"
                ),
            ));
        }
        let described = Reading::Export(format).detail(
            describe(filter),
            usize::try_from(rows).unwrap_or(usize::MAX),
        );
        let entry = AuditEntry::new("audit_export", Outcome::Success, now)
            .by(actor)
            .object("audit_log", "export")
            .detail_opt(described);
        self.store
            .append_audit_events(vec![entry.into_event()])
            .await?;
        Ok(AuditExport {
            tx: Some(tx),
            filter: filter.clone(),
            cursor: None,
            rows,
            names_substance_use: part2 > 0,
        })
    }
}

/// The filters of a search, for the audit event of an export: numbers and codes only.
fn describe(filter: &AuditFilter) -> Option<String> {
    let AuditFilter {
        actor_user_id,
        object_kind,
        object_id,
        outcome,
        from_ms,
        to_ms,
    } = filter;
    let parts: Vec<String> = [
        actor_user_id.map(|v| format!("user={v}")),
        object_kind.as_ref().map(|v| format!("object_kind={v}")),
        object_id.as_ref().map(|v| format!("object_id={v}")),
        outcome.as_ref().map(|v| format!("outcome={v}")),
        from_ms.map(|v| format!("from_ms={v}")),
        to_ms.map(|v| format!("to_ms={v}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// An export in progress: a read transaction and the place reached in it.
#[derive(Debug)]
pub struct AuditExport {
    /// `None` once the last batch was read.
    tx: Option<Tx>,
    filter: AuditFilter,
    cursor: Option<AuditCursor>,
    /// How many events the export holds.
    pub rows: u64,
    /// Whether some of them name a substance-use treatment record (42 CFR part 2).
    pub names_substance_use: bool,
}

impl AuditExport {
    /// The next batch of at most [`AUDIT_EXPORT_BATCH`] events, newest first; `None` at the end.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<StoredAuditEvent>>, AppError> {
        let Some(tx) = &self.tx else {
            return Ok(None);
        };
        let page = tx
            .audit_page(&self.filter, self.cursor, AUDIT_EXPORT_BATCH)
            .await?;
        match page.older {
            Some(seq) => self.cursor = Some(AuditCursor::Before(seq)),
            None => {
                if let Some(tx) = self.tx.take() {
                    tx.commit().await?;
                }
            }
        }
        Ok(Some(page.events).filter(|events| !events.is_empty()))
    }
}

/// What an administrator can do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    Unlock,
    ResetMfa,
    EndSessions,
}

impl AccountAction {
    pub fn code(self) -> &'static str {
        match self {
            AccountAction::Disable => "user_disable",
            AccountAction::Enable => "user_enable",
            AccountAction::Unlock => "user_unlock",
            AccountAction::ResetMfa => "user_reset_mfa",
            AccountAction::EndSessions => "user_end_sessions",
        }
    }
}

/// How people name what a page of audit events refers to by id.
#[derive(Debug, Clone, Default)]
pub struct AuditNames {
    /// Users by id: their names.
    pub people: std::collections::HashMap<i64, String>,
    /// Cases (supervisees) by id: their numbers.
    pub cases: std::collections::HashMap<i64, String>,
}
