//! The `writer-lambda` handler: an SQS batch in, a partial batch response out.
//!
//! Each message is applied on its own (one transaction each) and reported in
//! `batchItemFailures` on its own, so a poison message never holds back the others; it comes
//! back until the queue's max receives, then sits in the DLQ with its reason in the logs. Up
//! to [`State::concurrency`] messages of a batch are applied at once, each on its own
//! connection (the database does the work; one at a time leaves its other cores idle). When
//! the database cannot be reached, the messages of the batch not yet started are reported
//! failed without trying them (each try would wait for the pool's timeout); SQS delivers them
//! again later.
//!
//! The function is also invoked directly, synchronously, by the ingest's backfill, which has
//! no database access of its own: `{"backfill_windows": {"account_id": "123456789012"}}`
//! answers `{"windows": [...]}`, the account's stored backfill progress
//! ([`crate::backfill::windows`]), so that a backfill resumes where it stopped and does not
//! read a finished window again. [`handle_invocation`] tells the two apart.
//!
//! With notifications on (`ZONETRAIL_NOTIFY=eventbridge`), messages are applied with the
//! outbox ([`ApplyOptions::outbox`]), and after a batch's messages are applied (after their
//! commits, outside any transaction) the due outbox rows are published for at most
//! [`BATCH_PUBLISH_BUDGET`]: a publish failure is logged and counted (`NotifyErrors`), never
//! fails the batch, and leaves the rows for the next batch or the scheduled
//! `{"notify": {}}` invocation, which publishes everything due (within
//! [`SCHEDULED_PUBLISH_BUDGET`]) and answers what it did.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use futures::StreamExt;
use lambda_runtime::{Error, LambdaEvent};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait};
use serde::Deserialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tracing::Instrument;
use zonetrail_model::db::DbSettings;
use zonetrail_model::{AccountId, BackfillProgress};
use zonetrail_notify::eventbridge::EventBridgeSink;
use zonetrail_notify::publisher::{Publisher, Report};
use zonetrail_notify::{Filter, Sink};

pub use crate::config::DEFAULT_CONCURRENCY;
use crate::config::{FindingsMode, WriterConfig};
use crate::metrics::BatchMetrics;
use crate::{ApplyError, ApplyOptions, apply_body_with};

/// What the handler keeps between invocations: the database pool, made once at init.
pub struct State {
    pub db: DatabaseConnection,
    /// Print an EMF metrics line per batch on stdout (on in Lambda).
    pub emit_metrics: bool,
    /// How many messages of a batch are applied at once (at most the pool's size).
    pub concurrency: usize,
    /// How messages are applied: the default account (`ZONETRAIL_ACCOUNT_ID`), the outbox.
    pub options: ApplyOptions,
    /// Notifications: the outbox's publisher, when `ZONETRAIL_NOTIFY` turns them on (then
    /// `options.outbox` is on too).
    pub notify: Option<Notifier>,
    /// Findings (issue 20): what is done with each batch's work, and `{"findings": {}}`;
    /// `None` when `ZONETRAIL_FINDINGS=off`.
    pub findings: Option<FindingsRole>,
}

/// The writer function's part in findings (`ZONETRAIL_FINDINGS`, [`FindingsMode`]).
pub enum FindingsRole {
    /// `on`: evaluate each batch's work after its commits, here.
    Inline(zonetrail_findings::Findings),
    /// `queue`: send each batch's work to the findings queue, so that evaluating never slows
    /// the writer; evaluate inline when the send fails.
    Queue { engine: zonetrail_findings::Findings, queue: WorkQueue },
    /// `evaluator`: SQS batches are the findings queue's work, evaluated together.
    Evaluator(zonetrail_findings::Findings),
}

impl FindingsRole {
    pub fn engine(&self) -> &zonetrail_findings::Findings {
        match self {
            FindingsRole::Inline(e) | FindingsRole::Evaluator(e) => e,
            FindingsRole::Queue { engine, .. } => engine,
        }
    }
}

/// The findings queue's largest message (SQS's default, as the CDK creates the queue).
pub const WORK_MESSAGE_BYTES: usize = 262_144;

/// Where a `queue` writer sends its batches' findings work (`ZONETRAIL_FINDINGS_QUEUE_URL`).
pub struct WorkQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    max_bytes: usize,
}

impl WorkQueue {
    /// `max_bytes`: the queue's largest message ([`WORK_MESSAGE_BYTES`]).
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>, max_bytes: usize) -> Self {
        Self { client, url: url.into(), max_bytes }
    }

    /// Send `work` (in as many messages as its size needs); the error names the queue.
    pub async fn send(&self, work: &zonetrail_findings::Work) -> Result<usize, String> {
        let bodies = work.to_messages(self.max_bytes);
        for body in &bodies {
            self.client
                .send_message()
                .queue_url(&self.url)
                .message_body(body)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "sending findings work to {} failed: {}",
                        self.url,
                        aws_sdk_sqs::error::DisplayErrorContext(&e)
                    )
                })?;
        }
        Ok(bodies.len())
    }
}

/// How long a batch's invocation publishes after applying: the rest waits for the next
/// batch or the scheduled `{"notify": {}}`.
pub const BATCH_PUBLISH_BUDGET: Duration = Duration::from_secs(5);

/// How long a `{"notify": {}}` invocation publishes, below the writer's 60-second timeout.
pub const SCHEDULED_PUBLISH_BUDGET: Duration = Duration::from_secs(45);

/// One pass of a publisher, whatever its sink ([`Sink`] is not object-safe).
pub trait PublishDue: Send + Sync {
    /// The sink's name, for logs.
    fn sink_name(&self) -> &'static str;
    /// [`Publisher::publish_due`].
    fn publish_due(&self) -> Pin<Box<dyn Future<Output = Result<Report, DbErr>> + Send + '_>>;
}

impl<S: Sink + 'static> PublishDue for Publisher<S> {
    fn sink_name(&self) -> &'static str {
        self.sink().name()
    }

    fn publish_due(&self) -> Pin<Box<dyn Future<Output = Result<Report, DbErr>> + Send + '_>> {
        Box::pin(Publisher::publish_due(self))
    }
}

/// The MariaDB named lock ([`Notifier::exclusive`]) one publishing writer instance holds,
/// followed by the database's name (named locks are server-wide).
pub const PUBLISH_LOCK: &str = "zonetrail_notify/";

/// The writer's publisher of notifications.
pub struct Notifier {
    publisher: Box<dyn PublishDue>,
    /// Where the publishing lock is taken (MariaDB), when publishing is exclusive.
    exclusive: Option<DatabaseConnection>,
}

impl Notifier {
    pub fn new(publisher: impl PublishDue + 'static) -> Self {
        Self { publisher: Box::new(publisher), exclusive: None }
    }

    /// One writer instance publishes at a time, under a MariaDB named lock taken on a
    /// connection of `db`'s pool (`GET_LOCK`, released when done or when the connection
    /// drops): several instances finishing batches together would otherwise all read the
    /// same due rows and send each change several times (at least once, but an e-mail or a
    /// Slack message cannot dedupe). An instance that finds the lock taken waits for it
    /// within its budget, then publishes what is still due. On SQLite (one process) this
    /// does nothing. Needs a pool of at least 2 connections (one holds the lock).
    pub fn exclusive(mut self, db: DatabaseConnection) -> Self {
        if db.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            self.exclusive = Some(db);
        }
        self
    }

    /// The EventBridge publisher of `db`'s outbox: `PutEvents` on `bus`, through the SDK's
    /// default configuration.
    pub async fn eventbridge(db: DatabaseConnection, bus: &str, filter: Filter) -> Self {
        let sink = EventBridgeSink::from_sdk_defaults(bus).await;
        Self::new(Publisher::new(db.clone(), sink, filter)).exclusive(db)
    }

    /// Passes over the due rows until none is left or `budget` is spent: what they did,
    /// summed. A pass cut off by the budget is dropped; its rows stay in the outbox (one sent
    /// but not yet deleted goes again: consumers dedupe by the change id).
    pub async fn publish_for(&self, budget: Duration) -> Result<Published, DbErr> {
        let started = Instant::now();
        let Some(db) = &self.exclusive else {
            return self.passes(started, budget).await;
        };
        // A connection of its own holds the lock for the passes (an empty transaction pins
        // it; nothing is written in it).
        let holder = db.begin().await?;
        let wait = budget.as_secs().max(1) as i64;
        let got = holder
            .query_one_raw(Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::MySql,
                "SELECT GET_LOCK(LEFT(CONCAT(?, DATABASE()), 64), ?) AS got",
                [PUBLISH_LOCK.into(), wait.into()],
            ))
            .await?
            .and_then(|row| row.try_get::<Option<i64>>("", "got").ok().flatten());
        if got != Some(1) {
            holder.rollback().await?;
            tracing::info!("another writer instance is publishing; leaving it to that one");
            return Ok(Published { out_of_time: true, ..Published::default() });
        }
        let done = self.passes(started, budget).await;
        let released = holder
            .query_one_raw(Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::MySql,
                "SELECT RELEASE_LOCK(LEFT(CONCAT(?, DATABASE()), 64))",
                [PUBLISH_LOCK.into()],
            ))
            .await;
        let committed = holder.commit().await;
        // On failure the lock goes with the connection when the pool drops it.
        if let Err(e) = released.map(drop).and(committed) {
            tracing::warn!(error = %e, "releasing the publishing lock failed");
        }
        done
    }

    async fn passes(&self, started: Instant, budget: Duration) -> Result<Published, DbErr> {
        let mut total = Published::default();
        loop {
            let Some(left) = budget.checked_sub(started.elapsed()) else {
                total.out_of_time = true;
                return Ok(total);
            };
            match tokio::time::timeout(left, self.publisher.publish_due()).await {
                Err(_) => {
                    total.out_of_time = true;
                    return Ok(total);
                }
                Ok(pass) => {
                    let pass = pass?;
                    total.passes += 1;
                    total.report.sent += pass.sent;
                    total.report.filtered += pass.filtered;
                    total.report.failed += pass.failed;
                    total.report.missing += pass.missing;
                    total.report.more = pass.more;
                    if !pass.more {
                        return Ok(total);
                    }
                }
            }
        }
    }

    /// After a batch: publish for `budget`, never failing. An error is logged at error level
    /// and counted (`NotifyErrors`); the rows stay for later.
    pub async fn publish_after_batch(&self, budget: Duration, emit_metrics: bool) {
        match self.publish_for(budget).await {
            Ok(done) => {
                if done.out_of_time || done.report.more {
                    tracing::info!(
                        sink = self.publisher.sink_name(),
                        sent = done.report.sent,
                        "notifications left for later: the batch's publishing time is spent"
                    );
                }
            }
            Err(e) => {
                tracing::error!(
                    sink = self.publisher.sink_name(),
                    error = %e,
                    "publishing notifications failed; the changes stay in the outbox and are retried"
                );
                if emit_metrics {
                    println!("{}", crate::metrics::notify_error_line(Utc::now()));
                }
            }
        }
    }
}

/// What [`Notifier::publish_for`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// The passes' counts, summed (`more`: the last pass's).
    pub report: Report,
    pub passes: u32,
    /// The budget ran out with rows possibly still due.
    pub out_of_time: bool,
}

impl Published {
    /// The answer of a `{"notify": {}}` invocation.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "sent": self.report.sent,
            "filtered": self.report.filtered,
            "failed": self.report.failed,
            "missing": self.report.missing,
            "more": self.report.more || self.out_of_time,
        })
    }
}

impl State {
    /// Read the writer's settings ([`WriterConfig`]) and the database's (`DATABASE_URL` or
    /// the RDS secret), and open the pool.
    pub async fn from_env() -> Result<Self, Error> {
        let config = WriterConfig::from_env()?;
        let settings = DbSettings::from_env().await?;
        let concurrency = config.concurrency.min(settings.max_connections.max(1) as usize);
        tracing::info!(database = ?settings, concurrency, "connecting");
        let db = settings.connect().await?;
        if let Some(account) = &config.account_id {
            let filled = crate::backfill_default_account(&db, account).await?;
            tracing::info!(account = %account, zones = filled, "zones without an account given the default account");
        }
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let notify = match &config.notify {
            None => None,
            Some(n) => {
                tracing::info!(bus = %n.bus, filter = ?n.filter, "notifications on: EventBridge");
                Some(Notifier::eventbridge(db.clone(), &n.bus, n.filter.clone()).await)
            }
        };
        let options = ApplyOptions {
            default_account: config.account_id,
            outbox: notify.is_some(),
            ..ApplyOptions::default()
        };
        let engine = || crate::findings_engine(notify.is_some(), Some(&aws));
        let findings = match config.findings {
            FindingsMode::Off => None,
            FindingsMode::Inline => Some(FindingsRole::Inline(engine())),
            FindingsMode::Evaluator => Some(FindingsRole::Evaluator(engine())),
            FindingsMode::Queue { url } => {
                tracing::info!(queue = %url, "findings: each batch's work goes to the findings queue");
                let queue = WorkQueue::new(aws_sdk_sqs::Client::new(&aws), url, WORK_MESSAGE_BYTES);
                Some(FindingsRole::Queue { engine: engine(), queue })
            }
        };
        Ok(Self { db, emit_metrics: true, concurrency, options, notify, findings })
    }
}

/// The Lambda handler.
pub async fn handle(
    state: &State,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    if let Some(FindingsRole::Evaluator(engine)) = &state.findings {
        let response = evaluate_batch(engine, &state.db, &event.payload.records).await?;
        if let Some(notify) = &state.notify {
            notify.publish_after_batch(BATCH_PUBLISH_BUDGET, state.emit_metrics).await;
        }
        return Ok(response);
    }
    let (response, metrics, mut work) =
        apply_batch_work(&state.db, &event.payload.records, state.concurrency, &state.options)
            .await?;
    work.dedup();
    if state.emit_metrics {
        println!("{}", metrics.emf_line(Utc::now()));
    }
    // After the batch's commits; a failed evaluation is logged and never fails the batch
    // (the next evaluation, or the scheduled `{"findings": {}}`, puts it right).
    match &state.findings {
        Some(FindingsRole::Inline(engine)) => {
            crate::evaluate_logged(engine, &state.db, &work).await
        }
        Some(FindingsRole::Queue { engine, queue }) if !work.is_empty() => {
            if let Err(e) = queue.send(&work).await {
                tracing::error!(reason = %e, "findings work not queued; evaluating it here");
                crate::evaluate_logged(engine, &state.db, &work).await;
            }
        }
        _ => {}
    }
    // After the batch's commits; whatever happens here, the batch's answer stands.
    if let Some(notify) = &state.notify {
        notify.publish_after_batch(BATCH_PUBLISH_BUDGET, state.emit_metrics).await;
    }
    Ok(response)
}

/// An evaluator's SQS batch: each body is findings work ([`zonetrail_findings::Work::from_message`])
/// and their union is evaluated once. A body that is not findings work is a batch item
/// failure, with its reason logged (it reaches the dead-letter queue); when the evaluation
/// fails, every message is, and SQS delivers them again.
pub async fn evaluate_batch<C>(
    engine: &zonetrail_findings::Findings,
    db: &C,
    messages: &[SqsMessage],
) -> Result<SqsBatchResponse, Error>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut response = SqsBatchResponse::default();
    let mut work = zonetrail_findings::Work::default();
    let mut taken = Vec::new();
    let mut unreportable = 0usize;
    for m in messages {
        let parsed = m
            .body
            .as_deref()
            .ok_or_else(|| "the message has no body".to_owned())
            .and_then(zonetrail_findings::Work::from_message);
        match (parsed, &m.message_id) {
            (Ok(w), id) => {
                work.extend(w);
                taken.push(id.clone());
            }
            (Err(reason), id) => {
                tracing::error!(message_id = ?id, reason = %reason, "findings work refused: it will go to the dead-letter queue");
                match id {
                    Some(id) => response.add_failure(id.clone()),
                    None => unreportable += 1,
                }
            }
        }
    }
    if unreportable > 0 {
        return Err(format!("{unreportable} refused message(s) have no message id; failing the whole batch so that it is retried").into());
    }
    work.dedup();
    match engine.evaluate(db, &work).await {
        Ok(report) => tracing::info!(?report, messages = taken.len(), "findings evaluated"),
        Err(e) => {
            tracing::error!(reason = %e, "findings evaluation failed; the queue will deliver its work again");
            if taken.iter().any(Option::is_none) {
                return Err(format!("findings evaluation failed: {e}").into());
            }
            for id in taken.into_iter().flatten() {
                response.add_failure(id);
            }
        }
    }
    Ok(response)
}

/// Why a direct invocation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// The payload is neither an SQS batch nor a request the writer answers.
    #[error("bad invocation payload: {0}")]
    BadPayload(String),
    #[error("reading the backfill windows of account {account_id} failed: {source}")]
    Database { account_id: AccountId, source: DbErr },
    /// `{"notify": {}}` to a writer whose notifications are off.
    #[error("notifications are off (ZONETRAIL_NOTIFY is not eventbridge); nothing to publish")]
    NotifyOff,
    #[error("publishing notifications failed: {0}; the changes stay in the outbox")]
    Publish(DbErr),
}

/// `{"notify": {}}`: no fields yet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyRequest {}

/// `{"backfill_windows": {"account_id": "..."}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackfillWindowsRequest {
    account_id: String,
}

/// Every invocation of the writer function: an SQS batch (answered as [`handle`] does) or
/// a direct request (`{"backfill_windows": {"account_id": "123456789012"}}`, answered
/// `{"windows": [<BackfillProgress>...]}`; `{"notify": {}}`, the scheduled retry of
/// notifications, answered `{"notify": {"sent", "filtered", "failed", "missing", "more"}}`).
/// A payload that is none of these is an error that says what was wrong; nothing is applied.
pub async fn handle_invocation(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    let Value::Object(fields) = &payload else {
        return Err(bad(format!("expected a JSON object, got {}", json_kind(&payload))).into());
    };
    if let Some(request) = fields.get("backfill_windows") {
        if fields.len() > 1 {
            let others: Vec<&str> =
                fields.keys().map(String::as_str).filter(|k| *k != "backfill_windows").collect();
            return Err(bad(format!("backfill_windows comes alone; also got {others:?}")).into());
        }
        let windows = backfill_windows(&state.db, request).await?;
        return Ok(serde_json::json!({ "windows": windows }));
    }
    if let Some(request) = fields.get("notify") {
        if fields.len() > 1 {
            let others: Vec<&str> =
                fields.keys().map(String::as_str).filter(|k| *k != "notify").collect();
            return Err(bad(format!("notify comes alone; also got {others:?}")).into());
        }
        if !request.is_object() {
            return Err(bad(format!(
                "notify: expected an empty object ({{\"notify\": {{}}}}), got {}",
                json_kind(request)
            ))
            .into());
        }
        NotifyRequest::deserialize(request).map_err(|e| {
            bad(format!("notify: expected an empty object ({{\"notify\": {{}}}}): {e}"))
        })?;
        let Some(notify) = &state.notify else {
            return Err(InvocationError::NotifyOff.into());
        };
        let done = match notify.publish_for(SCHEDULED_PUBLISH_BUDGET).await {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(error = %e, "publishing notifications failed; the changes stay in the outbox and are retried");
                if state.emit_metrics {
                    println!("{}", crate::metrics::notify_error_line(Utc::now()));
                }
                return Err(InvocationError::Publish(e).into());
            }
        };
        tracing::info!(
            sent = done.report.sent,
            filtered = done.report.filtered,
            failed = done.report.failed,
            more = done.report.more || done.out_of_time,
            "scheduled notifications published"
        );
        return Ok(serde_json::json!({ "notify": done.to_json() }));
    }
    if let Some(request) = fields.get("findings") {
        if fields.len() > 1 {
            let others: Vec<&str> =
                fields.keys().map(String::as_str).filter(|k| *k != "findings").collect();
            return Err(bad(format!("findings comes alone; also got {others:?}")).into());
        }
        if !matches!(request, Value::Object(o) if o.is_empty()) {
            return Err(bad(format!(
                "findings: expected an empty object ({{\"findings\": {{}}}}), got {}",
                json_kind(request)
            ))
            .into());
        }
        let Some(findings) = state.findings.as_ref().map(FindingsRole::engine) else {
            return Err(bad(
                "findings are off (ZONETRAIL_FINDINGS=off); nothing to evaluate".into()
            )
            .into());
        };
        let report = findings.evaluate_all(&state.db).await?;
        tracing::info!(?report, "findings evaluated");
        return Ok(serde_json::json!({ "findings": report }));
    }
    if fields.contains_key("Records") {
        let batch: SqsEvent =
            serde_json::from_value(payload).map_err(|e| bad(format!("not an SQS batch: {e}")))?;
        let response = handle(state, LambdaEvent::new(batch, context)).await?;
        return Ok(serde_json::to_value(response)?);
    }
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    Err(bad(format!(
        "expected an SQS batch (Records), backfill_windows, notify or findings, got an object with keys {keys:?}"
    ))
    .into())
}

/// Answer `backfill_windows`: the request's value, `{"account_id": "123456789012"}`.
pub async fn backfill_windows(
    db: &impl ConnectionTrait,
    request: &Value,
) -> Result<Vec<BackfillProgress>, InvocationError> {
    let request = BackfillWindowsRequest::deserialize(request)
        .map_err(|e| bad(format!("backfill_windows: {e}")))?;
    let account_id = AccountId::parse(&request.account_id)
        .map_err(|e| bad(format!("backfill_windows.account_id {:?}: {e}", request.account_id)))?;
    crate::backfill::windows(db, &account_id)
        .await
        .map_err(|source| InvocationError::Database { account_id, source })
}

fn bad(what: String) -> InvocationError {
    InvocationError::BadPayload(what)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Apply one message of a batch, unless an outage was seen (then `Err(None)`: not tried).
async fn apply_message<'a, C>(
    db: &C,
    message: &'a SqsMessage,
    outage: &AtomicBool,
    options: &ApplyOptions,
) -> (&'a SqsMessage, tracing::Span, Result<crate::Applied, Option<ApplyError>>)
where
    C: ConnectionTrait + TransactionTrait,
{
    let id = message.message_id.as_deref().unwrap_or("");
    let span = tracing::info_span!("message", message_id = id);
    let result = if outage.load(Ordering::Acquire) {
        Err(None)
    } else {
        match message.body.as_deref() {
            None => Err(Some(ApplyError::Invalid("the SQS message has no body".into()))),
            Some(body) => {
                apply_body_with(db, body, options).instrument(span.clone()).await.map_err(Some)
            }
        }
    };
    if let Err(Some(e)) = &result
        && e.is_outage()
    {
        outage.store(true, Ordering::Release);
    }
    (message, span, result)
}

/// Apply a batch of SQS messages; the response lists every message that failed.
///
/// Returns an error (so Lambda retries the whole batch) only when a failed message has no
/// message id to report it by.
pub async fn apply_batch<C>(
    db: &C,
    messages: &[SqsMessage],
    concurrency: usize,
) -> Result<(SqsBatchResponse, BatchMetrics), Error>
where
    C: ConnectionTrait + TransactionTrait,
{
    apply_batch_with(db, messages, concurrency, &ApplyOptions::default()).await
}

/// [`apply_batch`] with options (the writer's default account among them).
pub async fn apply_batch_with<C>(
    db: &C,
    messages: &[SqsMessage],
    concurrency: usize,
    options: &ApplyOptions,
) -> Result<(SqsBatchResponse, BatchMetrics), Error>
where
    C: ConnectionTrait + TransactionTrait,
{
    let (response, metrics, _) = apply_batch_work(db, messages, concurrency, options).await?;
    Ok((response, metrics))
}

/// [`apply_batch_with`], also returning the union of the applied messages' findings work.
pub async fn apply_batch_work<C>(
    db: &C,
    messages: &[SqsMessage],
    concurrency: usize,
    options: &ApplyOptions,
) -> Result<(SqsBatchResponse, BatchMetrics, zonetrail_findings::Work), Error>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut work = zonetrail_findings::Work::default();
    let mut response = SqsBatchResponse::default();
    let mut metrics = BatchMetrics::default();
    let outage = AtomicBool::new(false);
    let mut unreportable = 0usize;
    let outage = &outage;
    // Futures do nothing until polled: `buffered` starts them in order, a few at a time.
    let tries: Vec<_> =
        messages.iter().map(|message| apply_message(db, message, outage, options)).collect();
    let results: Vec<_> = futures::stream::iter(tries).buffered(concurrency.max(1)).collect().await;
    for (message, span, result) in results {
        let _entered = span.enter();
        match result {
            Ok(applied) => {
                work.extend(applied.findings.clone());
                metrics.records_upserted += applied.records_upserted();
                metrics.records_tombstoned += applied.records_tombstoned();
                let lag = (Utc::now() - applied.observed_at).num_microseconds().unwrap_or(i64::MAX)
                    as f64
                    / 1e6;
                metrics.freshness_lag_seconds.push(lag.max(0.0));
                tracing::info!(
                    kind = applied.kind,
                    zone = applied.zone_id.as_ref().map(|z| z.as_str()).unwrap_or("-"),
                    created = applied.counts.created,
                    updated = applied.counts.updated,
                    tombstoned = applied.counts.tombstoned,
                    refreshed = applied.counts.refreshed,
                    unchanged = applied.counts.unchanged,
                    lag_seconds = lag,
                    "applied"
                );
            }
            Err(error) => {
                metrics.messages_failed += 1;
                match &error {
                    None => tracing::warn!(
                        "not tried: the database is unreachable; the queue will deliver it again"
                    ),
                    Some(e @ ApplyError::SweepIncomplete { .. }) => {
                        tracing::info!(reason = %e, "sweep not complete yet; retrying later")
                    }
                    Some(e) if e.is_retryable() => {
                        tracing::warn!(reason = %e, "failed; the queue will deliver it again")
                    }
                    Some(e) => {
                        tracing::error!(reason = %e, "poison message: it cannot be applied and will go to the dead-letter queue")
                    }
                }
                if let Some(ApplyError::Database(e)) = &error {
                    zonetrail_model::db::exit_if_credentials_stale(e);
                }
                match &message.message_id {
                    Some(id) => response.add_failure(id.clone()),
                    None => unreportable += 1,
                }
            }
        }
    }
    if unreportable > 0 {
        return Err(format!("{unreportable} failed message(s) have no message id; failing the whole batch so that it is retried").into());
    }
    Ok((response, metrics, work))
}
