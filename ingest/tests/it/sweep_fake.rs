//! Sweeps against our own Route 53 server, where moto is wrong: NextRecordIdentifier, `\052`
//! escapes, lower-casing, the 300 cap, throttling, and a cursor that does not advance.

use std::time::{Duration, Instant, SystemTime};
use zonetrail_ingest::fake_route53::{FakeConfig, Faults, RateLimit, ZoneSpec};
use zonetrail_ingest::sweep::{NoProgress, ProgressEvent, Remaining};
use zonetrail_ingest::{Deadline, SweepOutcome, SweepTask, run_sweep, sweep_all, sweep_zone};
use zonetrail_model::{
    AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, RecordName,
    RecordSet, RecordType, Routing, Vpc, ZoneChange,
};

use crate::support::{fake, fast_config, memory_state, own_account, sdk_for};

pub fn a(name: &str, value: &str) -> RecordSet {
    RecordSet {
        name: RecordName::parse(name).unwrap(),
        rtype: RecordType::A,
        set_identifier: None,
        ttl: Some(300),
        values: vec![value.into()],
        alias_target: None,
        routing: Routing::default(),
    }
}

pub fn weighted(name: &str, id: &str, weight: i64) -> RecordSet {
    RecordSet {
        set_identifier: Some(id.into()),
        routing: Routing { weight: Some(weight), ..Routing::default() },
        ..a(name, "192.0.2.1")
    }
}

#[tokio::test]
async fn a_weighted_group_split_by_a_page_boundary_arrives_exactly_once() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("straddle.example"));
    let mut expected =
        vec![a("a.straddle.example", "192.0.2.9"), a("z.straddle.example", "192.0.2.8")];
    for (i, id) in ["blue", "green", "red", "amber", "violet"].iter().enumerate() {
        expected.push(weighted("w.straddle.example", id, i as i64 * 10));
    }
    fake.add_record_sets(&zone, expected.clone());

    let mut config = fast_config();
    config.sweep.record_page_size = 2;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);
    let report = sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;

    let got = sent.unique_upserts(&zone);
    assert_eq!(got.len(), expected.len());
    for record in &expected {
        assert_eq!(
            got.get(&(record.name.to_string(), "A".into(), record.set_identifier.clone())),
            Some(record)
        );
    }
    assert_eq!(report.route53_pages, 4, "7 record sets at 2 a page");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    sent.assert_pages_complete(&zone);
}

#[tokio::test]
async fn escaped_and_upper_case_names_are_stored_decoded_and_lower_case() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("Escapes.Example.COM"));
    let raw = [
        ("*.Escapes.Example.COM", "*.escapes.example.com."),
        ("WWW.ESCAPES.example.com", "www.escapes.example.com."),
        ("a b.escapes.example.com.", "a\\040b.escapes.example.com."),
        ("x\\056y.escapes.example.com", "x\\056y.escapes.example.com."),
        ("_dmarc.escapes.example.com", "_dmarc.escapes.example.com."),
        ("@home!.escapes.example.com", "@home!.escapes.example.com."),
    ];
    for (name, _) in raw {
        fake.add_raw(&zone, name, a("placeholder.example", "192.0.2.1"));
    }
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;
    let names: std::collections::BTreeSet<String> =
        sent.upserts(&zone).iter().map(|r| r.name.to_string()).collect();
    let expected: std::collections::BTreeSet<String> =
        raw.iter().map(|(_, stored)| stored.to_string()).collect();
    assert_eq!(names, expected);
    let zone_message = &sent.zones(&zone)[0];
    match &zone_message.change {
        ZoneChange::Present(z) => assert_eq!(z.name.as_str(), "escapes.example.com."),
        other => panic!("expected the zone present, got {other:?}"),
    }
}

#[tokio::test]
async fn every_routing_member_survives_the_round_trip() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("routing.example"));
    let mut alias = a("cdn.routing.example", "x");
    alias.values = vec![];
    alias.ttl = None;
    alias.alias_target = Some(AliasTarget {
        hosted_zone_id: "Z2FDTNDATAQYW2".into(),
        dns_name: "d111111abcdef8.cloudfront.net.".into(),
        evaluate_target_health: false,
    });
    let records = vec![
        alias,
        RecordSet {
            set_identifier: Some("geo-prox".into()),
            routing: Routing {
                geoproximity_location: Some(GeoProximityLocation {
                    aws_region: None,
                    local_zone_group: None,
                    coordinates: Some(Coordinates {
                        latitude: "49.22".into(),
                        longitude: "-74.01".into(),
                    }),
                    bias: Some(-20),
                }),
                ..Routing::default()
            },
            ..a("gp.routing.example", "192.0.2.3")
        },
        RecordSet {
            set_identifier: Some("office".into()),
            routing: Routing {
                cidr_routing: Some(CidrRouting {
                    collection_id: "c8c02a84-aaaa-bbbb-cccc-7a9a2e3f1e9b".into(),
                    location_name: "office".into(),
                }),
                ..Routing::default()
            },
            ..a("cidr.routing.example", "192.0.2.4")
        },
        RecordSet {
            set_identifier: Some("de".into()),
            routing: Routing {
                geo_location: Some(GeoLocation {
                    continent_code: None,
                    country_code: Some("DE".into()),
                    subdivision_code: None,
                }),
                health_check_id: Some("abcdef11-2222-3333-4444-555555fedcba".into()),
                ..Routing::default()
            },
            ..a("geo.routing.example", "192.0.2.5")
        },
        RecordSet {
            set_identifier: Some("primary".into()),
            routing: Routing { failover: Some("PRIMARY".into()), ..Routing::default() },
            ..a("fo.routing.example", "192.0.2.6")
        },
        RecordSet {
            set_identifier: Some("m1".into()),
            routing: Routing { multivalue_answer: Some(true), ..Routing::default() },
            ..a("mv.routing.example", "192.0.2.7")
        },
        RecordSet {
            set_identifier: Some("use1".into()),
            routing: Routing { region: Some("us-east-1".into()), ..Routing::default() },
            ..a("lat.routing.example", "192.0.2.8")
        },
        RecordSet {
            rtype: RecordType::Txt,
            values: vec!["\"v=spf1 include:_spf.example.com ~all\"".into(), "\"a & b < c\"".into()],
            ..a("txt.routing.example", "")
        },
        RecordSet {
            routing: Routing {
                traffic_policy_instance_id: Some("12345678-abcd-1234-abcd-123456789012".into()),
                ..Routing::default()
            },
            ..a("tp.routing.example", "192.0.2.10")
        },
    ];
    fake.add_record_sets(&zone, records.clone());
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let got = collector.messages().await.unique_upserts(&zone);
    for record in records {
        let record = record.normalize();
        let key =
            (record.name.to_string(), record.rtype.to_string(), record.set_identifier.clone());
        assert_eq!(got.get(&key), Some(&record), "{key:?}");
    }
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_and_no_page_is_lost() {
    let fake = fake(FakeConfig {
        faults: Faults {
            throttle: 0.30,
            prior_request_not_complete: 0.05,
            server_error: 0.05,
            ..Faults::default()
        },
        seed: 7,
        ..FakeConfig::default()
    })
    .await;
    let zone = fake.create_zone(ZoneSpec::public("throttled.example"));
    let records: Vec<RecordSet> =
        (0..600).map(|i| a(&format!("h{i:04}.throttled.example"), "192.0.2.1")).collect();
    fake.add_record_sets(&zone, records.clone());
    let mut config = fast_config();
    config.sweep.record_page_size = 20;
    config.sweep.max_attempts = 20;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);
    let report = sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;

    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(sent.unique_upserts(&zone).len(), 600);
    sent.assert_pages_complete(&zone);
    let stats = fake.stats();
    let injected =
        stats.injected_throttling + stats.injected_prior_request + stats.injected_server_errors;
    assert!(stats.injected_throttling > 5, "the fake throttled: {stats:?}");
    assert!(stats.injected_server_errors > 0, "the fake failed some calls with 5xx: {stats:?}");
    assert_eq!(report.route53_retries, injected, "every injected failure was retried once");
    assert_eq!(report.route53_calls, stats.requests);
}

#[tokio::test]
async fn a_cursor_that_does_not_advance_fails_the_zone_instead_of_looping() {
    // moto's bug, reproduced: StartRecordIdentifier ignored, so a page boundary inside a
    // weighted group hands back the cursor the sweep asked with.
    let fake = fake(FakeConfig {
        faults: Faults { ignore_start_identifier: true, ..Faults::default() },
        ..FakeConfig::default()
    })
    .await;
    let zone = fake.create_zone(ZoneSpec::public("stuck.example"));
    let other = fake.create_zone(ZoneSpec::public("fine.example"));
    fake.add_record_sets(&zone, (0..5).map(|i| weighted("w.stuck.example", &format!("s{i}"), 1)));
    fake.add_record_sets(&other, [a("ok.fine.example", "192.0.2.1")]);
    let mut config = fast_config();
    config.sweep.record_page_size = 2;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);
    let report = tokio::time::timeout(Duration::from_secs(20), sweep_all(&state, &NoProgress))
        .await
        .expect("the sweep ends")
        .unwrap()
        .total;
    drop(state);
    let sent = collector.messages().await;

    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].zone_id, zone);
    assert!(report.failures[0].error.contains("did not advance"), "{}", report.failures[0].error);
    assert!(sent.done(&zone).is_empty(), "a failed zone is never reconciled");
    // The other zone is swept all the same.
    assert_eq!(report.zones_swept, 1);
    sent.assert_pages_complete(&other);
}

#[tokio::test]
async fn a_full_sweep_lists_every_zone_across_pages_and_reads_private_vpcs() {
    let fake = fake(FakeConfig::default()).await;
    let vpcs = vec![
        Vpc { region: "us-east-1".into(), id: "vpc-1111".into() },
        Vpc { region: "eu-west-1".into(), id: "vpc-2222".into() },
    ];
    let mut zones = Vec::new();
    for i in 0..5 {
        zones.push(fake.create_zone(ZoneSpec::public(&format!("z{i}.example"))));
    }
    // Two zones of the same name: one public, one private.
    zones.push(fake.create_zone(ZoneSpec::public("same.example")));
    let private = fake.create_zone(ZoneSpec::private("same.example", vpcs.clone()));
    zones.push(private.clone());
    for (i, zone) in zones.iter().enumerate() {
        fake.add_record_sets(zone, (0..i + 1).map(|n| a(&format!("h{n}.z.example"), "192.0.2.1")));
    }
    let mut config = fast_config();
    config.sweep.zone_page_size = 2;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);
    let listed = std::sync::Mutex::new(Vec::new());
    let progress = |event: ProgressEvent| {
        if let ProgressEvent::ZonesListed { listed: n, .. } = event {
            listed.lock().unwrap().push(n);
        }
    };
    let report = sweep_all(&state, &progress).await.unwrap().total;
    drop(state);
    let sent = collector.messages().await;

    assert_eq!(report.zones_swept, 7);
    assert_eq!(*listed.lock().unwrap(), vec![2, 4, 6, 7]);
    for (i, zone) in zones.iter().enumerate() {
        assert_eq!(sent.unique_upserts(zone).len(), i + 1, "zone {i}");
        sent.assert_pages_complete(zone);
        assert_eq!(sent.zones(zone).len(), 1);
    }
    match &sent.zones(&private)[0].change {
        ZoneChange::Present(z) => {
            assert!(z.private);
            assert_eq!(z.vpcs, {
                let mut v = vpcs.clone();
                v.sort();
                v
            });
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_sweep_out_of_time_hands_over_and_the_continuation_finishes_it() {
    let fake = fake(FakeConfig::default()).await;
    let first = fake.create_zone(ZoneSpec::public("cont-a.example"));
    let second = fake.create_zone(ZoneSpec::public("cont-b.example"));
    fake.add_record_sets(
        &first,
        (0..50).map(|i| a(&format!("h{i:02}.cont-a.example"), "192.0.2.1")),
    );
    fake.add_record_sets(
        &second,
        (0..30).map(|i| weighted("w.cont-b.example", &format!("id{i:02}"), i)),
    );
    let mut config = fast_config();
    config.sweep.record_page_size = 7;
    config.sweep.zone_page_size = 1;
    config.sweep.route53_rps = 20.0;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);

    // Each invocation gets about 0.15 s: a few calls at 20 a second.
    let mut task = SweepTask::full();
    let mut invocations = 0;
    loop {
        invocations += 1;
        assert!(invocations < 50, "the sweep makes progress");
        let deadline =
            Deadline { at: SystemTime::now() + Duration::from_millis(150), margin: Duration::ZERO };
        match run_sweep(&state, task, Some(deadline), &NoProgress).await.unwrap() {
            SweepOutcome::Finished(report) => {
                assert!(report.failures.is_empty());
                break;
            }
            SweepOutcome::Paused { rest, .. } => {
                // The continuation travels as JSON through the sweep queue.
                task = SweepTask::from_json(&rest.to_json()).unwrap();
                assert!(task.current.is_some() || !matches!(task.then, Remaining::Nothing));
            }
        }
    }
    drop(state);
    let sent = collector.messages().await;
    assert!(invocations > 3, "the deadline split the sweep ({invocations} invocations)");
    assert_eq!(sent.unique_upserts(&first).len(), 50);
    assert_eq!(sent.unique_upserts(&second).len(), 30);
    sent.assert_pages_complete(&first);
    sent.assert_pages_complete(&second);
    assert_eq!(sent.zones(&first).len(), 1, "a zone message is sent once, not per invocation");
    // However many invocations listed them, the account's list arrives once and complete.
    let listed = sent.zones_listed(&own_account());
    assert_eq!(listed.len(), 1, "one zones_listed per sweep");
    let mut ids = listed[0].zone_ids.clone();
    ids.sort();
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(ids, want);
    let statuses = sent.statuses(&own_account());
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].status, zonetrail_model::AccountState::Ok);
    // Every message names the account.
    assert!(sent.0.iter().all(|m| m.account_id() == Some(&own_account())));
}

#[tokio::test]
async fn calls_are_paced_under_the_configured_rate() {
    let fake = fake(FakeConfig {
        rate_limit: Some(RateLimit { rps: 12.0, burst: 2.0 }),
        ..FakeConfig::default()
    })
    .await;
    let zone = fake.create_zone(ZoneSpec::public("paced.example"));
    fake.add_record_sets(&zone, (0..30).map(|i| a(&format!("h{i:02}.paced.example"), "192.0.2.1")));
    let mut config = fast_config();
    config.sweep.record_page_size = 3;
    config.sweep.route53_rps = 10.0;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);
    let started = Instant::now();
    let report = sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    let elapsed = started.elapsed();
    drop(state);
    collector.messages().await.assert_pages_complete(&zone);
    // GetHostedZone + 10 pages = 11 calls at 10/s: at least one second between first and last.
    assert_eq!(report.route53_calls, 11);
    assert!(elapsed >= Duration::from_millis(1000), "{elapsed:?}");
    assert_eq!(fake.stats().rate_limited, 0, "pacing under the server's rate avoids throttling");
}

#[tokio::test]
async fn a_deleted_zone_is_reported_vanished_and_sends_nothing() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("gone.example"));
    fake.delete_zone(&zone);
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    let report = sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    assert_eq!(report.zones_vanished, 1);
    assert!(collector.messages().await.0.is_empty());
}
