use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treatment_module")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub treatment_id: i64,
    pub name: String,
    pub started_on: Date,
    pub completed_on: Option<Date>,
    pub completed_by: Option<i64>,
    pub recorded_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
