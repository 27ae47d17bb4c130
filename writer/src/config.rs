//! Settings of the writer, read once at start-up (never inside a handler). The database's
//! settings are the model's (`zonetrail_model::db::DbSettings`).

use zonetrail_model::AccountId;

/// Messages of one batch applied at once unless `ZONETRAIL_WRITER_CONCURRENCY` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterConfig {
    /// How many messages of one SQS batch are applied at once, each on its own connection
    /// (`ZONETRAIL_WRITER_CONCURRENCY`); the handler caps it at the pool's size.
    pub concurrency: usize,
    /// The account of messages without `account_id`, and of zones stored before accounts
    /// (`ZONETRAIL_ACCOUNT_ID`, twelve digits; optional: unset leaves them without one).
    pub account_id: Option<AccountId>,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self { concurrency: DEFAULT_CONCURRENCY, account_id: None }
    }
}

impl WriterConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// The same as [`WriterConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        const VAR: &str = "ZONETRAIL_WRITER_CONCURRENCY";
        if let Some(value) = lookup(VAR) {
            config.concurrency = value.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or(
                ConfigError::Invalid {
                    var: VAR,
                    value,
                    reason: "not a positive whole number".into(),
                },
            )?;
        }
        const ACCOUNT: &str = "ZONETRAIL_ACCOUNT_ID";
        if let Some(value) = lookup(ACCOUNT).filter(|v| !v.trim().is_empty()) {
            config.account_id = Some(AccountId::parse(&value).map_err(|e| {
                ConfigError::Invalid { var: ACCOUNT, value: value.clone(), reason: e.to_string() }
            })?);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<WriterConfig, ConfigError> {
        WriterConfig::from_lookup(|var| {
            vars.iter().find(|(k, _)| *k == var).map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn concurrency_defaults_to_four_and_reads_the_variable() {
        assert_eq!(read(&[]).unwrap().concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(read(&[("ZONETRAIL_WRITER_CONCURRENCY", "8")]).unwrap().concurrency, 8);
    }

    #[test]
    fn the_default_account_is_optional_and_must_be_twelve_digits() {
        assert_eq!(read(&[]).unwrap().account_id, None);
        assert_eq!(read(&[("ZONETRAIL_ACCOUNT_ID", "")]).unwrap().account_id, None);
        assert_eq!(
            read(&[("ZONETRAIL_ACCOUNT_ID", "012345678901")]).unwrap().account_id,
            Some(AccountId::parse("012345678901").unwrap())
        );
        for bad in ["12345", "1234567890123", "12345678901x", "arn:aws:iam::123456789012:root"] {
            let err = read(&[("ZONETRAIL_ACCOUNT_ID", bad)]).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("ZONETRAIL_ACCOUNT_ID="), "{text}");
            assert!(text.contains("not an AWS account id"), "{text}");
        }
    }

    #[test]
    fn a_concurrency_that_is_not_a_positive_number_is_refused_with_the_variable_named() {
        for bad in ["0", "-1", "four", ""] {
            let err = read(&[("ZONETRAIL_WRITER_CONCURRENCY", bad)]).unwrap_err();
            assert!(err.to_string().starts_with("ZONETRAIL_WRITER_CONCURRENCY="), "{err}");
        }
    }
}
