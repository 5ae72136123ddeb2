//! Polygraph disclosures by category, so each is routed and reported as what it is.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PolygraphExam {
    Table,
    DisclosureCategories,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Exams recorded before carry no category: their disclosures read as "other".
        manager
            .alter_table(
                Table::alter()
                    .table(PolygraphExam::Table)
                    .add_column(string(PolygraphExam::DisclosureCategories).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "polygraph exams are never changed back by a migration".to_owned(),
        ))
    }
}
