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

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use futures::StreamExt;
use lambda_runtime::{Error, LambdaEvent};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use serde::Deserialize;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;
use zonetrail_model::db::DbSettings;
use zonetrail_model::{AccountId, BackfillProgress};

pub use crate::config::DEFAULT_CONCURRENCY;
use crate::config::WriterConfig;
use crate::metrics::BatchMetrics;
use crate::{ApplyError, ApplyOptions, apply_body_with};

/// What the handler keeps between invocations: the database pool, made once at init.
pub struct State {
    pub db: DatabaseConnection,
    /// Print an EMF metrics line per batch on stdout (on in Lambda).
    pub emit_metrics: bool,
    /// How many messages of a batch are applied at once (at most the pool's size).
    pub concurrency: usize,
    /// How messages are applied: the default account (`ZONETRAIL_ACCOUNT_ID`).
    pub options: ApplyOptions,
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
        let options =
            ApplyOptions { default_account: config.account_id, ..ApplyOptions::default() };
        Ok(Self { db, emit_metrics: true, concurrency, options })
    }
}

/// The Lambda handler.
pub async fn handle(
    state: &State,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    let (response, metrics) =
        apply_batch_with(&state.db, &event.payload.records, state.concurrency, &state.options)
            .await?;
    if state.emit_metrics {
        println!("{}", metrics.emf_line(Utc::now()));
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
}

/// `{"backfill_windows": {"account_id": "..."}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackfillWindowsRequest {
    account_id: String,
}

/// Every invocation of the writer function: an SQS batch (answered as [`handle`] does) or
/// a direct request (`{"backfill_windows": {"account_id": "123456789012"}}`, answered
/// `{"windows": [<BackfillProgress>...]}`). A payload that is neither is an error that says
/// what was wrong; nothing is applied.
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
    if fields.contains_key("Records") {
        let batch: SqsEvent =
            serde_json::from_value(payload).map_err(|e| bad(format!("not an SQS batch: {e}")))?;
        let response = handle(state, LambdaEvent::new(batch, context)).await?;
        return Ok(serde_json::to_value(response)?);
    }
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    Err(bad(format!(
        "expected an SQS batch (Records) or backfill_windows, got an object with keys {keys:?}"
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
    Ok((response, metrics))
}
