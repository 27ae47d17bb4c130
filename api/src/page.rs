//! Query parameters shared by the lists: `limit`, `zone` and boolean flags, parsed and
//! described (for the OpenAPI document) in one place.

use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use zonetrail_model::{AccountId, ZoneId};

use crate::ApiError;

pub const DEFAULT_LIMIT: u64 = 100;
/// Larger limits are capped to this, not rejected: a client asking for "lots" gets the most
/// one page holds.
pub const MAX_LIMIT: u64 = 1000;

/// `limit`: a whole number from 1; above [`MAX_LIMIT`] it is capped. Anything else is a 400.
pub fn parse_limit(raw: Option<&str>) -> Result<u64, ApiError> {
    let Some(raw) = raw else { return Ok(DEFAULT_LIMIT) };
    let bad = || {
        ApiError::bad_request(format!(
            "limit must be a whole number from 1 to {MAX_LIMIT}, got {raw:?}"
        ))
    };
    if raw.is_empty() || raw.len() > 100 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if raw.bytes().all(|b| b == b'0') {
        return Err(bad());
    }
    // Only digits and not zero: a number too big for u64 is simply more than the cap.
    Ok(raw.parse::<u64>().unwrap_or(u64::MAX).min(MAX_LIMIT))
}

/// `limit` in the OpenAPI document: an integer from 1, no upper bound (larger is capped).
pub fn limit_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .default(Some(DEFAULT_LIMIT.into()))
        .description(Some(format!(
            "Page size, from 1 (default {DEFAULT_LIMIT}); more than {MAX_LIMIT} is capped to {MAX_LIMIT}."
        )))
}

/// A boolean query flag: `true` or `false`; absent means false.
pub fn parse_flag(name: &str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => {
            Err(ApiError::bad_request(format!("{name} must be true or false, got {other:?}")))
        }
    }
}

/// `zone`: a hosted zone id, with or without `/hostedzone/`; empty means any zone.
pub fn parse_zone(raw: Option<&str>) -> Result<Option<ZoneId>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(z) => {
            ZoneId::parse(z).map(Some).map_err(|e| ApiError::bad_request(format!("zone: {e}")))
        }
    }
}

/// `zone` in the OpenAPI document; the pattern is exactly what [`parse_zone`] accepts.
pub fn zone_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^\s*((/?hostedzone/)?[A-Za-z0-9]{1,32})?\s*$"))
        .description(Some(
            "Hosted zone id, with or without `/hostedzone/`, e.g. Z0123456789ABC; empty: any zone.",
        ))
}

/// `account`: an AWS account id, twelve digits; empty means any account.
pub fn parse_account(raw: Option<&str>) -> Result<Option<AccountId>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) => AccountId::parse(raw.unwrap_or_default())
            .map(Some)
            .map_err(|e| ApiError::bad_request(format!("account: {e}"))),
    }
}

/// `account` in the OpenAPI document; the pattern is exactly what [`parse_account`] accepts.
pub fn account_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^\s*([0-9]{12})?\s*$"))
        .description(Some(
            "AWS account id (twelve digits, e.g. 123456789012): only the hosted zones of that account. Empty: every account. Anything else is a 400.",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(parse_limit(Some("1")).unwrap(), 1);
        assert_eq!(parse_limit(Some("5000")).unwrap(), MAX_LIMIT);
        assert_eq!(parse_limit(Some("99999999999999999999")).unwrap(), MAX_LIMIT);
        for bad in ["0", "000", "-1", "abc", "", "1.5", " 1", "1e3", "+5"] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flags() {
        assert!(parse_flag("x", Some("true")).unwrap());
        assert!(!parse_flag("x", None).unwrap());
        assert!(parse_flag("x", Some("yes")).is_err());
        assert!(parse_flag("x", Some("1")).is_err());
        assert!(parse_flag("x", Some("")).is_err());
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone(Some(" /hostedzone/z1 ")).unwrap().unwrap().as_str(), "Z1");
        assert!(parse_zone(Some("")).unwrap().is_none());
        assert!(parse_zone(Some("Z1; --")).is_err());
    }

    #[test]
    fn accounts() {
        assert_eq!(
            parse_account(Some(" 123456789012 ")).unwrap().unwrap().as_str(),
            "123456789012"
        );
        assert!(parse_account(Some("")).unwrap().is_none());
        assert!(parse_account(None).unwrap().is_none());
        for bad in ["12345", "abc", "1234567890123", "12345678901a", "123456789012; --"] {
            let e = parse_account(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("account") && e.contains(bad), "{bad:?}: {e}");
        }
    }
}
