//! Findings off the writer's path (issue 20): a `queue` writer sends each batch's findings
//! work to the findings queue (moto's SQS, through the real SDK) instead of evaluating it;
//! the `evaluator` function evaluates what that queue delivers; a failed send is evaluated
//! in the writer; a body that is not findings work is a batch item failure and takes no
//! other message down with it.

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::config::{Credentials, Region};
use lambda_runtime::{Context, LambdaEvent};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::sync::atomic::{AtomicU64, Ordering};
use zonetrail_findings::{Findings, Work};
use zonetrail_model::entity::findings;
use zonetrail_model::testing::Backend;
use zonetrail_model::{
    AccountId, HostedZone, Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage,
    Routing, ZoneChange, ZoneId, ZoneMessage,
};
use zonetrail_writer::lambda::{
    DEFAULT_CONCURRENCY, FindingsRole, State, WORK_MESSAGE_BYTES, WorkQueue, handle,
};

use crate::on_both_backends;
use crate::support::{fresh_zone, migrated, ok, t};

on_both_backends!(
    a_queue_writer_hands_its_work_to_the_evaluator_and_evaluates_nothing_itself,
    a_failed_send_is_evaluated_in_the_writer,
    the_evaluator_refuses_a_bad_body_and_evaluates_the_rest,
);

async fn sqs() -> aws_sdk_sqs::Client {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(zonetrail_model::testing::aws_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "zonetrail-tests"))
        .load()
        .await;
    aws_sdk_sqs::Client::new(&sdk)
}

async fn queue(client: &aws_sdk_sqs::Client) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!("findings-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    client.create_queue().queue_name(name).send().await.unwrap().queue_url.unwrap()
}

/// Everything on the queue (moto hands out what is there at once).
async fn drain(client: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let got = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if got.is_empty() {
            return bodies;
        }
        bodies.extend(got.into_iter().filter_map(|m| m.body));
    }
}

fn state(db: &DatabaseConnection, findings: FindingsRole) -> State {
    State {
        findings: Some(findings),
        db: db.clone(),
        emit_metrics: false,
        concurrency: DEFAULT_CONCURRENCY,
        options: Default::default(),
        notify: None,
    }
}

fn batch(bodies: &[(&str, String)]) -> SqsEvent {
    let records: Vec<serde_json::Value> = bodies
        .iter()
        .map(|(id, body)| {
            serde_json::json!({
                "messageId": id, "receiptHandle": format!("rh-{id}"), "body": body,
                "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:zonetrail-findings",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

async fn run(state: &State, bodies: &[(&str, String)]) -> Vec<String> {
    handle(state, LambdaEvent::new(batch(bodies), Context::default()))
        .await
        .expect("the handler reports failures, it does not fail")
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

/// A public zone, and a records message putting a private address in it (a finding that
/// needs no resource listing).
async fn zone_and_change(db: &DatabaseConnection) -> (ZoneId, String) {
    let z = fresh_zone();
    ok(
        db,
        &Message::Zone(ZoneMessage {
            account_id: Some(AccountId::parse("111111111111").unwrap()),
            zone_id: z.clone(),
            observed_at: t(1),
            origin: Origin::Sweep { sweep_id: format!("zones-{z}"), page: 0 },
            change: ZoneChange::Present(HostedZone {
                id: z.clone(),
                name: RecordName::parse("example.com.").unwrap(),
                private: false,
                comment: None,
                vpcs: vec![],
                record_count: None,
            }),
        }),
    )
    .await;
    let change = Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: z.clone(),
        observed_at: t(10),
        origin: Origin::Event {
            backfill: false,
            event_id: format!("ev-{z}"),
            event_name: "ChangeResourceRecordSets".into(),
            actor: None,
            actor_role: None,
            comment: None,
        },
        upserts: vec![RecordSet {
            name: RecordName::parse("db.example.com.").unwrap(),
            rtype: RecordType::A,
            set_identifier: None,
            ttl: Some(300),
            values: vec!["10.1.2.3".into()],
            alias_target: None,
            routing: Routing::default(),
        }],
        deletes: vec![],
    });
    (z, change.to_json())
}

async fn open(db: &DatabaseConnection, z: &ZoneId) -> Vec<String> {
    findings::Entity::find()
        .filter(findings::Column::ZoneId.eq(z.as_str()))
        .filter(findings::Column::OpenKey.is_not_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

async fn a_queue_writer_hands_its_work_to_the_evaluator_and_evaluates_nothing_itself(
    backend: Backend,
) {
    let db = migrated(backend).await;
    let db = &db.conn;
    let client = sqs().await;
    let url = queue(&client).await;
    let engine = Findings::new(None);
    let writer = state(
        db,
        FindingsRole::Queue {
            engine: engine.clone(),
            queue: WorkQueue::new(client.clone(), &url, WORK_MESSAGE_BYTES),
        },
    );
    let (z, change) = zone_and_change(db).await;
    assert!(run(&writer, &[("m1", change)]).await.is_empty());
    assert!(open(db, &z).await.is_empty(), "the writer evaluates nothing itself");

    let bodies = drain(&client, &url).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let work = Work::from_message(&bodies[0]).unwrap();
    assert_eq!(work.record_ids.len(), 1, "{work:?}");

    let evaluator = state(db, FindingsRole::Evaluator(engine));
    let failed = run(&evaluator, &[("w1", bodies[0].clone())]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(open(db, &z).await, ["private_ip_in_public_zone"]);
}

async fn a_failed_send_is_evaluated_in_the_writer(backend: Backend) {
    let db = migrated(backend).await;
    let db = &db.conn;
    let client = sqs().await;
    let missing =
        format!("{}/000000000000/no-such-queue", zonetrail_model::testing::aws_endpoint());
    let writer = state(
        db,
        FindingsRole::Queue {
            engine: Findings::new(None),
            queue: WorkQueue::new(client, missing, WORK_MESSAGE_BYTES),
        },
    );
    let (z, change) = zone_and_change(db).await;
    assert!(run(&writer, &[("m1", change)]).await.is_empty(), "the batch stands");
    assert_eq!(open(db, &z).await, ["private_ip_in_public_zone"]);
}

async fn the_evaluator_refuses_a_bad_body_and_evaluates_the_rest(backend: Backend) {
    let db = migrated(backend).await;
    let db = &db.conn;
    let (z, change) = zone_and_change(db).await;
    // Applied with no findings at all: the record is there, its finding is not yet.
    let applied = ok(db, &Message::from_json(&change).unwrap()).await;
    assert!(open(db, &z).await.is_empty());
    let good = applied.findings.to_messages(WORK_MESSAGE_BYTES).remove(0);
    let evaluator = state(db, FindingsRole::Evaluator(Findings::new(None)));
    let failed = run(
        &evaluator,
        &[("bad-json", "{not json".into()), ("records-message", change.clone()), ("good", good)],
    )
    .await;
    assert_eq!(failed, ["bad-json", "records-message"]);
    assert_eq!(open(db, &z).await, ["private_ip_in_public_zone"]);
}
