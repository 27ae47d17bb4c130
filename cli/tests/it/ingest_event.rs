//! `zonetrail ingest-event FILE|-`: a CloudTrail event applies, with its actor in the history;
//! a malformed one is refused with one clear line and a non-zero exit, and changes nothing.

use serde_json::{Value, json};
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::fixture::showcase_zone;
use crate::inventory::Api;
use crate::process::{Finished, Zonetrail};
use crate::records::{ACTOR_ROLE, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite() {
    ingest_event(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_mariadb() {
    ingest_event(Backend::MySql).await;
}

fn write_event(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn assert_refused(out: &Finished, what: &str, mentions: &str) {
    assert!(
        !out.status.success(),
        "{what}: a malformed event must fail the command\n{}",
        out.stdout
    );
    let errors = out.error_lines();
    assert_eq!(errors.len(), 1, "{what}: one error line, got:\n{}", out.stderr);
    assert!(
        errors[0].contains(mentions),
        "{what}: the error names the problem ({mentions:?}): {}",
        errors[0]
    );
    assert!(out.stdout.trim().is_empty(), "{what}: nothing reported as applied: {}", out.stdout);
}

async fn ingest_event(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone = showcase_zone(&account, "events.e2e.example.", 20).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    zonetrail.run(&["sweep"]).await.assert_success("the first sweep");
    let dir = std::env::temp_dir().join(format!("zt-e2e-events-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();

    // The change in Route 53, then its CloudTrail event.
    let before = zone.find("www", "A", None);
    let after = before.clone().with_ttl(60).with_values(&["192.0.2.99"]);
    account.change(&zone.id, &[("UPSERT", &after)]).await;
    let (event, event_id) = change_event(&account.id, &zone.id, &[("UPSERT", &after)], ACTOR_ROLE);
    let applied = zonetrail
        .run(&["ingest-event", &write_event(&dir, "upsert.json", &event.to_string())])
        .await;
    applied.assert_success("ingest-event");
    let outcome: Value = serde_json::from_str(applied.stdout.trim())
        .expect("ingest-event prints its outcome as JSON");
    assert_eq!(outcome["status"], "applied", "{outcome}");
    assert_eq!(outcome["event_id"], event_id.as_str());

    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&server.base());
    let items = api.named(&zone.id, &after.name, "A").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(Rec::from_api(&items[0]), after, "the record shows the new value and TTL");
    let history = api.history(items[0]["id"].as_i64().unwrap()).await;
    assert_eq!(history.len(), 2, "created by the sweep, updated by the event: {history:#?}");
    let update = history
        .iter()
        .find(|h| h["event_id"] == event_id.as_str())
        .expect("the event's history entry");
    assert_eq!(update["action"], "update");
    assert_eq!(update["source"], "event");
    assert_eq!(update["actor"], ACTOR_ROLE);
    assert_eq!(update["before"]["values"], json!(before.values));
    assert_eq!(update["after"]["values"], json!(["192.0.2.99"]));
    assert_eq!(update["after"]["ttl"], 60);

    // From standard input, too.
    let txt = Rec::simple(&zone.host("_stdin"), "TXT", 300, &["\"from stdin\""]);
    account.change(&zone.id, &[("CREATE", &txt)]).await;
    let (event, _) = change_event(&account.id, &zone.id, &[("CREATE", &txt)], ACTOR_ROLE);
    zonetrail
        .run_with_stdin(&["ingest-event", "-"], Some(&event.to_string()))
        .await
        .assert_success("ingest-event -");
    assert_eq!(
        api.named(&zone.id, &txt.name, "TXT").await.len(),
        1,
        "the event read from stdin applied"
    );

    // Malformed events: refused, one line each, nothing applied.
    let changes_before = api.changes().await.len();
    let blue = zone.find("api", "A", Some("api-blue"));
    let shifted = blue.clone().weight(5);
    let (mut mixed, _) = change_event(
        &account.id,
        &zone.id,
        &[("UPSERT", &shifted), ("UPSERT", &after)],
        ACTOR_ROLE,
    );
    mixed["detail"]["requestParameters"]["changeBatch"]["changes"][1]["action"] = json!("MERGE");
    let (mut bad_name, _) =
        change_event(&account.id, &zone.id, &[("UPSERT", &shifted)], ACTOR_ROLE);
    bad_name["detail"]["requestParameters"]["changeBatch"]["changes"][0]["resourceRecordSet"]["name"] =
        json!("bad..name.events.e2e.example.");
    let (mut wrong_source, _) =
        change_event(&account.id, &zone.id, &[("UPSERT", &shifted)], ACTOR_ROLE);
    // EC2, S3, CloudFront and Elastic Beanstalk events are resource events now (findings);
    // SQS is a service zonetrail never reads.
    wrong_source["source"] = json!("aws.sqs");
    let (mut no_zone, _) = change_event(&account.id, &zone.id, &[("UPSERT", &shifted)], ACTOR_ROLE);
    no_zone["detail"]["requestParameters"]["hostedZoneId"] = json!(42);
    let cases = [
        ("a batch with an unknown action", mixed.to_string(), "MERGE"),
        ("a bad record name", bad_name.to_string(), "name"),
        ("another service's event", wrong_source.to_string(), "aws.sqs"),
        ("a zone id that is not a string", no_zone.to_string(), "hostedZoneId"),
        ("text that is not JSON", "{\"detail-type\": ".to_owned(), "not JSON"),
    ];
    for (i, (what, text, mentions)) in cases.iter().enumerate() {
        let out = zonetrail
            .run(&["ingest-event", &write_event(&dir, &format!("bad-{i}.json"), text)])
            .await;
        assert_refused(&out, what, mentions);
    }
    let out = zonetrail.run_with_stdin(&["ingest-event", "-"], Some("[1, 2]")).await;
    assert_refused(&out, "a JSON array on stdin", "object");
    let out = zonetrail.run(&["ingest-event", dir.join("missing.json").to_str().unwrap()]).await;
    assert_refused(&out, "a file that does not exist", "missing.json");

    assert_eq!(api.changes().await.len(), changes_before, "no malformed event changed anything");
    let blue_now = api.named(&zone.id, &blue.name, "A").await;
    let blue_now: Vec<_> = blue_now
        .iter()
        .map(Rec::from_api)
        .filter(|r| r.set_id.as_deref() == Some("api-blue"))
        .collect();
    assert_eq!(blue_now, [blue], "the valid half of a refused batch was not applied either");

    server.interrupt().await.assert_success("serve after Ctrl-C");
    let _ = std::fs::remove_dir_all(&dir);
}
