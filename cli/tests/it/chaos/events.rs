//! The CloudTrail events (as EventBridge delivers them) for the changes the chaos suite makes,
//! written the way CloudTrail logs a ChangeResourceRecordSets request: member names with only
//! their first letter lower-cased (`tTL`, `dNSName`, `aWSRegion`), the caller's spelling.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde_json::{Map, Value, json};
use zonetrail_model::RecordSet;

use super::corpus::Mutation;

pub fn change_event(mutation: &Mutation, event_id: &str, at: DateTime<Utc>) -> Value {
    let (zone, record) = mutation.parts();
    let action = match mutation {
        Mutation::Create(..) => "CREATE",
        Mutation::Change(..) => "UPSERT",
        Mutation::Delete(..) => "DELETE",
    };
    // CloudTrail logs whole seconds.
    let time = at.trunc_subsecs(0).to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "version": "0",
        "id": format!("eb-{event_id}"),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.route53",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::123456789012:assumed-role/chaos-operator/session",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::123456789012:role/chaos-operator"}}
            },
            "eventTime": time,
            "eventSource": "route53.amazonaws.com",
            "eventName": "ChangeResourceRecordSets",
            "awsRegion": "us-east-1",
            "eventID": event_id,
            "readOnly": false,
            "eventType": "AwsApiCall",
            "requestParameters": {
                "hostedZoneId": zone.as_str(),
                "changeBatch": {"changes": [{"action": action, "resourceRecordSet": resource_record_set(record)}]}
            },
            "responseElements": {"changeInfo": {"id": format!("/change/C{}", event_id.len()), "status": "PENDING"}},
            "additionalEventData": {"Note": "Do not use to reconstruct hosted zone"}
        }
    })
}

fn resource_record_set(r: &RecordSet) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(r.name.to_string()));
    m.insert("type".into(), json!(r.rtype.to_string()));
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    put("setIdentifier", r.set_identifier.as_ref().map(|s| json!(s)));
    put("weight", r.routing.weight.map(|w| json!(w)));
    put("region", r.routing.region.as_ref().map(|s| json!(s)));
    put("failover", r.routing.failover.as_ref().map(|s| json!(s)));
    put("multiValueAnswer", r.routing.multivalue_answer.map(|b| json!(b)));
    put("healthCheckId", r.routing.health_check_id.as_ref().map(|s| json!(s)));
    put("tTL", r.ttl.map(|t| json!(t)));
    put(
        "geoLocation",
        r.routing.geo_location.as_ref().map(|g| {
            strip_nulls(json!({"continentCode": g.continent_code, "countryCode": g.country_code, "subdivisionCode": g.subdivision_code}))
        }),
    );
    put(
        "geoProximityLocation",
        r.routing.geoproximity_location.as_ref().map(|g| {
            strip_nulls(json!({
                "aWSRegion": g.aws_region,
                "localZoneGroup": g.local_zone_group,
                "coordinates": g.coordinates.as_ref().map(|c| json!({"latitude": c.latitude, "longitude": c.longitude})),
                "bias": g.bias,
            }))
        }),
    );
    put(
        "cidrRoutingConfig",
        r.routing
            .cidr_routing
            .as_ref()
            .map(|c| json!({"collectionId": c.collection_id, "locationName": c.location_name})),
    );
    put(
        "aliasTarget",
        r.alias_target.as_ref().map(|a| json!({"hostedZoneId": a.hosted_zone_id, "dNSName": a.dns_name, "evaluateTargetHealth": a.evaluate_target_health})),
    );
    if !r.values.is_empty() {
        m.insert(
            "resourceRecords".into(),
            Value::Array(r.values.iter().map(|v| json!({"value": v})).collect()),
        );
    }
    Value::Object(m)
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// Events the ingest must reject without sending anything.
pub fn malformed_events() -> Vec<Value> {
    let good = json!({
        "version": "0", "id": "x", "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53",
        "time": "2026-11-22T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {
            "eventTime": "2026-11-22T10:00:00Z", "eventSource": "route53.amazonaws.com",
            "eventName": "ChangeResourceRecordSets", "eventID": "chaos-malformed",
            "requestParameters": {"hostedZoneId": "Z1", "changeBatch": {"changes": [
                {"action": "CREATE", "resourceRecordSet": {"name": "a..b.example.", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}}
            ]}}
        }
    });
    let mut bad_action = good.clone();
    bad_action["detail"]["requestParameters"]["changeBatch"]["changes"][0]["action"] =
        json!("RENAME");
    bad_action["detail"]["requestParameters"]["changeBatch"]["changes"][0]["resourceRecordSet"]["name"] =
        json!("ok.example.");
    let mut bad_zone = bad_action.clone();
    bad_zone["detail"]["requestParameters"]["hostedZoneId"] =
        json!("Z1'; DROP TABLE record_sets; --");
    let mut bad_time = bad_zone.clone();
    bad_time["detail"]["requestParameters"]["hostedZoneId"] = json!("Z1");
    bad_time["detail"]["requestParameters"]["changeBatch"]["changes"][0]["action"] =
        json!("CREATE");
    bad_time["detail"]["eventTime"] = json!("yesterday");
    vec![
        good,
        bad_action,
        bad_zone,
        bad_time,
        json!([1, 2, 3]),
        json!({"detail-type": "AWS API Call via CloudTrail"}),
    ]
}
