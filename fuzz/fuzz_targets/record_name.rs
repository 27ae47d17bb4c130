//! `RecordName::parse` on arbitrary text: never panics, and every name it accepts survives
//! the forms zonetrail writes it in — the stored form and Route 53's API form both parse back
//! to the same name, the API form is plain ASCII, and the reversed form reverses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zonetrail_model::RecordName;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let Ok(name) = RecordName::parse(raw) else { return };

    let stored = name.as_str();
    assert!(stored.ends_with('.'), "stored form {stored:?} lacks the trailing dot");
    assert!(stored.is_ascii(), "stored form {stored:?} is not ASCII");
    assert!(
        !stored.bytes().any(|b| b.is_ascii_uppercase()),
        "stored form {stored:?} is not lower-case"
    );
    assert_eq!(
        RecordName::parse(stored).as_ref(),
        Ok(&name),
        "stored form {stored:?} does not re-parse to itself"
    );

    let api = name.to_api();
    assert!(
        api.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.\\".contains(&b)),
        "API form {api:?} has a byte Route 53 would escape"
    );
    assert_eq!(
        RecordName::parse(&api).as_ref(),
        Ok(&name),
        "API form {api:?} of {stored:?} does not re-parse to the same name"
    );
    assert_eq!(RecordName::parse(&api).unwrap().to_api(), api, "API form is not stable");

    let labels = name.labels();
    assert!(!labels.is_empty() && labels.iter().all(|l| !l.is_empty() && l.len() <= 63));
    assert!(name.is_within(&name));

    let reversed = RecordName::parse(&name.reversed()).expect("the reversed form parses");
    assert_eq!(
        RecordName::parse(&reversed.reversed()).as_ref(),
        Ok(&name),
        "reversing twice changed {stored:?}"
    );
});
