//! SeaORM entities: one module per table.

pub mod agency;
pub mod app_user;
pub mod user_role;
