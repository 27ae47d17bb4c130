//! Writer throughput on MariaDB against the targets of issue 4, and the baseline a cron script
//! would get (one autocommitted `INSERT ... ON DUPLICATE KEY UPDATE` per record).
//!
//! ```text
//! cargo bench -p zonetrail-writer --bench writer
//! ```
//!
//! `ZONETRAIL_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`) names the server; each
//! run creates its own databases. `ZONETRAIL_BENCH_RECORDS` (default 100000) sizes the zone.
//! A benchmark, not a test: it prints figures and compares them with the targets.
//!
//! `ZONETRAIL_BENCH_MODE=decision` runs only the workloads that compare two ways of keeping
//! observations (issue 15; `scripts/bench-writer-decision` builds both and runs this mode on
//! each): the sweep workloads at 300 sets a message, and the **late observation** workload —
//! `ZONETRAIL_BENCH_LATE_EVENTS` (default 10000) records, each observed by
//! `ZONETRAIL_BENCH_LATE_SWEEPS` (default 50) sweeps, then one event per record, one message
//! each, observed before all of those sweeps. Each result is a line
//! `DECISION<TAB>workload<TAB>sets/s`.

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing, SweepDone,
    Timestamp, ZoneId, split_records,
};
use zonetrail_writer::apply_body;

/// Counts heap bytes in use and their peak, to measure one message's footprint.
struct CountingAlloc;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MIB: usize = 1024 * 1024;

fn record(i: usize, variant: usize) -> RecordSet {
    let weighted = i.is_multiple_of(10);
    RecordSet {
        name: RecordName::parse(&format!("host-{i:06}.svc.example.com.")).unwrap(),
        rtype: if i.is_multiple_of(7) { RecordType::Aaaa } else { RecordType::A },
        set_identifier: weighted.then(|| format!("blue-{}", i % 3)),
        ttl: Some(300),
        values: if i.is_multiple_of(7) {
            vec![format!("2001:db8::{:x}:{variant}", i)]
        } else {
            vec![
                format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                format!("192.0.2.{}", variant % 250),
            ]
        },
        alias_target: None,
        routing: Routing { weight: weighted.then_some(10), ..Routing::default() },
    }
}

/// A sweep of `records` record sets in pages of at most `per_page`, bodies ready to apply.
fn sweep(
    zone: &ZoneId,
    sweep_id: &str,
    start: Timestamp,
    records: &[RecordSet],
    per_page: usize,
) -> (Vec<String>, String) {
    let mut bodies = Vec::new();
    for (p, chunk) in records.chunks(per_page).enumerate() {
        let m = RecordsMessage {
            before_unknown: false,
            account_id: None,
            zone_id: zone.clone(),
            observed_at: start + Duration::milliseconds(250 * (p as i64 + 1)),
            origin: Origin::Sweep { sweep_id: sweep_id.into(), page: p as u32 },
            upserts: chunk.to_vec(),
            deletes: vec![],
        };
        bodies.push(Message::Records(m).to_json());
    }
    let done = Message::SweepDone(SweepDone {
        account_id: None,
        zone_id: zone.clone(),
        sweep_id: sweep_id.into(),
        started_at: start,
        observed_at: start + Duration::milliseconds(250 * (bodies.len() as i64 + 1)),
        pages: bodies.len() as u32,
        record_sets: records.len() as u64,
    });
    (bodies, done.to_json())
}

/// Apply the bodies in order, `k` at a time (each on its own connection), as the Lambda
/// handler applies a batch.
async fn apply_all(db: &DatabaseConnection, bodies: &[String], k: usize) -> f64 {
    use futures::StreamExt;
    let started = Instant::now();
    let tries: Vec<_> = bodies.iter().map(|b| apply_body(db, b)).collect();
    let results: Vec<_> = futures::stream::iter(tries).buffered(k.max(1)).collect().await;
    for r in results {
        r.unwrap_or_else(|e| panic!("apply failed: {e}"));
    }
    started.elapsed().as_secs_f64()
}

async fn fresh_db() -> DatabaseConnection {
    use migration::MigratorTrait;
    let db = zonetrail_model::testing::mysql_db().await.conn;
    migration::Migrator::up(&db, None).await.expect("migrations");
    db
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

struct Row {
    workload: String,
    measured: f64,
    unit: &'static str,
    target: Option<f64>,
    higher_is_better: bool,
    note: String,
}

impl Row {
    fn pass(&self) -> &'static str {
        match self.target {
            None => "-",
            Some(t)
                if (self.higher_is_better && self.measured >= t)
                    || (!self.higher_is_better && self.measured <= t) =>
            {
                "PASS"
            }
            Some(_) => "FAIL",
        }
    }
}

async fn server_setting(db: &DatabaseConnection, name: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT CAST(@@{name} AS CHAR) AS v"),
        ))
        .await
        .ok()
        .flatten();
    row.and_then(|r| r.try_get::<String>("", "v").ok()).unwrap_or_else(|| "?".into())
}

fn main() {
    if std::env::var_os("ZONETRAIL_TEST_MYSQL_URL").is_none() {
        // SAFETY: single-threaded here, before the runtime starts.
        unsafe { std::env::set_var("ZONETRAIL_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306") };
    }
    let n: usize = std::env::var("ZONETRAIL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if std::env::var("ZONETRAIL_BENCH_MODE").as_deref() == Ok("decision") {
        let setting = |name: &str, default: usize| {
            std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
        };
        let late_events = setting("ZONETRAIL_BENCH_LATE_EVENTS", 10_000);
        let late_sweeps = setting("ZONETRAIL_BENCH_LATE_SWEEPS", 50);
        rt.block_on(decision(n, late_events, late_sweeps));
    } else {
        rt.block_on(run(n));
    }
}

/// One figure of the decision mode, printed for `scripts/bench-writer-decision` to collect.
fn decision_line(workload: &str, sets: usize, secs: f64) {
    println!("DECISION\t{workload}\t{:.1}", sets as f64 / secs);
    println!("  ({workload}: {sets} sets in {secs:.2} s)");
}

/// The workloads that decide how observations are kept (see the crate docs of this bench).
async fn decision(n: usize, late_events: usize, late_sweeps: usize) {
    let zone = ZoneId::parse("ZBENCH0001").unwrap();
    let now = Utc::now();
    let records: Vec<RecordSet> = (0..n).map(|i| record(i, 0)).collect();
    let changed: Vec<RecordSet> =
        (0..n).map(|i| if i % 10 == 3 { record(i, 1) } else { record(i, 0) }).collect();
    let per_page = 300;
    println!(
        "decision workloads: {n} record sets at {per_page} a message; late: {late_events} records, {late_sweeps} sweeps each"
    );
    for k in [1, zonetrail_writer::lambda::DEFAULT_CONCURRENCY] {
        let db = fresh_db().await;
        let label = if k == 1 { "1 at a time".to_owned() } else { format!("{k} at once") };
        let t0 = now - Duration::hours(6);
        let (s1, d1) = sweep(&zone, "sweep-1", t0, &records, per_page);
        decision_line(&format!("fresh inserts, {label}"), n, apply_all(&db, &s1, k).await);
        apply_all(&db, std::slice::from_ref(&d1), 1).await;
        decision_line(&format!("redelivery, {label}"), n, apply_all(&db, &s1, k).await);
        let (s2, d2) = sweep(&zone, "sweep-2", t0 + Duration::hours(3), &records, per_page);
        decision_line(&format!("next unchanged sweep, {label}"), n, apply_all(&db, &s2, k).await);
        let secs = apply_all(&db, std::slice::from_ref(&d2), 1).await;
        decision_line(&format!("sweep_done of an unchanged sweep, {label}"), n, secs);
        let (s3, d3) = sweep(&zone, "sweep-3", t0 + Duration::hours(5), &changed, per_page);
        decision_line(&format!("sweep with 10% changed, {label}"), n, apply_all(&db, &s3, k).await);
        apply_all(&db, std::slice::from_ref(&d3), 1).await;
        db.close().await.ok();
    }

    // Late observations: every record seen by `late_sweeps` sweeps, three hours apart (a
    // zone's schedule), then an event per record, observed an hour before the first of them
    // with other content. Each must land first in its record's history: create at the event,
    // then an update at the first sweep.
    // Applied as the Lambda handler applies a batch (one event at a time costs about a commit
    // each, the same for any way of keeping observations).
    let late: Vec<RecordSet> = (0..late_events).map(|i| record(i, 0)).collect();
    for k in [zonetrail_writer::lambda::DEFAULT_CONCURRENCY] {
        let db = fresh_db().await;
        let label = if k == 1 { "1 at a time".to_owned() } else { format!("{k} at once") };
        let t0 = now - Duration::hours(3 * late_sweeps as i64 + 1);
        let started = Instant::now();
        for s in 0..late_sweeps {
            let at = t0 + Duration::hours(3 * s as i64);
            let (pages, done) = sweep(&zone, &format!("late-{s}"), at, &late, 2_000);
            apply_all(&db, &pages, zonetrail_writer::lambda::DEFAULT_CONCURRENCY).await;
            apply_all(&db, std::slice::from_ref(&done), 1).await;
        }
        println!(
            "  (late, {label}: {late_sweeps} sweeps of {late_events} set up in {:.1} s)",
            started.elapsed().as_secs_f64()
        );
        let events: Vec<String> = (0..late_events)
            .map(|i| {
                Message::Records(RecordsMessage {
                    before_unknown: false,
                    account_id: None,
                    zone_id: zone.clone(),
                    observed_at: t0 - Duration::hours(1) + Duration::milliseconds(i as i64),
                    origin: Origin::Event {
                        backfill: false,
                        event_id: format!("late-event-{i}"),
                        event_name: "ChangeResourceRecordSets".into(),
                        actor: Some("arn:aws:iam::123456789012:user/bench".into()),
                        actor_role: None,
                        comment: None,
                    },
                    upserts: vec![record(i, 1)],
                    deletes: vec![],
                })
                .to_json()
            })
            .collect();
        let secs = apply_all(&db, &events, k).await;
        decision_line(&format!("late observations, {label}"), late_events, secs);
        // Placed right: two history rows per record (create at the event, update at sweep 0).
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT CAST(COUNT(*) AS SIGNED) AS n, CAST(SUM(action = 'create') AS SIGNED) AS c FROM record_changes",
            ))
            .await
            .unwrap()
            .unwrap();
        let (changes, creates): (i64, i64) =
            (row.try_get("", "n").unwrap(), row.try_get("", "c").unwrap());
        assert_eq!(
            (changes, creates),
            (2 * late_events as i64, late_events as i64),
            "every late event must become its record's create, before an update at the first sweep"
        );
        db.close().await.ok();
    }
}

async fn run(n: usize) {
    let mut rows: Vec<Row> = Vec::new();
    let zone = ZoneId::parse("ZBENCH0001").unwrap();
    let now = Utc::now();

    // Memory first, while the process is small: one 1 MiB message, applied into a zone that
    // already holds its records (the update path allocates the most: before and after).
    {
        let db = fresh_db().await;
        let records: Vec<RecordSet> = (0..20_000).map(|i| record(i, 0)).collect();
        let full = RecordsMessage {
            before_unknown: false,
            account_id: None,
            zone_id: zone.clone(),
            observed_at: now - Duration::hours(1),
            origin: Origin::Sweep { sweep_id: "mem".into(), page: 0 },
            upserts: records,
            deletes: vec![],
        };
        let first = split_records(full, MIB).unwrap().into_iter().next().unwrap();
        let count = first.upserts.len();
        let body = Message::Records(first.clone()).to_json();
        apply_body(&db, &body).await.unwrap();
        let changed = RecordsMessage {
            observed_at: now - Duration::minutes(30),
            origin: Origin::Sweep { sweep_id: "mem2".into(), page: 0 },
            upserts: first.upserts.iter().enumerate().map(|(i, _)| record(i, 1)).collect(),
            ..first
        };
        let body = Message::Records(changed).to_json();
        let hwm_before = vm_hwm_kib();
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        apply_body(&db, &body).await.unwrap();
        let peak = PEAK.load(Ordering::Relaxed) - base;
        let hwm_after = vm_hwm_kib();
        rows.push(Row {
            workload: format!(
                "peak heap applying one {:.2} MiB message ({count} sets changed)",
                body.len() as f64 / MIB as f64
            ),
            measured: peak as f64 / MIB as f64,
            unit: "MiB",
            target: Some(64.0),
            higher_is_better: false,
            note: format!(
                "process VmHWM {} MiB (before: {} MiB)",
                hwm_after.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
                hwm_before.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
            ),
        });
    }

    let records: Vec<RecordSet> = (0..n).map(|i| record(i, 0)).collect();
    let changed: Vec<RecordSet> =
        (0..n).map(|i| if i % 10 == 3 { record(i, 1) } else { record(i, 0) }).collect();
    // Page sizes: Route 53's 300, and as many as fit the queue's 1 MiB limit.
    let per_mib = split_records(
        RecordsMessage {
            before_unknown: false,
            account_id: None,
            zone_id: zone.clone(),
            observed_at: now,
            origin: Origin::Sweep { sweep_id: "x".repeat(36), page: 99_999 },
            upserts: records[..20_000.min(n)].to_vec(),
            deletes: vec![],
        },
        MIB,
    )
    .unwrap()[0]
        .upserts
        .len();
    // Each workload twice: one message at a time, and CONCURRENCY at once, as the Lambda
    // handler applies a batch (`ZONETRAIL_WRITER_CONCURRENCY`; concurrent Lambda instances
    // add more).
    let concurrency = zonetrail_writer::lambda::DEFAULT_CONCURRENCY;
    let mut best = std::collections::HashMap::<&str, f64>::new();
    let mut keep_best = |what: &'static str, rate: f64| {
        let e = best.entry(what).or_insert(0.0);
        *e = e.max(rate);
    };
    let mut settings = String::new();
    for per_page in [300usize, per_mib] {
        for k in [1, concurrency] {
            let db = fresh_db().await;
            if settings.is_empty() {
                settings = format!(
                    "MariaDB {}, innodb_flush_log_at_trx_commit={}, innodb_buffer_pool_size={} MiB",
                    server_setting(&db, "version").await,
                    server_setting(&db, "innodb_flush_log_at_trx_commit").await,
                    server_setting(&db, "innodb_buffer_pool_size")
                        .await
                        .parse::<u64>()
                        .map_or("?".into(), |b| (b / MIB as u64).to_string()),
                );
            }
            let label = if k == 1 {
                format!("{per_page}/msg, 1 at a time")
            } else {
                format!("{per_page}/msg, {k} at once")
            };
            let t0 = now - Duration::hours(6);
            let (s1, d1) = sweep(&zone, "sweep-1", t0, &records, per_page);
            let secs = apply_all(&db, &s1, k).await;
            let rate = n as f64 / secs;
            keep_best("fresh", rate);
            rows.push(Row {
                workload: format!("fresh inserts, {label}"),
                measured: rate,
                unit: "sets/s",
                target: Some(50_000.0),
                higher_is_better: true,
                note: format!("{n} in {secs:.2} s"),
            });
            let secs = apply_all(&db, std::slice::from_ref(&d1), 1).await;
            rows.push(Row {
                workload: format!("  sweep_done of that sweep, {label}"),
                measured: secs,
                unit: "s",
                target: None,
                higher_is_better: false,
                note: "reconcile: nothing vanished".into(),
            });

            let secs = apply_all(&db, &s1, k).await;
            rows.push(Row {
                workload: format!("re-applying an unchanged sweep (redelivery), {label}"),
                measured: n as f64 / secs,
                unit: "sets/s",
                target: Some(150_000.0),
                higher_is_better: true,
                note: format!("the same messages again, {secs:.2} s"),
            });

            let (s2, d2) = sweep(&zone, "sweep-2", t0 + Duration::hours(3), &records, per_page);
            let secs = apply_all(&db, &s2, k).await;
            keep_best("next", n as f64 / secs);
            rows.push(Row {
                workload: format!("re-applying an unchanged sweep (next sweep), {label}"),
                measured: n as f64 / secs,
                unit: "sets/s",
                target: Some(150_000.0),
                higher_is_better: true,
                note: format!("new sweep, same content: observed_at moves, {secs:.2} s"),
            });
            let secs = apply_all(&db, std::slice::from_ref(&d2), 1).await;
            rows.push(Row {
                workload: format!("  sweep_done of that sweep, {label}"),
                measured: secs,
                unit: "s",
                target: None,
                higher_is_better: false,
                note: String::new(),
            });

            let (s3, d3) = sweep(&zone, "sweep-3", t0 + Duration::hours(5), &changed, per_page);
            let secs = apply_all(&db, &s3, k).await;
            keep_best("changed", n as f64 / secs);
            rows.push(Row {
                workload: format!("a sweep with 10% changed, {label}"),
                measured: n as f64 / secs,
                unit: "sets/s",
                target: Some(50_000.0),
                higher_is_better: true,
                note: format!("{} updates with history, {secs:.2} s", n / 10),
            });
            let secs = apply_all(&db, std::slice::from_ref(&d3), 1).await;
            rows.push(Row {
                workload: format!("  sweep_done of that sweep, {label}"),
                measured: secs,
                unit: "s",
                target: None,
                higher_is_better: false,
                note: String::new(),
            });
            db.close().await.ok();
        }
    }

    // What the server does at best for the main table alone: multi-row INSERTs of bare
    // record_sets rows (no history, no lookup values), 500 a statement.
    let reference_n = 20_000.min(n);
    let db = fresh_db().await;
    let started = Instant::now();
    for chunk in records[..reference_n].chunks(500) {
        let (sets, jsons, hashes) = normalised(chunk);
        db.execute(&record_sets_insert(&zone, &sets, &jsons, &hashes, "reference", now))
            .await
            .unwrap();
    }
    let reference = reference_n as f64 / started.elapsed().as_secs_f64();
    rows.push(Row {
        workload: "server reference: bare multi-row INSERT into record_sets only".into(),
        measured: reference,
        unit: "sets/s",
        target: None,
        higher_is_better: true,
        note: format!(
            "{reference_n} rows, 500 a statement: the ceiling for one table on this server"
        ),
    });

    // The floor for any writer that keeps this schema: exactly the rows a fresh sweep must
    // add (the record_sets row, one history row, the lookup values), written blind —
    // multi-row INSERTs, one transaction per message, no reads, no locks, no checks.
    let db = fresh_db().await;
    let floor_n = n.min(50_000);
    let floor = write_floor(&db, &zone, &records[..floor_n], now, per_mib).await;
    rows.push(Row {
        workload: "server floor: the rows a fresh sweep adds, written blind".into(),
        measured: floor,
        unit: "sets/s",
        target: None,
        higher_is_better: true,
        note: format!(
            "{floor_n} sets, {per_mib}/txn, one connection; fresh inserts above reach {:.2} of it",
            best["fresh"] / floor
        ),
    });
    let refresh_floor =
        refresh_floor(&db, &zone, floor_n, now + Duration::minutes(1), per_mib).await;
    rows.push(Row {
        workload: "server floor: what the next unchanged sweep writes, blind".into(),
        measured: refresh_floor,
        unit: "sets/s",
        target: None,
        higher_is_better: true,
        note: format!(
            "UPDATE times WHERE id IN + observation rows; the next sweep reaches {:.2} of it",
            best["next"] / refresh_floor
        ),
    });
    db.close().await.ok();

    // Below any SQL: the server's bulk loader writing the same rows from files, with no
    // statement to parse and no client in the loop, on one connection and on two.
    for streams in [1usize, 2] {
        let db = fresh_db().await;
        match load_floor(&db, &zone, &records, now, streams).await {
            Ok(rate) => rows.push(Row {
                workload: format!("server floor: LOAD DATA of a fresh sweep's rows, {streams} stream{}", if streams == 1 { "" } else { "s" }),
                measured: rate,
                unit: "sets/s",
                target: None,
                higher_is_better: true,
                note: format!("{n} record_sets + history + values + observation rows from files; fresh inserts above reach {:.2} of it", best["fresh"] / rate),
            }),
            Err(e) => println!("(LOAD DATA floor not measured: {e})"),
        }
        db.close().await.ok();
    }

    // The baseline: a cron script writing one record per autocommitted statement, on its
    // first run (new rows) and on every run after (the same rows again).
    let baseline_n = 3_000.min(n);
    let db = fresh_db().await;
    let first_run = cron_baseline(&db, &zone, &records[..baseline_n], now).await;
    let rerun = cron_baseline(&db, &zone, &changed[..baseline_n], now + Duration::hours(3)).await;
    rows.push(Row {
        workload: "baseline: one INSERT ... ON DUPLICATE KEY UPDATE per record".into(),
        measured: first_run,
        unit: "sets/s",
        target: None,
        higher_is_better: true,
        note: format!("{baseline_n} new records, autocommit; no history, no values"),
    });
    rows.push(Row {
        workload: "baseline: the same statement again over the stored records".into(),
        measured: rerun,
        unit: "sets/s",
        target: None,
        higher_is_better: true,
        note: format!(
            "{baseline_n} records, 10% changed: what the script does every run after the first"
        ),
    });
    for (what, workload, base) in [
        ("fresh", "fresh inserts / baseline (first run)", first_run),
        ("next", "next unchanged sweep / baseline (re-run)", rerun),
        ("changed", "sweep with 10% changed / baseline (re-run)", rerun),
    ] {
        rows.push(Row {
            workload: workload.into(),
            measured: best[what] / base,
            unit: "x",
            target: Some(20.0),
            higher_is_better: true,
            note: "best rate above over the baseline doing the same job".into(),
        });
    }

    println!(
        "\nwriter benchmark: {n} record sets, one zone, one message at a time and {concurrency} at once; {settings}\n"
    );
    println!(
        "{:<66} {:>14} {:>6} {:>10} {:>8} {:>5}  note",
        "workload", "measured", "unit", "target", "ratio", ""
    );
    for r in &rows {
        let (target, ratio) = match r.target {
            Some(t) if r.higher_is_better => (format!(">= {t}"), format!("{:.2}", r.measured / t)),
            Some(t) => (format!("<= {t}"), format!("{:.2}", r.measured / t)),
            None => ("-".into(), "-".into()),
        };
        assert!(
            r.workload.len() <= 66,
            "scripts/benchmarks/report.py reads workloads of at most 66 characters"
        );
        println!(
            "{:<66} {:>14.1} {:>6} {:>10} {:>8} {:>5}  {}",
            r.workload,
            r.measured,
            r.unit,
            target,
            ratio,
            r.pass(),
            r.note
        );
    }
    // scripts/bench counts a non-zero exit as a missed target.
    if rows.iter().any(|r| r.pass() == "FAIL") {
        std::process::exit(1);
    }
}

/// Write the rows a fresh sweep of `records` adds, and nothing else (see the call site): per
/// message the record_sets rows, their history rows, their lookup values and their
/// observation rows.
async fn write_floor(
    db: &DatabaseConnection,
    zone: &ZoneId,
    records: &[RecordSet],
    now: chrono::DateTime<Utc>,
    per_txn: usize,
) -> f64 {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use sha2::{Digest, Sha256};
    use zonetrail_model::entity::{record_changes, record_values};
    let started = Instant::now();
    for (m, message) in records.chunks(per_txn).enumerate() {
        let txn = db.begin().await.unwrap();
        let origin_id = insert_sweep_origin(&txn, zone, &format!("floor/{m}"), now).await;
        for chunk in message.chunks(500) {
            let (sets, jsons, hashes) = normalised(chunk);
            let q = record_sets_insert(zone, &sets, &jsons, &hashes, "floor", now);
            txn.execute(&q).await.unwrap();
            // One multi-row INSERT takes consecutive ids from the first.
            let first = last_insert_id(&txn).await;
            let mut changes = Query::insert().into_table(record_changes::Entity).to_owned();
            {
                use record_changes::Column as C;
                changes.columns([
                    C::RecordId,
                    C::ZoneId,
                    C::Action,
                    C::Source,
                    C::SweepId,
                    C::ObservedAt,
                    C::RecordedAt,
                    C::AfterState,
                    C::DedupKey,
                ]);
            }
            let mut values = Query::insert()
                .into_table(record_values::Entity)
                .columns([record_values::Column::RecordId, record_values::Column::Value])
                .to_owned();
            let mut observations = observations_insert();
            for (i, ((r, json), hash)) in sets.iter().zip(&jsons).zip(&hashes).enumerate() {
                let id = first + i as i64;
                let dedup =
                    hex::encode(Sha256::digest(format!("{id}|floor|create||{hash}").as_bytes()));
                changes.values_panic([
                    id.into(),
                    zone.as_str().into(),
                    "create".into(),
                    "sweep".into(),
                    "floor".into(),
                    now.into(),
                    now.into(),
                    json.clone().into(),
                    dedup.into(),
                ]);
                observations.values_panic([
                    id.into(),
                    origin_id.into(),
                    now.into(),
                    false.into(),
                    hash.clone().into(),
                    true.into(),
                ]);
                for v in r.lookup_values() {
                    values.values_panic([id.into(), v.into()]);
                }
            }
            txn.execute(&changes).await.unwrap();
            txn.execute(&values).await.unwrap();
            txn.execute(&observations).await.unwrap();
        }
        let count = Query::update()
            .table(Alias::new("observation_origins"))
            .value(Alias::new("observations"), message.len() as i64)
            .and_where(Expr::col(Alias::new("id")).eq(origin_id))
            .to_owned();
        txn.execute(&count).await.unwrap();
        txn.commit().await.unwrap();
    }
    records.len() as f64 / started.elapsed().as_secs_f64()
}

/// A multi-row INSERT into `record_observations`, values to be added.
fn observations_insert() -> sea_orm::sea_query::InsertStatement {
    use sea_orm::sea_query::{Alias, Query};
    Query::insert()
        .into_table(Alias::new("record_observations"))
        .columns(
            ["record_id", "origin_id", "observed_at", "deleted", "content_hash", "starts_run"]
                .map(Alias::new),
        )
        .to_owned()
}

/// What a writer must write at least when the next sweep sees the `n` records written by
/// [`write_floor`] unchanged: their times move, and each gets an observation row.
async fn refresh_floor(
    db: &DatabaseConnection,
    zone: &ZoneId,
    n: usize,
    at: chrono::DateTime<Utc>,
    per_txn: usize,
) -> f64 {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    use zonetrail_model::entity::record_sets;
    let rows: Vec<(i64, String)> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, content_hash FROM record_sets ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get_by_index::<i64>(0).unwrap(), r.try_get_by_index(1).unwrap()))
        .collect();
    assert_eq!(rows.len(), n);
    let started = Instant::now();
    for (m, message) in rows.chunks(per_txn).enumerate() {
        let txn = db.begin().await.unwrap();
        let origin_id = insert_sweep_origin(&txn, zone, &format!("floor-2/{m}"), at).await;
        for chunk in message.chunks(500) {
            let mut observations = observations_insert();
            for (id, hash) in chunk {
                observations.values_panic([
                    (*id).into(),
                    origin_id.into(),
                    at.into(),
                    false.into(),
                    hash.clone().into(),
                    false.into(),
                ]);
            }
            txn.execute(&observations).await.unwrap();
        }
        let ids: Vec<i64> = message.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(2000) {
            use record_sets::Column as C;
            let q = Query::update()
                .table(record_sets::Entity)
                .value(C::ObservedAt, at)
                .value(C::LastSeenAt, at)
                .value(C::LastSweepId, "floor-2")
                .and_where(Expr::col(C::Id).is_in(chunk.iter().copied()))
                .to_owned();
            txn.execute(&q).await.unwrap();
        }
        txn.commit().await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// The rows a fresh sweep of `records` adds (record_sets, one history row each, the lookup
/// values) written by `LOAD DATA INFILE` from files in `streams` parts at once: the server's
/// own bulk path, with no statement per row and no client work. Needs a server that reads
/// this machine's temp directory.
async fn load_floor(
    db: &DatabaseConnection,
    zone: &ZoneId,
    records: &[RecordSet],
    now: chrono::DateTime<Utc>,
    streams: usize,
) -> Result<f64, String> {
    use std::fmt::Write;
    let ts = now.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let dir = std::env::temp_dir().join(format!("zonetrail-load-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let per = records.len().div_ceil(streams);
    let mut parts = Vec::new();
    for (p, chunk) in records.chunks(per).enumerate() {
        let (mut sets, mut changes, mut values, mut observations) =
            (String::new(), String::new(), String::new(), String::new());
        let (normal, jsons, hashes) = normalised(chunk);
        for (i, ((r, json), hash)) in normal.iter().zip(&jsons).zip(&hashes).enumerate() {
            let id = (p * per + i + 1) as i64;
            let set = r.set_identifier.as_deref().unwrap_or("");
            writeln!(
                sets,
                "{id}\t{zone}\t{}\t{}\t{}\t{set}\t{json}\t{hash}\t{ts}\t{ts}\t{ts}\tNULL\tload",
                r.name.as_str(),
                r.name.reversed(),
                r.rtype.as_str()
            )
            .unwrap();
            writeln!(changes, "{id}\t{zone}\tcreate\tsweep\tload\t{ts}\t{ts}\t{json}\t{id:064}")
                .unwrap();
            for v in r.lookup_values() {
                writeln!(values, "{id}\t{v}").unwrap();
            }
            writeln!(observations, "{id}\t1\t{ts}\t0\t{hash}\t1").unwrap();
        }
        let file = |name: &str, text: &str| -> Result<String, String> {
            let path = dir.join(format!("{name}-{p}.tsv"));
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
            Ok(path.display().to_string())
        };
        parts.push((
            file("sets", &sets)?,
            file("changes", &changes)?,
            file("values", &values)?,
            file("observations", &observations)?,
        ));
    }
    let load = |(sets, changes, values, observations): (String, String, String, String)| async move {
        let opts = "FIELDS TERMINATED BY '\\t' ESCAPED BY ''";
        for sql in [
            format!(
                "LOAD DATA INFILE '{sets}' INTO TABLE record_sets {opts} (id, zone_id, name, reversed_name, record_type, set_identifier, content, content_hash, observed_at, first_seen_at, last_seen_at, @deleted, last_sweep_id) SET deleted_at = NULL"
            ),
            format!(
                "LOAD DATA INFILE '{changes}' INTO TABLE record_changes {opts} (record_id, zone_id, action, source, sweep_id, observed_at, recorded_at, after_state, dedup_key)"
            ),
            format!(
                "LOAD DATA INFILE '{values}' INTO TABLE record_values {opts} (record_id, value)"
            ),
            format!(
                "LOAD DATA INFILE '{observations}' INTO TABLE record_observations {opts} (record_id, origin_id, observed_at, deleted, content_hash, starts_run)"
            ),
        ] {
            db.execute_unprepared(&sql).await.map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    };
    let started = Instant::now();
    let results = futures::future::join_all(parts.into_iter().map(load)).await;
    let secs = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).ok();
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    Ok(records.len() as f64 / secs)
}

/// A cron script's way: one autocommitted `INSERT ... ON DUPLICATE KEY UPDATE` per record.
async fn cron_baseline(
    db: &DatabaseConnection,
    zone: &ZoneId,
    records: &[RecordSet],
    now: chrono::DateTime<Utc>,
) -> f64 {
    let started = Instant::now();
    for r in records {
        let r = r.clone().normalize();
        let json = serde_json::to_string(&r).unwrap();
        let stmt = Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO record_sets (zone_id, name, reversed_name, record_type, set_identifier, content, content_hash, observed_at, first_seen_at, last_seen_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE content = VALUES(content), content_hash = VALUES(content_hash), observed_at = VALUES(observed_at), last_seen_at = VALUES(last_seen_at)",
            [
                zone.as_str().into(),
                r.name.as_str().into(),
                r.name.reversed().into(),
                r.rtype.as_str().into(),
                r.set_identifier.clone().unwrap_or_default().into(),
                json.into(),
                r.content_hash().into(),
                now.into(),
                now.into(),
                now.into(),
            ],
        );
        db.execute_raw(stmt).await.unwrap();
    }
    records.len() as f64 / started.elapsed().as_secs_f64()
}

/// The first id the connection's last INSERT took.
async fn last_insert_id(db: &impl ConnectionTrait) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT LAST_INSERT_ID() AS id",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<u64>(0).unwrap() as i64
}

/// Store the origin of one sweep page and return its id.
async fn insert_sweep_origin(
    db: &impl ConnectionTrait,
    zone: &ZoneId,
    sweep_id: &str,
    at: chrono::DateTime<Utc>,
) -> i64 {
    use sea_orm::sea_query::{Alias, Query};
    let origin = Query::insert()
        .into_table(Alias::new("observation_origins"))
        .columns(["origin_key", "zone_id", "kind", "source", "observed_at"].map(Alias::new))
        .values_panic([
            format!("{zone}/sweep/{sweep_id}/0").into(),
            zone.as_str().into(),
            "records".into(),
            "sweep".into(),
            at.into(),
        ])
        .to_owned();
    db.execute(&origin).await.unwrap();
    last_insert_id(db).await
}

/// A multi-row INSERT of bare `record_sets` rows (normalised sets with their JSON and hash).
fn record_sets_insert(
    zone: &ZoneId,
    sets: &[RecordSet],
    jsons: &[String],
    hashes: &[String],
    sweep_id: &str,
    now: chrono::DateTime<Utc>,
) -> sea_orm::sea_query::InsertStatement {
    use zonetrail_model::entity::record_sets::{Column as C, Entity};
    let mut q = sea_orm::sea_query::Query::insert()
        .into_table(Entity)
        .columns([
            C::ZoneId,
            C::Name,
            C::ReversedName,
            C::RecordType,
            C::SetIdentifier,
            C::Content,
            C::ContentHash,
            C::ObservedAt,
            C::FirstSeenAt,
            C::LastSeenAt,
            C::LastSweepId,
        ])
        .to_owned();
    for ((r, json), hash) in sets.iter().zip(jsons).zip(hashes) {
        q.values_panic([
            zone.as_str().into(),
            r.name.as_str().into(),
            r.name.reversed().into(),
            r.rtype.as_str().into(),
            r.set_identifier.clone().unwrap_or_default().into(),
            json.clone().into(),
            hash.clone().into(),
            now.into(),
            now.into(),
            now.into(),
            sweep_id.into(),
        ]);
    }
    q
}

/// Sets as the writer stores them: normalised, with their JSON and content hash.
fn normalised(chunk: &[RecordSet]) -> (Vec<RecordSet>, Vec<String>, Vec<String>) {
    let sets: Vec<RecordSet> = chunk.iter().map(|r| r.clone().normalize()).collect();
    let jsons = sets.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
    let hashes = sets.iter().map(|r| r.content_hash()).collect();
    (sets, jsons, hashes)
}
