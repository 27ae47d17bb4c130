//! One record set described once, and seen three ways: sent to Route 53 (SDK), logged by
//! CloudTrail (an EventBridge event), and read back from zonetrail's API. Comparing the three
//! in one normal form is how the tests say "the inventory equals Route 53".

use aws_sdk_route53::types::{
    AliasTarget, GeoLocation, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rec {
    pub name: String,
    pub rtype: String,
    pub set_id: Option<String>,
    pub ttl: Option<i64>,
    /// Sorted.
    pub values: Vec<String>,
    pub weight: Option<i64>,
    pub region: Option<String>,
    pub failover: Option<String>,
    /// (continent, country, subdivision)
    pub geo: Option<(Option<String>, Option<String>, Option<String>)>,
    pub multivalue: Option<bool>,
    pub health_check: Option<String>,
    /// (hosted zone id, DNS name lower-case with a trailing dot, evaluate target health)
    pub alias: Option<(String, String, bool)>,
}

pub type Key = (String, String, Option<String>);

impl Rec {
    pub fn simple(name: &str, rtype: &str, ttl: i64, values: &[&str]) -> Self {
        let mut values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        values.sort();
        Self {
            name: name.to_ascii_lowercase(),
            rtype: rtype.to_owned(),
            set_id: None,
            ttl: Some(ttl),
            values,
            weight: None,
            region: None,
            failover: None,
            geo: None,
            multivalue: None,
            health_check: None,
            alias: None,
        }
    }

    pub fn alias(name: &str, rtype: &str, zone_id: &str, dns_name: &str, evaluate: bool) -> Self {
        Self {
            ttl: None,
            values: Vec::new(),
            alias: Some((zone_id.to_owned(), dns_name.to_owned(), evaluate)),
            ..Self::simple(name, rtype, 0, &[])
        }
    }

    pub fn set(mut self, id: &str) -> Self {
        self.set_id = Some(id.to_owned());
        self
    }
    pub fn weight(mut self, w: i64) -> Self {
        self.weight = Some(w);
        self
    }
    pub fn region(mut self, r: &str) -> Self {
        self.region = Some(r.to_owned());
        self
    }
    pub fn failover(mut self, f: &str) -> Self {
        self.failover = Some(f.to_owned());
        self
    }
    pub fn geo(
        mut self,
        continent: Option<&str>,
        country: Option<&str>,
        subdivision: Option<&str>,
    ) -> Self {
        self.geo =
            Some((continent.map(Into::into), country.map(Into::into), subdivision.map(Into::into)));
        self
    }
    pub fn multivalue(mut self) -> Self {
        self.multivalue = Some(true);
        self
    }
    pub fn health_check(mut self, id: &str) -> Self {
        self.health_check = Some(id.to_owned());
        self
    }
    pub fn with_ttl(mut self, ttl: i64) -> Self {
        self.ttl = Some(ttl);
        self
    }
    pub fn with_values(mut self, values: &[&str]) -> Self {
        self.values = values.iter().map(|v| v.to_string()).collect();
        self.values.sort();
        self
    }

    pub fn key(&self) -> Key {
        (self.name.clone(), self.rtype.clone(), self.set_id.clone())
    }

    pub fn to_sdk(&self) -> ResourceRecordSet {
        let mut b = ResourceRecordSet::builder()
            .name(&self.name)
            .r#type(RrType::from(self.rtype.as_str()))
            .set_set_identifier(self.set_id.clone())
            .set_ttl(self.ttl)
            .set_weight(self.weight)
            .set_region(self.region.as_deref().map(ResourceRecordSetRegion::from))
            .set_failover(self.failover.as_deref().map(ResourceRecordSetFailover::from))
            .set_multi_value_answer(self.multivalue)
            .set_health_check_id(self.health_check.clone());
        if !self.values.is_empty() {
            b = b.set_resource_records(Some(
                self.values
                    .iter()
                    .map(|v| ResourceRecord::builder().value(v).build().unwrap())
                    .collect(),
            ));
        }
        if let Some((continent, country, subdivision)) = &self.geo {
            b = b.geo_location(
                GeoLocation::builder()
                    .set_continent_code(continent.clone())
                    .set_country_code(country.clone())
                    .set_subdivision_code(subdivision.clone())
                    .build(),
            );
        }
        if let Some((zone, dns, evaluate)) = &self.alias {
            b = b.alias_target(
                AliasTarget::builder()
                    .hosted_zone_id(zone)
                    .dns_name(dns)
                    .evaluate_target_health(*evaluate)
                    .build()
                    .unwrap(),
            );
        }
        b.build().unwrap()
    }

    pub fn from_sdk(r: &ResourceRecordSet) -> Self {
        let alias = r.alias_target().map(|a| {
            (
                a.hosted_zone_id().trim_start_matches("/hostedzone/").to_owned(),
                dns(a.dns_name()),
                a.evaluate_target_health(),
            )
        });
        let mut values: Vec<String> =
            r.resource_records().iter().map(|v| v.value().to_owned()).collect();
        values.sort();
        Self {
            name: r.name().to_ascii_lowercase(),
            rtype: r.r#type().as_str().to_owned(),
            set_id: r.set_identifier().map(str::to_owned),
            ttl: if alias.is_some() { None } else { r.ttl() },
            values,
            weight: r.weight(),
            region: r.region().map(|x| x.as_str().to_owned()),
            failover: r.failover().map(|x| x.as_str().to_owned()),
            geo: r.geo_location().map(|g| {
                (
                    g.continent_code().map(Into::into),
                    g.country_code().map(Into::into),
                    g.subdivision_code().map(Into::into),
                )
            }),
            multivalue: r.multi_value_answer(),
            health_check: r.health_check_id().map(str::to_owned),
            alias,
        }
    }

    /// A record as `GET /api/records` shows it (docs/design.md, "Read API").
    pub fn from_api(v: &Value) -> Self {
        let s = |v: &Value| v.as_str().map(str::to_owned);
        let routing = &v["routing"];
        let geo = &routing["geo_location"];
        let alias = &v["alias_target"];
        let mut values: Vec<String> = v["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        values.sort();
        Self {
            name: s(&v["name"]).expect("name"),
            rtype: s(&v["type"]).expect("type"),
            set_id: s(&v["set_identifier"]),
            ttl: v["ttl"].as_i64(),
            values,
            weight: routing["weight"].as_i64(),
            region: s(&routing["region"]),
            failover: s(&routing["failover"]),
            geo: geo.is_object().then(|| {
                (s(&geo["continent_code"]), s(&geo["country_code"]), s(&geo["subdivision_code"]))
            }),
            multivalue: routing["multivalue_answer"].as_bool(),
            health_check: s(&routing["health_check_id"]),
            alias: alias.is_object().then(|| {
                (
                    s(&alias["hosted_zone_id"]).unwrap(),
                    dns(alias["dns_name"].as_str().unwrap()),
                    alias["evaluate_target_health"].as_bool().unwrap(),
                )
            }),
        }
    }

    /// The `resourceRecordSet` of a CloudTrail ChangeResourceRecordSets record: the API's
    /// member names with only the first letter lowered (`tTL`, `dNSName`).
    pub fn to_cloudtrail(&self) -> Value {
        let mut r = json!({ "name": self.name, "type": self.rtype });
        let o = r.as_object_mut().unwrap();
        if let Some(ttl) = self.ttl {
            o.insert("tTL".into(), json!(ttl));
        }
        if !self.values.is_empty() {
            o.insert(
                "resourceRecords".into(),
                self.values.iter().map(|v| json!({ "value": v })).collect(),
            );
        }
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.into(), v);
            }
        };
        put("setIdentifier", self.set_id.as_ref().map(|x| json!(x)));
        put("weight", self.weight.map(|x| json!(x)));
        put("region", self.region.as_ref().map(|x| json!(x)));
        put("failover", self.failover.as_ref().map(|x| json!(x)));
        put("multiValueAnswer", self.multivalue.map(|x| json!(x)));
        put("healthCheckId", self.health_check.as_ref().map(|x| json!(x)));
        put(
            "geoLocation",
            self.geo.as_ref().map(|(c, cc, sc)| json!({ "continentCode": c, "countryCode": cc, "subdivisionCode": sc })).map(strip_nulls),
        );
        put(
            "aliasTarget",
            self.alias.as_ref().map(|(zone, dns, evaluate)| json!({ "hostedZoneId": zone, "dNSName": dns, "evaluateTargetHealth": evaluate })),
        );
        r
    }
}

fn dns(name: &str) -> String {
    let mut n = name.trim().to_ascii_lowercase();
    if !n.ends_with('.') {
        n.push('.');
    }
    n
}

fn strip_nulls(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, x| !x.is_null());
    }
    v
}

pub const ACTOR_ROLE: &str =
    "arn:aws:sts::123456789012:assumed-role/TerraformDeploy/ci-pipeline-8812";
pub const ACTOR_USER: &str = "arn:aws:iam::123456789012:user/alice";

/// The EventBridge event of one successful ChangeResourceRecordSets call in `account`, now, by
/// `actor` (the shape of the samples in ingest/tests/fixtures/). Returns the event and its
/// eventID.
pub fn change_event(
    account: &str,
    zone_id: &str,
    changes: &[(&str, &Rec)],
    actor: &str,
) -> (Value, String) {
    let event_id = format!("e2e-{:016x}", rand::random::<u64>());
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let identity = if actor.contains(":assumed-role/") {
        let role = actor.split('/').nth(1).unwrap();
        json!({
            "type": "AssumedRole", "principalId": "AROAEXAMPLE:ci", "arn": actor, "accountId": "123456789012",
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {
                "sessionIssuer": { "type": "Role", "principalId": "AROAEXAMPLE", "arn": format!("arn:aws:iam::123456789012:role/{role}"),
                                   "accountId": "123456789012", "userName": role },
                "webIdFederationData": {}, "attributes": { "creationDate": now, "mfaAuthenticated": "false" }
            }
        })
    } else {
        json!({ "type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": actor, "accountId": "123456789012",
                "accessKeyId": "AKIAEXAMPLE", "userName": actor.rsplit('/').next().unwrap() })
    };
    let event = json!({
        "version": "0", "id": format!("eb-{event_id}"), "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53",
        "account": account, "time": now, "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.09", "userIdentity": identity, "eventTime": now,
            "eventSource": "route53.amazonaws.com", "eventName": "ChangeResourceRecordSets", "awsRegion": "us-east-1",
            "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.22.4",
            "requestParameters": {
                "hostedZoneId": zone_id,
                "changeBatch": { "changes": changes.iter().map(|(action, rec)| json!({ "action": action, "resourceRecordSet": rec.to_cloudtrail() })).collect::<Vec<_>>() }
            },
            "responseElements": { "changeInfo": { "id": "/change/C0E2E", "status": "PENDING", "submittedAt": "Nov 22, 2026 4:20:01 PM" } },
            "additionalEventData": { "Note": "Do not use to reconstruct hosted zone" },
            "requestID": format!("req-{event_id}"), "eventID": event_id, "readOnly": false, "eventType": "AwsApiCall",
            "apiVersion": "2013-04-01", "managementEvent": true, "recipientAccountId": account, "eventCategory": "Management"
        }
    });
    (event, event_id)
}
