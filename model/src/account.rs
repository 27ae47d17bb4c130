//! AWS account ids: twelve decimal digits, leading zeros kept.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An AWS account id, `012345678901`. Parsing is the only way to make one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an AWS account id (twelve digits, like 123456789012)")]
pub struct AccountIdError(pub String);

impl AccountId {
    pub fn parse(raw: &str) -> Result<Self, AccountIdError> {
        let id = raw.trim();
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(id.to_owned()))
        } else {
            Err(AccountIdError(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AccountId {
    type Error = AccountIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AccountId> for String {
    fn from(value: AccountId) -> Self {
        value.0
    }
}

impl std::str::FromStr for AccountId {
    type Err = AccountIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_digits_only() {
        assert_eq!(AccountId::parse("012345678901").unwrap().as_str(), "012345678901");
        assert_eq!(AccountId::parse(" 123456789012 ").unwrap().as_str(), "123456789012");
        for bad in
            ["", "12345678901", "1234567890123", "12345678901a", "-12345678901", "１23456789012"]
        {
            let err = AccountId::parse(bad).unwrap_err();
            assert!(err.to_string().contains("not an AWS account id"), "{bad}: {err}");
        }
        assert!(serde_json::from_str::<AccountId>("\"12\"").is_err());
        assert!(
            serde_json::from_str::<AccountId>("123456789012").is_err(),
            "a number is not an id"
        );
    }
}
