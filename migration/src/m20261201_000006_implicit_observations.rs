//! Record observations made on the fast path are kept per message, not per record.
//! (Undone by `m20261202_000007`: every observation is a `record_observations` row again.)
//!
//! Before this migration every record a message observed got its own `record_observations`
//! row: for a sweep of an unchanged zone that was one row (and two index entries) per record
//! every three hours, three quarters of what applying the sweep cost. Now the observing
//! message's origin row keeps them in one blob, and each record points at the newest origin
//! that holds one of its observations; each entry points at the record's previous one (see
//! the `zonetrail-writer` crate docs, "Where observations are kept"):
//!
//! - `observation_origins.observations`: how many record observations the message made (the
//!   completeness check of a sweep sums them; it used to count rows). Backfilled from the rows.
//! - `observation_origins.observed`: the blob, `NULL` for origins made before this migration.
//! - `record_sets.observation_origin_id`: the newest origin whose blob observes the record.
//! - `zone_locks`: one row per zone, locked shared by every message that reads the zone's
//!   absences and exclusive by the ones that add an absence, so that writers of one zone can
//!   run concurrently at READ COMMITTED without missing an absence committed meanwhile.

use sea_orm_migration::prelude::*;

use crate::columns::table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let m = manager;
        let mut blob = crate::columns::blob(m, ObservationOrigins::Observed);
        if !m.has_column("observation_origins", "observations").await? {
            crate::columns::alter(
                m,
                Table::alter()
                    .table(ObservationOrigins::Table)
                    .add_column(
                        ColumnDef::new(ObservationOrigins::Observations)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        }
        if !m.has_column("observation_origins", "observed").await? {
            crate::columns::alter(
                m,
                Table::alter().table(ObservationOrigins::Table).add_column(blob.null()).to_owned(),
            )
            .await?;
        }
        if !m.has_column("record_sets", "observation_origin_id").await? {
            crate::columns::alter(
                m,
                Table::alter()
                    .table(RecordSets::Table)
                    .add_column(
                        ColumnDef::new(RecordSets::ObservationOriginId).big_integer().null(),
                    )
                    .to_owned(),
            )
            .await?;
        }
        // Origins made before: their observations are rows.
        m.get_connection()
            .execute_unprepared(
                "UPDATE observation_origins SET observations = \
                 (SELECT COUNT(*) FROM record_observations ro WHERE ro.origin_id = observation_origins.id) \
                 WHERE kind = 'records'",
            )
            .await?;
        m.create_table(
            table(m, ZoneLocks::Table)
                .col(ColumnDef::new(ZoneLocks::ZoneId).string_len(32).not_null().primary_key())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Blob observations become rows again before the blobs go, so nothing is lost.
        crate::observation_blob::materialize(manager).await?;
        manager.drop_table(Table::drop().table(ZoneLocks::Table).if_exists().to_owned()).await?;
        crate::columns::drop_column(manager, RecordSets::Table, RecordSets::ObservationOriginId)
            .await?;
        crate::columns::drop_column(
            manager,
            ObservationOrigins::Table,
            ObservationOrigins::Observed,
        )
        .await?;
        crate::columns::drop_column(
            manager,
            ObservationOrigins::Table,
            ObservationOrigins::Observations,
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ObservationOrigins {
    Table,
    Observations,
    Observed,
}

#[derive(DeriveIden)]
enum RecordSets {
    Table,
    ObservationOriginId,
}

#[derive(DeriveIden)]
enum ZoneLocks {
    Table,
    ZoneId,
}
