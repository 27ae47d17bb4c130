//! The in-process writer: applies what the in-process queue carries, through the same
//! `apply_body` as the Lambda writer and `zonetrail drain`.

use sea_orm::DatabaseConnection;
use std::time::Duration;
use zonetrail_ingest::MemoryReceiver;
use zonetrail_writer::{ApplyError, apply_body};

#[derive(Debug, Default, Clone)]
pub struct WriterStats {
    pub applied: u64,
    pub upserted: u64,
    pub tombstoned: u64,
    /// Messages that could not be applied (logged with their reason).
    pub failed: u64,
}

/// How often a retryable failure (a database outage, a sweep not complete yet) is retried
/// before the message is given up and logged.
const MAX_ATTEMPTS: u32 = 8;

/// Apply every message until the queue closes (every sender dropped) and is empty, so that
/// nothing sent is lost on shutdown.
pub async fn run(db: DatabaseConnection, mut receiver: MemoryReceiver) -> WriterStats {
    let mut stats = WriterStats::default();
    while let Some(body) = receiver.recv().await {
        apply_one(&db, &body, &mut stats).await;
    }
    stats
}

async fn apply_one(db: &DatabaseConnection, body: &str, stats: &mut WriterStats) {
    let mut attempt = 1;
    loop {
        match apply_body(db, body).await {
            Ok(applied) => {
                stats.applied += 1;
                stats.upserted += applied.records_upserted();
                stats.tombstoned += applied.records_tombstoned();
                tracing::debug!(kind = applied.kind, zone = ?applied.zone_id, "applied");
                return;
            }
            // The in-process queue is FIFO: a sweep's pages come before its sweep_done, so an
            // incomplete sweep here means a page failed, and waiting will not complete it.
            Err(e @ ApplyError::SweepIncomplete { .. }) => {
                stats.failed += 1;
                tracing::warn!(reason = %e, "not reconciling this zone: a page of its sweep was not applied");
                return;
            }
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                let wait = Duration::from_millis(200 * 2u64.pow(attempt.min(6)));
                tracing::warn!(reason = %e, attempt, wait_ms = wait.as_millis() as u64, "apply failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => {
                stats.failed += 1;
                tracing::error!(reason = %e, bytes = body.len(), "message not applied; the next sweep re-reads Route 53");
                return;
            }
        }
    }
}
