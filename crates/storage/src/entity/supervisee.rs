use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervisee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub legal_name: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub cii_number: Option<String>,
    pub cdcr_number: Option<String>,
    pub county_of_conviction: Option<String>,
    pub county_of_registration: Option<String>,
    pub juvenile: bool,
    pub owning_agency_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
