//! `decode_event` on real events with structured edits (members removed, retyped, renamed,
//! duplicated, set to edge values): reaches the decoder's deep paths that random bytes rarely
//! form as valid JSON. The same checks as `event_decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zonetrail_fuzz::mutation::EventCase;

fuzz_target!(|case: EventCase| {
    zonetrail_fuzz::check_event(&case.build());
});
