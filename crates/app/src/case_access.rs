//! The one way into a case. An [`Operation`] names one step of case work: its name in the audit
//! log, the action and record kind the access policy decides on, and, when only part of the
//! team takes it, the [`Step`] (who takes which step is in the domain's grant table).
//!
//! A use case starts with [`App::authorize`]: it opens the transaction the operation needs
//! (a snapshot for a read, the write lock for a change), loads the case and how the actor
//! stands to it, decides, audits a denial (404 when the case must not be revealed, else 403) and
//! yields a [`Grant`]. The use case ends by auditing through the grant, which knows the
//! operation's name, the case and the waiver that let treatment information through.

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::Role;
use containment_domain::access::{
    self, Action, Decision, DenyReason, NoWaivers, RecordKind, Relationship, Step, Subject,
    TeamRole, Visibility,
};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::treatment::ContactSide;
use containment_domain::waiver::CaseWaivers;
use containment_storage::{
    EpisodeRecord, NotificationRecord, SuperviseeRecord, TeamMemberRecord, Tx, WaiverRecord,
};

use crate::actor::{Actor, AuditEntry};
use crate::{App, AppError};

/// One step of case work, as the policy and the audit log know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operation {
    /// Its name in the audit log, for the step and for a refusal of it.
    pub audit: &'static str,
    pub action: Action,
    pub kind: RecordKind,
    /// Taken only by the part of the team the grant table names for this step.
    pub step: Option<Step>,
    /// Whether it changes the case, so takes the write lock.
    pub writes: bool,
}

impl Operation {
    pub const fn new(audit: &'static str, action: Action, kind: RecordKind) -> Self {
        Operation {
            audit,
            action,
            kind,
            step: None,
            writes: !matches!(action, Action::Read | Action::Export),
        }
    }

    pub const fn read(audit: &'static str, kind: RecordKind) -> Self {
        Self::new(audit, Action::Read, kind)
    }

    pub const fn create(audit: &'static str, kind: RecordKind) -> Self {
        Self::new(audit, Action::Create, kind)
    }

    pub const fn update(audit: &'static str, kind: RecordKind) -> Self {
        Self::new(audit, Action::Update, kind)
    }

    /// The same operation, taken only by the part of the team that takes `step`.
    pub const fn by(self, step: Step) -> Self {
        Operation {
            step: Some(step),
            ..self
        }
    }

    /// The same operation on another kind of record (a document's kind is known once loaded).
    pub const fn on(self, kind: RecordKind) -> Self {
        Operation { kind, ..self }
    }

    /// The same operation, run without the write lock (it decides on a write it only
    /// prepares, like searching for someone to add to the team).
    pub const fn reading(self) -> Self {
        Operation {
            writes: false,
            ..self
        }
    }

    /// The same operation, writing what the decision on reading allows (a score's chain
    /// step is decided on reading the score).
    pub const fn writing(self) -> Self {
        Operation {
            writes: true,
            ..self
        }
    }
}

/// Everything the access policy needs about one case and one viewer on one day.
#[derive(Debug)]
pub(crate) struct CaseAccess {
    pub supervisee: SuperviseeRecord,
    pub relationships: Vec<Relationship>,
    pub episodes: Vec<EpisodeRecord>,
    /// Every membership of every episode, past and present.
    pub team: Vec<TeamMemberRecord>,
    pub coverage: CaseWaivers,
    /// The waivers behind `coverage`, as stored.
    pub waivers: Vec<WaiverRecord>,
}

impl CaseAccess {
    /// The policy's decision, waivers included, for this viewer.
    pub fn decide(&self, actor: &Actor, action: Action, kind: RecordKind) -> Decision {
        match actor.policy_actor() {
            Some(who) => access::decide(
                &who,
                &Subject::Case {
                    relationships: &self.relationships,
                    waivers: &self.coverage,
                },
                action,
                kind,
            ),
            None => unknown_case(),
        }
    }

    /// The decision on `op`: its action and kind, and its step when only part of the team
    /// takes it.
    pub fn decide_op(&self, actor: &Actor, op: Operation) -> Decision {
        let decision = self.decide(actor, op.action, op.kind);
        match op.step {
            Some(step) if decision.is_allowed() && !self.takes(actor, step) => Decision::Deny {
                // The policy allows the record kind, the actor's team role does not take
                // this step.
                reason: DenyReason::NotPermitted {
                    action: Action::Create,
                    kind: op.kind,
                },
                visibility: Visibility::Forbidden,
            },
            _ => decision,
        }
    }

    /// Whether `op` would be allowed: for offering it on a page.
    pub fn may(&self, actor: &Actor, op: Operation) -> bool {
        self.decide_op(actor, op).is_allowed()
    }

    /// Whether the actor is on the part of the team that takes `step`.
    pub fn takes(&self, actor: &Actor, step: Step) -> bool {
        takes(actor, &self.relationships, step)
    }

    /// The side of the monthly communication the actor documents on this case.
    pub fn side(&self, actor: &Actor) -> Option<ContactSide> {
        side_of(actor, &self.relationships)
    }

    /// Decides `op` on this case: a refusal is audited under the operation's name and
    /// answered; an allow becomes the grant the use case audits its work through.
    pub async fn grant<'a>(
        &self,
        tx: Tx,
        actor: &'a Actor,
        op: Operation,
        now: DateTime<Utc>,
    ) -> Result<(Tx, Grant<'a>), AppError> {
        let decision = self.decide_op(actor, op);
        self.grant_with(tx, actor, op, &decision, now).await
    }

    /// As [`CaseAccess::grant`], on a decision the use case made itself (either of two kinds
    /// of record lets it through).
    pub async fn grant_with<'a>(
        &self,
        tx: Tx,
        actor: &'a Actor,
        op: Operation,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<(Tx, Grant<'a>), AppError> {
        let grant = Grant {
            op,
            actor,
            supervisee_id: self.supervisee.id,
            waiver: decision.waiver().map(|w| w.0),
            now,
        };
        let tx = grant.require(tx, decision).await?;
        Ok((tx, grant))
    }

    /// The categories of treatment information this viewer may read on the case today.
    pub fn clearance(&self, actor: &Actor) -> containment_domain::wall::Clearance {
        containment_domain::wall::Clearance::from_decisions(actor.user_id(), |category| {
            let d = self.decide(actor, Action::Read, category.record_kind());
            d.is_allowed().then(|| d.waiver())
        })
    }

    /// The case's team members serving on `day` in one of `roles`, over all its episodes.
    pub fn members_in(&self, day: NaiveDate, roles: &[TeamRole]) -> Vec<TeamMemberRecord> {
        self.team
            .iter()
            .filter(|m| m.active_on(day) && roles.contains(&m.team_role))
            .cloned()
            .collect()
    }

    /// Sends `note` (its `user_id` aside) to each of `users` on this case, once each.
    pub async fn notify(
        &self,
        tx: &Tx,
        users: impl IntoIterator<Item = i64>,
        note: NotificationRecord,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let notes: Vec<NotificationRecord> = users
            .into_iter()
            .map(|user_id| NotificationRecord {
                user_id,
                supervisee_id: self.supervisee.id,
                ..note.clone()
            })
            .collect();
        tx.notify_many(&notes, now).await?;
        Ok(())
    }
}

/// What the policy allowed one actor to do on one case, and how it is recorded.
#[derive(Debug, Clone)]
pub(crate) struct Grant<'a> {
    op: Operation,
    actor: &'a Actor,
    supervisee_id: i64,
    waiver: Option<i64>,
    now: DateTime<Utc>,
}

impl Grant<'_> {
    /// The audit event of the work done: the operation's name, the actor, the case and the
    /// waiver. Add a detail, or name a more precise object, before writing it.
    pub fn audit(&self) -> AuditEntry {
        AuditEntry::new(self.op.audit, Outcome::Success, self.now)
            .by(self.actor)
            .object("supervisee", self.supervisee_id)
            .waiver(self.waiver)
    }

    /// Audits the work done with `detail` and commits.
    pub async fn finish(self, tx: Tx, detail: String) -> Result<(), AppError> {
        self.audit().detail(detail).write(&tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// As [`Grant::audit`], under the name of a more precise operation than the one decided
    /// (a dynamic score is refused as a score, recorded as a dynamic score).
    pub fn audit_as(&self, op: Operation) -> AuditEntry {
        AuditEntry::new(op.audit, Outcome::Success, self.now)
            .by(self.actor)
            .object("supervisee", self.supervisee_id)
            .waiver(self.waiver)
    }

    /// A refusal decided by the use case itself, with a detail of its own (not a reason code),
    /// audited under this operation's name and committed.
    pub async fn refuse(&self, tx: Tx, detail: String, error: AppError) -> AppError {
        let write = AuditEntry::new(self.op.audit, Outcome::Denied, self.now)
            .by(self.actor)
            .object("supervisee", self.supervisee_id)
            .detail(detail)
            .write(&tx)
            .await;
        if let Err(e) = write {
            return e;
        }
        match tx.commit().await {
            Ok(()) => error,
            Err(e) => e.into(),
        }
    }

    /// A further decision the work depends on (a second record kind, a record found missing):
    /// a refusal is audited under this operation's name and ends the transaction.
    pub async fn require(&self, tx: Tx, decision: &Decision) -> Result<Tx, AppError> {
        if decision.is_allowed() {
            return Ok(tx);
        }
        Err(denied(
            tx,
            self.actor,
            self.op.audit,
            self.supervisee_id,
            decision,
            self.now,
        )
        .await)
    }
}

/// Whether the actor, related to a case as `relationships` say, takes `step` on it (the
/// domain's step grants decide).
pub(crate) fn takes(actor: &Actor, relationships: &[Relationship], step: Step) -> bool {
    actor
        .policy_actor()
        .is_some_and(|who| access::takes_step(&who, relationships, step).is_some())
}

/// The denial for a case that does not exist, or must not be revealed.
pub(crate) fn unknown_case() -> Decision {
    Decision::Deny {
        reason: DenyReason::NoRelationshipToCase,
        visibility: Visibility::NotFound,
    }
}

/// Records a denial, commits it, and turns it into the answer the policy chose (404 hides the
/// case).
pub(crate) async fn denied(
    tx: Tx,
    actor: &Actor,
    audit: &str,
    supervisee_id: i64,
    decision: &Decision,
    now: DateTime<Utc>,
) -> AppError {
    let write = AuditEntry::new(audit, Outcome::Denied, now)
        .by(actor)
        .object("supervisee", supervisee_id)
        .detail(match decision {
            Decision::Deny { reason, .. } => reason.code(),
            Decision::Allow { .. } => "allowed",
        })
        .write(&tx)
        .await;
    if let Err(e) = write {
        return e;
    }
    if let Err(e) = tx.commit().await {
        return e.into();
    }
    match decision {
        Decision::Deny {
            visibility: Visibility::Forbidden,
            reason,
        } => AppError::Forbidden(format!("not allowed: {reason}")),
        _ => AppError::NotFound,
    }
}

/// The error for a one-side step granted to someone on neither side, which the grant table
/// does not allow.
pub(crate) fn one_side() -> AppError {
    AppError::Internal("a one-side step was granted to neither side".into())
}

/// The side of the monthly communication the actor documents, standing to a case in
/// `relationships`.
pub(crate) fn side_of(actor: &Actor, relationships: &[Relationship]) -> Option<ContactSide> {
    relationships.iter().find_map(|r| match r {
        Relationship::TeamMember { team_role } => {
            let serves = team_role
                .serving_roles()
                .iter()
                .any(|role| actor.has_role(*role));
            match team_role {
                TeamRole::TreatmentProvider | TeamRole::TreatmentProgram if serves => {
                    Some(ContactSide::Provider)
                }
                TeamRole::SupervisingOfficer if serves => Some(ContactSide::Officer),
                _ => None,
            }
        }
        _ => None,
    })
}

impl App {
    /// Opens the case for `op`, decides it and yields the grant; see the module's notes.
    pub(crate) async fn authorize<'a>(
        &self,
        actor: &'a Actor,
        op: Operation,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess, Grant<'a>), AppError> {
        let (tx, case) = self.open_case_for(actor, op, supervisee_id, now).await?;
        let (tx, grant) = case.grant(tx, actor, op, now).await?;
        Ok((tx, case, grant))
    }

    /// As [`App::authorize`], in a transaction the use case already opened (it had to find
    /// which case a record belongs to).
    pub(crate) async fn authorize_in<'a>(
        &self,
        tx: Tx,
        actor: &'a Actor,
        op: Operation,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess, Grant<'a>), AppError> {
        let (tx, case) = self
            .load_case(tx, actor, op.audit, supervisee_id, now, local_date(now))
            .await?;
        let (tx, grant) = case.grant(tx, actor, op, now).await?;
        Ok((tx, case, grant))
    }

    /// Opens the case for `op` without deciding yet, for work whose record kind is known only
    /// once a record is loaded: a read takes a snapshot without the write lock (its audit
    /// events join the chain in a group commit when it commits); a change takes the write lock.
    /// An unknown case is audited as denied.
    pub(crate) async fn open_case_for(
        &self,
        actor: &Actor,
        op: Operation,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, CaseAccess), AppError> {
        let tx = match op.writes {
            true => self.store.begin().await?,
            false => self.store.begin_read().await?,
        };
        self.load_case(tx, actor, op.audit, supervisee_id, now, local_date(now))
            .await
    }

    /// Loads the case in `tx`, with relationships and waivers as they stand on `today`.
    pub(crate) async fn load_case(
        &self,
        tx: Tx,
        actor: &Actor,
        audit: &str,
        supervisee_id: i64,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<(Tx, CaseAccess), AppError> {
        let Some(supervisee) = tx.supervisee(supervisee_id).await? else {
            return Err(denied(tx, actor, audit, supervisee_id, &unknown_case(), now).await);
        };
        let episodes = tx.episodes(supervisee_id).await?;
        let episode_ids: Vec<i64> = episodes.iter().map(|e| e.id).collect();
        let team = tx.team(&episode_ids).await?;
        let relationships = relationships_in(actor, &supervisee, &team, today);
        let (coverage, waivers) =
            crate::waivers::case_waivers(&tx, supervisee_id, &episodes, today).await?;
        Ok((
            tx,
            CaseAccess {
                supervisee,
                relationships,
                episodes,
                team,
                coverage,
                waivers,
            },
        ))
    }
}

/// The policy's decision on a case record for `actor`, who stands to the case as
/// `relationships`. The console (no user) administers; it does not read case data.
pub(crate) fn decide_on_case(
    actor: &Actor,
    relationships: &[Relationship],
    action: Action,
    kind: RecordKind,
) -> Decision {
    match actor.policy_actor() {
        Some(who) => access::decide(
            &who,
            &Subject::Case {
                relationships,
                waivers: &NoWaivers,
            },
            action,
            kind,
        ),
        None => Decision::Deny {
            reason: access::DenyReason::NoRelationshipToCase,
            visibility: access::Visibility::NotFound,
        },
    }
}

/// How `actor` stands on `day` to a case whose memberships (every episode) are `team`.
pub(crate) fn relationships_in(
    actor: &Actor,
    supervisee: &SuperviseeRecord,
    team: &[TeamMemberRecord],
    day: NaiveDate,
) -> Vec<Relationship> {
    relationships_to(actor, supervisee.owning_agency_id, team, day)
}

/// How `actor` stands to a case owned by `owning_agency_id` with this team on `day`.
pub(crate) fn relationships_to(
    actor: &Actor,
    owning_agency_id: i64,
    team: &[TeamMemberRecord],
    day: NaiveDate,
) -> Vec<Relationship> {
    let Some(user) = actor.user.as_ref() else {
        return Vec::new();
    };
    let mut rels: Vec<Relationship> = team
        .iter()
        .filter(|m| m.user_id == user.id && m.active_on(day))
        .map(|m| Relationship::TeamMember {
            team_role: m.team_role,
        })
        .collect();
    // Officer supervisors oversee the officers of their own agency.
    if user.roles.contains(&Role::OfficerSupervisor)
        && team.iter().any(|m| {
            m.active_on(day)
                && m.team_role == TeamRole::SupervisingOfficer
                && m.agency_id == user.agency_id
        })
    {
        rels.push(Relationship::SupervisorOfMember);
    }
    if user.roles.contains(&Role::AgencyAdmin) && user.agency_id == owning_agency_id {
        rels.push(Relationship::AdminOfOwningAgency);
    }
    rels
}

impl App {
    /// How `actor` stands to the supervisee's case on `day`.
    pub(crate) async fn relationships(
        &self,
        tx: &Tx,
        actor: &Actor,
        supervisee: &SuperviseeRecord,
        day: NaiveDate,
    ) -> Result<Vec<Relationship>, AppError> {
        if actor.user.is_none() {
            return Ok(Vec::new());
        }
        let episode_ids: Vec<i64> = tx
            .episodes(supervisee.id)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        let team = tx.team(&episode_ids).await?;
        Ok(relationships_in(actor, supervisee, &team, day))
    }
}

/// Every operation on a case, by feature.
pub(crate) mod ops {
    use super::Operation;
    use containment_domain::access::{Action, RecordKind, Step};

    // The case, its supervision episodes and its team.
    pub const CASE_READ: Operation = Operation::read("case_read", RecordKind::Supervisee);
    pub const SUPERVISEE_UPDATE: Operation =
        Operation::update("supervisee_update", RecordKind::Supervisee);
    pub const EPISODE_OPEN: Operation =
        Operation::create("episode_open", RecordKind::SupervisionEpisode);
    pub const SUPERVISION_END: Operation =
        Operation::update("supervision_end", RecordKind::SupervisionEpisode);
    pub const SUPERVISION_CORRECT: Operation =
        Operation::update("supervision_correct", RecordKind::SupervisionEpisode);
    pub const TEAM_MEMBER_ADD: Operation =
        Operation::create("team_member_add", RecordKind::TeamMembership);
    pub const TEAM_MEMBER_END: Operation =
        Operation::update("team_member_end", RecordKind::TeamMembership);
    pub const TEAM_CANDIDATES_READ: Operation =
        Operation::create("team_candidates_read", RecordKind::TeamMembership).reading();

    // Documents. Upload and reading decide on the document's own kind, once it is known.
    pub const DOCUMENT_UPLOAD: Operation =
        Operation::create("document_upload", RecordKind::Supervisee);
    pub const DOCUMENT_LIST: Operation = Operation::read("document_list", RecordKind::Supervisee);
    pub const DOCUMENT_READ: Operation = Operation::read("document_read", RecordKind::Supervisee);

    // Waivers and consents.
    pub const WAIVER_CREATE: Operation = Operation::create("waiver_create", RecordKind::Waiver);
    pub const WAIVER_REVOKE: Operation = Operation::update("waiver_revoke", RecordKind::Waiver);

    // Scores. Recording and the chain decide on the instrument's kind of score.
    pub const SCORE_RECORD: Operation = Operation::create("score_record", RecordKind::RiskScore);
    pub const DYNAMIC_SCORE_RECORD: Operation =
        Operation::create("dynamic_score_record", RecordKind::DynamicRiskScore);
    pub const SCORE_STEP: Operation =
        Operation::read("score_step", RecordKind::RiskScore).writing();
    pub const SCORE_REPORT: Operation =
        Operation::new("score_report", Action::Export, RecordKind::RiskScore);

    // Polygraph exams. Follow-ups and referral questions are kept by the core team, who read
    // the exams.
    pub const POLYGRAPH_EXAM_RECORD: Operation =
        Operation::create("polygraph_exam_record", RecordKind::PolygraphExam);
    pub const POLYGRAPH_EXAM_LIST: Operation =
        Operation::read("polygraph_exam_list", RecordKind::PolygraphExam);
    pub const POLYGRAPH_REFERRAL_DRAFT: Operation =
        Operation::read("polygraph_referral_draft", RecordKind::PolygraphExam).writing();
    pub const POLYGRAPH_FOLLOWUP_ADD: Operation =
        Operation::read("polygraph_followup_add", RecordKind::PolygraphExam).writing();
    pub const POLYGRAPH_FOLLOWUP_DONE: Operation =
        Operation::read("polygraph_followup_done", RecordKind::PolygraphExam).writing();

    // Treatment: enrollment, contacts, self-reports, assessments and the plan. Only the
    // provider runs the treatment; the officer and the provider document their contacts.
    pub const TREATMENT_READ: Operation = Operation::read("treatment_read", RecordKind::Obligation);
    pub const TREATMENT_ENROLL: Operation =
        Operation::create("treatment_enroll", RecordKind::TreatmentProgress)
            .by(Step::PlanTreatment);
    pub const TREATMENT_END: Operation =
        Operation::update("treatment_end", RecordKind::TreatmentProgress).by(Step::PlanTreatment);
    pub const CONTACT_RECORD: Operation =
        Operation::create("contact_record", RecordKind::DynamicRiskDiscussion)
            .by(Step::DocumentContact);
    pub const CONTACT_CONFIRM: Operation =
        Operation::create("contact_confirm", RecordKind::DynamicRiskDiscussion)
            .by(Step::DocumentContact);
    pub const SELF_REPORT_RECORD: Operation =
        Operation::create("self_report_record", RecordKind::TreatmentContract);
    pub const SELF_REPORT_ACK: Operation =
        Operation::update("self_report_ack", RecordKind::TreatmentContract)
            .by(Step::AcknowledgeSelfReport);
    pub const ASSESSMENT_REFER: Operation =
        Operation::create("assessment_refer", RecordKind::Obligation).by(Step::ReferAssessment);
    pub const ASSESSMENT_COMPLETE: Operation =
        Operation::update("assessment_complete", RecordKind::TreatmentProgress)
            .by(Step::PlanTreatment);
    pub const SESSION_RECORD: Operation =
        Operation::create("session_record", RecordKind::AttendanceDetail).by(Step::PlanTreatment);
    pub const TREATMENT_INTENSITY: Operation =
        Operation::update("treatment_intensity", RecordKind::TreatmentProgress)
            .by(Step::PlanTreatment);
    pub const MODULE_ADD: Operation =
        Operation::create("module_add", RecordKind::TreatmentProgress).by(Step::PlanTreatment);
    pub const MODULE_COMPLETE: Operation =
        Operation::update("module_complete", RecordKind::TreatmentProgress).by(Step::PlanTreatment);
    // The policy lets only the officer and the provider on the team write the contract.
    pub const CONTRACT_RECORD: Operation =
        Operation::create("contract_record", RecordKind::TreatmentContract);

    // Obligations and exemptions. An exemption is decided by the officer's supervisor or the
    // owning agency's admin, who read the obligations.
    pub const OBLIGATIONS_READ: Operation =
        Operation::read("obligations_read", RecordKind::Obligation);
    pub const OBLIGATIONS_EXPORT: Operation =
        Operation::read("export_obligations", RecordKind::Obligation);
    pub const EXEMPTION_REQUEST: Operation =
        Operation::create("exemption_request", RecordKind::Obligation);
    pub const EXEMPTION_DECIDE: Operation =
        Operation::read("exemption_decide", RecordKind::Obligation).writing();
    pub const EXEMPTIONS_READ: Operation =
        Operation::read("exemptions_read", RecordKind::Obligation);

    // Monthly reports: the provider writes them (under a waiver that lets the author read them
    // again), the officer acknowledges them.
    pub const MONTHLY_REPORT_LIST: Operation =
        Operation::read("monthly_report_list", RecordKind::Supervisee);
    pub const MONTHLY_REPORT_READ: Operation =
        Operation::read("monthly_report_read", RecordKind::MonthlyReport);
    pub const MONTHLY_REPORT_EXPORT: Operation = Operation::new(
        "monthly_report_export",
        Action::Export,
        RecordKind::MonthlyReport,
    );
    pub const MONTHLY_REPORT_PREFILL: Operation =
        Operation::create("monthly_report_prefill", RecordKind::MonthlyReport)
            .by(Step::WriteMonthlyReport);
    pub const MONTHLY_REPORT_DRAFT: Operation =
        Operation::create("monthly_report_draft", RecordKind::MonthlyReport)
            .by(Step::WriteMonthlyReport);
    pub const MONTHLY_REPORT_UPDATE: Operation =
        Operation::update("monthly_report_update", RecordKind::MonthlyReport)
            .by(Step::WriteMonthlyReport);
    pub const MONTHLY_REPORT_SUBMIT: Operation =
        Operation::update("monthly_report_submit", RecordKind::MonthlyReport)
            .by(Step::WriteMonthlyReport);
    pub const MONTHLY_REPORT_CORRECT: Operation =
        Operation::update("monthly_report_correct", RecordKind::MonthlyReport)
            .by(Step::WriteMonthlyReport);
    pub const MONTHLY_REPORT_ACKNOWLEDGE: Operation =
        Operation::update("monthly_report_acknowledge", RecordKind::MonthlyReport)
            .by(Step::AcknowledgeMonthlyReport);
}
