//! The resource side of findings through the real AWS SDK against moto: the resource sweep
//! (every kind, two accounts, two regions, an account that cannot be read), resource events,
//! and `ip-ranges.json` from a local server. Each test uses accounts of its own (moto keeps a
//! world per account, reached through sts:AssumeRole), so what other tests made is not seen.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use serde_json::{Value, json};
use zonetrail_ingest::resources::{IpRangesOutcome, ResourceSettings, fetch_ip_ranges};
use zonetrail_ingest::{
    Accounts, AccountsSetting, EventError, EventOutcome, IngestConfig, MemoryQueue,
    ResourceEventOutcome, ScopeSettings, State, ingest_event, ingest_resource_event,
    sweep_resources,
};
use zonetrail_model::{AccountId, Message, ResourceKind, ResourceListing, ResourcesMessage};

use crate::support::{Collector, moto_sdk, own_account, sdk_for, unique};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// A 12-digit account id no other test uses (moto makes its world on first use).
fn fresh_account() -> AccountId {
    let n = unique("");
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(11)..];
    AccountId::parse(&format!("9{tail:0>11}")).unwrap()
}

fn settings() -> ResourceSettings {
    ResourceSettings {
        regions: Some(REGIONS.iter().map(|r| r.to_string()).collect()),
        rps: 200.0,
        route53_rps: 200.0,
        max_attempts: 3,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(20),
        ..ResourceSettings::default()
    }
}

fn accounts(sdk: &SdkConfig, ids: &[&AccountId]) -> Accounts {
    let scope = ScopeSettings {
        accounts: AccountsSetting::List(ids.iter().map(|a| (*a).clone()).collect()),
        ..ScopeSettings::default()
    };
    Accounts::resolved(sdk, scope, own_account(), "aws")
}

/// The in-process queue and what reached it (decoded), once the queue is dropped.
fn queue() -> (Arc<MemoryQueue>, Collector) {
    let (queue, mut receiver) = MemoryQueue::new(64, 262_144);
    let collector = Collector::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            messages.push(Message::from_json(&body).expect("a message of the contract"));
        }
        messages
    });
    (Arc::new(queue), collector)
}

/// The `resources` messages by (account, kind, region).
fn by_listing(
    messages: &[Message],
) -> BTreeMap<(String, ResourceKind, String), Vec<ResourcesMessage>> {
    let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for m in messages {
        if let Message::Resources(r) = m {
            out.entry((r.account_id.to_string(), r.resource_kind, r.region.clone()))
                .or_default()
                .push(r.clone());
        }
    }
    out
}

/// The keys of a listing's one `Complete` message (panics on `Failed` or a count other than one).
fn keys(
    listings: &BTreeMap<(String, ResourceKind, String), Vec<ResourcesMessage>>,
    account: &AccountId,
    kind: ResourceKind,
    region: &str,
) -> Vec<String> {
    let found = listings
        .get(&(account.to_string(), kind, region.to_owned()))
        .unwrap_or_else(|| panic!("no {kind} listing of {account} in {region:?}"));
    assert_eq!(found.len(), 1, "one {kind} message of {account} in {region:?}");
    match &found[0].listing {
        ResourceListing::Complete { items } => {
            let mut keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
            keys.sort();
            keys
        }
        ResourceListing::Failed { error } => panic!("{kind} of {account} in {region:?}: {error}"),
    }
}

fn ec2(sdk: &SdkConfig, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(sdk)
            .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
            .build(),
    )
}

async fn allocate(sdk: &SdkConfig, region: &str) -> (String, String) {
    let out = ec2(sdk, region)
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate an EIP in moto");
    (out.public_ip().unwrap().to_owned(), out.allocation_id().unwrap().to_owned())
}

/// A network interface in the region's default subnet with a new EIP associated: its IP.
async fn eni_with_eip(sdk: &SdkConfig, region: &str) -> String {
    let client = ec2(sdk, region);
    let subnets = client.describe_subnets().send().await.expect("describe subnets in moto");
    let subnet = subnets.subnets()[0].subnet_id().unwrap().to_owned();
    let eni = client
        .create_network_interface()
        .subnet_id(subnet)
        .send()
        .await
        .expect("create a network interface in moto");
    let eni_id = eni.network_interface().unwrap().network_interface_id().unwrap().to_owned();
    let (ip, allocation) = allocate(sdk, region).await;
    client
        .associate_address()
        .allocation_id(allocation)
        .network_interface_id(eni_id)
        .send()
        .await
        .expect("associate the EIP with the interface");
    ip
}

fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build(),
    )
}

async fn distribution(sdk: &SdkConfig) -> String {
    use aws_sdk_cloudfront::types::{
        DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig,
        ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("origin")
        .domain_name("origin.s3.amazonaws.com")
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(unique("ref"))
        .comment("zonetrail test")
        .enabled(true)
        .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("origin")
                .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let client = aws_sdk_cloudfront::Client::new(sdk);
    let out = client
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .expect("create a CloudFront distribution in moto");
    out.distribution().unwrap().domain_name().to_ascii_lowercase()
}

async fn health_check(sdk: &SdkConfig) -> String {
    use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType};
    let client = aws_sdk_route53::Client::new(sdk);
    let out = client
        .create_health_check()
        .caller_reference(unique("hc"))
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Http)
                .ip_address("192.0.2.10")
                .port(80)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create a health check in moto");
    out.health_check().unwrap().id().to_ascii_lowercase()
}

async fn environment(sdk: &SdkConfig, region: &str) {
    let client = aws_sdk_elasticbeanstalk::Client::from_conf(
        aws_sdk_elasticbeanstalk::config::Builder::from(sdk)
            .region(aws_sdk_elasticbeanstalk::config::Region::new(region.to_owned()))
            .build(),
    );
    let app = unique("app");
    client.create_application().application_name(&app).send().await.expect("create an EB app");
    client
        .create_environment()
        .application_name(&app)
        .environment_name(unique("env").chars().take(38).collect::<String>())
        .solution_stack_name("64bit Amazon Linux 2023 v6.1.0 running Node.js 20")
        .send()
        .await
        .expect("create an EB environment");
}

#[tokio::test]
async fn the_sweep_sends_each_kind_per_account_and_region_and_fails_an_unreachable_account_alone() {
    let moto = moto_sdk().await;
    let (a, b, dead) = (fresh_account(), fresh_account(), fresh_account());
    let accounts = accounts(&moto, &[&a, &b, &dead]);
    // `dead` is read through an endpoint where nothing listens: every call fails.
    accounts.override_sdk(dead.clone(), sdk_for("http://127.0.0.1:9").await);
    let (sdk_a, sdk_b) = (accounts.sdk_for(&a), accounts.sdk_for(&b));

    let (a_east, _) = allocate(&sdk_a, "us-east-1").await;
    let (a_west, _) = allocate(&sdk_a, "eu-west-1").await;
    let a_eni = eni_with_eip(&sdk_a, "us-east-1").await;
    let (b_east, _) = allocate(&sdk_b, "us-east-1").await;
    let (bucket_a, bucket_b) = (unique("bucket-a"), unique("bucket-b"));
    s3(&sdk_a).create_bucket().bucket(&bucket_a).send().await.expect("create bucket");
    s3(&sdk_b).create_bucket().bucket(&bucket_b).send().await.expect("create bucket");
    let domain = distribution(&sdk_a).await;
    let check = health_check(&sdk_a).await;
    environment(&sdk_a, "us-east-1").await;

    let (queue, collector) = queue();
    let report = sweep_resources(&accounts, &settings(), queue.as_ref()).await.unwrap();
    drop(queue);
    let messages = collector.messages().await.0;
    let listings = by_listing(&messages);

    let mut eips_a_east = vec![a_east, a_eni.clone()];
    eips_a_east.sort();
    assert_eq!(keys(&listings, &a, ResourceKind::Eip, "us-east-1"), eips_a_east);
    assert_eq!(keys(&listings, &a, ResourceKind::Eip, "eu-west-1"), vec![a_west]);
    assert_eq!(keys(&listings, &a, ResourceKind::Eni, "us-east-1"), vec![a_eni]);
    assert!(keys(&listings, &a, ResourceKind::Eni, "eu-west-1").is_empty());
    assert_eq!(keys(&listings, &a, ResourceKind::S3Bucket, ""), vec![bucket_a.to_lowercase()]);
    assert_eq!(keys(&listings, &a, ResourceKind::Cloudfront, ""), vec![domain]);
    assert_eq!(keys(&listings, &a, ResourceKind::HealthCheck, ""), vec![check]);
    // moto gives environments an empty CNAME, so the listing is complete but keyless (a
    // worker environment's case): only that it was read is checked here.
    keys(&listings, &a, ResourceKind::ElasticBeanstalk, "us-east-1");
    assert_eq!(keys(&listings, &b, ResourceKind::Eip, "us-east-1"), vec![b_east]);
    assert!(keys(&listings, &b, ResourceKind::Eip, "eu-west-1").is_empty());
    assert_eq!(keys(&listings, &b, ResourceKind::S3Bucket, ""), vec![bucket_b.to_lowercase()]);
    assert!(keys(&listings, &b, ResourceKind::Cloudfront, "").is_empty());
    assert!(keys(&listings, &b, ResourceKind::HealthCheck, "").is_empty());

    // The unreachable account: every listing Failed, none Complete, and the others went on.
    let dead_listings: Vec<&ResourcesMessage> = listings
        .iter()
        .filter(|((account, ..), _)| account == dead.as_str())
        .flat_map(|(_, m)| m)
        .collect();
    assert_eq!(dead_listings.len(), 3 + 3 * REGIONS.len(), "{dead_listings:#?}");
    for m in &dead_listings {
        let ResourceListing::Failed { error } = &m.listing else {
            panic!("a listing of the unreachable account was sent as complete: {m:?}")
        };
        assert!(error.contains("attempts"), "{error}");
    }
    // Per account and region, each kind exactly once.
    assert_eq!(listings.len(), 3 * (3 + 3 * REGIONS.len()));
    assert!(listings.values().all(|m| m.len() == 1));
    assert!(!messages.iter().any(|m| matches!(m, Message::IpRanges(_))), "ip ranges are off");

    let by_account: BTreeMap<String, _> =
        report.accounts.iter().map(|r| (r.account_id.to_string(), r)).collect();
    assert_eq!(by_account[a.as_str()].listings_ok, 9);
    assert_eq!(by_account[a.as_str()].listings_failed(), 0);
    assert_eq!(by_account[a.as_str()].items, 7);
    assert_eq!(by_account[dead.as_str()].listings_ok, 0);
    assert_eq!(by_account[dead.as_str()].listings_failed(), 9);
    assert!(by_account[dead.as_str()].retries > 0, "transport errors are retried");
    assert_eq!(report.ip_ranges, IpRangesOutcome::Off);
}

fn cloudtrail_event(source: &str, name: &str, account: &AccountId, region: &str) -> Value {
    json!({
        "version": "0", "id": unique("ev"), "detail-type": "AWS API Call via CloudTrail",
        "source": source, "account": account.as_str(), "time": "2026-12-03T10:00:00Z",
        "region": region, "resources": [],
        "detail": {
            "eventVersion": "1.08", "eventTime": "2026-12-03T10:00:00Z",
            "eventSource": format!("{}.amazonaws.com", source.trim_start_matches("aws.")),
            "eventName": name, "awsRegion": region, "eventID": unique("id"),
            "recipientAccountId": account.as_str(),
            "requestParameters": {"allocationId": "eipalloc-12345678"},
            "responseElements": {"_return": true},
        }
    })
}

#[tokio::test]
async fn a_release_address_event_relists_the_account_and_region_without_it() {
    let moto = moto_sdk().await;
    let account = fresh_account();
    let accounts = accounts(&moto, &[&account]);
    let sdk = accounts.sdk_for(&account);
    let (released, allocation) = allocate(&sdk, "eu-west-1").await;
    let (kept, _) = allocate(&sdk, "eu-west-1").await;
    allocate(&sdk, "us-east-1").await;
    ec2(&sdk, "eu-west-1")
        .release_address()
        .allocation_id(allocation)
        .send()
        .await
        .expect("release the EIP");

    // Through the entry point every caller uses (Lambda, zonetrail ingest-event, /local/events).
    let (queue, collector) = queue();
    let config = IngestConfig { resources: settings(), ..IngestConfig::default() };
    let state = State::new(&moto, config, queue.clone(), accounts.clone());
    let event = cloudtrail_event("aws.ec2", "ReleaseAddress", &account, "eu-west-1");
    let outcome = ingest_event(&state, &event).await.unwrap();
    let EventOutcome::Resources(ResourceEventOutcome::Relisted { region, listings, .. }) = outcome
    else {
        panic!("not re-listed: {outcome:?}")
    };
    assert_eq!(region, "eu-west-1");
    assert_eq!(listings, vec![(ResourceKind::Eip, 1), (ResourceKind::Eni, 0)]);

    // A failed call, another EC2 call and an account out of scope send nothing.
    let mut failed = cloudtrail_event("aws.ec2", "ReleaseAddress", &account, "eu-west-1");
    failed["detail"]["errorCode"] = json!("InvalidAllocationID.NotFound");
    let other = cloudtrail_event("aws.ec2", "DescribeAddresses", &account, "eu-west-1");
    let outside = cloudtrail_event("aws.ec2", "ReleaseAddress", &fresh_account(), "eu-west-1");
    for event in [failed, other, outside] {
        let outcome = ingest_event(&state, &event).await.unwrap();
        assert!(matches!(outcome, EventOutcome::Ignored { .. }), "{outcome:?}");
    }
    // Malformed: the field is named, nothing is sent.
    let mut bad_region = cloudtrail_event("aws.ec2", "ReleaseAddress", &account, "eu-west-1");
    bad_region["region"] = json!("eu-moon-1");
    let mut bad_account = cloudtrail_event("aws.s3", "DeleteBucket", &account, "us-east-1");
    bad_account["account"] = json!("12345");
    let mut no_name =
        cloudtrail_event("aws.cloudfront", "DeleteDistribution", &account, "us-east-1");
    no_name["detail"].as_object_mut().unwrap().remove("eventName");
    for (event, field) in
        [(bad_region, "region"), (bad_account, "account"), (no_name, "detail.eventName")]
    {
        let err = ingest_resource_event(&accounts, &settings(), queue.as_ref(), &event)
            .await
            .unwrap_err();
        assert!(matches!(err, EventError::Malformed(_)), "{err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    drop(state);
    drop(queue);
    let messages = collector.messages().await.0;
    let listings = by_listing(&messages);
    let eips = keys(&listings, &account, ResourceKind::Eip, "eu-west-1");
    assert!(!eips.contains(&released), "the released address is no longer listed: {eips:?}");
    assert_eq!(eips, vec![kept]);
    assert!(keys(&listings, &account, ResourceKind::Eni, "eu-west-1").is_empty());
    assert_eq!(listings.len(), 2, "only the event's account and region: {listings:?}");
}

/// A server on loopback answering `ip-ranges.json` documents: good, malformed, and a 503.
async fn ranges_server() -> String {
    use axum::routing::get;
    let good = json!({
        "syncToken": "1764000000", "createDate": "2026-11-24-12-00-00",
        "prefixes": [
            {"ip_prefix": "3.5.140.0/22", "region": "ap-northeast-2", "service": "AMAZON", "network_border_group": "ap-northeast-2"},
            {"ip_prefix": "3.5.140.0/22", "region": "ap-northeast-2", "service": "EC2", "network_border_group": "ap-northeast-2"},
            {"ip_prefix": "52.95.245.0/24", "region": "us-east-1", "service": "S3", "network_border_group": "us-east-1"}
        ],
        "ipv6_prefixes": [
            {"ipv6_prefix": "2600:1f14::/35", "region": "us-west-2", "service": "EC2", "network_border_group": "us-west-2"}
        ]
    })
    .to_string();
    let app = axum::Router::new()
        .route("/good", get(move || async move { good }))
        .route("/bad", get(|| async { "{\"syncToken\": \"1\", \"prefixes\": [" }))
        .route("/down", get(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn ip_ranges_are_fetched_parsed_and_sent_and_a_bad_document_sends_nothing() {
    let base = ranges_server().await;
    let timeout = Duration::from_secs(10);
    let ranges = fetch_ip_ranges(&format!("{base}/good"), timeout).await.unwrap();
    assert_eq!(ranges.sync_token, "1764000000");
    assert_eq!(ranges.len(), 2, "the EC2 prefixes only");
    let err = fetch_ip_ranges(&format!("{base}/bad"), timeout).await.unwrap_err().to_string();
    assert!(err.contains("/bad"), "{err}");
    let err = fetch_ip_ranges(&format!("{base}/down"), timeout).await.unwrap_err().to_string();
    assert!(err.contains("503"), "{err}");

    // In a sweep (of no account): sent when good, nothing but a report when not.
    let moto = moto_sdk().await;
    let accounts = accounts(&moto, &[]);
    for (path, sent) in [("good", true), ("bad", false), ("down", false)] {
        let settings =
            ResourceSettings { ip_ranges_url: Some(format!("{base}/{path}")), ..settings() };
        let (queue, collector) = queue();
        let report = sweep_resources(&accounts, &settings, queue.as_ref()).await.unwrap();
        drop(queue);
        let messages = collector.messages().await.0;
        let ip_ranges: Vec<_> = messages
            .iter()
            .filter_map(|m| match m {
                Message::IpRanges(r) => Some(r),
                _ => None,
            })
            .collect();
        if sent {
            assert_eq!(ip_ranges.len(), 1);
            assert_eq!(ip_ranges[0].sync_token, "1764000000");
            assert_eq!(ip_ranges[0].prefixes.len(), 2);
            assert!(matches!(report.ip_ranges, IpRangesOutcome::Sent { prefixes: 2, .. }));
        } else {
            assert!(ip_ranges.is_empty(), "{path}: {ip_ranges:?}");
            assert!(matches!(report.ip_ranges, IpRangesOutcome::Failed(_)), "{path}");
        }
    }
}
