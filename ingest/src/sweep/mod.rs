//! Sweeps: read every record set of every hosted zone (or of one zone) and queue them page by
//! page, so the writer can apply them and reconcile what is gone.
//!
//! Per zone the queue receives one `zone` message (origin page 0, which is not a page), then
//! `records` messages numbered 1..=N (a Route 53 page too large for one message is split,
//! and each part gets its own number), then one `sweep_done` with `pages: N`. Memory holds
//! one page at a time, whatever the zone size.

mod progress;
mod runner;
mod task;
mod zone;

use std::time::{Duration, SystemTime};
use zonetrail_model::ZoneId;

use crate::State;
use crate::queue::QueueError;
use crate::route53::CallError;
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use task::{RecordCursor, Remaining, SweepTask, TaskError, ZoneProgress, new_sweep_id};

/// When a Lambda invocation must stop: its deadline less a margin for handing over.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: SystemTime,
    pub margin: Duration,
}

impl Deadline {
    /// From the Lambda context's deadline (milliseconds since the epoch); `None` for 0.
    pub fn from_epoch_millis(millis: u64, margin: Duration) -> Option<Self> {
        (millis > 0)
            .then(|| Self { at: SystemTime::UNIX_EPOCH + Duration::from_millis(millis), margin })
    }

    pub fn is_near(&self) -> bool {
        SystemTime::now() + self.margin >= self.at
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFailure {
    pub zone_id: ZoneId,
    pub error: String,
}

/// What one run (one invocation, for a continued sweep) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub sweep_id: String,
    /// Zones whose sweep finished with a `sweep_done`.
    pub zones_swept: u64,
    /// Zones deleted while the sweep ran: skipped, no `sweep_done`.
    pub zones_vanished: u64,
    /// Zones whose sweep failed: no `sweep_done`, so nothing is reconciled for them.
    pub failures: Vec<ZoneFailure>,
    pub route53_pages: u64,
    pub messages: u64,
    pub record_sets: u64,
    /// Route 53 calls made, retries included, and how many of them were retries.
    pub route53_calls: u64,
    pub route53_retries: u64,
}

#[derive(Debug)]
pub enum SweepOutcome {
    Finished(SweepReport),
    /// Out of time: `rest` is what is left, for the next invocation.
    Paused {
        report: SweepReport,
        rest: SweepTask,
    },
}

impl SweepOutcome {
    pub fn report(&self) -> &SweepReport {
        match self {
            SweepOutcome::Finished(report) | SweepOutcome::Paused { report, .. } => report,
        }
    }
}

/// A failure that stops the whole sweep. A failure confined to one zone is a
/// [`ZoneFailure`] in the report instead, and the sweep goes on with the next zone.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("sweep {sweep_id}: listing hosted zones failed after {zones_swept} zones: {source}")]
    ListZones { sweep_id: String, zones_swept: u64, source: CallError },
    #[error(
        "sweep {sweep_id}: ListHostedZones returned the marker {marker:?} it was given; stopping instead of looping"
    )]
    ListingStuck { sweep_id: String, marker: String },
    #[error("sweep {sweep_id}: ListHostedZones returned the zone id {id:?}: {reason}")]
    BadZone { sweep_id: String, id: String, reason: String },
    #[error("sweep {sweep_id}: the queue refused a message: {source}")]
    Queue { sweep_id: String, source: QueueError },
}

/// Sweep every hosted zone to the end (the CLI; no deadline).
pub async fn sweep_all(state: &State, progress: &dyn Progress) -> Result<SweepReport, SweepError> {
    finish(run_sweep(state, SweepTask::full(), None, progress).await?)
}

/// Sweep one hosted zone to the end.
pub async fn sweep_zone(
    state: &State,
    zone_id: &ZoneId,
    progress: &dyn Progress,
) -> Result<SweepReport, SweepError> {
    finish(run_sweep(state, SweepTask::zone(zone_id.clone()), None, progress).await?)
}

/// Run a sweep task until it is done or, with a deadline, until time runs short; then the
/// outcome carries the rest.
pub async fn run_sweep(
    state: &State,
    task: SweepTask,
    deadline: Option<Deadline>,
    progress: &dyn Progress,
) -> Result<SweepOutcome, SweepError> {
    runner::Sweeper::new(state, deadline, progress, &task.sweep_id).run(task).await
}

fn finish(outcome: SweepOutcome) -> Result<SweepReport, SweepError> {
    match outcome {
        SweepOutcome::Finished(report) => Ok(report),
        // Without a deadline a sweep never pauses.
        SweepOutcome::Paused { report, .. } => Ok(report),
    }
}
