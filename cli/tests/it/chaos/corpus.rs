//! The chaos corpus: several hosted zones, a few thousand record sets, every routing policy
//! Route 53 has (weighted, latency, failover, geolocation, geoproximity, CIDR, multivalue,
//! alias, simple), wildcards, apex SOA/NS, and a weighted group larger than a page so that
//! paging must continue inside one name and type. It also plans the changes made later.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use std::collections::BTreeMap;
use zonetrail_model::{
    AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, RecordKey,
    RecordName, RecordSet, RecordType, Routing, Vpc, ZoneId,
};

/// A zone of the corpus, before the fake gives it an id.
pub struct ZonePlan {
    pub name: String,
    pub private: Option<Vec<Vpc>>,
    pub records: Vec<RecordSet>,
}

/// Zones of `sizes` record sets each (roughly: every zone also gets its apex, a weighted
/// group and one record of each policy).
pub fn zones(rng: &mut StdRng, sizes: &[usize]) -> Vec<ZonePlan> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let name = format!("chaos{i}.example.");
            let private = (i == 1)
                .then(|| vec![Vpc { region: "us-east-1".into(), id: format!("vpc-0c4a05{i:02}") }]);
            ZonePlan { records: records(rng, &name, size, i == 0), name, private }
        })
        .collect()
}

fn records(rng: &mut StdRng, zone: &str, size: usize, big_group: bool) -> Vec<RecordSet> {
    let mut out: BTreeMap<(String, String, Option<String>), RecordSet> = BTreeMap::new();
    let add = |out: &mut BTreeMap<(String, String, Option<String>), RecordSet>, r: RecordSet| {
        let r = r.normalize();
        out.insert((r.name.to_string(), r.rtype.to_string(), r.set_identifier.clone()), r);
    };
    add(
        &mut out,
        simple(
            zone,
            "SOA",
            900,
            vec![
                "ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400".into(),
            ],
        ),
    );
    add(
        &mut out,
        simple(
            zone,
            "NS",
            172_800,
            vec!["ns-1.awsdns-01.org.".into(), "ns-2.awsdns-02.co.uk.".into()],
        ),
    );
    add(&mut out, simple(&format!("*.wild.{zone}"), "A", 60, vec!["192.0.2.7".into()]));
    add(
        &mut out,
        simple(&format!("_acme-challenge.{zone}"), "TXT", 60, vec!["\"token-1\"".into()]),
    );
    add(
        &mut out,
        simple(
            zone,
            "MX",
            300,
            vec!["10 mail.example.net.".into(), "20 mail2.example.net.".into()],
        ),
    );
    add(
        &mut out,
        simple(&format!("_sip._tcp.{zone}"), "SRV", 300, vec!["10 5 5060 sip.example.net.".into()]),
    );
    add(&mut out, simple(zone, "CAA", 300, vec!["0 issue \"amazon.com\"".into()]));
    add(
        &mut out,
        policy(
            &format!("tp.{zone}"),
            "A",
            None,
            Routing {
                traffic_policy_instance_id: Some("0f8a5d2c-0000-4000-8000-000000000001".into()),
                ..Routing::default()
            },
            None,
        ),
    );
    // A weighted group wider than a 100-record page: paging continues by set identifier.
    let group = if big_group { 240 } else { 4 };
    for w in 0..group {
        add(&mut out, weighted(&format!("www.{zone}"), &format!("w{w:03}"), w as i64 % 256, rng));
    }
    let mut n = 0usize;
    while out.len() < size {
        let host = format!("h{n}.{zone}");
        n += 1;
        add(&mut out, random_record(rng, &host, n));
    }
    out.into_values().collect()
}

/// A record of a policy chosen by `n`, so every policy appears in every zone of some size.
pub fn random_record(rng: &mut StdRng, host: &str, n: usize) -> RecordSet {
    let ip = |rng: &mut StdRng| {
        format!("198.51.{}.{}", rng.random_range(0..256), rng.random_range(1..255))
    };
    match n % 12 {
        0 => simple(host, "A", 300, vec![ip(rng), ip(rng)]),
        1 => simple(host, "AAAA", 300, vec![format!("2001:db8::{:x}", rng.random_range(1..65535))]),
        2 => simple(
            host,
            "CNAME",
            60,
            vec![format!("target{}.example.net.", rng.random_range(0..1000))],
        ),
        3 => simple(
            host,
            "TXT",
            300,
            vec![
                format!("\"v=spf1 include:{} -all\"", rng.random_range(0..1000)),
                "\"second string\"".into(),
            ],
        ),
        4 => weighted(host, "blue", rng.random_range(0..256), rng),
        5 => policy(
            host,
            "A",
            Some("eu"),
            Routing { region: Some("eu-west-1".into()), ..Routing::default() },
            Some(vec![ip(rng)]),
        ),
        6 => policy(
            host,
            "A",
            Some("primary"),
            Routing {
                failover: Some("PRIMARY".into()),
                health_check_id: Some(format!("hc-{}", rng.random_range(0..1000))),
                ..Routing::default()
            },
            Some(vec![ip(rng)]),
        ),
        7 => policy(
            host,
            "A",
            Some("de"),
            Routing {
                geo_location: Some(GeoLocation {
                    continent_code: None,
                    country_code: Some("DE".into()),
                    subdivision_code: None,
                }),
                ..Routing::default()
            },
            Some(vec![ip(rng)]),
        ),
        8 => policy(
            host,
            "A",
            Some("near"),
            Routing {
                geoproximity_location: Some(GeoProximityLocation {
                    aws_region: None,
                    local_zone_group: None,
                    coordinates: Some(Coordinates {
                        latitude: "49.22".into(),
                        longitude: "-74.01".into(),
                    }),
                    bias: Some(rng.random_range(-99..100)),
                }),
                ..Routing::default()
            },
            Some(vec![ip(rng)]),
        ),
        9 => policy(
            host,
            "A",
            Some("office"),
            Routing {
                cidr_routing: Some(CidrRouting {
                    collection_id: "c8c02a84-aaaa-4bbb-8ccc-0123456789ab".into(),
                    location_name: "office".into(),
                }),
                ..Routing::default()
            },
            Some(vec![ip(rng)]),
        ),
        10 => policy(
            host,
            "A",
            Some("m1"),
            Routing { multivalue_answer: Some(true), ..Routing::default() },
            Some(vec![ip(rng)]),
        ),
        _ => RecordSet {
            name: RecordName::parse(host).expect("corpus names are valid"),
            rtype: RecordType::A,
            set_identifier: None,
            ttl: None,
            values: Vec::new(),
            alias_target: Some(AliasTarget {
                hosted_zone_id: "Z2FDTNDATAQYW2".into(),
                dns_name: format!("d{}.cloudfront.net.", rng.random_range(0..100_000)),
                evaluate_target_health: false,
            }),
            routing: Routing::default(),
        },
    }
}

fn simple(name: &str, rtype: &str, ttl: i64, values: Vec<String>) -> RecordSet {
    RecordSet {
        name: RecordName::parse(name).expect("corpus names are valid"),
        rtype: RecordType::parse(rtype).expect("corpus types are valid"),
        set_identifier: None,
        ttl: Some(ttl),
        values,
        alias_target: None,
        routing: Routing::default(),
    }
}

fn policy(
    name: &str,
    rtype: &str,
    set_id: Option<&str>,
    routing: Routing,
    values: Option<Vec<String>>,
) -> RecordSet {
    RecordSet {
        name: RecordName::parse(name).expect("corpus names are valid"),
        rtype: RecordType::parse(rtype).expect("corpus types are valid"),
        set_identifier: set_id.map(str::to_owned),
        ttl: values.as_ref().map(|_| 60),
        values: values.unwrap_or_default(),
        alias_target: None,
        routing,
    }
}

fn weighted(name: &str, set_id: &str, weight: i64, rng: &mut StdRng) -> RecordSet {
    policy(
        name,
        "A",
        Some(set_id),
        Routing { weight: Some(weight), ..Routing::default() },
        Some(vec![format!("203.0.113.{}", rng.random_range(1..255))]),
    )
}

/// A change made to Route 53 (the fake) while zonetrail watches, with its CloudTrail event.
#[derive(Debug, Clone)]
pub enum Mutation {
    Create(ZoneId, RecordSet),
    Change(ZoneId, RecordSet),
    Delete(ZoneId, RecordSet),
}

impl Mutation {
    pub fn key(&self) -> RecordKey {
        let (zone, r) = self.parts();
        r.key(zone)
    }

    pub fn parts(&self) -> (&ZoneId, &RecordSet) {
        match self {
            Mutation::Create(z, r) | Mutation::Change(z, r) | Mutation::Delete(z, r) => (z, r),
        }
    }

    /// The history action zonetrail must record for it.
    pub fn action(&self) -> &'static str {
        match self {
            Mutation::Create(..) => "create",
            Mutation::Change(..) => "update",
            Mutation::Delete(..) => "delete",
        }
    }
}

/// `count` changes, creates and deletes of distinct keys (one change per key, so that no two
/// events of a key fall in one CloudTrail second). Traffic-policy records and the apex are left
/// alone: their events do not carry the records, and the ingest would sweep the zone instead.
pub fn mutations(
    rng: &mut StdRng,
    truth: &BTreeMap<RecordKey, RecordSet>,
    count: usize,
) -> Vec<Mutation> {
    let candidates: Vec<(&RecordKey, &RecordSet)> = truth
        .iter()
        .filter(|(_, r)| {
            r.routing.traffic_policy_instance_id.is_none()
                && !matches!(r.rtype, RecordType::Soa | RecordType::Ns)
        })
        .collect();
    let picked: Vec<&(&RecordKey, &RecordSet)> = candidates.choose_multiple(rng, count).collect();
    picked
        .into_iter()
        .enumerate()
        .map(|(i, (key, record))| match i % 3 {
            0 => Mutation::Change(key.zone_id.clone(), changed(rng, record)),
            1 => Mutation::Delete(key.zone_id.clone(), (*record).clone()),
            _ => {
                let zone_name = truth
                    .keys()
                    .find(|k| k.zone_id == key.zone_id && matches!(k.rtype, RecordType::Soa))
                    .map(|k| k.name.to_string())
                    .expect("every zone has an SOA");
                let host = format!("new{i}.{zone_name}");
                let policy = rng.random_range(0..12);
                Mutation::Create(key.zone_id.clone(), random_record(rng, &host, policy).normalize())
            }
        })
        .collect()
}

/// The same key with different content, as an UPSERT would leave it.
fn changed(rng: &mut StdRng, record: &RecordSet) -> RecordSet {
    let mut r = record.clone();
    if let Some(alias) = &mut r.alias_target {
        alias.evaluate_target_health = !alias.evaluate_target_health;
    } else {
        r.ttl = Some(r.ttl.unwrap_or(60) + 1 + rng.random_range(0..100));
        if let Some(w) = &mut r.routing.weight {
            *w = (*w + 1) % 256;
        }
    }
    r.normalize()
}
