//! The Lambda handler, called as the runtime would: the schedule, CloudTrail events and
//! sweep-queue messages (moto's SQS as the sweep queue).

use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use zonetrail_ingest::fake_route53::{FakeConfig, ZoneSpec};
use zonetrail_ingest::{IngestConfig, MemoryQueue, State, SweepTask, lambda};
use zonetrail_model::Message;

use crate::sqs::{create_queue, receive_all};
use crate::support::{Collector, fake, fast_config, memory_state, moto_sdk, own_account, sdk_for};
use crate::sweep_fake::a;

fn context(deadline_in: Duration) -> Context {
    let mut context = Context::default();
    context.request_id = "req-1".into();
    context.deadline = (SystemTime::now() + deadline_in)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    context
}

fn schedule() -> Value {
    json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-22T12:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/zonetrail-sweep"], "detail": {}
    })
}

fn sqs_event(bodies: &[(&str, String)]) -> Value {
    json!({"Records": bodies.iter().map(|(id, body)| json!({
        "messageId": id, "receiptHandle": "rh", "body": body, "attributes": {}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sweeps", "awsRegion": "us-east-1"
    })).collect::<Vec<_>>()})
}

/// A state whose route53 is the fake, whose queue is in-process, and whose sweep queue is moto's SQS.
async fn state_with_sweep_queue(
    endpoint: &str,
    sweep_queue_url: &str,
    mut config: IngestConfig,
) -> (State, Collector) {
    config.sweep_queue_url = Some(sweep_queue_url.to_owned());
    let route53_sdk = sdk_for(endpoint).await;
    let (queue, mut receiver) = MemoryQueue::new(4, config.max_message_bytes);
    let collector = Collector::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            messages.push(Message::from_json(&body).unwrap());
        }
        messages
    });
    let mut state =
        State::own_account(&route53_sdk, config.clone(), Arc::new(queue), own_account());
    // The sweep queue lives in moto.
    state.sweep_queue = Some(zonetrail_ingest::SqsQueue::new(
        aws_sdk_sqs::Client::new(&moto_sdk().await),
        sweep_queue_url,
        config.max_message_bytes,
    ));
    (state, collector)
}

#[tokio::test]
async fn a_scheduled_sweep_out_of_time_continues_through_the_sweep_queue() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("lambda.example"));
    fake.add_record_sets(
        &zone,
        (0..100).map(|i| a(&format!("h{i:03}.lambda.example"), "192.0.2.1")),
    );
    let sqs = aws_sdk_sqs::Client::new(&moto_sdk().await);
    let sweep_queue = create_queue(&sqs).await;
    let mut config = fast_config();
    config.sweep.record_page_size = 5;
    config.sweep.route53_rps = 10.0;
    config.sweep.deadline_margin = Duration::from_secs(1);
    let (state, collector) = state_with_sweep_queue(fake.endpoint(), &sweep_queue, config).await;

    // 1.3 s to live, less a 1 s margin: a few calls, then the hand-over.
    let answer =
        lambda::handle(&state, LambdaEvent::new(schedule(), context(Duration::from_millis(1300))))
            .await
            .unwrap();
    assert!(answer["sweep_id"].is_string(), "{answer}");
    let mut invocations = 1;
    loop {
        let bodies = receive_all(&sqs, &sweep_queue).await;
        if bodies.is_empty() {
            break;
        }
        assert_eq!(bodies.len(), 1, "one continuation at a time");
        SweepTask::from_json(&bodies[0]).expect("the continuation is a sweep task");
        invocations += 1;
        assert!(invocations < 40);
        let answer = lambda::handle(
            &state,
            LambdaEvent::new(
                sqs_event(&[("m-1", bodies[0].clone())]),
                context(Duration::from_millis(1300)),
            ),
        )
        .await
        .unwrap();
        assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    }
    drop(state);
    let sent = collector.messages().await;
    assert!(invocations > 2, "the sweep was handed over ({invocations} invocations)");
    assert_eq!(sent.unique_upserts(&zone).len(), 100);
    sent.assert_pages_complete(&zone);
}

#[tokio::test]
async fn a_cloudtrail_event_is_applied_and_an_incomplete_one_queues_a_targeted_sweep() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("events.example"));
    let sqs = aws_sdk_sqs::Client::new(&moto_sdk().await);
    let sweep_queue = create_queue(&sqs).await;
    let (state, collector) =
        state_with_sweep_queue(fake.endpoint(), &sweep_queue, fast_config()).await;

    let event = |changes: Value| {
        json!({
            "version": "0", "id": "x", "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53", "time": "2026-11-22T10:00:00Z",
            "account": "123456789012",
            "detail": {"eventID": "e-1", "eventName": "ChangeResourceRecordSets", "eventTime": "2026-11-22T10:00:00Z", "eventSource": "route53.amazonaws.com",
                       "requestParameters": {"hostedZoneId": zone.as_str(), "changeBatch": changes}}
        })
    };
    let applied = lambda::handle(
        &state,
        LambdaEvent::new(event(json!({"changes": [{"action": "CREATE", "resourceRecordSet": {"name": "www.events.example", "type": "A", "tTL": 60, "resourceRecords": [{"value": "192.0.2.1"}]}}]})), context(Duration::from_secs(60))),
    )
    .await
    .unwrap();
    assert_eq!(applied["messages"], 1, "{applied}");
    let queued = lambda::handle(
        &state,
        LambdaEvent::new(event(Value::Null), context(Duration::from_secs(60))),
    )
    .await
    .unwrap();
    let sweep_id = queued["sweep"]["queued"].as_str().expect("a queued sweep").to_owned();
    let tasks = receive_all(&sqs, &sweep_queue).await;
    assert_eq!(tasks.len(), 1);
    let task = SweepTask::from_json(&tasks[0]).unwrap();
    assert_eq!(task.sweep_id, sweep_id);
    assert_eq!(
        task.account_id,
        Some(own_account()),
        "the targeted sweep keeps the event's account"
    );

    // The next invocation, from the sweep queue, runs it.
    let answer = lambda::handle(
        &state,
        LambdaEvent::new(sqs_event(&[("m-1", tasks[0].clone())]), context(Duration::from_secs(60))),
    )
    .await
    .unwrap();
    assert_eq!(answer["batchItemFailures"], json!([]));
    drop(state);
    let sent = collector.messages().await;
    assert_eq!(sent.upserts(&zone).len(), 1, "the event's record");
    assert_eq!(sent.done(&zone).len(), 1, "the targeted sweep finished");
}

#[tokio::test]
async fn the_schedule_fans_out_one_sweep_task_per_account() {
    let fake = fake(FakeConfig::default()).await;
    let sqs = aws_sdk_sqs::Client::new(&moto_sdk().await);
    let sweep_queue = create_queue(&sqs).await;
    let (mut state, collector) =
        state_with_sweep_queue(fake.endpoint(), &sweep_queue, fast_config()).await;
    let accounts = ["123456789012", "111111111111", "222222222222"]
        .map(|a| zonetrail_model::AccountId::parse(a).unwrap());
    let settings = zonetrail_ingest::ScopeSettings {
        accounts: zonetrail_ingest::AccountsSetting::List(accounts.to_vec()),
        ..Default::default()
    };
    state.accounts = zonetrail_ingest::Accounts::resolved(
        &sdk_for(fake.endpoint()).await,
        settings,
        own_account(),
        "aws",
    );
    let answer =
        lambda::handle(&state, LambdaEvent::new(schedule(), context(Duration::from_secs(60))))
            .await
            .unwrap();
    assert_eq!(answer["accounts_queued"], 3, "{answer}");
    let mut tasks: Vec<SweepTask> = receive_all(&sqs, &sweep_queue)
        .await
        .iter()
        .map(|body| SweepTask::from_json(body).unwrap())
        .collect();
    tasks.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let got: Vec<_> = tasks.iter().map(|t| t.account_id.clone().unwrap()).collect();
    let mut want = accounts.to_vec();
    want.sort();
    assert_eq!(got, want);
    assert!(tasks.iter().all(|t| t.is_full() && t.sweep_id == answer["sweep_id"]));
    drop(state);
    // Nothing was swept inline.
    assert!(collector.messages().await.0.is_empty());
}

#[tokio::test]
async fn a_poison_sweep_message_is_reported_alone_and_unknown_payloads_fail() {
    let fake = fake(FakeConfig::default()).await;
    let zone = fake.create_zone(ZoneSpec::public("poison.example"));
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, fast_config());
    let good = SweepTask::zone(zone.clone()).to_json();
    let answer = lambda::handle(
        &state,
        LambdaEvent::new(
            sqs_event(&[
                ("bad-1", "not json".into()),
                ("good-1", good),
                ("bad-2", "{\"v\":9}".into()),
            ]),
            context(Duration::from_secs(60)),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "bad-1"}, {"itemIdentifier": "bad-2"}])
    );

    let err = lambda::handle(
        &state,
        LambdaEvent::new(json!({"hello": "world"}), context(Duration::from_secs(60))),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("unrecognised invocation"), "{err}");
    drop(state);
    assert_eq!(
        collector.messages().await.done(&zone).len(),
        1,
        "the good message was still handled"
    );
}

#[tokio::test]
async fn a_zone_that_cannot_be_swept_fails_its_sweep_message_but_not_the_schedule() {
    use zonetrail_ingest::fake_route53::Faults;
    let fake = fake(FakeConfig {
        faults: Faults { ignore_start_identifier: true, ..Faults::default() },
        ..FakeConfig::default()
    })
    .await;
    let zone = fake.create_zone(ZoneSpec::public("broken.example"));
    fake.add_record_sets(
        &zone,
        (0..5).map(|i| crate::sweep_fake::weighted("w.broken.example", &format!("s{i}"), 1)),
    );
    let mut config = fast_config();
    config.sweep.record_page_size = 2;
    let (state, collector) = memory_state(&sdk_for(fake.endpoint()).await, config);

    // From the sweep queue: reported, so SQS tries it again (and parks it in the DLQ at last).
    let task = SweepTask::zone(zone.clone()).to_json();
    let answer = lambda::handle(
        &state,
        LambdaEvent::new(sqs_event(&[("t-1", task)]), context(Duration::from_secs(60))),
    )
    .await
    .unwrap();
    assert_eq!(answer["batchItemFailures"], json!([{"itemIdentifier": "t-1"}]));

    // On the schedule: logged and counted; the next scheduled sweep tries the zone again.
    let answer =
        lambda::handle(&state, LambdaEvent::new(schedule(), context(Duration::from_secs(60))))
            .await
            .unwrap();
    assert_eq!(answer["zones_failed"], 1, "{answer}");
    drop(state);
    assert!(
        collector.messages().await.done(&zone).is_empty(),
        "a zone that failed is never reconciled"
    );
}
