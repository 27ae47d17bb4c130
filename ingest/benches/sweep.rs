//! Sweep throughput against a Route 53 that enforces a request rate R (issue 3, "Performance").
//!
//! Run: `cargo bench -p zonetrail-ingest --bench sweep`
//!
//! The fake Route 53 runs in a child process (this same binary, re-executed), so the peak
//! memory measured here (VmHWM) is the sweeper's alone. Messages go to the in-process queue,
//! drained by a consumer that discards them. Targets: at least 95% of the ceiling R × 300
//! record sets a second, no failed page, peak memory under 64 MiB.
//!
//! Issue 16 adds several accounts: 4 accounts, each behind its own fake (its own rate limit R)
//! with 25,000 record sets, swept at once; target at least 95% of 4 x R x 300.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53, FakeStats, RateLimit, ZoneSpec};
use zonetrail_ingest::sweep::NoProgress;
use zonetrail_ingest::{IngestConfig, MemoryQueue, State, sweep_all};
use zonetrail_model::{RecordName, RecordSet, RecordType, Routing};

const ROLE: &str = "ZONETRAIL_BENCH_ROLE";
const RATE: f64 = 20.0;
const RECORD_SETS: usize = 100_000;

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("fake-route53") {
        return serve_fake();
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "sweep benchmark: R = {RATE} requests/s, ceiling R x 300 = {} record sets/s, target >= 95%",
        RATE * 300.0
    );
    let baseline = vm_hwm_kib();
    let mut all_met = true;
    for zones in [1usize, 17] {
        all_met &= runtime.block_on(scenario(zones));
    }
    all_met &= runtime.block_on(accounts_scenario(4, RECORD_SETS / 4));
    println!(
        "peak memory of the sweeping process (VmHWM): {:.1} MiB (target < 64 MiB; {:.1} MiB before the first sweep)",
        vm_hwm_kib() as f64 / 1024.0,
        baseline as f64 / 1024.0
    );
    all_met &= vm_hwm_kib() < 64 * 1024;
    println!("all targets met: {}", if all_met { "yes" } else { "NO" });
}

/// Issue 16: `accounts` accounts, each behind its own fake Route 53 enforcing R, each holding
/// `per_account` record sets in one zone, swept at once: the ceiling is accounts x R x 300.
async fn accounts_scenario(accounts: usize, per_account: usize) -> bool {
    let mut children = Vec::new();
    let mut endpoints = Vec::new();
    for _ in 0..accounts {
        let (child, endpoint) = spawn_fake(1, per_account);
        children.push(child);
        endpoints.push(endpoint);
    }
    let sdk = bench_sdk(&endpoints[0]).await;
    let ids: Vec<zonetrail_model::AccountId> = (0..accounts)
        .map(|i| {
            zonetrail_model::AccountId::parse(&format!("{:012}", 100_000_000_000u64 + i as u64))
                .unwrap()
        })
        .collect();
    let mut config = IngestConfig::default();
    config.sweep.route53_rps = RATE;
    let (queue, mut receiver) = MemoryQueue::new(16, config.max_message_bytes);
    let consumer = tokio::spawn(async move {
        let mut bytes = 0usize;
        while let Some(body) = receiver.recv().await {
            bytes += body.len();
        }
        bytes
    });
    let settings = zonetrail_ingest::ScopeSettings {
        accounts: zonetrail_ingest::AccountsSetting::List(ids.clone()),
        ..Default::default()
    };
    let scope = zonetrail_ingest::Accounts::resolved(&sdk, settings, ids[0].clone(), "aws");
    let mut state = State::new(&sdk, config, Arc::new(queue), scope);
    for (id, endpoint) in ids.iter().zip(&endpoints) {
        state = state.with_route53(
            id.clone(),
            zonetrail_ingest::route53::client(&bench_sdk(endpoint).await),
        );
    }
    let started = Instant::now();
    let all = sweep_all(&state, &NoProgress).await.expect("sweep");
    let elapsed = started.elapsed();
    drop(state);
    let bytes = consumer.await.unwrap();
    let mut throttled = 0;
    for endpoint in &endpoints {
        throttled += fake_stats(endpoint).await.rate_limited;
    }
    for mut child in children {
        drop(child.stdin.take());
        let _ = child.wait();
    }
    let report = &all.total;
    let rate = report.record_sets as f64 / elapsed.as_secs_f64();
    let ceiling = accounts as f64 * RATE * 300.0;
    let failed = report.failures.len() + all.failed_accounts().count();
    println!(
        "{accounts} accounts x {per_account} record sets, each account at R: {} record sets in {:.2} s = {:.0} record sets/s = {:.1}% of the ceiling {ceiling:.0} (target >= 95%) | pages {} failed {} (target 0) | Route 53 calls {} retries {} throttled by the servers {throttled} | {} messages, {:.1} MiB queued",
        report.record_sets,
        elapsed.as_secs_f64(),
        rate,
        rate / ceiling * 100.0,
        report.route53_pages,
        failed,
        report.route53_calls,
        report.route53_retries,
        report.messages,
        bytes as f64 / 1_048_576.0,
    );
    report.record_sets as usize == accounts * per_account && failed == 0 && rate / ceiling >= 0.95
}

fn spawn_fake(zones: usize, records: usize) -> (std::process::Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "fake-route53")
        .env("BENCH_ZONES", zones.to_string())
        .env("BENCH_RECORDS", records.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fake Route 53 process");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let endpoint = lines.next().expect("the fake prints its endpoint").unwrap();
    (child, endpoint)
}

async fn bench_sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_route53::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_route53::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .load()
        .await
}

async fn scenario(zones: usize) -> bool {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "fake-route53")
        .env("BENCH_ZONES", zones.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fake Route 53 process");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let endpoint = lines.next().expect("the fake prints its endpoint").unwrap();

    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_sdk_route53::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_route53::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .load()
        .await;
    let mut config = IngestConfig::default();
    config.sweep.route53_rps = RATE;
    let (queue, mut receiver) = MemoryQueue::new(16, config.max_message_bytes);
    let consumer = tokio::spawn(async move {
        let mut bytes = 0usize;
        while let Some(body) = receiver.recv().await {
            bytes += body.len();
        }
        bytes
    });
    let state = State::own_account(
        &sdk,
        config,
        Arc::new(queue),
        zonetrail_model::AccountId::parse("123456789012").unwrap(),
    );
    let started = Instant::now();
    let report = sweep_all(&state, &NoProgress).await.expect("sweep").total;
    let elapsed = started.elapsed();
    drop(state);
    let bytes = consumer.await.unwrap();
    let stats = fake_stats(&endpoint).await;
    drop(child.stdin.take());
    let _ = child.wait();

    let rate = report.record_sets as f64 / elapsed.as_secs_f64();
    let ratio = rate / (RATE * 300.0);
    let failed = report.failures.len();
    println!(
        "{zones:>2} zone(s): {} record sets in {:.2} s = {:.0} record sets/s = {:.1}% of the ceiling (target >= 95%) | pages {} failed {} (target 0) | Route 53 calls {} retries {} throttled by the server {} | {} messages, {:.1} MiB queued",
        report.record_sets,
        elapsed.as_secs_f64(),
        rate,
        ratio * 100.0,
        report.route53_pages,
        failed,
        report.route53_calls,
        report.route53_retries,
        stats.rate_limited,
        report.messages,
        bytes as f64 / 1_048_576.0,
    );
    report.record_sets as usize == RECORD_SETS && failed == 0 && ratio >= 0.95
}

/// The child: a fake Route 53 holding `RECORD_SETS` record sets over `BENCH_ZONES` zones,
/// enforcing `RATE` requests a second; it prints its endpoint and serves until stdin closes.
fn serve_fake() {
    let zones: usize = std::env::var("BENCH_ZONES").unwrap().parse().unwrap();
    let total: usize =
        std::env::var("BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(RECORD_SETS);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let fake = FakeRoute53::start(FakeConfig {
            rate_limit: Some(RateLimit { rps: RATE, burst: 2.0 }),
            ..FakeConfig::default()
        })
        .await
        .unwrap();
        for z in 0..zones {
            let zone = fake.create_zone(ZoneSpec::public(&format!("zone{z}.bench.example")));
            let share = total / zones + usize::from(z < total % zones);
            fake.add_record_sets(&zone, (0..share).map(|i| record(z, i)));
        }
        println!("{}", fake.endpoint());
        // Serve until the parent closes our stdin.
        let _ =
            tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await;
    });
}

/// A mix like a real zone: simple A records, TXT, and weighted groups.
fn record(zone: usize, i: usize) -> RecordSet {
    let name =
        |label: String| RecordName::parse(&format!("{label}.zone{zone}.bench.example")).unwrap();
    match i % 10 {
        0..=5 => RecordSet {
            name: name(format!("host-{i:06}")),
            rtype: RecordType::A,
            set_identifier: None,
            ttl: Some(300),
            values: vec![format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)],
            alias_target: None,
            routing: Routing::default(),
        },
        6..=7 => RecordSet {
            name: name(format!("svc-{i:06}")),
            rtype: RecordType::Txt,
            set_identifier: None,
            ttl: Some(60),
            values: vec![format!("\"owner=team-{} build={i}\"", i % 37)],
            alias_target: None,
            routing: Routing::default(),
        },
        _ => RecordSet {
            name: name(format!("api-{:06}", i / 10)),
            rtype: RecordType::A,
            set_identifier: Some(format!("w{}", i % 10)),
            ttl: Some(60),
            values: vec![format!("192.0.2.{}", i % 250)],
            alias_target: None,
            routing: Routing { weight: Some((i % 10) as i64), ..Routing::default() },
        },
    }
}

async fn fake_stats(endpoint: &str) -> FakeStats {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET /_fake/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_default()
}

/// Peak resident memory of this process, in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
