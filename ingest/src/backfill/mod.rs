//! The backfill: the last 90 days of Route 53 changes from CloudTrail's event history
//! (`LookupEvents`), turned into the observations the live event path makes (see
//! docs/design.md, "Backfill").
//!
//! - **Per account** ([`backfill_all`]): every account in scope, at most `sweep_concurrency`
//!   at once, each with its own CloudTrail client ([`State::cloudtrail_for`]: its own
//!   credentials, us-east-1, `AWS_ENDPOINT_URL_CLOUDTRAIL` honoured) and its own token bucket
//!   (`ZONETRAIL_CLOUDTRAIL_RPS`). An account whose CloudTrail refuses us is reported as
//!   `access_denied`; the others go on.
//! - **Windows** ([`plan_windows`]): the stored windows ([`BackfillStore`]) say what has been
//!   read. Unfinished ones are resumed from their `NextToken`, then only the parts of the
//!   request no stored window covers are read, each as a new window.
//! - **Pages**: newest first, 50 events a page. Each event is wrapped in the EventBridge
//!   envelope and decoded by [`crate::event::decode_event`]; its messages name the account and
//!   carry `backfill: true`. A page's messages are sent, THEN its `backfill_progress`, so a
//!   progress stored always means its page was sent. Throttling and 5xx retry the same page;
//!   a refused `NextToken` restarts the window from `read_until`.
//! - **Lambda**: a [`BackfillTask`] per account on the sweep queue, run until the
//!   invocation's [`Deadline`] and continued through the queue ([`run_backfill_task`]).

mod cloudtrail;
mod plan;
mod runner;
mod task;
mod time;
mod writer_store;

use futures::StreamExt;
use futures::future::BoxFuture;
use zonetrail_model::{AccountId, AccountState, BackfillCounts, BackfillProgress, Timestamp};

use crate::State;
use crate::accounts::Account;
use crate::sweep::Deadline;
pub use cloudtrail::{PAGE_SIZE, ROUTE53_EVENT_SOURCE, cloudtrail_client};
pub use plan::{BackfillWindow, Plan, new_backfill_id, plan_windows};
pub use task::{BACKFILL_TASK_KEY, BACKFILL_TASK_VERSION, BackfillTask, BackfillTaskError};
pub use time::{BackfillRequest, HISTORY_DAYS, parse_time_arg};
pub use writer_store::WriterFunctionStore;

/// Where the backfill's progress is kept (the writer's `backfill_progress` table): the CLI
/// reads it with `zonetrail_writer::backfill::windows`, the Lambda asks the writer function.
pub trait BackfillStore: Send + Sync {
    /// Every stored window of `account` (done or not).
    fn windows<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, Result<Vec<BackfillProgress>, String>>;
}

/// No stored windows: everything asked for is read (the writer dedupes, so it only costs
/// reads). For a Lambda without `ZONETRAIL_WRITER_FUNCTION`.
pub struct NoStoredWindows;

impl BackfillStore for NoStoredWindows {
    fn windows<'a>(
        &'a self,
        _account: &'a AccountId,
    ) -> BoxFuture<'a, Result<Vec<BackfillProgress>, String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// What a backfill tells its caller while it runs (the CLI draws its progress bar from it).
#[derive(Debug, Clone)]
pub enum BackfillEvent {
    /// The accounts in scope are known.
    AccountsListed { accounts: u64 },
    /// An account's windows are planned: `seconds` of event history to read in all.
    AccountPlanned { account_id: AccountId, windows: u64, skipped: u64, seconds: u64 },
    /// A window's reading begins (`resumed`: a stored window, from its token).
    WindowStarted {
        account_id: AccountId,
        backfill_id: String,
        since: Timestamp,
        until: Timestamp,
        read_until: Timestamp,
        resumed: bool,
    },
    /// A page was read and sent: `events` on it; `seconds` of history it covered.
    Page {
        account_id: AccountId,
        backfill_id: String,
        since: Timestamp,
        until: Timestamp,
        read_until: Timestamp,
        events: u64,
        seconds: u64,
    },
    /// Every page of the window was read (its counts over all its runs).
    WindowFinished {
        account_id: AccountId,
        backfill_id: String,
        pages: u64,
        counts: BackfillCounts,
    },
    /// The account's backfill ended (`ok`, `access_denied` or `error`).
    AccountFinished { account_id: AccountId, status: AccountState, error: Option<String> },
}

pub trait BackfillObserver: Send + Sync {
    fn report(&self, event: BackfillEvent);
}

impl<F: Fn(BackfillEvent) + Send + Sync> BackfillObserver for F {
    fn report(&self, event: BackfillEvent) {
        self(event)
    }
}

/// For callers that do not show progress.
pub struct NoBackfillObserver;

impl BackfillObserver for NoBackfillObserver {
    fn report(&self, _event: BackfillEvent) {}
}

/// How one account's backfill (or one invocation's part of it) went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBackfill {
    pub account_id: AccountId,
    pub account_name: Option<String>,
    pub status: AccountState,
    /// Why, for `access_denied` and `error`.
    pub error: Option<String>,
    /// Windows this run read at least one page of.
    pub windows_read: u64,
    /// Of those, stored windows resumed from where they stopped.
    pub windows_resumed: u64,
    /// Windows read to their end in this run.
    pub windows_done: u64,
    /// Finished windows not read again.
    pub windows_skipped: u64,
    /// Pages read in this run, and what became of their events.
    pub pages: u64,
    pub counts: BackfillCounts,
    /// LookupEvents calls made, and how many were retries (throttling, 5xx).
    pub calls: u64,
    pub throttled: u64,
}

impl AccountBackfill {
    /// An `ok` report with nothing read yet.
    pub fn new(account_id: AccountId, account_name: Option<String>) -> Self {
        Self {
            account_id,
            account_name,
            status: AccountState::Ok,
            error: None,
            windows_read: 0,
            windows_resumed: 0,
            windows_done: 0,
            windows_skipped: 0,
            pages: 0,
            counts: BackfillCounts::default(),
            calls: 0,
            throttled: 0,
        }
    }
}

/// A backfill of every account in scope: one entry per account (by account id), and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    pub request: BackfillRequest,
    pub accounts: Vec<AccountBackfill>,
    pub windows_read: u64,
    pub windows_skipped: u64,
    pub pages: u64,
    pub counts: BackfillCounts,
    pub throttled: u64,
}

impl BackfillReport {
    /// Accounts whose backfill did not end `ok`.
    pub fn failed_accounts(&self) -> impl Iterator<Item = &AccountBackfill> {
        self.accounts.iter().filter(|a| a.status != AccountState::Ok)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("the accounts in scope could not be listed, so nothing was backfilled: {0}")]
    Accounts(String),
}

/// Backfill `request` in every account in scope, to the end (the CLI; no deadline). Accounts
/// run concurrently, at most `sweep_concurrency` at once, each with its own client and token
/// bucket; one account's failure never stops the others. Only failing to learn which accounts
/// are in scope fails the whole backfill (and then nothing is read).
pub async fn backfill_all(
    state: &State,
    request: &BackfillRequest,
    store: &dyn BackfillStore,
    observer: &dyn BackfillObserver,
) -> Result<BackfillReport, BackfillError> {
    let accounts = state.in_scope().await.map_err(|e| BackfillError::Accounts(e.to_string()))?;
    observer.report(BackfillEvent::AccountsListed { accounts: accounts.len() as u64 });
    let concurrency = state.sweep_concurrency().max(1);
    let mut reports: Vec<AccountBackfill> = futures::stream::iter(accounts)
        .map(|account| backfill_account(state, account, request, store, observer))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    reports.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut report = BackfillReport {
        request: *request,
        accounts: Vec::new(),
        windows_read: 0,
        windows_skipped: 0,
        pages: 0,
        counts: BackfillCounts::default(),
        throttled: 0,
    };
    for r in &reports {
        report.windows_read += r.windows_read;
        report.windows_skipped += r.windows_skipped;
        report.pages += r.pages;
        report.throttled += r.throttled;
        runner::add(&mut report.counts, &r.counts);
    }
    report.accounts = reports;
    Ok(report)
}

/// One account's backfill of `request`, to the end: its windows planned from `store`, then
/// read. Its failure is its report's status.
pub async fn backfill_account(
    state: &State,
    account: Account,
    request: &BackfillRequest,
    store: &dyn BackfillStore,
    observer: &dyn BackfillObserver,
) -> AccountBackfill {
    let plan = match plan_account(&account.id, request, store).await {
        Ok(plan) => plan,
        Err(error) => {
            let mut report = AccountBackfill::new(account.id, account.name);
            report.status = AccountState::Error;
            report.error = Some(error);
            finished(observer, &report);
            return report;
        }
    };
    let task = BackfillTask::new(account.id, account.name, plan.windows, plan.skipped);
    match run_backfill_task(state, task, None, observer).await {
        BackfillOutcome::Finished(report) | BackfillOutcome::Paused { report, .. } => report,
    }
}

/// An account's windows for `request`: its stored windows read from `store`, then
/// [`plan_windows`]. A store that cannot be read is an error naming the account.
pub async fn plan_account(
    account: &AccountId,
    request: &BackfillRequest,
    store: &dyn BackfillStore,
) -> Result<Plan, String> {
    let stored = store
        .windows(account)
        .await
        .map_err(|e| format!("the stored backfill windows of {account} could not be read: {e}"))?;
    let stored: Vec<BackfillProgress> =
        stored.into_iter().filter(|p| &p.account_id == account).collect();
    Ok(plan_windows(request, &stored, new_backfill_id))
}

/// How a task's run ended.
#[derive(Debug)]
pub enum BackfillOutcome {
    /// Every window was read, or the account failed (see the report's status).
    Finished(AccountBackfill),
    /// Out of time: `rest` is what is left, for the next invocation.
    Paused { report: AccountBackfill, rest: BackfillTask },
}

impl BackfillOutcome {
    pub fn report(&self) -> &AccountBackfill {
        match self {
            BackfillOutcome::Finished(report) | BackfillOutcome::Paused { report, .. } => report,
        }
    }
}

/// Read a task's windows in order until they are all done or, with a deadline, until time runs
/// short; then the outcome carries the rest. A failure (access denied, CloudTrail still
/// throttling after every attempt, the queue refusing) ends the task with the report's status
/// and error: every page whose progress was sent is kept, and a rerun resumes from there.
pub async fn run_backfill_task(
    state: &State,
    mut task: BackfillTask,
    deadline: Option<Deadline>,
    observer: &dyn BackfillObserver,
) -> BackfillOutcome {
    let account = task.account_id.clone();
    let span = tracing::info_span!("backfill", account_id = %account);
    let _enter = span.enter();
    let mut report = AccountBackfill::new(account.clone(), task.account_name.clone());
    report.windows_skipped = task.skipped;
    observer.report(BackfillEvent::AccountPlanned {
        account_id: account.clone(),
        windows: task.windows.len() as u64,
        skipped: task.skipped,
        seconds: task.windows.iter().map(BackfillWindow::seconds_left).sum(),
    });
    let mut runner = runner::Runner {
        account: account.clone(),
        cloudtrail: cloudtrail::CloudTrail::new(
            state.cloudtrail_for(&account),
            state.config.cloudtrail_rps,
            &state.config.sweep,
        ),
        queue: state.queue.as_ref(),
        observer,
        deadline,
        pages: 0,
        counts: BackfillCounts::default(),
    };
    let mut windows = std::mem::take(&mut task.windows).into_iter();
    let mut paused = None;
    for mut window in windows.by_ref() {
        observer.report(BackfillEvent::WindowStarted {
            account_id: account.clone(),
            backfill_id: window.backfill_id.clone(),
            since: window.since,
            until: window.until,
            read_until: window.read_until,
            resumed: window.resumed,
        });
        let pages_before = runner.pages;
        let result = runner.run_window(&mut window).await;
        if runner.pages > pages_before {
            report.windows_read += 1;
            report.windows_resumed += u64::from(window.resumed);
        }
        match result {
            Ok(runner::WindowEnd::Done) => {
                report.windows_done += 1;
                tracing::info!(backfill_id = %window.backfill_id, pages = window.pages, events = window.counts.events, "window read to its end");
                observer.report(BackfillEvent::WindowFinished {
                    account_id: account.clone(),
                    backfill_id: window.backfill_id.clone(),
                    pages: window.pages,
                    counts: window.counts,
                });
            }
            Ok(runner::WindowEnd::Paused) => {
                paused = Some(window);
                break;
            }
            Err(error) => {
                report.status = if error.is_access_denied() {
                    AccountState::AccessDenied
                } else {
                    AccountState::Error
                };
                report.error = Some(error.to_string());
                tracing::error!(status = report.status.as_str(), error = %error, "account backfill stopped; what was sent is kept, and a rerun resumes from there");
                break;
            }
        }
    }
    report.pages = runner.pages;
    report.counts = runner.counts;
    report.calls = runner.cloudtrail.calls();
    report.throttled = runner.cloudtrail.retries();
    match paused {
        Some(window) => {
            task.windows = std::iter::once(window).chain(windows).collect();
            task.skipped = 0;
            BackfillOutcome::Paused { report, rest: task }
        }
        None => {
            finished(observer, &report);
            BackfillOutcome::Finished(report)
        }
    }
}

fn finished(observer: &dyn BackfillObserver, report: &AccountBackfill) {
    observer.report(BackfillEvent::AccountFinished {
        account_id: report.account_id.clone(),
        status: report.status,
        error: report.error.clone(),
    });
}
