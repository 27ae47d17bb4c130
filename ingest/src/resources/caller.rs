//! Paced, retrying calls to one AWS service of one account: a token bucket per account and
//! service, and full-jitter backoff on throttling, 5xx and transport errors (the SDK's own
//! retries are off, as for Route 53; see [`crate::route53`]).

use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use super::ResourceSettings;
use crate::route53::pacer::Pacer;
use crate::route53::retry::{self, Failure};

/// One service of one account: its token bucket and its counts.
pub(super) struct Caller {
    service: &'static str,
    pacer: Pacer,
    settings: ResourceSettings,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl Caller {
    pub(super) fn new(service: &'static str, rps: f64, settings: &ResourceSettings) -> Self {
        Self {
            service,
            pacer: Pacer::new(rps),
            settings: settings.clone(),
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    pub(super) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub(super) fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Run `attempt` under the token bucket until it succeeds or fails for good. The error is
    /// one line naming the service and operation: what the `Failed` listing carries.
    pub(super) async fn call<T, E, F, Fut>(
        &self,
        operation: &str,
        mut attempt: F,
    ) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let max = self.settings.max_attempts.max(1);
        let service = self.service;
        let mut n = 0;
        loop {
            n += 1;
            self.pacer.acquire().await;
            self.calls.fetch_add(1, Ordering::Relaxed);
            let err = match attempt().await {
                Ok(out) => return Ok(out),
                Err(err) => err,
            };
            match retry::classify(&err) {
                Failure::Retryable(message) if n < max => {
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    let delay = retry::full_jitter(
                        n,
                        self.settings.backoff_base,
                        self.settings.backoff_cap,
                    );
                    tracing::warn!(service, operation, attempt = n, delay_ms = delay.as_millis() as u64, error = %message, "call failed; backing off");
                    tokio::time::sleep(delay).await;
                }
                Failure::Retryable(last) => {
                    return Err(format!(
                        "{service}:{operation} still failed after {n} attempts; last error: {last}"
                    ));
                }
                Failure::AccessDenied(message) => {
                    return Err(format!("{service}:{operation}: access denied ({message})"));
                }
                Failure::NotFound(message) | Failure::Fatal(message) => {
                    return Err(format!("{service}:{operation} failed: {message}"));
                }
            }
        }
    }
}
