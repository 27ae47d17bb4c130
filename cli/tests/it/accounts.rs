//! Several accounts, end to end: `zonetrail sweep --accounts A,B` reads B through a real
//! assume-role (moto acts in B with the credentials it hands out), and the inventory keeps
//! each zone with its account; a zone deleted with no event is tombstoned by the next sweep
//! of its account; and an account that refuses access keeps its inventory as it was.

use serde_json::Value;
use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53, Faults, ZoneSpec};
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::inventory::Api;
use crate::process::Zonetrail;
use crate::records::Rec;

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_on_sqlite() {
    two_accounts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_on_mariadb() {
    two_accounts(Backend::MySql).await;
}

async fn zones(zonetrail: &Zonetrail, query: &[(&str, &str)]) -> Vec<Value> {
    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&server.base());
    let (status, body) = api.get("/api/zones", query).await;
    assert!(status.is_success(), "{body}");
    server.interrupt().await.assert_success("serve");
    body["items"].as_array().expect("items").clone()
}

async fn two_accounts(backend: Backend) {
    let own = Account::new().await;
    let member = Account::new().await;
    let db = database(backend).await;
    let own_zone = own.create_zone("same.accounts.example.", None).await;
    let member_zone = member.create_zone("same.accounts.example.", None).await;
    let doomed = member.create_zone("doomed.accounts.example.", None).await;
    member
        .change(
            &doomed,
            &[("CREATE", &Rec::simple("www.doomed.accounts.example.", "A", 60, &["192.0.2.7"]))],
        )
        .await;
    let scope = format!("{},{}", own.id, member.id);
    let zonetrail = Zonetrail::new(&own, &db.url);

    let sweep = zonetrail.run(&["sweep", "--accounts", &scope]).await;
    sweep.assert_success("zonetrail sweep --accounts");
    for account in [&own, &member] {
        assert!(
            sweep.stdout.lines().any(|l| l.starts_with(&format!("account {} ", account.id))
                && l.contains(": ok ·")),
            "one summary line per account, ok: {}",
            sweep.stdout
        );
    }
    let listed = zones(&zonetrail, &[]).await;
    let account_of = |zones: &[Value], id: &str| {
        zones.iter().find(|z| z["zone_id"] == id).map(|z| z["account_id"].clone())
    };
    // The same name in two accounts: two zones, each with its account.
    assert_eq!(account_of(&listed, &own_zone), Some(Value::from(own.id.clone())));
    assert_eq!(account_of(&listed, &member_zone), Some(Value::from(member.id.clone())));
    assert_eq!(account_of(&listed, &doomed), Some(Value::from(member.id.clone())));
    let of_member = zones(&zonetrail, &[("account", member.id.as_str())]).await;
    assert_eq!(of_member.len(), 2, "{of_member:?}");

    // Deleted with no event: the member's next sweep lists it no more, and it is tombstoned.
    member
        .change(
            &doomed,
            &[("DELETE", &Rec::simple("www.doomed.accounts.example.", "A", 60, &["192.0.2.7"]))],
        )
        .await;
    member.route53.delete_hosted_zone().id(&doomed).send().await.expect("DeleteHostedZone");
    zonetrail.run(&["sweep", "--accounts", &scope]).await.assert_success("the second sweep");
    let after = zones(&zonetrail, &[]).await;
    assert_eq!(account_of(&after, &doomed), None, "the deleted zone is gone: {after:?}");
    assert!(account_of(&after, &member_zone).is_some());
    let with_deleted = zones(&zonetrail, &[("include_deleted", "true")]).await;
    let gone = with_deleted.iter().find(|z| z["zone_id"] == doomed.as_str()).expect("kept");
    assert!(!gone["deleted_at"].is_null(), "tombstoned: {gone}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_account_keeps_its_inventory_on_sqlite() {
    refused_keeps_inventory(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_account_keeps_its_inventory_on_mariadb() {
    refused_keeps_inventory(Backend::MySql).await;
}

/// Route 53 from the fake (AWS_ENDPOINT_URL_ROUTE_53), STS from moto: the first sweep reads
/// the zones, then the fake refuses with AccessDenied and the second sweep changes nothing.
async fn refused_keeps_inventory(backend: Backend) {
    let own = Account::new().await;
    let db = database(backend).await;
    let fake = FakeRoute53::start(FakeConfig::default()).await.expect("fake Route 53");
    let zone = fake.create_zone(ZoneSpec::public("kept.accounts.example"));
    fake.add_record_sets(
        &zone,
        [zonetrail_model::RecordSet {
            name: zonetrail_model::RecordName::parse("www.kept.accounts.example").unwrap(),
            rtype: zonetrail_model::RecordType::A,
            set_identifier: None,
            ttl: Some(60),
            values: vec!["192.0.2.8".into()],
            alias_target: None,
            routing: Default::default(),
        }],
    );
    let zonetrail =
        Zonetrail::new(&own, &db.url).with("AWS_ENDPOINT_URL_ROUTE_53", fake.endpoint());
    zonetrail.run(&["sweep"]).await.assert_success("the first sweep");
    let before = zones(&zonetrail, &[("include_deleted", "true")]).await;
    assert_eq!(before.len(), 1, "{before:?}");

    fake.set_faults(Faults { access_denied: true, ..Faults::default() });
    let refused = zonetrail.run(&["sweep"]).await;
    assert!(!refused.status.success(), "a refused account fails the sweep's exit status");
    assert!(
        refused.stdout.contains("access_denied"),
        "the account's line says access_denied: {}",
        refused.stdout
    );
    assert!(
        refused.error_lines().iter().any(|l| l.contains(&own.id) && l.contains("AccessDenied")),
        "an error line names the account and the reason: {}",
        refused.stderr
    );
    let after = zones(&zonetrail, &[("include_deleted", "true")]).await;
    assert_eq!(after, before, "failing to read an account never changes its inventory");
}
