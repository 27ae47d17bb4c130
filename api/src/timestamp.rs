//! Timestamps on the wire: RFC 3339 in UTC with exactly six fractional digits, the precision
//! the database keeps (`2026-11-22T10:15:30.123456Z`), so they sort as text too.

use chrono::SecondsFormat;
use serde::Serializer;
use zonetrail_model::Timestamp;

pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

pub fn serialize_option<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format(t)),
        None => s.serialize_none(),
    }
}

/// Parse a caller's timestamp (`since`): RFC 3339 with any offset.
pub fn parse(raw: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| zonetrail_model::to_micros(t.with_timezone(&chrono::Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_microseconds_and_parses_back() {
        let t = parse("2026-11-22T10:15:30.1234567+01:00").unwrap();
        assert_eq!(format(&t), "2026-11-22T09:15:30.123456Z");
        assert!(parse("2026-11-22").is_none());
        assert!(parse("yesterday").is_none());
        assert!(parse("2026-13-01").is_none());
    }
}
