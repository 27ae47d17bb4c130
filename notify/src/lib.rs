//! Notifications (issue 19): every committed history row (`record_changes`) published as one
//! event, at least once, without ever slowing or failing the writer.
//!
//! - The writer, with `ApplyOptions::outbox`, adds a `change_outbox` row for each history row
//!   it inserts, in the same transaction (migration 11). A change committed is therefore
//!   published even if the process dies right after the commit.
//! - A [`Publisher`](publisher::Publisher) reads the due outbox rows in `change_id` order,
//!   builds each change's event ([`ChangeEvent`]: the history entry exactly as `/api/changes`
//!   returns it), drops those its [`Filter`] excludes, hands the rest to a [`Sink`], deletes
//!   each row its sink took, and backs off the rest.
//! - Sinks: a webhook (`zonetrail up --notify-webhook URL`, JSON or Slack text) and, in AWS,
//!   EventBridge `PutEvents` on the `zonetrail` bus.
//!
//! Consumers dedupe by the change's `id`, which every event carries: a crash between a send
//! and the outbox row's delete sends it again.

use api::history::FeedItem;
use serde::Serialize;

/// The event's `source`.
pub const SOURCE: &str = "zonetrail";
/// The event's `detail-type`.
pub const DETAIL_TYPE: &str = "DNS Record Changed";
/// EventBridge's limit on one entry (256 KB), which every sink keeps to.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// One change's event detail: the history entry exactly as `/api/changes` returns it (the
/// change's `id`, action, source, actor, event id, observed time, before, after, via, the
/// record's key, zone and account), plus `truncated` when `before` and `after` were left out
/// to fit [`MAX_EVENT_BYTES`].
#[derive(Debug, Serialize)]
pub struct ChangeEvent {
    #[serde(flatten)]
    pub item: FeedItem,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Which changes are published. Empty lists: every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these zones (bare ids).
    pub zones: Vec<String>,
    /// Not changes made by these actors (the actor ARN, or its role, as `/api/changes` has
    /// them): e.g. the IaC pipeline's role.
    pub ignore_actors: Vec<String>,
    /// Only these sources (`event`, `sweep`, `reconcile`).
    pub sources: Vec<String>,
    /// Also history a backfill added (`via = backfill`); off by default: old news.
    pub backfill: bool,
}

/// Why a sink did not take an event: said in the log, kept on the outbox row
/// (`last_error`), and retried with backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

/// Where events go. A sink answers for each event it was given, in order: one that failed is
/// retried later, alone, without the others being sent again.
pub trait Sink: Send + Sync {
    /// A short name for logs and metrics (`webhook`, `eventbridge`).
    fn name(&self) -> &'static str;

    /// Send `events` (at most [`Sink::max_batch`]); one result per event, in order.
    fn send(
        &self,
        events: &[ChangeEvent],
    ) -> impl std::future::Future<Output = Vec<Result<(), SendError>>> + Send;

    /// How many events one [`Sink::send`] takes (EventBridge: 10 a `PutEvents`).
    fn max_batch(&self) -> usize {
        10
    }
}

pub mod eventbridge;
pub mod publisher;
pub mod webhook;
