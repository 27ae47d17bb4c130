//! The writer's bookkeeping for order-insensitive history (see the `zonetrail-writer` crate docs,
//! "How history stays the same in every delivery order").
//!
//! - `observation_origins`: one row per observing message: a sweep page, a CloudTrail event,
//!   a sweep's reconciliation (an absence of every unseen record, with the sweep's window) or a
//!   zone deletion (an absence of every record). The writer reads the zone-wide absences from here.
//! - `record_observations`: which origin saw which record in which state. Kept in full within
//!   the retention horizon, and forever for the observations that start a run of equal state
//!   (those are the history entries); older interior ones are compacted away.
//! - `hosted_zones.present_observed_at`: when the zone's stored description was observed, so a
//!   late, older description never replaces a newer one even after the zone was deleted.
//!
//! Only the writer reads or writes these; the API reads the tables of the first migration.

use sea_orm_migration::prelude::*;

use crate::columns::{is_mysql, table, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let m = manager;
        let mut origin_key = ColumnDef::new(ObservationOrigins::OriginKey);
        if is_mysql(m) {
            origin_key.custom(Alias::new("VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin"));
        } else {
            origin_key.string_len(255);
        }
        m.create_table(
            table(m, ObservationOrigins::Table)
                .col(
                    ColumnDef::new(ObservationOrigins::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                // `{zone}/sweep/{sweep_id}/{page}@{micros}`, `{zone}/event/{event_id}@{micros}`,
                // `{zone}/reconcile/{sweep_id}`, `{zone}/zone-deleted/...`: also the last
                // tie-break of the observation order, so it must not depend on row ids.
                .col(origin_key.not_null())
                .col(ColumnDef::new(ObservationOrigins::ZoneId).string_len(32).not_null())
                // `records`, `reconcile` or `zone_deleted`.
                .col(ColumnDef::new(ObservationOrigins::Kind).string_len(12).not_null())
                // History source: `event`, `sweep` or `reconcile`.
                .col(ColumnDef::new(ObservationOrigins::Source).string_len(10).not_null())
                .col(timestamp(m, ObservationOrigins::ObservedAt).not_null())
                // A reconciliation's absence only counts for records with no observation in
                // [observed_at (the sweep's start), window_end (its sweep_done)].
                .col(timestamp(m, ObservationOrigins::WindowEnd).null())
                .col(ColumnDef::new(ObservationOrigins::SweepId).string_len(64).null())
                .col(ColumnDef::new(ObservationOrigins::Page).integer().null())
                .col(ColumnDef::new(ObservationOrigins::EventId).string_len(128).null())
                .col(ColumnDef::new(ObservationOrigins::EventName).string_len(128).null())
                .col(ColumnDef::new(ObservationOrigins::Actor).text().null())
                .col(ColumnDef::new(ObservationOrigins::ActorRole).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("uq_observation_origins_key")
                .table(ObservationOrigins::Table)
                .col(ObservationOrigins::OriginKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_observation_origins_zone")
                .table(ObservationOrigins::Table)
                .col(ObservationOrigins::ZoneId)
                .col(ObservationOrigins::Kind)
                .col(ObservationOrigins::ObservedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_observation_origins_sweep")
                .table(ObservationOrigins::Table)
                .col(ObservationOrigins::SweepId)
                .col(ObservationOrigins::ZoneId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, RecordObservations::Table)
                .col(ColumnDef::new(RecordObservations::RecordId).big_integer().not_null())
                .col(ColumnDef::new(RecordObservations::OriginId).big_integer().not_null())
                .col(timestamp(m, RecordObservations::ObservedAt).not_null())
                .col(ColumnDef::new(RecordObservations::Deleted).boolean().not_null())
                .col(ColumnDef::new(RecordObservations::ContentHash).char_len(64).null())
                // True when this observation starts a run of equal state (a history entry,
                // or the first tombstone of a record never seen alive): never compacted.
                .col(ColumnDef::new(RecordObservations::StartsRun).boolean().not_null())
                .primary_key(
                    Index::create()
                        .col(RecordObservations::RecordId)
                        .col(RecordObservations::OriginId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_record_observations_origin")
                .table(RecordObservations::Table)
                .col(RecordObservations::OriginId)
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(HostedZones::Table)
                .add_column(timestamp(m, HostedZones::PresentObservedAt).null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(HostedZones::Table)
                    .drop_column(HostedZones::PresentObservedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(RecordObservations::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ObservationOrigins::Table).if_exists().to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ObservationOrigins {
    Table,
    Id,
    OriginKey,
    ZoneId,
    Kind,
    Source,
    ObservedAt,
    WindowEnd,
    SweepId,
    Page,
    EventId,
    EventName,
    Actor,
    ActorRole,
}

#[derive(DeriveIden)]
enum RecordObservations {
    Table,
    RecordId,
    OriginId,
    ObservedAt,
    Deleted,
    ContentHash,
    StartsRun,
}

#[derive(DeriveIden)]
enum HostedZones {
    Table,
    PresentObservedAt,
}
