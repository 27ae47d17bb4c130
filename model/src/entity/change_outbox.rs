use sea_orm::entity::prelude::*;

/// A history row (`record_changes.id`) waiting to be published (migration 11). The writer adds
/// one in the transaction that inserts the history row, when notifications are on; the
/// publisher deletes it once its sink has taken the change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub change_id: i64,
    pub enqueued_at: DateTimeUtc,
    /// Failed sends so far.
    pub attempts: i32,
    /// Not sent before this time (the backoff after a failed send).
    pub next_attempt_at: DateTimeUtc,
    /// Why the last send failed.
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
