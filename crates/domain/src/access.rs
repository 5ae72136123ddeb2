//! The access policy: who may do what to which record. Pure, deny by default.
//!
//! [`decide`] takes who asks ([`Actor`]), what they ask about ([`Subject`]: a case record together
//! with the asker's relationships to that case, one account, one agency's records, or a
//! system-wide record), the [`Action`] and the [`RecordKind`]. It answers [`Decision::Allow`]
//! naming the role and the rule (and, for treatment information, the waiver that let it through,
//! so the audit can record it) or [`Decision::Deny`] with a reason and a [`Visibility`] telling
//! the caller whether to answer 404 (the record's existence must not leak) or 403.
//!
//! The rules are grant tables in `access/rules.rs`; whatever no grant covers is denied. A user
//! holding several roles is allowed when any one of them is, and there are no "deny" rules, so
//! adding a role or a relationship never removes a permission.

mod rules;
#[cfg(test)]
mod tests;

use crate::identity::code_enum;
use crate::identity::{ParseError, Role};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a 64-bit database id newtype.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type! {
    /// A person's account.
    UserId
}
id_type! {
    /// An agency (probation department, provider, law enforcement, ...).
    AgencyId
}
id_type! {
    /// One confidentiality waiver or consent record.
    WaiverId
}

code_enum! {
    /// What someone wants to do with a record.
    Action, "action" {
        Read => "read", "read";
        Create => "create", "create";
        Update => "update", "update";
        // Only API tokens can be deleted; case records are kept (versions, never deleted).
        Delete => "delete", "delete";
        Export => "export", "export";
        // Roles, settings and rules of users, agencies and policy packs.
        Administer => "administer", "administer";
    }
}

code_enum! {
    /// What is being touched.
    RecordKind, "record kind" {
        Supervisee => "supervisee", "supervisee identity and demographics";
        SupervisionEpisode => "supervision_episode", "supervision episode and status";
        TeamMembership => "team_membership", "containment team membership";
        Certification => "certification", "certification";
        Waiver => "waiver", "confidentiality waiver";
        RiskScore => "risk_score", "static risk score (Static-99R, JSORRAT-II)";
        DynamicRiskScore => "dynamic_risk_score", "dynamic or violence risk score (STABLE-2007, LS/CMI)";
        DynamicRiskDiscussion => "dynamic_risk_discussion", "dynamic-risk discussion";
        TreatmentProgress => "treatment_progress", "treatment progress";
        AttendanceDetail => "attendance_detail", "attendance detail";
        Disclosure => "disclosure", "disclosure";
        MonthlyReport => "monthly_report", "monthly progress report";
        SubstanceUseTreatment => "substance_use_treatment", "substance-use treatment information";
        PolygraphExam => "polygraph_exam", "polygraph exam";
        TreatmentContract => "treatment_contract", "treatment contract";
        CoriRecord => "cori_record", "criminal offender record information";
        Obligation => "obligation", "compliance obligation";
        Meeting => "meeting", "team meeting and governance";
        AuditLog => "audit_log", "audit log";
        User => "user", "user account";
        Agency => "agency", "agency";
        ApiToken => "api_token", "API token";
        PolicyPack => "policy_pack", "policy pack";
        CaseloadImport => "caseload_import", "caseload import from a spreadsheet";
        Team => "team", "team above the case (its charter, members, leaders and sub-teams)";
        TeamWorkplan => "team_workplan", "team workplan activities";
        TeamActivityProgress => "team_activity_progress", "status and notes of a workplan activity";
    }
}

code_enum! {
    /// Categories of treatment information a waiver or consent can cover.
    InformationCategory, "information category" {
        Progress => "progress", "treatment progress";
        AttendanceDetail => "attendance_detail", "attendance detail";
        DynamicRiskDiscussion => "dynamic_risk_discussion", "dynamic-risk discussion";
        Disclosures => "disclosures", "disclosures";
        MonthlyReports => "monthly_reports", "monthly reports";
        SubstanceUse => "substance_use", "substance-use treatment information";
    }
}

code_enum! {
    /// The part a person plays on one case's containment team.
    TeamRole, "team role" {
        SupervisingOfficer => "supervising_officer", "supervising officer";
        TreatmentProvider => "treatment_provider", "treatment provider";
        TreatmentProgram => "treatment_program", "treatment program";
        PolygraphExaminer => "polygraph_examiner", "polygraph examiner";
        RegisteringLawEnforcement => "registering_law_enforcement", "registering law enforcement";
        VictimAdvocate => "victim_advocate", "victim advocate";
        Prosecutor => "prosecutor", "prosecutor";
        // CPS, DMH/DSH staff, school staff (juveniles).
        Other => "other", "other team member";
    }
}

code_enum! {
    /// A step on a case that only one part of the team takes, though the case grants let
    /// others write records of the same kind (the officer keeps their own version of the monthly
    /// report, yet only the provider drafts the provider's; only the officer acknowledges it).
    Step, "step" {
        PlanTreatment => "plan_treatment", "enroll in, plan, assess or end treatment";
        WriteMonthlyReport => "write_monthly_report", "draft, sign or correct the monthly report";
        AcknowledgeMonthlyReport => "acknowledge_monthly_report", "acknowledge the monthly report";
        DocumentContact => "document_contact", "document or confirm a provider-officer contact";
        AcknowledgeSelfReport => "acknowledge_self_report", "acknowledge a self-report";
        ReferAssessment => "refer_assessment", "refer for a comprehensive assessment";
        KeepExamFollowUp => "keep_exam_follow_up", "keep polygraph follow-up actions and referral questions";
        ProviderScoreStep => "provider_score_step", "take a score-sharing step owed by the provider";
        OfficerScoreStep => "officer_score_step", "take a score-sharing step owed by the officer";
        DecideExemption => "decide_exemption", "approve or reject an exemption from an obligation";
    }
}

impl Step {
    /// The step of the score-sharing chain owed by `responsible` on the team, if that side
    /// takes such steps at all.
    pub fn score_step_of(responsible: TeamRole) -> Option<Step> {
        match responsible {
            TeamRole::TreatmentProvider => Some(Step::ProviderScoreStep),
            TeamRole::SupervisingOfficer => Some(Step::OfficerScoreStep),
            _ => None,
        }
    }
}

impl RecordKind {
    /// The waiver category when this kind is treatment information, which flows only under a
    /// waiver. The dynamic *score* is not: it goes to the officer and law enforcement by statute;
    /// its written discussion is.
    pub fn information_category(self) -> Option<InformationCategory> {
        match self {
            RecordKind::TreatmentProgress => Some(InformationCategory::Progress),
            RecordKind::AttendanceDetail => Some(InformationCategory::AttendanceDetail),
            RecordKind::DynamicRiskDiscussion => Some(InformationCategory::DynamicRiskDiscussion),
            RecordKind::Disclosure => Some(InformationCategory::Disclosures),
            RecordKind::MonthlyReport => Some(InformationCategory::MonthlyReports),
            RecordKind::SubstanceUseTreatment => Some(InformationCategory::SubstanceUse),
            _ => None,
        }
    }

    pub fn is_treatment_information(self) -> bool {
        self.information_category().is_some()
    }

    /// Whether this kind belongs to one supervisee's case (and so is reached through
    /// [`Subject::Case`]).
    pub fn is_case_record(self) -> bool {
        !matches!(
            self,
            RecordKind::Certification
                | RecordKind::AuditLog
                | RecordKind::User
                | RecordKind::Agency
                | RecordKind::ApiToken
                | RecordKind::PolicyPack
                | RecordKind::CaseloadImport
                | RecordKind::Team
                | RecordKind::TeamWorkplan
                | RecordKind::TeamActivityProgress
        )
    }
}

impl Action {
    /// Whether doing this to treatment information shows it to the actor, so needs a waiver.
    /// Creating a record shows nothing that was not already the author's.
    pub fn discloses(self) -> bool {
        matches!(self, Action::Read | Action::Update | Action::Export)
    }
}

impl TeamRole {
    /// The agency roles a person must hold for this team role to give them anything: being
    /// listed on a team in a role one does not hold grants nothing.
    pub fn serving_roles(self) -> &'static [Role] {
        match self {
            // Officer supervisors sometimes carry cases themselves.
            TeamRole::SupervisingOfficer => &[Role::SupervisingOfficer, Role::OfficerSupervisor],
            TeamRole::TreatmentProvider | TeamRole::TreatmentProgram => &[Role::TreatmentProvider],
            TeamRole::PolygraphExaminer => &[Role::PolygraphExaminer],
            TeamRole::RegisteringLawEnforcement => &[Role::LawEnforcement],
            TeamRole::VictimAdvocate => &[Role::VictimAdvocate],
            TeamRole::Prosecutor => &[Role::Prosecutor],
            TeamRole::Other => rules::CASE_WORKING_ROLES,
        }
    }
}

code_enum! {
    /// How the actor stands to one team above the case. Someone listed as informed (a judge)
    /// has no standing: being shown with a team grants nothing.
    TeamStanding, "team standing" {
        AdminOfJurisdiction => "admin_of_jurisdiction", "administrator of an agency in the team's jurisdiction";
        Chair => "chair", "chair or moderator of the team (or of the team above it)";
        Staff => "staff", "staff of the team (or of the team above it)";
        Member => "member", "member of the team (representative or designee)";
        ActivityOwner => "activity_owner", "owner of the workplan activity";
    }
}

/// The person asking, as the session knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub agency: AgencyId,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The roles held, in the stable order of [`Role::ALL`], so a decision does not depend on
    /// the order roles were stored in.
    fn held_roles(&self) -> impl Iterator<Item = Role> + '_ {
        Role::ALL.iter().copied().filter(|role| self.has(*role))
    }
}

/// How the actor stands to one case. A person can stand in several ways at once (on the team and
/// admin of the owning agency); no relationship at all is the empty list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relationship {
    /// On the case's containment team.
    TeamMember { team_role: TeamRole },
    /// Supervises a member of the case's team.
    SupervisorOfMember,
    /// Administrator of the agency that owns the case.
    AdminOfOwningAgency,
}

/// The hook for waivers: which active waiver, if any, lets this viewer receive this category of
/// one case's treatment information at the time of the request. The caller evaluates it per
/// request, so a revocation or expiry takes effect on the next one.
pub trait WaiverCoverage: fmt::Debug {
    fn covering(
        &self,
        viewer: &Actor,
        relationships: &[Relationship],
        category: InformationCategory,
    ) -> Option<WaiverId>;
}

/// No waiver on file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoWaivers;

impl WaiverCoverage for NoWaivers {
    fn covering(&self, _: &Actor, _: &[Relationship], _: InformationCategory) -> Option<WaiverId> {
        None
    }
}

/// Coverage already worked out for one viewer on one case: category -> waiver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewerCoverage {
    grants: Vec<(InformationCategory, WaiverId)>,
}

impl ViewerCoverage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a waiver covering one category; the first one added for a category is reported.
    pub fn with(mut self, category: InformationCategory, waiver: WaiverId) -> Self {
        self.grants.push((category, waiver));
        self
    }
}

impl WaiverCoverage for ViewerCoverage {
    fn covering(
        &self,
        _: &Actor,
        _: &[Relationship],
        category: InformationCategory,
    ) -> Option<WaiverId> {
        self.grants
            .iter()
            .find(|(covered, _)| *covered == category)
            .map(|(_, waiver)| *waiver)
    }
}

/// What the request is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A record of one supervisee's case.
    Case {
        relationships: &'a [Relationship],
        waivers: &'a dyn WaiverCoverage,
    },
    /// One person's account, its tokens and certifications.
    Account { user: UserId, agency: AgencyId },
    /// Records held by one agency as a whole (its profile, its list of users).
    Agency { agency: AgencyId },
    /// System-wide records: the audit log, policy packs, the list of agencies.
    System,
    /// A team above the case, or a jurisdiction a team is created for, with how the actor
    /// stands to it.
    Team { standings: &'a [TeamStanding] },
}

/// How a denial is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Answer 404: the actor must not learn that the record exists.
    NotFound,
    /// Answer 403: the actor may know the record exists but not do this.
    Forbidden,
}

impl Visibility {
    pub fn http_status(self) -> u16 {
        match self {
            Visibility::NotFound => 404,
            Visibility::Forbidden => 403,
        }
    }
}

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DenyReason {
    NoRelationshipToCase,
    NotOnTeam,
    OtherAgency,
    NoWaiver { category: InformationCategory },
    NeverDeleted,
    OwnRoles,
    NotPermitted { action: Action, kind: RecordKind },
}

impl DenyReason {
    /// The stable code for the audit log and API errors.
    pub fn code(self) -> &'static str {
        match self {
            DenyReason::NoRelationshipToCase => "no_relationship_to_case",
            DenyReason::NotOnTeam => "not_on_team",
            DenyReason::OtherAgency => "other_agency",
            DenyReason::NoWaiver { .. } => "no_waiver",
            DenyReason::NeverDeleted => "never_deleted",
            DenyReason::OwnRoles => "own_roles",
            DenyReason::NotPermitted { .. } => "not_permitted",
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::NoRelationshipToCase => {
                f.write_str("you are not on this case's team, do not supervise a member, and do not administer its agency")
            }
            DenyReason::NotOnTeam => f.write_str(
                "you do not belong to this team, lead or staff it, nor administer an agency in its jurisdiction",
            ),
            DenyReason::OtherAgency => f.write_str("the record belongs to another agency"),
            DenyReason::NoWaiver { category } => write!(
                f,
                "no active waiver covers {} for you",
                category.label()
            ),
            DenyReason::NeverDeleted => f.write_str("case records are kept, never deleted"),
            DenyReason::OwnRoles => f.write_str("nobody administers their own account"),
            DenyReason::NotPermitted { action, kind } => write!(
                f,
                "none of your roles may {} {}",
                action.label(),
                kind.label()
            ),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Decision {
    Allow {
        /// The role that allowed it; `None` for one's own account, which needs no role.
        role: Option<Role>,
        reason: &'static str,
        /// The waiver that let treatment information through, for the audit log.
        waiver: Option<WaiverId>,
    },
    Deny {
        reason: DenyReason,
        visibility: Visibility,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    pub fn waiver(&self) -> Option<WaiverId> {
        match self {
            Decision::Allow { waiver, .. } => *waiver,
            Decision::Deny { .. } => None,
        }
    }

    /// 200 for an allow, else the status the denial is shown with.
    pub fn http_status(&self) -> u16 {
        match self {
            Decision::Allow { .. } => 200,
            Decision::Deny { visibility, .. } => visibility.http_status(),
        }
    }

    fn deny(reason: DenyReason, visibility: Visibility) -> Self {
        Decision::Deny { reason, visibility }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow {
                role,
                reason,
                waiver,
            } => {
                f.write_str("allowed")?;
                if let Some(role) = role {
                    write!(f, " as {}", role.label())?;
                }
                write!(f, ": {reason}")?;
                if let Some(waiver) = waiver {
                    write!(f, " (under waiver {waiver})")?;
                }
                Ok(())
            }
            Decision::Deny { reason, visibility } => {
                write!(f, "denied ({}): {reason}", visibility.http_status())
            }
        }
    }
}

/// Decides whether `actor` may do `action` to a record of `kind` about `subject`.
pub fn decide(actor: &Actor, subject: &Subject<'_>, action: Action, kind: RecordKind) -> Decision {
    match *subject {
        Subject::Case {
            relationships,
            waivers,
        } => decide_case(actor, relationships, waivers, action, kind),
        Subject::Account { user, agency } => {
            let standing = if user == actor.user {
                Standing::Own
            } else if agency == actor.agency {
                Standing::SameAgency
            } else {
                Standing::OtherAgency
            };
            // Changing one's own roles would let an admin escalate alone.
            if standing == Standing::Own && action == Action::Administer {
                return Decision::deny(DenyReason::OwnRoles, Visibility::Forbidden);
            }
            decide_records(actor, rules::ACCOUNT_GRANTS, standing, action, kind)
        }
        Subject::Agency { agency } => {
            let standing = if agency == actor.agency {
                Standing::SameAgency
            } else {
                Standing::OtherAgency
            };
            decide_records(actor, rules::AGENCY_GRANTS, standing, action, kind)
        }
        Subject::System => {
            decide_records(actor, rules::SYSTEM_GRANTS, Standing::System, action, kind)
        }
        Subject::Team { standings } => decide_team(actor, standings, action, kind),
    }
}

fn decide_team(
    actor: &Actor,
    standings: &[TeamStanding],
    action: Action,
    kind: RecordKind,
) -> Decision {
    // Whoever does not stand to the team must not learn it exists.
    if standings.is_empty() {
        return Decision::deny(DenyReason::NotOnTeam, Visibility::NotFound);
    }
    rules::TEAM_GRANTS
        .iter()
        .filter(|grant| standings.contains(&grant.via))
        .filter(|grant| grant.actions.contains(&action) && grant.kinds.contains(&kind))
        .find_map(|grant| {
            let role = match grant.roles {
                rules::Holders::Anyone => None,
                rules::Holders::AnyRole => Some(actor.held_roles().next()?),
                rules::Holders::Only(roles) => {
                    Some(actor.held_roles().find(|role| roles.contains(role))?)
                }
            };
            Some(Decision::Allow {
                role,
                reason: grant.reason,
                waiver: None,
            })
        })
        .unwrap_or(Decision::deny(
            DenyReason::NotPermitted { action, kind },
            Visibility::Forbidden,
        ))
}

/// How the actor stands to a record that is not case data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Own,
    SameAgency,
    OtherAgency,
    System,
}

/// Whether `actor`, standing to a case in `relationships`, is on the part of the team that takes
/// `step`: the reason of the grant that says so, or `None`. This comes on top of the decision for
/// the step's action and record kind: it narrows, never widens.
pub fn takes_step(
    actor: &Actor,
    relationships: &[Relationship],
    step: Step,
) -> Option<&'static str> {
    rules::STEP_GRANTS
        .iter()
        .filter(|grant| grant.steps.contains(&step))
        .find(|grant| {
            actor.held_roles().any(|role| {
                relationships
                    .iter()
                    .any(|relationship| grant.via.reaches(role, *relationship))
            })
        })
        .map(|grant| grant.reason)
}

/// Whether `actor` may give `role` to a user (on top of being allowed to administer that user's
/// account). Agency admins cannot hand out the system-wide roles.
pub fn may_assign_role(actor: &Actor, role: Role) -> bool {
    actor.has(Role::SystemAdmin)
        || (actor.has(Role::AgencyAdmin) && !matches!(role, Role::SystemAdmin | Role::Auditor))
}

fn decide_case(
    actor: &Actor,
    relationships: &[Relationship],
    waivers: &dyn WaiverCoverage,
    action: Action,
    kind: RecordKind,
) -> Decision {
    // Checked first, whatever the roles: guessing a case id must reveal nothing.
    if relationships.is_empty() {
        return Decision::deny(DenyReason::NoRelationshipToCase, Visibility::NotFound);
    }
    if !kind.is_case_record() {
        return Decision::deny(
            DenyReason::NotPermitted { action, kind },
            Visibility::Forbidden,
        );
    }
    if action == Action::Delete {
        return Decision::deny(DenyReason::NeverDeleted, Visibility::Forbidden);
    }
    let granted = actor.held_roles().find_map(|role| {
        relationships.iter().find_map(|relationship| {
            rules::CASE_GRANTS
                .iter()
                .find(|grant| grant.allows(role, *relationship, action, kind))
                .map(|grant| (role, grant.reason))
        })
    });
    let Some((role, reason)) = granted else {
        return Decision::deny(
            DenyReason::NotPermitted { action, kind },
            Visibility::Forbidden,
        );
    };
    // Coverage depends on the viewer, not on which of their roles matched, so one lookup decides.
    let waiver = match kind.information_category().filter(|_| action.discloses()) {
        None => None,
        Some(category) => match waivers.covering(actor, relationships, category) {
            Some(waiver) => Some(waiver),
            None => {
                return Decision::deny(DenyReason::NoWaiver { category }, Visibility::Forbidden);
            }
        },
    };
    Decision::Allow {
        role: Some(role),
        reason,
        waiver,
    }
}

fn decide_records(
    actor: &Actor,
    grants: &[rules::RecordGrant],
    standing: Standing,
    action: Action,
    kind: RecordKind,
) -> Decision {
    if let Some(decision) = find_record_grant(actor, grants, standing, action, kind) {
        return decision;
    }
    let readable = find_record_grant(actor, grants, standing, Action::Read, kind).is_some();
    if standing == Standing::OtherAgency && !readable {
        // Another agency's record that the actor could not even read: do not confirm it exists.
        return Decision::deny(DenyReason::OtherAgency, Visibility::NotFound);
    }
    Decision::deny(
        DenyReason::NotPermitted { action, kind },
        Visibility::Forbidden,
    )
}

fn find_record_grant(
    actor: &Actor,
    grants: &[rules::RecordGrant],
    standing: Standing,
    action: Action,
    kind: RecordKind,
) -> Option<Decision> {
    grants
        .iter()
        .filter(|grant| grant.reach.covers(standing))
        .filter(|grant| grant.actions.contains(&action) && grant.kinds.contains(&kind))
        .find_map(|grant| {
            let role = match grant.roles {
                rules::Holders::Anyone => None,
                rules::Holders::AnyRole => Some(actor.held_roles().next()?),
                rules::Holders::Only(roles) => {
                    Some(actor.held_roles().find(|role| roles.contains(role))?)
                }
            };
            Some(Decision::Allow {
                role,
                reason: grant.reason,
                waiver: None,
            })
        })
}
