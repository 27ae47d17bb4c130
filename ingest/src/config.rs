//! Settings, read once at start-up (never inside a handler).

use std::time::Duration;

/// The largest body SQS accepts today (1 MiB); older queues and CloudTrail stay at 256 KiB.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1_048_576;
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 262_144;
/// The account's Route 53 quota is 5 requests/s, shared with everything else in the account.
pub const DEFAULT_ROUTE53_RPS: f64 = 4.0;
/// CloudTrail's LookupEvents allows 2 requests/s per account and region.
pub const DEFAULT_CLOUDTRAIL_RPS: f64 = 2.0;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
    #[error("{0} must be set")]
    Missing(&'static str),
}

/// How a sweep talks to Route 53.
#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// Every Route 53 call of one sweep shares this rate (`ZONETRAIL_ROUTE53_RPS`).
    pub route53_rps: f64,
    /// Record sets asked for per ListResourceRecordSets call (Route 53 returns at most 300).
    pub record_page_size: i32,
    /// Hosted zones asked for per ListHostedZones call (Route 53 returns at most 100).
    pub zone_page_size: i32,
    /// Attempts per Route 53 call before the zone's sweep fails.
    pub max_attempts: u32,
    /// Full-jitter backoff: the n-th retry waits a random time in `0..=min(cap, base * 2^(n-1))`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A Lambda invocation hands the rest of its sweep to a continuation when less than this
    /// much time is left.
    pub deadline_margin: Duration,
}

impl Default for SweepSettings {
    fn default() -> Self {
        Self {
            route53_rps: DEFAULT_ROUTE53_RPS,
            record_page_size: 300,
            zone_page_size: 100,
            max_attempts: 10,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(20),
            deadline_margin: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The main queue of record batches (`ZONETRAIL_QUEUE_URL`).
    pub queue_url: Option<String>,
    /// The queue of sweep work: continuations and targeted sweeps (`ZONETRAIL_SWEEP_QUEUE_URL`).
    pub sweep_queue_url: Option<String>,
    /// Largest queue message body (`ZONETRAIL_MAX_MESSAGE_BYTES`).
    pub max_message_bytes: usize,
    pub sweep: SweepSettings,
    /// Which accounts, and how to reach them (`ZONETRAIL_ACCOUNTS` and the rest; see
    /// [`crate::accounts`]).
    pub scope: crate::accounts::ScopeSettings,
    /// LookupEvents requests per second of one account's backfill (`ZONETRAIL_CLOUDTRAIL_RPS`);
    /// every account has its own bucket, since CloudTrail's limit is per account and region.
    pub cloudtrail_rps: f64,
    /// The writer function the Lambda asks for the stored backfill windows
    /// (`ZONETRAIL_WRITER_FUNCTION`); unset: none are read, so finished windows are read again.
    pub writer_function: Option<String>,
    /// The resource sweep of findings (`ZONETRAIL_REGIONS`, `ZONETRAIL_IP_RANGES_URL`,
    /// `ZONETRAIL_RESOURCE_RPS`; see [`crate::resources`]).
    pub resources: crate::resources::ResourceSettings,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            queue_url: None,
            sweep_queue_url: None,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            sweep: SweepSettings::default(),
            scope: crate::accounts::ScopeSettings::default(),
            cloudtrail_rps: DEFAULT_CLOUDTRAIL_RPS,
            writer_function: None,
            resources: crate::resources::ResourceSettings::default(),
        }
    }
}

impl IngestConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// The same as [`IngestConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty =
            |var: &str| lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = Self {
            queue_url: non_empty("ZONETRAIL_QUEUE_URL"),
            sweep_queue_url: non_empty("ZONETRAIL_SWEEP_QUEUE_URL"),
            scope: crate::accounts::ScopeSettings::from_lookup(&lookup)?,
            writer_function: non_empty("ZONETRAIL_WRITER_FUNCTION"),
            ..Self::default()
        };
        if let Some(raw) = non_empty("ZONETRAIL_ROUTE53_RPS") {
            config.sweep.route53_rps = parse_rps("ZONETRAIL_ROUTE53_RPS", &raw)?;
        }
        if let Some(raw) = non_empty("ZONETRAIL_CLOUDTRAIL_RPS") {
            config.cloudtrail_rps = parse_rps("ZONETRAIL_CLOUDTRAIL_RPS", &raw)?;
        }
        if let Some(raw) = non_empty("ZONETRAIL_MAX_MESSAGE_BYTES") {
            config.max_message_bytes = parse_message_bytes(&raw)?;
        }
        config.resources = crate::resources::ResourceSettings::from_lookup(&config.sweep, &lookup)?;
        Ok(config)
    }
}

pub(crate) fn parse_rps(var: &'static str, raw: &str) -> Result<f64, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        var,
        value: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let rps: f64 = raw
        .parse()
        .map_err(|_| invalid("expected a number of requests per second, e.g. 4 or 0.5"))?;
    if !rps.is_finite() || rps <= 0.0 || rps > 1000.0 {
        return Err(invalid("expected more than 0 and at most 1000"));
    }
    Ok(rps)
}

fn parse_message_bytes(raw: &str) -> Result<usize, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        var: "ZONETRAIL_MAX_MESSAGE_BYTES",
        value: raw.to_owned(),
        reason,
    };
    let bytes: usize =
        raw.parse().map_err(|_| invalid("expected a whole number of bytes, e.g. 262144".into()))?;
    if !(4096..=SQS_MAX_MESSAGE_BYTES).contains(&bytes) {
        return Err(invalid(format!(
            "expected between 4096 and {SQS_MAX_MESSAGE_BYTES} (the SQS limit)"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<IngestConfig, ConfigError> {
        let map: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        IngestConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[]).unwrap();
        assert_eq!(c.sweep.route53_rps, 4.0);
        assert_eq!(c.max_message_bytes, 262_144);
        assert_eq!(c.queue_url, None);
        assert_eq!(c.sweep.record_page_size, 300);
        assert_eq!(c.cloudtrail_rps, 2.0);
        assert_eq!(c.writer_function, None);
        assert_eq!(c.resources.regions, None);
        assert_eq!(c.resources.ip_ranges_url, None);
        assert_eq!(c.resources.rps, 5.0);
    }

    #[test]
    fn resource_settings_are_read() {
        let c = config(&[
            ("ZONETRAIL_REGIONS", "us-east-1, eu-west-1"),
            ("ZONETRAIL_IP_RANGES_URL", "https://ip-ranges.amazonaws.com/ip-ranges.json"),
            ("ZONETRAIL_RESOURCE_RPS", "2"),
            ("ZONETRAIL_ROUTE53_RPS", "3"),
        ])
        .unwrap();
        assert_eq!(c.resources.regions, Some(vec!["us-east-1".into(), "eu-west-1".into()]));
        assert_eq!(
            c.resources.ip_ranges_url.as_deref(),
            Some("https://ip-ranges.amazonaws.com/ip-ranges.json")
        );
        assert_eq!(c.resources.rps, 2.0);
        assert_eq!(c.resources.route53_rps, 3.0);
        let off = config(&[("ZONETRAIL_IP_RANGES_URL", "OFF")]).unwrap();
        assert_eq!(off.resources.ip_ranges_url, None);
        let err = config(&[("ZONETRAIL_REGIONS", "us-east-1,us-moon-1")]).unwrap_err().to_string();
        assert!(
            err.contains("ZONETRAIL_REGIONS") && err.contains("\"us-moon-1\" is not an AWS region"),
            "{err}"
        );
    }

    #[test]
    fn reads_every_variable() {
        let c = config(&[
            ("ZONETRAIL_ROUTE53_RPS", "2.5"),
            ("ZONETRAIL_MAX_MESSAGE_BYTES", "1048576"),
            ("ZONETRAIL_QUEUE_URL", "https://sqs/q"),
            ("ZONETRAIL_SWEEP_QUEUE_URL", " "),
            ("ZONETRAIL_CLOUDTRAIL_RPS", "1.5"),
            ("ZONETRAIL_WRITER_FUNCTION", "zonetrail-writer"),
        ])
        .unwrap();
        assert_eq!(c.cloudtrail_rps, 1.5);
        assert_eq!(c.writer_function.as_deref(), Some("zonetrail-writer"));
        assert_eq!(c.sweep.route53_rps, 2.5);
        assert_eq!(c.max_message_bytes, 1_048_576);
        assert_eq!(c.queue_url.as_deref(), Some("https://sqs/q"));
        assert_eq!(c.sweep_queue_url, None);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("ZONETRAIL_ROUTE53_RPS", "fast"),
            ("ZONETRAIL_ROUTE53_RPS", "0"),
            ("ZONETRAIL_ROUTE53_RPS", "NaN"),
            ("ZONETRAIL_CLOUDTRAIL_RPS", "-1"),
            ("ZONETRAIL_CLOUDTRAIL_RPS", "two"),
            ("ZONETRAIL_MAX_MESSAGE_BYTES", "10"),
            ("ZONETRAIL_MAX_MESSAGE_BYTES", "2000000"),
            ("ZONETRAIL_REGIONS", "us-east-1,mars-north-1"),
            ("ZONETRAIL_IP_RANGES_URL", "ftp://example.invalid/ip-ranges.json"),
            ("ZONETRAIL_RESOURCE_RPS", "0"),
        ] {
            let err = config(&[(var, value)]).unwrap_err().to_string();
            assert!(err.contains(var) && err.contains(value), "{err}");
        }
    }
}
