//! Drop `idx_record_sets_zone_observed` (`zone_id, observed_at`).
//!
//! Every sweep moves `observed_at` of every record it sees, so this index was rewritten for
//! every record every three hours, to serve one query a sweep: reconciliation's "live records
//! of the zone last observed before the sweep's start". That query now reads the zone's live
//! rows through another index on `zone_id`, as its twin for the records observed after the
//! start already read nearly the whole zone.
//! Measured with `cargo bench -p zonetrail-writer --bench writer` (MariaDB, 100,000 record
//! sets): the next unchanged sweep went from 23.9k to 29.7k sets/s (300 a message) and from
//! 25.9k to 34.3k (3,035 a message); reconciling that zone went from under 0.05 s to 0.1-0.5 s.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_record_sets_zone_observed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.has_index("record_sets", NAME).await? {
            manager
                .drop_index(Index::drop().name(NAME).table(Alias::new("record_sets")).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(NAME)
                    .table(Alias::new("record_sets"))
                    .col(Alias::new("zone_id"))
                    .col(Alias::new("observed_at"))
                    .to_owned(),
            )
            .await
    }
}
