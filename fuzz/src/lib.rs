//! What the event fuzz targets check, and the structured mutator that starts from real events.
//!
//! [`check_event`] holds for any JSON: `decode_event` never panics, and whatever plan it makes
//! is something the rest of the pipeline can carry — every message survives the queue's
//! encoding (split under the size limit) and decodes back to itself on the writer's side.

pub mod mutation;

use serde_json::Value;
use zonetrail_ingest::event::{Decoded, decode_event};
use zonetrail_ingest::queue::encode;
use zonetrail_model::{Message, RecordSet};

/// The queue's default message limit (`ZONETRAIL_MAX_MESSAGE_BYTES`).
const MAX_MESSAGE_BYTES: usize = 262_144;

/// The real events the structured target starts from: the ingest's fixtures (verbatim
/// CloudTrail records) and this crate's seeds (every routing policy, zone and VPC calls).
pub const SEED_EVENTS: [&str; 8] = [
    include_str!("../../ingest/tests/fixtures/doc-change-resource-record-sets.json"),
    include_str!("../../ingest/tests/fixtures/doc-delete-hosted-zone.json"),
    include_str!("../../ingest/tests/fixtures/certbot-assumed-role-delete.json"),
    include_str!("../../ingest/tests/fixtures/custodian-alias-create.json"),
    include_str!("../seeds/every-routing-policy.json"),
    include_str!("../seeds/create-private-zone.json"),
    include_str!("../seeds/associate-vpc.json"),
    include_str!("../seeds/failed-and-read-only.json"),
];

pub fn check_event(event: &Value) {
    let Ok(Decoded::Plan(plan)) = decode_event(event) else { return };
    assert_eq!(
        plan.observed_at.timestamp_subsec_micros(),
        999_999,
        "an event observation is the end of its second"
    );
    for message in &plan.messages {
        assert_eq!(
            message.zone_id(),
            Some(&plan.zone_id),
            "a message for another zone than the event's"
        );
        if let Message::Records(records) = message {
            for upsert in &records.upserts {
                assert_eq!(
                    &RecordSet::clone(upsert).normalize(),
                    upsert,
                    "an upsert left the decoder unnormalised"
                );
            }
        }
        let json = message.to_json();
        let again = Message::from_json(&json).unwrap_or_else(|e| {
            panic!("the writer cannot decode what the ingest sends: {e}\n{json}")
        });
        assert_eq!(&again, message, "a message changed on the way through JSON");
    }
    if let Ok(bodies) = encode(plan.messages.clone(), MAX_MESSAGE_BYTES) {
        for body in bodies {
            assert!(body.len() <= MAX_MESSAGE_BYTES, "a queue body of {} bytes", body.len());
            Message::from_json(&body)
                .unwrap_or_else(|e| panic!("a queue body does not decode: {e}"));
        }
    }
}
