//! The project's fake CloudTrail (`LookupEvents` at CloudTrail's 2 requests/s), serving the
//! CloudTrail records of a file, for the local demo: the emulator has no `LookupEvents`, so
//! `zonetrail backfill` reads the demo's made-up event history from this server. Point
//! `AWS_ENDPOINT_URL_CLOUDTRAIL` at the address it prints; everything else talks to the
//! emulator.
//!
//! `cargo run -p zonetrail-ingest --features fake-route53 --example fake_cloudtrail -- EVENTS.jsonl`
//!
//! `EVENTS.jsonl` holds one CloudTrail record per line (what EventBridge carries as `detail`).

use std::io::BufRead;

use zonetrail_ingest::fake_cloudtrail::{FakeCloudTrail, FakeCloudTrailConfig};

#[tokio::main]
async fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: fake_cloudtrail EVENTS.jsonl");
        std::process::exit(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot open {path}: {e}");
            std::process::exit(1);
        }
    };
    let server = match FakeCloudTrail::start(FakeCloudTrailConfig::default()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the fake CloudTrail: {e}");
            std::process::exit(1);
        }
    };
    let mut count = 0;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                std::process::exit(1);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let pushed = serde_json::from_str(&line)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|event| server.try_push(event));
        if let Err(e) = pushed {
            eprintln!("error: {path} line {}: not a CloudTrail record: {e}", i + 1);
            std::process::exit(1);
        }
        count += 1;
    }
    eprintln!("serving {count} CloudTrail events");
    println!("{}", server.endpoint());
    let _ = tokio::signal::ctrl_c().await;
}
