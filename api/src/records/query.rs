//! Record queries: one keyset-paginated list for every filter, and the detail lookup.
//!
//! Each filter walks the index that serves it, in that index's order, so a page reads about
//! `limit` rows however large the inventory:
//!
//! | filter                      | order               | index                                   |
//! |-----------------------------|---------------------|-----------------------------------------|
//! | none, `q`                   | name, id            | `idx_record_sets_name`                  |
//! | `zone` (+ `q`, prefix)      | name, id            | `idx_record_sets_zone_name` (migration 4) |
//! | `type` (+ `zone`)           | name, id            | `idx_record_sets_type_name`, `idx_record_sets_zone_type_name` |
//! | `name` exact or prefix      | name, id            | `idx_record_sets_name` (range)          |
//! | `name=*.parent`             | reversed name, id   | `idx_record_sets_reversed_name` (range) |
//! | `value`                     | record id           | `idx_record_values_value`               |
//!
//! (InnoDB appends the primary key to every secondary index, so `(name)` is really
//! `(name, id)`: the order and the keyset condition use exactly that.)
//!
//! On MySQL the query names its index (`FORCE INDEX`): with `deleted_at IS NULL` in the
//! condition, MariaDB's optimizer otherwise walks the whole `(name)` index for a zone filter,
//! reading a row per entry. SQLite ignores the hint and plans these queries well by itself.
//!
//! A substring (`q`) cannot use a B-tree: it scans names in index order. So that a rare
//! substring cannot scan a million names in one request, the scan is bounded to a budget of
//! index entries per request (`ApiConfig::q_scan_budget`); the page then ends where the scan
//! stopped and `next_cursor` continues from there (see [`substring_page`]).

use sea_orm::sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_orm::sea_query::{
    Cond, Expr, ExprTrait, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use zonetrail_model::ZoneId;
use zonetrail_model::entity::{accounts, hosted_zones, record_sets, record_values};

use super::filter::{NameFilter, RecordFilter};
pub use super::view::RecordRow;
use super::view::{Extras, RecordView};
use crate::annotations::read::{PageAnnotations, of_records};
use crate::findings::{RecordFinding, open_findings_of};
use crate::names::{NameIndex, Search};
use crate::{ApiError, ApiResult};

const RS: &str = "rs";
const HZ: &str = "hz";
const RV: &str = "rv";
const AC: &str = "ac";

/// An account with at most this many zones is listed by walking each zone's index and
/// merging the pages; one with more, by walking the unzoned index and keeping its zones'
/// rows (see [`list_records`]).
const MERGE_ZONES: usize = 16;

/// Above every character a stored name holds (printable ASCII): `p..p\x7f` bounds every
/// name that starts with `p` in binary collation.
const AFTER_PRINTABLE: char = '\u{7f}';

/// A page of records, as read: [`RecordRow::write_json`] or [`RecordRow::into_view`] shows
/// each.
pub struct RecordPage {
    pub items: Vec<RecordRow>,
    pub next_cursor: Option<String>,
    /// The items' open findings, by record id (read in one query for the page).
    pub findings: HashMap<i64, Vec<RecordFinding>>,
    /// The items' annotations and attributions (read in two queries for the page).
    pub annotations: PageAnnotations,
}

impl RecordPage {
    fn empty() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
            findings: HashMap::new(),
            annotations: PageAnnotations::default(),
        }
    }

    /// The open findings of the item `id` (`[]` for none).
    pub fn findings_of(&self, id: i64) -> &[RecordFinding] {
        self.findings.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    /// What the item `id`'s JSON carries besides the record.
    pub fn extras_of(&self, id: i64) -> Extras<'_> {
        Extras {
            findings: self.findings_of(id),
            annotation: self.annotations.annotation(id),
            attribution: self.annotations.attribution(id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Name,
    Reversed,
    Value,
}

/// Where the next page starts: the sort key of the last item returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "o", rename_all = "snake_case")]
enum Position {
    Name { k: String, id: i64 },
    Reversed { k: String, id: i64 },
    Value { id: i64 },
}

impl Walk {
    fn for_filter(f: &RecordFilter) -> Self {
        if f.value.is_some() {
            Self::Value
        } else if matches!(f.name, Some(NameFilter::Below(_))) {
            Self::Reversed
        } else {
            Self::Name
        }
    }

    fn key_column(self) -> (&'static str, record_sets::Column) {
        match self {
            Self::Name => (RS, record_sets::Column::Name),
            Self::Reversed => (RS, record_sets::Column::ReversedName),
            Self::Value => (RS, record_sets::Column::Id),
        }
    }

    fn position(self, key: String, id: i64) -> Position {
        match self {
            Self::Name => Position::Name { k: key, id },
            Self::Reversed => Position::Reversed { k: key, id },
            Self::Value => Position::Value { id },
        }
    }

    /// `(key, id) > position` (or `>=`/`<=` variants), written as `key >= K AND (key > K OR
    /// id > ID)` so that the first conjunct is a plain index range on every backend.
    fn compare(self, pos: &Position, after: bool) -> Result<Cond, ApiError> {
        let id_col = match self {
            Self::Value => Expr::col((RV, record_values::Column::RecordId)),
            _ => Expr::col((RS, record_sets::Column::Id)),
        };
        let (k, id) = match (self, pos) {
            (Self::Name, Position::Name { k, id })
            | (Self::Reversed, Position::Reversed { k, id }) => (k.clone(), *id),
            (Self::Value, Position::Value { id }) => {
                return Ok(Cond::all().add(if after { id_col.gt(*id) } else { id_col.lte(*id) }));
            }
            _ => return Err(ApiError::bad_request("invalid cursor: it belongs to another query")),
        };
        let key = Expr::col(self.key_column());
        Ok(if after {
            Cond::all()
                .add(key.clone().gte(k.clone()))
                .add(Cond::any().add(key.gt(k)).add(id_col.gt(id)))
        } else {
            Cond::all()
                .add(key.clone().lte(k.clone()))
                .add(Cond::any().add(key.lt(k)).add(id_col.lte(id)))
        })
    }

    /// The index that serves this walk with these filters, in order (see the table above);
    /// `None` for the value walk, whose plan is never in doubt.
    fn index(self, f: &RecordFilter) -> Option<&'static str> {
        match self {
            Self::Value => None,
            Self::Reversed => Some("idx_record_sets_reversed_name"),
            Self::Name => Some(match (&f.zone, &f.record_type) {
                (Some(_), Some(_)) => "idx_record_sets_zone_type_name",
                (Some(_), None) => "idx_record_sets_zone_name",
                (None, Some(_)) => "idx_record_sets_type_name",
                (None, None) => "idx_record_sets_name",
            }),
        }
    }

    fn order(self, select: &mut SelectStatement) {
        match self {
            Self::Value => {
                select.order_by((RV, record_values::Column::RecordId), Order::Asc);
            }
            _ => {
                select
                    .order_by(self.key_column(), Order::Asc)
                    .order_by((RS, record_sets::Column::Id), Order::Asc);
            }
        }
    }
}

/// How much of one request a query may read.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub limit: u64,
    /// Index entries a `q` search examines at most.
    pub q_scan: u64,
}

/// One page of records matching `filter`, after `cursor`. A name substring (`q`) is looked
/// up in `names` when it can answer (see [`crate::names`]), else scanned.
pub async fn list_records(
    db: &DatabaseConnection,
    names: Option<&Arc<NameIndex>>,
    filter: &RecordFilter,
    cursor: Option<&str>,
    budget: Budget,
) -> ApiResult<RecordPage> {
    let limit = budget.limit;
    let walk = Walk::for_filter(filter);
    let scope = filter.scope();
    let after: Option<Position> =
        cursor.filter(|c| !c.is_empty()).map(|c| scope.decode(c)).transpose()?;
    if filter.matches_nothing {
        return Ok(RecordPage::empty());
    }
    // The account filter becomes a zone filter: one zone, or a list of them.
    let resolved;
    let filter = match &filter.account {
        None => filter,
        Some(account) => {
            let zones = crate::accounts::zones_of(db, account, false).await?;
            let mut f = filter.clone();
            match (&filter.zone, zones.as_slice()) {
                (Some(z), _) if zones.iter().any(|id| id == z.as_str()) => {}
                (Some(_), _) | (None, []) => {
                    return Ok(RecordPage::empty());
                }
                (None, [one]) => f.zone = Some(stored_zone(one)?),
                (None, _) => f.zones = Some(zones),
            }
            resolved = f;
            &resolved
        }
    };
    let indexed = match (&filter.q, walk, &filter.name, names) {
        // The annotation filters are conditions on the rows: the walk below applies them.
        (Some(q), Walk::Name, None, Some(names)) if !filter.owners.is_set() => {
            indexed_substring_page(db, names, filter, q, after.as_ref(), limit).await?
        }
        _ => None,
    };
    let (rows, next) = match (&filter.q, walk) {
        _ if indexed.is_some() => indexed.expect("checked"),
        (Some(_), Walk::Name | Walk::Reversed) => {
            substring_page(db, filter, walk, after, limit, std::cmp::max(budget.q_scan, 1)).await?
        }
        _ => {
            let mut rows = match &filter.zones {
                // A few zones: each zone's index in order, merged.
                Some(zones) if zones.len() <= MERGE_ZONES && walk != Walk::Value => {
                    let mut rows = Vec::new();
                    for zone in zones {
                        let f = RecordFilter {
                            zone: Some(stored_zone(zone)?),
                            zones: None,
                            ..filter.clone()
                        };
                        rows.extend(
                            page_rows(db, &f, walk, after.as_ref(), None, limit + 1).await?,
                        );
                    }
                    rows.sort_by_key(|r| (sort_key(walk, r), r.id));
                    rows.truncate(limit as usize + 1);
                    rows
                }
                _ => page_rows(db, filter, walk, after.as_ref(), None, limit + 1).await?,
            };
            let full = rows.len() as u64 > limit;
            rows.truncate(limit as usize);
            let next = if full {
                rows.last().map(|r| walk.position(sort_key(walk, r), r.id))
            } else {
                None
            };
            (rows, next)
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let findings = open_findings_of(db, &ids).await?;
    let keys: Vec<_> = rows.iter().map(RecordRow::key_ref).collect();
    let annotations = of_records(db, &keys).await?;
    drop(keys);
    Ok(RecordPage {
        next_cursor: next.map(|p| scope.encode(&p)),
        items: rows,
        findings,
        annotations,
    })
}

/// A substring search answered by the in-memory name index: its matches in page order, read
/// from the database by id (which also drops tombstones unless they are asked for), until a
/// page is full. `None`: the index cannot answer this query; scan.
async fn indexed_substring_page(
    db: &DatabaseConnection,
    names: &Arc<NameIndex>,
    filter: &RecordFilter,
    q: &str,
    after: Option<&Position>,
    limit: u64,
) -> ApiResult<Option<(Vec<RecordRow>, Option<Position>)>> {
    let mut from: Option<(String, i64)> = match after {
        None => None,
        Some(Position::Name { k, id }) => Some((k.clone(), *id)),
        Some(_) => {
            return Err(ApiError::bad_request("invalid cursor: it belongs to another query"));
        }
    };
    let mut rows: Vec<RecordRow> = Vec::new();
    loop {
        // A few more than needed: some matches may be tombstones.
        let want = (limit as usize + 1 - rows.len()) + 8;
        let search = Search {
            q,
            zone: filter.zone.as_ref().map(|z| z.as_str()),
            record_type: filter.record_type.as_ref().map(|t| t.as_str()),
            after: from.as_ref().map(|(k, id)| (k.as_str(), *id)),
            want,
        };
        let Some(found) = names.search(db, &search).await? else {
            return Ok(None);
        };
        let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
        let mut by_id =
            rows_by_ids(db, &ids, filter.include_deleted, filter.zones.as_deref()).await?;
        for hit in &found.hits {
            if let Some(row) = by_id.remove(&hit.id) {
                rows.push(row);
                if rows.len() as u64 > limit {
                    rows.truncate(limit as usize);
                    let next = rows.last().map(|r| Position::Name { k: r.name.clone(), id: r.id });
                    return Ok(Some((rows, next)));
                }
            }
        }
        match found.hits.last() {
            Some(last) if found.more => from = Some((last.name.clone(), last.id)),
            _ => return Ok(Some((rows, None))),
        }
    }
}

/// These records with their zones, by id.
async fn rows_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
    include_deleted: bool,
    zones: Option<&[String]>,
) -> ApiResult<std::collections::HashMap<i64, RecordRow>> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(out);
    }
    let mut select = Query::select();
    select_record_columns(&mut select);
    select.from_as(record_sets::Entity, RS);
    join_zone(&mut select);
    select.and_where(Expr::col((RS, record_sets::Column::Id)).is_in(ids.iter().copied()));
    if let Some(zones) = zones {
        select.and_where(Expr::col((RS, record_sets::Column::ZoneId)).is_in(zones.iter().cloned()));
    }
    if !include_deleted {
        select.and_where(Expr::col((RS, record_sets::Column::DeletedAt)).is_null());
    }
    for r in db.query_all(&select).await? {
        let row = RecordRow::from_query_result(&r, "")?;
        out.insert(row.id, row);
    }
    Ok(out)
}

/// A substring search: windows of the index, each first bounded by a covering scan of its
/// entries, then searched; growing windows (1/16 of the budget, then 4× larger) so that a
/// common substring fills a page after a small window, and a rare one stops when the budget
/// is spent, with the position where it stopped as the next cursor.
async fn substring_page(
    db: &impl ConnectionTrait,
    filter: &RecordFilter,
    walk: Walk,
    after: Option<Position>,
    limit: u64,
    budget: u64,
) -> ApiResult<(Vec<RecordRow>, Option<Position>)> {
    let mut rows: Vec<RecordRow> = Vec::new();
    let mut from = after;
    let mut scanned = 0;
    let mut window = std::cmp::max(budget / 16, 1);
    loop {
        let size = std::cmp::min(window, budget - scanned);
        let end = scan_window_end(db, filter, walk, from.as_ref(), size).await?;
        let wanted = limit + 1 - rows.len() as u64;
        rows.extend(page_rows(db, filter, walk, from.as_ref(), end.as_ref(), wanted).await?);
        if rows.len() as u64 > limit {
            rows.truncate(limit as usize);
            let last = rows.last().map(|r| walk.position(sort_key(walk, r), r.id));
            return Ok((rows, last));
        }
        scanned += size;
        match end {
            // The scan reached the end of the index.
            None => return Ok((rows, None)),
            Some(end) if scanned >= budget => return Ok((rows, Some(end))),
            Some(end) => from = Some(end),
        }
        window *= 4;
    }
}

/// Rows matching `filter` after `after` and up to `until` (both keyset positions), in the
/// walk's order, at most `count`.
async fn page_rows(
    db: &impl ConnectionTrait,
    filter: &RecordFilter,
    walk: Walk,
    after: Option<&Position>,
    until: Option<&Position>,
    count: u64,
) -> ApiResult<Vec<RecordRow>> {
    let mut select = Query::select();
    select_record_columns(&mut select);
    if walk == Walk::Value {
        select.from_as(record_values::Entity, RV).join_as(
            JoinType::InnerJoin,
            record_sets::Entity,
            RS,
            Expr::col((RS, record_sets::Column::Id)).equals((RV, record_values::Column::RecordId)),
        );
    } else {
        select.from_as(record_sets::Entity, RS);
        if let Some(index) = walk.index(filter) {
            select.force_index(index, IndexHintScope::All);
        }
    }
    join_zone(&mut select);
    apply_index_filters(&mut select, filter);
    if let Some(zones) = &filter.zones {
        select.and_where(Expr::col((RS, record_sets::Column::ZoneId)).is_in(zones.iter().cloned()));
    }
    if let Some(q) = &filter.q {
        select.and_where(
            Expr::col((RS, record_sets::Column::Name))
                .like(LikeExpr::new(format!("%{}%", escape_like(q))).escape('\\')),
        );
    }
    if !filter.include_deleted {
        select.and_where(Expr::col((RS, record_sets::Column::DeletedAt)).is_null());
    }
    crate::annotations::read::apply_filter(&mut select, RS, &filter.owners);
    if let Some(pos) = after {
        select.cond_where(walk.compare(pos, true)?);
    }
    if let Some(end) = until {
        select.cond_where(walk.compare(end, false)?);
    }
    walk.order(&mut select);
    select.limit(count);
    let rows = db.query_all(&select).await?;
    Ok(rows.iter().map(|r| RecordRow::from_query_result(r, "")).collect::<Result<Vec<_>, _>>()?)
}

/// The columns [`RecordRow`] reads: the record set (`rs`) and its zone (`hz`).
fn select_record_columns(select: &mut SelectStatement) {
    select
        .columns([
            (RS, record_sets::Column::Id),
            (RS, record_sets::Column::ZoneId),
            (RS, record_sets::Column::Name),
            (RS, record_sets::Column::ReversedName),
            (RS, record_sets::Column::RecordType),
            (RS, record_sets::Column::SetIdentifier),
            (RS, record_sets::Column::Content),
            (RS, record_sets::Column::ObservedAt),
            (RS, record_sets::Column::FirstSeenAt),
            (RS, record_sets::Column::DeletedAt),
        ])
        .expr_as(Expr::col((HZ, hosted_zones::Column::Name)), "zone_name")
        .expr_as(Expr::col((HZ, hosted_zones::Column::PrivateZone)), "private_zone")
        .expr_as(Expr::col((HZ, hosted_zones::Column::AccountId)), "account_id")
        .expr_as(Expr::col((AC, accounts::Column::Name)), "account_name");
}

fn join_zone(select: &mut SelectStatement) {
    select.join_as(
        JoinType::LeftJoin,
        hosted_zones::Entity,
        HZ,
        Expr::col((HZ, hosted_zones::Column::Id)).equals((RS, record_sets::Column::ZoneId)),
    );
    select.join_as(
        JoinType::LeftJoin,
        accounts::Entity,
        AC,
        Expr::col((AC, accounts::Column::AccountId)).equals((HZ, hosted_zones::Column::AccountId)),
    );
}

/// A zone id as `hosted_zones` stores it.
fn stored_zone(id: &str) -> ApiResult<ZoneId> {
    ZoneId::parse(id).map_err(|e| {
        sea_orm::DbErr::Custom(format!("hosted_zones.id {id:?} is not a zone id: {e}")).into()
    })
}

fn sort_key(walk: Walk, row: &RecordRow) -> String {
    match walk {
        Walk::Reversed => row.reversed_name.clone(),
        _ => row.name.clone(),
    }
}

/// The filters an index serves: zone, type, and the name forms. (Not `q` and not
/// `deleted_at`, which are checked on the rows.)
fn apply_index_filters(select: &mut SelectStatement, filter: &RecordFilter) {
    if let Some(zone) = &filter.zone {
        select.and_where(Expr::col((RS, record_sets::Column::ZoneId)).eq(zone.as_str()));
    }
    if let Some(t) = &filter.record_type {
        select.and_where(Expr::col((RS, record_sets::Column::RecordType)).eq(t.as_str()));
    }
    match &filter.name {
        None => {}
        Some(NameFilter::Exact(n)) => {
            select.and_where(Expr::col((RS, record_sets::Column::Name)).eq(n.as_str()));
        }
        Some(NameFilter::Prefix(p)) => {
            let col = Expr::col((RS, record_sets::Column::Name));
            select
                .and_where(col.clone().gte(p.as_str()))
                .and_where(col.lt(format!("{p}{AFTER_PRINTABLE}")));
        }
        Some(NameFilter::Below(reversed_parent)) => {
            // Strictly below: `com.example.prod.` itself is the parent, not below it.
            let col = Expr::col((RS, record_sets::Column::ReversedName));
            select
                .and_where(col.clone().gt(reversed_parent.as_str()))
                .and_where(col.lt(format!("{reversed_parent}{AFTER_PRINTABLE}")));
        }
    }
    if let Some(value) = &filter.value {
        select.and_where(Expr::col((RV, record_values::Column::Value)).eq(value.as_str()));
    }
}

/// The position of the `scan`-th index entry after `after`, or `None` if fewer remain (then
/// the scan reaches the end).
async fn scan_window_end(
    db: &impl ConnectionTrait,
    filter: &RecordFilter,
    walk: Walk,
    after: Option<&Position>,
    scan: u64,
) -> ApiResult<Option<Position>> {
    #[derive(FromQueryResult)]
    struct Key {
        k: String,
        id: i64,
    }
    let mut select = Query::select();
    select
        .expr_as(Expr::col(walk.key_column()), "k")
        .expr_as(Expr::col((RS, record_sets::Column::Id)), "id")
        .from_as(record_sets::Entity, RS);
    if let Some(index) = walk.index(filter) {
        select.force_index(index, IndexHintScope::All);
    }
    apply_index_filters(&mut select, filter);
    if let Some(pos) = after {
        select.cond_where(walk.compare(pos, true)?);
    }
    walk.order(&mut select);
    select.limit(1).offset(scan - 1);
    let row = db.query_one(&select).await?;
    Ok(match row {
        Some(r) => {
            let key = Key::from_query_result(&r, "")?;
            Some(walk.position(key.k, key.id))
        }
        None => None,
    })
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One record by id, tombstones included.
pub async fn get_record(db: &impl ConnectionTrait, id: i64) -> ApiResult<Option<RecordView>> {
    let mut select = Query::select();
    select_record_columns(&mut select);
    select.from_as(record_sets::Entity, RS);
    join_zone(&mut select);
    select.and_where(Expr::col((RS, record_sets::Column::Id)).eq(id));
    let Some(row) = db.query_one(&select).await? else { return Ok(None) };
    let row = RecordRow::from_query_result(&row, "")?;
    let mut annotations = of_records(db, &[row.key_ref()]).await?;
    let mut view = row.into_view();
    view.findings = open_findings_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    view.annotation = annotations.take_annotation(id);
    view.attribution = annotations.take_attribution(id);
    Ok(Some(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_metacharacters_are_literal() {
        assert_eq!(escape_like("_acme%\\"), "\\_acme\\%\\\\");
    }
}
