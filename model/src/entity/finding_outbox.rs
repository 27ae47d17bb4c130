use sea_orm::entity::prelude::*;

/// A `Finding Opened` or `Finding Resolved` event waiting to be published (migration 12),
/// added in the transaction that opened or resolved the finding; the notifications publisher
/// deletes it once its sink has taken it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub finding_id: i64,
    /// `opened` or `resolved`.
    pub event: String,
    pub enqueued_at: DateTimeUtc,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
