//! The six listings, each one AWS API read to the end (paginated where AWS pages).

use std::collections::HashSet;
use std::net::IpAddr;

use aws_config::SdkConfig;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use serde_json::json;
use std::time::Duration;
use zonetrail_model::{ResourceItem, lookup_key};

use super::caller::Caller;

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(30))
        .build()
}

pub(super) fn ec2(sdk: &SdkConfig, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(sdk)
            .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts())
            .build(),
    )
}

pub(super) fn elastic_beanstalk(sdk: &SdkConfig, region: &str) -> aws_sdk_elasticbeanstalk::Client {
    aws_sdk_elasticbeanstalk::Client::from_conf(
        aws_sdk_elasticbeanstalk::config::Builder::from(sdk)
            .region(aws_sdk_elasticbeanstalk::config::Region::new(region.to_owned()))
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts())
            .build(),
    )
}

/// S3's ListBuckets is global: it is asked in the partition's home region.
pub(super) fn s3(sdk: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .region(aws_sdk_s3::config::Region::new(region.to_owned()))
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts())
            .build(),
    )
}

pub(super) fn cloudfront(sdk: &SdkConfig, region: &str) -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::from_conf(
        aws_sdk_cloudfront::config::Builder::from(sdk)
            .region(aws_sdk_cloudfront::config::Region::new(region.to_owned()))
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts())
            .build(),
    )
}

/// Items keyed once each (the first one seen wins).
#[derive(Default)]
struct Items {
    seen: HashSet<String>,
    items: Vec<ResourceItem>,
}

impl Items {
    fn push(&mut self, key: Option<String>, id: &str, detail: serde_json::Value) {
        if let Some(key) = key
            && self.seen.insert(key.clone())
        {
            self.items.push(ResourceItem { key, id: id.to_owned(), detail });
        }
    }
}

/// An IP in its canonical text (the form `ip:` targets use); `None` for anything else.
fn ip_key(raw: &str) -> Option<String> {
    raw.trim().parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

/// The regions `ec2:DescribeRegions` answers as enabled for the account.
pub(super) async fn enabled_regions(
    caller: &Caller,
    client: &aws_sdk_ec2::Client,
) -> Result<Vec<String>, String> {
    let out = caller.call("DescribeRegions", || client.describe_regions().send()).await?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| super::regions::enabled(r.opt_in_status()))
        .filter_map(|r| r.region_name().map(str::to_owned))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// `eip`: every Elastic IP of the region (DescribeAddresses answers them all at once).
pub(super) async fn eips(
    caller: &Caller,
    client: &aws_sdk_ec2::Client,
) -> Result<Vec<ResourceItem>, String> {
    let out = caller.call("DescribeAddresses", || client.describe_addresses().send()).await?;
    let mut items = Items::default();
    for address in out.addresses() {
        let Some(ip) = address.public_ip() else { continue };
        let id = address.allocation_id().unwrap_or(ip);
        items.push(ip_key(ip), id, serde_json::Value::Null);
    }
    Ok(items.items)
}

/// `eni`: the public addresses of every network interface of the region: the interface's
/// association, each private address's association, and each IPv6 address.
pub(super) async fn enis(
    caller: &Caller,
    client: &aws_sdk_ec2::Client,
) -> Result<Vec<ResourceItem>, String> {
    let mut items = Items::default();
    let mut token: Option<String> = None;
    loop {
        let out = caller
            .call("DescribeNetworkInterfaces", || {
                client
                    .describe_network_interfaces()
                    .max_results(1000)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for eni in out.network_interfaces() {
            let id = eni.network_interface_id().unwrap_or_default();
            if let Some(ip) = eni.association().and_then(|a| a.public_ip()) {
                items.push(ip_key(ip), id, serde_json::Value::Null);
            }
            for private in eni.private_ip_addresses() {
                if let Some(ip) = private.association().and_then(|a| a.public_ip()) {
                    items.push(ip_key(ip), id, serde_json::Value::Null);
                }
            }
            for v6 in eni.ipv6_addresses() {
                if let Some(ip) = v6.ipv6_address() {
                    items.push(ip_key(ip), id, serde_json::Value::Null);
                }
            }
        }
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
            Some(_) => {
                return Err("DescribeNetworkInterfaces answered the token it was given".into());
            }
            None => return Ok(items.items),
        }
    }
}

/// `elastic_beanstalk`: the region's environments that are not terminated, keyed by CNAME
/// (a worker environment has none and is left out).
pub(super) async fn environments(
    caller: &Caller,
    client: &aws_sdk_elasticbeanstalk::Client,
) -> Result<Vec<ResourceItem>, String> {
    let mut items = Items::default();
    let mut token: Option<String> = None;
    loop {
        let out = caller
            .call("DescribeEnvironments", || {
                client
                    .describe_environments()
                    .include_deleted(false)
                    .max_records(1000)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for env in out.environments() {
            let Some(cname) = env.cname() else { continue };
            let detail = json!({
                "name": env.environment_name(),
                "application": env.application_name(),
                "status": env.status().map(|s| s.as_str()),
            });
            items.push(lookup_key(cname), env.environment_id().unwrap_or(cname), detail);
        }
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
            Some(_) => return Err("DescribeEnvironments answered the token it was given".into()),
            None => return Ok(items.items),
        }
    }
}

/// `s3_bucket`: every bucket of the account, with its region when ListBuckets says.
pub(super) async fn buckets(
    caller: &Caller,
    client: &aws_sdk_s3::Client,
) -> Result<Vec<ResourceItem>, String> {
    let mut items = Items::default();
    let mut token: Option<String> = None;
    loop {
        let out = caller
            .call("ListBuckets", || {
                client
                    .list_buckets()
                    .max_buckets(10_000)
                    .set_continuation_token(token.clone())
                    .send()
            })
            .await?;
        for bucket in out.buckets() {
            let Some(name) = bucket.name() else { continue };
            let detail = match bucket.bucket_region() {
                Some(region) => json!({ "region": region }),
                None => serde_json::Value::Null,
            };
            items.push(lookup_key(name), name, detail);
        }
        match out.continuation_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
            Some(_) => return Err("ListBuckets answered the token it was given".into()),
            None => return Ok(items.items),
        }
    }
}

/// `cloudfront`: every distribution of the account, keyed by its `dxxxx.cloudfront.net`.
pub(super) async fn distributions(
    caller: &Caller,
    client: &aws_sdk_cloudfront::Client,
) -> Result<Vec<ResourceItem>, String> {
    let mut items = Items::default();
    let mut marker: Option<String> = None;
    loop {
        let out = caller
            .call("ListDistributions", || {
                client.list_distributions().max_items(1000).set_marker(marker.clone()).send()
            })
            .await?;
        let Some(list) = out.distribution_list() else { return Ok(items.items) };
        for d in list.items() {
            let aliases: Vec<&str> = d
                .aliases()
                .map(|a| a.items().iter().map(String::as_str).collect())
                .unwrap_or_default();
            let detail = json!({ "aliases": aliases, "status": d.status() });
            items.push(lookup_key(d.domain_name()), d.id(), detail);
        }
        match list.next_marker().filter(|m| list.is_truncated() && !m.is_empty()) {
            Some(next) if marker.as_deref() != Some(next) => marker = Some(next.to_owned()),
            Some(_) => return Err("ListDistributions answered the marker it was given".into()),
            None => return Ok(items.items),
        }
    }
}

/// `health_check`: every Route 53 health check of the account.
pub(super) async fn health_checks(
    caller: &Caller,
    client: &aws_sdk_route53::Client,
) -> Result<Vec<ResourceItem>, String> {
    let mut items = Items::default();
    let mut marker: Option<String> = None;
    loop {
        let out = caller
            .call("ListHealthChecks", || {
                client.list_health_checks().max_items(1000).set_marker(marker.clone()).send()
            })
            .await?;
        for check in out.health_checks() {
            items.push(lookup_key(check.id()), check.id(), serde_json::Value::Null);
        }
        match out.next_marker().filter(|m| out.is_truncated() && !m.is_empty()) {
            Some(next) if marker.as_deref() != Some(next) => marker = Some(next.to_owned()),
            Some(_) => return Err("ListHealthChecks answered the marker it was given".into()),
            None => return Ok(items.items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips_are_keyed_in_canonical_text() {
        assert_eq!(ip_key(" 203.0.113.7 ").as_deref(), Some("203.0.113.7"));
        assert_eq!(ip_key("2600:1F18:0:0::10").as_deref(), Some("2600:1f18::10"));
        assert_eq!(ip_key("not-an-ip"), None);
    }
}
