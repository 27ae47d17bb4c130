use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::{RecordName, ZoneId};

/// A Route 53 record type. Types Route 53 adds later are kept as [`RecordType::Other`], not
/// rejected, so a sweep never drops a record because zonetrail is older than the API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RecordType {
    A,
    Aaaa,
    Caa,
    Cname,
    Ds,
    Https,
    Mx,
    Naptr,
    Ns,
    Ptr,
    Soa,
    Spf,
    Srv,
    Sshfp,
    Svcb,
    Tlsa,
    Txt,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error("the record type is empty")]
    Empty,
    #[error("{0:?} is not a record type: expected 1 to 10 letters or digits")]
    Malformed(String),
    #[error("{0:?} is not a Route 53 record type (one of {known})", known = RecordType::KNOWN_NAMES.join(", "))]
    Unknown(String),
}

impl RecordType {
    pub const KNOWN: [RecordType; 17] = [
        Self::A,
        Self::Aaaa,
        Self::Caa,
        Self::Cname,
        Self::Ds,
        Self::Https,
        Self::Mx,
        Self::Naptr,
        Self::Ns,
        Self::Ptr,
        Self::Soa,
        Self::Spf,
        Self::Srv,
        Self::Sshfp,
        Self::Svcb,
        Self::Tlsa,
        Self::Txt,
    ];
    pub const KNOWN_NAMES: [&'static str; 17] = [
        "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF",
        "SRV", "SSHFP", "SVCB", "TLSA", "TXT",
    ];

    /// Parse a type as Route 53 reports it; a well-formed type zonetrail does not know yet is
    /// kept as [`RecordType::Other`].
    pub fn parse(raw: &str) -> Result<Self, TypeError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(TypeError::Empty);
        }
        if s.len() > 10 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(TypeError::Malformed(raw.to_owned()));
        }
        let upper = s.to_ascii_uppercase();
        Ok(Self::KNOWN_NAMES
            .iter()
            .position(|k| *k == upper)
            .map(|i| Self::KNOWN[i].clone())
            .unwrap_or(Self::Other(upper)))
    }

    /// Parse a type a person asked for (an API filter): only the types Route 53 has.
    pub fn parse_known(raw: &str) -> Result<Self, TypeError> {
        match Self::parse(raw)? {
            Self::Other(t) => Err(TypeError::Unknown(t)),
            t => Ok(t),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            known => Self::KNOWN_NAMES[Self::KNOWN.iter().position(|k| k == known).expect("known")],
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for RecordType {
    type Error = TypeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RecordType> for String {
    fn from(value: RecordType) -> Self {
        value.as_str().to_owned()
    }
}

impl std::str::FromStr for RecordType {
    type Err = TypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What identifies a record set: weighted, latency, geo, failover, multivalue and CIDR sets
/// share name and type and differ only by set identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordKey {
    pub zone_id: ZoneId,
    pub name: RecordName,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    #[serde(default)]
    pub set_identifier: Option<String>,
}

impl RecordKey {
    /// The set identifier as the database stores it: `''` for none, so that a unique index
    /// covers simple records too (MySQL treats NULLs as distinct).
    pub fn set_identifier_column(&self) -> &str {
        self.set_identifier.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AliasTarget {
    pub hosted_zone_id: String,
    pub dns_name: String,
    pub evaluate_target_health: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GeoLocation {
    pub continent_code: Option<String>,
    pub country_code: Option<String>,
    pub subdivision_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Coordinates {
    pub latitude: String,
    pub longitude: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GeoProximityLocation {
    pub aws_region: Option<String>,
    pub local_zone_group: Option<String>,
    pub coordinates: Option<Coordinates>,
    pub bias: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CidrRouting {
    pub collection_id: String,
    pub location_name: String,
}

/// Every routing member of a Route 53 record set; `None` where Route 53 has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Routing {
    pub weight: Option<i64>,
    pub region: Option<String>,
    pub failover: Option<String>,
    pub geo_location: Option<GeoLocation>,
    pub geoproximity_location: Option<GeoProximityLocation>,
    pub cidr_routing: Option<CidrRouting>,
    pub multivalue_answer: Option<bool>,
    pub health_check_id: Option<String>,
    pub traffic_policy_instance_id: Option<String>,
}

/// A resource record set with every field Route 53 has.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordSet {
    pub name: RecordName,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    #[serde(default)]
    pub set_identifier: Option<String>,
    #[serde(default)]
    pub ttl: Option<i64>,
    /// Empty for an alias.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub alias_target: Option<AliasTarget>,
    #[serde(default)]
    pub routing: Routing,
}

impl RecordSet {
    pub fn key(&self, zone_id: &ZoneId) -> RecordKey {
        RecordKey {
            zone_id: zone_id.clone(),
            name: self.name.clone(),
            rtype: self.rtype.clone(),
            set_identifier: self.set_identifier.clone(),
        }
    }

    /// Put the record in canonical form, so that the same content observed by a sweep
    /// (Route 53's order and spelling) and by an event (the caller's) compares equal:
    /// values sorted and de-duplicated (a record set is a set), an empty set identifier
    /// treated as none, the alias target's zone id without `/hostedzone/` and its DNS name
    /// lower-case with a trailing dot.
    pub fn normalize(mut self) -> Self {
        self.values.sort();
        self.values.dedup();
        if self.set_identifier.as_deref() == Some("") {
            self.set_identifier = None;
        }
        if let Some(alias) = &mut self.alias_target {
            if let Ok(id) = ZoneId::parse(&alias.hosted_zone_id) {
                alias.hosted_zone_id = id.to_string();
            }
            let mut dns = alias.dns_name.trim().to_ascii_lowercase();
            if !dns.ends_with('.') {
                dns.push('.');
            }
            alias.dns_name = dns;
        }
        self
    }

    /// A stable hash of the whole record set (key and content), hex-encoded SHA-256 of its
    /// canonical JSON. Equal hashes mean nothing changed.
    pub fn content_hash(&self) -> String {
        let canonical = self.clone().normalize();
        let json = serde_json::to_vec(&canonical).expect("a RecordSet always serialises");
        hex::encode(Sha256::digest(&json))
    }

    /// The keys under which "what points at X" finds this record: one per value or alias
    /// target, in [`lookup_key`] form. MX and SRV values contribute their target host.
    pub fn lookup_values(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .values
            .iter()
            .filter_map(|v| {
                let target = match self.rtype {
                    RecordType::Mx | RecordType::Srv => v.split_whitespace().last().unwrap_or(v),
                    _ => v.as_str(),
                };
                lookup_key(target)
            })
            .collect();
        if let Some(alias) = &self.alias_target {
            keys.extend(lookup_key(&alias.dns_name));
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

/// The longest lookup key stored; longer values (long TXT strings) are not hosts or addresses.
pub const LOOKUP_KEY_MAX: usize = 255;

/// Normalise an address or host for "what points at X": trimmed, lower-case, no trailing dot,
/// no surrounding quotes. Writers store values in this form and readers query with it.
pub fn lookup_key(raw: &str) -> Option<String> {
    let s = raw.trim().trim_matches('"').trim();
    let s = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    if s.is_empty() || s.len() > LOOKUP_KEY_MAX { None } else { Some(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighted(id: &str, weight: i64) -> RecordSet {
        RecordSet {
            name: RecordName::parse("www.example.com").unwrap(),
            rtype: RecordType::A,
            set_identifier: Some(id.into()),
            ttl: Some(60),
            values: vec!["192.0.2.10".into()],
            alias_target: None,
            routing: Routing { weight: Some(weight), ..Routing::default() },
        }
    }

    #[test]
    fn types_parse_and_unknown_types_are_kept() {
        assert_eq!(RecordType::parse("aaaa").unwrap(), RecordType::Aaaa);
        assert_eq!(RecordType::parse("HTTPS").unwrap().as_str(), "HTTPS");
        assert_eq!(RecordType::parse("URI").unwrap(), RecordType::Other("URI".into()));
        assert_eq!(RecordType::parse(""), Err(TypeError::Empty));
        assert!(matches!(RecordType::parse("A; --"), Err(TypeError::Malformed(_))));
        assert_eq!(RecordType::parse_known("URI"), Err(TypeError::Unknown("URI".into())));
        for name in RecordType::KNOWN_NAMES {
            assert_eq!(RecordType::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn weighted_sets_have_distinct_keys() {
        let zone = ZoneId::parse("Z1").unwrap();
        assert_ne!(weighted("blue", 70).key(&zone), weighted("green", 30).key(&zone));
        assert_eq!(weighted("blue", 70).key(&zone), weighted("blue", 10).key(&zone));
    }

    #[test]
    fn hash_ignores_value_order_and_alias_spelling() {
        let mut a = weighted("blue", 70);
        a.values = vec!["192.0.2.2".into(), "192.0.2.1".into()];
        let mut b = a.clone();
        b.values.reverse();
        assert_eq!(a.content_hash(), b.content_hash());
        b.routing.weight = Some(71);
        assert_ne!(a.content_hash(), b.content_hash());

        let alias = |zone: &str, dns: &str| RecordSet {
            values: vec![],
            ttl: None,
            alias_target: Some(AliasTarget {
                hosted_zone_id: zone.into(),
                dns_name: dns.into(),
                evaluate_target_health: false,
            }),
            ..weighted("x", 1)
        };
        assert_eq!(
            alias("/hostedzone/Z2FDTNDATAQYW2", "D123.cloudfront.net").content_hash(),
            alias("Z2FDTNDATAQYW2", "d123.cloudfront.net.").content_hash()
        );
    }

    #[test]
    fn lookup_values_cover_hosts_addresses_and_aliases() {
        let mut mx = weighted("x", 1);
        mx.rtype = RecordType::Mx;
        mx.values = vec!["10 Mail.Example.com.".into()];
        assert_eq!(mx.lookup_values(), vec!["mail.example.com".to_string()]);
        let a = weighted("x", 1);
        assert_eq!(a.lookup_values(), vec!["192.0.2.10".to_string()]);
        assert_eq!(lookup_key("\"v=spf1\""), Some("v=spf1".into()));
        assert_eq!(lookup_key("  "), None);
    }
}
