//! Recording and revoking waivers and consents; the case's waivers as the access policy sees
//! them.

use crate::Problems;
use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::Email;
use containment_domain::access::{AgencyId, InformationCategory, TeamRole, UserId, WaiverId};
use containment_domain::case::local_date;
use containment_domain::input::optional_date as date;
use containment_domain::waiver::{self, COURT_WAIVER_ROLES, CaseWaivers, LegalBasis, Waiver};
use containment_storage::{EpisodeRecord, Tx, WaiverRecord};

use crate::actor::Actor;
use crate::case_access::ops;
use crate::{App, AppError};

/// A waiver or consent as typed in.
#[derive(Debug, Clone, Default)]
pub struct WaiverInput {
    pub basis: String,
    /// Who discloses (the treatment provider or program, usually).
    pub discloser: String,
    pub recipient_roles: Vec<String>,
    /// Named recipients by e-mail, one per line.
    pub recipient_emails: String,
    pub categories: Vec<String>,
    pub purpose: String,
    pub effective_on: String,
    pub expires_on: String,
    pub ends_with_supervision: bool,
    pub revocable: bool,
    pub signed_on: String,
}

/// When the case's supervision ended, if no episode is open.
pub(crate) fn supervision_ended(episodes: &[EpisodeRecord]) -> Option<NaiveDate> {
    if episodes.iter().any(|e| e.actual_end.is_none()) {
        None
    } else {
        episodes.iter().filter_map(|e| e.actual_end).max()
    }
}

/// The case's waivers on `day`, for the access policy.
pub(crate) async fn case_waivers(
    tx: &Tx,
    supervisee_id: i64,
    episodes: &[EpisodeRecord],
    day: NaiveDate,
) -> Result<(CaseWaivers, Vec<WaiverRecord>), AppError> {
    let records = tx.waivers(supervisee_id).await?;
    Ok((
        CaseWaivers {
            waivers: records.iter().map(|r| r.rule.clone()).collect(),
            day,
            supervision_ended: supervision_ended(episodes),
        },
        records,
    ))
}

/// Whether a court waiver covering the provider, the officer and the examiner is in force (R11).
pub fn court_waiver_in_force(waivers: &CaseWaivers) -> bool {
    waivers.waivers.iter().any(|w| {
        w.basis.is_court_ordered()
            && w.in_force_on(waivers.day, waivers.supervision_ended)
            && [
                TeamRole::SupervisingOfficer,
                TeamRole::TreatmentProvider,
                TeamRole::PolygraphExaminer,
            ]
            .iter()
            .all(|r| w.recipient_roles.contains(r))
    })
}

impl App {
    pub async fn record_waiver(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &WaiverInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::WAIVER_CREATE, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let basis = input
            .basis
            .parse::<LegalBasis>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let mut roles = Vec::new();
        for r in &input.recipient_roles {
            match r.parse::<TeamRole>() {
                Ok(role) if !roles.contains(&role) => roles.push(role),
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        let mut users = Vec::new();
        for line in input
            .recipient_emails
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            match Email::parse(line) {
                Ok(email) => match tx.user_by_email(&email).await? {
                    Some(u) => users.push(UserId(u.id)),
                    None => errors.push(format!(
                        "named recipient: no account has the e-mail address {email}"
                    )),
                },
                Err(e) => errors.push(format!("named recipient: {e}")),
            }
        }
        let mut categories = Vec::new();
        for c in &input.categories {
            match c.parse::<InformationCategory>() {
                Ok(cat) if !categories.contains(&cat) => categories.push(cat),
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if categories.is_empty() {
            errors.push("information: choose at least one category");
        }
        if roles.is_empty() && users.is_empty() {
            errors.push("recipients: choose team roles or name people");
        }
        let effective = date("effective on", &input.effective_on)
            .map_err(|e| errors.at("effective_on", e))
            .ok()
            .flatten();
        if effective.is_none() && input.effective_on.trim().is_empty() {
            errors.at("effective_on", "effective on is required");
        }
        let expires = date("expires on", &input.expires_on)
            .map_err(|e| errors.at("expires_on", e))
            .ok()
            .flatten();
        let signed = date("signed on", &input.signed_on)
            .map_err(|e| errors.at("signed_on", e))
            .ok()
            .flatten();
        if let (Some(e), Some(x)) = (effective, expires)
            && x < e
        {
            errors.at("expires_on", "expires on: it is before the effective date");
        }
        let discloser = input.discloser.trim().to_owned();
        if discloser.is_empty() {
            errors.at("discloser", "discloser: who gives the information");
        }
        let (mut revocable, mut ends_with_supervision) =
            (input.revocable, input.ends_with_supervision);
        if let Some(b) = basis {
            if b.is_court_ordered() {
                if let Some(extra) = roles.iter().find(|r| !COURT_WAIVER_ROLES.contains(r)) {
                    errors.push(format!(
                        "the court-ordered waiver covers the provider, the officer and the examiner only; {} needs a separate consent",
                        extra.label()
                    ));
                }
                if !users.is_empty() {
                    errors.push("the court-ordered waiver names roles, not people; record a separate consent for named people");
                }
                revocable = false;
                ends_with_supervision = true;
            }
            if categories.contains(&InformationCategory::SubstanceUse) && !b.is_part2() {
                errors
                    .push("substance-use information needs a 42 CFR part 2 consent (2.31 or 2.35)");
            }
        }
        let (Some(basis), Some(effective_on)) = (basis, effective) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let record = WaiverRecord {
            rule: Waiver {
                id: WaiverId(0),
                basis,
                recipient_roles: roles,
                recipient_users: users,
                recipient_agencies: Vec::<AgencyId>::new(),
                categories,
                effective_on,
                expires_on: expires,
                ends_with_supervision,
                revoked_on: None,
            },
            supervisee_id,
            discloser,
            purpose: input.purpose.trim().chars().take(500).collect(),
            revocable,
            revoked_by: None,
            revocation_reason: None,
            signed_on: signed,
            document_sha256: None,
            supersedes_id: None,
            created_by: actor.author()?,
        };
        let id = tx.create_waiver(&record, now).await?;
        grant
            .audit()
            .detail(format!("waiver {id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Revokes a waiver from today on, where the law allows it.
    pub async fn revoke_waiver(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        waiver_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let today = local_date(now);
        let (tx, _, grant) = self
            .authorize(actor, ops::WAIVER_REVOKE, supervisee_id, now)
            .await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid_at(
                "reason",
                "reason: say why the waiver is revoked",
            ));
        }
        let episodes = tx.episodes(supervisee_id).await?;
        let record = tx
            .waivers(supervisee_id)
            .await?
            .into_iter()
            .find(|w| w.rule.id == WaiverId(waiver_id))
            .ok_or(AppError::NotFound)?;
        waiver::may_revoke(
            record.rule.basis,
            record.revocable,
            record.rule.revoked_on,
            supervision_ended(&episodes),
            today,
        )
        .map_err(|e| AppError::Conflict(e.to_string()))?;
        if !tx
            .revoke_waiver(waiver_id, today, actor.user_id(), reason)
            .await?
        {
            return Err(AppError::Conflict("this waiver is already revoked".into()));
        }
        grant
            .audit()
            .detail(format!("waiver {waiver_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
