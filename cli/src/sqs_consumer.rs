//! Applying an SQS queue: `zonetrail drain` (until empty, in-flight messages included; also
//! how an operator replays the DLQ) and `zonetrail up` with `ZONETRAIL_QUEUE_URL` (until told
//! to stop). Each message goes through the writer's `apply_body`, as on Lambda.

use anyhow::Context;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::sync::watch;
use zonetrail_writer::{ApplyError, ApplyOptions, apply_body_with};

use crate::findings_worker::FindingsTx;

/// How long a received message stays hidden while we apply it.
const VISIBILITY_SECS: i32 = 120;
/// Retryable failures of one message tolerated in one drain before it is parked.
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Default)]
pub struct DrainReport {
    pub received: u64,
    pub applied: u64,
    pub upserted: u64,
    pub tombstoned: u64,
    /// Messages left on the queue: poison, or still failing after retries. Id → reason.
    pub parked: Vec<(String, String)>,
}

pub enum Until {
    /// Stop when the queue holds nothing but the parked messages.
    Empty,
    /// Run until the flag turns true.
    Stopped(watch::Receiver<bool>),
}

struct Parked {
    receipt: String,
    reason: String,
}

/// With `notify` (`up --notify-webhook`), each history row applied also goes in the outbox,
/// and the publisher is woken after each message. With `findings`, the findings work of each
/// received batch goes to the findings worker once the batch is applied.
pub async fn consume(
    client: &Client,
    queue_url: &str,
    db: &DatabaseConnection,
    until: Until,
    notify: Option<Arc<Notify>>,
    findings: Option<FindingsTx>,
) -> anyhow::Result<DrainReport> {
    let options = ApplyOptions { outbox: notify.is_some(), ..ApplyOptions::default() };
    let mut report = DrainReport::default();
    let mut attempts: HashMap<String, u32> = HashMap::new();
    let mut parked: HashMap<String, Parked> = HashMap::new();
    let mut stop = match &until {
        Until::Stopped(rx) => Some(rx.clone()),
        Until::Empty => None,
    };
    let mut idle_since: Option<Instant> = None;
    loop {
        if stop.as_ref().is_some_and(|rx| *rx.borrow()) {
            break;
        }
        let wait = if stop.is_some() { 5 } else { 1 };
        let receive = client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait)
            .visibility_timeout(VISIBILITY_SECS)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount);
        let received = match &mut stop {
            Some(rx) => tokio::select! {
                r = receive.send() => r,
                _ = rx.changed() => break,
            },
            None => receive.send().await,
        }
        .map_err(sdk_error)
        .with_context(|| format!("receiving from {queue_url}"))?;
        let messages = received.messages.unwrap_or_default();

        if messages.is_empty() {
            if stop.is_none()
                && queue_is_drained(client, queue_url, parked.len(), &mut idle_since).await?
            {
                break;
            }
            continue;
        }
        idle_since = None;

        let mut done = Vec::new();
        let mut work = zonetrail_findings::Work::default();
        for message in messages {
            report.received += 1;
            let id = message.message_id.clone().unwrap_or_default();
            let receipt = message.receipt_handle.clone().unwrap_or_default();
            let span = tracing::info_span!("message", message_id = %id);
            let _guard = span.enter();
            let body = message.body.as_deref().unwrap_or("");
            match apply_body_with(db, body, &options).await {
                Ok(applied) => {
                    if let Some(n) = &notify {
                        n.notify_one();
                    }
                    report.applied += 1;
                    report.upserted += applied.records_upserted();
                    report.tombstoned += applied.records_tombstoned();
                    work.extend(applied.findings);
                    done.push((id, receipt));
                }
                Err(e) if e.is_retryable() => {
                    let n = attempts.entry(id.clone()).or_default();
                    *n += 1;
                    if *n >= MAX_ATTEMPTS && stop.is_none() {
                        tracing::error!(reason = %e, attempts = *n, "still failing; leaving it on the queue");
                        parked.insert(id, Parked { receipt, reason: e.to_string() });
                    } else {
                        // Back off: let it come back later (SweepIncomplete: after its pages).
                        // SQS counts every receive toward the DLQ, across consumer restarts, so the
                        // back-off follows its receive count rather than this process's tries.
                        let receives = receive_count(&message).unwrap_or(*n).max(*n);
                        let delay = retry_delay(&e, receives);
                        tracing::warn!(reason = %e, retry_in_s = delay, "failed; retrying");
                        set_visibility(client, queue_url, &receipt, delay).await;
                    }
                }
                Err(e) => {
                    tracing::error!(reason = %e, "poison message: cannot be applied");
                    if stop.is_some() {
                        // The queue's redrive policy moves it to the DLQ after its max receives.
                        set_visibility(client, queue_url, &receipt, 0).await;
                    } else {
                        parked.insert(id, Parked { receipt, reason: e.to_string() });
                    }
                }
            }
        }
        if let Some(tx) = &findings {
            tx.send(work);
        }
        delete(client, queue_url, done).await?;
    }
    // What we gave up on goes back to the queue, visible, for the operator to look at.
    for (id, p) in parked {
        set_visibility(client, queue_url, &p.receipt, 0).await;
        report.parked.push((id, p.reason));
    }
    report.parked.sort();
    Ok(report)
}

/// Empty means: nothing visible, nothing in flight but what we parked, and the counters
/// (which SQS only approximates) agreed twice a second apart.
async fn queue_is_drained(
    client: &Client,
    queue_url: &str,
    parked: usize,
    idle_since: &mut Option<Instant>,
) -> anyhow::Result<bool> {
    let attrs = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .map_err(sdk_error)
        .with_context(|| format!("reading the attributes of {queue_url}"))?;
    let count = |name: QueueAttributeName| -> usize {
        attrs.attributes().and_then(|a| a.get(&name)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    let visible = count(QueueAttributeName::ApproximateNumberOfMessages);
    let in_flight = count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
    let delayed = count(QueueAttributeName::ApproximateNumberOfMessagesDelayed);
    if visible == 0 && delayed == 0 && in_flight <= parked {
        let since = idle_since.get_or_insert_with(Instant::now);
        return Ok(since.elapsed() >= Duration::from_secs(1));
    }
    if in_flight > parked {
        tracing::info!(
            in_flight = in_flight - parked,
            "waiting for in-flight messages to come back or be deleted"
        );
    }
    *idle_since = None;
    Ok(false)
}

/// How long a message that failed for a reason that may pass waits before it comes back.
///
/// A `sweep_done` waits for its pages. A page may be held, invisible, for up to
/// [`VISIBILITY_SECS`] by a consumer that died holding it, while SQS moves a message to the
/// DLQ after a few receives (5 in the CDK app); so its retries must outlast that hold:
/// 2, 8, 32, then 120 s. Other failures (the database is down) back off 2, 4, 8, 16, 32 s.
fn retry_delay(error: &ApplyError, receives: u32) -> i32 {
    let n = receives.clamp(1, 6);
    if matches!(error, ApplyError::SweepIncomplete { .. }) {
        (2 * 4i32.pow(n - 1)).min(VISIBILITY_SECS)
    } else {
        2i32.pow(n.min(5))
    }
}

fn receive_count(message: &aws_sdk_sqs::types::Message) -> Option<u32> {
    message.attributes()?.get(&MessageSystemAttributeName::ApproximateReceiveCount)?.parse().ok()
}

async fn set_visibility(client: &Client, queue_url: &str, receipt: &str, seconds: i32) {
    if let Err(e) = client
        .change_message_visibility()
        .queue_url(queue_url)
        .receipt_handle(receipt)
        .visibility_timeout(seconds)
        .send()
        .await
    {
        // Harmless: the message comes back when its visibility timeout ends anyway.
        tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "could not change a message's visibility");
    }
}

async fn delete(
    client: &Client,
    queue_url: &str,
    done: Vec<(String, String)>,
) -> anyhow::Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    let entries: Vec<_> = done
        .iter()
        .enumerate()
        .map(|(i, (_, receipt))| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .receipt_handle(receipt)
                .build()
        })
        .collect::<Result<_, _>>()?;
    let out = client
        .delete_message_batch()
        .queue_url(queue_url)
        .set_entries(Some(entries))
        .send()
        .await
        .map_err(sdk_error)
        .with_context(|| format!("deleting applied messages from {queue_url}"))?;
    for failed in out.failed() {
        // Applying again is a no-op (the writer is idempotent), so a redelivery is harmless.
        tracing::warn!(
            entry = failed.id(),
            code = failed.code(),
            "could not delete an applied message; it will be applied again, harmlessly"
        );
    }
    Ok(())
}

/// An SDK error as one line with its causes (`DisplayErrorContext` is not itself an `Error`,
/// so anyhow cannot take it as a source).
fn sdk_error<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug>(
    e: aws_sdk_sqs::error::SdkError<E, R>,
) -> anyhow::Error {
    anyhow::anyhow!("{}", aws_sdk_sqs::error::DisplayErrorContext(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zonetrail_model::ZoneId;

    #[test]
    fn a_sweep_done_outlasts_pages_held_by_a_dead_consumer() {
        let incomplete = ApplyError::SweepIncomplete {
            zone_id: ZoneId::parse("Z1").unwrap(),
            sweep_id: "s".into(),
            pages_applied: 1,
            pages_expected: 2,
            record_sets_applied: 1,
            record_sets_expected: 2,
        };
        // The CDK app's queue moves a message to the DLQ at its 6th receive: the waits after
        // the first four failures must add up to more than a dead consumer's hold on a page.
        let before_fifth: i32 = (1..=4).map(|n| retry_delay(&incomplete, n)).sum();
        assert!(before_fifth > VISIBILITY_SECS, "{before_fifth} s");
        assert!((1..=10).all(|n| retry_delay(&incomplete, n) <= VISIBILITY_SECS));
        let outage = ApplyError::Invalid("x".into());
        assert_eq!(
            (1..=6).map(|n| retry_delay(&outage, n)).collect::<Vec<_>>(),
            [2, 4, 8, 16, 32, 32]
        );
    }
}
