//! Findings of a set of records: raised, refreshed and resolved.
//!
//! Records are read in chunks of [`CHUNK`] ids; per chunk, what they point at is computed in
//! memory ([`crate::targets::extract`]), the resources, zones and alias targets they need are
//! looked up with a few `IN` queries, and only the differences are written (new, resolved and
//! changed findings, changed `finding_targets` rows, one `last_seen_at` bump per chunk), in one
//! transaction per chunk.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use serde_json::{Value, json};
use zonetrail_model::entity::{
    accounts, finding_outbox, finding_suppressions, finding_targets, findings, hosted_zones,
    record_sets, resource_listings, resources,
};
use zonetrail_model::{RecordSet, ResourceKind};

use crate::resources::COMPLETE;
use crate::targets::{self, Form, Target};
use crate::{Findings, IpRanges, Kind, Report, Status, Work};

/// Records per chunk.
pub const CHUNK: usize = 2000;
/// Values per `IN` list.
const IN: usize = 500;

#[derive(Debug, FromQueryResult)]
struct RecordRow {
    id: i64,
    zone_id: String,
    name: String,
    record_type: String,
    set_identifier: String,
    content: Option<String>,
    deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct ZoneInfo {
    name: String,
    private: bool,
    account_id: Option<String>,
    live: bool,
}

impl ZoneInfo {
    fn of(z: hosted_zones::Model) -> Self {
        ZoneInfo {
            name: z.name,
            private: z.private_zone,
            account_id: z.account_id,
            live: z.deleted_at.is_none(),
        }
    }
}

/// What one evaluation reads once.
struct Context {
    now: DateTime<Utc>,
    ranges: Arc<IpRanges>,
    accounts: Vec<String>,
    /// (kind, account, region) → complete.
    listings: HashMap<(String, String, String), bool>,
    /// Regions with any eip/eni listing (for a GLOBAL range).
    ip_regions: BTreeSet<String>,
    /// (kind, region) → live resources (the evidence's "checked" counts).
    counts: HashMap<(String, String), u64>,
    suppressions: HashSet<(String, String, String, String, String)>,
    zones: HashMap<String, Option<ZoneInfo>>,
}

async fn context<C: ConnectionTrait>(f: &Findings, db: &C) -> Result<Context, DbErr> {
    let ranges = f.ranges(db).await?;
    let mut accounts: BTreeSet<String> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::AccountId)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let zone_accounts: Vec<Option<String>> = hosted_zones::Entity::find()
        .select_only()
        .column(hosted_zones::Column::AccountId)
        .filter(hosted_zones::Column::DeletedAt.is_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    accounts.extend(zone_accounts.into_iter().flatten());
    let mut listings = HashMap::new();
    let mut ip_regions = BTreeSet::new();
    for l in resource_listings::Entity::find().all(db).await? {
        if l.kind == "eip" || l.kind == "eni" {
            ip_regions.insert(l.region.clone());
        }
        listings.insert((l.kind, l.account_id, l.region), l.status == COMPLETE);
    }
    let count_rows: Vec<(String, String, i64)> = resources::Entity::find()
        .select_only()
        .column(resources::Column::Kind)
        .column(resources::Column::Region)
        .column_as(resources::Column::Id.count(), "n")
        .filter(resources::Column::DeletedAt.is_null())
        .filter(resources::Column::Kind.is_in(["cloudfront", "elastic_beanstalk"]))
        .group_by(resources::Column::Kind)
        .group_by(resources::Column::Region)
        .into_tuple()
        .all(db)
        .await?;
    let counts = count_rows.into_iter().map(|(k, r, n)| ((k, r), n as u64)).collect();
    let suppressions = finding_suppressions::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.kind, s.zone_id, s.name, s.record_type, s.set_identifier))
        .collect();
    Ok(Context {
        // Microseconds, as the databases keep it: the raised findings are told apart by it.
        now: zonetrail_model::to_micros(Utc::now()),
        ranges,
        accounts: accounts.into_iter().collect(),
        listings,
        ip_regions,
        counts,
        suppressions,
        zones: HashMap::new(),
    })
}

impl Context {
    /// Every account in scope has a complete listing of `kind` in each of `regions`.
    fn complete(&self, kinds: &[ResourceKind], regions: &[&str]) -> bool {
        !self.accounts.is_empty()
            && !regions.is_empty()
            && self.accounts.iter().all(|a| {
                kinds.iter().all(|k| {
                    regions.iter().all(|r| {
                        self.listings
                            .get(&(k.as_str().to_owned(), a.clone(), (*r).to_owned()))
                            .copied()
                            .unwrap_or(false)
                    })
                })
            })
    }

    fn count(&self, kind: &str, region: &str) -> u64 {
        self.counts.get(&(kind.to_owned(), region.to_owned())).copied().unwrap_or(0)
    }

    fn count_all(&self, kind: &str) -> u64 {
        self.counts.iter().filter(|((k, _), _)| k == kind).map(|(_, n)| n).sum()
    }

    /// Every stored zone (before chunks are evaluated at once, sharing this context).
    async fn load_all_zones<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        for z in hosted_zones::Entity::find().all(db).await? {
            self.zones.insert(z.id.clone(), Some(ZoneInfo::of(z)));
        }
        Ok(())
    }

    async fn load_zones<C: ConnectionTrait>(
        &mut self,
        db: &C,
        ids: &[String],
    ) -> Result<(), DbErr> {
        let missing: Vec<String> =
            ids.iter().filter(|z| !self.zones.contains_key(*z)).cloned().collect();
        for chunk in missing.chunks(IN) {
            for z in hosted_zones::Entity::find()
                .filter(hosted_zones::Column::Id.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
            {
                self.zones.insert(z.id.clone(), Some(ZoneInfo::of(z)));
            }
            for z in chunk {
                self.zones.entry(z.clone()).or_insert(None);
            }
        }
        Ok(())
    }
}

/// What a check concluded.
#[derive(Debug, Clone)]
enum Outcome {
    Raise { evidence: Value },
    Clear { reason: String, held_by: Option<String> },
    Undecided,
}

/// One check of one record: (kind, subject) and what it concluded.
#[derive(Debug, Clone)]
struct Check {
    kind: Kind,
    subject: String,
    outcome: Outcome,
}

fn open_key(record_id: i64, kind: Kind, subject: &str) -> String {
    format!("{record_id}|{kind}|{subject}")
}

/// A live record ready for its checks.
struct Live {
    row: RecordRow,
    zone: ZoneInfo,
    found: Vec<targets::Found>,
}

pub(crate) async fn evaluate_work<C>(f: &Findings, db: &C, work: &Work) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    if work.all {
        return evaluate_all(f, db).await;
    }
    let mut ids: BTreeSet<i64> = work.record_ids.iter().copied().collect();
    let targets: BTreeSet<&String> = work.targets.iter().collect();
    let targets: Vec<&String> = targets.into_iter().collect();
    for chunk in targets.chunks(IN) {
        let rows: Vec<i64> = finding_targets::Entity::find()
            .select_only()
            .column(finding_targets::Column::RecordId)
            .filter(finding_targets::Column::Target.is_in(chunk.iter().map(|s| s.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(rows);
    }
    // `name:Z/N` also names the records at that name (a new record there may answer an alias,
    // and `zone:N` the zone's own apex NS set).
    let mut report = Report::default();
    if ids.is_empty() {
        return Ok(report);
    }
    let mut ctx = context(f, db).await?;
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(CHUNK) {
        let rows = load_records(db, chunk).await?;
        let zone_ids: BTreeSet<String> = rows.iter().map(|r| r.zone_id.clone()).collect();
        ctx.load_zones(db, &zone_ids.into_iter().collect::<Vec<_>>()).await?;
        report.add(evaluate_chunk(f, db, &ctx, rows, Scope::Ids(chunk)).await?);
    }
    Ok(report)
}

/// Tries of one chunk of [`evaluate_all`] that deadlocks.
const ATTEMPTS: u32 = 3;

/// MariaDB's "Deadlock found" (1213) and "Lock wait timeout" (1205).
fn is_deadlock(e: &DbErr) -> bool {
    matches!(zonetrail_model::db::mysql_error_number(e), Some(1213 | 1205))
}

/// The live records with ids in `lo..=hi`, a chunk of [`evaluate_all`]. It is evaluated again
/// when the database chose it as a deadlock's victim (chunks running at once, or a writer's
/// evaluation, touch neighbouring index ranges); it reads everything afresh.
async fn evaluate_range<C>(
    f: &Findings,
    db: &C,
    ctx: &Context,
    lo: i64,
    hi: i64,
) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut attempt = 1;
    loop {
        let rows = load_range(db, lo, hi).await?;
        match evaluate_chunk(f, db, ctx, rows, Scope::Range(lo, hi)).await {
            Err(e) if attempt < ATTEMPTS && is_deadlock(&e) => {
                tracing::info!(lo, hi, attempt, reason = %e, "chunk evaluated again");
                attempt += 1;
            }
            done => return done,
        }
    }
}

/// Chunks of [`evaluate_all`] evaluated at once on MariaDB (the database works on one while
/// the engine decides another); one at a time on SQLite, which has one writer.
const PARALLEL_MYSQL: usize = 2;

pub(crate) async fn evaluate_all<C>(f: &Findings, db: &C) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut ctx = context(f, db).await?;
    ctx.load_all_zones(db).await?;
    let ctx = &ctx;
    // The live ids once; then each chunk is an id range, read with range scans.
    let ids: Vec<i64> = record_sets::Entity::find()
        .select_only()
        .column(record_sets::Column::Id)
        .filter(record_sets::Column::DeletedAt.is_null())
        .order_by_asc(record_sets::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let parallel = match db.get_database_backend() {
        sea_orm::DatabaseBackend::MySql => PARALLEL_MYSQL,
        _ => 1,
    };
    let ranges: Vec<(i64, i64)> = ids.chunks(CHUNK).map(|c| (c[0], c[c.len() - 1])).collect();
    let mut ranges = ranges.into_iter();
    let mut running = futures::stream::FuturesUnordered::new();
    let mut report = Report::default();
    loop {
        while running.len() < parallel {
            let Some((lo, hi)) = ranges.next() else { break };
            running.push(evaluate_range(f, db, ctx, lo, hi));
        }
        match running.next().await {
            Some(done) => report.add(done?),
            None => break,
        }
    }
    // Findings and targets of records no longer live.
    let open: Vec<i64> = findings::Entity::find()
        .select_only()
        .column(findings::Column::RecordId)
        .filter(findings::Column::OpenKey.is_not_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let gone = not_live(db, &open).await?;
    for chunk in gone.chunks(CHUNK) {
        let rows = load_records(db, chunk).await?;
        report.add(evaluate_chunk(f, db, ctx, rows, Scope::Ids(chunk)).await?);
    }
    // Targets of tombstoned records (kept small: evaluate_chunk removes them as it goes).
    let stale: Vec<i64> = finding_targets::Entity::find()
        .select_only()
        .column(finding_targets::Column::RecordId)
        .filter(
            finding_targets::Column::RecordId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(record_sets::Column::Id)
                    .from(record_sets::Entity)
                    .and_where(record_sets::Column::DeletedAt.is_not_null())
                    .to_owned(),
            ),
        )
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    for chunk in stale.chunks(IN) {
        finding_targets::Entity::delete_many()
            .filter(finding_targets::Column::RecordId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(report)
}

/// Of `ids`, those whose record is tombstoned or gone, or whose zone is.
async fn not_live<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<i64>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN) {
        let live: HashSet<i64> = record_sets::Entity::find()
            .select_only()
            .column(record_sets::Column::Id)
            .filter(record_sets::Column::Id.is_in(chunk.iter().copied()))
            .filter(record_sets::Column::DeletedAt.is_null())
            .into_tuple::<i64>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        out.extend(chunk.iter().filter(|id| !live.contains(id)));
    }
    Ok(out)
}

/// What [`RecordRow`] reads.
const RECORD_COLUMNS: [record_sets::Column; 7] = [
    record_sets::Column::Id,
    record_sets::Column::ZoneId,
    record_sets::Column::Name,
    record_sets::Column::RecordType,
    record_sets::Column::SetIdentifier,
    record_sets::Column::Content,
    record_sets::Column::DeletedAt,
];

async fn load_records<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<RecordRow>, DbErr> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN * 2) {
        out.extend(
            record_sets::Entity::find()
                .select_only()
                .columns(RECORD_COLUMNS)
                .filter(record_sets::Column::Id.is_in(chunk.iter().copied()))
                .into_model::<RecordRow>()
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The live records with ids in `lo..=hi` (a range scan of the primary key).
async fn load_range<C: ConnectionTrait>(db: &C, lo: i64, hi: i64) -> Result<Vec<RecordRow>, DbErr> {
    record_sets::Entity::find()
        .select_only()
        .columns(RECORD_COLUMNS)
        .filter(record_sets::Column::Id.between(lo, hi))
        .filter(record_sets::Column::DeletedAt.is_null())
        .into_model::<RecordRow>()
        .all(db)
        .await
}

/// Live resources by (kind, key) → accounts holding them.
async fn load_resources<C: ConnectionTrait>(
    db: &C,
    keys: &BTreeSet<String>,
) -> Result<HashMap<(String, String), Vec<String>>, DbErr> {
    let mut out: HashMap<(String, String), Vec<String>> = HashMap::new();
    let keys: Vec<&String> = keys.iter().collect();
    for chunk in keys.chunks(IN) {
        let rows: Vec<(String, String, String)> = resources::Entity::find()
            .select_only()
            .columns([
                resources::Column::Kind,
                resources::Column::ResourceKey,
                resources::Column::AccountId,
            ])
            .filter(resources::Column::ResourceKey.is_in(chunk.iter().map(|s| s.as_str())))
            .filter(resources::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        for (kind, key, account) in rows {
            out.entry((kind, key)).or_default().push(account);
        }
    }
    Ok(out)
}

/// Zone name → [(zone id, its apex NS set's name servers, `None` when unknown)].
type DelegationZones = HashMap<String, Vec<(String, Option<Vec<String>>)>>;

/// Live NS record sets' name servers at the apex of the live zones named `names`:
/// name → [(zone id, name servers)] (an empty list for a zone whose apex NS set is unknown).
async fn load_delegation_zones<C: ConnectionTrait>(
    db: &C,
    names: &BTreeSet<String>,
) -> Result<DelegationZones, DbErr> {
    let mut out: DelegationZones = HashMap::new();
    let names: Vec<&String> = names.iter().collect();
    for chunk in names.chunks(IN) {
        let zones: Vec<(String, String)> = hosted_zones::Entity::find()
            .select_only()
            .columns([hosted_zones::Column::Id, hosted_zones::Column::Name])
            .filter(hosted_zones::Column::Name.is_in(chunk.iter().map(|s| s.as_str())))
            .filter(hosted_zones::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        if zones.is_empty() {
            continue;
        }
        let ns: Vec<(String, String, Option<String>)> = record_sets::Entity::find()
            .select_only()
            .columns([
                record_sets::Column::ZoneId,
                record_sets::Column::Name,
                record_sets::Column::Content,
            ])
            .filter(record_sets::Column::ZoneId.is_in(zones.iter().map(|(id, _)| id.as_str())))
            .filter(record_sets::Column::Name.is_in(zones.iter().map(|(_, n)| n.as_str())))
            .filter(record_sets::Column::RecordType.eq("NS"))
            .filter(record_sets::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        let mut apex: HashMap<String, Vec<String>> = HashMap::new();
        let zone_names: HashMap<&str, &str> =
            zones.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
        for (zone_id, name, content) in ns {
            if zone_names.get(zone_id.as_str()) != Some(&name.as_str()) {
                continue;
            }
            let Some(rs) = content.and_then(|c| serde_json::from_str::<RecordSet>(&c).ok()) else {
                continue;
            };
            let servers = rs.values.iter().filter_map(|v| zonetrail_model::lookup_key(v));
            apex.entry(zone_id).or_default().extend(servers);
        }
        for (id, name) in zones {
            let servers = apex.remove(&id);
            out.entry(name).or_default().push((id, servers));
        }
    }
    Ok(out)
}

/// Live (zone id, name) pairs among those asked.
async fn load_names<C: ConnectionTrait>(
    db: &C,
    pairs: &BTreeSet<(String, String)>,
) -> Result<HashSet<(String, String)>, DbErr> {
    let mut by_zone: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (z, n) in pairs {
        by_zone.entry(z.as_str()).or_default().push(n.as_str());
    }
    let mut out = HashSet::new();
    for (zone, names) in by_zone {
        for chunk in names.chunks(IN) {
            let rows: Vec<String> = record_sets::Entity::find()
                .select_only()
                .column(record_sets::Column::Name)
                .filter(record_sets::Column::ZoneId.eq(zone))
                .filter(record_sets::Column::Name.is_in(chunk.iter().copied()))
                .filter(record_sets::Column::DeletedAt.is_null())
                .into_tuple()
                .all(db)
                .await?;
            out.extend(rows.into_iter().map(|n| (zone.to_owned(), n)));
        }
    }
    Ok(out)
}

fn private_range(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(a) => match a.octets() {
            [10, ..] => "10.0.0.0/8",
            [172, ..] => "172.16.0.0/12",
            [192, 168, ..] => "192.168.0.0/16",
            [127, ..] => "127.0.0.0/8",
            _ => "169.254.0.0/16",
        },
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return private_range(IpAddr::V4(v4));
            }
            if a.is_loopback() {
                "::1/128"
            } else if (a.segments()[0] & 0xfe00) == 0xfc00 {
                "fc00::/7"
            } else {
                "fe80::/10"
            }
        }
    }
}

/// Which records a chunk is, for what is read about them.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// These ids (IN lists); those not read back are gone.
    Ids(&'a [i64]),
    /// The live records with ids in `lo..=hi` (range scans); the findings of records there
    /// that are no longer live are left to [`evaluate_all`]'s pass over them.
    Range(i64, i64),
}

/// Conditions on a record-id column `col` that together cover a chunk: its range, or `ids`
/// in IN lists.
fn of_records(
    col: impl ColumnTrait,
    scope: Scope<'_>,
    ids: &[i64],
) -> Vec<sea_orm::sea_query::SimpleExpr> {
    match scope {
        Scope::Range(lo, hi) => vec![col.between(lo, hi)],
        Scope::Ids(_) => ids.chunks(IN * 2).map(|c| col.is_in(c.iter().copied())).collect(),
    }
}

async fn evaluate_chunk<C>(
    f: &Findings,
    db: &C,
    ctx: &Context,
    rows: Vec<RecordRow>,
    scope: Scope<'_>,
) -> Result<Report, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut report = Report::default();
    // In memory: what each live record points at.
    let mut live: Vec<Live> = Vec::new();
    let mut dead: Vec<i64> = Vec::new();
    if let Scope::Ids(ids) = scope {
        let seen: HashSet<i64> = rows.iter().map(|r| r.id).collect();
        dead.extend(ids.iter().filter(|id| !seen.contains(id)));
    }
    for row in rows {
        let zone = ctx.zones.get(&row.zone_id).cloned().flatten();
        let Some(zone) = zone else {
            // A record of a zone not (yet) stored: nothing to decide.
            continue;
        };
        let content = row.content.as_deref().filter(|_| row.deleted_at.is_none() && zone.live);
        let Some(content) = content else {
            dead.push(row.id);
            continue;
        };
        let rs = match serde_json::from_str::<RecordSet>(content) {
            Ok(rs) => rs,
            Err(e) => {
                tracing::warn!(record_id = row.id, reason = %e, "record content does not decode; its findings are left as they are");
                continue;
            }
        };
        let found = targets::extract(&rs, &row.zone_id, &zone.name);
        live.push(Live { row, zone, found });
    }

    // Batched lookups.
    let mut keys = BTreeSet::new();
    let mut ns_names = BTreeSet::new();
    let mut alias_names = BTreeSet::new();
    for l in &live {
        for t in &l.found {
            match &t.target {
                Target::Ip(ip) => {
                    if ctx.ranges.lookup(*ip).is_some() {
                        keys.insert(ip.to_string());
                    }
                }
                Target::S3Website { bucket, .. } => {
                    keys.insert(bucket.clone());
                }
                Target::Cloudfront(d) => {
                    keys.insert(d.clone());
                }
                Target::ElasticBeanstalk { prefix, region } => {
                    keys.insert(format!("{prefix}.{region}.elasticbeanstalk.com"));
                }
                Target::HealthCheck(id) => {
                    keys.insert(id.clone());
                }
                Target::NsDelegation { name, .. } => {
                    ns_names.insert(name.clone());
                }
                Target::AliasInZone { zone_id, name } => {
                    alias_names.insert((zone_id.clone(), name.clone()));
                }
            }
        }
    }
    let held = load_resources(db, &keys).await?;
    let delegations = load_delegation_zones(db, &ns_names).await?;
    let names = load_names(db, &alias_names).await?;

    // One range, or the ids in IN lists.
    let all_ids: Vec<i64> = match scope {
        Scope::Range(..) => Vec::new(),
        Scope::Ids(_) => live.iter().map(|l| l.row.id).chain(dead.iter().copied()).collect(),
    };
    let mut existing: HashMap<i64, Vec<findings::Model>> = HashMap::new();
    let mut existing_targets: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for cond in of_records(findings::Column::RecordId, scope, &all_ids) {
        for m in findings::Entity::find()
            .filter(cond)
            .filter(findings::Column::OpenKey.is_not_null())
            .all(db)
            .await?
        {
            existing.entry(m.record_id).or_default().push(m);
        }
    }
    for cond in of_records(finding_targets::Column::RecordId, scope, &all_ids) {
        let rows: Vec<(i64, String)> = finding_targets::Entity::find()
            .select_only()
            .columns([finding_targets::Column::RecordId, finding_targets::Column::Target])
            .filter(cond)
            .into_tuple()
            .all(db)
            .await?;
        for (id, t) in rows {
            existing_targets.entry(id).or_default().insert(t);
        }
    }

    // Decide.
    let mut plan = Plan::default();
    for l in &live {
        report.evaluated += 1;
        let checks = checks(f, ctx, l, &held, &delegations, &names, existing.get(&l.row.id)).await;
        let wanted: BTreeSet<String> = l.found.iter().map(|t| t.target.key()).collect();
        match existing_targets.get(&l.row.id) {
            // Only gained (a record evaluated for the first time): its new rows are added.
            None => plan.target.extend(wanted.into_iter().map(|t| (l.row.id, t))),
            Some(had) if had.is_subset(&wanted) => plan
                .target
                .extend(wanted.into_iter().filter(|t| !had.contains(t)).map(|t| (l.row.id, t))),
            // Lost one: the record's rows are written again.
            Some(_) => {
                plan.untarget.push(l.row.id);
                plan.target.extend(wanted.into_iter().map(|t| (l.row.id, t)));
            }
        }
        let mut old: HashMap<(String, String), &findings::Model> = existing
            .get(&l.row.id)
            .map(|v| v.iter().map(|m| ((m.kind.clone(), m.subject.clone()), m)).collect())
            .unwrap_or_default();
        for c in checks {
            let prior = old.remove(&(c.kind.as_str().to_owned(), c.subject.clone()));
            match c.outcome {
                Outcome::Undecided => report.undecided += 1,
                Outcome::Raise { evidence } => match prior {
                    Some(m) => {
                        plan.seen.push(m.id);
                        let suppressed =
                            ctx.suppressions.contains(&suppression_key(c.kind, &l.row));
                        let status =
                            if suppressed { Status::Suppressed } else { Status::Open }.as_str();
                        let ev = evidence.to_string();
                        if m.evidence != ev || m.status != status {
                            plan.update.push((m.id, ev, status));
                        }
                    }
                    None => plan.raise.push((l.row.id, c.kind, c.subject, evidence)),
                },
                Outcome::Clear { reason, held_by } => {
                    if let Some(m) = prior {
                        plan.resolve.push((m.clone(), reason, held_by));
                    }
                }
            }
        }
        // Live findings the record no longer gives rise to.
        for (_, m) in old {
            let reason = if m.kind == Kind::PrivateIpInPublicZone.as_str() && l.zone.private {
                "zone now private"
            } else {
                "record changed"
            };
            plan.resolve.push((m.clone(), reason.to_owned(), None));
        }
    }
    for id in &dead {
        if existing_targets.contains_key(id) {
            plan.untarget.push(*id);
        }
        for m in existing.get(id).into_iter().flatten() {
            plan.resolve.push((m.clone(), "record deleted".to_owned(), None));
        }
    }
    let by_id: HashMap<i64, &Live> = live.iter().map(|l| (l.row.id, l)).collect();
    write(f, db, ctx, plan, &by_id, &mut report).await?;
    Ok(report)
}

fn suppression_key(kind: Kind, row: &RecordRow) -> (String, String, String, String, String) {
    (
        kind.as_str().to_owned(),
        row.zone_id.clone(),
        row.name.clone(),
        row.record_type.clone(),
        row.set_identifier.clone(),
    )
}

#[derive(Default)]
struct Plan {
    raise: Vec<(i64, Kind, String, Value)>,
    /// Open findings raised again: `last_seen_at` bumped.
    seen: Vec<i64>,
    update: Vec<(i64, String, &'static str)>,
    resolve: Vec<(findings::Model, String, Option<String>)>,
    /// Records whose `finding_targets` rows are all deleted (before `target` adds some back).
    untarget: Vec<i64>,
    /// `finding_targets` rows added.
    target: Vec<(i64, String)>,
}

async fn write<C>(
    f: &Findings,
    db: &C,
    ctx: &Context,
    plan: Plan,
    live: &HashMap<i64, &Live>,
    report: &mut Report,
) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    if plan.raise.is_empty()
        && plan.seen.is_empty()
        && plan.resolve.is_empty()
        && plan.untarget.is_empty()
        && plan.target.is_empty()
        && plan.update.is_empty()
    {
        return Ok(());
    }
    let now = ctx.now;
    let txn = db.begin().await?;
    for chunk in plan.seen.chunks(IN) {
        findings::Entity::update_many()
            .col_expr(findings::Column::LastSeenAt, Expr::value(now))
            .filter(findings::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    for (id, evidence, status) in plan.update {
        findings::Entity::update_many()
            .col_expr(findings::Column::Evidence, Expr::value(evidence))
            .col_expr(findings::Column::Status, Expr::value(status))
            .filter(findings::Column::Id.eq(id))
            .filter(findings::Column::OpenKey.is_not_null())
            .exec(&txn)
            .await?;
    }
    // Outbox rows, written together at the end.
    let mut events: Vec<(i64, &'static str)> = Vec::new();
    // Resolved: one UPDATE per reason for those whose evidence stays as it is; one per finding
    // where the evidence gains the account that now holds the resource.
    let mut plain: BTreeMap<String, Vec<findings::Model>> = BTreeMap::new();
    for (m, reason, held_by) in plan.resolve {
        let held = held_by.and_then(|account| match serde_json::from_str::<Value>(&m.evidence) {
            Ok(Value::Object(mut map)) => {
                map.insert("held_by".into(), Value::String(account));
                Some(Value::Object(map).to_string())
            }
            _ => None,
        });
        let Some(evidence) = held else {
            plain.entry(reason).or_default().push(m);
            continue;
        };
        let r = resolve_query(now, &reason)
            .col_expr(findings::Column::Evidence, Expr::value(evidence))
            .filter(findings::Column::Id.eq(m.id))
            .exec(&txn)
            .await?;
        if r.rows_affected > 0 {
            report.resolved += 1;
            if m.status == Status::Open.as_str() {
                events.push((m.id, "resolved"));
            }
        }
    }
    for (reason, models) in plain {
        for chunk in models.chunks(IN) {
            // Only rows still live are resolved; were one resolved by a concurrent evaluation
            // in between, its `resolved` event may be enqueued twice, which the events'
            // contract allows (consumers dedupe by finding id and detail-type).
            let r = resolve_query(now, &reason)
                .filter(findings::Column::Id.is_in(chunk.iter().map(|m| m.id)))
                .exec(&txn)
                .await?;
            report.resolved += r.rows_affected;
            if r.rows_affected > 0 {
                events.extend(
                    chunk
                        .iter()
                        .filter(|m| m.status == Status::Open.as_str())
                        .map(|m| (m.id, "resolved")),
                );
            }
        }
    }
    // Raised: inserted together; one live finding per (record, kind, subject) is kept by the
    // unique `open_key`, so one a concurrent evaluation raised first is left alone. Ours are
    // told apart by their `first_seen_at` (this evaluation's `now`).
    let rows: Vec<findings::ActiveModel> = plan
        .raise
        .into_iter()
        .filter_map(|(record_id, kind, subject, evidence)| {
            let l = live.get(&record_id)?;
            let suppressed = ctx.suppressions.contains(&suppression_key(kind, &l.row));
            let status = if suppressed { Status::Suppressed } else { Status::Open };
            Some(findings::ActiveModel {
                kind: Set(kind.as_str().to_owned()),
                severity: Set(kind.severity().as_str().to_owned()),
                status: Set(status.as_str().to_owned()),
                record_id: Set(record_id),
                zone_id: Set(l.row.zone_id.clone()),
                name: Set(l.row.name.clone()),
                record_type: Set(l.row.record_type.clone()),
                set_identifier: Set(l.row.set_identifier.clone()),
                account_id: Set(l.zone.account_id.clone()),
                subject: Set(subject.clone()),
                evidence: Set(evidence.to_string()),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
                resolved_at: Set(None),
                resolved_reason: Set(None),
                open_key: Set(Some(open_key(record_id, kind, &subject))),
                ..Default::default()
            })
        })
        .collect();
    for chunk in rows.chunks(IN / 2) {
        let keys: Vec<String> = chunk.iter().filter_map(|r| r.open_key.clone().unwrap()).collect();
        findings::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(findings::Column::OpenKey)
                    .do_nothing_on([findings::Column::OpenKey])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        let inserted: Vec<(i64, String, DateTime<Utc>)> = findings::Entity::find()
            .select_only()
            .columns([
                findings::Column::Id,
                findings::Column::Status,
                findings::Column::FirstSeenAt,
            ])
            .filter(findings::Column::OpenKey.is_in(keys))
            .into_tuple()
            .all(&txn)
            .await?;
        for (id, status, first_seen_at) in inserted {
            if first_seen_at != now {
                continue;
            }
            report.opened += 1;
            if status == Status::Open.as_str() {
                events.push((id, "opened"));
            }
        }
    }
    if f.outbox() {
        for chunk in events.chunks(IN) {
            outbox(&txn, chunk, now).await?;
        }
    }
    for chunk in plan.untarget.chunks(IN) {
        finding_targets::Entity::delete_many()
            .filter(finding_targets::Column::RecordId.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let rows: Vec<finding_targets::ActiveModel> = plan
        .target
        .into_iter()
        .map(|(id, t)| finding_targets::ActiveModel { record_id: Set(id), target: Set(t) })
        .collect();
    for chunk in rows.chunks(IN * 2) {
        finding_targets::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    finding_targets::Column::RecordId,
                    finding_targets::Column::Target,
                ])
                .do_nothing_on([finding_targets::Column::RecordId])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

async fn outbox<C: ConnectionTrait>(
    txn: &C,
    events: &[(i64, &'static str)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    finding_outbox::Entity::insert_many(events.iter().map(|(finding_id, event)| {
        finding_outbox::ActiveModel {
            finding_id: Set(*finding_id),
            event: Set((*event).to_owned()),
            enqueued_at: Set(now),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            ..Default::default()
        }
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// An UPDATE resolving live findings for `reason` at `now` (the caller adds the ids).
fn resolve_query(now: DateTime<Utc>, reason: &str) -> sea_orm::UpdateMany<findings::Entity> {
    findings::Entity::update_many()
        .col_expr(findings::Column::Status, Expr::value(Status::Resolved.as_str()))
        .col_expr(findings::Column::ResolvedAt, Expr::value(Some(now)))
        .col_expr(findings::Column::ResolvedReason, Expr::value(Some(reason.to_owned())))
        .col_expr(findings::Column::OpenKey, Expr::value(Option::<String>::None))
        .filter(findings::Column::OpenKey.is_not_null())
}

/// The checks of one live record.
async fn checks(
    f: &Findings,
    ctx: &Context,
    l: &Live,
    held: &HashMap<(String, String), Vec<String>>,
    delegations: &DelegationZones,
    names: &HashSet<(String, String)>,
    existing: Option<&Vec<findings::Model>>,
) -> Vec<Check> {
    let mut out = Vec::new();
    let holder = |kinds: &[&str], key: &str| -> Option<String> {
        kinds.iter().find_map(|k| {
            held.get(&((*k).to_owned(), key.to_owned())).and_then(|a| a.iter().min().cloned())
        })
    };
    let accounts_checked = json!(ctx.accounts);
    for t in &l.found {
        match &t.target {
            Target::Ip(ip) => {
                if !l.zone.private && targets::is_private(*ip) {
                    out.push(Check {
                        kind: Kind::PrivateIpInPublicZone,
                        subject: ip.to_string(),
                        outcome: Outcome::Raise {
                            evidence: json!({"ip": ip.to_string(), "range": private_range(*ip)}),
                        },
                    });
                }
                let subject = ip.to_string();
                let Some(range) = ctx.ranges.lookup(*ip) else {
                    out.push(Check {
                        kind: Kind::DanglingIp,
                        subject,
                        outcome: Outcome::Clear {
                            reason: "not an AWS address".into(),
                            held_by: None,
                        },
                    });
                    continue;
                };
                let outcome = if let Some(a) = holder(&["eip", "eni"], &subject) {
                    Outcome::Clear { reason: "resource exists".into(), held_by: Some(a) }
                } else {
                    let regions: Vec<&str> = if range.region == "GLOBAL" {
                        ctx.ip_regions.iter().map(String::as_str).collect()
                    } else {
                        vec![range.region.as_str()]
                    };
                    if ctx.complete(&[ResourceKind::Eip, ResourceKind::Eni], &regions) {
                        Outcome::Raise {
                            evidence: json!({
                                "ip": subject,
                                "range": range.cidr,
                                "range_region": range.region,
                                "accounts_checked": accounts_checked,
                                "regions_checked": regions,
                            }),
                        }
                    } else {
                        Outcome::Undecided
                    }
                };
                out.push(Check { kind: Kind::DanglingIp, subject, outcome });
            }
            Target::S3Website { bucket, region } => {
                let outcome = if !targets::is_known_region(region) {
                    tracing::warn!(record_id = l.row.id, value = %t.value, region = %region,
                        "S3 website endpoint in a region AWS does not have: left undecided");
                    Outcome::Undecided
                } else if let Some(a) = holder(&["s3_bucket"], bucket) {
                    Outcome::Clear { reason: "resource exists".into(), held_by: Some(a) }
                } else if ctx.complete(&[ResourceKind::S3Bucket], &[""]) {
                    let endpoint = zonetrail_model::lookup_key(&t.value).unwrap_or_default();
                    Outcome::Raise {
                        evidence: json!({
                            "bucket": bucket,
                            "region": region,
                            "endpoint": endpoint,
                            "form": if t.form == Form::Alias { "alias" } else { "cname" },
                            "accounts_checked": accounts_checked,
                        }),
                    }
                } else {
                    Outcome::Undecided
                };
                out.push(Check { kind: Kind::DanglingS3Website, subject: bucket.clone(), outcome });
            }
            Target::Cloudfront(domain) => {
                let outcome = if let Some(a) = holder(&["cloudfront"], domain) {
                    Outcome::Clear { reason: "resource exists".into(), held_by: Some(a) }
                } else if ctx.complete(&[ResourceKind::Cloudfront], &[""]) {
                    Outcome::Raise {
                        evidence: json!({
                            "domain": domain,
                            "distributions_checked": ctx.count_all("cloudfront"),
                            "accounts_checked": accounts_checked,
                        }),
                    }
                } else {
                    Outcome::Undecided
                };
                out.push(Check {
                    kind: Kind::DanglingCloudfront,
                    subject: domain.clone(),
                    outcome,
                });
            }
            Target::ElasticBeanstalk { prefix, region } => {
                let subject = format!("{prefix}.{region}");
                let cname = format!("{prefix}.{region}.elasticbeanstalk.com");
                let outcome = if !targets::is_known_region(region) {
                    tracing::warn!(record_id = l.row.id, value = %t.value, region = %region,
                        "Elastic Beanstalk name in a region AWS does not have: left undecided");
                    Outcome::Undecided
                } else if let Some(a) = holder(&["elastic_beanstalk"], &cname) {
                    Outcome::Clear { reason: "resource exists".into(), held_by: Some(a) }
                } else if ctx.complete(&[ResourceKind::ElasticBeanstalk], &[region.as_str()]) {
                    // CheckDNSAvailability once per episode: a finding already open keeps
                    // the answer it was raised with.
                    let prior = existing.into_iter().flatten().find(|m| {
                        m.kind == Kind::DanglingElasticBeanstalk.as_str() && m.subject == subject
                    });
                    let dns = match prior {
                        Some(m) => serde_json::from_str::<Value>(&m.evidence)
                            .ok()
                            .and_then(|v| v.get("check_dns_availability").cloned())
                            .unwrap_or(Value::Null),
                        None => match f.dns_availability() {
                            Some(c) => match c.check(prefix, region).await {
                                Ok(available) => json!({"available": available}),
                                Err(e) => json!({"error": e}),
                            },
                            None => Value::Null,
                        },
                    };
                    Outcome::Raise {
                        evidence: json!({
                            "cname": cname,
                            "prefix": prefix,
                            "region": region,
                            "environments_checked": ctx.count("elastic_beanstalk", region),
                            "accounts_checked": accounts_checked,
                            "check_dns_availability": dns,
                        }),
                    }
                } else {
                    Outcome::Undecided
                };
                out.push(Check { kind: Kind::DanglingElasticBeanstalk, subject, outcome });
            }
            Target::HealthCheck(id) => {
                let outcome = if let Some(a) = holder(&["health_check"], id) {
                    Outcome::Clear { reason: "health check exists".into(), held_by: Some(a) }
                } else if ctx.complete(&[ResourceKind::HealthCheck], &[""]) {
                    Outcome::Raise {
                        evidence: json!({"health_check_id": id, "accounts_checked": accounts_checked}),
                    }
                } else {
                    Outcome::Undecided
                };
                out.push(Check { kind: Kind::HealthCheckMissing, subject: id.clone(), outcome });
            }
            Target::NsDelegation { name, name_servers } => {
                let zones = delegations.get(name).map(Vec::as_slice).unwrap_or(&[]);
                let wanted: HashSet<&str> = name_servers.iter().map(String::as_str).collect();
                let matches = zones
                    .iter()
                    .any(|(_, ns)| ns.iter().flatten().any(|s| wanted.contains(s.as_str())));
                let unknown = zones.iter().any(|(_, ns)| ns.is_none());
                let outcome = if matches {
                    Outcome::Clear { reason: "zone matches".into(), held_by: None }
                } else if unknown {
                    Outcome::Undecided
                } else {
                    Outcome::Raise {
                        evidence: json!({
                            "name": name,
                            "name_servers": name_servers,
                            "zones_with_name": zones.iter().map(|(id, ns)| json!({
                                "zone_id": id,
                                "name_servers": ns.clone().unwrap_or_default(),
                            })).collect::<Vec<_>>(),
                        }),
                    }
                };
                out.push(Check {
                    kind: Kind::DanglingNsDelegation,
                    subject: name.clone(),
                    outcome,
                });
            }
            Target::AliasInZone { zone_id, name } => {
                let outcome = if names.contains(&(zone_id.clone(), name.clone())) {
                    Outcome::Clear { reason: "target exists".into(), held_by: None }
                } else {
                    Outcome::Raise { evidence: json!({"target": name, "zone_id": zone_id}) }
                };
                out.push(Check { kind: Kind::AliasTargetMissing, subject: name.clone(), outcome });
            }
        }
    }
    // One check per (kind, subject): a record naming the same IP twice counts once.
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert((c.kind, c.subject.clone())));
    out
}
