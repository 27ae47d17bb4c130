//! Ownership (issue 21): annotations and change-batch comments.
//!
//! - `annotations`: who owns a record set or a hosted zone, and why it exists (`owner`,
//!   `team`, `ticket`, `notes`). Keyed by the record key (zone, name, type, set identifier),
//!   not by the row id, so an annotation survives sweeps, value changes, and a delete
//!   followed by a re-create. A zone's annotation has `name` and `record_type` `''`. `version`
//!   counts the key's edits (it keeps counting across a clear).
//! - `annotation_changes`: every edit with who and when, `before` and `after` as JSON
//!   (`NULL` for none). The record's history timeline shows them as `annotation` entries.
//! - `observation_origins.comment` and `record_changes.comment`: the `Comment` of the Route 53
//!   change batch an event observed (`NULL` when it had none, and for sweeps).

use sea_orm_migration::prelude::*;

use crate::columns::{
    IndexSpec, alter, create_indexes, create_unique_indexes, dns_name, drop_indexes, table,
    timestamp,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[IndexSpec] = &[
    ("idx_annotations_owner", "annotations", &["owner"]),
    ("idx_annotations_team", "annotations", &["team"]),
    (
        "idx_annotation_changes_key",
        "annotation_changes",
        &["zone_id", "name", "record_type", "set_identifier", "changed_at"],
    ),
];

const UNIQUE: &[IndexSpec] =
    &[("ux_annotations_key", "annotations", &["zone_id", "name", "record_type", "set_identifier"])];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut annotations = table(m, Annotations::Table);
        annotations
            .col(
                ColumnDef::new(Annotations::Id)
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Annotations::ZoneId).string_len(32).not_null())
            .col(dns_name(m, Annotations::Name).not_null())
            .col(ColumnDef::new(Annotations::RecordType).string_len(16).not_null())
            .col(ColumnDef::new(Annotations::SetIdentifier).string_len(128).not_null().default(""))
            // At the API's limits (it refuses anything longer); notes: 2,000 characters.
            .col(ColumnDef::new(Annotations::Owner).string_len(200).null())
            .col(ColumnDef::new(Annotations::Team).string_len(200).null())
            .col(ColumnDef::new(Annotations::Ticket).string_len(500).null())
            .col(ColumnDef::new(Annotations::Notes).text().null())
            .col(ColumnDef::new(Annotations::Version).big_integer().not_null())
            .col(ColumnDef::new(Annotations::UpdatedBy).string_len(255).not_null())
            .col(timestamp(m, Annotations::UpdatedAt).not_null());
        m.create_table(annotations.to_owned()).await?;

        m.create_table(
            table(m, AnnotationChanges::Table)
                .col(
                    ColumnDef::new(AnnotationChanges::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(AnnotationChanges::ZoneId).string_len(32).not_null())
                .col(dns_name(m, AnnotationChanges::Name).not_null())
                .col(ColumnDef::new(AnnotationChanges::RecordType).string_len(16).not_null())
                .col(
                    ColumnDef::new(AnnotationChanges::SetIdentifier)
                        .string_len(128)
                        .not_null()
                        .default(""),
                )
                .col(ColumnDef::new(AnnotationChanges::Version).big_integer().not_null())
                .col(ColumnDef::new(AnnotationChanges::BeforeState).text().null())
                .col(ColumnDef::new(AnnotationChanges::AfterState).text().null())
                .col(ColumnDef::new(AnnotationChanges::Actor).string_len(255).not_null())
                .col(timestamp(m, AnnotationChanges::ChangedAt).not_null())
                .to_owned(),
        )
        .await?;

        for table_name in ["observation_origins", "record_changes"] {
            if !m.has_column(table_name, "comment").await? {
                alter(
                    m,
                    Table::alter()
                        .table(Alias::new(table_name))
                        // Route 53 allows 256 characters; TEXT keeps whatever arrives.
                        .add_column(ColumnDef::new(Alias::new("comment")).text().null())
                        .to_owned(),
                )
                .await?;
            }
        }

        create_unique_indexes(m, UNIQUE).await?;
        create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(m, INDEXES).await?;
        drop_indexes(m, UNIQUE).await?;
        for table_name in ["observation_origins", "record_changes"] {
            if m.has_column(table_name, "comment").await? {
                alter(
                    m,
                    Table::alter()
                        .table(Alias::new(table_name))
                        .drop_column(Alias::new("comment"))
                        .to_owned(),
                )
                .await?;
            }
        }
        for t in [AnnotationChanges::Table.into_iden(), Annotations::Table.into_iden()] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Annotations {
    Table,
    Id,
    ZoneId,
    Name,
    RecordType,
    SetIdentifier,
    Owner,
    Team,
    Ticket,
    Notes,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnotationChanges {
    Table,
    Id,
    ZoneId,
    Name,
    RecordType,
    SetIdentifier,
    Version,
    BeforeState,
    AfterState,
    Actor,
    ChangedAt,
}
