//! The integration suite: one test binary, every test on both backends.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod access_matrix;
mod api_actions;
mod api_contract;
mod audit;
mod audit_checkpoints;
mod audit_search;
mod backup;
mod bad_input;
mod calendar;
mod case_overview;
mod caseload_import;
mod cases;
mod client_address;
mod compliance;
mod exports;
mod foundation_http;
mod foundation_storage;
mod idempotency;
mod identity;
mod look;
mod metrics;
mod monthly_reports;
mod polygraph;
mod refusals;
mod request_path;
mod scores;
mod secrets;
mod team_candidates;
mod teams;
mod today;
mod treatment;
mod treatment_plan;
mod wall;
