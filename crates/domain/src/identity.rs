//! Who works in the system: agencies, their kinds, and the roles people hold.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a value given by a person or a program could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} is not valid: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("{field} must be one of: {allowed}")]
    NotOneOf {
        field: &'static str,
        allowed: &'static str,
    },
}

/// Declares a closed set of snake_case codes with labels, parsing and display.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $($variant:ident => $code:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in a stable order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code used in storage, the audit log, URLs and the API.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The name a person reads.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    "" => Err(ParseError::Missing { field: $field }),
                    _ => Err(ParseError::NotOneOf {
                        field: $field,
                        allowed: concat!($($code, " "),+),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use code_enum;

code_enum! {
    /// The kinds of agency that take part in containment teams.
    AgencyKind, "agency kind" {
        ProbationDepartment => "probation_department", "Probation department";
        Parole => "parole", "Parole";
        TreatmentProvider => "treatment_provider", "Treatment provider agency";
        PolygraphFirm => "polygraph_firm", "Polygraph examiner firm";
        LawEnforcement => "law_enforcement", "Law enforcement";
        VictimAdvocacy => "victim_advocacy", "Victim advocacy";
        Court => "court", "Court";
        Prosecutor => "prosecutor", "Prosecutor";
        StateAgency => "state_agency", "State agency or board";
    }
}

code_enum! {
    /// The roles a person can hold in their agency.
    Role, "role" {
        SupervisingOfficer => "supervising_officer", "Supervising officer";
        OfficerSupervisor => "officer_supervisor", "Officer supervisor";
        TreatmentProvider => "treatment_provider", "Treatment provider";
        PolygraphExaminer => "polygraph_examiner", "Polygraph examiner";
        LawEnforcement => "law_enforcement", "Law enforcement";
        VictimAdvocate => "victim_advocate", "Victim advocate";
        Prosecutor => "prosecutor", "Prosecutor";
        AgencyAdmin => "agency_admin", "Agency administrator";
        SystemAdmin => "system_admin", "System administrator";
        Auditor => "auditor", "Auditor";
    }
}

/// An e-mail address used as a sign-in name: trimmed, lower-cased, one `@` with text on both
/// sides and a dot-free or dotted domain without spaces. Deliverability is not checked here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Email(String);

impl Email {
    const FIELD: &'static str = "e-mail address";

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(ParseError::Missing { field: Self::FIELD });
        }
        if value.len() > 254 {
            return Err(ParseError::Invalid {
                field: Self::FIELD,
                reason: "it is longer than 254 characters",
            });
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::Invalid {
                field: Self::FIELD,
                reason: "it contains spaces",
            });
        }
        match value.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Email(value))
            }
            _ => Err(ParseError::Invalid {
                field: Self::FIELD,
                reason: "it must look like name@agency.example",
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(*role));
        }
        for kind in AgencyKind::ALL {
            assert_eq!(kind.code().parse::<AgencyKind>(), Ok(*kind));
        }
    }

    #[test]
    fn unknown_and_empty_codes_are_refused_with_the_allowed_list() {
        assert_eq!(
            "".parse::<Role>(),
            Err(ParseError::Missing { field: "role" })
        );
        let err = "sheriff".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("supervising_officer"), "{err}");
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Officer@County.CA.gov ").unwrap().as_str(),
            "officer@county.ca.gov"
        );
        assert!(Email::parse("admin@localhost").is_ok());
        for bad in [
            "",
            "no-at-sign",
            "@agency.gov",
            "name@",
            "a@b@c",
            "a b@c.gov",
            "a@.gov",
            "a@gov.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was accepted");
        }
        let long = format!("{}@agency.gov", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
