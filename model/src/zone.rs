use serde::{Deserialize, Serialize};
use std::fmt;

use crate::RecordName;

/// A hosted zone id as Route 53 prints it without the `/hostedzone/` prefix: `Z0123456789ABC`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ZoneId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneIdError {
    #[error("hosted zone id is empty")]
    Empty,
    #[error("hosted zone id {0:?} has characters other than A-Z and 0-9")]
    Invalid(String),
    #[error("hosted zone id {0:?} is longer than 32 characters")]
    TooLong(String),
}

impl ZoneId {
    /// Accepts `Z123`, `/hostedzone/Z123` and `hostedzone/Z123` (CloudTrail logs what the caller
    /// sent, and callers use all three).
    pub fn parse(raw: &str) -> Result<Self, ZoneIdError> {
        let trimmed = raw.trim();
        let id = trimmed
            .strip_prefix("/hostedzone/")
            .or_else(|| trimmed.strip_prefix("hostedzone/"))
            .unwrap_or(trimmed);
        if id.is_empty() {
            return Err(ZoneIdError::Empty);
        }
        if id.len() > 32 {
            return Err(ZoneIdError::TooLong(raw.to_owned()));
        }
        if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ZoneIdError::Invalid(raw.to_owned()));
        }
        Ok(Self(id.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ZoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ZoneId {
    type Error = ZoneIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ZoneId> for String {
    fn from(value: ZoneId) -> Self {
        value.0
    }
}

impl std::str::FromStr for ZoneId {
    type Err = ZoneIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A VPC associated with a private hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Vpc {
    pub region: String,
    pub id: String,
}

/// A hosted zone as observed in Route 53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedZone {
    pub id: ZoneId,
    pub name: RecordName,
    pub private: bool,
    #[serde(default)]
    pub comment: Option<String>,
    /// Sorted, so that the same associations always compare and hash equal.
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub record_count: Option<i64>,
}

impl HostedZone {
    pub fn normalize(mut self) -> Self {
        self.vpcs.sort();
        self.vpcs.dedup();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_hostedzone_prefix() {
        assert_eq!(ZoneId::parse("/hostedzone/Z1PA6795UKMFR9").unwrap().as_str(), "Z1PA6795UKMFR9");
        assert_eq!(ZoneId::parse("hostedzone/Z1PA").unwrap().as_str(), "Z1PA");
        assert_eq!(ZoneId::parse("z1pa").unwrap().as_str(), "Z1PA");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(ZoneId::parse(""), Err(ZoneIdError::Empty));
        assert_eq!(ZoneId::parse("/hostedzone/"), Err(ZoneIdError::Empty));
        assert!(matches!(ZoneId::parse("Z1'; DROP TABLE"), Err(ZoneIdError::Invalid(_))));
        assert!(matches!(ZoneId::parse(&"Z".repeat(40)), Err(ZoneIdError::TooLong(_))));
    }
}
