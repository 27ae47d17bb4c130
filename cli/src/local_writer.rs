//! The in-process writer: applies what the in-process queue carries, through the same
//! `apply_body` as the Lambda writer and `zonetrail drain`.

use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use zonetrail_model::AccountId;
use zonetrail_writer::{ApplyError, ApplyOptions, apply_body_with};

use crate::findings_worker::FindingsTx;
use crate::local_queue::{Item, LocalReceiver};

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
/// nothing sent is lost on shutdown. `default_account` (the credentials' own) is the account
/// of zones stored before accounts were known, and of a message that names none. With
/// `notify` (`up --notify-webhook`), each history row applied also goes in the outbox, in the
/// same transaction, and the publisher is woken after each commit. With `findings`, each
/// applied message's findings work goes to the findings worker after its commit.
pub async fn run(
    db: DatabaseConnection,
    mut receiver: LocalReceiver,
    default_account: AccountId,
    notify: Option<Arc<Notify>>,
    findings: Option<FindingsTx>,
) -> WriterStats {
    match zonetrail_writer::backfill_default_account(&db, &default_account).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(zones = n, account_id = %default_account, "zones without an account now belong to the own account")
        }
        Err(e) => {
            tracing::error!(error = %e, "could not fill in the default account of older zones")
        }
    }
    let options = ApplyOptions {
        default_account: Some(default_account),
        outbox: notify.is_some(),
        ..ApplyOptions::default()
    };
    let mut stats = WriterStats::default();
    while let Some(item) = receiver.recv().await {
        let body = match item {
            Item::Body(body) => body,
            // Everything sent before it is applied: the FIFO queue has one consumer.
            Item::Barrier(done) => {
                let _ = done.send(());
                continue;
            }
        };
        let work = apply_one(&db, &body, &options, &mut stats).await;
        if let Some(n) = &notify {
            n.notify_one();
        }
        if let (Some(tx), Some(work)) = (&findings, work) {
            tx.send(work);
        }
    }
    stats
}

async fn apply_one(
    db: &DatabaseConnection,
    body: &str,
    options: &ApplyOptions,
    stats: &mut WriterStats,
) -> Option<zonetrail_findings::Work> {
    let mut attempt = 1;
    loop {
        match apply_body_with(db, body, options).await {
            Ok(applied) => {
                stats.applied += 1;
                stats.upserted += applied.records_upserted();
                stats.tombstoned += applied.records_tombstoned();
                tracing::debug!(kind = applied.kind, zone = ?applied.zone_id, "applied");
                return Some(applied.findings);
            }
            // The in-process queue is FIFO: a sweep's pages come before its sweep_done, so an
            // incomplete sweep here means a page failed, and waiting will not complete it.
            Err(e @ ApplyError::SweepIncomplete { .. }) => {
                stats.failed += 1;
                tracing::warn!(reason = %e, "not reconciling this zone: a page of its sweep was not applied");
                return None;
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
                return None;
            }
        }
    }
}
