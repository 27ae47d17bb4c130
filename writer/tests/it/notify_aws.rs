//! Notifications in AWS mode (issue 19), against moto (`ZONETRAIL_TEST_AWS_ENDPOINT`): changes
//! the writer applies with the outbox on are published by the `Publisher` through the real
//! SDK's `PutEvents` (`EventBridgeSink`) to a bus, and rules on that bus deliver them to SQS
//! queues: one on `{"source": ["zonetrail"]}` gets every change with the documented detail;
//! one with an `anything-but` on the actor's role (the IaC pipeline's) leaves that role's
//! change out and keeps the others, drift (no actor) included.

use aws_sdk_eventbridge::config::{Credentials, Region};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use zonetrail_model::entity::change_outbox;
use zonetrail_model::testing::Backend;
use zonetrail_model::{Message, Origin, RecordsMessage, ZoneId};
use zonetrail_notify::eventbridge::EventBridgeSink;
use zonetrail_notify::publisher::Publisher;
use zonetrail_notify::{DETAIL_TYPE, Filter, SOURCE};
use zonetrail_writer::{ApplyOptions, apply_with};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    the_sdk_publishes_to_eventbridge_and_rules_route_the_changes_to_sqs,
    a_failed_put_events_keeps_every_change_of_the_call_for_a_retry,
);

const DEPLOYER_ROLE: &str = "arn:aws:iam::111122223333:role/deployer";
const DEPLOYER: &str = "arn:aws:sts::111122223333:assumed-role/deployer/alice";
const IAC_ROLE: &str = "arn:aws:iam::111122223333:role/iac-pipeline";
const IAC: &str = "arn:aws:sts::111122223333:assumed-role/iac-pipeline/ci-42";

async fn sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(zonetrail_model::testing::aws_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "zonetrail-tests"))
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A change made by `actor` (an assumed-role session of `role`).
fn by(zone: &ZoneId, at: i64, id: &str, value: &str, actor: &str, role: &str) -> Message {
    Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: t(at),
        origin: Origin::Event {
            backfill: false,
            event_id: id.into(),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some(actor.into()),
            actor_role: Some(role.into()),
            comment: None,
        },
        upserts: vec![rec("www", None, value)],
        deletes: vec![],
    })
}

/// A queue, and a rule on `bus` with `pattern` targeting it; the queue's URL.
async fn rule_to_queue(
    events: &aws_sdk_eventbridge::Client,
    sqs: &aws_sdk_sqs::Client,
    bus: &str,
    pattern: &Value,
) -> String {
    let name = unique("zt-notify");
    let url = sqs.create_queue().queue_name(&name).send().await.unwrap().queue_url.unwrap();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let arn = attrs.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    events
        .put_rule()
        .name(&name)
        .event_bus_name(bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .expect("put_rule");
    events
        .put_targets()
        .rule(&name)
        .event_bus_name(bus)
        .targets(Target::builder().id("queue").arn(arn).build().unwrap())
        .send()
        .await
        .expect("put_targets");
    url
}

/// Every message waiting in the queue, as JSON.
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        let messages = got.messages();
        if messages.is_empty() {
            return all;
        }
        for m in messages {
            all.push(serde_json::from_str(m.body().unwrap()).unwrap());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

async fn the_sdk_publishes_to_eventbridge_and_rules_route_the_changes_to_sqs(backend: Backend) {
    let db = migrated(backend).await;
    let sdk = sdk().await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let bus = unique("zonetrail");
    events.create_event_bus().name(&bus).send().await.expect("create the bus");
    let everything = rule_to_queue(&events, &sqs, &bus, &json!({"source": [SOURCE]})).await;
    // "Changes to zone X not made by role Y" (docs/deploy.md, "Notifications"); `null` keeps
    // the changes without an actor (drift a sweep found).
    let zone = fresh_zone();
    let not_iac = rule_to_queue(
        &events,
        &sqs,
        &bus,
        &json!({
            "source": [SOURCE],
            "detail-type": [DETAIL_TYPE],
            "detail": {
                "zone_id": [zone.as_str()],
                "actor_role": [{"anything-but": [IAC_ROLE]}, null],
            },
        }),
    )
    .await;

    let opts = ApplyOptions { outbox: true, ..ApplyOptions::default() };
    let changes = [
        by(&zone, 10, "ev-deployer", "192.0.2.1", DEPLOYER, DEPLOYER_ROLE),
        by(&zone, 20, "ev-iac", "192.0.2.2", IAC, IAC_ROLE),
        // Drift: a sweep sees a value nobody was seen to set.
        page(&zone, t(30), "sweep-1", 0, vec![rec("www", None, "192.0.2.3")]),
    ];
    for m in &changes {
        apply_with(&db.conn, m, &opts).await.expect("applies");
    }

    let sink = EventBridgeSink::new(events.clone(), &bus);
    let publisher = Publisher::new(db.conn.clone(), sink, Filter::default()).emf(false);
    let report = publisher.publish_due().await.expect("publishes");
    assert_eq!((report.sent, report.failed), (3, 0), "{report:?}");

    let got = drain(&sqs, &everything).await;
    assert_eq!(got.len(), 3, "every change reaches the catch-all rule's queue: {got:#?}");
    let mut got = got;
    got.sort_by_key(|e| e["detail"]["id"].as_i64());
    for e in &got {
        assert_eq!(e["source"], SOURCE);
        assert_eq!(e["detail-type"], DETAIL_TYPE);
        assert!(e["detail"]["id"].as_i64().is_some(), "the change id, to dedupe by: {e}");
        assert_eq!(e["detail"]["zone_id"], zone.as_str());
        assert!(e["detail"].get("zone_name").is_some(), "zone_name, null when not listed: {e}");
        assert_eq!(e["detail"]["name"], "www.example.com.");
        assert_eq!(e["detail"]["type"], "A");
    }
    let (first, second, drift) = (&got[0]["detail"], &got[1]["detail"], &got[2]["detail"]);
    assert_eq!(first["action"], "create");
    assert_eq!(first["source"], "event");
    assert_eq!(first["actor"], DEPLOYER);
    assert_eq!(first["actor_role"], DEPLOYER_ROLE);
    assert_eq!(first["event_id"], "ev-deployer");
    assert_eq!(first["before"], Value::Null);
    assert_eq!(first["after"]["values"], json!(["192.0.2.1"]));
    assert_eq!(first["after"]["ttl"], 300);
    assert_eq!(first["observed_at"], "2026-11-01T12:00:10.000000Z");
    assert_eq!(second["action"], "update");
    assert_eq!(second["actor_role"], IAC_ROLE);
    assert_eq!(second["before"]["values"], json!(["192.0.2.1"]));
    assert_eq!(second["after"]["values"], json!(["192.0.2.2"]));
    assert_eq!(drift["action"], "update");
    assert_eq!(drift["source"], "sweep");
    assert_eq!(drift["actor"], Value::Null, "drift has no actor");
    assert_eq!(drift["after"]["values"], json!(["192.0.2.3"]));
    // The event's time is the change's own (`Time`), not the publishing time. moto passes
    // the SDK's epoch seconds through where EventBridge gives RFC 3339.
    let time = &got[0]["time"];
    let seconds = match time {
        Value::Number(n) => n.as_f64().unwrap() as i64,
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp(),
        other => panic!("time {other}"),
    };
    assert_eq!(seconds, t(10).timestamp());

    let filtered = drain(&sqs, &not_iac).await;
    let mut ids: Vec<i64> = filtered.iter().map(|e| e["detail"]["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![first["id"].as_i64().unwrap(), drift["id"].as_i64().unwrap()],
        "the anything-but rule leaves out the IaC role's change and keeps drift: {filtered:#?}"
    );

    // Published rows left the outbox: a second pass sends nothing.
    let again = publisher.publish_due().await.unwrap();
    assert_eq!(again.sent, 0);
    assert!(drain(&sqs, &everything).await.is_empty());
}

async fn a_failed_put_events_keeps_every_change_of_the_call_for_a_retry(backend: Backend) {
    let db = migrated(backend).await;
    let sdk = sdk().await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let zone = fresh_zone();
    let opts = ApplyOptions { outbox: true, ..ApplyOptions::default() };
    for m in [
        by(&zone, 10, "ev-1", "192.0.2.1", DEPLOYER, DEPLOYER_ROLE),
        by(&zone, 20, "ev-2", "192.0.2.2", DEPLOYER, DEPLOYER_ROLE),
    ] {
        apply_with(&db.conn, &m, &opts).await.expect("applies");
    }
    // A bus that does not exist: the whole call fails (as throttling or the network would).
    let missing = unique("no-such-bus");
    let sink = EventBridgeSink::new(events.clone(), &missing);
    let publisher = Publisher::new(db.conn.clone(), sink, Filter::default()).emf(false);
    let report = publisher.publish_due().await.expect("a refused send is not a database error");
    assert_eq!((report.sent, report.failed), (0, 2), "{report:?}");
    let rows = change_outbox::Entity::find().all(&db.conn).await.unwrap();
    assert_eq!(rows.len(), 2, "both changes wait for a retry");
    for row in &rows {
        assert_eq!(row.attempts, 1);
        assert!(row.next_attempt_at > chrono::Utc::now(), "backed off");
        let why = row.last_error.as_deref().unwrap_or_default();
        assert!(why.contains("PutEvents failed"), "{why}");
    }

    // Once the bus exists and the rows are due, the same rows go out.
    events.create_event_bus().name(&missing).send().await.unwrap();
    change_outbox::Entity::update_many()
        .col_expr(
            change_outbox::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(change_outbox::Column::Attempts.eq(1))
        .exec(&db.conn)
        .await
        .unwrap();
    let retry = publisher.publish_due().await.unwrap();
    assert_eq!((retry.sent, retry.failed), (2, 0), "{retry:?}");
    assert!(change_outbox::Entity::find().all(&db.conn).await.unwrap().is_empty());
}
