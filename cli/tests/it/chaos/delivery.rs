//! Delivery faults between the ingest and SQS: every message sent 1–3 times, released in a
//! random order (a window of held-back messages is shuffled), as an at-least-once queue may
//! deliver them. It sits behind the ingest's own `Queue` seam, around the real SQS queue.

use rand::Rng;
use rand::rngs::StdRng;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use zonetrail_ingest::queue::encode;
use zonetrail_ingest::{Queue, QueueError, SqsQueue};
use zonetrail_model::Message;

pub struct FaultyDelivery {
    sqs: SqsQueue,
    /// Messages held back before release; 0 sends each as it comes, once.
    window: usize,
    held: Mutex<(Vec<String>, StdRng)>,
    /// Distinct bodies the ingest produced, and bodies put on SQS (duplicates included).
    pub produced: AtomicU64,
    pub delivered: AtomicU64,
}

impl FaultyDelivery {
    pub fn new(sqs: SqsQueue, duplicate_and_reorder: bool, rng: StdRng) -> Self {
        Self {
            sqs,
            window: if duplicate_and_reorder { 12 } else { 0 },
            held: Mutex::new((Vec::new(), rng)),
            produced: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
        }
    }

    /// Release everything held back, in random order.
    pub async fn flush(&self) -> Result<(), QueueError> {
        let out = {
            let mut guard = self.held.lock().unwrap();
            let (held, rng) = &mut *guard;
            let mut out = Vec::with_capacity(held.len());
            while !held.is_empty() {
                let i = rng.random_range(0..held.len());
                out.push(held.swap_remove(i));
            }
            out
        };
        self.put(out).await
    }

    async fn put(&self, bodies: Vec<String>) -> Result<(), QueueError> {
        self.delivered.fetch_add(bodies.len() as u64, Ordering::Relaxed);
        self.sqs.send_bodies(bodies).await
    }
}

impl Queue for FaultyDelivery {
    fn send(
        &self,
        messages: Vec<Message>,
    ) -> Pin<Box<dyn Future<Output = Result<(), QueueError>> + Send + '_>> {
        Box::pin(async move {
            let bodies = encode(messages, self.sqs_limit())?;
            self.produced.fetch_add(bodies.len() as u64, Ordering::Relaxed);
            if self.window == 0 {
                return self.put(bodies).await;
            }
            let release = {
                let mut guard = self.held.lock().unwrap();
                let (held, rng) = &mut *guard;
                for body in bodies {
                    for _ in 0..rng.random_range(1..=3) {
                        held.push(body.clone());
                    }
                }
                let mut release = Vec::new();
                while held.len() > self.window {
                    let i = rng.random_range(0..held.len());
                    release.push(held.swap_remove(i));
                }
                release
            };
            self.put(release).await
        })
    }

    fn max_message_bytes(&self) -> usize {
        self.sqs_limit()
    }
}

impl FaultyDelivery {
    fn sqs_limit(&self) -> usize {
        self.sqs.max_message_bytes()
    }
}
