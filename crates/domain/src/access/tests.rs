use super::*;
use proptest::prelude::*;

const ME: UserId = UserId(1);
const COLLEAGUE: UserId = UserId(2);
const STRANGER: UserId = UserId(3);
const MY_AGENCY: AgencyId = AgencyId(10);
const OTHER_AGENCY: AgencyId = AgencyId(20);
const COURT_WAIVER: WaiverId = WaiverId(7);

fn actor(roles: &[Role]) -> Actor {
    Actor {
        user: ME,
        agency: MY_AGENCY,
        roles: roles.to_vec(),
    }
}

/// Every category covered, each by its own waiver, so tests can see which one was reported.
fn waiver_for(category: InformationCategory) -> WaiverId {
    let index = InformationCategory::ALL
        .iter()
        .position(|c| *c == category)
        .unwrap_or(0);
    WaiverId(100 + index as i64)
}

#[derive(Debug)]
struct Everything;

impl WaiverCoverage for Everything {
    fn covering(
        &self,
        _: &Actor,
        _: &[Relationship],
        category: InformationCategory,
    ) -> Option<WaiverId> {
        Some(waiver_for(category))
    }
}

/// The default court waiver (PC 1203.067(b)(4)): provider, officer and examiner only, and not
/// substance-use information (that needs a 42 CFR Part 2 consent).
#[derive(Debug)]
struct CourtWaiver;

impl WaiverCoverage for CourtWaiver {
    fn covering(
        &self,
        viewer: &Actor,
        relationships: &[Relationship],
        category: InformationCategory,
    ) -> Option<WaiverId> {
        let named = relationships.iter().any(|r| match r {
            Relationship::TeamMember { team_role } => {
                matches!(
                    team_role,
                    TeamRole::SupervisingOfficer
                        | TeamRole::TreatmentProvider
                        | TeamRole::TreatmentProgram
                        | TeamRole::PolygraphExaminer
                ) && team_role
                    .serving_roles()
                    .iter()
                    .any(|role| viewer.has(*role))
            }
            _ => false,
        });
        (named && category != InformationCategory::SubstanceUse).then_some(COURT_WAIVER)
    }
}

fn all_relationships() -> Vec<Relationship> {
    let mut all: Vec<Relationship> = TeamRole::ALL
        .iter()
        .map(|team_role| Relationship::TeamMember {
            team_role: *team_role,
        })
        .collect();
    all.push(Relationship::SupervisorOfMember);
    all.push(Relationship::AdminOfOwningAgency);
    all
}

/// No relationship, each single relationship, and all of them at once.
fn relationship_sets() -> Vec<Vec<Relationship>> {
    let mut sets = vec![Vec::new()];
    sets.extend(all_relationships().into_iter().map(|r| vec![r]));
    sets.push(all_relationships());
    sets
}

fn coverages() -> [&'static dyn WaiverCoverage; 3] {
    [&NoWaivers, &CourtWaiver, &Everything]
}

/// Each single role, no role, and every role at once.
fn role_sets() -> Vec<Vec<Role>> {
    let mut sets = vec![Vec::new()];
    sets.extend(Role::ALL.iter().map(|r| vec![*r]));
    sets.push(Role::ALL.to_vec());
    sets
}

fn case<'a>(relationships: &'a [Relationship], waivers: &'a dyn WaiverCoverage) -> Subject<'a> {
    Subject::Case {
        relationships,
        waivers,
    }
}

/// Calls `check` for every role set x relationship set x coverage x action x kind on a case.
fn for_every_case_request(
    mut check: impl FnMut(&Actor, &[Relationship], &dyn WaiverCoverage, Action, RecordKind, Decision),
) {
    for roles in role_sets() {
        let who = actor(&roles);
        for relationships in relationship_sets() {
            for waivers in coverages() {
                for action in Action::ALL {
                    for kind in RecordKind::ALL {
                        let decision = decide(&who, &case(&relationships, waivers), *action, *kind);
                        check(&who, &relationships, waivers, *action, *kind, decision);
                    }
                }
            }
        }
    }
}

#[test]
fn codes_round_trip() {
    for action in Action::ALL {
        assert_eq!(action.code().parse::<Action>(), Ok(*action));
    }
    for kind in RecordKind::ALL {
        assert_eq!(kind.code().parse::<RecordKind>(), Ok(*kind));
    }
    for category in InformationCategory::ALL {
        assert_eq!(
            category.code().parse::<InformationCategory>(),
            Ok(*category)
        );
    }
    for team_role in TeamRole::ALL {
        assert_eq!(team_role.code().parse::<TeamRole>(), Ok(*team_role));
    }
    assert!("".parse::<TeamRole>().is_err());
}

#[test]
fn treatment_kinds_map_to_their_waiver_categories() {
    let mut treatment: Vec<_> = RecordKind::ALL
        .iter()
        .filter_map(|k| k.information_category())
        .collect();
    treatment.sort();
    assert_eq!(treatment, InformationCategory::ALL, "one kind per category");
    for kind in [
        RecordKind::RiskScore,
        RecordKind::DynamicRiskScore,
        RecordKind::PolygraphExam,
        RecordKind::Supervisee,
    ] {
        assert!(!kind.is_treatment_information(), "{kind}");
    }
    assert!(
        RecordKind::ALL
            .iter()
            .filter(|k| k.is_treatment_information())
            .all(|k| k.is_case_record())
    );
}

// Invariant 1.
#[test]
fn no_relationship_to_a_case_never_allows_and_answers_404() {
    for_every_case_request(|_, relationships, _, action, kind, decision| {
        if relationships.is_empty() {
            assert_eq!(
                decision,
                Decision::Deny {
                    reason: DenyReason::NoRelationshipToCase,
                    visibility: Visibility::NotFound
                },
                "{action} {kind}"
            );
        } else if let Decision::Deny { visibility, .. } = decision {
            assert_eq!(
                visibility,
                Visibility::Forbidden,
                "{action} {kind} {relationships:?}"
            );
        }
    });
}

// Invariant 2.
#[test]
fn treatment_information_is_disclosed_only_under_a_covering_waiver_which_is_reported() {
    for_every_case_request(|who, relationships, waivers, action, kind, decision| {
        let category = kind.information_category().filter(|_| action.discloses());
        match (category, &decision) {
            (Some(category), Decision::Allow { waiver, .. }) => {
                let covering = waivers.covering(who, relationships, category);
                assert!(covering.is_some(), "{decision} without a waiver");
                assert_eq!(*waiver, covering);
            }
            (None, Decision::Allow { waiver, .. }) => {
                assert_eq!(*waiver, None, "{action} {kind} reported a waiver");
            }
            (
                Some(category),
                Decision::Deny {
                    reason: DenyReason::NoWaiver { category: c },
                    ..
                },
            ) => {
                assert_eq!(category, *c);
                assert!(waivers.covering(who, relationships, category).is_none());
            }
            (
                None,
                Decision::Deny {
                    reason: DenyReason::NoWaiver { .. },
                    ..
                },
            ) => {
                unreachable!("no-waiver denial of {action} {kind}")
            }
            _ => {}
        }
    });
    // The message names the category.
    let officer = actor(&[Role::SupervisingOfficer]);
    let rel = [Relationship::TeamMember {
        team_role: TeamRole::SupervisingOfficer,
    }];
    let denied = decide(
        &officer,
        &case(&rel, &NoWaivers),
        Action::Read,
        RecordKind::Disclosure,
    );
    let Decision::Deny { reason, .. } = denied else {
        unreachable!("allowed without a waiver")
    };
    assert_eq!(
        reason.to_string(),
        "no active waiver covers disclosures for you"
    );
}

// Invariant 3.
#[test]
fn law_enforcement_advocates_and_prosecutors_never_see_treatment_without_a_waiver_naming_them() {
    for team_role in [
        TeamRole::RegisteringLawEnforcement,
        TeamRole::VictimAdvocate,
        TeamRole::Prosecutor,
        TeamRole::Other,
    ] {
        let rel = [Relationship::TeamMember { team_role }];
        for roles in role_sets() {
            let who = actor(&roles);
            for waivers in [&NoWaivers as &dyn WaiverCoverage, &CourtWaiver] {
                for kind in RecordKind::ALL
                    .iter()
                    .filter(|k| k.is_treatment_information())
                {
                    for action in Action::ALL.iter().filter(|a| a.discloses()) {
                        let decision = decide(&who, &case(&rel, waivers), *action, *kind);
                        assert!(
                            !decision.is_allowed(),
                            "{team_role} {roles:?} {action} {kind}: {decision}"
                        );
                    }
                }
            }
        }
    }
    // With a consent naming them, law enforcement may read what it covers.
    let police = actor(&[Role::LawEnforcement]);
    let rel = [Relationship::TeamMember {
        team_role: TeamRole::RegisteringLawEnforcement,
    }];
    let consent = ViewerCoverage::new().with(InformationCategory::Disclosures, WaiverId(9));
    let read = |kind| decide(&police, &case(&rel, &consent), Action::Read, kind);
    assert_eq!(read(RecordKind::Disclosure).waiver(), Some(WaiverId(9)));
    assert!(!read(RecordKind::TreatmentProgress).is_allowed());
}

// Invariant 4, and the system admin's separation of duties.
#[test]
fn auditors_and_system_admins_never_touch_case_data() {
    for role in [Role::Auditor, Role::SystemAdmin] {
        let who = actor(&[role, Role::Auditor, Role::SystemAdmin]);
        for relationships in relationship_sets() {
            for waivers in coverages() {
                for action in Action::ALL {
                    for kind in RecordKind::ALL {
                        let decision = decide(&who, &case(&relationships, waivers), *action, *kind);
                        assert!(!decision.is_allowed(), "{role} {action} {kind}: {decision}");
                    }
                }
            }
        }
    }
}

// Invariant 5.
#[test]
fn nothing_deletes_or_administers_case_records() {
    for_every_case_request(|_, _, _, action, kind, decision| {
        if matches!(action, Action::Delete | Action::Administer) {
            assert!(!decision.is_allowed(), "{action} {kind}: {decision}");
        }
    });
}

// Invariant 6.
#[test]
fn deny_by_default() {
    let nobody = actor(&[]);
    for relationships in relationship_sets() {
        for waivers in coverages() {
            for action in Action::ALL {
                for kind in RecordKind::ALL {
                    assert!(
                        !decide(&nobody, &case(&relationships, waivers), *action, *kind)
                            .is_allowed()
                    );
                    for subject in [Subject::Agency { agency: MY_AGENCY }, Subject::System] {
                        assert!(!decide(&nobody, &subject, *action, *kind).is_allowed());
                    }
                }
            }
        }
    }
    // Non-case kinds are never reached through a case.
    for_every_case_request(|_, _, _, action, kind, decision| {
        if !kind.is_case_record() {
            assert!(!decision.is_allowed(), "{action} {kind} through a case");
        }
    });
}

#[test]
fn a_team_role_gives_nothing_to_someone_not_holding_a_role_that_serves_it() {
    for team_role in TeamRole::ALL {
        let rel = [Relationship::TeamMember {
            team_role: *team_role,
        }];
        for role in Role::ALL {
            let who = actor(&[*role]);
            let serves = team_role.serving_roles().contains(role);
            let any_allowed = RecordKind::ALL.iter().any(|kind| {
                Action::ALL.iter().any(|action| {
                    decide(&who, &case(&rel, &Everything), *action, *kind).is_allowed()
                })
            });
            assert_eq!(any_allowed, serves, "{role} as {team_role}");
        }
    }
    let sup = [Relationship::SupervisorOfMember];
    let admin = [Relationship::AdminOfOwningAgency];
    for role in Role::ALL {
        let who = actor(&[*role]);
        let read = |rel: &[Relationship]| {
            decide(
                &who,
                &case(rel, &NoWaivers),
                Action::Read,
                RecordKind::Supervisee,
            )
            .is_allowed()
        };
        assert_eq!(read(&sup), *role == Role::OfficerSupervisor, "{role}");
        assert_eq!(read(&admin), *role == Role::AgencyAdmin, "{role}");
    }
}

#[test]
fn an_allow_names_a_role_the_actor_holds() {
    for_every_case_request(|who, _, _, _, _, decision| {
        if let Decision::Allow { role, .. } = decision {
            assert!(role.is_some_and(|r| who.has(r)), "{decision}");
        }
    });
}

fn allowed(
    roles: &[Role],
    relationships: &[Relationship],
    waivers: &dyn WaiverCoverage,
    action: Action,
    kind: RecordKind,
) -> bool {
    decide(&actor(roles), &case(relationships, waivers), action, kind).is_allowed()
}

fn non_case_subjects() -> [Subject<'static>; 7] {
    [
        Subject::Account {
            user: ME,
            agency: MY_AGENCY,
        },
        Subject::Account {
            user: COLLEAGUE,
            agency: MY_AGENCY,
        },
        Subject::Account {
            user: STRANGER,
            agency: OTHER_AGENCY,
        },
        Subject::Agency { agency: MY_AGENCY },
        Subject::Agency {
            agency: OTHER_AGENCY,
        },
        Subject::System,
        Subject::System,
    ]
}

#[test]
fn adding_a_role_never_removes_a_permission() {
    for first in Role::ALL {
        for second in Role::ALL {
            let one = [*first];
            let two = [*first, *second];
            for relationships in relationship_sets() {
                for waivers in coverages() {
                    for action in Action::ALL {
                        for kind in RecordKind::ALL {
                            if allowed(&one, &relationships, waivers, *action, *kind) {
                                assert!(
                                    allowed(&two, &relationships, waivers, *action, *kind),
                                    "{first}+{second} lost {action} {kind} on {relationships:?}"
                                );
                            }
                        }
                    }
                }
            }
            for subject in non_case_subjects() {
                for action in Action::ALL {
                    for kind in RecordKind::ALL {
                        if decide(&actor(&one), &subject, *action, *kind).is_allowed() {
                            assert!(decide(&actor(&two), &subject, *action, *kind).is_allowed());
                        }
                    }
                }
            }
        }
    }
}

fn from_mask<T: Copy>(all: &[T], mask: u32) -> Vec<T> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, v)| *v)
        .collect()
}

proptest! {
    #[test]
    fn more_roles_relationships_or_waivers_never_remove_a_permission(
        roles in 0u32..(1 << 10),
        extra_roles in 0u32..(1 << 10),
        relationships in 0u32..(1 << 10),
        extra_relationships in 0u32..(1 << 10),
        action in prop::sample::select(Action::ALL),
        kind in prop::sample::select(RecordKind::ALL),
        waiver_level in 0usize..3,
    ) {
        let all_rel = all_relationships();
        let small_roles = from_mask(Role::ALL, roles);
        let big_roles = from_mask(Role::ALL, roles | extra_roles);
        let small_rel = from_mask(&all_rel, relationships);
        let big_rel = from_mask(&all_rel, relationships | extra_relationships);
        let levels = coverages();
        let small_waivers = levels[waiver_level];
        // CourtWaiver is not below Everything on every request, so only NoWaivers -> Everything.
        let big_waivers: &dyn WaiverCoverage = if waiver_level == 0 { &Everything } else { small_waivers };
        if allowed(&small_roles, &small_rel, small_waivers, action, kind) {
            prop_assert!(allowed(&big_roles, &big_rel, big_waivers, action, kind));
        }
    }
}

#[test]
fn own_account_and_tokens_are_open_to_everyone_but_nobody_administers_themselves() {
    for roles in role_sets() {
        let who = actor(&roles);
        let own = Subject::Account {
            user: ME,
            agency: MY_AGENCY,
        };
        for (action, kind) in [
            (Action::Read, RecordKind::User),
            (Action::Update, RecordKind::User),
            (Action::Read, RecordKind::ApiToken),
            (Action::Create, RecordKind::ApiToken),
            (Action::Delete, RecordKind::ApiToken),
            (Action::Read, RecordKind::Certification),
        ] {
            assert!(
                decide(&who, &own, action, kind).is_allowed(),
                "{roles:?} {action} {kind}"
            );
        }
        assert_eq!(
            decide(&who, &own, Action::Administer, RecordKind::User),
            Decision::Deny {
                reason: DenyReason::OwnRoles,
                visibility: Visibility::Forbidden
            }
        );
        assert!(!decide(&who, &own, Action::Delete, RecordKind::User).is_allowed());
    }
}

#[test]
fn another_agencys_records_are_404_unless_the_actor_may_read_them() {
    for roles in role_sets() {
        let who = actor(&roles);
        let global = who.has(Role::SystemAdmin) || who.has(Role::Auditor);
        for subject in [
            Subject::Account {
                user: STRANGER,
                agency: OTHER_AGENCY,
            },
            Subject::Agency {
                agency: OTHER_AGENCY,
            },
        ] {
            for action in Action::ALL {
                for kind in RecordKind::ALL {
                    let decision = decide(&who, &subject, *action, *kind);
                    if !global {
                        assert_eq!(
                            decision,
                            Decision::Deny {
                                reason: DenyReason::OtherAgency,
                                visibility: Visibility::NotFound
                            },
                            "{roles:?} {action} {kind}"
                        );
                    }
                    if let Decision::Deny {
                        visibility: Visibility::Forbidden,
                        ..
                    } = decision
                    {
                        assert!(decide(&who, &subject, Action::Read, *kind).is_allowed());
                    }
                }
            }
        }
    }
}

#[test]
fn only_auditors_read_the_audit_log_and_only_admins_delete_anything_but_own_tokens() {
    for roles in role_sets() {
        let who = actor(&roles);
        for subject in non_case_subjects() {
            for action in Action::ALL {
                for kind in RecordKind::ALL {
                    let decision = decide(&who, &subject, *action, *kind);
                    if *kind == RecordKind::AuditLog && decision.is_allowed() {
                        assert!(who.has(Role::Auditor));
                        assert!(matches!(action, Action::Read | Action::Export));
                    }
                    if *action == Action::Delete && decision.is_allowed() {
                        assert_eq!(*kind, RecordKind::ApiToken);
                    }
                    if *action == Action::Administer && decision.is_allowed() {
                        assert!(who.has(Role::SystemAdmin) || who.has(Role::AgencyAdmin));
                    }
                }
            }
        }
    }
}

#[test]
fn role_assignment_keeps_system_roles_with_the_system_admin() {
    let admin = actor(&[Role::AgencyAdmin]);
    assert!(may_assign_role(&admin, Role::TreatmentProvider));
    assert!(may_assign_role(&admin, Role::AgencyAdmin));
    assert!(!may_assign_role(&admin, Role::SystemAdmin));
    assert!(!may_assign_role(&admin, Role::Auditor));
    assert!(may_assign_role(&actor(&[Role::SystemAdmin]), Role::Auditor));
    assert!(!may_assign_role(
        &actor(&[Role::SupervisingOfficer]),
        Role::SupervisingOfficer
    ));
}

/// roles, relationships, waivers, action, kind, expected.
type CaseRow<'a> = (
    &'a [Role],
    Vec<Relationship>,
    &'a dyn WaiverCoverage,
    Action,
    RecordKind,
    Expect,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    AllowUnder(WaiverId),
    Deny403,
    Deny404,
}

fn team(team_role: TeamRole) -> Vec<Relationship> {
    vec![Relationship::TeamMember { team_role }]
}

#[test]
fn decisions_for_the_main_roles() {
    use Expect::*;
    use RecordKind as K;
    use Role as R;
    use TeamRole as T;

    let court: &dyn WaiverCoverage = &CourtWaiver;
    let none: &dyn WaiverCoverage = &NoWaivers;
    let all: &dyn WaiverCoverage = &Everything;
    let sup = vec![Relationship::SupervisorOfMember];
    let owner = vec![Relationship::AdminOfOwningAgency];
    let nothing: Vec<Relationship> = Vec::new();
    let a = Action::Read;
    let (c, u, d, x) = (
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
    );

    let case_rows: Vec<CaseRow<'_>> = vec![
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            a,
            K::Supervisee,
            Allow,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            u,
            K::SupervisionEpisode,
            Allow,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            a,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            court,
            a,
            K::TreatmentProgress,
            AllowUnder(COURT_WAIVER),
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            court,
            x,
            K::MonthlyReport,
            AllowUnder(COURT_WAIVER),
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            c,
            K::RiskScore,
            Allow,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            c,
            K::DynamicRiskScore,
            Deny403,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            all,
            d,
            K::Supervisee,
            Deny403,
        ),
        (
            &[R::SupervisingOfficer],
            nothing.clone(),
            all,
            a,
            K::Supervisee,
            Deny404,
        ),
        (
            &[R::SupervisingOfficer],
            team(T::SupervisingOfficer),
            none,
            x,
            K::CoriRecord,
            Allow,
        ),
        (
            &[R::OfficerSupervisor],
            team(T::SupervisingOfficer),
            none,
            u,
            K::SupervisionEpisode,
            Allow,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            c,
            K::TreatmentProgress,
            Allow,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            a,
            K::MonthlyReport,
            Deny403,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            court,
            a,
            K::MonthlyReport,
            AllowUnder(COURT_WAIVER),
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProgram),
            court,
            u,
            K::AttendanceDetail,
            AllowUnder(COURT_WAIVER),
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            c,
            K::DynamicRiskScore,
            Allow,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            c,
            K::RiskScore,
            Deny403,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            a,
            K::CoriRecord,
            Allow,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            none,
            x,
            K::CoriRecord,
            Deny403,
        ),
        (
            &[R::TreatmentProvider],
            team(T::TreatmentProvider),
            court,
            a,
            K::SubstanceUseTreatment,
            Deny403,
        ),
        (
            &[R::TreatmentProvider],
            team(T::SupervisingOfficer),
            all,
            u,
            K::SupervisionEpisode,
            Deny403,
        ),
        (
            &[R::PolygraphExaminer],
            team(T::PolygraphExaminer),
            none,
            c,
            K::PolygraphExam,
            Allow,
        ),
        (
            &[R::PolygraphExaminer],
            team(T::PolygraphExaminer),
            none,
            c,
            K::Disclosure,
            Allow,
        ),
        (
            &[R::PolygraphExaminer],
            team(T::PolygraphExaminer),
            court,
            a,
            K::Disclosure,
            AllowUnder(COURT_WAIVER),
        ),
        (
            &[R::PolygraphExaminer],
            team(T::PolygraphExaminer),
            all,
            c,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            none,
            a,
            K::DynamicRiskScore,
            Allow,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            none,
            a,
            K::RiskScore,
            Allow,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            court,
            a,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            all,
            a,
            K::Disclosure,
            AllowUnder(waiver_for(InformationCategory::Disclosures)),
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            all,
            a,
            K::PolygraphExam,
            Deny403,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            all,
            u,
            K::SupervisionEpisode,
            Deny403,
        ),
        (
            &[R::LawEnforcement],
            team(T::RegisteringLawEnforcement),
            all,
            x,
            K::Supervisee,
            Deny403,
        ),
        (
            &[R::LawEnforcement],
            nothing.clone(),
            all,
            a,
            K::RiskScore,
            Deny404,
        ),
        (
            &[R::VictimAdvocate],
            team(T::VictimAdvocate),
            none,
            a,
            K::SupervisionEpisode,
            Allow,
        ),
        (
            &[R::VictimAdvocate],
            team(T::VictimAdvocate),
            none,
            a,
            K::RiskScore,
            Deny403,
        ),
        (
            &[R::VictimAdvocate],
            team(T::VictimAdvocate),
            none,
            a,
            K::DynamicRiskScore,
            Deny403,
        ),
        (
            &[R::Prosecutor],
            team(T::Prosecutor),
            none,
            a,
            K::RiskScore,
            Allow,
        ),
        (
            &[R::Prosecutor],
            team(T::Prosecutor),
            none,
            a,
            K::DynamicRiskScore,
            Deny403,
        ),
        (
            &[R::OfficerSupervisor],
            sup.clone(),
            none,
            a,
            K::Supervisee,
            Allow,
        ),
        (
            &[R::OfficerSupervisor],
            sup.clone(),
            none,
            a,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::OfficerSupervisor],
            sup.clone(),
            all,
            u,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::OfficerSupervisor],
            sup.clone(),
            none,
            u,
            K::Obligation,
            Allow,
        ),
        (
            &[R::AgencyAdmin],
            owner.clone(),
            none,
            a,
            K::PolygraphExam,
            Allow,
        ),
        (
            &[R::AgencyAdmin],
            owner.clone(),
            none,
            a,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::AgencyAdmin],
            owner.clone(),
            all,
            a,
            K::TreatmentProgress,
            AllowUnder(waiver_for(InformationCategory::Progress)),
        ),
        (
            &[R::AgencyAdmin],
            owner.clone(),
            none,
            c,
            K::TeamMembership,
            Allow,
        ),
        (
            &[R::AgencyAdmin],
            owner.clone(),
            none,
            c,
            K::TreatmentProgress,
            Deny403,
        ),
        (
            &[R::AgencyAdmin],
            nothing.clone(),
            all,
            a,
            K::Supervisee,
            Deny404,
        ),
        (
            &[R::SystemAdmin],
            nothing.clone(),
            all,
            a,
            K::Supervisee,
            Deny404,
        ),
        (
            &[R::SystemAdmin],
            owner.clone(),
            all,
            a,
            K::Supervisee,
            Deny403,
        ),
        (
            &[R::Auditor],
            team(T::Other),
            all,
            a,
            K::Supervisee,
            Deny403,
        ),
        (
            &[R::VictimAdvocate],
            team(T::Other),
            none,
            a,
            K::Supervisee,
            Allow,
        ),
    ];
    for (roles, relationships, waivers, action, kind, expected) in &case_rows {
        let decision = decide(
            &actor(roles),
            &case(relationships, *waivers),
            *action,
            *kind,
        );
        check(
            &decision,
            *expected,
            &format!("{roles:?} {relationships:?} {action} {kind}"),
        );
    }

    let own = Subject::Account {
        user: ME,
        agency: MY_AGENCY,
    };
    let colleague = Subject::Account {
        user: COLLEAGUE,
        agency: MY_AGENCY,
    };
    let stranger = Subject::Account {
        user: STRANGER,
        agency: OTHER_AGENCY,
    };
    let my_agency = Subject::Agency { agency: MY_AGENCY };
    let other_agency = Subject::Agency {
        agency: OTHER_AGENCY,
    };
    let system = Subject::System;
    let record_rows: Vec<(&[Role], Subject<'_>, Action, RecordKind, Expect)> = vec![
        (&[R::Auditor], system, a, K::AuditLog, Allow),
        (&[R::Auditor], system, x, K::AuditLog, Allow),
        (&[R::SystemAdmin], system, a, K::AuditLog, Deny403),
        (&[R::AgencyAdmin], system, a, K::AuditLog, Deny403),
        (&[R::SystemAdmin], system, u, K::PolicyPack, Allow),
        (&[R::AgencyAdmin], system, u, K::PolicyPack, Deny403),
        (&[R::SupervisingOfficer], system, a, K::PolicyPack, Allow),
        (&[R::SystemAdmin], system, c, K::Agency, Allow),
        (
            &[R::AgencyAdmin],
            colleague,
            Action::Administer,
            K::User,
            Allow,
        ),
        (&[R::AgencyAdmin], colleague, d, K::ApiToken, Allow),
        (&[R::AgencyAdmin], colleague, c, K::Certification, Allow),
        (&[R::AgencyAdmin], stranger, a, K::User, Deny404),
        (&[R::AgencyAdmin], own, Action::Administer, K::User, Deny403),
        (
            &[R::SystemAdmin],
            stranger,
            Action::Administer,
            K::User,
            Allow,
        ),
        (&[R::SystemAdmin], stranger, d, K::User, Deny403),
        (&[R::SystemAdmin], stranger, a, K::Certification, Deny404),
        (&[R::Auditor], stranger, a, K::User, Allow),
        (&[R::SupervisingOfficer], own, d, K::ApiToken, Allow),
        (&[R::SupervisingOfficer], colleague, a, K::User, Deny403),
        (&[R::SupervisingOfficer], colleague, d, K::ApiToken, Deny403),
        (&[R::SupervisingOfficer], my_agency, a, K::Agency, Allow),
        (
            &[R::SupervisingOfficer],
            other_agency,
            a,
            K::Agency,
            Deny404,
        ),
        (&[R::AgencyAdmin], my_agency, c, K::User, Allow),
        (&[R::AgencyAdmin], other_agency, c, K::User, Deny404),
        (&[R::Auditor], other_agency, a, K::AuditLog, Allow),
    ];
    for (roles, subject, action, kind, expected) in &record_rows {
        let decision = decide(&actor(roles), subject, *action, *kind);
        check(
            &decision,
            *expected,
            &format!("{roles:?} {subject:?} {action} {kind}"),
        );
    }
    assert!(case_rows.len() + record_rows.len() >= 30);
}

fn check(decision: &Decision, expected: Expect, what: &str) {
    let actual = match decision {
        Decision::Allow { waiver: None, .. } => Expect::Allow,
        Decision::Allow {
            waiver: Some(w), ..
        } => Expect::AllowUnder(*w),
        Decision::Deny {
            visibility: Visibility::Forbidden,
            ..
        } => Expect::Deny403,
        Decision::Deny {
            visibility: Visibility::NotFound,
            ..
        } => Expect::Deny404,
    };
    assert_eq!(actual, expected, "{what}: {decision}");
}

#[test]
fn an_allow_names_the_role_and_serializes_for_the_audit_log() {
    let who = actor(&[Role::Auditor, Role::TreatmentProvider]);
    let rel = team(TeamRole::TreatmentProvider);
    let decision = decide(
        &who,
        &case(&rel, &CourtWaiver),
        Action::Read,
        RecordKind::MonthlyReport,
    );
    assert_eq!(
        decision.to_string(),
        "allowed as Treatment provider: the treatment provider on the team reads the case and \
         the records given for scoring (under waiver 7)"
    );
    assert_eq!(decision.http_status(), 200);
    let denied = decide(
        &who,
        &case(&[], &CourtWaiver),
        Action::Read,
        RecordKind::MonthlyReport,
    );
    assert_eq!(denied.http_status(), 404);
    let Decision::Deny { reason, .. } = denied else {
        unreachable!()
    };
    assert_eq!(reason.code(), "no_relationship_to_case");
}

#[test]
fn one_side_steps_go_to_their_side_only_and_only_to_someone_serving_it() {
    let takes_step_ = |a: &Actor, r: &[Relationship], s| takes_step(a, r, s).is_some();
    let member = |team_role| vec![Relationship::TeamMember { team_role }];
    let officer = actor(&[Role::SupervisingOfficer]);
    let provider = actor(&[Role::TreatmentProvider]);
    let examiner = actor(&[Role::PolygraphExaminer]);
    let officer_rel = member(TeamRole::SupervisingOfficer);
    let provider_rel = member(TeamRole::TreatmentProvider);
    let program_rel = member(TeamRole::TreatmentProgram);
    let examiner_rel = member(TeamRole::PolygraphExaminer);

    assert!(takes_step_(
        &provider,
        &provider_rel,
        Step::WriteMonthlyReport
    ));
    assert!(takes_step_(&provider, &program_rel, Step::PlanTreatment));
    assert!(!takes_step_(
        &officer,
        &officer_rel,
        Step::WriteMonthlyReport
    ));
    assert!(!takes_step_(&officer, &officer_rel, Step::PlanTreatment));
    assert!(takes_step_(
        &officer,
        &officer_rel,
        Step::AcknowledgeMonthlyReport
    ));
    assert!(!takes_step_(
        &provider,
        &provider_rel,
        Step::AcknowledgeMonthlyReport
    ));
    for step in [
        Step::DocumentContact,
        Step::AcknowledgeSelfReport,
        Step::ReferAssessment,
    ] {
        assert!(takes_step_(&officer, &officer_rel, step));
        assert!(takes_step_(&provider, &provider_rel, step));
        assert!(!takes_step_(&examiner, &examiner_rel, step));
    }
    // Listed as the provider without holding the provider's role: no step.
    assert!(!takes_step_(
        &officer,
        &provider_rel,
        Step::WriteMonthlyReport
    ));
    // A supervisor of the officer or the owning agency's admin takes no step of the team's,
    // and decides exemptions, which no team member does.
    let supervisor = actor(&[Role::OfficerSupervisor, Role::AgencyAdmin]);
    for step in Step::ALL {
        let decides = *step == Step::DecideExemption;
        assert_eq!(
            takes_step_(
                &supervisor,
                &[
                    Relationship::SupervisorOfMember,
                    Relationship::AdminOfOwningAgency
                ],
                *step
            ),
            decides,
            "{step:?}"
        );
        assert!(!takes_step_(&provider, &[], *step));
    }
    for (who, rel) in [
        (&officer, &officer_rel),
        (&provider, &provider_rel),
        (&examiner, &examiner_rel),
    ] {
        assert!(!takes_step_(who, rel, Step::DecideExemption));
        // The core team keeps the exams' follow-up.
        assert!(takes_step_(who, rel, Step::KeepExamFollowUp));
    }
    // Each way to decide needs its role: a supervisor's relationship without the role, or the
    // admin's role through the supervisor's relationship, decides nothing.
    let admin = actor(&[Role::AgencyAdmin]);
    let sup_only = actor(&[Role::OfficerSupervisor]);
    assert!(takes_step_(
        &sup_only,
        &[Relationship::SupervisorOfMember],
        Step::DecideExemption
    ));
    assert!(!takes_step_(
        &admin,
        &[Relationship::SupervisorOfMember],
        Step::DecideExemption
    ));
    assert!(takes_step_(
        &admin,
        &[Relationship::AdminOfOwningAgency],
        Step::DecideExemption
    ));
    assert!(!takes_step_(
        &sup_only,
        &[Relationship::AdminOfOwningAgency],
        Step::DecideExemption
    ));
    // Law enforcement on the team keeps no follow-up.
    let deputy = actor(&[Role::LawEnforcement]);
    let deputy_rel = member(TeamRole::RegisteringLawEnforcement);
    assert!(!takes_step_(&deputy, &deputy_rel, Step::KeepExamFollowUp));
    // A score step owed by one side is taken by that side only.
    let provider_step = Step::score_step_of(TeamRole::TreatmentProvider).unwrap();
    let officer_step = Step::score_step_of(TeamRole::SupervisingOfficer).unwrap();
    assert!(takes_step_(&provider, &provider_rel, provider_step));
    assert!(takes_step_(&provider, &program_rel, provider_step));
    assert!(!takes_step_(&officer, &officer_rel, provider_step));
    assert!(takes_step_(&officer, &officer_rel, officer_step));
    assert!(!takes_step_(&provider, &provider_rel, officer_step));
    assert_eq!(Step::score_step_of(TeamRole::PolygraphExaminer), None);
}

#[test]
fn a_team_is_seen_only_by_those_who_stand_to_it() {
    use super::TeamStanding as T;
    let officer = actor(&[Role::SupervisingOfficer]);
    let admin = actor(&[Role::AgencyAdmin]);
    let team = |s: &'static [T]| Subject::Team { standings: s };
    // Nobody else, whatever their roles: 404.
    for who in [&officer, &admin, &actor(Role::ALL)] {
        let d = decide(who, &team(&[]), Action::Read, RecordKind::Team);
        assert_eq!(d.http_status(), 404, "{d}");
    }
    // Members read, never edit.
    assert!(
        decide(
            &officer,
            &team(&[T::Member]),
            Action::Read,
            RecordKind::Team
        )
        .is_allowed()
    );
    assert!(
        decide(
            &officer,
            &team(&[T::Member]),
            Action::Read,
            RecordKind::TeamWorkplan
        )
        .is_allowed()
    );
    for action in [Action::Create, Action::Update, Action::Administer] {
        let d = decide(&officer, &team(&[T::Member]), action, RecordKind::Team);
        assert_eq!(d.http_status(), 403, "{action}: {d}");
    }
    // The chair and staff edit the team and its workplan, but appoint nobody.
    let leaders: [&'static [T]; 2] = [&[T::Chair], &[T::Staff]];
    for standings in leaders {
        for kind in [
            RecordKind::Team,
            RecordKind::TeamWorkplan,
            RecordKind::TeamActivityProgress,
        ] {
            assert!(decide(&officer, &team(standings), Action::Update, kind).is_allowed());
        }
        assert!(
            !decide(
                &officer,
                &team(standings),
                Action::Administer,
                RecordKind::Team
            )
            .is_allowed()
        );
    }
    // The jurisdiction's agency admin founds teams and appoints leaders, but must hold the role.
    let j: &'static [T] = &[T::AdminOfJurisdiction];
    assert!(decide(&admin, &team(j), Action::Create, RecordKind::Team).is_allowed());
    assert!(decide(&admin, &team(j), Action::Administer, RecordKind::Team).is_allowed());
    assert!(!decide(&admin, &team(j), Action::Update, RecordKind::TeamWorkplan).is_allowed());
    assert!(!decide(&officer, &team(j), Action::Create, RecordKind::Team).is_allowed());
    // An activity's owner updates its progress, not the activity.
    let o: &'static [T] = &[T::ActivityOwner];
    assert!(
        decide(
            &officer,
            &team(o),
            Action::Update,
            RecordKind::TeamActivityProgress
        )
        .is_allowed()
    );
    assert!(!decide(&officer, &team(o), Action::Update, RecordKind::TeamWorkplan).is_allowed());
    // Team records are never reached through a case.
    for kind in [
        RecordKind::Team,
        RecordKind::TeamWorkplan,
        RecordKind::TeamActivityProgress,
    ] {
        assert!(!kind.is_case_record());
    }
}
