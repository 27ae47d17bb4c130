//! Calling Route 53: one paced, retrying caller per sweep.
//!
//! The SDK's own retries are switched off so that every attempt goes through our token
//! bucket and our full-jitter backoff, where a sweep can see and count them.

pub mod convert;
pub mod pacer;
pub mod retry;

use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::SweepSettings;
pub use pacer::Pacer;
pub use retry::Failure;

/// A Route 53 client for zonetrail: no SDK retries (ours pace and back off instead), bounded
/// timeouts, and `us-east-1` when no region is configured (Route 53 is global and signs there).
pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_route53::Client {
    let mut builder = aws_sdk_route53::config::Builder::from(sdk)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if sdk.region().is_none() {
        builder = builder.region(aws_sdk_route53::config::Region::new("us-east-1"));
    }
    aws_sdk_route53::Client::from_conf(builder.build())
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{operation}: no such hosted zone ({message})")]
    NotFound { operation: String, message: String },
    #[error("{operation} still failed after {attempts} attempts; last error: {last}")]
    GaveUp { operation: String, attempts: u32, last: String },
    #[error("{operation} failed: {message}")]
    Rejected { operation: String, message: String },
    /// The account cannot be read (Route 53 or assume-role refused): status `access_denied`.
    #[error("{operation}: access denied ({message})")]
    AccessDenied { operation: String, message: String },
}

impl CallError {
    /// Whether the account cannot be read (see [`crate::accounts::is_access_denied`]).
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Self::AccessDenied { .. })
    }
}

/// Paces and retries the Route 53 calls of one sweep, and counts them.
pub struct Route53 {
    client: aws_sdk_route53::Client,
    pacer: Pacer,
    settings: SweepSettings,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl Route53 {
    pub fn new(client: aws_sdk_route53::Client, settings: &SweepSettings) -> Self {
        Self {
            client,
            pacer: Pacer::new(settings.route53_rps),
            settings: settings.clone(),
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    pub fn client(&self) -> &aws_sdk_route53::Client {
        &self.client
    }

    /// Calls made so far, retries included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Attempts that failed with a retryable error and were tried again.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Run `attempt` under the token bucket until it succeeds, retrying throttling,
    /// `PriorRequestNotComplete`, 5xx and transport errors with full-jitter backoff.
    pub async fn call<T, E, F, Fut>(&self, operation: &str, mut attempt: F) -> Result<T, CallError>
    where
        F: FnMut(&aws_sdk_route53::Client) -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let max = self.settings.max_attempts.max(1);
        let mut n = 0;
        loop {
            n += 1;
            self.pacer.acquire().await;
            self.calls.fetch_add(1, Ordering::Relaxed);
            let err = match attempt(&self.client).await {
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
                    tracing::warn!(operation, attempt = n, delay_ms = delay.as_millis() as u64, error = %message, "Route 53 call failed; backing off");
                    tokio::time::sleep(delay).await;
                }
                Failure::Retryable(last) => {
                    return Err(CallError::GaveUp {
                        operation: operation.to_owned(),
                        attempts: n,
                        last,
                    });
                }
                Failure::NotFound(message) => {
                    return Err(CallError::NotFound { operation: operation.to_owned(), message });
                }
                Failure::Fatal(message) => {
                    return Err(CallError::Rejected { operation: operation.to_owned(), message });
                }
                Failure::AccessDenied(message) => {
                    return Err(CallError::AccessDenied {
                        operation: operation.to_owned(),
                        message,
                    });
                }
            }
        }
    }
}
