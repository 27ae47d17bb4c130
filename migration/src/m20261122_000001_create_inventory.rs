//! The inventory: hosted zones, record sets (current state and tombstones), their lookup
//! values, the change history, and the sweeps that reconcile it.

use sea_orm_migration::prelude::*;

use crate::columns::{dns_name, json_text, table, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let m = manager;

        m.create_table(
            table(m, HostedZones::Table)
                .col(ColumnDef::new(HostedZones::Id).string_len(32).not_null().primary_key())
                .col(dns_name(m, HostedZones::Name).not_null())
                .col(ColumnDef::new(HostedZones::PrivateZone).boolean().not_null().default(false))
                .col(ColumnDef::new(HostedZones::Comment).text().null())
                .col(json_text(m, HostedZones::Vpcs).not_null())
                .col(ColumnDef::new(HostedZones::RecordCount).big_integer().null())
                .col(timestamp(m, HostedZones::ObservedAt).not_null())
                .col(timestamp(m, HostedZones::FirstSeenAt).not_null())
                .col(timestamp(m, HostedZones::DeletedAt).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_hosted_zones_name")
                .table(HostedZones::Table)
                .col(HostedZones::Name)
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, RecordSets::Table)
                .col(
                    ColumnDef::new(RecordSets::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RecordSets::ZoneId).string_len(32).not_null())
                .col(dns_name(m, RecordSets::Name).not_null())
                .col(dns_name(m, RecordSets::ReversedName).not_null())
                .col(ColumnDef::new(RecordSets::RecordType).string_len(16).not_null())
                // '' for none, so the unique key covers simple records (MySQL treats NULLs as distinct).
                .col(
                    ColumnDef::new(RecordSets::SetIdentifier)
                        .string_len(128)
                        .not_null()
                        .default(""),
                )
                // The whole RecordSet as JSON; NULL for a tombstone of a record never seen alive.
                .col(json_text(m, RecordSets::Content).null())
                .col(ColumnDef::new(RecordSets::ContentHash).char_len(64).null())
                // The observation this row reflects: last observation wins.
                .col(timestamp(m, RecordSets::ObservedAt).not_null())
                .col(timestamp(m, RecordSets::FirstSeenAt).null())
                .col(timestamp(m, RecordSets::LastSeenAt).null())
                .col(timestamp(m, RecordSets::DeletedAt).null())
                .col(ColumnDef::new(RecordSets::LastSweepId).string_len(64).null())
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            (
                "uq_record_sets_key",
                &[
                    RecordSets::ZoneId,
                    RecordSets::Name,
                    RecordSets::RecordType,
                    RecordSets::SetIdentifier,
                ][..],
                true,
            ),
            (
                "idx_record_sets_zone_type_name",
                &[RecordSets::ZoneId, RecordSets::RecordType, RecordSets::Name][..],
                false,
            ),
            ("idx_record_sets_type_name", &[RecordSets::RecordType, RecordSets::Name][..], false),
            ("idx_record_sets_name", &[RecordSets::Name][..], false),
            ("idx_record_sets_reversed_name", &[RecordSets::ReversedName][..], false),
            (
                "idx_record_sets_zone_observed",
                &[RecordSets::ZoneId, RecordSets::ObservedAt][..],
                false,
            ),
        ] {
            let mut idx = Index::create();
            idx.if_not_exists().name(name).table(RecordSets::Table);
            for c in cols {
                idx.col(c.clone());
            }
            if unique {
                idx.unique();
            }
            m.create_index(idx.to_owned()).await?;
        }

        m.create_table(
            table(m, RecordValues::Table)
                .col(
                    ColumnDef::new(RecordValues::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RecordValues::RecordId).big_integer().not_null())
                // zonetrail_model::lookup_key form: lower-case, no trailing dot, at most 255 characters.
                .col(ColumnDef::new(RecordValues::Value).string_len(255).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("uq_record_values")
                .table(RecordValues::Table)
                .col(RecordValues::RecordId)
                .col(RecordValues::Value)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_record_values_value")
                .table(RecordValues::Table)
                .col(RecordValues::Value)
                .col(RecordValues::RecordId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, RecordChanges::Table)
                .col(
                    ColumnDef::new(RecordChanges::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RecordChanges::RecordId).big_integer().not_null())
                .col(ColumnDef::new(RecordChanges::ZoneId).string_len(32).not_null())
                .col(ColumnDef::new(RecordChanges::Action).string_len(8).not_null())
                .col(ColumnDef::new(RecordChanges::Source).string_len(10).not_null())
                .col(ColumnDef::new(RecordChanges::Actor).text().null())
                .col(ColumnDef::new(RecordChanges::ActorRole).text().null())
                .col(ColumnDef::new(RecordChanges::EventId).string_len(128).null())
                .col(ColumnDef::new(RecordChanges::SweepId).string_len(64).null())
                .col(timestamp(m, RecordChanges::ObservedAt).not_null())
                .col(timestamp(m, RecordChanges::RecordedAt).not_null())
                .col(json_text(m, RecordChanges::BeforeState).null())
                .col(json_text(m, RecordChanges::AfterState).null())
                // A replayed observation computes the same key, so inserting it again is a no-op.
                .col(ColumnDef::new(RecordChanges::DedupKey).char_len(64).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("uq_record_changes_dedup")
                .table(RecordChanges::Table)
                .col(RecordChanges::DedupKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_record_changes_record")
                .table(RecordChanges::Table)
                .col(RecordChanges::RecordId)
                .col(RecordChanges::ObservedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_record_changes_feed")
                .table(RecordChanges::Table)
                .col(RecordChanges::ObservedAt)
                .col(RecordChanges::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_record_changes_zone")
                .table(RecordChanges::Table)
                .col(RecordChanges::ZoneId)
                .col(RecordChanges::ObservedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, Sweeps::Table)
                .col(
                    ColumnDef::new(Sweeps::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Sweeps::SweepId).string_len(64).not_null())
                .col(ColumnDef::new(Sweeps::ZoneId).string_len(32).not_null())
                .col(timestamp(m, Sweeps::StartedAt).null())
                // Filled by sweep_done: how many pages and record sets the sweep sent.
                .col(ColumnDef::new(Sweeps::PagesExpected).integer().null())
                .col(ColumnDef::new(Sweeps::RecordSetsExpected).big_integer().null())
                .col(ColumnDef::new(Sweeps::PagesApplied).integer().not_null().default(0))
                .col(timestamp(m, Sweeps::FinishedAt).null())
                .col(timestamp(m, Sweeps::ReconciledAt).null())
                .col(ColumnDef::new(Sweeps::Tombstoned).big_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("uq_sweeps")
                .table(Sweeps::Table)
                .col(Sweeps::SweepId)
                .col(Sweeps::ZoneId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_sweeps_finished")
                .table(Sweeps::Table)
                .col(Sweeps::FinishedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, SweepPages::Table)
                .col(
                    ColumnDef::new(SweepPages::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(SweepPages::SweepId).string_len(64).not_null())
                .col(ColumnDef::new(SweepPages::ZoneId).string_len(32).not_null())
                .col(ColumnDef::new(SweepPages::Page).integer().not_null())
                .col(timestamp(m, SweepPages::AppliedAt).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("uq_sweep_pages")
                .table(SweepPages::Table)
                .col(SweepPages::SweepId)
                .col(SweepPages::ZoneId)
                .col(SweepPages::Page)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SweepPages::Table.into_iden(),
            Sweeps::Table.into_iden(),
            RecordChanges::Table.into_iden(),
            RecordValues::Table.into_iden(),
            RecordSets::Table.into_iden(),
            HostedZones::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum HostedZones {
    Table,
    Id,
    Name,
    PrivateZone,
    Comment,
    Vpcs,
    RecordCount,
    ObservedAt,
    FirstSeenAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone)]
enum RecordSets {
    Table,
    Id,
    ZoneId,
    Name,
    ReversedName,
    RecordType,
    SetIdentifier,
    Content,
    ContentHash,
    ObservedAt,
    FirstSeenAt,
    LastSeenAt,
    DeletedAt,
    LastSweepId,
}

#[derive(DeriveIden)]
enum RecordValues {
    Table,
    Id,
    RecordId,
    Value,
}

#[derive(DeriveIden)]
enum RecordChanges {
    Table,
    Id,
    RecordId,
    ZoneId,
    Action,
    Source,
    Actor,
    ActorRole,
    EventId,
    SweepId,
    ObservedAt,
    RecordedAt,
    BeforeState,
    AfterState,
    DedupKey,
}

#[derive(DeriveIden)]
enum Sweeps {
    Table,
    Id,
    SweepId,
    ZoneId,
    StartedAt,
    PagesExpected,
    RecordSetsExpected,
    PagesApplied,
    FinishedAt,
    ReconciledAt,
    Tombstoned,
}

#[derive(DeriveIden)]
enum SweepPages {
    Table,
    Id,
    SweepId,
    ZoneId,
    Page,
    AppliedAt,
}
