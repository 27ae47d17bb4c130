//! Record observations made on the fast path are kept per message, not per record.
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

use crate::columns::{is_mysql, table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let m = manager;
        let mut blob = ColumnDef::new(ObservationOrigins::Observed);
        if is_mysql(m) {
            // A 1 MiB message of 3,000 record sets makes ~150 kB.
            blob.custom(Alias::new("MEDIUMBLOB"));
        } else {
            blob.blob();
        }
        if !m.has_column("observation_origins", "observations").await? {
            m.alter_table(
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
            m.alter_table(
                Table::alter().table(ObservationOrigins::Table).add_column(blob.null()).to_owned(),
            )
            .await?;
        }
        if !m.has_column("record_sets", "observation_origin_id").await? {
            m.alter_table(
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
        materialize(manager).await?;
        manager.drop_table(Table::drop().table(ZoneLocks::Table).if_exists().to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RecordSets::Table)
                    .drop_column(RecordSets::ObservationOriginId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ObservationOrigins::Table)
                    .drop_column(ObservationOrigins::Observed)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ObservationOrigins::Table)
                    .drop_column(ObservationOrigins::Observations)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// Write every blob-kept observation as a `record_observations` row (what the previous schema
/// keeps), one origin at a time.
async fn materialize(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
    use zonetrail_model::observed::Observed;
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let ids = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM observation_origins WHERE observed IS NOT NULL",
        ))
        .await?;
    for row in ids {
        let id: i64 = row.try_get_by_index(0)?;
        let Some(origin) = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT observed_at, observed FROM observation_origins WHERE id = ?",
                [id.into()],
            ))
            .await?
        else {
            continue;
        };
        let at: zonetrail_model::Timestamp = origin.try_get_by_index(0)?;
        let blob: Vec<u8> = origin.try_get_by_index(1)?;
        let view = Observed::parse(&blob)
            .map_err(|e| DbErr::Custom(format!("observation_origins {id}: {e}")))?;
        let entries: Vec<_> = view.iter().collect();
        for chunk in entries.chunks(500) {
            let mut q = Query::insert()
                .into_table(Alias::new("record_observations"))
                .columns(
                    [
                        "record_id",
                        "origin_id",
                        "observed_at",
                        "deleted",
                        "content_hash",
                        "starts_run",
                    ]
                    .map(Alias::new),
                )
                .to_owned();
            for e in chunk {
                q.values_panic([
                    e.record_id.into(),
                    id.into(),
                    at.into(),
                    e.content_hash.is_none().into(),
                    e.content_hash.clone().into(),
                    e.starts_run.into(),
                ]);
            }
            q.on_conflict(
                OnConflict::columns([Alias::new("record_id"), Alias::new("origin_id")])
                    .do_nothing_on([Alias::new("record_id")])
                    .to_owned(),
            );
            db.execute(&q).await?;
        }
    }
    Ok(())
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
