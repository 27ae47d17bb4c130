//! Settings of the writer, read once at start-up (never inside a handler). The database's
//! settings are the model's (`zonetrail_model::db::DbSettings`).

use zonetrail_model::AccountId;
use zonetrail_notify::Filter;

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
    /// Notifications (`ZONETRAIL_NOTIFY=eventbridge`): `None` when off (unset, empty or `off`).
    pub notify: Option<NotifyConfig>,
    /// Findings (issue 20), `ZONETRAIL_FINDINGS`.
    pub findings: FindingsMode,
}

/// What the writer does about findings (`ZONETRAIL_FINDINGS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingsMode {
    /// `off`: nothing.
    Off,
    /// `on` (the default, also when unset or empty): evaluate each batch's work after its
    /// commits, in the writer (local use and tests).
    Inline,
    /// `queue`: send each batch's work to the findings queue (`ZONETRAIL_FINDINGS_QUEUE_URL`)
    /// for the evaluator, off the writer's path; evaluate inline when the send fails.
    Queue { url: String },
    /// `evaluator`: this function is the findings evaluator; its SQS batches are the
    /// findings queue's work messages.
    Evaluator,
}

impl FindingsMode {
    /// Findings are evaluated somewhere (any mode but `off`).
    pub fn is_on(&self) -> bool {
        *self != FindingsMode::Off
    }
}

/// Where and which changes the writer publishes (docs/contracts.md, "Notifications").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The EventBridge bus, a name or an ARN (`ZONETRAIL_EVENT_BUS`, default `zonetrail`).
    pub bus: String,
    /// `ZONETRAIL_NOTIFY_ZONES`, `ZONETRAIL_NOTIFY_IGNORE_ACTORS`, `ZONETRAIL_NOTIFY_SOURCES`
    /// (comma lists) and `ZONETRAIL_NOTIFY_BACKFILL` (`true`/`false`).
    pub filter: Filter,
}

/// The bus when `ZONETRAIL_EVENT_BUS` is not set.
pub const DEFAULT_EVENT_BUS: &str = "zonetrail";

/// The change sources a filter may name.
const SOURCES: &[&str] = &["event", "sweep", "reconcile"];

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            account_id: None,
            notify: None,
            findings: FindingsMode::Inline,
        }
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
        config.notify = notify_config(&lookup)?;
        config.findings = findings_mode(&lookup)?;
        Ok(config)
    }
}

fn list(lookup: &impl Fn(&str) -> Option<String>, var: &str) -> Vec<String> {
    lookup(var)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `ZONETRAIL_FINDINGS`: `on` (the default, also when unset or empty), `off`, `queue` (with
/// `ZONETRAIL_FINDINGS_QUEUE_URL`) or `evaluator`.
pub fn findings_mode(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<FindingsMode, ConfigError> {
    const VAR: &str = "ZONETRAIL_FINDINGS";
    const QUEUE: &str = "ZONETRAIL_FINDINGS_QUEUE_URL";
    let value = lookup(VAR).unwrap_or_default();
    let url = lookup(QUEUE).map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let mode = match value.trim().to_ascii_lowercase().as_str() {
        "" | "on" => FindingsMode::Inline,
        "off" => FindingsMode::Off,
        "evaluator" => FindingsMode::Evaluator,
        "queue" => {
            let url = url.clone().ok_or_else(|| ConfigError::Invalid {
                var: QUEUE,
                value: String::new(),
                reason: "ZONETRAIL_FINDINGS=queue needs the findings queue's URL".into(),
            })?;
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(ConfigError::Invalid {
                    var: QUEUE,
                    value: url,
                    reason: "not an http(s) URL".into(),
                });
            }
            FindingsMode::Queue { url }
        }
        _ => {
            return Err(ConfigError::Invalid {
                var: VAR,
                value,
                reason: "expected on, off, queue or evaluator".into(),
            });
        }
    };
    if url.is_some() && !matches!(mode, FindingsMode::Queue { .. }) {
        return Err(ConfigError::Invalid {
            var: QUEUE,
            value: url.unwrap_or_default(),
            reason: format!("set, but ZONETRAIL_FINDINGS is {value:?}, not queue"),
        });
    }
    Ok(mode)
}

fn notify_config(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<NotifyConfig>, ConfigError> {
    const NOTIFY: &str = "ZONETRAIL_NOTIFY";
    let mode = lookup(NOTIFY).unwrap_or_default();
    match mode.trim().to_ascii_lowercase().as_str() {
        "" | "off" => return Ok(None),
        "eventbridge" => {}
        _ => {
            return Err(ConfigError::Invalid {
                var: NOTIFY,
                value: mode,
                reason: "expected eventbridge or off".into(),
            });
        }
    }
    let bus = lookup("ZONETRAIL_EVENT_BUS")
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| DEFAULT_EVENT_BUS.to_owned());
    const ZONES: &str = "ZONETRAIL_NOTIFY_ZONES";
    let mut zones = Vec::new();
    for zone in list(lookup, ZONES) {
        let id = zonetrail_model::ZoneId::parse(&zone).map_err(|e| ConfigError::Invalid {
            var: ZONES,
            value: zone.clone(),
            reason: e.to_string(),
        })?;
        zones.push(id.as_str().to_owned());
    }
    const SOURCES_VAR: &str = "ZONETRAIL_NOTIFY_SOURCES";
    let sources = list(lookup, SOURCES_VAR);
    for source in &sources {
        if !SOURCES.contains(&source.as_str()) {
            return Err(ConfigError::Invalid {
                var: SOURCES_VAR,
                value: source.clone(),
                reason: format!("expected one of {}", SOURCES.join(", ")),
            });
        }
    }
    const BACKFILL: &str = "ZONETRAIL_NOTIFY_BACKFILL";
    let backfill = match lookup(BACKFILL) {
        None => false,
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" | "off" => false,
            "true" | "1" | "yes" | "on" => true,
            _ => {
                return Err(ConfigError::Invalid {
                    var: BACKFILL,
                    value: v,
                    reason: "expected true or false".into(),
                });
            }
        },
    };
    let filter = Filter {
        zones,
        ignore_actors: list(lookup, "ZONETRAIL_NOTIFY_IGNORE_ACTORS"),
        sources,
        backfill,
    };
    Ok(Some(NotifyConfig { bus, filter }))
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
    fn notifications_are_off_unless_asked_for() {
        assert_eq!(read(&[]).unwrap().notify, None);
        assert_eq!(read(&[("ZONETRAIL_NOTIFY", "off")]).unwrap().notify, None);
        assert_eq!(read(&[("ZONETRAIL_NOTIFY", "")]).unwrap().notify, None);
        let err = read(&[("ZONETRAIL_NOTIFY", "sns")]).unwrap_err().to_string();
        assert!(err.starts_with("ZONETRAIL_NOTIFY=") && err.contains("eventbridge"), "{err}");
    }

    #[test]
    fn notifications_read_the_bus_and_the_filter() {
        let on = read(&[("ZONETRAIL_NOTIFY", "eventbridge")]).unwrap().notify.unwrap();
        assert_eq!(on, NotifyConfig { bus: "zonetrail".into(), filter: Filter::default() });
        let on = read(&[
            ("ZONETRAIL_NOTIFY", "EventBridge"),
            ("ZONETRAIL_EVENT_BUS", "arn:aws:events:eu-west-1:111111111111:event-bus/zt"),
            ("ZONETRAIL_NOTIFY_ZONES", "Z0123456789ABC, /hostedzone/Z0123456789ABD"),
            ("ZONETRAIL_NOTIFY_IGNORE_ACTORS", "arn:aws:iam::111111111111:role/iac,"),
            ("ZONETRAIL_NOTIFY_SOURCES", "event,sweep"),
            ("ZONETRAIL_NOTIFY_BACKFILL", "true"),
        ])
        .unwrap()
        .notify
        .unwrap();
        assert_eq!(on.bus, "arn:aws:events:eu-west-1:111111111111:event-bus/zt");
        assert_eq!(
            on.filter,
            Filter {
                zones: vec!["Z0123456789ABC".into(), "Z0123456789ABD".into()],
                ignore_actors: vec!["arn:aws:iam::111111111111:role/iac".into()],
                sources: vec!["event".into(), "sweep".into()],
                backfill: true,
            }
        );
        for (var, bad) in [
            ("ZONETRAIL_NOTIFY_ZONES", "not a zone"),
            ("ZONETRAIL_NOTIFY_SOURCES", "cloudtrail"),
            ("ZONETRAIL_NOTIFY_BACKFILL", "maybe"),
        ] {
            let err =
                read(&[("ZONETRAIL_NOTIFY", "eventbridge"), (var, bad)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{var}=")), "{err}");
        }
    }

    #[test]
    fn a_concurrency_that_is_not_a_positive_number_is_refused_with_the_variable_named() {
        for bad in ["0", "-1", "four", ""] {
            let err = read(&[("ZONETRAIL_WRITER_CONCURRENCY", bad)]).unwrap_err();
            assert!(err.to_string().starts_with("ZONETRAIL_WRITER_CONCURRENCY="), "{err}");
        }
    }

    #[test]
    fn findings_modes_and_the_queue_url_they_need() {
        const URL: &str = "https://sqs.us-east-1.amazonaws.com/111122223333/findings";
        let mode = |vars: &[(&str, &str)]| read(vars).map(|c| c.findings);
        assert_eq!(mode(&[]), Ok(FindingsMode::Inline));
        assert_eq!(mode(&[("ZONETRAIL_FINDINGS", "OFF")]), Ok(FindingsMode::Off));
        assert_eq!(mode(&[("ZONETRAIL_FINDINGS", "evaluator")]), Ok(FindingsMode::Evaluator));
        assert_eq!(
            mode(&[("ZONETRAIL_FINDINGS", "queue"), ("ZONETRAIL_FINDINGS_QUEUE_URL", URL)]),
            Ok(FindingsMode::Queue { url: URL.into() })
        );
        for (vars, says) in [
            (&[("ZONETRAIL_FINDINGS", "sometimes")][..], "ZONETRAIL_FINDINGS=\"sometimes\""),
            (&[("ZONETRAIL_FINDINGS", "queue")][..], "needs the findings queue's URL"),
            (
                &[("ZONETRAIL_FINDINGS", "queue"), ("ZONETRAIL_FINDINGS_QUEUE_URL", "findings")][..],
                "not an http(s) URL",
            ),
            (&[("ZONETRAIL_FINDINGS_QUEUE_URL", URL)][..], "not queue"),
        ] {
            let err = mode(vars).unwrap_err().to_string();
            assert!(err.contains(says), "{vars:?}: {err}");
        }
    }
}
