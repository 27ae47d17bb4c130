//! The cheapest path, for the commonest message: a sweep page that sees records exactly as the
//! previous sweep's page saw them.
//!
//! Such a record needs only its times moved and an entry in the message's blob: the fast path
//! of [`crate::keyplan::plan_fast`] for an unchanged state. Reading and locking every row of
//! the page to find that out was most of what applying it cost. Instead, the writer reads
//! three rows of the page to learn which origin observed them last (`observation_origin_id`),
//! reads that origin's blob, and matches the page's content hashes (a hash covers key and
//! content) against it. The records that match are refreshed by one
//! `UPDATE ... WHERE id IN (...)` whose condition is exactly the fast path's, checked by the
//! database on the locked rows:
//!
//! - its stored content hash is the page's (a hash covers the key, so `content_hash IN (the
//!   page's hashes)` holds for a row only with its own record's hash);
//! - it is live (no absence tombstoned it since);
//! - its newest blob-kept observation is still that origin's, so the record's chain of
//!   observations continues from there;
//! - the page is newer than the record's `observed_at`, which is newer than every zone-wide
//!   absence (as `fast_applies` requires; a page inside a reconciled sweep's window never
//!   comes here).
//!
//! A record the update does not refresh (anything changed, or the matching was wrong) goes
//! the usual way, so the result is the same as without this path.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;
use zonetrail_model::entity::record_sets;
use zonetrail_model::observed::Observed;
use zonetrail_model::{Timestamp, ZoneId};

use crate::error::ApplyError;
use crate::origin::{self, OriginRow};
use crate::sequence::{self, State};
use crate::store::{self, IN_CHUNK, KeyCols};
use crate::validate::Incoming;

/// A record refreshed here: its row id and the origin its chain continues from.
pub(crate) struct Refreshed {
    pub id: i64,
    pub prev_origin_id: i64,
}

/// Refresh the records of `incoming` that are unchanged since their last sweep observation;
/// returns them by index into `incoming`. `origin` is the message's (a sweep page's).
pub(crate) async fn refresh(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    incoming: &[Incoming],
    keys: &[KeyCols],
    origin: &OriginRow,
    absences: &[Arc<OriginRow>],
) -> Result<HashMap<usize, Refreshed>, ApplyError> {
    let at = origin.observed_at;
    let mut out = HashMap::new();
    if absences.iter().any(|a| sequence::in_window(a, at)) {
        return Ok(out);
    }
    // A few of the page's records, spread over it (one of them may be new since).
    let present: Vec<usize> = incoming
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.state, State::Present(_)))
        .map(|(i, _)| i)
        .collect();
    if present.is_empty() {
        return Ok(out);
    }
    let mut probes: Vec<&KeyCols> =
        [0, present.len() / 2, present.len() - 1].iter().map(|&p| &keys[present[p]]).collect();
    probes.dedup();
    let Some(previous) = last_observed_by(db, zone_id, &probes).await? else {
        return Ok(out);
    };
    let Some((prev_origin, blob)) = origin::blobs_by_ids(db, &[previous]).await?.into_iter().next()
    else {
        return Ok(out);
    };
    let view = Observed::parse(&blob).map_err(|e| {
        ApplyError::Inconsistent(format!("observation_origins {}: {e}", prev_origin.id))
    })?;
    let by_hash: HashMap<String, i64> =
        view.iter().filter_map(|e| e.content_hash.map(|h| (h, e.record_id))).collect();
    let candidates: Vec<(usize, i64)> = incoming
        .iter()
        .enumerate()
        .filter_map(|(i, inc)| match &inc.state {
            State::Present(h) => by_hash.get(h).map(|id| (i, *id)),
            State::Deleted => None,
        })
        .collect();
    if candidates.is_empty() {
        return Ok(out);
    }
    let hash_of: HashMap<i64, &str> = candidates
        .iter()
        .filter_map(|(i, id)| incoming[*i].state.hash().map(|h| (*id, h)))
        .collect();
    let newest_absence: Option<Timestamp> = absences.iter().map(|a| a.observed_at).max();
    let sweep_id = origin.sweep_id.clone();
    let mut matched = 0u64;
    for chunk in candidates.chunks(IN_CHUNK * 4) {
        use record_sets::Column as C;
        let mut q = Query::update()
            .table(record_sets::Entity)
            .value(C::ObservedAt, at)
            .value(C::LastSeenAt, at)
            .value(C::ObservationOriginId, origin.id)
            .to_owned();
        if let Some(s) = &sweep_id {
            q.value(C::LastSweepId, s.clone());
        }
        // A content hash covers the record's key, so a row's hash is among the page's only if
        // it is the hash the page saw for that very record.
        q.and_where(Expr::col(C::Id).is_in(chunk.iter().map(|(_, id)| *id)))
            .and_where(
                Expr::col(C::ContentHash).is_in(chunk.iter().map(|(_, id)| hash_of[id].to_owned())),
            )
            .and_where(Expr::col(C::ObservationOriginId).eq(previous))
            .and_where(Expr::col(C::DeletedAt).is_null())
            .and_where(Expr::col(C::ContentHash).is_not_null())
            .and_where(Expr::col(C::ObservedAt).lt(at));
        if let Some(t) = newest_absence {
            q.and_where(Expr::col(C::ObservedAt).gt(t));
        }
        matched += db.execute(&q).await?.rows_affected();
    }
    let refreshed: Vec<(usize, i64)> = if matched == candidates.len() as u64 {
        candidates
    } else {
        // Some rows had changed since: keep those the update moved to this origin.
        let ids: Vec<i64> = candidates.iter().map(|(_, id)| *id).collect();
        let mut moved = std::collections::HashSet::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let rows: Vec<i64> = record_sets::Entity::find()
                .select_only()
                .column(record_sets::Column::Id)
                .filter(record_sets::Column::Id.is_in(chunk.iter().copied()))
                .filter(record_sets::Column::ObservationOriginId.eq(origin.id))
                .into_tuple()
                .all(db)
                .await?;
            moved.extend(rows);
        }
        candidates.into_iter().filter(|(_, id)| moved.contains(id)).collect()
    };
    for (i, id) in refreshed {
        out.insert(i, Refreshed { id, prev_origin_id: previous });
    }
    Ok(out)
}

/// The origin that observed most of these records last on the fast path, read without a
/// lock (the update above checks it again on the locked rows).
async fn last_observed_by(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    keys: &[&KeyCols],
) -> Result<Option<i64>, ApplyError> {
    #[derive(FromQueryResult)]
    struct Head {
        name: String,
        record_type: String,
        set_identifier: String,
        observation_origin_id: Option<i64>,
    }
    use record_sets::Column as C;
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let rows = store::by_names(zone_id, &names)
        .select_only()
        .columns([C::Name, C::RecordType, C::SetIdentifier, C::ObservationOriginId])
        .into_model::<Head>()
        .all(db)
        .await?;
    let mut votes: HashMap<i64, usize> = HashMap::new();
    for r in rows {
        let key = KeyCols { name: r.name, rtype: r.record_type, set_identifier: r.set_identifier };
        if let Some(head) = r.observation_origin_id.filter(|_| keys.contains(&&key)) {
            *votes.entry(head).or_default() += 1;
        }
    }
    Ok(votes.into_iter().max_by_key(|(head, n)| (*n, *head)).map(|(head, _)| head))
}
