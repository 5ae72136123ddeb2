//! Treatment enrollment and its end (the one-year rule, R8), the provider-officer contacts
//! (documented by one side, confirmed by the other: R1), and self-reports of high-risk behavior
//! acknowledged by both (R13). Treatment information is shown only through the waiver wall.

use crate::Problems;
use chrono::{DateTime, Utc};
use containment_domain::Email;
use containment_domain::access::{Action, RecordKind, TeamRole};
use containment_domain::case::local_date;
use containment_domain::certification::CertificationKind;
use containment_domain::compliance::TreatmentEnd;
use containment_domain::treatment::{
    ASSESSMENT_AREAS, AssessmentKind, ContactMode, ContactSide, ContactTopic, SelfReportCategory,
    TreatmentKind, end_needs_reason,
};
use containment_domain::wall::{Clearance, TreatmentField};
use containment_storage::{
    AssessmentRecord, ContactRecord, NotificationRecord, SelfReportRecord, TreatmentRecord,
};

use crate::actor::Actor;
use crate::case_access::{one_side, ops};
use crate::input::{date, not_future, optional_date};
use crate::treatment_plan::{PlanView, structured_intensity};
use crate::{App, AppError};

/// The team roles of the provider side.
pub(crate) const PROVIDER_ROLES: [TeamRole; 2] =
    [TeamRole::TreatmentProvider, TeamRole::TreatmentProgram];

/// The two sides of the monthly communication: the officer and the provider side.
pub(crate) const TREATMENT_SIDES: [TeamRole; 3] = [
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProvider,
    TeamRole::TreatmentProgram,
];

/// Working days within which both sides acknowledge a self-report (R13's default).

#[derive(Debug, Clone, Default)]
pub struct TreatmentInput {
    pub kind: String,
    /// The treating provider's e-mail; empty means the person enrolling.
    pub provider_email: String,
    pub referral_date: String,
    pub start_date: String,
    /// Free-text notes on the intensity (format, schedule).
    pub intensity: String,
    /// Sessions a month; empty takes the risk-level recommendation, if there is one.
    pub sessions_per_month: String,
    /// Why the sessions a month depart from the recommendation, when they do.
    pub intensity_reason: String,
    pub targets: String,
    pub responsivity: String,
}

#[derive(Debug, Clone, Default)]
pub struct TreatmentEndInput {
    pub version: i32,
    pub end_date: String,
    pub outcome: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub on: String,
    pub mode: String,
    pub topics: Vec<String>,
    pub notes: String,
}

#[derive(Debug, Clone, Default)]
pub struct SelfReportInput {
    pub reported_on: String,
    pub category: String,
    pub behavior: String,
    pub reported_to: String,
}

/// A contact as one viewer may see it: its notes and topics only through the wall.
#[derive(Debug, Clone)]
pub struct ContactView {
    pub record: ContactRecord,
    pub confirmed: bool,
    /// The viewer documents the other side and may confirm it.
    pub may_confirm: bool,
    pub details_withheld: bool,
}

/// The treatment part of a case as one viewer may see it.
#[derive(Debug, Clone, Default)]
pub struct TreatmentView {
    /// `None` when no waiver lets the viewer read treatment progress.
    pub treatments: Option<Vec<TreatmentRecord>>,
    pub contacts: Vec<ContactView>,
    pub self_reports: Option<Vec<SelfReportRecord>>,
    /// The side the viewer documents for, if they are the officer or the provider.
    pub side: Option<ContactSide>,
    pub may_enroll: bool,
    pub may_report: bool,
    /// Comprehensive assessments; their areas and summary open only with `clearance`.
    pub assessments: Vec<AssessmentRecord>,
    pub may_refer: bool,
    /// Sessions, modules, the recommended intensity and the treatment contract.
    pub plan: PlanView,
    /// The treatment information the viewer may read on this case: contact notes and topics,
    /// assessment areas and summaries open with it.
    pub clearance: Clearance,
}

impl App {
    /// Enrolls the supervisee in treatment with a provider on the team; answers the record as
    /// stored.
    pub async fn enroll_treatment(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &TreatmentInput,
        now: DateTime<Utc>,
    ) -> Result<TreatmentRecord, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::TREATMENT_ENROLL, supervisee_id, now)
            .await?;
        let today = local_date(now);
        let mut errors = Problems::new();
        let kind = input
            .kind
            .parse::<TreatmentKind>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let referral = optional_date(
            "referral_date",
            "referral date",
            &input.referral_date,
            &mut errors,
        );
        let start = date("start_date", "start date", &input.start_date, &mut errors);
        not_future("start_date", "start date", start, today, &mut errors);
        if let (Some(r), Some(s)) = (referral, start)
            && r > s
        {
            errors.at("referral_date", "referral date: it is after the start");
        }
        let provider = match input.provider_email.trim() {
            "" => actor.user_id(),
            email => match Email::parse(email) {
                Ok(e) => match tx.user_by_email(&e).await? {
                    Some(u) => Some(u.id),
                    None => {
                        errors.push(format!("provider: no account has the e-mail address {e}"));
                        None
                    }
                },
                Err(e) => {
                    errors.push(format!("provider: {e}"));
                    None
                }
            },
        };
        let recommended = self.intensity_recommendation(&tx, supervisee_id).await?;
        let (sessions_per_month, intensity_reason) = structured_intensity(
            &input.sessions_per_month,
            &input.intensity_reason,
            recommended.sessions_per_month,
            true,
            &mut errors,
        );
        let text = |v: &str| v.trim().chars().take(2000).collect::<String>();
        let (Some(kind), Some(start), Some(provider)) = (kind, start, provider) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        // The treating provider is the case's provider, certified when treatment starts (R10).
        if !case
            .members_in(today, &PROVIDER_ROLES)
            .iter()
            .any(|m| m.user_id == provider)
        {
            return Err(AppError::invalid(
                "provider: the treating provider must be the treatment provider on this case's team",
            ));
        }
        let certs = tx.certifications_of(&[provider], &[]).await?;
        if !crate::certifications::holds_valid(&certs, CertificationKind::CasombProvider, &[start])
        {
            return Err(AppError::invalid(format!(
                "provider: no current {} certification on the start date {start} (R10)",
                CertificationKind::CasombProvider.label()
            )));
        }
        if kind == TreatmentKind::PostConviction
            && !case
                .episodes
                .iter()
                .any(|e| e.kind.is_post_conviction() && e.actual_end.is_none())
        {
            return Err(AppError::invalid(
                "post-conviction treatment needs an open post-conviction supervision",
            ));
        }
        let mut record = TreatmentRecord {
            id: 0,
            supervisee_id,
            kind,
            provider_user_id: provider,
            referral_date: referral,
            start_date: start,
            intensity: text(&input.intensity),
            targets: text(&input.targets),
            responsivity: text(&input.responsivity),
            end_date: None,
            end_outcome: None,
            end_reason: None,
            created_by: actor.author()?,
            version: 1,
            sessions_per_month,
            intensity_reason,
        };
        let id = tx.create_treatment(&record, now).await?;
        record.id = id;
        grant
            .audit()
            .detail(format!("treatment {id} ({})", kind.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Ends a treatment. Ending post-conviction treatment before one year, or otherwise than
    /// by completing it, needs an explicit reason (R8); a stale version is refused. Answers the
    /// record as it now stands.
    pub async fn end_treatment(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        treatment_id: i64,
        input: &TreatmentEndInput,
        now: DateTime<Utc>,
    ) -> Result<TreatmentRecord, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::TREATMENT_END, supervisee_id, now)
            .await?;
        let Some(current) = tx
            .treatments_of(&[supervisee_id])
            .await?
            .into_iter()
            .find(|t| t.id == treatment_id)
        else {
            return Err(AppError::NotFound);
        };
        if current.end_date.is_some() {
            return Err(AppError::Conflict(
                "this treatment has already ended".into(),
            ));
        }
        if current.version != input.version {
            return Err(AppError::Stale {
                current_version: current.version,
            });
        }
        let mut errors = Problems::new();
        let end = date("end_date", "end date", &input.end_date, &mut errors);
        not_future("end_date", "end date", end, local_date(now), &mut errors);
        let outcome = input
            .outcome
            .parse::<TreatmentEnd>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        if let Some(e) = end
            && e < current.start_date
        {
            errors.at("end_date", "end date: it is before the start");
        }
        let (Some(end), Some(outcome)) = (end, outcome) else {
            return Err(AppError::InvalidInput(errors));
        };
        let reason = input.reason.trim();
        if current.kind == TreatmentKind::PostConviction {
            let episode = case
                .episodes
                .iter()
                .filter(|e| e.kind.is_post_conviction() && e.start_date <= current.start_date)
                .max_by_key(|e| e.start_date);
            let placed = episode.map(|e| e.placed_on.unwrap_or(e.start_date));
            let term_end = episode.and_then(|e| e.actual_end.or(e.expected_end));
            if let Some(why) = end_needs_reason(current.start_date, end, outcome, placed, term_end)
                && reason.is_empty()
            {
                errors.at("reason", format!("reason: {why}"));
            }
        }
        if outcome == TreatmentEnd::Terminated && reason.is_empty() && errors.is_empty() {
            errors.at(
                "reason",
                "reason: say why the provider terminated the treatment",
            );
        }
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let reason: Option<String> =
            (!reason.is_empty()).then(|| reason.chars().take(1000).collect());
        if !tx
            .end_treatment(treatment_id, input.version, end, outcome, reason.clone())
            .await?
        {
            return Err(AppError::Stale {
                current_version: current.version + 1,
            });
        }
        grant
            .audit()
            .detail(format!("treatment {treatment_id}: {}", outcome.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(TreatmentRecord {
            end_date: Some(end),
            end_outcome: Some(outcome),
            end_reason: reason,
            version: current.version + 1,
            ..current
        })
    }

    /// Documents a provider-officer contact from the actor's side; it stays "unconfirmed" until
    /// the other side confirms it.
    pub async fn record_contact(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &ContactInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::CONTACT_RECORD, supervisee_id, now)
            .await?;
        let side = case.side(actor).ok_or_else(one_side)?;
        let mut errors = Problems::new();
        let on = date("on", "date", &input.on, &mut errors);
        not_future("on", "date", on, local_date(now), &mut errors);
        let mode = input
            .mode
            .parse::<ContactMode>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let mut topics = Vec::new();
        for t in &input.topics {
            match t.parse::<ContactTopic>() {
                Ok(t) if !topics.contains(&t) => topics.push(t),
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if topics.is_empty() {
            errors.at("topics", "topics: choose what was discussed");
        }
        let (Some(on), Some(mode)) = (on, mode) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let id = tx
            .create_contact(
                &ContactRecord {
                    id: 0,
                    supervisee_id,
                    on,
                    mode,
                    topics: TreatmentField::ContactTopics.wall(actor.user_id(), topics),
                    notes: TreatmentField::ContactNotes.wall(
                        actor.user_id(),
                        input.notes.trim().chars().take(4000).collect(),
                    ),
                    documented_side: side,
                    documented_by: actor.author()?,
                    confirmed_by: None,
                    confirmed_at: None,
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!("contact {id} ({})", side.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The other side confirms a documented contact.
    pub async fn confirm_contact(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        contact_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::CONTACT_CONFIRM, supervisee_id, now)
            .await?;
        let side = case.side(actor).ok_or_else(one_side)?;
        let Some(contact) = tx
            .contacts_of(&[supervisee_id])
            .await?
            .into_iter()
            .find(|c| c.id == contact_id)
        else {
            return Err(AppError::NotFound);
        };
        if contact.documented_side == side {
            return Err(AppError::Conflict(
                "a contact is confirmed by the other side of the team".into(),
            ));
        }
        if !tx.confirm_contact(contact_id, actor.author()?, now).await? {
            return Err(AppError::Conflict(
                "this contact is already confirmed".into(),
            ));
        }
        grant
            .audit()
            .detail(format!("contact {contact_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a self-report and notifies the provider and the officer at once.
    pub async fn record_self_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &SelfReportInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::SELF_REPORT_RECORD, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let on = date(
            "reported_on",
            "reported on",
            &input.reported_on,
            &mut errors,
        );
        not_future(
            "reported_on",
            "reported on",
            on,
            local_date(now),
            &mut errors,
        );
        let category = input
            .category
            .parse::<SelfReportCategory>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let behavior = input.behavior.trim();
        if behavior.is_empty() {
            errors.push("what happened: describe the behavior reported");
        }
        let (Some(on), Some(category)) = (on, category) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let id = tx
            .create_self_report(
                &SelfReportRecord {
                    id: 0,
                    supervisee_id,
                    reported_on: on,
                    category,
                    behavior: behavior.chars().take(4000).collect(),
                    reported_to: input.reported_to.trim().chars().take(200).collect(),
                    created_by: actor.author()?,
                    provider_ack_on: None,
                    provider_ack_by: None,
                    officer_ack_on: None,
                    officer_ack_by: None,
                },
                now,
            )
            .await?;
        // The county's calendar and numbers, as the R13 obligation itself reads them.
        let policies = crate::compliance::load_policies(&tx).await?;
        let (overrides, calendar) = policies.for_county(
            crate::compliance::case_county(&case.episodes),
            &self.calendar,
        );
        let due = containment_domain::compliance::self_report_due(
            on,
            &containment_domain::compliance::Context {
                calendar,
                overrides,
                today: local_date(now),
            },
        );
        let sides = case.members_in(local_date(now), &TREATMENT_SIDES);
        case.notify(
            &tx,
            sides.iter().map(|m| m.user_id),
            NotificationRecord {
                id: 0,
                user_id: 0,
                supervisee_id,
                obligation_key: format!("R13:self_report:{id}"),
                kind: "self_report".into(),
                due_on: due,
                message: format!(
                    "Self-report of high-risk behavior ({}): acknowledge it by {} (R13).",
                    category.label().to_lowercase(),
                    containment_domain::case::day_words(due)
                ),
                created_at: now,
                read_at: None,
            },
            now,
        )
        .await?;
        grant
            .audit()
            .detail(format!("self-report {id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The provider or the officer acknowledges a self-report, once each.
    pub async fn acknowledge_self_report(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        report_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::SELF_REPORT_ACK, supervisee_id, now)
            .await?;
        let side = case.side(actor).ok_or_else(one_side)?;
        if !tx
            .self_reports_of(&[supervisee_id])
            .await?
            .iter()
            .any(|r| r.id == report_id)
        {
            return Err(AppError::NotFound);
        }
        if !tx
            .acknowledge_self_report(report_id, side, local_date(now), actor.author()?)
            .await?
        {
            return Err(AppError::Conflict(format!(
                "the {} has already acknowledged this self-report",
                side.label().to_lowercase()
            )));
        }
        grant
            .audit()
            .detail(format!("self-report {report_id}: {}", side.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The officer or the provider refers the supervisee for a comprehensive assessment (R7:
    /// due within 90 days of referral, never past 120).
    pub async fn refer_assessment(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        kind: &str,
        referred_on: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::ASSESSMENT_REFER, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let kind = kind
            .parse::<AssessmentKind>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let on = date("referred_on", "referred on", referred_on, &mut errors);
        not_future(
            "referred_on",
            "referred on",
            on,
            local_date(now),
            &mut errors,
        );
        let (Some(kind), Some(on)) = (kind, on) else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let id = tx
            .create_assessment(
                &AssessmentRecord {
                    id: 0,
                    supervisee_id,
                    kind,
                    referred_on: on,
                    referred_by: actor.author()?,
                    completed_on: None,
                    completed_by: None,
                    areas: TreatmentField::AssessmentAreas.wall(None, Vec::new()),
                    summary: TreatmentField::AssessmentSummary.wall(None, String::new()),
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!("assessment {id} ({})", kind.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The provider records an assessment as completed, with the areas it covered (1-20).
    #[allow(clippy::too_many_arguments)]
    pub async fn complete_assessment(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        assessment_id: i64,
        completed_on: &str,
        areas: &[String],
        summary: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (tx, _, grant) = self
            .authorize(actor, ops::ASSESSMENT_COMPLETE, supervisee_id, now)
            .await?;
        let Some(current) = tx
            .assessments_of(&[supervisee_id])
            .await?
            .into_iter()
            .find(|a| a.id == assessment_id)
        else {
            return Err(AppError::NotFound);
        };
        let mut errors = Problems::new();
        let on = date("completed_on", "completed on", completed_on, &mut errors);
        not_future(
            "completed_on",
            "completed on",
            on,
            local_date(now),
            &mut errors,
        );
        if let Some(d) = on
            && d < current.referred_on
        {
            errors.push("completed on: it is before the referral");
        }
        let mut covered: Vec<u8> = Vec::new();
        for a in areas {
            match a.trim().parse::<u8>() {
                Ok(n) if (1..=20).contains(&n) => {
                    if !covered.contains(&n) {
                        covered.push(n);
                    }
                }
                _ => errors.push(format!("area \"{a}\": choose among the 20 areas")),
            }
        }
        covered.sort_unstable();
        if covered.is_empty() {
            errors.push("areas: mark the areas the assessment covered");
        }
        let Some(on) = on else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let summary: String = summary.trim().chars().take(8000).collect();
        if !tx
            .complete_assessment(assessment_id, on, actor.author()?, &covered, &summary)
            .await?
        {
            return Err(AppError::Conflict(
                "this assessment is already completed".into(),
            ));
        }
        grant
            .audit()
            .detail(format!(
                "assessment {assessment_id}: {} of {} areas",
                covered.len(),
                ASSESSMENT_AREAS.len()
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The treatment part of a case, through the wall.
    pub async fn treatment_view(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<TreatmentView, AppError> {
        let (tx, case, grant) = self
            .authorize(actor, ops::TREATMENT_READ, supervisee_id, now)
            .await?;
        let progress = case.decide(actor, Action::Read, RecordKind::TreatmentProgress);
        let discussion = case.decide(actor, Action::Read, RecordKind::DynamicRiskDiscussion);
        let clearance = case.clearance(actor);
        let contract = case.decide(actor, Action::Read, RecordKind::TreatmentContract);
        let side = case.side(actor);
        let treatments = if progress.is_allowed() {
            Some(tx.treatments_of(&[supervisee_id]).await?)
        } else {
            None
        };
        let contacts = tx
            .contacts_of(&[supervisee_id])
            .await?
            .into_iter()
            .map(|c| ContactView {
                confirmed: c.confirmed_by.is_some(),
                // Confirming that a contact took place reveals nothing of its notes.
                may_confirm: c.confirmed_by.is_none()
                    && side.is_some_and(|s| s != c.documented_side),
                details_withheld: c.notes.open(&clearance).is_none(),
                record: c,
            })
            .collect();
        let assessments = tx.assessments_of(&[supervisee_id]).await?;
        let self_reports = if contract.is_allowed() {
            Some(tx.self_reports_of(&[supervisee_id]).await?)
        } else {
            None
        };
        let plan = self.plan_view(&tx, &case, actor, supervisee_id).await?;
        grant
            .audit()
            .waiver(
                progress
                    .waiver()
                    .or_else(|| discussion.waiver())
                    .or(plan.attendance_waiver)
                    .map(|w| w.0),
            )
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(TreatmentView {
            treatments,
            contacts,
            self_reports,
            may_enroll: case.may(actor, ops::TREATMENT_ENROLL),
            may_report: case.may(actor, ops::SELF_REPORT_RECORD),
            assessments,
            may_refer: case.may(actor, ops::ASSESSMENT_REFER),
            side,
            plan,
            clearance,
        })
    }
}
