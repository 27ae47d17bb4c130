//! Backfill (issue 17): history read from CloudTrail's event history.
//!
//! - `observation_origins.via` and `record_changes.via`: `backfill` for an event read by
//!   `zonetrail backfill`, `NULL` otherwise (a live event, a sweep).
//! - `observation_origins.before_unknown` and `record_changes.before_unknown`: a record first
//!   known from a Route 53 `UPSERT` has an `update` entry whose state before is unknown,
//!   never a `create`.
//! - `backfill_progress`: per account and window, how far the backfill has read, with
//!   LookupEvents' `NextToken`, so a killed backfill resumes and a finished window is not
//!   read again.

use sea_orm_migration::prelude::*;

use crate::columns::{account_id, alter, table, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table_name, iden) in [
            ("observation_origins", Alias::new("observation_origins")),
            ("record_changes", Alias::new("record_changes")),
        ] {
            if !manager.has_column(table_name, "via").await? {
                alter(
                    manager,
                    Table::alter()
                        .table(iden.clone())
                        .add_column(ColumnDef::new(Alias::new("via")).string_len(16).null())
                        .to_owned(),
                )
                .await?;
            }
            if !manager.has_column(table_name, "before_unknown").await? {
                alter(
                    manager,
                    Table::alter()
                        .table(iden)
                        .add_column(
                            ColumnDef::new(Alias::new("before_unknown"))
                                .boolean()
                                .not_null()
                                .default(false),
                        )
                        .to_owned(),
                )
                .await?;
            }
        }
        manager
            .create_table(
                table(manager, BackfillProgress::Table)
                    .col(account_id(manager, BackfillProgress::AccountId).not_null())
                    .col(ColumnDef::new(BackfillProgress::BackfillId).string_len(64).not_null())
                    .col(timestamp(manager, BackfillProgress::Since).not_null())
                    .col(timestamp(manager, BackfillProgress::Until).not_null())
                    .col(timestamp(manager, BackfillProgress::ReadUntil).not_null())
                    // CloudTrail documents no length; tokens seen are a few hundred bytes.
                    .col(ColumnDef::new(BackfillProgress::NextToken).text().null())
                    .col(ColumnDef::new(BackfillProgress::Done).boolean().not_null())
                    .col(ColumnDef::new(BackfillProgress::Pages).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::Events).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::Applied).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::FailedCalls).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::Incomplete).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::Malformed).big_integer().not_null())
                    .col(ColumnDef::new(BackfillProgress::Ignored).big_integer().not_null())
                    .col(timestamp(manager, BackfillProgress::ObservedAt).not_null())
                    .col(timestamp(manager, BackfillProgress::StartedAt).not_null())
                    .primary_key(
                        Index::create()
                            .col(BackfillProgress::AccountId)
                            .col(BackfillProgress::BackfillId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BackfillProgress::Table).to_owned()).await?;
        for table_name in ["record_changes", "observation_origins"] {
            for column in ["before_unknown", "via"] {
                crate::columns::drop_column(manager, Alias::new(table_name), Alias::new(column))
                    .await?;
            }
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum BackfillProgress {
    Table,
    AccountId,
    BackfillId,
    Since,
    Until,
    ReadUntil,
    NextToken,
    Done,
    Pages,
    Events,
    Applied,
    FailedCalls,
    Incomplete,
    Malformed,
    Ignored,
    ObservedAt,
    StartedAt,
}
