//! Confidentiality waivers and consents (DOMAIN.md section 2, R11): who may receive which
//! treatment information, from when to when. Pure: coverage is a function of the records and
//! the day, so a revocation or an expiry takes effect on the next request.

use chrono::NaiveDate;

use crate::ParseError;
use crate::access::{
    Actor, AgencyId, InformationCategory, Relationship, TeamRole, UserId, WaiverCoverage, WaiverId,
};
use crate::identity::code_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

code_enum! {
    /// The law a waiver or consent is given under.
    LegalBasis, "legal basis" {
        Pc1203067b4 => "pc_1203_067_b4", "PC 1203.067(b)(4) (probation)";
        Pc3008d => "pc_3008_d", "PC 3008(d) (parole)";
        Hipaa164508 => "hipaa_164_508", "HIPAA 45 CFR 164.508 authorization";
        Cfr42_2_31 => "cfr42_2_31", "42 CFR 2.31 consent (substance use)";
        Cfr42_2_35 => "cfr42_2_35", "42 CFR 2.35 (criminal justice referral)";
    }
}

impl LegalBasis {
    /// Court-ordered waivers: the condition of supervision itself. They cannot be revoked
    /// before their end event (People v. Garcia (2017) 2 Cal.5th 792).
    pub fn is_court_ordered(self) -> bool {
        matches!(self, LegalBasis::Pc1203067b4 | LegalBasis::Pc3008d)
    }

    /// Substance-use information flows only under 42 CFR part 2 consents.
    pub fn is_part2(self) -> bool {
        matches!(self, LegalBasis::Cfr42_2_31 | LegalBasis::Cfr42_2_35)
    }
}

impl LegalBasis {
    /// What a person calls a waiver or consent given under this law, in lower case:
    /// "treatment information waiver", "HIPAA authorization".
    pub fn kind_words(self) -> &'static str {
        match self {
            LegalBasis::Pc1203067b4 | LegalBasis::Pc3008d => "treatment information waiver",
            LegalBasis::Hipaa164508 => "HIPAA authorization",
            LegalBasis::Cfr42_2_31 => "substance-use treatment consent",
            LegalBasis::Cfr42_2_35 => "criminal justice referral consent",
        }
    }
}

/// A waiver as a person names it, without its internal id: its kind and the day it was signed
/// (or, when no signing day was recorded, the day it took effect), in lower case:
/// "treatment information waiver signed Dec 2, 2026".
pub fn waiver_name(
    basis: LegalBasis,
    signed_on: Option<NaiveDate>,
    effective_on: NaiveDate,
) -> String {
    match signed_on {
        Some(d) => format!(
            "{} signed {}",
            basis.kind_words(),
            crate::case::day_words(d)
        ),
        None => format!(
            "{} in force from {}",
            basis.kind_words(),
            crate::case::day_words(effective_on)
        ),
    }
}

/// The team roles the court-ordered waiver covers: provider, officer and examiner only.
pub const COURT_WAIVER_ROLES: [TeamRole; 4] = [
    TeamRole::SupervisingOfficer,
    TeamRole::TreatmentProvider,
    TeamRole::TreatmentProgram,
    TeamRole::PolygraphExaminer,
];

/// The notice every disclosure of substance-use information carries (42 CFR 2.32).
pub const PART2_NOTICE: &str = "This record which has been disclosed to you is protected by federal \
    confidentiality rules (42 CFR part 2). The federal rules prohibit you from making any further \
    disclosure of information in this record that identifies a patient as having or having had a \
    substance use disorder either directly, by reference to publicly available information, or \
    through verification of such identification by another person unless further disclosure is \
    expressly permitted by the written consent of the individual whose information is being \
    disclosed or as otherwise permitted by 42 CFR part 2.";

/// One waiver or consent as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub id: WaiverId,
    pub basis: LegalBasis,
    /// Team roles whose holders receive the information.
    pub recipient_roles: Vec<TeamRole>,
    /// People named as recipients.
    pub recipient_users: Vec<UserId>,
    /// Agencies named as recipients (anyone of theirs on the team).
    pub recipient_agencies: Vec<AgencyId>,
    pub categories: Vec<InformationCategory>,
    pub effective_on: NaiveDate,
    /// Last day in force, if it has one.
    pub expires_on: Option<NaiveDate>,
    /// Ends when supervision ends (the court waiver's end event).
    pub ends_with_supervision: bool,
    pub revoked_on: Option<NaiveDate>,
}

impl Waiver {
    /// In force on `day`, given the day supervision ended, if it has.
    pub fn in_force_on(&self, day: NaiveDate, supervision_ended: Option<NaiveDate>) -> bool {
        day >= self.effective_on
            && self.expires_on.is_none_or(|e| day <= e)
            && self.revoked_on.is_none_or(|r| day < r)
            && !(self.ends_with_supervision && supervision_ended.is_some_and(|end| day > end))
    }

    /// Whether the waiver names this viewer, who stands to the case as `relationships`.
    pub fn names(&self, viewer: &Actor, relationships: &[Relationship]) -> bool {
        self.recipient_users.contains(&viewer.user)
            || (self.recipient_agencies.contains(&viewer.agency)
                && relationships
                    .iter()
                    .any(|r| matches!(r, Relationship::TeamMember { .. })))
            || relationships.iter().any(|r| match r {
                Relationship::TeamMember { team_role } => self.recipient_roles.contains(team_role),
                _ => false,
            })
    }

    pub fn covers(&self, category: InformationCategory) -> bool {
        // Substance-use information needs a part 2 consent whatever else the record lists.
        self.categories.contains(&category)
            && (category != InformationCategory::SubstanceUse || self.basis.is_part2())
    }
}

/// Why a waiver cannot be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RevocationRefused {
    #[error("a court-ordered waiver cannot be revoked before supervision ends")]
    CourtOrdered,
    #[error("this waiver was recorded as not revocable")]
    NotRevocable,
    #[error("this waiver is already revoked")]
    AlreadyRevoked,
}

/// Whether a waiver may be revoked on `day`.
pub fn may_revoke(
    basis: LegalBasis,
    revocable: bool,
    revoked_on: Option<NaiveDate>,
    supervision_ended: Option<NaiveDate>,
    day: NaiveDate,
) -> Result<(), RevocationRefused> {
    if revoked_on.is_some() {
        return Err(RevocationRefused::AlreadyRevoked);
    }
    if basis.is_court_ordered() && supervision_ended.is_none_or(|end| day <= end) {
        return Err(RevocationRefused::CourtOrdered);
    }
    if !revocable {
        return Err(RevocationRefused::NotRevocable);
    }
    Ok(())
}

/// The waivers of one case on one day, as the access policy asks about them.
#[derive(Debug, Clone)]
pub struct CaseWaivers {
    pub waivers: Vec<Waiver>,
    pub day: NaiveDate,
    pub supervision_ended: Option<NaiveDate>,
}

impl WaiverCoverage for CaseWaivers {
    fn covering(
        &self,
        viewer: &Actor,
        relationships: &[Relationship],
        category: InformationCategory,
    ) -> Option<WaiverId> {
        self.waivers
            .iter()
            .filter(|w| w.in_force_on(self.day, self.supervision_ended))
            .filter(|w| w.covers(category))
            .find(|w| w.names(viewer, relationships))
            .map(|w| w.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::access::{Action, RecordKind, Subject, decide};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn court_waiver() -> Waiver {
        Waiver {
            id: WaiverId(1),
            basis: LegalBasis::Pc1203067b4,
            recipient_roles: COURT_WAIVER_ROLES.to_vec(),
            recipient_users: vec![],
            recipient_agencies: vec![],
            categories: vec![
                InformationCategory::Progress,
                InformationCategory::DynamicRiskDiscussion,
                InformationCategory::SubstanceUse,
            ],
            effective_on: d(2026, 1, 15),
            expires_on: None,
            ends_with_supervision: true,
            revoked_on: None,
        }
    }

    fn actor(role: Role) -> Actor {
        Actor {
            user: UserId(7),
            agency: AgencyId(3),
            roles: vec![role],
        }
    }

    fn provider() -> (Actor, Vec<Relationship>) {
        (
            actor(Role::TreatmentProvider),
            vec![Relationship::TeamMember {
                team_role: TeamRole::TreatmentProvider,
            }],
        )
    }

    #[test]
    fn in_force_from_the_effective_day_through_the_expiry_day() {
        let mut w = court_waiver();
        w.expires_on = Some(d(2026, 12, 31));
        assert!(!w.in_force_on(d(2026, 1, 14), None));
        assert!(w.in_force_on(d(2026, 1, 15), None));
        assert!(w.in_force_on(d(2026, 12, 31), None));
        assert!(!w.in_force_on(d(2027, 1, 1), None));
    }

    #[test]
    fn the_court_waiver_ends_the_day_after_supervision_ends() {
        let w = court_waiver();
        assert!(w.in_force_on(d(2028, 3, 1), Some(d(2028, 3, 1))));
        assert!(!w.in_force_on(d(2028, 3, 2), Some(d(2028, 3, 1))));
    }

    #[test]
    fn a_revocation_takes_effect_on_its_day() {
        let mut w = court_waiver();
        w.revoked_on = Some(d(2026, 6, 1));
        assert!(w.in_force_on(d(2026, 5, 31), None));
        assert!(!w.in_force_on(d(2026, 6, 1), None));
    }

    #[test]
    fn the_court_waiver_covers_the_core_team_but_not_law_enforcement() {
        let waivers = CaseWaivers {
            waivers: vec![court_waiver()],
            day: d(2026, 2, 1),
            supervision_ended: None,
        };
        let (p, rels) = provider();
        let subject = Subject::Case {
            relationships: &rels,
            waivers: &waivers,
        };
        let decision = decide(&p, &subject, Action::Read, RecordKind::TreatmentProgress);
        assert_eq!(decision.waiver(), Some(WaiverId(1)));

        let deputy = actor(Role::LawEnforcement);
        let le_rels = vec![Relationship::TeamMember {
            team_role: TeamRole::RegisteringLawEnforcement,
        }];
        let subject = Subject::Case {
            relationships: &le_rels,
            waivers: &waivers,
        };
        assert!(
            !decide(
                &deputy,
                &subject,
                Action::Read,
                RecordKind::TreatmentProgress
            )
            .is_allowed()
        );
    }

    #[test]
    fn substance_use_needs_a_part_2_consent() {
        let w = court_waiver();
        assert!(
            !w.covers(InformationCategory::SubstanceUse),
            "listed, but the basis is not part 2"
        );
        let mut consent = court_waiver();
        consent.basis = LegalBasis::Cfr42_2_31;
        assert!(consent.covers(InformationCategory::SubstanceUse));
    }

    #[test]
    fn a_consent_naming_a_person_covers_only_them() {
        let consent = Waiver {
            id: WaiverId(9),
            basis: LegalBasis::Hipaa164508,
            recipient_roles: vec![],
            recipient_users: vec![UserId(42)],
            recipient_agencies: vec![],
            categories: vec![InformationCategory::Progress],
            effective_on: d(2026, 1, 1),
            expires_on: None,
            ends_with_supervision: false,
            revoked_on: None,
        };
        let named = Actor {
            user: UserId(42),
            agency: AgencyId(5),
            roles: vec![Role::LawEnforcement],
        };
        let rels = vec![Relationship::TeamMember {
            team_role: TeamRole::RegisteringLawEnforcement,
        }];
        assert!(consent.names(&named, &rels));
        assert!(!consent.names(&actor(Role::LawEnforcement), &rels));
    }

    #[test]
    fn revocation_rules() {
        let day = d(2026, 6, 1);
        assert_eq!(
            may_revoke(LegalBasis::Pc1203067b4, true, None, None, day),
            Err(RevocationRefused::CourtOrdered)
        );
        assert_eq!(
            may_revoke(LegalBasis::Pc3008d, true, None, Some(d(2026, 6, 1)), day),
            Err(RevocationRefused::CourtOrdered),
            "still the last day of supervision"
        );
        assert_eq!(
            may_revoke(LegalBasis::Pc3008d, true, None, Some(d(2026, 5, 31)), day),
            Ok(())
        );
        assert_eq!(
            may_revoke(LegalBasis::Hipaa164508, true, None, None, day),
            Ok(())
        );
        assert_eq!(
            may_revoke(LegalBasis::Hipaa164508, false, None, None, day),
            Err(RevocationRefused::NotRevocable)
        );
        assert_eq!(
            may_revoke(LegalBasis::Hipaa164508, true, Some(day), None, day),
            Err(RevocationRefused::AlreadyRevoked)
        );
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn a_waiver_is_named_by_its_kind_and_signing_day_not_its_id() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            waiver_name(
                LegalBasis::Pc1203067b4,
                Some(d("2026-12-02")),
                d("2026-12-05")
            ),
            "treatment information waiver signed Dec 2, 2026"
        );
        assert_eq!(
            waiver_name(LegalBasis::Cfr42_2_31, None, d("2026-01-15")),
            "substance-use treatment consent in force from Jan 15, 2026"
        );
    }
}
