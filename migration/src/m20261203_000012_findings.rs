//! Findings (issue 20): dangling records and DNS hygiene.
//!
//! - `resources`: what the resource sweep and resource events saw in each account and region
//!   (Elastic IPs, network interface addresses, S3 buckets, CloudFront distributions, Elastic
//!   Beanstalk environments, Route 53 health checks), one row per (kind, account, region, key),
//!   kept as a tombstone (`deleted_at`) once a complete listing no longer holds it.
//! - `resource_listings`: per (kind, account, region), how its last listing went. A finding
//!   that needs a listing which failed or never ran is neither raised nor resolved.
//! - `ip_ranges`: AWS's published EC2 address ranges as last fetched (the shipped copy answers
//!   when there is none).
//! - `findings`: one row per finding episode. `open_key` is `record_id|kind|subject` while the
//!   finding is open or suppressed and NULL once resolved, so a unique index keeps one live
//!   finding per (record, kind, subject) and a resolved one stays as history.
//! - `finding_targets`: the findings' reverse index: what each live record points at
//!   (`ip:203.0.113.7`, `s3:bucket`, ...), so a resource change re-evaluates its records.
//! - `finding_suppressions`: kind + record key, with a reason and who.
//! - `finding_outbox`: `Finding Opened` / `Finding Resolved` events waiting to be published.

use sea_orm_migration::prelude::*;

use crate::columns::{
    IndexSpec, account_id, create_indexes, create_unique_indexes, dns_name, drop_indexes,
    json_text, table, timestamp,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[IndexSpec] = &[
    ("idx_resources_key", "resources", &["resource_key", "kind"]),
    ("idx_resources_resource_id", "resources", &["kind", "account_id", "resource_id"]),
    ("idx_findings_record", "findings", &["record_id", "status"]),
    ("idx_findings_status", "findings", &["status", "id"]),
    ("idx_findings_zone", "findings", &["zone_id", "id"]),
    ("idx_finding_targets_target", "finding_targets", &["target", "record_id"]),
    ("idx_finding_outbox_due", "finding_outbox", &["next_attempt_at", "id"]),
];

/// Unique indexes as (name, table, columns).
const UNIQUE: &[IndexSpec] = &[
    ("ux_resources_identity", "resources", &["kind", "account_id", "region", "resource_key"]),
    ("ux_findings_open_key", "findings", &["open_key"]),
    (
        "ux_finding_suppressions_key",
        "finding_suppressions",
        &["kind", "zone_id", "name", "record_type", "set_identifier"],
    ),
];

fn ascii(manager: &SchemaManager, col: impl IntoIden, len: u32) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if crate::columns::is_mysql(manager) {
        def.custom(Alias::new(format!("VARCHAR({len}) CHARACTER SET ascii COLLATE ascii_bin")));
    } else {
        def.string_len(len);
    }
    def
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Resources::Table)
                .col(
                    ColumnDef::new(Resources::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ascii(m, Resources::Kind, 32).not_null())
                .col(account_id(m, Resources::AccountId).not_null())
                .col(ascii(m, Resources::Region, 32).not_null().default(""))
                .col(ascii(m, Resources::ResourceKey, 255).not_null())
                .col(ColumnDef::new(Resources::ResourceId).string_len(255).not_null())
                .col(json_text(m, Resources::Detail).null())
                .col(timestamp(m, Resources::ObservedAt).not_null())
                .col(timestamp(m, Resources::DeletedAt).null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, ResourceListings::Table)
                .col(ascii(m, ResourceListings::Kind, 32).not_null())
                .col(account_id(m, ResourceListings::AccountId).not_null())
                .col(ascii(m, ResourceListings::Region, 32).not_null().default(""))
                .col(ascii(m, ResourceListings::Status, 16).not_null())
                .col(timestamp(m, ResourceListings::ListedAt).null())
                .col(timestamp(m, ResourceListings::AttemptedAt).not_null())
                .col(ColumnDef::new(ResourceListings::Items).big_integer().not_null().default(0))
                .col(ColumnDef::new(ResourceListings::Error).text().null())
                .primary_key(
                    Index::create()
                        .col(ResourceListings::Kind)
                        .col(ResourceListings::AccountId)
                        .col(ResourceListings::Region),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, IpRanges::Table)
                .col(ascii(m, IpRanges::SyncToken, 32).not_null().primary_key())
                .col(ascii(m, IpRanges::CreateDate, 32).not_null())
                .col(timestamp(m, IpRanges::FetchedAt).not_null())
                .col(json_text(m, IpRanges::Prefixes).not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, Findings::Table)
                .col(
                    ColumnDef::new(Findings::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ascii(m, Findings::Kind, 40).not_null())
                .col(ascii(m, Findings::Severity, 8).not_null())
                .col(ascii(m, Findings::Status, 12).not_null())
                .col(ColumnDef::new(Findings::RecordId).big_integer().not_null())
                .col(ColumnDef::new(Findings::ZoneId).string_len(32).not_null())
                .col(dns_name(m, Findings::Name).not_null())
                .col(ColumnDef::new(Findings::RecordType).string_len(16).not_null())
                .col(ColumnDef::new(Findings::SetIdentifier).string_len(128).not_null().default(""))
                .col(account_id(m, Findings::AccountId).null())
                .col(ascii(m, Findings::Subject, 255).not_null())
                .col(json_text(m, Findings::Evidence).not_null())
                .col(timestamp(m, Findings::FirstSeenAt).not_null())
                .col(timestamp(m, Findings::LastSeenAt).not_null())
                .col(timestamp(m, Findings::ResolvedAt).null())
                .col(ColumnDef::new(Findings::ResolvedReason).string_len(255).null())
                .col(ascii(m, Findings::OpenKey, 320).null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, FindingTargets::Table)
                .col(ColumnDef::new(FindingTargets::RecordId).big_integer().not_null())
                .col(ascii(m, FindingTargets::Target, 320).not_null())
                .primary_key(
                    Index::create().col(FindingTargets::RecordId).col(FindingTargets::Target),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, FindingSuppressions::Table)
                .col(
                    ColumnDef::new(FindingSuppressions::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ascii(m, FindingSuppressions::Kind, 40).not_null())
                .col(ColumnDef::new(FindingSuppressions::ZoneId).string_len(32).not_null())
                .col(dns_name(m, FindingSuppressions::Name).not_null())
                .col(ColumnDef::new(FindingSuppressions::RecordType).string_len(16).not_null())
                .col(
                    ColumnDef::new(FindingSuppressions::SetIdentifier)
                        .string_len(128)
                        .not_null()
                        .default(""),
                )
                .col(ColumnDef::new(FindingSuppressions::Reason).text().not_null())
                .col(ColumnDef::new(FindingSuppressions::CreatedBy).string_len(255).not_null())
                .col(timestamp(m, FindingSuppressions::CreatedAt).not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, FindingOutbox::Table)
                .col(
                    ColumnDef::new(FindingOutbox::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(FindingOutbox::FindingId).big_integer().not_null())
                .col(ascii(m, FindingOutbox::Event, 16).not_null())
                .col(timestamp(m, FindingOutbox::EnqueuedAt).not_null())
                .col(ColumnDef::new(FindingOutbox::Attempts).integer().not_null().default(0))
                .col(timestamp(m, FindingOutbox::NextAttemptAt).not_null())
                .col(ColumnDef::new(FindingOutbox::LastError).text().null())
                .to_owned(),
        )
        .await?;
        create_unique_indexes(m, UNIQUE).await?;
        create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(m, INDEXES).await?;
        drop_indexes(m, UNIQUE).await?;
        for t in [
            FindingOutbox::Table.into_iden(),
            FindingSuppressions::Table.into_iden(),
            FindingTargets::Table.into_iden(),
            Findings::Table.into_iden(),
            IpRanges::Table.into_iden(),
            ResourceListings::Table.into_iden(),
            Resources::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Kind,
    AccountId,
    Region,
    ResourceKey,
    ResourceId,
    Detail,
    ObservedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ResourceListings {
    Table,
    Kind,
    AccountId,
    Region,
    Status,
    ListedAt,
    AttemptedAt,
    Items,
    Error,
}

#[derive(DeriveIden)]
enum IpRanges {
    Table,
    SyncToken,
    CreateDate,
    FetchedAt,
    Prefixes,
}

#[derive(DeriveIden)]
enum Findings {
    Table,
    Id,
    Kind,
    Severity,
    Status,
    RecordId,
    ZoneId,
    Name,
    RecordType,
    SetIdentifier,
    AccountId,
    Subject,
    Evidence,
    FirstSeenAt,
    LastSeenAt,
    ResolvedAt,
    ResolvedReason,
    OpenKey,
}

#[derive(DeriveIden)]
enum FindingTargets {
    Table,
    RecordId,
    Target,
}

#[derive(DeriveIden)]
enum FindingSuppressions {
    Table,
    Id,
    Kind,
    ZoneId,
    Name,
    RecordType,
    SetIdentifier,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FindingOutbox {
    Table,
    Id,
    FindingId,
    Event,
    EnqueuedAt,
    Attempts,
    NextAttemptAt,
    LastError,
}
