use sea_orm::entity::prelude::*;

/// One window of one account's CloudTrail backfill (migration 9), from `backfill_progress`
/// messages: the most advanced progress the writer has been sent (`model::BackfillProgress`).
/// Everything in [`read_until`, `until`] has been read; with `done`, all of [`since`, `until`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backfill_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub backfill_id: String,
    pub since: DateTimeUtc,
    pub until: DateTimeUtc,
    pub read_until: DateTimeUtc,
    pub next_token: Option<String>,
    pub done: bool,
    pub pages: i64,
    pub events: i64,
    pub applied: i64,
    pub failed_calls: i64,
    pub incomplete: i64,
    pub malformed: i64,
    pub ignored: i64,
    /// When the stored progress was taken (the message's `observed_at`).
    pub observed_at: DateTimeUtc,
    /// When the writer first stored the window.
    pub started_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
