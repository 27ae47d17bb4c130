//! The queue seam: where the ingest puts its messages. SQS on AWS (and locally when
//! `ZONETRAIL_QUEUE_URL` is set), a bounded in-process channel for the local stack.

mod memory;
mod sqs;

use futures::future::BoxFuture;
use zonetrail_model::{Message, MessageError, split_records};

pub use memory::{MemoryQueue, MemoryReceiver};
pub use sqs::SqsQueue;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("a {kind} message of {bytes} bytes does not fit the {limit}-byte message limit")]
    TooLarge { kind: &'static str, bytes: usize, limit: usize },
    #[error(transparent)]
    Split(#[from] MessageError),
    #[error("the in-process queue is closed: its consumer has stopped")]
    Closed,
    #[error(
        "sending to {queue}: {failed} of {total} messages still failed after {attempts} attempts: {reason}"
    )]
    Send { queue: String, failed: usize, total: usize, attempts: u32, reason: String },
    #[error("sending to {queue}: SQS rejected a message as invalid ({code}): {reason}")]
    Rejected { queue: String, code: String, reason: String },
}

/// Somewhere to put messages. Implementations accept a batch and return once every message
/// in it is accepted (SQS: stored; in-process: handed to the bounded channel).
pub trait Queue: Send + Sync {
    /// Send the messages, splitting record batches that exceed [`Queue::max_message_bytes`].
    fn send(&self, messages: Vec<Message>) -> BoxFuture<'_, Result<(), QueueError>>;

    /// The largest message body this queue takes.
    fn max_message_bytes(&self) -> usize;
}

/// The bodies to put on a queue: one JSON document per message, record batches split with
/// [`split_records`] so that each body is at most `limit` bytes.
pub fn encode(messages: Vec<Message>, limit: usize) -> Result<Vec<String>, QueueError> {
    let mut bodies = Vec::with_capacity(messages.len());
    for message in messages {
        match message {
            Message::Records(records) => {
                for part in split_records(records, limit)? {
                    bodies.push(Message::Records(part).to_json());
                }
            }
            other => {
                let body = other.to_json();
                if body.len() > limit {
                    return Err(QueueError::TooLarge {
                        kind: other.kind(),
                        bytes: body.len(),
                        limit,
                    });
                }
                bodies.push(body);
            }
        }
    }
    Ok(bodies)
}
