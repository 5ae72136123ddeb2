//! The treatment plan, each part behind its own part of the wall: sessions with attendance
//! (attendance detail), intensity set from the risk level and structured modules (treatment
//! progress), and the versioned treatment contract (core team).

use crate::Problems;
use chrono::{DateTime, Utc};
use containment_domain::access::{Action, RecordKind, Step, WaiverId};
use containment_domain::case::local_date;
use containment_domain::certification::CertificationKind;
use containment_domain::instrument::{Instrument, Static99rLevel};
use containment_domain::treatment::{
    Attendance, SessionFormat, intensity_needs_reason, recommended_sessions_per_month,
};
use containment_storage::{
    ContractRecord, ModuleRecord, SessionRecord, StorageError, TreatmentRecord, Tx,
};

use crate::actor::Actor;
use crate::case_access::{CaseAccess, ops};
use crate::input::{date, not_future, optional_date};
use crate::{App, AppError};

/// The most sessions a month that can be set.
const MAX_SESSIONS_PER_MONTH: u32 = 31;

#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    /// The enrollment the session falls under, if any.
    pub treatment_id: Option<i64>,
    pub on: String,
    pub attendance: String,
    pub format: String,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct IntensityInput {
    /// The treatment's version the provider saw.
    pub version: i32,
    pub sessions_per_month: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct ModuleInput {
    pub name: String,
    pub started_on: String,
    /// Empty while the module is under way.
    pub completed_on: String,
}

#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub signed_on: String,
    pub duties: String,
}

/// The intensity the program recommends for the supervisee under the Risk principle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntensityRecommendation {
    /// The level of the latest Static-99R, if one is recorded.
    pub level: Option<Static99rLevel>,
    pub sessions_per_month: Option<u32>,
}

/// The treatment plan as one viewer may see it.
#[derive(Debug, Clone, Default)]
pub struct PlanView {
    /// By date; `None` when no waiver lets the viewer read attendance detail.
    pub sessions: Option<Vec<SessionRecord>>,
    /// By start; `None` when no waiver lets the viewer read treatment progress.
    pub modules: Option<Vec<ModuleRecord>>,
    /// `None` when the viewer may not read risk scores.
    pub recommendation: Option<IntensityRecommendation>,
    /// Oldest version first, the last one in force; `None` when the viewer may not read it.
    pub contracts: Option<Vec<ContractRecord>>,
    /// The provider on the team records sessions.
    pub may_record_sessions: bool,
    /// The provider on the team, under a waiver, changes intensity and completes modules.
    pub may_update: bool,
    /// The officer or the provider on the team records a new contract version.
    pub may_contract: bool,
    /// The waiver that let attendance detail through, for the audit log.
    pub attendance_waiver: Option<WaiverId>,
    /// Sessions dated on a day their author held no CASOMB certification (R10), by id.
    pub uncertified_sessions: Vec<i64>,
}

/// The sessions dated on a day their author was certified neither in person (CASOMB provider)
/// nor through their agency's program (CASOMB program).
fn sessions_without_certification(
    sessions: &[SessionRecord],
    team: &[containment_storage::TeamMemberRecord],
    certifications: &[containment_storage::CertificationRecord],
) -> Vec<i64> {
    sessions
        .iter()
        .filter(|s| {
            let agencies: Vec<i64> = team
                .iter()
                .filter(|m| m.user_id == s.recorded_by)
                .map(|m| m.agency_id)
                .collect();
            let spans: Vec<_> = certifications
                .iter()
                .filter(|c| match c.kind {
                    CertificationKind::CasombProvider => c.holder_user_id == Some(s.recorded_by),
                    CertificationKind::CasombProgram => {
                        c.holder_agency_id.is_some_and(|a| agencies.contains(&a))
                    }
                    _ => false,
                })
                .map(|c| (c.issued_on, c.expires_on, c.revoked_on))
                .collect();
            !containment_domain::certification::covered_throughout(&spans, s.on, s.on)
        })
        .map(|s| s.id)
        .collect()
}

/// Reads sessions a month and the reason for departing from the recommendation. An empty
/// number takes the recommendation when `blank_takes_recommendation`, and is refused otherwise;
/// a departure needs the reason, which is kept only for a departure (or without a
/// recommendation to depart from).
pub(crate) fn structured_intensity(
    sessions: &str,
    reason: &str,
    recommended: Option<u32>,
    blank_takes_recommendation: bool,
    errors: &mut Problems,
) -> (Option<i32>, Option<String>) {
    let sessions = sessions.trim();
    let chosen = if sessions.is_empty() {
        if !blank_takes_recommendation {
            errors.at("sessions_per_month", "sessions per month is required");
        }
        recommended.filter(|_| blank_takes_recommendation)
    } else {
        match sessions.parse::<u32>() {
            Ok(n) if (1..=MAX_SESSIONS_PER_MONTH).contains(&n) => Some(n),
            _ => {
                errors.push(format!(
                    "sessions per month: \"{sessions}\" is not a whole number from 1 to {MAX_SESSIONS_PER_MONTH}"
                ));
                None
            }
        }
    };
    let reason = reason.trim();
    let departs = chosen.and_then(|n| intensity_needs_reason(n, recommended));
    if let Some(why) = &departs
        && reason.is_empty()
    {
        errors.at("reason", format!("reason: {why}"));
    }
    let keep = !reason.is_empty() && (departs.is_some() || recommended.is_none());
    (
        chosen.and_then(|n| i32::try_from(n).ok()),
        keep.then(|| reason.chars().take(1000).collect()),
    )
}

fn invalid(errors: Problems) -> AppError {
    AppError::InvalidInput(errors)
}

fn parsed<T: std::str::FromStr<Err = containment_domain::ParseError>>(
    v: &str,
    errors: &mut Problems,
) -> Option<T> {
    v.parse::<T>().map_err(|e| errors.push(e.to_string())).ok()
}

fn find_treatment(list: Vec<TreatmentRecord>, id: i64) -> Result<TreatmentRecord, AppError> {
    list.into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)
}

impl App {
    /// The recommended intensity from the latest Static-99R.
    pub(crate) async fn intensity_recommendation(
        &self,
        tx: &Tx,
        supervisee_id: i64,
    ) -> Result<IntensityRecommendation, AppError> {
        let level = tx
            .scores(supervisee_id)
            .await?
            .into_iter()
            .rev()
            .find(|s| s.instrument == Instrument::Static99r)
            .map(|s| {
                s.level
                    .parse::<Static99rLevel>()
                    .map_err(|e| StorageError::Corrupt(e.to_string()))
            })
            .transpose()?;
        Ok(IntensityRecommendation {
            level,
            sessions_per_month: recommended_sessions_per_month(level),
        })
    }

    /// The plan as this viewer may see it; reads within the caller's transaction.
    pub(crate) async fn plan_view(
        &self,
        tx: &Tx,
        case: &CaseAccess,
        actor: &Actor,
        supervisee_id: i64,
    ) -> Result<PlanView, AppError> {
        let allowed = |action, kind| case.decide(actor, action, kind).is_allowed();
        let provider = case.takes(actor, Step::PlanTreatment);
        let attendance = case.decide(actor, Action::Read, RecordKind::AttendanceDetail);
        let ids = [supervisee_id];
        let sessions = match attendance.is_allowed() {
            true => Some(tx.sessions_of(&ids).await?),
            false => None,
        };
        let uncertified_sessions = match &sessions {
            Some(list) if !list.is_empty() => {
                let mut authors: Vec<i64> = list.iter().map(|s| s.recorded_by).collect();
                authors.sort_unstable();
                authors.dedup();
                let agencies: Vec<i64> = case
                    .team
                    .iter()
                    .filter(|m| authors.contains(&m.user_id))
                    .map(|m| m.agency_id)
                    .collect();
                let certs = tx.certifications_of(&authors, &agencies).await?;
                sessions_without_certification(list, &case.team, &certs)
            }
            _ => Vec::new(),
        };
        Ok(PlanView {
            sessions,
            uncertified_sessions,
            modules: match allowed(Action::Read, RecordKind::TreatmentProgress) {
                true => Some(tx.modules_of(&ids).await?),
                false => None,
            },
            recommendation: match allowed(Action::Read, RecordKind::RiskScore) {
                true => Some(self.intensity_recommendation(tx, supervisee_id).await?),
                false => None,
            },
            contracts: match allowed(Action::Read, RecordKind::TreatmentContract) {
                true => Some(tx.contracts_of(&ids).await?),
                false => None,
            },
            may_record_sessions: provider && allowed(Action::Create, RecordKind::AttendanceDetail),
            may_update: provider && allowed(Action::Update, RecordKind::TreatmentProgress),
            may_contract: allowed(Action::Create, RecordKind::TreatmentContract),
            attendance_waiver: attendance.waiver(),
        })
    }

    /// The provider records a treatment session: not in the future, and within the treatment
    /// it falls under when one is given.
    pub async fn record_session(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &SessionInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::SESSION_RECORD, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let on = date("on", "session date", &input.on, &mut errors);
        not_future("on", "session date", on, local_date(now), &mut errors);
        let attendance = parsed::<Attendance>(&input.attendance, &mut errors);
        let format = parsed::<SessionFormat>(&input.format, &mut errors);
        if let Some(t) = input.treatment_id {
            match tx
                .treatments_of(&[supervisee_id])
                .await?
                .into_iter()
                .find(|r| r.id == t)
            {
                None => errors.push(format!("treatment: {t} is not one of this case's")),
                Some(r) => {
                    if on.is_some_and(|d| d < r.start_date) {
                        errors.push(format!(
                            "session date: it is before the treatment started ({})",
                            r.start_date
                        ));
                    }
                    if let (Some(d), Some(end)) = (on, r.end_date)
                        && d > end
                    {
                        errors.push(format!(
                            "session date: it is after the treatment ended ({end})"
                        ));
                    }
                }
            }
        }
        let (Some(on), Some(attendance), Some(format), true) =
            (on, attendance, format, errors.is_empty())
        else {
            return Err(invalid(errors));
        };
        let id = tx
            .create_session(
                &SessionRecord {
                    id: 0,
                    supervisee_id,
                    treatment_id: input.treatment_id,
                    on,
                    attendance,
                    format,
                    note: input.note.trim().chars().take(500).collect(),
                    recorded_by: actor.author()?,
                    created_at: now,
                },
                now,
            )
            .await?;
        grant
            .finish(tx, format!("session {id} ({})", attendance.code()))
            .await?;
        Ok(id)
    }

    /// The provider changes the sessions a month of an open treatment; a departure from the
    /// risk-level recommendation needs the reason, and a stale version is refused.
    pub async fn change_intensity(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        treatment_id: i64,
        input: &IntensityInput,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::TREATMENT_INTENSITY, supervisee_id, now)
            .await?;
        let current = find_treatment(tx.treatments_of(&[supervisee_id]).await?, treatment_id)?;
        if current.end_date.is_some() {
            return Err(AppError::Conflict(
                "this treatment has ended: its intensity no longer changes".into(),
            ));
        }
        if current.version != input.version {
            return Err(AppError::Stale {
                current_version: current.version,
            });
        }
        let recommended = self
            .intensity_recommendation(&tx, supervisee_id)
            .await?
            .sessions_per_month;
        let mut errors = Problems::new();
        let (sessions, reason) = structured_intensity(
            &input.sessions_per_month,
            &input.reason,
            recommended,
            false,
            &mut errors,
        );
        let (Some(sessions), true) = (sessions, errors.is_empty()) else {
            return Err(invalid(errors));
        };
        if !tx
            .set_treatment_intensity(treatment_id, input.version, sessions, reason)
            .await?
        {
            return Err(AppError::Stale {
                current_version: current.version + 1,
            });
        }
        grant
            .finish(
                tx,
                format!(
                    "treatment {treatment_id}: {sessions} sessions a month (recommended: {})",
                    recommended.map_or("none".to_owned(), |r| r.to_string())
                ),
            )
            .await?;
        Ok(())
    }

    /// The provider adds a structured module to a treatment, started within it and completed
    /// (if already) no earlier than started.
    pub async fn add_module(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        treatment_id: i64,
        input: &ModuleInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::MODULE_ADD, supervisee_id, now)
            .await?;
        let treatment = find_treatment(tx.treatments_of(&[supervisee_id]).await?, treatment_id)?;
        let today = local_date(now);
        let mut errors = Problems::new();
        let name: String = input.name.trim().chars().take(200).collect();
        if name.is_empty() {
            errors.push("module name is required");
        }
        let started = date("started_on", "started on", &input.started_on, &mut errors);
        not_future("started_on", "started on", started, today, &mut errors);
        if started.is_some_and(|s| s < treatment.start_date) {
            errors.push(format!(
                "started on: it is before the treatment started ({})",
                treatment.start_date
            ));
        }
        if let (Some(s), Some(end)) = (started, treatment.end_date)
            && s > end
        {
            errors.push(format!(
                "started on: it is after the treatment ended ({end})"
            ));
        }
        let completed = optional_date(
            "completed_on",
            "completed on",
            &input.completed_on,
            &mut errors,
        );
        not_future(
            "completed_on",
            "completed on",
            completed,
            today,
            &mut errors,
        );
        if let (Some(s), Some(c)) = (started, completed)
            && c < s
        {
            errors.at(
                "completed_on",
                "completed on: it is before the module started",
            );
        }
        let (Some(started), true) = (started, errors.is_empty()) else {
            return Err(invalid(errors));
        };
        let id = tx
            .create_module(
                &ModuleRecord {
                    id: 0,
                    supervisee_id,
                    treatment_id,
                    name,
                    started_on: started,
                    completed_on: completed,
                    completed_by: None,
                    recorded_by: actor.author()?,
                    created_at: now,
                },
                now,
            )
            .await?;
        grant
            .finish(tx, format!("module {id} of treatment {treatment_id}"))
            .await?;
        Ok(id)
    }

    /// The provider marks a module completed, once, not in the future nor before its start.
    pub async fn complete_module(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        module_id: i64,
        completed_on: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::MODULE_COMPLETE, supervisee_id, now)
            .await?;
        let Some(module) = tx
            .modules_of(&[supervisee_id])
            .await?
            .into_iter()
            .find(|m| m.id == module_id)
        else {
            return Err(AppError::NotFound);
        };
        if module.completed_on.is_some() {
            return Err(AppError::Conflict(
                "this module is already completed".into(),
            ));
        }
        let mut errors = Problems::new();
        let on = date("completed_on", "completed on", completed_on, &mut errors);
        not_future(
            "completed_on",
            "completed on",
            on,
            local_date(now),
            &mut errors,
        );
        if on.is_some_and(|d| d < module.started_on) {
            errors.push(format!(
                "completed on: it is before the module started ({})",
                module.started_on
            ));
        }
        let (Some(on), true) = (on, errors.is_empty()) else {
            return Err(invalid(errors));
        };
        if !tx.complete_module(module_id, on, actor.author()?).await? {
            return Err(AppError::Conflict(
                "this module is already completed".into(),
            ));
        }
        grant.finish(tx, format!("module {module_id}")).await?;
        Ok(())
    }

    /// The officer or the provider records a new version of the treatment contract, which
    /// supersedes the previous one (kept as history). Returns its id and version number.
    pub async fn record_contract(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &ContractInput,
        now: DateTime<Utc>,
    ) -> Result<(i64, i32), AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::CONTRACT_RECORD, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let signed = date("signed_on", "signed on", &input.signed_on, &mut errors);
        not_future(
            "signed_on",
            "signed on",
            signed,
            local_date(now),
            &mut errors,
        );
        let duties: String = input.duties.trim().chars().take(8000).collect();
        if duties.is_empty() {
            errors.at(
                "duties",
                "duties: state the supervisee's duties under the contract",
            );
        }
        let previous = tx.contracts_of(&[supervisee_id]).await?.pop();
        if let (Some(s), Some(p)) = (signed, &previous)
            && s < p.signed_on
        {
            errors.push(format!(
                "signed on: it is before version {} was signed ({})",
                p.version, p.signed_on
            ));
        }
        let (Some(signed), true) = (signed, errors.is_empty()) else {
            return Err(invalid(errors));
        };
        let version = previous.map_or(1, |p| p.version + 1);
        let id = match tx
            .create_contract(
                &ContractRecord {
                    id: 0,
                    supervisee_id,
                    version,
                    signed_on: signed,
                    duties,
                    recorded_by: actor.author()?,
                    created_at: now,
                },
                now,
            )
            .await
        {
            Ok(id) => id,
            Err(StorageError::Conflict(_)) => {
                return Err(AppError::Conflict(format!(
                    "someone else recorded contract version {version} at the same time: reload the page and check it first"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        grant
            .finish(tx, format!("treatment contract version {version}"))
            .await?;
        Ok((id, version))
    }
}
