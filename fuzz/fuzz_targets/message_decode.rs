//! `Message::from_json` on arbitrary bytes: never panics; a message it accepts re-encodes to
//! JSON that decodes to the same message (what the ingest writes, the writer reads), and a
//! records message splits under a size limit without losing or reordering anything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zonetrail_model::{Message, split_records};

/// Small enough that a fuzzed batch often needs several parts.
const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let Ok(message) = Message::from_json(body) else { return };

    let json = message.to_json();
    let again = Message::from_json(&json)
        .unwrap_or_else(|e| panic!("re-encoded message does not decode: {e}\n{json}"));
    assert_eq!(again, message, "a message changed on the way through JSON");

    if let Message::Records(records) = message {
        if let Ok(parts) = split_records(records.clone(), LIMIT) {
            for part in &parts {
                let part_json = Message::Records(part.clone()).to_json();
                assert!(
                    part_json.len() <= LIMIT,
                    "a part of {} bytes exceeds the {LIMIT}-byte limit",
                    part_json.len()
                );
                assert_eq!(part.zone_id, records.zone_id);
                assert_eq!(part.observed_at, records.observed_at);
                assert_eq!(part.origin, records.origin);
            }
            let upserts: Vec<_> = parts.iter().flat_map(|p| p.upserts.iter().cloned()).collect();
            let deletes: Vec<_> = parts.iter().flat_map(|p| p.deletes.iter().cloned()).collect();
            assert_eq!(upserts, records.upserts, "splitting lost or reordered upserts");
            assert_eq!(deletes, records.deletes, "splitting lost or reordered deletes");
        }
    }
});
