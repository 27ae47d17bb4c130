//! A zone as an RFC 1035 master file ("BIND zone file").
//!
//! What BIND cannot express is written as `;` comment lines that say what it is: record sets
//! with a routing policy (a set identifier: weighted, latency, geolocation, failover,
//! multivalue, CIDR, geoproximity) and aliases. They are never merged into plain records,
//! since a resolver loading the file would then answer every member at once.
//!
//! Escapes: Route 53 writes `\` + three **octal** digits (`\052` is `*`, in names and in TXT
//! values; awsdocs `DomainNameFormat.md` and `ResourceRecordTypes.md#TXTFormat`, see
//! /work/shared/reference/aws-facts.md §2), while RFC 1035 §5.1 and BIND read `\DDD` as
//! **decimal**. So every `\ooo` becomes `\ddd` (`\344` → `\228`), and owner names are written
//! from their raw bytes: letters, digits, `-`, `_`, `*` and `/` literally, anything else as
//! decimal `\DDD`.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{RecordName, RecordSet, RecordType, Routing};

/// The `$TTL` when nothing else gives one.
const FALLBACK_TTL: i64 = 300;

/// The zone `zone_name` as a master file: `$ORIGIN` and `$TTL` first, then the apex SOA and
/// NS, then every other record set sorted by name (labels reversed, so a subtree stays
/// together) and type; one line per value, owner names relative to the origin (`@` for the
/// apex), each line with its own TTL.
///
/// `$TTL` is `default_ttl` when given, else the most common TTL among the plain record sets
/// (the smaller on a tie), else 300. Not the SOA's last field: since RFC 2308 that is the
/// negative-caching TTL, not a default.
///
/// Values are written as Route 53 stores them (TXT strings keep their quotes), with octal
/// escapes made decimal and any raw control character escaped.
pub fn zone_file(
    zone_name: &RecordName,
    records: &[RecordSet],
    default_ttl: Option<u32>,
) -> String {
    let plain = |r: &&RecordSet| r.set_identifier.is_none() && r.alias_target.is_none();
    let is_apex = |r: &RecordSet, t: RecordType| plain(&r) && r.name == *zone_name && r.rtype == t;

    let default_ttl = default_ttl.map(i64::from).unwrap_or_else(|| {
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for ttl in records.iter().filter(plain).filter_map(|r| r.ttl) {
            *counts.entry(ttl).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map_or(FALLBACK_TTL, |(ttl, _)| ttl)
    });

    let mut out = String::new();
    let origin = bind_name(&zone_name.labels());
    let _ = writeln!(out, "; {origin} exported by zonetrail");
    let _ = writeln!(out, "$ORIGIN {origin}");
    let _ = writeln!(out, "$TTL {default_ttl}");

    let mut soa: Vec<&RecordSet> = records.iter().filter(|r| is_apex(r, RecordType::Soa)).collect();
    let mut ns: Vec<&RecordSet> = records.iter().filter(|r| is_apex(r, RecordType::Ns)).collect();
    let mut rest: Vec<&RecordSet> = records
        .iter()
        .filter(|r| !is_apex(r, RecordType::Soa) && !is_apex(r, RecordType::Ns))
        .collect();
    soa.truncate(1);
    ns.truncate(1);
    // Cached: `reversed` re-reads the labels, once per record rather than per comparison.
    rest.sort_by_cached_key(|r| {
        (r.name.reversed(), r.rtype.as_str().to_owned(), r.set_identifier.clone())
    });
    for r in soa.into_iter().chain(ns).chain(rest) {
        write_record(&mut out, zone_name, r);
    }
    out
}

fn write_record(out: &mut String, zone: &RecordName, r: &RecordSet) {
    let owner = owner(zone, &r.name);
    let rtype = r.rtype.as_str();
    let routing = r.set_identifier.as_ref().map(|id| describe_routing(id, &r.routing));
    if let Some(alias) = &r.alias_target {
        let prefix = routing.map(|d| format!("{d} ")).unwrap_or_default();
        let health = if alias.evaluate_target_health { ", evaluates target health" } else { "" };
        let _ = writeln!(
            out,
            "; {}alias: {owner} {rtype} -> {} (zone {}{health})",
            prefix,
            comment_safe(&alias.dns_name),
            comment_safe(&alias.hosted_zone_id)
        );
        return;
    }
    let ttl = r.ttl.map(|t| format!("\t{t}")).unwrap_or_default();
    let mut values = r.values.clone();
    values.sort();
    for value in values {
        let value = bind_value(&value);
        match &routing {
            Some(desc) => {
                let _ = writeln!(
                    out,
                    "; {desc}: {owner}{} IN {rtype} {}",
                    ttl.replace('\t', " "),
                    comment_safe(&value)
                );
            }
            None => {
                let _ = writeln!(out, "{owner}{ttl}\tIN\t{rtype}\t{value}");
            }
        }
    }
}

/// What a routing policy is, for a comment: `weighted (set "blue", weight 70)`.
fn describe_routing(set_identifier: &str, routing: &Routing) -> String {
    let mut details = vec![format!("set {}", comment_safe(&format!("{set_identifier:?}")))];
    let kind = if let Some(w) = routing.weight {
        details.push(format!("weight {w}"));
        "weighted"
    } else if let Some(region) = &routing.region {
        details.push(format!("region {region}"));
        "latency"
    } else if let Some(geo) = &routing.geo_location {
        let parts = [
            ("continent", &geo.continent_code),
            ("country", &geo.country_code),
            ("subdivision", &geo.subdivision_code),
        ];
        details.extend(parts.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}"))));
        "geolocation"
    } else if let Some(failover) = &routing.failover {
        details.push(failover.clone());
        "failover"
    } else if let Some(cidr) = &routing.cidr_routing {
        details.push(format!("collection {}, location {}", cidr.collection_id, cidr.location_name));
        "CIDR"
    } else if let Some(p) = &routing.geoproximity_location {
        if let Some(region) = &p.aws_region {
            details.push(format!("region {region}"));
        }
        if let Some(group) = &p.local_zone_group {
            details.push(format!("local zone group {group}"));
        }
        if let Some(c) = &p.coordinates {
            details.push(format!("coordinates {},{}", c.latitude, c.longitude));
        }
        if let Some(bias) = p.bias {
            details.push(format!("bias {bias}"));
        }
        "geoproximity"
    } else if routing.multivalue_answer == Some(true) {
        "multivalue answer"
    } else {
        "routing policy"
    };
    if let Some(hc) = &routing.health_check_id {
        details.push(format!("health check {hc}"));
    }
    if let Some(tp) = &routing.traffic_policy_instance_id {
        details.push(format!("traffic policy instance {tp}"));
    }
    comment_safe(&format!("{kind} ({})", details.join(", ")))
}

/// A comment ends at the line's end: no control character may end it early.
fn comment_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// The owner name as the file writes it: `@` for the apex, relative below it, absolute
/// (with the trailing dot) outside it.
fn owner(zone: &RecordName, name: &RecordName) -> String {
    if name == zone {
        return "@".into();
    }
    let labels = name.labels();
    let zone_len = zone.labels().len();
    if name.is_within(zone) && labels.len() > zone_len {
        let relative = &labels[..labels.len() - zone_len];
        let text = bind_name(relative);
        return text.trim_end_matches('.').to_owned();
    }
    bind_name(&labels)
}

/// Labels in master-file syntax, absolute (trailing dot), non-literal bytes as decimal `\DDD`.
fn bind_name(labels: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for label in labels {
        for &b in label {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*' | b'/') {
                out.push(b as char);
            } else {
                let _ = write!(out, "\\{b:03}");
            }
        }
        out.push('.');
    }
    out
}

/// A Route 53 value in master-file syntax: `\ooo` (octal, Route 53) becomes `\ddd` (decimal,
/// RFC 1035); other escapes (`\"`, `\\`) stay; a raw control character is escaped.
fn bind_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let rest: String = chars.clone().take(3).collect();
            let octal = rest.len() == 3 && rest.chars().all(|d| ('0'..='7').contains(&d));
            match u8::from_str_radix(&rest, 8) {
                Ok(byte) if octal => {
                    let _ = write!(out, "\\{byte:03}");
                    for _ in 0..3 {
                        chars.next();
                    }
                }
                _ => {
                    out.push('\\');
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
            }
        } else if c.is_ascii_control() {
            let _ = write!(out, "\\{:03}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AliasTarget, GeoLocation};

    fn n(s: &str) -> RecordName {
        RecordName::parse(s).unwrap()
    }

    fn rec(name: &str, rtype: &str, ttl: i64, values: &[&str]) -> RecordSet {
        RecordSet {
            name: n(name),
            rtype: RecordType::parse(rtype).unwrap(),
            set_identifier: None,
            ttl: Some(ttl),
            values: values.iter().map(|v| v.to_string()).collect(),
            alias_target: None,
            routing: Routing::default(),
        }
    }

    const SOA: &str = "ns-1.awsdns-1.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400";

    fn long_txt() -> String {
        format!("\"{}\" \"{}\"", "a".repeat(255), "b".repeat(100))
    }

    /// A zone with every plain record type Route 53 has, an escaped name, a wildcard, and
    /// a weighted member and an alias that must stay comments.
    fn zone() -> Vec<RecordSet> {
        let long = long_txt();
        vec![
            rec("www.example.com", "A", 300, &["192.0.2.2", "192.0.2.1"]),
            rec("example.com", "NS", 172800, &["ns-1.awsdns-1.org.", "ns-2.awsdns-2.com."]),
            rec("example.com", "SOA", 900, &[SOA]),
            rec("example.com", "MX", 300, &["10 mail.example.com.", "20 mx2.example.net."]),
            rec("example.com", "TXT", 300, &["\"v=spf1 -all\"", "\"say \\\"hi\\\"\"", &long]),
            rec("example.com", "SPF", 300, &["\"v=spf1 -all\""]),
            rec("example.com", "CAA", 300, &["0 issue \"amazon.com\""]),
            rec("v6.example.com", "AAAA", 300, &["2001:db8::1"]),
            rec("alias-free.example.com", "CNAME", 60, &["www.example.com."]),
            rec("_sip._tcp.example.com", "SRV", 300, &["10 5 5060 sip.example.com."]),
            rec("sub.example.com", "NS", 3600, &["ns1.example.net."]),
            rec(
                "sub.example.com",
                "DS",
                3600,
                &["12345 13 2 3ABF7E36D5BB5F0A8D7B2FB1E6A1CB3BCB0C3B1B2BF6D2D0A8DC5B8B8A46F8E2"],
            ),
            rec("1.2.0.192.example.com", "PTR", 300, &["www.example.com."]),
            rec(
                "e164.example.com",
                "NAPTR",
                300,
                &["100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."],
            ),
            rec("\\052.example.com", "A", 60, &["192.0.2.9"]),
            rec("a\\056b.example.com", "TXT", 60, &["\"ex\\344mple\""]),
            RecordSet {
                set_identifier: Some("blue".into()),
                routing: Routing { weight: Some(70), ..Routing::default() },
                ..rec("api.example.com", "A", 60, &["192.0.2.50"])
            },
            RecordSet {
                set_identifier: Some("de".into()),
                routing: Routing {
                    geo_location: Some(GeoLocation {
                        continent_code: None,
                        country_code: Some("DE".into()),
                        subdivision_code: None,
                    }),
                    ..Routing::default()
                },
                ..rec("api.example.com", "A", 60, &["192.0.2.60"])
            },
            RecordSet {
                ttl: None,
                values: vec![],
                alias_target: Some(AliasTarget {
                    hosted_zone_id: "Z2FDTNDATAQYW2".into(),
                    dns_name: "d111.cloudfront.net.".into(),
                    evaluate_target_health: false,
                }),
                ..rec("cdn.example.com", "A", 0, &[])
            },
        ]
    }

    #[test]
    fn header_apex_order_relative_names_and_escapes() {
        let text = zone_file(&n("example.com"), &zone(), None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "$ORIGIN example.com.");
        // 300 is the most common TTL among plain records.
        assert_eq!(lines[2], "$TTL 300");
        assert_eq!(lines[3], format!("@\t900\tIN\tSOA\t{SOA}"));
        assert_eq!(lines[4], "@\t172800\tIN\tNS\tns-1.awsdns-1.org.");
        assert_eq!(lines[5], "@\t172800\tIN\tNS\tns-2.awsdns-2.com.");
        // Apex records first (sorted by type), then by reversed name.
        assert_eq!(lines[6], "@\t300\tIN\tCAA\t0 issue \"amazon.com\"");
        assert!(text.contains("\n*\t60\tIN\tA\t192.0.2.9\n"), "{text}");
        assert!(text.contains("\na\\046b\t60\tIN\tTXT\t\"ex\\228mple\"\n"), "{text}");
        assert!(text.contains("\n_sip._tcp\t300\tIN\tSRV\t10 5 5060 sip.example.com.\n"));
        assert!(text.contains("\nwww\t300\tIN\tA\t192.0.2.1\nwww\t300\tIN\tA\t192.0.2.2\n"));
        assert!(text.contains("\n@\t300\tIN\tTXT\t\"say \\\"hi\\\"\"\n"), "{text}");
        assert!(
            text.contains("\n; weighted (set \"blue\", weight 70): api 60 IN A 192.0.2.50\n"),
            "{text}"
        );
        assert!(
            text.contains("\n; geolocation (set \"de\", country DE): api 60 IN A 192.0.2.60\n")
        );
        assert!(text.contains("\n; alias: cdn A -> d111.cloudfront.net. (zone Z2FDTNDATAQYW2)\n"));
        // Never as records.
        assert!(!text.lines().any(|l| l.starts_with("api") || l.starts_with("cdn")), "{text}");
        // An explicit default wins.
        assert!(zone_file(&n("example.com"), &zone(), Some(60)).contains("\n$TTL 60\n"));
    }

    #[test]
    fn values_turn_octal_escapes_decimal_and_keep_others() {
        assert_eq!(bind_value("\"ex\\344mple\""), "\"ex\\228mple\"");
        assert_eq!(bind_value("\"a\\\\052b\""), "\"a\\\\052b\"");
        assert_eq!(bind_value("\"q\\\"\""), "\"q\\\"\"");
        assert_eq!(bind_value("\"\\052\""), "\"\\042\"");
        assert_eq!(bind_value("\"\\9ab\""), "\"\\9ab\"");
        assert_eq!(bind_value("a\nb"), "a\\010b");
        assert_eq!(owner(&n("example.com"), &n("x.other.org")), "x.other.org.");
        assert_eq!(owner(&n("example.com"), &n("a\\040b.example.com")), "a\\032b");
    }

    /// The file loads in dnspython (`dns.zone.from_text`, checking the origin's SOA and NS),
    /// with the right records, and the comments stay comments.
    #[test]
    fn the_file_loads_in_dnspython_with_the_right_records() {
        let venv = std::env::var("ZONETRAIL_VENV").unwrap_or_else(|_| {
            panic!(
                "ZONETRAIL_VENV is not set: this test needs dnspython from scripts/requirements-test.txt. \
                 Run it through scripts/test, or: source scripts/lib/common.sh && source scripts/lib/python.sh \
                 && ensure_venv, then run the tests in that shell"
            )
        });
        let python = std::path::Path::new(&venv).join("bin/python");
        let text = zone_file(&n("example.com"), &zone(), None);
        let path = std::env::temp_dir().join(format!(
            "zonetrail-zonefile-{}-{:?}.zone",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, &text).unwrap();
        const SCRIPT: &str = r#"
import json, sys
import dns.zone, dns.rdatatype
with open(sys.argv[1]) as f:
    zone = dns.zone.from_text(f.read(), relativize=False, check_origin=True)
print(zone.origin.to_text())
for name, node in sorted(zone.nodes.items()):
    for rds in node.rdatasets:
        print(json.dumps([name.relativize(zone.origin).to_text(), dns.rdatatype.to_text(rds.rdtype), rds.ttl,
                          sorted(rd.to_text() for rd in rds)]))
"#;
        let output = std::process::Command::new(&python)
            .arg("-c")
            .arg(SCRIPT)
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let _ = std::fs::remove_file(&path);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("No module named 'dns'"),
            "{venv} has no dnspython: rebuild it with ensure_venv (scripts/lib/python.sh)"
        );
        assert!(output.status.success(), "dnspython rejected the file: {stderr}\n{text}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let mut lines = stdout.lines();
        assert_eq!(lines.next(), Some("example.com."));
        let sets: Vec<(String, String, i64, Vec<String>)> =
            lines.map(|l| serde_json::from_str(l).unwrap()).collect();
        let get = |name: &str, rtype: &str| {
            sets.iter()
                .find(|s| s.0 == name && s.1 == rtype)
                .unwrap_or_else(|| panic!("{name} {rtype} not loaded: {sets:?}"))
        };
        let vals = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Every plain record set of the zone loads, and nothing else.
        let plain = zone()
            .iter()
            .filter(|r| r.set_identifier.is_none() && r.alias_target.is_none())
            .count();
        assert_eq!(sets.len(), plain, "{sets:?}");
        assert_eq!(get("@", "SOA").2, 900);
        assert_eq!(get("@", "NS").3, vals(&["ns-1.awsdns-1.org.", "ns-2.awsdns-2.com."]));
        assert_eq!(get("www", "A").3, vals(&["192.0.2.1", "192.0.2.2"]));
        assert_eq!(get("v6", "AAAA").3, vals(&["2001:db8::1"]));
        assert_eq!(get("@", "MX").3, vals(&["10 mail.example.com.", "20 mx2.example.net."]));
        let txt = &get("@", "TXT").3;
        assert!(txt.contains(&"\"say \\\"hi\\\"\"".to_string()), "{txt:?}");
        assert!(txt.contains(&long_txt()), "{txt:?}");
        assert_eq!(get("@", "SPF").3, vals(&["\"v=spf1 -all\""]));
        assert_eq!(get("@", "CAA").3, vals(&["0 issue \"amazon.com\""]));
        assert_eq!(get("alias-free", "CNAME").3, vals(&["www.example.com."]));
        assert_eq!(get("_sip._tcp", "SRV").3, vals(&["10 5 5060 sip.example.com."]));
        assert_eq!(get("sub", "NS").2, 3600);
        assert_eq!(get("sub", "DS").3.len(), 1);
        assert_eq!(get("1.2.0.192", "PTR").3, vals(&["www.example.com."]));
        assert_eq!(get("e164", "NAPTR").3.len(), 1);
        assert_eq!(get("*", "A").3, vals(&["192.0.2.9"]));
        // Route 53's octal \344 is byte 228, which dnspython writes back as decimal \228.
        assert_eq!(get("a\\.b", "TXT").3, vals(&["\"ex\\228mple\""]));
        assert!(sets.iter().all(|s| s.0 != "api" && s.0 != "cdn"), "{sets:?}");
    }
}
