//! The grant tables. Each row allows; nothing here denies, so whatever no row covers is denied
//! and adding a role or relationship can only add permissions.

use super::{Action, RecordKind, Relationship, Standing, Step, TeamRole, TeamStanding};
use crate::identity::Role;

/// Roles that do casework and so may sit on a team as "other" member. Admins and auditors are
/// left out: their work is not case work (separation of duties).
pub(super) const CASE_WORKING_ROLES: &[Role] = &[
    Role::SupervisingOfficer,
    Role::OfficerSupervisor,
    Role::TreatmentProvider,
    Role::PolygraphExaminer,
    Role::LawEnforcement,
    Role::VictimAdvocate,
    Role::Prosecutor,
];

const READ: &[Action] = &[Action::Read];
const EXPORT: &[Action] = &[Action::Export];
const READ_EXPORT: &[Action] = &[Action::Read, Action::Export];
const WRITE: &[Action] = &[Action::Create, Action::Update];

/// Treatment information: disclosed only under a covering waiver.
const TREATMENT: &[RecordKind] = &[
    RecordKind::TreatmentProgress,
    RecordKind::AttendanceDetail,
    RecordKind::DynamicRiskDiscussion,
    RecordKind::Disclosure,
    RecordKind::MonthlyReport,
    RecordKind::SubstanceUseTreatment,
];

/// The case records the core team (officer, provider, examiner) works from.
const CORE: &[RecordKind] = &[
    RecordKind::Supervisee,
    RecordKind::SupervisionEpisode,
    RecordKind::TeamMembership,
    RecordKind::Waiver,
    RecordKind::RiskScore,
    RecordKind::DynamicRiskScore,
    RecordKind::PolygraphExam,
    RecordKind::TreatmentContract,
    RecordKind::Obligation,
    RecordKind::Meeting,
];

/// Rap sheets and police reports probation hands to the provider for scoring (PC 11075): only
/// the officer's side may pass them on.
const CORI: &[RecordKind] = &[RecordKind::CoriRecord];

/// Who a case grant reaches.
#[derive(Debug, Clone, Copy)]
pub(super) enum Via {
    /// Team members in one of these team roles who hold a role serving it.
    Team(&'static [TeamRole]),
    /// Officer supervisors of a team member.
    SupervisorOfMember,
    /// Agency admins of the owning agency.
    AdminOfOwningAgency,
}

impl Via {
    /// Whether someone holding `role` reaches the case through `relationship` this way.
    pub fn reaches(self, role: Role, relationship: Relationship) -> bool {
        match (self, relationship) {
            (Via::Team(team_roles), Relationship::TeamMember { team_role }) => {
                team_roles.contains(&team_role) && team_role.serving_roles().contains(&role)
            }
            (Via::SupervisorOfMember, Relationship::SupervisorOfMember) => {
                role == Role::OfficerSupervisor
            }
            (Via::AdminOfOwningAgency, Relationship::AdminOfOwningAgency) => {
                role == Role::AgencyAdmin
            }
            _ => false,
        }
    }
}

#[derive(Debug)]
pub(super) struct CaseGrant {
    pub via: Via,
    pub actions: &'static [Action],
    pub kinds: &'static [&'static [RecordKind]],
    pub reason: &'static str,
}

impl CaseGrant {
    pub fn allows(
        &self,
        role: Role,
        relationship: Relationship,
        action: Action,
        kind: RecordKind,
    ) -> bool {
        self.via.reaches(role, relationship)
            && self.actions.contains(&action)
            && self.kinds.iter().any(|group| group.contains(&kind))
    }
}

const OFFICER: &[TeamRole] = &[TeamRole::SupervisingOfficer];
const PROVIDER: &[TeamRole] = &[TeamRole::TreatmentProvider, TeamRole::TreatmentProgram];
const EXAMINER: &[TeamRole] = &[TeamRole::PolygraphExaminer];

/// Grants on case records. Treatment kinds listed here still need a covering waiver to be read,
/// updated or exported; Delete and Administer appear nowhere (case records are never deleted).
pub(super) const CASE_GRANTS: &[CaseGrant] = &[
    CaseGrant {
        via: Via::Team(OFFICER),
        actions: READ_EXPORT,
        kinds: &[CORE, TREATMENT, CORI],
        reason: "the supervising officer on the team reads the whole case",
    },
    CaseGrant {
        via: Via::Team(OFFICER),
        actions: WRITE,
        kinds: &[&[
            RecordKind::Supervisee,
            RecordKind::SupervisionEpisode,
            RecordKind::TeamMembership,
            RecordKind::Waiver,
            RecordKind::RiskScore,
            RecordKind::TreatmentContract,
            RecordKind::CoriRecord,
            RecordKind::Obligation,
            RecordKind::Meeting,
            // The officer version of the monthly communication report, self-reports made to
            // the officer, and the officer's side of the monthly communication.
            RecordKind::MonthlyReport,
            RecordKind::Disclosure,
            RecordKind::DynamicRiskDiscussion,
        ]],
        reason: "the supervising officer on the team keeps the case record and the static score",
    },
    CaseGrant {
        via: Via::Team(PROVIDER),
        actions: READ,
        kinds: &[CORE, TREATMENT, CORI],
        reason: "the treatment provider on the team reads the case and the records given for scoring",
    },
    CaseGrant {
        via: Via::Team(PROVIDER),
        actions: EXPORT,
        kinds: &[CORE, TREATMENT],
        reason: "the treatment provider on the team exports the case",
    },
    CaseGrant {
        via: Via::Team(PROVIDER),
        actions: WRITE,
        kinds: &[
            TREATMENT,
            &[
                RecordKind::DynamicRiskScore,
                RecordKind::TreatmentContract,
                RecordKind::Obligation,
                RecordKind::Meeting,
            ],
        ],
        reason: "the treatment provider on the team writes treatment records and dynamic scores",
    },
    CaseGrant {
        via: Via::Team(EXAMINER),
        actions: READ_EXPORT,
        kinds: &[CORE, TREATMENT],
        reason: "the polygraph examiner on the team reads the case",
    },
    CaseGrant {
        via: Via::Team(EXAMINER),
        actions: WRITE,
        kinds: &[&[
            RecordKind::PolygraphExam,
            RecordKind::Disclosure,
            RecordKind::Obligation,
            RecordKind::Meeting,
        ]],
        reason: "the polygraph examiner on the team writes exams and disclosures",
    },
    CaseGrant {
        via: Via::Team(&[TeamRole::RegisteringLawEnforcement]),
        actions: READ,
        kinds: &[
            &[
                RecordKind::Supervisee,
                RecordKind::SupervisionEpisode,
                RecordKind::RiskScore,
                // Dynamic and LS/CMI scores go to law enforcement (never to the public).
                RecordKind::DynamicRiskScore,
            ],
            TREATMENT,
        ],
        reason: "registering law enforcement sees identity, supervision status and risk levels",
    },
    CaseGrant {
        via: Via::Team(&[TeamRole::VictimAdvocate]),
        actions: READ,
        kinds: &[
            &[RecordKind::Supervisee, RecordKind::SupervisionEpisode],
            TREATMENT,
        ],
        reason: "the victim advocate on the team sees identity and supervision status",
    },
    CaseGrant {
        via: Via::Team(&[TeamRole::Prosecutor]),
        actions: READ,
        kinds: &[
            &[
                RecordKind::Supervisee,
                RecordKind::SupervisionEpisode,
                // Static-99R levels are public on Megan's Law anyway (PC 290.46).
                RecordKind::RiskScore,
            ],
            TREATMENT,
        ],
        reason: "the prosecutor on the team sees identity, supervision status and the static level",
    },
    CaseGrant {
        via: Via::Team(&[TeamRole::Other]),
        actions: READ,
        kinds: &[
            &[RecordKind::Supervisee, RecordKind::SupervisionEpisode],
            TREATMENT,
        ],
        reason: "other team members see identity and supervision status",
    },
    CaseGrant {
        via: Via::SupervisorOfMember,
        actions: READ_EXPORT,
        kinds: &[CORE, TREATMENT, CORI],
        reason: "an officer supervisor reads the cases of the officers they supervise",
    },
    CaseGrant {
        via: Via::SupervisorOfMember,
        actions: WRITE,
        // Reassigning officers and approving exemptions.
        kinds: &[&[RecordKind::TeamMembership, RecordKind::Obligation]],
        reason: "an officer supervisor staffs the team and approves exemptions",
    },
    CaseGrant {
        via: Via::AdminOfOwningAgency,
        actions: READ_EXPORT,
        kinds: &[CORE, TREATMENT],
        reason: "the owning agency's admin reads the agency's cases",
    },
    CaseGrant {
        via: Via::AdminOfOwningAgency,
        actions: WRITE,
        kinds: &[&[
            RecordKind::Supervisee,
            RecordKind::SupervisionEpisode,
            RecordKind::TeamMembership,
            RecordKind::Waiver,
        ]],
        reason: "the owning agency's admin opens cases, files waivers and assembles teams",
    },
    CaseGrant {
        via: Via::AdminOfOwningAgency,
        actions: &[Action::Create],
        kinds: &[&[RecordKind::RiskScore, RecordKind::DynamicRiskScore]],
        reason: "the owning agency's admin enters historic scores and, with a reason, uncertified ones",
    },
];

/// Who takes a step that only part of the team takes.
#[derive(Debug)]
pub(super) struct StepGrant {
    pub via: Via,
    pub steps: &'static [Step],
    pub reason: &'static str,
}

/// The two sides of the monthly communication.
const OFFICER_OR_PROVIDER: &[TeamRole] = &[
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProvider,
    TeamRole::TreatmentProgram,
];

/// The core team: officer, provider and polygraph examiner.
const CORE_TEAM: &[TeamRole] = &[
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProvider,
    TeamRole::TreatmentProgram,
    TeamRole::PolygraphExaminer,
];

/// Steps narrowed to one part of the team. A step needs both its case grant (above) and a row
/// here.
pub(super) const STEP_GRANTS: &[StepGrant] = &[
    StepGrant {
        via: Via::Team(PROVIDER),
        steps: &[
            Step::PlanTreatment,
            Step::WriteMonthlyReport,
            Step::ProviderScoreStep,
        ],
        reason: "the treatment provider on the team runs the treatment, writes the monthly report and takes the provider's steps in sharing a score",
    },
    StepGrant {
        via: Via::Team(OFFICER),
        steps: &[Step::AcknowledgeMonthlyReport, Step::OfficerScoreStep],
        reason: "the supervising officer on the team acknowledges the provider's monthly report and takes the officer's steps in sharing a score",
    },
    StepGrant {
        via: Via::Team(OFFICER_OR_PROVIDER),
        steps: &[
            Step::DocumentContact,
            Step::AcknowledgeSelfReport,
            Step::ReferAssessment,
        ],
        reason: "the officer and the provider document their contacts, acknowledge self-reports and refer for assessment",
    },
    StepGrant {
        via: Via::Team(CORE_TEAM),
        steps: &[Step::KeepExamFollowUp],
        reason: "the officer, the treatment provider and the polygraph examiner on the team keep the follow-up actions and referral questions of the exams",
    },
    StepGrant {
        via: Via::SupervisorOfMember,
        steps: &[Step::DecideExemption],
        reason: "the supervisor of an officer on the team decides exemptions, not the team",
    },
    StepGrant {
        via: Via::AdminOfOwningAgency,
        steps: &[Step::DecideExemption],
        reason: "an admin of the agency that owns the case decides exemptions",
    },
];

/// How far a non-case grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// Only the actor's own account.
    Own,
    /// The actor's own agency (which includes their own account).
    SameAgency,
    /// Everywhere.
    Anywhere,
}

impl Reach {
    pub fn covers(self, standing: Standing) -> bool {
        match self {
            Reach::Own => standing == Standing::Own,
            Reach::SameAgency => matches!(standing, Standing::Own | Standing::SameAgency),
            Reach::Anywhere => true,
        }
    }
}

/// Who a non-case grant is for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Holders {
    /// Any signed-in person, even one holding no role yet.
    Anyone,
    /// Anyone holding at least one role.
    AnyRole,
    /// Holders of one of these roles.
    Only(&'static [Role]),
}

#[derive(Debug)]
pub(super) struct RecordGrant {
    pub reach: Reach,
    pub roles: Holders,
    pub actions: &'static [Action],
    pub kinds: &'static [RecordKind],
    pub reason: &'static str,
}

const AGENCY_ADMIN: Holders = Holders::Only(&[Role::AgencyAdmin]);
const SYSTEM_ADMIN: Holders = Holders::Only(&[Role::SystemAdmin]);
const AUDITOR: Holders = Holders::Only(&[Role::Auditor]);

/// Grants on one person's account, tokens and certifications.
pub(super) const ACCOUNT_GRANTS: &[RecordGrant] = &[
    RecordGrant {
        reach: Reach::Own,
        roles: Holders::Anyone,
        actions: &[Action::Read, Action::Update],
        kinds: &[RecordKind::User],
        reason: "everyone reads and updates their own account",
    },
    RecordGrant {
        reach: Reach::Own,
        roles: Holders::Anyone,
        actions: &[Action::Read, Action::Create, Action::Update, Action::Delete],
        kinds: &[RecordKind::ApiToken],
        reason: "everyone manages their own API tokens",
    },
    RecordGrant {
        reach: Reach::Own,
        roles: Holders::Anyone,
        actions: READ,
        kinds: &[RecordKind::Certification],
        reason: "everyone reads their own certifications",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Read, Action::Update, Action::Administer],
        kinds: &[RecordKind::User],
        reason: "the agency admin manages the agency's users",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Read, Action::Delete],
        kinds: &[RecordKind::ApiToken],
        reason: "the agency admin revokes the tokens of the agency's users",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Read, Action::Create, Action::Update],
        kinds: &[RecordKind::Certification],
        reason: "the agency admin records the certifications of the agency's people",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Read, Action::Update, Action::Administer],
        kinds: &[RecordKind::User],
        reason: "the system admin manages every account",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Read, Action::Delete],
        kinds: &[RecordKind::ApiToken],
        reason: "the system admin revokes any API token",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: AUDITOR,
        actions: READ,
        kinds: &[RecordKind::User],
        reason: "the auditor identifies who acted",
    },
];

/// Grants on an agency as a whole: its profile, its list of users and tokens, its audit trail.
pub(super) const AGENCY_GRANTS: &[RecordGrant] = &[
    RecordGrant {
        reach: Reach::SameAgency,
        roles: Holders::Only(&[
            Role::SupervisingOfficer,
            Role::OfficerSupervisor,
            Role::AgencyAdmin,
        ]),
        actions: &[Action::Create],
        kinds: &[RecordKind::Supervisee],
        reason: "officers and admins of a supervising agency open its cases",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Create],
        kinds: &[RecordKind::CaseloadImport],
        reason: "the agency admin imports the agency's existing caseload from a spreadsheet",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: Holders::AnyRole,
        actions: READ,
        kinds: &[RecordKind::Agency],
        reason: "members read their own agency's profile",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Update],
        kinds: &[RecordKind::Agency],
        reason: "the agency admin keeps the agency's profile",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: &[Action::Read, Action::Create],
        kinds: &[RecordKind::User],
        reason: "the agency admin lists and adds the agency's users",
    },
    RecordGrant {
        reach: Reach::SameAgency,
        roles: AGENCY_ADMIN,
        actions: READ,
        kinds: &[RecordKind::Certification, RecordKind::ApiToken],
        reason: "the agency admin lists the agency's certifications and tokens",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Read, Action::Update, Action::Administer],
        kinds: &[RecordKind::Agency],
        reason: "the system admin manages every agency",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Read, Action::Create],
        kinds: &[RecordKind::User],
        reason: "the system admin lists and adds any agency's users",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: READ,
        kinds: &[RecordKind::ApiToken],
        reason: "the system admin lists any agency's tokens",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: AUDITOR,
        actions: READ,
        kinds: &[RecordKind::Agency, RecordKind::User],
        reason: "the auditor identifies who acted",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: AUDITOR,
        actions: READ_EXPORT,
        kinds: &[RecordKind::AuditLog],
        reason: "the auditor reads an agency's audit trail",
    },
];

/// Grants on system-wide records.
pub(super) const SYSTEM_GRANTS: &[RecordGrant] = &[
    RecordGrant {
        reach: Reach::Anywhere,
        roles: Holders::AnyRole,
        actions: READ,
        kinds: &[RecordKind::PolicyPack, RecordKind::Agency],
        reason: "policy packs and the list of agencies are open to every professional",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Create, Action::Update, Action::Administer],
        kinds: &[RecordKind::PolicyPack, RecordKind::Agency],
        reason: "the system admin keeps policy packs and registers agencies",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: &[Action::Read, Action::Create],
        kinds: &[RecordKind::User],
        reason: "the system admin lists and adds users",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: SYSTEM_ADMIN,
        actions: READ,
        kinds: &[RecordKind::ApiToken],
        reason: "the system admin lists API tokens",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: AUDITOR,
        actions: READ_EXPORT,
        kinds: &[RecordKind::AuditLog],
        reason: "the auditor reads the audit log",
    },
    RecordGrant {
        reach: Reach::Anywhere,
        roles: AUDITOR,
        actions: READ,
        kinds: &[RecordKind::User],
        reason: "the auditor identifies who acted",
    },
];

/// A grant on a team above the case, reaching those who stand to it as `via`.
#[derive(Debug)]
pub(super) struct TeamGrant {
    pub via: TeamStanding,
    pub roles: Holders,
    pub actions: &'static [Action],
    pub kinds: &'static [RecordKind],
    pub reason: &'static str,
}

const TEAM_READ: &[RecordKind] = &[RecordKind::Team, RecordKind::TeamWorkplan];
const WORKPLAN: &[RecordKind] = &[RecordKind::TeamWorkplan, RecordKind::TeamActivityProgress];

/// Grants on teams above the case. Nobody else sees a team: someone listed as informed (a
/// judge) stands nowhere here. `Administer` a team is appointing its chair or moderator and its
/// staff; `Create` a team is founding it (in a jurisdiction) or a sub-team under it.
pub(super) const TEAM_GRANTS: &[TeamGrant] = &[
    TeamGrant {
        via: TeamStanding::AdminOfJurisdiction,
        roles: AGENCY_ADMIN,
        actions: &[Action::Read, Action::Create, Action::Administer],
        kinds: &[RecordKind::Team],
        reason: "an agency admin creates the teams of the agency's county and appoints their chair and staff",
    },
    TeamGrant {
        via: TeamStanding::AdminOfJurisdiction,
        roles: AGENCY_ADMIN,
        actions: READ,
        kinds: TEAM_READ,
        reason: "an agency admin sees the teams of the agency's county and their workplans",
    },
    TeamGrant {
        via: TeamStanding::Chair,
        roles: Holders::Anyone,
        actions: &[Action::Read, Action::Create, Action::Update],
        kinds: &[
            RecordKind::Team,
            RecordKind::TeamWorkplan,
            RecordKind::TeamActivityProgress,
        ],
        reason: "the chair edits the team, its members, sub-teams and workplan",
    },
    TeamGrant {
        via: TeamStanding::Staff,
        roles: Holders::Anyone,
        actions: &[Action::Read, Action::Create, Action::Update],
        kinds: &[
            RecordKind::Team,
            RecordKind::TeamWorkplan,
            RecordKind::TeamActivityProgress,
        ],
        reason: "the team's staff plan its work and keep its records",
    },
    TeamGrant {
        via: TeamStanding::Member,
        roles: Holders::Anyone,
        actions: READ,
        kinds: TEAM_READ,
        reason: "a member sees the team and its workplan",
    },
    TeamGrant {
        via: TeamStanding::ActivityOwner,
        roles: Holders::Anyone,
        actions: &[Action::Read, Action::Create, Action::Update],
        kinds: &[RecordKind::TeamActivityProgress],
        reason: "the owner of an activity updates its status and records notes",
    },
    TeamGrant {
        via: TeamStanding::ActivityOwner,
        roles: Holders::Anyone,
        actions: READ,
        kinds: WORKPLAN,
        reason: "the owner of an activity reads it",
    },
];
