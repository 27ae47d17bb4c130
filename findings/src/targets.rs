//! What a record points at that a finding depends on. Pure: no database.

/// One thing a record points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// An A/AAAA value (not alias).
    Ip(std::net::IpAddr),
    /// An S3 website endpoint's bucket, and the region in its host name.
    S3Website { bucket: String, region: String },
    /// A `*.cloudfront.net` name.
    Cloudfront(String),
    /// `<prefix>.<region>.elasticbeanstalk.com`.
    ElasticBeanstalk { prefix: String, region: String },
    /// NS records below the zone apex that name Route 53 name servers: the delegated name.
    NsDelegation { name: String, name_servers: Vec<String> },
    /// An alias to a name in the record's own zone.
    AliasInZone { zone_id: String, name: String },
    /// A health check id.
    HealthCheck(String),
}

impl Target {
    /// The `finding_targets.target` form: `ip:<ip>`, `s3:<bucket>`, `cloudfront:<name>`,
    /// `eb:<prefix>.<region>`, `zone:<name>`, `name:<zone id>/<name>`, `hc:<id>`.
    pub fn key(&self) -> String {
        todo!("helper A")
    }
}
