//! The queue message contract, version 1 (see docs/design.md, "The queue message contract").
//!
//! Every message is a JSON object with `"v": 1`, a `kind` and `observed_at`. The ingest
//! produces them, the writer applies them; nothing else is shared between the two stages.

use serde::{Deserialize, Serialize};

use crate::{HostedZone, RecordKey, RecordName, RecordSet, RecordType, Timestamp, ZoneId};

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
    },
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
    pub zone_id: ZoneId,
    pub observed_at: Timestamp,
    pub origin: Origin,
    #[serde(default)]
    pub upserts: Vec<RecordSet>,
    #[serde(default)]
    pub deletes: Vec<DeletedKey>,
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
    pub zone_id: ZoneId,
    pub observed_at: Timestamp,
    pub origin: Origin,
    pub change: ZoneChange,
}

/// One zone's sweep has sent all its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepDone {
    pub zone_id: ZoneId,
    pub sweep_id: String,
    pub started_at: Timestamp,
    /// When the last page was read.
    pub observed_at: Timestamp,
    pub pages: u32,
    pub record_sets: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    Records(RecordsMessage),
    Zone(ZoneMessage),
    SweepDone(SweepDone),
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
    pub fn zone_id(&self) -> &ZoneId {
        match self {
            Message::Records(m) => &m.zone_id,
            Message::Zone(m) => &m.zone_id,
            Message::SweepDone(m) => &m.zone_id,
        }
    }

    pub fn observed_at(&self) -> Timestamp {
        match self {
            Message::Records(m) => m.observed_at,
            Message::Zone(m) => m.observed_at,
            Message::SweepDone(m) => m.observed_at,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Message::Records(_) => "records",
            Message::Zone(_) => "zone",
            Message::SweepDone(_) => "sweep_done",
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
                zone_id: zone.clone(),
                observed_at: at,
                origin: Origin::Event {
                    event_id: "e".into(),
                    event_name: "DeleteHostedZone".into(),
                    actor: None,
                    actor_role: None,
                },
                change: ZoneChange::Deleted,
            }),
            Message::SweepDone(SweepDone {
                zone_id: zone,
                sweep_id: "s".into(),
                started_at: at,
                observed_at: at,
                pages: 2,
                record_sets: 600,
            }),
        ];
        for m in kinds {
            assert_eq!(Message::from_json(&m.to_json()).unwrap(), m);
        }
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
            let m = Message::Records(RecordsMessage {
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
            let m = RecordsMessage {
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
