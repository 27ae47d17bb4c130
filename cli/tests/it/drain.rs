//! `zonetrail drain --queue-url URL`: an SQS queue holding a sweep's messages and event
//! messages, each delivered one to three times in any order, converges to exactly what
//! Route 53 holds, with one history entry per real change, and leaves the queue empty. A
//! message that can never apply stays on the queue, named, and the command fails.

use rand::seq::SliceRandom;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::fixture::showcase_zone;
use crate::inventory::Api;
use crate::process::Zonetrail;
use crate::records::{ACTOR_ROLE, ACTOR_USER, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_converge_on_sqlite() {
    duplicates_converge(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_converge_on_mariadb() {
    duplicates_converge(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_message_stays_on_sqlite() {
    poison_message_stays(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_message_stays_on_mariadb() {
    poison_message_stays(Backend::MySql).await;
}

fn kind(body: &str) -> String {
    let v: Value = serde_json::from_str(body).expect("a queue message is JSON");
    v["kind"].as_str().expect("a kind").to_owned()
}

async fn duplicates_converge(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    // 650 hosts: the sweep's records span three pages, so three `records` messages.
    let zone = showcase_zone(&account, "drain.e2e.example.", 650).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    // The baseline, applied directly.
    zonetrail.run(&["sweep"]).await.assert_success("the baseline sweep");
    let baseline = zone.record_count();

    let staging = account.create_queue("zonetrail-e2e-staging").await;
    let target = account.create_queue("zonetrail-e2e-drain").await;
    let enqueue = zonetrail.clone().with("ZONETRAIL_QUEUE_URL", &staging);
    let dir = std::env::temp_dir().join(format!("zt-e2e-drain-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();

    // Four calls to Route 53 and their events, enqueued: an update, a create, a delete, and a
    // weighted shift that changes two records in one batch.
    let www = zone.find("www", "A", None).with_values(&["192.0.2.77"]);
    let fresh = Rec::simple(&zone.host("fresh"), "TXT", 300, &["\"hello from an event\""]);
    let gone = zone.find("host-0003", "A", None);
    let blue = zone.find("api", "A", Some("api-blue")).weight(50);
    let green = zone.find("api", "A", Some("api-green")).weight(40);
    let calls: Vec<Vec<(&str, &Rec)>> = vec![
        vec![("UPSERT", &www)],
        vec![("CREATE", &fresh)],
        vec![("DELETE", &gone)],
        vec![("UPSERT", &blue), ("UPSERT", &green)],
    ];
    for (i, changes) in calls.iter().enumerate() {
        account.change(&zone.id, changes).await;
        let (event, _) = change_event(
            &account.id,
            &zone.id,
            changes,
            if i % 2 == 0 { ACTOR_ROLE } else { ACTOR_USER },
        );
        let path = dir.join(format!("event-{i}.json"));
        std::fs::write(&path, event.to_string()).unwrap();
        let out = enqueue.run(&["ingest-event", path.to_str().unwrap()]).await;
        out.assert_success("ingest-event onto the queue");
    }
    // A sweep after the events (in a later second than any of them), onto the same queue.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let swept = enqueue.run(&["sweep"]).await;
    swept.assert_success("sweep onto the queue");
    assert!(swept.stdout.contains("enqueued on"), "{}", swept.stdout);

    let bodies = account.take_all(&staging).await;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for body in &bodies {
        *kinds.entry(kind(body)).or_default() += 1;
    }
    assert_eq!(kinds.get("zone"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("sweep_done"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("zones_listed"), Some(&1), "one list for the account: {kinds:?}");
    assert_eq!(kinds.get("account_status"), Some(&1), "one status for the account: {kinds:?}");
    assert!(
        kinds.get("records").is_some_and(|n| *n >= 4 + 3),
        "four events and three sweep pages: {kinds:?}"
    );

    // At-least-once delivery in any order: each message one to three times, shuffled.
    let mut deliveries: Vec<String> = bodies
        .iter()
        .flat_map(|b| std::iter::repeat_n(b.clone(), rand::random_range(1..=3)))
        .collect();
    deliveries.shuffle(&mut rand::rng());
    account.send_all(&target, &deliveries).await;
    // A consumer that died holding a message: it stays in flight (hidden) for 3 s, and drain
    // must wait for it to come back rather than stop at an empty-looking queue.
    let held = account
        .sqs
        .receive_message()
        .queue_url(&target)
        .max_number_of_messages(1)
        .visibility_timeout(3)
        .send()
        .await
        .expect("ReceiveMessage");
    assert_eq!(held.messages().len(), 1, "one message taken in flight");

    let drained = zonetrail.run(&["drain", "--queue-url", &target]).await;
    drained.assert_success("drain");
    assert!(
        // Received can exceed the deliveries: a sweep_done that comes before its pages is
        // retried until they are applied. Every delivery is applied exactly once.
        drained.stdout.contains(&format!(", {} applied (", deliveries.len()))
            && drained.stdout.contains("0 left on the queue"),
        "{}",
        drained.stdout
    );
    assert_eq!(
        account.queue_depth(&target).await,
        (0, 0),
        "the queue is empty afterwards, nothing in flight"
    );

    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&server.base());
    let shown = api.zone_records(&zone.id).await;
    assert_eq!(shown, account.record_sets(&zone.id).await, "the inventory equals Route 53 exactly");
    assert_eq!(shown.get(&www.key()), Some(&www));
    assert_eq!(shown.get(&fresh.key()), Some(&fresh));
    assert_eq!(shown.get(&blue.key()), Some(&blue));
    assert_eq!(shown.get(&green.key()), Some(&green));
    assert!(!shown.contains_key(&gone.key()), "the deleted record is not live");

    // One history entry per real change: the baseline's creates, then five changes (the
    // update, the create, the delete and the two weights), however often each arrived.
    let feed = api.changes().await;
    assert_eq!(feed.len(), baseline + 5, "history entries");
    let entries = |rec: &Rec| -> Vec<String> {
        let mut actions: Vec<String> = feed
            .iter()
            .filter(|c| {
                c["name"] == rec.name.as_str()
                    && c["type"] == rec.rtype.as_str()
                    && c["set_identifier"].as_str() == rec.set_id.as_deref()
            })
            .map(|c| c["action"].as_str().unwrap().to_owned())
            .collect();
        actions.reverse();
        actions
    };
    assert_eq!(entries(&www), ["create", "update"]);
    assert_eq!(entries(&fresh), ["create"]);
    assert_eq!(entries(&gone), ["create", "delete"]);
    assert_eq!(entries(&blue), ["create", "update"]);
    assert_eq!(entries(&green), ["create", "update"]);
    let tombstone = api
        .all(
            "/api/records",
            &[("zone", &zone.id), ("name", &gone.name), ("include_deleted", "true")],
        )
        .await;
    assert_eq!(tombstone.len(), 1, "{tombstone:?}");
    assert!(
        tombstone[0]["deleted_at"].is_string(),
        "a delete leaves a tombstone: {}",
        tombstone[0]
    );

    server.interrupt().await.assert_success("serve after Ctrl-C");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn poison_message_stays(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone = showcase_zone(&account, "poison.e2e.example.", 5).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    let queue = account.create_queue("zonetrail-e2e-poison").await;
    zonetrail
        .clone()
        .with("ZONETRAIL_QUEUE_URL", &queue)
        .run(&["sweep"])
        .await
        .assert_success("sweep onto the queue");
    let poison = [
        "this is not JSON".to_owned(),
        r#"{"v":1,"kind":"records","zone_id":"not a zone id!","observed_at":"2026-11-22T10:00:00Z","origin":{"sweep":{"sweep_id":"s","page":1}}}"#.to_owned(),
    ];
    let poison_ids = account.send_all(&queue, &poison).await;

    let drained = zonetrail.run(&["drain", "--queue-url", &queue]).await;
    assert!(
        !drained.status.success(),
        "drain fails when a message cannot be applied\n{}",
        drained.stdout
    );
    assert!(drained.stdout.contains("2 left on the queue"), "{}", drained.stdout);
    for id in &poison_ids {
        assert!(
            drained.error_lines().iter().any(|l| l.contains(id.as_str())),
            "drain names the message {id} it could not apply:\n{}",
            drained.stderr
        );
    }

    // The good messages applied; the poison ones are back on the queue, untouched.
    let mut left = account.take_all(&queue).await;
    left.sort();
    let mut expected = poison.to_vec();
    expected.sort();
    assert_eq!(left, expected, "only the poison messages are left on the queue");
    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&server.base());
    assert_eq!(
        api.zone_records(&zone.id).await,
        account.record_sets(&zone.id).await,
        "the valid messages applied"
    );
    server.interrupt().await.assert_success("serve after Ctrl-C");
}
