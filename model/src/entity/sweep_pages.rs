use sea_orm::entity::prelude::*;

/// A page of a sweep that has been applied (so `sweep_done` can tell when all have).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sweep_pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sweep_id: String,
    pub zone_id: String,
    pub page: i32,
    pub applied_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
