//! Indexes the read API needs so each filter reads about one page of rows at a million
//! record sets (see `api/src/records/query.rs` for which index serves which filter).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns). InnoDB and SQLite append the primary key to each, which the
/// API's keyset order `(…, id)` relies on.
const INDEXES: &[(&str, &str, &[&str])] = &[
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
        for (name, table, cols) in INDEXES {
            let mut idx = Index::create();
            idx.if_not_exists().name(*name).table(Alias::new(*table));
            for col in *cols {
                idx.col(Alias::new(*col));
            }
            manager.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(*name).table(Alias::new(*table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
