//! The size of the writer's statements, and the one column it writes that no entity has. Its
//! tables are reached through the model crate's entities (`zonetrail_model::entity`).

use sea_orm::DeriveIden;

/// How many values an `IN (...)` list or a multi-row statement carries at most: far below
/// SQLite's 32,766 and MySQL's 65,535 placeholders, large enough to keep round trips few.
pub(crate) const IN_CHUNK: usize = 500;

/// The column `m20261122_000003` adds to `hosted_zones` (not in the model's entity).
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum HostedZonesExt {
    PresentObservedAt,
}
