use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub kind: String,
    pub waiver_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub description: String,
    pub uploaded_at: DateTimeUtc,
    pub uploaded_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
