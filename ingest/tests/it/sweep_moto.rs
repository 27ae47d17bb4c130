//! Sweeps through the real AWS SDK against moto: zones made with the Route 53 API, read back.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, GeoLocation, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType, Vpc as SdkVpc,
    VpcRegion,
};
use zonetrail_ingest::sweep::NoProgress;
use zonetrail_ingest::{sweep_all, sweep_zone};
use zonetrail_model::{RecordSet, Vpc, ZoneChange, ZoneId};

use crate::support::{fast_config, memory_state, moto_route53, own_account, unique};

pub async fn create_zone(
    client: &aws_sdk_route53::Client,
    name: &str,
    vpc: Option<(&str, &str)>,
) -> ZoneId {
    let mut request = client.create_hosted_zone().name(name).caller_reference(unique("ref"));
    if let Some((region, id)) = vpc {
        request = request
            .hosted_zone_config(
                HostedZoneConfig::builder().private_zone(true).comment("private test zone").build(),
            )
            .vpc(SdkVpc::builder().vpc_region(VpcRegion::from(region)).vpc_id(id).build());
    }
    let out = request.send().await.expect("create hosted zone in moto");
    ZoneId::parse(out.hosted_zone().unwrap().id()).unwrap()
}

fn simple(name: &str, rtype: RrType, values: &[&str]) -> ResourceRecordSet {
    let mut b = ResourceRecordSet::builder().name(name).r#type(rtype).ttl(300);
    for v in values {
        b = b.resource_records(ResourceRecord::builder().value(*v).build().unwrap());
    }
    b.build().unwrap()
}

pub async fn create_records(
    client: &aws_sdk_route53::Client,
    zone: &ZoneId,
    records: Vec<ResourceRecordSet>,
) {
    for chunk in records.chunks(500) {
        let changes = chunk
            .iter()
            .map(|r| {
                Change::builder()
                    .action(ChangeAction::Create)
                    .resource_record_set(r.clone())
                    .build()
                    .unwrap()
            })
            .collect();
        client
            .change_resource_record_sets()
            .hosted_zone_id(zone.as_str())
            .change_batch(ChangeBatch::builder().set_changes(Some(changes)).build().unwrap())
            .send()
            .await
            .expect("change record sets in moto");
    }
}

#[tokio::test]
async fn a_zone_of_2500_record_sets_arrives_whole_once_each() {
    let (sdk, _proxy) = moto_route53().await;
    let client = aws_sdk_route53::Client::new(&sdk);
    let name = format!("{}.big.example", unique("z"));
    let zone = create_zone(&client, &name, None).await;
    let records: Vec<_> = (0..2600)
        .map(|i| simple(&format!("host-{i:05}.{name}."), RrType::A, &["192.0.2.1", "192.0.2.2"]))
        .collect();
    create_records(&client, &zone, records).await;

    let (state, collector) = memory_state(&sdk, fast_config());
    let report = sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;
    let got = sent.unique_upserts(&zone);
    // 2,600 of ours, plus the SOA and NS moto creates with the zone.
    assert_eq!(got.len(), 2602);
    let host = &got[&(format!("host-01234.{name}."), "A".to_string(), None)];
    assert_eq!(host.values, vec!["192.0.2.1", "192.0.2.2"]);
    assert_eq!(host.ttl, Some(300));
    assert!(report.route53_pages >= 9, "2,602 record sets take at least 9 pages of 300");
    sent.assert_pages_complete(&zone);
    let done = sent.done(&zone)[0];
    assert_eq!(done.record_sets, 2602);
    assert!(done.started_at <= done.observed_at);
    // moto is shared and never reset: leave no big zone for other tests' full sweeps.
    let _ = client.delete_hosted_zone().id(zone.as_str()).send().await;
}

#[tokio::test]
async fn routing_policies_and_aliases_keep_every_field_and_their_own_key() {
    let (sdk, _proxy) = moto_route53().await;
    let client = aws_sdk_route53::Client::new(&sdk);
    let name = format!("{}.routing.example", unique("r"));
    let zone = create_zone(&client, &name, None).await;
    let n = |label: &str| format!("{label}.{name}.");
    let rr = |label: &str, id: &str| {
        ResourceRecordSet::builder()
            .name(n(label))
            .r#type(RrType::A)
            .ttl(60)
            .set_identifier(id)
            .resource_records(ResourceRecord::builder().value("192.0.2.10").build().unwrap())
    };
    let records = vec![
        rr("www", "blue").weight(70).build().unwrap(),
        rr("www", "green").weight(30).build().unwrap(),
        rr("api", "use1").region(ResourceRecordSetRegion::UsEast1).build().unwrap(),
        rr("api", "euw1").region(ResourceRecordSetRegion::EuWest1).build().unwrap(),
        rr("geo", "de")
            .geo_location(GeoLocation::builder().country_code("DE").build())
            .build()
            .unwrap(),
        rr("geo", "eu")
            .geo_location(GeoLocation::builder().continent_code("EU").build())
            .build()
            .unwrap(),
        rr("geo", "us-wa")
            .geo_location(GeoLocation::builder().country_code("US").subdivision_code("WA").build())
            .build()
            .unwrap(),
        rr("fo", "primary")
            .failover(ResourceRecordSetFailover::Primary)
            .health_check_id("11111111-2222-3333-4444-555555555555")
            .build()
            .unwrap(),
        rr("fo", "secondary").failover(ResourceRecordSetFailover::Secondary).build().unwrap(),
        rr("mv", "one").multi_value_answer(true).build().unwrap(),
        rr("mv", "two").multi_value_answer(true).build().unwrap(),
        ResourceRecordSet::builder()
            .name(n("cdn"))
            .r#type(RrType::A)
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z2FDTNDATAQYW2")
                    .dns_name("d111111abcdef8.cloudfront.net.")
                    .evaluate_target_health(false)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap(),
        simple(&format!("*.{name}."), RrType::Cname, &["www.example.net."]),
        simple(&n("Upper-Case"), RrType::Txt, &["\"v=spf1 -all\""]),
        simple(&n("mail"), RrType::Mx, &["10 mx1.example.net.", "20 mx2.example.net."]),
    ];
    create_records(&client, &zone, records).await;

    let (state, collector) = memory_state(&sdk, fast_config());
    sweep_zone(&state, &own_account(), &zone, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;
    let got = sent.unique_upserts(&zone);
    let get = |label: &str, rtype: &str, id: Option<&str>| -> &RecordSet {
        got.get(&(n(label), rtype.to_string(), id.map(str::to_owned)))
            .unwrap_or_else(|| panic!("{label} {rtype} {id:?} missing from {:?}", got.keys()))
    };
    assert_eq!(get("www", "A", Some("blue")).routing.weight, Some(70));
    assert_eq!(get("www", "A", Some("green")).routing.weight, Some(30));
    assert_eq!(get("api", "A", Some("euw1")).routing.region.as_deref(), Some("eu-west-1"));
    let us_wa = get("geo", "A", Some("us-wa")).routing.geo_location.clone().unwrap();
    assert_eq!(
        (us_wa.country_code.as_deref(), us_wa.subdivision_code.as_deref()),
        (Some("US"), Some("WA"))
    );
    assert_eq!(
        get("geo", "A", Some("eu")).routing.geo_location.clone().unwrap().continent_code.as_deref(),
        Some("EU")
    );
    let primary = get("fo", "A", Some("primary"));
    assert_eq!(primary.routing.failover.as_deref(), Some("PRIMARY"));
    assert_eq!(
        primary.routing.health_check_id.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(get("fo", "A", Some("secondary")).routing.failover.as_deref(), Some("SECONDARY"));
    assert_eq!(get("mv", "A", Some("two")).routing.multivalue_answer, Some(true));
    let cdn = get("cdn", "A", None);
    let alias = cdn.alias_target.clone().unwrap();
    assert_eq!(
        (alias.hosted_zone_id.as_str(), alias.dns_name.as_str(), alias.evaluate_target_health),
        ("Z2FDTNDATAQYW2", "d111111abcdef8.cloudfront.net.", false)
    );
    assert!(cdn.values.is_empty() && cdn.ttl.is_none());
    assert_eq!(get("*", "CNAME", None).values, vec!["www.example.net."]);
    // moto keeps the caller's case; the inventory does not.
    assert_eq!(get("upper-case", "TXT", None).values, vec!["\"v=spf1 -all\""]);
    assert_eq!(get("mail", "MX", None).values, vec!["10 mx1.example.net.", "20 mx2.example.net."]);
    assert_eq!(got.len(), 15 + 2);
    sent.assert_pages_complete(&zone);
}

#[tokio::test]
async fn a_full_sweep_finds_public_and_private_zones_including_two_of_the_same_name() {
    let (sdk, _proxy) = moto_route53().await;
    let client = aws_sdk_route53::Client::new(&sdk);
    let name = format!("{}.twins.example", unique("t"));
    let public = create_zone(&client, &name, None).await;
    let private = create_zone(&client, &name, Some(("us-east-1", "vpc-0a1b2c3d"))).await;
    client
        .associate_vpc_with_hosted_zone()
        .hosted_zone_id(private.as_str())
        .vpc(SdkVpc::builder().vpc_region(VpcRegion::EuWest1).vpc_id("vpc-0e0e0e0e").build())
        .send()
        .await
        .expect("associate a second VPC");
    create_records(
        &client,
        &public,
        vec![simple(&format!("www.{name}."), RrType::A, &["198.51.100.1"])],
    )
    .await;
    create_records(
        &client,
        &private,
        vec![simple(&format!("www.{name}."), RrType::A, &["10.0.0.1"])],
    )
    .await;

    let (state, collector) = memory_state(&sdk, fast_config());
    let report = sweep_all(&state, &NoProgress).await.unwrap().total;
    drop(state);
    let sent = collector.messages().await;
    // moto is shared by parallel tests: judge only our two zones.
    assert!(report.zones_swept >= 2);
    for (zone, value, is_private) in
        [(&public, "198.51.100.1", false), (&private, "10.0.0.1", true)]
    {
        let got = sent.unique_upserts(zone);
        assert_eq!(got[&(format!("www.{name}."), "A".to_string(), None)].values, vec![value]);
        sent.assert_pages_complete(zone);
        let zones = sent.zones(zone);
        assert_eq!(zones.len(), 1);
        let ZoneChange::Present(z) = &zones[0].change else {
            panic!("zone {zone} should be present")
        };
        assert_eq!(z.name.as_str(), format!("{name}."));
        assert_eq!(z.private, is_private);
        if is_private {
            assert_eq!(
                z.vpcs,
                vec![
                    Vpc { region: "eu-west-1".into(), id: "vpc-0e0e0e0e".into() },
                    Vpc { region: "us-east-1".into(), id: "vpc-0a1b2c3d".into() }
                ]
            );
            assert_eq!(z.comment.as_deref(), Some("private test zone"));
        } else {
            assert!(z.vpcs.is_empty());
        }
    }
}
