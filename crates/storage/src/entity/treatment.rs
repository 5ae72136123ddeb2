use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treatment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: String,
    pub provider_user_id: i64,
    pub referral_date: Option<Date>,
    pub start_date: Date,
    pub intensity: String,
    pub targets: String,
    pub responsivity: String,
    pub end_date: Option<Date>,
    pub end_outcome: Option<String>,
    pub end_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub created_by: i64,
    pub version: i32,
    pub sessions_per_month: Option<i32>,
    pub intensity_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
