use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hosted_zones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The AWS account that owns the zone; `None` for a zone written before accounts existed
    /// and not observed since.
    pub account_id: Option<String>,
    pub name: String,
    pub private_zone: bool,
    pub comment: Option<String>,
    /// JSON array of `{"region", "id"}`.
    pub vpcs: String,
    pub record_count: Option<i64>,
    pub observed_at: DateTimeUtc,
    pub first_seen_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
