//! A restore: the Route 53 change batches that take a zone from its current record sets to
//! the record sets it had at a past time.
//!
//! Pure functions of two inventories: the caller reads both (the current state and the state
//! as of the restore point) and this module diffs them by exact key (name, type, set
//! identifier) and packs the changes into requests Route 53 accepts. Each batch serialises to
//! exactly the JSON `aws route53 change-resource-record-sets --change-batch file://…` takes.
//!
//! Route 53's per-request limits (awsdocs/amazon-route53-docs `doc_source/DNSLimitations.md`,
//! quoted in /work/shared/reference/aws-facts.md §2 and §9): at most 1,000 `ResourceRecord`
//! elements and at most 32,000 characters summed over all `Value` elements, both counted twice
//! for an `UPSERT`. An alias has neither element nor value; aws-facts does not say how Route 53
//! counts it, so it is counted conservatively as one element carrying its DNS name's
//! characters. Characters are counted as UTF-8 bytes, never fewer than characters.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
    AliasTarget, CidrRouting, GeoLocation, GeoProximityLocation, RecordName, RecordSet, RecordType,
};

/// How much one `ChangeResourceRecordSets` request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// `ResourceRecord` elements, an UPSERT's counted twice, an alias counted as one.
    pub max_elements: usize,
    /// Characters over all `Value` elements, an UPSERT's counted twice.
    pub max_value_chars: usize,
    /// `Change` elements. Current Route 53 documentation states no such limit (older API
    /// references said 100); every change counts at least one element, so the element limit
    /// already caps changes at 1,000.
    pub max_changes: usize,
}

impl BatchLimits {
    /// Route 53's documented limits (see the module documentation).
    pub const ROUTE53: BatchLimits =
        BatchLimits { max_elements: 1_000, max_value_chars: 32_000, max_changes: 1_000 };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    Delete,
    Upsert,
    Create,
}

/// One request body for `ChangeResourceRecordSets`, in the AWS CLI's JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeBatch {
    pub comment: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Change {
    pub action: Action,
    pub resource_record_set: ResourceRecordSet,
}

/// A record set as Route 53's API spells it. `TrafficPolicyInstanceId` is never sent: Route 53
/// sets it, and record sets of a traffic policy instance are left out of a restore.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceRecordSet {
    pub name: String,
    #[serde(rename = "Type")]
    pub rtype: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<ApiGeoLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<ApiCidrRouting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<ApiGeoProximity>,
    #[serde(rename = "TTL", skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_records: Option<Vec<ApiValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<ApiAliasTarget>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiValue {
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiGeoLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiCidrRouting {
    pub collection_id: String,
    pub location_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiCoordinates {
    pub latitude: String,
    pub longitude: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiGeoProximity {
    #[serde(rename = "AWSRegion", skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_zone_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<ApiCoordinates>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bias: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiAliasTarget {
    pub hosted_zone_id: String,
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    pub evaluate_target_health: bool,
}

impl From<&RecordSet> for ResourceRecordSet {
    fn from(r: &RecordSet) -> Self {
        let geo = r.routing.geo_location.as_ref().map(|g: &GeoLocation| ApiGeoLocation {
            continent_code: g.continent_code.clone(),
            country_code: g.country_code.clone(),
            subdivision_code: g.subdivision_code.clone(),
        });
        let cidr = r.routing.cidr_routing.as_ref().map(|c: &CidrRouting| ApiCidrRouting {
            collection_id: c.collection_id.clone(),
            location_name: c.location_name.clone(),
        });
        let proximity = r.routing.geoproximity_location.as_ref().map(|p: &GeoProximityLocation| {
            ApiGeoProximity {
                aws_region: p.aws_region.clone(),
                local_zone_group: p.local_zone_group.clone(),
                coordinates: p.coordinates.as_ref().map(|c| ApiCoordinates {
                    latitude: c.latitude.clone(),
                    longitude: c.longitude.clone(),
                }),
                bias: p.bias,
            }
        });
        let alias = r.alias_target.as_ref().map(|a: &AliasTarget| ApiAliasTarget {
            hosted_zone_id: a.hosted_zone_id.clone(),
            dns_name: a.dns_name.clone(),
            evaluate_target_health: a.evaluate_target_health,
        });
        // An alias has no TTL and no values: Route 53 rejects either beside an alias target.
        let (ttl, records) = if alias.is_some() {
            (None, None)
        } else {
            (r.ttl, Some(r.values.iter().map(|v| ApiValue { value: v.clone() }).collect()))
        };
        ResourceRecordSet {
            // The stored form (`*.example.com.`, `a\056b.example.com.`): Route 53 accepts it
            // in a request and stores the same name as its own escaped form.
            name: r.name.as_str().to_owned(),
            rtype: r.rtype.as_str().to_owned(),
            set_identifier: r.set_identifier.clone(),
            weight: r.routing.weight,
            region: r.routing.region.clone(),
            geo_location: geo,
            failover: r.routing.failover.clone(),
            multi_value_answer: r.routing.multivalue_answer,
            health_check_id: r.routing.health_check_id.clone(),
            cidr_routing_config: cidr,
            geo_proximity_location: proximity,
            ttl,
            resource_records: records,
            alias_target: alias,
        }
    }
}

impl Change {
    /// `ResourceRecord` elements this change counts for (an alias as one; UPSERT twice).
    pub fn elements(&self) -> usize {
        let rrs = &self.resource_record_set;
        let n = match (&rrs.alias_target, &rrs.resource_records) {
            (Some(_), _) => 1,
            (None, Some(values)) => values.len().max(1),
            (None, None) => 1,
        };
        n * self.weight()
    }

    /// Characters of `Value` elements this change counts for (an alias its DNS name's; UPSERT
    /// twice).
    pub fn value_chars(&self) -> usize {
        let rrs = &self.resource_record_set;
        let alias = rrs.alias_target.as_ref().map_or(0, |a| a.dns_name.len());
        let values: usize =
            rrs.resource_records.iter().flatten().map(|v| v.value.len()).sum::<usize>();
        (alias + values) * self.weight()
    }

    fn weight(&self) -> usize {
        if self.action == Action::Upsert { 2 } else { 1 }
    }

    fn fits(&self, limits: &BatchLimits) -> bool {
        self.elements() <= limits.max_elements && self.value_chars() <= limits.max_value_chars
    }
}

/// How many changes of each kind a restore makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    pub creates: usize,
    pub deletes: usize,
    pub upserts: usize,
    pub batches: usize,
}

/// A record set left out of a restore, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub name: RecordName,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    pub set_identifier: Option<String>,
    pub reason: &'static str,
}

/// Everything a restore does: the batches in the order to apply them, their counts, and the
/// record sets it leaves alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestorePlan {
    pub batches: Vec<ChangeBatch>,
    pub summary: RestoreSummary,
    pub skipped: Vec<Skipped>,
}

type Key = (RecordName, RecordType, Option<String>);

fn key(r: &RecordSet) -> Key {
    (r.name.clone(), r.rtype.clone(), r.set_identifier.clone().filter(|s| !s.is_empty()))
}

fn is_apex_soa_or_ns(zone: &RecordName, r: &RecordSet) -> bool {
    r.name == *zone && matches!(r.rtype, RecordType::Soa | RecordType::Ns)
}

/// The change batches that take a zone from `current` to `target`, with the default
/// [`BatchLimits::ROUTE53`]. See [`plan_restore`].
pub fn restore_batches(
    zone_name: &RecordName,
    current: &[RecordSet],
    target: &[RecordSet],
    restore_point: &str,
) -> Vec<ChangeBatch> {
    plan_restore(zone_name, current, target, restore_point, &BatchLimits::ROUTE53).batches
}

/// Count the creates, deletes and upserts in `batches` (a dry run's summary).
pub fn summarize(batches: &[ChangeBatch]) -> RestoreSummary {
    let mut s = RestoreSummary { batches: batches.len(), ..RestoreSummary::default() };
    for c in batches.iter().flat_map(|b| &b.changes) {
        match c.action {
            Action::Create => s.creates += 1,
            Action::Delete => s.deletes += 1,
            Action::Upsert => s.upserts += 1,
        }
    }
    s
}

/// Plan a restore of the zone `zone_name` from `current` to `target` (`restore_point`, an
/// RFC 3339 time, is only named in each batch's comment).
///
/// - Record sets are matched by exact key (name, type, set identifier): a key only in
///   `current` is DELETEd with its exact current content (Route 53 rejects a DELETE whose
///   values differ), a key only in `target` is CREATEd, a key whose content differs is
///   UPSERTed to the target's content.
/// - The apex SOA and NS are never touched.
/// - Record sets that belong to a traffic policy instance (either side) are skipped: Route 53
///   manages them through the instance, not through `ChangeResourceRecordSets`.
/// - Order: changes are grouped by name, each name's DELETEs first, then UPSERTs, then
///   CREATEs, so a CNAME is gone before an A of the same name arrives, and a simple record
///   before weighted members of the same name and type. A name's group stays in one batch
///   whenever it fits in one; a group that does not fit continues in the next batch, still in
///   order. Groups that delete an alias pointing inside the zone come first and groups that
///   create or update one come last, so an alias never points at a record not yet restored
///   (alias chains deeper than one level are not ordered further). Names sort by their
///   reversed labels, so a zone's tree is restored parents first.
/// - An UPSERT too large for one request on its own (it counts twice) becomes a DELETE and a
///   CREATE that each fit; a lone CREATE or DELETE beyond the limits (Route 53 would not have
///   accepted the record set either) is still emitted, alone in its batch.
pub fn plan_restore(
    zone_name: &RecordName,
    current: &[RecordSet],
    target: &[RecordSet],
    restore_point: &str,
    limits: &BatchLimits,
) -> RestorePlan {
    let mut skipped = Vec::new();
    let mut index = |records: &[RecordSet]| -> BTreeMap<Key, RecordSet> {
        let mut map = BTreeMap::new();
        for r in records {
            if is_apex_soa_or_ns(zone_name, r) {
                continue;
            }
            if r.routing.traffic_policy_instance_id.is_some() {
                let (name, rtype, set_identifier) = key(r);
                let s = Skipped {
                    name,
                    rtype,
                    set_identifier,
                    reason: "managed by a traffic policy instance",
                };
                if !skipped.contains(&s) {
                    skipped.push(s);
                }
                continue;
            }
            map.insert(key(r), r.clone().normalize());
        }
        map
    };
    let current = index(current);
    let target = index(target);
    // A key skipped on one side is left alone on the other side too.
    let skipped_keys: Vec<Key> = skipped
        .iter()
        .map(|s| (s.name.clone(), s.rtype.clone(), s.set_identifier.clone()))
        .collect();

    // Per name: the changes in DELETE, UPSERT, CREATE order.
    let mut groups: BTreeMap<RecordName, Vec<Change>> = BTreeMap::new();
    let change = |action, r: &RecordSet| Change { action, resource_record_set: r.into() };
    for (k, cur) in &current {
        if skipped_keys.contains(k) {
            continue;
        }
        match target.get(k) {
            None => groups.entry(k.0.clone()).or_default().push(change(Action::Delete, cur)),
            Some(t) if t != cur => {
                let upsert = change(Action::Upsert, t);
                let group = groups.entry(k.0.clone()).or_default();
                if upsert.fits(limits) {
                    group.push(upsert);
                } else {
                    group.push(change(Action::Delete, cur));
                    group.push(change(Action::Create, t));
                }
            }
            Some(_) => {}
        }
    }
    for (k, t) in &target {
        if !current.contains_key(k) && !skipped_keys.contains(k) {
            groups.entry(k.0.clone()).or_default().push(change(Action::Create, t));
        }
    }

    let in_zone_alias = |c: &Change| {
        c.resource_record_set
            .alias_target
            .as_ref()
            .is_some_and(|a| RecordName::parse(&a.dns_name).is_ok_and(|n| n.is_within(zone_name)))
    };
    let mut ordered: Vec<(u8, String, Vec<Change>)> = groups
        .into_iter()
        .map(|(name, mut changes)| {
            // Stable: DELETEs, then UPSERTs, then CREATEs; within each, by type and set id
            // (the BTreeMap order).
            changes.sort_by_key(|c| c.action);
            let creates_alias =
                changes.iter().any(|c| c.action != Action::Delete && in_zone_alias(c));
            let deletes_alias =
                changes.iter().any(|c| c.action == Action::Delete && in_zone_alias(c));
            let tier = if creates_alias {
                2
            } else if deletes_alias {
                0
            } else {
                1
            };
            (tier, name.reversed(), changes)
        })
        .collect();
    ordered.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));

    let mut batches: Vec<Vec<Change>> = Vec::new();
    let mut open = Open::default();
    for (_, _, changes) in ordered {
        let group = Open::of(&changes);
        if !open.changes.is_empty() && !open.can_take(&group, limits) {
            batches.push(std::mem::take(&mut open).changes);
        }
        for c in changes {
            let one = Open::of(std::slice::from_ref(&c));
            if !open.changes.is_empty() && !open.can_take(&one, limits) {
                batches.push(std::mem::take(&mut open).changes);
            }
            open.add(c);
        }
    }
    if !open.changes.is_empty() {
        batches.push(open.changes);
    }

    let total = batches.len();
    let batches: Vec<ChangeBatch> = batches
        .into_iter()
        .enumerate()
        .map(|(i, changes)| ChangeBatch {
            comment: format!("zonetrail restore to {restore_point} (batch {} of {total})", i + 1),
            changes,
        })
        .collect();
    let summary = summarize(&batches);
    RestorePlan { batches, summary, skipped }
}

/// The batch being filled, with its running counts.
#[derive(Default)]
struct Open {
    changes: Vec<Change>,
    count: usize,
    elements: usize,
    chars: usize,
}

impl Open {
    /// The counts of `changes` (the changes themselves are not copied).
    fn of(changes: &[Change]) -> Open {
        Open {
            changes: Vec::new(),
            count: changes.len(),
            elements: changes.iter().map(Change::elements).sum(),
            chars: changes.iter().map(Change::value_chars).sum(),
        }
    }

    fn can_take(&self, more: &Open, limits: &BatchLimits) -> bool {
        self.changes.len() + more.count <= limits.max_changes
            && self.elements + more.elements <= limits.max_elements
            && self.chars + more.chars <= limits.max_value_chars
    }

    fn add(&mut self, c: Change) {
        self.elements += c.elements();
        self.chars += c.value_chars();
        self.changes.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Coordinates, Routing};
    use serde_json::{Value, json};

    const AT: &str = "2026-12-01T09:00:00Z";

    fn n(s: &str) -> RecordName {
        RecordName::parse(s).unwrap()
    }

    fn zone() -> RecordName {
        n("example.com")
    }

    fn rec(name: &str, rtype: RecordType, ttl: i64, values: &[&str]) -> RecordSet {
        RecordSet {
            name: n(name),
            rtype,
            set_identifier: None,
            ttl: Some(ttl),
            values: values.iter().map(|v| v.to_string()).collect(),
            alias_target: None,
            routing: Routing::default(),
        }
    }

    fn routed(name: &str, id: &str, routing: Routing) -> RecordSet {
        RecordSet {
            set_identifier: Some(id.into()),
            routing,
            ..rec(name, RecordType::A, 60, &["192.0.2.1"])
        }
    }

    fn alias(name: &str, dns: &str) -> RecordSet {
        RecordSet {
            ttl: None,
            values: vec![],
            alias_target: Some(AliasTarget {
                hosted_zone_id: "Z2FDTNDATAQYW2".into(),
                dns_name: dns.into(),
                evaluate_target_health: true,
            }),
            ..rec(name, RecordType::A, 0, &[])
        }
    }

    fn apex() -> Vec<RecordSet> {
        vec![
            rec(
                "example.com",
                RecordType::Soa,
                900,
                &["ns-1.awsdns-1.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
            ),
            rec("example.com", RecordType::Ns, 172800, &["ns-1.awsdns-1.org."]),
        ]
    }

    fn json_of(batches: &[ChangeBatch]) -> Value {
        serde_json::to_value(batches).unwrap()
    }

    /// Every routing kind, each in its own name so the order is predictable.
    fn routing_sets() -> Vec<RecordSet> {
        vec![
            routed("w.example.com", "blue", Routing { weight: Some(70), ..Routing::default() }),
            routed(
                "l.example.com",
                "use1",
                Routing { region: Some("us-east-1".into()), ..Routing::default() },
            ),
            routed(
                "g.example.com",
                "de",
                Routing {
                    geo_location: Some(GeoLocation {
                        continent_code: None,
                        country_code: Some("US".into()),
                        subdivision_code: Some("WA".into()),
                    }),
                    ..Routing::default()
                },
            ),
            routed(
                "f.example.com",
                "primary",
                Routing {
                    failover: Some("PRIMARY".into()),
                    health_check_id: Some("hc-1".into()),
                    ..Routing::default()
                },
            ),
            routed(
                "m.example.com",
                "mv1",
                Routing { multivalue_answer: Some(true), ..Routing::default() },
            ),
            routed(
                "c.example.com",
                "office",
                Routing {
                    cidr_routing: Some(CidrRouting {
                        collection_id: "c-1".into(),
                        location_name: "hq".into(),
                    }),
                    ..Routing::default()
                },
            ),
            routed(
                "p.example.com",
                "near",
                Routing {
                    geoproximity_location: Some(GeoProximityLocation {
                        aws_region: None,
                        local_zone_group: None,
                        coordinates: Some(Coordinates {
                            latitude: "49.22".into(),
                            longitude: "-74.01".into(),
                        }),
                        bias: Some(-10),
                    }),
                    ..Routing::default()
                },
            ),
        ]
    }

    #[test]
    fn every_routing_kind_keeps_its_set_identifier_and_fields() {
        let batches = restore_batches(&zone(), &apex(), &routing_sets(), AT);
        assert_eq!(batches.len(), 1);
        let sets: Vec<Value> = json_of(&batches)[0]["Changes"]
            .as_array()
            .unwrap()
            .iter()
            .inspect(|c| assert_eq!(c["Action"], "CREATE"))
            .map(|c| c["ResourceRecordSet"].clone())
            .collect();
        let by_name = |name: &str| {
            sets.iter().find(|s| s["Name"] == name).unwrap_or_else(|| panic!("{name} missing"))
        };
        let w = by_name("w.example.com.");
        assert_eq!(w["SetIdentifier"], "blue");
        assert_eq!(w["Weight"], 70);
        assert_eq!(w["Type"], "A");
        assert_eq!(w["TTL"], 60);
        assert_eq!(w["ResourceRecords"], json!([{"Value": "192.0.2.1"}]));
        assert_eq!(by_name("l.example.com.")["Region"], "us-east-1");
        assert_eq!(
            by_name("g.example.com.")["GeoLocation"],
            json!({"CountryCode": "US", "SubdivisionCode": "WA"})
        );
        assert_eq!(by_name("f.example.com.")["Failover"], "PRIMARY");
        assert_eq!(by_name("f.example.com.")["HealthCheckId"], "hc-1");
        assert_eq!(by_name("m.example.com.")["MultiValueAnswer"], true);
        assert_eq!(
            by_name("c.example.com.")["CidrRoutingConfig"],
            json!({"CollectionId": "c-1", "LocationName": "hq"})
        );
        assert_eq!(
            by_name("p.example.com.")["GeoProximityLocation"],
            json!({"Coordinates": {"Latitude": "49.22", "Longitude": "-74.01"}, "Bias": -10})
        );
        for s in &sets {
            assert!(s["SetIdentifier"].is_string(), "{s}");
            assert!(s.get("AliasTarget").is_none() && s.get("TrafficPolicyInstanceId").is_none());
        }
        // Restoring the other way deletes each with its exact content.
        let back = restore_batches(&zone(), &routing_sets(), &apex(), AT);
        let j = json_of(&back);
        let changes = j[0]["Changes"].as_array().unwrap();
        assert_eq!(changes.len(), 7);
        assert!(changes.iter().all(|c| c["Action"] == "DELETE"));
        let w =
            changes.iter().find(|c| c["ResourceRecordSet"]["Name"] == "w.example.com.").unwrap();
        assert_eq!(w["ResourceRecordSet"], by_name("w.example.com.").clone());
    }

    #[test]
    fn changed_weight_is_an_upsert_and_a_removed_member_a_delete() {
        let blue =
            routed("w.example.com", "blue", Routing { weight: Some(70), ..Routing::default() });
        let green =
            routed("w.example.com", "green", Routing { weight: Some(30), ..Routing::default() });
        let mut blue_all = blue.clone();
        blue_all.routing.weight = Some(100);
        let plan = plan_restore(
            &zone(),
            &[blue_all, green.clone()],
            &[blue, green.clone()],
            AT,
            &BatchLimits::ROUTE53,
        );
        assert_eq!(plan.summary, RestoreSummary { creates: 0, deletes: 0, upserts: 1, batches: 1 });
        let j = json_of(&plan.batches);
        assert_eq!(j[0]["Changes"][0]["Action"], "UPSERT");
        assert_eq!(j[0]["Changes"][0]["ResourceRecordSet"]["Weight"], 70);
        assert_eq!(j[0]["Changes"][0]["ResourceRecordSet"]["SetIdentifier"], "blue");

        let removed = restore_batches(&zone(), &[green], &[], AT);
        assert_eq!(summarize(&removed).deletes, 1);
        assert_eq!(
            json_of(&removed)[0]["Changes"][0]["ResourceRecordSet"]["SetIdentifier"],
            "green"
        );
    }

    #[test]
    fn aliases_keep_their_targets_without_ttl_or_values() {
        let target = [alias("www.example.com", "d111.cloudfront.net.")];
        let j = json_of(&restore_batches(&zone(), &[], &target, AT));
        let set = &j[0]["Changes"][0]["ResourceRecordSet"];
        assert_eq!(
            set["AliasTarget"],
            json!({"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d111.cloudfront.net.", "EvaluateTargetHealth": true})
        );
        assert!(set.get("TTL").is_none() && set.get("ResourceRecords").is_none(), "{set}");
    }

    #[test]
    fn apex_soa_and_ns_are_never_touched() {
        let mut changed_apex = apex();
        changed_apex[0].values = vec!["other. soa. 2 1 1 1 1".into()];
        changed_apex[1].values = vec!["ns-9.example.net.".into()];
        // Differ, and exist on one side only: still nothing.
        assert!(restore_batches(&zone(), &changed_apex, &apex(), AT).is_empty());
        assert!(restore_batches(&zone(), &apex(), &[], AT).is_empty());
        assert!(restore_batches(&zone(), &[], &apex(), AT).is_empty());
        // A delegation below the apex is an ordinary record set.
        let sub = rec("sub.example.com", RecordType::Ns, 300, &["ns1.example.net."]);
        assert_eq!(summarize(&restore_batches(&zone(), &[], &[sub], AT)).creates, 1);
    }

    #[test]
    fn a_no_op_restore_yields_no_batch_whatever_the_value_order() {
        let a = rec("a.example.com", RecordType::A, 60, &["192.0.2.2", "192.0.2.1"]);
        let b = rec("a.example.com", RecordType::A, 60, &["192.0.2.1", "192.0.2.2"]);
        let mut current = apex();
        current.push(a);
        current.extend(routing_sets());
        let mut target = routing_sets();
        target.push(b);
        let plan = plan_restore(&zone(), &current, &target, AT, &BatchLimits::ROUTE53);
        assert!(plan.batches.is_empty());
        assert_eq!(plan.summary, RestoreSummary::default());
    }

    #[test]
    fn a_names_deletes_come_before_its_creates_in_one_batch() {
        let cname = rec("www.example.com", RecordType::Cname, 300, &["app.example.net."]);
        let a = rec("www.example.com", RecordType::A, 300, &["192.0.2.7"]);
        let simple = rec("api.example.com", RecordType::A, 60, &["192.0.2.1"]);
        let weighted =
            routed("api.example.com", "blue", Routing { weight: Some(1), ..Routing::default() });
        let batches = restore_batches(&zone(), &[cname, simple], &[a, weighted], AT);
        assert_eq!(batches.len(), 1);
        let actions: Vec<(String, Action)> = batches[0]
            .changes
            .iter()
            .map(|c| (c.resource_record_set.name.clone(), c.action))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("api.example.com.".to_string(), Action::Delete),
                ("api.example.com.".to_string(), Action::Create),
                ("www.example.com.".to_string(), Action::Delete),
                ("www.example.com.".to_string(), Action::Create),
            ]
        );
        assert_eq!(batches[0].comment, format!("zonetrail restore to {AT} (batch 1 of 1)"));
    }

    #[test]
    fn a_names_group_moves_whole_to_the_next_batch_rather_than_split() {
        let limits = BatchLimits { max_elements: 3, max_value_chars: 32_000, max_changes: 1_000 };
        let current = [rec("b.example.com", RecordType::Cname, 300, &["x.example.net."])];
        let target = [
            rec("a.example.com", RecordType::A, 60, &["192.0.2.1"]),
            rec("a.example.com", RecordType::Txt, 60, &["\"a\""]),
            rec("b.example.com", RecordType::A, 60, &["192.0.2.2"]),
        ];
        let plan = plan_restore(&zone(), &current, &target, AT, &limits);
        let shape: Vec<Vec<(String, Action)>> = plan
            .batches
            .iter()
            .map(|b| {
                b.changes.iter().map(|c| (c.resource_record_set.name.clone(), c.action)).collect()
            })
            .collect();
        let a = "a.example.com.".to_string();
        let b = "b.example.com.".to_string();
        assert_eq!(
            shape,
            vec![
                vec![(a.clone(), Action::Create), (a, Action::Create)],
                vec![(b.clone(), Action::Delete), (b, Action::Create)],
            ]
        );
        assert_eq!(plan.batches[1].comment, format!("zonetrail restore to {AT} (batch 2 of 2)"));
    }

    #[test]
    fn an_alias_to_a_record_in_the_zone_comes_after_that_record() {
        let target = [
            alias("a.example.com", "z.example.com."),
            rec("z.example.com", RecordType::A, 60, &["192.0.2.1"]),
        ];
        let batches = restore_batches(&zone(), &[], &target, AT);
        let names: Vec<&str> =
            batches[0].changes.iter().map(|c| c.resource_record_set.name.as_str()).collect();
        assert_eq!(names, vec!["z.example.com.", "a.example.com."]);
        let back = restore_batches(&zone(), &target, &[], AT);
        let names: Vec<&str> =
            back[0].changes.iter().map(|c| c.resource_record_set.name.as_str()).collect();
        assert_eq!(names, vec!["a.example.com.", "z.example.com."]);
    }

    #[test]
    fn traffic_policy_record_sets_are_skipped_and_reported() {
        let mut tp = rec("tp.example.com", RecordType::A, 60, &["192.0.2.1"]);
        tp.routing.traffic_policy_instance_id = Some("tpi-1".into());
        let plan = plan_restore(&zone(), &[tp], &[], AT, &BatchLimits::ROUTE53);
        assert!(plan.batches.is_empty());
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].name, n("tp.example.com"));
    }

    /// The limits, counted here from the JSON independently of the module's own counters.
    fn assert_within_route53_limits(batches: &[ChangeBatch]) {
        for (i, b) in json_of(batches).as_array().unwrap().iter().enumerate() {
            let changes = b["Changes"].as_array().unwrap();
            let (mut elements, mut chars) = (0, 0);
            for c in changes {
                let twice = if c["Action"] == "UPSERT" { 2 } else { 1 };
                let set = &c["ResourceRecordSet"];
                if let Some(a) = set.get("AliasTarget") {
                    elements += twice;
                    chars += twice * a["DNSName"].as_str().unwrap().len();
                }
                for v in set["ResourceRecords"].as_array().into_iter().flatten() {
                    elements += twice;
                    chars += twice * v["Value"].as_str().unwrap().chars().count();
                }
            }
            assert!(changes.len() <= 1000, "batch {i}: {} changes", changes.len());
            assert!(elements <= 1000, "batch {i}: {elements} ResourceRecord elements");
            assert!(chars <= 32_000, "batch {i}: {chars} value characters");
        }
    }

    #[test]
    fn a_large_restore_splits_into_batches_within_every_limit() {
        // 3,000 deleted records of one value and 3,000 created: 6,000 elements.
        let old: Vec<RecordSet> = (0..3000)
            .map(|i| rec(&format!("old{i}.example.com"), RecordType::A, 60, &["192.0.2.1"]))
            .collect();
        let new: Vec<RecordSet> = (0..3000)
            .map(|i| rec(&format!("new{i}.example.com"), RecordType::A, 60, &["192.0.2.2"]))
            .collect();
        let batches = restore_batches(&zone(), &old, &new, AT);
        assert_within_route53_limits(&batches);
        assert_eq!(batches.len(), 6);
        let s = summarize(&batches);
        assert_eq!((s.creates, s.deletes, s.upserts, s.batches), (3000, 3000, 0, 6));
        assert_eq!(batches[5].comment, format!("zonetrail restore to {AT} (batch 6 of 6)"));

        // UPSERTs count twice: 1,500 changed records need at least 3 batches.
        let changed: Vec<RecordSet> = old
            .iter()
            .map(|r| RecordSet { values: vec!["192.0.2.9".into()], ..r.clone() })
            .collect();
        let batches = restore_batches(&zone(), &old, &changed[..1500], AT);
        assert_within_route53_limits(&batches);
        let s = summarize(&batches);
        assert_eq!((s.upserts, s.deletes), (1500, 1500));

        // Long TXT values: 200 records of two 255-character strings hit the character limit.
        let long = format!("\"{}\" \"{}\"", "a".repeat(255), "b".repeat(255));
        let txt: Vec<RecordSet> = (0..200)
            .map(|i| rec(&format!("t{i}.example.com"), RecordType::Txt, 300, &[&long]))
            .collect();
        let batches = restore_batches(&zone(), &[], &txt, AT);
        assert_within_route53_limits(&batches);
        assert!(batches.len() >= 4, "{} batches for 200 x {} chars", batches.len(), long.len());
        assert_eq!(summarize(&batches).creates, 200);
        let upserted: Vec<RecordSet> =
            txt.iter().map(|r| RecordSet { ttl: Some(60), ..r.clone() }).collect();
        let batches = restore_batches(&zone(), &txt, &upserted, AT);
        assert_within_route53_limits(&batches);
        assert!(batches.len() >= 7, "{} batches", batches.len());
    }

    #[test]
    fn an_upsert_too_large_alone_becomes_a_delete_then_a_create() {
        // 40 values of 500 characters: 20,000 to create, 40,000 as an UPSERT.
        let values: Vec<String> =
            (0..40).map(|i| format!("\"{i:03}{}\"", "x".repeat(495))).collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let big = rec("big.example.com", RecordType::Txt, 300, &refs);
        let changed = RecordSet { ttl: Some(60), ..big.clone() };
        let batches = restore_batches(&zone(), &[big], &[changed], AT);
        assert_within_route53_limits(&batches);
        let actions: Vec<Action> =
            batches.iter().flat_map(|b| b.changes.iter().map(|c| c.action)).collect();
        assert_eq!(actions, vec![Action::Delete, Action::Create]);
        assert_eq!(batches.len(), 2);
    }
}
