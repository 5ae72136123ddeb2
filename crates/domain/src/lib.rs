//! Types and rules of the Containment domain.
//!
//! Nothing in this crate performs I/O or reads the clock: time is always a parameter, so every rule
//! can be tested on its boundary days.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod caseload_import;
pub mod certification;
pub mod compliance;
pub mod document;
pub mod identity;
pub mod input;
pub mod instrument;
pub mod monthly_report;
pub mod policy;
pub mod polygraph;
pub mod score_chain;
pub mod security;
pub mod team;
pub mod treatment;
pub mod waiver;
pub mod wall;

pub use identity::{AgencyKind, Email, ParseError, Role};
