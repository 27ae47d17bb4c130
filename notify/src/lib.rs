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
//!
//! Findings (issue 20) go the same way: the findings engine, built with its outbox on, adds a
//! `finding_outbox` row (`opened` or `resolved`) in the transaction that raised or resolved a
//! finding, and the same publisher sends it to the same sink as a [`FindingEvent`]
//! (`Finding Opened` / `Finding Resolved`, the finding as `/api/findings` returns it).
//! Consumers dedupe those by (finding `id`, detail-type).

use api::findings::FindingItem;
use api::history::FeedItem;
use serde::Serialize;
use zonetrail_model::Timestamp;

/// The event's `source`.
pub const SOURCE: &str = "zonetrail";
/// The `detail-type` of a change's event.
pub const DETAIL_TYPE: &str = "DNS Record Changed";
/// The `detail-type` of a finding raised (not a suppressed one).
pub const FINDING_OPENED: &str = "Finding Opened";
/// The `detail-type` of a finding resolved.
pub const FINDING_RESOLVED: &str = "Finding Resolved";
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

/// What happened to a finding: a `finding_outbox` row's `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingChange {
    Opened,
    Resolved,
}

impl FindingChange {
    /// `opened` or `resolved`, as `finding_outbox.event` has it; anything else is `None`.
    pub fn parse(event: &str) -> Option<Self> {
        match event {
            "opened" => Some(Self::Opened),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Resolved => "resolved",
        }
    }

    /// [`FINDING_OPENED`] or [`FINDING_RESOLVED`].
    pub fn detail_type(self) -> &'static str {
        match self {
            Self::Opened => FINDING_OPENED,
            Self::Resolved => FINDING_RESOLVED,
        }
    }
}

/// One finding's event: the detail is the finding exactly as `/api/findings` returns it
/// ([`FindingItem`], as it is when the event is sent: a finding resolved before its `opened`
/// event went out is sent `resolved` in both), plus `truncated` when its `evidence` was left
/// out (`null`) to fit [`MAX_EVENT_BYTES`].
#[derive(Debug, Clone)]
pub struct FindingEvent {
    pub change: FindingChange,
    pub item: FindingItem,
    /// When it was opened or resolved: the outbox row's time, in the same transaction.
    pub at: Timestamp,
    pub truncated: bool,
}

/// An event of either kind, as sinks take them.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "events live only in one publishing batch (at most a page of the outbox); boxing buys nothing"
)]
pub enum Event {
    Change(ChangeEvent),
    Finding(FindingEvent),
}

impl Event {
    /// The envelope's `detail-type`.
    pub fn detail_type(&self) -> &'static str {
        match self {
            Event::Change(_) => DETAIL_TYPE,
            Event::Finding(f) => f.change.detail_type(),
        }
    }

    /// The detail as JSON text.
    pub fn to_json(&self) -> String {
        match self {
            Event::Change(c) => c.to_json(),
            Event::Finding(f) => f.to_json(),
        }
    }

    /// The envelope's time: when the change happened or was seen, or when the finding was
    /// opened or resolved.
    pub fn time(&self) -> Timestamp {
        match self {
            Event::Change(c) => c.item.change.observed_at,
            Event::Finding(f) => f.at,
        }
    }

    pub fn as_change(&self) -> Option<&ChangeEvent> {
        match self {
            Event::Change(c) => Some(c),
            Event::Finding(_) => None,
        }
    }

    pub fn as_finding(&self) -> Option<&FindingEvent> {
        match self {
            Event::Finding(f) => Some(f),
            Event::Change(_) => None,
        }
    }
}

/// Which changes and findings are published. Empty lists: every one. A finding's event is
/// filtered by its record's zone only (it has no actor, source or backfill).
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
        events: &[Event],
    ) -> impl std::future::Future<Output = Vec<Result<(), SendError>>> + Send;

    /// How many events one [`Sink::send`] takes (EventBridge: 10 a `PutEvents`).
    fn max_batch(&self) -> usize {
        10
    }
}

pub mod eventbridge;
pub mod publisher;
pub mod webhook;
