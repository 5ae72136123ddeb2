//! SeaORM entities: one module per table.

pub mod agency;
pub mod api_token;
pub mod app_user;
pub mod audit_event;
pub mod calendar_feed;
pub mod case_document;
pub mod certification;
pub mod contact;
pub mod county_policy;
pub mod court_case;
pub mod exemption;
pub mod notification;
pub mod recovery_code;
pub mod risk_score;
pub mod score_step;
pub mod self_report;
pub mod sign_in_attempt;
pub mod supervisee;
pub mod supervisee_alias;
pub mod supervision_episode;
pub mod team_member;
pub mod treatment;
pub mod user_role;
pub mod user_session;
pub mod waiver;
