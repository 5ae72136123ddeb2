//! The certification registry (R10): recording certifications one by one or from a CSV list,
//! the registry with expiry warnings, and the check at team assignment.

use crate::{FieldError, Problems};
use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::TeamRole;
use containment_domain::audit::Outcome;
use containment_domain::certification::{
    self, CertificationKind, CertificationStatus, INSTRUMENTS, ProviderLevel, status_on,
};
use containment_domain::input::date as parse_date;
use containment_domain::{AgencyKind, Email, Role};
use containment_storage::{CertificationRecord, NewCertification, StoredUser, Tx};

use crate::actor::{Actor, AuditEntry};
use crate::input::line;
use crate::{App, AppError};

/// One certification as typed in a form or a CSV row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificationInput {
    pub kind: String,
    /// The person holding it (all kinds but programs).
    pub holder_email: String,
    /// The agency holding it (programs).
    pub holder_agency: String,
    pub level: String,
    pub instrument: String,
    pub supervisor_email: String,
    pub number: String,
    pub issued_on: String,
    pub expires_on: String,
}

/// The CSV columns, in order, of an import file (a header row is required).
pub const CSV_COLUMNS: [&str; 9] = [
    "kind",
    "holder_email",
    "holder_agency",
    "level",
    "instrument",
    "supervisor_email",
    "number",
    "issued_on",
    "expires_on",
];

/// A registry line: the certification, its holder, its status today, and the open cases where
/// the holder serves although the certification is not valid.
#[derive(Debug, Clone)]
pub struct RegistryEntry {
    pub record: CertificationRecord,
    pub holder: String,
    pub status: CertificationStatus,
    pub lapsed_on_cases: Vec<i64>,
}

/// Which certification a team role requires, if any (R10).
pub fn required_for(role: TeamRole) -> Option<CertificationKind> {
    match role {
        TeamRole::TreatmentProvider => Some(CertificationKind::CasombProvider),
        TeamRole::TreatmentProgram => Some(CertificationKind::CasombProgram),
        TeamRole::PolygraphExaminer => Some(CertificationKind::PolygraphPcsot),
        _ => None,
    }
}

/// Whether the member holds certification of `kind`, unbroken (a renewal may follow the
/// previous certificate the next day), on every day from the earliest to the latest of `days`.
pub fn holds_valid(
    certs: &[CertificationRecord],
    kind: CertificationKind,
    days: &[NaiveDate],
) -> bool {
    let (Some(from), Some(to)) = (days.iter().min(), days.iter().max()) else {
        return false;
    };
    let spans: Vec<_> = certs
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| (c.issued_on, c.expires_on, c.revoked_on))
        .collect();
    containment_domain::certification::covered_throughout(&spans, *from, *to)
}

fn may_manage_for(actor: &Actor, agency_id: i64) -> bool {
    actor.is_console()
        || actor.has_role(Role::SystemAdmin)
        || (actor.has_role(Role::AgencyAdmin)
            && actor
                .user
                .as_ref()
                .is_some_and(|u| u.agency_id == agency_id))
}

impl App {
    /// Validates one input against the database; returns what to store.
    async fn check_certification(
        &self,
        tx: &Tx,
        actor: &Actor,
        input: &CertificationInput,
    ) -> Result<NewCertification, Problems> {
        let mut errors = Problems::new();
        // Every value is one line of a form or one cell of a CSV row, and some are looked up.
        for (name, label, value) in [
            ("kind", "kind", &input.kind),
            ("holder_email", "holder email", &input.holder_email),
            ("holder_agency", "holder agency", &input.holder_agency),
            ("level", "level", &input.level),
            ("instrument", "instrument", &input.instrument),
            (
                "supervisor_email",
                "supervisor email",
                &input.supervisor_email,
            ),
            ("number", "number", &input.number),
            ("issued_on", "issued on", &input.issued_on),
            ("expires_on", "expires on", &input.expires_on),
        ] {
            line(name, label, value, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let kind = match CertificationKind::parse(&input.kind) {
            Ok(k) => Some(k),
            Err(e) => {
                errors.at("kind", e.to_string());
                None
            }
        };
        let number = input.number.trim().to_owned();
        if number.is_empty() || number.chars().count() > 60 {
            errors.at("number", "number: 1 to 60 characters");
        }
        let issued = parse_date("issued on", &input.issued_on)
            .map_err(|e| errors.at("issued_on", e))
            .ok();
        let expires = parse_date("expires on", &input.expires_on)
            .map_err(|e| errors.at("expires_on", e))
            .ok();
        let Some(kind) = kind else { return Err(errors) };
        let level = if kind == CertificationKind::CasombProvider {
            match ProviderLevel::parse(&input.level) {
                Ok(l) => Some(l),
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            }
        } else {
            None
        };
        let instrument = if kind == CertificationKind::SaratsoScorer {
            let i = input.instrument.trim().to_lowercase();
            if INSTRUMENTS.contains(&i.as_str()) {
                Some(i)
            } else {
                errors.at(
                    "instrument",
                    format!("instrument: one of {}", INSTRUMENTS.join(", ")),
                );
                None
            }
        } else {
            None
        };
        let lookup = |email: &str| {
            let email = email.trim().to_owned();
            async move {
                match Email::parse(&email) {
                    Ok(e) => tx.user_by_email(&e).await.ok().flatten(),
                    Err(_) => None,
                }
            }
        };
        let (holder_user, holder_agency): (Option<StoredUser>, Option<i64>) = if kind
            .held_by_agency()
        {
            match tx.agency_by_name(input.holder_agency.trim()).await {
                Ok(Some(a)) if a.kind == AgencyKind::TreatmentProvider => (None, Some(a.id)),
                Ok(Some(_)) => {
                    errors.at("holder_agency", "holder agency: a program certification belongs to a treatment provider agency");
                    (None, None)
                }
                _ => {
                    errors.push(format!(
                        "holder agency: no agency is named \"{}\"",
                        input.holder_agency.trim()
                    ));
                    (None, None)
                }
            }
        } else {
            match lookup(&input.holder_email).await {
                Some(u) => {
                    let needed = match kind {
                        CertificationKind::CasombProvider => Some(Role::TreatmentProvider),
                        CertificationKind::PolygraphPcsot => Some(Role::PolygraphExaminer),
                        _ => None,
                    };
                    if let Some(role) = needed
                        && !u.roles.contains(&role)
                    {
                        errors.push(format!(
                            "holder: {} does not hold the {} role",
                            u.email,
                            role.label()
                        ));
                    }
                    (Some(u), None)
                }
                None => {
                    errors.push(format!(
                        "holder: no account has the e-mail address \"{}\"",
                        input.holder_email.trim()
                    ));
                    (None, None)
                }
            }
        };
        let holder_agency_id = holder_agency.or(holder_user.as_ref().map(|u| u.agency_id));
        if let Some(agency_id) = holder_agency_id
            && !may_manage_for(actor, agency_id)
        {
            errors.push("you may record certifications only for your own agency");
        }
        let supervisor = if level.is_some_and(ProviderLevel::needs_supervisor) {
            match lookup(&input.supervisor_email).await {
                Some(s) => Some(s.id),
                None => {
                    errors.push("supervising provider: associates and students name their supervising provider's e-mail");
                    None
                }
            }
        } else {
            None
        };
        if let (Some(i), Some(e)) = (issued, expires)
            && let Err(msg) = certification::check_dates(kind, level, i, e)
        {
            errors.push(msg);
        }
        match (issued, expires) {
            (Some(issued_on), Some(expires_on)) if errors.is_empty() => Ok(NewCertification {
                kind,
                holder_user_id: holder_user.map(|u| u.id),
                holder_agency_id: holder_agency,
                level,
                instrument,
                supervisor_user_id: supervisor,
                number,
                issued_on,
                expires_on,
            }),
            _ => Err(errors),
        }
    }

    pub async fn add_certification(
        &self,
        actor: &Actor,
        input: &CertificationInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let tx = self.store.begin().await?;
        let new = self
            .check_certification(&tx, actor, input)
            .await
            .map_err(AppError::InvalidInput)?;
        let id = tx.create_certification(new, now).await?;
        AuditEntry::new("certification_create", Outcome::Success, now)
            .by(actor)
            .object("certification", id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Imports a CSV list (header row with [`CSV_COLUMNS`]). Either every row is valid and all
    /// are stored, or nothing is stored and every problem is reported with its row number.
    pub async fn import_certifications(
        &self,
        actor: &Actor,
        csv_text: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, AppError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| AppError::invalid(format!("the file is not CSV: {e}")))?
            .clone();
        let missing: Vec<&str> = CSV_COLUMNS
            .iter()
            .copied()
            .filter(|c| !headers.iter().any(|h| h == *c))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::invalid(format!(
                "the header row lacks the column(s): {}",
                missing.join(", ")
            )));
        }
        let col = |name: &str| headers.iter().position(|h| h == name);
        let tx = self.store.begin().await?;
        let mut errors = Problems::new();
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(format!("row {line}: {e}"));
                    continue;
                }
            };
            let get = |name: &str| {
                col(name)
                    .and_then(|c| record.get(c))
                    .unwrap_or("")
                    .to_owned()
            };
            let input = CertificationInput {
                kind: get("kind"),
                holder_email: get("holder_email"),
                holder_agency: get("holder_agency"),
                level: get("level"),
                instrument: get("instrument"),
                supervisor_email: get("supervisor_email"),
                number: get("number"),
                issued_on: get("issued_on"),
                expires_on: get("expires_on"),
            };
            if !seen.insert((input.kind.clone(), input.number.clone())) {
                errors.push(format!(
                    "row {line}: number {} appears twice in the file",
                    input.number
                ));
                continue;
            }
            match self.check_certification(&tx, actor, &input).await {
                Ok(new) => rows.push((line, new)),
                Err(problems) => {
                    for p in problems {
                        errors.add(FieldError {
                            field: p.field,
                            message: format!("row {line}: {}", p.message),
                        });
                    }
                }
            }
        }
        if rows.is_empty() && errors.is_empty() {
            return Err(AppError::invalid("the file holds no rows"));
        }
        for (line, new) in &rows {
            if errors.is_empty()
                && let Err(e) = tx.create_certification(new.clone(), now).await
            {
                errors.push(format!("row {line}: {}", AppError::from(e)));
            }
        }
        if !errors.is_empty() {
            // Dropping the transaction rolls back any row already written.
            return Err(AppError::InvalidInput(errors));
        }
        AuditEntry::new("certification_import", Outcome::Success, now)
            .by(actor)
            .object("certification", "import")
            .detail(format!("{} rows", rows.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// The registry as the actor may see it: everything for system administrators, the agency's
    /// holders for agency administrators, one's own certifications for everyone else.
    pub async fn certification_registry(
        &self,
        actor: &Actor,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<RegistryEntry>, AppError> {
        let tx = self.store.begin_read().await?;
        let all_users = tx.users(None).await?;
        let agencies = tx.agencies().await?;
        let records = if actor.is_console() || actor.has_role(Role::SystemAdmin) {
            tx.all_certifications().await?
        } else if actor.has_role(Role::AgencyAdmin) {
            let agency = actor.user.as_ref().map_or(0, |u| u.agency_id);
            let ids: Vec<i64> = all_users
                .iter()
                .filter(|u| u.agency_id == agency)
                .map(|u| u.id)
                .collect();
            tx.certifications_of(&ids, &[agency]).await?
        } else {
            let me = actor.user_id().ok_or(AppError::Unauthenticated)?;
            tx.certifications_of(&[me], &[]).await?
        };
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let status = status_on(
                record.issued_on,
                record.expires_on,
                record.revoked_on,
                today,
            );
            let holder = match (record.holder_user_id, record.holder_agency_id) {
                (Some(uid), _) => all_users
                    .iter()
                    .find(|u| u.id == uid)
                    .map_or_else(String::new, |u| format!("{} ({})", u.display_name, u.email)),
                (None, Some(aid)) => agencies
                    .iter()
                    .find(|a| a.id == aid)
                    .map_or_else(String::new, |a| a.name.clone()),
                _ => String::new(),
            };
            let lapsed_on_cases = match (status.is_valid(), record.holder_user_id) {
                (false, Some(uid)) => tx.open_cases_served_by(uid, today).await?,
                _ => Vec::new(),
            };
            entries.push(RegistryEntry {
                record,
                holder,
                status,
                lapsed_on_cases,
            });
        }
        // Holders with a valid certification of the same kind are not lapsed.
        let valid: Vec<(Option<i64>, CertificationKind)> = entries
            .iter()
            .filter(|e| e.status.is_valid())
            .map(|e| (e.record.holder_user_id, e.record.kind))
            .collect();
        for e in &mut entries {
            if valid.contains(&(e.record.holder_user_id, e.record.kind)) {
                e.lapsed_on_cases.clear();
            }
        }
        AuditEntry::new("certification_registry_read", Outcome::Success, now)
            .by(actor)
            .object("certification", "registry")
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(entries)
    }
}
