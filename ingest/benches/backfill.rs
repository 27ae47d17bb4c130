//! Backfill throughput against a CloudTrail that enforces LookupEvents' 2 requests/s (issue
//! 17, "Performance").
//!
//! Run: `cargo bench -p zonetrail-ingest --bench backfill`
//!
//! The fake CloudTrail runs in a child process (this same binary, re-executed), so the peak
//! memory measured here (VmHWM) is the backfill's alone. It holds 10,000 Route 53 events;
//! messages go to the in-process queue, drained by a consumer that counts the distinct event
//! ids. Targets: at least 95% of the ceiling 2 requests/s x 50 events = 100 events/s, no page
//! lost (every event read and sent), peak memory under 64 MiB.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;
use zonetrail_ingest::fake_cloudtrail::{FakeCloudTrail, FakeCloudTrailConfig, events};
use zonetrail_ingest::{
    BackfillRequest, IngestConfig, MemoryQueue, NoBackfillObserver, NoStoredWindows, State,
    backfill_all,
};
use zonetrail_model::{Message, Origin};

const ROLE: &str = "ZONETRAIL_BENCH_ROLE";
const EVENTS: usize = 10_000;
const RATE: f64 = 2.0;

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("fake-cloudtrail") {
        return serve_fake();
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "backfill benchmark: {EVENTS} events, CloudTrail at {RATE} requests/s x 50 events = ceiling {} events/s, target >= 95%",
        RATE * 50.0
    );
    let baseline = vm_hwm_kib();
    let met = runtime.block_on(scenario());
    let peak = vm_hwm_kib();
    println!(
        "peak memory of the backfilling process (VmHWM): {:.1} MiB (target < 64 MiB; {:.1} MiB before the backfill)",
        peak as f64 / 1024.0,
        baseline as f64 / 1024.0
    );
    let all = met && peak < 64 * 1024;
    println!("all targets met: {}", if all { "yes" } else { "NO" });
}

async fn scenario() -> bool {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "fake-cloudtrail")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fake CloudTrail process");
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
    let config = IngestConfig { cloudtrail_rps: RATE, ..IngestConfig::default() };
    let (queue, mut receiver) = MemoryQueue::new(16, config.max_message_bytes);
    let consumer = tokio::spawn(async move {
        let mut ids = HashSet::new();
        let mut bytes = 0usize;
        while let Some(body) = receiver.recv().await {
            bytes += body.len();
            if let Ok(Message::Records(r)) = Message::from_json(&body)
                && let Origin::Event { event_id, .. } = r.origin
            {
                ids.insert(event_id);
            }
        }
        (ids.len(), bytes)
    });
    let state = State::own_account(
        &sdk,
        config,
        Arc::new(queue),
        zonetrail_model::AccountId::parse("123456789012").unwrap(),
    );
    let now = chrono::Utc::now();
    let (request, _) = BackfillRequest::parse("2d", None, now).unwrap();
    let started = Instant::now();
    let report = backfill_all(&state, &request, &NoStoredWindows, &NoBackfillObserver)
        .await
        .expect("backfill");
    let elapsed = started.elapsed();
    drop(state);
    let (distinct, bytes) = consumer.await.unwrap();
    drop(child.stdin.take());
    let _ = child.wait();

    let rate = report.counts.events as f64 / elapsed.as_secs_f64();
    let ratio = rate / (RATE * 50.0);
    let lost = EVENTS.saturating_sub(distinct);
    let failed = report.failed_accounts().count();
    println!(
        "{} events in {:.2} s = {:.1} events/s = {:.1}% of the ceiling (target >= 95%) | pages {} | events lost {lost} (target 0), accounts failed {failed} | LookupEvents retries (throttled) {} | {:.1} MiB queued",
        report.counts.events,
        elapsed.as_secs_f64(),
        rate,
        ratio * 100.0,
        report.pages,
        report.throttled,
        bytes as f64 / 1_048_576.0,
    );
    report.counts.events as usize == EVENTS && lost == 0 && failed == 0 && ratio >= 0.95
}

/// The child: a fake CloudTrail enforcing 2 requests/s holding `EVENTS` change batches over
/// the last day; it prints its endpoint and serves until stdin closes.
fn serve_fake() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let fake = FakeCloudTrail::start(FakeCloudTrailConfig::default()).await.unwrap();
        let start = chrono::Utc::now() - chrono::Duration::hours(30);
        for i in 0..EVENTS {
            let change = events::rrset_change(
                if i % 3 == 0 { "CREATE" } else { "UPSERT" },
                &format!("host-{:05}.bench.example.com", i % 4000),
                "A",
                300,
                &[&format!("10.0.{}.{}", (i >> 8) & 255, i & 255)],
            );
            fake.push(events::change_batch(
                &format!("bench-{i:06}"),
                start + chrono::Duration::seconds(i as i64 * 7),
                "Z0BENCH00000001",
                serde_json::json!([change]),
                "arn:aws:iam::123456789012:user/bench",
            ));
        }
        println!("{}", fake.endpoint());
        let _ =
            tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await;
    });
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
