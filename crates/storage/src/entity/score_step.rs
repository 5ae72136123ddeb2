use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub risk_score_id: i64,
    pub supervisee_id: i64,
    pub step: String,
    pub on_date: Date,
    pub by_user_id: i64,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub interpretation: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::risk_score::Entity",
        from = "Column::RiskScoreId",
        to = "super::risk_score::Column::Id"
    )]
    RiskScore,
}

impl Related<super::risk_score::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskScore.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
