//! Suppressions: findings of a kind on a record key stay `suppressed` across re-evaluations.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use zonetrail_model::entity::finding_suppressions;

use crate::Kind;

/// A suppression to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub kind: Kind,
    /// Without the `/hostedzone/` prefix.
    pub zone_id: String,
    /// The record name in its stored form (as `record_sets.name`).
    pub name: String,
    pub record_type: String,
    /// `""` for none.
    pub set_identifier: String,
    pub reason: String,
    pub created_by: String,
}

/// Add (or replace the reason and author of) a suppression, and mark the matching open
/// findings `suppressed`. Returns how many findings it suppressed.
pub async fn suppress<C: ConnectionTrait>(
    db: &C,
    s: &Suppression,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let _ = (db, s, now);
    todo!("helper A")
}

/// Remove a suppression; its findings that are still live become `open` again. Returns
/// whether there was one.
pub async fn unsuppress<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    zone_id: &str,
    name: &str,
    record_type: &str,
    set_identifier: &str,
) -> Result<bool, DbErr> {
    let _ = (db, kind, zone_id, name, record_type, set_identifier);
    todo!("helper A")
}

/// Every suppression, by zone, name, type, set identifier and kind.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<finding_suppressions::Model>, DbErr> {
    let _ = db;
    todo!("helper A")
}
