use futures::future::BoxFuture;
use tokio::sync::mpsc;
use zonetrail_model::Message;

use super::{Queue, QueueError, encode};

/// The in-process queue of the local stack: a bounded channel of message bodies (the same
/// JSON an SQS message would carry). A sweep waits when the consumer falls behind, so memory
/// stays bounded by `capacity` messages.
#[derive(Clone)]
pub struct MemoryQueue {
    sender: mpsc::Sender<String>,
    max_message_bytes: usize,
}

/// The consuming end of a [`MemoryQueue`]; the local writer applies what it receives.
pub struct MemoryReceiver {
    receiver: mpsc::Receiver<String>,
}

impl MemoryQueue {
    pub fn new(capacity: usize, max_message_bytes: usize) -> (Self, MemoryReceiver) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        (Self { sender, max_message_bytes }, MemoryReceiver { receiver })
    }
}

impl Queue for MemoryQueue {
    fn send(&self, messages: Vec<Message>) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            for body in encode(messages, self.max_message_bytes)? {
                self.sender.send(body).await.map_err(|_| QueueError::Closed)?;
            }
            Ok(())
        })
    }

    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }
}

impl MemoryReceiver {
    /// The next body, or `None` once every sender is gone and the channel is empty.
    pub async fn recv(&mut self) -> Option<String> {
        self.receiver.recv().await
    }

    /// Up to `limit` bodies: waits for the first, then takes what is already there.
    pub async fn recv_many(&mut self, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        self.receiver.recv_many(&mut out, limit.max(1)).await;
        out
    }

    /// A body if one is waiting.
    pub fn try_recv(&mut self) -> Option<String> {
        self.receiver.try_recv().ok()
    }
}
