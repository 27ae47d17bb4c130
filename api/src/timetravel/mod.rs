//! Time travel: the inventory as it was at any time, and what changed between two times, read
//! from the history (`record_changes`). [`snapshot`] gives a whole zone at one time, for the
//! restore and the zone file.
//!
//! # Semantics
//!
//! The state of a record set at time `T` is the state after the last `record_changes` row of
//! that record with `observed_at <= T`:
//! - a `create` or an `update` row: present, with the row's `after_state`;
//! - a `delete` row: absent;
//! - no row at or before `T`: absent. A record first known from a `before_unknown` update
//!   (a Route 53 `UPSERT` seen before anything else of it) counts as present from that update
//!   on, since zonetrail knows nothing of it before.
//!
//! Rows at the same `observed_at` are ordered as the writer observes them: a delete after a
//! presence, then by id. This is exactly what replaying the history in order up to `T` gives
//! (the writer keeps one history row per run start, whatever the delivery order: see
//! docs/design.md, "History rows").
//!
//! Before the history window (`history_complete_since`, see [`crate::coverage`]) the history
//! is not complete: a record set that existed then but whose creation was never seen is absent
//! here. The routes must reject such a `T` (4xx naming the window's start); these functions do
//! not check it.
//!
//! # Queries
//!
//! Each page is one SQL query ([`records_page`]; with `q` or `value`, which no index serves, a
//! bounded number of them, each over a bounded window) that walks `record_sets` in the
//! `/api/records` order
//! (`name, id`, on the index that serves the filters, see [`crate::records::query`]), and for
//! each record finds its last change at or before `T` with a correlated subquery on
//! `idx_record_changes_record` (`record_id, observed_at`, the primary key appended). The
//! history is never loaded as a whole. [`diff`] reads only record sets that have a change row
//! in `(from, to]`, since no other can differ; `idx_record_changes_zone` (`zone_id,
//! observed_at`) and `idx_record_changes_feed` (`observed_at, id`) find them.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonetrail_model::{AccountId, RecordType, Timestamp, ZoneId, lookup_key, to_micros};

pub mod routes;
pub mod snapshot;

use crate::records::filter::NameFilter;
use crate::records::view::{RecordContent, RecordView, RoutingView, parse_content};
use crate::timestamp;

/// Which record sets to answer: every filter is optional, and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AsOfFilter {
    pub zone: Option<ZoneId>,
    /// The zones of this account (`hosted_zones.account_id`).
    pub account: Option<AccountId>,
    /// A name filter, as [`crate::records::filter::RecordFilter`] holds it (stored forms). With
    /// [`NameFilter::Below`], [`records_page`] walks the reversed names (see [`RecordKey`]).
    pub name: Option<NameFilter>,
    pub record_type: Option<RecordType>,
    /// Substring of the name (lower-case, the stored names' spelling). Not served by an index:
    /// [`records_page`] bounds the scan.
    pub q: Option<String>,
    /// Also the record sets whose last change at or before the time is a delete
    /// ([`records_page`] only; [`diff`] ignores it).
    pub include_deleted: bool,
}

impl AsOfFilter {
    /// Walks `rs.reversed_name` instead of `rs.name`.
    fn reversed(&self) -> bool {
        matches!(self.name, Some(NameFilter::Below(_)))
    }

    fn key_column(&self) -> &'static str {
        if self.reversed() { "rs.reversed_name" } else { "rs.name" }
    }
}

/// A keyset position: the `(name, id)` of the last item of the previous page; the next page
/// starts after it. Both functions order by `(name, id)`, as `/api/records` does; with a
/// [`NameFilter::Below`] filter, [`records_page`] orders by `(reversed name, id)` and `name`
/// holds the reversed name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordKey {
    pub name: String,
    pub id: i64,
}

/// A record set as it was at a time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordAsOf {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "Z0123456789ABC")]
    pub zone_id: String,
    pub zone_name: Option<String>,
    pub private_zone: Option<bool>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    /// The content it had at that time.
    #[serde(flatten)]
    pub content: RecordContent,
    /// Since when it had that content: the time of the history entry that set it.
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
}

impl RecordAsOf {
    /// Where the page after this item starts.
    pub fn key(&self) -> RecordKey {
        RecordKey { name: self.content.name.clone(), id: self.id }
    }
}

/// How a record set differs between two times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// Absent at `from`, present at `to`.
    Added,
    /// Present at `from`, absent at `to`.
    Removed,
    /// Present at both, with different content.
    Changed,
}

/// A record set whose state differs between two times.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiffItem {
    pub id: i64,
    pub zone_id: String,
    pub zone_name: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: String,
    pub set_identifier: Option<String>,
    pub kind: DiffKind,
    /// The content at `from`; `null` when added.
    pub before: Option<RecordContent>,
    /// The content at `to`; `null` when removed.
    pub after: Option<RecordContent>,
    /// The walk's key: the name, or with a [`NameFilter::Below`] filter the reversed name.
    #[serde(skip)]
    pub sort_key: String,
}

impl DiffItem {
    /// Where the page after this item starts.
    pub fn key(&self) -> RecordKey {
        RecordKey { name: self.sort_key.clone(), id: self.id }
    }
}

/// The id of record `rs`'s last change at or before the bound time (one `?`): latest
/// `observed_at`, a delete after a presence at the same time, then the highest id.
pub(crate) const LAST_CHANGE: &str = "(SELECT c.id FROM record_changes c \
     WHERE c.record_id = rs.id AND c.observed_at <= ? \
     ORDER BY c.observed_at DESC, CASE WHEN c.action = 'delete' THEN 1 ELSE 0 END DESC, c.id DESC \
     LIMIT 1)";

/// The zone and account columns every item carries.
const ZONE_JOIN: &str = "LEFT JOIN hosted_zones hz ON hz.id = rs.zone_id \
     LEFT JOIN accounts ac ON ac.account_id = hz.account_id";

/// A record set at a time, as [`records_page`] reads it: enough for a [`RecordView`] (the
/// `/api/records` item) and for the keyset.
#[derive(Debug, Clone, FromQueryResult)]
pub struct AsOfRow {
    pub id: i64,
    pub zone_id: String,
    pub name: String,
    pub reversed_name: String,
    pub record_type: String,
    pub set_identifier: String,
    pub first_seen_at: Option<Timestamp>,
    pub zone_name: Option<String>,
    pub private_zone: Option<bool>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    /// The action of its last change at or before the time.
    pub action: String,
    /// That change's `after_state`, or for a delete its `before_state` (what was deleted).
    pub state: Option<String>,
    /// That change's time.
    pub since: Timestamp,
}

impl AsOfRow {
    /// Deleted at the time (its last change then is a delete).
    pub fn deleted(&self) -> bool {
        self.action == "delete"
    }

    pub fn content(&self) -> RecordContent {
        content_or_key(
            self.state.as_deref(),
            self.id,
            &self.name,
            &self.record_type,
            &self.set_identifier,
        )
    }

    /// The item `/api/records?as_of` shows: the content at the time, `observed_at` the time of
    /// the change that set it, `deleted_at` that change's time when it is a delete.
    pub fn into_view(self) -> RecordView {
        let content = self.content();
        RecordView {
            id: self.id,
            zone_id: self.zone_id,
            zone_name: self.zone_name,
            private_zone: self.private_zone,
            account_id: self.account_id,
            account_name: self.account_name,
            content,
            first_seen_at: self.first_seen_at,
            observed_at: self.since,
            deleted_at: (self.action == "delete").then_some(self.since),
            // Findings and annotations are of now, not of a past state.
            findings: Vec::new(),
            annotation: None,
            attribution: None,
        }
    }

    fn into_as_of(self) -> RecordAsOf {
        let content = self.content();
        RecordAsOf {
            id: self.id,
            zone_id: self.zone_id,
            zone_name: self.zone_name,
            private_zone: self.private_zone,
            account_id: self.account_id,
            account_name: self.account_name,
            content,
            since: self.since,
        }
    }

    /// Where the page after this item starts, in the walk of `filter`.
    pub fn key(&self, filter: &AsOfFilter) -> RecordKey {
        let name = if filter.reversed() { &self.reversed_name } else { &self.name };
        RecordKey { name: name.clone(), id: self.id }
    }
}

/// The record sets live at `as_of`, with their content then, in `(name, id)` order after
/// `after`, at most `limit`. A full page (`limit` items) may have more after it: ask again
/// with the last item's [`RecordAsOf::key`]. (`filter.q` is applied without a bound on the
/// scan; [`records_page`] bounds it.)
pub async fn records_as_of(
    db: &impl ConnectionTrait,
    as_of: Timestamp,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    limit: u64,
) -> Result<Vec<RecordAsOf>, DbErr> {
    let filter = AsOfFilter { include_deleted: false, ..filter.clone() };
    let rows = as_of_rows(db, as_of, &filter, after, None, limit).await?;
    Ok(rows.into_iter().map(AsOfRow::into_as_of).collect())
}

/// One page of `/api/records?as_of`: the record sets matching `filter` (and, when `value` is
/// given, whose values or alias target at `as_of` equal it, in `lookup_key` form) after
/// `after`, at most `limit`, and where the next page starts (`None`: the last page).
///
/// Without `q` or `value`, this is one indexed query. A `q` or `value` filter cannot use an
/// index: the walk then examines at most `scan_budget` index entries per call, in growing
/// windows (as `/api/records` does for `q`), each window read in chunks of one query each; a
/// page may then hold fewer than `limit` items and still have a next position.
pub async fn records_page(
    db: &impl ConnectionTrait,
    as_of: Timestamp,
    filter: &AsOfFilter,
    value: Option<&str>,
    after: Option<RecordKey>,
    limit: u64,
    scan_budget: u64,
) -> Result<(Vec<AsOfRow>, Option<RecordKey>), DbErr> {
    if filter.q.is_none() && value.is_none() {
        let mut rows = as_of_rows(db, as_of, filter, after.as_ref(), None, limit + 1).await?;
        let full = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next = if full { rows.last().map(|r| r.key(filter)) } else { None };
        return Ok((rows, next));
    }
    let budget = scan_budget.max(1);
    let keep = |r: &AsOfRow| match value {
        None => true,
        Some(v) => value_keys(&r.content()).iter().any(|k| k == v),
    };
    let mut rows: Vec<AsOfRow> = Vec::new();
    let mut from = after;
    let mut scanned = 0;
    let mut window = std::cmp::max(budget / 16, 1);
    loop {
        let size = std::cmp::min(window, budget - scanned);
        let end = scan_window_end(db, filter, from.as_ref(), size).await?;
        // The window, in chunks.
        let mut chunk_from = from.clone();
        loop {
            let want = limit + 1 - rows.len() as u64;
            let chunk =
                as_of_rows(db, as_of, filter, chunk_from.as_ref(), end.as_ref(), want).await?;
            let read = chunk.len() as u64;
            chunk_from = chunk.last().map(|r| r.key(filter));
            rows.extend(chunk.into_iter().filter(keep));
            if rows.len() as u64 > limit {
                rows.truncate(limit as usize);
                let next = rows.last().map(|r| r.key(filter));
                return Ok((rows, next));
            }
            if read < want {
                break;
            }
        }
        scanned += size;
        match end {
            None => return Ok((rows, None)),
            Some(end) if scanned >= budget => return Ok((rows, Some(end))),
            Some(end) => from = Some(end),
        }
        window = window.saturating_mul(4);
    }
}

/// `lookup_key` forms of what a record set points at: its values (MX and SRV: their target
/// host) and its alias target, as `record_values` holds them for the live inventory.
fn value_keys(c: &RecordContent) -> Vec<String> {
    let mut keys: Vec<String> = c
        .values
        .iter()
        .filter_map(|v| {
            let target = match c.record_type.as_str() {
                "MX" | "SRV" => v.split_whitespace().last().unwrap_or(v),
                _ => v.as_str(),
            };
            lookup_key(target)
        })
        .collect();
    if let Some(alias) = &c.alias_target {
        keys.extend(lookup_key(&alias.dns_name));
    }
    keys
}

/// The key of the `scan`-th `record_sets` index entry after `after` that the index filters
/// (zone, type, name) select, or `None` if fewer remain: the end of a bounded scan window.
async fn scan_window_end(
    db: &impl ConnectionTrait,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    scan: u64,
) -> Result<Option<RecordKey>, DbErr> {
    #[derive(FromQueryResult)]
    struct Key {
        k: String,
        id: i64,
    }
    let backend = db.get_database_backend();
    let key = filter.key_column();
    let mut values: Vec<Value> = Vec::new();
    let mut sql = format!(
        "SELECT {key} AS k, rs.id FROM record_sets rs {hint} WHERE 1 = 1",
        hint = index_hint(backend, filter),
    );
    let index_only = AsOfFilter {
        zone: filter.zone.clone(),
        name: filter.name.clone(),
        record_type: filter.record_type.clone(),
        ..AsOfFilter::default()
    };
    push_filters(&mut sql, &mut values, &index_only, after, None);
    sql.push_str(&format!(" ORDER BY {key}, rs.id LIMIT 1 OFFSET ?"));
    values.push((scan.max(1) - 1).into());
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    row.map(|r| Key::from_query_result(&r, "").map(|k| RecordKey { name: k.k, id: k.id }))
        .transpose()
}

/// The rows of [`records_page`]: matching `filter`, after `after` and up to `until`, in the
/// walk's order, at most `limit`. One query.
async fn as_of_rows(
    db: &impl ConnectionTrait,
    as_of: Timestamp,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    until: Option<&RecordKey>,
    limit: u64,
) -> Result<Vec<AsOfRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![to_micros(as_of).into()];
    let key = filter.key_column();
    let mut sql = format!(
        "SELECT {straight} rs.id, rs.zone_id, rs.name, rs.reversed_name, rs.record_type, \
         rs.set_identifier, rs.first_seen_at, \
         hz.name AS zone_name, hz.private_zone, hz.account_id, ac.name AS account_name, \
         rc.action, \
         CASE WHEN rc.action = 'delete' THEN rc.before_state ELSE rc.after_state END AS state, \
         rc.observed_at AS since \
         FROM record_sets rs {hint} \
         JOIN record_changes rc ON rc.id = {LAST_CHANGE} \
         {ZONE_JOIN} \
         WHERE 1 = 1",
        straight = straight_join(backend),
        hint = index_hint(backend, filter),
    );
    if !filter.include_deleted {
        sql.push_str(" AND rc.action <> 'delete'");
    }
    push_filters(&mut sql, &mut values, filter, after, until);
    sql.push_str(&format!(" ORDER BY {key}, rs.id LIMIT ?"));
    values.push(limit.into());
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|r| AsOfRow::from_query_result(r, "")).collect()
}

/// The record sets whose state at `to` differs from their state at `from`, in `(name, id)`
/// order after `after`, at most `limit`. A record that changed and changed back between the
/// two times is not listed. Two present states are compared as the writer stored them (the
/// model's canonical `RecordSet` JSON).
///
/// `from` must not be after `to`: the route rejects that before calling. (Given `from > to`,
/// the window `(from, to]` is empty and nothing is listed.)
pub async fn diff(
    db: &impl ConnectionTrait,
    from: Timestamp,
    to: Timestamp,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    limit: u64,
) -> Result<Vec<DiffItem>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        zone_id: String,
        name: String,
        reversed_name: String,
        record_type: String,
        set_identifier: String,
        zone_name: Option<String>,
        account_id: Option<String>,
        account_name: Option<String>,
        from_action: String,
        from_state: Option<String>,
        to_action: String,
        to_state: Option<String>,
    }
    let backend = db.get_database_backend();
    let (from, to) = (to_micros(from), to_micros(to));
    let mut values: Vec<Value> = vec![from.into(), to.into(), from.into(), to.into()];
    let mut window = String::from(
        "SELECT w.record_id FROM record_changes w WHERE w.observed_at > ? AND w.observed_at <= ?",
    );
    if let Some(zone) = &filter.zone {
        window.push_str(" AND w.zone_id = ?");
        values.push(zone.as_str().into());
    }
    let fa = "COALESCE(f.action, 'delete')";
    let ta = "COALESCE(t.action, 'delete')";
    let mut sql = format!(
        "SELECT {straight} rs.id, rs.zone_id, rs.name, rs.reversed_name, rs.record_type, \
         rs.set_identifier, hz.name AS zone_name, hz.account_id, ac.name AS account_name, \
         {fa} AS from_action, f.after_state AS from_state, \
         {ta} AS to_action, t.after_state AS to_state \
         FROM record_sets rs {hint} \
         LEFT JOIN record_changes f ON f.id = {LAST_CHANGE} \
         LEFT JOIN record_changes t ON t.id = {LAST_CHANGE} \
         {ZONE_JOIN} \
         WHERE rs.id IN ({window}) \
         AND (({fa} = 'delete' AND {ta} <> 'delete') \
           OR ({fa} <> 'delete' AND {ta} = 'delete') \
           OR ({fa} <> 'delete' AND {ta} <> 'delete' \
               AND COALESCE(f.after_state, '') <> COALESCE(t.after_state, '')))",
        straight = straight_join(backend),
        hint = index_hint(backend, filter),
    );
    push_filters(&mut sql, &mut values, filter, after, None);
    let key = filter.key_column();
    sql.push_str(&format!(" ORDER BY {key}, rs.id LIMIT ?"));
    values.push(limit.into());
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter()
        .map(|r| {
            let row = Row::from_query_result(r, "")?;
            let sort_key =
                if filter.reversed() { row.reversed_name.clone() } else { row.name.clone() };
            let state = |action: &str, json: Option<&str>| {
                (action != "delete").then(|| {
                    content_or_key(json, row.id, &row.name, &row.record_type, &row.set_identifier)
                })
            };
            let before = state(&row.from_action, row.from_state.as_deref());
            let after = state(&row.to_action, row.to_state.as_deref());
            let kind = match (&before, &after) {
                (None, _) => DiffKind::Added,
                (_, None) => DiffKind::Removed,
                _ => DiffKind::Changed,
            };
            Ok(DiffItem {
                id: row.id,
                zone_id: row.zone_id,
                zone_name: row.zone_name,
                account_id: row.account_id,
                account_name: row.account_name,
                set_identifier: Some(row.set_identifier).filter(|s| !s.is_empty()),
                name: row.name,
                record_type: row.record_type,
                kind,
                before,
                after,
                sort_key,
            })
        })
        .collect()
}

/// On MySQL, join in the order written: `record_sets` first, walked on its index, then each
/// record's history (the correlated subqueries need the record). SQLite plans it so itself.
fn straight_join(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::MySql => "STRAIGHT_JOIN",
        _ => "",
    }
}

/// On MySQL, the `record_sets` index whose order is the page's order for these filters (as
/// `/api/records` names it, for the same reason: see [`crate::records::query`]).
fn index_hint(backend: DbBackend, filter: &AsOfFilter) -> String {
    if backend != DbBackend::MySql {
        return String::new();
    }
    let index = if filter.reversed() {
        "idx_record_sets_reversed_name"
    } else {
        match (&filter.zone, &filter.record_type, &filter.name) {
            (Some(_), Some(_), _) => "idx_record_sets_zone_type_name",
            (Some(_), None, _) => "idx_record_sets_zone_name",
            (None, _, Some(_)) => "idx_record_sets_name",
            (None, Some(_), None) => "idx_record_sets_type_name",
            (None, None, None) => "idx_record_sets_name",
        }
    };
    format!("FORCE INDEX ({index})")
}

/// Above every character a stored name holds (printable ASCII).
const AFTER_PRINTABLE: char = '\u{7f}';

/// The filters and the keyset conditions (`(key, id) > after`, `(key, id) <= until`, the key
/// being the walk's), `AND`ed to `sql`.
fn push_filters(
    sql: &mut String,
    values: &mut Vec<Value>,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    until: Option<&RecordKey>,
) {
    if let Some(zone) = &filter.zone {
        sql.push_str(" AND rs.zone_id = ?");
        values.push(zone.as_str().into());
    }
    if let Some(account) = &filter.account {
        sql.push_str(" AND hz.account_id = ?");
        values.push(account.as_str().into());
    }
    match &filter.name {
        None => {}
        Some(NameFilter::Exact(name)) => {
            sql.push_str(" AND rs.name = ?");
            values.push(name.as_str().into());
        }
        Some(NameFilter::Prefix(p)) => {
            sql.push_str(" AND rs.name >= ? AND rs.name < ?");
            values.push(p.as_str().into());
            values.push(format!("{p}{AFTER_PRINTABLE}").into());
        }
        Some(NameFilter::Below(reversed_parent)) => {
            // Strictly below: the parent itself is not.
            sql.push_str(" AND rs.reversed_name > ? AND rs.reversed_name < ?");
            values.push(reversed_parent.as_str().into());
            values.push(format!("{reversed_parent}{AFTER_PRINTABLE}").into());
        }
    }
    if let Some(t) = &filter.record_type {
        sql.push_str(" AND rs.record_type = ?");
        values.push(t.as_str().into());
    }
    if let Some(q) = &filter.q {
        sql.push_str(" AND rs.name LIKE ? ESCAPE '!'");
        values.push(format!("%{}%", escape_like(q)).into());
    }
    let key = filter.key_column();
    if let Some(k) = after {
        // `(key, id) > k`, with a plain range on the key first (see `/api/records`).
        sql.push_str(&format!(" AND {key} >= ? AND ({key} > ? OR rs.id > ?)"));
        values.push(k.name.as_str().into());
        values.push(k.name.as_str().into());
        values.push(k.id.into());
    }
    if let Some(k) = until {
        sql.push_str(&format!(" AND {key} <= ? AND ({key} < ? OR rs.id <= ?)"));
        values.push(k.name.as_str().into());
        values.push(k.name.as_str().into());
        values.push(k.id.into());
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// Stored content, or, if it does not read (see [`parse_content`]), the record's key alone.
fn content_or_key(
    json: Option<&str>,
    id: i64,
    name: &str,
    record_type: &str,
    set_identifier: &str,
) -> RecordContent {
    parse_content(json, id, "record_changes.after_state").unwrap_or_else(|| RecordContent {
        name: name.to_string(),
        record_type: record_type.to_string(),
        set_identifier: Some(set_identifier.to_string()).filter(|s| !s.is_empty()),
        ttl: None,
        values: Vec::new(),
        alias_target: None,
        routing: RoutingView::default(),
    })
}
