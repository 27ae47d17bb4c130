//! What a record points at that a finding depends on. Pure: no database.

use std::net::IpAddr;

use zonetrail_model::{RecordSet, RecordType};

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
        match self {
            Self::Ip(ip) => format!("ip:{ip}"),
            Self::S3Website { bucket, .. } => format!("s3:{bucket}"),
            Self::Cloudfront(name) => format!("cloudfront:{name}"),
            Self::ElasticBeanstalk { prefix, region } => format!("eb:{prefix}.{region}"),
            Self::NsDelegation { name, .. } => format!("zone:{name}"),
            Self::AliasInZone { zone_id, name } => format!("name:{zone_id}/{name}"),
            Self::HealthCheck(id) => format!("hc:{id}"),
        }
    }
}

/// How an S3 website endpoint was referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Cname,
    Alias,
}

/// One target of a record, with how the record refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub target: Target,
    /// The value as written in the record (the CNAME value, the alias DNS name, the IP).
    pub value: String,
    pub form: Form,
}

/// The regions AWS has (commercial, GovCloud, China and the European Sovereign Cloud), as of
/// December 2026: the region in an S3 or Elastic Beanstalk host name is checked against it,
/// and so is `ZONETRAIL_REGIONS` (the ingest's resource sweep).
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

pub fn is_known_region(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// A private, loopback or link-local address: 10/8, 172.16/12, 192.168/16, 127/8,
/// 169.254/16, fc00::/7, fe80::/10, ::1.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_private() || a.is_loopback() || a.is_link_local(),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = a.segments()[0];
            a.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// A host name in `lookup_key` form: lower-case, no trailing dot.
fn host(raw: &str) -> String {
    zonetrail_model::lookup_key(raw).unwrap_or_default()
}

/// `<bucket>.s3-website-<region>.amazonaws.com` or `<bucket>.s3-website.<region>.amazonaws.com`
/// → (bucket, region).
pub fn s3_website_cname(h: &str) -> Option<(String, String)> {
    let rest = h.strip_suffix(".amazonaws.com")?;
    // The bucket may itself hold dots: find the endpoint label from the right.
    if let Some(i) = rest.rfind(".s3-website-") {
        let region = &rest[i + ".s3-website-".len()..];
        let bucket = &rest[..i];
        if !bucket.is_empty() && !region.is_empty() && !region.contains('.') {
            return Some((bucket.to_owned(), region.to_owned()));
        }
    }
    if let Some(i) = rest.rfind(".s3-website.") {
        let region = &rest[i + ".s3-website.".len()..];
        let bucket = &rest[..i];
        if !bucket.is_empty() && !region.is_empty() && !region.contains('.') {
            return Some((bucket.to_owned(), region.to_owned()));
        }
    }
    None
}

/// An alias target `s3-website-<region>.amazonaws.com` or `s3-website.<region>.amazonaws.com`
/// → the region.
pub fn s3_website_alias(h: &str) -> Option<String> {
    let rest = h.strip_suffix(".amazonaws.com")?;
    let region = rest.strip_prefix("s3-website-").or_else(|| rest.strip_prefix("s3-website."))?;
    (!region.is_empty() && !region.contains('.')).then(|| region.to_owned())
}

/// `<prefix>.<region>.elasticbeanstalk.com` → (prefix, region).
pub fn elastic_beanstalk(h: &str) -> Option<(String, String)> {
    let rest = h.strip_suffix(".elasticbeanstalk.com")?;
    let (prefix, region) = rest.rsplit_once('.')?;
    (!prefix.is_empty() && !prefix.contains('.') && !region.is_empty())
        .then(|| (prefix.to_owned(), region.to_owned()))
}

/// `dxxxx.cloudfront.net`.
pub fn cloudfront(h: &str) -> Option<String> {
    let label = h.strip_suffix(".cloudfront.net")?;
    (!label.is_empty() && !label.contains('.')).then(|| h.to_owned())
}

/// A Route 53 name server: `ns-<n>.awsdns-<nn>.(com|net|org|co.uk)`.
pub fn is_route53_name_server(h: &str) -> bool {
    let Some((first, rest)) = h.split_once('.') else { return false };
    let Some(n) = first.strip_prefix("ns-") else { return false };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some((second, tld)) = rest.split_once('.') else { return false };
    let Some(nn) = second.strip_prefix("awsdns-") else { return false };
    !nn.is_empty()
        && nn.bytes().all(|b| b.is_ascii_digit())
        && matches!(tld, "com" | "net" | "org" | "co.uk")
}

/// Everything `record` (in zone `zone_name`, id `zone_id`) points at that a finding depends on.
/// `zone_name` and `record.name` in their stored form (lower-case, trailing dot).
pub fn extract(record: &RecordSet, zone_id: &str, zone_name: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let name = record.name.as_str();
    match (&record.rtype, &record.alias_target) {
        (RecordType::A | RecordType::Aaaa, None) => {
            for v in &record.values {
                if let Ok(ip) = v.trim().parse::<IpAddr>() {
                    out.push(Found { target: Target::Ip(ip), value: v.clone(), form: Form::Cname });
                }
            }
        }
        (RecordType::Cname, None) => {
            for v in &record.values {
                let h = host(v);
                if let Some(t) = host_target(&h) {
                    out.push(Found { target: t, value: v.clone(), form: Form::Cname });
                }
            }
        }
        (RecordType::Ns, None) if !same_name(name, zone_name) => {
            let servers: Vec<String> = record
                .values
                .iter()
                .map(|v| host(v))
                .filter(|h| is_route53_name_server(h))
                .collect();
            if !servers.is_empty() {
                out.push(Found {
                    target: Target::NsDelegation { name: name.to_owned(), name_servers: servers },
                    value: record.values.join(" "),
                    form: Form::Cname,
                });
            }
        }
        _ => {}
    }
    if let Some(alias) = &record.alias_target {
        let h = host(&alias.dns_name);
        let alias_zone = alias.hosted_zone_id.trim_start_matches("/hostedzone/");
        if alias_zone == zone_id {
            let target_name = format!("{h}.");
            out.push(Found {
                target: Target::AliasInZone { zone_id: zone_id.to_owned(), name: target_name },
                value: alias.dns_name.clone(),
                form: Form::Alias,
            });
        } else if let Some(region) = s3_website_alias(&h) {
            let bucket = host(name);
            out.push(Found {
                target: Target::S3Website { bucket, region },
                value: alias.dns_name.clone(),
                form: Form::Alias,
            });
        } else if let Some(cf) = cloudfront(&h) {
            out.push(Found {
                target: Target::Cloudfront(cf),
                value: alias.dns_name.clone(),
                form: Form::Alias,
            });
        } else if let Some((prefix, region)) = elastic_beanstalk(&h) {
            out.push(Found {
                target: Target::ElasticBeanstalk { prefix, region },
                value: alias.dns_name.clone(),
                form: Form::Alias,
            });
        }
    }
    if let Some(id) = record.routing.health_check_id.as_deref().map(str::trim)
        && !id.is_empty()
    {
        out.push(Found {
            target: Target::HealthCheck(id.to_ascii_lowercase()),
            value: id.to_owned(),
            form: Form::Cname,
        });
    }
    out
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// A CNAME value's target (S3 website, CloudFront, Elastic Beanstalk).
fn host_target(h: &str) -> Option<Target> {
    if let Some((bucket, region)) = s3_website_cname(h) {
        return Some(Target::S3Website { bucket, region });
    }
    if let Some(cf) = cloudfront(h) {
        return Some(Target::Cloudfront(cf));
    }
    if let Some((prefix, region)) = elastic_beanstalk(h) {
        return Some(Target::ElasticBeanstalk { prefix, region });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        assert_eq!(
            s3_website_cname("my.bucket.s3-website-us-east-1.amazonaws.com"),
            Some(("my.bucket".into(), "us-east-1".into()))
        );
        assert_eq!(
            s3_website_cname("b.s3-website.eu-west-3.amazonaws.com"),
            Some(("b".into(), "eu-west-3".into()))
        );
        assert_eq!(s3_website_cname("b.s3.amazonaws.com"), None);
        assert_eq!(
            s3_website_alias("s3-website-us-east-1.amazonaws.com"),
            Some("us-east-1".into())
        );
        assert_eq!(
            s3_website_alias("s3-website.eu-west-3.amazonaws.com"),
            Some("eu-west-3".into())
        );
        assert_eq!(
            elastic_beanstalk("app.us-east-1.elasticbeanstalk.com"),
            Some(("app".into(), "us-east-1".into()))
        );
        assert_eq!(elastic_beanstalk("elasticbeanstalk.com"), None);
        assert_eq!(cloudfront("d111.cloudfront.net"), Some("d111.cloudfront.net".into()));
        assert_eq!(cloudfront("cloudfront.net"), None);
        assert!(is_route53_name_server("ns-1.awsdns-01.co.uk"));
        assert!(is_route53_name_server("ns-2048.awsdns-64.com"));
        assert!(!is_route53_name_server("ns1.example.com"));
        assert!(!is_route53_name_server("ns-1.awsdns-01.io"));
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::1",
        ] {
            assert!(is_private(p.parse().unwrap()), "{p}");
        }
        for p in ["172.32.0.1", "172.15.255.255", "8.8.8.8", "2600::1", "fec0::1"] {
            assert!(!is_private(p.parse().unwrap()), "{p}");
        }
    }
}
