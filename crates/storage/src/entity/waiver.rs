use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "waiver")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub basis: String,
    pub discloser: String,
    pub recipient_roles: String,
    pub recipient_user_ids: String,
    pub recipient_agency_ids: String,
    pub categories: String,
    pub purpose: String,
    pub effective_on: Date,
    pub expires_on: Option<Date>,
    pub ends_with_supervision: bool,
    pub revocable: bool,
    pub revoked_on: Option<Date>,
    pub revoked_by: Option<i64>,
    pub revocation_reason: Option<String>,
    pub signed_on: Option<Date>,
    pub document_sha256: Option<String>,
    pub supersedes_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub created_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
