use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub reported_on: Date,
    pub category: String,
    pub behavior: String,
    pub reported_to: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub provider_ack_on: Option<Date>,
    pub provider_ack_by: Option<i64>,
    pub officer_ack_on: Option<Date>,
    pub officer_ack_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
