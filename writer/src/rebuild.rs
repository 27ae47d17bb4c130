//! The slow path: read the stored observations and history of some records and plan each
//! from its whole sequence (see [`crate::keyplan::plan_full`]).

use sea_orm::ConnectionTrait;
use std::sync::Arc;
use zonetrail_model::{RecordKey, Timestamp};

use crate::error::ApplyError;
use crate::keyplan::{NewObs, Stored, plan_full};
use crate::plan::Plan;
use crate::sequence::OriginRow;
use crate::store::{self, StoredRow};

pub(crate) struct Item<'a> {
    pub key: RecordKey,
    pub row: &'a StoredRow,
    pub new: Option<NewObs>,
}

pub(crate) async fn rebuild(
    db: &impl ConnectionTrait,
    plan: &mut Plan,
    items: Vec<Item<'_>>,
    absences: &[Arc<OriginRow>],
    horizon: Option<Timestamp>,
) -> Result<(), ApplyError> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|i| i.row.id).collect();
    let mut observations = store::observations(db, &ids).await?;
    let mut changes = store::changes(db, &ids).await?;
    for item in items {
        let stored = Stored {
            row: item.row,
            obs: observations.remove(&item.row.id).unwrap_or_default(),
            changes: changes.remove(&item.row.id).unwrap_or_default(),
        };
        plan.push(plan_full(&item.key, Some(stored), item.new.as_ref(), absences, horizon)?);
    }
    Ok(())
}
