use sea_orm::entity::prelude::*;

/// How the last listing of one resource kind in one account and region went (migration 12).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource_listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    /// `''` for a global kind.
    #[sea_orm(primary_key, auto_increment = false)]
    pub region: String,
    /// `ok` or `error`.
    pub status: String,
    /// The start of the last complete listing; `None` before one succeeded.
    pub listed_at: Option<DateTimeUtc>,
    pub attempted_at: DateTimeUtc,
    /// Resources the last complete listing held.
    pub items: i64,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
