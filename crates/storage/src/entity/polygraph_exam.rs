use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "polygraph_exam")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supervisee_id: i64,
    pub exam_type: String,
    pub exam_date: Date,
    pub examiner_user_id: i64,
    pub referral_questions: String,
    pub result: String,
    pub disclosures: Option<String>,
    pub disclosure_categories: String,
    pub created_at: DateTimeUtc,
    pub recorded_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
