//! Accounts (issue 16): every hosted zone belongs to an AWS account, and each account in scope
//! has a row with how its last sweep went.
//!
//! `hosted_zones.account_id` is nullable: zones written before this migration have no account
//! until the writer fills them in (it knows the default account, `ZONETRAIL_ACCOUNT_ID`), or a
//! sweep observes them again.

use sea_orm_migration::prelude::*;

use crate::columns::{account_id, alter, json_text, table, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("hosted_zones", "account_id").await? {
            alter(
                manager,
                Table::alter()
                    .table(HostedZones::Table)
                    .add_column(account_id(manager, HostedZones::AccountId).null())
                    .to_owned(),
            )
            .await?;
        }
        // The zones of one account (the `account` filter, and `zones_listed`'s tombstoning).
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_hosted_zones_account")
                    .table(HostedZones::Table)
                    .col(HostedZones::AccountId)
                    .col(HostedZones::DeletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table(manager, Accounts::Table)
                    .col(account_id(manager, Accounts::AccountId).not_null().primary_key())
                    .col(ColumnDef::new(Accounts::Name).string_len(255).null())
                    .col(ColumnDef::new(Accounts::Status).string_len(16).null())
                    .col(timestamp(manager, Accounts::LastAttemptAt).null())
                    .col(timestamp(manager, Accounts::LastSuccessAt).null())
                    .col(ColumnDef::new(Accounts::LastSweepId).string_len(64).null())
                    .col(ColumnDef::new(Accounts::LastError).text().null())
                    .col(timestamp(manager, Accounts::LastErrorAt).null())
                    .col(timestamp(manager, Accounts::FirstSeenAt).not_null())
                    // When the stored name was observed (the newest status that had one).
                    .col(timestamp(manager, Accounts::NameObservedAt).null())
                    .to_owned(),
            )
            .await?;
        // Every `zones_listed` the writer applied (within its horizon): a zone the writer
        // learns of later still gets the absences of the listings that left it out, so the
        // result does not depend on delivery order.
        manager
            .create_table(
                table(manager, ZoneListings::Table)
                    .col(account_id(manager, ZoneListings::AccountId).not_null())
                    .col(ColumnDef::new(ZoneListings::SweepId).string_len(64).not_null())
                    .col(timestamp(manager, ZoneListings::StartedAt).not_null())
                    .col(timestamp(manager, ZoneListings::ObservedAt).not_null())
                    // JSON array of the listed zone ids, sorted.
                    .col(json_text(manager, ZoneListings::ZoneIds).not_null())
                    .primary_key(
                        Index::create().col(ZoneListings::AccountId).col(ZoneListings::SweepId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ZoneListings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Accounts::Table).to_owned()).await?;
        manager
            .drop_index(
                Index::drop().name("idx_hosted_zones_account").table(HostedZones::Table).to_owned(),
            )
            .await?;
        crate::columns::drop_column(manager, HostedZones::Table, HostedZones::AccountId).await
    }
}

#[derive(DeriveIden)]
enum HostedZones {
    Table,
    AccountId,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    AccountId,
    Name,
    Status,
    LastAttemptAt,
    LastSuccessAt,
    LastSweepId,
    LastError,
    LastErrorAt,
    FirstSeenAt,
    NameObservedAt,
}

#[derive(DeriveIden)]
enum ZoneListings {
    Table,
    AccountId,
    SweepId,
    StartedAt,
    ObservedAt,
    ZoneIds,
}
