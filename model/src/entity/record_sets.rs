use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_sets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: String,
    pub name: String,
    pub reversed_name: String,
    pub record_type: String,
    /// `''` for none.
    pub set_identifier: String,
    /// The whole `RecordSet` as JSON; `None` for a tombstone of a record never seen alive.
    pub content: Option<String>,
    pub content_hash: Option<String>,
    pub observed_at: DateTimeUtc,
    pub first_seen_at: Option<DateTimeUtc>,
    pub last_seen_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub last_sweep_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
