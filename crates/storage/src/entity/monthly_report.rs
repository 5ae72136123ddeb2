use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monthly_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub month: Date,
    pub version: i32,
    pub status: String,
    pub corrects_id: Option<i64>,
    pub provider_user_id: i64,
    pub officer_user_id: Option<i64>,
    pub sessions_scheduled: i32,
    pub sessions_attended: i32,
    pub sessions_missed: i32,
    pub sessions_excused: i32,
    pub participation: String,
    pub dynamic_risk: String,
    pub polygraph: String,
    pub contract_compliance: String,
    pub self_reports: String,
    pub concerns: String,
    pub officer_section: String,
    pub author_id: i64,
    pub signed_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub revision: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
