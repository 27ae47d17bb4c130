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

use futures::StreamExt;
use std::time::{Duration, SystemTime};
use zonetrail_model::{AccountId, AccountState, ZoneId};

use crate::State;
use crate::accounts::Account;
use crate::queue::QueueError;
use crate::route53::CallError;
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use task::{
    ListingProgress, RecordCursor, Remaining, SweepTask, TaskError, ZoneProgress, new_sweep_id,
};

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

// `T` is a report (and, inside the sweeper, a full sweep's listing): as large as `Paused`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum SweepOutcome<T = SweepReport> {
    Finished(T),
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
    #[error(
        "sweep {sweep_id}: the accounts in scope could not be listed, so nothing was swept: {reason}"
    )]
    Accounts { sweep_id: String, reason: String },
}

/// How one account's part of a sweep went.
#[derive(Debug, Clone)]
pub struct AccountReport {
    pub account_id: AccountId,
    pub account_name: Option<String>,
    pub status: AccountState,
    /// Why, for `access_denied` and `error`.
    pub error: Option<String>,
    pub report: SweepReport,
}

/// A sweep of every account in scope: one entry per account, and the totals.
#[derive(Debug, Clone, Default)]
pub struct SweepAllReport {
    pub sweep_id: String,
    pub accounts: Vec<AccountReport>,
    /// Summed over the accounts (failures included, each zone once).
    pub total: SweepReport,
}

impl SweepAllReport {
    /// Accounts whose sweep did not end `ok`.
    pub fn failed_accounts(&self) -> impl Iterator<Item = &AccountReport> {
        self.accounts.iter().filter(|a| a.status != AccountState::Ok)
    }
}

/// Sweep every hosted zone of every account in scope to the end (the CLI; no deadline).
/// Accounts are swept concurrently, at most `sweep_concurrency` at once, each under its own
/// token bucket; one account's failure never stops the others. Only failing to learn which
/// accounts are in scope fails the whole sweep (and then nothing is sent).
pub async fn sweep_all(
    state: &State,
    progress: &dyn Progress,
) -> Result<SweepAllReport, SweepError> {
    let sweep_id = new_sweep_id();
    let accounts = state
        .in_scope()
        .await
        .map_err(|e| SweepError::Accounts { sweep_id: sweep_id.clone(), reason: e.to_string() })?;
    progress.report(ProgressEvent::AccountsListed { accounts: accounts.len() as u64 });
    let concurrency = state.sweep_concurrency().max(1);
    let mut reports: Vec<AccountReport> = futures::stream::iter(accounts)
        .map(|account| sweep_account(state, account, &sweep_id, progress))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    reports.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut total = SweepReport { sweep_id: sweep_id.clone(), ..SweepReport::default() };
    for r in &reports {
        let r = &r.report;
        total.zones_swept += r.zones_swept;
        total.zones_vanished += r.zones_vanished;
        total.failures.extend(r.failures.iter().cloned());
        total.route53_pages += r.route53_pages;
        total.messages += r.messages;
        total.record_sets += r.record_sets;
        total.route53_calls += r.route53_calls;
        total.route53_retries += r.route53_retries;
    }
    Ok(SweepAllReport { sweep_id, accounts: reports, total })
}

/// One account's full sweep, to the end; its failure is its report's status.
async fn sweep_account(
    state: &State,
    account: Account,
    sweep_id: &str,
    progress: &dyn Progress,
) -> AccountReport {
    let task = SweepTask::full()
        .with_sweep_id(sweep_id.to_owned())
        .in_account(account.id.clone(), account.name.clone());
    let result = run_sweep(state, task, None, progress).await.and_then(finish);
    let (status, error, report) = match result {
        Ok(report) => match report.failures.first() {
            None => (AccountState::Ok, None, report),
            Some(first) => {
                let error = format!(
                    "{} of {} zones failed: {}: {}",
                    report.failures.len(),
                    report.zones_swept + report.zones_vanished + report.failures.len() as u64,
                    first.zone_id,
                    first.error
                );
                (AccountState::Error, Some(error), report)
            }
        },
        Err(e) => {
            let denied = matches!(&e, SweepError::ListZones { source, .. } if crate::accounts::is_access_denied(source));
            let status = if denied { AccountState::AccessDenied } else { AccountState::Error };
            let report = SweepReport { sweep_id: sweep_id.to_owned(), ..SweepReport::default() };
            (status, Some(e.to_string()), report)
        }
    };
    progress.report(ProgressEvent::AccountFinished {
        account_id: account.id.clone(),
        status,
        error: error.clone(),
    });
    AccountReport { account_id: account.id, account_name: account.name, status, error, report }
}

/// Sweep one hosted zone of `account` to the end.
pub async fn sweep_zone(
    state: &State,
    account: &AccountId,
    zone_id: &ZoneId,
    progress: &dyn Progress,
) -> Result<SweepReport, SweepError> {
    let task = SweepTask::zone(zone_id.clone()).in_account(account.clone(), None);
    finish(run_sweep(state, task, None, progress).await?)
}

/// Run a sweep task until it is done or, with a deadline, until time runs short; then the
/// outcome carries the rest.
pub async fn run_sweep(
    state: &State,
    task: SweepTask,
    deadline: Option<Deadline>,
    progress: &dyn Progress,
) -> Result<SweepOutcome, SweepError> {
    let account = task.account_id.clone().unwrap_or_else(|| state.self_account().clone());
    runner::Sweeper::new(state, account, deadline, progress, &task.sweep_id).run(task).await
}

fn finish(outcome: SweepOutcome) -> Result<SweepReport, SweepError> {
    match outcome {
        SweepOutcome::Finished(report) => Ok(report),
        // Without a deadline a sweep never pauses.
        SweepOutcome::Paused { report, .. } => Ok(report),
    }
}
