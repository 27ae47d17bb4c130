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
use zonetrail_ingest::{Accounts, IngestConfig, Queue, ScopeSettings, SqsQueue};
use zonetrail_model::db::{DEFAULT_DATABASE_URL, DbSettings, redact};

use crate::local_queue::{LocalQueue, LocalReceiver};

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
        self.ingest_config_with(queue, None)
    }

    /// The same, with the resource sweep's regions and ip-ranges.json URL.
    pub fn ingest_config_with(
        &self,
        queue: &QueueArgs,
        resources: Option<&ResourceArgs>,
    ) -> anyhow::Result<IngestConfig> {
        let rps = self.route53_rps.clone();
        let bytes = queue.max_message_bytes.to_string();
        let url = queue.queue_url.clone();
        Ok(IngestConfig::from_lookup(|var| match var {
            "ZONETRAIL_ROUTE53_RPS" => Some(rps.clone()),
            "ZONETRAIL_MAX_MESSAGE_BYTES" => Some(bytes.clone()),
            "ZONETRAIL_QUEUE_URL" => url.clone(),
            "ZONETRAIL_REGIONS" | "ZONETRAIL_IP_RANGES_URL" => {
                resources.and_then(|r| r.lookup(var))
            }
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

/// The queue the ingest sends to, and for the in-process queue its sending and consuming
/// ends (the sending end for the resource sweep's barrier).
pub fn build_queue(
    sdk: &aws_config::SdkConfig,
    config: &IngestConfig,
) -> (Arc<dyn Queue>, Option<(LocalQueue, LocalReceiver)>) {
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
            let (queue, receiver) = LocalQueue::new(64, config.max_message_bytes);
            (Arc::new(queue.clone()), Some((queue, receiver)))
        }
    }
}

/// Which changes go out as they are committed, and where (`up`; docs/contracts.md, "Change
/// events").
#[derive(Args, Clone)]
pub struct NotifyArgs {
    /// POST every committed change to this http(s) URL, at least once (dedupe by its `id`),
    /// retried with backoff while the receiver fails. Unset: no notifications.
    #[arg(
        id = "notify_webhook",
        long = "notify-webhook",
        env = "ZONETRAIL_NOTIFY_WEBHOOK",
        value_name = "URL",
        hide_env_values = true,
        value_parser = webhook_url,
    )]
    pub webhook: Option<String>,
    /// Do not notify changes made by this actor: its ARN, or the role it assumed (e.g. the
    /// IaC pipeline's `arn:aws:iam::123456789012:role/deploy`). Repeatable; the variable takes
    /// a comma-separated list.
    #[arg(
        long = "notify-ignore-actor",
        env = "ZONETRAIL_NOTIFY_IGNORE_ACTORS",
        value_name = "ARN",
        value_delimiter = ','
    )]
    pub ignore_actors: Vec<String>,
    /// Only changes in this hosted zone (its id). Repeatable; default: every zone.
    #[arg(
        id = "notify_zone",
        long = "notify-zone",
        env = "ZONETRAIL_NOTIFY_ZONES",
        value_name = "ID",
        value_delimiter = ',',
        value_parser = zone_id,
    )]
    pub zones: Vec<String>,
    /// Only changes seen this way: `event` (CloudTrail), `sweep` (found by a sweep) or
    /// `reconcile` (a sweep found it gone). Repeatable; default: all three.
    #[arg(
        long = "notify-source",
        env = "ZONETRAIL_NOTIFY_SOURCES",
        value_name = "SOURCE",
        value_delimiter = ',',
        value_enum
    )]
    pub sources: Vec<NotifySource>,
    /// `json`: the change event's detail; `slack`: `{"text": ...}`, who changed what, before → after.
    #[arg(
        id = "notify_format",
        long = "notify-format",
        value_name = "FORMAT",
        env = "ZONETRAIL_NOTIFY_FORMAT",
        value_enum,
        default_value_t = NotifyFormat::Json,
    )]
    pub format: NotifyFormat,
    /// Also notify history a backfill adds (old news: off by default).
    #[arg(id = "notify_backfill", long = "notify-backfill", env = "ZONETRAIL_NOTIFY_BACKFILL")]
    pub backfill: bool,
    /// How long the receiver has to answer before the POST is cut off and retried.
    #[arg(
        id = "notify_timeout",
        long = "notify-timeout",
        value_name = "DURATION",
        env = "ZONETRAIL_NOTIFY_TIMEOUT",
        default_value = "5s",
        value_parser = parse_duration,
    )]
    pub timeout: Duration,
    /// The first retry's delay (doubling up to 5 min). For tests.
    #[arg(
        id = "notify_retry_min",
        long = "notify-retry-min",
        env = "ZONETRAIL_NOTIFY_RETRY_MIN",
        default_value = "1s",
        value_parser = parse_duration,
        hide = true,
    )]
    pub retry_min: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifySource {
    Event,
    Sweep,
    Reconcile,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyFormat {
    Json,
    Slack,
}

/// A webhook URL checked as the sink will use it: http or https, with a host.
fn webhook_url(raw: &str) -> Result<String, String> {
    zonetrail_notify::webhook::parse_url(raw).map(|_| raw.trim().to_owned()).map_err(|e| e.0)
}

/// A hosted zone id, bare (`/hostedzone/` taken off).
fn zone_id(raw: &str) -> Result<String, String> {
    let id = raw.trim().trim_start_matches("/hostedzone/");
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("{raw:?} is not a hosted zone id like Z0123456789ABC"));
    }
    Ok(id.to_owned())
}

impl NotifyArgs {
    /// Which changes are notified.
    pub fn filter(&self) -> zonetrail_notify::Filter {
        zonetrail_notify::Filter {
            zones: self.zones.clone(),
            ignore_actors: self
                .ignore_actors
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            sources: self
                .sources
                .iter()
                .map(|s| match s {
                    NotifySource::Event => "event",
                    NotifySource::Sweep => "sweep",
                    NotifySource::Reconcile => "reconcile",
                })
                .map(str::to_owned)
                .collect(),
            backfill: self.backfill,
        }
    }

    /// The webhook publisher, when a webhook is set.
    pub fn publisher(
        &self,
        db: DatabaseConnection,
    ) -> anyhow::Result<
        Option<zonetrail_notify::publisher::Publisher<zonetrail_notify::webhook::WebhookSink>>,
    > {
        use zonetrail_notify::webhook::{Format, WebhookSink};
        let Some(url) = &self.webhook else { return Ok(None) };
        let format = match self.format {
            NotifyFormat::Json => Format::Json,
            NotifyFormat::Slack => Format::Slack,
        };
        let sink = WebhookSink::new(url, format, self.timeout)
            .map_err(|e| anyhow::anyhow!("--notify-webhook: {e}"))?;
        let filter = self.filter();
        Ok(Some(
            zonetrail_notify::publisher::Publisher::new(db, sink, filter)
                .backoff(self.retry_min, zonetrail_notify::publisher::DEFAULT_RETRY_MAX)
                .emf(false),
        ))
    }
}

/// Findings (issue 20) in `up`: evaluated after each commit, and the resource sweep's pace.
#[derive(Args, Clone)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub switch: FindingsSwitch,
    /// Time between resource sweeps (Elastic IPs, network interfaces, buckets, distributions,
    /// Beanstalk environments, health checks), each followed by an evaluation of every
    /// record: `1h`, `30m`..., or `0` for none after the one at start.
    #[arg(
        id = "resource_sweep_interval",
        long = "resource-sweep-interval",
        env = "ZONETRAIL_RESOURCE_SWEEP_INTERVAL",
        value_name = "DURATION",
        default_value = "1h",
        value_parser = parse_interval,
    )]
    pub resource_sweep_interval: Interval,
}

impl FindingsArgs {
    pub fn on(&self) -> bool {
        self.switch.on()
    }
}

/// Whether the changes a command applies are evaluated for findings.
#[derive(Args, Clone)]
pub struct FindingsSwitch {
    /// Findings: `on` evaluates the records a change touches (and, in `up`, sweeps the
    /// resources of every account in scope) as changes are applied; `off` neither.
    #[arg(
        id = "findings_enabled",
        long = "findings",
        env = "ZONETRAIL_FINDINGS",
        value_name = "on|off",
        value_enum,
        default_value_t = OnOff::On,
    )]
    pub enabled: OnOff,
}

impl FindingsSwitch {
    pub fn on(&self) -> bool {
        self.enabled == OnOff::On
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// A period, or never (`0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval(pub Option<Duration>);

/// A duration as [`parse_duration`] reads it, or `0` (`0s`, `never`) for none.
pub fn parse_interval(raw: &str) -> Result<Interval, String> {
    let s = raw.trim();
    if s == "never" || humantime::parse_duration(s).is_ok_and(|d| d.is_zero()) || s == "0" {
        return Ok(Interval(None));
    }
    parse_duration(raw).map(|d| Interval(Some(d))).map_err(|e| format!("{e}, or 0 for never"))
}

/// Where the resource sweep reads: the regions, and AWS's published ranges.
#[derive(Args, Clone)]
pub struct ResourceArgs {
    /// Regions the resource sweep reads, comma-separated (`us-east-1,eu-west-1`); default:
    /// the regions enabled in the account (ec2:DescribeRegions).
    #[arg(
        id = "regions",
        long = "regions",
        env = "ZONETRAIL_REGIONS",
        value_name = "REGIONS",
        value_parser = parse_regions,
    )]
    pub regions: Option<Regions>,
    /// Fetch AWS's ip-ranges.json from this http(s) URL on each resource sweep (the last copy
    /// fetched is kept); `off`: use the copy shipped in the binary.
    #[arg(
        id = "ip_ranges_url",
        long = "ip-ranges-url",
        env = "ZONETRAIL_IP_RANGES_URL",
        value_name = "URL|off",
        default_value = "off",
        value_parser = parse_ip_ranges_url,
    )]
    pub ip_ranges_url: IpRangesUrl,
}

/// Region names, each one AWS has (the ingest's list), duplicates dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regions(pub Vec<String>);

pub fn parse_regions(raw: &str) -> Result<Regions, String> {
    zonetrail_ingest::resources::parse_regions(raw).map(Regions)
}

/// `off`, or an http(s) URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRangesUrl(pub Option<String>);

pub fn parse_ip_ranges_url(raw: &str) -> Result<IpRangesUrl, String> {
    let s = raw.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("off") {
        return Ok(IpRangesUrl(None));
    }
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !s.contains(char::is_whitespace) =>
        {
            Ok(IpRangesUrl(Some(s.to_owned())))
        }
        _ => Err(format!("{raw:?} is not an http(s) URL (or off, for the shipped copy)")),
    }
}

impl ResourceArgs {
    /// The settings as the ingest's variables, for its own configuration.
    pub fn lookup(&self, var: &str) -> Option<String> {
        match var {
            "ZONETRAIL_REGIONS" => self.regions.as_ref().map(|r| r.0.join(",")),
            "ZONETRAIL_IP_RANGES_URL" => {
                Some(self.ip_ranges_url.0.clone().unwrap_or_else(|| "off".to_owned()))
            }
            _ => None,
        }
    }
}

#[derive(Args, Clone)]
pub struct WebArgs {
    /// Directory of the built dashboard, served at /.
    #[arg(long = "web-dir", env = "ZONETRAIL_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
    /// Allow annotation edits from clients other than this machine (recorded as
    /// local@<address>). Without it, only loopback clients may edit (recorded as local).
    #[arg(long = "allow-edits", env = "ZONETRAIL_ALLOW_EDITS")]
    pub allow_edits: bool,
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

    #[derive(clap::Parser)]
    struct NotifyCli {
        #[command(flatten)]
        notify: NotifyArgs,
    }

    fn notify_args(args: &[&str]) -> Result<NotifyArgs, clap::Error> {
        use clap::Parser;
        NotifyCli::try_parse_from(std::iter::once("zonetrail").chain(args.iter().copied()))
            .map(|c| c.notify)
    }

    #[test]
    fn notification_flags_become_the_publishers_filter() {
        let n = notify_args(&[
            "--notify-webhook",
            "https://hooks.example/x",
            "--notify-ignore-actor",
            "arn:aws:iam::1:role/iac",
            "--notify-ignore-actor",
            "arn:aws:iam::1:user/bot,arn:aws:iam::1:user/ci",
            "--notify-zone",
            "/hostedzone/Z0123456789ABC",
            "--notify-source",
            "event,sweep",
            "--notify-backfill",
        ])
        .unwrap();
        assert_eq!(n.webhook.as_deref(), Some("https://hooks.example/x"));
        assert_eq!(n.timeout, Duration::from_secs(5), "the default timeout");
        assert!(n.format == NotifyFormat::Json);
        let f = n.filter();
        assert_eq!(
            f.ignore_actors,
            ["arn:aws:iam::1:role/iac", "arn:aws:iam::1:user/bot", "arn:aws:iam::1:user/ci"]
        );
        assert_eq!(f.zones, ["Z0123456789ABC"]);
        assert_eq!(f.sources, ["event", "sweep"]);
        assert!(f.backfill);

        let none = notify_args(&[]).unwrap();
        assert!(none.webhook.is_none());
        assert_eq!(none.filter(), zonetrail_notify::Filter::default());

        for bad in [
            &["--notify-webhook", "ftp://x/y"][..],
            &["--notify-zone", "Z1;drop"],
            &["--notify-source", "cloudtrail"],
            &["--notify-format", "xml"],
            &["--notify-timeout", "0s"],
        ] {
            let e = notify_args(bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.exit_code(), 2, "{bad:?}: a usage error: {e}");
            assert!(e.to_string().contains("invalid value"), "{bad:?}: {e}");
        }
    }
}
