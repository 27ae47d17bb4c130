//! Every record observation is a `record_observations` row again (issue 15).
//!
//! Migration `m20261201_000006` let a records message keep its observations in one blob on its
//! origin row, chained per record through `record_sets.observation_origin_id`. Measured
//! against plain rows (docs/benchmarks.md, "The writer decision"), the blobs did not pay for
//! their second storage form: a late observation walked its record's chain one query per step.
//! This migration writes every blob entry as a row, with its run flag (a row that exists for
//! the same record and origin stays: a rebuild wrote it with the current flag), then drops
//! `observation_origins.observed` and `record_sets.observation_origin_id`. State and history
//! are unchanged: they never depended on where an observation was kept.
//!
//! `observation_origins.observations` (the count of a message's record observations) and
//! `zone_locks` stay: the writer still uses both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.has_column("observation_origins", "observed").await? {
            crate::observation_blob::materialize(manager).await?;
            crate::columns::drop_column(
                manager,
                ObservationOrigins::Table,
                ObservationOrigins::Observed,
            )
            .await?;
        }
        if manager.has_column("record_sets", "observation_origin_id").await? {
            crate::columns::drop_column(
                manager,
                RecordSets::Table,
                RecordSets::ObservationOriginId,
            )
            .await?;
        }
        Ok(())
    }

    /// The columns come back empty: every observation stays a row, which the blob-keeping
    /// writer reads as well.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut blob = crate::columns::blob(manager, ObservationOrigins::Observed);
        crate::columns::alter(
            manager,
            Table::alter().table(ObservationOrigins::Table).add_column(blob.null()).to_owned(),
        )
        .await?;
        crate::columns::alter(
            manager,
            Table::alter()
                .table(RecordSets::Table)
                .add_column(ColumnDef::new(RecordSets::ObservationOriginId).big_integer().null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ObservationOrigins {
    Table,
    Observed,
}

#[derive(DeriveIden)]
enum RecordSets {
    Table,
    ObservationOriginId,
}
