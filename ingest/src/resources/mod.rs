//! The resource side of findings (issue 20): what the account owns that a record could point
//! at, read from AWS and sent to the writer as `resources` messages.
//!
//! - [`sweep_resources`]: per account in scope (concurrently, at most
//!   `ZONETRAIL_SWEEP_CONCURRENCY` at once) and per region (`ZONETRAIL_REGIONS`, else the
//!   account's enabled regions from `ec2:DescribeRegions`), one `resources` message per
//!   (kind, account, region): `Complete { items }`, or `Failed { error }` when the listing
//!   could not be read to the end. A failed listing never stops the others.
//! - [`ingest_resource_event`]: a CloudTrail event of a resource change (an Elastic IP
//!   released, a bucket deleted, ...) re-lists that kind in the event's account and region.
//! - AWS's `ip-ranges.json` ([`fetch_ip_ranges`]) when `ZONETRAIL_IP_RANGES_URL` is set.
//!
//! Pacing: a token bucket per account and service (EC2, S3, CloudFront, Elastic Beanstalk at
//! `ZONETRAIL_RESOURCE_RPS`, Route 53 at `ZONETRAIL_ROUTE53_RPS`), full-jitter backoff on
//! throttling, 5xx and transport errors, the SDK's own retries off.
//!
//! Message size: a `Complete` listing is one message, never split (the writer tombstones what
//! it does not list). An item is about 100 bytes, so the default 256 KiB limit holds about
//! 2,000 items and `ZONETRAIL_MAX_MESSAGE_BYTES=1048576` about 9,000 (e.g. the public
//! addresses of one region's network interfaces). A listing over the limit is sent as
//! `Failed` with the reason, so its findings stay undecided instead of being wrong.

mod caller;
mod event;
mod ip_ranges;
mod list;
mod regions;

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use zonetrail_model::emf::{EmfLine, Unit};
use zonetrail_model::{
    AccountId, Message, ResourceItem, ResourceKind, ResourceListing, ResourcesMessage, to_micros,
};

use crate::accounts::{Account, Accounts};
use crate::config::{ConfigError, SweepSettings};
use crate::queue::{Queue, QueueError};
use caller::Caller;

pub use event::{
    RESOURCE_SOURCES, ResourceEventOutcome, ingest_resource_event, is_resource_event, kinds_for,
};
pub use ip_ranges::{IpRangesError, fetch_ip_ranges};
pub use regions::{KNOWN_REGIONS, is_known_region, parse_regions};

/// Requests per second per account and service of the EC2, S3, CloudFront and Elastic
/// Beanstalk listings (`ZONETRAIL_RESOURCE_RPS`): well under every one of their quotas.
pub const DEFAULT_RESOURCE_RPS: f64 = 5.0;
/// How long fetching `ip-ranges.json` may take.
pub const IP_RANGES_TIMEOUT: Duration = Duration::from_secs(10);

/// How the resource sweep reads AWS. Read with [`crate::IngestConfig`] (`resources`).
#[derive(Debug, Clone)]
pub struct ResourceSettings {
    /// `ZONETRAIL_REGIONS`: the regions to read; `None`: each account's enabled regions.
    pub regions: Option<Vec<String>>,
    /// `ZONETRAIL_IP_RANGES_URL`; `None` (`off`, the default): nothing is fetched and the
    /// shipped copy is used.
    pub ip_ranges_url: Option<String>,
    /// EC2, S3, CloudFront and Elastic Beanstalk requests per second per account and service
    /// (`ZONETRAIL_RESOURCE_RPS`).
    pub rps: f64,
    /// Route 53 (health checks) requests per second per account (`ZONETRAIL_ROUTE53_RPS`).
    pub route53_rps: f64,
    /// Attempts per call before the listing fails, and the full-jitter backoff between them
    /// (the record sweep's settings).
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for ResourceSettings {
    fn default() -> Self {
        Self::from_sweep(&SweepSettings::default())
    }
}

impl ResourceSettings {
    /// The defaults, with the record sweep's Route 53 rate, attempts and backoff.
    pub fn from_sweep(sweep: &SweepSettings) -> Self {
        Self {
            regions: None,
            ip_ranges_url: None,
            rps: DEFAULT_RESOURCE_RPS,
            route53_rps: sweep.route53_rps,
            max_attempts: sweep.max_attempts,
            backoff_base: sweep.backoff_base,
            backoff_cap: sweep.backoff_cap,
        }
    }

    /// `ZONETRAIL_REGIONS`, `ZONETRAIL_IP_RANGES_URL` and `ZONETRAIL_RESOURCE_RPS` over
    /// [`ResourceSettings::from_sweep`].
    pub fn from_lookup(
        sweep: &SweepSettings,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let non_empty =
            |var: &str| lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut settings = Self::from_sweep(sweep);
        if let Some(raw) = non_empty("ZONETRAIL_REGIONS") {
            settings.regions = Some(parse_regions(&raw).map_err(|reason| {
                ConfigError::Invalid { var: "ZONETRAIL_REGIONS", value: raw.clone(), reason }
            })?);
        }
        if let Some(raw) = non_empty("ZONETRAIL_IP_RANGES_URL")
            && !raw.eq_ignore_ascii_case("off")
        {
            if !(raw.starts_with("https://") || raw.starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    var: "ZONETRAIL_IP_RANGES_URL",
                    value: raw,
                    reason: "expected off or an http(s) URL, e.g. https://ip-ranges.amazonaws.com/ip-ranges.json".into(),
                });
            }
            settings.ip_ranges_url = Some(raw);
        }
        if let Some(raw) = non_empty("ZONETRAIL_RESOURCE_RPS") {
            settings.rps = crate::config::parse_rps("ZONETRAIL_RESOURCE_RPS", &raw)?;
        }
        Ok(settings)
    }
}

/// One listing that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingFailure {
    pub kind: ResourceKind,
    /// `""` for a global kind.
    pub region: String,
    pub error: String,
}

/// How one account's resource sweep went.
#[derive(Debug, Clone)]
pub struct AccountResources {
    pub account_id: AccountId,
    pub account_name: Option<String>,
    /// The regions read.
    pub regions: Vec<String>,
    /// Why the account's regions could not be learnt (`ec2:DescribeRegions` failed): then no
    /// regional listing was sent for it, only the global ones.
    pub regions_error: Option<String>,
    /// Listings sent `Complete`, and `Failed`.
    pub listings_ok: u64,
    pub failures: Vec<ListingFailure>,
    /// Items in the `Complete` listings.
    pub items: u64,
    /// AWS calls made, retries included, and how many were retries.
    pub calls: u64,
    pub retries: u64,
}

impl AccountResources {
    pub fn listings_failed(&self) -> u64 {
        self.failures.len() as u64 + u64::from(self.regions_error.is_some())
    }
}

/// What the `ip_ranges` part of a resource sweep did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IpRangesOutcome {
    /// `ZONETRAIL_IP_RANGES_URL` is off: nothing fetched (the writer uses the shipped copy).
    #[default]
    Off,
    /// Fetched and sent.
    Sent { sync_token: String, prefixes: usize },
    /// Not fetched or not valid: nothing sent (the writer keeps the ranges it has).
    Failed(String),
}

/// What a resource sweep did, per account.
#[derive(Debug, Clone, Default)]
pub struct ResourceSweepReport {
    pub accounts: Vec<AccountResources>,
    pub ip_ranges: IpRangesOutcome,
}

impl ResourceSweepReport {
    pub fn listings_ok(&self) -> u64 {
        self.accounts.iter().map(|a| a.listings_ok).sum()
    }
    pub fn listings_failed(&self) -> u64 {
        self.accounts.iter().map(AccountResources::listings_failed).sum()
    }
    pub fn items(&self) -> u64 {
        self.accounts.iter().map(|a| a.items).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResourceSweepError {
    #[error("resource sweep: the accounts in scope could not be listed, so nothing was read: {0}")]
    Accounts(String),
    #[error("resource sweep: the queue refused a message: {0}")]
    Queue(#[from] QueueError),
}

/// The per-account callers: one token bucket per service.
struct Callers {
    ec2: Caller,
    s3: Caller,
    cloudfront: Caller,
    elastic_beanstalk: Caller,
    route53: Caller,
}

impl Callers {
    fn new(settings: &ResourceSettings) -> Self {
        Self {
            ec2: Caller::new("ec2", settings.rps, settings),
            s3: Caller::new("s3", settings.rps, settings),
            cloudfront: Caller::new("cloudfront", settings.rps, settings),
            elastic_beanstalk: Caller::new("elasticbeanstalk", settings.rps, settings),
            route53: Caller::new("route53", settings.route53_rps, settings),
        }
    }

    fn all(&self) -> [&Caller; 5] {
        [&self.ec2, &self.s3, &self.cloudfront, &self.elastic_beanstalk, &self.route53]
    }
}

/// Read every resource of every account in scope and send one `resources` message per
/// (kind, account, region), then (when `ZONETRAIL_IP_RANGES_URL` is set) an `ip_ranges`
/// message. Only failing to learn the accounts in scope, or the queue refusing a message,
/// fails the sweep; a listing that fails is a `Failed` message and a line in the report.
pub async fn sweep_resources(
    accounts: &Accounts,
    settings: &ResourceSettings,
    queue: &dyn Queue,
) -> Result<ResourceSweepReport, ResourceSweepError> {
    let in_scope =
        accounts.in_scope().await.map_err(|e| ResourceSweepError::Accounts(e.to_string()))?;
    let concurrency = accounts.settings().sweep_concurrency.max(1);
    let results: Vec<Result<AccountResources, QueueError>> = futures::stream::iter(in_scope)
        .map(|account| sweep_account(accounts, settings, queue, account))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut report = ResourceSweepReport::default();
    for result in results {
        report.accounts.push(result?);
    }
    report.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    report.ip_ranges = send_ip_ranges(settings, queue).await?;
    println!("{}", resource_sweep_emf(&report));
    Ok(report)
}

async fn send_ip_ranges(
    settings: &ResourceSettings,
    queue: &dyn Queue,
) -> Result<IpRangesOutcome, QueueError> {
    let Some(url) = &settings.ip_ranges_url else { return Ok(IpRangesOutcome::Off) };
    match fetch_ip_ranges(url, IP_RANGES_TIMEOUT).await {
        Ok(ranges) => {
            let message = ranges.to_message(to_micros(Utc::now()));
            let outcome = IpRangesOutcome::Sent {
                sync_token: message.sync_token.clone(),
                prefixes: message.prefixes.len(),
            };
            queue.send(vec![Message::IpRanges(message)]).await?;
            tracing::info!(?outcome, "ip-ranges.json sent");
            Ok(outcome)
        }
        Err(error) => {
            tracing::error!(%url, %error, "ip-ranges.json not fetched; the writer keeps the ranges it has");
            println!("{}", ip_ranges_failed_emf());
            Ok(IpRangesOutcome::Failed(error.to_string()))
        }
    }
}

/// The home region of the partition: where the global listings are asked.
fn home_region(accounts: &Accounts) -> &'static str {
    crate::accounts::default_region(accounts.partition())
}

/// One account: its regions, then every listing (concurrently; the token buckets pace them),
/// each sent as soon as it is done.
async fn sweep_account(
    accounts: &Accounts,
    settings: &ResourceSettings,
    queue: &dyn Queue,
    account: Account,
) -> Result<AccountResources, QueueError> {
    let callers = Callers::new(settings);
    let sdk = accounts.sdk_for(&account.id);
    let mut report = AccountResources {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        regions: Vec::new(),
        regions_error: None,
        listings_ok: 0,
        failures: Vec::new(),
        items: 0,
        calls: 0,
        retries: 0,
    };
    let regions = match &settings.regions {
        Some(regions) => Ok(regions.clone()),
        None => {
            let region = sdk.region().map(|r| r.to_string());
            let client = list::ec2(&sdk, region.as_deref().unwrap_or(home_region(accounts)));
            list::enabled_regions(&callers.ec2, &client).await
        }
    };
    let mut units: Vec<(ResourceKind, String)> = ResourceKind::ALL
        .into_iter()
        .filter(|k| k.is_global())
        .map(|k| (k, String::new()))
        .collect();
    match regions {
        Ok(regions) => {
            for region in &regions {
                for kind in ResourceKind::ALL.into_iter().filter(|k| !k.is_global()) {
                    units.push((kind, region.clone()));
                }
            }
            report.regions = regions;
        }
        Err(error) => {
            tracing::error!(account_id = %account.id, %error, "the account's regions are unknown; only its global resources are read");
            report.regions_error = Some(error);
        }
    }
    // Each listing: its kind and region, and the items sent or why it failed; a queue error
    // stops the account.
    type Listed = Result<(ResourceKind, String, Result<u64, String>), QueueError>;
    let listed: Vec<Listed> = futures::future::join_all(units.into_iter().map(|(kind, region)| {
        let (callers, sdk, account_id) = (&callers, &sdk, &account.id);
        async move {
            let result =
                list_and_send(accounts, callers, sdk, queue, account_id, kind, &region).await?;
            Ok((kind, region, result))
        }
    }))
    .await;
    for result in listed {
        let (kind, region, result) = result?;
        match result {
            Ok(items) => {
                report.listings_ok += 1;
                report.items += items;
            }
            Err(error) => report.failures.push(ListingFailure { kind, region, error }),
        }
    }
    report.calls = callers.all().iter().map(|c| c.calls()).sum();
    report.retries = callers.all().iter().map(|c| c.retries()).sum();
    for failure in &report.failures {
        tracing::error!(account_id = %account.id, kind = %failure.kind, region = %failure.region, error = %failure.error, "listing failed; sent as Failed, so no finding is resolved on it");
    }
    Ok(report)
}

/// List one kind in one account and region, and send the message: `Complete` with the
/// items, or `Failed` with the error (also when the listing is too large for one message).
/// Answers the number of items sent, or the error sent.
async fn list_and_send(
    accounts: &Accounts,
    callers: &Callers,
    sdk: &aws_config::SdkConfig,
    queue: &dyn Queue,
    account: &AccountId,
    kind: ResourceKind,
    region: &str,
) -> Result<Result<u64, String>, QueueError> {
    let observed_at = to_micros(Utc::now());
    let listed = list(accounts, callers, sdk, kind, region).await;
    let message = |listing| ResourcesMessage {
        account_id: account.clone(),
        resource_kind: kind,
        region: region.to_owned(),
        observed_at,
        listing,
    };
    let (message, result) = match listed {
        Ok(items) => {
            let count = items.len() as u64;
            let complete = message(ResourceListing::Complete { items });
            let bytes = Message::Resources(complete.clone()).to_json().len();
            if bytes > queue.max_message_bytes() {
                let error = format!(
                    "{count} items make a {bytes}-byte message, over the {}-byte limit (ZONETRAIL_MAX_MESSAGE_BYTES, at most 1048576)",
                    queue.max_message_bytes()
                );
                (message(ResourceListing::Failed { error: error.clone() }), Err(error))
            } else {
                (complete, Ok(count))
            }
        }
        Err(error) => (message(ResourceListing::Failed { error: error.clone() }), Err(error)),
    };
    queue.send(vec![Message::Resources(message)]).await?;
    Ok(result)
}

async fn list(
    accounts: &Accounts,
    callers: &Callers,
    sdk: &aws_config::SdkConfig,
    kind: ResourceKind,
    region: &str,
) -> Result<Vec<ResourceItem>, String> {
    let home = home_region(accounts);
    match kind {
        ResourceKind::Eip => list::eips(&callers.ec2, &list::ec2(sdk, region)).await,
        ResourceKind::Eni => list::enis(&callers.ec2, &list::ec2(sdk, region)).await,
        ResourceKind::ElasticBeanstalk => {
            list::environments(&callers.elastic_beanstalk, &list::elastic_beanstalk(sdk, region))
                .await
        }
        ResourceKind::S3Bucket => list::buckets(&callers.s3, &list::s3(sdk, home)).await,
        ResourceKind::Cloudfront => {
            list::distributions(&callers.cloudfront, &list::cloudfront(sdk, home)).await
        }
        ResourceKind::HealthCheck => {
            // A Route 53 client like the record sweep's (`Accounts::route53_for`), from the
            // account's configuration, so that `Accounts::override_sdk` applies to it too.
            list::health_checks(&callers.route53, &crate::route53::client(sdk)).await
        }
    }
}

/// Re-list `kinds` in one account and region now (a resource event's targeted listing) and
/// send each as a message. Answers each kind's result, in order.
pub(crate) async fn relist(
    accounts: &Accounts,
    settings: &ResourceSettings,
    queue: &dyn Queue,
    account: &AccountId,
    kinds: &[ResourceKind],
    region: &str,
) -> Result<Vec<(ResourceKind, Result<u64, String>)>, QueueError> {
    let callers = Callers::new(settings);
    let sdk = accounts.sdk_for(account);
    let mut results = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        let region = if kind.is_global() { "" } else { region };
        let result = list_and_send(accounts, &callers, &sdk, queue, account, kind, region).await?;
        results.push((kind, result));
    }
    Ok(results)
}

/// One EMF line for a resource sweep: listings ok and failed, items, calls and retries, and
/// whether `ip-ranges.json` failed.
fn resource_sweep_emf(report: &ResourceSweepReport) -> String {
    let metrics = [
        ("ResourceListingsOk", report.listings_ok()),
        ("ResourceListingsFailed", report.listings_failed()),
        ("ResourceItems", report.items()),
        ("ResourceCalls", report.accounts.iter().map(|a| a.calls).sum()),
        ("ResourceRetries", report.accounts.iter().map(|a| a.retries).sum()),
        ("IpRangesFailed", u64::from(matches!(report.ip_ranges, IpRangesOutcome::Failed(_)))),
    ];
    let line = EmfLine::new("ingest").property("accounts", report.accounts.len() as u64);
    metrics
        .into_iter()
        .fold(line, |line, (name, value)| line.metric(name, Unit::Count, value))
        .to_line(Utc::now())
}

/// One EMF line when `ip-ranges.json` could not be fetched or parsed (alarm on it).
fn ip_ranges_failed_emf() -> String {
    EmfLine::new("ingest").metric("IpRangesFetchFailed", Unit::Count, 1).to_line(Utc::now())
}
