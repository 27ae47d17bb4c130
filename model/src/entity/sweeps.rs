use sea_orm::entity::prelude::*;

/// One zone's part of a sweep.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sweeps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sweep_id: String,
    pub zone_id: String,
    pub started_at: Option<DateTimeUtc>,
    pub pages_expected: Option<i32>,
    pub record_sets_expected: Option<i64>,
    pub pages_applied: i32,
    pub finished_at: Option<DateTimeUtc>,
    pub reconciled_at: Option<DateTimeUtc>,
    pub tombstoned: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
