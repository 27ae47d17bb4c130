//! Findings (issue 20) end to end through `zonetrail up`, against moto: an Elastic IP a
//! record points at is released, the ReleaseAddress event is posted to /local/events, and the
//! `dangling_ip` finding is open in `GET /api/findings` within a second; a new record to an
//! existing bucket's website endpoint raises nothing (one to a bucket that does not exist
//! does). `zonetrail findings suppress` keeps the finding suppressed across `zonetrail findings
//! evaluate`; bad flags are one-line usage errors.
//!
//! moto allocates addresses at random, so `up` is given an ip-ranges.json (served from a
//! loopback HTTP server, through `--ip-ranges-url`) whose EC2 prefix covers the address.

use axum::Router;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::inventory::Api;
use crate::process::{Running, Zonetrail};
use crate::records::{ACTOR_ROLE, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite() {
    released_address_is_a_finding_within_a_second(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_mariadb() {
    released_address_is_a_finding_within_a_second(Backend::MySql).await;
}

/// An ip-ranges.json with one EC2 prefix (the /16 of `ip`, in us-east-1), on 127.0.0.1.
/// Returns its URL and how many times it was fetched.
async fn serve_ip_ranges(ip: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let octets: Vec<&str> = ip.split('.').collect();
    let prefix = format!("{}.{}.0.0/16", octets[0], octets[1]);
    let doc = json!({
        "syncToken": "1796000000",
        "createDate": "2026-12-03-00-00-00",
        "prefixes": [
            {"ip_prefix": prefix, "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
            {"ip_prefix": prefix, "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
        ],
        "ipv6_prefixes": [
            {"ipv6_prefix": "2600:1f18::/36", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
        ],
    })
    .to_string();
    let fetched = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = fetched.clone();
    let app = Router::new().route(
        "/ip-ranges.json",
        get(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let doc = doc.clone();
            async move { ([("content-type", "application/json")], doc) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ip-ranges.json", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, fetched)
}

/// A CloudTrail event of an EC2 call as EventBridge delivers it.
fn ec2_event(account: &str, name: &str, request: Value) -> Value {
    let event_id = format!("e2e-{:016x}", rand::random::<u64>());
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    json!({
        "version": "0", "id": format!("eb-{event_id}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2", "account": account, "time": now, "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/alice", "accountId": account},
            "eventTime": now, "eventSource": "ec2.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.22.4",
            "requestParameters": request, "responseElements": {"requestId": "r-1", "_return": true},
            "requestID": format!("req-{event_id}"), "eventID": event_id, "readOnly": false,
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": account,
            "eventCategory": "Management"
        }
    })
}

/// The findings `GET /api/findings` lists with `query`.
async fn findings(api: &Api, query: &[(&str, &str)]) -> Vec<Value> {
    api.all("/api/findings", query).await
}

/// Poll `GET /api/findings` until `done` holds; the items then and the time it took.
async fn wait_for_findings(
    api: &Api,
    up: &Running,
    what: &str,
    within: Duration,
    query: &[(&str, &str)],
    done: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, Duration) {
    let started = Instant::now();
    loop {
        let items = findings(api, query).await;
        if done(&items) {
            return (items, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{what}: not within {within:?}; GET /api/findings {query:?} lists {items:#?}\n--- zonetrail stderr\n{}",
            up.stderr()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn on_record<'a>(items: &'a [Value], name: &str, kind: &str) -> Option<&'a Value> {
    items.iter().find(|f| f["record"]["name"] == name && f["kind"] == kind)
}

async fn released_address_is_a_finding_within_a_second(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let ec2 = aws_sdk_ec2::Client::new(&account.sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&account.sdk).force_path_style(true).build(),
    );

    // An Elastic IP, a record pointing at it, a bucket, before `up` starts.
    let allocated = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("AllocateAddress");
    let ip = allocated.public_ip().expect("a public IP").to_owned();
    let allocation_id = allocated.allocation_id().expect("an allocation id").to_owned();
    let bucket = format!("zt-e2e-site-{:08x}", rand::random::<u32>());
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    let zone = "dangle.e2e.example.";
    let zone_id = account.create_zone(zone, None).await;
    let app = Rec::simple(&format!("app.{zone}"), "A", 60, &[&ip]);
    account.change(&zone_id, &[("CREATE", &app)]).await;

    let (ranges_url, fetched) = serve_ip_ranges(&ip).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    let up =
        zonetrail.start(&["up", "--listen", "127.0.0.1:0", "--ip-ranges-url", &ranges_url]).await;
    let api = Api::new(&up.base());
    api.wait_for_total(3, Duration::from_secs(60)).await;

    // The resource sweep at start, then every record evaluated: the address is held, so the
    // record that points at it is no finding.
    let started = Instant::now();
    while !up.stderr().contains("findings after the resource sweep") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no evaluation after the first resource sweep within 60 s\n--- stderr\n{}",
            up.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fetched.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the resource sweep fetched --ip-ranges-url"
    );
    let before = findings(&api, &[]).await;
    assert!(
        on_record(&before, app.name.as_str(), "dangling_ip").is_none(),
        "a held Elastic IP is no finding: {before:#?}"
    );

    // Released, and its CloudTrail event posted: open within a second of the POST.
    ec2.release_address().allocation_id(&allocation_id).send().await.expect("ReleaseAddress");
    let event = ec2_event(&account.id, "ReleaseAddress", json!({"allocationId": allocation_id}));
    let posted = Instant::now();
    let (status, outcome) = api.post_event(&event).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
    assert_eq!(outcome["status"], "applied", "{outcome}");
    let (open, _) = wait_for_findings(
        &api,
        &up,
        "the released address's finding",
        Duration::from_secs(10),
        &[("status", "open")],
        |items| on_record(items, &app.name, "dangling_ip").is_some(),
    )
    .await;
    let took = posted.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "ReleaseAddress to an open dangling_ip took {took:?} (must be < 1 s)"
    );
    let finding = on_record(&open, &app.name, "dangling_ip").unwrap().clone();
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["subject"], ip.as_str());
    assert_eq!(finding["evidence"]["ip"], ip.as_str(), "{finding:#}");
    assert_eq!(finding["record"]["zone_id"], zone_id.as_str());
    assert!(finding["resolved_at"].is_null(), "{finding:#}");

    // A new record to the existing bucket's website endpoint: nothing. One to a bucket that
    // exists nowhere, in the same change: raised (so the first was evaluated, and passed).
    let site = Rec::simple(
        &format!("site.{zone}"),
        "CNAME",
        60,
        &[&format!("{bucket}.s3-website-us-east-1.amazonaws.com")],
    );
    let gone = Rec::simple(
        &format!("gone.{zone}"),
        "CNAME",
        60,
        &[&format!(
            "zt-e2e-nobody-{:08x}.s3-website-us-east-1.amazonaws.com",
            rand::random::<u32>()
        )],
    );
    let changes = [("CREATE", &site), ("CREATE", &gone)];
    account.change(&zone_id, &changes).await;
    let (event, _) = change_event(&account.id, &zone_id, &changes, ACTOR_ROLE);
    let (status, outcome) = api.post_event(&event).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
    wait_for_findings(
        &api,
        &up,
        "the missing bucket's finding",
        Duration::from_secs(10),
        &[("status", "open")],
        |items| on_record(items, &gone.name, "dangling_s3_website").is_some(),
    )
    .await;
    let all = findings(&api, &[]).await;
    assert!(
        all.iter().all(|f| f["record"]["name"] != site.name.as_str()),
        "a record to an existing bucket's website endpoint is no finding: {all:#?}"
    );

    // Suppressed by the command line: `suppressed`, and still after an evaluation of all.
    let record_id = finding["record"]["id"].as_i64().expect("the record's id").to_string();
    let suppressed = zonetrail
        .run(&[
            "findings",
            "suppress",
            "--kind",
            "dangling_ip",
            "--record",
            &record_id,
            "--reason",
            "parked: returned to the pool on purpose",
            "--by",
            "e2e",
        ])
        .await;
    suppressed.assert_success("findings suppress");
    assert!(suppressed.stdout.contains("1 finding(s) now suppressed"), "{}", suppressed.stdout);
    let shown = findings(&api, &[("status", "suppressed")]).await;
    let f = on_record(&shown, &app.name, "dangling_ip")
        .unwrap_or_else(|| panic!("not suppressed: {shown:#?}"));
    assert_eq!(f["id"], finding["id"], "the same finding, not a new one");
    assert_eq!(f["suppression"]["reason"], "parked: returned to the pool on purpose");
    assert_eq!(f["suppression"]["created_by"], "e2e");
    zonetrail.run(&["findings", "evaluate"]).await.assert_success("findings evaluate");
    let shown = findings(&api, &[("status", "suppressed")]).await;
    assert!(
        on_record(&shown, &app.name, "dangling_ip").is_some(),
        "still suppressed after an evaluation: {shown:#?}"
    );
    assert!(
        on_record(&findings(&api, &[("status", "open")]).await, &app.name, "dangling_ip").is_none(),
        "a suppressed finding is not listed as open"
    );

    // The command line's own list and the suppressions.
    let listed = zonetrail.run(&["findings", "list", "--status", "suppressed", "--json"]).await;
    listed.assert_success("findings list --json");
    let items: Vec<Value> =
        serde_json::from_str(&listed.stdout).expect("findings list --json is a JSON array");
    assert!(
        items.iter().any(|i| i["id"] == finding["id"] && i["suppression"]["created_by"] == "e2e"),
        "{items:#?}"
    );
    let text = zonetrail.run(&["findings", "list", "--kind", "dangling_s3_website"]).await;
    text.assert_success("findings list");
    assert!(
        text.stdout.contains(gone.name.as_str()) && !text.stdout.contains(app.name.as_str()),
        "{}",
        text.stdout
    );
    let sups = zonetrail.run(&["findings", "suppressions"]).await;
    assert!(
        sups.stdout.contains(&format!("dangling_ip on {} A in {zone_id}", app.name)),
        "{}",
        sups.stdout
    );

    // Unsuppressed by its key: open again.
    zonetrail
        .run(&[
            "findings",
            "unsuppress",
            "--kind",
            "dangling_ip",
            "--zone",
            &zone_id,
            "--name",
            "APP.dangle.e2e.example",
            "--type",
            "a",
        ])
        .await
        .assert_success("findings unsuppress by key");
    let shown = findings(&api, &[("status", "open")]).await;
    assert!(on_record(&shown, &app.name, "dangling_ip").is_some(), "open again: {shown:#?}");

    let stopped = up.interrupt().await;
    stopped.assert_success("up after Ctrl-C");
    assert!(stopped.stdout.contains("stopped cleanly"), "{}", stopped.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_findings_flags_are_one_line_usage_errors() {
    let account = Account::new().await;
    let db = database(Backend::Sqlite).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    for (args, flag) in [
        (&["up", "--findings", "maybe"][..], "--findings"),
        (&["up", "--resource-sweep-interval", "soon"], "--resource-sweep-interval"),
        (&["up", "--regions", "us-east-1,mars-north-1"], "--regions"),
        (&["up", "--ip-ranges-url", "ftp://example.com/ip-ranges.json"], "--ip-ranges-url"),
        (&["findings", "list", "--status", "closed"], "--status"),
        (&["findings", "list", "--kind", "dangling"], "--kind"),
        (
            &["findings", "suppress", "--kind", "dangling_ip", "--record", "1", "--reason", " "],
            "--reason",
        ),
        (
            &["findings", "suppress", "--kind", "dangling_ip", "--record", "x1", "--reason", "r"],
            "--record",
        ),
    ] {
        let out = zonetrail.run(args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: a usage error\n{}", out.stderr);
        let errors = out.error_lines();
        assert_eq!(errors.len(), 1, "{args:?}: one error line: {}", out.stderr);
        assert!(errors[0].contains(flag), "{args:?}: the error names {flag}: {}", errors[0]);
    }
    // The variable is read the same way.
    let out = zonetrail.clone().with("ZONETRAIL_FINDINGS", "sometimes").run(&["up"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.error_lines().len() == 1 && out.error_lines()[0].contains("--findings"),
        "{}",
        out.stderr
    );
    // Neither a record nor a full key.
    let out = zonetrail
        .run(&["findings", "suppress", "--kind", "dangling_ip", "--zone", "Z1", "--reason", "r"])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert_eq!(out.error_lines().len(), 1, "{}", out.stderr);
    // A record that is not in the inventory: an error naming it, nothing suppressed.
    zonetrail.run(&["migrate"]).await.assert_success("migrate");
    let out = zonetrail
        .run(&[
            "findings",
            "suppress",
            "--kind",
            "dangling_ip",
            "--record",
            "424242",
            "--reason",
            "r",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_eq!(
        out.error_lines(),
        ["error: --record 424242: no such record in the inventory"],
        "{}",
        out.stderr
    );
}
