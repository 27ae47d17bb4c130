//! An in-memory substring index of every record name, for `q`.
//!
//! A B-tree cannot find a substring: without this index `q` scans the name index within a
//! budget per request (`ApiConfig::q_scan_budget`), so a rare substring costs the whole
//! budget and may answer an empty page with a cursor to go on. This index answers it from
//! memory: every name with its id, zone and type, sorted as the API pages them (name, then
//! id), and per trigram (three consecutive bytes) the positions of the names holding it.
//! A search walks the shortest list among the query's trigrams from the cursor on and checks
//! each name; the page's rows are then read by id, so what a record shows (and whether it is
//! deleted) is always the database's.
//!
//! It stays current cheaply because a record's name never changes: `(zone, name, type, set
//! identifier)` is the record's key and `id` its row, so only new ids can add names. Before a
//! search, records with an id above the newest one seen are read (one range read of the
//! primary key, usually empty) into a small sorted delta, searched beside the snapshot; past
//! [`REBUILD_AFTER`] new names the snapshot is rebuilt in the background.
//!
//! Trigrams in more than [`DENSE_SHARE`] of all names are not indexed: a query made only of
//! such common trigrams (`prod`, `com`) matches densely, and the ordered scan finds a page of
//! it after a few entries. A two-character query is looked up by its bigram, kept the same
//! way; a one-character query takes the scan.
//!
//! Memory: about 40 bytes a name plus 4 bytes per indexed trigram or bigram occurrence; for
//! the benchmark's million generated names (about 20 indexed grams each) some 350 MB. `ZONETRAIL_NAME_INDEX=off` turns it off.

use memchr::memmem;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use zonetrail_model::entity::record_sets;

/// A trigram indexed for at most this share of all names.
pub const DENSE_SHARE: f64 = 1.0 / 16.0;
/// New names kept beside the snapshot before it is rebuilt.
pub const REBUILD_AFTER: usize = 20_000;
/// How often a search looks for new names.
pub const REFRESH_EVERY: Duration = Duration::from_millis(500);
/// Rows read per round trip while building.
const BUILD_CHUNK: u64 = 50_000;

/// Three consecutive bytes of a name, or two followed by a 0 (which no name holds), so that
/// a two-character query has a list too.
type Trigram = [u8; 3];

/// The trigrams and bigrams of a name.
fn grams(name: &[u8]) -> impl Iterator<Item = Trigram> + '_ {
    name.windows(3).map(|w| [w[0], w[1], w[2]]).chain(name.windows(2).map(|w| [w[0], w[1], 0]))
}

/// The grams a query is looked up by: its trigrams, or its one bigram.
fn query_grams(q: &[u8]) -> Vec<Trigram> {
    match q.len() {
        0 | 1 => Vec::new(),
        2 => vec![[q[0], q[1], 0]],
        _ => q.windows(3).map(|w| [w[0], w[1], w[2]]).collect(),
    }
}

/// One indexed name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    id: i64,
    zone: String,
    rtype: String,
}

/// The names as of one read of the whole table.
struct Snapshot {
    /// All names back to back, in (name, id) order; `starts[i]..starts[i + 1]` is name `i`.
    bytes: Vec<u8>,
    starts: Vec<u32>,
    ids: Vec<i64>,
    zones: Vec<u32>,
    types: Vec<u16>,
    zone_names: Vec<String>,
    type_names: Vec<String>,
    postings: HashMap<Trigram, Vec<u32>>,
    /// Trigrams too common to index.
    dense: std::collections::HashSet<Trigram>,
    /// Every record with an id up to this one is in the snapshot.
    max_id: i64,
}

impl Snapshot {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn name(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// The first position after `(name, id)`.
    fn after(&self, name: &[u8], id: i64) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if (self.name(mid), self.ids[mid]) <= (name, id) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    #[cfg(test)]
    fn build(entries: Vec<Entry>, max_id: i64) -> Self {
        let mut rows = Columns::default();
        for e in entries {
            rows.push(e);
        }
        Self::from_columns(rows, max_id)
    }

    /// The snapshot of these rows (in any order), in two passes over the names: count each
    /// gram's names, then fill lists of exactly that size (growing them would double the
    /// memory a build needs).
    fn from_columns(rows: Columns, max_id: i64) -> Self {
        let n = rows.ids.len();
        let name = |i: usize| &rows.bytes[rows.starts[i] as usize..rows.starts[i + 1] as usize];
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            (name(a as usize), rows.ids[a as usize]).cmp(&(name(b as usize), rows.ids[b as usize]))
        });
        let mut s = Snapshot {
            bytes: Vec::with_capacity(rows.bytes.len()),
            starts: Vec::with_capacity(n + 1),
            ids: Vec::with_capacity(n),
            zones: Vec::with_capacity(n),
            types: Vec::with_capacity(n),
            zone_names: rows.zone_names.clone(),
            type_names: rows.type_names.clone(),
            postings: HashMap::new(),
            dense: Default::default(),
            max_id,
        };
        for &i in &order {
            let i = i as usize;
            s.starts.push(s.bytes.len() as u32);
            s.bytes.extend_from_slice(name(i));
            s.ids.push(rows.ids[i]);
            s.zones.push(rows.zones[i]);
            s.types.push(rows.types[i]);
        }
        s.starts.push(s.bytes.len() as u32);
        drop(order);
        drop(rows);
        let mut seen: Vec<Trigram> = Vec::new();
        let mut each = |s: &Snapshot, f: &mut dyn FnMut(usize, Trigram)| {
            for i in 0..s.len() {
                seen.clear();
                seen.extend(grams(s.name(i)));
                seen.sort_unstable();
                seen.dedup();
                for g in &seen {
                    f(i, *g);
                }
            }
        };
        let mut counts: HashMap<Trigram, u32> = HashMap::new();
        each(&s, &mut |_, g| *counts.entry(g).or_insert(0) += 1);
        let limit = ((n as f64) * DENSE_SHARE).ceil() as u32;
        let mut postings: HashMap<Trigram, Vec<u32>> = HashMap::with_capacity(counts.len());
        for (g, c) in counts {
            if n >= 64 && c > limit {
                s.dense.insert(g);
            } else {
                postings.insert(g, Vec::with_capacity(c as usize));
            }
        }
        each(&s, &mut |i, g| {
            if let Some(list) = postings.get_mut(&g) {
                list.push(i as u32);
            }
        });
        s.postings = postings;
        s
    }
}

/// Rows as read, column by column: no allocation per row.
#[derive(Default)]
struct Columns {
    bytes: Vec<u8>,
    starts: Vec<u32>,
    ids: Vec<i64>,
    zones: Vec<u32>,
    types: Vec<u16>,
    zone_names: Vec<String>,
    type_names: Vec<String>,
    zone_of: HashMap<String, u32>,
    type_of: HashMap<String, u16>,
}

impl Columns {
    fn push(&mut self, e: Entry) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.bytes.extend_from_slice(e.name.as_bytes());
        self.starts.push(self.bytes.len() as u32);
        self.ids.push(e.id);
        let zone = intern(&mut self.zone_names, &mut self.zone_of, e.zone, |n| n as u32);
        self.zones.push(zone);
        let rtype = intern(&mut self.type_names, &mut self.type_of, e.rtype, |n| n as u16);
        self.types.push(rtype);
    }
}

/// The number of `name` in `names` (and `of`), adding it when it is new.
fn intern<T: Copy>(
    names: &mut Vec<String>,
    of: &mut HashMap<String, T>,
    name: String,
    number: impl Fn(usize) -> T,
) -> T {
    if let Some(n) = of.get(&name) {
        return *n;
    }
    let n = number(names.len());
    names.push(name.clone());
    of.insert(name, n);
    n
}

/// Names with an id above the snapshot's, sorted like it.
#[derive(Default, Clone)]
struct Delta {
    entries: Vec<Entry>,
    /// The largest id read.
    max_id: i64,
    /// Ids below `max_id` not read yet: a writer may have taken them and not committed (ids
    /// are handed out at insert, rows appear at commit), or they were never used (a rolled
    /// back insert). Read again until [`HOLE_TTL`] after they were first seen.
    holes: Vec<Hole>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hole {
    lo: i64,
    hi: i64,
    since: Instant,
}

/// How long an id below the newest read one may still appear: longer than any writer
/// transaction holds a new row uncommitted (its lock waits included).
pub const HOLE_TTL: Duration = Duration::from_secs(120);
/// Ids this far below the newest one are read again after a build (those a writer could
/// still commit); older gaps are ids that were never used.
const BUILD_HOLE_WINDOW: i64 = 200_000;

/// The gaps between `from` (read) and the sorted ids after it.
fn gaps(from: i64, ids: impl IntoIterator<Item = i64>, since: Instant) -> Vec<Hole> {
    let mut out = Vec::new();
    let mut prev = from;
    for id in ids {
        if id > prev + 1 {
            out.push(Hole { lo: prev + 1, hi: id - 1, since });
        }
        prev = Ord::max(prev, id);
    }
    out
}

/// `holes` without the ids read.
fn fill(holes: Vec<Hole>, read: &[i64]) -> Vec<Hole> {
    let mut out = Vec::with_capacity(holes.len());
    for h in holes {
        let mut lo = h.lo;
        let mut inside: Vec<i64> =
            read.iter().copied().filter(|id| *id >= h.lo && *id <= h.hi).collect();
        inside.sort_unstable();
        for id in inside {
            if id > lo {
                out.push(Hole { lo, hi: id - 1, since: h.since });
            }
            lo = id + 1;
        }
        if lo <= h.hi {
            out.push(Hole { lo, hi: h.hi, since: h.since });
        }
    }
    out
}

/// What a search is asked.
#[derive(Debug, Clone)]
pub struct Search<'a> {
    /// The substring, in the stored names' spelling.
    pub q: &'a str,
    pub zone: Option<&'a str>,
    pub record_type: Option<&'a str>,
    /// Start after this `(name, id)`.
    pub after: Option<(&'a str, i64)>,
    /// Matches wanted.
    pub want: usize,
}

/// A match: the record's name and id, in page order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub name: String,
    pub id: i64,
}

/// What [`NameIndex::search`] found: `None` from it means "use the scan".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    pub hits: Vec<Hit>,
    /// `false` when every match after the start is in `hits`.
    pub more: bool,
}

/// The index of one API process (see the module docs).
pub struct NameIndex {
    enabled: bool,
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    delta: RwLock<Arc<Delta>>,
    building: AtomicBool,
    refresh: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(FromQueryResult)]
struct NameRow {
    id: i64,
    zone_id: String,
    record_type: String,
    name: String,
}

async fn read_names(
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Entry>, DbErr> {
    use record_sets::Column as C;
    let q = Query::select()
        .columns([C::Id, C::ZoneId, C::RecordType, C::Name])
        .from(record_sets::Entity)
        .and_where(Expr::col(C::Id).gt(after_id))
        .order_by(C::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            NameRow::from_query_result(r, "").map(|r| Entry {
                name: r.name,
                id: r.id,
                zone: r.zone_id,
                rtype: r.record_type,
            })
        })
        .collect()
}

/// The rows whose ids fall in these ranges.
async fn read_holes(db: &impl ConnectionTrait, holes: &[Hole]) -> Result<Vec<Entry>, DbErr> {
    use record_sets::Column as C;
    use sea_orm::sea_query::Cond;
    let mut out = Vec::new();
    for chunk in holes.chunks(200) {
        let mut any = Cond::any();
        for h in chunk {
            any = any.add(Expr::col(C::Id).between(h.lo, h.hi));
        }
        let q = Query::select()
            .columns([C::Id, C::ZoneId, C::RecordType, C::Name])
            .from(record_sets::Entity)
            .cond_where(any)
            .to_owned();
        for r in db.query_all(&q).await? {
            let r = NameRow::from_query_result(&r, "")?;
            out.push(Entry { name: r.name, id: r.id, zone: r.zone_id, rtype: r.record_type });
        }
    }
    Ok(out)
}

/// Every row with an id above `after`, read in chunks.
async fn read_all_after(db: &impl ConnectionTrait, after: i64) -> Result<Vec<Entry>, DbErr> {
    let mut out = Vec::new();
    let mut max_id = after;
    loop {
        let chunk = read_names(db, max_id, BUILD_CHUNK).await?;
        let done = (chunk.len() as u64) < BUILD_CHUNK;
        if let Some(last) = chunk.last() {
            max_id = last.id;
        }
        out.extend(chunk);
        if done {
            return Ok(out);
        }
    }
}

impl NameIndex {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            snapshot: RwLock::new(None),
            delta: RwLock::new(Arc::new(Delta::default())),
            building: AtomicBool::new(false),
            refresh: tokio::sync::Mutex::new(None),
        }
    }

    /// Read every name and make it the snapshot (what a background build does).
    pub async fn build(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let started = Instant::now();
        let mut rows = Columns::default();
        let mut max_id = 0;
        loop {
            let chunk = read_names(db, max_id, BUILD_CHUNK).await?;
            let done = (chunk.len() as u64) < BUILD_CHUNK;
            for e in chunk {
                max_id = e.id;
                rows.push(e);
            }
            if done {
                break;
            }
        }
        let holes = gaps(
            Ord::max(max_id - BUILD_HOLE_WINDOW, 0),
            rows.ids.iter().copied().filter(|id| *id > max_id - BUILD_HOLE_WINDOW),
            Instant::now(),
        );
        let n = rows.ids.len();
        let snapshot = tokio::task::spawn_blocking(move || Snapshot::from_columns(rows, max_id))
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let postings: usize = snapshot.postings.values().map(Vec::len).sum();
        let mut delta = self.delta.write().unwrap_or_else(|e| e.into_inner());
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(snapshot));
        // What the delta read beyond the snapshot stays; the rest is in the snapshot now.
        let kept: Vec<Entry> = delta.entries.iter().filter(|e| e.id > max_id).cloned().collect();
        let mut all_holes: Vec<Hole> =
            delta.holes.iter().copied().filter(|h| h.hi > max_id).collect();
        all_holes.extend(holes);
        *delta = Arc::new(Delta {
            entries: kept,
            max_id: Ord::max(delta.max_id, max_id),
            holes: all_holes,
        });
        tracing::info!(
            names = n,
            postings,
            seconds = started.elapsed().as_secs_f64(),
            "name index built"
        );
        Ok(())
    }

    /// Every value [`Self::status`] answers (the OpenAPI document lists them).
    pub const STATUSES: [&'static str; 4] = ["ready", "building", "not built", "off"];

    /// `ready`, `building`, `not built` or `off`: what `/healthz` says of the index.
    pub fn status(&self) -> &'static str {
        let [ready, building, not_built, off] = Self::STATUSES;
        if !self.enabled {
            off
        } else if self.snapshot.read().unwrap_or_else(|e| e.into_inner()).is_some() {
            ready
        } else if self.building.load(AtomicOrdering::Acquire) {
            building
        } else {
            not_built
        }
    }

    /// Start building the snapshot in the background (when enabled and not built yet).
    pub fn prepare(self: &Arc<Self>, db: &DatabaseConnection) {
        if self.enabled && self.snapshot.read().unwrap_or_else(|e| e.into_inner()).is_none() {
            self.build_in_background(db);
        }
    }

    /// Start a build in the background unless one runs.
    fn build_in_background(self: &Arc<Self>, db: &DatabaseConnection) {
        if self.building.swap(true, AtomicOrdering::AcqRel) {
            return;
        }
        let this = self.clone();
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(e) = this.build(&db).await {
                tracing::warn!(error = %e, "building the name index failed; q scans the database until a build succeeds");
            }
            this.building.store(false, AtomicOrdering::Release);
        });
    }

    /// Read names newer than any indexed, and those of recent holes, at most every
    /// [`REFRESH_EVERY`] (a search that finds a refresh running goes on with what is there:
    /// at most that much behind).
    async fn refresh(self: &Arc<Self>, db: &DatabaseConnection) -> Result<(), DbErr> {
        let Ok(mut last) = self.refresh.try_lock() else { return Ok(()) };
        if last.is_some_and(|t| t.elapsed() < REFRESH_EVERY) {
            return Ok(());
        }
        let current = self.delta.read().unwrap_or_else(|e| e.into_inner()).clone();
        let holes: Vec<Hole> =
            current.holes.iter().copied().filter(|h| h.since.elapsed() < HOLE_TTL).collect();
        let found = read_holes(db, &holes).await?;
        let new = read_all_after(db, current.max_id).await?;
        *last = Some(Instant::now());
        let found_ids: Vec<i64> = found.iter().map(|e| e.id).collect();
        let mut holes = fill(holes, &found_ids);
        holes.extend(gaps(current.max_id, new.iter().map(|e| e.id), Instant::now()));
        if found.is_empty() && new.is_empty() && holes.len() == current.holes.len() {
            return Ok(());
        }
        let max_id = new.last().map_or(current.max_id, |e| e.id);
        let mut delta = self.delta.write().unwrap_or_else(|e| e.into_inner());
        let mut entries = delta.entries.clone();
        let added = found.len() + new.len();
        entries.extend(found);
        entries.extend(new);
        if added > 0 {
            entries.sort_by(|a, b| (a.name.as_bytes(), a.id).cmp(&(b.name.as_bytes(), b.id)));
            entries.dedup_by(|a, b| a.id == b.id);
        }
        // Holes a build added meanwhile stay too.
        holes.extend(delta.holes.iter().copied().filter(|h| !current.holes.contains(h)));
        let rebuild = entries.len() > REBUILD_AFTER;
        *delta = Arc::new(Delta { entries, max_id: Ord::max(delta.max_id, max_id), holes });
        drop(delta);
        if rebuild {
            self.build_in_background(db);
        }
        Ok(())
    }

    /// Matches of `s`, in (name, id) order, or `None` when the index cannot answer (not
    /// built yet, turned off, or the query has no indexed trigram): then scan.
    pub async fn search(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        s: &Search<'_>,
    ) -> Result<Option<Hits>, DbErr> {
        if !self.enabled || s.q.len() < 2 {
            return Ok(None);
        }
        let Some(snapshot) = self.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            self.build_in_background(db);
            return Ok(None);
        };
        self.refresh(db).await?;
        let delta = self.delta.read().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(search(&snapshot, &delta, s))
    }
}

fn search(snapshot: &Snapshot, delta: &Delta, s: &Search<'_>) -> Option<Hits> {
    let q = s.q.as_bytes();
    let trigrams = query_grams(q);
    // The shortest list among the query's trigrams; a trigram no name has means no match.
    let mut driver: Option<&Vec<u32>> = None;
    for t in &trigrams {
        match snapshot.postings.get(t) {
            Some(list) if driver.is_none_or(|d| list.len() < d.len()) => driver = Some(list),
            Some(_) => {}
            None if snapshot.dense.contains(t) => {}
            None => {
                driver = Some(const { &Vec::new() });
                break;
            }
        }
    }
    let driver = driver?;
    let finder = memmem::Finder::new(q);
    let zone = s.zone.map(|z| snapshot.zone_names.iter().position(|n| n == z).map(|i| i as u32));
    let rtype =
        s.record_type.map(|t| snapshot.type_names.iter().position(|n| n == t).map(|i| i as u16));
    let start = match s.after {
        Some((name, id)) => snapshot.after(name.as_bytes(), id),
        None => 0,
    };
    let from = driver.partition_point(|&p| (p as usize) < start);
    let mut hits: Vec<Hit> = Vec::new();
    let mut more = false;
    // A zone or type the snapshot never saw has no match in it (the delta may have some).
    if !matches!(zone, Some(None)) && !matches!(rtype, Some(None)) {
        for &p in &driver[from..] {
            let p = p as usize;
            if zone.is_some_and(|z| z != Some(snapshot.zones[p]))
                || rtype.is_some_and(|t| t != Some(snapshot.types[p]))
            {
                continue;
            }
            let name = snapshot.name(p);
            if finder.find(name).is_some() {
                if hits.len() == s.want {
                    more = true;
                    break;
                }
                hits.push(Hit {
                    name: String::from_utf8_lossy(name).into_owned(),
                    id: snapshot.ids[p],
                });
            }
        }
    }
    // The delta's matches, merged in.
    let after = s.after.map(|(n, id)| (n.as_bytes(), id));
    let mut extra: Vec<Hit> = delta
        .entries
        .iter()
        .filter(|e| e.id > snapshot.max_id)
        .filter(|e| after.is_none_or(|a| (e.name.as_bytes(), e.id) > a))
        .filter(|e| {
            s.zone.is_none_or(|z| e.zone == z) && s.record_type.is_none_or(|t| e.rtype == t)
        })
        .filter(|e| finder.find(e.name.as_bytes()).is_some())
        .map(|e| Hit { name: e.name.clone(), id: e.id })
        .collect();
    if !extra.is_empty() {
        hits.append(&mut extra);
        hits.sort_by(|a, b| (a.name.as_bytes(), a.id).cmp(&(b.name.as_bytes(), b.id)));
        if hits.len() > s.want {
            hits.truncate(s.want);
            more = true;
        }
    }
    Some(Hits { hits, more })
}

/// Compare like the database pages: bytes of the name, then id.
pub fn position_cmp(a: (&str, i64), b: (&str, i64)) -> Ordering {
    (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, id: i64, zone: &str, rtype: &str) -> Entry {
        Entry { name: name.into(), id, zone: zone.into(), rtype: rtype.into() }
    }

    fn names(h: &Hits) -> Vec<i64> {
        h.hits.iter().map(|h| h.id).collect()
    }

    /// A snapshot large enough that common trigrams count as dense.
    fn fixture() -> (Snapshot, Vec<Entry>) {
        let mut entries = Vec::new();
        for i in 0..200 {
            let zone = if i % 2 == 0 { "Z1" } else { "Z2" };
            let rtype = if i % 3 == 0 { "CNAME" } else { "A" };
            entries.push(entry(&format!("host-{i:03}.prod.example.com."), 1000 + i, zone, rtype));
        }
        entries.push(entry("rare-needle.prod.example.com.", 5, "Z1", "A"));
        entries.push(entry("rare-needle.prod.example.com.", 3, "Z2", "A"));
        (Snapshot::build(entries.clone(), 2000), entries)
    }

    /// What a plain scan in (name, id) order finds.
    fn brute(entries: &[Entry], s: &Search<'_>) -> Vec<i64> {
        let mut e: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.name.contains(s.q))
            .filter(|e| {
                s.zone.is_none_or(|z| e.zone == z) && s.record_type.is_none_or(|t| e.rtype == t)
            })
            .filter(|e| {
                s.after.is_none_or(|a| position_cmp((&e.name, e.id), a) == Ordering::Greater)
            })
            .collect();
        e.sort_by(|a, b| position_cmp((&a.name, a.id), (&b.name, b.id)));
        e.into_iter().map(|e| e.id).collect()
    }

    #[test]
    fn finds_what_a_scan_finds_in_the_same_order() {
        let (snap, entries) = fixture();
        let delta = Delta::default();
        for q in ["needle", "host-01", "-1", "t-19", "xyz", "ost-150.pro", "ed", "e"] {
            for zone in [None, Some("Z1"), Some("Z9")] {
                for rtype in [None, Some("CNAME")] {
                    let s = Search { q, zone, record_type: rtype, after: None, want: 1000 };
                    match search(&snap, &delta, &s) {
                        Some(h) => {
                            assert_eq!(names(&h), brute(&entries, &s), "{q} {zone:?} {rtype:?}")
                        }
                        None => assert!(
                            q.len() < 2
                                || query_grams(q.as_bytes()).iter().all(|g| snap.dense.contains(g)),
                            "{q}"
                        ),
                    }
                }
            }
        }
        // Common trigrams only (`.prod.example.com.` is in every name): the scan's job.
        assert!(snap.dense.contains(b"com"));
        assert!(
            search(
                &snap,
                &delta,
                &Search { q: "example", zone: None, record_type: None, after: None, want: 10 }
            )
            .is_none()
        );
    }

    #[test]
    fn pages_follow_the_cursor_and_say_when_there_is_more() {
        let (snap, entries) = fixture();
        let delta = Delta::default();
        let all = brute(
            &entries,
            &Search { q: "t-15", zone: None, record_type: None, after: None, want: 0 },
        );
        let mut got = Vec::new();
        let mut after: Option<(String, i64)> = None;
        loop {
            let s = Search {
                q: "t-15",
                zone: None,
                record_type: None,
                after: after.as_ref().map(|(n, i)| (n.as_str(), *i)),
                want: 7,
            };
            let h = search(&snap, &delta, &s).unwrap();
            got.extend(names(&h));
            if !h.more {
                break;
            }
            let last = h.hits.last().unwrap();
            after = Some((last.name.clone(), last.id));
        }
        assert_eq!(got, all);
        // Equal names page by id.
        let h = search(
            &snap,
            &delta,
            &Search { q: "needle", zone: None, record_type: None, after: None, want: 1 },
        )
        .unwrap();
        assert_eq!((names(&h), h.more), (vec![3], true));
    }

    #[test]
    fn holes_shrink_as_their_ids_are_read() {
        let t = Instant::now();
        assert_eq!(
            gaps(10, [11, 14, 15, 20], t),
            vec![Hole { lo: 12, hi: 13, since: t }, Hole { lo: 16, hi: 19, since: t }]
        );
        assert_eq!(gaps(10, [], t), vec![]);
        let holes = fill(
            vec![Hole { lo: 12, hi: 13, since: t }, Hole { lo: 16, hi: 19, since: t }],
            &[12, 17],
        );
        assert_eq!(
            holes,
            vec![
                Hole { lo: 13, hi: 13, since: t },
                Hole { lo: 16, hi: 16, since: t },
                Hole { lo: 18, hi: 19, since: t }
            ]
        );
        assert_eq!(fill(vec![Hole { lo: 5, hi: 5, since: t }], &[5]), vec![]);
    }

    #[test]
    fn new_names_in_the_delta_are_found_in_order() {
        let (snap, mut entries) = fixture();
        let new = vec![
            entry("a-needle.prod.example.com.", 3000, "Z1", "A"),
            entry("zz-needle.prod.example.com.", 3001, "Z2", "A"),
        ];
        entries.extend(new.clone());
        let delta = Delta { entries: new, max_id: 3001, holes: Vec::new() };
        let s = Search { q: "needle", zone: None, record_type: None, after: None, want: 10 };
        assert_eq!(names(&search(&snap, &delta, &s).unwrap()), brute(&entries, &s));
        let s = Search {
            q: "needle",
            zone: Some("Z2"),
            record_type: None,
            after: Some(("rare-needle.prod.example.com.", 3)),
            want: 10,
        };
        assert_eq!(names(&search(&snap, &delta, &s).unwrap()), vec![3001]);
    }
}
