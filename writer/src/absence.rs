//! Applying a zone-wide absence (a reconciled sweep or a deleted zone) to the zone's records.
//!
//! Live records last observed before the absence are tombstoned from the row alone. Records
//! observed at or after it may have the absence in the middle of their sequence (it can still
//! split a run: deleted by the sweep, created again later) and are rebuilt in full. Deleted
//! records observed before it need nothing: the absence only continues their deleted run, and
//! the zone's absences imply it whenever their sequence is rebuilt.

use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;
use std::sync::Arc;
use zonetrail_model::ZoneId;
use zonetrail_model::entity::{record_observations, record_sets};

use crate::ApplyOptions;
use crate::error::ApplyError;
use crate::keyplan::{NewObs, plan_fast, row_state};
use crate::plan::{Counts, Plan};
use crate::rebuild::{Item, rebuild};
use crate::sequence::{Obs, OriginKind, OriginRow, PageOrigin, State, horizon};
use crate::store::{self, IN_CHUNK, StoredRow};

/// `absence` must be stored already and be part of `absences`.
pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    absence: &Arc<OriginRow>,
    absences: &[Arc<OriginRow>],
    page_origins: &[PageOrigin],
    options: &ApplyOptions,
) -> Result<Counts, ApplyError> {
    let at = absence.observed_at;
    let horizon = horizon(absences);
    let older = store::lock_zone_rows(db, zone_id, |q| {
        q.filter(record_sets::Column::ObservedAt.lt(at))
            .filter(record_sets::Column::DeletedAt.is_null())
    })
    .await?;
    let newer = store::lock_zone_rows(db, zone_id, |q| {
        let q = q.filter(record_sets::Column::ObservedAt.gte(at));
        match (&absence.kind, &absence.sweep_id) {
            // A record whose newest sweep observation is from this sweep was seen by it.
            (OriginKind::Reconcile | OriginKind::ZoneListed, Some(sweep_id)) => q.filter(
                record_sets::Column::LastSweepId
                    .is_null()
                    .or(record_sets::Column::LastSweepId.ne(sweep_id.as_str())),
            ),
            _ => q,
        }
    })
    .await?;
    // A page stamped before the sweep's start still saw what it listed.
    let seen = seen_by(db, &older, page_origins).await?;

    let mut plan = Plan::new(zone_id.clone(), options.outbox);
    let mut slow = Vec::new();
    let others_since = |row: &StoredRow| {
        absences.iter().any(|a| a.id != absence.id && a.observed_at >= row.observed_at)
    };
    for row in older.iter().chain(&newer) {
        let key = store::row_key(zone_id, row).map_err(ApplyError::Inconsistent)?;
        let fast = !options.always_rebuild
            && row.observed_at < at
            && !seen.contains(&row.id)
            && !others_since(row)
            && row_state(row).is_some();
        if fast {
            let new = NewObs {
                obs: Obs { at, state: State::Deleted, origin: absence.clone() },
                content: None,
            };
            plan.push(plan_fast(&key, row, &new)?);
        } else {
            slow.push(Item { key, row, new: None });
        }
    }
    rebuild(db, &mut plan, slow, absences, horizon).await?;
    Ok(plan.execute(db).await?)
}

/// Which of these rows have an observation from one of these page origins.
async fn seen_by(
    db: &impl ConnectionTrait,
    rows: &[StoredRow],
    pages: &[PageOrigin],
) -> Result<HashSet<i64>, ApplyError> {
    let mut seen = HashSet::new();
    if rows.is_empty() || pages.is_empty() {
        return Ok(seen);
    }
    let origins: Vec<i64> = pages.iter().map(|p| p.id).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for id_chunk in ids.chunks(IN_CHUNK) {
        for origin_chunk in origins.chunks(IN_CHUNK) {
            let ids: Vec<i64> = record_observations::Entity::find()
                .select_only()
                .column(record_observations::Column::RecordId)
                .filter(record_observations::Column::RecordId.is_in(id_chunk.iter().copied()))
                .filter(record_observations::Column::OriginId.is_in(origin_chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            seen.extend(ids);
        }
    }
    Ok(seen)
}
