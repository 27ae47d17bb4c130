//! The queue message contract, version 1 (see docs/design.md, "The queue message contract").
//!
//! Every message is a JSON object with `"v": 1`, a `kind` and `observed_at`. The ingest
//! produces them, the writer applies them; nothing else is shared between the two stages.
//!
//! Every message names the AWS account it is about in `account_id`. The field was added to
//! v1 without a version change: a message without it belongs to the default account (the
//! credentials' own; the writer's `ZONETRAIL_ACCOUNT_ID`).

use serde::{Deserialize, Serialize};

pub use crate::resource::{
    IpPrefix, IpRangesMessage, ResourceItem, ResourceKind, ResourceListing, ResourcesMessage,
};
use crate::{
    AccountId, HostedZone, RecordKey, RecordName, RecordSet, RecordType, Timestamp, ZoneId,
};

pub const VERSION: u32 = 1;

/// Where an observation came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Sweep {
        sweep_id: String,
        page: u32,
    },
    Event {
        event_id: String,
        event_name: String,
        /// `userIdentity.arn` of the caller.
        #[serde(default)]
        actor: Option<String>,
        /// For an assumed role, the role that issued the session.
        #[serde(default)]
        actor_role: Option<String>,
        /// Read from CloudTrail's event history by `zonetrail backfill` rather than delivered
        /// live by EventBridge. It is not part of the observation's identity: the same
        /// CloudTrail event through both paths is one observation, whichever came first.
        #[serde(default, skip_serializing_if = "is_false")]
        backfill: bool,
        /// The `Comment` of the Route 53 change batch (`ChangeResourceRecordSets`); `None`
        /// when it had none, and for every other call. Added to v1 without a version change:
        /// a message without it has no comment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

/// The longest change batch `Comment` Route 53 accepts, in characters. The ingest leaves out a
/// longer one; the writer refuses a message with one.
pub const COMMENT_MAX_CHARS: usize = 256;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A deleted record set, by key within the message's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedKey {
    pub name: RecordName,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    #[serde(default)]
    pub set_identifier: Option<String>,
}

impl DeletedKey {
    pub fn key(&self, zone_id: &ZoneId) -> RecordKey {
        RecordKey {
            zone_id: zone_id.clone(),
            name: self.name.clone(),
            rtype: self.rtype.clone(),
            set_identifier: self.set_identifier.clone().filter(|s| !s.is_empty()),
        }
    }
}

/// Record sets of one zone observed present (`upserts`) and/or absent (`deletes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsMessage {
    /// The account that owns the zone; `None`: the default account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    pub zone_id: ZoneId,
    pub observed_at: Timestamp,
    pub origin: Origin,
    #[serde(default)]
    pub upserts: Vec<RecordSet>,
    #[serde(default)]
    pub deletes: Vec<DeletedKey>,
    /// The upserts were written with Route 53's `UPSERT` (create or replace): the call does
    /// not say whether the record existed. When such an upsert is the first thing ever known
    /// of a record, its history entry is a change whose state before is unknown, never a
    /// create. Upserts of `CREATE` changes, and of sweeps, leave it false. The ingest never
    /// mixes the two kinds of upsert in one message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub before_unknown: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneChange {
    Present(HostedZone),
    /// The zone and every record in it are gone.
    Deleted,
}

/// A hosted zone observed present or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneMessage {
    /// The account that owns the zone; `None`: the default account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    pub zone_id: ZoneId,
    pub observed_at: Timestamp,
    pub origin: Origin,
    pub change: ZoneChange,
}

/// One zone's sweep has sent all its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepDone {
    /// The account that owns the zone; `None`: the default account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    pub zone_id: ZoneId,
    pub sweep_id: String,
    pub started_at: Timestamp,
    /// When the last page was read.
    pub observed_at: Timestamp,
    pub pages: u32,
    pub record_sets: u64,
}

/// One account's complete list of hosted zones, as a sweep listed them. The writer tombstones
/// every live zone of the account that is missing from `zone_ids` and was not observed after
/// `started_at`, with its records. A sweep that could not list every zone of an account sends
/// none: failing to read an account never deletes its inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZonesListed {
    pub account_id: AccountId,
    pub sweep_id: String,
    /// Taken before the first ListHostedZones call of the listing.
    pub started_at: Timestamp,
    /// When the last page of the listing was read.
    pub observed_at: Timestamp,
    pub zone_ids: Vec<ZoneId>,
}

/// How reading an account went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Every zone was listed and swept.
    Ok,
    /// Assume-role was refused, or Route 53 answered AccessDenied.
    AccessDenied,
    /// Anything else: throttled out, a zone that failed, a network error.
    Error,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Ok => "ok",
            AccountState::AccessDenied => "access_denied",
            AccountState::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(AccountState::Ok),
            "access_denied" => Some(AccountState::AccessDenied),
            "error" => Some(AccountState::Error),
            _ => None,
        }
    }
}

/// The outcome of one account's sweep (or of an attempt to reach it). The writer keeps the
/// latest per account by `observed_at`; an older status delivered late changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    pub account_id: AccountId,
    /// The account's name in AWS Organizations, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    pub sweep_id: String,
    /// When the attempt ended.
    pub observed_at: Timestamp,
    pub status: AccountState,
    /// Why, for `access_denied` and `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where one account's CloudTrail backfill has got (see docs/design.md, "Backfill"). A
/// backfill reads the window [`since`, `until`] of CloudTrail's event history newest first,
/// so everything in [`read_until`, `until`] has been read and its observations sent before
/// this message. The writer keeps one row per (`account_id`, `backfill_id`): the most
/// advanced progress (`pages`, then `done`, then `observed_at`), so order and duplicates do
/// not matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillProgress {
    pub account_id: AccountId,
    /// Names one window of one account's backfill.
    pub backfill_id: String,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The oldest event time read so far (`until` before the first page).
    pub read_until: Timestamp,
    /// LookupEvents' `NextToken` for the next page; `None` once `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Every page of the window has been read and sent.
    pub done: bool,
    pub pages: u64,
    /// Events read, and what became of them.
    pub counts: BackfillCounts,
    /// When this progress was taken.
    pub observed_at: Timestamp,
}

/// What a backfill did with the events it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillCounts {
    /// Events read from LookupEvents.
    pub events: u64,
    /// Events that became observations (sent to the writer).
    pub applied: u64,
    /// Failed calls (`errorCode`): they changed nothing.
    pub failed_calls: u64,
    /// Change events whose `requestParameters` are missing or truncated: reported, never
    /// guessed.
    pub incomplete: u64,
    /// `CloudTrailEvent` not JSON, or not a Route 53 event the decoder accepts.
    pub malformed: u64,
    /// Reads, other Route 53 calls, and accounts out of scope.
    pub ignored: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    Records(RecordsMessage),
    Zone(ZoneMessage),
    SweepDone(SweepDone),
    ZonesListed(ZonesListed),
    AccountStatus(AccountStatus),
    BackfillProgress(BackfillProgress),
    Resources(ResourcesMessage),
    IpRanges(IpRangesMessage),
}

/// The message on the wire: `{"v": 1, "kind": ..., ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    #[serde(flatten)]
    pub message: Message,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message is not valid JSON for the v1 contract: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("message has version {0}; this build reads version {VERSION}")]
    UnsupportedVersion(u32),
    #[error("a single record set of {bytes} bytes does not fit in a message of {limit} bytes")]
    RecordTooLarge { bytes: usize, limit: usize },
}

impl Message {
    /// The zone a message is about; `None` for the account-wide kinds.
    pub fn zone_id(&self) -> Option<&ZoneId> {
        match self {
            Message::Records(m) => Some(&m.zone_id),
            Message::Zone(m) => Some(&m.zone_id),
            Message::SweepDone(m) => Some(&m.zone_id),
            Message::ZonesListed(_)
            | Message::AccountStatus(_)
            | Message::BackfillProgress(_)
            | Message::Resources(_)
            | Message::IpRanges(_) => None,
        }
    }

    /// The account a message names; `None`: the default account.
    pub fn account_id(&self) -> Option<&AccountId> {
        match self {
            Message::Records(m) => m.account_id.as_ref(),
            Message::Zone(m) => m.account_id.as_ref(),
            Message::SweepDone(m) => m.account_id.as_ref(),
            Message::ZonesListed(m) => Some(&m.account_id),
            Message::AccountStatus(m) => Some(&m.account_id),
            Message::BackfillProgress(m) => Some(&m.account_id),
            Message::Resources(m) => Some(&m.account_id),
            Message::IpRanges(_) => None,
        }
    }

    pub fn observed_at(&self) -> Timestamp {
        match self {
            Message::Records(m) => m.observed_at,
            Message::Zone(m) => m.observed_at,
            Message::SweepDone(m) => m.observed_at,
            Message::ZonesListed(m) => m.observed_at,
            Message::AccountStatus(m) => m.observed_at,
            Message::BackfillProgress(m) => m.observed_at,
            Message::Resources(m) => m.observed_at,
            Message::IpRanges(m) => m.observed_at,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Message::Records(_) => "records",
            Message::Zone(_) => "zone",
            Message::SweepDone(_) => "sweep_done",
            Message::ZonesListed(_) => "zones_listed",
            Message::AccountStatus(_) => "account_status",
            Message::BackfillProgress(_) => "backfill_progress",
            Message::Resources(_) => "resources",
            Message::IpRanges(_) => "ip_ranges",
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&Envelope { v: VERSION, message: self.clone() })
            .expect("a Message always serialises")
    }

    /// Decode a message body. A body of another version, or one that breaks the contract
    /// (a bad name, type or zone id included), is an error, never a panic.
    pub fn from_json(body: &str) -> Result<Self, MessageError> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_str(body)?;
        if version.v != VERSION {
            return Err(MessageError::UnsupportedVersion(version.v));
        }
        let envelope: Envelope = serde_json::from_str(body)?;
        Ok(envelope.message)
    }
}

/// Split a records message into messages whose JSON is at most `limit` bytes each, keeping
/// every upsert and delete exactly once and in order. Splitting keeps `observed_at` and the
/// origin, so the pieces apply exactly as the whole would.
pub fn split_records(
    message: RecordsMessage,
    limit: usize,
) -> Result<Vec<RecordsMessage>, MessageError> {
    let empty = RecordsMessage { upserts: Vec::new(), deletes: Vec::new(), ..message.clone() };
    let overhead = Message::Records(empty.clone()).to_json().len();
    // Each element adds its own JSON plus at most one separating comma.
    let fits = |bytes: usize| overhead + bytes <= limit;

    let mut out = Vec::new();
    let mut current = empty.clone();
    let mut used = 0usize;
    let push_item = |size: usize,
                     current: &mut RecordsMessage,
                     used: &mut usize,
                     out: &mut Vec<RecordsMessage>| {
        if !fits(size + 1) {
            return Err(MessageError::RecordTooLarge { bytes: size, limit });
        }
        if !fits(*used + size + 1) {
            out.push(std::mem::replace(current, empty.clone()));
            *used = 0;
        }
        *used += size + 1;
        Ok(())
    };
    for upsert in message.upserts {
        let size = serde_json::to_vec(&upsert).expect("serialises").len();
        push_item(size, &mut current, &mut used, &mut out)?;
        current.upserts.push(upsert);
    }
    for delete in message.deletes {
        let size = serde_json::to_vec(&delete).expect("serialises").len();
        push_item(size, &mut current, &mut used, &mut out)?;
        current.deletes.push(delete);
    }
    if !current.upserts.is_empty() || !current.deletes.is_empty() || out.is_empty() {
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AliasTarget, GeoLocation, Routing};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn record(i: usize, values: usize) -> RecordSet {
        RecordSet {
            name: RecordName::parse(&format!("host-{i}.example.com.")).unwrap(),
            rtype: RecordType::A,
            set_identifier: i.is_multiple_of(2).then(|| format!("set-{i}")),
            ttl: Some(300),
            values: (0..values).map(|v| format!("192.0.2.{}", v % 250)).collect(),
            alias_target: None,
            routing: Routing { weight: i.is_multiple_of(2).then_some(10), ..Routing::default() },
        }
    }

    fn message(n: usize, values: usize) -> RecordsMessage {
        RecordsMessage {
            before_unknown: false,
            account_id: None,
            zone_id: ZoneId::parse("Z0123456789ABC").unwrap(),
            observed_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
            origin: Origin::Sweep { sweep_id: "s1".into(), page: 3 },
            upserts: (0..n).map(|i| record(i, values)).collect(),
            deletes: (0..n / 3)
                .map(|i| DeletedKey {
                    name: RecordName::parse(&format!("gone-{i}.example.com")).unwrap(),
                    rtype: RecordType::Txt,
                    set_identifier: None,
                })
                .collect(),
        }
    }

    #[test]
    fn wire_format_carries_version_and_kind() {
        let json = Message::Records(message(1, 1)).to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["v"], 1);
        assert_eq!(value["kind"], "records");
        assert_eq!(value["origin"]["sweep"]["page"], 3);
        assert_eq!(value["upserts"][0]["type"], "A");
    }

    #[test]
    fn rejects_other_versions_and_bad_fields() {
        let json = Message::Records(message(1, 1)).to_json().replace("\"v\":1", "\"v\":2");
        assert!(matches!(Message::from_json(&json), Err(MessageError::UnsupportedVersion(2))));
        assert!(matches!(Message::from_json("{}"), Err(MessageError::Malformed(_))));
        assert!(matches!(Message::from_json("not json"), Err(MessageError::Malformed(_))));
        let bad_name =
            Message::Records(message(1, 1)).to_json().replace("host-0.example.com.", "a..b");
        assert!(matches!(Message::from_json(&bad_name), Err(MessageError::Malformed(_))));
    }

    #[test]
    fn every_kind_round_trips() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let zone = ZoneId::parse("Z1").unwrap();
        let kinds = [
            Message::Zone(ZoneMessage {
                account_id: Some(AccountId::parse("111122223333").unwrap()),
                zone_id: zone.clone(),
                observed_at: at,
                origin: Origin::Event {
                    backfill: false,
                    event_id: "e".into(),
                    event_name: "DeleteHostedZone".into(),
                    actor: None,
                    actor_role: None,
                    comment: None,
                },
                change: ZoneChange::Deleted,
            }),
            Message::SweepDone(SweepDone {
                account_id: None,
                zone_id: zone.clone(),
                sweep_id: "s".into(),
                started_at: at,
                observed_at: at,
                pages: 2,
                record_sets: 600,
            }),
            Message::ZonesListed(ZonesListed {
                account_id: AccountId::parse("111122223333").unwrap(),
                sweep_id: "s".into(),
                started_at: at,
                observed_at: at,
                zone_ids: vec![zone],
            }),
            Message::AccountStatus(AccountStatus {
                account_id: AccountId::parse("111122223333").unwrap(),
                account_name: Some("network".into()),
                sweep_id: "s".into(),
                observed_at: at,
                status: AccountState::AccessDenied,
                error: Some("AssumeRole refused".into()),
            }),
        ];
        for m in kinds {
            assert_eq!(Message::from_json(&m.to_json()).unwrap(), m);
        }
    }

    #[test]
    fn account_id_is_optional_and_checked() {
        // A v1 message from before accounts: no account_id, the default account.
        let old = r#"{"v":1,"kind":"sweep_done","zone_id":"Z1","sweep_id":"s","started_at":"2026-01-02T03:04:05Z","observed_at":"2026-01-02T03:04:05Z","pages":0,"record_sets":0}"#;
        assert_eq!(Message::from_json(old).unwrap().account_id(), None);
        let with = old.replace(r#""zone_id""#, r#""account_id":"012345678901","zone_id""#);
        assert_eq!(
            Message::from_json(&with).unwrap().account_id().unwrap().as_str(),
            "012345678901"
        );
        let bad = old.replace(r#""zone_id""#, r#""account_id":"12345","zone_id""#);
        let err = Message::from_json(&bad).unwrap_err().to_string();
        assert!(err.contains("\"12345\" is not an AWS account id"), "{err}");
        // Serialising without an account leaves the field out, as before.
        let json = Message::Records(message(1, 1)).to_json();
        assert!(!json.contains("account_id"));
    }

    #[test]
    fn an_event_comment_is_optional_and_left_out_when_none() {
        let mut m = message(1, 1);
        m.origin = Origin::Event {
            event_id: "e".into(),
            event_name: "ChangeResourceRecordSets".into(),
            actor: None,
            actor_role: None,
            backfill: false,
            comment: None,
        };
        // Without a comment the origin is written as before the field existed, and a message
        // from an older build (no field) decodes with none.
        let json = Message::Records(m.clone()).to_json();
        assert!(!json.contains("comment"), "{json}");
        assert_eq!(Message::from_json(&json).unwrap(), Message::Records(m.clone()));
        let Origin::Event { comment, .. } = &mut m.origin else { unreachable!() };
        *comment = Some("Adding subdomains".into());
        let json = Message::Records(m.clone()).to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["origin"]["event"]["comment"], "Adding subdomains");
        assert_eq!(Message::from_json(&json).unwrap(), Message::Records(m));
    }

    #[test]
    fn split_respects_the_limit_and_keeps_everything() {
        let m = message(500, 4);
        for limit in [2_000, 10_000, 262_144] {
            let parts = split_records(m.clone(), limit).unwrap();
            assert!(
                parts.iter().all(|p| Message::Records(p.clone()).to_json().len() <= limit),
                "limit {limit}"
            );
            let upserts: Vec<_> = parts.iter().flat_map(|p| p.upserts.clone()).collect();
            let deletes: Vec<_> = parts.iter().flat_map(|p| p.deletes.clone()).collect();
            assert_eq!(upserts, m.upserts);
            assert_eq!(deletes, m.deletes);
        }
    }

    #[test]
    fn split_reports_a_record_too_large_for_any_message() {
        let m = message(1, 2_000);
        assert!(matches!(split_records(m, 1_000), Err(MessageError::RecordTooLarge { .. })));
    }

    fn arb_record() -> impl Strategy<Value = RecordSet> {
        (
            "[a-z*_-]{1,10}(\\.[a-z0-9-]{1,10}){0,3}",
            prop::sample::select(RecordType::KNOWN_NAMES.to_vec()),
            proptest::option::of("[A-Za-z0-9 _-]{1,20}"),
            proptest::option::of(0i64..172_800),
            prop::collection::vec("[ -~]{0,40}", 0..5),
            proptest::option::of(("Z[A-Z0-9]{5,12}", "[a-z0-9.-]{1,30}", any::<bool>())),
            proptest::option::of(0i64..255),
            proptest::option::of(("[A-Z]{2}", proptest::option::of("[A-Z]{2}"))),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(name, rtype, set_id, ttl, values, alias, weight, geo, multi)| {
                RecordSet {
                    name: RecordName::parse(&name).unwrap(),
                    rtype: RecordType::parse(rtype).unwrap(),
                    set_identifier: set_id,
                    ttl,
                    values,
                    alias_target: alias.map(|(z, d, e)| AliasTarget {
                        hosted_zone_id: z,
                        dns_name: d,
                        evaluate_target_health: e,
                    }),
                    routing: Routing {
                        weight,
                        geo_location: geo.map(|(c, s)| GeoLocation {
                            continent_code: None,
                            country_code: Some(c),
                            subdivision_code: s,
                        }),
                        multivalue_answer: multi,
                        ..Routing::default()
                    },
                }
            })
    }

    proptest! {
        #[test]
        fn records_messages_round_trip(upserts in prop::collection::vec(arb_record(), 0..20), micros in 0i64..4_000_000_000_000_000, page in 0u32..10_000) {
            let m = Message::Records(RecordsMessage { before_unknown: false,
                account_id: None,
                zone_id: ZoneId::parse("Z0123").unwrap(),
                observed_at: Utc.timestamp_micros(micros).unwrap(),
                origin: Origin::Sweep { sweep_id: "sweep".into(), page },
                upserts,
                deletes: vec![],
            });
            prop_assert_eq!(Message::from_json(&m.to_json()).unwrap(), m);
        }

        #[test]
        fn split_round_trips(upserts in prop::collection::vec(arb_record(), 1..60), limit in 1_500usize..20_000) {
            let m = RecordsMessage { before_unknown: false,
                account_id: None,
                zone_id: ZoneId::parse("Z0123").unwrap(),
                observed_at: Utc.timestamp_micros(1).unwrap(),
                origin: Origin::Sweep { sweep_id: "sweep".into(), page: 1 },
                upserts,
                deletes: vec![],
            };
            let parts = split_records(m.clone(), limit).unwrap();
            for p in &parts {
                let json = Message::Records(p.clone()).to_json();
                prop_assert!(json.len() <= limit);
                prop_assert_eq!(Message::from_json(&json).unwrap(), Message::Records(p.clone()));
            }
            prop_assert_eq!(parts.into_iter().flat_map(|p| p.upserts).collect::<Vec<_>>(), m.upserts);
        }

        #[test]
        fn decoding_garbage_never_panics(s in ".{0,200}") {
            let _ = Message::from_json(&s);
        }
    }
}
