//! `zonetrail sweep`, then `zonetrail serve`: every record of every zone is there, exactly as
//! Route 53 has it, and the record sets of one name that differ only by set identifier are
//! distinct records.

use reqwest::StatusCode;
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::fixture::showcase_zone;
use crate::inventory::Api;
use crate::process::Zonetrail;
use crate::records::Rec;

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite() {
    sweep_then_serve(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_mariadb() {
    sweep_then_serve(Backend::MySql).await;
}

async fn sweep_then_serve(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    // 700 hosts: three ListResourceRecordSets pages of 300.
    let public = showcase_zone(&account, "sweep.e2e.example.", 700).await;
    let private_id = account
        .create_zone("corp.e2e.internal.", Some(("eu-west-1", "vpc-0e2e0000000000001")))
        .await;
    let private = [
        Rec::simple(
            "db.corp.e2e.internal.",
            "CNAME",
            30,
            &["prod.cluster-abc.eu-west-1.rds.amazonaws.com."],
        ),
        Rec::simple(
            "_ldap._tcp.corp.e2e.internal.",
            "SRV",
            300,
            &["0 100 389 ldap.corp.e2e.internal."],
        ),
        Rec::simple("queue.corp.e2e.internal.", "A", 60, &["10.1.0.10"]).set("queue-a").weight(50),
        Rec::simple("queue.corp.e2e.internal.", "A", 60, &["10.1.0.11"]).set("queue-b").weight(50),
    ];
    account.change(&private_id, &private.iter().map(|r| ("CREATE", r)).collect::<Vec<_>>()).await;
    let total = public.record_count() + private.len() + 2;

    let zonetrail = Zonetrail::new(&account, &db.url);
    let sweep = zonetrail.run(&["sweep"]).await;
    sweep.assert_success("zonetrail sweep");
    assert!(
        sweep.stdout.contains(&format!("swept 2 zones, {total} record sets")),
        "the summary line counts every zone and record set: {}",
        sweep.stdout
    );
    assert_eq!(
        sweep.stdout.lines().count(),
        2,
        "sweep ends with one summary line and one line for the account: {}",
        sweep.stdout
    );
    assert!(
        sweep.stdout.lines().nth(1).unwrap().starts_with(&format!("account {} ", account.id)),
        "{}",
        sweep.stdout
    );

    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let port: u16 = server
        .addr
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("serve printed {:?}", server.addr));
    assert_ne!(port, 0, "serve prints the port it really listens on");
    let api = Api::new(&server.base());

    // Exactly what Route 53 holds, record for record, field for field.
    let shown = api.zone_records(&public.id).await;
    assert_eq!(
        shown.len(),
        public.record_count(),
        "every record set of {} and nothing else",
        public.name
    );
    assert_eq!(
        shown,
        account.record_sets(&public.id).await,
        "the inventory equals Route 53 for {}",
        public.name
    );
    for rec in &public.records {
        assert_eq!(shown.get(&rec.key()), Some(rec), "{:?} as seeded", rec.key());
    }
    let weighted: Vec<_> = shown
        .values()
        .filter(|r| r.name == public.host("api"))
        .map(|r| (r.set_id.clone().unwrap(), r.weight.unwrap()))
        .collect();
    assert_eq!(
        weighted,
        [("api-blue".into(), 70), ("api-canary".into(), 10), ("api-green".into(), 20)],
        "three weighted records of one name"
    );
    let geo = shown.values().filter(|r| r.name == public.host("geo")).count();
    assert_eq!(geo, 4, "four geolocation records of one name");
    assert_eq!(
        shown[&public.find("app", "A", Some("app-primary")).key()].failover.as_deref(),
        Some("PRIMARY")
    );
    assert!(
        shown.contains_key(&("*.wild.sweep.e2e.example.".to_owned(), "CNAME".to_owned(), None)),
        "the wildcard, with `*` decoded"
    );

    let shown_private = api.zone_records(&private_id).await;
    assert_eq!(
        shown_private,
        account.record_sets(&private_id).await,
        "the inventory equals Route 53 for the private zone"
    );

    let (status, zones) = api.get("/api/zones", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let zones = zones["items"].as_array().expect("zones");
    assert_eq!(zones.len(), 2, "{zones:?}");
    let corp =
        zones.iter().find(|z| z["zone_id"] == private_id.as_str()).expect("the private zone");
    assert_eq!(corp["private_zone"], true);
    assert_eq!(
        corp["vpcs"],
        serde_json::json!([{ "region": "eu-west-1", "id": "vpc-0e2e0000000000001" }])
    );
    assert_eq!(corp["records"], private.len() + 2);
    assert_eq!(api.total_records().await as usize, total);

    let stopped = server.interrupt().await;
    stopped.assert_success("serve after Ctrl-C");
}
