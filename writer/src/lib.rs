//! The writer: applies queue messages to the database so that every delivery order, with any
//! duplicates, ends in the same state and the same history as in-order delivery.
//!
//! [`apply`] takes one decoded [`Message`] and applies it in one transaction; [`apply_body`]
//! decodes a queue body first. The Lambda handler ([`lambda::handle`]), `zonetrail drain` and
//! the local stack all go through [`apply_body`].
//!
//! # The invariant
//!
//! Every record (zone, name, type, set identifier) has an *observation sequence*: everything
//! that ever observed it, sorted in **observation order** — time; at equal times a deletion
//! after a presence; then the larger content hash; then the origin's key (which only decides
//! whose name an equal observation carries). The order is total and the same in every database.
//! The sequence holds:
//!
//! - each upsert (present, with a content hash) and delete (absent) of a `records` message;
//! - each **zone deletion**: absent, at the deletion's time, for every record of the zone;
//! - each **reconciled sweep** (`sweep_done` with every page applied): absent, at the sweep's
//!   start, for every record of the zone that none of its pages listed and that nothing
//!   observed inside its window [start, sweep_done's `observed_at`]. Applied in order this is
//!   exactly docs/design.md's rule (live, unseen, `observed_at` older than the start); stated on the
//!   set of messages it no longer depends on order. The start is the conservative time: the
//!   record was gone by the time the sweep reached its place, and anything observed after the
//!   start wins over the sweep.
//! - each **listing that left the zone out** (`zones_listed` of the zone's account): absent,
//!   at the listing's start, like a reconciled sweep with no pages (see `account`).
//!
//! Maximal stretches of equal state are **runs**. Then, whatever the delivery order:
//!
//! - `record_sets` shows the last observation's state (a tombstone keeps the last content;
//!   `deleted_at` is the start of the current deleted run; `observed_at` the newest record
//!   observation or run-starting absence; `first_seen_at`/`last_seen_at` the first and last
//!   presence). A delete of an unknown record is a tombstone with no content, so an older
//!   upsert arriving late cannot resurrect it.
//! - `record_changes` holds exactly one row per run start, except a leading deleted run:
//!   `create` (from nothing or deleted), `update` (content to content) or `delete`, with the
//!   run's first observation's time, source (event, sweep or reconcile) and actor. Its
//!   `dedup_key` hashes record, observation and transition, so a replay inserts nothing.
//! - **before_unknown**: a record's first run start, when the sequence holds nothing before
//!   it, observed by a records message with `before_unknown` (Route 53 `UPSERT`s, which do not
//!   say whether the record existed), is an `update` with no state before and
//!   `record_changes.before_unknown` set, never a `create` by that actor. After a known
//!   absence (a delete, a reconciled sweep or listing, a zone deletion) an `UPSERT` is a
//!   `create` like any presence. A late observation that lands before it turns it into a
//!   plain `update` (or `create`), as it would any run start.
//! - **via**: `record_changes.via` is its origin's, `backfill` for an event read from
//!   CloudTrail's event history. It is not part of the origin's key: the same event live and
//!   backfilled is one origin and one history entry, and the path that stored it first
//!   decides its `via`.
//! - `record_values` holds the lookup values of live records only (none for tombstones).
//!
//! A late observation therefore lands where it belongs: in-order A@1, B@2, A@3 gives create,
//! update A→B, update B→A, and so does A@1, A@3, then B@2 — the late B splits the run
//! A@1…A@3, so the writer must know that A was seen again at 3. That is why a run is not
//! enough: the writer keeps every record observation and rewrites only the affected history
//! rows of that record.
//!
//! # Where observations are kept
//!
//! Every observation is a `record_observations` row (record, origin, time, state, and whether
//! it starts a run), written with the message's other rows in multi-row statements. Every
//! record observation is kept; a zone-wide absence only where it starts a run (elsewhere the
//! zone's absences imply it). A rebuild reads a record's observations in one query, however
//! late the new one is. The origins are `observation_origins` rows; `observations` there
//! counts a records message's observations, so a sweep's completeness is a sum.
//!
//! (Migrations 6 to 7 kept fast-path observations in a blob per message instead, chained per
//! record; measured against rows it did not pay for itself — docs/benchmarks-notes.md, "The
//! writer decision" — and migration 7 turned the blobs back into rows.)
//!
//! # Modules
//!
//! `sequence` is pure: origins as values, observation order, runs and history of one record.
//! `origin` and `store` are the queries (origins and zone locks; records, their observations
//! and history); `keyplan` decides what one record needs written, `plan` writes a message's
//! worth in a handful of statements; `records`, `sweep` and `zone` apply the zone-scoped
//! message kinds, `account` the account-wide ones and a zone's account. [`config`] holds the settings, read once at start-up.
//!
//! # Bounded storage
//!
//! SQS keeps a message at most 14 days after it was first sent (also in the DLQ), so nothing
//! older can arrive. Observations inside a run that are older than [`HORIZON_DAYS`] before the
//! zone's newest sweep are compacted at reconciliation: their rows are deleted, and then the
//! origins no row names. Run starts stay (they are the history).
//!
//! # Fast and slow
//!
//! Nearly every observation is newer than everything its record has seen, with no sweep
//! window or zone-wide absence in the way: it is applied from the `record_sets` row alone
//! (unchanged content only moves `observed_at`/`last_seen_at`, in one `UPDATE ... WHERE id IN`
//! for the whole message, plus its observation rows; the row is read without its content).
//! Anything else — late, duplicate, tied, or near a reconciliation — reads the record's stored
//! observations and history, rebuilds its sequence and writes the difference. Both paths give
//! the same result; the property test checks it.
//!
//! # Concurrency
//!
//! Messages apply concurrently: several per Lambda batch ([`lambda::State::concurrency`]) and
//! several Lambda instances. On MySQL a message's transaction runs at READ COMMITTED, whose
//! locking reads take no gap locks (at REPEATABLE READ two messages creating records of one
//! zone deadlock on the gaps of the record key's index). What the gap locks ordered before is
//! ordered by a lock per zone: messages that read the zone's absences hold it shared, a
//! reconciliation or a zone deletion exclusive. New records are plain INSERTs: a record a
//! concurrent message created first fails this transaction with a duplicate key, and the
//! message is tried again, as after a deadlock or a lock wait timeout ([`apply_with`]).

mod absence;
mod account;
pub mod backfill;
pub mod config;
mod error;
mod keyplan;
pub mod lambda;
pub mod metrics;
mod origin;
mod plan;
mod rebuild;
mod records;
mod sequence;
mod store;
mod sweep;
mod tables;
mod validate;
mod zone;

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, IsolationLevel, SqliteTransactionMode, TransactionOptions,
    TransactionSession, TransactionTrait,
};
use zonetrail_model::{AccountId, Message, Timestamp, ZoneId};

pub use account::backfill_default_account;
pub use error::ApplyError;
pub use plan::Counts;

/// How long interior observations are kept for late messages to find their place.
pub const HORIZON_DAYS: i64 = sequence::HORIZON.num_days();

/// What applying one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// `records`, `zone` or `sweep_done`.
    pub kind: &'static str,
    /// `None` for the account-wide kinds (`zones_listed`, `account_status`).
    pub zone_id: Option<ZoneId>,
    pub observed_at: Timestamp,
    pub counts: Counts,
    /// For `sweep_done`: `true` when this delivery reconciled the sweep, `false` when it had
    /// been reconciled before (a redelivery, a no-op).
    pub reconciled: Option<bool>,
    /// What the findings should look at once this message's transaction has committed: the
    /// records it changed, and the targets whose resources it changed (see
    /// `zonetrail_findings::Findings::evaluate`).
    pub findings: zonetrail_findings::Work,
}

impl Applied {
    /// Record sets written as present: created, updated or re-observed.
    pub fn records_upserted(&self) -> u64 {
        self.counts.created + self.counts.updated + self.counts.refreshed
    }

    /// Record sets that became tombstones.
    pub fn records_tombstoned(&self) -> u64 {
        self.counts.tombstoned
    }
}

/// How [`apply_with`] works; [`apply`] uses the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Rebuild every touched record from its stored observations instead of taking the fast
    /// path. Same result, slower: the tests use it to check that both paths agree.
    pub always_rebuild: bool,
    /// The account of a message without `account_id` (`ZONETRAIL_ACCOUNT_ID`); `None`: such
    /// a message leaves its zone's account unknown.
    pub default_account: Option<AccountId>,
    /// Notifications are on: each history row inserted gets a `change_outbox` row in the same
    /// transaction, for the publisher (see docs/design.md, "Notifications").
    pub outbox: bool,
}

/// Apply one message in one transaction.
///
/// Errors say whether to retry ([`ApplyError::is_retryable`]): a database error or an
/// incomplete sweep may succeed later; a message that breaks the contract never will.
pub async fn apply<C>(db: &C, message: &Message) -> Result<Applied, ApplyError>
where
    C: ConnectionTrait + TransactionTrait,
{
    apply_with(db, message, &ApplyOptions::default()).await
}

/// [`apply`] with options.
///
/// On MySQL the transaction runs at READ COMMITTED: its locking reads take no gap locks, so
/// messages of one zone apply concurrently (on Lambda, several batches and the messages of a
/// batch) without deadlocking each other on the gaps of the record key's index. A conflict
/// the database resolves by failing one transaction (a deadlock, a lock wait timeout, a record
/// a concurrent message created first) is retried here, a few times, before it is reported.
pub async fn apply_with<C>(
    db: &C,
    message: &Message,
    options: &ApplyOptions,
) -> Result<Applied, ApplyError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut attempt = 1;
    loop {
        match apply_once(db, message, options).await {
            Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                tracing::debug!(attempt, reason = %e, "conflict with a concurrent message; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(
                    5 * attempt as u64 + rand_millis(10),
                ))
                .await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Tries of one message against conflicts with concurrent ones (see [`apply_with`]).
const CONFLICT_ATTEMPTS: u32 = 6;

/// A few milliseconds of jitter, so that two conflicting messages do not retry in step.
fn rand_millis(max: u64) -> u64 {
    use rand::Rng;
    rand::rng().random_range(0..max.max(1))
}

async fn apply_once<C>(
    db: &C,
    message: &Message,
    options: &ApplyOptions,
) -> Result<Applied, ApplyError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let now = Utc::now();
    // SQLite: take the write lock at BEGIN, so concurrent writers queue on the busy timeout
    // instead of failing to upgrade a read transaction. MySQL: READ COMMITTED (see above).
    let isolation_level = (db.get_database_backend() == DatabaseBackend::MySql)
        .then_some(IsolationLevel::ReadCommitted);
    let txn_options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        isolation_level,
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(txn_options).await?;
    let mut applied = Applied {
        kind: message.kind(),
        zone_id: message.zone_id().cloned(),
        observed_at: message.observed_at(),
        counts: Counts::default(),
        reconciled: None,
        findings: zonetrail_findings::Work::default(),
    };
    let (result, work) = FINDINGS_WORK
        .scope(std::cell::RefCell::new(zonetrail_findings::Work::default()), async {
            let result = run(&txn, message, now, options, &mut applied).await;
            (result, FINDINGS_WORK.with(|w| w.take()))
        })
        .await;
    if result.is_ok() {
        applied.findings.extend(work);
    }
    match result {
        Ok(None) => {
            txn.commit().await?;
            Ok(applied)
        }
        // Keep the bookkeeping of an incomplete sweep (what the API shows of it), then ask for a retry.
        Ok(Some(retry)) => {
            txn.commit().await?;
            Err(retry)
        }
        Err(e) => {
            // Dropping the transaction rolls it back; say so explicitly when the link still works.
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

tokio::task_local! {
    /// What the findings should look at, gathered while one message applies: the record plan
    /// (`plan::Plan::execute`) adds the records whose state changed and the names and zones
    /// they answer for, wherever in the message (records, a zone, a sweep's reconciliation,
    /// a zone listing) it runs, without threading it through every path.
    pub(crate) static FINDINGS_WORK: std::cell::RefCell<zonetrail_findings::Work>;
}

async fn run(
    txn: &impl ConnectionTrait,
    message: &Message,
    now: Timestamp,
    options: &ApplyOptions,
    applied: &mut Applied,
) -> Result<Option<ApplyError>, ApplyError> {
    // A zone-scoped message may give its zone an account (see `account`): hold the account's
    // lock shared, before any zone lock, and note the zone's account before the message.
    let account = message.account_id().or(options.default_account.as_ref());
    let before = match (message.zone_id(), account) {
        (Some(zone_id), Some(account)) => {
            origin::lock_account(txn, account.as_str(), origin::ZoneLock::Shared).await?;
            Some((zone_id, account::stored_account(txn, zone_id).await?))
        }
        _ => None,
    };
    let mut retry = None;
    match message {
        Message::Records(m) => applied.counts = records::apply(txn, m, now, options).await?,
        Message::Zone(m) => {
            let account = account.map(AccountId::as_str);
            applied.counts = zone::apply(txn, m, now, options, account).await?
        }
        Message::SweepDone(d) => match sweep::apply(txn, d, now, options).await? {
            sweep::SweepStatus::Reconciled(counts) => {
                applied.counts = counts;
                applied.reconciled = Some(true);
            }
            sweep::SweepStatus::AlreadyReconciled => applied.reconciled = Some(false),
            sweep::SweepStatus::Incomplete(e) => retry = Some(e),
        },
        Message::ZonesListed(l) => {
            applied.counts = account::zones_listed(txn, l, now, options).await?
        }
        Message::AccountStatus(s) => account::status(txn, s, now).await?,
        Message::BackfillProgress(p) => backfill::progress(txn, p, now).await?,
        // Findings (issue 20): the resource side, kept for the findings' evaluation.
        Message::Resources(m) => {
            applied.findings = zonetrail_findings::resources::apply_resources(txn, m, now).await?
        }
        Message::IpRanges(m) => {
            applied.findings = zonetrail_findings::resources::apply_ip_ranges(txn, m, now).await?
        }
    }
    if let Some((zone_id, before)) = before {
        let more = account::settle_zone(txn, zone_id, account, &before, options).await?;
        applied.counts.tombstoned += more.tombstoned;
        applied.counts.history_rows += more.history_rows;
    }
    Ok(retry)
}

/// The findings engine the writer's callers use: with the outbox when notifications are on,
/// and with Elastic Beanstalk's `CheckDNSAvailability` through `aws` when given.
pub fn findings_engine(
    notify: bool,
    aws: Option<&aws_config::SdkConfig>,
) -> zonetrail_findings::Findings {
    let dns = aws.map(|c| {
        std::sync::Arc::new(zonetrail_findings::aws::SdkDnsAvailability::new(c.clone()))
            as std::sync::Arc<dyn zonetrail_findings::DnsAvailability>
    });
    zonetrail_findings::Findings::new(dns).with_outbox(notify)
}

/// The findings engine from the environment: `None` when `ZONETRAIL_FINDINGS=off`; else with
/// the outbox when `ZONETRAIL_NOTIFY` turns notifications on, and `CheckDNSAvailability`
/// through the default AWS configuration.
pub async fn findings_from_env() -> Result<Option<zonetrail_findings::Findings>, config::ConfigError>
{
    let config = config::WriterConfig::from_env()?;
    if !config.findings.is_on() {
        return Ok(None);
    }
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Ok(Some(findings_engine(config.notify.is_some(), Some(&aws))))
}

/// Evaluate `work` after the commits that left it; a failure is an error log line and
/// never fails the write (the next evaluation puts it right).
pub async fn evaluate_logged<C>(
    findings: &zonetrail_findings::Findings,
    db: &C,
    work: &zonetrail_findings::Work,
) where
    C: ConnectionTrait + TransactionTrait,
{
    if work.is_empty() {
        return;
    }
    match findings.evaluate(db, work).await {
        Ok(report) => tracing::debug!(?report, "findings evaluated"),
        Err(e) => {
            tracing::error!(reason = %e, "findings evaluation failed; the next one puts it right")
        }
    }
}

/// Decode a queue message body and [`apply`] it. A body that does not decode is poison; the
/// reason is logged here and returned.
pub async fn apply_body<C>(db: &C, body: &str) -> Result<Applied, ApplyError>
where
    C: ConnectionTrait + TransactionTrait,
{
    apply_body_with(db, body, &ApplyOptions::default()).await
}

/// [`apply_body`] with options (the writer's default account among them).
pub async fn apply_body_with<C>(
    db: &C,
    body: &str,
    options: &ApplyOptions,
) -> Result<Applied, ApplyError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let message = Message::from_json(body).map_err(|e| {
        tracing::error!(reason = %e, bytes = body.len(), "message cannot be decoded; it will go to the dead-letter queue");
        ApplyError::Decode(e)
    })?;
    apply_with(db, &message, options).await
}
