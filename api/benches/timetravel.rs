//! Time travel at scale (issue 18, "Performance"): with 1,000,000 record sets and 5,000,000
//! history entries in MariaDB, after every migration (migration 10 adds the time-travel
//! indexes), in one run:
//!
//! - an `as_of` page of 100 (zone + type filter) through [`api::timetravel::records_as_of`]:
//!   p99 over `ZONETRAIL_BENCH_QUERIES` queries at random times of the last 90 days and
//!   random zones and types, one client; target p99 < 50 ms. When the router answers
//!   `GET /api/records?as_of=` (a malformed `as_of` is a 400), the same queries through the
//!   router too;
//! - a diff over 90 days ([`api::timetravel::diff`], every page of 1,000) of a zone of
//!   10,000 record sets whose changes are spread over those days; target < 1 s;
//! - that zone's zone file ([`api::timetravel::snapshot::zone_snapshot`] and
//!   [`zonetrail_model::zonefile::zone_file`]) as of past times and now; target < 1 s;
//! - the writer's throughput (event messages through `zonetrail_writer::apply_body`, 4 at
//!   once as the Lambda applies a batch) on this database with migration 10's indexes, without
//!   them (dropped), and with them again (recreated), each on fresh keys; target: the indexes
//!   cost at most 10 %.
//!
//! ```text
//! cargo bench -p zonetrail-api --features fixture --bench timetravel
//! ```
//!
//! The data comes from `api::fixture::synthetic` with [`History::Full`]: every record has a
//! history of creates, updates, deletes and re-creates over the last 95 days that ends in its
//! current state, written with the indexes in place (as production has them).
//!
//! Settings (environment): `ZONETRAIL_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`);
//! `ZONETRAIL_BENCH_DB` (default `zt_bench_timetravel`, dropped at the end unless
//! `ZONETRAIL_BENCH_KEEP=1`, which also reuses a database that already holds the sizes);
//! `ZONETRAIL_BENCH_RECORDS` (1000000), `ZONETRAIL_BENCH_CHANGES` (5000000),
//! `ZONETRAIL_BENCH_ZONE_RECORDS` (10000), `ZONETRAIL_BENCH_QUERIES` (300),
//! `ZONETRAIL_BENCH_WRITER_SETS` (record sets a writer run creates and then updates; 10000),
//! `ZONETRAIL_BENCH_BUFFER_POOL` (InnoDB buffer pool bytes to ensure, default 4 GiB; `keep`
//! leaves the server as it is).
//!
//! Each figure is a line `TIMETRAVEL<TAB>figure<TAB>measured<TAB>unit<TAB>target<TAB>result`
//! (scripts/benchmarks/report.py reads them), after a readable one.

use std::time::{Duration, Instant};

use api::fixture::synthetic::{self, History, Spec};
use api::timetravel::{self, AsOfFilter, RecordKey};
use chrono::Utc;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use zonetrail_model::db::DbSettings;
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing, Timestamp, ZoneId,
};

/// Migration 10's indexes (migration/src/m20261203_000010_time_travel_indexes.rs).
const TIME_TRAVEL_INDEXES: &[(&str, &str)] = &[
    ("idx_record_changes_record_action", "record_id, observed_at, action"),
    ("idx_record_changes_zone_record", "zone_id, observed_at, record_id"),
];

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// SplitMix64, for the random times, zones and types (the same every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// One figure: a readable line and a `TIMETRAVEL` line. `target`: (bound, lower is better).
fn figure(name: &str, measured: f64, unit: &str, target: Option<(f64, bool)>, note: &str) -> bool {
    let (target_text, verdict, pass) = match target {
        None => ("-".to_owned(), "-", true),
        Some((bound, lower)) => {
            let pass = if lower { measured < bound } else { measured >= bound };
            let op = if lower { "<" } else { ">=" };
            (format!("{op} {bound}"), if pass { "PASS" } else { "FAIL" }, pass)
        }
    };
    println!("{name}: {measured:.2} {unit} (target {target_text}) {verdict}{note}");
    println!("TIMETRAVEL\t{name}\t{measured:.3}\t{unit}\t{target_text}\t{verdict}");
    pass
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> Option<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .ok()??;
    row.try_get_by_index::<i64>(0).ok()
}

fn main() {
    let server = std::env::var("ZONETRAIL_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ok = rt.block_on(run(server.trim_end_matches('/').to_owned()));
    if !ok {
        std::process::exit(1);
    }
}

async fn run(server: String) -> bool {
    let records = setting("ZONETRAIL_BENCH_RECORDS", 1_000_000);
    let changes = setting("ZONETRAIL_BENCH_CHANGES", 5_000_000);
    let zone_records = setting("ZONETRAIL_BENCH_ZONE_RECORDS", 10_000);
    let queries = setting("ZONETRAIL_BENCH_QUERIES", 300).max(1);
    let writer_sets = setting("ZONETRAIL_BENCH_WRITER_SETS", 10_000).max(10);
    let name = std::env::var("ZONETRAIL_BENCH_DB").unwrap_or_else(|_| "zt_bench_timetravel".into());
    let keep = std::env::var("ZONETRAIL_BENCH_KEEP").as_deref() == Ok("1");
    let per_record = (changes / records.max(1)).clamp(1, u32::MAX as u64) as u32;
    let days = 95;
    let spec = Spec { records, seed: 18 };
    let history = History::Full { per_record, days, zone_records };

    println!(
        "time travel bench: {records} record sets, {per_record} history entries a record on \
         average over {days} days, a zone of {zone_records}; database {name} on {server}"
    );
    println!("load average at start: {} on {} cores", loadavg(), num_cpus());

    let admin = DbSettings { url: server.clone().into(), max_connections: 1 }
        .connect()
        .await
        .expect("connecting to ZONETRAIL_TEST_MYSQL_URL");
    ensure_buffer_pool(&admin).await;
    let url = format!("{server}/{name}");
    let have_records =
        scalar(&admin, &format!("SELECT COUNT(*) FROM `{name}`.record_sets")).await.unwrap_or(-1);
    let have_changes = scalar(&admin, &format!("SELECT COUNT(*) FROM `{name}`.record_changes"))
        .await
        .unwrap_or(-1);
    let reuse = keep && have_records >= records as i64 && have_changes >= changes as i64 / 2;
    if !reuse {
        exec(&admin, &format!("DROP DATABASE IF EXISTS `{name}`")).await;
        exec(
            &admin,
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
        )
        .await;
    }
    let db = DbSettings { url: url.clone().into(), max_connections: 8 }
        .connect()
        .await
        .expect("connecting to the bench database");
    migration::Migrator::up(&db, None).await.expect("migrations");
    let now;
    if reuse {
        println!(
            "reusing {name}: {have_records} record sets, {have_changes} history entries (ZONETRAIL_BENCH_KEEP=1)"
        );
        now = max_time(&db).await;
    } else {
        let started = Instant::now();
        let mut last = Instant::now();
        let summary = synthetic::seed_with(&db, spec, history, |done| {
            if last.elapsed().as_secs() >= 30 || done == records {
                last = Instant::now();
                println!(
                    "  seed: {done}/{records} record sets in {:.0} s ({:.0}/s), load {}",
                    started.elapsed().as_secs_f64(),
                    done as f64 / started.elapsed().as_secs_f64(),
                    loadavg()
                );
            }
        })
        .await
        .expect("seeding");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "seeded {} zones, {} record sets ({} tombstones), {} history entries in {secs:.0} s \
             ({:.0} history entries/s)",
            summary.zones,
            summary.records,
            summary.tombstones,
            summary.changes,
            summary.changes as f64 / secs
        );
        exec(&db, "ANALYZE TABLE record_sets, record_changes, record_values").await;
        now = max_time(&db).await;
    }
    // Warm the indexes the queries read, as a running service has them.
    for warm in [
        "SELECT COUNT(*) FROM record_sets FORCE INDEX (idx_record_sets_zone_type_name) WHERE zone_id > ''",
        "SELECT COUNT(*) FROM record_changes FORCE INDEX (idx_record_changes_record_action) WHERE record_id > 0",
        "SELECT COUNT(*) FROM record_changes FORCE INDEX (idx_record_changes_zone_record) WHERE zone_id > ''",
    ] {
        exec(&db, warm).await;
    }
    let mut ok = true;

    // 1. as_of pages.
    let mut rng = Rng(0x18_A5_0F);
    let zones = spec.zone_count();
    let types = [RecordType::A, RecordType::Cname, RecordType::Txt, RecordType::Aaaa];
    let window_us = chrono::Duration::days(90).num_microseconds().unwrap() as u64;
    let sample: Vec<(ZoneId, RecordType, Timestamp)> = (0..queries)
        .map(|n| {
            let h = rng.next();
            let k = if n % 2 == 0 { h % 10.min(zones) } else { h % zones };
            let t = now - chrono::Duration::microseconds((rng.next() % window_us) as i64);
            (
                spec.zone_id(k),
                types[((h >> 32) % 4) as usize].clone(),
                zonetrail_model::to_micros(t),
            )
        })
        .collect();
    let filter = |zone: &ZoneId, t: &RecordType| AsOfFilter {
        zone: Some(zone.clone()),
        record_type: Some(t.clone()),
        ..AsOfFilter::default()
    };
    for (zone, rtype, t) in sample.iter().take(20) {
        timetravel::records_as_of(&db, *t, &filter(zone, rtype), None, 100).await.unwrap();
    }
    let mut times = Vec::with_capacity(sample.len());
    let mut items = 0usize;
    let mut full = 0usize;
    for (zone, rtype, t) in &sample {
        let started = Instant::now();
        let page =
            timetravel::records_as_of(&db, *t, &filter(zone, rtype), None, 100).await.unwrap();
        times.push(started.elapsed());
        items += page.len();
        full += usize::from(page.len() == 100);
    }
    times.sort();
    ok &= figure(
        "as_of page of 100 (zone + type), records_as_of, 1 client: p99",
        ms(percentile(&times, 0.99)),
        "ms",
        Some((50.0, true)),
        &format!(
            " ({} queries, p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms; {full} full pages, {:.0} items a page)",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.9)),
            ms(*times.last().unwrap()),
            items as f64 / times.len() as f64
        ),
    );
    ok &= router_as_of(&db, &sample).await;

    // 2. The diff of the sized zone over 90 days.
    let sized = spec.zone_id(spec.sized_zone());
    let zone_filter = AsOfFilter { zone: Some(sized.clone()), ..AsOfFilter::default() };
    let from = zonetrail_model::to_micros(now - chrono::Duration::days(90));
    let mut diff_times = Vec::new();
    let mut summary = String::new();
    for _ in 0..4 {
        let started = Instant::now();
        let (mut after, mut count, mut pages) = (None::<RecordKey>, 0usize, 0usize);
        let mut kinds = [0usize; 3];
        loop {
            let page =
                timetravel::diff(&db, from, now, &zone_filter, after.as_ref(), 1000).await.unwrap();
            pages += 1;
            count += page.len();
            for item in &page {
                kinds[item.kind as usize] += 1;
            }
            if page.len() < 1000 {
                break;
            }
            after = page.last().map(|i| i.key());
        }
        diff_times.push(started.elapsed());
        summary = format!(
            "{count} items in {pages} pages: {} added, {} removed, {} changed",
            kinds[0], kinds[1], kinds[2]
        );
    }
    let zone_size = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM record_sets WHERE zone_id = '{sized}' AND deleted_at IS NULL"
        ),
    )
    .await
    .unwrap_or(-1);
    let zone_changes = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM record_changes WHERE zone_id = '{sized}' AND observed_at > '{}'",
            from.format("%Y-%m-%d %H:%M:%S%.6f")
        ),
    )
    .await
    .unwrap_or(-1);
    let runs = diff_times
        .iter()
        .map(|d| format!("{:.3} s", d.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!(
        " ({summary}; runs {runs}; the zone: {zone_size} live record sets, {zone_changes} history entries in the window)"
    );
    // After a fresh seed the first run reads the zone's history rows from disk (the warm-up
    // above reads indexes only; the data is twice a 4 GiB buffer pool); the others find them in
    // the buffer pool, as a service that answers diffs does.
    ok &= figure(
        "diff over 90 days of a 10,000-record zone, every page of 1000: first run",
        diff_times[0].as_secs_f64(),
        "s",
        Some((1.0, true)),
        &detail,
    );
    let mut warm = diff_times[1..].to_vec();
    warm.sort();
    ok &= figure(
        "diff over 90 days of a 10,000-record zone, every page of 1000: cached (worst of the next 3)",
        warm.last().unwrap().as_secs_f64(),
        "s",
        Some((1.0, true)),
        "",
    );

    // 3. The zone file of that zone, as of past times and now.
    let mut past = Vec::new();
    let mut sizes = Vec::new();
    for days_back in [80, 45, 10, 1] {
        let t = zonetrail_model::to_micros(now - chrono::Duration::days(days_back));
        let started = Instant::now();
        let snap =
            timetravel::snapshot::zone_snapshot(&db, &sized, Some(t)).await.expect("snapshot");
        let text = zonetrail_model::zonefile::zone_file(&snap.zone_name, &snap.records, None);
        past.push(started.elapsed());
        sizes.push(format!("{} sets/{} KiB", snap.records.len(), text.len() / 1024));
    }
    ok &= figure(
        "zone file of a 10,000-record zone as of a past time (worst of 4)",
        past.iter().max().unwrap().as_secs_f64(),
        "s",
        Some((1.0, true)),
        &format!(
            " (80, 45, 10 and 1 days back: {}; {})",
            past.iter().map(|d| format!("{:.3} s", d.as_secs_f64())).collect::<Vec<_>>().join(", "),
            sizes.join(", ")
        ),
    );
    let mut current = Vec::new();
    let mut size = String::new();
    for _ in 0..3 {
        let started = Instant::now();
        let snap = timetravel::snapshot::zone_snapshot(&db, &sized, None).await.expect("snapshot");
        let text = zonetrail_model::zonefile::zone_file(&snap.zone_name, &snap.records, None);
        current.push(started.elapsed());
        size = format!("{} sets, {} KiB", snap.records.len(), text.len() / 1024);
    }
    ok &= figure(
        "zone file of a 10,000-record zone now (worst of 3)",
        current.iter().max().unwrap().as_secs_f64(),
        "s",
        Some((1.0, true)),
        &format!(" ({size})"),
    );

    // 4. The writer with and without migration 10's indexes.
    ok &= writer_with_and_without(&db, &spec, writer_sets).await;

    println!("load average at end: {}", loadavg());
    db.close().await.ok();
    if keep {
        println!("kept {name} (ZONETRAIL_BENCH_KEEP=1)");
    } else {
        exec(&admin, &format!("DROP DATABASE IF EXISTS `{name}`")).await;
    }
    ok
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The newest time in the history: "now" for the queries (a reused database was seeded
/// earlier).
async fn max_time(db: &DatabaseConnection) -> Timestamp {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        t: Option<Timestamp>,
    }
    use sea_orm::FromQueryResult;
    let row = Row::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT MAX(observed_at) AS t FROM record_changes".to_owned(),
    ));
    let row: Option<Row> = row.one(db).await.expect("max observed_at");
    row.and_then(|r| r.t).map(|t| t + chrono::Duration::seconds(1)).unwrap_or_else(Utc::now)
}

async fn ensure_buffer_pool(admin: &DatabaseConnection) {
    let want = std::env::var("ZONETRAIL_BENCH_BUFFER_POOL").unwrap_or_else(|_| "4294967296".into());
    if want == "keep" {
        return;
    }
    let want: i64 = want.parse().expect("ZONETRAIL_BENCH_BUFFER_POOL: bytes or keep");
    let have = scalar(admin, "SELECT CAST(@@innodb_buffer_pool_size AS SIGNED)").await.unwrap_or(0);
    if have < want {
        println!(
            "InnoDB buffer pool: {have} -> {want} bytes (SET GLOBAL; ZONETRAIL_BENCH_BUFFER_POOL=keep to skip)"
        );
        exec(admin, &format!("SET GLOBAL innodb_buffer_pool_size = {want}")).await;
    }
}

/// The same as_of pages through the router, when it has `as_of` (a malformed one is a 400).
async fn router_as_of(db: &DatabaseConnection, sample: &[(ZoneId, RecordType, Timestamp)]) -> bool {
    use tower::ServiceExt;
    let app = api::router(api::AppState::new(db.clone(), api::config::ApiConfig::default()));
    let get = |uri: String| {
        let app = app.clone();
        async move {
            let response = app
                .oneshot(axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
            (status, body.to_bytes())
        }
    };
    let (zone, rtype, _) = &sample[0];
    let (status, _) = get(format!("/api/records?zone={zone}&type={rtype}&as_of=not-a-time")).await;
    if status != axum::http::StatusCode::BAD_REQUEST {
        println!(
            "GET /api/records?as_of=: not measured (this router answers a malformed as_of with {status}, so it has no as_of yet)"
        );
        return true;
    }
    let uri = |(zone, rtype, t): &(ZoneId, RecordType, Timestamp)| {
        format!(
            "/api/records?zone={zone}&type={rtype}&limit=100&as_of={}",
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        )
    };
    for q in sample.iter().take(20) {
        get(uri(q)).await;
    }
    let mut times = Vec::with_capacity(sample.len());
    let mut errors = 0;
    let mut first_error = String::new();
    for q in sample {
        let started = Instant::now();
        let (status, body) = get(uri(q)).await;
        times.push(started.elapsed());
        if !status.is_success() {
            errors += 1;
            if first_error.is_empty() {
                first_error = format!(": {status} {}", String::from_utf8_lossy(&body));
            }
        }
    }
    times.sort();
    let pass = figure(
        "GET /api/records?as_of= page of 100 (zone + type) through the router, 1 client: p99",
        ms(percentile(&times, 0.99)),
        "ms",
        Some((50.0, true)),
        &format!(
            " ({} requests, p50 {:.1} ms, max {:.1} ms, {errors} not 2xx{first_error})",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(*times.last().unwrap())
        ),
    );
    pass && errors == 0
}

/// `sets` new record sets in zone 1 (10 a message), then an update of each: event messages
/// named by `run`, applied 4 at a time. Returns record sets a second.
async fn writer_run(db: &DatabaseConnection, spec: &Spec, sets: u64, run: &str) -> f64 {
    use futures::StreamExt;
    let zone = spec.zone_id(1);
    let zone_name = "shop1.example.com.";
    let record = |i: u64, v: u64| RecordSet {
        name: RecordName::parse(&format!("wb-{run}-{i}.{zone_name}")).unwrap(),
        rtype: RecordType::A,
        set_identifier: None,
        ttl: Some(300),
        values: vec![format!("192.0.2.{}", (i + v) % 250), format!("198.51.100.{v}")],
        alias_target: None,
        routing: Routing::default(),
    };
    let t0 = Utc::now();
    // Fresh keys on every run, also when a kept database is benchmarked again.
    let run = format!("{run}-{:x}", t0.timestamp_micros());
    let record = |i: u64, v: u64| RecordSet {
        name: RecordName::parse(&format!("wb-{run}-{i}.{zone_name}")).unwrap(),
        ..record(i, v)
    };
    let mut bodies = Vec::new();
    for v in 0..2u64 {
        for m in 0..sets.div_ceil(10) {
            let upserts: Vec<RecordSet> =
                (m * 10..((m + 1) * 10).min(sets)).map(|i| record(i, v)).collect();
            bodies.push(
                Message::Records(RecordsMessage {
                    before_unknown: false,
                    account_id: None,
                    zone_id: zone.clone(),
                    observed_at: t0 + chrono::Duration::milliseconds((v * sets + m) as i64),
                    origin: Origin::Event {
                        backfill: false,
                        comment: None,
                        event_id: format!("wb-{run}-{v}-{m}"),
                        event_name: "ChangeResourceRecordSets".into(),
                        actor: Some("arn:aws:iam::111122223333:user/bench".into()),
                        actor_role: None,
                    },
                    upserts,
                    deletes: vec![],
                })
                .to_json(),
            );
        }
    }
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(
        bodies.iter().map(|b| zonetrail_writer::apply_body(db, b)).collect::<Vec<_>>(),
    )
    .buffered(zonetrail_writer::lambda::DEFAULT_CONCURRENCY)
    .collect()
    .await;
    let secs = started.elapsed().as_secs_f64();
    for r in results {
        r.unwrap_or_else(|e| panic!("apply failed: {e}"));
    }
    (2 * sets) as f64 / secs
}

async fn writer_with_and_without(db: &DatabaseConnection, spec: &Spec, sets: u64) -> bool {
    println!(
        "writer: {sets} new record sets in a zone of this database, then an update of each, \
         10 a message, {} messages at once; with migration 10's indexes, without them, with them again",
        zonetrail_writer::lambda::DEFAULT_CONCURRENCY
    );
    writer_run(db, spec, sets.min(2_000), "warm").await;
    let mut with = Vec::new();
    let mut without = Vec::new();
    for n in 0..2 {
        with.push(writer_run(db, spec, sets, &format!("with{n}")).await);
        println!("  with the indexes: {:.0} record sets/s", with.last().unwrap());
    }
    for (index, _) in TIME_TRAVEL_INDEXES {
        exec(db, &format!("DROP INDEX {index} ON record_changes")).await;
    }
    // Freeing the dropped indexes' pages writes too.
    settle(db).await;
    for n in 0..3 {
        without.push(writer_run(db, spec, sets, &format!("without{n}")).await);
        println!("  without them: {:.0} record sets/s", without.last().unwrap());
    }
    let started = Instant::now();
    for (index, columns) in TIME_TRAVEL_INDEXES {
        exec(db, &format!("CREATE INDEX {index} ON record_changes ({columns})")).await;
    }
    println!("  indexes recreated in {:.0} s", started.elapsed().as_secs_f64());
    settle(db).await;
    with.push(writer_run(db, spec, sets, "with-again").await);
    println!("  with them again: {:.0} record sets/s", with.last().unwrap());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ");
    let (with_mean, without_mean) = (mean(&with), mean(&without));
    let drop_pct = (1.0 - with_mean / without_mean) * 100.0;
    figure(
        "writer throughput with migration 10's indexes (mean of 3 runs)",
        with_mean,
        "sets/s",
        None,
        &format!(" ({})", list(&with)),
    );
    figure(
        "writer throughput without migration 10's indexes (mean of 3 runs)",
        without_mean,
        "sets/s",
        None,
        &format!(" ({})", list(&without)),
    );
    figure(
        "writer throughput drop from migration 10's indexes",
        drop_pct,
        "%",
        Some((10.0, true)),
        &format!(" (with/without = {:.3})", with_mean / without_mean),
    )
}

/// Wait (at most 2 minutes) until InnoDB has written back most of what building the indexes
/// dirtied, so the next run does not pay for it.
async fn settle(db: &DatabaseConnection) {
    let started = Instant::now();
    let dirty = || {
        scalar(
            db,
            "SELECT CAST(VARIABLE_VALUE AS SIGNED) FROM information_schema.GLOBAL_STATUS \
             WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'",
        )
    };
    while started.elapsed() < Duration::from_secs(120) {
        match dirty().await {
            Some(n) if n > 1_000 => tokio::time::sleep(Duration::from_secs(2)).await,
            _ => break,
        }
    }
    println!(
        "  waited {:.0} s for dirty pages to be written ({} left)",
        started.elapsed().as_secs_f64(),
        dirty().await.unwrap_or(-1)
    );
}
