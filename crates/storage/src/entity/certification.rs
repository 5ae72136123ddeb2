use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub holder_user_id: Option<i64>,
    pub holder_agency_id: Option<i64>,
    pub level: Option<String>,
    pub instrument: Option<String>,
    pub supervisor_user_id: Option<i64>,
    pub number: String,
    pub issued_on: Date,
    pub expires_on: Date,
    pub revoked_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
