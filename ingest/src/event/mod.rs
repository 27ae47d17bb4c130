//! CloudTrail events (EventBridge "AWS API Call via CloudTrail", source `aws.route53`) into
//! queue messages.
//!
//! Decoding ([`decode_event`]) is pure: it either yields a complete plan or an error, so a
//! malformed event sends nothing. [`ingest_event`] then carries the plan out.

mod decode;
mod fields;
mod ingest;
mod records;
mod zones;

use zonetrail_model::{
    AccountId, Message, NameError, Origin, Timestamp, TypeError, ZoneId, ZoneIdError,
};

pub use decode::decode_event;
pub(crate) use ingest::in_account;
pub use ingest::{EventOutcome, TargetedSweep, ingest_event};

pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
pub const ROUTE53_SOURCE: &str = "aws.route53";

/// Why an event cannot be decoded. The message names the field and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the event is not a JSON object (found {0})")]
    NotAnObject(&'static str),
    #[error("the event has no {0}")]
    Missing(String),
    #[error("detail-type is {0:?}; expected {CLOUDTRAIL_DETAIL_TYPE:?}")]
    WrongDetailType(String),
    #[error("source is {0:?}; expected {ROUTE53_SOURCE:?}")]
    WrongSource(String),
    #[error("detail.eventSource is {0:?}; expected \"route53.amazonaws.com\"")]
    WrongEventSource(String),
    #[error("{path} is {found}; expected {expected}")]
    BadField { path: String, expected: &'static str, found: &'static str },
    #[error("{path} is not a hosted zone id ({value:?}): {source}")]
    BadZoneId { path: String, value: String, source: ZoneIdError },
    #[error("{path} is not a valid DNS name ({value:?}): {source}")]
    BadName { path: String, value: String, source: NameError },
    #[error("{path} is not a record type ({value:?}): {source}")]
    BadType { path: String, value: String, source: TypeError },
    #[error("{path} is not an RFC 3339 time ({value:?})")]
    BadTime { path: String, value: String },
    #[error("{path} is not an AWS account id ({value:?}): {reason}")]
    BadAccount { path: String, value: String, reason: String },
    #[error("{path} is {value:?}; expected CREATE, UPSERT or DELETE")]
    BadAction { path: String, value: String },
    #[error("{path} is {value}; expected {expected}")]
    OutOfRange { path: String, value: i64, expected: &'static str },
}

/// Why a well-formed event changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    /// The call failed (`errorCode`), so Route 53 did not change.
    FailedCall { code: String, message: Option<String> },
    /// A read-only call (Get/List/Describe/Test, or `readOnly: true`).
    ReadOnly,
    /// A Route 53 call that does not change zones or records (health checks, tags, ...).
    Unsupported,
    /// Neither the envelope's `account` nor `recipientAccountId` says whose zone it is.
    NoAccount,
    /// The account is not in scope (`ZONETRAIL_ACCOUNTS`, less the exclusions).
    OutOfScope(AccountId),
}

impl std::fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IgnoreReason::FailedCall { code, message } => {
                write!(f, "the call failed with {code}: {}", message.as_deref().unwrap_or(""))
            }
            IgnoreReason::ReadOnly => f.write_str("a read-only call"),
            IgnoreReason::Unsupported => {
                f.write_str("a call that changes no hosted zone or record")
            }
            IgnoreReason::NoAccount => f.write_str(
                "the event names no account (neither account nor detail.recipientAccountId)",
            ),
            IgnoreReason::OutOfScope(account) => {
                write!(f, "account {account} is not in scope")
            }
        }
    }
}

/// What a Route 53 read should follow the messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    /// Sweep the event's zone: its change batch is missing or incomplete, or it is new.
    SweepZone { reason: String },
    /// Re-read the zone (its VPCs changed) and send a `zone` message.
    RefreshZone,
}

/// What an event means for the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPlan {
    /// The account whose zone changed; `None` when the event does not say.
    pub account_id: Option<AccountId>,
    pub event_id: String,
    pub event_name: String,
    pub zone_id: ZoneId,
    pub origin: Origin,
    /// The end of the second of `eventTime` (see docs/design.md, "last observation wins").
    pub observed_at: Timestamp,
    pub messages: Vec<Message>,
    pub follow_up: Option<FollowUp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Plan(EventPlan),
    Ignored { event_id: Option<String>, event_name: Option<String>, reason: IgnoreReason },
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("malformed event, nothing sent: {0}")]
    Malformed(#[from] DecodeError),
    #[error("event {event_id}: {source}")]
    Queue { event_id: String, source: crate::queue::QueueError },
    #[error("event {event_id}: the targeted sweep of {zone_id} failed: {source}")]
    Sweep { event_id: String, zone_id: ZoneId, source: crate::sweep::SweepError },
    #[error("event {event_id}: the targeted sweep of {zone_id} did not finish: {reason}")]
    ZoneSweepFailed { event_id: String, zone_id: ZoneId, reason: String },
    #[error("event {event_id}: re-reading hosted zone {zone_id} failed: {reason}")]
    Refresh { event_id: String, zone_id: ZoneId, reason: String },
    /// A resource event's re-listing failed; it was sent as `Failed`.
    #[error(
        "event {event_id}: re-listing {kind} of account {account_id} in {region:?} failed: {error}"
    )]
    ResourceListing {
        event_id: String,
        kind: zonetrail_model::ResourceKind,
        account_id: AccountId,
        region: String,
        error: String,
    },
}
