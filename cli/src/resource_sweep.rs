//! The resource sweep of findings (issue 20) as the CLI runs it: every account in scope, its
//! regions, one listing per kind, sent on the ingest's queue (`zonetrail findings sweep`, and
//! `zonetrail up` at start and every `--resource-sweep-interval`).

use std::time::Instant;
use zonetrail_ingest::resources::IpRangesOutcome;
use zonetrail_ingest::{ResourceSweepReport, State, sweep_resources};

/// Sweep the resources; the report, and its summary as one line.
pub async fn sweep(ingest: &State) -> anyhow::Result<(ResourceSweepReport, String)> {
    let started = Instant::now();
    let report =
        sweep_resources(&ingest.accounts, &ingest.config.resources, ingest.queue.as_ref()).await?;
    let line = summary(&report, started.elapsed().as_secs_f64());
    Ok((report, line))
}

/// `resources swept: 3 accounts, 42 listings (2 FAILED), 17 items in 1.2 s; ip-ranges.json ...`
pub fn summary(report: &ResourceSweepReport, secs: f64) -> String {
    let failed = report.listings_failed();
    let ranges = match &report.ip_ranges {
        IpRangesOutcome::Off => "the shipped ip-ranges.json".to_owned(),
        IpRangesOutcome::Sent { sync_token, prefixes } => {
            format!("ip-ranges.json fetched ({prefixes} EC2 prefixes, syncToken {sync_token})")
        }
        IpRangesOutcome::Failed(e) => format!("ip-ranges.json NOT fetched ({e}); the ranges kept"),
    };
    format!(
        "resources swept: {} accounts, {} listings{}, {} items in {secs:.1} s; {ranges}",
        report.accounts.len(),
        report.listings_ok() + failed,
        if failed > 0 {
            format!(" ({failed} FAILED: findings that need them stay undecided)")
        } else {
            String::new()
        },
        report.items(),
    )
}

/// Each failed listing (or account whose regions are unknown), one line each.
pub fn failures(report: &ResourceSweepReport) -> Vec<String> {
    let mut out = Vec::new();
    for a in &report.accounts {
        if let Some(e) = &a.regions_error {
            out.push(format!(
                "account {}: its regions are unknown ({e}); only global resources read",
                a.account_id
            ));
        }
        for f in &a.failures {
            let region = if f.region.is_empty() { "global".to_owned() } else { f.region.clone() };
            out.push(format!("account {} {} {region}: {}", a.account_id, f.kind, f.error));
        }
    }
    out
}

/// Whether anything failed (a listing, an account's regions, the ranges' fetch).
pub fn failed(report: &ResourceSweepReport) -> bool {
    report.listings_failed() > 0 || matches!(report.ip_ranges, IpRangesOutcome::Failed(_))
}
