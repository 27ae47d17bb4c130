//! CloudTrail events: the verbatim samples, the ways callers write things, and bad input.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use zonetrail_ingest::event::{Decoded, FollowUp, IgnoreReason, TargetedSweep, decode_event};
use zonetrail_ingest::fake_route53::{FakeConfig, ZoneSpec};
use zonetrail_ingest::{DecodeError, EventError, EventOutcome, ingest_event};
use zonetrail_model::{Message, Origin, RecordName, RecordType, ZoneChange, ZoneId};

use crate::support::{fake, fast_config, memory_state, sdk_for};
use crate::sweep_fake::a;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn envelope(detail: Value) -> Value {
    json!({
        "version": "0", "id": "11111111-2222-3333-4444-555555555555",
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53",
        "account": "123456789012", "time": "2026-11-22T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": detail,
    })
}

fn change_batch(zone: &str, changes: Value) -> Value {
    envelope(json!({
        "eventVersion": "1.09", "eventTime": "2026-11-22T10:00:00Z", "eventSource": "route53.amazonaws.com",
        "eventName": "ChangeResourceRecordSets", "eventID": "e-batch", "readOnly": false,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"hostedZoneId": zone, "changeBatch": {"changes": changes}},
    }))
}

fn plan(event: &Value) -> zonetrail_ingest::event::EventPlan {
    match decode_event(event) {
        Ok(Decoded::Plan(plan)) => plan,
        other => panic!("expected a plan, got {other:?}"),
    }
}

/// The event's records messages as one: a batch's CREATEs and DELETEs and its UPSERTs
/// (`before_unknown`) are two messages of the same origin and time.
fn records(plan: &zonetrail_ingest::event::EventPlan) -> zonetrail_model::RecordsMessage {
    let mut parts = plan.messages.iter().map(|m| match m {
        Message::Records(r) => r.clone(),
        other => panic!("expected records messages, got {other:?}"),
    });
    let mut whole = parts.next().expect("at least one records message");
    for part in parts {
        assert_eq!((&part.origin, part.observed_at), (&whole.origin, whole.observed_at));
        whole.upserts.extend(part.upserts);
        whole.deletes.extend(part.deletes);
    }
    whole
}

#[test]
fn upserts_are_sent_apart_from_creates_with_the_state_before_unknown() {
    let event = change_batch(
        "Z1PA6795UKMFR9",
        json!([
            {"action": "CREATE", "resourceRecordSet": {"name": "new.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "up.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.2"}]}},
            {"action": "DELETE", "resourceRecordSet": {"name": "old.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.3"}]}},
            {"action": "DELETE", "resourceRecordSet": {"name": "swap.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.4"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "swap.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.5"}]}}
        ]),
    );
    let plan = plan(&event);
    let parts: Vec<(bool, Vec<&str>, Vec<&str>)> = plan
        .messages
        .iter()
        .map(|m| match m {
            Message::Records(r) => (
                r.before_unknown,
                r.upserts.iter().map(|u| u.name.as_str()).collect(),
                r.deletes.iter().map(|d| d.name.as_str()).collect(),
            ),
            other => panic!("expected records messages, got {other:?}"),
        })
        .collect();
    // A key the batch also deleted existed before its UPSERT: that is not unknown.
    assert_eq!(
        parts,
        [
            (false, vec!["new.example.com.", "swap.example.com."], vec!["old.example.com."]),
            (true, vec!["up.example.com."], vec![]),
        ]
    );
}

#[test]
fn the_documented_change_batch_creates_both_records() {
    let plan = plan(&fixture("doc-change-resource-record-sets.json"));
    assert_eq!(plan.zone_id.as_str(), "Z1PA6795UKMFR9");
    let r = records(&plan);
    let names: Vec<&str> = r.upserts.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["prod.example.com.", "test.example.com."]);
    assert_eq!(r.upserts[0].values, ["192.0.1.1", "192.0.1.2", "192.0.1.3", "192.0.1.4"]);
    assert_eq!(r.upserts[0].ttl, Some(300));
    assert!(r.deletes.is_empty());
    // eventTime has whole seconds: the observation is the end of that second.
    assert_eq!(
        r.observed_at,
        Utc.with_ymd_and_hms(2018, 1, 16, 0, 41, 43).unwrap()
            + chrono::TimeDelta::microseconds(999_999)
    );
    assert_eq!(
        r.origin,
        Origin::Event {
            backfill: false,
            event_id: "883b14d9-2f84-4005-8bc5-c7bf0cebc116".into(),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some("arn:aws:iam::111122223333:user/smithj".into()),
            actor_role: None,
            comment: Some("Adding subdomains".into()),
        }
    );
}

/// The comment of every records message of the event's plan, and of the plan's origin.
fn comments(event: &Value) -> Vec<Option<String>> {
    let plan = plan(event);
    let comment = |origin: &Origin| match origin {
        Origin::Event { comment, .. } => comment.clone(),
        other => panic!("an event origin, not {other:?}"),
    };
    let mut out = vec![comment(&plan.origin)];
    for m in &plan.messages {
        let Message::Records(r) = m else { panic!("{m:?}") };
        out.push(comment(&r.origin));
    }
    out
}

#[test]
fn the_change_batchs_comment_is_carried_by_the_origin() {
    let changes = json!([
        {"action": "CREATE", "resourceRecordSet": {"name": "new.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}},
        {"action": "UPSERT", "resourceRecordSet": {"name": "up.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.2"}]}}
    ]);
    let with = |comment: Value| {
        let mut event = change_batch("Z1PA6795UKMFR9", changes.clone());
        event["detail"]["requestParameters"]["changeBatch"]["comment"] = comment;
        event
    };
    let said = Some("CHG-1234: move www to the new load balancer".to_owned());
    // Both messages of the batch (its CREATE and its UPSERT) carry it, as does the plan.
    assert_eq!(comments(&with(json!(said))), vec![said.clone(); 3]);
    // CloudTrail's casing does not matter.
    let mut event = change_batch("Z1PA6795UKMFR9", changes.clone());
    event["detail"]["requestParameters"]["changeBatch"]["Comment"] = json!(said);
    assert_eq!(comments(&event), vec![said; 3]);
    // None, null, blank: no comment, and nothing in the message.
    let none = vec![None; 3];
    assert_eq!(comments(&change_batch("Z1PA6795UKMFR9", changes.clone())), none);
    for blank in [Value::Null, json!(""), json!("  \t")] {
        assert_eq!(comments(&with(blank.clone())), none, "{blank}");
    }
    let json = plan(&change_batch("Z1PA6795UKMFR9", changes.clone())).messages[0].to_json();
    assert!(!json.contains("comment"), "{json}");
    // Not a string, or longer than Route 53 allows: left out, the event still decodes.
    for odd in [json!(42), json!({"text": "x"}), json!(["a"]), json!("x".repeat(257))] {
        assert_eq!(comments(&with(odd.clone())), none, "{odd}");
    }
    assert_eq!(comments(&with(json!("é".repeat(256)))), vec![Some("é".repeat(256)); 3]);
}

#[test]
fn the_documented_zone_deletion_deletes_the_zone() {
    let plan = plan(&fixture("doc-delete-hosted-zone.json"));
    match plan.messages.as_slice() {
        [Message::Zone(z)] => {
            assert_eq!(z.zone_id.as_str(), "Z1PA6795UKMFR9");
            assert_eq!(z.change, ZoneChange::Deleted);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_redacted_certbot_sample_is_rejected_for_its_zone_id_and_its_repair_decodes() {
    let mut event = fixture("certbot-assumed-role-delete.json");
    let err = decode_event(&event).unwrap_err();
    assert!(
        matches!(&err, DecodeError::BadZoneId { path, .. } if path == "detail.requestParameters.hostedZoneId"),
        "{err}"
    );

    event["detail"]["requestParameters"]["hostedZoneId"] = json!("Z0123456789ABC");
    event["detail"]["requestParameters"]["changeBatch"]["changes"][0]["resourceRecordSet"]["name"] =
        json!("_acme-challenge.WWW.Example.com");
    let plan = plan(&event);
    let r = records(&plan);
    assert!(r.upserts.is_empty());
    assert_eq!(r.deletes.len(), 1);
    assert_eq!(r.deletes[0].name.as_str(), "_acme-challenge.www.example.com.");
    assert_eq!(r.deletes[0].rtype, RecordType::Txt);
    let Origin::Event { actor, actor_role, .. } = &r.origin else { panic!() };
    assert_eq!(
        actor.as_deref(),
        Some("arn:aws:sts::<Redacted>:assumed-role/<Role Name>/<Redacted>")
    );
    assert_eq!(actor_role.as_deref(), Some("arn:aws:iam::<Redacted>:role/<Role Name>"));
}

#[test]
fn the_custodian_alias_with_a_prefixed_zone_id_and_pascal_case_keys_decodes() {
    let plan = plan(&fixture("custodian-alias-create.json"));
    assert_eq!(plan.zone_id.as_str(), "Z3U1111222111");
    let r = records(&plan);
    let alias = r.upserts[0].alias_target.clone().unwrap();
    assert_eq!(r.upserts[0].name.as_str(), "awsapichanges.info.");
    assert_eq!(alias.dns_name, "d3z456xncx123.cloudfront.net.");
    assert_eq!(alias.hosted_zone_id, "Z211112221111");
    assert_eq!(r.upserts[0].ttl, None, "an alias has no TTL in Route 53");
}

#[test]
fn names_are_normalised_as_the_sweep_stores_them() {
    let event = change_batch(
        "/hostedzone/Z0123456789ABC",
        json!([
            {"action": "CREATE", "resourceRecordSet": {"name": "WWW.Example.COM", "type": "a", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "*.example.com", "type": "CNAME", "tTL": 60, "resourceRecords": [{"value": "www.example.com"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "\\052.wild.example.com.", "type": "TXT", "tTL": 60, "resourceRecords": [{"value": "\"x\""}]}},
        ]),
    );
    let plan = plan(&event);
    assert_eq!(plan.zone_id, ZoneId::parse("Z0123456789ABC").unwrap());
    let names: Vec<(String, String)> =
        records(&plan).upserts.iter().map(|u| (u.name.to_string(), u.rtype.to_string())).collect();
    assert_eq!(
        names,
        [
            ("www.example.com.".into(), "A".into()),
            ("*.example.com.".into(), "CNAME".into()),
            ("*.wild.example.com.".into(), "TXT".into())
        ]
    );
}

#[test]
fn every_routing_member_is_read_with_cloudtrail_casing() {
    let event = change_batch(
        "Z0123456789ABC",
        json!([
            {"action": "UPSERT", "resourceRecordSet": {"name": "w.example.com", "type": "A", "setIdentifier": "blue", "weight": 70, "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}], "healthCheckId": "hc-1"}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "l.example.com", "type": "A", "setIdentifier": "use1", "region": "us-east-1", "tTL": 60, "resourceRecords": [{"value": "192.0.2.2"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "g.example.com", "type": "A", "setIdentifier": "us-wa", "geoLocation": {"countryCode": "US", "subdivisionCode": "WA"}, "tTL": 60, "resourceRecords": [{"value": "192.0.2.3"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "f.example.com", "type": "A", "setIdentifier": "p", "failover": "PRIMARY", "tTL": 60, "resourceRecords": [{"value": "192.0.2.4"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "m.example.com", "type": "A", "setIdentifier": "m", "multiValueAnswer": true, "tTL": 60, "resourceRecords": [{"value": "192.0.2.5"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "c.example.com", "type": "A", "setIdentifier": "office", "cidrRoutingConfig": {"collectionId": "col-1", "locationName": "office"}, "tTL": 60, "resourceRecords": [{"value": "192.0.2.6"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "p.example.com", "type": "A", "setIdentifier": "near", "geoProximityLocation": {"aWSRegion": "eu-west-1", "bias": 25}, "tTL": 60, "resourceRecords": [{"value": "192.0.2.7"}]}},
            {"action": "UPSERT", "resourceRecordSet": {"name": "q.example.com", "type": "A", "setIdentifier": "pt", "geoProximityLocation": {"coordinates": {"latitude": 49.22, "longitude": "-74.01"}}, "tTL": 60, "resourceRecords": [{"value": "192.0.2.8"}]}},
            {"action": "CREATE", "resourceRecordSet": {"name": "cdn.example.com", "type": "AAAA", "aliasTarget": {"hostedZoneId": "Z2FDTNDATAQYW2", "dNSName": "D111.CloudFront.net", "evaluateTargetHealth": true}}},
        ]),
    );
    let plan = plan(&event);
    let all = records(&plan);
    // The batch's CREATE comes first: it is sent apart from the UPSERTs.
    let up = [&all.upserts[1..], &all.upserts[..1]].concat();
    assert_eq!(up[0].routing.weight, Some(70));
    assert_eq!(up[0].routing.health_check_id.as_deref(), Some("hc-1"));
    assert_eq!(up[0].set_identifier.as_deref(), Some("blue"));
    assert_eq!(up[1].routing.region.as_deref(), Some("us-east-1"));
    let geo = up[2].routing.geo_location.clone().unwrap();
    assert_eq!(
        (geo.country_code.as_deref(), geo.subdivision_code.as_deref(), geo.continent_code),
        (Some("US"), Some("WA"), None)
    );
    assert_eq!(up[3].routing.failover.as_deref(), Some("PRIMARY"));
    assert_eq!(up[4].routing.multivalue_answer, Some(true));
    let cidr = up[5].routing.cidr_routing.clone().unwrap();
    assert_eq!((cidr.collection_id.as_str(), cidr.location_name.as_str()), ("col-1", "office"));
    let near = up[6].routing.geoproximity_location.clone().unwrap();
    assert_eq!((near.aws_region.as_deref(), near.bias), (Some("eu-west-1"), Some(25)));
    let coords = up[7].routing.geoproximity_location.clone().unwrap().coordinates.unwrap();
    assert_eq!((coords.latitude.as_str(), coords.longitude.as_str()), ("49.22", "-74.01"));
    let alias = up[8].alias_target.clone().unwrap();
    assert_eq!(
        (alias.dns_name.as_str(), alias.evaluate_target_health),
        ("d111.cloudfront.net.", true)
    );
    assert!(up[8].values.is_empty());
}

#[test]
fn a_delete_then_create_of_one_key_leaves_the_created_record() {
    let rr = |value: &str| json!({"name": "www.example.com.", "type": "A", "setIdentifier": "blue", "weight": 10, "tTL": 60, "resourceRecords": [{"value": value}]});
    let event = change_batch(
        "Z0123456789ABC",
        json!([
            {"action": "DELETE", "resourceRecordSet": rr("192.0.2.1")},
            {"action": "CREATE", "resourceRecordSet": rr("192.0.2.99")},
            {"action": "CREATE", "resourceRecordSet": {"name": "gone.example.com", "type": "TXT", "tTL": 60, "resourceRecords": [{"value": "\"x\""}]}},
            {"action": "DELETE", "resourceRecordSet": {"name": "GONE.example.com.", "type": "TXT", "tTL": 60, "resourceRecords": [{"value": "\"x\""}]}},
        ]),
    );
    let plan = plan(&event);
    let r = records(&plan);
    assert_eq!(r.upserts.len(), 1);
    assert_eq!(r.upserts[0].values, ["192.0.2.99"]);
    assert_eq!(r.deletes.len(), 1);
    assert_eq!(r.deletes[0].name, RecordName::parse("gone.example.com").unwrap());
}

#[test]
fn failed_read_only_and_other_calls_are_ignored() {
    let mut failed = fixture("doc-change-resource-record-sets.json");
    failed["detail"]["errorCode"] = json!("InvalidChangeBatch");
    failed["detail"]["errorMessage"] =
        json!("Tried to create resource record set but it already exists");
    assert!(
        matches!(decode_event(&failed), Ok(Decoded::Ignored { reason: IgnoreReason::FailedCall { code, .. }, .. }) if code == "InvalidChangeBatch")
    );

    let mut read = fixture("doc-change-resource-record-sets.json");
    read["detail"]["eventName"] = json!("ListResourceRecordSets");
    assert!(matches!(
        decode_event(&read),
        Ok(Decoded::Ignored { reason: IgnoreReason::ReadOnly, .. })
    ));

    let mut other = fixture("doc-change-resource-record-sets.json");
    other["detail"]["eventName"] = json!("CreateHealthCheck");
    assert!(matches!(
        decode_event(&other),
        Ok(Decoded::Ignored { reason: IgnoreReason::Unsupported, .. })
    ));
}

#[test]
fn an_absent_or_incomplete_change_batch_asks_for_a_sweep_instead_of_guessing() {
    let mut truncated = fixture("doc-change-resource-record-sets.json");
    truncated["detail"]["requestParameters"].as_object_mut().unwrap().remove("changeBatch");
    let missing_values = change_batch(
        "Z0123456789ABC",
        json!([{"action": "UPSERT", "resourceRecordSet": {"name": "a.example.com", "type": "A", "tTL": 60}}]),
    );
    let missing_name = change_batch(
        "Z0123456789ABC",
        json!([{"action": "DELETE", "resourceRecordSet": {"type": "A"}}]),
    );
    for event in [truncated, missing_values, missing_name] {
        let plan = plan(&event);
        assert!(plan.messages.is_empty(), "nothing guessed: {:?}", plan.messages);
        assert!(matches!(plan.follow_up, Some(FollowUp::SweepZone { .. })), "{:?}", plan.follow_up);
    }
}

#[test]
fn malformed_events_are_clear_errors() {
    let base = fixture("doc-change-resource-record-sets.json");
    let with = |pointer: &str, value: Value| {
        let mut e = base.clone();
        *e.pointer_mut(pointer).unwrap() = value;
        e
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!([1, 2]), "not a JSON object"),
        (json!("event"), "not a JSON object"),
        (
            {
                let mut e = base.clone();
                e.as_object_mut().unwrap().remove("detail");
                e
            },
            "no detail",
        ),
        (with("/detail", json!("text")), "detail is a string"),
        (with("/detail-type", json!("Scheduled Event")), "detail-type is \"Scheduled Event\""),
        (with("/source", json!("aws.ec2")), "source is \"aws.ec2\""),
        (
            with(
                "/detail/requestParameters/changeBatch/changes/0/resourceRecordSet/name",
                json!("a..b"),
            ),
            "is not a valid DNS name",
        ),
        (
            with("/detail/requestParameters/hostedZoneId", json!("Z1'; DROP TABLE")),
            "is not a hosted zone id",
        ),
        (
            with("/detail/requestParameters/changeBatch/changes/0/action", json!("MERGE")),
            "expected CREATE, UPSERT or DELETE",
        ),
        (
            with(
                "/detail/requestParameters/changeBatch/changes/0/resourceRecordSet/tTL",
                json!("soon"),
            ),
            "tTL is a string; expected a whole number",
        ),
        (
            with(
                "/detail/requestParameters/changeBatch/changes/0/resourceRecordSet/type",
                json!("A; --"),
            ),
            "is not a record type",
        ),
        (with("/detail/eventTime", json!("yesterday")), "is not an RFC 3339 time"),
    ];
    for (event, expected) in cases {
        let err = decode_event(&event).expect_err(expected).to_string();
        assert!(err.contains(expected), "{err:?} should say {expected:?}");
    }
}

#[tokio::test]
async fn a_malformed_event_sends_nothing() {
    let fake = fake(FakeConfig::default()).await;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    let mut event = change_batch(
        "Z0123456789ABC",
        json!([
            {"action": "CREATE", "resourceRecordSet": {"name": "ok.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}},
            {"action": "CREATE", "resourceRecordSet": {"name": "bad..example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}},
        ]),
    );
    let err = ingest_event(&state, &event).await.unwrap_err();
    assert!(matches!(err, EventError::Malformed(DecodeError::BadName { .. })), "{err}");
    event["detail"]["errorCode"] = json!("AccessDenied");
    assert!(matches!(ingest_event(&state, &event).await.unwrap(), EventOutcome::Ignored { .. }));
    drop(state);
    assert!(collector.messages().await.0.is_empty());
}

#[tokio::test]
async fn an_incomplete_event_sweeps_its_zone_inline_without_a_sweep_queue() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("incomplete.example"));
    fake.add_record_sets(
        &zone,
        [a("www.incomplete.example", "192.0.2.1"), a("api.incomplete.example", "192.0.2.2")],
    );
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    let mut event = change_batch(zone.as_str(), json!([]));
    event["detail"]["requestParameters"]["changeBatch"] = Value::Null;
    let outcome = ingest_event(&state, &event).await.unwrap();
    let EventOutcome::Applied { sweep: Some(TargetedSweep::Ran(report)), .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(report.record_sets, 2);
    drop(state);
    let sent = collector.messages().await;
    assert_eq!(sent.unique_upserts(&zone).len(), 2);
    sent.assert_pages_complete(&zone);
}

#[tokio::test]
async fn a_new_zone_is_announced_then_swept_and_a_vpc_change_rereads_it() {
    let fake = fake(FakeConfig::default()).await;
    let vpcs = vec![
        zonetrail_model::Vpc { region: "us-east-1".into(), id: "vpc-1".into() },
        zonetrail_model::Vpc { region: "us-west-2".into(), id: "vpc-2".into() },
    ];
    let zone = fake.create_zone(ZoneSpec::private("new.internal", vpcs.clone()));
    fake.add_record_sets(&zone, [a("db.new.internal", "10.0.0.5")]);
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());

    let create = envelope(json!({
        "eventTime": "2026-11-22T10:00:00Z", "eventSource": "route53.amazonaws.com", "eventName": "CreateHostedZone", "eventID": "e-create",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"name": "New.Internal", "callerReference": "r1", "hostedZoneConfig": {"comment": "made by hand", "privateZone": true}, "vPC": {"vPCRegion": "us-east-1", "vPCId": "vpc-1"}},
        "responseElements": {"hostedZone": {"id": format!("/hostedzone/{zone}"), "name": "new.internal.", "config": {"comment": "made by hand", "privateZone": true}, "resourceRecordSetCount": 2}},
    }));
    let outcome = ingest_event(&state, &create).await.unwrap();
    assert!(
        matches!(outcome, EventOutcome::Applied { sweep: Some(TargetedSweep::Ran(_)), .. }),
        "{outcome:?}"
    );

    let associate = envelope(json!({
        "eventTime": "2026-11-22T10:05:00Z", "eventSource": "route53.amazonaws.com", "eventName": "AssociateVPCWithHostedZone", "eventID": "e-assoc",
        "requestParameters": {"hostedZoneId": zone.as_str(), "vPC": {"vPCRegion": "us-west-2", "vPCId": "vpc-2"}},
    }));
    ingest_event(&state, &associate).await.unwrap();
    drop(state);
    let sent = collector.messages().await;

    let zones = sent.zones(&zone);
    // From the event, from the targeted sweep's read, and from the refresh after the association.
    assert_eq!(zones.len(), 3);
    let ZoneChange::Present(announced) = &zones[0].change else { panic!() };
    assert_eq!(
        (announced.name.as_str(), announced.private, announced.comment.as_deref()),
        ("new.internal.", true, Some("made by hand"))
    );
    assert_eq!(announced.vpcs, vec![vpcs[0].clone()]);
    assert!(matches!(&zones[0].origin, Origin::Event { event_id, .. } if event_id == "e-create"));
    let ZoneChange::Present(refreshed) = &zones[2].change else { panic!() };
    assert_eq!(refreshed.vpcs, vpcs);
    assert!(matches!(&zones[2].origin, Origin::Event { event_id, .. } if event_id == "e-assoc"));
    assert_eq!(sent.unique_upserts(&zone).len(), 1);
    sent.assert_pages_complete(&zone);
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "CREATE",
            "DELETE",
            "UPSERT",
            "A",
            "Z1",
            "a..b",
            "*.x",
            "2026-11-22T10:00:00Z"
        ])
        .prop_map(|s| json!(s)),
    ];
    let keys = prop::sample::select(vec![
        "detail",
        "requestParameters",
        "changeBatch",
        "changes",
        "action",
        "resourceRecordSet",
        "name",
        "type",
        "tTL",
        "resourceRecords",
        "value",
        "aliasTarget",
        "dNSName",
        "hostedZoneId",
        "geoLocation",
        "bias",
        "coordinates",
        "eventTime",
        "eventID",
        "errorCode",
        "responseElements",
        "hostedZone",
        "id",
        "vPC",
        "weight",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn decoding_arbitrary_json_never_panics(detail in arbitrary_json(), name in prop::sample::select(vec!["ChangeResourceRecordSets", "CreateHostedZone", "DeleteHostedZone", "AssociateVPCWithHostedZone", "Other"])) {
        let _ = decode_event(&detail);
        let mut event = envelope(detail.clone());
        if let Some(obj) = event["detail"].as_object_mut() {
            obj.insert("eventName".into(), json!(name));
            obj.insert("eventTime".into(), json!("2026-11-22T10:00:00Z"));
            obj.insert("eventID".into(), json!("e"));
        }
        let _ = decode_event(&event);
        let mut batch = change_batch("Z1", json!([{"action": "UPSERT", "resourceRecordSet": detail}]));
        let _ = decode_event(&batch);
        batch["detail"]["requestParameters"] = json!({"hostedZoneId": "Z1", "changeBatch": {"changes": [{"action": "CREATE", "resourceRecordSet": {"name": "x.example", "type": "A", "tTL": 1, "resourceRecords": [], "geoProximityLocation": event["detail"].clone()}}]}});
        let _ = decode_event(&batch);
    }

    #[test]
    fn any_decoded_batch_fits_the_contract(names in prop::collection::vec("[a-zA-Z0-9*_-]{1,8}(\\.[a-zA-Z0-9-]{1,8}){0,2}\\.?", 1..6)) {
        let changes: Vec<Value> = names.iter().enumerate().map(|(i, n)| json!({
            "action": if i % 3 == 0 { "DELETE" } else { "UPSERT" },
            "resourceRecordSet": {"name": n, "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]},
        })).collect();
        if let Ok(Decoded::Plan(plan)) = decode_event(&change_batch("Z1", Value::Array(changes))) {
            for m in plan.messages {
                let json = m.to_json();
                prop_assert_eq!(Message::from_json(&json).unwrap(), m);
            }
        }
    }
}

/// Found by the fuzzer (fuzz/ event_decode): a leap second, `:60`, which chrono keeps as :59
/// plus a second of nanoseconds, made an observation time past the end of its second that no
/// DATETIME(6) column can hold.
#[test]
fn a_leap_second_counts_as_the_end_of_the_minute() {
    let mut event = change_batch(
        "Z1",
        json!([{"action": "CREATE", "resourceRecordSet": {"name": "a.example.com", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}}]),
    );
    event["detail"]["eventTime"] = json!("2026-12-31T23:59:60Z");
    let plan = plan(&event);
    assert_eq!(
        plan.observed_at,
        Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap()
            + chrono::TimeDelta::microseconds(999_999)
    );
    let json = plan.messages[0].to_json();
    assert!(json.contains("\"observed_at\":\"2026-12-31T23:59:59.999999Z\""), "{json}");
}
