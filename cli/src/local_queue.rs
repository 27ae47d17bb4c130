//! The in-process queue of the local stack: the ingest's bodies, in order, to the local
//! writer, and a barrier that waits until everything sent before it has been applied (the
//! evaluation of every record after a resource sweep must see that sweep's listings).

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use zonetrail_ingest::queue::encode;
use zonetrail_ingest::{Queue, QueueError};
use zonetrail_model::Message;

pub enum Item {
    Body(String),
    /// Answered by the writer once every body before it is applied.
    Barrier(oneshot::Sender<()>),
}

/// A bounded channel of message bodies (the same JSON an SQS message would carry): a sweep
/// waits when the writer falls behind, so memory stays bounded by `capacity` messages.
#[derive(Clone)]
pub struct LocalQueue {
    sender: mpsc::Sender<Item>,
    max_message_bytes: usize,
}

pub struct LocalReceiver {
    receiver: mpsc::Receiver<Item>,
}

impl LocalQueue {
    pub fn new(capacity: usize, max_message_bytes: usize) -> (Self, LocalReceiver) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        (Self { sender, max_message_bytes }, LocalReceiver { receiver })
    }

    /// Wait until the writer has applied (or given up on) everything sent before this call.
    /// Returns `false` when the writer has stopped.
    pub async fn barrier(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.sender.send(Item::Barrier(tx)).await.is_err() {
            return false;
        }
        rx.await.is_ok()
    }
}

impl Queue for LocalQueue {
    fn send(&self, messages: Vec<Message>) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            for body in encode(messages, self.max_message_bytes)? {
                self.sender.send(Item::Body(body)).await.map_err(|_| QueueError::Closed)?;
            }
            Ok(())
        })
    }

    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }
}

impl LocalReceiver {
    /// The next item, or `None` once every sender is gone and the channel is empty.
    pub async fn recv(&mut self) -> Option<Item> {
        self.receiver.recv().await
    }
}
