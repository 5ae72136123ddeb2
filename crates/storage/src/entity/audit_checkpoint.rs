use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seq: i64,
    pub hash: String,
    pub at_ms: i64,
    pub key_id: String,
    pub signature: String,
    /// What made it: `interval`, `verify`, `anchor` or `rotate`.
    pub origin: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
