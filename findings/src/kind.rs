//! The kinds of finding, their severity, and a finding's status.

use serde::{Deserialize, Serialize};

/// A kind of finding (v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A/AAAA (not alias) value in AWS's EC2 ranges that no account in scope holds.
    DanglingIp,
    /// CNAME or alias to an S3 website endpoint whose bucket no account in scope owns.
    DanglingS3Website,
    /// CNAME or alias to a `*.cloudfront.net` name that matches no distribution in scope.
    DanglingCloudfront,
    /// CNAME to `<prefix>.<region>.elasticbeanstalk.com` matching no environment in scope.
    DanglingElasticBeanstalk,
    /// NS records below the zone that point at Route 53 name servers of no zone in scope.
    DanglingNsDelegation,
    /// Alias to a name in the same hosted zone that has no record set.
    AliasTargetMissing,
    /// A `HealthCheckId` that no longer exists.
    HealthCheckMissing,
    /// A public zone's A/AAAA value in a private, loopback or link-local range.
    PrivateIpInPublicZone,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Self::DanglingIp,
        Self::DanglingS3Website,
        Self::DanglingCloudfront,
        Self::DanglingElasticBeanstalk,
        Self::DanglingNsDelegation,
        Self::AliasTargetMissing,
        Self::HealthCheckMissing,
        Self::PrivateIpInPublicZone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DanglingIp => "dangling_ip",
            Self::DanglingS3Website => "dangling_s3_website",
            Self::DanglingCloudfront => "dangling_cloudfront",
            Self::DanglingElasticBeanstalk => "dangling_elastic_beanstalk",
            Self::DanglingNsDelegation => "dangling_ns_delegation",
            Self::AliasTargetMissing => "alias_target_missing",
            Self::HealthCheckMissing => "health_check_missing",
            Self::PrivateIpInPublicZone => "private_ip_in_public_zone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// `high` for the takeover kinds, `medium` otherwise.
    pub fn severity(self) -> Severity {
        match self {
            Self::DanglingIp
            | Self::DanglingS3Website
            | Self::DanglingCloudfront
            | Self::DanglingElasticBeanstalk
            | Self::DanglingNsDelegation => Severity::High,
            Self::AliasTargetMissing | Self::HealthCheckMissing | Self::PrivateIpInPublicZone => {
                Severity::Medium
            }
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::High, Self::Medium].into_iter().find(|k| k.as_str() == s)
    }
}

/// A finding's status: `open`, `suppressed` (open, but a suppression matches its kind and
/// record key), or `resolved` (with `resolved_at` and the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Suppressed,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Suppressed => "suppressed",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Suppressed, Self::Resolved].into_iter().find(|k| k.as_str() == s)
    }
}
