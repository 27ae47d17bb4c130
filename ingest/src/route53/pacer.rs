//! One token bucket for every Route 53 call of a sweep.
//!
//! Route 53 allows five requests a second per account, shared by everything in the account;
//! the sweep keeps under its own share by spacing its calls, retries included.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// A token bucket of capacity one: call `n` starts no earlier than `n / rate` seconds after
/// the first. Waiting callers are served in the order they asked.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// `rate` in requests per second; must be positive and finite (the config checks it).
    pub fn new(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 { rate } else { 1.0 };
        Self { interval: Duration::from_secs_f64(1.0 / rate), next: Mutex::new(None) }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Wait for this call's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let slot = match *next {
                Some(at) if at > now => at,
                _ => now,
            };
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_at_the_rate() {
        let pacer = Pacer::new(4.0);
        let start = Instant::now();
        for _ in 0..9 {
            pacer.acquire().await;
        }
        // Nine calls: the first at once, then eight intervals of 250 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(2000));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_is_not_banked_as_a_burst() {
        let pacer = Pacer::new(2.0);
        pacer.acquire().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let start = Instant::now();
        pacer.acquire().await;
        pacer.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }
}
