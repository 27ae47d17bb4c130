//! Bulk reads of what the writer keeps per record: `record_sets` rows (locked for the
//! transaction on MySQL), their stored observations and their history rows. Every read
//! takes a whole message's keys at once, in chunks.

use sea_orm::sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use zonetrail_model::entity::{record_changes, record_observations, record_sets};
use zonetrail_model::{RecordKey, RecordName, RecordType, Timestamp, ZoneId};

use crate::origin;
use crate::sequence::{OriginRow, State};

pub(crate) use crate::tables::IN_CHUNK;

/// The unique key `(zone_id, name, record_type, set_identifier)` of `record_sets`
/// (migration `m20261122_000001`).
const RECORD_KEY_INDEX: &str = "uq_record_sets_key";

/// `zone_id = ? AND name IN (...)` over the record key's index. On MySQL the query names the
/// index: with stale statistics (a zone that just grew) MariaDB otherwise reads the whole zone
/// through `zone_id` alone, which costs O(zone) per message and, under `FOR UPDATE`, locks
/// every record of the zone. SQLite ignores the hint and plans this well by itself.
pub(crate) fn by_names(zone_id: &ZoneId, names: &[&str]) -> sea_orm::Select<record_sets::Entity> {
    let mut select = record_sets::Entity::find()
        .filter(record_sets::Column::ZoneId.eq(zone_id.as_str()))
        .filter(record_sets::Column::Name.is_in(names.iter().copied()));
    QuerySelect::query(&mut select).force_index(RECORD_KEY_INDEX, IndexHintScope::All);
    select
}

/// A record's key as the row stores it (the zone is the message's).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct KeyCols {
    pub name: String,
    pub rtype: String,
    pub set_identifier: String,
}

impl KeyCols {
    pub(crate) fn of(key: &RecordKey) -> Self {
        Self {
            name: key.name.as_str().to_owned(),
            rtype: key.rtype.as_str().to_owned(),
            set_identifier: key.set_identifier_column().to_owned(),
        }
    }

    fn of_row(row: &StoredRow) -> Self {
        Self {
            name: row.name.clone(),
            rtype: row.record_type.clone(),
            set_identifier: row.set_identifier.clone(),
        }
    }
}

/// A `record_sets` row as the writer reads it. `content` is read only for the rows that need
/// it (a change, or a rebuild): an unchanged re-observation compares hashes, so the locking
/// read of a whole message leaves the JSON behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRow {
    pub id: i64,
    pub name: String,
    pub record_type: String,
    pub set_identifier: String,
    pub content_hash: Option<String>,
    pub observed_at: Timestamp,
    pub first_seen_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub last_sweep_id: Option<String>,
    /// `None` until read ([`load_contents`]); then the column (`None` for a tombstone of a
    /// record never seen alive).
    pub content: Option<Option<String>>,
}

impl StoredRow {
    /// The stored content. Reading it before [`load_contents`] is a bug of the writer.
    pub(crate) fn content(&self) -> Option<&str> {
        self.content
            .as_ref()
            .unwrap_or_else(|| {
                panic!("record_sets {}: content was not read before it was needed", self.id)
            })
            .as_deref()
    }
}

#[derive(FromQueryResult)]
struct NarrowRow {
    id: i64,
    name: String,
    record_type: String,
    set_identifier: String,
    content_hash: Option<String>,
    observed_at: Timestamp,
    first_seen_at: Option<Timestamp>,
    last_seen_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    last_sweep_id: Option<String>,
}

impl From<NarrowRow> for StoredRow {
    fn from(r: NarrowRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            record_type: r.record_type,
            set_identifier: r.set_identifier,
            content_hash: r.content_hash,
            observed_at: r.observed_at,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            deleted_at: r.deleted_at,
            last_sweep_id: r.last_sweep_id,
            content: None,
        }
    }
}

fn narrow(
    select: sea_orm::Select<record_sets::Entity>,
) -> sea_orm::Selector<sea_orm::SelectModel<NarrowRow>> {
    use record_sets::Column as C;
    select
        .select_only()
        .columns([
            C::Id,
            C::Name,
            C::RecordType,
            C::SetIdentifier,
            C::ContentHash,
            C::ObservedAt,
            C::FirstSeenAt,
            C::LastSeenAt,
            C::DeletedAt,
            C::LastSweepId,
        ])
        .into_model::<NarrowRow>()
}

/// Rebuild the typed key of a stored row.
pub(crate) fn row_key(zone_id: &ZoneId, row: &StoredRow) -> Result<RecordKey, String> {
    Ok(RecordKey {
        zone_id: zone_id.clone(),
        name: RecordName::parse(&row.name).map_err(|e| format!("record_sets {}: {e}", row.id))?,
        rtype: RecordType::parse(&row.record_type)
            .map_err(|e| format!("record_sets {}: {e}", row.id))?,
        set_identifier: Some(row.set_identifier.clone()).filter(|s| !s.is_empty()),
    })
}

/// The rows of these keys, without their content, locked until the transaction ends (MySQL
/// `FOR UPDATE`; SQLite's immediate transaction already holds the only write lock).
pub(crate) async fn lock_records(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    keys: &[KeyCols],
) -> Result<HashMap<KeyCols, StoredRow>, DbErr> {
    let wanted: HashSet<&KeyCols> = keys.iter().collect();
    let mut names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in names.chunks(IN_CHUNK) {
        let rows = narrow(by_names(zone_id, chunk).lock_exclusive()).all(db).await?;
        for row in rows {
            let row = StoredRow::from(row);
            let key = KeyCols::of_row(&row);
            if wanted.contains(&key) {
                out.insert(key, row);
            }
        }
    }
    Ok(out)
}

/// Read the content of the rows whose ids are given (the rows are locked already).
pub(crate) async fn load_contents<'a>(
    db: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = &'a mut StoredRow>,
) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct ContentRow {
        id: i64,
        content: Option<String>,
    }
    let mut by_id: HashMap<i64, &mut StoredRow> =
        rows.into_iter().filter(|r| r.content.is_none()).map(|r| (r.id, r)).collect();
    let ids: Vec<i64> = by_id.keys().copied().collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows = record_sets::Entity::find()
            .select_only()
            .columns([record_sets::Column::Id, record_sets::Column::Content])
            .filter(record_sets::Column::Id.is_in(chunk.iter().copied()))
            .into_model::<ContentRow>()
            .all(db)
            .await?;
        for r in rows {
            if let Some(row) = by_id.get_mut(&r.id) {
                row.content = Some(r.content);
            }
        }
    }
    match by_id.values().find(|r| r.content.is_none()) {
        Some(r) => {
            Err(DbErr::RecordNotFound(format!("record_sets {} vanished while locked", r.id)))
        }
        None => Ok(()),
    }
}

/// Ids of these keys' rows.
pub(crate) async fn record_ids(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    keys: &[KeyCols],
) -> Result<HashMap<KeyCols, i64>, DbErr> {
    #[derive(FromQueryResult)]
    struct IdRow {
        id: i64,
        name: String,
        record_type: String,
        set_identifier: String,
    }
    let wanted: HashSet<&KeyCols> = keys.iter().collect();
    let mut names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in names.chunks(IN_CHUNK) {
        let rows = by_names(zone_id, chunk)
            .select_only()
            .columns([
                record_sets::Column::Id,
                record_sets::Column::Name,
                record_sets::Column::RecordType,
                record_sets::Column::SetIdentifier,
            ])
            .into_model::<IdRow>()
            .all(db)
            .await?;
        for r in rows {
            let key =
                KeyCols { name: r.name, rtype: r.record_type, set_identifier: r.set_identifier };
            if wanted.contains(&key) {
                out.insert(key, r.id);
            }
        }
    }
    Ok(out)
}

/// Rows of a zone selected by a condition on `observed_at`, with their content, locked.
pub(crate) async fn lock_zone_rows(
    db: &impl ConnectionTrait,
    zone_id: &ZoneId,
    filter: impl Fn(sea_orm::Select<record_sets::Entity>) -> sea_orm::Select<record_sets::Entity>,
) -> Result<Vec<StoredRow>, DbErr> {
    let q = record_sets::Entity::find().filter(record_sets::Column::ZoneId.eq(zone_id.as_str()));
    let rows = filter(q).lock_exclusive().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredRow {
            id: r.id,
            name: r.name,
            record_type: r.record_type,
            set_identifier: r.set_identifier,
            content_hash: r.content_hash,
            observed_at: r.observed_at,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            deleted_at: r.deleted_at,
            last_sweep_id: r.last_sweep_id,
            content: Some(r.content),
        })
        .collect())
}

/// One stored observation.
#[derive(Debug, Clone)]
pub(crate) struct StoredObs {
    pub origin: Arc<OriginRow>,
    pub at: Timestamp,
    pub state: State,
    pub starts_run: bool,
}

/// The stored observations (`record_observations` rows) of these records, by record id.
pub(crate) async fn observations(
    db: &impl ConnectionTrait,
    record_ids: &[i64],
) -> Result<HashMap<i64, Vec<StoredObs>>, DbErr> {
    let mut raws = Vec::new();
    for chunk in record_ids.chunks(IN_CHUNK) {
        let rows = record_observations::Entity::find()
            .filter(record_observations::Column::RecordId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        raws.extend(rows);
    }
    let mut origin_ids: Vec<i64> = raws.iter().map(|r| r.origin_id).collect();
    origin_ids.sort_unstable();
    origin_ids.dedup();
    let origins: HashMap<i64, Arc<OriginRow>> =
        origin::by_ids(db, &origin_ids).await?.into_iter().map(|o| (o.id, o)).collect();
    let mut out: HashMap<i64, Vec<StoredObs>> = HashMap::new();
    for r in raws {
        let origin = origins.get(&r.origin_id).cloned().ok_or_else(|| {
            DbErr::RecordNotFound(format!(
                "observation of record {} names missing origin {}",
                r.record_id, r.origin_id
            ))
        })?;
        let state = match (r.deleted, r.content_hash) {
            (true, _) => State::Deleted,
            (false, Some(h)) => State::Present(h),
            (false, None) => {
                return Err(DbErr::Type(format!(
                    "observation of record {} by origin {} has no content hash",
                    r.record_id, r.origin_id
                )));
            }
        };
        out.entry(r.record_id).or_default().push(StoredObs {
            origin,
            at: r.observed_at,
            state,
            starts_run: r.starts_run,
        });
    }
    Ok(out)
}

/// A stored history row, as much of it as the writer compares.
#[derive(Debug, Clone, FromQueryResult)]
pub(crate) struct StoredChange {
    pub id: i64,
    pub record_id: i64,
    pub dedup_key: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
}

pub(crate) async fn changes(
    db: &impl ConnectionTrait,
    record_ids: &[i64],
) -> Result<HashMap<i64, Vec<StoredChange>>, DbErr> {
    let mut out: HashMap<i64, Vec<StoredChange>> = HashMap::new();
    for chunk in record_ids.chunks(IN_CHUNK) {
        let rows = record_changes::Entity::find()
            .select_only()
            .columns([
                record_changes::Column::Id,
                record_changes::Column::RecordId,
                record_changes::Column::DedupKey,
                record_changes::Column::BeforeState,
                record_changes::Column::AfterState,
            ])
            .filter(record_changes::Column::RecordId.is_in(chunk.iter().copied()))
            .into_model::<StoredChange>()
            .all(db)
            .await?;
        for c in rows {
            out.entry(c.record_id).or_default().push(c);
        }
    }
    Ok(out)
}
