//! Notifications in the writer function (issue 19): with a publisher, an SQS batch's changes
//! are published after the batch is applied, a sink that fails never fails the batch and
//! leaves the changes in the outbox, and the scheduled `{"notify": {}}` invocation publishes
//! everything due and says what it did.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Context, LambdaEvent};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use zonetrail_model::Message;
use zonetrail_model::entity::change_outbox;
use zonetrail_model::testing::Backend;
use zonetrail_notify::publisher::Publisher;
use zonetrail_notify::{Event, Filter, SendError, Sink};
use zonetrail_writer::ApplyOptions;
use zonetrail_writer::lambda::{DEFAULT_CONCURRENCY, Notifier, State, handle_invocation};

use crate::on_both_backends;
use crate::support::*;

on_both_backends!(
    a_batch_publishes_its_changes_after_applying_them,
    a_failing_sink_never_fails_the_batch_and_keeps_the_changes,
    the_scheduled_invocation_publishes_everything_due,
    the_scheduled_invocation_refuses_bad_payloads_and_a_writer_without_notifications,
    writer_instances_publishing_together_send_each_change_once,
);

/// A sink that keeps each event's JSON, or refuses every event while `failing`.
#[derive(Clone, Default)]
struct Recorder {
    got: Arc<Mutex<Vec<Value>>>,
    failing: Arc<AtomicBool>,
    /// How long each send takes.
    slow: Option<std::time::Duration>,
}

impl Sink for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn send(&self, events: &[Event]) -> Vec<Result<(), SendError>> {
        if let Some(slow) = self.slow {
            tokio::time::sleep(slow).await;
        }
        if self.failing.load(Ordering::SeqCst) {
            return events.iter().map(|_| Err(SendError("receiver down".into()))).collect();
        }
        let mut got = self.got.lock().unwrap();
        events
            .iter()
            .map(|e| {
                got.push(serde_json::from_str(&e.to_json()).unwrap());
                Ok(())
            })
            .collect()
    }
}

impl Recorder {
    fn ids(&self) -> Vec<i64> {
        self.got.lock().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect()
    }
}

fn state(db: &DatabaseConnection, sink: Option<&Recorder>) -> State {
    let notify = sink.map(|sink| {
        Notifier::new(Publisher::new(db.clone(), sink.clone(), Filter::default()).emf(false))
    });
    State {
        findings: None,
        db: db.clone(),
        emit_metrics: false,
        concurrency: DEFAULT_CONCURRENCY,
        options: ApplyOptions { outbox: notify.is_some(), ..ApplyOptions::default() },
        notify,
    }
}

fn sqs_event(bodies: &[(&str, String)]) -> Value {
    let records: Vec<_> = bodies
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id, "receiptHandle": format!("rh-{id}"), "body": body,
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:zonetrail", "awsRegion": "us-east-1"
            })
        })
        .collect();
    let event: SqsEvent = serde_json::from_value(json!({ "Records": records })).unwrap();
    serde_json::to_value(event).unwrap()
}

async fn invoke(state: &State, payload: Value) -> Result<Value, String> {
    handle_invocation(state, LambdaEvent::new(payload, Context::default()))
        .await
        .map_err(|e| e.to_string())
}

async fn outbox_len(db: &DatabaseConnection) -> u64 {
    change_outbox::Entity::find().count(db).await.unwrap()
}

fn two_changes(zone: &zonetrail_model::ZoneId) -> (Message, Message) {
    (
        event(zone, t(10), "ev-1", vec![rec("www", None, "192.0.2.1")], vec![]),
        event(zone, t(20), "ev-2", vec![rec("www", None, "192.0.2.2")], vec![]),
    )
}

async fn a_batch_publishes_its_changes_after_applying_them(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let sink = Recorder::default();
    let state = state(&db.conn, Some(&sink));
    let (create, update) = two_changes(&zone);
    let answer = invoke(&state, sqs_event(&[("m1", create.to_json()), ("m2", update.to_json())]))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let got = sink.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "one event per history row: {got:#?}");
    assert_eq!(got[0]["action"], "create");
    assert_eq!(got[1]["action"], "update");
    assert_eq!(got[1]["before"]["values"], json!(["192.0.2.1"]));
    assert_eq!(got[1]["after"]["values"], json!(["192.0.2.2"]));
    assert_eq!(got[1]["actor"], ACTOR);
    assert_eq!(got[1]["event_id"], "ev-2");
    assert_eq!(got[1]["zone_id"], zone.as_str());
    assert_eq!(got[1]["name"], "www.example.com.");
    assert_eq!(outbox_len(&db.conn).await, 0, "published rows leave the outbox");

    // A redelivery of the same event adds no history, so nothing new is published.
    let again = invoke(&state, sqs_event(&[("m3", update.to_json())])).await.unwrap();
    assert_eq!(again, json!({"batchItemFailures": []}));
    assert_eq!(sink.ids().len(), 2);
}

async fn a_failing_sink_never_fails_the_batch_and_keeps_the_changes(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let sink = Recorder::default();
    sink.failing.store(true, Ordering::SeqCst);
    let state = state(&db.conn, Some(&sink));
    let (create, _) = two_changes(&zone);
    let answer = invoke(&state, sqs_event(&[("m1", create.to_json())])).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}), "the batch is applied all the same");
    assert_eq!(snapshot(&db.conn, &zone).await.records.len(), 1);
    assert_eq!(outbox_len(&db.conn).await, 1, "the change waits in the outbox");
    assert!(sink.ids().is_empty());
}

async fn the_scheduled_invocation_publishes_everything_due(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let sink = Recorder::default();
    let state = state(&db.conn, Some(&sink));
    // Applied with the outbox but not published (as if the function died after the commits).
    let opts = ApplyOptions { outbox: true, ..ApplyOptions::default() };
    let (create, update) = two_changes(&zone);
    for m in [&create, &update] {
        zonetrail_writer::apply_with(&db.conn, m, &opts).await.unwrap();
    }
    assert_eq!(outbox_len(&db.conn).await, 2);

    let answer = invoke(&state, json!({"notify": {}})).await.unwrap();
    assert_eq!(
        answer,
        json!({"notify": {"sent": 2, "filtered": 0, "failed": 0, "missing": 0, "more": false}})
    );
    let ids = sink.ids();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1], "in change order: {ids:?}");
    assert_eq!(outbox_len(&db.conn).await, 0);

    let again = invoke(&state, json!({"notify": {}})).await.unwrap();
    assert_eq!(again["notify"]["sent"], 0, "nothing is sent twice");
    assert_eq!(sink.ids().len(), 2);
}

async fn the_scheduled_invocation_refuses_bad_payloads_and_a_writer_without_notifications(
    backend: Backend,
) {
    let db = migrated(backend).await;
    let sink = Recorder::default();
    let on = state(&db.conn, Some(&sink));
    for (payload, says) in [
        (json!({"notify": {"zone": "Z1"}}), "notify: expected an empty object"),
        (json!({"notify": []}), "notify: expected an empty object"),
        (json!({"notify": {}, "Records": []}), "notify comes alone"),
    ] {
        let err = invoke(&on, payload.clone()).await.unwrap_err();
        assert!(err.contains(says), "{payload}: {err}");
    }
    let off = state(&db.conn, None);
    let err = invoke(&off, json!({"notify": {}})).await.unwrap_err();
    assert!(err.contains("notifications are off"), "{err}");
    let err = invoke(&off, json!({"unknown": 1})).await.unwrap_err();
    assert!(err.contains("notify"), "the error lists notify among the requests: {err}");
}

/// Two writer instances finishing their batches at once (on MariaDB): the publishing lock lets
/// one publish while the other waits, then finds nothing left, so no change is sent twice.
async fn writer_instances_publishing_together_send_each_change_once(backend: Backend) {
    let db = migrated(backend).await;
    let zone = fresh_zone();
    let opts = ApplyOptions { outbox: true, ..ApplyOptions::default() };
    for i in 0..5 {
        let m = event(
            &zone,
            t(10 + i),
            &format!("ev-{i}"),
            vec![rec("www", None, &format!("192.0.2.{}", i + 1))],
            vec![],
        );
        zonetrail_writer::apply_with(&db.conn, &m, &opts).await.unwrap();
    }
    let sink =
        Recorder { slow: Some(std::time::Duration::from_millis(300)), ..Recorder::default() };
    // One event a send, so that a pass takes a while.
    let notifier = || {
        Notifier::new(
            Publisher::new(db.conn.clone(), sink.clone(), Filter::default())
                .batch_size(1)
                .emf(false),
        )
        .exclusive(db.conn.clone())
    };
    let (a, b) = (notifier(), notifier());
    let budget = std::time::Duration::from_secs(10);
    let (ra, rb) = tokio::join!(a.publish_for(budget), b.publish_for(budget));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    if backend == Backend::Sqlite {
        // One process on SQLite (`zonetrail up` runs one publisher): no lock to take.
        assert!(ra.report.sent + rb.report.sent >= 5);
        return;
    }
    let mut ids = sink.ids();
    assert_eq!(ids.len(), 5, "each change sent once: {ids:?} ({ra:?}, {rb:?})");
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert_eq!(ra.report.sent + rb.report.sent, 5);
    assert_eq!(outbox_len(&db.conn).await, 0);
}
