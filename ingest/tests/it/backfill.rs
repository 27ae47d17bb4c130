//! The backfill (issue 17) against our fake CloudTrail, Route 53 unused: what the events
//! become, what is counted and skipped, throttling, resume and rerun, and the Lambda's fan-out
//! and continuation through moto's SQS.

use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;
use zonetrail_ingest::backfill::{BackfillTask, NoStoredWindows};
use zonetrail_ingest::event::{Decoded, decode_event};
use zonetrail_ingest::fake_cloudtrail::{FakeCloudTrail, FakeCloudTrailConfig, events};
use zonetrail_ingest::{
    BackfillReport, BackfillRequest, BackfillStore, IngestConfig, MemoryQueue, NoBackfillObserver,
    State, backfill_all, lambda,
};
use zonetrail_model::{AccountId, BackfillProgress, Message, Origin};

use crate::sqs::{create_queue, receive_all};
use crate::support::{Collector, Sent, fast_config, memory_state, moto_sdk, own_account, sdk_for};

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const ZONE: &str = "Z1PA6795UKMFR9";

fn change(id: &str, at: DateTime<Utc>, name: &str, action: &str) -> Value {
    events::change_batch(
        id,
        at,
        ZONE,
        json!([events::rrset_change(action, name, "A", 300, &["192.0.2.1"])]),
        ALICE,
    )
}

fn config() -> IngestConfig {
    let mut config = fast_config();
    config.cloudtrail_rps = 500.0;
    config
}

/// Windows as the writer keeps them: the most advanced progress per window.
struct Stored(Vec<BackfillProgress>);

impl Stored {
    fn from(sent: &Sent) -> Self {
        let mut best: HashMap<String, BackfillProgress> = HashMap::new();
        for p in progress(sent) {
            let rank = |p: &BackfillProgress| (p.pages, p.done, p.observed_at);
            match best.get(&p.backfill_id) {
                Some(old) if rank(old) >= rank(&p) => {}
                _ => {
                    best.insert(p.backfill_id.clone(), p);
                }
            }
        }
        Self(best.into_values().collect())
    }
}

impl BackfillStore for Stored {
    fn windows<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, Result<Vec<BackfillProgress>, String>> {
        let found = self.0.iter().filter(|p| &p.account_id == account).cloned().collect();
        Box::pin(async move { Ok(found) })
    }
}

fn progress(sent: &Sent) -> Vec<BackfillProgress> {
    sent.0
        .iter()
        .filter_map(|m| match m {
            Message::BackfillProgress(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// Every observation's event id, in the order sent.
fn event_ids(sent: &Sent) -> Vec<String> {
    sent.0
        .iter()
        .filter_map(|m| match m {
            Message::Records(r) => Some(&r.origin),
            Message::Zone(z) => Some(&z.origin),
            _ => None,
        })
        .filter_map(|o| match o {
            Origin::Event { event_id, .. } => Some(event_id.clone()),
            _ => None,
        })
        .collect()
}

async fn run(
    fake: &FakeCloudTrail,
    request: &BackfillRequest,
    store: &dyn BackfillStore,
) -> (BackfillReport, Sent) {
    let (state, collector) = memory_state(&sdk_for(&fake.endpoint()).await, config());
    let report = backfill_all(&state, request, store, &NoBackfillObserver).await.unwrap();
    drop(state);
    (report, collector.messages().await)
}

fn last_hours(h: i64) -> BackfillRequest {
    BackfillRequest::new(Utc::now() - Duration::hours(h), None, Utc::now()).unwrap().0
}

#[tokio::test]
async fn events_become_the_live_paths_messages_in_the_account_marked_backfill() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t = Utc::now() - Duration::hours(2);
    let created = change("ev-create", t, "new.example.com", "CREATE");
    let upserted = change("ev-upsert", t + Duration::minutes(1), "up.example.com", "UPSERT");
    let deleted = events::delete_hosted_zone("ev-delete", t + Duration::minutes(5), ZONE, ALICE);
    fake.push_all([created.clone(), upserted.clone(), deleted.clone()]);
    fake.push(events::failed_call(
        change("ev-failed", t + Duration::minutes(2), "x.example.com", "CREATE"),
        "InvalidChangeBatch",
        "Tried to create a resource record set that already exists",
    ));
    fake.push(events::truncated(change(
        "ev-truncated",
        t + Duration::minutes(3),
        "y.example.com",
        "CREATE",
    )));
    fake.push_raw("ev-garbled", t + Duration::minutes(4), "ChangeResourceRecordSets", "{not json");

    let (report, sent) = run(&fake, &last_hours(3), &NoStoredWindows).await;
    let counts = report.counts;
    assert_eq!(
        (counts.events, counts.applied, counts.failed_calls, counts.incomplete, counts.malformed),
        (6, 3, 1, 1, 1),
        "{report:?}"
    );
    assert_eq!(report.accounts[0].account_id, own_account());

    // The same messages the live path makes from each event, in the account, marked backfill.
    let mut expected = Vec::new();
    for record in [&deleted, &upserted, &created] {
        let Ok(Decoded::Plan(plan)) = decode_event(&events::envelope(record.clone())) else {
            panic!("the live path decodes {record}")
        };
        for mut m in plan.messages {
            match &mut m {
                Message::Records(r) => {
                    r.account_id = Some(own_account());
                    if let Origin::Event { backfill, .. } = &mut r.origin {
                        *backfill = true;
                    }
                }
                Message::Zone(z) => {
                    z.account_id = Some(own_account());
                    if let Origin::Event { backfill, .. } = &mut z.origin {
                        *backfill = true;
                    }
                }
                _ => {}
            }
            expected.push(m);
        }
    }
    let observed: Vec<Message> =
        sent.0.iter().filter(|m| !matches!(m, Message::BackfillProgress(_))).cloned().collect();
    assert_eq!(observed, expected);
    // One page, after its observations: done, with the counts.
    let [p] = progress(&sent).try_into().expect("one progress");
    assert!(p.done && p.pages == 1 && p.next_token.is_none());
    assert_eq!(p.counts, counts);
    assert!(matches!(sent.0.last(), Some(Message::BackfillProgress(_))));
}

#[tokio::test]
async fn throttling_and_server_errors_lose_no_page() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t = Utc::now() - Duration::hours(1);
    fake.push_all((0..130).map(|i| {
        change(
            &format!("ev-{i:03}"),
            t + Duration::seconds(i),
            &format!("h{i}.example.com"),
            "UPSERT",
        )
    }));
    fake.throttle_next(3);
    fake.fail_next(2);
    let (report, sent) = run(&fake, &last_hours(2), &NoStoredWindows).await;
    assert_eq!(report.counts.events, 130);
    assert_eq!(report.pages, 3, "50 + 50 + 30");
    assert!(report.throttled >= 5, "{report:?}");
    assert!(fake.stats().server_errors >= 2 && fake.stats().injected_throttles >= 3);
    let mut ids = event_ids(&sent);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 130, "every event once");
}

#[tokio::test]
async fn a_stored_window_resumes_from_its_token_and_a_rerun_reads_nothing_old() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t = Utc::now() - Duration::hours(1);
    fake.push_all((0..120).map(|i| {
        change(
            &format!("ev-{i:03}"),
            t + Duration::seconds(i),
            &format!("h{i}.example.com"),
            "UPSERT",
        )
    }));
    let request =
        BackfillRequest::new(Utc::now() - Duration::hours(2), None, Utc::now()).unwrap().0;
    let (first, sent) = run(&fake, &request, &NoStoredWindows).await;
    assert_eq!((first.pages, first.counts.events), (3, 120));

    // Killed after its first page: only that page's progress was stored.
    let after_one: Vec<BackfillProgress> =
        progress(&sent).into_iter().filter(|p| p.pages == 1).collect();
    assert!(after_one[0].next_token.is_some() && !after_one[0].done);
    let (resumed, rest) = run(&fake, &request, &Stored(after_one.clone())).await;
    assert_eq!(resumed.accounts[0].windows_resumed, 1);
    assert_eq!((resumed.pages, resumed.counts.events), (2, 70), "only the rest: {resumed:?}");
    let last = progress(&rest).into_iter().max_by_key(|p| p.pages).unwrap();
    assert_eq!(
        (last.backfill_id.as_str(), last.pages, last.done),
        (after_one[0].backfill_id.as_str(), 3, true)
    );
    assert_eq!(last.counts.events, 120, "the window's counts over both runs");

    // Done: the same request reads nothing, and sends nothing.
    let (again, nothing) = run(&fake, &request, &Stored::from(&rest)).await;
    assert_eq!((again.pages, again.counts.events, again.windows_read), (0, 0, 0));
    assert_eq!(again.windows_skipped, 1);
    assert!(nothing.0.is_empty(), "{:?}", nothing.0);
}

#[tokio::test]
async fn a_refused_token_restarts_the_window_from_read_until() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t = Utc::now() - Duration::hours(1);
    fake.push_all((0..120).map(|i| {
        change(
            &format!("ev-{i:03}"),
            t + Duration::seconds(i),
            &format!("h{i}.example.com"),
            "UPSERT",
        )
    }));
    fake.invalidate_next_token();
    let (report, sent) = run(&fake, &last_hours(2), &NoStoredWindows).await;
    assert!(report.failed_accounts().next().is_none(), "{report:?}");
    let mut ids = event_ids(&sent);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 120, "every event, some read twice");
    assert!(progress(&sent).iter().any(|p| p.done));
}

fn context(deadline_in: std::time::Duration) -> Context {
    let mut context = Context::default();
    context.request_id = "req-1".into();
    context.deadline = (SystemTime::now() + deadline_in)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    context
}

fn sqs_event(body: &str) -> Value {
    json!({"Records": [{
        "messageId": "m-1", "receiptHandle": "rh", "body": body, "attributes": {}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sweeps", "awsRegion": "us-east-1"
    }]})
}

#[tokio::test]
async fn the_lambda_fans_out_a_task_per_account_that_continues_through_the_sweep_queue() {
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    let t = Utc::now() - Duration::hours(1);
    fake.push_all((0..150).map(|i| {
        change(
            &format!("ev-{i:03}"),
            t + Duration::seconds(i),
            &format!("h{i}.example.com"),
            "UPSERT",
        )
    }));
    let sqs = aws_sdk_sqs::Client::new(&moto_sdk().await);
    let sweep_queue = create_queue(&sqs).await;
    let mut config = config();
    config.cloudtrail_rps = 1.0;
    config.sweep.deadline_margin = std::time::Duration::from_secs(1);
    config.sweep_queue_url = Some(sweep_queue.clone());
    let (queue, mut receiver) = MemoryQueue::new(4, config.max_message_bytes);
    let collector = Collector::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            messages.push(Message::from_json(&body).unwrap());
        }
        messages
    });
    let mut state = State::own_account(
        &sdk_for(&fake.endpoint()).await,
        config.clone(),
        Arc::new(queue),
        own_account(),
    );
    state.sweep_queue =
        Some(zonetrail_ingest::SqsQueue::new(sqs.clone(), &sweep_queue, config.max_message_bytes));

    // A malformed time queues nothing.
    let bad = lambda::handle(
        &state,
        LambdaEvent::new(
            json!({"backfill": {"since": "yesterday"}}),
            context(std::time::Duration::from_secs(60)),
        ),
    )
    .await
    .unwrap_err();
    assert!(bad.to_string().contains("yesterday"), "{bad}");
    assert!(receive_all(&sqs, &sweep_queue).await.is_empty());

    let answer = lambda::handle(
        &state,
        LambdaEvent::new(
            json!({"backfill": {"since": "2h"}}),
            context(std::time::Duration::from_secs(60)),
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer["accounts_queued"], 1, "{answer}");
    let mut invocations = 0;
    loop {
        let bodies = receive_all(&sqs, &sweep_queue).await;
        if bodies.is_empty() {
            break;
        }
        assert_eq!(bodies.len(), 1, "one task at a time");
        let task = BackfillTask::from_json(&bodies[0]).expect("a backfill task");
        assert_eq!(task.account_id, own_account());
        invocations += 1;
        assert!(invocations < 20);
        // 1.6 s to live, less a 1 s margin, at 1 request a second: two pages at most.
        let answer = lambda::handle(
            &state,
            LambdaEvent::new(
                sqs_event(&bodies[0]),
                context(std::time::Duration::from_millis(1600)),
            ),
        )
        .await
        .unwrap();
        assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    }
    drop(state);
    let sent = collector.messages().await;
    assert!(invocations >= 2, "the task was continued ({invocations} invocations)");
    let mut ids = event_ids(&sent);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 150);
    let last = progress(&sent).into_iter().max_by_key(|p| p.pages).unwrap();
    assert!(last.done && last.pages == 3 && last.counts.events == 150, "{last:?}");
}

/// `AWS_ENDPOINT_URL_CLOUDTRAIL` points only CloudTrail at the fake when the configuration
/// comes from the environment (the CLI's case). Environment variables are the process's, so
/// the test runs itself again in a child process with them set.
#[tokio::test]
async fn aws_endpoint_url_cloudtrail_points_only_cloudtrail_elsewhere() {
    const CHILD: &str = "ZONETRAIL_TEST_BACKFILL_ENV_CHILD";
    if std::env::var(CHILD).is_ok() {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let (state, collector) = memory_state(&sdk, config());
        let report = backfill_all(&state, &last_hours(2), &NoStoredWindows, &NoBackfillObserver)
            .await
            .unwrap();
        drop(state);
        let sent = collector.messages().await;
        assert_eq!(report.counts.events, 1, "{report:?}");
        assert_eq!(event_ids(&sent), ["ev-env"]);
        return;
    }
    let fake = FakeCloudTrail::start(FakeCloudTrailConfig::unlimited()).await.unwrap();
    fake.push(change("ev-env", Utc::now() - Duration::minutes(30), "env.example.com", "UPSERT"));
    let exe = std::env::current_exe().unwrap();
    let out = tokio::process::Command::new(exe)
        .args([
            "--exact",
            "backfill::aws_endpoint_url_cloudtrail_points_only_cloudtrail_elsewhere",
            "--nocapture",
        ])
        .env(CHILD, "1")
        // Everything else at an address nothing answers.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", fake.endpoint())
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 passed"), "the child ran the test: {stdout}");
    assert!(fake.stats().pages >= 1);
}
