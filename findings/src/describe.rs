//! A finding's evidence in plain words, for the dashboard and notifications.

use serde_json::Value;

use crate::Kind;

fn s<'a>(e: &'a Value, k: &str) -> Option<&'a str> {
    e.get(k).and_then(Value::as_str)
}

fn count(e: &Value, k: &str) -> Option<usize> {
    e.get(k).and_then(|v| v.as_array().map(Vec::len).or_else(|| v.as_u64().map(|n| n as usize)))
}

fn accounts(e: &Value) -> String {
    match count(e, "accounts_checked") {
        Some(1) => "your account".to_owned(),
        Some(n) => format!("your {n} accounts"),
        None => "your accounts".to_owned(),
    }
}

fn none_of(e: &Value) -> String {
    match count(e, "accounts_checked") {
        Some(1) => "your account does not".to_owned(),
        Some(n) => format!("none of your {n} accounts"),
        None => "none of your accounts".to_owned(),
    }
}

/// One sentence that says what is wrong, from the finding's kind, subject and evidence, e.g.
/// "points at 203.0.113.7, an AWS address that none of your 12 accounts holds".
pub fn describe(kind: Kind, subject: &str, evidence: &Value) -> String {
    let e = evidence;
    match kind {
        Kind::DanglingIp => {
            let ip = s(e, "ip").unwrap_or(subject);
            let range = match (s(e, "range"), s(e, "range_region")) {
                (Some(r), Some(g)) => format!(" ({r}, {g})"),
                (Some(r), None) => format!(" ({r})"),
                _ => String::new(),
            };
            let holds = if count(e, "accounts_checked") == Some(1) { "hold" } else { "holds" };
            format!("points at {ip}, an AWS address{range} that {} {holds}", none_of(e))
        }
        Kind::DanglingS3Website => {
            let bucket = s(e, "bucket").unwrap_or(subject);
            let endpoint = s(e, "endpoint").map(|p| format!(" through {p}")).unwrap_or_default();
            format!(
                "points at the S3 website bucket {bucket}{endpoint}, which {} owns; anyone could create it",
                none_of_subject(e)
            )
        }
        Kind::DanglingCloudfront => {
            let domain = s(e, "domain").unwrap_or(subject);
            let n = count(e, "distributions_checked").unwrap_or(0);
            format!(
                "points at {domain}, which matches none of the {n} CloudFront distributions in {}",
                accounts(e)
            )
        }
        Kind::DanglingElasticBeanstalk => {
            let cname = s(e, "cname").unwrap_or(subject);
            let n = count(e, "environments_checked").unwrap_or(0);
            let dns = match e.get("check_dns_availability") {
                Some(v) if v.get("available").and_then(Value::as_bool) == Some(true) => {
                    "; the name is free for anyone to take".to_owned()
                }
                Some(v) if v.get("available").and_then(Value::as_bool) == Some(false) => {
                    "; the name is taken, by someone outside your accounts".to_owned()
                }
                Some(v) if v.get("error").is_some() => format!(
                    "; its availability could not be checked ({})",
                    v.get("error").and_then(Value::as_str).unwrap_or("error")
                ),
                _ => String::new(),
            };
            format!(
                "points at the Elastic Beanstalk name {cname}, which matches none of the {n} environments in {}{dns}",
                accounts(e)
            )
        }
        Kind::DanglingNsDelegation => {
            let name = s(e, "name").unwrap_or(subject);
            let servers = e
                .get("name_servers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            let zones = count(e, "zones_with_name").unwrap_or(0);
            let why = if zones == 0 {
                "no hosted zone in scope has that name".to_owned()
            } else {
                format!("none of the {zones} hosted zones with that name uses them")
            };
            format!("delegates {name} to Route 53 name servers ({servers}), but {why}")
        }
        Kind::AliasTargetMissing => {
            let target = s(e, "target").unwrap_or(subject);
            format!("is an alias to {target} in the same zone, which has no record set")
        }
        Kind::HealthCheckMissing => {
            let id = s(e, "health_check_id").unwrap_or(subject);
            format!("uses health check {id}, which none of {} has", accounts(e))
        }
        Kind::PrivateIpInPublicZone => {
            let ip = s(e, "ip").unwrap_or(subject);
            let range = s(e, "range").map(|r| format!(" (in {r})")).unwrap_or_default();
            format!("publishes the private address {ip}{range} in a public zone")
        }
    }
}

fn none_of_subject(e: &Value) -> String {
    match count(e, "accounts_checked") {
        Some(1) => "your account no longer".to_owned(),
        Some(n) => format!("none of your {n} accounts"),
        None => "none of your accounts".to_owned(),
    }
}
