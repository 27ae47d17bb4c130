//! Configuration shared by the commands: flags with environment fallbacks (docs/design.md,
//! "Command line"). Everything is read once, here, before any work starts.

use anyhow::Context;
use clap::{Args, ValueEnum};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use zonetrail_ingest::{
    Accounts, IngestConfig, MemoryQueue, MemoryReceiver, Queue, ScopeSettings, SqsQueue,
};
use zonetrail_model::db::{DEFAULT_DATABASE_URL, DbSettings, redact};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH?mode=rwc (the embedded default) or mysql://USER:PASS@HOST:PORT/DB.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true, value_parser = secret)]
    pub url: SecretString,
}

/// A flag's value held as a secret (it may carry a password).
fn secret(raw: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(raw.into())
}

impl DbArgs {
    pub fn redacted(&self) -> String {
        redact(self.url.expose_secret())
    }

    pub async fn connect(&self) -> anyhow::Result<DatabaseConnection> {
        DbSettings::from_url(self.url.clone())
            .connect()
            .await
            .with_context(|| format!("connecting to the database {}", self.redacted()))
    }

    /// A connection to a database whose schema is current, without migrating it: a command
    /// that only reads refuses an older schema, as `serve` does.
    pub async fn connect_current(&self) -> anyhow::Result<DatabaseConnection> {
        let conn = self.connect().await?;
        let pending = migration::Migrator::get_pending_migrations(&conn)
            .await
            .with_context(|| format!("reading the schema version of {}", self.redacted()))?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the database {} needs {} migration(s); run `zonetrail migrate` first",
                self.redacted(),
                pending.len()
            );
        }
        Ok(conn)
    }

    pub async fn connect_and_migrate(&self) -> anyhow::Result<DatabaseConnection> {
        let conn = self.connect().await?;
        migration::Migrator::up(&conn, None)
            .await
            .with_context(|| format!("applying the schema to {}", self.redacted()))?;
        Ok(conn)
    }
}

/// Where sweeps and events put their messages.
#[derive(Args, Clone)]
pub struct QueueArgs {
    /// SQS queue for record batches. Unset: an in-process queue, applied before the command exits.
    #[arg(long = "queue-url", env = "ZONETRAIL_QUEUE_URL")]
    pub queue_url: Option<String>,

    /// Largest queue message body in bytes (SQS allows up to 1048576).
    #[arg(long, env = "ZONETRAIL_MAX_MESSAGE_BYTES", default_value_t = 262_144)]
    pub max_message_bytes: usize,
}

/// How a sweep talks to Route 53.
#[derive(Args, Clone)]
pub struct Route53Args {
    /// Route 53 requests per second for a sweep. The account's quota is 5/s, shared with
    /// everything else in the account.
    #[arg(long = "route53-rps", env = "ZONETRAIL_ROUTE53_RPS", default_value = "4")]
    pub route53_rps: String,

    /// Which accounts to sweep: `self` (the credentials' own), `org` (every ACTIVE account of
    /// the organization) or comma-separated 12-digit account ids.
    #[arg(long, env = "ZONETRAIL_ACCOUNTS", default_value = "self")]
    pub accounts: String,
    /// Account ids and OU ids (`ou-…`, with their child OUs) to leave out.
    #[arg(long = "accounts-exclude", env = "ZONETRAIL_ACCOUNTS_EXCLUDE")]
    pub accounts_exclude: Option<String>,
    /// With `--accounts org`: only the accounts under these OUs (comma-separated `ou-…`).
    #[arg(long, env = "ZONETRAIL_OUS")]
    pub ous: Option<String>,
    /// The role assumed in every other account.
    #[arg(long = "role-name", env = "ZONETRAIL_ROLE_NAME")]
    pub role_name: Option<String>,
    /// The ExternalId the role's trust policy asks for.
    #[arg(long = "external-id", env = "ZONETRAIL_EXTERNAL_ID")]
    pub external_id: Option<String>,
    /// Accounts swept at once, each under its own Route 53 rate.
    #[arg(long = "sweep-concurrency", env = "ZONETRAIL_SWEEP_CONCURRENCY")]
    pub sweep_concurrency: Option<String>,
}

impl Route53Args {
    /// The ingest configuration, validated by the ingest's own rules.
    pub fn ingest_config(&self, queue: &QueueArgs) -> anyhow::Result<IngestConfig> {
        let rps = self.route53_rps.clone();
        let bytes = queue.max_message_bytes.to_string();
        let url = queue.queue_url.clone();
        Ok(IngestConfig::from_lookup(|var| match var {
            "ZONETRAIL_ROUTE53_RPS" => Some(rps.clone()),
            "ZONETRAIL_MAX_MESSAGE_BYTES" => Some(bytes.clone()),
            "ZONETRAIL_QUEUE_URL" => url.clone(),
            _ => None,
        })?)
    }

    /// The accounts in scope, validated by the ingest's own rules.
    pub fn scope(&self) -> anyhow::Result<ScopeSettings> {
        Ok(ScopeSettings::from_lookup(|var| match var {
            "ZONETRAIL_ACCOUNTS" => Some(self.accounts.clone()),
            "ZONETRAIL_ACCOUNTS_EXCLUDE" => self.accounts_exclude.clone(),
            "ZONETRAIL_OUS" => self.ous.clone(),
            "ZONETRAIL_ROLE_NAME" => self.role_name.clone(),
            "ZONETRAIL_EXTERNAL_ID" => self.external_id.clone(),
            "ZONETRAIL_SWEEP_CONCURRENCY" => self.sweep_concurrency.clone(),
            _ => None,
        })?)
    }

    /// The accounts in scope and the way into each: the own account from
    /// `sts:GetCallerIdentity`.
    pub async fn accounts(&self, sdk: &aws_config::SdkConfig) -> anyhow::Result<Accounts> {
        let scope = self.scope()?;
        Ok(Accounts::new(sdk, scope).await?)
    }
}

/// The AWS SDK's configuration from the standard variables (`AWS_REGION`, `AWS_PROFILE`,
/// `AWS_ENDPOINT_URL`, ...). Route 53 is global; without a region, us-east-1 signs.
pub async fn aws_sdk_config() -> aws_config::SdkConfig {
    let region =
        aws_config::meta::region::RegionProviderChain::default_provider().or_else("us-east-1");
    aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await
}

/// The queue the ingest sends to, and for the in-process queue its consuming end.
pub fn build_queue(
    sdk: &aws_config::SdkConfig,
    config: &IngestConfig,
) -> (Arc<dyn Queue>, Option<MemoryReceiver>) {
    match &config.queue_url {
        Some(url) => (
            Arc::new(SqsQueue::new(
                aws_sdk_sqs::Client::new(sdk),
                url.clone(),
                config.max_message_bytes,
            )),
            None,
        ),
        None => {
            // Bounded: a sweep waits for the writer instead of filling memory.
            let (queue, receiver) = MemoryQueue::new(64, config.max_message_bytes);
            (Arc::new(queue), Some(receiver))
        }
    }
}

#[derive(Args, Clone)]
pub struct WebArgs {
    /// Directory of the built dashboard, served at /.
    #[arg(long = "web-dir", env = "ZONETRAIL_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
}

impl WebArgs {
    /// The dashboard directory if it has been built; otherwise the API runs alone, with a warning.
    pub fn existing(&self) -> Option<PathBuf> {
        if self.web_dir.join("index.html").is_file() {
            Some(self.web_dir.clone())
        } else {
            tracing::warn!(dir = %self.web_dir.display(), "no built dashboard there (run `npm run build` in web/); serving the API only");
            None
        }
    }
}

/// A positive duration as humantime reads it (`3h`, `90m`, `45s`, `1h30m`, `1h 30m`, `2days`),
/// or a bare number of seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let s = raw.trim();
    let parsed = match s.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(s),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(format!("{raw:?} is not a positive duration like 3h, 90m or 45s")),
        Err(e) => Err(format!("{raw:?} is not a duration like 3h, 90m or 45s ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3h").unwrap(), Duration::from_secs(10_800));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_duration(" 45s ").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("2days").unwrap(), Duration::from_secs(172_800));
    }

    #[test]
    fn a_bad_or_zero_duration_says_what_was_given_and_what_is_expected() {
        for bad in ["h", "3 parsecs", "soon", "", "-5m", "1h30"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.starts_with(&format!("{bad:?} is not a duration like 3h")), "{err}");
        }
        assert!(parse_duration("3 parsecs").unwrap_err().contains("unknown time unit"));
        for zero in ["0", "0s", "0h0m"] {
            let err = parse_duration(zero).unwrap_err();
            assert_eq!(err, format!("{zero:?} is not a positive duration like 3h, 90m or 45s"));
        }
    }
}
