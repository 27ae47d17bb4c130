//! The resource side of findings (issue 20): what the resource sweep and resource events send
//! the writer. See docs/design.md, "Findings".

use serde::{Deserialize, Serialize};

use crate::{AccountId, Timestamp};

/// One listing unit of the resource sweep. Each is listed per account, and per region unless
/// [`ResourceKind::is_global`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// Elastic IPs (`ec2:DescribeAddresses`): key the public IP, id the allocation id.
    Eip,
    /// Network interface addresses (`ec2:DescribeNetworkInterfaces`): one item per public
    /// IPv4 (association) and per IPv6 address; key the IP, id the ENI id.
    Eni,
    /// S3 buckets (`s3:ListBuckets`, global): key and id the bucket name; detail
    /// `{"region": ...}` when known.
    S3Bucket,
    /// CloudFront distributions (`cloudfront:ListDistributions`, global): key the
    /// distribution's `dxxxx.cloudfront.net`, id the distribution id; detail
    /// `{"aliases": [...], "status": ...}`.
    Cloudfront,
    /// Elastic Beanstalk environments (`elasticbeanstalk:DescribeEnvironments`, regional,
    /// terminated ones excluded): key the environment's CNAME
    /// (`prefix.region.elasticbeanstalk.com`), id the environment id; detail
    /// `{"name": ..., "application": ..., "status": ...}`.
    ElasticBeanstalk,
    /// Route 53 health checks (`route53:ListHealthChecks`, global): key and id the id.
    HealthCheck,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 6] = [
        Self::Eip,
        Self::Eni,
        Self::S3Bucket,
        Self::Cloudfront,
        Self::ElasticBeanstalk,
        Self::HealthCheck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eip => "eip",
            Self::Eni => "eni",
            Self::S3Bucket => "s3_bucket",
            Self::Cloudfront => "cloudfront",
            Self::ElasticBeanstalk => "elastic_beanstalk",
            Self::HealthCheck => "health_check",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Listed once per account (its `region` is `""`), not per region.
    pub fn is_global(self) -> bool {
        matches!(self, Self::S3Bucket | Self::Cloudfront | Self::HealthCheck)
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceItem {
    /// In `lookup_key` form (trimmed, lower-case, no trailing dot).
    pub key: String,
    /// AWS's id for it.
    pub id: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

/// What a listing found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum ResourceListing {
    /// Every resource of the kind in the account and region at `observed_at`: the writer
    /// keeps these and tombstones the others it holds whose `observed_at` is older.
    Complete { items: Vec<ResourceItem> },
    /// The listing failed: nothing is tombstoned, and findings that need it are neither
    /// raised nor resolved until a later listing succeeds.
    Failed { error: String },
}

/// `kind: "resources"`: one listing of one kind in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcesMessage {
    pub account_id: AccountId,
    pub resource_kind: ResourceKind,
    /// `""` for a global kind.
    #[serde(default)]
    pub region: String,
    /// When the listing started (for an event's re-read, when the re-read started).
    pub observed_at: Timestamp,
    #[serde(flatten)]
    pub listing: ResourceListing,
}

/// One EC2 prefix of AWS's `ip-ranges.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpPrefix {
    /// `3.5.140.0/22` or `2600:1f00::/40`.
    pub cidr: String,
    /// `us-east-1`, or `GLOBAL`.
    pub region: String,
}

/// `kind: "ip_ranges"`: the EC2 prefixes of a fetched `ip-ranges.json`, sent by the resource
/// sweep when its `syncToken` differs from the last one sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpRangesMessage {
    pub sync_token: String,
    pub create_date: String,
    pub observed_at: Timestamp,
    pub prefixes: Vec<IpPrefix>,
}
