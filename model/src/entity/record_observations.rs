use sea_orm::entity::prelude::*;

/// One observation of one record by one origin (writer bookkeeping, migration
/// `m20261122_000003`): what a late message needs to find its place in the record's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_observations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub origin_id: i64,
    pub observed_at: DateTimeUtc,
    /// The observation saw the record absent.
    pub deleted: bool,
    /// The content it saw (`None` when absent).
    pub content_hash: Option<String>,
    /// It starts a run of equal state (a history row points at it).
    pub starts_run: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
