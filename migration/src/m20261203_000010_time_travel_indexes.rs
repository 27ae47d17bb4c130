//! Indexes for time travel (issue 18, `api/src/timetravel`): the inventory as of a time and
//! the diff between two times.
//!
//! Already there: `idx_record_changes_record` (`record_id, observed_at`),
//! `idx_record_changes_zone` (`zone_id, observed_at`) and `idx_record_changes_feed`
//! (`observed_at, id`). These two make the per-record and per-zone lookups read the index
//! alone:
//! - the last change of a record at or before a time orders ties by `action` (a delete after
//!   a presence), so with `action` in the index the correlated subquery of every page row
//!   reads no table row (InnoDB and SQLite append the primary key, the id it returns);
//! - the diff's candidates, the records with a change in a window of one zone, come from
//!   `(zone_id, observed_at, record_id)` without reading the changes themselves.

use sea_orm_migration::prelude::*;

use crate::columns::{IndexSpec, create_indexes, drop_indexes};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns).
const INDEXES: &[IndexSpec] = &[
    ("idx_record_changes_record_action", "record_changes", &["record_id", "observed_at", "action"]),
    ("idx_record_changes_zone_record", "record_changes", &["zone_id", "observed_at", "record_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(manager, INDEXES).await
    }
}
