use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "polygraph_followup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub exam_id: i64,
    pub action: String,
    pub owner_role: String,
    pub due_on: Date,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub done_on: Option<Date>,
    pub done_by: Option<i64>,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
