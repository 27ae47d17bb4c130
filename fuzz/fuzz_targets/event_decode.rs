//! `decode_event` on arbitrary bytes that parse as JSON (the corpus starts from the ingest's
//! event fixtures): never panics, and every plan it makes survives the queue.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) {
        zonetrail_fuzz::check_event(&event);
    }
});
