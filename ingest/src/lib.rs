//! The ingest stage: reads Route 53 and turns what it sees into queue messages
//! (see docs/design.md, "The queue message contract").
//!
//! - [`sweep`]: a full or targeted sweep of hosted zones, paced under one token bucket,
//!   streamed page by page, resumable through a [`SweepTask`] continuation.
//! - [`event`]: decoding of CloudTrail events (EventBridge "AWS API Call via CloudTrail")
//!   into record and zone messages, or a targeted sweep when the event is incomplete.
//! - [`queue`]: the [`Queue`] seam, with an SQS and an in-process implementation.
//! - [`backfill`]: the last 90 days of changes from CloudTrail's event history, through the
//!   same decoder, resumable per window and paced per account.
//! - [`resources`]: the resource side of findings: the resource sweep (Elastic IPs, network
//!   interfaces, S3 buckets, CloudFront, Elastic Beanstalk, health checks), resource events
//!   and AWS's `ip-ranges.json`.
//! - [`lambda`]: the one handler the `ingest-lambda` binary runs.
//!
//! Callers build a [`State`] once and call [`sweep_all`], [`sweep_zone`], [`ingest_event`]
//! or [`lambda::handle`].

pub mod accounts;
pub mod backfill;
pub mod config;
pub mod event;
pub mod lambda;
pub mod queue;
pub mod resources;
pub mod route53;
pub mod sweep;

mod metrics;
mod state;

#[cfg(feature = "fake-route53")]
pub mod fake_cloudtrail;
#[cfg(feature = "fake-route53")]
pub mod fake_route53;

pub use accounts::{
    Account, Accounts, AccountsError, AccountsSetting, OuId, ScopeSettings, is_access_denied,
};
pub use backfill::{
    AccountBackfill, BackfillError, BackfillEvent, BackfillObserver, BackfillReport,
    BackfillRequest, BackfillStore, BackfillTask, BackfillWindow, NoBackfillObserver,
    NoStoredWindows, backfill_all, parse_time_arg,
};
pub use config::{ConfigError, IngestConfig, SweepSettings};
pub use event::{DecodeError, EventError, EventOutcome, ingest_event};
pub use queue::{MemoryQueue, MemoryReceiver, Queue, QueueError, SqsQueue};
pub use resources::{
    ResourceEventOutcome, ResourceSettings, ResourceSweepError, ResourceSweepReport,
    ingest_resource_event, sweep_resources,
};
pub use state::{State, StateError};
pub use sweep::{
    AccountReport, Deadline, Progress, ProgressEvent, SweepAllReport, SweepError, SweepOutcome,
    SweepReport, SweepTask, run_sweep, sweep_all, sweep_zone,
};
