use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_score")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub instrument: String,
    pub scored_on: Date,
    pub reason: String,
    pub scorer_user_id: i64,
    pub scorer_certified: bool,
    pub uncertified_reason: Option<String>,
    pub release_date: Option<Date>,
    pub answers: String,
    pub total: i32,
    pub level: String,
    pub pre2016_category: Option<String>,
    pub combined_level: Option<String>,
    pub gears_reference: Option<String>,
    pub created_at: DateTimeUtc,
    pub recorded_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
