//! What one message changes, collected per record and then written with a handful of
//! multi-row statements: an `INSERT ... ON DUPLICATE KEY UPDATE` / `ON CONFLICT` for changed
//! and new rows, one `UPDATE ... WHERE id IN` per group of merely re-observed rows, and bulk
//! inserts and deletes for observations, history and lookup values.

use chrono::Utc;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use zonetrail_model::entity::record_observations::{self, Column as RO};
use zonetrail_model::entity::{change_outbox, record_changes, record_sets, record_values};
use zonetrail_model::{RecordKey, Timestamp, ZoneId};

use crate::sequence::OriginRow;
use crate::sequence::{Action, State};
use crate::store::{self, IN_CHUNK, KeyCols};

/// A content as history and rows store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub hash: String,
    pub json: Arc<str>,
}

#[derive(Debug, Clone)]
pub(crate) enum RecordRef {
    Id(i64),
    New(RecordKey),
}

/// The full `record_sets` row to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowWrite {
    pub key: RecordKey,
    pub content: Option<Snapshot>,
    pub observed_at: Timestamp,
    pub first_seen_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub last_sweep_id: Option<String>,
}

/// A re-observation that changes nothing but times: shared by every such row of a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Refresh {
    pub observed_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub last_sweep_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ObsWrite {
    pub origin_id: i64,
    pub at: Timestamp,
    pub state: State,
    pub starts_run: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ChangeWrite {
    pub origin: Arc<OriginRow>,
    pub at: Timestamp,
    pub action: Action,
    pub before: Option<Snapshot>,
    pub after: Option<Snapshot>,
    /// An `update` whose state before is unknown (`before` is `None`).
    pub before_unknown: bool,
}

impl ChangeWrite {
    /// The same change of the same record from the same observation always has the same key,
    /// so a replay inserts nothing. `via` is the origin's, the same for every delivery, so it
    /// is left out; `before_unknown` needs no place of its own: it is the only `update` with
    /// no state before, so the action and the empty before already tell it from a `create`
    /// (and keys stored before migration 9 stay valid).
    pub(crate) fn dedup_key(&self, record_id: i64) -> String {
        let h = |s: &Option<Snapshot>| s.as_ref().map(|s| s.hash.clone()).unwrap_or_default();
        let text = format!(
            "{record_id}|{}|{}|{}|{}",
            self.origin.key,
            self.action.as_str(),
            h(&self.before),
            h(&self.after)
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// What happened to the record's current state, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Created,
    Updated,
    Tombstoned,
    /// Same state observed again: times moved.
    Refreshed,
    /// Nothing visible changed (a replay, or an older observation that only fills in history).
    Unchanged,
}

/// Everything one record needs written.
#[derive(Debug, Clone)]
pub(crate) struct KeyOutcome {
    pub record: RecordRef,
    pub row: Option<RowWrite>,
    pub refresh: Option<Refresh>,
    pub obs_insert: Vec<ObsWrite>,
    pub obs_delete: Vec<i64>,
    pub obs_flags: Vec<(i64, bool)>,
    pub changes_insert: Vec<ChangeWrite>,
    pub changes_delete: Vec<i64>,
    /// `Some`: replace the record's lookup values with these (empty for a tombstone).
    pub values: Option<Vec<String>>,
    pub effect: Effect,
}

impl KeyOutcome {
    pub(crate) fn new(record: RecordRef, effect: Effect) -> Self {
        Self {
            record,
            row: None,
            refresh: None,
            obs_insert: Vec::new(),
            obs_delete: Vec::new(),
            obs_flags: Vec::new(),
            changes_insert: Vec::new(),
            changes_delete: Vec::new(),
            values: None,
            effect,
        }
    }
}

/// Counts of what a plan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub tombstoned: u64,
    pub refreshed: u64,
    pub unchanged: u64,
    pub history_rows: u64,
}

pub(crate) struct Plan {
    zone_id: ZoneId,
    outcomes: Vec<KeyOutcome>,
    /// Put each inserted history row in the outbox (`ApplyOptions::outbox`).
    outbox: bool,
}

impl Plan {
    pub(crate) fn new(zone_id: ZoneId, outbox: bool) -> Self {
        Self { zone_id, outcomes: Vec::new(), outbox }
    }

    pub(crate) fn push(&mut self, outcome: KeyOutcome) {
        self.outcomes.push(outcome);
    }

    pub(crate) async fn execute(self, db: &impl ConnectionTrait) -> Result<Counts, DbErr> {
        let mut counts = Counts::default();
        for o in &self.outcomes {
            match o.effect {
                Effect::Created => counts.created += 1,
                Effect::Updated => counts.updated += 1,
                Effect::Tombstoned => counts.tombstoned += 1,
                Effect::Refreshed => counts.refreshed += 1,
                Effect::Unchanged => counts.unchanged += 1,
            }
        }

        // Rows first: new records need their ids before anything can point at them. A new
        // record is a plain INSERT: if a concurrent message created it since this one looked,
        // the duplicate key fails this transaction, and the retry finds the row.
        let mut new_rows: Vec<(Option<i64>, &RowWrite)> = Vec::new();
        let mut rows: Vec<(Option<i64>, &RowWrite)> = Vec::new();
        for o in &self.outcomes {
            if let Some(w) = &o.row {
                match o.record {
                    RecordRef::New(_) => new_rows.push((None, w)),
                    RecordRef::Id(id) => rows.push((Some(id), w)),
                }
            }
        }
        write_rows(db, &self.zone_id, &new_rows).await?;
        write_rows(db, &self.zone_id, &rows).await?;
        let new_keys: Vec<KeyCols> = self
            .outcomes
            .iter()
            .filter_map(
                |o| if let RecordRef::New(k) = &o.record { Some(KeyCols::of(k)) } else { None },
            )
            .collect();
        let new_ids = if new_keys.is_empty() {
            HashMap::new()
        } else {
            store::record_ids(db, &self.zone_id, &new_keys).await?
        };
        let id_of = |r: &RecordRef| -> Result<i64, DbErr> {
            match r {
                RecordRef::Id(id) => Ok(*id),
                RecordRef::New(k) => new_ids.get(&KeyCols::of(k)).copied().ok_or_else(|| {
                    DbErr::RecordNotFound(format!(
                        "record {} {} was just written but cannot be read back",
                        k.name, k.rtype
                    ))
                }),
            }
        };

        let mut refresh: HashMap<&Refresh, Vec<i64>> = HashMap::new();
        let mut obs_insert = Vec::new();
        let mut obs_delete = Vec::new();
        let mut obs_flags: HashMap<bool, Vec<(i64, i64)>> = HashMap::new();
        let mut changes_insert = Vec::new();
        let mut changes_delete = Vec::new();
        let mut values_clear = Vec::new();
        let mut values_insert = Vec::new();
        // Findings (issue 20): the records whose state changed, and the names and zones
        // they answer for (see `crate::findings_work`); no query of its own.
        crate::FINDINGS_WORK
            .try_with(|work| {
                let mut work = work.borrow_mut();
                for o in &self.outcomes {
                    if !matches!(o.effect, Effect::Created | Effect::Updated | Effect::Tombstoned) {
                        continue;
                    }
                    let Ok(id) = id_of(&o.record) else { continue };
                    work.record_ids.push(id);
                    let key = match (&o.record, &o.row) {
                        (_, Some(w)) => &w.key,
                        (RecordRef::New(k), None) => k,
                        (RecordRef::Id(_), None) => continue,
                    };
                    if o.effect != Effect::Updated {
                        work.targets.push(format!(
                            "name:{}/{}",
                            self.zone_id.as_str(),
                            key.name.as_str()
                        ));
                    }
                    if key.rtype == zonetrail_model::RecordType::Ns {
                        work.targets.push(format!("zone:{}", key.name.as_str()));
                    }
                }
            })
            .ok();
        for o in &self.outcomes {
            let id = id_of(&o.record)?;
            if let Some(r) = &o.refresh {
                refresh.entry(r).or_default().push(id);
            }
            obs_insert.extend(o.obs_insert.iter().map(|w| (id, w)));
            obs_delete.extend(o.obs_delete.iter().map(|origin| (id, *origin)));
            for (origin, flag) in &o.obs_flags {
                obs_flags.entry(*flag).or_default().push((id, *origin));
            }
            changes_insert.extend(o.changes_insert.iter().map(|c| (id, c)));
            changes_delete.extend(o.changes_delete.iter().copied());
            if let Some(values) = &o.values {
                if !matches!(o.record, RecordRef::New(_)) {
                    values_clear.push(id);
                }
                values_insert.extend(values.iter().map(|v| (id, v.as_str())));
            }
        }
        for (r, ids) in refresh {
            refresh_rows(db, r, &ids).await?;
        }
        delete_observations(db, &obs_delete).await?;
        insert_observations(db, &obs_insert).await?;
        for (flag, pairs) in obs_flags {
            flag_observations(db, flag, &pairs).await?;
        }
        delete_by_ids(db, record_changes::Entity, record_changes::Column::Id, &changes_delete)
            .await?;
        counts.history_rows =
            insert_changes(db, &self.zone_id, &changes_insert, self.outbox).await?;
        delete_by_ids(db, record_values::Entity, record_values::Column::RecordId, &values_clear)
            .await?;
        insert_values(db, &values_insert).await?;
        Ok(counts)
    }
}

fn ts(t: Timestamp) -> Expr {
    Expr::val(t)
}

fn ts_opt(t: Option<Timestamp>) -> Expr {
    Expr::val(t)
}

/// The columns of a record's state: what a write sets beyond the record's key, and all that
/// an existing row's upsert updates.
const STATE_COLUMNS: [record_sets::Column; 7] = [
    record_sets::Column::Content,
    record_sets::Column::ContentHash,
    record_sets::Column::ObservedAt,
    record_sets::Column::FirstSeenAt,
    record_sets::Column::LastSeenAt,
    record_sets::Column::DeletedAt,
    record_sets::Column::LastSweepId,
];

/// Write whole rows: `(id, row)`. A row that exists (locked by this
/// transaction) is named by its id, so `INSERT ... ON DUPLICATE KEY UPDATE` meets the
/// duplicate at the primary key and updates in place; without the id InnoDB would insert
/// into the clustered index first and undo that when the record key's index refuses it.
/// New rows (no id) are a plain INSERT; see [`Plan::execute`].
async fn write_rows(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    rows: &[(Option<i64>, &RowWrite)],
) -> Result<(), DbErr> {
    use record_sets::Column as C;
    let Some((first_id, _)) = rows.first() else { return Ok(()) };
    let upsert = first_id.is_some();
    debug_assert!(rows.iter().all(|(id, _)| id.is_some() == upsert));
    // ~13 values a row: stay far below the placeholder limits.
    for chunk in rows.chunks(IN_CHUNK) {
        let mut q = Query::insert().into_table(record_sets::Entity).to_owned();
        let mut columns = Vec::with_capacity(13);
        if upsert {
            columns.push(C::Id);
        }
        columns.extend([C::ZoneId, C::Name, C::ReversedName, C::RecordType, C::SetIdentifier]);
        columns.extend(STATE_COLUMNS);
        q.columns(columns);
        for (id, r) in chunk {
            let mut values: Vec<SimpleExpr> = Vec::with_capacity(13);
            if let Some(id) = id {
                values.push((*id).into());
            }
            values.extend([
                zone_id.as_str().into(),
                r.key.name.as_str().into(),
                r.key.name.reversed().into(),
                r.key.rtype.as_str().into(),
                r.key.set_identifier_column().into(),
                r.content.as_ref().map(|c| c.json.to_string()).into(),
                r.content.as_ref().map(|c| c.hash.clone()).into(),
                ts(r.observed_at),
                ts_opt(r.first_seen_at),
                ts_opt(r.last_seen_at),
                ts_opt(r.deleted_at),
                r.last_sweep_id.clone().into(),
            ]);
            q.values_panic(values);
        }
        if upsert {
            q.on_conflict(OnConflict::column(C::Id).update_columns(STATE_COLUMNS).to_owned());
        }
        db.execute(&q).await?;
    }
    Ok(())
}

async fn refresh_rows(db: &impl ConnectionTrait, r: &Refresh, ids: &[i64]) -> Result<(), DbErr> {
    use record_sets::Column as C;
    for chunk in ids.chunks(IN_CHUNK * 4) {
        let mut q = Query::update()
            .table(record_sets::Entity)
            .value(C::ObservedAt, ts(r.observed_at))
            .to_owned();
        if let Some(t) = r.last_seen_at {
            q.value(C::LastSeenAt, ts(t));
        }
        if let Some(s) = &r.last_sweep_id {
            q.value(C::LastSweepId, s.clone());
        }
        q.and_where(Expr::col(C::Id).is_in(chunk.iter().copied()));
        db.execute(&q).await?;
    }
    Ok(())
}

async fn insert_observations(
    db: &impl ConnectionTrait,
    rows: &[(i64, &ObsWrite)],
) -> Result<(), DbErr> {
    for chunk in rows.chunks(IN_CHUNK * 2) {
        let mut q = Query::insert()
            .into_table(record_observations::Entity)
            .columns([
                RO::RecordId,
                RO::OriginId,
                RO::ObservedAt,
                RO::Deleted,
                RO::ContentHash,
                RO::StartsRun,
            ])
            .to_owned();
        for (id, w) in chunk {
            q.values_panic([
                (*id).into(),
                w.origin_id.into(),
                ts(w.at),
                matches!(w.state, State::Deleted).into(),
                w.state.hash().map(str::to_owned).into(),
                w.starts_run.into(),
            ]);
        }
        q.on_conflict(
            OnConflict::columns([RO::RecordId, RO::OriginId])
                .do_nothing_on([RO::RecordId])
                .to_owned(),
        );
        db.execute(&q).await?;
    }
    Ok(())
}

/// `(record_id = a AND origin_id IN (...)) OR ...`, grouped by record.
fn pairs_condition(pairs: &[(i64, i64)]) -> Cond {
    let mut by_record: HashMap<i64, Vec<i64>> = HashMap::new();
    for (record, origin) in pairs {
        by_record.entry(*record).or_default().push(*origin);
    }
    let mut cond = Cond::any();
    for (record, origins) in by_record {
        cond = cond
            .add(Expr::col(RO::RecordId).eq(record).and(Expr::col(RO::OriginId).is_in(origins)));
    }
    cond
}

async fn delete_observations(db: &impl ConnectionTrait, pairs: &[(i64, i64)]) -> Result<(), DbErr> {
    for chunk in pairs.chunks(IN_CHUNK) {
        let q = Query::delete()
            .from_table(record_observations::Entity)
            .cond_where(pairs_condition(chunk))
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(())
}

async fn flag_observations(
    db: &impl ConnectionTrait,
    flag: bool,
    pairs: &[(i64, i64)],
) -> Result<(), DbErr> {
    for chunk in pairs.chunks(IN_CHUNK) {
        let q = Query::update()
            .table(record_observations::Entity)
            .value(RO::StartsRun, flag)
            .cond_where(pairs_condition(chunk))
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(())
}

async fn delete_by_ids<E: sea_orm::EntityTrait>(
    db: &impl ConnectionTrait,
    table: E,
    col: E::Column,
    ids: &[i64],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(IN_CHUNK * 4) {
        let q = Query::delete()
            .from_table(table)
            .and_where(Expr::col(col).is_in(chunk.iter().copied()))
            .to_owned();
        db.execute(&q).await?;
    }
    Ok(())
}

/// Insert history rows; a row whose dedup key exists already is skipped. Returns how many
/// were asked for (the statement cannot tell inserted from skipped on every backend).
///
/// With `outbox`, each row this statement inserted also gets a `change_outbox` row: the rows
/// of these dedup keys whose `recorded_at` is this call's (a skipped row keeps the time it was
/// first recorded at, so a redelivered change is not published again).
async fn insert_changes(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    rows: &[(i64, &ChangeWrite)],
    outbox: bool,
) -> Result<u64, DbErr> {
    use record_changes::Column as C;
    let recorded_at = zonetrail_model::to_micros(Utc::now());
    for chunk in rows.chunks(IN_CHUNK / 2) {
        let mut q = Query::insert()
            .into_table(record_changes::Entity)
            .columns([
                C::RecordId,
                C::ZoneId,
                C::Action,
                C::Source,
                C::Actor,
                C::ActorRole,
                C::EventId,
                C::SweepId,
                C::ObservedAt,
                C::RecordedAt,
                C::BeforeState,
                C::AfterState,
                C::DedupKey,
                C::Via,
                C::BeforeUnknown,
                C::Comment,
            ])
            .to_owned();
        for (id, c) in chunk {
            let o = &c.origin;
            let values: [SimpleExpr; 16] = [
                (*id).into(),
                zone_id.as_str().into(),
                c.action.as_str().into(),
                o.source.as_str().into(),
                o.actor.clone().into(),
                o.actor_role.clone().into(),
                o.event_id.clone().into(),
                o.sweep_id.clone().into(),
                ts(c.at),
                ts(recorded_at),
                c.before.as_ref().map(|s| s.json.to_string()).into(),
                c.after.as_ref().map(|s| s.json.to_string()).into(),
                c.dedup_key(*id).into(),
                o.via.clone().into(),
                c.before_unknown.into(),
                o.comment.clone().into(),
            ];
            q.values_panic(values);
        }
        q.on_conflict(OnConflict::column(C::DedupKey).do_nothing_on([C::DedupKey]).to_owned());
        db.execute(&q).await?;
        if outbox {
            let keys: Vec<String> = chunk.iter().map(|(id, c)| c.dedup_key(*id)).collect();
            enqueue_changes(db, &keys, recorded_at).await?;
        }
    }
    Ok(rows.len() as u64)
}

/// Put the history rows of `keys` recorded at `recorded_at` in the outbox (see
/// [`insert_changes`]), due at once.
async fn enqueue_changes(
    db: &impl ConnectionTrait,
    keys: &[String],
    recorded_at: Timestamp,
) -> Result<(), DbErr> {
    use record_changes::Column as C;
    let select = Query::select()
        .column(C::Id)
        .expr(Expr::val(recorded_at))
        .expr(Expr::val(0))
        .expr(Expr::val(recorded_at))
        .from(record_changes::Entity)
        .and_where(Expr::col(C::DedupKey).is_in(keys.iter().cloned()))
        .and_where(Expr::col(C::RecordedAt).eq(recorded_at))
        .to_owned();
    use change_outbox::Column as O;
    let q = Query::insert()
        .into_table(change_outbox::Entity)
        .columns([O::ChangeId, O::EnqueuedAt, O::Attempts, O::NextAttemptAt])
        .select_from(select)
        .map_err(|e| DbErr::Custom(format!("outbox insert: {e}")))?
        .on_conflict(OnConflict::column(O::ChangeId).do_nothing_on([O::ChangeId]).to_owned())
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

async fn insert_values(db: &impl ConnectionTrait, rows: &[(i64, &str)]) -> Result<(), DbErr> {
    use record_values::Column as C;
    for chunk in rows.chunks(IN_CHUNK * 4) {
        let mut q = Query::insert()
            .into_table(record_values::Entity)
            .columns([C::RecordId, C::Value])
            .to_owned();
        for (id, v) in chunk {
            q.values_panic([(*id).into(), (*v).into()]);
        }
        q.on_conflict(
            OnConflict::columns([C::RecordId, C::Value]).do_nothing_on([C::RecordId]).to_owned(),
        );
        db.execute(&q).await?;
    }
    Ok(())
}
