//! The resource side, applied by the writer inside its transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use zonetrail_model::{IpRangesMessage, ResourcesMessage};

use crate::Work;

/// Apply one `resources` message: a complete listing upserts its items (when newer than what
/// is stored) and tombstones the kind/account/region's other live rows older than the
/// listing; a failed one only records the failure in `resource_listings`. Returns the targets
/// whose resources appeared or disappeared.
pub async fn apply_resources<C: ConnectionTrait>(
    txn: &C,
    message: &ResourcesMessage,
    now: DateTime<Utc>,
) -> Result<Work, DbErr> {
    let _ = (txn, message, now);
    todo!("helper A")
}

/// Apply one `ip_ranges` message: store it unless its `sync_token` is already stored. A
/// document with no usable prefix is rejected (the caller reports it; the old ranges stay).
/// Returns `Work { all: true, .. }` when the ranges changed.
pub async fn apply_ip_ranges<C: ConnectionTrait>(
    txn: &C,
    message: &IpRangesMessage,
    now: DateTime<Utc>,
) -> Result<Work, DbErr> {
    let _ = (txn, message, now);
    todo!("helper A")
}
