//! Deciding what one record needs written, from its stored state and one new observation.
//!
//! Two ways, one answer. [`plan_full`] rebuilds the record's whole observation sequence
//! (stored observations, zone-wide absences, the new one), evaluates it and writes the
//! difference. [`plan_fast`] covers the common case — an observation newer than everything
//! the record has seen, with no zone-wide absence or sweep window in the way — from the row
//! alone; it produces exactly what `plan_full` would, without reading observations or history.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use zonetrail_model::{RecordKey, Timestamp};

use crate::error::ApplyError;

use crate::plan::{
    ChangeWrite, Effect, KeyOutcome, ObsWrite, RecordRef, Refresh, RowWrite, Snapshot,
};
use crate::sequence::{self, Obs, OriginKind, OriginRow, Source, State};
use crate::store::{StoredChange, StoredObs, StoredRow};
use crate::validate::Content;

/// A new observation of one record, with its content when it saw the record present.
#[derive(Debug, Clone)]
pub(crate) struct NewObs {
    pub obs: Obs,
    pub content: Option<Arc<Content>>,
}

fn snapshot(c: &Content) -> Snapshot {
    Snapshot { hash: c.hash.clone(), json: Arc::from(c.json.as_str()) }
}

/// The row's current state.
pub(crate) fn row_state(row: &StoredRow) -> Option<State> {
    match (&row.deleted_at, &row.content_hash) {
        (Some(_), _) => Some(State::Deleted),
        (None, Some(h)) => Some(State::Present(h.clone())),
        (None, None) => None,
    }
}

fn row_snapshot(row: &StoredRow) -> Option<Snapshot> {
    match (&row.content_hash, row.content()) {
        (Some(hash), Some(json)) => Some(Snapshot { hash: hash.clone(), json: Arc::from(json) }),
        _ => None,
    }
}

/// Does applying `new` to `row` on the fast path need the row's content (it changes state)?
pub(crate) fn fast_needs_content(row: &StoredRow, new: &Obs) -> bool {
    row_state(row).as_ref() != Some(&new.state)
}

/// Can `at` be applied to `row` by [`plan_fast`]? Only when it is newer than everything the
/// row reflects, no zone-wide absence is as new as the row (it might still have to be placed
/// in the record's sequence), and no reconciled sweep's window contains it (it might withdraw
/// that sweep's absence).
pub(crate) fn fast_applies(row: &StoredRow, at: Timestamp, absences: &[Arc<OriginRow>]) -> bool {
    at > row.observed_at
        && row_state(row).is_some()
        && !absences.iter().any(|a| a.observed_at >= row.observed_at || sequence::in_window(a, at))
}

/// Apply an observation newer than everything `row` reflects (see [`fast_applies`]).
pub(crate) fn plan_fast(
    key: &RecordKey,
    row: &StoredRow,
    new: &NewObs,
) -> Result<KeyOutcome, ApplyError> {
    let old = row_state(row).ok_or_else(|| {
        ApplyError::Inconsistent(format!("record_sets {} is live but has no content", row.id))
    })?;
    let o = &new.obs;
    let record = RecordRef::Id(row.id);
    let is_record = o.is_record_observation();
    let sweep_id = (is_record && o.origin.source == Source::Sweep)
        .then(|| o.origin.sweep_id.clone())
        .flatten();
    if old == o.state {
        if !is_record {
            // An absence inside a deleted run is implied by the zone's sweeps: nothing to store.
            return Ok(KeyOutcome::new(record, Effect::Unchanged));
        }
        let mut out = KeyOutcome::new(record, Effect::Refreshed);
        out.refresh = Some(Refresh {
            observed_at: o.at,
            last_seen_at: matches!(o.state, State::Present(_)).then_some(o.at),
            last_sweep_id: sweep_id,
        });
        out.obs_insert.push(ObsWrite {
            origin_id: o.origin.id,
            at: o.at,
            state: o.state.clone(),
            starts_run: false,
        });
        return Ok(out);
    }
    let before = row_snapshot(row);
    let after = new.content.as_deref().map(snapshot);
    // From a known state (the row's), never from nothing: `before_unknown` plays no part.
    let (action, _, _, before_unknown) = sequence::transition(Some(&old), &o.state, &o.origin)
        .ok_or_else(|| {
            ApplyError::Inconsistent(format!(
                "record_sets {}: different states but no transition",
                row.id
            ))
        })?;
    let effect = match (&old, &o.state) {
        (State::Deleted, State::Present(_)) => Effect::Created,
        (State::Present(_), State::Present(_)) => Effect::Updated,
        _ => Effect::Tombstoned,
    };
    let mut out = KeyOutcome::new(record, effect);
    let present = matches!(o.state, State::Present(_));
    if present && after.is_none() {
        return Err(ApplyError::Inconsistent(format!(
            "observation of record {} has no content",
            row.id
        )));
    }
    out.row = Some(RowWrite {
        key: key.clone(),
        content: if present { after.clone() } else { before.clone() },
        observed_at: o.at,
        first_seen_at: if present { row.first_seen_at.or(Some(o.at)) } else { row.first_seen_at },
        last_seen_at: if present { Some(o.at) } else { row.last_seen_at },
        deleted_at: (!present).then_some(o.at),
        last_sweep_id: sweep_id.or_else(|| row.last_sweep_id.clone()),
    });
    out.obs_insert.push(ObsWrite {
        origin_id: o.origin.id,
        at: o.at,
        state: o.state.clone(),
        starts_run: true,
    });
    out.changes_insert.push(ChangeWrite {
        origin: o.origin.clone(),
        at: o.at,
        action,
        before: if matches!(old, State::Present(_)) { before } else { None },
        after: if present { after } else { None },
        before_unknown,
    });
    out.values = Some(
        new.content.as_ref().filter(|_| present).map(|c| c.lookup.clone()).unwrap_or_default(),
    );
    Ok(out)
}

/// A stored record: its row, observations and history.
pub(crate) struct Stored<'a> {
    pub row: &'a StoredRow,
    pub obs: Vec<StoredObs>,
    pub changes: Vec<StoredChange>,
}

/// Rebuild the record's sequence and write what differs. `stored` is `None` for a record
/// the database has never seen.
pub(crate) fn plan_full(
    key: &RecordKey,
    stored: Option<Stored<'_>>,
    new: Option<&NewObs>,
    absences: &[Arc<OriginRow>],
    horizon: Option<Timestamp>,
) -> Result<KeyOutcome, ApplyError> {
    let inconsistent = |what: String| ApplyError::Inconsistent(what);

    // Every content the record has had: from its row, its history and the new observation.
    let mut contents: HashMap<String, Snapshot> = HashMap::new();
    let mut lookups: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(new) = new.and_then(|n| n.content.as_ref()) {
        contents.insert(new.hash.clone(), snapshot(new));
        lookups.insert(new.hash.clone(), new.lookup.clone());
    }
    let mut stored_obs: Vec<StoredObs> = Vec::new();
    let mut stored_changes: Vec<StoredChange> = Vec::new();
    let row = stored.as_ref().map(|s| s.row);
    if let Some(s) = stored {
        if let Some(snap) = row_snapshot(s.row) {
            contents.entry(snap.hash.clone()).or_insert(snap);
        }
        stored_obs = s.obs;
        stored_changes = s.changes;
    }
    // History JSON is parsed only for the states the row cannot provide.
    let needed: HashSet<String> =
        stored_obs.iter().filter_map(|o| o.state.hash().map(str::to_owned)).collect();
    if needed.iter().any(|h| !contents.contains_key(h)) {
        for c in &stored_changes {
            for json in [&c.before_state, &c.after_state].into_iter().flatten() {
                let content = Content::from_json(json).map_err(|e| {
                    inconsistent(format!("history row {} holds unreadable JSON: {e}", c.id))
                })?;
                contents.entry(content.hash.clone()).or_insert_with(|| snapshot(&content));
            }
        }
    }

    let mut record_obs: Vec<Obs> = Vec::new();
    let mut stored_absences: Vec<Obs> = Vec::new();
    let mut stored_flags: HashMap<i64, bool> = HashMap::new();
    for s in &stored_obs {
        stored_flags.insert(s.origin.id, s.starts_run);
        let obs = Obs { at: s.at, state: s.state.clone(), origin: s.origin.clone() };
        if s.origin.kind == OriginKind::Records {
            record_obs.push(obs);
        } else {
            stored_absences.push(obs);
        }
    }
    if let Some(n) = new {
        record_obs.push(n.obs.clone());
    }
    let seq = sequence::assemble(record_obs, stored_absences, absences, horizon);
    let eval = sequence::evaluate(&seq);
    let summary = &eval.summary;

    let record = match row {
        Some(r) => RecordRef::Id(r.id),
        None => RecordRef::New(key.clone()),
    };

    // Observations: every record observation, and the absences that start a run.
    let mut obs_insert = Vec::new();
    let mut obs_flags = Vec::new();
    let mut keep: HashSet<i64> = HashSet::new();
    for (o, &starts_run) in seq.iter().zip(&eval.starts_run) {
        if !o.is_record_observation() && !starts_run {
            continue;
        }
        keep.insert(o.origin.id);
        let write =
            || ObsWrite { origin_id: o.origin.id, at: o.at, state: o.state.clone(), starts_run };
        match stored_flags.get(&o.origin.id) {
            Some(&flag) if flag == starts_run => {}
            Some(_) => obs_flags.push((o.origin.id, starts_run)),
            None => obs_insert.push(write()),
        }
    }
    let obs_delete: Vec<i64> =
        stored_flags.keys().filter(|id| !keep.contains(id)).copied().collect();

    // History: one row per run start.
    let snap = |h: &Option<String>| -> Result<Option<Snapshot>, ApplyError> {
        match h {
            None => Ok(None),
            Some(h) => contents
                .get(h)
                .cloned()
                .map(Some)
                .ok_or_else(|| inconsistent(format!("no stored content has hash {h}"))),
        }
    };
    let mut desired = Vec::with_capacity(eval.changes.len());
    for c in &eval.changes {
        let o = &seq[c.index];
        desired.push(ChangeWrite {
            origin: o.origin.clone(),
            at: o.at,
            action: c.action,
            before: snap(&c.before)?,
            after: snap(&c.after)?,
            before_unknown: c.before_unknown,
        });
    }
    let (changes_insert, changes_delete) = match row {
        Some(r) => {
            let stored_keys: HashMap<&str, i64> =
                stored_changes.iter().map(|c| (c.dedup_key.as_str(), c.id)).collect();
            let desired_keys: HashSet<String> = desired.iter().map(|c| c.dedup_key(r.id)).collect();
            let insert = desired
                .into_iter()
                .filter(|c| !stored_keys.contains_key(c.dedup_key(r.id).as_str()))
                .collect();
            let delete = stored_changes
                .iter()
                .filter(|c| !desired_keys.contains(&c.dedup_key))
                .map(|c| c.id)
                .collect();
            (insert, delete)
        }
        None => (desired, Vec::new()),
    };

    // The row.
    let observed_at = summary.observed_at.ok_or_else(|| {
        inconsistent(format!("record {} {} has no observations", key.name, key.rtype))
    })?;
    // Beyond the horizon observations may be compacted away: trust what the row says there.
    let observed_at = match row {
        Some(r) if horizon.is_some_and(|h| r.observed_at < h) => observed_at.max(r.observed_at),
        _ => observed_at,
    };
    let min = |a: Option<Timestamp>, b: Option<Timestamp>| a.into_iter().chain(b).min();
    let max = |a: Option<Timestamp>, b: Option<Timestamp>| a.into_iter().chain(b).max();
    let content = snap(&summary.hash)?;
    let last_sweep_id =
        summary.last_sweep_id.clone().or_else(|| row.and_then(|r| r.last_sweep_id.clone()));
    let write = RowWrite {
        key: key.clone(),
        content,
        observed_at,
        first_seen_at: min(summary.first_seen_at, row.and_then(|r| r.first_seen_at)),
        last_seen_at: max(summary.last_seen_at, row.and_then(|r| r.last_seen_at)),
        deleted_at: summary.deleted_at,
        last_sweep_id,
    };
    let same_row = row.is_some_and(|r| {
        r.content() == write.content.as_ref().map(|c| &*c.json)
            && r.content_hash == write.content.as_ref().map(|c| c.hash.clone())
            && r.observed_at == write.observed_at
            && r.first_seen_at == write.first_seen_at
            && r.last_seen_at == write.last_seen_at
            && r.deleted_at == write.deleted_at
            && r.last_sweep_id == write.last_sweep_id
    });

    // Lookup values follow the live content.
    let old_live = row.and_then(|r| match row_state(r) {
        Some(State::Present(h)) => Some(h),
        _ => None,
    });
    let new_live = match (summary.deleted_at, &summary.hash) {
        (None, Some(h)) => Some(h.clone()),
        _ => None,
    };
    let values = if old_live == new_live && row.is_some() {
        None
    } else {
        match &new_live {
            None => Some(Vec::new()),
            Some(h) => Some(match lookups.get(h) {
                Some(l) => l.clone(),
                None => {
                    let json = &contents.get(h).expect("summary hash has content").json;
                    Content::from_json(json)
                        .map_err(|e| inconsistent(format!("stored content is unreadable: {e}")))?
                        .lookup
                }
            }),
        }
    };

    let effect = match (&old_live, &new_live, row) {
        (None, Some(_), _) => Effect::Created,
        (Some(a), Some(b), _) if a != b => Effect::Updated,
        (Some(_), None, _) => Effect::Tombstoned,
        (None, None, None) => Effect::Tombstoned,
        _ if !same_row => Effect::Refreshed,
        _ => Effect::Unchanged,
    };
    let mut out = KeyOutcome::new(record, effect);
    out.row = (!same_row).then_some(write);
    out.obs_insert = obs_insert;
    out.obs_delete = obs_delete;
    out.obs_flags = obs_flags;
    out.changes_insert = changes_insert;
    out.changes_delete = changes_delete;
    out.values = values;
    Ok(out)
}
