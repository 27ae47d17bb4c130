//! The `ingest-lambda` handler: one function answers the schedule, CloudTrail events and the
//! sweep queue.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::StreamExt;
use lambda_runtime::LambdaEvent;
use serde_json::{Value, json};

use crate::backfill::{
    BackfillOutcome, BackfillRequest, BackfillStore, BackfillTask, NoBackfillObserver,
    NoStoredWindows, WriterFunctionStore, plan_account, run_backfill_task,
};
use crate::event::{CLOUDTRAIL_DETAIL_TYPE, EventOutcome, TargetedSweep, ingest_event};
use crate::metrics::{backfill_emf, sweep_emf};
use crate::sweep::{
    Deadline, NoProgress, SweepOutcome, SweepReport, SweepTask, new_sweep_id, run_sweep,
};
use crate::{EventError, State, SweepError};

/// EventBridge's schedule events carry this detail-type.
pub const SCHEDULE_DETAIL_TYPE: &str = "Scheduled Event";

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(
        "unrecognised invocation: expected a \"{SCHEDULE_DETAIL_TYPE}\", an \"{CLOUDTRAIL_DETAIL_TYPE}\" event or SQS records; got {0}"
    )]
    Unrecognised(String),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error(
        "sweep {sweep_id} ran out of time and ZONETRAIL_SWEEP_QUEUE_URL is not set, so the rest cannot be handed over"
    )]
    NoSweepQueue { sweep_id: String },
    #[error("sweep {sweep_id}: handing the rest to the sweep queue failed: {source}")]
    Handoff { sweep_id: String, source: crate::QueueError },
    #[error("sweep {sweep_id}: {failed} zone(s) failed, first {zone_id}: {error}")]
    ZonesFailed { sweep_id: String, failed: usize, zone_id: String, error: String },
    #[error("SQS message {message_id}: {reason}")]
    BadTask { message_id: String, reason: String },
    #[error("the scheduled sweep could not list the accounts in scope, so nothing was swept: {0}")]
    Accounts(#[from] crate::AccountsError),
    #[error(
        "the scheduled sweep covers {accounts} accounts, but ZONETRAIL_SWEEP_QUEUE_URL is not set, so it cannot write one sweep task per account"
    )]
    NoSweepQueueForAccounts { accounts: usize },
    #[error(
        "sweep {sweep_id}: writing the accounts' sweep tasks to the sweep queue failed: {source}"
    )]
    FanOut { sweep_id: String, source: crate::QueueError },
    #[error(
        "malformed backfill invocation, nothing queued: {0} (expected {{\"backfill\": {{\"since\": \"90d\", \"until\": \"2026-12-01T00:00:00Z\"}}}}, until optional)"
    )]
    BadBackfill(String),
    #[error(
        "the backfill needs ZONETRAIL_SWEEP_QUEUE_URL to queue one backfill task per account; nothing was read"
    )]
    NoSweepQueueForBackfill,
    #[error("the backfill could not be planned, nothing queued: {0}")]
    BackfillPlan(String),
    #[error("writing the accounts' backfill tasks to the sweep queue failed: {0}")]
    BackfillFanOut(crate::QueueError),
    #[error("backfill of {account_id}: handing the rest to the sweep queue failed: {source}")]
    BackfillHandoff { account_id: String, source: crate::QueueError },
    #[error("backfill of {account_id} failed: {error}")]
    BackfillFailed { account_id: String, error: String },
    #[error(transparent)]
    ResourceSweep(#[from] crate::ResourceSweepError),
}

/// `{"resource_sweep": {}}` (a schedule): the resource sweep of every account in scope, in
/// this invocation (accounts at most `ZONETRAIL_SWEEP_CONCURRENCY` at once), then
/// `ip-ranges.json` when `ZONETRAIL_IP_RANGES_URL` is set. Failed listings are sent as such and
/// counted; only the accounts or the queue failing fails the invocation.
async fn resource_sweep(state: &State) -> Result<Value, HandlerError> {
    let report = crate::resources::sweep_resources(
        &state.accounts,
        &state.config.resources,
        state.queue.as_ref(),
    )
    .await?;
    let ip_ranges = match &report.ip_ranges {
        crate::resources::IpRangesOutcome::Off => json!("off"),
        crate::resources::IpRangesOutcome::Sent { sync_token, prefixes } => {
            json!({"sync_token": sync_token, "prefixes": prefixes})
        }
        crate::resources::IpRangesOutcome::Failed(error) => json!({"error": error}),
    };
    Ok(json!({
        "resource_sweep": {
            "accounts": report.accounts.len(),
            "listings_ok": report.listings_ok(),
            "listings_failed": report.listings_failed(),
            "items": report.items(),
            "ip_ranges": ip_ranges,
        }
    }))
}

/// Dispatch one invocation. SQS batches answer with `batchItemFailures`, so only the failed
/// messages come back; everything else answers a short JSON summary or fails the invocation.
pub async fn handle(
    state: &State,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    let (payload, context) = event.into_parts();
    let deadline =
        Deadline::from_epoch_millis(context.deadline, state.config.sweep.deadline_margin);
    if payload.get("Records").is_some() {
        let batch: SqsEvent = serde_json::from_value(payload).map_err(|e| {
            HandlerError::Unrecognised(format!("an SQS event that does not parse: {e}"))
        })?;
        return Ok(serde_json::to_value(handle_sqs(state, batch, deadline).await)?);
    }
    if let Some(spec) = payload.get("backfill") {
        return Ok(backfill(state, spec).await?);
    }
    if payload.get("resource_sweep").is_some() {
        return Ok(resource_sweep(state).await?);
    }
    match payload.get("detail-type").and_then(Value::as_str) {
        Some(SCHEDULE_DETAIL_TYPE) => Ok(scheduled(state, deadline).await?),
        Some(CLOUDTRAIL_DETAIL_TYPE) => {
            Ok(summary(ingest_event(state, &payload).await.map_err(HandlerError::from)?))
        }
        other => Err(HandlerError::Unrecognised(match other {
            Some(t) => format!("detail-type {t:?}"),
            None => "a payload without detail-type".into(),
        })
        .into()),
    }
}

/// The scheduled sweep. With only the own account in scope it runs here (handing over a
/// continuation when time runs short); with several it fans out: one sweep task per account on
/// the sweep queue, each run (and continued) by its own invocation, so accounts are swept in
/// parallel and one account's failure never stops another's.
async fn scheduled(state: &State, deadline: Option<Deadline>) -> Result<Value, HandlerError> {
    let accounts = state.in_scope().await?;
    let sweep_id = new_sweep_id();
    if let [only] = accounts.as_slice()
        && &only.id == state.self_account()
    {
        // Zone failures are logged and counted, not retried here: the next scheduled
        // sweep tries those zones again, while a failed invocation would repeat them all.
        let task = SweepTask::full()
            .with_sweep_id(sweep_id)
            .in_account(only.id.clone(), only.name.clone());
        let ran = match run_task(state, task, deadline).await {
            Ok(ran) => ran,
            // The account_status is sent and the error logged; the next schedule tries again.
            Err(HandlerError::Sweep(e)) if !matches!(e, SweepError::Queue { .. }) => {
                return Ok(
                    json!({"sweep_id": e_sweep_id(&e), "accounts_failed": 1, "error": e.to_string()}),
                );
            }
            Err(e) => return Err(e),
        };
        let report = ran.report;
        return Ok(
            json!({"sweep_id": report.sweep_id, "zones_swept": report.zones_swept, "zones_failed": report.failures.len(), "record_sets": report.record_sets, "handed_over": ran.handed_over}),
        );
    }
    let Some(sweep_queue) = &state.sweep_queue else {
        return Err(HandlerError::NoSweepQueueForAccounts { accounts: accounts.len() });
    };
    let bodies = accounts
        .iter()
        .map(|account| {
            SweepTask::full()
                .with_sweep_id(sweep_id.clone())
                .in_account(account.id.clone(), account.name.clone())
                .to_json()
        })
        .collect();
    sweep_queue
        .send_bodies(bodies)
        .await
        .map_err(|source| HandlerError::FanOut { sweep_id: sweep_id.clone(), source })?;
    tracing::info!(%sweep_id, accounts = accounts.len(), "one sweep task per account queued");
    Ok(json!({"sweep_id": sweep_id, "accounts_queued": accounts.len()}))
}

fn e_sweep_id(e: &SweepError) -> &str {
    match e {
        SweepError::ListZones { sweep_id, .. }
        | SweepError::ListingStuck { sweep_id, .. }
        | SweepError::BadZone { sweep_id, .. }
        | SweepError::Queue { sweep_id, .. }
        | SweepError::Accounts { sweep_id, .. } => sweep_id,
    }
}

/// What one invocation's part of a sweep did.
pub struct TaskRun {
    pub report: SweepReport,
    /// The rest went to the sweep queue.
    pub handed_over: bool,
}

/// Run a sweep task until done or out of time; then hand the rest to the sweep queue.
/// Zones that failed are logged (and counted in the metrics line); the caller decides
/// whether they fail the invocation.
pub async fn run_task(
    state: &State,
    task: SweepTask,
    deadline: Option<Deadline>,
) -> Result<TaskRun, HandlerError> {
    let outcome = run_sweep(state, task, deadline, &NoProgress).await?;
    // Embedded Metric Format: CloudWatch Logs turns this stdout line into metrics.
    println!("{}", sweep_emf(outcome.report(), matches!(outcome, SweepOutcome::Paused { .. })));
    let run = match outcome {
        SweepOutcome::Finished(report) => TaskRun { report, handed_over: false },
        SweepOutcome::Paused { report, rest } => {
            let Some(sweep_queue) = &state.sweep_queue else {
                return Err(HandlerError::NoSweepQueue { sweep_id: rest.sweep_id });
            };
            sweep_queue.send_bodies(vec![rest.to_json()]).await.map_err(|source| {
                HandlerError::Handoff { sweep_id: rest.sweep_id.clone(), source }
            })?;
            tracing::info!(sweep_id = %rest.sweep_id, "continuation queued");
            TaskRun { report, handed_over: true }
        }
    };
    for failure in &run.report.failures {
        tracing::error!(sweep_id = %run.report.sweep_id, zone_id = %failure.zone_id, error = %failure.error, "zone not swept; it is not reconciled in this sweep");
    }
    Ok(run)
}

fn zones_failed(report: &SweepReport) -> Option<HandlerError> {
    report.failures.first().map(|first| HandlerError::ZonesFailed {
        sweep_id: report.sweep_id.clone(),
        failed: report.failures.len(),
        zone_id: first.zone_id.to_string(),
        error: first.error.clone(),
    })
}

/// Sweep-queue messages: continuations and targeted sweeps (a CloudTrail event delivered
/// through a queue is accepted too). A message that fails is reported, not retried here.
async fn handle_sqs(
    state: &State,
    batch: SqsEvent,
    deadline: Option<Deadline>,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in batch.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let span = tracing::info_span!("sqs_message", %message_id);
        let _enter = span.enter();
        if let Err(error) =
            handle_message(state, &message_id, message.body.as_deref().unwrap_or(""), deadline)
                .await
        {
            tracing::error!(error = %error, "message failed; SQS will deliver it again");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

async fn handle_message(
    state: &State,
    message_id: &str,
    body: &str,
    deadline: Option<Deadline>,
) -> Result<(), HandlerError> {
    let value: Value = serde_json::from_str(body).map_err(|e| HandlerError::BadTask {
        message_id: message_id.to_owned(),
        reason: format!("body is not JSON: {e}"),
    })?;
    if value.get("detail-type").is_some() {
        ingest_event(state, &value).await?;
        return Ok(());
    }
    if BackfillTask::is_task(&value) {
        let task = BackfillTask::from_value(&value).map_err(|e| HandlerError::BadTask {
            message_id: message_id.to_owned(),
            reason: e.to_string(),
        })?;
        return run_backfill(state, task, deadline).await.map(|_| ());
    }
    let task = SweepTask::from_json(body).map_err(|e| HandlerError::BadTask {
        message_id: message_id.to_owned(),
        reason: e.to_string(),
    })?;
    let full = task.is_full();
    let run = match run_task(state, task, deadline).await {
        Ok(run) => run,
        // An account that cannot be listed (access denied, throttled out) has its
        // account_status sent and its error logged; the next scheduled sweep tries it again.
        // Retrying the message now would most likely be refused the same way.
        Err(HandlerError::Sweep(e)) if full && !matches!(e, SweepError::Queue { .. }) => {
            tracing::error!(error = %e, "account not swept; the next scheduled sweep tries again");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    // A task that finished with a failed zone goes back to the queue, so SQS retries it (and
    // after its maximum receives parks it in the DLQ). Once the rest is handed over, retrying
    // this message would start a second chain of continuations, so it counts as done.
    match zones_failed(&run.report) {
        Some(err) if !run.handed_over => Err(err),
        _ => Ok(()),
    }
}

/// `{"backfill": {"since": "90d", "until": ...}}` (an operator, or the deploy-time trigger):
/// plan every account in scope from the stored windows (the writer function's, when
/// `ZONETRAIL_WRITER_FUNCTION` is set) and put one backfill task per account on the sweep
/// queue. A bad time, a plan that cannot be made or no sweep queue queues nothing.
async fn backfill(state: &State, spec: &Value) -> Result<Value, HandlerError> {
    let (request, warning) = backfill_request(spec).map_err(HandlerError::BadBackfill)?;
    if let Some(warning) = &warning {
        tracing::warn!("{warning}");
    }
    let Some(sweep_queue) = &state.sweep_queue else {
        return Err(HandlerError::NoSweepQueueForBackfill);
    };
    let store: Box<dyn BackfillStore> = match &state.config.writer_function {
        Some(function) => Box::new(WriterFunctionStore::from_sdk(state.accounts.sdk(), function)),
        None => {
            tracing::warn!(
                "ZONETRAIL_WRITER_FUNCTION is not set: no stored backfill window is read, so finished windows are read again (the writer dedupes; it only costs reads)"
            );
            Box::new(NoStoredWindows)
        }
    };
    let accounts = state.in_scope().await?;
    let plans: Vec<Result<BackfillTask, String>> = futures::stream::iter(accounts)
        .map(|account| {
            let store = store.as_ref();
            async move {
                let plan = plan_account(&account.id, &request, store).await?;
                Ok(BackfillTask::new(account.id, account.name, plan.windows, plan.skipped))
            }
        })
        .buffered(state.sweep_concurrency().max(1))
        .collect()
        .await;
    let tasks =
        plans.into_iter().collect::<Result<Vec<_>, _>>().map_err(HandlerError::BackfillPlan)?;
    let windows: usize = tasks.iter().map(|t| t.windows.len()).sum();
    let skipped: u64 = tasks.iter().map(|t| t.skipped).sum();
    sweep_queue
        .send_bodies(tasks.iter().map(BackfillTask::to_json).collect())
        .await
        .map_err(HandlerError::BackfillFanOut)?;
    tracing::info!(
        accounts = tasks.len(),
        windows,
        skipped,
        "one backfill task per account queued"
    );
    Ok(json!({
        "backfill": {"since": request.since, "until": request.until},
        "accounts_queued": tasks.len(), "windows": windows, "windows_skipped": skipped,
        "warning": warning,
    }))
}

/// The window of `{"backfill": {...}}`, and the warning of a clamped `since`.
fn backfill_request(spec: &Value) -> Result<(BackfillRequest, Option<String>), String> {
    if !spec.is_object() {
        return Err(format!("backfill is {spec}, not an object"));
    }
    let field = |name: &str| match spec.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!("{name} is {other}, not a string")),
    };
    let since = field("since")?.ok_or("since is missing")?;
    BackfillRequest::parse(since, field("until")?, chrono::Utc::now())
}

/// Run a backfill task until done or out of time; then hand the rest to the sweep queue. An
/// account that refuses us is logged and done with (retrying would be refused the same way);
/// any other failure fails the message, so SQS delivers it again (pages read twice are
/// idempotent).
async fn run_backfill(
    state: &State,
    task: BackfillTask,
    deadline: Option<Deadline>,
) -> Result<BackfillOutcome, HandlerError> {
    let account_id = task.account_id.to_string();
    let outcome = run_backfill_task(state, task, deadline, &NoBackfillObserver).await;
    let report = outcome.report();
    println!("{}", backfill_emf(report, matches!(outcome, BackfillOutcome::Paused { .. })));
    match (&outcome, report.status) {
        (BackfillOutcome::Paused { rest, .. }, _) => {
            let Some(sweep_queue) = &state.sweep_queue else {
                return Err(HandlerError::BackfillFailed {
                    account_id,
                    error: "out of time, and ZONETRAIL_SWEEP_QUEUE_URL is not set".into(),
                });
            };
            sweep_queue.send_bodies(vec![rest.to_json()]).await.map_err(|source| {
                HandlerError::BackfillHandoff { account_id: account_id.clone(), source }
            })?;
            tracing::info!(%account_id, windows = rest.windows.len(), "backfill continuation queued");
        }
        (_, zonetrail_model::AccountState::Ok) => {
            tracing::info!(%account_id, pages = report.pages, events = report.counts.events, "account backfilled");
        }
        (_, zonetrail_model::AccountState::AccessDenied) => {
            tracing::error!(%account_id, error = ?report.error, "account not backfilled: CloudTrail refused us");
        }
        (_, zonetrail_model::AccountState::Error) => {
            return Err(HandlerError::BackfillFailed {
                account_id,
                error: report.error.clone().unwrap_or_default(),
            });
        }
    }
    Ok(outcome)
}

fn summary(outcome: EventOutcome) -> Value {
    match outcome {
        EventOutcome::Applied { event_id, event_name, zone_id, messages, sweep } => json!({
            "event_id": event_id, "event_name": event_name, "zone_id": zone_id, "messages": messages,
            "sweep": match sweep {
                Some(TargetedSweep::Queued { sweep_id }) => json!({"queued": sweep_id}),
                Some(TargetedSweep::Ran(report)) => json!({"ran": report.sweep_id, "record_sets": report.record_sets}),
                None => Value::Null,
            },
        }),
        EventOutcome::Ignored { event_id, event_name, reason } => {
            json!({"event_id": event_id, "event_name": event_name, "ignored": reason.to_string()})
        }
        EventOutcome::Resources(outcome) => resource_event_json(&outcome),
    }
}

/// A resource event's outcome as JSON (the Lambda's answer; `/local/events` too).
pub fn resource_event_json(outcome: &crate::ResourceEventOutcome) -> Value {
    match outcome {
        crate::ResourceEventOutcome::Relisted {
            event_id,
            event_name,
            account_id,
            region,
            listings,
        } => json!({
            "event_id": event_id, "event_name": event_name, "account_id": account_id,
            "region": region,
            "listings": listings.iter().map(|(kind, items)| json!({"kind": kind, "items": items})).collect::<Vec<_>>(),
        }),
        crate::ResourceEventOutcome::Ignored { event_id, event_name, reason } => {
            json!({"event_id": event_id, "event_name": event_name, "ignored": reason.to_string()})
        }
    }
}
