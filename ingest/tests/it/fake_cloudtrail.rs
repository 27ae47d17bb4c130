//! Our fake CloudTrail (`LookupEvents`, which moto lacks), through the real
//! aws-sdk-cloudtrail client: paging, filters, token misuse, the enforced rate, the 90 days,
//! and the fixture events decoding as the live path decodes them.

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::retry::RetryConfig;
use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_cloudtrail::primitives::DateTime as SdkTime;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::time::Instant;
use zonetrail_ingest::event::{Decoded, IgnoreReason, decode_event};
use zonetrail_ingest::fake_cloudtrail::{FakeCloudTrail, FakeCloudTrailConfig, RateLimit, events};
use zonetrail_model::{Origin, Vpc};

use crate::support::sdk_for;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const ZONE: &str = "Z1PA6795UKMFR9";

async fn client(fake: &FakeCloudTrail) -> Client {
    Client::new(&sdk_for(&fake.endpoint()).await)
}

/// A client that gives up at the first error, to see each answer as the server gave it.
async fn client_without_retries(fake: &FakeCloudTrail) -> Client {
    let sdk = sdk_for(&fake.endpoint()).await;
    Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&sdk)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

fn route53() -> LookupAttribute {
    LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventSource)
        .attribute_value("route53.amazonaws.com")
        .build()
        .unwrap()
}

fn sdk_time(t: DateTime<Utc>) -> SdkTime {
    SdkTime::from_secs(t.timestamp())
}

fn change(id: &str, at: DateTime<Utc>, name: &str) -> Value {
    events::change_batch(
        id,
        at,
        ZONE,
        json!([events::rrset_change("UPSERT", name, "A", 300, &["192.0.2.1"])]),
        ALICE,
    )
}

fn ids(out: &LookupEventsOutput) -> Vec<String> {
    out.events().iter().map(|e| e.event_id().unwrap_or_default().to_owned()).collect()
}

fn code<E: ProvideErrorMetadata>(err: &aws_sdk_cloudtrail::error::SdkError<E>) -> String {
    err.as_service_error().and_then(|e| e.code()).unwrap_or("(no service error)").to_owned()
}

#[tokio::test]
async fn pages_of_fifty_come_newest_first_and_the_last_has_no_token() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t0 = Utc::now() - Duration::days(3);
    let mut pushed = Vec::new();
    for i in 0..120 {
        let record = change(&format!("ev-{i:04}"), t0 + Duration::minutes(i), "www.example.com.");
        pushed.push(record.clone());
        fake.push(record);
    }
    // Three in the same second (ordered by event id), and calls of other services.
    for id in ["tie-c", "tie-a", "tie-b"] {
        fake.push(change(id, t0 + Duration::seconds(30), "tie.example.com."));
    }
    for i in 0..7 {
        let mut other = change(&format!("s3-{i}"), t0 + Duration::minutes(i), "x.example.com.");
        other["eventSource"] = json!("s3.amazonaws.com");
        fake.push(other);
    }
    let client = client(&fake).await;

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .lookup_events()
            .lookup_attributes(route53())
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(out.clone());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "paging does not end");
    }
    assert_eq!(pages.iter().map(|p| p.events().len()).collect::<Vec<_>>(), [50, 50, 23]);
    let all: Vec<_> = pages.iter().flat_map(|p| p.events().iter().cloned()).collect();
    let times: Vec<i64> = all.iter().map(|e| e.event_time().unwrap().secs()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "not newest first: {times:?}");
    assert_eq!(all[0].event_id(), Some("ev-0119"));
    assert_eq!(all.last().unwrap().event_id(), Some("ev-0000"));
    let ties: Vec<_> =
        all.iter().filter_map(|e| e.event_id()).filter(|id| id.starts_with("tie-")).collect();
    assert_eq!(ties, ["tie-a", "tie-b", "tie-c"]);
    assert!(all.iter().all(|e| e.event_source() == Some("route53.amazonaws.com")));

    // The event as CloudTrail describes it, with the record as a JSON string.
    let newest = &all[0];
    assert_eq!(newest.event_name(), Some("ChangeResourceRecordSets"));
    assert_eq!(newest.read_only(), Some("false"));
    assert_eq!(newest.username(), Some("alice"));
    assert_eq!(newest.access_key_id(), Some("AKIAIOSFODNN7EXAMPLE"));
    assert_eq!(newest.event_time().unwrap().secs(), (t0 + Duration::minutes(119)).timestamp());
    let resource = &newest.resources()[0];
    assert_eq!(resource.resource_type(), Some("AWS::Route53::HostedZone"));
    assert_eq!(resource.resource_name(), Some(ZONE));
    let record: Value = serde_json::from_str(newest.cloud_trail_event().unwrap()).unwrap();
    assert_eq!(record, pushed[119]);

    // The SDK's own paginator sees the same events.
    let paged: Vec<_> = client
        .lookup_events()
        .lookup_attributes(route53())
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|e| e.unwrap().event_id().unwrap().to_owned())
        .collect();
    assert_eq!(paged, all.iter().map(|e| e.event_id().unwrap().to_owned()).collect::<Vec<_>>());
    let stats = fake.stats();
    assert_eq!(stats.pages, 6);
    assert_eq!(stats.events_served, 246);
    assert_eq!(stats.throttled, 0);
}

#[tokio::test]
async fn a_time_range_is_inclusive_and_filters_narrow_it() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    fake.set_now(Some(t0 + Duration::days(1)));
    for i in 0..5 {
        fake.push(change(&format!("e{i}"), t0 + Duration::seconds(i), "www.example.com."));
    }
    fake.push(events::delete_hosted_zone("gone", t0 + Duration::seconds(2), ZONE, ALICE));
    let client = client(&fake).await;

    let out = client
        .lookup_events()
        .start_time(sdk_time(t0 + Duration::seconds(1)))
        .end_time(sdk_time(t0 + Duration::seconds(3)))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&out), ["e3", "e2", "gone", "e1"]);
    assert!(out.next_token().is_none());

    let by_name = client
        .lookup_events()
        .lookup_attributes(
            LookupAttribute::builder()
                .attribute_key(LookupAttributeKey::EventName)
                .attribute_value("DeleteHostedZone")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&by_name), ["gone"]);
    let by_id = client
        .lookup_events()
        .lookup_attributes(
            LookupAttribute::builder()
                .attribute_key(LookupAttributeKey::EventId)
                .attribute_value("e4")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&by_id), ["e4"]);

    let reversed = client
        .lookup_events()
        .start_time(sdk_time(t0 + Duration::seconds(3)))
        .end_time(sdk_time(t0 + Duration::seconds(1)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&reversed), "InvalidTimeRangeException");
    assert!(reversed.into_service_error().is_invalid_time_range_exception());
}

#[tokio::test]
async fn bad_parameters_and_a_misused_next_token_are_refused() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t0 = Utc::now() - Duration::hours(5);
    for i in 0..10 {
        fake.push(change(&format!("e{i}"), t0 + Duration::minutes(i), "www.example.com."));
    }
    let client = client_without_retries(&fake).await;
    let end = sdk_time(Utc::now());
    let page = |token: Option<String>, end: SdkTime| {
        client
            .lookup_events()
            .lookup_attributes(route53())
            .end_time(end)
            .max_results(4)
            .set_next_token(token)
            .send()
    };

    let first = page(None, end).await.unwrap();
    let token = first.next_token().unwrap().to_owned();
    // Other parameters: refused; the same ones (even at another page size): the next page.
    let other_end = SdkTime::from_secs(end.secs() - 1);
    let err = page(Some(token.clone()), other_end).await.unwrap_err();
    assert_eq!(code(&err), "InvalidNextTokenException");
    assert!(err.into_service_error().is_invalid_next_token_exception());
    let second = client
        .lookup_events()
        .lookup_attributes(route53())
        .end_time(end)
        .max_results(3)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&second), ["e5", "e4", "e3"]);
    let err = page(Some("not-a-token".into()), end).await.unwrap_err();
    assert_eq!(code(&err), "InvalidNextTokenException");

    // A token made invalid by the fault, then all tokens expired.
    fake.invalidate_next_token();
    let poisoned = page(None, end).await.unwrap().next_token().unwrap().to_owned();
    let err = page(Some(poisoned), end).await.unwrap_err();
    assert_eq!(code(&err), "InvalidNextTokenException");
    let kept = page(None, end).await.unwrap().next_token().unwrap().to_owned();
    assert!(page(Some(kept.clone()), end).await.is_ok());
    fake.expire_tokens();
    let err = page(Some(kept), end).await.unwrap_err();
    assert_eq!(code(&err), "InvalidNextTokenException");

    let two = client
        .lookup_events()
        .lookup_attributes(route53())
        .lookup_attributes(
            LookupAttribute::builder()
                .attribute_key(LookupAttributeKey::EventName)
                .attribute_value("ChangeResourceRecordSets")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&two), "InvalidLookupAttributesException");
    for bad in [0, 51] {
        let err = client.lookup_events().max_results(bad).send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidMaxResultsException", "MaxResults {bad}");
    }
    let stats = fake.stats();
    assert_eq!(stats.invalid_tokens, 4);
    assert_eq!(stats.rejected, 7);
}

#[tokio::test]
async fn requests_over_two_a_second_are_throttled() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::default()).await.unwrap();
    fake.push(change("e1", Utc::now() - Duration::hours(1), "www.example.com."));
    let client = client_without_retries(&fake).await;

    // At once: the burst of two passes, the rest is throttled.
    let mut ok = 0;
    let burst_started = Instant::now();
    for _ in 0..10 {
        match client.lookup_events().send().await {
            Ok(_) => ok += 1,
            Err(err) => {
                assert_eq!(code(&err), "ThrottlingException");
                assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
            }
        }
    }
    // The burst, and what the bucket refilled while the requests ran (on a slow machine).
    let refilled = (burst_started.elapsed().as_secs_f64() * 2.0).ceil() as u64;
    assert!(
        (2..=2 + refilled).contains(&ok),
        "{ok} of 10 immediate requests passed a 2/s limit with a burst of 2"
    );
    assert_eq!(fake.stats().throttled, 10 - ok);

    // At the rate, none is: 6 requests in ~2.6 s after the bucket refilled.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for _ in 0..6 {
        client.lookup_events().send().await.expect("a request at the rate is served");
        tokio::time::sleep(std::time::Duration::from_millis(520)).await;
    }
    let stats = fake.stats();
    assert_eq!(stats.throttled, 10 - ok);
    assert_eq!(stats.pages, ok + 6);
    assert_eq!(stats.requests, 16);
}

#[tokio::test]
async fn the_sdk_retries_injected_throttles_and_server_errors() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    fake.push(change("e1", Utc::now() - Duration::hours(1), "www.example.com."));
    let client = client(&fake).await;
    fake.throttle_next(1);
    let out = client.lookup_events().send().await.expect("retried after ThrottlingException");
    assert_eq!(ids(&out), ["e1"]);
    fake.fail_next(1);
    let out = client.lookup_events().send().await.expect("retried after a 500");
    assert_eq!(ids(&out), ["e1"]);
    let stats = fake.stats();
    assert_eq!((stats.injected_throttles, stats.throttled, stats.server_errors), (1, 1, 1));
    assert_eq!((stats.requests, stats.pages), (4, 2));

    // A limit set at runtime.
    fake.set_rate_limit(Some(RateLimit { rps: 1.0, burst: 1.0 }));
    let client = client_without_retries(&fake).await;
    client.lookup_events().send().await.unwrap();
    let err = client.lookup_events().send().await.unwrap_err();
    assert_eq!(code(&err), "ThrottlingException");
}

#[tokio::test]
async fn only_the_last_ninety_days_exist() {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig { rate_limit: None, now: Some(now) })
        .await
        .unwrap();
    fake.push(change("recent", now - Duration::days(89), "a.example.com."));
    fake.push(change("edge", now - Duration::days(90) + Duration::hours(1), "b.example.com."));
    fake.push(change("old", now - Duration::days(91), "c.example.com."));
    let client = client(&fake).await;
    let lookup = || {
        client
            .lookup_events()
            .start_time(sdk_time(now - Duration::days(200)))
            .end_time(sdk_time(now))
            .send()
    };
    assert_eq!(ids(&lookup().await.unwrap()), ["recent", "edge"]);
    // Two hours later the edge event has aged out.
    fake.set_now(Some(now + Duration::hours(2)));
    assert_eq!(ids(&lookup().await.unwrap()), ["recent"]);
    assert_eq!(fake.len(), 3);
}

#[tokio::test]
async fn fixture_events_decode_as_the_live_path_decodes_them() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let at = Utc::now() - Duration::days(1);
    let role = "arn:aws:sts::210987654321:assumed-role/deployer/ci-run-7";
    let vpc = Vpc { region: "us-east-1".into(), id: "vpc-1".into() };
    let records = [
        change("c1", at, "www.example.com."),
        events::create_hosted_zone("z1", at, ZONE, "example.com", role),
        events::create_private_hosted_zone("z2", at, "Z2PRIVATE", "corp.internal", &vpc, ALICE),
        events::delete_hosted_zone("z3", at, ZONE, ALICE),
        events::associate_vpc("v1", at, "Z2PRIVATE", &vpc, ALICE),
        events::failed_call(change("f1", at, "x.example.com."), "InvalidChangeBatch", "no"),
        events::truncated(change("t1", at, "y.example.com.")),
    ];
    for record in &records {
        fake.push(record.clone());
    }
    fake.push_raw("raw1", at, "ChangeResourceRecordSets", "{not json");

    // Each record decodes, through the live path's decoder, as what it stands for.
    let decoded: Vec<Decoded> =
        records[..6].iter().map(|r| decode_event(&events::envelope(r.clone())).unwrap()).collect();
    let plan = |i: usize| match &decoded[i] {
        Decoded::Plan(plan) => plan.clone(),
        other => panic!("record {i} was not planned: {other:?}"),
    };
    assert_eq!(plan(0).event_id, "c1");
    assert_eq!(plan(0).account_id.unwrap().as_str(), "123456789012");
    assert!(matches!(&plan(0).origin, Origin::Event { actor: Some(a), .. } if a == ALICE));
    assert!(!plan(0).messages.is_empty());
    let created = plan(1);
    assert_eq!(created.event_name, "CreateHostedZone");
    assert_eq!(created.account_id.unwrap().as_str(), "210987654321");
    assert!(matches!(&created.origin,
        Origin::Event { actor_role: Some(r), .. } if r == "arn:aws:iam::210987654321:role/deployer"));
    assert_eq!(plan(2).zone_id.as_str(), "Z2PRIVATE");
    assert_eq!(plan(3).event_name, "DeleteHostedZone");
    assert_eq!(plan(4).event_name, "AssociateVPCWithHostedZone");
    assert!(matches!(&decoded[5],
        Decoded::Ignored { reason: IgnoreReason::FailedCall { code, .. }, .. } if code == "InvalidChangeBatch"));
    // Truncated: nothing tells what changed, not even the zone.
    assert!(records[6].get("requestParameters").is_none());
    assert_eq!(records[6]["eventID"], "t1");

    // The fake serves them with CloudTrail's summary members and the records unchanged.
    let out = client(&fake).await.lookup_events().send().await.unwrap();
    let by_id = |id: &str| out.events().iter().find(|e| e.event_id() == Some(id)).unwrap().clone();
    assert_eq!(by_id("z1").username(), Some("ci-run-7"));
    assert_eq!(by_id("z1").resources()[0].resource_name(), Some(ZONE));
    assert_eq!(by_id("raw1").cloud_trail_event(), Some("{not json"));
    let failed: Value = serde_json::from_str(by_id("f1").cloud_trail_event().unwrap()).unwrap();
    assert_eq!(failed, records[5]);
    assert_eq!(out.events().len(), 8);
}
