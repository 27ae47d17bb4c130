//! Calling CloudTrail's LookupEvents: one paced, retrying caller per account.
//!
//! As for Route 53, the SDK's own retries are off, so that every attempt goes through the
//! account's token bucket and our full-jitter backoff, where the backfill counts them.

use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use zonetrail_model::Timestamp;

use crate::config::SweepSettings;
use crate::route53::{CallError, Failure, Pacer, retry};

/// Route 53's calls are recorded under this event source.
pub const ROUTE53_EVENT_SOURCE: &str = "route53.amazonaws.com";
/// LookupEvents returns at most 50 events a page.
pub const PAGE_SIZE: i32 = 50;

/// A CloudTrail client for the backfill, in `region` whatever the configuration says (Route
/// 53's events are recorded in us-east-1), with no SDK retries and bounded timeouts. Built
/// from the shared configuration, so `AWS_ENDPOINT_URL_CLOUDTRAIL` applies when the
/// configuration was loaded from the environment.
pub fn cloudtrail_client(sdk: &aws_config::SdkConfig, region: &str) -> aws_sdk_cloudtrail::Client {
    let config = aws_sdk_cloudtrail::config::Builder::from(sdk)
        .region(aws_sdk_cloudtrail::config::Region::new(region.to_owned()))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .build();
    aws_sdk_cloudtrail::Client::from_conf(config)
}

#[derive(Debug)]
pub(super) enum LookupError {
    /// CloudTrail no longer accepts the token (`InvalidNextTokenException`).
    InvalidToken(String),
    Call(CallError),
}

/// Paces and retries one account's LookupEvents calls, and counts them.
pub(super) struct CloudTrail {
    client: aws_sdk_cloudtrail::Client,
    pacer: Pacer,
    settings: SweepSettings,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl CloudTrail {
    pub(super) fn new(
        client: aws_sdk_cloudtrail::Client,
        rps: f64,
        settings: &SweepSettings,
    ) -> Self {
        Self {
            client,
            pacer: Pacer::new(rps),
            settings: settings.clone(),
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    pub(super) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Attempts throttled (or failed with a 5xx or no answer) and tried again.
    pub(super) fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// One page of Route 53's events in [`start`, `end`], newest first, from `token`. The same
    /// page is asked for again on throttling, 5xx and transport errors (never skipped), up to
    /// the sweep's `max_attempts`.
    pub(super) async fn lookup(
        &self,
        start: Timestamp,
        end: Timestamp,
        token: Option<&str>,
    ) -> Result<LookupEventsOutput, LookupError> {
        let operation = "LookupEvents";
        let max = self.settings.max_attempts.max(1);
        let source = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::EventSource)
            .attribute_value(ROUTE53_EVENT_SOURCE)
            .build()
            .map_err(|e| {
                LookupError::Call(CallError::Rejected {
                    operation: operation.into(),
                    message: e.to_string(),
                })
            })?;
        let mut n = 0;
        loop {
            n += 1;
            self.pacer.acquire().await;
            self.calls.fetch_add(1, Ordering::Relaxed);
            let err = match self
                .client
                .lookup_events()
                .lookup_attributes(source.clone())
                .start_time(smithy_time(start))
                .end_time(smithy_time(end))
                .max_results(PAGE_SIZE)
                .set_next_token(token.map(str::to_owned))
                .send()
                .await
            {
                Ok(out) => return Ok(out),
                Err(err) => err,
            };
            if err.code() == Some("InvalidNextTokenException") {
                return Err(LookupError::InvalidToken(
                    aws_sdk_cloudtrail::error::DisplayErrorContext(&err).to_string(),
                ));
            }
            let failure = match retry::classify(&err) {
                // Route 53's "no such zone" has no CloudTrail meaning: a refusal like any other.
                Failure::NotFound(message) => Failure::Fatal(message),
                other => other,
            };
            let operation = operation.to_owned();
            return Err(LookupError::Call(match failure {
                Failure::Retryable(message) if n < max => {
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    let delay = retry::full_jitter(
                        n,
                        self.settings.backoff_base,
                        self.settings.backoff_cap,
                    );
                    tracing::warn!(attempt = n, delay_ms = delay.as_millis() as u64, error = %message, "LookupEvents failed; backing off and asking for the same page again");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Failure::Retryable(last) => CallError::GaveUp { operation, attempts: n, last },
                Failure::AccessDenied(message) => CallError::AccessDenied { operation, message },
                Failure::NotFound(message) | Failure::Fatal(message) => {
                    CallError::Rejected { operation, message }
                }
            }));
        }
    }
}

fn smithy_time(t: Timestamp) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(t.timestamp(), t.timestamp_subsec_nanos())
}

/// An SDK time as ours (`None` when out of chrono's range).
pub(super) fn from_smithy(t: &aws_smithy_types::DateTime) -> Option<Timestamp> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
