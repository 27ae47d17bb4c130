use std::sync::Arc;

use crate::config::{ConfigError, IngestConfig};
use crate::queue::{Queue, SqsQueue};

/// Everything the ingest needs, built once at start-up: settings, the Route 53 client, the
/// queue for messages and (on AWS) the sweep queue for continuations and targeted sweeps.
pub struct State {
    pub config: IngestConfig,
    pub route53: aws_sdk_route53::Client,
    pub queue: Arc<dyn Queue>,
    /// Where a sweep that runs out of time, or a targeted sweep an event asks for, is handed
    /// over. Without it, targeted sweeps run inline and sweeps run to the end.
    pub sweep_queue: Option<SqsQueue>,
}

impl State {
    /// The Lambda's state: settings from the environment, and the SQS queue at
    /// `ZONETRAIL_QUEUE_URL` (required).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = IngestConfig::from_env()?;
        let url = config.queue_url.clone().ok_or(ConfigError::Missing("ZONETRAIL_QUEUE_URL"))?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), url, config.max_message_bytes);
        Ok(Self::new(&sdk, config, Arc::new(queue)))
    }

    /// A state around a queue of the caller's choosing (the CLI passes the in-process queue,
    /// or SQS when `ZONETRAIL_QUEUE_URL` is set).
    pub fn new(sdk: &aws_config::SdkConfig, config: IngestConfig, queue: Arc<dyn Queue>) -> Self {
        let sweep_queue = config
            .sweep_queue_url
            .clone()
            .map(|url| SqsQueue::new(aws_sdk_sqs::Client::new(sdk), url, config.max_message_bytes));
        Self { route53: crate::route53::client(sdk), config, queue, sweep_queue }
    }
}
