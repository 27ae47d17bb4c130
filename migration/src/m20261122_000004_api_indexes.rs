//! Indexes the read API needs so each filter reads about one page of rows at a million
//! record sets (see `api/src/records/query.rs` for which index serves which filter).

use sea_orm_migration::prelude::*;

use crate::columns::{IndexSpec, create_indexes, drop_indexes};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns). InnoDB and SQLite append the primary key to each, which the
/// API's keyset order `(…, id)` relies on.
const INDEXES: &[IndexSpec] = &[
    // Records of one zone in name order (the dashboard's zone view, and `q` within a zone).
    ("idx_record_sets_zone_name", "record_sets", &["zone_id", "name"]),
    // `/api/stats` and `/api/zones` count live records per zone and type from this index alone.
    ("idx_record_sets_live_zone_type", "record_sets", &["deleted_at", "zone_id", "record_type"]),
    // The last event's time, and the change feed filtered by source.
    ("idx_record_changes_source", "record_changes", &["source", "observed_at"]),
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
