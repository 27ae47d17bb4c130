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
//! Each page is one SQL query that walks `record_sets` in the `/api/records` order
//! (`name, id`, on the index that serves the filters, see [`crate::records::query`]), and for
//! each record finds its last change at or before `T` with a correlated subquery on
//! `idx_record_changes_record` (`record_id, observed_at`, the primary key appended). The
//! history is never loaded as a whole. [`diff`] reads only record sets that have a change row
//! in `(from, to]`, since no other can differ; `idx_record_changes_zone` (`zone_id,
//! observed_at`) and `idx_record_changes_feed` (`observed_at, id`) find them.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonetrail_model::{AccountId, RecordType, Timestamp, ZoneId, to_micros};

pub mod snapshot;

use crate::records::view::{RecordContent, RoutingView, parse_content};
use crate::timestamp;

/// Which record sets to answer: every filter is optional, and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AsOfFilter {
    pub zone: Option<ZoneId>,
    /// The zones of this account (`hosted_zones.account_id`).
    pub account: Option<AccountId>,
    /// One name exactly, in its stored form (lower-case, trailing dot), as
    /// [`crate::records::filter::NameFilter::Exact`] holds it.
    pub name: Option<String>,
    pub record_type: Option<RecordType>,
}

/// A keyset position: the `(name, id)` of the last item of the previous page; the next page
/// starts after it. Both functions order by `(name, id)`, as `/api/records` does.
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
}

impl DiffItem {
    /// Where the page after this item starts.
    pub fn key(&self) -> RecordKey {
        RecordKey { name: self.name.clone(), id: self.id }
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

/// The record sets live at `as_of`, with their content then, in `(name, id)` order after
/// `after`, at most `limit`. A full page (`limit` items) may have more after it: ask again
/// with the last item's [`RecordAsOf::key`].
pub async fn records_as_of(
    db: &impl ConnectionTrait,
    as_of: Timestamp,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
    limit: u64,
) -> Result<Vec<RecordAsOf>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        zone_id: String,
        name: String,
        record_type: String,
        set_identifier: String,
        zone_name: Option<String>,
        private_zone: Option<bool>,
        account_id: Option<String>,
        account_name: Option<String>,
        after_state: Option<String>,
        since: Timestamp,
    }
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![to_micros(as_of).into()];
    let mut sql = format!(
        "SELECT {straight} rs.id, rs.zone_id, rs.name, rs.record_type, rs.set_identifier, \
         hz.name AS zone_name, hz.private_zone, hz.account_id, ac.name AS account_name, \
         rc.after_state, rc.observed_at AS since \
         FROM record_sets rs {hint} \
         JOIN record_changes rc ON rc.id = {LAST_CHANGE} \
         {ZONE_JOIN} \
         WHERE rc.action <> 'delete'",
        straight = straight_join(backend),
        hint = index_hint(backend, filter),
    );
    push_filters(&mut sql, &mut values, filter, after);
    sql.push_str(" ORDER BY rs.name, rs.id LIMIT ?");
    values.push(limit.into());
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter()
        .map(|r| {
            let row = Row::from_query_result(r, "")?;
            let content = content_or_key(
                row.after_state.as_deref(),
                row.id,
                &row.name,
                &row.record_type,
                &row.set_identifier,
            );
            Ok(RecordAsOf {
                id: row.id,
                zone_id: row.zone_id,
                zone_name: row.zone_name,
                private_zone: row.private_zone,
                account_id: row.account_id,
                account_name: row.account_name,
                content,
                since: row.since,
            })
        })
        .collect()
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
        "SELECT {straight} rs.id, rs.zone_id, rs.name, rs.record_type, rs.set_identifier, \
         hz.name AS zone_name, hz.account_id, ac.name AS account_name, \
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
    push_filters(&mut sql, &mut values, filter, after);
    sql.push_str(" ORDER BY rs.name, rs.id LIMIT ?");
    values.push(limit.into());
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter()
        .map(|r| {
            let row = Row::from_query_result(r, "")?;
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
    let index = match (&filter.zone, &filter.record_type, &filter.name) {
        (Some(_), Some(_), _) => "idx_record_sets_zone_type_name",
        (Some(_), None, _) => "idx_record_sets_zone_name",
        (None, _, Some(_)) => "idx_record_sets_name",
        (None, Some(_), None) => "idx_record_sets_type_name",
        (None, None, None) => "idx_record_sets_name",
    };
    format!("FORCE INDEX ({index})")
}

/// The key filters and the keyset condition, `AND`ed to `sql`.
fn push_filters(
    sql: &mut String,
    values: &mut Vec<Value>,
    filter: &AsOfFilter,
    after: Option<&RecordKey>,
) {
    if let Some(zone) = &filter.zone {
        sql.push_str(" AND rs.zone_id = ?");
        values.push(zone.as_str().into());
    }
    if let Some(account) = &filter.account {
        sql.push_str(" AND hz.account_id = ?");
        values.push(account.as_str().into());
    }
    if let Some(name) = &filter.name {
        sql.push_str(" AND rs.name = ?");
        values.push(name.as_str().into());
    }
    if let Some(t) = &filter.record_type {
        sql.push_str(" AND rs.record_type = ?");
        values.push(t.as_str().into());
    }
    if let Some(key) = after {
        // `(name, id) > key`, with a plain range on the name first (see `/api/records`).
        sql.push_str(" AND rs.name >= ? AND (rs.name > ? OR rs.id > ?)");
        values.push(key.name.as_str().into());
        values.push(key.name.as_str().into());
        values.push(key.id.into());
    }
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
