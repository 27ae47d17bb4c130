use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub record_id: i64,
    pub zone_id: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `event`, `sweep` or `reconcile`.
    pub source: String,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub event_id: Option<String>,
    pub sweep_id: Option<String>,
    pub observed_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    /// The record set as JSON before and after the change.
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub dedup_key: String,
    /// `backfill` when the entry's event was read from CloudTrail's event history; `NULL`
    /// otherwise (migration 9).
    pub via: Option<String>,
    /// An `update` whose state before is unknown: the record's first known observation was a
    /// Route 53 `UPSERT`, which does not say what was there (`before_state` is `NULL`).
    pub before_unknown: bool,
    /// The `Comment` of the Route 53 change batch an event observed; `NULL` when it had none,
    /// and for sweeps (migration 13).
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
