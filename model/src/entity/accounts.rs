use sea_orm::entity::prelude::*;

/// One AWS account in scope, and how its last sweep went (from `account_status` messages).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    /// The account's name in AWS Organizations.
    pub name: Option<String>,
    /// `ok`, `access_denied` or `error` (`model::AccountState`), of the latest attempt.
    pub status: Option<String>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_sweep_id: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTimeUtc>,
    pub first_seen_at: DateTimeUtc,
    /// When `name` was observed: the newest status that carried a name.
    pub name_observed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
