use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::future::BoxFuture;
use std::time::Duration;
use zonetrail_model::Message;

use super::{Queue, QueueError, encode};
use crate::route53::retry::full_jitter;

/// SendMessageBatch takes at most ten entries.
const MAX_BATCH_ENTRIES: usize = 10;
const MAX_ATTEMPTS: u32 = 6;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// An SQS queue. Bodies go out with SendMessageBatch: at most ten entries and at most
/// `max_message_bytes` in all per call. SQS answers HTTP 200 even when some entries failed,
/// so every answer is checked entry by entry and the failed ones are sent again.
#[derive(Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    max_message_bytes: usize,
}

impl SqsQueue {
    pub fn new(
        client: aws_sdk_sqs::Client,
        url: impl Into<String>,
        max_message_bytes: usize,
    ) -> Self {
        Self { client, url: url.into(), max_message_bytes }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Send raw bodies (each at most `max_message_bytes`), in batches.
    pub async fn send_bodies(&self, bodies: Vec<String>) -> Result<(), QueueError> {
        for batch in batches(bodies, self.max_message_bytes) {
            self.send_batch(batch).await?;
        }
        Ok(())
    }

    async fn send_batch(&self, bodies: Vec<String>) -> Result<(), QueueError> {
        let total = bodies.len();
        // Entry ids are positions in this batch; an entry leaves `pending` once SQS has it.
        let mut pending: Vec<(usize, String)> = bodies.into_iter().enumerate().collect();
        let mut last_error = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            if attempt > 1 {
                tokio::time::sleep(full_jitter(attempt - 1, BACKOFF_BASE, BACKOFF_CAP)).await;
            }
            let entries = pending
                .iter()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .message_body(body.clone())
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| QueueError::Rejected {
                    queue: self.url.clone(),
                    code: "BuildError".into(),
                    reason: e.to_string(),
                })?;
            match self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    if let Some(bad) = out.failed().iter().find(|f| f.sender_fault()) {
                        return Err(QueueError::Rejected {
                            queue: self.url.clone(),
                            code: bad.code().to_owned(),
                            reason: bad.message().unwrap_or_default().to_owned(),
                        });
                    }
                    let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
                    if let Some(f) = out.failed().first() {
                        last_error = format!("{}: {}", f.code(), f.message().unwrap_or_default());
                        tracing::warn!(queue = %self.url, failed = failed.len(), attempt, error = %last_error, "SQS did not take every entry; retrying those");
                    }
                    pending.retain(|(i, _)| failed.contains(&format!("m{i}").as_str()));
                    if pending.is_empty() {
                        return Ok(());
                    }
                }
                Err(err) => {
                    if let Some(code) = permanent_failure(&err) {
                        return Err(QueueError::Rejected {
                            queue: self.url.clone(),
                            code,
                            reason: DisplayErrorContext(&err).to_string(),
                        });
                    }
                    last_error = DisplayErrorContext(&err).to_string();
                    tracing::warn!(queue = %self.url, attempt, error = %last_error, "SendMessageBatch failed; retrying");
                }
            }
        }
        Err(QueueError::Send {
            queue: self.url.clone(),
            failed: pending.len(),
            total,
            attempts: MAX_ATTEMPTS,
            reason: last_error,
        })
    }
}

/// The error code when SQS refused the call for good (a missing queue, no permission, a bad
/// request); throttling, 5xx and transport errors are worth another try.
fn permanent_failure<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    let SdkError::ServiceError(service) = err else { return None };
    let status = service.raw().status().as_u16();
    let code = service.err().code().unwrap_or("Unknown");
    let transient = status >= 500
        || code.contains("Throttl")
        || code.contains("RequestThrottled")
        || code == "KmsThrottled";
    (!transient).then(|| code.to_owned())
}

/// Group bodies into batches of at most ten entries and at most `limit` bytes, in order.
fn batches(bodies: Vec<String>, limit: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    for body in bodies {
        if !current.is_empty() && (current.len() == MAX_BATCH_ENTRIES || bytes + body.len() > limit)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += body.len();
        current.push(body);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl Queue for SqsQueue {
    fn send(&self, messages: Vec<Message>) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move { self.send_bodies(encode(messages, self.max_message_bytes)?).await })
    }

    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_at_most_ten_entries_within_the_byte_limit() {
        let bodies: Vec<String> = (0..25).map(|i| "x".repeat(100 + i)).collect();
        let out = batches(bodies.clone(), 1_000_000);
        assert_eq!(out.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 10, 5]);
        let out = batches(bodies.clone(), 350);
        assert!(
            out.iter().all(|b| b.iter().map(String::len).sum::<usize>() <= 350 && b.len() <= 10)
        );
        assert_eq!(out.concat(), bodies);
    }
}
