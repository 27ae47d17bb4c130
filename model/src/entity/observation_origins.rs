use sea_orm::entity::prelude::*;

/// What observed something (writer bookkeeping, migrations `m20261122_000003` and
/// `m20261201_000006`): a records message (a sweep page or an event, one row per part), a
/// reconciled sweep, or a zone deletion. `kind` is `records`, `reconcile` or `zone_deleted`;
/// `source` is the history's `event`, `sweep` or `reconcile`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "observation_origins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique: the zone, the origin and the time (and a digest of a split message's part).
    pub origin_key: String,
    pub zone_id: String,
    pub kind: String,
    pub source: String,
    pub observed_at: DateTimeUtc,
    /// A reconciled sweep's `sweep_done` time: its window is `[observed_at, window_end]`.
    pub window_end: Option<DateTimeUtc>,
    pub sweep_id: Option<String>,
    pub page: Option<i32>,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    /// Record observations the message made; 0 until it is applied in full.
    pub observations: i64,
    /// How an event origin arrived: `backfill` (CloudTrail's event history, read by
    /// `zonetrail backfill`); `NULL` for a live event and for everything else (migration 9).
    pub via: Option<String>,
    /// The message's upserts were Route 53 `UPSERT`s: a record first known from it has a
    /// history entry whose state before is unknown (`RecordsMessage::before_unknown`).
    pub before_unknown: bool,
    /// The `Comment` of the Route 53 change batch an event observed; `NULL` when it had none,
    /// and for sweeps (migration 13).
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
