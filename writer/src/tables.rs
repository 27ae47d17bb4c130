//! Names of the writer's own tables (migrations `m20261122_000003` and `m20261201_000006`) for sea-query statements.
//! The inventory tables are reached through the model crate's entities.

use sea_orm::DeriveIden;

/// How many values an `IN (...)` list or a multi-row statement carries at most: far below
/// SQLite's 32,766 and MySQL's 65,535 placeholders, large enough to keep round trips few.
pub(crate) const IN_CHUNK: usize = 500;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum ObservationOrigins {
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
    /// Migration `m20261201_000006`: how many record observations the message made.
    Observations,
}

/// Migration `m20261201_000006`: one row per zone, the lock that orders a zone's absences
/// against the messages that read them.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum ZoneLocks {
    Table,
    ZoneId,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum RecordObservations {
    Table,
    RecordId,
    OriginId,
    ObservedAt,
    Deleted,
    ContentHash,
    StartsRun,
}

/// The column `m20261122_000003` adds to `hosted_zones` (not in the model's entity).
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum HostedZonesExt {
    PresentObservedAt,
}
