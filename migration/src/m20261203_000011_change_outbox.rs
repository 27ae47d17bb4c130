//! Notifications (issue 19): a transactional outbox of history rows to publish.
//!
//! With notifications on, the writer adds a `change_outbox` row for each `record_changes` row
//! it inserts, in the same transaction, so a committed change is published even if the
//! process dies right after the commit. The publisher sends the rows in `change_id` order and
//! deletes each one once its sink has taken it; a failed send keeps the row, counts the
//! attempt and sets when to try again (`next_attempt_at`). An outbox, not a cursor over
//! `record_changes.id`: concurrent writers commit ids out of order, so a cursor could pass an
//! id whose transaction commits later.

use sea_orm_migration::prelude::*;

use crate::columns::{IndexSpec, create_indexes, drop_indexes, table, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[IndexSpec] =
    &[("idx_change_outbox_due", "change_outbox", &["next_attempt_at", "change_id"])];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table(manager, ChangeOutbox::Table)
                    .col(
                        ColumnDef::new(ChangeOutbox::ChangeId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(manager, ChangeOutbox::EnqueuedAt).not_null())
                    .col(ColumnDef::new(ChangeOutbox::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, ChangeOutbox::NextAttemptAt).not_null())
                    .col(ColumnDef::new(ChangeOutbox::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        create_indexes(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(manager, INDEXES).await?;
        manager.drop_table(Table::drop().table(ChangeOutbox::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ChangeOutbox {
    Table,
    ChangeId,
    EnqueuedAt,
    Attempts,
    NextAttemptAt,
    LastError,
}
