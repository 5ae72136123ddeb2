use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervision_episode")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: String,
    pub supervising_agency_id: i64,
    pub county: String,
    pub court: Option<String>,
    pub placed_on: Option<Date>,
    pub start_date: Date,
    pub expected_end: Option<Date>,
    pub actual_end: Option<Date>,
    pub end_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
